//! Convolution (NCHW, f32, CPU) as gemm over `im2col` columns, with both
//! backward passes as gemm too, as candle custom ops that compose with autograd.
//! Stride-1 convolutions (other than pointwise) skip `im2col`: 3×3 ones with
//! enough channels and outputs run as Winograd F(2×2, 3×3)
//! ([`winograd`](super::winograd)), the others as one product per kernel tap
//! over padded planes ([`shifted`](super::shifted)).
//!
//! Per image and channel group, with `col = im2col(x)` (`K × P`, `K =
//! channels/groups · kh · kw`, `P = oh · ow`):
//! forward `y = W · col`; input gradient `dx = col2im(Wᵀ · dy)`; weight
//! gradient `dW += dy · colᵀ`, summed over the batch. Images are split over
//! the rayon pool (one gemm per image and group, single-threaded); a batch of
//! one image lets gemm split the product instead.
//!
//! ```
//! use archspace_candle::kernels::Conv2dOp;
//! use candle_core::{Device, Tensor};
//! let x = Tensor::ones((2, 3, 8, 8), candle_core::DType::F32, &Device::Cpu)?;
//! let w = Tensor::ones((4, 3, 3, 3), candle_core::DType::F32, &Device::Cpu)?;
//! let op = Conv2dOp { kernel: (3, 3), stride: 1, dilation: 1, pads: [1; 4], groups: 1 };
//! let y = x.apply_op2(&w, op)?;
//! assert_eq!(y.dims(), &[2, 4, 8, 8]);
//! assert_eq!(y.get(0)?.get(0)?.get(4)?.get(4)?.to_scalar::<f32>()?, 27.0);
//! # Ok::<(), candle_core::Error>(())
//! ```

use std::cell::RefCell;

use candle_core::{CpuStorage, CustomOp2, CustomOp3, Layout, Shape, Tensor};
use rayon::prelude::*;

use super::conv_grad::{ChannelSum, Conv2dInputGrad, Conv2dWeightGrad};
use super::im2col::{Window, im2col_rows};
use super::matmul::{MatMut, MatRef, matmul};
use super::shifted::{self, Shifted};
use super::winograd::{self, Winograd};
use super::written::{Sink, par_written, written};

/// A 2-D convolution without bias: kernel, stride, dilation, paddings
/// (top, bottom, left, right) and channel groups. Apply it to `(x, weight)`
/// with `x.apply_op2(&weight, op)`; `x` is `[batch, channels, h, w]`,
/// `weight` `[filters, channels / groups, kh, kw]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv2dOp {
    /// Kernel height and width.
    pub kernel: (usize, usize),
    /// Stride (both directions).
    pub stride: usize,
    /// Dilation (both directions).
    pub dilation: usize,
    /// Padding top, bottom, left, right.
    pub pads: [usize; 4],
    /// Channel groups.
    pub groups: usize,
}

/// Floats per block of the column matrix: 16 MiB, which bounds the scratch
/// memory of large layers. Measured on the reference nets (seed, 1 thread):
/// blocks of 64 KiB and 256 KiB, sized for the L2 cache, trained 5–20% slower
/// than whole images (smaller gemms), so ordinary layers are not split.
/// Unit tests use small blocks so that the splitting is exercised.
const COLUMN_BLOCK: usize = if cfg!(test) { 1 << 10 } else { 1 << 22 };

/// Fewest input channels per group for the stride-1 path
/// ([`shifted`](super::shifted)): its products have one row per input
/// channel and tap, so with few channels each product is a few multiply-adds
/// per output read and written back, where `im2col` makes one product of
/// all taps. Measured on one thread, batch 64, 28×28, 3×3, 64 filters,
/// stride-1 path vs `im2col`: 1 channel forward 3.7 vs 1.6 ms, forward and
/// backward 17–23 vs 8–12 ms; 3 channels 4.6–5.4 vs 2.9 and 15–16 vs 12–13
/// ms; 8 channels 7.1 vs 6.0–6.2 and 24–26 vs 23–24 ms; 16 channels 11.6 vs
/// 10.9–11.1 and 38–40 vs 40 ms. Unit tests use 1, so that the stride-1
/// tests cover convolutions with few channels too.
const SHIFTED_MIN_CHANNELS: usize = if cfg!(test) { 1 } else { 8 };

/// Fewest input channels for the Winograd path ([`winograd`](super::winograd))
/// of 3×3 stride-1 convolutions (one group); its input gradient takes it
/// from as many filters. Measured on net1 (one thread, three alternating
/// rounds, images/s), with Winograd from 32 channels (its 48→64 layer) or
/// from 8 (also its 16→24 one) at 14×14 outputs and more: eval 3,103 /
/// 3,114 / 3,099 against 2,850 / 2,756 / 3,147, train 931 / 973 / 943
/// against 962 / 961 / 986; without Winograd 2,803 / 2,943 / 3,035 and 877
/// / 933 / 911. Unit tests use 64, so that the stride-1 path's tests keep
/// covering 3×3 convolutions with fewer.
const WINOGRAD_MIN_CHANNELS: usize = if cfg!(test) { 64 } else { 32 };

/// Most scratch floats per image for the Winograd path (16 MiB, the bound
/// of the column blocks above): its transformed input and products are 16
/// floats per channel and tile, so large images with many channels take
/// the stride-1 path instead (a 3×3 64→64 convolution of a 28×28 image
/// needs 1.6 MiB; of a 224×224 one, 99 MiB).
const WINOGRAD_MAX_SCRATCH: usize = 1 << 22;

/// Sizes of one convolution call.
#[derive(Clone, Copy, Debug)]
pub(super) struct Dims {
    pub(super) batch: usize,
    pub(super) channels: usize,
    pub(super) filters: usize,
    pub(super) window: Window,
    pub(super) oh: usize,
    pub(super) ow: usize,
}

impl Dims {
    pub(super) fn positions(&self) -> usize {
        self.oh * self.ow
    }
    pub(super) fn image(&self) -> usize {
        self.channels * self.window.h * self.window.w
    }
    pub(super) fn out_image(&self) -> usize {
        self.filters * self.positions()
    }
}

impl Conv2dOp {
    fn window(&self, h: usize, w: usize) -> Window {
        Window { h, w, kernel: self.kernel, stride: self.stride, dilation: self.dilation, pads: self.pads }
    }

    pub(super) fn dims(&self, x: &Shape, weight: &Shape) -> candle_core::Result<Dims> {
        let (batch, channels, h, w) = x.dims4()?;
        let (filters, per_group, kh, kw) = weight.dims4()?;
        let g = self.groups;
        if g == 0 || channels % g != 0 || filters % g != 0 || per_group * g != channels || (kh, kw) != self.kernel {
            candle_core::bail!("conv2d weight {weight:?} does not fit input {x:?} with {g} groups");
        }
        if self.stride == 0 || self.dilation == 0 || kh == 0 || kw == 0 {
            candle_core::bail!("conv2d needs positive kernel, stride and dilation");
        }
        let window = self.window(h, w);
        let (eh, ew) = ((kh - 1) * self.dilation + 1, (kw - 1) * self.dilation + 1);
        if h + self.pads[0] + self.pads[1] < eh || w + self.pads[2] + self.pads[3] < ew {
            candle_core::bail!("conv2d window larger than the padded input of {x:?}");
        }
        let (oh, ow) = window.output();
        Ok(Dims { batch, channels, filters, window, oh, ow })
    }

    /// Output rows per block of the column matrix (at most about
    /// [`COLUMN_BLOCK`] floats).
    pub(super) fn block_rows(&self, d: &Dims) -> usize {
        (COLUMN_BLOCK / (self.depth(d) * d.ow).max(1)).clamp(1, d.oh.max(1))
    }

    /// The stride-1 path's geometry, where it applies and pays: from
    /// [`SHIFTED_MIN_CHANNELS`] input channels per group.
    pub(super) fn shifted(&self, d: &Dims) -> Option<Shifted> {
        Shifted::new(&d.window).filter(|_| d.channels / self.groups >= SHIFTED_MIN_CHANNELS)
    }

    /// The Winograd tiling, where it applies and pays: 3×3, stride 1, no
    /// dilation, one group, from [`WINOGRAD_MIN_CHANNELS`] input channels,
    /// large enough outputs ([`Winograd::pays`]) and at most
    /// [`WINOGRAD_MAX_SCRATCH`] floats of scratch.
    pub(super) fn winograd(&self, d: &Dims) -> Option<Winograd> {
        self.winograd_reading(d, d.channels)
    }

    /// The Winograd tiling for the input gradient, whose products read the
    /// output gradient: from [`WINOGRAD_MIN_CHANNELS`] filters.
    pub(super) fn winograd_input_grad(&self, d: &Dims) -> Option<Winograd> {
        self.winograd_reading(d, d.filters)
    }

    /// The Winograd tiling where its products read `channels` channels.
    fn winograd_reading(&self, d: &Dims, channels: usize) -> Option<Winograd> {
        Winograd::new(&d.window).filter(|w| {
            let fits = w.scratch(d.channels, d.filters) <= WINOGRAD_MAX_SCRATCH;
            self.groups == 1 && channels >= WINOGRAD_MIN_CHANNELS && w.pays() && fits
        })
    }

    /// Rows of the column matrix per group.
    pub(super) fn depth(&self, d: &Dims) -> usize {
        d.channels / self.groups * self.kernel.0 * self.kernel.1
    }
}

/// The f32 data of a contiguous tensor.
pub(crate) fn contiguous_f32<'a>(storage: &'a CpuStorage, layout: &Layout) -> candle_core::Result<&'a [f32]> {
    let CpuStorage::F32(data) = storage else { candle_core::bail!("this kernel supports f32 tensors only") };
    match layout.contiguous_offsets() {
        Some((start, end)) => Ok(&data[start..end]),
        None => candle_core::bail!("this kernel needs contiguous tensors"),
    }
}

thread_local! {
    /// Column-matrix scratch kept per thread between calls: a fresh buffer
    /// per call is fresh memory from the OS, zeroed page by page.
    static SCRATCH: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` on this thread's scratch buffer of at least `len` floats (a
/// fresh one if the buffer is already in use further up this thread's stack).
pub(crate) fn with_scratch<R>(len: usize, f: impl FnOnce(&mut [f32]) -> R) -> R {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buffer) => {
            if buffer.len() < len {
                buffer.resize(len, 0.0);
            }
            f(&mut buffer[..len])
        }
        Err(_) => f(&mut vec![0f32; len]),
    })
}

/// Runs `work(image index, image output, scratch, parallel_gemm)` for every
/// image: over the rayon pool when there are several images (each with this
/// thread's scratch), else in place with a fresh scratch buffer, letting the
/// caller's gemm split the product (`parallel_gemm = true`).
pub(super) fn for_each_image<F>(out: &mut [f32], per_image: usize, scratch: usize, work: F)
where
    F: Fn(usize, &mut [f32], &mut [f32], bool) + Sync,
{
    if out.len() <= per_image {
        // A parallel gemm may run other jobs on this thread: no shared scratch here.
        if !out.is_empty() {
            work(0, out, &mut vec![0f32; scratch], true);
        }
        return;
    }
    out.par_chunks_mut(per_image)
        .enumerate()
        .for_each(|(b, chunk)| with_scratch(scratch, |buffer| work(b, chunk, buffer, false)));
}

/// A fresh output of `images` images of `per_image` floats, each image's
/// written in order by `work(image index, sink, scratch, parallel_gemm)`
/// into a [`Sink`], and never zeroed: over the rayon pool when there are
/// several images, else on this thread with a fresh scratch buffer and
/// `parallel_gemm = true` (as [`for_each_image`]).
///
/// # Panics
/// If `work` does not write exactly `per_image` floats (a bug in the calling kernel).
pub(super) fn images_written<F>(images: usize, per_image: usize, scratch: usize, work: F) -> Vec<f32>
where
    F: Fn(usize, &mut Sink<'_>, &mut [f32], bool) + Sync,
{
    if images == 1 {
        // A parallel gemm may run other jobs on this thread: no shared scratch here.
        let mut buffer = vec![0f32; scratch];
        return written(per_image, |sink| work(0, sink, &mut buffer, true));
    }
    par_written(images * per_image, per_image, |b, sink| with_scratch(scratch, |buffer| work(b, sink, buffer, false)))
}

impl Conv2dOp {
    /// The forward pass; `bias` (one value per filter) seeds each output
    /// row; with `relu`, each image's output is clamped at 0 while in cache.
    pub(crate) fn forward(
        &self,
        x: (&CpuStorage, &Layout),
        weight: (&CpuStorage, &Layout),
        bias: Option<&[f32]>,
        relu: bool,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let d = self.dims(x.1.shape(), weight.1.shape())?;
        let (x, weight) = (contiguous_f32(x.0, x.1)?, contiguous_f32(weight.0, weight.1)?);
        if bias.is_some_and(|b| b.len() != d.filters) {
            candle_core::bail!("conv2d bias does not have one value per filter ({})", d.filters);
        }
        let shape = Shape::from((d.batch, d.filters, d.oh, d.ow));
        if let Some(wg) = self.winograd(&d) {
            return Ok((CpuStorage::F32(winograd::forward(&wg, &d, x, weight, bias, relu)), shape));
        }
        if let Some(s) = self.shifted(&d) {
            return Ok((CpuStorage::F32(shifted::forward(self, &s, &d, x, weight, bias, relu)), shape));
        }
        let (g, depth, p) = (self.groups, self.depth(&d), d.positions());
        let (cg, fg) = (d.channels / g, d.filters / g);
        let pointwise = d.window.is_pointwise();
        let mut out = vec![0f32; d.batch * d.out_image()];
        let rows = self.block_rows(&d);
        let scratch = if pointwise { 0 } else { depth * rows * d.ow };
        for_each_image(&mut out, d.out_image(), scratch, |b, y, col, parallel| {
            if let Some(bias) = bias {
                for (row, value) in y.chunks_mut(p).zip(bias) {
                    row.fill(*value);
                }
            }
            let image = &x[b * d.image()..(b + 1) * d.image()];
            for group in 0..g {
                let input = &image[group * cg * d.window.h * d.window.w..];
                let w = MatRef::rows(&weight[group * fg * depth..], fg, depth);
                let yg = &mut y[group * fg * p..(group + 1) * fg * p];
                if pointwise {
                    matmul(MatMut::rows(yg, fg, p), bias.is_some(), w, MatRef::rows(input, depth, p), parallel);
                    continue;
                }
                for start in (0..d.oh).step_by(rows) {
                    let block = start..(start + rows).min(d.oh);
                    let n = block.len() * d.ow;
                    im2col_rows(&d.window, input, cg, block, col);
                    let dst = MatMut::new(&mut yg[start * d.ow..], fg, n, p, 1);
                    matmul(dst, bias.is_some(), w, MatRef::rows(col, depth, n), parallel);
                }
            }
            if relu {
                y.iter_mut().for_each(|v| *v = if *v > 0.0 { *v } else { 0.0 });
            }
        });
        Ok((CpuStorage::F32(out), shape))
    }

    /// Input (where `input_grad`) and weight gradients. candle's autograd
    /// asks for the input gradient where `x` tracks gradients: none for an
    /// input that nothing upstream needs it for (a batch of images into the
    /// first layer).
    pub(crate) fn gradients(
        &self,
        x: &Tensor,
        weight: &Tensor,
        grad: &Tensor,
        input_grad: bool,
    ) -> candle_core::Result<(Option<Tensor>, Tensor)> {
        let (_, _, h, w) = x.dims4()?;
        let dx =
            input_grad.then(|| grad.apply_op2_no_bwd(weight, &Conv2dInputGrad { conv: *self, h, w })).transpose()?;
        let dw = x.apply_op2_no_bwd(grad, &Conv2dWeightGrad { conv: *self })?;
        Ok((dx, dw))
    }
}

/// `conv(x, weight)`.
impl CustomOp2 for Conv2dOp {
    fn name(&self) -> &'static str {
        "archspace-conv2d"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        self.forward((s1, l1), (s2, l2), None, false)
    }

    fn bwd(
        &self,
        x: &Tensor,
        weight: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>)> {
        let (dx, dw) = self.gradients(x, weight, &grad.contiguous()?, x.track_op())?;
        Ok((dx, Some(dw)))
    }
}

/// `conv(x, weight) + bias`, the bias added in place (no extra pass, no
/// broadcast in the backward pass).
impl CustomOp3 for Conv2dOp {
    fn name(&self) -> &'static str {
        "archspace-conv2d-bias"
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
        self.forward((s1, l1), (s2, l2), Some(contiguous_f32(s3, l3)?), false)
    }

    fn bwd(
        &self,
        x: &Tensor,
        weight: &Tensor,
        _bias: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let grad = grad.contiguous()?;
        let (dx, dw) = self.gradients(x, weight, &grad, x.track_op())?;
        let db = grad.apply_op1_no_bwd(&ChannelSum)?;
        Ok((dx, Some(dw), Some(db)))
    }
}

#[cfg(test)]
mod tests {
    use candle_core::{Device, Tensor, Var};

    use super::*;

    /// An input that tracks no gradient (a batch of images) gets none; the
    /// weight and bias gradients are still candle's.
    #[test]
    fn plain_inputs_get_no_gradient() {
        let dev = Device::Cpu;
        let values = |n: usize, seed: f32| (0..n).map(|i| ((i as f32 + seed) * 0.37).sin()).collect::<Vec<f32>>();
        let x = Tensor::from_vec(values(2 * 3 * 6 * 5, 1.0), (2, 3, 6, 5), &dev).unwrap();
        let wt = Var::from_vec(values(4 * 3 * 9, 2.0), (4, 3, 3, 3), &dev).unwrap();
        let bias = Var::from_vec(values(4, 3.0), 4, &dev).unwrap();
        let op = Conv2dOp { kernel: (3, 3), stride: 1, dilation: 1, pads: [1; 4], groups: 1 };
        let r = Tensor::from_vec(values(2 * 4 * 6 * 5, 4.0), (2, 4, 6, 5), &dev).unwrap();
        let ours = x.apply_op3(wt.as_tensor(), bias.as_tensor(), op).unwrap();
        let theirs =
            x.conv2d(wt.as_tensor(), 1, 1, 1, 1).unwrap().broadcast_add(&bias.reshape((1, 4, 1, 1)).unwrap()).unwrap();
        let grads = (&ours * &r).unwrap().sum_all().unwrap().backward().unwrap();
        let want = (&theirs * &r).unwrap().sum_all().unwrap().backward().unwrap();
        assert!(grads.get(&x).is_none(), "no gradient for a plain input");
        for var in [wt.as_tensor(), bias.as_tensor()] {
            let (got, want) = (grads.get(var).unwrap(), want.get(var).unwrap());
            let (got, want) = (
                got.flatten_all().unwrap().to_vec1::<f32>().unwrap(),
                want.flatten_all().unwrap().to_vec1::<f32>().unwrap(),
            );
            for (u, v) in got.iter().zip(&want) {
                assert!((u - v).abs() <= 1e-4 * (1.0 + v.abs()), "{u} vs {v}");
            }
        }
    }

    /// With the small test blocks every layer here is split into row blocks;
    /// forward and gradients must still match candle's own convolution.
    #[test]
    fn blocked_columns_match_candle_forward_and_gradients() {
        let dev = Device::Cpu;
        for (channels, stride, groups) in [(12, 1, 1), (8, 2, 2)] {
            let (batch, filters, h, w) = (2, 4, 9, 11);
            let values = |n: usize, seed: f32| (0..n).map(|i| ((i as f32 + seed) * 0.37).sin()).collect::<Vec<f32>>();
            let x = Var::from_vec(values(batch * channels * h * w, 1.0), (batch, channels, h, w), &dev).unwrap();
            let wt =
                Var::from_vec(values(filters * channels / groups * 9, 2.0), (filters, channels / groups, 3, 3), &dev)
                    .unwrap();
            let op = Conv2dOp { kernel: (3, 3), stride, dilation: 1, pads: [1; 4], groups };
            let d = op.dims(x.shape(), wt.shape()).unwrap();
            assert!(op.block_rows(&d) < d.oh, "the test must split the columns");
            let r = Tensor::from_vec(values(batch * filters * d.oh * d.ow, 3.0), (batch, filters, d.oh, d.ow), &dev)
                .unwrap();
            let mut results = Vec::new();
            for ours in [true, false] {
                let y = if ours {
                    x.as_tensor().apply_op2(wt.as_tensor(), op)
                } else {
                    x.as_tensor().conv2d(wt.as_tensor(), 1, stride, 1, groups)
                }
                .unwrap();
                let grads = (&y * &r).unwrap().sum_all().unwrap().backward().unwrap();
                let flat = |t: &Tensor| t.flatten_all().unwrap().to_vec1::<f32>().unwrap();
                results.push([
                    flat(&y),
                    flat(grads.get(x.as_tensor()).unwrap()),
                    flat(grads.get(wt.as_tensor()).unwrap()),
                ]);
            }
            for (what, (a, b)) in
                ["forward", "input gradient", "weight gradient"].iter().zip(results[0].iter().zip(&results[1]))
            {
                for (u, v) in a.iter().zip(b) {
                    assert!((u - v).abs() <= 1e-4 * (1.0 + v.abs()), "{what}: {u} vs {v}");
                }
            }
        }
    }
}
