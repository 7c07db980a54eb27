//! What the plots show, computed from trial records alone (no drawing):
//! the best score so far, the Pareto front of score against a cost, and
//! the mean score per value of each decision.

use std::collections::BTreeMap;

use super::super::record::TrialRecord;

/// `(trial id, best score of the trials up to it)` for every trial with a
/// score, in trial order. Scores are larger-is-better ([`TrialRecord::score`]).
///
/// ```
/// # use archspace_core::search::{Metrics, Trial, TrialRecord, TrialStatus, plot::best_so_far};
/// # let record = |id: u64, score: Option<f64>| TrialRecord {
/// #     trial: Trial::new(id, 0, vec![]), hash: String::new(),
/// #     status: if score.is_some() { TrialStatus::Completed } else { TrialStatus::Failed },
/// #     metrics: Metrics::new(), score, error: None, duplicate_of: None, seconds: 0.0, attempt: 1,
/// # };
/// let records = [record(2, Some(0.7)), record(0, Some(0.5)), record(1, None), record(3, Some(0.6))];
/// assert_eq!(best_so_far(&records), [(0, 0.5), (2, 0.7), (3, 0.7)]);
/// ```
pub fn best_so_far(records: &[TrialRecord]) -> Vec<(u64, f64)> {
    let mut scored: Vec<(u64, f64)> = records.iter().filter_map(|r| Some((r.trial.id, r.score?))).collect();
    scored.sort_by_key(|(id, _)| *id);
    let mut best = f64::NEG_INFINITY;
    scored.into_iter().map(|(id, score)| (id, *best.max_mut(score))).collect()
}

/// Keeps the larger of two floats in place.
trait MaxMut {
    fn max_mut(&mut self, other: f64) -> &mut f64;
}

impl MaxMut for f64 {
    fn max_mut(&mut self, other: f64) -> &mut f64 {
        if other > *self {
            *self = other;
        }
        self
    }
}

/// The indices of the Pareto-optimal points among `(cost, score)` pairs:
/// no other point has a cost as low and a score as high with one of them
/// strictly better. Sorted by increasing cost (so by increasing score).
/// Points with a non-finite coordinate are never on the front; of equal
/// points, the first is.
///
/// ```
/// # use archspace_core::search::plot::pareto_front;
/// // (parameters, accuracy)
/// let points = [(100.0, 0.80), (50.0, 0.70), (200.0, 0.79), (50.0, 0.75), (400.0, 0.90)];
/// assert_eq!(pareto_front(&points), [3, 0, 4]);
/// ```
pub fn pareto_front(points: &[(f64, f64)]) -> Vec<usize> {
    let mut order: Vec<usize> =
        (0..points.len()).filter(|&i| points[i].0.is_finite() && points[i].1.is_finite()).collect();
    // Cheapest first; among equal costs the best score first, then the earliest.
    order.sort_by(|&a, &b| {
        let (pa, pb) = (points[a], points[b]);
        pa.0.total_cmp(&pb.0).then(pb.1.total_cmp(&pa.1)).then(a.cmp(&b))
    });
    let mut front = Vec::new();
    let mut best = f64::NEG_INFINITY;
    for i in order {
        if points[i].1 > best {
            best = points[i].1;
            front.push(i);
        }
    }
    front
}

/// The mean score per value of one decision.
#[derive(Clone, Debug, PartialEq)]
pub struct Marginal {
    /// The decision's path (e.g. `stage1/0/block/choice`).
    pub path: String,
    /// `(value, mean score, trials)` per value taken, in value order.
    pub values: Vec<(String, f64, usize)>,
}

impl Marginal {
    /// The largest minus the smallest mean score: how much this decision
    /// mattered in these trials (0 for a decision seen with one value).
    pub fn spread(&self) -> f64 {
        let means = self.values.iter().map(|(_, mean, _)| *mean);
        let (low, high) = means.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), m| (l.min(m), h.max(m)));
        if low.is_finite() { high - low } else { 0.0 }
    }
}

/// The mean score of the trials that took each value of each decision
/// (trials with a score only), decisions ordered by [`Marginal::spread`],
/// largest first (ties by path). A decision that only some architectures
/// have (inside an `optional` or a `repeat`) counts the trials that have it.
///
/// ```
/// # use archspace_core::search::{Metrics, Trial, TrialRecord, TrialStatus, plot::marginals};
/// # use archspace_core::{Decision, Value};
/// # let record = |id: u64, width: i64, depth: i64, score: f64| TrialRecord {
/// #     trial: Trial::new(id, 0, vec![
/// #         Decision { path: "width".into(), value: Value::Int(width) },
/// #         Decision { path: "depth".into(), value: Value::Int(depth) },
/// #     ]), hash: String::new(), status: TrialStatus::Completed,
/// #     metrics: Metrics::new(), score: Some(score), error: None, duplicate_of: None, seconds: 0.0, attempt: 1,
/// # };
/// let records = [record(0, 16, 1, 0.5), record(1, 32, 1, 0.7), record(2, 32, 2, 0.8)];
/// let m = marginals(&records);
/// assert_eq!(m[0].path, "width"); // spread 0.75 - 0.5, against 0.8 - 0.6 for depth
/// assert_eq!(m[0].values, [("16".to_owned(), 0.5, 1), ("32".to_owned(), 0.75, 2)]);
/// ```
pub fn marginals(records: &[TrialRecord]) -> Vec<Marginal> {
    // path → (value, sum, count); numbers in numeric order, other values as text.
    let mut sums: BTreeMap<&str, Vec<(&crate::Value, f64, usize)>> = BTreeMap::new();
    for r in records {
        let Some(score) = r.score else { continue };
        for d in &r.trial.decisions {
            let entry = sums.entry(d.path.as_str()).or_default();
            match entry.iter_mut().find(|(v, _, _)| **v == d.value) {
                Some((_, sum, count)) => {
                    *sum += score;
                    *count += 1;
                }
                None => entry.push((&d.value, score, 1)),
            }
        }
    }
    let mut out: Vec<Marginal> = sums
        .into_iter()
        .map(|(path, mut values)| {
            values.sort_by(|a, b| match (a.0.as_float(), b.0.as_float()) {
                (Some(x), Some(y)) => x.total_cmp(&y),
                _ => a.0.to_string().cmp(&b.0.to_string()),
            });
            let values = values.into_iter().map(|(v, sum, n)| (v.to_string(), sum / n as f64, n)).collect();
            Marginal { path: path.to_owned(), values }
        })
        .collect();
    out.sort_by(|a, b| b.spread().total_cmp(&a.spread()).then_with(|| a.path.cmp(&b.path)));
    out
}
