//! Vectorisable f32 reductions: eight independent accumulators, so the
//! compiler can keep them in one SIMD register (a plain `iter().sum()` is a
//! serial chain of additions it may not reorder).
//!
//! ```
//! # use archspace_candle::kernels::reduce::{sum, centered_dot, centered_squares};
//! let x = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0];
//! assert_eq!(sum(&x), 55.0);
//! assert_eq!(centered_squares(&x, 5.5), 82.5);
//! assert_eq!(centered_dot(&[1.0; 10], &x, 5.5), 0.0);
//! ```

const LANES: usize = 8;

fn fold(a: &[f32], b: &[f32], f: impl Fn(f32, f32) -> f32) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0f32; LANES];
    let (chunks_a, chunks_b) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let (rest_a, rest_b) = (chunks_a.remainder(), chunks_b.remainder());
    for (ca, cb) in chunks_a.zip(chunks_b) {
        for lane in 0..LANES {
            acc[lane] += f(ca[lane], cb[lane]);
        }
    }
    let tail: f32 = rest_a.iter().zip(rest_b).map(|(x, y)| f(*x, *y)).sum();
    acc.iter().sum::<f32>() + tail
}

/// `Σ x`.
pub fn sum(x: &[f32]) -> f32 {
    fold(x, x, |v, _| v)
}

/// `Σ (x − mean)²`.
pub fn centered_squares(x: &[f32], mean: f32) -> f32 {
    fold(x, x, |v, _| (v - mean) * (v - mean))
}

/// `Σ g · (x − mean)`.
pub fn centered_dot(g: &[f32], x: &[f32], mean: f32) -> f32 {
    fold(g, x, |g, v| g * (v - mean))
}
