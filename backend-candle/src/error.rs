//! The one error type of the backend.

use thiserror::Error;

/// Everything that can go wrong between an [`Architecture`](archspace_core::Architecture)
/// and a trained network: shapes, parameters, unknown ops, datasets, divergence.
///
/// Each variant that concerns a module names its path in the space.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum BackendError {
    /// Input shapes that the op cannot take, found by shape inference.
    #[error("module `{path}` (op `{op}`): {reason}")]
    Shape {
        /// Path of the module.
        path: String,
        /// Its op name.
        op: String,
        /// What is wrong, with the shapes involved.
        reason: String,
    },
    /// A parameter that is missing, of the wrong type or out of range.
    #[error("module `{path}` (op `{op}`): parameter `{param}` {reason}")]
    Param {
        /// Path of the module.
        path: String,
        /// Its op name.
        op: String,
        /// The parameter name.
        param: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An op name that no registered op definition handles.
    #[error("module `{path}`: unknown op `{op}`; registered ops: {known}")]
    UnknownOp {
        /// Path of the module.
        path: String,
        /// The op name.
        op: String,
        /// The registered op names, comma-separated.
        known: String,
    },
    /// An architecture the backend cannot compile (no output, several inputs…).
    #[error("architecture: {0}")]
    Architecture(String),
    /// A loss that became NaN or infinite: the trial failed.
    #[error("training diverged: loss {loss} at epoch {epoch}, step {step}")]
    Diverged {
        /// Epoch (from 0).
        epoch: usize,
        /// Step within the epoch (from 0).
        step: usize,
        /// The loss value seen.
        loss: f64,
    },
    /// A dataset file with bad contents.
    #[error("dataset `{file}`: {reason}")]
    Dataset {
        /// The file (or embedded name).
        file: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Sets used together (training, validation, test), or a set and the
    /// network, that do not fit each other: caught before any training.
    #[error("{0}")]
    Mismatch(String),
    /// A loss, metric or parameter that became NaN or infinite after the
    /// loss was last checked (the last step's update, an evaluation): the
    /// network diverged, the trial failed.
    #[error("training diverged: {what} is {value}")]
    NonFinite {
        /// What is not finite, e.g. "the evaluation loss".
        what: String,
        /// The value seen (a parameter's: a sum over its elements).
        value: f64,
    },
    /// A file that could not be read or written.
    #[error("`{file}`: {source}")]
    Io {
        /// The file.
        file: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A checkpoint that does not fit the network or the run.
    #[error("checkpoint: {0}")]
    Checkpoint(String),
    /// A training or build configuration that makes no sense.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// A device that cannot be named or used (no such GPU, no CUDA support
    /// in this build), or a network and a configuration on different devices.
    #[error("device `{device}`: {reason}")]
    Device {
        /// The device as named (`cpu`, `cuda:0`, or what was written).
        device: String,
        /// What is wrong.
        reason: String,
    },
    /// An error from candle itself.
    #[error("candle: {0}")]
    Candle(#[from] candle_core::Error),
}

impl BackendError {
    /// A dataset error.
    pub(crate) fn dataset(file: impl Into<String>, reason: impl Into<String>) -> Self {
        BackendError::Dataset { file: file.into(), reason: reason.into() }
    }
}
