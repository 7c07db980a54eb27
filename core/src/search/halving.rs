//! Successive halving / successive narrowing over a budget.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::architecture::Decision;
use crate::definition::SpaceDef;

use super::common::{self, DEFAULT_MAX_INVALID, retry_invalid, stream_rng};
use super::error::SearchError;
use super::outcome::Outcome;
use super::searcher::{Candidate, Proposal, Searcher, Token};

/// Settings of [`HalvingSearcher`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HalvingConfig {
    /// Architectures drawn at random for the first round.
    pub initial: usize,
    /// Each round keeps the best `⌊n / reduction⌋` (at least one).
    pub reduction: f64,
    /// Budget of the first round (e.g. epochs).
    pub min_budget: f64,
    /// Each round's budget is the previous one's times this.
    pub budget_growth: f64,
    /// At most this many rounds (the last has one survivor otherwise).
    pub max_rounds: Option<usize>,
    /// Bound on consecutive `Invalid` draws.
    pub max_invalid: u32,
}

impl Default for HalvingConfig {
    /// 27 architectures, keep a third per round, budgets 1, 3, 9, 27.
    fn default() -> Self {
        HalvingConfig {
            initial: 27,
            reduction: 3.0,
            min_budget: 1.0,
            budget_growth: 3.0,
            max_rounds: None,
            max_invalid: DEFAULT_MAX_INVALID,
        }
    }
}

impl HalvingConfig {
    /// Members and budget of each round.
    pub fn schedule(&self) -> Vec<(usize, f64)> {
        let mut out = Vec::new();
        let (mut n, mut budget) = (self.initial.max(1), self.min_budget);
        loop {
            out.push((n, budget));
            if n == 1 || self.max_rounds.is_some_and(|r| out.len() >= r) {
                return out;
            }
            n = ((n as f64 / self.reduction.max(1.0 + f64::EPSILON)).floor() as usize).max(1);
            budget *= self.budget_growth;
        }
    }
}

/// Successive halving (Jamieson & Talwalkar; DeepArchitect's successive
/// narrowing): draw `initial` random architectures, evaluate them at the
/// smallest budget, keep the best fraction, evaluate the survivors with a
/// larger budget, and so on until one is left. Each evaluation is its own
/// trial and carries its budget ([`Candidate::budget`]).
///
/// Asks return [`Proposal::Wait`] while a round still has outcomes to come,
/// and [`Proposal::Exhausted`] after the last round. Failed trials rank last.
///
/// ```
/// use archspace_core::search::{HalvingConfig, HalvingSearcher, Outcome, Proposal, Searcher};
/// use archspace_core::{choice, Op, SpaceDef};
/// let def = SpaceDef::new(|s| s.basic(Op::new("dense").param("units", choice([8, 16, 32]))));
/// let config = HalvingConfig { initial: 4, reduction: 2.0, budget_growth: 2.0, ..HalvingConfig::default() };
/// assert_eq!(config.schedule(), [(4, 1.0), (2, 2.0), (1, 4.0)]);
/// let mut sh = HalvingSearcher::new(def, 1, config);
/// let mut trials = 0;
/// while let Proposal::Candidate(c) = sh.ask()? {
///     sh.tell(c.token, &Outcome::scored(c.budget.unwrap()))?;
///     trials += 1;
/// }
/// assert_eq!(trials, 7);
/// # Ok::<(), archspace_core::search::SearchError>(())
/// ```
#[derive(Debug)]
pub struct HalvingSearcher {
    def: SpaceDef,
    seed: u64,
    config: HalvingConfig,
    schedule: Vec<(usize, f64)>,
    state: HalvingState,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct HalvingState {
    asked: u64,
    invalid: u64,
    round: usize,
    /// Members of the current round, in rank order of the previous round.
    members: Vec<Vec<Decision>>,
    /// Scores of this round's members (`None`: failed).
    scores: BTreeMap<usize, Option<f64>>,
    next_member: usize,
    pending: BTreeMap<Token, usize>,
}

impl HalvingSearcher {
    /// Successive halving over `def` with `config`.
    pub fn new(def: SpaceDef, seed: u64, config: HalvingConfig) -> Self {
        let schedule = config.schedule();
        HalvingSearcher { def, seed, config, schedule, state: HalvingState::default() }
    }

    fn start_next_round(&mut self) {
        let mut ranked: Vec<(usize, Option<f64>)> = self.state.scores.iter().map(|(&i, &s)| (i, s)).collect();
        // Best first; failures last; ties by member order.
        ranked.sort_by(|a, b| match (a.1, b.1) {
            (Some(x), Some(y)) => y.total_cmp(&x).then(a.0.cmp(&b.0)),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => a.0.cmp(&b.0),
        });
        self.state.round += 1;
        let keep = self.schedule.get(self.state.round).map_or(0, |r| r.0);
        let members = std::mem::take(&mut self.state.members);
        self.state.members = ranked.iter().take(keep).map(|&(i, _)| members[i].clone()).collect();
        self.state.scores.clear();
        self.state.next_member = 0;
    }
}

impl Searcher for HalvingSearcher {
    fn name(&self) -> &str {
        "halving"
    }

    fn ask(&mut self) -> Result<Proposal, SearchError> {
        let Some(&(size, budget)) = self.schedule.get(self.state.round) else {
            return Ok(Proposal::Exhausted);
        };
        if self.state.next_member >= size {
            return Ok(if self.state.scores.len() >= size { Proposal::Exhausted } else { Proposal::Wait });
        }
        let member = self.state.next_member;
        let architecture = if self.state.round == 0 {
            let mut rng = stream_rng(self.seed, self.state.asked);
            let def = &self.def;
            let arch = retry_invalid("halving", self.config.max_invalid, &mut self.state.invalid, || {
                def.sample_random(&mut rng)
            })?;
            self.state.members.push(arch.decisions().to_vec());
            arch
        } else {
            self.def.replay(&self.state.members[member])?
        };
        let token = Token(self.state.asked);
        self.state.asked += 1;
        self.state.next_member += 1;
        self.state.pending.insert(token, member);
        Ok(Proposal::Candidate(Candidate { token, architecture, budget: Some(budget) }))
    }

    fn tell(&mut self, token: Token, outcome: &Outcome) -> Result<(), SearchError> {
        let member = self.state.pending.remove(&token).ok_or_else(|| common::unknown_token("halving", token))?;
        self.state.scores.insert(member, outcome.score());
        let size = self.schedule.get(self.state.round).map_or(0, |r| r.0);
        if self.state.scores.len() >= size && self.state.round + 1 < self.schedule.len() {
            self.start_next_round();
        }
        Ok(())
    }

    fn save_state(&self) -> Result<serde_json::Value, SearchError> {
        common::save(self.name(), &self.state)
    }

    fn restore_state(&mut self, state: serde_json::Value) -> Result<(), SearchError> {
        self.state = common::load(self.name(), state)?;
        Ok(())
    }

    fn invalid_count(&self) -> u64 {
        self.state.invalid
    }
}
