//! ReLU as one pass forward and one pass backward (the gradient masked by
//! the output), where candle's composed backward takes a comparison, a
//! conversion and a product, each with a fresh tensor.
//!
//! ```
//! use archspace_candle::kernels::ReluOp;
//! use candle_core::{Device, Tensor, Var};
//! let x = Var::new(&[-1.0f32, 0.5, 2.0], &Device::Cpu)?;
//! let y = x.as_tensor().apply_op1(ReluOp)?;
//! assert_eq!(y.to_vec1::<f32>()?, [0.0, 0.5, 2.0]);
//! let grads = y.sum_all()?.backward()?;
//! assert_eq!(grads.get(x.as_tensor()).unwrap().to_vec1::<f32>()?, [0.0, 1.0, 1.0]);
//! # Ok::<(), candle_core::Error>(())
//! ```

use super::storage::contiguous_f32;
use super::written::par_written;
use candle_core::{CpuStorage, CustomOp1, CustomOp2, Layout, Shape, Tensor};

/// Elements per parallel chunk of the element-wise kernels.
pub(crate) const CHUNK: usize = 1 << 14;

/// `max(x, 0)` on a contiguous f32 CPU tensor.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReluOp;

impl CustomOp1 for ReluOp {
    fn name(&self) -> &'static str {
        "archspace-relu"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let x = contiguous_f32(storage, layout)?;
        let y = par_written(x.len(), CHUNK, |i, sink| {
            sink.map_from(&x[i * CHUNK..((i + 1) * CHUNK).min(x.len())], |x| if x > 0.0 { x } else { 0.0 });
        });
        Ok((CpuStorage::F32(y), layout.shape().clone()))
    }

    fn bwd(&self, _x: &Tensor, y: &Tensor, grad: &Tensor) -> candle_core::Result<Option<Tensor>> {
        Ok(Some(y.apply_op2_no_bwd(&grad.contiguous()?, &ReluGrad)?))
    }
}

/// `grad · [y > 0]`, applied to `(y, grad)`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ReluGrad;

impl CustomOp2 for ReluGrad {
    fn name(&self) -> &'static str {
        "archspace-relu-grad"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let (y, g) = (contiguous_f32(s1, l1)?, contiguous_f32(s2, l2)?);
        if y.len() != g.len() {
            candle_core::bail!("relu gradient of {} elements for an output of {}", g.len(), y.len());
        }
        let dx = par_written(y.len(), CHUNK, |i, sink| {
            let chunk = i * CHUNK..((i + 1) * CHUNK).min(y.len());
            // Branch-free select (the sign of y is unpredictable): all bits of g or none.
            sink.zip_from(&y[chunk.clone()], &g[chunk], |y, g| {
                f32::from_bits(g.to_bits() & u32::from(y > 0.0).wrapping_neg())
            });
        });
        Ok((CpuStorage::F32(dx), l1.shape().clone()))
    }
}
