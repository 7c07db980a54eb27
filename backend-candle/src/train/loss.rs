//! The training loss: cross-entropy, optionally with label smoothing
//! (Szegedy et al. 2016, section 7): the target puts `1 − ε` on the true
//! class and spreads `ε` evenly over all classes.
//!
//! ```
//! use archspace_candle::train::smoothed_cross_entropy;
//! use candle_core::{Device, Tensor};
//! let logits = Tensor::new(&[[4f32, 0.0, 0.0]], &Device::Cpu)?;
//! let labels = Tensor::new(&[0u32], &Device::Cpu)?;
//! let plain = smoothed_cross_entropy(&logits, &labels, 0.0)?.to_scalar::<f32>()?;
//! let smoothed = smoothed_cross_entropy(&logits, &labels, 0.1)?.to_scalar::<f32>()?;
//! assert!(smoothed > plain, "a confident right answer costs more with smoothing");
//! # Ok::<(), candle_core::Error>(())
//! ```

use candle_core::{D, Tensor};

/// Mean cross-entropy of `logits` `[N, K]` against `labels` `[N]` (u32),
/// with label smoothing `epsilon` (0: plain cross-entropy, exactly
/// `candle_nn::loss::cross_entropy`).
pub fn smoothed_cross_entropy(logits: &Tensor, labels: &Tensor, epsilon: f64) -> candle_core::Result<Tensor> {
    if epsilon == 0.0 {
        return candle_nn::loss::cross_entropy(logits, labels);
    }
    let log_probs = candle_nn::ops::log_softmax(logits, D::Minus1)?;
    let true_class = log_probs.gather(&labels.unsqueeze(1)?, 1)?.mean_all()?.neg()?;
    let uniform = log_probs.mean(D::Minus1)?.mean_all()?.neg()?;
    (true_class * (1.0 - epsilon))? + (uniform * epsilon)?
}

/// An error unless `epsilon` lies in `[0, 1)`.
pub(crate) fn check_smoothing(epsilon: f64) -> Result<(), String> {
    if (0.0..1.0).contains(&epsilon) {
        Ok(())
    } else {
        Err(format!("label smoothing must lie in [0, 1), not {epsilon}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    #[test]
    fn smoothing_matches_the_loss_against_the_smoothed_target() -> candle_core::Result<()> {
        let logits = Tensor::new(&[[1f32, 2.0, 0.5, -1.0], [0.0, 0.3, 3.0, 1.0]], &Device::Cpu)?;
        let labels = Tensor::new(&[1u32, 3], &Device::Cpu)?;
        let eps = 0.2;
        let got = f64::from(smoothed_cross_entropy(&logits, &labels, eps)?.to_scalar::<f32>()?);
        // By hand: −Σ_k q_k log p_k with q = (1 − ε)·onehot + ε/K.
        let rows = logits.to_vec2::<f32>()?;
        let mut want = 0.0;
        for (row, label) in rows.iter().zip([1usize, 3]) {
            let z: f64 = row.iter().map(|&v| f64::from(v).exp()).sum();
            for (k, &v) in row.iter().enumerate() {
                let q = eps / 4.0 + if k == label { 1.0 - eps } else { 0.0 };
                want -= q * (f64::from(v) - z.ln());
            }
        }
        want /= 2.0;
        assert!((got - want).abs() < 1e-5, "{got} against {want}");
        let plain = f64::from(smoothed_cross_entropy(&logits, &labels, 0.0)?.to_scalar::<f32>()?);
        assert!((plain - want).abs() > 1e-2, "smoothing changes the loss");
        Ok(())
    }

    #[test]
    fn smoothing_outside_zero_to_one_is_refused() {
        assert!(check_smoothing(0.1).is_ok());
        assert!(check_smoothing(1.0).is_err() && check_smoothing(-0.1).is_err());
    }
}
