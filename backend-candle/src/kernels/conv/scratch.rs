//! Scratch memory and the split of a batch over threads, shared by the
//! convolution algorithms: each image (or block of images) is worked on by
//! one thread with that thread's scratch buffer, or, for a batch of one,
//! on the calling thread with gemm allowed to split its products. A leaf:
//! it knows nothing of convolutions beyond sizes.

use std::cell::RefCell;

use rayon::prelude::*;

use super::super::written::{Sink, par_written, written};

thread_local! {
    /// Column-matrix scratch kept per thread between calls: a fresh buffer
    /// per call is fresh memory from the OS, zeroed page by page.
    static SCRATCH: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` on this thread's scratch buffer of at least `len` floats (a
/// fresh one if the buffer is already in use further up this thread's stack).
pub(super) fn with_scratch<R>(len: usize, f: impl FnOnce(&mut [f32]) -> R) -> R {
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

/// Runs `accumulate` on a scratch buffer of `len` floats: a fresh one where
/// `parallel` (a parallel gemm may run other jobs on this thread, which
/// would find the thread's buffer in use), else this thread's.
pub(super) fn with_scratch_unless_parallel<R>(
    len: usize,
    parallel: bool,
    accumulate: impl FnOnce(&mut [f32]) -> R,
) -> R {
    if parallel { accumulate(&mut vec![0f32; len]) } else { with_scratch(len, accumulate) }
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
