//! The training loop.

use std::time::Instant;

use candle_core::{D, DType, Device, Tensor};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use super::augment::Augment;
use super::average::{
    WeightAverage, check_decay, evaluates_other_weights, install_evaluation_weights, with_evaluation_weights,
};
use super::checkpoint::{Checkpoint, TrainProgress};
use super::checks::{check_finite, check_fits, check_parameters};
use super::loss::{check_smoothing, smoothed_cross_entropy};
use super::optim::{Adam, Optimizer, Sgd};
use super::schedule::Schedule;
use crate::data::{Dataset, Normalization};
use crate::device::DeviceSpec;
use crate::error::BackendError;
use crate::network::Network;

/// Which optimizer, with its own settings (learning rate and decay live in [`TrainConfig`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OptimizerKind {
    /// SGD with momentum (0: plain SGD), optionally Nesterov.
    Sgd {
        /// Momentum factor.
        momentum: f64,
        /// Nesterov momentum.
        nesterov: bool,
    },
    /// Adam with L2 weight decay in the gradient.
    Adam,
    /// AdamW: decoupled weight decay.
    AdamW,
}

/// How long to train.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Budget {
    /// Whole passes over the training set.
    Epochs(usize),
    /// A number of training images (the last epoch may be partial).
    Images(usize),
}

/// Training settings.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainConfig {
    /// Images per step.
    pub batch_size: usize,
    /// Images per evaluation batch.
    pub eval_batch_size: usize,
    /// How long to train: in all, counting what a checkpoint continued from
    /// already trained.
    pub budget: Budget,
    /// The budget the learning-rate schedule spans (`None`: `budget`). A
    /// multi-fidelity search sets it to its largest budget for every rung,
    /// so that training to a small budget is the start of training to a
    /// large one and a checkpoint can be continued ([`train_from`]).
    pub horizon: Option<Budget>,
    /// The optimizer.
    pub optimizer: OptimizerKind,
    /// Base learning rate.
    pub learning_rate: f64,
    /// Weight decay (L2 for SGD and Adam, decoupled for AdamW).
    pub weight_decay: f64,
    /// The learning-rate schedule.
    pub schedule: Schedule,
    /// Clip the global gradient norm to this value.
    pub clip_grad_norm: Option<f64>,
    /// Training-time augmentation.
    pub augment: Augment,
    /// Label smoothing ε of the training loss, in `[0, 1)` (0: plain
    /// cross-entropy; [`smoothed_cross_entropy`](super::smoothed_cross_entropy)).
    pub label_smoothing: f64,
    /// Keep an exponential moving average of the parameters with this
    /// decay (e.g. 0.999) and evaluate with it: validation after each epoch,
    /// and the network left with the averaged weights at the end (`None`:
    /// no average). Pair it with [`bn_recalibration`](Self::bn_recalibration).
    pub ema_decay: Option<f64>,
    /// Re-estimate the batch-norm statistics over this many training
    /// batches (un-augmented) before each validation and at the end of
    /// training ([`recalibrate_batch_norm`](super::recalibrate_batch_norm));
    /// 0: keep the running statistics of training.
    pub bn_recalibration: usize,
    /// Seed of the shuffling and augmentation.
    pub seed: u64,
    /// The device to train on, if the caller wants it checked: training
    /// runs where the network's weights are
    /// ([`NetworkConfig::device`](crate::NetworkConfig)), and a network on
    /// another device is an error ([`BackendError::Device`]) rather than a
    /// run somewhere else. `None` (the default): the network's device.
    pub device: Option<DeviceSpec>,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            batch_size: 64,
            eval_batch_size: 500,
            budget: Budget::Epochs(1),
            horizon: None,
            optimizer: OptimizerKind::AdamW,
            learning_rate: 1e-3,
            weight_decay: 1e-4,
            schedule: Schedule::Cosine,
            clip_grad_norm: Some(5.0),
            augment: Augment::none(),
            label_smoothing: 0.0,
            ema_decay: None,
            bn_recalibration: 0,
            seed: 0,
            device: None,
        }
    }
}

/// Loss and accuracy on a set.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Metrics {
    /// Mean cross-entropy.
    pub loss: f64,
    /// Fraction classified correctly.
    pub accuracy: f64,
}

/// What happened in one epoch.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EpochMetrics {
    /// Epoch number (from 0).
    pub epoch: usize,
    /// Mean training loss and accuracy over the epoch (train mode).
    pub train: Metrics,
    /// Metrics on the validation set, if one was given.
    pub validation: Option<Metrics>,
    /// Seconds the epoch took, evaluation included.
    pub seconds: f64,
}

/// The outcome of [`train`].
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TrainReport {
    /// One entry per epoch.
    pub epochs: Vec<EpochMetrics>,
    /// Training images processed.
    pub images: usize,
    /// Wall time.
    pub seconds: f64,
}

/// Training progress, reported after every step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Progress {
    /// Current epoch (from 0).
    pub epoch: usize,
    /// Training images processed so far.
    pub images: usize,
    /// Images the budget allows.
    pub total_images: usize,
    /// Loss of the last batch.
    pub loss: f64,
}

fn optimizer(net: &Network, config: &TrainConfig) -> Box<dyn Optimizer> {
    let vars = net.store().trainable_vars().iter().map(|(_, v)| v.clone()).collect();
    match config.optimizer {
        OptimizerKind::Sgd { momentum, nesterov } => Box::new(Sgd::new(vars, momentum, nesterov, config.weight_decay)),
        OptimizerKind::Adam => Box::new(Adam::new(vars, (0.9, 0.999), 1e-8, config.weight_decay, false)),
        OptimizerKind::AdamW => Box::new(Adam::new(vars, (0.9, 0.999), 1e-8, config.weight_decay, true)),
    }
}

/// An error unless the network lives on the device the configuration names.
fn check_device(device: &Device, wanted: Option<DeviceSpec>) -> Result<(), BackendError> {
    let Some(wanted) = wanted else { return Ok(()) };
    let actual = DeviceSpec::of(device);
    if actual == Some(wanted) {
        return Ok(());
    }
    let actual = actual.map_or_else(|| format!("{:?}", device.location()), |a| a.to_string());
    Err(BackendError::Device {
        device: wanted.to_string(),
        reason: format!(
            "the training configuration names it, but the network's weights are on {actual}; \
             build the network with `NetworkConfig {{ device, .. }}` on the device to train on"
        ),
    })
}

/// Scales the gradients so their global norm is at most `max`. The
/// per-tensor sums are read in one transfer (one wait for a GPU, not one
/// per parameter) and added in f64 in parameter order.
fn clip(grads: &mut [Option<Tensor>], max: f64) -> candle_core::Result<()> {
    let sums =
        grads.iter().flatten().map(|g| g.sqr()?.sum_all()?.to_dtype(DType::F32)).collect::<Result<Vec<_>, _>>()?;
    if sums.is_empty() {
        return Ok(());
    }
    let total: f64 = Tensor::stack(&sums, 0)?.to_vec1::<f32>()?.into_iter().map(f64::from).sum();
    let norm = total.sqrt();
    if norm > max {
        let scale = max / (norm + 1e-6);
        for g in grads.iter_mut().flatten() {
            *g = (&*g * scale)?;
        }
    }
    Ok(())
}

/// Sum of correct predictions in a batch.
fn correct(logits: &Tensor, labels: &Tensor) -> candle_core::Result<f64> {
    let hits = logits.argmax(D::Minus1)?.eq(labels)?.to_dtype(DType::F32)?.sum_all()?;
    Ok(f64::from(hits.to_scalar::<f32>()?))
}

/// Trains `net` on `data`; evaluates on `validation` after each epoch.
///
/// Before any step, the sets must fit the network and each other (sample
/// shape, classes; [`BackendError::Mismatch`]) and a validation set must
/// not be empty. A loss that becomes NaN or infinite stops training with
/// [`BackendError::Diverged`]; parameters that are not finite after the last
/// step, or a non-finite validation metric, with [`BackendError::NonFinite`]:
/// a failed trial, not a crash, and never a result.
pub fn train(
    net: &Network,
    data: &Dataset,
    validation: Option<&Dataset>,
    norm: &Normalization,
    config: &TrainConfig,
    progress: &mut dyn FnMut(Progress),
) -> Result<TrainReport, BackendError> {
    let mut run = Run::start(net, data, validation, config, None)?;
    run.train(net, data, validation, norm, config, progress)?;
    run.finish(net, data, norm, config)?;
    Ok(run.report())
}

/// Like [`train`], continuing from `from` (a [`Checkpoint`] of the same
/// architecture, built into `net` with the same settings) when given, and
/// returning the run's checkpoint as well (of the training weights: the
/// network itself is left with the weights it is evaluated with, averaged
/// or recalibrated as `config` says).
///
/// `config.budget` is the whole budget, including what `from` already
/// trained; the continued run keeps `from`'s shuffling stream (its seed,
/// not `config.seed`). With the same [`horizon`](TrainConfig::horizon), the
/// result is the network a single run to `config.budget` gives, bit for
/// bit, when `from` ended on a batch boundary (whole epochs always do).
pub fn train_from(
    net: &Network,
    data: &Dataset,
    validation: Option<&Dataset>,
    norm: &Normalization,
    config: &TrainConfig,
    from: Option<&Checkpoint>,
    progress: &mut dyn FnMut(Progress),
) -> Result<(TrainReport, Checkpoint), BackendError> {
    let mut run = Run::start(net, data, validation, config, from)?;
    run.train(net, data, validation, norm, config, progress)?;
    let averaged = run.average.as_ref().map(|a| a.values().to_vec()).unwrap_or_default();
    let checkpoint = Checkpoint::capture(net, run.optimizer.state(), averaged, run.progress())?;
    run.finish(net, data, norm, config)?;
    Ok((run.report(), checkpoint))
}

/// Images of a budget over `data`.
fn images_of(budget: Budget, data: &Dataset) -> usize {
    match budget {
        Budget::Epochs(e) => e * data.len(),
        Budget::Images(n) => n,
    }
}

/// A training run in progress.
struct Run {
    optimizer: Box<dyn Optimizer>,
    average: Option<WeightAverage>,
    rng: ChaCha8Rng,
    seed: u64,
    images: usize,
    step: usize,
    epoch: usize,
    epochs: Vec<EpochMetrics>,
    /// The order of an epoch stopped part-way, and how far it got.
    unfinished: Option<(Vec<usize>, usize)>,
    started: Instant,
    images_at_start: usize,
    epochs_at_start: usize,
}

impl Run {
    /// A run from scratch, or from `from`, after checking that the sets fit
    /// the network and each other and that the network is on the device
    /// the configuration names.
    fn start(
        net: &Network,
        data: &Dataset,
        validation: Option<&Dataset>,
        config: &TrainConfig,
        from: Option<&Checkpoint>,
    ) -> Result<Self, BackendError> {
        if config.batch_size == 0 || data.is_empty() {
            return Err(BackendError::Config("training needs a batch size ≥ 1 and a non-empty training set".into()));
        }
        check_fits(net, data, "the training set")?;
        if let Some(validation) = validation {
            if validation.is_empty() {
                return Err(BackendError::Config("the validation set is empty; give it samples, or none".into()));
            }
            validation.check_matches("the validation set", data, "the training set")?;
        }
        check_device(net.device(), config.device)?;
        for check in [check_smoothing(config.label_smoothing), check_decay(config.ema_decay), config.schedule.check()] {
            check.map_err(BackendError::Config)?;
        }
        let mut run = Run {
            optimizer: optimizer(net, config),
            average: None,
            rng: ChaCha8Rng::seed_from_u64(config.seed),
            seed: config.seed,
            images: 0,
            step: 0,
            epoch: 0,
            epochs: Vec::new(),
            unfinished: None,
            started: Instant::now(),
            images_at_start: 0,
            epochs_at_start: 0,
        };
        if let Some(from) = from {
            let p = &from.progress;
            if p.images > images_of(config.budget, data) {
                return Err(BackendError::Checkpoint(format!(
                    "the checkpoint trained {} images, more than the budget of {}",
                    p.images,
                    images_of(config.budget, data)
                )));
            }
            if p.unfinished_epoch.as_ref().is_some_and(|(order, _)| order.len() != data.len()) {
                return Err(BackendError::Checkpoint("the checkpoint was trained on another training set".into()));
            }
            from.load_into(net)?;
            run.optimizer.restore(from.optimizer.clone())?;
            run.seed = p.seed;
            run.rng = ChaCha8Rng::seed_from_u64(p.seed);
            run.rng.set_word_pos(p.word_position());
            (run.images, run.step, run.epoch) = (p.images, p.step, p.epoch);
            run.epochs = p.epochs.clone();
            run.unfinished = p.unfinished_epoch.clone();
            (run.images_at_start, run.epochs_at_start) = (p.images, p.epochs.len());
        }
        if let Some(decay) = config.ema_decay {
            // From the checkpoint's average when it kept one, else from its weights.
            let saved = from.map(|f| (f.averaged.as_slice(), f.progress.averaged_steps));
            run.average = Some(WeightAverage::start(net, decay, saved)?);
        }
        Ok(run)
    }

    fn progress(&self) -> TrainProgress {
        TrainProgress {
            seed: self.seed,
            stream_position: TrainProgress::split_position(self.rng.get_word_pos()),
            images: self.images,
            step: self.step,
            epoch: self.epoch,
            unfinished_epoch: self.unfinished.clone(),
            epochs: self.epochs.clone(),
            averaged_steps: self.average.as_ref().map_or(0, WeightAverage::updates),
        }
    }

    /// Leaves `net` with the weights it is evaluated with: the average,
    /// batch-norm statistics re-estimated (as `config` says).
    fn finish(
        &self,
        net: &Network,
        data: &Dataset,
        norm: &Normalization,
        config: &TrainConfig,
    ) -> Result<(), BackendError> {
        if !evaluates_other_weights(config) {
            return Ok(());
        }
        install_evaluation_weights(net, self.average.as_ref(), data, norm, config)?;
        check_parameters(net, "with the weights it is evaluated with")
    }

    /// This run's part of the training: its epochs and images.
    fn report(&self) -> TrainReport {
        TrainReport {
            epochs: self.epochs[self.epochs_at_start.min(self.epochs.len())..].to_vec(),
            images: self.images - self.images_at_start,
            seconds: self.started.elapsed().as_secs_f64(),
        }
    }

    fn train(
        &mut self,
        net: &Network,
        data: &Dataset,
        validation: Option<&Dataset>,
        norm: &Normalization,
        config: &TrainConfig,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<(), BackendError> {
        let total_images = images_of(config.budget, data);
        let total_steps = images_of(config.horizon.unwrap_or(config.budget), data).div_ceil(config.batch_size);
        let device = net.device().clone();
        while self.images < total_images {
            let epoch_start = Instant::now();
            let (order, start) = match self.unfinished.take() {
                Some(unfinished) => unfinished,
                None => {
                    let mut order: Vec<usize> = (0..data.len()).collect();
                    order.shuffle(&mut self.rng);
                    (order, 0)
                }
            };
            let (mut loss_sum, mut hits, mut seen) = (0f64, 0f64, 0usize);
            let mut position = start;
            for (i, chunk) in order[start..].chunks(config.batch_size).enumerate() {
                if self.images >= total_images {
                    break;
                }
                let chunk = &chunk[..chunk.len().min(total_images - self.images)];
                let (x, y) = if config.augment.is_active() {
                    let mut batch = data.subset(chunk);
                    let per = batch.shape.iter().product::<usize>();
                    for image in batch.images.chunks_mut(per) {
                        config.augment.apply(image, batch.shape, &mut self.rng);
                    }
                    batch.batch(&(0..chunk.len()).collect::<Vec<_>>(), norm, &device)?
                } else {
                    data.batch(chunk, norm, &device)?
                };
                let mut logits = None;
                let (loss, grad_store) = net.loss_and_gradients(&x, |output| {
                    logits = Some(output.detach());
                    smoothed_cross_entropy(output, &y, config.label_smoothing)
                })?;
                let logits =
                    logits.ok_or_else(|| BackendError::Config("internal: the loss was not computed".into()))?;
                let loss_value = f64::from(loss.to_scalar::<f32>()?);
                if !loss_value.is_finite() {
                    return Err(BackendError::Diverged { epoch: self.epoch, step: i, loss: loss_value });
                }
                let mut grads: Vec<Option<Tensor>> =
                    self.optimizer.vars().iter().map(|v| grad_store.get(v.as_tensor()).cloned()).collect();
                if let Some(max) = config.clip_grad_norm {
                    clip(&mut grads, max)?;
                }
                self.optimizer.step(&grads, config.schedule.rate(config.learning_rate, self.step, total_steps))?;
                if let Some(average) = &mut self.average {
                    average.update(net)?;
                }
                loss_sum += loss_value * chunk.len() as f64;
                hits += correct(&logits, &y)?;
                seen += chunk.len();
                self.images += chunk.len();
                self.step += 1;
                position += chunk.len();
                progress(Progress { epoch: self.epoch, images: self.images, total_images, loss: loss_value });
            }
            if position < order.len() {
                self.unfinished = Some((order, position));
            }
            let validation = match validation {
                Some(v) => Some(with_evaluation_weights(net, self.average.as_ref(), data, norm, config, || {
                    evaluate(net, v, norm, config.eval_batch_size)
                })?),
                None => None,
            };
            let train = Metrics { loss: loss_sum / seen.max(1) as f64, accuracy: hits / seen.max(1) as f64 };
            self.epochs.push(EpochMetrics {
                epoch: self.epoch,
                train,
                validation,
                seconds: epoch_start.elapsed().as_secs_f64(),
            });
            if self.unfinished.is_none() {
                self.epoch += 1;
            }
        }
        check_parameters(net, &format!("after the last step ({} steps)", self.step))?;
        Ok(())
    }
}

/// Loss and accuracy of `net` (eval mode) on `data`.
///
/// `data` must fit the network ([`BackendError::Mismatch`] otherwise, before
/// any batch); a loss that is not finite is [`BackendError::NonFinite`]: the
/// network diverged, and its accuracy would mean nothing.
pub fn evaluate(
    net: &Network,
    data: &Dataset,
    norm: &Normalization,
    batch_size: usize,
) -> Result<Metrics, BackendError> {
    if data.is_empty() {
        return Err(BackendError::Config("cannot evaluate on an empty set".into()));
    }
    check_fits(net, data, "the evaluated set")?;
    let device = net.device().clone();
    let (mut loss_sum, mut hits) = (0f64, 0f64);
    let indices: Vec<usize> = (0..data.len()).collect();
    for chunk in indices.chunks(batch_size.max(1)) {
        let (x, y) = data.batch(chunk, norm, &device)?;
        let logits = net.predict(&x)?;
        let loss = f64::from(candle_nn::loss::cross_entropy(&logits, &y)?.to_scalar::<f32>()?);
        loss_sum += loss * chunk.len() as f64;
        hits += correct(&logits, &y)?;
    }
    let n = data.len() as f64;
    let metrics = Metrics { loss: loss_sum / n, accuracy: hits / n };
    check_finite(|| "the evaluation loss".to_owned(), metrics.loss)?;
    Ok(metrics)
}
