//! The backward passes of [`Conv2dOp`], as candle custom ops: input
//! gradient and weight gradient, each on the algorithm the dispatcher
//! ([`Algorithm`]) picks for it, and the bias gradient (a sum per channel).

use candle_core::{CpuStorage, CustomOp1, CustomOp2, Layout, Shape};
use rayon::prelude::*;

use super::super::reduce;
use super::super::storage::contiguous_f32;
use super::{Algorithm, Conv2dOp, columns, depthwise, shifted, winograd};

/// Sums an NCHW tensor over batch and positions: one value per channel.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ChannelSum;

impl CustomOp1 for ChannelSum {
    fn name(&self) -> &'static str {
        "archspace-channel-sum"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let (batch, channels, h, w) = layout.shape().dims4()?;
        let data = contiguous_f32(storage, layout)?;
        let plane = h * w;
        let sums = (0..channels)
            .into_par_iter()
            .map(|c| (0..batch).map(|b| reduce::sum(&data[(b * channels + c) * plane..][..plane])).sum::<f32>())
            .collect();
        Ok((CpuStorage::F32(sums), Shape::from(channels)))
    }
}

/// The input gradient of [`Conv2dOp`], applied to `(grad, weight)`; the
/// input's height and width cannot be told from the gradient when the stride exceeds one.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Conv2dInputGrad {
    pub(crate) conv: Conv2dOp,
    pub(crate) h: usize,
    pub(crate) w: usize,
}

impl CustomOp2 for Conv2dInputGrad {
    fn name(&self) -> &'static str {
        "archspace-conv2d-input-grad"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let (batch, filters, oh, ow) = l1.shape().dims4()?;
        let (_, per_group, _, _) = l2.shape().dims4()?;
        let channels = per_group * self.conv.groups;
        let shape = Shape::from((batch, channels, self.h, self.w));
        let d = self.conv.dims(&shape, l2.shape())?;
        if (d.filters, d.oh, d.ow) != (filters, oh, ow) {
            candle_core::bail!("conv2d gradient {:?} does not fit the convolution", l1.shape());
        }
        let (dy, weight) = (contiguous_f32(s1, l1)?, contiguous_f32(s2, l2)?);
        let dx = match Algorithm::for_input_grad(&d) {
            Algorithm::Depthwise => depthwise::input_grad(&d, dy, weight),
            Algorithm::Winograd(wg) => winograd::input_grad(&wg, &d, dy, weight),
            Algorithm::Shifted(s) => match shifted::input_grad(&s, &d, dy, weight) {
                Some(dx) => dx,
                None => columns::input_grad(&d, dy, weight),
            },
            Algorithm::Columns => columns::input_grad(&d, dy, weight),
        };
        Ok((CpuStorage::F32(dx), shape))
    }
}

/// How many partial sums the weight gradient splits a batch into (enough
/// to keep a few threads busy, few enough that adding them up is cheap).
const WEIGHT_GRAD_BLOCKS: usize = 8;

/// The weight gradient of [`Conv2dOp`], applied to `(x, grad)`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Conv2dWeightGrad {
    pub(crate) conv: Conv2dOp,
}

impl CustomOp2 for Conv2dWeightGrad {
    fn name(&self) -> &'static str {
        "archspace-conv2d-weight-grad"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let (batch, channels, _, _) = l1.shape().dims4()?;
        let (_, filters, _, _) = l2.shape().dims4()?;
        let (kh, kw) = self.conv.kernel;
        let weight_shape = Shape::from((filters, channels / self.conv.groups.max(1), kh, kw));
        let d = self.conv.dims(l1.shape(), &weight_shape)?;
        if l2.shape().dims() != [batch, d.filters, d.oh, d.ow] {
            candle_core::bail!("conv2d gradient {:?} does not fit the convolution", l2.shape());
        }
        let (x, dy) = (contiguous_f32(s1, l1)?, contiguous_f32(s2, l2)?);
        let algorithm = Algorithm::for_forward(&d);
        if let Algorithm::Depthwise = algorithm {
            // One sum per filter over the whole batch, filters in parallel.
            return Ok((CpuStorage::F32(depthwise::weight_grad(&d, x, dy)), weight_shape));
        }
        // One partial sum per block of images, then their total in block
        // order. The blocks depend on the batch only, never on the thread
        // count, so 1 and N threads give bit-identical gradients.
        let blocks = batch.clamp(1, WEIGHT_GRAD_BLOCKS);
        let per_block = batch.div_ceil(blocks);
        let partials: Vec<Vec<f32>> = (0..blocks)
            .into_par_iter()
            .map(|block| {
                let images = block * per_block..((block + 1) * per_block).min(batch);
                let parallel = blocks == 1;
                match &algorithm {
                    Algorithm::Winograd(wg) => winograd::weight_grad_sum(wg, &d, x, dy, images, parallel),
                    Algorithm::Shifted(s) => shifted::weight_grad_sum(s, &d, x, dy, images, parallel),
                    Algorithm::Columns | Algorithm::Depthwise => columns::weight_grad_sum(&d, x, dy, images, parallel),
                }
            })
            .collect();
        let total = partials.into_iter().reduce(|mut a, b| {
            a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
            a
        });
        let dw = total.unwrap_or_else(|| vec![0f32; d.filters * d.depth()]);
        Ok((CpuStorage::F32(dw), weight_shape))
    }
}
