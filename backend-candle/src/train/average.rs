//! Weight averaging: an exponential moving average (EMA) of the trainable
//! parameters over the training steps (Polyak & Juditsky 1992; the decay
//! warm-up of TensorFlow's `ExponentialMovingAverage`), and the weights a
//! run is evaluated with: the average, if kept, then batch-norm statistics
//! re-estimated for them ([`recalibrate_batch_norm`]).

use candle_core::Tensor;

use super::checkpoint::{copies, load};
use super::recalibrate::recalibrate_batch_norm;
use super::trainer::TrainConfig;
use crate::data::{Dataset, Normalization};
use crate::error::BackendError;
use crate::network::Network;

/// The moving average of a network's trainable parameters.
#[derive(Clone, Debug)]
pub(crate) struct WeightAverage {
    decay: f64,
    values: Vec<(String, Tensor)>,
    updates: u64,
}

impl WeightAverage {
    /// An average that starts at `net`'s current parameters, or at the
    /// `saved` average after `updates` steps (a checkpoint's).
    pub(crate) fn start(
        net: &Network,
        decay: f64,
        saved: Option<(&[(String, Tensor)], u64)>,
    ) -> Result<Self, BackendError> {
        match saved {
            Some((values, updates)) if !values.is_empty() => {
                let values =
                    values.iter().map(|(n, t)| Ok((n.clone(), t.copy()?))).collect::<Result<_, BackendError>>()?;
                Ok(WeightAverage { decay, values, updates })
            }
            _ => Ok(WeightAverage { decay, values: copies(net.store().trainable_vars())?, updates: 0 }),
        }
    }

    /// One step: `average ← d·average + (1 − d)·parameters`, with
    /// `d = min(decay, (1 + n) / (10 + n))` after `n` updates, so that the
    /// first steps' random weights do not linger in a short run.
    pub(crate) fn update(&mut self, net: &Network) -> Result<(), BackendError> {
        let n = self.updates as f64;
        let d = self.decay.min((1.0 + n) / (10.0 + n));
        for ((_, average), (_, var)) in self.values.iter_mut().zip(net.store().trainable_vars()) {
            *average = ((&*average * d)? + (var.as_tensor() * (1.0 - d))?)?;
        }
        self.updates += 1;
        Ok(())
    }

    /// The averaged parameters, by name.
    pub(crate) fn values(&self) -> &[(String, Tensor)] {
        &self.values
    }

    /// Updates so far.
    pub(crate) fn updates(&self) -> u64 {
        self.updates
    }
}

/// An error unless the decay lies in `[0, 1)`.
pub(crate) fn check_decay(decay: Option<f64>) -> Result<(), String> {
    match decay {
        Some(d) if !(0.0..1.0).contains(&d) => Err(format!("the weight-average decay must lie in [0, 1), not {d}")),
        _ => Ok(()),
    }
}

/// True when a run is evaluated with other weights than it trains.
pub(crate) fn evaluates_other_weights(config: &TrainConfig) -> bool {
    config.ema_decay.is_some() || config.bn_recalibration > 0
}

/// Puts the weights a run is evaluated with into `net`: the `average`'s
/// parameters (if kept), then batch-norm statistics re-estimated on `data`
/// (if [`TrainConfig::bn_recalibration`] asks for it).
pub(crate) fn install_evaluation_weights(
    net: &Network,
    average: Option<&WeightAverage>,
    data: &Dataset,
    norm: &Normalization,
    config: &TrainConfig,
) -> Result<(), BackendError> {
    if let Some(average) = average {
        load(net.store().trainable_vars(), average.values(), "parameters")?;
    }
    recalibrate_batch_norm(net, data, norm, config.bn_recalibration, config.batch_size, config.seed)
}

/// `f` run on the weights a run is evaluated with, the training weights
/// and statistics put back after it.
pub(crate) fn with_evaluation_weights<T>(
    net: &Network,
    average: Option<&WeightAverage>,
    data: &Dataset,
    norm: &Normalization,
    config: &TrainConfig,
    f: impl FnOnce() -> Result<T, BackendError>,
) -> Result<T, BackendError> {
    if !evaluates_other_weights(config) {
        return f();
    }
    let store = net.store();
    let (params, buffers) = (copies(store.trainable_vars())?, copies(store.buffers())?);
    install_evaluation_weights(net, average, data, norm, config)?;
    let result = f();
    load(store.trainable_vars(), &params, "parameters")?;
    load(store.buffers(), &buffers, "buffers")?;
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NetworkConfig;
    use crate::ops::{self, Registry};
    use archspace_core::Space;

    #[test]
    fn the_average_follows_the_weights_with_its_decay() -> Result<(), Box<dyn std::error::Error>> {
        let arch = Space::build(|s| s.basic(ops::dense(2)))?.freeze()?;
        let net = Network::build(&arch, &[3], &Registry::standard(), &NetworkConfig::default())?;
        let set = |value: f32| -> Result<(), candle_core::Error> {
            for (_, var) in net.store().trainable_vars() {
                var.set(&Tensor::full(value, var.dims(), var.device())?)?;
            }
            Ok(())
        };
        set(0.0)?;
        let mut average = WeightAverage::start(&net, 0.5, None)?;
        set(1.0)?;
        average.update(&net)?; // d = min(0.5, 1/10) = 0.1: 0.9
        average.update(&net)?; // d = min(0.5, 2/11): 0.9 + (2/11)·(0 − 0.1)…
        let first = average.values()[0].1.flatten_all()?.to_vec1::<f32>()?[0];
        let after_one = 0.9f64;
        let after_two = (2.0 / 11.0) * after_one + (1.0 - 2.0 / 11.0);
        assert!((f64::from(first) - after_two).abs() < 1e-6, "{first} against {after_two}");
        for _ in 0..30 {
            average.update(&net)?;
        }
        let late = average.values()[0].1.flatten_all()?.to_vec1::<f32>()?[0];
        assert!(late > 0.999, "{late}");
        assert_eq!(average.updates(), 32);
        Ok(())
    }
}
