//! Devices: where a network's tensors live and its layers run, named on a
//! command line (`cpu`, `cuda`, `cuda:N`) and opened at run time.
//!
//! The device is a parameter, never a compile-time assumption:
//! [`NetworkConfig::device`](crate::NetworkConfig) (where the weights are
//! created), [`TrainConfig::device`](crate::train::TrainConfig) (checked
//! against the network), the examples' `--device`, and a
//! [`DevicePool`](crate::DevicePool) that places a search's trials on
//! several GPUs. A CUDA device needs this crate's `cuda` feature; without
//! it, opening one is an error that says so.
//!
//! What runs where is chosen in one place, [`Kernels::for_device`]: on the
//! CPU this crate's kernels and the network's own backward pass; on a CUDA
//! device candle's own ops (cuBLAS and candle's CUDA kernels) under
//! candle's autograd.
//!
//! ```
//! use archspace_candle::DeviceSpec;
//! let spec: DeviceSpec = "cuda:1".parse()?;
//! assert_eq!(spec, DeviceSpec::Cuda(1));
//! assert_eq!("cuda".parse::<DeviceSpec>()?, DeviceSpec::Cuda(0));
//! assert_eq!(DeviceSpec::parse_list("cuda:0,cuda:1")?, [DeviceSpec::Cuda(0), DeviceSpec::Cuda(1)]);
//! let cpu = DeviceSpec::Cpu.open()?;
//! assert_eq!(DeviceSpec::of(&cpu), Some(DeviceSpec::Cpu));
//! assert!("gpu".parse::<DeviceSpec>().is_err());
//! # Ok::<(), archspace_candle::BackendError>(())
//! ```
//!
//! [`Kernels::for_device`]: crate::Kernels::for_device

use std::fmt;
use std::str::FromStr;

use candle_core::{Device, DeviceLocation};

use crate::error::BackendError;

/// A device by name: the CPU or a CUDA GPU by ordinal.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum DeviceSpec {
    /// The CPU (this crate's kernels).
    #[default]
    Cpu,
    /// CUDA device `N` (`cuda:N`; `cuda` is `cuda:0`).
    Cuda(usize),
}

impl DeviceSpec {
    /// Opens the device. A CUDA device fails with [`BackendError::Device`]
    /// when this build has no `cuda` feature or the GPU cannot be used
    /// (no driver, no such ordinal).
    pub fn open(self) -> Result<Device, BackendError> {
        match self {
            DeviceSpec::Cpu => Ok(Device::Cpu),
            DeviceSpec::Cuda(ordinal) => {
                if !candle_core::utils::cuda_is_available() {
                    return Err(self.error(
                        "this build has no CUDA support; build with `--features cuda` \
                         (scripts/cuda-toolchain installs what that needs)",
                    ));
                }
                Device::new_cuda(ordinal).map_err(|e| self.error(without_backtrace(e).to_string()))
            }
        }
    }

    /// The name of an open device (`None` for a Metal device, which this
    /// crate does not name).
    pub fn of(device: &Device) -> Option<DeviceSpec> {
        match device.location() {
            DeviceLocation::Cpu => Some(DeviceSpec::Cpu),
            DeviceLocation::Cuda { gpu_id } => Some(DeviceSpec::Cuda(gpu_id)),
            DeviceLocation::Metal { .. } => None,
        }
    }

    /// A comma-separated list (`cuda:0,cuda:1`), for a search over several GPUs.
    pub fn parse_list(text: &str) -> Result<Vec<DeviceSpec>, BackendError> {
        let specs = text.split(',').map(|s| s.trim().parse()).collect::<Result<Vec<DeviceSpec>, _>>()?;
        for (i, spec) in specs.iter().enumerate() {
            if specs[..i].contains(spec) {
                return Err(spec.error("listed twice"));
            }
        }
        Ok(specs)
    }

    /// Whether this is a CUDA device.
    pub fn is_cuda(self) -> bool {
        matches!(self, DeviceSpec::Cuda(_))
    }

    fn error(self, reason: impl Into<String>) -> BackendError {
        BackendError::Device { device: self.to_string(), reason: reason.into() }
    }
}

/// The error itself: with `RUST_BACKTRACE` set, candle's CUDA errors carry
/// a backtrace that their message would print in full.
fn without_backtrace(error: candle_core::Error) -> candle_core::Error {
    match error {
        candle_core::Error::WithBacktrace { inner, .. } => without_backtrace(*inner),
        other => other,
    }
}

impl fmt::Display for DeviceSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeviceSpec::Cpu => f.write_str("cpu"),
            DeviceSpec::Cuda(n) => write!(f, "cuda:{n}"),
        }
    }
}

impl FromStr for DeviceSpec {
    type Err = BackendError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = |reason: &str| BackendError::Device { device: text.to_owned(), reason: reason.to_owned() };
        match text.trim() {
            "cpu" => Ok(DeviceSpec::Cpu),
            "cuda" => Ok(DeviceSpec::Cuda(0)),
            other => match other.strip_prefix("cuda:") {
                Some(n) => {
                    n.parse().map(DeviceSpec::Cuda).map_err(|_| invalid("expected `cuda:N` with N a GPU ordinal"))
                }
                None => Err(invalid("expected `cpu`, `cuda` or `cuda:N`")),
            },
        }
    }
}

/// Why CUDA device 0 cannot be used here, or `None` when it opens: what a
/// test or a benchmark prints when it skips its GPU part.
///
/// ```
/// # #[cfg(not(feature = "cuda"))]
/// assert!(archspace_candle::cuda_unavailable().is_some_and(|why| why.contains("--features cuda")));
/// ```
pub fn cuda_unavailable() -> Option<String> {
    DeviceSpec::Cuda(0).open().err().map(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_bad_names_say_what_is_expected() {
        for spec in [DeviceSpec::Cpu, DeviceSpec::Cuda(0), DeviceSpec::Cuda(7)] {
            assert_eq!(spec.to_string().parse::<DeviceSpec>().expect("parses"), spec);
        }
        let error = "cuda:x".parse::<DeviceSpec>().expect_err("not an ordinal").to_string();
        assert!(error.contains("cuda:x") && error.contains("GPU ordinal"), "{error}");
        let error = "tpu".parse::<DeviceSpec>().expect_err("unknown").to_string();
        assert!(error.contains("`cpu`, `cuda` or `cuda:N`"), "{error}");
        assert!(DeviceSpec::parse_list("cuda:0, cuda:0").is_err(), "a device listed twice");
        assert_eq!(DeviceSpec::parse_list(" cpu ").expect("one"), [DeviceSpec::Cpu]);
    }

    #[test]
    fn a_cuda_device_that_cannot_open_is_an_error_naming_it() {
        // Without a GPU (or without the feature) opening fails with the
        // device's name; with one, ordinal 999 does not exist.
        let error = DeviceSpec::Cuda(999).open().expect_err("no GPU 999").to_string();
        assert!(error.contains("cuda:999"), "{error}");
    }
}
