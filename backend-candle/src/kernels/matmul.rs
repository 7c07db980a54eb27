//! A safe, bounds-checked front to the `gemm` crate's f32 matrix product.
//!
//! This file holds one of the crate's two `unsafe` blocks (the other:
//! `Vec::set_len` in `written.rs`). `gemm::gemm` takes raw
//! pointers and strides; [`matmul`] checks that every element the product
//! reads or writes lies inside the slices it was given, then calls it. The
//! need is measured: candle's own matmul allocates its output and cannot
//! accumulate into an existing buffer or read a transposed operand in place,
//! which the convolution kernels need for their backward passes (see
//! `backend-candle/README.md`, training throughput).
//!
//! ```
//! # use archspace_candle::kernels::{MatRef, MatMut, matmul};
//! let a = [1.0f32, 2.0, 3.0, 4.0]; // [[1, 2], [3, 4]]
//! let b = [1.0f32, 1.0];           // column [1, 1]
//! let mut c = [0.0f32; 2];
//! matmul(MatMut::rows(&mut c, 2, 1), false, MatRef::rows(&a, 2, 2), MatRef::rows(&b, 2, 1), false);
//! assert_eq!(c, [3.0, 7.0]);
//! ```

#![allow(unsafe_code)]

/// A read-only strided view of an f32 matrix.
#[derive(Clone, Copy, Debug)]
pub struct MatRef<'a> {
    data: &'a [f32],
    rows: usize,
    cols: usize,
    row_stride: usize,
    col_stride: usize,
}

/// A mutable strided view of an f32 matrix.
#[derive(Debug)]
pub struct MatMut<'a> {
    data: &'a mut [f32],
    rows: usize,
    cols: usize,
    row_stride: usize,
    col_stride: usize,
}

/// Whether `rows × cols` elements at the given strides fit in `len`.
fn fits(len: usize, rows: usize, cols: usize, row_stride: usize, col_stride: usize) -> bool {
    rows == 0 || cols == 0 || (rows - 1) * row_stride + (cols - 1) * col_stride < len
}

impl<'a> MatRef<'a> {
    /// A view with explicit strides.
    ///
    /// # Panics
    /// If the matrix does not fit in `data` (a bug in the calling kernel).
    pub fn new(data: &'a [f32], rows: usize, cols: usize, row_stride: usize, col_stride: usize) -> Self {
        assert!(fits(data.len(), rows, cols, row_stride, col_stride), "internal: matrix view out of bounds");
        MatRef { data, rows, cols, row_stride, col_stride }
    }

    /// A row-major `rows × cols` view.
    pub fn rows(data: &'a [f32], rows: usize, cols: usize) -> Self {
        Self::new(data, rows, cols, cols, 1)
    }

    /// The transposed view (no copy).
    pub fn t(self) -> Self {
        MatRef { rows: self.cols, cols: self.rows, row_stride: self.col_stride, col_stride: self.row_stride, ..self }
    }
}

impl<'a> MatMut<'a> {
    /// A view with explicit strides.
    ///
    /// # Panics
    /// If the matrix does not fit in `data` or elements alias (a bug in the calling kernel).
    pub fn new(data: &'a mut [f32], rows: usize, cols: usize, row_stride: usize, col_stride: usize) -> Self {
        assert!(fits(data.len(), rows, cols, row_stride, col_stride), "internal: matrix view out of bounds");
        // Distinct (row, col) pairs must address distinct elements.
        let (small, large, small_extent) =
            if row_stride <= col_stride { (row_stride, col_stride, rows) } else { (col_stride, row_stride, cols) };
        assert!(
            rows <= 1 || cols <= 1 || (small > 0 && large >= small * small_extent),
            "internal: aliasing output view"
        );
        assert!((rows <= 1 || row_stride > 0) && (cols <= 1 || col_stride > 0), "internal: aliasing output view");
        MatMut { data, rows, cols, row_stride, col_stride }
    }

    /// A row-major `rows × cols` view.
    pub fn rows(data: &'a mut [f32], rows: usize, cols: usize) -> Self {
        Self::new(data, rows, cols, cols, 1)
    }
}

/// `dst = lhs · rhs`, or `dst += lhs · rhs` with `accumulate`; with
/// `parallel`, gemm splits the product over the current rayon pool.
///
/// # Panics
/// If the shapes do not agree (a bug in the calling kernel).
pub fn matmul(dst: MatMut<'_>, accumulate: bool, lhs: MatRef<'_>, rhs: MatRef<'_>, parallel: bool) {
    assert!(
        lhs.rows == dst.rows && rhs.cols == dst.cols && lhs.cols == rhs.rows,
        "internal: matmul shapes {}x{} · {}x{} -> {}x{}",
        lhs.rows,
        lhs.cols,
        rhs.rows,
        rhs.cols,
        dst.rows,
        dst.cols
    );
    if dst.rows == 0 || dst.cols == 0 {
        return;
    }
    if lhs.cols == 0 {
        if !accumulate {
            for i in 0..dst.rows {
                for j in 0..dst.cols {
                    dst.data[i * dst.row_stride + j * dst.col_stride] = 0.0;
                }
            }
        }
        return;
    }
    let threads = rayon::current_num_threads();
    let parallelism = if parallel && threads > 1 { gemm::Parallelism::Rayon(threads) } else { gemm::Parallelism::None };
    // SAFETY: `MatRef::new` / `MatMut::new` checked that every element of each
    // view lies inside its slice and that `dst`'s elements do not alias; the
    // shapes agree (asserted above); `dst` is borrowed mutably, so it cannot
    // overlap `lhs` or `rhs`. Strides are below `isize::MAX` because they
    // index into live slices.
    unsafe {
        gemm::gemm(
            dst.rows,
            dst.cols,
            lhs.cols,
            dst.data.as_mut_ptr(),
            dst.col_stride as isize,
            dst.row_stride as isize,
            accumulate,
            lhs.data.as_ptr(),
            lhs.col_stride as isize,
            lhs.row_stride as isize,
            rhs.data.as_ptr(),
            rhs.col_stride as isize,
            rhs.row_stride as isize,
            1.0f32,
            1.0f32,
            false,
            false,
            false,
            parallelism,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(a: &[f32], b: &[f32], m: usize, k: usize, n: usize) -> Vec<f32> {
        let mut c = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                c[i * n + j] = (0..k).map(|p| a[i * k + p] * b[p * n + j]).sum();
            }
        }
        c
    }

    #[test]
    fn agrees_with_a_loop_plain_transposed_and_accumulated() {
        let (m, k, n) = (7, 13, 5);
        let a: Vec<f32> = (0..m * k).map(|i| (i as f32 * 0.37).sin()).collect();
        let b: Vec<f32> = (0..k * n).map(|i| (i as f32 * 0.11).cos()).collect();
        let want = naive(&a, &b, m, k, n);
        let mut c = vec![0.0; m * n];
        matmul(MatMut::rows(&mut c, m, n), false, MatRef::rows(&a, m, k), MatRef::rows(&b, k, n), false);
        for (x, y) in c.iter().zip(&want) {
            assert!((x - y).abs() < 1e-5);
        }
        // b stored transposed (n × k), read through a transposed view; accumulate onto c.
        let bt: Vec<f32> = (0..n * k).map(|i| b[(i % k) * n + i / k]).collect();
        matmul(MatMut::rows(&mut c, m, n), true, MatRef::rows(&a, m, k), MatRef::rows(&bt, n, k).t(), true);
        for (x, y) in c.iter().zip(&want) {
            assert!((x - 2.0 * y).abs() < 1e-5);
        }
    }

    #[test]
    #[should_panic(expected = "out of bounds")]
    fn rejects_a_view_past_the_slice() {
        let data = [0.0f32; 5];
        let _ = MatRef::rows(&data, 2, 3);
    }
}
