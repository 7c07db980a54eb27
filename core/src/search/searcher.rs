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
    /// For multi-fidelity searchers: the rung (0 for the smallest budget).
    pub rung: Option<u32>,
    /// For a promotion to a higher rung: the candidate of the rung below whose
    /// evaluation this one continues (the evaluator may resume its training).
    pub continues: Option<Token>,
}

impl Candidate {
    /// A candidate without a budget.
    pub fn new(token: Token, architecture: Architecture) -> Self {
        Candidate { token, architecture, budget: None, rung: None, continues: None }
    }

    /// The decisions that replay the architecture.
    pub fn decisions(&self) -> &[Decision] {
        self.architecture.decisions()
    }
}

/// The answer to [`Searcher::ask`].
// One proposal is made and moved once per trial: boxing the candidate would
// only add an allocation.
#[allow(clippy::large_enum_variant)]
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
/// - deterministic given its seed ([`set_seed`](Self::set_seed)) and the
///   sequence of `ask`s and `tell`s;
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
/// let mut searcher = RandomSearcher::per_decision(def).seeded(7);
/// let Proposal::Candidate(c) = searcher.ask()? else { unreachable!() };
/// let units = c.decisions()[0].value.as_int().unwrap();
/// searcher.tell(c.token, &Outcome::scored(units as f64))?;
/// # Ok::<(), archspace_core::search::SearchError>(())
/// ```
pub trait Searcher: Send {
    /// A short name, e.g. `mcts`; stored in search logs.
    fn name(&self) -> &str;

    /// Sets the seed that every random choice of the searcher derives from.
    ///
    /// A search has one seed, [`SearchConfig::seed`](super::SearchConfig::seed):
    /// [`run`](super::run) calls this with it before the first ask. Call it
    /// yourself (or build with [`seeded`](Self::seeded)) when you drive a
    /// searcher by hand; the built-in searchers start with seed 0. Searchers
    /// that draw at random must override it; the default ignores the seed.
    fn set_seed(&mut self, seed: u64) {
        let _ = seed;
    }

    /// This searcher with seed `seed` (see [`set_seed`](Self::set_seed)).
    fn seeded(mut self, seed: u64) -> Self
    where
        Self: Sized,
    {
        self.set_seed(seed);
        self
    }

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

    /// After [`Proposal::Exhausted`]: why, in words (e.g. every architecture
    /// of the space was proposed). The driver puts it in the report.
    fn why_exhausted(&self) -> Option<String> {
        None
    }
}

impl<S: Searcher + ?Sized> Searcher for Box<S> {
    fn name(&self) -> &str {
        (**self).name()
    }
    fn set_seed(&mut self, seed: u64) {
        (**self).set_seed(seed)
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
    fn why_exhausted(&self) -> Option<String> {
        (**self).why_exhausted()
    }
}
