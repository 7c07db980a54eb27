//! The transforms of Winograd F(2×2, 3×3): of the input (`Bᵀ d B`), of the
//! products back to outputs (`Aᵀ M A`), of the output gradient (`A dY
//! Aᵀ`), of the weights (`G g Gᵀ`) and of their gradient back (`Gᵀ dU G`).
//!
//! The tile transforms run over whole planes in flat loops (tile rows have
//! a spare tile, see [`Winograd::tiles`]), inlined into the caller's
//! [`simd`](super::simd) dispatch so that they are compiled for AVX-512 or
//! AVX2 where the CPU has them.

use super::{POINTS, Winograd};

impl Winograd {
    /// `V = Bᵀ d B` for every tile of `plane` (`h × w`): point `ξ` of tile
    /// `t` is written to `v[ξ · stride + t]`.
    #[inline(always)]
    pub(super) fn transform_input(&self, plane: &[f32], v: &mut [f32], stride: usize, work: &mut [f32]) {
        let (sc, t) = (self.stride(), self.tiles());
        let (half, width) = ((self.th + 1) * sc, 2 * sc);
        let (rows, rest) = work.split_at_mut(4 * half);
        let (columns, rest) = rest.split_at_mut(4 * half);
        let (ce, co) = rest[..2 * half].split_at_mut(half);
        // The padded rows, even ones first, then odd ones: padded row r is
        // input row r − top, shifted right by `left`, zero elsewhere.
        let [top, _, left, _] = self.pads;
        for r in 0..2 * (self.th + 1) {
            let at = (r % 2) * 2 * half + r / 2 * width;
            let row = &mut rows[at..at + width];
            match r.checked_sub(top) {
                Some(i) if i < self.h => {
                    row[..left].fill(0.0);
                    row[left..left + self.w].copy_from_slice(&plane[i * self.w..][..self.w]);
                    row[left + self.w..].fill(0.0);
                }
                _ => row.fill(0.0),
            }
        }
        // Even and odd columns of each half: tile j of a row reads columns
        // 2j .. 2j + 4, that is even j, odd j, even j + 1, odd j + 1.
        for (parity, padded) in rows.chunks_exact(2 * half).enumerate() {
            let (even, odd) = columns[2 * parity * half..(2 * parity + 2) * half].split_at_mut(half);
            for ((e, o), pair) in even.iter_mut().zip(odd.iter_mut()).zip(padded.chunks_exact(2)) {
                (*e, *o) = (pair[0], pair[1]);
            }
        }
        let (even_rows, odd_rows) = columns.split_at(2 * half);
        for k in 0..4 {
            // B along the rows (point column k), for the even and the odd rows.
            for (out, cols) in [(&mut *ce, even_rows), (&mut *co, odd_rows)] {
                let (e, o) = cols.split_at(half);
                let n = half - 1;
                let (e0, e1, o0, o1) = (&e[..n], &e[1..], &o[..n], &o[1..]);
                match k {
                    0 => combine(&mut out[..n], e0, e1, |a, b| a - b),
                    1 => combine(&mut out[..n], o0, e1, |a, b| a + b),
                    2 => combine(&mut out[..n], e1, o0, |a, b| a - b),
                    _ => combine(&mut out[..n], o0, o1, |a, b| a - b),
                }
                out[n] = 0.0;
            }
            // Bᵀ down the columns: tile row i reads padded rows 2i .. 2i + 4,
            // that is even i, odd i, even i + 1, odd i + 1.
            let (d0, d1, d2, d3) = (&ce[..t], &co[..t], &ce[sc..sc + t], &co[sc..sc + t]);
            combine(&mut v[k * stride..][..t], d0, d2, |a, b| a - b);
            combine(&mut v[(4 + k) * stride..][..t], d1, d2, |a, b| a + b);
            combine(&mut v[(8 + k) * stride..][..t], d2, d1, |a, b| a - b);
            combine(&mut v[(12 + k) * stride..][..t], d1, d3, |a, b| a - b);
        }
    }

    /// `Aᵀ M A` for every tile of one filter's products (point `ξ` of tile
    /// `t` at `m[ξ · stride + t]`): calls `emit` with each output row
    /// (`ow` floats), in order.
    #[inline(always)]
    pub(super) fn transform_output(&self, m: &[f32], stride: usize, work: &mut [f32], mut emit: impl FnMut(&[f32])) {
        let (sc, t) = (self.stride(), self.tiles());
        let (planes, line) = work.split_at_mut(4 * t);
        let (y00, rest) = planes.split_at_mut(t);
        let (y01, rest) = rest.split_at_mut(t);
        let (y10, y11) = rest.split_at_mut(t);
        let p: [&[f32]; POINTS] = std::array::from_fn(|xi| &m[xi * stride..][..t]);
        for q in 0..t {
            // Aᵀ down the columns (output rows 0 and 1 of the tile), then A along the rows.
            let top: [f32; 4] = std::array::from_fn(|k| p[k][q] + p[4 + k][q] + p[8 + k][q]);
            let bottom: [f32; 4] = std::array::from_fn(|k| p[4 + k][q] - p[8 + k][q] - p[12 + k][q]);
            y00[q] = top[0] + top[1] + top[2];
            y01[q] = top[1] - top[2] - top[3];
            y10[q] = bottom[0] + bottom[1] + bottom[2];
            y11[q] = bottom[1] - bottom[2] - bottom[3];
        }
        let line = &mut line[..2 * sc];
        for ti in 0..self.th {
            for (a, (left, right)) in [(&*y00, &*y01), (&*y10, &*y11)].into_iter().enumerate() {
                if 2 * ti + a >= self.oh {
                    break;
                }
                let (left, right) = (&left[ti * sc..][..sc], &right[ti * sc..][..sc]);
                for ((pair, l), r) in line.chunks_exact_mut(2).zip(left).zip(right) {
                    (pair[0], pair[1]) = (*l, *r);
                }
                emit(&line[..self.ow]);
            }
        }
    }

    /// `dM = A dY Aᵀ` for every tile of one filter's output gradient
    /// (`oh × ow`), point `ξ` of tile `t` written to `dm[ξ · stride + t]`.
    #[inline(always)]
    pub(super) fn transform_output_grad(&self, plane: &[f32], dm: &mut [f32], stride: usize, work: &mut [f32]) {
        let (sc, t) = (self.stride(), self.tiles());
        // Even and odd columns of the even rows (tile row i: output row 2i)
        // and of the odd rows, zero past the output.
        let columns = &mut work[..4 * t];
        for r in 0..2 * self.th {
            let (at, parity) = (r / 2 * sc, r % 2);
            let (even, odd) = columns[2 * parity * t..(2 * parity + 2) * t].split_at_mut(t);
            let (even, odd) = (&mut even[at..at + sc], &mut odd[at..at + sc]);
            if r >= self.oh {
                even.fill(0.0);
                odd.fill(0.0);
                continue;
            }
            let line = &plane[r * self.ow..][..self.ow];
            for (j, (e, o)) in even.iter_mut().zip(odd.iter_mut()).enumerate() {
                *e = line.get(2 * j).copied().unwrap_or(0.0);
                *o = line.get(2 * j + 1).copied().unwrap_or(0.0);
            }
        }
        let (e0, rest) = columns.split_at(t);
        let (o0, rest) = rest.split_at(t);
        let (e1, o1) = rest.split_at(t);
        // A down the columns: Q0 = D0, Q1 = D0 + D1, Q2 = D0 − D1, Q3 = −D1,
        // then along the rows: [e, e + o, e − o, −o].
        write_points(dm, stride, (e0, e1, o0, o1), |a, _| a);
        write_points(&mut dm[4 * stride..], stride, (e0, e1, o0, o1), |a, b| a + b);
        write_points(&mut dm[8 * stride..], stride, (e0, e1, o0, o1), |a, b| a - b);
        write_points(&mut dm[12 * stride..], stride, (e0, e1, o0, o1), |_, b| -b);
    }
}

/// One row `i` of `A dY Aᵀ` for every tile: with `(e, o) = (rows(e0, e1),
/// rows(o0, o1))` (row `i` of `A dY`, even and odd columns), the points
/// `[e, e + o, e − o, −o]`, `stride` apart in `dm`.
#[inline(always)]
fn write_points(
    dm: &mut [f32],
    stride: usize,
    (e0, e1, o0, o1): (&[f32], &[f32], &[f32], &[f32]),
    rows: impl Fn(f32, f32) -> f32,
) {
    let t = e0.len();
    let (p0, rest) = dm.split_at_mut(stride);
    let (p1, rest) = rest.split_at_mut(stride);
    let (p2, p3) = rest.split_at_mut(stride);
    let (p0, p1, p2, p3) = (&mut p0[..t], &mut p1[..t], &mut p2[..t], &mut p3[..t]);
    for q in 0..t {
        let (e, o) = (rows(e0[q], e1[q]), rows(o0[q], o1[q]));
        (p0[q], p1[q], p2[q], p3[q]) = (e, e + o, e - o, -o);
    }
}

/// `out[j] = f(a[j], b[j])`.
#[inline(always)]
fn combine(out: &mut [f32], a: &[f32], b: &[f32], f: impl Fn(f32, f32) -> f32) {
    for ((o, x), y) in out.iter_mut().zip(a).zip(b) {
        *o = f(*x, *y);
    }
}

/// `G g Gᵀ` of every 3×3 kernel of `weight` (`outs × ins × 3 × 3`), as 16
/// matrices `outs × ins` in `u`; with `flip`, of the input gradient's
/// kernels instead (each flipped, in and out channels swapped: 16 matrices
/// `ins × outs`).
pub(in crate::kernels::conv) fn transform_weights(weight: &[f32], outs: usize, ins: usize, flip: bool, u: &mut [f32]) {
    for (pair, g) in weight.chunks_exact(9).take(outs * ins).enumerate() {
        let (o, i) = (pair / ins, pair % ins);
        let mut kernel = [0f32; 9];
        for (k, value) in kernel.iter_mut().enumerate() {
            *value = if flip { g[8 - k] } else { g[k] };
        }
        // G down the columns, then along the rows.
        let mut rows = [[0f32; 3]; 4];
        for c in 0..3 {
            let (a, b, d) = (kernel[c], kernel[3 + c], kernel[6 + c]);
            rows[0][c] = a;
            rows[1][c] = 0.5 * (a + b + d);
            rows[2][c] = 0.5 * (a - b + d);
            rows[3][c] = d;
        }
        let (rows_of, cols_of) = if flip { (ins, outs) } else { (outs, ins) };
        let (r, c) = if flip { (i, o) } else { (o, i) };
        for (k, [a, b, d]) in rows.into_iter().enumerate() {
            let values = [a, 0.5 * (a + b + d), 0.5 * (a - b + d), d];
            for (l, value) in values.into_iter().enumerate() {
                u[((4 * k + l) * rows_of + r) * cols_of + c] = value;
            }
        }
    }
}

/// `Gᵀ dU G`: the 3×3 weight gradient (`outs × ins × 3 × 3`) from its
/// transformed form `du` (16 matrices `outs × ins`).
pub(super) fn untransform_weight_grad(du: &[f32], outs: usize, ins: usize) -> Vec<f32> {
    let pairs = outs * ins;
    let mut dw = vec![0f32; pairs * 9];
    for (pair, g) in dw.chunks_exact_mut(9).enumerate() {
        let point = |xi: usize| du[xi * pairs + pair];
        // Gᵀ down the columns (rows of the 4×4), then along the rows.
        let column = |k: usize| (point(k), point(4 + k), point(8 + k), point(12 + k));
        let columns: [(f32, f32, f32, f32); 4] = std::array::from_fn(column);
        let rows: [[f32; 4]; 3] = [
            columns.map(|(a, b, c, _)| a + 0.5 * (b + c)),
            columns.map(|(_, b, c, _)| 0.5 * (b - c)),
            columns.map(|(_, b, c, d)| 0.5 * (b + c) + d),
        ];
        for (r, [a, b, c, d]) in rows.into_iter().enumerate() {
            g[3 * r] = a + 0.5 * (b + c);
            g[3 * r + 1] = 0.5 * (b - c);
            g[3 * r + 2] = 0.5 * (b + c) + d;
        }
    }
    dw
}
