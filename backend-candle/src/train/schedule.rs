//! Learning-rate schedules.
//!
//! ```
//! use archspace_candle::train::Schedule;
//! assert_eq!(Schedule::Constant.rate(0.1, 5, 10), 0.1);
//! assert!((Schedule::Cosine.rate(0.1, 5, 10) - 0.05).abs() < 1e-12);
//! assert!((Schedule::Step { every: 4, gamma: 0.5 }.rate(0.1, 9, 10) - 0.025).abs() < 1e-12);
//! // A tenth of the steps warming up linearly, then half a cosine.
//! let warm = Schedule::WarmupCosine { warmup: 0.1 };
//! assert!((warm.rate(0.1, 4, 100) - 0.05).abs() < 1e-12);
//! assert!((warm.rate(0.1, 10, 100) - 0.1).abs() < 1e-12);
//! assert!((warm.rate(0.1, 55, 100) - 0.05).abs() < 1e-12);
//! ```

use std::f64::consts::PI;

/// How the learning rate changes over training.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Schedule {
    /// The base rate throughout.
    Constant,
    /// Multiplied by `gamma` every `every` steps.
    Step {
        /// Steps between decays.
        every: usize,
        /// Decay factor.
        gamma: f64,
    },
    /// Half a cosine from the base rate down to 0 over the whole budget.
    Cosine,
    /// A linear warm-up over the first `warmup` fraction of the steps (from
    /// `base / W` at the first step to `base` after `W` steps), then half a
    /// cosine down to 0 over the rest (Goyal et al. 2017's warm-up before
    /// Loshchilov & Hutter 2017's cosine).
    WarmupCosine {
        /// Fraction of the steps spent warming up, in `[0, 1)`.
        warmup: f64,
    },
    /// One cycle (Smith & Topin 2019, with PyTorch's defaults): from
    /// `base / 25` up to `base` over the first `peak` fraction of the steps
    /// (half a cosine), then down to `base / 25e4` (half a cosine).
    OneCycle {
        /// Fraction of the steps spent going up, in `[0, 1)`.
        peak: f64,
    },
}

/// Half a cosine from `from` at `t = 0` to `to` at `t = 1`.
fn cosine(from: f64, to: f64, t: f64) -> f64 {
    to + (from - to) * 0.5 * (1.0 + (PI * t.clamp(0.0, 1.0)).cos())
}

impl Schedule {
    /// The rate at `step` (from 0) of `total` steps, from base rate `base`.
    pub fn rate(&self, base: f64, step: usize, total: usize) -> f64 {
        let total = total.max(1);
        match *self {
            Schedule::Constant => base,
            Schedule::Step { every, gamma } => base * gamma.powi((step / every.max(1)) as i32),
            Schedule::Cosine => cosine(base, 0.0, step as f64 / total as f64),
            Schedule::WarmupCosine { warmup } => {
                let warm = (warmup.clamp(0.0, 1.0) * total as f64).ceil() as usize;
                if step < warm {
                    base * (step + 1) as f64 / warm as f64
                } else {
                    cosine(base, 0.0, (step - warm) as f64 / (total - warm).max(1) as f64)
                }
            }
            Schedule::OneCycle { peak } => {
                let up = (peak.clamp(0.0, 1.0) * total as f64).ceil() as usize;
                if step < up {
                    cosine(base / 25.0, base, step as f64 / up as f64)
                } else {
                    cosine(base, base / 25e4, (step - up) as f64 / (total - up).max(1) as f64)
                }
            }
        }
    }

    /// An error unless the schedule's fractions lie in `[0, 1)`.
    pub(crate) fn check(&self) -> Result<(), String> {
        match *self {
            Schedule::WarmupCosine { warmup: f } | Schedule::OneCycle { peak: f } if !(0.0..1.0).contains(&f) => {
                Err(format!("the schedule's fraction of steps must lie in [0, 1), not {f}"))
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warm_up_rises_linearly_then_the_cosine_falls_to_zero() {
        let s = Schedule::WarmupCosine { warmup: 0.2 };
        let rates: Vec<f64> = (0..10).map(|i| s.rate(1.0, i, 10)).collect();
        assert!((rates[0] - 0.5).abs() < 1e-12 && (rates[1] - 1.0).abs() < 1e-12, "{rates:?}");
        assert!(rates[2..].windows(2).all(|w| w[1] < w[0]), "{rates:?}");
        assert!(s.rate(1.0, 10, 10).abs() < 1e-12);
        assert_eq!(Schedule::WarmupCosine { warmup: 0.0 }.rate(1.0, 3, 10), Schedule::Cosine.rate(1.0, 3, 10));
    }

    #[test]
    fn one_cycle_peaks_at_its_fraction_and_ends_far_below() {
        let s = Schedule::OneCycle { peak: 0.3 };
        assert!((s.rate(1.0, 0, 100) - 0.04).abs() < 1e-12);
        assert!((s.rate(1.0, 30, 100) - 1.0).abs() < 1e-12);
        assert!(s.rate(1.0, 100, 100) < 1e-5);
        assert!(Schedule::OneCycle { peak: 1.0 }.check().is_err());
        assert!(Schedule::WarmupCosine { warmup: 0.05 }.check().is_ok());
    }
}
