//! Hyperband (Li, Jamieson, DeSalvo, Rostamizadeh & Talwalkar, JMLR 2018):
//! successive halving in brackets that trade the number of architectures
//! against the budget each starts with.

use serde::{Deserialize, Serialize};

use crate::definition::SpaceDef;

use super::bracket::Bracket;
use super::common::{self, DEFAULT_MAX_INVALID, stream_rng};
use super::error::SearchError;
use super::multi_bracket::BracketSearch;
use super::outcome::Outcome;
use super::searcher::{Proposal, Searcher, Token};

/// The budgets of a multi-fidelity search: rung `k` of `K + 1` has budget
/// `max_budget / reduction^(K − k)`, where `K = ⌊log_reduction(max_budget /
/// min_budget)⌋`; the top rung has `max_budget`.
///
/// ```
/// use archspace_core::search::FidelityConfig;
/// let f = FidelityConfig { min_budget: 1.0, max_budget: 27.0, reduction: 3.0 };
/// assert_eq!(f.rung_budgets(), [1.0, 3.0, 9.0, 27.0]);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FidelityConfig {
    /// The smallest budget (e.g. 1 epoch).
    pub min_budget: f64,
    /// The largest budget (e.g. 27 epochs).
    pub max_budget: f64,
    /// η: the budget grows by this factor per rung, and a rung keeps `1/η`
    /// of the architectures it evaluated.
    pub reduction: f64,
}

impl Default for FidelityConfig {
    /// Budgets 1, 3, 9, 27 (η = 3, as Li et al.).
    fn default() -> Self {
        FidelityConfig { min_budget: 1.0, max_budget: 27.0, reduction: 3.0 }
    }
}

impl FidelityConfig {
    /// `K`: the index of the top rung.
    pub fn top_rung(&self) -> u32 {
        let (ratio, eta) = (self.max_budget / self.min_budget, self.reduction);
        if !(ratio >= 1.0 && eta > 1.0 && ratio.is_finite()) {
            return 0;
        }
        ((ratio.ln() / eta.ln()) + 1e-9).floor().max(0.0) as u32
    }

    /// The budget of each rung, smallest first.
    pub fn rung_budgets(&self) -> Vec<f64> {
        let top = self.top_rung();
        (0..=top).map(|k| self.budget(k)).collect()
    }

    /// The budget of rung `rung`.
    pub fn budget(&self, rung: u32) -> f64 {
        let top = self.top_rung();
        self.max_budget / self.reduction.powi(top.saturating_sub(rung) as i32)
    }

    pub(crate) fn check(&self) -> Result<(), SearchError> {
        let ok = self.min_budget > 0.0
            && self.max_budget >= self.min_budget
            && self.max_budget.is_finite()
            && self.reduction > 1.0
            && self.reduction.is_finite();
        if ok {
            Ok(())
        } else {
            Err(SearchError::Config(format!(
                "multi-fidelity budgets need 0 < min_budget ≤ max_budget and reduction > 1; got {self:?}"
            )))
        }
    }

    /// Hyperband's bracket `s` (`0 ≤ s ≤ K`): `(architectures, budget)` per round.
    pub fn hyperband_bracket(&self, s: u32) -> Vec<(usize, f64)> {
        let (top, eta) = (self.top_rung(), self.reduction);
        let s = s.min(top);
        let n = ((f64::from(top + 1) / f64::from(s + 1)) * eta.powi(s as i32) - 1e-9).ceil() as usize;
        (0..=s)
            .map(|i| (((n as f64) / eta.powi(i as i32) + 1e-9).floor().max(1.0) as usize, self.budget(top - s + i)))
            .collect()
    }
}

/// Settings of [`HyperbandSearcher`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HyperbandConfig {
    /// The budgets.
    pub fidelity: FidelityConfig,
    /// At most this many brackets; `None`: as many as the search's trials allow.
    pub brackets: Option<usize>,
    /// Bound on consecutive `Invalid` draws.
    pub max_invalid: u32,
}

impl Default for HyperbandConfig {
    fn default() -> Self {
        HyperbandConfig { fidelity: FidelityConfig::default(), brackets: None, max_invalid: DEFAULT_MAX_INVALID }
    }
}

/// Hyperband: brackets `s = K, K−1, …, 0` of successive halving, then
/// again; bracket `s` starts `⌈(K+1)/(s+1) · η^s⌉` random architectures at
/// rung `K − s` and keeps `1/η` per round (Li et al. 2018, Algorithm 1).
/// The most aggressive bracket bets on the smallest budget ranking well,
/// the last (`s = 0`) evaluates a few architectures at the full budget.
///
/// Trials carry their budget and rung; a promotion names the trial it
/// continues, so an evaluator can resume its training. While the brackets
/// open so far wait for outcomes, the next one starts (brackets run side by
/// side), so trials in flight keep every thread busy. New architectures are
/// never ones proposed before.
///
/// ```
/// use archspace_core::search::{FidelityConfig, HyperbandConfig, HyperbandSearcher, Outcome, Proposal, Searcher};
/// use archspace_core::{choice, Op, SpaceDef};
/// let def = SpaceDef::new(|s| s.basic(Op::new("dense").param("units", choice((1..=200).collect::<Vec<i64>>()))));
/// let fidelity = FidelityConfig { min_budget: 1.0, max_budget: 9.0, reduction: 3.0 };
/// assert_eq!(fidelity.hyperband_bracket(2), [(9, 1.0), (3, 3.0), (1, 9.0)]);
/// let mut hb = HyperbandSearcher::new(def, HyperbandConfig { fidelity, brackets: Some(3), ..Default::default() });
/// let mut rungs = Vec::new();
/// while let Proposal::Candidate(c) = hb.ask()? {
///     rungs.push(c.rung.unwrap());
///     hb.tell(c.token, &Outcome::scored(c.decisions()[0].value.as_int().unwrap() as f64))?;
/// }
/// // Brackets s = 2 (9 + 3 + 1 trials), s = 1 (5 + 1), s = 0 (3).
/// assert_eq!(rungs.len(), 22);
/// assert_eq!(rungs.iter().filter(|&&r| r == 2).count(), 1 + 1 + 3);
/// # Ok::<(), archspace_core::search::SearchError>(())
/// ```
#[derive(Debug)]
pub struct HyperbandSearcher {
    def: SpaceDef,
    seed: u64,
    config: HyperbandConfig,
    state: BracketSearch,
}

impl HyperbandSearcher {
    /// Hyperband over `def` with `config`.
    pub fn new(def: SpaceDef, config: HyperbandConfig) -> Self {
        HyperbandSearcher { def, seed: 0, config, state: BracketSearch::default() }
    }
}

impl Searcher for HyperbandSearcher {
    fn name(&self) -> &str {
        "hyperband"
    }

    fn set_seed(&mut self, seed: u64) {
        self.seed = seed;
    }

    fn ask(&mut self) -> Result<Proposal, SearchError> {
        self.config.fidelity.check()?;
        let mut rng = stream_rng("hyperband", self.seed, self.state.pool.asked());
        let (fidelity, limit) = (&self.config.fidelity, self.config.brackets);
        let top = fidelity.top_rung();
        let open = |opened: usize| {
            let s = top - (opened as u32 % (top + 1));
            limit.is_none_or(|l| opened < l).then(|| Bracket::new(fidelity.hyperband_bracket(s), top - s))
        };
        self.state.ask(&self.def, self.config.max_invalid, &mut rng, open)
    }

    fn tell(&mut self, token: Token, outcome: &Outcome) -> Result<(), SearchError> {
        self.state.tell("hyperband", token, outcome)
    }

    fn save_state(&self) -> Result<serde_json::Value, SearchError> {
        common::save(self.name(), &self.state)
    }

    fn restore_state(&mut self, state: serde_json::Value) -> Result<(), SearchError> {
        self.state = common::load(self.name(), state)?;
        Ok(())
    }

    fn invalid_count(&self) -> u64 {
        self.state.pool.invalid()
    }

    fn why_exhausted(&self) -> Option<String> {
        self.state.pool.why_exhausted(&self.def, self.state.proposals.len(), self.config.brackets)
    }
}
