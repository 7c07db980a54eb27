//! Depthwise convolution forward and backward on the CPU.
//!
//! candle runs a grouped convolution as one small convolution per group,
//! which makes depthwise (and so separable) convolutions slow to train. This
//! `CustomOp2` computes them directly, with explicit padding, stride and
//! dilation; `Padded2d` uses it for f32 tensors on the CPU.

use candle_core::{CpuStorage, CustomOp2, DType, Layout, Shape, Tensor};
use rayon::prelude::*;

use super::conv2d::ConvGeometry;

/// Depthwise convolution: output channel `o` reads input channel `o / multiplier`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DepthwiseOp {
    pub(crate) geometry: ConvGeometry,
}

#[derive(Clone, Copy)]
struct Dims {
    batch: usize,
    channels: usize,
    filters: usize,
    h: usize,
    w: usize,
    oh: usize,
    ow: usize,
}

impl DepthwiseOp {
    fn dims(&self, x: &Shape, weight: &Shape) -> candle_core::Result<Dims> {
        let (batch, channels, h, w) = x.dims4()?;
        let (filters, one, kh, kw) = weight.dims4()?;
        let g = &self.geometry;
        if one != 1 || filters % channels.max(1) != 0 || (kh, kw) != g.kernel {
            candle_core::bail!("depthwise weight {weight:?} does not fit input {x:?}");
        }
        let (eh, ew) = g.extent();
        let (ph, pw) = (h + g.pads[0] + g.pads[1], w + g.pads[2] + g.pads[3]);
        if ph < eh || pw < ew {
            candle_core::bail!("depthwise window larger than padded input {ph}x{pw}");
        }
        Ok(Dims { batch, channels, filters, h, w, oh: (ph - eh) / g.stride + 1, ow: (pw - ew) / g.stride + 1 })
    }

    /// Calls `visit(output index, input index, kernel index)` for every valid tap of one plane pair.
    fn taps(&self, d: &Dims, mut visit: impl FnMut(usize, usize, usize)) {
        let g = &self.geometry;
        for i in 0..d.oh {
            for j in 0..d.ow {
                for u in 0..g.kernel.0 {
                    let y = (i * g.stride + u * g.dilation) as isize - g.pads[0] as isize;
                    if y < 0 || y >= d.h as isize {
                        continue;
                    }
                    for v in 0..g.kernel.1 {
                        let x = (j * g.stride + v * g.dilation) as isize - g.pads[2] as isize;
                        if x >= 0 && x < d.w as isize {
                            visit(i * d.ow + j, y as usize * d.w + x as usize, u * g.kernel.1 + v);
                        }
                    }
                }
            }
        }
    }
}

fn contiguous<'a>(storage: &'a CpuStorage, layout: &Layout) -> candle_core::Result<&'a [f32]> {
    let CpuStorage::F32(data) = storage else { candle_core::bail!("depthwise convolution supports f32 tensors only") };
    match layout.contiguous_offsets() {
        Some((start, end)) => Ok(&data[start..end]),
        None => candle_core::bail!("depthwise convolution needs contiguous tensors"),
    }
}

impl CustomOp2 for DepthwiseOp {
    fn name(&self) -> &'static str {
        "archspace-depthwise-conv2d"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let (x, weight) = (contiguous(s1, l1)?, contiguous(s2, l2)?);
        let d = self.dims(l1.shape(), l2.shape())?;
        let (plane, out_plane, taps) = (d.h * d.w, d.oh * d.ow, self.geometry.kernel.0 * self.geometry.kernel.1);
        let multiplier = d.filters / d.channels;
        let mut out = vec![0f32; d.batch * d.filters * out_plane];
        out.par_chunks_mut(out_plane).enumerate().for_each(|(index, y)| {
            let (b, o) = (index / d.filters, index % d.filters);
            let input = &x[(b * d.channels + o / multiplier) * plane..][..plane];
            let w = &weight[o * taps..][..taps];
            self.taps(&d, |oi, ii, k| y[oi] += input[ii] * w[k]);
        });
        Ok((CpuStorage::F32(out), Shape::from((d.batch, d.filters, d.oh, d.ow))))
    }

    fn bwd(
        &self,
        x: &Tensor,
        weight: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>)> {
        if !x.device().is_cpu() || x.dtype() != DType::F32 {
            candle_core::bail!("the depthwise custom op runs on the CPU with f32 only");
        }
        let d = self.dims(x.shape(), weight.shape())?;
        let (plane, out_plane, taps) = (d.h * d.w, d.oh * d.ow, self.geometry.kernel.0 * self.geometry.kernel.1);
        let multiplier = d.filters / d.channels;
        let xs = x.flatten_all()?.to_vec1::<f32>()?;
        let ws = weight.flatten_all()?.to_vec1::<f32>()?;
        let gs = grad.flatten_all()?.to_vec1::<f32>()?;
        let mut grad_x = vec![0f32; xs.len()];
        grad_x.par_chunks_mut(plane).enumerate().for_each(|(index, gx)| {
            let (b, c) = (index / d.channels, index % d.channels);
            for o in c * multiplier..(c + 1) * multiplier {
                let g = &gs[(b * d.filters + o) * out_plane..][..out_plane];
                let w = &ws[o * taps..][..taps];
                self.taps(&d, |oi, ii, k| gx[ii] += g[oi] * w[k]);
            }
        });
        let mut grad_w = vec![0f32; ws.len()];
        grad_w.par_chunks_mut(taps).enumerate().for_each(|(o, gw)| {
            let c = o / multiplier;
            for b in 0..d.batch {
                let g = &gs[(b * d.filters + o) * out_plane..][..out_plane];
                let input = &xs[(b * d.channels + c) * plane..][..plane];
                self.taps(&d, |oi, ii, k| gw[k] += g[oi] * input[ii]);
            }
        });
        Ok((
            Some(Tensor::from_vec(grad_x, x.shape(), x.device())?),
            Some(Tensor::from_vec(grad_w, weight.shape(), weight.device())?),
        ))
    }
}
