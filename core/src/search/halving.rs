//! Successive halving / successive narrowing over a budget, one bracket
//! after another.

use serde::{Deserialize, Serialize};

use crate::definition::SpaceDef;

use super::bracket::{Bracket, halving_schedule};
use super::common::{self, DEFAULT_MAX_INVALID, stream_rng};
use super::error::SearchError;
use super::multi_bracket::BracketSearch;
use super::outcome::Outcome;
use super::searcher::{Proposal, Searcher, Token};

/// Settings of [`HalvingSearcher`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HalvingConfig {
    /// Architectures drawn at random for the first round of a bracket.
    pub initial: usize,
    /// Each round keeps the best `⌊n / reduction⌋` (at least one).
    pub reduction: f64,
    /// Budget of the first round (e.g. epochs).
    pub min_budget: f64,
    /// Each round's budget is the previous one's times this.
    pub budget_growth: f64,
    /// At most this many rounds (the last has one survivor otherwise).
    pub max_rounds: Option<usize>,
    /// At most this many brackets; `None`: as many as the search's trials
    /// allow (a bracket of the defaults takes 40 trials).
    pub brackets: Option<usize>,
    /// Bound on consecutive `Invalid` draws.
    pub max_invalid: u32,
}

impl Default for HalvingConfig {
    /// 27 architectures, keep a third per round, budgets 1, 3, 9, 27; new
    /// brackets until the search's trials are used.
    fn default() -> Self {
        HalvingConfig {
            initial: 27,
            reduction: 3.0,
            min_budget: 1.0,
            budget_growth: 3.0,
            max_rounds: None,
            brackets: None,
            max_invalid: DEFAULT_MAX_INVALID,
        }
    }
}

impl HalvingConfig {
    /// Members and budget of each round of a bracket.
    pub fn schedule(&self) -> Vec<(usize, f64)> {
        halving_schedule(self.initial, self.reduction, self.min_budget, self.budget_growth, self.max_rounds)
    }
}

/// Successive halving (Jamieson & Talwalkar 2016; DeepArchitect's successive
/// narrowing): draw `initial` random architectures, evaluate them at the
/// smallest budget, keep the best fraction, evaluate the survivors with a
/// larger budget, and so on until one is left: a *bracket*. Each evaluation
/// is its own trial and carries its budget and rung ([`Candidate::budget`](super::Candidate),
/// [`rung`](super::Candidate::rung)); a promoted one names the trial it
/// continues ([`continues`](super::Candidate::continues)), so an evaluator
/// can resume that training instead of starting again.
///
/// When a bracket ends, the next one starts with new architectures (none
/// proposed before), so a search gets the trials it asked for; set
/// `brackets` to stop earlier, with the reason in the report. While a round
/// waits for outcomes, the next bracket starts, so trials in flight keep
/// every thread busy. Failed trials rank last.
///
/// ```
/// use archspace_core::search::{HalvingConfig, HalvingSearcher, Outcome, Proposal, Searcher};
/// use archspace_core::{choice, Op, SpaceDef};
/// let def = SpaceDef::new(|s| s.basic(Op::new("dense").param("units", choice([8, 16, 32, 64]))));
/// let config = HalvingConfig { initial: 4, reduction: 2.0, budget_growth: 2.0, brackets: Some(1), ..HalvingConfig::default() };
/// assert_eq!(config.schedule(), [(4, 1.0), (2, 2.0), (1, 4.0)]);
/// let mut sh = HalvingSearcher::new(def, config).seeded(1);
/// let mut trials = 0;
/// while let Proposal::Candidate(c) = sh.ask()? {
///     sh.tell(c.token, &Outcome::scored(c.budget.unwrap()))?;
///     trials += 1;
/// }
/// assert_eq!(trials, 7);
/// assert!(sh.why_exhausted().unwrap().contains("1 bracket"));
/// # Ok::<(), archspace_core::search::SearchError>(())
/// ```
#[derive(Debug)]
pub struct HalvingSearcher {
    def: SpaceDef,
    seed: u64,
    config: HalvingConfig,
    schedule: Vec<(usize, f64)>,
    state: BracketSearch,
}

impl HalvingSearcher {
    /// Successive halving over `def` with `config`.
    pub fn new(def: SpaceDef, config: HalvingConfig) -> Self {
        let schedule = config.schedule();
        HalvingSearcher { def, seed: 0, config, schedule, state: BracketSearch::default() }
    }
}

impl Searcher for HalvingSearcher {
    fn name(&self) -> &str {
        "halving"
    }

    fn set_seed(&mut self, seed: u64) {
        self.seed = seed;
    }

    fn ask(&mut self) -> Result<Proposal, SearchError> {
        let mut rng = stream_rng("halving", self.seed, self.state.pool.asked());
        let (schedule, limit) = (&self.schedule, self.config.brackets);
        let open = |opened: usize| (limit.is_none_or(|l| opened < l)).then(|| Bracket::new(schedule.clone(), 0));
        self.state.ask(&self.def, self.config.max_invalid, &mut rng, open)
    }

    fn tell(&mut self, token: Token, outcome: &Outcome) -> Result<(), SearchError> {
        self.state.tell("halving", token, outcome)
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
