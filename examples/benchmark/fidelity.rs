//! A simulated budget for the multi-fidelity searchers on a one-fidelity
//! table, and the cell's parameter count as a second objective.
//!
//! A tabular benchmark of final accuracies says nothing about accuracy after
//! fewer epochs. To measure halving, Hyperband and ASHA on it anyway, an
//! evaluation at budget `b` of `max` (smallest budget `min`) reports the
//! final accuracy plus Gaussian noise of standard deviation
//! `noise · sqrt((max / b − 1) / (max / min − 1))`: `noise` at the smallest
//! budget, shrinking like the noise of an average over `b` epochs, none at
//! the full budget. It is drawn from the architecture and the budget (the
//! same every time), and the evaluation costs `b / max` of a full one. The
//! example prints how well the smallest budget ranks the architectures under
//! that noise (Spearman's ρ with the final accuracy; the default noise, 3,
//! gives about 0.8), so the figures can be read against it.

use archspace::search::{EvalError, Evaluator, Metrics, Table, Trial};
use archspace::{Architecture, SpaceDef};
use rand::{Rng, SeedableRng};

/// The table's accuracy, blurred at budgets below `max_budget`; also
/// reports `true_accuracy` (unblurred) and the cell's `params`.
pub struct Fidelity<'a> {
    pub table: &'a Table,
    pub min_budget: f64,
    pub max_budget: f64,
    pub noise: f64,
}

/// One standard normal draw (Box–Muller) from `rng`.
fn normal(rng: &mut impl Rng) -> f64 {
    let u: f64 = rng.random_range(f64::EPSILON..1.0);
    let v: f64 = rng.random();
    (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
}

impl Fidelity<'_> {
    /// The accuracy an evaluation at `budget` reports for `arch`, whose final accuracy is `accuracy`.
    pub fn blurred(&self, arch: &Architecture, accuracy: f64, budget: f64) -> f64 {
        if budget >= self.max_budget || self.noise == 0.0 {
            return accuracy;
        }
        let span = (self.max_budget / self.min_budget - 1.0).max(f64::EPSILON);
        let scale = ((self.max_budget / budget.max(self.min_budget) - 1.0) / span).sqrt();
        let seed = (arch.canonical_hash().0 as u64) ^ budget.to_bits().rotate_left(17);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        accuracy + self.noise * scale * normal(&mut rng)
    }
}

impl Evaluator for Fidelity<'_> {
    fn evaluate(&self, trial: &Trial, arch: &Architecture) -> Result<Metrics, EvalError> {
        let metrics = self.table.lookup(arch)?;
        let accuracy = metrics.get("accuracy").ok_or("the table has no `accuracy` column")?;
        let blurred = trial.budget.map_or(accuracy, |b| self.blurred(arch, accuracy, b));
        Ok(Metrics::new().with("accuracy", blurred).with("true_accuracy", accuracy).with("params", cell_params(arch)))
    }
}

/// Parameters of the cell at 16 channels (NAS-Bench-201's first stage):
/// a ReLU–conv–batch-norm `nor_conv_3x3` has 9·16² + 2·16, a `nor_conv_1x1`
/// 16² + 2·16; pooling, skip and `none` have none.
pub fn cell_params(arch: &Architecture) -> f64 {
    let channels = 16.0f64;
    arch.modules()
        .iter()
        .map(|m| match m.op.as_ref() {
            "nor_conv_3x3" => 9.0 * channels * channels + 2.0 * channels,
            "nor_conv_1x1" => channels * channels + 2.0 * channels,
            _ => 0.0,
        })
        .sum()
}

/// Spearman's rank correlation between the blurred accuracy at `budget`
/// and the final one, over every architecture of `def`.
pub fn rank_correlation(fidelity: &Fidelity<'_>, def: &SpaceDef, budget: f64) -> Result<f64, String> {
    let mut pairs = Vec::new();
    for arch in def.enumerate() {
        let arch = arch.map_err(|e| e.to_string())?;
        let accuracy = fidelity.table.lookup(&arch)?.get("accuracy").unwrap_or(f64::NAN);
        pairs.push((fidelity.blurred(&arch, accuracy, budget), accuracy));
    }
    let ranks = |key: &dyn Fn(&(f64, f64)) -> f64| {
        let mut order: Vec<usize> = (0..pairs.len()).collect();
        order.sort_by(|&a, &b| key(&pairs[a]).total_cmp(&key(&pairs[b])));
        let mut rank = vec![0.0; pairs.len()];
        for (r, i) in order.into_iter().enumerate() {
            rank[i] = r as f64;
        }
        rank
    };
    let (a, b) = (ranks(&|p| p.0), ranks(&|p| p.1));
    let n = pairs.len() as f64;
    let d2: f64 = a.iter().zip(&b).map(|(x, y)| (x - y).powi(2)).sum();
    Ok(1.0 - 6.0 * d2 / (n * (n * n - 1.0)))
}
