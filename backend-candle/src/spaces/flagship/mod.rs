//! The flagship experiment: a Fashion-MNIST network under a parameter
//! budget, found by a multi-fidelity, multi-objective search on a CPU and
//! retrained with the full recipe (the `fashion` example runs it:
//! `cargo run --release --example fashion -- --hours H`).
//!
//! 1. [`search`]: ASHA (Li et al. 2020) over [`fashion_net`](super::fashion_net)
//!    for a wall-time budget, rungs in epochs over a training subset, each
//!    promotion continuing the checkpoint of the rung below
//!    ([`train_trial`](crate::train::train_trial)); trials ranked by
//!    validation accuracy on images carved from the training set, with the
//!    parameter count as a second objective (the log's Pareto front). A
//!    network over the budget is rejected by its shape inference before
//!    any training: a failed trial whose error says so. The search log, the
//!    checkpoints and the wall time spent live in the output directory, so
//!    running it again continues it until the budget is spent.
//! 2. [`pareto_choice`]: the Pareto front (accuracy up, parameters down) of
//!    the highest rung reached.
//! 3. [`retrain`]: each chosen network trained on the full training set with
//!    the recipe it carries plus weight averaging and batch-norm
//!    recalibration ([`Recipe::retrain_config`]), then evaluated once on
//!    the test set.
//!
//! ```
//! use archspace_candle::spaces::flagship::{FlagshipConfig, FlagshipData};
//! use archspace_candle::data;
//! let (train, test) = data::fashion_mnist_subset()?;
//! let config = FlagshipConfig { validation: 500, search_train: 1000, ..FlagshipConfig::new("target/doc-flagship") };
//! let data = FlagshipData::split(train, test, &config)?;
//! assert_eq!((data.search_train.len(), data.validation.len(), data.full_train.len()), (1000, 500, 6000));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod deadline;
mod recipe;
mod retrain;
mod search;

use std::path::PathBuf;

pub use recipe::Recipe;
pub use retrain::{Retrained, retrain, retrain_all};
pub use search::{SearchOutcome, pareto_choice, search};

use archspace::search::SearchError;

use crate::data::{Dataset, Normalization};
use crate::error::BackendError;

/// The parameter budget of the flagship result.
pub const PARAMETER_BUDGET: usize = 100_000;

/// Settings of the flagship experiment.
#[derive(Clone, Debug, PartialEq)]
pub struct FlagshipConfig {
    /// Wall-time budget of the search, in hours, over all sittings.
    pub hours: f64,
    /// Threads: of the search's trials and their kernels, then of the
    /// final trainings (several at once). They do not change the records.
    pub threads: usize,
    /// Trials in flight at once: part of the search's trajectory (and of
    /// its log's header), so it is a setting of its own, not the threads.
    pub in_flight: usize,
    /// The search's seed (and the splits').
    pub seed: u64,
    /// Where the search log (unless `log` says), checkpoints, time spent
    /// and results go.
    pub out: PathBuf,
    /// The search log (`None`: in `out`, named after the search's data
    /// and rungs); the time spent (`.seconds`) and the checkpoints
    /// (`_checkpoints/`) are kept beside it. A log holds one search: give
    /// other settings (data, rungs, seed) a log of their own.
    pub log: Option<PathBuf>,
    /// Networks with this many parameters or more are rejected.
    pub max_params: usize,
    /// Training images held out to rank the trials.
    pub validation: usize,
    /// Training images the search trains on (0: all but the validation ones).
    pub search_train: usize,
    /// The rungs' budgets in epochs over the search's training images: from
    /// `min_epochs` up by `reduction` to `max_epochs`.
    pub min_epochs: usize,
    /// The top rung's epochs.
    pub max_epochs: usize,
    /// ASHA's η.
    pub reduction: usize,
    /// At most this many trials in all (the time budget usually ends it first).
    pub max_trials: usize,
    /// Epochs of the final training on the full training set.
    pub retrain_epochs: usize,
    /// Pareto architectures retrained.
    pub top: usize,
    /// Batches the final training re-estimates the batch-norm statistics
    /// of its averaged weights over.
    pub recalibration_batches: usize,
    /// The final training's augmentation strength (0 to 2, as
    /// [`Recipe::augment`]) in place of the one each architecture carries;
    /// `None`: as searched. The search's short rungs rank networks by what
    /// they learn in a few epochs, where the weakest augmentation wins, and
    /// a long final training then fits its training set.
    pub final_augment: Option<i64>,
}

impl FlagshipConfig {
    /// The defaults, writing to `out`: one hour of search on 2 threads, 2
    /// trials in flight,
    /// 10,000 validation images, 12,000 search-training images, rungs of 1,
    /// 3 and 9 epochs, the best 2 retrained for 15 epochs, batch-norm
    /// statistics re-estimated over 100 batches.
    pub fn new(out: impl Into<PathBuf>) -> Self {
        FlagshipConfig {
            hours: 1.0,
            threads: 2,
            in_flight: 2,
            seed: 0,
            out: out.into(),
            log: None,
            max_params: PARAMETER_BUDGET,
            validation: 10_000,
            search_train: 12_000,
            min_epochs: 1,
            max_epochs: 9,
            reduction: 3,
            max_trials: 10_000,
            retrain_epochs: 15,
            top: 2,
            recalibration_batches: 100,
            final_augment: None,
        }
    }

    /// An error unless every setting can be used.
    pub fn check(&self) -> Result<(), FlagshipError> {
        let bad = |what: &str| Err(FlagshipError::Config(what.to_owned()));
        if !(self.hours.is_finite() && self.hours >= 0.0) {
            return bad("the search's hours must be a number ≥ 0");
        }
        if self.threads == 0 || self.in_flight == 0 || self.top == 0 || self.retrain_epochs == 0 || self.max_trials == 0
        {
            return bad("threads, trials in flight, top, retrain epochs and trials must be at least 1");
        }
        if self.min_epochs == 0 || self.max_epochs < self.min_epochs || self.reduction < 2 {
            return bad("the rungs need 1 ≤ min epochs ≤ max epochs and a reduction η ≥ 2");
        }
        if self.validation == 0 {
            return bad("the validation split needs at least one image");
        }
        if self.final_augment.is_some_and(|a| !(0..=2).contains(&a)) {
            return bad("the final augmentation strength must be 0, 1 or 2");
        }
        Ok(())
    }
}

/// The splits: the search trains on `search_train` and ranks on
/// `validation` (both carved from the training set), the final training
/// uses `full_train` (the whole training set), the test set is read once.
#[derive(Clone, Debug)]
pub struct FlagshipData {
    /// What the search's trials train on.
    pub search_train: Dataset,
    /// What ranks them (never trained on by the search).
    pub validation: Dataset,
    /// The whole training set, for the final training.
    pub full_train: Dataset,
    /// The test set.
    pub test: Dataset,
    /// Normalization of the search's training images.
    pub search_norm: Normalization,
    /// Normalization of the whole training set.
    pub full_norm: Normalization,
}

impl FlagshipData {
    /// Carves the validation and search-training images out of `train`
    /// (shuffled by the config's seed).
    pub fn split(train: Dataset, test: Dataset, config: &FlagshipConfig) -> Result<Self, FlagshipError> {
        config.check()?;
        if config.validation >= train.len() {
            return Err(FlagshipError::Config(format!(
                "the validation split ({}) must be smaller than the training set ({})",
                config.validation,
                train.len()
            )));
        }
        let (rest, validation) = train.split_off(config.validation, config.seed)?;
        let search_train = match config.search_train {
            0 => rest,
            n if n >= rest.len() => rest,
            n => rest.split_off(n, config.seed)?.1,
        };
        let (search_norm, full_norm) = (search_train.normalization(), train.normalization());
        Ok(FlagshipData { search_train, validation, full_train: train, test, search_norm, full_norm })
    }
}

/// What can go wrong in the flagship experiment.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FlagshipError {
    /// A setting that cannot be used.
    #[error("{0}")]
    Config(String),
    /// The search failed (its log, its searcher).
    #[error(transparent)]
    Search(#[from] SearchError),
    /// Data, shapes or training failed.
    #[error(transparent)]
    Backend(#[from] BackendError),
    /// A file could not be read or written.
    #[error("`{file}`: {source}")]
    Io {
        /// The file.
        file: String,
        /// Why.
        source: std::io::Error,
    },
    /// A network over the parameter budget, refused before training.
    #[error("over the parameter budget: {params} parameters ≥ {budget} by shape inference; not trained")]
    OverBudget {
        /// Its parameters.
        params: usize,
        /// The budget.
        budget: usize,
    },
    /// The space could not replay a logged architecture.
    #[error(transparent)]
    Spec(#[from] archspace::SpecError),
}
