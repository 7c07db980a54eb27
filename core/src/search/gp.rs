//! A Gaussian-process regression model over sparse structural features:
//! squared-exponential kernel on the feature distance, hyperparameters by
//! marginal likelihood over a grid, exact predictions with variance.

use super::features::{SparseFeatures, sparse_dot};

/// Length-scales tried, as multiples of the median squared distance
/// between observed architectures (`ℓ² = factor · median`).
const LENGTH_FACTORS: [f64; 5] = [0.125, 0.25, 0.5, 1.0, 2.0];
/// Noise variances tried, relative to the (standardized, unit) signal variance.
const NOISES: [f64; 3] = [1e-4, 1e-2, 1e-1];

/// A Gaussian process on standardized targets (zero mean, unit variance):
/// `k(x, y) = exp(−‖x − y‖² / 2ℓ²)` plus `noise` on the diagonal.
///
/// The Cholesky factor of the kernel matrix grows by one row per
/// observation (O(n²)) while `ℓ` and the noise stay; choosing them again
/// refactors it (O(n³) per candidate pair).
#[derive(Clone, Debug, Default)]
pub(crate) struct GaussianProcess {
    features: Vec<SparseFeatures>,
    norms: Vec<f64>,
    /// Squared distances between the observations (row `i` holds `j < i`).
    distances: Vec<Vec<f64>>,
    targets: Vec<f64>,
    mean: f64,
    scale: f64,
    length2: f64,
    noise: f64,
    /// Lower-triangular Cholesky factor of `K + noise·I`, by rows, for the
    /// first `cholesky.len()` observations.
    cholesky: Vec<Vec<f64>>,
    /// `(K + noise·I)⁻¹ y`, standardized `y`.
    alpha: Vec<f64>,
    fitted: bool,
}

/// A prediction: mean and standard deviation, in the targets' units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Prediction {
    pub(crate) mean: f64,
    pub(crate) std: f64,
}

/// The Cholesky factor of the `n × n` matrix `matrix(i, j)` (lower
/// triangle), or `None` if it is not positive definite.
fn cholesky(matrix: impl Fn(usize, usize) -> f64, n: usize) -> Option<Vec<Vec<f64>>> {
    let mut l: Vec<Vec<f64>> = Vec::with_capacity(n);
    for i in 0..n {
        l.push(next_row(&l, |j| matrix(i, j))?);
    }
    Some(l)
}

/// The next row of the Cholesky factor `l`, for a new row `row(j)` of the matrix.
fn next_row(l: &[Vec<f64>], row: impl Fn(usize) -> f64) -> Option<Vec<f64>> {
    let i = l.len();
    let mut out = Vec::with_capacity(i + 1);
    for (j, lj) in l.iter().enumerate() {
        let s: f64 = out.iter().zip(&lj[..j]).map(|(a, b)| a * b).sum();
        out.push((row(j) - s) / lj[j]);
    }
    let d = row(i) - out.iter().map(|a| a * a).sum::<f64>();
    if d <= 0.0 || !d.is_finite() {
        return None;
    }
    out.push(d.sqrt());
    Some(out)
}

/// Solves `L z = b` in place (forward substitution).
fn forward(l: &[Vec<f64>], b: &mut [f64]) {
    for i in 0..b.len() {
        let s: f64 = l[i][..i].iter().zip(&b[..i]).map(|(a, x)| a * x).sum();
        b[i] = (b[i] - s) / l[i][i];
    }
}

/// Solves `Lᵀ z = b` in place (back substitution).
fn backward(l: &[Vec<f64>], b: &mut [f64]) {
    for j in (0..b.len()).rev() {
        b[j] /= l[j][j];
        let zj = b[j];
        for (bi, lji) in b[..j].iter_mut().zip(&l[j][..j]) {
            *bi -= lji * zj;
        }
    }
}

impl GaussianProcess {
    /// Number of observations.
    pub(crate) fn len(&self) -> usize {
        self.targets.len()
    }

    /// Adds an observation (the model is brought up to date by [`fit`](Self::fit)).
    pub(crate) fn observe(&mut self, x: SparseFeatures, y: f64) {
        let norm = sparse_dot(&x, &x);
        let row: Vec<f64> =
            self.features.iter().zip(&self.norms).map(|(f, n)| (norm + n - 2.0 * sparse_dot(f, &x)).max(0.0)).collect();
        self.distances.push(row);
        self.features.push(x);
        self.norms.push(norm);
        self.targets.push(y);
        self.fitted = false;
    }

    fn distance(&self, i: usize, j: usize) -> f64 {
        match i.cmp(&j) {
            std::cmp::Ordering::Equal => 0.0,
            std::cmp::Ordering::Greater => self.distances[i][j],
            std::cmp::Ordering::Less => self.distances[j][i],
        }
    }

    fn kernel(distance2: f64, length2: f64) -> f64 {
        (-distance2 / (2.0 * length2)).exp()
    }

    /// Element `(i, j)` of `K + noise·I`.
    fn covariance(&self, i: usize, j: usize, length2: f64, noise: f64) -> f64 {
        Self::kernel(self.distance(i, j), length2) + if i == j { noise } else { 0.0 }
    }

    /// Brings the model up to date: standardizes the targets, extends the
    /// factor by the new observations (or, with `choose`, picks the
    /// length-scale and noise of largest marginal likelihood and refactors).
    pub(crate) fn fit(&mut self, choose: bool) {
        let n = self.targets.len();
        if n == 0 {
            return;
        }
        self.mean = self.targets.iter().sum::<f64>() / n as f64;
        let var = self.targets.iter().map(|y| (y - self.mean).powi(2)).sum::<f64>() / n as f64;
        self.scale = if var > 0.0 { var.sqrt() } else { 1.0 };
        let y: Vec<f64> = self.targets.iter().map(|t| (t - self.mean) / self.scale).collect();
        if choose || self.length2 <= 0.0 {
            self.choose_hyperparameters(&y);
            self.cholesky.clear();
        }
        while self.cholesky.len() < n {
            let i = self.cholesky.len();
            let (length2, noise) = (self.length2, self.noise);
            match next_row(&self.cholesky, |j| self.covariance(i, j, length2, noise)) {
                Some(row) => self.cholesky.push(row),
                // Rounding broke positive definiteness: more noise, and start again.
                None => {
                    self.noise *= 10.0;
                    self.cholesky.clear();
                }
            }
        }
        let mut alpha = y;
        forward(&self.cholesky, &mut alpha);
        backward(&self.cholesky, &mut alpha);
        self.alpha = alpha;
        self.fitted = true;
    }

    fn choose_hyperparameters(&mut self, y: &[f64]) {
        let n = y.len();
        let mut all: Vec<f64> =
            (0..n).flat_map(|i| (0..i).map(move |j| (i, j))).map(|(i, j)| self.distance(i, j)).collect();
        all.retain(|d| *d > 0.0);
        all.sort_by(f64::total_cmp);
        let median = all.get(all.len() / 2).copied().unwrap_or(1.0);
        let mut best: Option<(f64, f64, f64)> = None;
        for factor in LENGTH_FACTORS {
            for noise in NOISES {
                let length2 = factor * median;
                if let Some(evidence) = self.evidence(y, length2, noise)
                    && best.is_none_or(|b| evidence > b.0)
                {
                    best = Some((evidence, length2, noise));
                }
            }
        }
        let (_, length2, noise) = best.unwrap_or((0.0, median, NOISES[NOISES.len() - 1]));
        self.length2 = length2;
        self.noise = noise;
    }

    /// Log marginal likelihood of standardized `y` (up to a constant).
    fn evidence(&self, y: &[f64], length2: f64, noise: f64) -> Option<f64> {
        let l = cholesky(|i, j| self.covariance(i, j, length2, noise), y.len())?;
        let mut z = y.to_vec();
        forward(&l, &mut z);
        let fit: f64 = z.iter().map(|v| v * v).sum();
        let log_det: f64 = (0..y.len()).map(|i| l[i][i].ln()).sum();
        Some(-0.5 * fit - log_det)
    }

    /// The squared length-scale and the noise of the last fit.
    pub(crate) fn hyperparameters(&self) -> (f64, f64) {
        (self.length2, self.noise)
    }

    /// Sets the squared length-scale and the noise; the next fit refactors with them.
    pub(crate) fn set_hyperparameters(&mut self, length2: f64, noise: f64) {
        if (length2, noise) != (self.length2, self.noise) {
            self.length2 = length2;
            self.noise = noise;
            self.cholesky.clear();
        }
        self.fitted = false;
    }

    /// Whether [`fit`](Self::fit) ran since the last observation.
    pub(crate) fn is_fitted(&self) -> bool {
        self.fitted
    }

    /// The posterior of the latent function at `x` (in the targets' units).
    pub(crate) fn predict(&self, x: &SparseFeatures) -> Prediction {
        if !self.fitted || self.targets.is_empty() {
            return Prediction { mean: self.mean, std: self.scale.max(1.0) };
        }
        let norm = sparse_dot(x, x);
        let mut k: Vec<f64> = self
            .features
            .iter()
            .zip(&self.norms)
            .map(|(f, n)| Self::kernel((norm + n - 2.0 * sparse_dot(f, x)).max(0.0), self.length2))
            .collect();
        let mean: f64 = k.iter().zip(&self.alpha).map(|(a, b)| a * b).sum();
        forward(&self.cholesky, &mut k);
        let var = (1.0 - k.iter().map(|v| v * v).sum::<f64>()).max(1e-12);
        Prediction { mean: self.mean + self.scale * mean, std: self.scale * var.sqrt() }
    }
}

/// The standard normal distribution function, by the complementary error
/// function of Numerical Recipes (3rd ed., §6.2; relative error below
/// 1.2·10⁻⁷).
pub(crate) fn normal_cdf(z: f64) -> f64 {
    let x = -z / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.5 * x.abs());
    let poly = -x * x - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98 + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let erfc = t * poly.exp();
    0.5 * if x >= 0.0 { erfc } else { 2.0 - erfc }
}

/// Expected improvement over `best` of a prediction (maximizing).
pub(crate) fn expected_improvement(p: Prediction, best: f64) -> f64 {
    if p.std <= 0.0 {
        return (p.mean - best).max(0.0);
    }
    let z = (p.mean - best) / p.std;
    let density = (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
    (p.mean - best) * normal_cdf(z) + p.std * density
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_hot(i: u32) -> SparseFeatures {
        vec![(i, 1.0), (100, 1.0)]
    }

    #[test]
    fn the_normal_distribution_function_is_accurate() {
        for (z, p) in [(0.0, 0.5), (1.0, 0.841_344_746), (-1.96, 0.024_997_895), (3.0, 0.998_650_102)] {
            assert!((normal_cdf(z) - p).abs() < 1e-7, "Φ({z}) = {} not {p}", normal_cdf(z));
        }
    }

    #[test]
    fn it_interpolates_what_it_saw_and_is_unsure_elsewhere() {
        let mut gp = GaussianProcess::default();
        for (i, y) in [(0, 1.0), (1, 3.0), (2, 2.0), (3, 5.0)] {
            gp.observe(one_hot(i), y);
        }
        gp.fit(true);
        for (i, y) in [(0, 1.0), (1, 3.0), (2, 2.0), (3, 5.0)] {
            let p = gp.predict(&one_hot(i));
            assert!((p.mean - y).abs() < 0.3, "{i}: {p:?}");
        }
        let unseen = gp.predict(&one_hot(9));
        assert!(unseen.std > gp.predict(&one_hot(3)).std);
        // Nothing to gain where a poor score was seen; something where nothing was.
        let ei_poor = expected_improvement(gp.predict(&one_hot(0)), 5.0);
        assert!(expected_improvement(unseen, 5.0) > ei_poor);
    }
}
