//! Reading a candle CPU tensor's data in place: the one check every kernel
//! makes before it touches memory (f32, contiguous).

use candle_core::{CpuStorage, Layout};

/// The f32 data of a contiguous tensor, or an error naming what is wrong
/// (another dtype, or a strided layout).
pub(crate) fn contiguous_f32<'a>(storage: &'a CpuStorage, layout: &Layout) -> candle_core::Result<&'a [f32]> {
    let CpuStorage::F32(data) = storage else { candle_core::bail!("this kernel supports f32 tensors only") };
    match layout.contiguous_offsets() {
        Some((start, end)) => Ok(&data[start..end]),
        None => candle_core::bail!("this kernel needs contiguous tensors"),
    }
}
