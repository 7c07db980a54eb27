//! `im2col` and `col2im` for one image plane group (NCHW), with any kernel,
//! stride, dilation and asymmetric zero padding.
//!
//! The column matrix has one row per `(channel, kernel row, kernel column)`
//! and one column per output position, so a convolution is
//! `weight [filters × channels·kh·kw] · columns [channels·kh·kw × oh·ow]`.
//!
//! ```
//! # use archspace_candle::kernels::{Window, im2col};
//! // One 3×3 channel, a 2×2 window, stride 1, no padding: 4 rows × 4 positions.
//! let w = Window { h: 3, w: 3, kernel: (2, 2), stride: 1, dilation: 1, pads: [0; 4] };
//! let x: Vec<f32> = (0..9).map(|v| v as f32).collect();
//! let mut col = vec![0.0; 16];
//! im2col(&w, &x, 1, &mut col);
//! assert_eq!(&col[..4], &[0.0, 1.0, 3.0, 4.0]); // the window's top-left tap at each position
//! ```

use std::ops::Range;

/// The geometry of a convolution window over one `h × w` plane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// Input height.
    pub h: usize,
    /// Input width.
    pub w: usize,
    /// Kernel height and width.
    pub kernel: (usize, usize),
    /// Stride (both directions).
    pub stride: usize,
    /// Dilation (both directions).
    pub dilation: usize,
    /// Padding top, bottom, left, right.
    pub pads: [usize; 4],
}

impl Window {
    /// Output height and width (the padded input must hold one window).
    pub fn output(&self) -> (usize, usize) {
        let eh = (self.kernel.0 - 1) * self.dilation + 1;
        let ew = (self.kernel.1 - 1) * self.dilation + 1;
        let ph = self.h + self.pads[0] + self.pads[1];
        let pw = self.w + self.pads[2] + self.pads[3];
        (ph.saturating_sub(eh) / self.stride + 1, pw.saturating_sub(ew) / self.stride + 1)
    }

    /// Whether the column matrix is the input itself (1×1, stride 1, no padding).
    pub fn is_pointwise(&self) -> bool {
        self.kernel == (1, 1) && self.stride == 1 && self.pads == [0; 4]
    }

    /// Rows of the column matrix per input channel.
    pub fn taps(&self) -> usize {
        self.kernel.0 * self.kernel.1
    }

    /// For kernel column `v`: the output columns `[j0, j1)` whose tap lies
    /// inside the input, and the input column of output column 0 (may be negative).
    pub(crate) fn column_span(&self, v: usize, ow: usize) -> (usize, usize, isize) {
        let offset = (v * self.dilation) as isize - self.pads[2] as isize;
        let s = self.stride as isize;
        // j0: first j with offset + j*s >= 0; j1: first j with offset + j*s >= w.
        let j0 = if offset >= 0 { 0 } else { ((-offset + s - 1) / s) as usize };
        let j1 = if (self.w as isize) <= offset { 0 } else { ((self.w as isize - offset + s - 1) / s) as usize };
        (j0.min(ow), j1.min(ow).max(j0.min(ow)), offset)
    }

    /// Input row of output row `i` for kernel row `u`, if inside the input.
    pub(crate) fn input_row(&self, i: usize, u: usize) -> Option<usize> {
        let y = (i * self.stride + u * self.dilation) as isize - self.pads[0] as isize;
        (y >= 0 && y < self.h as isize).then_some(y as usize)
    }
}

/// Fills `col` (`channels·kh·kw × oh·ow`, row-major) from `x` (`channels × h × w`).
///
/// # Panics
/// If the slices are shorter than the geometry needs (a bug in the calling kernel).
pub fn im2col(win: &Window, x: &[f32], channels: usize, col: &mut [f32]) {
    im2col_rows(win, x, channels, 0..win.output().0, col);
}

/// [`im2col`] for the output rows `rows` only: `col` is
/// `channels·kh·kw × rows.len()·ow`, so a block of it stays in cache.
///
/// # Panics
/// If the slices are shorter than the geometry needs (a bug in the calling kernel).
pub fn im2col_rows(win: &Window, x: &[f32], channels: usize, rows: Range<usize>, col: &mut [f32]) {
    let (_, ow) = win.output();
    let (plane, positions) = (win.h * win.w, rows.len() * ow);
    let s = win.stride;
    let same_width = s == 1 && ow == win.w;
    for c in 0..channels {
        let input = &x[c * plane..(c + 1) * plane];
        for u in 0..win.kernel.0 {
            for v in 0..win.kernel.1 {
                let row = (c * win.kernel.0 + u) * win.kernel.1 + v;
                let out = &mut col[row * positions..(row + 1) * positions];
                let (j0, j1, offset) = win.column_span(v, ow);
                if same_width {
                    shifted_rows(win, input, rows.clone(), u, (j0, j1, offset), out);
                    continue;
                }
                for (k, i) in rows.clone().enumerate() {
                    let dst = &mut out[k * ow..(k + 1) * ow];
                    let Some(y) = win.input_row(i, u) else {
                        dst.fill(0.0);
                        continue;
                    };
                    dst[..j0].fill(0.0);
                    dst[j1..].fill(0.0);
                    if j1 > j0 {
                        let start = y * win.w + (offset + (j0 * s) as isize) as usize;
                        if s == 1 {
                            dst[j0..j1].copy_from_slice(&input[start..start + (j1 - j0)]);
                        } else {
                            for (k, d) in dst[j0..j1].iter_mut().enumerate() {
                                *d = input[start + k * s];
                            }
                        }
                    }
                }
            }
        }
    }
}

/// One row of the column matrix when the stride is 1 and the output is as
/// wide as the input: the block's inside rows are one contiguous stretch of
/// the input shifted by the tap's column offset, copied at once; the
/// columns whose tap falls in the padding (which that copy fills with
/// neighbouring pixels) and the rows outside the input are then zeroed.
fn shifted_rows(
    win: &Window,
    input: &[f32],
    rows: Range<usize>,
    u: usize,
    span: (usize, usize, isize),
    out: &mut [f32],
) {
    let (j0, j1, offset) = span;
    let w = win.w;
    // Output rows k (of the block) whose input row lies inside: [k0, k1).
    let first = (rows.start + u * win.dilation) as isize - win.pads[0] as isize;
    let k0 = (-first).clamp(0, rows.len() as isize) as usize;
    let k1 = (win.h as isize - first).clamp(k0 as isize, rows.len() as isize) as usize;
    out[..k0 * w].fill(0.0);
    out[k1 * w..].fill(0.0);
    if k1 == k0 {
        return;
    }
    // out[k * w + j] = input[(first + k) * w + offset + j] for k in [k0, k1),
    // j in [j0, j1); as one stretch, clipped to the plane.
    let start = (first + k0 as isize) * w as isize + offset;
    let len = ((k1 - k0) * w) as isize;
    let (from, to) = (start.max(0), (start + len).min(input.len() as isize));
    let dst = &mut out[k0 * w..k1 * w];
    let (lead, copied) = ((from - start) as usize, (to - from).max(0) as usize);
    dst[..lead].fill(0.0);
    dst[lead..lead + copied].copy_from_slice(&input[from as usize..from as usize + copied]);
    dst[lead + copied..].fill(0.0);
    if j0 > 0 || j1 < w {
        for line in dst.chunks_exact_mut(w) {
            line[..j0].fill(0.0);
            line[j1..].fill(0.0);
        }
    }
}

/// Adds `col` (`channels·kh·kw × oh·ow`) back into `x` (`channels × h × w`),
/// the adjoint of [`im2col`]; `x` is overwritten, not accumulated into.
///
/// # Panics
/// If the slices are shorter than the geometry needs (a bug in the calling kernel).
pub fn col2im(win: &Window, col: &[f32], channels: usize, x: &mut [f32]) {
    x[..channels * win.h * win.w].fill(0.0);
    col2im_rows_add(win, col, channels, 0..win.output().0, x);
}

/// The adjoint of [`im2col_rows`]: adds the block `col` (output rows
/// `rows`) into `x`.
///
/// # Panics
/// If the slices are shorter than the geometry needs (a bug in the calling kernel).
pub fn col2im_rows_add(win: &Window, col: &[f32], channels: usize, rows: Range<usize>, x: &mut [f32]) {
    let (_, ow) = win.output();
    let (plane, positions) = (win.h * win.w, rows.len() * ow);
    let s = win.stride;
    for c in 0..channels {
        let input = &mut x[c * plane..(c + 1) * plane];
        for u in 0..win.kernel.0 {
            for v in 0..win.kernel.1 {
                let row = (c * win.kernel.0 + u) * win.kernel.1 + v;
                let src_row = &col[row * positions..(row + 1) * positions];
                let (j0, j1, offset) = win.column_span(v, ow);
                if j1 <= j0 {
                    continue;
                }
                for (k, i) in rows.clone().enumerate() {
                    let Some(y) = win.input_row(i, u) else { continue };
                    let src = &src_row[k * ow + j0..k * ow + j1];
                    let start = y * win.w + (offset + (j0 * s) as isize) as usize;
                    if s == 1 {
                        for (d, g) in input[start..start + src.len()].iter_mut().zip(src) {
                            *d += g;
                        }
                    } else {
                        for (k, g) in src.iter().enumerate() {
                            input[start + k * s] += g;
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The naive definition: col[(c,u,v)][(i,j)] = x[c][i*s+u*d-pt][j*s+v*d-pl] or 0.
    fn naive(win: &Window, x: &[f32], channels: usize) -> Vec<f32> {
        let (oh, ow) = win.output();
        let mut col = Vec::new();
        for c in 0..channels {
            for u in 0..win.kernel.0 {
                for v in 0..win.kernel.1 {
                    for i in 0..oh {
                        for j in 0..ow {
                            let y = (i * win.stride + u * win.dilation) as isize - win.pads[0] as isize;
                            let z = (j * win.stride + v * win.dilation) as isize - win.pads[2] as isize;
                            let inside = y >= 0 && z >= 0 && y < win.h as isize && z < win.w as isize;
                            col.push(if inside { x[c * win.h * win.w + y as usize * win.w + z as usize] } else { 0.0 });
                        }
                    }
                }
            }
        }
        col
    }

    fn windows() -> Vec<Window> {
        let mut all = Vec::new();
        for (h, w) in [(5, 7), (6, 4), (1, 9)] {
            for kernel in [(1, 1), (3, 3), (1, 3), (3, 1), (2, 4)] {
                for stride in [1, 2, 3] {
                    for dilation in [1, 2] {
                        for pads in [[0; 4], [1; 4], [0, 2, 1, 0], [3, 0, 0, 2], [2; 4], [1, 3, 4, 0]] {
                            let win = Window { h, w, kernel, stride, dilation, pads };
                            let eh = (kernel.0 - 1) * dilation + 1;
                            let ew = (kernel.1 - 1) * dilation + 1;
                            if h + pads[0] + pads[1] >= eh && w + pads[2] + pads[3] >= ew {
                                all.push(win);
                            }
                        }
                    }
                }
            }
        }
        all
    }

    #[test]
    fn im2col_matches_the_definition_and_col2im_is_its_adjoint() {
        // The stride-1, same-width windows take the shifted-copy path: cover it with and without dilation.
        let same_width = |dilation| {
            windows().iter().filter(|w| w.stride == 1 && w.dilation == dilation && w.output().1 == w.w).count()
        };
        assert!(same_width(1) >= 10 && same_width(2) >= 4, "{} {}", same_width(1), same_width(2));
        for win in windows() {
            let channels = 2;
            let (oh, ow) = win.output();
            let x: Vec<f32> = (0..channels * win.h * win.w).map(|i| (i as f32 * 0.7).sin()).collect();
            let rows = channels * win.taps();
            let mut col = vec![f32::NAN; rows * oh * ow];
            im2col(&win, &x, channels, &mut col);
            assert_eq!(col, naive(&win, &x, channels), "{win:?}");
            // <im2col(x), g> == <x, col2im(g)> for any g.
            let g: Vec<f32> = (0..col.len()).map(|i| (i as f32 * 0.3).cos()).collect();
            let mut back = vec![f32::NAN; x.len()];
            col2im(&win, &g, channels, &mut back);
            let lhs: f64 = col.iter().zip(&g).map(|(a, b)| (*a as f64) * (*b as f64)).sum();
            let rhs: f64 = x.iter().zip(&back).map(|(a, b)| (*a as f64) * (*b as f64)).sum();
            assert!((lhs - rhs).abs() < 1e-3, "{win:?}: {lhs} vs {rhs}");
            // Two-row blocks give the same columns and the same sum back.
            let mut blocks = vec![0.0; x.len()];
            for start in (0..oh).step_by(2) {
                let rows = start..(start + 2).min(oh);
                let mut part = vec![f32::NAN; win.taps() * channels * rows.len() * ow];
                im2col_rows(&win, &x, channels, rows.clone(), &mut part);
                for (r, chunk) in part.chunks(rows.len() * ow).enumerate() {
                    assert_eq!(chunk, &col[r * oh * ow + start * ow..][..chunk.len()], "{win:?}: block {start}");
                }
                let g_part: Vec<f32> = (0..win.taps() * channels)
                    .flat_map(|r| g[r * oh * ow + start * ow..][..rows.len() * ow].to_vec())
                    .collect();
                col2im_rows_add(&win, &g_part, channels, rows, &mut blocks);
            }
            for (a, b) in blocks.iter().zip(&back) {
                assert!((a - b).abs() < 1e-5, "{win:?}: blocked col2im");
            }
        }
    }
}
