//! Winograd F(2×2, 3×3) convolution (Lavin and Gray, *Fast Algorithms for
//! Convolutional Neural Networks*, CVPR 2016) for 3×3, stride-1, undilated
//! convolutions of one channel group, with both backward passes.
//!
//! The output is cut into 2×2 tiles; each reads a 4×4 tile of the padded
//! input. Per input channel and tile the 16 values `V = Bᵀ d B` are formed,
//! per filter pair the 16 values `U = G g Gᵀ`; then for each of the 16
//! points `ξ` one product `M_ξ = U_ξ (filters × channels) · V_ξ (channels ×
//! tiles)`, and each output tile is `Aᵀ M A`. A 3×3 convolution then costs
//! 16 multiply-adds per channel pair and tile (4 outputs) instead of 36:
//! 2.25× fewer, in products of the same shape as the stride-1 path's
//! ([`shifted`](super::shifted)), plus the transforms: additions in flat loops
//! over whole planes ([`transforms`]), compiled for the CPU's widest vectors.
//!
//! The gradients are those of the algorithm itself, so they agree with the
//! convolution's to float rounding: with `dM = A dY Aᵀ` per output tile,
//! the weight gradient is `Gᵀ (Σ_tiles dM_ξ · V_ξᵀ) G`, and the input
//! gradient is the same algorithm run on the output gradient with the
//! kernel flipped and its channels swapped (a 3×3 stride-1 convolution with
//! paddings `2 − p`).
//!
//! Transforms (rows of `Bᵀ`, `G`, `Aᵀ`):
//! `Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]`,
//! `G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]`, `Aᵀ = [1 1 1 0; 0 1 −1 −1]`.

use std::ops::Range;

use super::super::im2col::Window;
use super::super::matmul::{MatMut, MatRef, matmul};
use super::super::written::Sink;
use super::geometry::Dims;
use super::scratch::{images_written, with_scratch_unless_parallel};
pub(super) use transforms::transform_weights;
use transforms::untransform_weight_grad;

/// Transformed points per tile (4 × 4).
pub(super) const POINTS: usize = 16;

/// Fewest tiles for [`Winograd::pays`]; unit tests take every size.
const MIN_TILES: usize = if cfg!(test) { 1 } else { 49 };

/// Most filters per product. Measured on the seed net (64 filters, one
/// thread, eval, three alternating rounds): 483 / 527 / 529 images/s in one
/// product of 64, 453 / 465 / 496 in blocks of 48 (the stride-1 path's,
/// `shifted.rs`), 441 / 491 / 488 in blocks of 32; each block packs the
/// transformed input again.
const FILTER_BLOCK: usize = 64;

/// The tiling of one 3×3, stride-1, undilated convolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Winograd {
    h: usize,
    w: usize,
    /// Padding top, bottom, left, right (each at most 2).
    pads: [usize; 4],
    oh: usize,
    ow: usize,
    /// Tile rows and columns: `⌈oh / 2⌉`, `⌈ow / 2⌉`.
    th: usize,
    tw: usize,
}

impl Winograd {
    /// The tiling of `window`, or `None` where this algorithm does not apply
    /// (other kernels, strides or dilations; paddings beyond the kernel's reach).
    pub(super) fn new(window: &Window) -> Option<Self> {
        let Window { h, w, kernel, stride, dilation, pads } = *window;
        if kernel != (3, 3) || stride != 1 || dilation != 1 || pads.iter().any(|p| *p > 2) {
            return None;
        }
        if h + pads[0] + pads[1] < 3 || w + pads[2] + pads[3] < 3 {
            return None;
        }
        let (oh, ow) = window.output();
        Some(Winograd { h, w, pads, oh, ow, th: oh.div_ceil(2), tw: ow.div_ceil(2) })
    }

    /// Whether the outputs are large enough for this path to pay: at least
    /// [`MIN_TILES`] tiles (14 × 14 outputs and more). Smaller planes waste
    /// much of their tiles on odd sizes (7 × 7 outputs are computed as 8 ×
    /// 8) and give products too narrow for gemm: on net1 (one thread) its
    /// 7×7 layer on this path took eval from 2,850 / 3,034 to 2,466 / 2,483
    /// images/s.
    pub(super) fn pays(&self) -> bool {
        self.th * self.tw >= MIN_TILES
    }

    /// The tiling of the input gradient: the output gradient (`oh × ow`)
    /// convolved with the flipped kernel, paddings `2 − p`, giving `h × w`.
    pub(super) fn transposed(&self) -> Self {
        let pads = self.pads.map(|p| 2 - p);
        let (oh, ow) = (self.h, self.w);
        Winograd { h: self.oh, w: self.ow, pads, oh, ow, th: oh.div_ceil(2), tw: ow.div_ceil(2) }
    }

    /// Tiles per tile row in the products: one more than the output needs,
    /// so that every transform runs over whole planes in one flat loop
    /// (the spare tile of a row reads across into the next; its products
    /// are never written out, and its output gradient is zero).
    fn stride(&self) -> usize {
        self.tw + 1
    }

    /// Columns of the products: tile rows × [`stride`](Self::stride).
    pub(super) fn tiles(&self) -> usize {
        self.th * self.stride()
    }

    /// Floats of working memory that the transforms need.
    fn work_len(&self) -> usize {
        let half = (self.th + 1) * self.stride();
        // Input: the even and odd padded rows (2 × 2 half), their even and
        // odd columns (4 half), one column transform of both (2 half).
        // Output: the four output planes and one output line.
        // Output gradient: the even and odd columns of the even and odd rows.
        (10 * half).max(4 * self.tiles() + 2 * self.stride())
    }

    /// Scratch floats for one image of a convolution of `ins` → `outs`
    /// channels: the transformed input, the products and working rows.
    pub(super) fn scratch(&self, ins: usize, outs: usize) -> usize {
        POINTS * (ins + outs) * self.tiles() + self.work_len()
    }

    /// Convolves one image (`ins × h × w`) with transformed weights `u`
    /// (from [`transform_weights`], `outs × ins` per point): calls
    /// `emit(filter, row)` with every output row, filter by filter, in order.
    /// `scratch` holds at least [`Winograd::scratch`] floats.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn convolve(
        &self,
        u: &[f32],
        image: &[f32],
        ins: usize,
        outs: usize,
        scratch: &mut [f32],
        parallel: bool,
        emit: impl FnMut(usize, &[f32]),
    ) {
        self.multiply(u, image, ins, outs, scratch, parallel);
        self.emit_rows(ins, outs, scratch, emit);
    }

    /// The first half of [`convolve`](Self::convolve): the transformed
    /// input and the products, left in `scratch`; `image` is not read after.
    pub(super) fn multiply(
        &self,
        u: &[f32],
        image: &[f32],
        ins: usize,
        outs: usize,
        scratch: &mut [f32],
        parallel: bool,
    ) {
        let t = self.tiles();
        let (v, m, work) = self.scratch_parts(scratch, ins, outs);
        simd(
            #[inline(always)]
            || {
                self.transform_image(image, ins, v, work);
            },
        );
        for xi in 0..POINTS {
            let input = MatRef::rows(&v[xi * ins * t..], ins, t);
            for start in (0..outs).step_by(FILTER_BLOCK) {
                let n = FILTER_BLOCK.min(outs - start);
                let weights = MatRef::rows(&u[(xi * outs + start) * ins..], n, ins);
                let products = &mut m[(xi * outs + start) * t..][..n * t];
                matmul(MatMut::rows(products, n, t), false, weights, input, parallel);
            }
        }
    }

    /// The second half of [`convolve`](Self::convolve): the output rows
    /// from the products that [`multiply`](Self::multiply) left in `scratch`.
    pub(super) fn emit_rows(&self, ins: usize, outs: usize, scratch: &mut [f32], mut emit: impl FnMut(usize, &[f32])) {
        let t = self.tiles();
        let (_, m, work) = self.scratch_parts(scratch, ins, outs);
        simd(
            #[inline(always)]
            || {
                for f in 0..outs {
                    self.transform_output(&m[f * t..], outs * t, work, |row| emit(f, row));
                }
            },
        );
    }

    /// The parts of `scratch` for `ins` input and `outs` output channels:
    /// the transformed input (`V`, 16 matrices `ins × tiles`), the products
    /// or their gradients (`M`, 16 matrices `outs × tiles`), and working memory.
    fn scratch_parts<'a>(
        &self,
        scratch: &'a mut [f32],
        ins: usize,
        outs: usize,
    ) -> (&'a mut [f32], &'a mut [f32], &'a mut [f32]) {
        let t = self.tiles();
        let (v, rest) = scratch.split_at_mut(POINTS * ins * t);
        let (m, work) = rest.split_at_mut(POINTS * outs * t);
        (v, m, work)
    }

    /// [`transform_input`](Self::transform_input) of every channel of
    /// `image` (`ins × h × w`) into `v` (16 matrices `ins × tiles`).
    #[inline(always)]
    fn transform_image(&self, image: &[f32], ins: usize, v: &mut [f32], work: &mut [f32]) {
        let t = self.tiles();
        for (c, plane) in image.chunks_exact(self.h * self.w).take(ins).enumerate() {
            self.transform_input(plane, &mut v[c * t..], ins * t, work);
        }
    }

    /// Adds to `du` (`outs × ins` per point) the weight gradient of one
    /// image in the transformed domain: `Σ_tiles dM_ξ · V_ξᵀ`, with `image`
    /// the input (`ins × h × w`) and `dy` the output gradient (`outs × oh × ow`).
    #[allow(clippy::too_many_arguments)]
    fn accumulate_weight_grad(
        &self,
        image: &[f32],
        dy: &[f32],
        ins: usize,
        outs: usize,
        du: &mut [f32],
        scratch: &mut [f32],
        parallel: bool,
    ) {
        let t = self.tiles();
        let (v, dm, work) = self.scratch_parts(scratch, ins, outs);
        simd(
            #[inline(always)]
            || {
                self.transform_image(image, ins, v, work);
                for (f, plane) in dy.chunks_exact(self.oh * self.ow).take(outs).enumerate() {
                    self.transform_output_grad(plane, &mut dm[f * t..], outs * t, work);
                }
            },
        );
        for xi in 0..POINTS {
            let grads = MatRef::rows(&dm[xi * outs * t..], outs, t);
            let input = MatRef::rows(&v[xi * ins * t..], ins, t).t();
            matmul(MatMut::rows(&mut du[xi * outs * ins..][..outs * ins], outs, ins), true, grads, input, parallel);
        }
    }
}

/// Runs `f` compiled for the widest vector instructions this CPU has
/// (AVX-512 or AVX2 where present, through `pulp`'s dispatch), so that the
/// transforms' flat loops run 16 or 8 floats at a time: the crate itself is
/// built for baseline x86-64 (SSE2). Only code inlined into `f` is compiled
/// so: pass an `#[inline(always)]` closure that calls `#[inline(always)]`
/// functions (without it, the transforms stayed SSE2 code).
#[inline(always)]
fn simd<R>(f: impl FnOnce() -> R) -> R {
    pulp::Arch::new().dispatch(f)
}

/// The forward pass of a one-group convolution on this path, with `bias`
/// added and a ReLU applied while each output row is written.
pub(super) fn forward(
    wg: &Winograd,
    d: &Dims,
    x: &[f32],
    weight: &[f32],
    bias: Option<&[f32]>,
    relu: bool,
) -> Vec<f32> {
    let (ins, outs) = (d.channels, d.filters);
    let mut u = vec![0f32; POINTS * outs * ins];
    transform_weights(weight, outs, ins, false, &mut u);
    images_written(d.batch, d.out_image(), wg.scratch(ins, outs), |b, y, scratch, parallel| {
        let image = &x[b * d.image()..(b + 1) * d.image()];
        wg.convolve(&u, image, ins, outs, scratch, parallel, append_rows(y, bias, relu));
    })
}

/// An `emit` for [`Winograd::convolve`] that appends each row of filter
/// `f` to `out`, adding `bias[f]` and clamping at 0 with `relu`.
pub(super) fn append_rows<'s, 'a>(
    out: &'s mut Sink<'a>,
    bias: Option<&'s [f32]>,
    relu: bool,
) -> impl FnMut(usize, &[f32]) + 's {
    move |f, row| {
        let add = bias.map_or(0.0, |b| b[f]);
        if relu {
            out.map_from(row, |s| (s + add).max(0.0));
        } else {
            out.map_from(row, |s| s + add);
        }
    }
}

/// As [`append_rows`], into `out` (rows written one after the other).
pub(super) fn fill_rows<'s>(
    mut out: &'s mut [f32],
    bias: Option<&'s [f32]>,
    relu: bool,
) -> impl FnMut(usize, &[f32]) + 's {
    move |f, row| {
        let add = bias.map_or(0.0, |b| b[f]);
        let (line, rest) = std::mem::take(&mut out).split_at_mut(row.len());
        out = rest;
        if relu {
            line.iter_mut().zip(row).for_each(|(d, s)| *d = (s + add).max(0.0));
        } else {
            line.iter_mut().zip(row).for_each(|(d, s)| *d = s + add);
        }
    }
}

/// The input gradient of a one-group convolution on this path (`wg` is the
/// forward tiling): the algorithm on `dy` with the flipped kernel.
pub(super) fn input_grad(wg: &Winograd, d: &Dims, dy: &[f32], weight: &[f32]) -> Vec<f32> {
    let t = wg.transposed();
    let (ins, outs) = (d.channels, d.filters);
    let mut u = vec![0f32; POINTS * outs * ins];
    transform_weights(weight, outs, ins, true, &mut u);
    images_written(d.batch, d.image(), t.scratch(outs, ins), |b, dx, scratch, parallel| {
        let grad = &dy[b * d.out_image()..(b + 1) * d.out_image()];
        t.convolve(&u, grad, outs, ins, scratch, parallel, |_, row| dx.map_from(row, |s| s));
    })
}

/// The weight gradient of a one-group convolution on this path, summed over
/// `images` in order (`parallel`: gemm may split the products).
pub(super) fn weight_grad_sum(
    wg: &Winograd,
    d: &Dims,
    x: &[f32],
    dy: &[f32],
    images: Range<usize>,
    parallel: bool,
) -> Vec<f32> {
    let (ins, outs) = (d.channels, d.filters);
    let mut du = vec![0f32; POINTS * outs * ins];
    let accumulate = |scratch: &mut [f32]| {
        for b in images {
            let image = &x[b * d.image()..(b + 1) * d.image()];
            let grad = &dy[b * d.out_image()..(b + 1) * d.out_image()];
            wg.accumulate_weight_grad(image, grad, ins, outs, &mut du, scratch, parallel);
        }
    };
    with_scratch_unless_parallel(wg.scratch(ins, outs), parallel, accumulate);
    untransform_weight_grad(&du, outs, ins)
}

mod transforms;

#[cfg(test)]
mod tests;
