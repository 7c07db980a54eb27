//! Stride-1 convolution without `im2col`: the input is copied once into
//! zero-padded planes, and each kernel tap `(u, v)` is then one product over
//! the padded planes read in place at the tap's offset.
//!
//! The padded rows are `row = w + e` floats, `e = max(0, left + right −
//! (kw − 1)·d)`: no padding columns for a convolution that keeps the width
//! (a 3×3 "same" one), so a plane is the input plane copied whole between
//! zero rows. The input pixel under tap `(u, v)` of output `(i, j)` lies at
//! `(i + u·d)·row + j + v·d` of the padded plane (the input shifted by
//! `left` floats), so for a tap the whole output is `W_uv [out × in] ·
//! P[:, offset .. offset + oh·row]`: a plain strided view that the `gemm`
//! crate reads without packing, on the `oh × row` grid, whose `ow` valid
//! columns are copied out (all of them when the width is kept). A tap
//! whose column offset `dx = v·d − left` points left of the input reads,
//! for the first `−dx` output columns, the end of the row above instead of
//! padding; one pointing right reads the start of the row below. Those
//! input columns are read by no other output of the taps of that kernel
//! column (`ow ≤ row`), so they are zeroed in the padded planes while those
//! taps run and restored after ([`Shifted::wrapped_columns`]). Against
//! `im2col` this saves writing and re-reading (and, in gemm, packing) a
//! column matrix `kh·kw` times the input; against padded rows (`row = w +
//! max(left, right)`, the layout before) it saves the extra grid columns
//! (1 of 29 for a 3×3 "same" convolution of a 28-wide image) and the row by
//! row padding copy.
//!
//! The input gradient of a stride-1 convolution is itself a stride-1
//! convolution (of the output gradient, with the kernel flipped and its
//! in/out channels swapped, and paddings `(k − 1)·d − p`), so it runs on the
//! same path. The weight gradient per tap is `P[:, offset..] · dyᵀ`, with
//! `dyᵀ` laid out on the grid (zeros in the extra columns).
//!
//! [`Shifted::new`] declines (and the caller uses `im2col`) for strides
//! above 1, pointwise convolutions, and paddings wider than the kernel's reach.

use std::ops::Range;

use super::super::im2col::Window;
use super::super::matmul::{MatMut, MatRef, matmul};
use super::super::written::Sink;
use super::geometry::Dims;
use super::scratch::{images_written, with_scratch_unless_parallel};

/// Most columns per product. The `gemm` crate reads its left operand in
/// place when a product has at most 48 columns (single-threaded; it packs
/// it above that), so wider products are split. Measured on a 64→64 3×3
/// convolution of a 28×28 image, one thread: forward 575 µs in blocks of 48,
/// 585 µs in one block of 64, 600 µs in blocks of 32.
const COLUMN_BLOCK: usize = 48;

/// The padded geometry of one stride-1 convolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Shifted {
    window: Window,
    oh: usize,
    ow: usize,
    /// Floats per padded row.
    row: usize,
    /// Columns of the wide output: `oh · row`, rounded up to a multiple of
    /// 16 (gemm's AVX-512 kernels work on 16 floats at once and copy, per
    /// product, an operand whose row count is not a multiple of that: the
    /// padded planes here; measured on net1, whose 14×14 and 7×7 layers
    /// have 196 and 49 positions, one thread: train 555–616 → 575–620,
    /// eval 1,987–2,099 → 2,099–2,209 images/s against a multiple of 8).
    pub(super) positions: usize,
    /// Floats per padded input plane (every tap's view fits).
    pub(super) plane: usize,
}

impl Shifted {
    /// The padded geometry of `window`, or `None` where this path does not apply.
    pub(super) fn new(window: &Window) -> Option<Self> {
        let [_, _, left, right] = window.pads;
        let (kh, kw) = window.kernel;
        let d = window.dilation;
        if window.stride != 1 || window.is_pointwise() || left.min(right) > (kw - 1) * d {
            return None;
        }
        let (oh, ow) = window.output();
        // ow ≤ row: the grid holds every output column.
        let row = window.w + (left + right).saturating_sub((kw - 1) * d);
        let positions = (oh * row).next_multiple_of(16);
        let plane = (kh - 1) * d * row + (kw - 1) * d + positions;
        Some(Shifted { window: *window, oh, ow, row, positions, plane })
    }

    /// The geometry of the input gradient: a stride-1 convolution of the
    /// output gradient (`oh × ow`) with the flipped kernel, giving `h × w`.
    pub(super) fn transposed(&self) -> Option<Self> {
        let Window { kernel: (kh, kw), dilation: d, pads, .. } = self.window;
        let reach = [(kh - 1) * d, (kh - 1) * d, (kw - 1) * d, (kw - 1) * d];
        if pads.iter().zip(reach).any(|(p, r)| *p > r) {
            return None;
        }
        let pads = [reach[0] - pads[0], reach[1] - pads[1], reach[2] - pads[2], reach[3] - pads[3]];
        Self::new(&Window { h: self.oh, w: self.ow, kernel: (kh, kw), stride: 1, dilation: d, pads })
    }

    /// Output height and width.
    #[cfg(test)]
    fn output(&self) -> (usize, usize) {
        (self.oh, self.ow)
    }

    /// Number of kernel taps.
    pub(super) fn taps(&self) -> usize {
        self.window.taps()
    }

    /// Where tap `t` (row-major over the kernel) reads in a padded plane.
    fn offset(&self, t: usize) -> usize {
        let (u, v) = (t / self.window.kernel.1, t % self.window.kernel.1);
        (u * self.row + v) * self.window.dilation
    }

    /// The input columns that the taps of kernel column `v` read in place of
    /// padding (wrapping into the row above or below), to be zeroed while
    /// those taps run; `None` where those taps read no input at all.
    fn wrapped_columns(&self, v: usize) -> Option<Range<usize>> {
        let (row, w, ow) = (self.row as isize, self.window.w as isize, self.ow as isize);
        let dx = (v * self.window.dilation) as isize - self.window.pads[2] as isize;
        // Output column j reads input column j + dx (j < ow ≤ row), wrapped by one row at most.
        let (start, end) = match dx {
            _ if dx <= -row || dx >= row => return None,
            _ if dx < 0 => (row + dx, w),
            _ => (0, (ow + dx - row).min(w)),
        };
        let (start, end) = (start.max(0) as usize, end.max(0) as usize);
        Some(if start < end { start..end } else { 0..0 })
    }

    /// In the padded planes of `channels` channels, writes the input
    /// columns `restore` back from `source` (`channels × h × w`, the input
    /// that the planes were made from), then zeros the columns `zero`: one
    /// pass over the rows (the last column of a row and the first of the
    /// next share a cache line).
    fn remask(&self, padded: &mut [f32], channels: usize, restore: Range<usize>, zero: Range<usize>, source: &[f32]) {
        let Window { h, w, pads: [top, _, left, _], .. } = self.window;
        if restore.is_empty() && zero.is_empty() {
            return;
        }
        for (plane, input) in
            padded[..channels * self.plane].chunks_exact_mut(self.plane).zip(source.chunks_exact(h * w))
        {
            let lines = plane[top * self.row + left..].chunks_mut(self.row).take(h);
            for (line, x) in lines.zip(input.chunks_exact(w)) {
                // Usually one column (3×3 kernels): single stores, not a `memset`
                // or `memcpy` call of a few bytes per row (3% of the seed net's eval).
                match restore.len() {
                    0 => {}
                    1 => line[restore.start] = x[restore.start],
                    _ => line[restore.clone()].copy_from_slice(&x[restore.clone()]),
                }
                match zero.len() {
                    0 => {}
                    1 => line[zero.start] = 0.0,
                    _ => line[zero.clone()].fill(0.0),
                }
            }
        }
    }

    /// Runs `product(tap, first)` for every tap whose kernel column reads the
    /// input, kernel column by kernel column, with the columns each one would
    /// read in place of padding zeroed in `padded` meanwhile (restored from
    /// `source`, the `channels × h × w` input that `padded` was made from,
    /// before the next kernel column's taps; the last kernel column's stay
    /// zeroed: `padded` is made again before its next use); `first` for the
    /// first product. Returns whether any ran.
    fn for_each_tap(
        &self,
        padded: &mut [f32],
        source: &[f32],
        channels: usize,
        mut product: impl FnMut(&[f32], usize, bool),
    ) -> bool {
        let (kh, kw) = self.window.kernel;
        let mut first = true;
        let mut zeroed = 0..0;
        for v in 0..kw {
            let Some(columns) = self.wrapped_columns(v) else { continue };
            self.remask(padded, channels, zeroed, columns.clone(), source);
            zeroed = columns;
            for u in 0..kh {
                product(padded, u * kw + v, first);
                first = false;
            }
        }
        !first
    }

    /// Copies `x` (`channels × h × w`) into zero-padded planes (`channels ×
    /// plane`), writing each float of them once.
    pub(super) fn pad(&self, x: &[f32], channels: usize, out: &mut [f32]) {
        let Window { h, w, pads: [top, _, left, _], .. } = self.window;
        let planes = out[..channels * self.plane].chunks_exact_mut(self.plane);
        for (planar, padded) in x[..channels * h * w].chunks_exact(h * w).zip(planes) {
            if self.row == w {
                // Rows without padding columns: the plane is copied whole.
                let start = top * self.row + left;
                padded[..start].fill(0.0);
                padded[start..start + h * w].copy_from_slice(planar);
                padded[start + h * w..].fill(0.0);
                continue;
            }
            let mut end = 0;
            for (i, line) in planar.chunks_exact(w).enumerate() {
                let start = (top + i) * self.row + left;
                padded[end..start].fill(0.0);
                padded[start..start + w].copy_from_slice(line);
                end = start + w;
            }
            padded[end..].fill(0.0);
        }
    }

    /// `wide (outs × positions) = Σ_taps taps[t] (outs × ins) · padded (ins × plane) at the tap's offset`;
    /// `padded` was made by [`Shifted::pad`] from `source` (`ins × h × w`),
    /// and is left with some input columns zeroed (see [`Shifted::for_each_tap`]).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn correlate(
        &self,
        taps: &[f32],
        padded: &mut [f32],
        source: &[f32],
        ins: usize,
        outs: usize,
        wide: &mut [f32],
        parallel: bool,
    ) {
        let p = self.positions;
        let ran = self.for_each_tap(padded, source, ins, |padded, t, first| {
            let input = MatRef::new(&padded[self.offset(t)..], ins, p, self.plane, 1);
            for start in (0..outs).step_by(COLUMN_BLOCK) {
                let n = COLUMN_BLOCK.min(outs - start);
                let weights = MatRef::rows(&taps[(t * outs + start) * ins..], n, ins);
                matmul(MatMut::rows(&mut wide[start * p..(start + n) * p], n, p), !first, weights, input, parallel);
            }
        });
        if !ran {
            wide[..outs * p].fill(0.0);
        }
    }

    /// Appends the valid columns of `wide` (`outs × positions`) to `out`
    /// (`outs × oh × ow`), adding `bias` and clamping at 0 with `relu`.
    pub(super) fn extract(&self, wide: &[f32], outs: usize, out: &mut Sink<'_>, bias: Option<&[f32]>, relu: bool) {
        self.valid_runs(wide, outs, bias, |src, add| {
            if relu {
                out.map_from(src, |s| (s + add).max(0.0));
            } else {
                out.map_from(src, |s| s + add);
            }
        });
    }

    /// As [`Shifted::extract`], into `out` (`outs × oh × ow`).
    pub(super) fn extract_into(&self, wide: &[f32], outs: usize, out: &mut [f32], bias: Option<&[f32]>, relu: bool) {
        let mut rest = &mut out[..outs * self.oh * self.ow];
        self.valid_runs(wide, outs, bias, |src, add| {
            let (line, tail) = std::mem::take(&mut rest).split_at_mut(src.len());
            rest = tail;
            if relu {
                line.iter_mut().zip(src).for_each(|(d, s)| *d = (s + add).max(0.0));
            } else {
                line.iter_mut().zip(src).for_each(|(d, s)| *d = s + add);
            }
        });
    }

    /// Calls `emit(run, bias)` for each run of valid columns of `wide`
    /// (`outs × positions`), in output order: a row at a time, or a whole
    /// plane where the width is kept (all columns valid).
    fn valid_runs(&self, wide: &[f32], outs: usize, bias: Option<&[f32]>, mut emit: impl FnMut(&[f32], f32)) {
        let (rows, width, row) =
            if self.ow == self.row { (1, self.oh * self.ow, 0) } else { (self.oh, self.ow, self.row) };
        for (o, plane) in wide.chunks_exact(self.positions).take(outs).enumerate() {
            let add = bias.map_or(0.0, |b| b[o]);
            for i in 0..rows {
                emit(&plane[i * row..i * row + width], add);
            }
        }
    }

    /// Lays `dy` (`outs × oh × ow`) out transposed on the wide grid
    /// (`positions × outs`), zeros in the extra columns: written in order,
    /// each row of it gathered from the `outs` planes.
    pub(super) fn transpose_wide(&self, dy: &[f32], outs: usize, out: &mut [f32]) {
        let (oh, ow) = (self.oh, self.ow);
        let dy = &dy[..outs * oh * ow];
        let (grid, tail) = out[..self.positions * outs].split_at_mut(oh * self.row * outs);
        for (k, column) in grid.chunks_exact_mut(outs).enumerate() {
            let (i, j) = (k / self.row, k % self.row);
            if j < ow {
                column.iter_mut().zip(dy[i * ow + j..].iter().step_by(oh * ow)).for_each(|(d, v)| *d = *v);
            } else {
                column.fill(0.0);
            }
        }
        tail.fill(0.0);
    }

    /// `dw[t] (ins × outs) += padded (ins × plane) at tap t's offset · dy_wide (positions × outs)`;
    /// `padded` was made by [`Shifted::pad`] from `source` (`ins × h × w`),
    /// and is left with some input columns zeroed (see [`Shifted::for_each_tap`]).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn weight_taps(
        &self,
        padded: &mut [f32],
        source: &[f32],
        dy_wide: &[f32],
        ins: usize,
        outs: usize,
        dw: &mut [f32],
        parallel: bool,
    ) {
        let p = self.positions;
        let dy = MatRef::rows(dy_wide, p, outs);
        self.for_each_tap(padded, source, ins, |padded, t, _| {
            let tap = &mut dw[t * ins * outs..(t + 1) * ins * outs];
            for start in (0..ins).step_by(COLUMN_BLOCK) {
                let n = COLUMN_BLOCK.min(ins - start);
                let input = MatRef::new(&padded[start * self.plane + self.offset(t)..], n, p, self.plane, 1);
                matmul(MatMut::rows(&mut tap[start * outs..(start + n) * outs], n, outs), true, input, dy, parallel);
            }
        });
    }
}

/// Rearranges one group's weight (`outs × ins × taps`) into per-tap
/// matrices (`taps × outs × ins`); with `flip`, into the input gradient's
/// (`taps × ins × outs`, taps in reverse order).
pub(super) fn tap_matrices(weight: &[f32], outs: usize, ins: usize, taps: usize, flip: bool, out: &mut [f32]) {
    for o in 0..outs {
        for i in 0..ins {
            for t in 0..taps {
                let value = weight[(o * ins + i) * taps + t];
                if flip {
                    out[((taps - 1 - t) * ins + i) * outs + o] = value;
                } else {
                    out[(t * outs + o) * ins + i] = value;
                }
            }
        }
    }
}

/// The forward pass of a stride-1 convolution on this path: per image and
/// group, pad, one product per tap, copy out (with `bias` and `relu`).
pub(super) fn forward(s: &Shifted, d: &Dims, x: &[f32], weight: &[f32], bias: Option<&[f32]>, relu: bool) -> Vec<f32> {
    let (g, taps) = (d.groups, s.taps());
    let (cg, fg, input_plane) = (d.channels / g, d.filters / g, d.window.h * d.window.w);
    let per_group = fg * cg * taps;
    let mut tap_weights = vec![0f32; g * per_group];
    for (w, t) in weight.chunks_exact(per_group).zip(tap_weights.chunks_exact_mut(per_group)) {
        tap_matrices(w, fg, cg, taps, false, t);
    }
    images_written(d.batch, d.out_image(), cg * s.plane + fg * s.positions, |b, y, buffer, parallel| {
        let (padded, wide) = buffer.split_at_mut(cg * s.plane);
        let image = &x[b * d.image()..(b + 1) * d.image()];
        for group in 0..g {
            let source = &image[group * cg * input_plane..(group + 1) * cg * input_plane];
            s.pad(source, cg, padded);
            s.correlate(&tap_weights[group * per_group..], padded, source, cg, fg, wide, parallel);
            let bias = bias.map(|b| &b[group * fg..(group + 1) * fg]);
            s.extract(wide, fg, y, bias, relu);
        }
    })
}

/// The input gradient of a stride-1 convolution on this path, or `None` where
/// its paddings exceed the kernel's reach.
pub(super) fn input_grad(s: &Shifted, d: &Dims, dy: &[f32], weight: &[f32]) -> Option<Vec<f32>> {
    let t = s.transposed()?;
    let (g, taps) = (d.groups, s.taps());
    let (cg, fg, p) = (d.channels / g, d.filters / g, d.positions());
    let per_group = fg * cg * taps;
    let mut tap_weights = vec![0f32; g * per_group];
    for (w, m) in weight.chunks_exact(per_group).zip(tap_weights.chunks_exact_mut(per_group)) {
        tap_matrices(w, fg, cg, taps, true, m);
    }
    Some(images_written(d.batch, d.image(), fg * t.plane + cg * t.positions, |b, dxb, buffer, parallel| {
        let (padded, wide) = buffer.split_at_mut(fg * t.plane);
        let dyb = &dy[b * d.out_image()..(b + 1) * d.out_image()];
        for group in 0..g {
            let source = &dyb[group * fg * p..(group + 1) * fg * p];
            t.pad(source, fg, padded);
            t.correlate(&tap_weights[group * per_group..], padded, source, fg, cg, wide, parallel);
            t.extract(wide, cg, dxb, None, false);
        }
    }))
}

/// The weight gradient of a stride-1 convolution on this path, summed over the
/// images `images` in order (`parallel`: gemm may split the products).
pub(super) fn weight_grad_sum(
    s: &Shifted,
    d: &Dims,
    x: &[f32],
    dy: &[f32],
    images: Range<usize>,
    parallel: bool,
) -> Vec<f32> {
    let (g, taps) = (d.groups, s.taps());
    let (cg, fg, input_plane, p) = (d.channels / g, d.filters / g, d.window.h * d.window.w, d.positions());
    let per_group = fg * cg * taps;
    let mut sums = vec![0f32; g * per_group];
    let accumulate = |buffer: &mut [f32]| {
        let (padded, dy_wide) = buffer.split_at_mut(cg * s.plane);
        for b in images {
            for group in 0..g {
                let source = &x[b * d.image() + group * cg * input_plane..][..cg * input_plane];
                s.pad(source, cg, padded);
                s.transpose_wide(&dy[b * d.out_image() + group * fg * p..], fg, dy_wide);
                s.weight_taps(padded, source, dy_wide, cg, fg, &mut sums[group * per_group..], parallel);
            }
        }
    };
    with_scratch_unless_parallel(cg * s.plane + s.positions * fg, parallel, accumulate);
    // taps × ins × outs per group, to the weight's outs × ins × taps.
    let mut dw = vec![0f32; g * per_group];
    for (sum, w) in sums.chunks_exact(per_group).zip(dw.chunks_exact_mut(per_group)) {
        for f in 0..fg {
            for c in 0..cg {
                for t in 0..taps {
                    w[(f * cg + c) * taps + t] = sum[(t * cg + c) * fg + f];
                }
            }
        }
    }
    dw
}

#[cfg(test)]
mod tests;
