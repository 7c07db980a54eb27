//! The ops catalogue: op constructors for the space language, and the
//! definitions that infer shapes and build candle layers from them.
//!
//! Each op lives in its own file and provides three things:
//! - a constructor returning an [`Op`](archspace_core::Op) for the builder API,
//! - a layer implementing candle's `Module` or `ModuleT` (or [`Layer`] for several inputs),
//! - an [`OpDef`] that infers its output shape, parameter count and FLOPs, and builds the layer.
//!
//! Shapes are per sample, without the batch dimension: `[C, H, W]` for images,
//! `[D]` for vectors. FLOPs count a multiply-add as two.
//!
#![doc = include_str!("shapes.md")]
//!
//! ```
//! use archspace_candle::ops::{self, OpContext, Registry};
//! use archspace_core::Space;
//! let arch = Space::build(|s| s.basic(ops::separable_conv2d(16, 3).param("stride", 2)))?.freeze()?;
//! let module = &arch.modules()[0];
//! let inputs = [vec![8, 28, 28]];
//! let info = Registry::standard().get("separable_conv2d").unwrap().infer(&OpContext::new(module, &inputs, 0))?;
//! assert_eq!(info.output, vec![16, 14, 14]);
//! assert_eq!(info.params, 8 * 9 + 8 * 16 + 16);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod activation;
mod add;
mod batch_norm;
mod concat;
mod context;
mod conv2d;
mod custom;
mod dense;
mod depthwise_conv2d;
mod drop_path;
mod dropout;
mod factorized_conv2d;
mod factorized_reduce;
mod flatten;
mod geometry;
mod global_avg_pool;
mod identity;
mod input_shapes;
mod pool;
mod pool_kernel;
pub mod recorded;
mod registry;
mod separable_conv2d;
mod squeeze_excite;

pub use activation::{Activation, ActivationDef, elu, gelu, relu, relu6, sigmoid, tanh};
pub use add::{Add, AddDef, ChannelAlign, add};
pub use batch_norm::{BatchNorm2d, BatchNormDef, batch_norm};
pub use concat::{Concat, ConcatDef, concat};
pub use context::{OpContext, OpInfo};
pub use conv2d::{Conv2dDef, ConvSpec, Padded2d, conv2d};
pub use custom::FnOp;
pub use dense::{DenseDef, dense};
pub use depthwise_conv2d::{DepthwiseConv2dDef, depthwise_conv2d};
pub use drop_path::{DropPath, DropPathDef, drop_path};
pub use dropout::{Dropout, DropoutDef, dropout};
pub use factorized_conv2d::{FactorizedConv2d, FactorizedConv2dDef, factorized_conv2d};
pub use factorized_reduce::{FactorizedReduce, FactorizedReduceDef, factorized_reduce};
pub use flatten::{Flatten, FlattenDef, flatten};
pub use geometry::ConvGeometry;
pub use global_avg_pool::{GlobalAvgPool, GlobalAvgPoolDef, global_avg_pool};
pub use identity::{Identity, IdentityDef, identity};
pub(crate) use input_shapes::infer_checked;
pub use input_shapes::{InputShapes, shapes_table};
pub use pool::{Pool2d, Pool2dDef, avg_pool2d, max_pool2d};
pub use pool_kernel::PoolKind;
pub use recorded::{Arg, Backward, ParamGrads, Recorded};
pub use registry::{Layer, OpDef, Registry, Single};
pub use separable_conv2d::{SeparableConv2d, SeparableConv2dDef, separable_conv2d};
pub use squeeze_excite::{SqueezeExcite, SqueezeExciteDef, squeeze_excite};
