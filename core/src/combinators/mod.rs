//! DeepArchitect's combinators, as methods on [`Space`].
//!
//! Substitution combinators (`repeat`, `optional`, `or`, `permutation`,
//! `split_combine`, `nested_repeat`, `dense_block`) fire once their
//! hyperparameters have values and put a fresh sub-graph in their place;
//! `residual` and `sequential` wire at once. Local hyperparameter names are
//! DeepArchitect's (`num_reps`, `opt`, `idx`, `perm_idx`, `num_splits`,
//! `num_applies`, `end_in_combine`), so paths read e.g. `left/num_reps`.
//! Content built by a combinator lives in the scope of its module, with one
//! child scope per copy: `left/0/conv2d`, `left/1/conv2d`, …

mod dag;
mod dense_block;
mod nested_repeat;
mod optional;
mod or;
mod permutation;
mod repeat;
mod residual;
mod select;
mod split_combine;

use std::sync::Arc;

use crate::error::SpecError;
use crate::io::Io;
use crate::space::{Space, Values};
use crate::value::Value;

pub use dag::{Boundary, DagCell, EdgeFactory, NodeFactory, OffPath};
pub(crate) use dag::{DagSpec, count_dag_group, feasible_values, measure_dag_group, read_by_a_cell};
pub use or::Alternatives;

/// A sub-space factory: builds a fresh copy of a sub-graph each time it is called.
pub type Factory = Arc<dyn Fn(&mut Space) -> Result<Io, SpecError> + Send + Sync>;

/// A factory of combine modules taking the number of inputs (`in0 .. in{n-1}`).
pub type CombineFactory = Arc<dyn Fn(&mut Space, usize) -> Result<Io, SpecError> + Send + Sync>;

/// Renames a single-input single-output `Io` to the `in` / `out` convention.
pub(crate) fn as_siso(io: &Io) -> Result<Io, SpecError> {
    Ok(Io::single(io.single_input()?, io.single_output()?))
}

/// Reads a positive integer hyperparameter value.
pub(crate) fn positive_int(values: &Values, name: &str) -> Result<usize, SpecError> {
    match values.get(name) {
        Some(Value::Int(n)) if *n > 0 => Ok(*n as usize),
        other => Err(SpecError::BadValue {
            path: String::new(),
            value: other.cloned().unwrap_or(Value::Bool(false)),
            expected: format!("`{name}` must be a positive integer"),
        }),
    }
}

/// Reads a boolean hyperparameter value.
pub(crate) fn flag(values: &Values, name: &str) -> Result<bool, SpecError> {
    match values.get(name) {
        Some(Value::Bool(b)) => Ok(*b),
        other => Err(SpecError::BadValue {
            path: String::new(),
            value: other.cloned().unwrap_or(Value::Int(0)),
            expected: format!("`{name}` must be a boolean"),
        }),
    }
}

impl Space {
    /// Chains single-input single-output sub-spaces `out -> in` in order and
    /// returns the first one's input and the last one's output
    /// (DeepArchitect's `siso_sequential`). Wires at once.
    ///
    /// ```
    /// use archspace_core::{Op, Space};
    /// let mut s = Space::build(|s| {
    ///     let parts = vec![s.basic(Op::new("conv"))?, s.basic(Op::new("bn"))?, s.basic(Op::new("relu"))?];
    ///     s.sequential(parts)
    /// })?;
    /// let ops: Vec<String> = s.freeze()?.modules().iter().map(|m| m.op.to_string()).collect();
    /// assert_eq!(ops, ["conv", "bn", "relu"]);
    /// # Ok::<(), archspace_core::SpecError>(())
    /// ```
    pub fn sequential(&mut self, parts: Vec<Io>) -> Result<Io, SpecError> {
        let (Some(first), Some(last)) = (parts.first(), parts.last()) else {
            return Err(SpecError::BadCombinator {
                combinator: "sequential",
                path: self.scope_path(),
                reason: "needs at least one part".to_owned(),
            });
        };
        for pair in parts.windows(2) {
            self.chain(&pair[0], &pair[1])?;
        }
        Ok(Io { inputs: first.inputs.clone(), outputs: last.outputs.clone() })
    }

    /// The path of the current scope.
    pub fn scope_path(&self) -> String {
        self.path_of_scope(self.current_scope()).to_owned()
    }
}
