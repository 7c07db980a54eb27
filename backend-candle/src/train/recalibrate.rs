//! Batch-norm recalibration: the running statistics re-estimated for the
//! weights a network has now. Weights that no training step produced (an
//! average of weights, [`TrainConfig::ema_decay`](super::TrainConfig::ema_decay))
//! come with no statistics of their own; those of the last raw weights do
//! not match them (Izmailov et al. 2018, SWA, section 3.2).
//!
//! ```
//! use archspace_candle::train::recalibrate_batch_norm;
//! use archspace_candle::{Network, NetworkConfig, data, ops::{self, Registry}};
//! use archspace_core::Space;
//! let (train_set, _) = data::fashion_mnist_subset()?;
//! let arch = Space::build(|s| {
//!     let (conv, bn) = (s.basic(ops::conv2d(4, 3))?, s.basic(ops::batch_norm())?);
//!     s.chain(&conv, &bn)?;
//!     Ok(s.border_of(&conv, &bn))
//! })?.freeze()?;
//! let config = NetworkConfig { classes: Some(10), ..NetworkConfig::default() };
//! let net = Network::build(&arch, &[1, 28, 28], &Registry::standard(), &config)?;
//! recalibrate_batch_norm(&net, &train_set, &train_set.normalization(), 20, 64, 0)?;
//! let (_, mean) = net.store().buffers().iter().find(|(n, _)| n.ends_with("running_mean")).unwrap();
//! assert!(mean.as_tensor().abs()?.sum_all()?.to_scalar::<f32>()? > 0.0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use candle_core::Tensor;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::data::{Dataset, Normalization};
use crate::error::BackendError;
use crate::network::Network;

/// Re-estimates every batch-norm layer's running statistics of `net` from
/// `batches` batches of `batch_size` images of `data` (drawn at random by
/// `seed`, without augmentation), run in train mode without any step.
///
/// The statistics restart from mean 0 and variance 1 and move by each
/// layer's momentum (0.1 by default) per batch, so after `b` batches the
/// start weighs `0.9^b` (under 1% from 50 batches on); what is left is an
/// average over the last few dozen batches, each of which already averages
/// over `batch_size × H × W` values per channel. A network without batch
/// norm is left as it is.
pub fn recalibrate_batch_norm(
    net: &Network,
    data: &Dataset,
    norm: &Normalization,
    batches: usize,
    batch_size: usize,
    seed: u64,
) -> Result<(), BackendError> {
    let buffers = net.store().buffers();
    if buffers.is_empty() || batches == 0 {
        return Ok(());
    }
    if data.is_empty() || batch_size == 0 {
        return Err(BackendError::Config("batch-norm recalibration needs images and a batch size ≥ 1".into()));
    }
    for (name, var) in buffers {
        let start = if name.ends_with("running_var") { 1.0 } else { 0.0 };
        var.set(&Tensor::full(start as f32, var.dims(), var.device())?)?;
    }
    let mut order: Vec<usize> = (0..data.len()).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    let device = net.device().clone();
    for chunk in order.chunks(batch_size).cycle().take(batches) {
        let (x, _) = data.batch(chunk, norm, &device)?;
        net.forward_t(&x, true)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NetworkConfig;
    use crate::ops::{self, Registry};
    use archspace_core::Space;

    #[test]
    fn recalibrated_statistics_are_those_of_the_data() -> Result<(), Box<dyn std::error::Error>> {
        let (data, _) = crate::data::fashion_mnist_subset()?;
        let norm = data.normalization();
        let arch = Space::build(|s| s.basic(ops::batch_norm()))?.freeze()?;
        let net = Network::build(&arch, &[1, 28, 28], &Registry::standard(), &NetworkConfig::default())?;
        for (_, var) in net.store().buffers() {
            var.set(&Tensor::full(5f32, var.dims(), var.device())?)?;
        }
        recalibrate_batch_norm(&net, &data, &norm, 80, 100, 3)?;
        let value = |suffix: &str| -> Result<f32, candle_core::Error> {
            let (_, var) = net.store().buffers().iter().find(|(n, _)| n.ends_with(suffix)).expect("a buffer");
            var.as_tensor().flatten_all()?.to_vec1::<f32>().map(|v| v[0])
        };
        // Normalized pixels have mean 0 and variance 1 over the set.
        assert!(value("running_mean")?.abs() < 0.05, "mean {}", value("running_mean")?);
        assert!((value("running_var")? - 1.0).abs() < 0.1, "variance {}", value("running_var")?);
        Ok(())
    }
}
