//! The training recipe an architecture of [`fashion_net`](crate::spaces::fashion_net)
//! carries in its globals, and the training configurations made from it.

use archspace::Architecture;

use crate::train::{Augment, Budget, OptimizerKind, Schedule, TrainConfig};

/// The carried hyperparameters of the recipe.
///
/// ```
/// use archspace_candle::spaces::{fashion_net, flagship::Recipe};
/// let arch = fashion_net().def().sample_random(&mut archspace::rng(0))?;
/// let recipe = Recipe::of(&arch)?;
/// assert!([1e-3, 2e-3, 4e-3].contains(&recipe.learning_rate));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Recipe {
    /// AdamW's base learning rate.
    pub learning_rate: f64,
    /// AdamW's decoupled weight decay.
    pub weight_decay: f64,
    /// Augmentation strength: 0 flips, 1 flips and 2-pixel crops, 2 also
    /// random erasing (probability 0.25 in the search, 0.5 in retraining).
    pub augment: i64,
    /// Label smoothing ε.
    pub label_smoothing: f64,
}

impl Recipe {
    /// The recipe `arch` carries (`learning_rate`, `weight_decay`,
    /// `augment`, `label_smoothing`), or which one is missing.
    ///
    /// A global is looked up by its last path segment: the DSL carries every
    /// `global` of a space as `hyperparameters/NAME`, and architectures
    /// saved before it did (`hyperparameters_1/NAME`, …) still read.
    pub fn of(arch: &Architecture) -> Result<Self, String> {
        let global = |name: &str| {
            let suffix = format!("/{name}");
            arch.globals()
                .iter()
                .find(|(path, _)| path.ends_with(&suffix))
                .map(|(_, value)| value)
                .ok_or_else(|| format!("the architecture carries no hyperparameter `{name}`"))
        };
        let float = |name: &str| global(name)?.as_float().ok_or_else(|| format!("`{name}` is not a number"));
        Ok(Recipe {
            learning_rate: float("learning_rate")?,
            weight_decay: float("weight_decay")?,
            augment: global("augment")?.as_int().ok_or("`augment` is not an integer")?,
            label_smoothing: float("label_smoothing")?,
        })
    }

    /// The augmentation at this strength; `retraining` erases more often.
    pub fn augmentation(&self, retraining: bool) -> Augment {
        let erase = if retraining { 0.5 } else { 0.25 };
        Augment {
            flip: true,
            pad_crop: if self.augment >= 1 { 2 } else { 0 },
            erase: if self.augment >= 2 { erase } else { 0.0 },
        }
    }

    /// A search trial's training: AdamW with the recipe's rate, decay,
    /// smoothing and augmentation, a warm-up and cosine spanning `horizon`
    /// epochs (every rung's, so a promotion continues its checkpoint), no
    /// weight average.
    pub fn search_config(&self, epochs: usize, horizon: usize, seed: u64) -> TrainConfig {
        TrainConfig {
            batch_size: 128,
            budget: Budget::Epochs(epochs),
            horizon: Some(Budget::Epochs(horizon)),
            optimizer: OptimizerKind::AdamW,
            learning_rate: self.learning_rate,
            weight_decay: self.weight_decay,
            schedule: Schedule::WarmupCosine { warmup: 0.05 },
            augment: self.augmentation(false),
            label_smoothing: self.label_smoothing,
            seed,
            ..TrainConfig::default()
        }
    }

    /// The final training: the search's settings over `epochs`, with an
    /// average of the weights (decay 0.999) whose batch-norm statistics are
    /// re-estimated over `recalibration` batches, and stronger erasing.
    pub fn retrain_config(&self, epochs: usize, recalibration: usize, seed: u64) -> TrainConfig {
        TrainConfig {
            augment: self.augmentation(true),
            ema_decay: Some(0.999),
            bn_recalibration: recalibration,
            ..self.search_config(epochs, epochs, seed)
        }
    }
}
