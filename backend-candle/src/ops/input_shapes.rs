//! The input shapes each op accepts: one table ([`OpDef::input_shapes`])
//! that shape inference checks before an op's own rules, and that the
//! catalogue's docs are written from ([`shapes_table`]; a test keeps
//! `ops/shapes.md` equal to it).

use super::context::OpContext;
use super::registry::{OpDef, Registry};
use crate::error::BackendError;

/// The inputs an op accepts, per sample (no batch dimension).
///
/// ```
/// use archspace_candle::ops::{InputShapes, Registry};
/// let registry = Registry::standard();
/// assert_eq!(registry.get("dense").unwrap().input_shapes(), InputShapes::Vector);
/// assert_eq!(registry.get("conv2d").unwrap().input_shapes(), InputShapes::Image);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum InputShapes {
    /// One image `[C, H, W]`.
    Image,
    /// One vector `[D]` (after a `flatten` or a global pool).
    Vector,
    /// One input with a channel dimension first, `[C, …]`.
    WithChannels,
    /// One input of any shape.
    Any,
    /// Whatever the op's own inference accepts (the default of
    /// [`OpDef::input_shapes`], for ops defined outside this crate).
    Unchecked,
    /// One or more inputs with a channel dimension that agree beyond it
    /// (`[C_i, …]`, the same `…` for all).
    AgreeBeyondChannels,
}

impl InputShapes {
    /// The accepted inputs in words, as the catalogue's docs list them.
    pub fn describe(self) -> &'static str {
        match self {
            InputShapes::Image => "one image `[C, H, W]`",
            InputShapes::Vector => "one vector `[D]`: put a `flatten` or `global_avg_pool` in front of an image",
            InputShapes::WithChannels => "one input `[C, …]` with a channel dimension",
            InputShapes::Any => "one input of any shape",
            InputShapes::Unchecked => "checked by the op's own inference",
            InputShapes::AgreeBeyondChannels => {
                "one or more inputs `[C_i, …]` with a channel dimension, equal beyond it"
            }
        }
    }

    /// Checks the module's inputs, with an error naming the module.
    ///
    /// # Errors
    /// [`BackendError::Shape`] where an input does not fit.
    pub fn check(self, ctx: &OpContext<'_>) -> Result<(), BackendError> {
        match self {
            InputShapes::Image => ctx.image_input().map(|_| ()),
            InputShapes::Vector => match ctx.single_input()? {
                [_] => Ok(()),
                other => Err(ctx.shape_error(format!(
                    "expects a vector input [D], got {other:?}; add a flatten or global_avg_pool before it"
                ))),
            },
            InputShapes::WithChannels => match ctx.single_input()? {
                [] => Err(ctx.shape_error("expects an input with a channel dimension, got a scalar")),
                _ => Ok(()),
            },
            InputShapes::Any => ctx.single_input().map(|_| ()),
            InputShapes::Unchecked => Ok(()),
            InputShapes::AgreeBeyondChannels => {
                let Some(first) = ctx.inputs.first() else { return Err(ctx.shape_error("expects at least one input")) };
                if first.is_empty() {
                    return Err(ctx.shape_error("expects inputs with a channel dimension"));
                }
                for (i, shape) in ctx.inputs.iter().enumerate() {
                    if shape.len() != first.len() || shape[1..] != first[1..] {
                        return Err(ctx.shape_error(format!(
                            "input {i} has shape {shape:?}, which does not match input 0 {first:?} beyond channels"
                        )));
                    }
                }
                Ok(())
            }
        }
    }
}

/// The catalogue's table of accepted inputs, in Markdown: one row per op of
/// `registry`, by name (what `ops/shapes.md` holds for the standard registry).
pub fn shapes_table(registry: &Registry) -> String {
    let mut table = String::from("| op | accepts |\n|---|---|\n");
    for name in registry.names() {
        if let Some(def) = registry.get(name) {
            table.push_str(&format!("| `{name}` | {} |\n", def.input_shapes().describe()));
        }
    }
    table
}

/// Checks `ctx`'s inputs against `def`'s table entry, then infers.
pub(crate) fn infer_checked(def: &dyn OpDef, ctx: &OpContext<'_>) -> Result<super::OpInfo, BackendError> {
    def.input_shapes().check(ctx)?;
    def.infer(ctx)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `ops/shapes.md` (the catalogue's docs) is the table of the standard
    /// registry; after changing an op's inputs, write the new table there.
    #[test]
    fn the_docs_table_is_the_registry_table() {
        let docs = include_str!("shapes.md");
        let table = shapes_table(&Registry::standard());
        assert!(docs.contains(&table), "ops/shapes.md is out of date; its table should be:\n{table}");
    }
}
