//! Training and evaluation: optimizers, schedules, augmentation, budgets,
//! NaN detection and metrics.

mod augment;
mod optim;
mod schedule;
mod trainer;

pub use augment::Augment;
pub use optim::{Adam, Optimizer, Sgd};
pub use schedule::Schedule;
pub use trainer::{Budget, EpochMetrics, Metrics, OptimizerKind, Progress, TrainConfig, TrainReport, evaluate, train};
