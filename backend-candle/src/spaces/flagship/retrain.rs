//! The flagship's final training: a chosen architecture on the full
//! training set with the full recipe, evaluated once on the test set.

use std::path::Path;
use std::time::Instant;

use archspace::Architecture;
use archspace::search::TrialRecord;
use serde::{Deserialize, Serialize};

use super::{FlagshipConfig, FlagshipData, FlagshipError, Recipe};
use crate::ops::Registry;
use crate::train;
use crate::{Network, NetworkConfig};

/// One retrained architecture and its test result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Retrained {
    /// The search trial it comes from.
    pub trial: u64,
    /// Its validation accuracy in the search.
    pub validation_accuracy: f64,
    /// The epochs (over the search's training images) it had in the search.
    pub search_epochs: f64,
    /// Accuracy on the test set, read once after the final training.
    pub test_accuracy: f64,
    /// Mean cross-entropy on the test set.
    pub test_loss: f64,
    /// Trainable parameters.
    pub params: usize,
    /// FLOPs of one forward pass of one image (a multiply-add is two).
    pub flops: u64,
    /// Epochs of the final training.
    pub epochs: usize,
    /// The final training's augmentation strength (`None` in results
    /// written before it was recorded).
    #[serde(default)]
    pub augment: Option<i64>,
    /// Training accuracy of the last epoch (train mode, augmented).
    pub train_accuracy: f64,
    /// Wall minutes of the final training and test.
    pub minutes: f64,
    /// Training images per second.
    pub images_per_second: f64,
}

/// Trains `arch` (trial `record` of the search) for `config.retrain_epochs`
/// on the whole training set with [`Recipe::retrain_config`] and evaluates
/// it once on the test set, with [`FlagshipConfig::final_augment`] in
/// place of the architecture's augmentation where it is set. The result is
/// kept as `retrained-<trial>-e<epochs>.json` in `config.out`
/// (`…-e<epochs>-augment<k>.json` where the strength `k` replaced another),
/// and read from there instead of training again when it is already there.
pub fn retrain(
    config: &FlagshipConfig,
    data: &FlagshipData,
    record: &TrialRecord,
    arch: &Architecture,
    say: &(dyn Fn(&str) + Sync),
) -> Result<Retrained, FlagshipError> {
    let mut recipe = Recipe::of(arch).map_err(FlagshipError::Config)?;
    let mut name = format!("retrained-{}-e{}", record.trial.id, config.retrain_epochs);
    if let Some(augment) = config.final_augment.filter(|&a| a != recipe.augment) {
        recipe.augment = augment;
        name.push_str(&format!("-augment{augment}"));
    }
    let file = config.out.join(format!("{name}.json"));
    if let Some(done) = read_done(&file)? {
        say(&format!("trial {}: retrained before, read from {}", record.trial.id, file.display()));
        return Ok(done);
    }
    let started = Instant::now();
    let network = NetworkConfig { seed: record.trial.seed, classes: Some(10), ..NetworkConfig::default() };
    let net = Network::build(arch, &data.full_train.shape, &Registry::standard(), &network)?;
    let training = recipe.retrain_config(config.retrain_epochs, config.recalibration_batches, record.trial.seed);
    let id = record.trial.id;
    let mut last_epoch = usize::MAX;
    let report = train::train(&net, &data.full_train, None, &data.full_norm, &training, &mut |p| {
        if p.epoch != last_epoch {
            last_epoch = p.epoch;
            let rate = p.images as f64 / started.elapsed().as_secs_f64().max(1e-9);
            say(&format!(
                "trial {id}: final training, epoch {} of {} ({rate:.0} images/s so far)",
                p.epoch + 1,
                config.retrain_epochs
            ));
        }
    })?;
    let test = train::evaluate(&net, &data.test, &data.full_norm, 500)?;
    let done = Retrained {
        trial: id,
        validation_accuracy: record.metrics.get("validation_accuracy").unwrap_or(f64::NAN),
        search_epochs: record.trial.budget.unwrap_or(f64::NAN),
        test_accuracy: test.accuracy,
        test_loss: test.loss,
        params: net.param_count(),
        flops: net.report().total_flops(),
        epochs: config.retrain_epochs,
        augment: Some(recipe.augment),
        train_accuracy: report.epochs.last().map_or(f64::NAN, |e| e.train.accuracy),
        minutes: started.elapsed().as_secs_f64() / 60.0,
        images_per_second: report.images as f64 / report.seconds.max(1e-9),
    };
    let text = serde_json::to_string_pretty(&done).map_err(|e| FlagshipError::Config(e.to_string()))?;
    std::fs::write(&file, text).map_err(|source| FlagshipError::Io { file: file.display().to_string(), source })?;
    Ok(done)
}

fn read_done(file: &Path) -> Result<Option<Retrained>, FlagshipError> {
    match std::fs::read_to_string(file) {
        Ok(text) => serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| FlagshipError::Config(format!("`{}`: {e}; remove it to retrain", file.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(FlagshipError::Io { file: file.display().to_string(), source }),
    }
}

/// [`retrain`] for each chosen trial, `config.threads` at a time; the
/// results in the order of `chosen`.
pub fn retrain_all(
    config: &FlagshipConfig,
    data: &FlagshipData,
    chosen: &[(TrialRecord, Architecture)],
    say: &(dyn Fn(&str) + Sync),
) -> Result<Vec<Retrained>, FlagshipError> {
    use rayon::prelude::*;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads)
        .build()
        .map_err(|e| FlagshipError::Config(format!("cannot start {} threads: {e}", config.threads)))?;
    pool.install(|| chosen.par_iter().map(|(record, arch)| retrain(config, data, record, arch, say)).collect())
}
