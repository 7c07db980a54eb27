//! The ask/tell interface every searcher implements.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::architecture::{Architecture, Decision};

use super::error::SearchError;
use super::outcome::Outcome;

/// Names one candidate a searcher proposed, so that its outcome can be told
/// later, in any order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Token(pub u64);

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// A proposed architecture, its token, and the budget to evaluate it with.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    /// Quote it when telling the outcome.
    pub token: Token,
    /// The architecture; its [`decisions`](Architecture::decisions) replay it.
    pub architecture: Architecture,
    /// The evaluation budget (e.g. epochs), for searchers that vary it.
    pub budget: Option<f64>,
}

impl Candidate {
    /// A candidate without a budget.
    pub fn new(token: Token, architecture: Architecture) -> Self {
        Candidate { token, architecture, budget: None }
    }

    /// The decisions that replay the architecture.
    pub fn decisions(&self) -> &[Decision] {
        self.architecture.decisions()
    }
}

/// The answer to [`Searcher::ask`].
#[derive(Clone, Debug, PartialEq)]
pub enum Proposal {
    /// Evaluate this candidate.
    Candidate(Candidate),
    /// Nothing to propose until more outcomes are told (e.g. the end of a
    /// successive-halving round).
    Wait,
    /// The searcher has nothing more to propose (e.g. the grid is done).
    Exhausted,
}

/// A searcher: proposes candidates ([`ask`](Self::ask)) and learns from
/// their outcomes ([`tell`](Self::tell)).
///
/// Contract:
/// - deterministic given its seed and the sequence of `ask`s and `tell`s;
/// - outcomes may be told in any order, by token; a token is told once;
/// - `Invalid` architectures are resampled inside `ask`, a bounded number of
///   times, and counted ([`invalid_count`](Self::invalid_count));
/// - its state can be saved and restored as JSON, so a searcher restored from
///   a saved state behaves exactly like the one saved.
///
/// ```
/// use archspace_core::search::{Outcome, Proposal, RandomSearcher, Searcher};
/// use archspace_core::{choice, Op, SpaceDef};
/// let def = SpaceDef::new(|s| s.basic(Op::new("dense").param("units", choice([8, 16, 32]))));
/// let mut searcher = RandomSearcher::per_decision(def, 7);
/// let Proposal::Candidate(c) = searcher.ask()? else { unreachable!() };
/// let units = c.decisions()[0].value.as_int().unwrap();
/// searcher.tell(c.token, &Outcome::scored(units as f64))?;
/// # Ok::<(), archspace_core::search::SearchError>(())
/// ```
pub trait Searcher: Send {
    /// A short name, e.g. `mcts`; stored in search logs.
    fn name(&self) -> &str;

    /// The next candidate, or why there is none.
    fn ask(&mut self) -> Result<Proposal, SearchError>;

    /// The outcome of the candidate with `token`.
    fn tell(&mut self, token: Token, outcome: &Outcome) -> Result<(), SearchError>;

    /// The searcher's whole state as JSON (configuration excluded).
    fn save_state(&self) -> Result<serde_json::Value, SearchError> {
        Err(SearchError::StateUnsupported { searcher: self.name().to_owned() })
    }

    /// Restores a state from [`save_state`](Self::save_state) into a searcher
    /// built with the same space and configuration.
    fn restore_state(&mut self, state: serde_json::Value) -> Result<(), SearchError> {
        let _ = state;
        Err(SearchError::StateUnsupported { searcher: self.name().to_owned() })
    }

    /// How many `Invalid` architectures were drawn and resampled so far.
    fn invalid_count(&self) -> u64 {
        0
    }
}

impl<S: Searcher + ?Sized> Searcher for Box<S> {
    fn name(&self) -> &str {
        (**self).name()
    }
    fn ask(&mut self) -> Result<Proposal, SearchError> {
        (**self).ask()
    }
    fn tell(&mut self, token: Token, outcome: &Outcome) -> Result<(), SearchError> {
        (**self).tell(token, outcome)
    }
    fn save_state(&self) -> Result<serde_json::Value, SearchError> {
        (**self).save_state()
    }
    fn restore_state(&mut self, state: serde_json::Value) -> Result<(), SearchError> {
        (**self).restore_state(state)
    }
    fn invalid_count(&self) -> u64 {
        (**self).invalid_count()
    }
}
