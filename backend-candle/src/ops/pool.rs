//! `max_pool2d` and `avg_pool2d` with any kernel, stride and padding, that
//! train (forward and backward of our own; see `pool_kernel`).
//!
//! ```
//! use archspace_candle::ops::{Pool2d, PoolKind, ConvGeometry, max_pool2d};
//! use candle_core::{Device, Module, Tensor};
//! assert_eq!(max_pool2d(3).param("stride", 2).name(), "max_pool2d");
//! let pool = Pool2d::new(PoolKind::Max, ConvGeometry { kernel: (3, 3), stride: 2, dilation: 1, pads: [1; 4] });
//! let x = Tensor::arange(0f32, 16.0, &Device::Cpu)?.reshape((1, 1, 4, 4))?;
//! assert_eq!(pool.forward(&x)?.flatten_all()?.to_vec1::<f32>()?, vec![5.0, 7.0, 13.0, 15.0]);
//! # Ok::<(), candle_core::Error>(())
//! ```

use archspace_core::{Op, Param};
use candle_core::{DType, Module, Tensor};

use super::context::{OpContext, OpInfo};
use super::geometry::ConvGeometry;
use super::input_shapes::InputShapes;
use super::pool_kernel::{PoolKind, PoolOp, pool_composed};
use super::recorded::{self, Recorded};
use super::registry::{Layer, OpDef, Single};
use crate::error::BackendError;
use crate::kernels::Kernels;
use crate::params::ParamStore;

/// A `max_pool2d` op. Optional: `stride` (= kernel), `padding` (`"valid"`, `"same"` or an int; `"valid"`).
pub fn max_pool2d(kernel: impl Into<Param>) -> Op {
    Op::new("max_pool2d").param("kernel", kernel)
}

/// An `avg_pool2d` op (padding not counted in the mean). Optional parameters as for `max_pool2d`.
pub fn avg_pool2d(kernel: impl Into<Param>) -> Op {
    Op::new("avg_pool2d").param("kernel", kernel)
}

/// A pooling layer.
#[derive(Clone, Copy, Debug)]
pub struct Pool2d {
    kind: PoolKind,
    geometry: ConvGeometry,
}

impl Pool2d {
    /// A pooling layer with this window (`dilation` must be 1).
    pub fn new(kind: PoolKind, geometry: ConvGeometry) -> Self {
        Pool2d { kind, geometry }
    }

    /// The same pooling built from differentiable slicing ops instead of the
    /// custom op (used on non-CPU devices, and to cross-check the custom op).
    pub fn forward_composed(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        pool_composed(x, self.kind, &self.geometry)
    }
}

impl Module for Pool2d {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        if x.device().is_cpu() && x.dtype() == DType::F32 {
            x.contiguous()?.apply_op1(PoolOp { kind: self.kind, geometry: self.geometry })
        } else {
            self.forward_composed(x)
        }
    }
}

impl Layer for Pool2d {
    fn forward_t(&self, inputs: &[Tensor], train: bool) -> candle_core::Result<Tensor> {
        Single(*self).forward_t(inputs, train)
    }

    fn forward_recorded(&self, inputs: &[Tensor]) -> Option<candle_core::Result<Recorded>> {
        let op = PoolOp { kind: self.kind, geometry: self.geometry };
        match inputs {
            [x] if x.device().is_cpu() && x.dtype() == DType::F32 => {
                Some(x.contiguous().and_then(|x| recorded::apply1(&x, op)))
            }
            _ => None,
        }
    }
}

/// The definition of `max_pool2d` and `avg_pool2d`.
#[derive(Clone, Copy, Debug)]
pub struct Pool2dDef(pub PoolKind);

fn read(ctx: &OpContext<'_>) -> Result<(ConvGeometry, (usize, usize, usize)), BackendError> {
    let (c, h, w) = ctx.image_input()?;
    let kernel = ctx.pair_or("kernel", (2, 2))?;
    let geometry = ConvGeometry::from_context(ctx, kernel, kernel.0.max(kernel.1), "valid", (h, w))?;
    if geometry.dilation != 1 {
        return Err(ctx.param_error("dilation", "must be 1 for pooling"));
    }
    let [top, bottom, left, right] = geometry.pads;
    if top.max(bottom) >= kernel.0 || left.max(right) >= kernel.1 {
        return Err(ctx.param_error("padding", format!("must be smaller than the kernel {kernel:?}")));
    }
    Ok((geometry, (c, h, w)))
}

impl OpDef for Pool2dDef {
    fn input_shapes(&self) -> InputShapes {
        InputShapes::Image
    }

    fn infer(&self, ctx: &OpContext<'_>) -> Result<OpInfo, BackendError> {
        let (geometry, (c, h, w)) = read(ctx)?;
        let (oh, ow) = geometry.output(ctx, (h, w))?;
        let flops = (c * oh * ow * geometry.kernel.0 * geometry.kernel.1) as u64;
        Ok(OpInfo { output: vec![c, oh, ow], params: 0, flops })
    }

    fn build(&self, ctx: &OpContext<'_>, _store: &mut ParamStore) -> Result<Box<dyn Layer>, BackendError> {
        let (geometry, _) = read(ctx)?;
        let pool = Pool2d::new(self.0, geometry);
        match ctx.kernels {
            Kernels::Native => Ok(Box::new(pool)),
            Kernels::Candle => Ok(Box::new(Single(Composed(pool)))),
        }
    }
}

/// A pooling layer on candle's ops only ([`Pool2d::forward_composed`]), for
/// [`Kernels::Candle`]: what runs on a GPU, also on the CPU.
#[derive(Clone, Copy, Debug)]
struct Composed(Pool2d);

impl Module for Composed {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        self.0.forward_composed(x)
    }
}
