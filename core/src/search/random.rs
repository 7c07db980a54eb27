//! Random search: per decision (DeepArchitect's `RandomSearcher`) or
//! uniform over architectures.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::definition::SpaceDef;

use super::common::{self, DEFAULT_MAX_INVALID, retry_invalid, stream_rng};
use super::error::SearchError;
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
/// as the paper's version did and DeepArchitect's released one forgot.
///
/// ```
/// use archspace_core::search::{Proposal, RandomSearcher, Searcher};
/// use archspace_core::{choice, Op, SpaceDef};
/// let def = SpaceDef::new(|s| s.basic(Op::new("dense").param("units", choice([8, 16]))));
/// let mut a = RandomSearcher::uniform(def.clone(), 3);
/// let mut b = RandomSearcher::uniform(def, 3);
/// assert_eq!(a.ask()?, b.ask()?);
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
    pending: BTreeSet<Token>,
}

impl RandomSearcher {
    /// Random search in `mode`.
    pub fn new(def: SpaceDef, seed: u64, mode: RandomMode) -> Self {
        RandomSearcher { def, seed, mode, max_invalid: DEFAULT_MAX_INVALID, state: RandomState::default() }
    }

    /// Each decision uniform over its domain (DeepArchitect's random search).
    pub fn per_decision(def: SpaceDef, seed: u64) -> Self {
        Self::new(def, seed, RandomMode::PerDecision)
    }

    /// Uniform over architectures.
    pub fn uniform(def: SpaceDef, seed: u64) -> Self {
        Self::new(def, seed, RandomMode::Uniform)
    }
}

impl Searcher for RandomSearcher {
    fn name(&self) -> &str {
        match self.mode {
            RandomMode::PerDecision => "random",
            RandomMode::Uniform => "uniform",
        }
    }

    fn ask(&mut self) -> Result<Proposal, SearchError> {
        let mut rng = stream_rng(self.seed, self.state.asked);
        let name = self.name().to_owned();
        let (def, mode) = (&self.def, self.mode);
        let architecture = retry_invalid(&name, self.max_invalid, &mut self.state.invalid, || match mode {
            RandomMode::PerDecision => def.sample_random(&mut rng),
            RandomMode::Uniform => def.sample_uniform(&mut rng),
        })?;
        let token = Token(self.state.asked);
        self.state.asked += 1;
        self.state.pending.insert(token);
        Ok(Proposal::Candidate(Candidate::new(token, architecture)))
    }

    fn tell(&mut self, token: Token, _outcome: &Outcome) -> Result<(), SearchError> {
        if self.state.pending.remove(&token) { Ok(()) } else { Err(common::unknown_token(self.name(), token)) }
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
