//! The sum of two gradients in one parallel pass into a fresh output, for
//! a value read by several layers. candle's `add` runs tensors of 64k
//! elements or more on candle's own thread pool, whose worker then spins
//! between ops and takes a core from the rayon pool that runs the kernels.
//!
//! ```
//! use archspace_candle::kernels::sum_of;
//! use candle_core::{Device, Tensor};
//! let a = Tensor::new(&[1.0f32, 2.0], &Device::Cpu)?;
//! let b = Tensor::new(&[0.5f32, -2.0], &Device::Cpu)?;
//! assert_eq!(sum_of(&a, &b)?.to_vec1::<f32>()?, [1.5, 0.0]);
//! # Ok::<(), candle_core::Error>(())
//! ```

use candle_core::{CpuStorage, CustomOp2, DType, Layout, Shape, Tensor};

use super::relu::CHUNK;
use super::storage::contiguous_f32;
use super::written::par_written;

/// `a + b` for tensors of one shape: this crate's kernel for f32 on the
/// CPU, candle's `add` otherwise. The result tracks no gradient.
pub fn sum_of(a: &Tensor, b: &Tensor) -> candle_core::Result<Tensor> {
    if a.shape() != b.shape() {
        candle_core::bail!("internal: gradients of shapes {:?} and {:?} summed", a.shape(), b.shape())
    }
    let native = [a, b].iter().all(|t| t.device().is_cpu() && t.dtype() == DType::F32);
    if native { a.contiguous()?.apply_op2_no_bwd(&b.contiguous()?, &Sum) } else { Ok(a.add(b)?.detach()) }
}

/// `a + b` on two contiguous f32 CPU tensors of one shape.
struct Sum;

impl CustomOp2 for Sum {
    fn name(&self) -> &'static str {
        "archspace-sum"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let (a, b) = (contiguous_f32(s1, l1)?, contiguous_f32(s2, l2)?);
        if a.len() != b.len() {
            candle_core::bail!("internal: {} and {} values summed", a.len(), b.len())
        }
        let y = par_written(a.len(), CHUNK, |i, sink| {
            let range = i * CHUNK..((i + 1) * CHUNK).min(a.len());
            sink.zip_from(&a[range.clone()], &b[range], |x, y| x + y);
        });
        Ok((CpuStorage::F32(y), l1.shape().clone()))
    }
}

#[cfg(test)]
mod tests {
    use candle_core::Device;

    use super::*;

    #[test]
    fn matches_candles_add_on_large_and_strided_tensors() {
        let dev = Device::Cpu;
        let a = Tensor::randn(0f32, 1.0, (3, 70_001), &dev).expect("a");
        let b = Tensor::randn(0f32, 1.0, (70_001, 3), &dev).expect("b").t().expect("transposed");
        let ours = sum_of(&a, &b).and_then(|s| s.flatten_all()?.to_vec1::<f32>()).expect("sum");
        let stock = a.add(&b).and_then(|s| s.flatten_all()?.to_vec1::<f32>()).expect("add");
        assert_eq!(ours, stock);
        assert!(sum_of(&a, &a.t().expect("t")).is_err(), "shapes must agree");
    }
}
