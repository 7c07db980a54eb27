//! What an op definition sees of a module: its parameters and input shapes.

use archspace_core::{ArchModule, Value};

use crate::error::BackendError;
use crate::kernels::Kernels;

/// The result of shape inference for one module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpInfo {
    /// Output shape per sample (no batch dimension).
    pub output: Vec<usize>,
    /// Trainable parameters.
    pub params: usize,
    /// Floating-point operations of the forward pass for one sample.
    pub flops: u64,
}

/// A module of a frozen architecture together with the shapes of its inputs.
///
/// Helpers read parameters with defaults and turn every problem into a
/// [`BackendError`] naming the module path.
#[derive(Clone, Copy, Debug)]
pub struct OpContext<'a> {
    /// The module.
    pub module: &'a ArchModule,
    /// Shapes of its inputs, per sample, in port order.
    pub inputs: &'a [Vec<usize>],
    /// Seed for anything random in the layer (dropout masks), derived from
    /// the network seed and the module path.
    pub seed: u64,
    /// Whether layers use this crate's CPU kernels or candle's ops only.
    pub kernels: Kernels,
}

impl<'a> OpContext<'a> {
    /// A context for `module` with input shapes `inputs`.
    pub fn new(module: &'a ArchModule, inputs: &'a [Vec<usize>], seed: u64) -> Self {
        OpContext { module, inputs, seed, kernels: Kernels::default() }
    }

    /// The same context with layers built for `kernels`.
    pub fn with_kernels(self, kernels: Kernels) -> Self {
        OpContext { kernels, ..self }
    }

    /// The module path.
    pub fn path(&self) -> &str {
        &self.module.path
    }

    /// The name of a parameter tensor of this module: `<path>.<name>`.
    pub fn param_name(&self, name: &str) -> String {
        format!("{}.{name}", self.module.path)
    }

    /// A shape error for this module.
    pub fn shape_error(&self, reason: impl Into<String>) -> BackendError {
        BackendError::Shape {
            path: self.module.path.to_string(),
            op: self.module.op.to_string(),
            reason: reason.into(),
        }
    }

    /// A parameter error for this module.
    pub fn param_error(&self, param: &str, reason: impl Into<String>) -> BackendError {
        BackendError::Param {
            path: self.module.path.to_string(),
            op: self.module.op.to_string(),
            param: param.to_owned(),
            reason: reason.into(),
        }
    }

    /// The raw value of a parameter, if set.
    pub fn value(&self, name: &str) -> Option<&'a Value> {
        self.module.param(name)
    }

    /// A required positive integer parameter.
    pub fn positive(&self, name: &str) -> Result<usize, BackendError> {
        match self.value(name) {
            None => Err(self.param_error(name, "is required")),
            Some(v) => self.read_positive(name, v),
        }
    }

    /// A positive integer parameter with a default.
    pub fn positive_or(&self, name: &str, default: usize) -> Result<usize, BackendError> {
        self.value(name).map_or(Ok(default), |v| self.read_positive(name, v))
    }

    fn read_positive(&self, name: &str, v: &Value) -> Result<usize, BackendError> {
        match v.as_int() {
            Some(i) if i >= 1 => usize::try_from(i).map_err(|_| self.param_error(name, "is too large")),
            Some(i) => Err(self.param_error(name, format!("must be at least 1, got {i}"))),
            None => Err(self.param_error(name, format!("must be an int, got {} {v}", v.kind()))),
        }
    }

    /// A pair parameter (`3` or `[1, 7]`) with a default.
    pub fn pair_or(&self, name: &str, default: (usize, usize)) -> Result<(usize, usize), BackendError> {
        let Some(v) = self.value(name) else { return Ok(default) };
        match v.as_list() {
            Some([a, b]) => Ok((self.read_positive(name, a)?, self.read_positive(name, b)?)),
            Some(_) => Err(self.param_error(name, format!("must be an int or a list of two ints, got {v}"))),
            None => {
                let k = self.read_positive(name, v)?;
                Ok((k, k))
            }
        }
    }

    /// A float parameter with a default.
    pub fn float_or(&self, name: &str, default: f64) -> Result<f64, BackendError> {
        match self.value(name) {
            None => Ok(default),
            Some(v) => v.as_float().ok_or_else(|| self.param_error(name, format!("must be a number, got {v}"))),
        }
    }

    /// A probability parameter in `[0, 1)` with a default.
    pub fn rate_or(&self, name: &str, default: f64) -> Result<f64, BackendError> {
        let r = self.float_or(name, default)?;
        if (0.0..1.0).contains(&r) { Ok(r) } else { Err(self.param_error(name, format!("must be in [0, 1), got {r}"))) }
    }

    /// A boolean parameter with a default.
    pub fn bool_or(&self, name: &str, default: bool) -> Result<bool, BackendError> {
        match self.value(name) {
            None => Ok(default),
            Some(v) => v.as_bool().ok_or_else(|| self.param_error(name, format!("must be a bool, got {v}"))),
        }
    }

    /// A string parameter with a default.
    pub fn str_or(&self, name: &str, default: &'a str) -> Result<&'a str, BackendError> {
        match self.value(name) {
            None => Ok(default),
            Some(v) => v.as_str().ok_or_else(|| self.param_error(name, format!("must be a string, got {v}"))),
        }
    }

    /// The only input's shape; an error if the module has several.
    pub fn single_input(&self) -> Result<&'a [usize], BackendError> {
        match self.inputs {
            [one] => Ok(one),
            other => Err(self.shape_error(format!("expects one input, got {}", other.len()))),
        }
    }

    /// The only input as `(channels, height, width)`.
    pub fn image_input(&self) -> Result<(usize, usize, usize), BackendError> {
        match self.single_input()? {
            &[c, h, w] => Ok((c, h, w)),
            other => Err(self.shape_error(format!("expects an image input [C, H, W], got {other:?}"))),
        }
    }
}
