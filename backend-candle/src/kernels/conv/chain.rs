//! A chain of stride-1 convolutions run image by image for evaluation: each
//! image goes through every convolution of the chain before the next image
//! starts, its intermediate feature maps staying in this thread's scratch
//! (a few hundred KiB, in the L2 cache) instead of being written to fresh
//! tensors and read back by the next layer. Only the last convolution's
//! output is a tensor.
//!
//! Each convolution is the one [`Conv2dOp`] runs for it, Winograd's
//! ([`winograd`](super::winograd): transform, 16 products, transform back
//! with bias and ReLU) or the stride-1 path's ([`shifted`](super::shifted):
//! pad, one product per tap, copy out with bias and ReLU), in the same
//! order per image, so the output is the one the convolutions give one
//! after the other, to the bit. There is no backward pass: `Network` runs chains
//! this way only in [`predict`](crate::Network::predict), whose result is
//! detached, and a gradient asked through the op itself is an error.
//!
//! ```
//! use archspace_candle::kernels::{Conv2dOp, ConvChainOp, ConvLink};
//! use candle_core::{Device, Tensor};
//! let op = Conv2dOp { kernel: (3, 3), stride: 1, dilation: 1, pads: [1; 4], groups: 1 };
//! let dev = Device::Cpu;
//! let link = |c: usize| ConvLink { op, weight: Tensor::ones((8, c, 3, 3), candle_core::DType::F32, &dev).unwrap(), bias: None, relu: true };
//! let chain = ConvChainOp::new(vec![link(8), link(8)]);
//! let x = Tensor::ones((2, 8, 6, 6), candle_core::DType::F32, &dev)?;
//! let y = chain.apply(&x)?.expect("both convolutions are stride-1 ones");
//! let twice = x.apply_op2(&link(8).weight, op)?.relu()?.apply_op2(&link(8).weight, op)?.relu()?;
//! assert_eq!(y.flatten_all()?.to_vec1::<f32>()?, twice.flatten_all()?.to_vec1::<f32>()?);
//! # Ok::<(), candle_core::Error>(())
//! ```

use candle_core::{CpuStorage, CustomOp1, DType, Layout, Shape, Tensor};

use super::super::storage::contiguous_f32;
use super::geometry::Dims;
use super::scratch::images_written;
use super::shifted::{Shifted, tap_matrices};
use super::winograd::{POINTS, Winograd, append_rows, fill_rows, transform_weights};
use super::{Algorithm, Conv2dOp};

/// One convolution of a chain: the op, its weight `[filters, channels, kh,
/// kw]`, an optional bias and whether a ReLU follows.
#[derive(Clone, Debug)]
pub struct ConvLink {
    /// The convolution (stride 1 and one group for the chain to run).
    pub op: Conv2dOp,
    /// Weight `[filters, channels, kh, kw]`.
    pub weight: Tensor,
    /// One value per filter.
    pub bias: Option<Tensor>,
    /// Whether the output is clamped at 0.
    pub relu: bool,
}

/// Convolutions applied one after the other, image by image (see the module docs).
#[derive(Clone, Debug)]
pub struct ConvChainOp {
    links: Vec<ConvLink>,
}

/// A link ready to run on a given input size.
struct Prepared {
    engine: Engine,
    dims: Dims,
    bias: Option<Vec<f32>>,
    relu: bool,
}

/// How a link convolves: the path [`Conv2dOp`] takes for it.
enum Engine {
    /// The stride-1 path, with per-tap weight matrices (`taps × filters × channels`).
    Shifted { geometry: Shifted, taps: Vec<f32> },
    /// The Winograd path, with transformed weights (16 × filters × channels).
    Winograd { tiling: Winograd, transformed: Vec<f32> },
}

impl Engine {
    /// Scratch floats per image, besides the planar output.
    fn scratch(&self, d: &Dims) -> usize {
        match self {
            Engine::Shifted { geometry: s, .. } => d.channels * s.plane + d.filters * s.positions,
            Engine::Winograd { tiling, .. } => tiling.scratch(d.channels, d.filters),
        }
    }
}

/// The chain prepared for one input shape: what `cpu_fwd` runs.
struct Run(Vec<Prepared>);

impl ConvChainOp {
    /// The chain of `links`, applied first to last.
    pub fn new(links: Vec<ConvLink>) -> Self {
        ConvChainOp { links }
    }

    /// The chain's output for `x` (`[batch, channels, h, w]`, f32 on the
    /// CPU), or `None` where one of its convolutions takes neither the
    /// Winograd path nor the stride-1 path (one product per kernel tap; a
    /// strided or grouped one), or the input is not an f32 CPU tensor: the
    /// caller runs the layers then.
    ///
    /// # Errors
    /// If the shapes do not fit, or a gradient is asked through the result.
    pub fn apply(&self, x: &Tensor) -> candle_core::Result<Option<Tensor>> {
        if !x.device().is_cpu() || x.dtype() != DType::F32 || self.links.is_empty() {
            return Ok(None);
        }
        let mut shape = x.shape().clone();
        let mut prepared = Vec::with_capacity(self.links.len());
        for link in &self.links {
            let f32_bias = link.bias.as_ref().is_none_or(|b| b.dtype() == DType::F32);
            if link.weight.dtype() != DType::F32 || !f32_bias || link.op.groups != 1 {
                return Ok(None);
            }
            let dims = link.op.dims(&shape, link.weight.shape())?;
            let weight = || link.weight.flatten_all()?.to_vec1::<f32>();
            let engine = match Algorithm::for_forward(&dims) {
                Algorithm::Winograd(tiling) => {
                    let mut transformed = vec![0f32; POINTS * dims.filters * dims.channels];
                    transform_weights(&weight()?, dims.filters, dims.channels, false, &mut transformed);
                    Engine::Winograd { tiling, transformed }
                }
                Algorithm::Shifted(geometry) => {
                    let weight = weight()?;
                    let mut taps = vec![0f32; weight.len()];
                    tap_matrices(&weight, dims.filters, dims.channels, geometry.taps(), false, &mut taps);
                    Engine::Shifted { geometry, taps }
                }
                Algorithm::Depthwise | Algorithm::Columns => return Ok(None),
            };
            let bias = link.bias.as_ref().map(|b| b.flatten_all()?.to_vec1::<f32>()).transpose()?;
            if bias.as_ref().is_some_and(|b| b.len() != dims.filters) {
                candle_core::bail!("conv2d bias does not have one value per filter ({})", dims.filters);
            }
            shape = Shape::from((dims.batch, dims.filters, dims.oh, dims.ow));
            prepared.push(Prepared { engine, dims, bias, relu: link.relu });
        }
        x.contiguous()?.apply_op1(Run(prepared)).map(Some)
    }
}

impl CustomOp1 for Run {
    fn name(&self) -> &'static str {
        "archspace-conv-chain"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let x = contiguous_f32(storage, layout)?;
        let (first, last) = (&self.0[0].dims, &self.0[self.0.len() - 1].dims);
        if x.len() != first.batch * first.image() {
            candle_core::bail!("conv chain input does not have the shape it was prepared for");
        }
        let scratch = self.0.iter().map(|p| p.engine.scratch(&p.dims)).max().unwrap_or(0);
        let planar = self.0.iter().map(|p| p.dims.out_image()).max().unwrap_or(0);
        let y = images_written(first.batch, last.out_image(), scratch + planar, |b, y, buffer, parallel| {
            let (scratch, planar) = buffer.split_at_mut(scratch);
            for (k, link) in self.0.iter().enumerate() {
                let d = &link.dims;
                let source = if k == 0 { &x[b * d.image()..(b + 1) * d.image()] } else { &planar[..d.image()] };
                let (bias, relu, last) = (link.bias.as_deref(), link.relu, k + 1 == self.0.len());
                match &link.engine {
                    Engine::Shifted { geometry: s, taps } => {
                        let (padded, wide) = scratch.split_at_mut(d.channels * s.plane);
                        s.pad(source, d.channels, padded);
                        s.correlate(taps, padded, source, d.channels, d.filters, wide, parallel);
                        if last {
                            s.extract(wide, d.filters, y, bias, relu);
                        } else {
                            s.extract_into(wide, d.filters, &mut planar[..d.out_image()], bias, relu);
                        }
                    }
                    Engine::Winograd { tiling, transformed } => {
                        tiling.multiply(transformed, source, d.channels, d.filters, scratch, parallel);
                        if last {
                            tiling.emit_rows(d.channels, d.filters, scratch, append_rows(y, bias, relu));
                        } else {
                            let out = fill_rows(&mut planar[..d.out_image()], bias, relu);
                            tiling.emit_rows(d.channels, d.filters, scratch, out);
                        }
                    }
                }
            }
        });
        Ok((CpuStorage::F32(y), Shape::from((last.batch, last.filters, last.oh, last.ow))))
    }
}

#[cfg(test)]
mod tests {
    use candle_core::{Device, Var};

    use super::*;
    use crate::kernels::Conv2dReluOp;

    fn values(len: usize, seed: f32) -> Vec<f32> {
        (0..len).map(|i| ((i as f32 + seed) * 0.37).sin()).collect()
    }

    /// A link of `filters × channels` with a `kernel`, paddings and dilation; bias and ReLU as asked.
    fn link(
        channels: usize,
        filters: usize,
        kernel: (usize, usize),
        pads: [usize; 4],
        bias: bool,
        relu: bool,
    ) -> ConvLink {
        let op = Conv2dOp { kernel, stride: 1, dilation: 1, pads, groups: 1 };
        let dev = Device::Cpu;
        let n = filters * channels * kernel.0 * kernel.1;
        let weight = Tensor::from_vec(values(n, n as f32), (filters, channels, kernel.0, kernel.1), &dev).unwrap();
        let bias = bias.then(|| Tensor::from_vec(values(filters, 0.5), filters, &dev).unwrap());
        ConvLink { op, weight, bias, relu }
    }

    /// The links one after the other, each through its own op.
    fn one_by_one(links: &[ConvLink], x: &Tensor) -> Tensor {
        links.iter().fold(x.clone(), |x, l| {
            match (&l.bias, l.relu) {
                (Some(b), true) => x.apply_op3(&l.weight, b, Conv2dReluOp(l.op)),
                (Some(b), false) => x.apply_op3(&l.weight, b, l.op),
                (None, true) => x.apply_op2(&l.weight, Conv2dReluOp(l.op)),
                (None, false) => x.apply_op2(&l.weight, l.op),
            }
            .unwrap()
        })
    }

    /// Chains of different channel counts, kernels and paddings (rows wider
    /// than the input, outputs narrower than it), with and without bias and
    /// ReLU, on batches of one (gemm split over threads) and more: the same
    /// output as the convolutions one after the other, to the bit.
    #[test]
    fn a_chain_gives_the_convolutions_output_to_the_bit() {
        let dev = Device::Cpu;
        let chains = [
            vec![link(3, 5, (3, 3), [1; 4], true, true), link(5, 4, (3, 3), [1; 4], true, true)],
            vec![
                link(4, 6, (3, 3), [1, 1, 2, 1], true, false),
                link(6, 3, (1, 3), [0, 0, 1, 1], false, true),
                link(3, 5, (2, 2), [0; 4], true, true),
                link(5, 2, (3, 3), [1; 4], false, false),
            ],
        ];
        for (n, links) in chains.iter().enumerate() {
            let channels = links[0].weight.dim(1).unwrap();
            for batch in [1, 3] {
                let x = Tensor::from_vec(values(batch * channels * 7 * 6, 2.0), (batch, channels, 7, 6), &dev).unwrap();
                let chained = ConvChainOp::new(links.clone()).apply(&x).unwrap().expect("stride-1 links chain");
                let want = one_by_one(links, &x);
                assert_eq!(chained.dims(), want.dims(), "chain {n}, batch {batch}");
                let flat = |t: &Tensor| t.flatten_all().unwrap().to_vec1::<f32>().unwrap();
                assert_eq!(flat(&chained), flat(&want), "chain {n}, batch {batch}");
                assert!(flat(&want).iter().any(|v| v.abs() > 1e-3), "non-trivial outputs");
            }
        }
    }

    /// Links on the Winograd path (64 channels and more in the test build),
    /// alone and beside stride-1 ones, with more filters than one product
    /// takes: the same output as the convolutions one after the other, to the bit.
    #[test]
    fn winograd_links_chain_to_the_bit() {
        let dev = Device::Cpu;
        let wide = link(64, 70, (3, 3), [1; 4], true, true);
        let links =
            [wide.clone(), link(70, 64, (1, 3), [0, 0, 1, 1], false, true), link(64, 66, (3, 3), [0; 4], true, false)];
        let d = wide.op.dims(&Shape::from((1, 64, 7, 6)), wide.weight.shape()).unwrap();
        assert!(matches!(Algorithm::for_forward(&d), Algorithm::Winograd(_)), "the first link takes the Winograd path");
        for batch in [1, 3] {
            let x = Tensor::from_vec(values(batch * 64 * 7 * 6, 2.0), (batch, 64, 7, 6), &dev).unwrap();
            let chained = ConvChainOp::new(links.to_vec()).apply(&x).unwrap().expect("stride-1 links chain");
            let want = one_by_one(&links, &x);
            let flat = |t: &Tensor| t.flatten_all().unwrap().to_vec1::<f32>().unwrap();
            assert_eq!(chained.dims(), want.dims());
            assert_eq!(flat(&chained), flat(&want), "batch {batch}");
            assert!(flat(&want).iter().any(|v| v.abs() > 1e-3), "non-trivial outputs");
        }
    }

    #[test]
    fn strided_or_grouped_links_do_not_chain_and_gradients_are_refused() {
        let dev = Device::Cpu;
        let x = Var::from_vec(values(2 * 4 * 6 * 6, 1.0), (2, 4, 6, 6), &dev).unwrap();
        let plain = link(4, 4, (3, 3), [1; 4], true, true);
        let strided = ConvLink { op: Conv2dOp { stride: 2, ..plain.op }, ..plain.clone() };
        assert!(ConvChainOp::new(vec![plain.clone(), strided]).apply(&x).unwrap().is_none());
        let grouped = ConvLink {
            op: Conv2dOp { groups: 2, ..plain.op },
            weight: Tensor::ones((4, 2, 3, 3), DType::F32, &dev).unwrap(),
            ..plain.clone()
        };
        assert!(ConvChainOp::new(vec![grouped, plain.clone()]).apply(&x).unwrap().is_none());
        let y = ConvChainOp::new(vec![plain.clone(), plain]).apply(&x).unwrap().expect("chains");
        assert!(y.sum_all().unwrap().backward().is_err(), "no gradient through a chain");
    }
}
