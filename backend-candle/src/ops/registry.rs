//! Op definitions, layers, and the registry mapping op names to definitions.

use std::collections::BTreeMap;
use std::sync::Arc;

use candle_core::Tensor;
use candle_nn::ModuleT;

use super::context::{OpContext, OpInfo};
use super::input_shapes::InputShapes;
use super::recorded::Recorded;
use crate::error::BackendError;
use crate::kernels::ConvLink;
use crate::params::ParamStore;

/// A built layer with any number of inputs, run in train or eval mode.
pub trait Layer: Send + Sync {
    /// Runs the layer on a batch; `inputs` are in port order.
    fn forward_t(&self, inputs: &[Tensor], train: bool) -> candle_core::Result<Tensor>;

    /// Runs the layer for inference: eval mode, and no gradient will be
    /// asked through the result, so a layer may take a faster path that has
    /// no backward pass. [`Network::predict`](crate::Network::predict) calls
    /// it. The default is `forward_t(inputs, false)`.
    fn infer(&self, inputs: &[Tensor]) -> candle_core::Result<Tensor> {
        self.forward_t(inputs, false)
    }

    /// This layer followed by a ReLU, as one layer, if it has such a fused
    /// form. [`Network`](crate::Network) uses it when a `relu` module is the
    /// only reader of this layer's output. The default has none.
    fn fuse_relu(&self) -> Option<Box<dyn Layer>> {
        None
    }

    /// This layer as a link of a chain of convolutions, if it is a plain
    /// convolution on this crate's kernels. [`Network::predict`](crate::Network::predict)
    /// runs convolutions each read only by the next image by image
    /// ([`ConvChainOp`](crate::kernels::ConvChainOp)). The default is none.
    fn conv_link(&self) -> Option<ConvLink> {
        None
    }

    /// A training forward pass (train mode) that records its own backward
    /// pass, for [`Network`](crate::Network)'s training path
    /// ([`recorded`](super::recorded)). The default, `None`, has none: the
    /// network then runs this layer under candle's autograd, its inputs
    /// copied into variables.
    fn forward_recorded(&self, _inputs: &[Tensor]) -> Option<candle_core::Result<Recorded>> {
        None
    }
}

/// Adapts a single-input candle layer (`Module` or `ModuleT`) to [`Layer`].
#[derive(Clone, Debug)]
pub struct Single<M>(pub M);

impl<M: ModuleT + Send + Sync> Layer for Single<M> {
    fn forward_t(&self, inputs: &[Tensor], train: bool) -> candle_core::Result<Tensor> {
        match inputs {
            [x] => self.0.forward_t(x, train),
            other => candle_core::bail!("a single-input layer got {} inputs", other.len()),
        }
    }
}

/// How an op name becomes shapes and a layer.
///
/// `infer` is pure (no tensor is allocated); `build` creates the parameters
/// in `store`, named `<module path>.<name>`, and returns the layer.
pub trait OpDef: Send + Sync {
    /// Output shape, parameter count and FLOPs, or an error naming the module.
    /// Shape inference has checked the inputs against
    /// [`input_shapes`](OpDef::input_shapes) first.
    fn infer(&self, ctx: &OpContext<'_>) -> Result<OpInfo, BackendError>;
    /// The inputs this op accepts: checked before [`infer`](OpDef::infer)
    /// and listed in the catalogue's docs. The default leaves every check
    /// to `infer`.
    fn input_shapes(&self) -> InputShapes {
        InputShapes::Unchecked
    }
    /// Creates the layer and its parameters.
    fn build(&self, ctx: &OpContext<'_>, store: &mut ParamStore) -> Result<Box<dyn Layer>, BackendError>;
}

/// Op name → definition.
///
/// ```
/// use archspace_candle::ops::Registry;
/// let registry = Registry::standard();
/// assert!(registry.get("conv2d").is_some());
/// assert!(registry.names().contains(&"max_pool2d"));
/// ```
#[derive(Clone, Default)]
pub struct Registry {
    defs: BTreeMap<String, Arc<dyn OpDef>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.defs.keys()).finish()
    }
}

impl Registry {
    /// An empty registry.
    pub fn empty() -> Self {
        Registry::default()
    }

    /// Every op of the catalogue.
    pub fn standard() -> Self {
        use super::*;
        let mut r = Registry::empty();
        r.register("conv2d", Conv2dDef);
        r.register("depthwise_conv2d", DepthwiseConv2dDef);
        r.register("separable_conv2d", SeparableConv2dDef);
        r.register("factorized_conv2d", FactorizedConv2dDef);
        r.register("batch_norm", BatchNormDef);
        for a in Activation::ALL {
            r.register(a.name(), ActivationDef(a));
        }
        r.register("dropout", DropoutDef);
        r.register("drop_path", DropPathDef);
        r.register("max_pool2d", Pool2dDef(PoolKind::Max));
        r.register("avg_pool2d", Pool2dDef(PoolKind::Average));
        r.register("global_avg_pool", GlobalAvgPoolDef);
        r.register("dense", DenseDef);
        r.register("flatten", FlattenDef);
        r.register("add", AddDef);
        r.register("concat", ConcatDef);
        r.register("identity", IdentityDef);
        r.register("factorized_reduce", FactorizedReduceDef);
        r.register("squeeze_excite", SqueezeExciteDef);
        r
    }

    /// Adds (or replaces) the definition of `name`.
    pub fn register(&mut self, name: impl Into<String>, def: impl OpDef + 'static) -> &mut Self {
        self.defs.insert(name.into(), Arc::new(def));
        self
    }

    /// The definition of `name`.
    pub fn get(&self, name: &str) -> Option<&Arc<dyn OpDef>> {
        self.defs.get(name)
    }

    /// The registered names, sorted.
    pub fn names(&self) -> Vec<&str> {
        self.defs.keys().map(String::as_str).collect()
    }

    /// The definition for a module, or an error listing the known ops.
    pub(crate) fn lookup(&self, ctx: &OpContext<'_>) -> Result<&Arc<dyn OpDef>, BackendError> {
        self.get(&ctx.module.op).ok_or_else(|| BackendError::UnknownOp {
            path: ctx.module.path.to_string(),
            op: ctx.module.op.to_string(),
            known: self.names().join(", "),
        })
    }
}
