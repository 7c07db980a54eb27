//! Channel concatenation and global average pooling, parallel over the
//! batch and written once, where candle copies (`cat`) and reduces
//! (`mean`) on one thread: with two threads these were the serial part of
//! an eval step that ends in a concatenation and a pooling (the seed net).
//!
//! ```
//! use archspace_candle::kernels::{ConcatOp, GlobalAvgPoolOp};
//! use candle_core::{Device, Tensor};
//! let a = Tensor::arange(0f32, 8.0, &Device::Cpu)?.reshape((2, 1, 2, 2))?;
//! let b = Tensor::arange(8f32, 16.0, &Device::Cpu)?.reshape((2, 1, 2, 2))?;
//! let both = a.apply_op2(&b, ConcatOp)?;
//! assert_eq!(both.dims(), &[2, 2, 2, 2]);
//! assert_eq!(both.apply_op1(GlobalAvgPoolOp)?.to_vec2::<f32>()?, [[1.5, 9.5], [5.5, 13.5]]);
//! # Ok::<(), candle_core::Error>(())
//! ```

use candle_core::{CpuStorage, CustomOp1, CustomOp2, CustomOp3, Layout, Shape, Tensor};

use super::reduce;
use super::storage::contiguous_f32;
use super::written::par_written;

/// Concatenation along dimension 1 of two or three contiguous f32 CPU
/// tensors whose other dimensions agree (any rank from 2).
#[derive(Clone, Copy, Debug, Default)]
pub struct ConcatOp;

impl ConcatOp {
    fn forward(&self, inputs: &[(&CpuStorage, &Layout)]) -> candle_core::Result<(CpuStorage, Shape)> {
        let first = inputs[0].1.dims();
        if first.len() < 2 {
            candle_core::bail!("concat needs inputs with a channel dimension, got {first:?}");
        }
        let mut parts = Vec::with_capacity(inputs.len());
        let mut channels = 0;
        for (storage, layout) in inputs {
            let dims = layout.dims();
            if dims.len() != first.len() || dims[0] != first[0] || dims[2..] != first[2..] {
                candle_core::bail!("concat input {dims:?} does not match {first:?} beyond channels");
            }
            channels += dims[1];
            parts.push((contiguous_f32(storage, layout)?, dims[1..].iter().product::<usize>()));
        }
        let batch = first[0];
        let per_image: usize = parts.iter().map(|(_, n)| n).sum();
        let out = par_written(batch * per_image, per_image, |b, sink| {
            for (data, n) in &parts {
                sink.map_from(&data[b * n..(b + 1) * n], |v| v);
            }
        });
        let mut dims = first.to_vec();
        dims[1] = channels;
        Ok((CpuStorage::F32(out), Shape::from(dims)))
    }

    /// The gradient of each input: its channels of `grad` (views, as candle's `cat`).
    fn backward(inputs: &[&Tensor], grad: &Tensor) -> candle_core::Result<Vec<Tensor>> {
        let mut start = 0;
        inputs
            .iter()
            .map(|x| {
                let n = x.dim(1)?;
                start += n;
                grad.narrow(1, start - n, n)
            })
            .collect()
    }
}

impl CustomOp2 for ConcatOp {
    fn name(&self) -> &'static str {
        "archspace-concat"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        self.forward(&[(s1, l1), (s2, l2)])
    }

    fn bwd(
        &self,
        a: &Tensor,
        b: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>)> {
        let mut g = Self::backward(&[a, b], grad)?.into_iter().map(Some);
        Ok((g.next().flatten(), g.next().flatten()))
    }
}

impl CustomOp3 for ConcatOp {
    fn name(&self) -> &'static str {
        "archspace-concat"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        self.forward(&[(s1, l1), (s2, l2), (s3, l3)])
    }

    fn bwd(
        &self,
        a: &Tensor,
        b: &Tensor,
        c: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let mut g = Self::backward(&[a, b, c], grad)?.into_iter().map(Some);
        Ok((g.next().flatten(), g.next().flatten(), g.next().flatten()))
    }
}

/// Images per parallel chunk of [`GlobalAvgPoolOp`]'s output (its chunks
/// are small: one value per channel).
const POOL_IMAGES: usize = 4;

/// The mean over height and width of a contiguous `[batch, channels, h,
/// w]` f32 CPU tensor: `[batch, channels]`.
#[derive(Clone, Copy, Debug, Default)]
pub struct GlobalAvgPoolOp;

impl CustomOp1 for GlobalAvgPoolOp {
    fn name(&self) -> &'static str {
        "archspace-global-avg-pool"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let (batch, channels, h, w) = layout.shape().dims4()?;
        let x = contiguous_f32(storage, layout)?;
        let plane = h * w;
        let scale = 1.0 / plane as f32;
        let means = par_written(batch * channels, POOL_IMAGES * channels, |chunk, sink| {
            let first = chunk * POOL_IMAGES * plane * channels;
            for row in x[first..].chunks_exact(plane).take(sink.remaining()) {
                sink.push(reduce::sum(row) * scale);
            }
        });
        Ok((CpuStorage::F32(means), Shape::from((batch, channels))))
    }

    fn bwd(&self, x: &Tensor, _res: &Tensor, grad: &Tensor) -> candle_core::Result<Option<Tensor>> {
        Ok(Some(grad.contiguous()?.apply_op1_no_bwd(&SpreadOver { h: x.dim(2)?, w: x.dim(3)? })?))
    }
}

/// The gradient of [`GlobalAvgPoolOp`]: each `[batch, channels]` value over
/// an `h × w` plane, divided by `h · w`.
#[derive(Clone, Copy, Debug)]
struct SpreadOver {
    h: usize,
    w: usize,
}

impl CustomOp1 for SpreadOver {
    fn name(&self) -> &'static str {
        "archspace-global-avg-pool-grad"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let (batch, channels) = layout.shape().dims2()?;
        let grad = contiguous_f32(storage, layout)?;
        let plane = self.h * self.w;
        let scale = 1.0 / plane as f32;
        let dx = par_written(batch * channels * plane, channels * plane, |b, sink| {
            for g in &grad[b * channels..(b + 1) * channels] {
                sink.fill(plane, g * scale);
            }
        });
        Ok((CpuStorage::F32(dx), Shape::from((batch, channels, self.h, self.w))))
    }
}

#[cfg(test)]
mod tests {
    use candle_core::{Device, Tensor, Var};

    use super::*;

    fn values(n: usize, seed: f32) -> Vec<f32> {
        (0..n).map(|i| ((i as f32 + seed) * 0.37).sin()).collect()
    }

    fn flat(t: &Tensor) -> Vec<f32> {
        t.flatten_all().unwrap().to_vec1::<f32>().unwrap()
    }

    /// Against candle's `cat`: forward and gradients, two and three inputs,
    /// odd batch sizes (uneven chunks over the threads), ranks 2 and 4.
    #[test]
    fn concat_matches_candle() {
        let dev = Device::Cpu;
        for (batch, channels, rest) in
            [(3usize, [2usize, 5, 1], vec![3usize, 4]), (5, [1, 3, 2], vec![]), (1, [4, 4, 4], vec![2, 2])]
        {
            let vars: Vec<Var> = channels
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let mut dims = vec![batch, *c];
                    dims.extend(&rest);
                    let n = dims.iter().product();
                    Var::from_vec(values(n, i as f32), dims, &dev).unwrap()
                })
                .collect();
            for inputs in [2, 3] {
                let xs: Vec<Tensor> = vars[..inputs].iter().map(|v| v.as_tensor().clone()).collect();
                let ours = if inputs == 2 {
                    xs[0].apply_op2(&xs[1], ConcatOp)
                } else {
                    xs[0].apply_op3(&xs[1], &xs[2], ConcatOp)
                }
                .unwrap();
                let theirs = Tensor::cat(&xs, 1).unwrap();
                assert_eq!(ours.dims(), theirs.dims());
                assert_eq!(flat(&ours), flat(&theirs), "forward, {inputs} inputs");
                let r = Tensor::from_vec(values(ours.elem_count(), 7.0), ours.shape(), &dev).unwrap();
                let grads = (&ours * &r).unwrap().sum_all().unwrap().backward().unwrap();
                let want = (&theirs * &r).unwrap().sum_all().unwrap().backward().unwrap();
                for x in &xs {
                    assert_eq!(flat(grads.get(x).unwrap()), flat(want.get(x).unwrap()), "gradient, {inputs} inputs");
                }
            }
        }
    }

    /// Against candle's mean: forward and gradient, batches that do not
    /// fill the last chunk of images.
    #[test]
    fn global_avg_pool_matches_candle() {
        let dev = Device::Cpu;
        for (batch, channels, h, w) in [(1, 3, 2, 5), (POOL_IMAGES + 3, 6, 7, 7), (2 * POOL_IMAGES, 1, 1, 1)] {
            let x = Var::from_vec(values(batch * channels * h * w, 1.0), (batch, channels, h, w), &dev).unwrap();
            let ours = x.as_tensor().apply_op1(GlobalAvgPoolOp).unwrap();
            let theirs = x.as_tensor().flatten_from(2).unwrap().mean(2).unwrap();
            let r = Tensor::from_vec(values(batch * channels, 5.0), (batch, channels), &dev).unwrap();
            let grads = (&ours * &r).unwrap().sum_all().unwrap().backward().unwrap();
            let want = (&theirs * &r).unwrap().sum_all().unwrap().backward().unwrap();
            let pairs = [(flat(&ours), flat(&theirs)), (flat(grads.get(&x).unwrap()), flat(want.get(&x).unwrap()))];
            for (what, (a, b)) in ["forward", "gradient"].iter().zip(pairs) {
                assert_eq!(a.len(), b.len());
                for (u, v) in a.iter().zip(&b) {
                    assert!((u - v).abs() <= 1e-5 * (1.0 + v.abs()), "{what}: {u} vs {v}");
                }
            }
        }
    }
}
