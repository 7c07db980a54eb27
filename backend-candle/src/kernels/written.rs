//! Output buffers written once, in order, without zeroing them first.
//!
//! A kernel's output is a fresh `Vec<f32>` that candle then owns. Made with
//! `vec![0.0; n]` it is zeroed by the allocator (one `memset` on the calling
//! thread, before any parallel work) and then overwritten by the kernel: a
//! second pass over every output, serial, that the kernel does not need.
//! [`par_written`] hands the kernel the vector's spare capacity in disjoint
//! chunks, each wrapped in a [`Sink`] that only appends, and checks that
//! every chunk was filled before the vector takes its length ([`written`]
//! does the same on the calling thread).
//!
//! This file holds the crate's second `unsafe` block (the first is the call
//! into `gemm`, `matmul.rs`): `Vec::set_len` once every element is written.
//! The need is measured: with it (and the parallel concatenation and
//! pooling of `channels.rs`), the seed net on two threads, side by side with
//! the build before: eval 467–488 → 524–525 images/s, training 146–155 →
//! 161–164 (`backend-candle/README.md`, training throughput).
//!
//! ```
//! # use archspace_candle::kernels::par_written;
//! let squares = par_written(10, 4, |chunk, sink| {
//!     let start = chunk * 4;
//!     let values: Vec<f32> = (start..(start + 4).min(10)).map(|i| (i * i) as f32).collect();
//!     sink.map_from(&values, |v| v);
//! });
//! assert_eq!(squares[..4], [0.0, 1.0, 4.0, 9.0]);
//! assert_eq!(squares.len(), 10);
//! ```

#![allow(unsafe_code)]

use std::mem::MaybeUninit;

use rayon::prelude::*;

/// Appends floats to one chunk of an output, in order.
#[derive(Debug)]
pub struct Sink<'a> {
    chunk: &'a mut [MaybeUninit<f32>],
    filled: usize,
}

impl<'a> Sink<'a> {
    fn new(chunk: &'a mut [MaybeUninit<f32>]) -> Self {
        Sink { chunk, filled: 0 }
    }

    /// Appends `f(v)` for every `v` of `values`.
    ///
    /// # Panics
    /// If the chunk has no room for them (a bug in the calling kernel).
    #[inline]
    pub fn map_from(&mut self, values: &[f32], f: impl Fn(f32) -> f32) {
        let end = self.filled + values.len();
        assert!(end <= self.chunk.len(), "internal: output chunk overrun");
        for (slot, v) in self.chunk[self.filled..end].iter_mut().zip(values) {
            slot.write(f(*v));
        }
        self.filled = end;
    }

    /// Appends `f(a, b)` for the pairs of `a` and `b` (as many as the shorter has).
    ///
    /// # Panics
    /// If the chunk has no room for them (a bug in the calling kernel).
    #[inline]
    pub fn zip_from(&mut self, a: &[f32], b: &[f32], f: impl Fn(f32, f32) -> f32) {
        let n = a.len().min(b.len());
        let end = self.filled + n;
        assert!(end <= self.chunk.len(), "internal: output chunk overrun");
        for (slot, (x, y)) in self.chunk[self.filled..end].iter_mut().zip(a[..n].iter().zip(&b[..n])) {
            slot.write(f(*x, *y));
        }
        self.filled = end;
    }

    /// Appends `n` copies of `value`.
    ///
    /// # Panics
    /// If the chunk has no room for them (a bug in the calling kernel).
    #[inline]
    pub fn fill(&mut self, n: usize, value: f32) {
        let end = self.filled + n;
        assert!(end <= self.chunk.len(), "internal: output chunk overrun");
        for slot in &mut self.chunk[self.filled..end] {
            slot.write(value);
        }
        self.filled = end;
    }

    /// Appends `value`.
    ///
    /// # Panics
    /// If the chunk is full (a bug in the calling kernel).
    #[inline]
    pub fn push(&mut self, value: f32) {
        self.fill(1, value);
    }

    /// Floats still to append.
    pub fn remaining(&self) -> usize {
        self.chunk.len() - self.filled
    }
}

/// A vector of `len` floats, zeroed by nobody: `fill` appends all of them.
///
/// # Panics
/// If `fill` writes fewer or more (a bug in the calling kernel).
pub fn written(len: usize, fill: impl FnOnce(&mut Sink<'_>)) -> Vec<f32> {
    let mut out = Vec::with_capacity(len);
    let mut sink = Sink::new(&mut out.spare_capacity_mut()[..len]);
    fill(&mut sink);
    assert_eq!(sink.filled, len, "internal: output chunk left unwritten");
    // SAFETY: the capacity is at least `len`, and the sink over its first
    // `len` slots wrote each of them (it writes in order and reached `len`).
    unsafe { out.set_len(len) };
    out
}

/// A vector of `len` floats, zeroed by nobody: `fill(i, sink)` appends the
/// floats of chunk `i` (`chunk` floats, the last one possibly fewer),
/// chunks in parallel over the current rayon pool.
///
/// # Panics
/// If `fill` leaves a chunk short or overruns it (a bug in the calling kernel).
pub fn par_written(len: usize, chunk: usize, fill: impl Fn(usize, &mut Sink<'_>) + Sync) -> Vec<f32> {
    let mut out = Vec::with_capacity(len);
    out.spare_capacity_mut()[..len].par_chunks_mut(chunk.max(1)).enumerate().for_each(|(i, part)| {
        let mut sink = Sink::new(part);
        fill(i, &mut sink);
        assert_eq!(sink.filled, sink.chunk.len(), "internal: output chunk left unwritten");
    });
    // SAFETY: the capacity is at least `len`; the chunks partition its first
    // `len` slots, and each chunk's sink wrote every slot of it (it writes in
    // order and reached the chunk's end, or the assertion above panicked and
    // this line is not reached).
    unsafe { out.set_len(len) };
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_land_in_order_with_a_short_last_chunk() {
        let v = par_written(10, 3, |i, sink| {
            let start = i * 3;
            let values: Vec<f32> = (start..(start + 3).min(10)).map(|x| x as f32).collect();
            sink.map_from(&values, |x| x * 2.0);
        });
        assert_eq!(v, (0..10).map(|x| 2.0 * x as f32).collect::<Vec<_>>());
        assert!(par_written(0, 4, |_, _| {}).is_empty());
    }

    #[test]
    #[should_panic(expected = "left unwritten")]
    fn a_short_chunk_is_a_bug() {
        par_written(8, 4, |i, sink| {
            if i == 0 {
                sink.map_from(&[1.0; 4], |x| x);
            } else {
                sink.map_from(&[1.0; 3], |x| x);
            }
        });
    }

    #[test]
    #[should_panic(expected = "overrun")]
    fn an_overrun_is_a_bug() {
        par_written(4, 4, |_, sink| sink.zip_from(&[1.0; 5], &[1.0; 5], |a, b| a + b));
    }
}
