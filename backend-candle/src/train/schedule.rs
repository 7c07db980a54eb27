//! Learning-rate schedules.
//!
//! ```
//! use archspace_candle::train::Schedule;
//! assert_eq!(Schedule::Constant.rate(0.1, 5, 10), 0.1);
//! assert!((Schedule::Cosine.rate(0.1, 5, 10) - 0.05).abs() < 1e-12);
//! assert!((Schedule::Step { every: 4, gamma: 0.5 }.rate(0.1, 9, 10) - 0.025).abs() < 1e-12);
//! ```

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
}

impl Schedule {
    /// The rate at `step` (from 0) of `total` steps, from base rate `base`.
    pub fn rate(&self, base: f64, step: usize, total: usize) -> f64 {
        match *self {
            Schedule::Constant => base,
            Schedule::Step { every, gamma } => base * gamma.powi((step / every.max(1)) as i32),
            Schedule::Cosine => {
                let t = step as f64 / total.max(1) as f64;
                base * 0.5 * (1.0 + (std::f64::consts::PI * t.min(1.0)).cos())
            }
        }
    }
}
