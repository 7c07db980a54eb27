//! Checkpoints: where a training run stands (weights, batch-norm statistics,
//! optimizer state, shuffling stream and position), so that it can go on
//! exactly where it stopped.
//!
//! Continuing a run of `b` epochs to `B` epochs ([`train_from`](super::train_from))
//! gives the very network a run of `B` epochs gives (same weights, bit for
//! bit) when the learning-rate schedule spans the same horizon
//! ([`TrainConfig::horizon`](super::TrainConfig::horizon)) and the first run
//! ended on a batch boundary (whole epochs always do). That is what lets a
//! multi-fidelity search promote a trial to a larger budget without
//! training it again from the start.

use candle_core::Tensor;
use serde::{Deserialize, Serialize};

use super::optim::OptimizerState;
use super::trainer::EpochMetrics;
use crate::error::BackendError;
use crate::network::Network;

/// Where a training run stands in its data: enough, with the weights and
/// the optimizer state, to continue it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainProgress {
    /// Seed of the shuffling and augmentation stream.
    pub seed: u64,
    /// Position in that stream (ChaCha8 word position, as two halves: high, low).
    pub stream_position: (u64, u64),
    /// Training images processed.
    pub images: usize,
    /// Optimizer steps taken.
    pub step: usize,
    /// Epochs started.
    pub epoch: usize,
    /// When the run stopped within an epoch: that epoch's image order and
    /// how far it got.
    pub unfinished_epoch: Option<(Vec<usize>, usize)>,
    /// The epochs so far.
    pub epochs: Vec<EpochMetrics>,
    /// Steps the weight average has taken (0 without one,
    /// [`TrainConfig::ema_decay`](super::TrainConfig::ema_decay)).
    #[serde(default)]
    pub averaged_steps: u64,
}

impl TrainProgress {
    /// The stream position as one number.
    pub(crate) fn word_position(&self) -> u128 {
        (u128::from(self.stream_position.0) << 64) | u128::from(self.stream_position.1)
    }

    /// Splits a stream position into its halves.
    pub(crate) fn split_position(position: u128) -> (u64, u64) {
        ((position >> 64) as u64, position as u64)
    }
}

/// A training run's state: weights, buffers, optimizer state and progress.
///
/// ```
/// use archspace_candle::train::{self, Budget, Checkpoint, TrainConfig};
/// use archspace_candle::{Network, NetworkConfig, data, ops::{self, Registry}};
/// use archspace_core::Space;
/// let (train_set, _) = data::fashion_mnist_subset()?;
/// let (_, small) = train_set.split_off(128, 0)?;
/// let norm = small.normalization();
/// let arch = Space::build(|s| s.basic(ops::flatten()))?.freeze()?;
/// let config = NetworkConfig { classes: Some(10), ..NetworkConfig::default() };
/// let build = || Network::build(&arch, &[1, 28, 28], &Registry::standard(), &config);
/// let budget = |epochs| TrainConfig { budget: Budget::Epochs(epochs), horizon: Some(Budget::Epochs(3)), ..TrainConfig::default() };
/// // One epoch, then two more from its checkpoint…
/// let net = build()?;
/// let (_, one) = train::train_from(&net, &small, None, &norm, &budget(1), None, &mut |_| {})?;
/// let continued = build()?;
/// let (_, three) = train::train_from(&continued, &small, None, &norm, &budget(3), Some(&one), &mut |_| {})?;
/// // … are three epochs in one go.
/// let scratch = build()?;
/// let (_, direct) = train::train_from(&scratch, &small, None, &norm, &budget(3), None, &mut |_| {})?;
/// assert!(three.same_weights(&direct)?);
/// assert_eq!(three.progress.images, 3 * 128);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Checkpoint {
    /// Trainable parameters, by name (copies, not shared with the network).
    pub params: Vec<(String, Tensor)>,
    /// Buffers (batch-norm running statistics), by name.
    pub buffers: Vec<(String, Tensor)>,
    /// The optimizer's state.
    pub optimizer: OptimizerState,
    /// The moving average of the parameters, by name (empty without one).
    pub averaged: Vec<(String, Tensor)>,
    /// Where the run stands.
    pub progress: TrainProgress,
}

/// Copies of a store's variables, by name.
pub(crate) fn copies(vars: &[(String, candle_core::Var)]) -> Result<Vec<(String, Tensor)>, BackendError> {
    vars.iter().map(|(n, v)| Ok((n.clone(), v.as_tensor().copy()?))).collect()
}

/// Sets each of `vars` to the tensor of the same name in `values`.
pub(crate) fn load(
    vars: &[(String, candle_core::Var)],
    values: &[(String, Tensor)],
    what: &str,
) -> Result<(), BackendError> {
    if vars.len() != values.len() {
        return Err(BackendError::Checkpoint(format!(
            "the checkpoint holds {} {what}, the network has {}",
            values.len(),
            vars.len()
        )));
    }
    for (name, var) in vars {
        let value = values.iter().find(|(n, _)| n == name).map(|(_, t)| t).ok_or_else(|| {
            BackendError::Checkpoint(format!("the checkpoint has no {what} `{name}`: it is of another network"))
        })?;
        if value.dims() != var.dims() {
            return Err(BackendError::Checkpoint(format!(
                "{what} `{name}` is {:?} in the checkpoint but {:?} in the network",
                value.dims(),
                var.dims()
            )));
        }
        var.set(value)?;
    }
    Ok(())
}

impl Checkpoint {
    /// The network's current weights and buffers, with an optimizer state and progress.
    pub(crate) fn capture(
        net: &Network,
        optimizer: OptimizerState,
        averaged: Vec<(String, Tensor)>,
        progress: TrainProgress,
    ) -> Result<Self, BackendError> {
        let store = net.store();
        Ok(Checkpoint {
            params: copies(store.trainable_vars())?,
            buffers: copies(store.buffers())?,
            optimizer,
            averaged,
            progress,
        })
    }

    /// Puts the weights and buffers into `net` (built from the same architecture).
    pub(crate) fn load_into(&self, net: &Network) -> Result<(), BackendError> {
        let store = net.store();
        load(store.trainable_vars(), &self.params, "parameters")?;
        load(store.buffers(), &self.buffers, "buffers")
    }

    /// True when both hold the same parameters, buffers and averaged
    /// parameters, value for value.
    pub fn same_weights(&self, other: &Checkpoint) -> Result<bool, BackendError> {
        let same = |a: &[(String, Tensor)], b: &[(String, Tensor)]| -> Result<bool, BackendError> {
            if a.len() != b.len() {
                return Ok(false);
            }
            for ((na, ta), (nb, tb)) in a.iter().zip(b) {
                if na != nb || ta.dims() != tb.dims() {
                    return Ok(false);
                }
                let (x, y) = (ta.flatten_all()?.to_vec1::<f32>()?, tb.flatten_all()?.to_vec1::<f32>()?);
                if x.iter().zip(&y).any(|(p, q)| p.to_bits() != q.to_bits()) {
                    return Ok(false);
                }
            }
            Ok(true)
        };
        Ok(same(&self.params, &other.params)?
            && same(&self.buffers, &other.buffers)?
            && same(&self.averaged, &other.averaged)?)
    }
}
