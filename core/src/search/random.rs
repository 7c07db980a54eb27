//! Random search: per decision (DeepArchitect's `RandomSearcher`) or
//! uniform over architectures.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::architecture::ArchitectureHash;
use crate::definition::SpaceDef;

use super::common::{self, DEFAULT_MAX_INVALID, stream_rng};
use super::error::SearchError;
use super::novelty::{Proposals, draw_novel, exhausted_reason};
use super::outcome::Outcome;
use super::searcher::{Candidate, Proposal, Searcher, Token};

/// How a [`RandomSearcher`] draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RandomMode {
    /// Each decision uniform over its domain, in order
    /// ([`SpaceDef::sample_random`]); as DeepArchitect.
    PerDecision,
    /// Uniform over complete architectures ([`SpaceDef::sample_uniform`]).
    Uniform,
}

/// Random search; ignores outcomes.
///
/// `Invalid` draws are resampled (at most `max_invalid` in a row) and counted,
/// as the paper's version did and DeepArchitect's released one forgot. A draw
/// that repeats a network proposed before is drawn again (random search
/// without replacement), so a search of a space of `n` networks proposes
/// each once and then reports the space exhausted.
///
/// ```
/// use archspace_core::search::{Proposal, RandomSearcher, Searcher};
/// use archspace_core::{choice, Op, SpaceDef};
/// let def = SpaceDef::new(|s| s.basic(Op::new("dense").param("units", choice([8, 16]))));
/// let mut a = RandomSearcher::uniform(def.clone()).seeded(3);
/// let mut b = RandomSearcher::uniform(def).seeded(3);
/// assert_eq!(a.ask()?, b.ask()?);
/// assert_eq!(a.ask()?, b.ask()?);
/// assert_eq!(a.ask()?, Proposal::Exhausted);
/// # Ok::<(), archspace_core::search::SearchError>(())
/// ```
#[derive(Debug)]
pub struct RandomSearcher {
    def: SpaceDef,
    seed: u64,
    mode: RandomMode,
    /// Bound on consecutive `Invalid` draws.
    pub max_invalid: u32,
    state: RandomState,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct RandomState {
    asked: u64,
    invalid: u64,
    pending: BTreeMap<Token, ArchitectureHash>,
    proposals: Proposals,
    exhausted: bool,
}

impl RandomSearcher {
    /// Random search in `mode` (seed 0 until [`set_seed`](Searcher::set_seed)).
    pub fn new(def: SpaceDef, mode: RandomMode) -> Self {
        RandomSearcher { def, seed: 0, mode, max_invalid: DEFAULT_MAX_INVALID, state: RandomState::default() }
    }

    /// Each decision uniform over its domain (DeepArchitect's random search).
    pub fn per_decision(def: SpaceDef) -> Self {
        Self::new(def, RandomMode::PerDecision)
    }

    /// Uniform over architectures.
    pub fn uniform(def: SpaceDef) -> Self {
        Self::new(def, RandomMode::Uniform)
    }
}

impl Searcher for RandomSearcher {
    fn name(&self) -> &str {
        match self.mode {
            RandomMode::PerDecision => "random",
            RandomMode::Uniform => "uniform",
        }
    }

    fn set_seed(&mut self, seed: u64) {
        self.seed = seed;
    }

    fn ask(&mut self) -> Result<Proposal, SearchError> {
        if self.state.exhausted {
            return Ok(Proposal::Exhausted);
        }
        let name = match self.mode {
            RandomMode::PerDecision => "random",
            RandomMode::Uniform => "uniform",
        };
        let mut rng = stream_rng(name, self.seed, self.state.asked);
        let mut fallback = stream_rng(name, !self.seed, self.state.asked);
        let (def, mode, state) = (&self.def, self.mode, &mut self.state);
        let drawn =
            draw_novel(name, def, &mut state.proposals, self.max_invalid, &mut state.invalid, &mut fallback, || {
                match mode {
                    RandomMode::PerDecision => def.sample_random(&mut rng),
                    RandomMode::Uniform => def.sample_uniform(&mut rng),
                }
            })?;
        let Some(architecture) = drawn else {
            self.state.exhausted = true;
            return Ok(Proposal::Exhausted);
        };
        let token = Token(self.state.asked);
        self.state.asked += 1;
        self.state.pending.insert(token, architecture.canonical_hash());
        Ok(Proposal::Candidate(Candidate::new(token, architecture)))
    }

    fn tell(&mut self, token: Token, outcome: &Outcome) -> Result<(), SearchError> {
        let hash = self.state.pending.remove(&token).ok_or_else(|| common::unknown_token(self.name(), token))?;
        self.state.proposals.record(hash, outcome.score());
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

    fn why_exhausted(&self) -> Option<String> {
        self.state.exhausted.then(|| exhausted_reason(&self.def, self.state.proposals.len()))
    }
}
