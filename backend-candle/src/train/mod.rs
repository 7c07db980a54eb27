//! Training and evaluation: optimizers, schedules, augmentation, budgets,
//! NaN detection and metrics; label smoothing, weight averaging and
//! batch-norm recalibration; checkpoints that a multi-fidelity search
//! continues from ([`train_from`], [`train_trial`], [`CheckpointStore`]).
//!
//! ```
//! use archspace_candle::train::{self, Budget, TrainConfig};
//! use archspace_candle::{Network, NetworkConfig, data, ops::{self, Registry}};
//! use archspace_core::Space;
//! let (train_set, test) = data::fashion_mnist_subset()?;
//! let (_, small) = train_set.split_off(256, 0)?;
//! let norm = small.normalization();
//! let arch = Space::build(|s| s.basic(ops::flatten()))?.freeze()?;
//! let config = NetworkConfig { classes: Some(10), ..NetworkConfig::default() };
//! let net = Network::build(&arch, &[1, 28, 28], &Registry::standard(), &config)?;
//! let budget = TrainConfig { budget: Budget::Epochs(2), ..TrainConfig::default() };
//! let report = train::train(&net, &small, None, &norm, &budget, &mut |_| {})?;
//! assert_eq!(report.images, 512);
//! let metrics = train::evaluate(&net, &test, &norm, 500)?;
//! assert!(metrics.accuracy > 0.3, "a linear classifier learns something: {metrics:?}");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod augment;
mod average;
mod checkpoint;
mod checks;
mod loss;
mod optim;
mod recalibrate;
mod schedule;
mod store;
mod trainer;

pub use augment::Augment;
pub use checkpoint::{Checkpoint, TrainProgress};
pub use loss::smoothed_cross_entropy;
pub use optim::{Adam, Optimizer, OptimizerState, Sgd};
pub use recalibrate::recalibrate_batch_norm;
pub use schedule::Schedule;
pub use store::{CheckpointStore, train_trial};
pub use trainer::{
    Budget, EpochMetrics, Metrics, OptimizerKind, Progress, TrainConfig, TrainReport, evaluate, train, train_from,
};
