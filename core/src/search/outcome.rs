//! What an evaluation reports: named [`Metrics`], reduced to a score by an
//! [`Objective`], and the [`Outcome`] a searcher is told.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Named metrics of one evaluation, e.g. accuracy, loss, parameters, seconds.
///
/// Ordered by name, so records and logs are deterministic.
///
/// ```
/// use archspace_core::search::Metrics;
/// let m = Metrics::new().with("accuracy", 0.91).with("params", 1.2e6);
/// assert_eq!(m.get("accuracy"), Some(0.91));
/// assert_eq!(m.names().collect::<Vec<_>>(), ["accuracy", "params"]);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Metrics(BTreeMap<String, f64>);

impl Metrics {
    /// No metrics.
    pub fn new() -> Self {
        Metrics(BTreeMap::new())
    }

    /// These metrics and `name = value`.
    pub fn with(mut self, name: impl Into<String>, value: f64) -> Self {
        self.0.insert(name.into(), value);
        self
    }

    /// Sets `name = value`.
    pub fn insert(&mut self, name: impl Into<String>, value: f64) {
        self.0.insert(name.into(), value);
    }

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.0.get(name).copied()
    }

    /// The names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    /// `(name, value)` pairs, in order of name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, f64)> {
        self.0.iter().map(|(k, v)| (k.as_str(), *v))
    }

    /// True when there are no metrics.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The first metric that is NaN or infinite, if any.
    pub fn first_non_finite(&self) -> Option<(&str, f64)> {
        self.iter().find(|(_, v)| !v.is_finite())
    }

    /// These metrics without NaN or infinite values (JSON cannot hold them).
    pub fn finite_only(&self) -> Metrics {
        Metrics(self.0.iter().filter(|(_, v)| v.is_finite()).map(|(k, v)| (k.clone(), *v)).collect())
    }
}

/// Whether the objective metric should be large or small.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Goal {
    /// Larger is better (accuracy).
    Maximize,
    /// Smaller is better (loss, latency).
    Minimize,
}

/// The metric a search optimizes, and in which direction.
///
/// Searchers only see a *score*, where larger is always better: the metric
/// itself when maximizing, its negation when minimizing.
///
/// ```
/// use archspace_core::search::{Metrics, Objective};
/// let loss = Objective::minimize("loss");
/// assert_eq!(loss.score(&Metrics::new().with("loss", 0.25)), Ok(-0.25));
/// assert!(loss.score(&Metrics::new()).is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Objective {
    /// The metric's name.
    pub metric: String,
    /// Its direction.
    pub goal: Goal,
}

impl Default for Objective {
    /// Maximize the metric `score`.
    fn default() -> Self {
        Objective::maximize("score")
    }
}

impl Objective {
    /// Maximize `metric`.
    pub fn maximize(metric: impl Into<String>) -> Self {
        Objective { metric: metric.into(), goal: Goal::Maximize }
    }

    /// Minimize `metric`.
    pub fn minimize(metric: impl Into<String>) -> Self {
        Objective { metric: metric.into(), goal: Goal::Minimize }
    }

    /// The score (larger is better) of `metrics`, or why there is none.
    pub fn score(&self, metrics: &Metrics) -> Result<f64, String> {
        if let Some((name, value)) = metrics.first_non_finite() {
            return Err(format!("metric `{name}` is not finite ({value})"));
        }
        let value = metrics
            .get(&self.metric)
            .ok_or_else(|| format!("the evaluation did not report the objective metric `{}`", self.metric))?;
        Ok(match self.goal {
            Goal::Maximize => value,
            Goal::Minimize => -value,
        })
    }

    /// The metric's value for a score (undoes the sign of [`score`](Self::score)).
    pub fn value_of(&self, score: f64) -> f64 {
        match self.goal {
            Goal::Maximize => score,
            Goal::Minimize => -score,
        }
    }

    /// The outcome of an evaluation that returned `metrics`.
    pub fn outcome(&self, metrics: Metrics) -> Outcome {
        self.outcome_with(&[], metrics)
    }

    /// The outcome of an evaluation that returned `metrics`, with this
    /// objective and the trade-off objectives `tradeoffs` (see
    /// [`SearchConfig::tradeoffs`](super::SearchConfig::tradeoffs)).
    pub fn outcome_with(&self, tradeoffs: &[Objective], metrics: Metrics) -> Outcome {
        let scores = self.score(&metrics).and_then(|score| {
            let others = tradeoffs.iter().map(|o| o.score(&metrics)).collect::<Result<Vec<f64>, String>>()?;
            Ok((score, others))
        });
        match scores {
            Ok((score, tradeoffs)) => Outcome::Completed { metrics, score, tradeoffs },
            Err(reason) => Outcome::Failed { reason },
        }
    }
}

/// What a searcher is told about one of its candidates.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The evaluation finished with metrics; `score` is the objective (larger is better).
    Completed {
        /// All reported metrics.
        metrics: Metrics,
        /// The objective as a score: larger is better.
        score: f64,
        /// The trade-off objectives as scores (larger is better), in the
        /// order of [`SearchConfig::tradeoffs`](super::SearchConfig::tradeoffs);
        /// empty for a single-objective search.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        tradeoffs: Vec<f64>,
    },
    /// The evaluation failed (panic, error, NaN, missing metric).
    Failed {
        /// Why, in words.
        reason: String,
    },
}

impl Outcome {
    /// A completed outcome whose only metric is `score`.
    pub fn scored(score: f64) -> Self {
        Outcome::Completed { metrics: Metrics::new().with("score", score), score, tradeoffs: Vec::new() }
    }

    /// A failed outcome.
    pub fn failed(reason: impl Into<String>) -> Self {
        Outcome::Failed { reason: reason.into() }
    }

    /// The score, when completed.
    pub fn score(&self) -> Option<f64> {
        match self {
            Outcome::Completed { score, .. } => Some(*score),
            Outcome::Failed { .. } => None,
        }
    }

    /// Every objective's score (the objective, then the trade-offs), when completed.
    pub fn scores(&self) -> Option<Vec<f64>> {
        match self {
            Outcome::Completed { score, tradeoffs, .. } => {
                Some(std::iter::once(*score).chain(tradeoffs.iter().copied()).collect())
            }
            Outcome::Failed { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_finite_metrics_fail_the_outcome() {
        let objective = Objective::maximize("acc");
        let outcome = objective.outcome(Metrics::new().with("acc", 0.5).with("loss", f64::NAN));
        assert!(matches!(outcome, Outcome::Failed { ref reason } if reason.contains("loss")));
        assert_eq!(objective.outcome(Metrics::new().with("acc", 0.5)).score(), Some(0.5));
    }

    #[test]
    fn trade_offs_are_scored_in_order_and_a_missing_one_fails() {
        let accuracy = Objective::maximize("acc");
        let others = [Objective::minimize("params"), Objective::maximize("speed")];
        let m = Metrics::new().with("acc", 0.9).with("params", 5.0).with("speed", 2.0);
        assert_eq!(accuracy.outcome_with(&others, m.clone()).scores(), Some(vec![0.9, -5.0, 2.0]));
        let missing = accuracy.outcome_with(&others, Metrics::new().with("acc", 0.9).with("params", 5.0));
        assert!(matches!(missing, Outcome::Failed { ref reason } if reason.contains("`speed`")));
    }

    #[test]
    fn minimize_negates_and_value_of_undoes_it() {
        let objective = Objective::minimize("loss");
        let score = objective.score(&Metrics::new().with("loss", 2.0)).unwrap();
        assert_eq!(score, -2.0);
        assert_eq!(objective.value_of(score), 2.0);
    }
}
