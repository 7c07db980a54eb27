//! # archspace-candle
//!
//! The candle backend of archspace: specified architectures become trained
//! networks on real data.
//!
//! - [`ops`]: the ops catalogue (op constructors for the space language, and
//!   their candle layers), and [`ops::Registry`] to add your own;
//! - [`infer_shapes`]: shapes, parameters and FLOPs per module, before any weight exists;
//! - [`Network`]: an [`Architecture`](archspace_core::Architecture) built into a
//!   candle model, parameters named after module paths;
//! - [`kernels`]: the CPU kernels (convolution, batch norm, ReLU, pooling);
//! - [`throughput`]: training and eval images/s, ours against candle's ops;
//! - [`DeviceSpec`] and [`DevicePool`]: the CPU or CUDA GPUs (with the `cuda`
//!   feature), chosen at run time; on a GPU the layers run candle's ops
//!   ([`Kernels::for_device`]);
//! - [`train`] and [`data`]: training and evaluation, dataset loaders (and
//!   an embedded Fashion-MNIST subset).
//!
//! The backend is a dependency of its own beside `archspace` (which does
//! not re-export it).
//!
//! ## Build profile
//!
//! A debug build of this crate and of candle and gemm under it trains about
//! 31× slower than an optimized one. In your `Cargo.toml`:
//!
//! ```toml
//! [profile.dev.package."*"]
//! opt-level = 3
//! ```
//!
//! builds every dependency optimized in debug builds too (your own code
//! keeps fast compiles). When this crate runs unoptimized it prints a
//! warning once, on standard error, as the first network is built;
//! [`optimized`] tells.
//!
//! ```
//! use archspace_candle::{Network, NetworkConfig, ops::{self, Registry}};
//! use archspace_core::SpaceDef;
//! let space = SpaceDef::new(|s| {
//!     let conv = s.basic(ops::conv2d(archspace_core::choice([4, 8]), 3))?;
//!     let act = s.basic(ops::relu())?;
//!     s.connect(conv.output("out")?, act.input("in")?)?;
//!     Ok(s.border_of(&conv, &act))
//! });
//! let arch = space.sample_random(&mut archspace_core::rng(1))?;
//! let net = Network::build(&arch, &[1, 28, 28], &Registry::standard(), &NetworkConfig { classes: Some(10), ..Default::default() })?;
//! assert_eq!(net.report().output(), &[10]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod build_profile;
pub mod data;
mod device;
mod device_pool;
mod error;
mod infer;
pub mod kernels;
mod network;
pub mod ops;
mod params;
pub mod spaces;

pub mod throughput;
pub mod train;

pub use build_profile::optimized;
pub use device::{DeviceSpec, cuda_unavailable};
pub use device_pool::{DeviceLease, DevicePool};
pub use error::BackendError;
pub use infer::{ModuleReport, ShapeReport, infer_shapes};
pub use kernels::Kernels;
pub use network::{Network, NetworkConfig};
pub use params::{Init, ParamStore, name_hash, named_rng};
