//! Training and evaluation throughput (images per second) of a network, our
//! kernels and candle's ops side by side, and a gemm-peak probe to put the
//! achieved GFLOP/s in proportion. Used by the `train_bench` example and the
//! `throughput` bench.
//!
//! A training step is forward, cross-entropy, backward and an AdamW update
//! (lr 1e-3, weight decay 0.01) on a pool of 8 fixed random batches, as in
//! `../shared/bench/torch_reference.py`; an eval step is forward in eval
//! mode and argmax. Windows of the configurations alternate, so a change in
//! the machine's load hits all of them alike; each figure is the median.
//!
//! ```
//! use archspace_candle::Kernels;
//! use archspace_candle::throughput::{Bench, ReferenceNet};
//! let arch = ReferenceNet::Net1.architecture()?;
//! let mut bench = Bench::new(&arch, Kernels::Native, 2)?;
//! assert!(bench.train_window(1)? > 0.0 && bench.eval_window(1)? > 0.0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod isolated;
mod nets;

use std::time::Instant;

use candle_core::{D, Device, Tensor};
use rand::{Rng, SeedableRng};

pub use isolated::{Row, Setup, run_child_if_requested, run_isolated, run_isolated_on};
pub use nets::ReferenceNet;

use crate::error::BackendError;
use crate::kernels::{Kernels, MatMut, MatRef, matmul};
use crate::network::{Network, NetworkConfig};
use crate::ops::Registry;
use crate::train::{Adam, Optimizer};

/// A network ready to be timed: its optimizer and a pool of random batches.
pub struct Bench {
    net: Network,
    optimizer: Adam,
    batches: Vec<(Tensor, Tensor)>,
    batch: usize,
    step: usize,
}

impl std::fmt::Debug for Bench {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bench").field("batch", &self.batch).finish_non_exhaustive()
    }
}

impl Bench {
    /// Builds `arch` (input 1×28×28, 10 classes) with `kernels` and 8 random batches of `batch` images, on the CPU.
    pub fn new(arch: &archspace_core::Architecture, kernels: Kernels, batch: usize) -> Result<Self, BackendError> {
        Bench::on(arch, kernels, batch, &Device::Cpu)
    }

    /// The same on `device` (on a GPU the layers run candle's ops whatever
    /// `kernels` says: [`Kernels::for_device`]). The batches are made on the
    /// CPU from the same seed and copied, so every device sees the same data.
    pub fn on(
        arch: &archspace_core::Architecture,
        kernels: Kernels,
        batch: usize,
        device: &Device,
    ) -> Result<Self, BackendError> {
        let config = NetworkConfig { classes: Some(10), kernels, device: device.clone(), ..NetworkConfig::default() };
        let net = Network::build(arch, &[1, 28, 28], &Registry::standard(), &config)?;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let batches = (0..8)
            .map(|_| {
                let x: Vec<f32> = (0..batch * 784).map(|_| rng.random_range(-1.0..1.0)).collect();
                let y: Vec<u32> = (0..batch).map(|_| rng.random_range(0..10)).collect();
                Ok((Tensor::from_vec(x, (batch, 1, 28, 28), device)?, Tensor::from_vec(y, batch, device)?))
            })
            .collect::<candle_core::Result<Vec<_>>>()?;
        let vars = net.store().trainable_vars().iter().map(|(_, v)| v.clone()).collect();
        let optimizer = Adam::new(vars, (0.9, 0.999), 1e-8, 0.01, true);
        Ok(Bench { net, optimizer, batches, batch, step: 0 })
    }

    /// The network.
    pub fn network(&self) -> &Network {
        &self.net
    }

    /// One training step; returns the loss.
    pub fn train_step(&mut self) -> Result<f32, BackendError> {
        let (x, y) = &self.batches[self.step % self.batches.len()];
        self.step += 1;
        let (loss, grads) = self.net.loss_and_gradients(x, |logits| candle_nn::loss::cross_entropy(logits, y))?;
        let g: Vec<_> = self.optimizer.vars().iter().map(|v| grads.get(v.as_tensor()).cloned()).collect();
        self.optimizer.step(&g, 1e-3)?;
        Ok(loss.to_scalar::<f32>()?)
    }

    /// Training images per second over `steps` steps (on a GPU, until its
    /// queued work has finished).
    pub fn train_window(&mut self, steps: usize) -> Result<f64, BackendError> {
        let start = Instant::now();
        for _ in 0..steps {
            self.train_step()?;
        }
        self.net.device().synchronize()?;
        Ok((steps * self.batch) as f64 / start.elapsed().as_secs_f64())
    }

    /// Eval images per second over `steps` inference passes
    /// ([`Network::predict`](crate::Network::predict): eval mode, no gradient,
    /// as PyTorch's under `torch.no_grad()`).
    pub fn eval_window(&mut self, steps: usize) -> Result<f64, BackendError> {
        let start = Instant::now();
        for i in 0..steps {
            let x = &self.batches[i % self.batches.len()].0;
            self.net.predict(x)?.argmax(D::Minus1)?;
        }
        self.net.device().synchronize()?;
        Ok((steps * self.batch) as f64 / start.elapsed().as_secs_f64())
    }

    /// FLOPs of one training image: the forward pass and twice that for the
    /// backward pass (input and weight gradients).
    pub fn train_flops_per_image(&self) -> f64 {
        3.0 * self.net.report().total_flops() as f64
    }

    /// FLOPs of one eval image.
    pub fn eval_flops_per_image(&self) -> f64 {
        self.net.report().total_flops() as f64
    }
}

/// Medians of training and eval images per second.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Throughput {
    /// Training images per second.
    pub train: f64,
    /// Eval images per second.
    pub eval: f64,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Times every bench over `windows` alternating windows of `steps` training
/// steps (and `3 × steps` eval passes), after one warm-up window each.
pub fn compare(benches: &mut [Bench], steps: usize, windows: usize) -> Result<Vec<Throughput>, BackendError> {
    let mut train = vec![Vec::new(); benches.len()];
    let mut eval = vec![Vec::new(); benches.len()];
    for bench in benches.iter_mut() {
        bench.train_window(steps.div_ceil(2))?;
        bench.eval_window(steps)?;
    }
    for _ in 0..windows.max(1) {
        for (i, bench) in benches.iter_mut().enumerate() {
            train[i].push(bench.train_window(steps)?);
        }
    }
    for _ in 0..windows.max(1) {
        for (i, bench) in benches.iter_mut().enumerate() {
            eval[i].push(bench.eval_window(3 * steps)?);
        }
    }
    Ok(train.into_iter().zip(eval).map(|(t, e)| Throughput { train: median(t), eval: median(e) }).collect())
}

/// GFLOP/s of an f32 `size³` matrix product with gemm on the current rayon
/// pool (split over its threads when it has several); the median of `repeats`.
pub fn gemm_peak(size: usize, repeats: usize) -> f64 {
    let a: Vec<f32> = (0..size * size).map(|i| (i % 7) as f32 * 0.1).collect();
    let b: Vec<f32> = (0..size * size).map(|i| (i % 5) as f32 * 0.1).collect();
    let mut c = vec![0f32; size * size];
    let parallel = rayon::current_num_threads() > 1;
    let mut rates = Vec::new();
    for _ in 0..repeats.max(1) + 1 {
        let start = Instant::now();
        matmul(
            MatMut::rows(&mut c, size, size),
            false,
            MatRef::rows(&a, size, size),
            MatRef::rows(&b, size, size),
            parallel,
        );
        rates.push(2.0 * (size as f64).powi(3) / start.elapsed().as_secs_f64() / 1e9);
    }
    rates.remove(0);
    median(rates)
}
