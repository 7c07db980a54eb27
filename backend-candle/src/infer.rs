//! Shape inference: a pure pass over an architecture, before any weight exists.
//!
//! ```
//! use archspace_candle::{infer_shapes, ops::{self, Registry}};
//! use archspace_core::Space;
//! let mut space = Space::build(|s| {
//!     let conv = s.basic(ops::conv2d(8, 3).param("stride", 2))?;
//!     let pool = s.basic(ops::global_avg_pool())?;
//!     s.connect(conv.output("out")?, pool.input("in")?)?;
//!     Ok(s.border_of(&conv, &pool))
//! })?;
//! let arch = space.freeze()?;
//! let report = infer_shapes(&arch, &[1, 28, 28], &Registry::standard())?;
//! assert_eq!(report.modules[0].output, vec![8, 14, 14]);
//! assert_eq!(report.output(), &[8]);
//! assert_eq!(report.total_params(), 8 * 9 + 8);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use archspace_core::{ArchModule, Architecture, Source, Value};

use crate::error::BackendError;
use crate::ops::{OpContext, Registry};
use crate::params::name_hash;

/// What shape inference found for one module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModuleReport {
    /// The module path.
    pub path: String,
    /// The op name.
    pub op: String,
    /// Output shape per sample.
    pub output: Vec<usize>,
    /// Trainable parameters.
    pub params: usize,
    /// Forward FLOPs per sample.
    pub flops: u64,
}

/// Shapes, parameters and FLOPs of every module, in topological order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShapeReport {
    /// One entry per module (a classifier head, if any, comes last).
    pub modules: Vec<ModuleReport>,
    /// The network's input shape per sample.
    pub input: Vec<usize>,
    output: Vec<usize>,
}

impl ShapeReport {
    /// The output shape per sample.
    pub fn output(&self) -> &[usize] {
        &self.output
    }

    /// Total trainable parameters.
    pub fn total_params(&self) -> usize {
        self.modules.iter().map(|m| m.params).sum()
    }

    /// Total forward FLOPs per sample.
    pub fn total_flops(&self) -> u64 {
        self.modules.iter().map(|m| m.flops).sum()
    }
}

/// A network's modules (the architecture's, plus a head) with their sources resolved.
#[derive(Clone, Debug)]
pub(crate) struct Plan {
    pub(crate) modules: Vec<ArchModule>,
    pub(crate) output: Source,
    pub(crate) report: ShapeReport,
}

/// The seed of module `path` in a network seeded with `seed`.
pub(crate) fn module_seed(seed: u64, path: &str) -> u64 {
    seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ name_hash(path)
}

/// Infers the shape, parameters and FLOPs of every module of `arch` for
/// samples of shape `input` (e.g. `[1, 28, 28]`).
pub fn infer_shapes(arch: &Architecture, input: &[usize], registry: &Registry) -> Result<ShapeReport, BackendError> {
    Ok(plan(arch, input, registry, None)?.report)
}

fn head_module(path: &str, op: &'static str, params: Vec<(&'static str, Value)>, from: usize) -> ArchModule {
    ArchModule {
        path: path.into(),
        op: op.into(),
        params: params.into_iter().map(|(n, v)| (n.into(), v)).collect(),
        inputs: [("in".into(), Source::Module { module: from, output: 0 })].into_iter().collect(),
        outputs: ["out".into()].into_iter().collect(),
    }
}

/// Resolves and checks every module; with `classes`, appends a classifier
/// head (`head/global_avg_pool` for images, then `head/dense`) unless the
/// output already is `[classes]`.
pub(crate) fn plan(
    arch: &Architecture,
    input: &[usize],
    registry: &Registry,
    classes: Option<usize>,
) -> Result<Plan, BackendError> {
    if arch.inputs().len() != 1 {
        return Err(BackendError::Architecture(format!(
            "the backend compiles architectures with exactly one input, this one has {}",
            arch.inputs().len()
        )));
    }
    let Some(&(_, output)) = arch.outputs().first() else {
        return Err(BackendError::Architecture("the architecture has no output".into()));
    };
    let mut modules = arch.modules().to_vec();
    let mut reports: Vec<ModuleReport> = Vec::with_capacity(modules.len() + 2);
    let shape_of = |reports: &[ModuleReport], src: &Source, reader: &str| -> Result<Vec<usize>, BackendError> {
        match *src {
            Source::Input { index: 0 } => Ok(input.to_vec()),
            Source::Module { module, output: 0 } if module < reports.len() => Ok(reports[module].output.clone()),
            other => Err(BackendError::Architecture(format!(
                "`{reader}` reads from {other:?}, which is not an earlier single-output module or the input"
            ))),
        }
    };
    let mut output = output;
    let mut index = 0;
    loop {
        if index == modules.len() {
            let out_shape = shape_of(&reports, &output, "output")?;
            let Some(classes) = classes.filter(|&c| out_shape != [c]) else { break };
            let Source::Module { module: last, .. } = output else {
                return Err(BackendError::Architecture("the output reads the input directly".into()));
            };
            let mut from = last;
            if out_shape.len() == 3 {
                modules.push(head_module("head/global_avg_pool", "global_avg_pool", vec![], from));
                from = modules.len() - 1;
            }
            modules.push(head_module("head/dense", "dense", vec![("units", Value::from(classes))], from));
            output = Source::Module { module: modules.len() - 1, output: 0 };
            continue;
        }
        let module = &modules[index];
        if module.outputs.len() != 1 {
            return Err(BackendError::Architecture(format!(
                "module `{}` has {} outputs; the backend's ops have one",
                module.path,
                module.outputs.len()
            )));
        }
        let shapes = module
            .inputs
            .iter()
            .map(|(name, src)| shape_of(&reports, src, &format!("{}/{name}", module.path)))
            .collect::<Result<Vec<_>, _>>()?;
        let ctx = OpContext::new(module, &shapes, 0);
        let info = crate::ops::infer_checked(registry.lookup(&ctx)?.as_ref(), &ctx)?;
        reports.push(ModuleReport {
            path: module.path.to_string(),
            op: module.op.to_string(),
            output: info.output,
            params: info.params,
            flops: info.flops,
        });
        index += 1;
    }
    let out_shape = shape_of(&reports, &output, "output")?;
    Ok(Plan { modules, output, report: ShapeReport { modules: reports, input: input.to_vec(), output: out_shape } })
}
