//! A ridge-regression surrogate over hashed structural features
//! (DeepArchitect's `HashingSurrogate`), refit as outcomes arrive.

use serde::{Deserialize, Serialize};

use super::features::{FeatureBag, SparseFeatures, sparse_dot};

/// Settings of the hashed ridge-regression surrogate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SurrogateConfig {
    /// Number of hash buckets for features.
    pub buckets: u32,
    /// Ridge penalty on the weights (DeepArchitect's `weight_decay_coeff`, 1e-5).
    pub weight_decay: f64,
    /// Refit after this many new observations (1: after each).
    pub refit_interval: u32,
}

impl Default for SurrogateConfig {
    fn default() -> Self {
        SurrogateConfig { buckets: 1 << 12, weight_decay: 1e-5, refit_interval: 1 }
    }
}

/// Ridge regression in its dual form: `alpha = (K + λI)⁻¹ (y − ȳ)` with the
/// linear kernel `K = X Xᵀ`, kept as a Cholesky factor grown by one row per
/// observation (O(n²) per observation), and the primal weights `w = Xᵀ alpha`
/// for O(nnz) predictions `ȳ + w·x`. The intercept is the mean of `y`.
///
/// Only the observations are saved; the factor and the fit are recomputed
/// on restore, in the same order, so a restored surrogate predicts the same.
#[derive(Clone, Debug, Default)]
pub(crate) struct RidgeSurrogate {
    config: SurrogateConfig,
    features: Vec<SparseFeatures>,
    targets: Vec<f64>,
    /// Rows of the lower-triangular Cholesky factor of `K + λI`.
    cholesky: Vec<Vec<f64>>,
    /// Observations in the last fit.
    fitted: usize,
    weights: Vec<f64>,
    mean: f64,
}

/// The saved part of a [`RidgeSurrogate`].
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct SurrogateState {
    features: Vec<SparseFeatures>,
    targets: Vec<f64>,
    fitted: usize,
}

impl RidgeSurrogate {
    pub(crate) fn new(config: SurrogateConfig) -> Self {
        RidgeSurrogate { config, ..Default::default() }
    }

    /// The predicted score of `x`: 0 before the first fit, as DeepArchitect.
    /// (The searchers score bags with [`predict_bag`](Self::predict_bag).)
    #[cfg(test)]
    pub(crate) fn predict(&self, x: &[(u32, f64)]) -> f64 {
        if self.fitted == 0 {
            return 0.0;
        }
        self.mean + x.iter().map(|&(i, v)| self.weights.get(i as usize).copied().unwrap_or(0.0) * v).sum::<f64>()
    }

    /// [`predict`](Self::predict) for the sparse vector of `bag`, summed in
    /// the bag's order (equal up to rounding).
    pub(crate) fn predict_bag(&self, bag: &FeatureBag) -> f64 {
        if self.fitted == 0 {
            return 0.0;
        }
        self.mean + bag.buckets.iter().map(|&i| self.weights.get(i as usize).copied().unwrap_or(0.0)).sum::<f64>()
    }

    /// Adds an observation; refits every `refit_interval` observations.
    pub(crate) fn observe(&mut self, x: SparseFeatures, y: f64) {
        self.grow_factor(&x);
        self.features.push(x);
        self.targets.push(y);
        if self.features.len() - self.fitted >= self.config.refit_interval.max(1) as usize {
            self.fit(self.features.len());
        }
    }

    fn grow_factor(&mut self, x: &[(u32, f64)]) {
        let lambda = self.config.weight_decay.max(1e-12);
        let n = self.cholesky.len();
        let mut row = Vec::with_capacity(n + 1);
        for i in 0..n {
            let k = sparse_dot(&self.features[i], x);
            let li = &self.cholesky[i];
            let s: f64 = li[..i].iter().zip(&row).map(|(a, b)| a * b).sum();
            row.push((k - s) / li[i]);
        }
        let diagonal = sparse_dot(x, x) + lambda - row.iter().map(|v| v * v).sum::<f64>();
        // Rounding can make the pivot of a repeated point tiny or negative; λ bounds it below.
        row.push(diagonal.max(lambda).sqrt());
        self.cholesky.push(row);
    }

    /// Fits on the first `m` observations.
    fn fit(&mut self, m: usize) {
        self.mean = self.targets[..m].iter().sum::<f64>() / m as f64;
        let mut u: Vec<f64> = self.targets[..m].iter().map(|y| y - self.mean).collect();
        for i in 0..m {
            let li = &self.cholesky[i];
            let s: f64 = li[..i].iter().zip(&u[..i]).map(|(a, b)| a * b).sum();
            u[i] = (u[i] - s) / li[i];
        }
        for j in (0..m).rev() {
            let lj = &self.cholesky[j];
            u[j] /= lj[j];
            let zj = u[j];
            for (ui, l) in u[..j].iter_mut().zip(&lj[..j]) {
                *ui -= l * zj;
            }
        }
        self.weights.clear();
        self.weights.resize(self.config.buckets.max(1) as usize, 0.0);
        for (alpha, x) in u.iter().zip(&self.features) {
            for &(i, v) in x {
                if let Some(w) = self.weights.get_mut(i as usize) {
                    *w += alpha * v;
                }
            }
        }
        self.fitted = m;
    }

    pub(crate) fn state(&self) -> SurrogateState {
        SurrogateState { features: self.features.clone(), targets: self.targets.clone(), fitted: self.fitted }
    }

    pub(crate) fn restore(config: SurrogateConfig, state: SurrogateState) -> Self {
        let mut s = RidgeSurrogate::new(config);
        for x in &state.features {
            s.grow_factor(x);
            s.features.push(x.clone());
        }
        s.targets = state.targets;
        let fitted = state.fitted.min(s.features.len()).min(s.targets.len());
        if fitted > 0 {
            s.fit(fitted);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn x(items: &[(u32, f64)]) -> SparseFeatures {
        items.to_vec()
    }

    #[test]
    fn learns_a_linear_function_and_ranks_points() {
        let mut s = RidgeSurrogate::new(SurrogateConfig { buckets: 8, weight_decay: 1e-3, refit_interval: 1 });
        assert_eq!(s.predict(&x(&[(0, 1.0)])), 0.0);
        // y = 2·x0 − x1 + 0.5·x2; bucket 3 is a constant feature, as the
        // features of modules every architecture shares.
        let data = [
            (x(&[(0, 1.0), (3, 1.0)]), 2.0),
            (x(&[(1, 1.0), (3, 1.0)]), -1.0),
            (x(&[(2, 1.0), (3, 1.0)]), 0.5),
            (x(&[(0, 1.0), (1, 1.0), (3, 1.0)]), 1.0),
            (x(&[(1, 1.0), (2, 1.0), (3, 1.0)]), -0.5),
            (x(&[(0, 1.0), (2, 2.0), (3, 1.0)]), 3.0),
        ];
        for (f, y) in data.iter().cloned() {
            s.observe(f, y);
        }
        for (f, y) in &data {
            assert!((s.predict(f) - y).abs() < 0.05, "predicted {} for {y}", s.predict(f));
        }
        assert!(s.predict(&x(&[(0, 1.0), (2, 1.0), (3, 1.0)])) > s.predict(&x(&[(1, 1.0), (2, 1.0), (3, 1.0)])));
    }

    #[test]
    fn repeated_points_stay_finite_and_restore_predicts_the_same() {
        let config = SurrogateConfig { buckets: 4, weight_decay: 1e-5, refit_interval: 2 };
        let mut s = RidgeSurrogate::new(config.clone());
        for i in 0..7 {
            s.observe(x(&[(1, 1.0), (3, 2.0)]), f64::from(i % 2));
        }
        let probe = x(&[(1, 1.0), (3, 2.0)]);
        assert!(s.predict(&probe).is_finite());
        let back = RidgeSurrogate::restore(config, s.state());
        assert_eq!(back.predict(&probe).to_bits(), s.predict(&probe).to_bits());
    }

    #[test]
    fn a_bag_predicts_what_its_sparse_vector_predicts() {
        let mut s = RidgeSurrogate::new(SurrogateConfig { buckets: 8, weight_decay: 1e-3, refit_interval: 1 });
        let bag = |b: &[u32]| FeatureBag { buckets: b.to_vec() };
        assert_eq!(s.predict_bag(&bag(&[0, 3])), 0.0, "unfitted");
        s.observe(bag(&[0, 3, 3]).into_sparse(), 2.0);
        s.observe(bag(&[5, 1, 3]).into_sparse(), -1.0);
        s.observe(bag(&[2, 2, 2, 7]).into_sparse(), 0.5);
        for probe in [bag(&[3, 0, 3]), bag(&[7, 2, 1, 2, 2]), bag(&[6]), bag(&[])] {
            let (a, b) = (s.predict_bag(&probe), s.predict(&probe.clone().into_sparse()));
            assert!((a - b).abs() <= 1e-12 * (1.0 + b.abs()), "{a} vs {b}");
        }
        assert_ne!(s.predict_bag(&bag(&[3, 0, 3])), s.predict_bag(&bag(&[])), "the weights should matter");
    }
}
