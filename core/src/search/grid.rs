//! Grid search: exhaustive enumeration of a small space.

use std::collections::BTreeSet;

use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use crate::architecture::Decision;
use crate::definition::SpaceDef;

use super::common::{self, stream_rng};
use super::error::SearchError;
use super::novelty::Proposals;
use super::outcome::Outcome;
use super::searcher::{Candidate, Proposal, Searcher, Token};

/// Default bound on the number of architectures a grid enumerates.
pub const DEFAULT_GRID_LIMIT: u64 = 1_000_000;

/// Every architecture of the space once, then [`Proposal::Exhausted`]:
/// in a random order drawn from the search's seed ([`new`](Self::new)), so
/// that a search stopped early is random search without replacement, or in
/// the lexicographic order of [`SpaceDef::enumerate`] ([`in_order`](Self::in_order)).
/// Rejected combinations are skipped, as there, and so are assignments that
/// build a network proposed before.
///
/// The space is counted first; one larger than `limit` is an error rather
/// than an enumeration that never ends. The enumeration is kept as decision
/// lists and replayed at each ask.
///
/// ```
/// use archspace_core::search::{GridSearcher, Outcome, Proposal, Searcher};
/// use archspace_core::{choice, Op, SpaceDef};
/// let def = SpaceDef::new(|s| s.basic(Op::new("dense").param("units", choice([8, 16]))));
/// let mut grid = GridSearcher::in_order(def);
/// let mut seen = Vec::new();
/// while let Proposal::Candidate(c) = grid.ask()? {
///     seen.push(c.decisions()[0].value.as_int().unwrap());
///     grid.tell(c.token, &Outcome::scored(0.0))?;
/// }
/// assert_eq!(seen, [8, 16]);
/// # Ok::<(), archspace_core::search::SearchError>(())
/// ```
#[derive(Debug)]
pub struct GridSearcher {
    def: SpaceDef,
    limit: u64,
    seed: u64,
    shuffled: bool,
    grid: Option<Vec<Vec<Decision>>>,
    state: GridState,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct GridState {
    asked: u64,
    /// The next position in the enumeration.
    #[serde(default)]
    next: u64,
    /// Assignments skipped because their network was proposed before.
    #[serde(default)]
    repeats: u64,
    pending: BTreeSet<Token>,
    #[serde(default)]
    proposals: Proposals,
}

impl GridSearcher {
    /// Grid search over `def` in a random order, enumerating at most
    /// [`DEFAULT_GRID_LIMIT`] architectures.
    pub fn new(def: SpaceDef) -> Self {
        Self::with_limit(def, DEFAULT_GRID_LIMIT)
    }

    /// Grid search over `def` in the lexicographic order of [`SpaceDef::enumerate`].
    pub fn in_order(def: SpaceDef) -> Self {
        GridSearcher { shuffled: false, ..Self::new(def) }
    }

    /// Grid search in a random order enumerating at most `limit` architectures.
    pub fn with_limit(def: SpaceDef, limit: u64) -> Self {
        GridSearcher { def, limit, seed: 0, shuffled: true, grid: None, state: GridState::default() }
    }

    fn grid(&mut self) -> Result<&[Vec<Decision>], SearchError> {
        if self.grid.is_none() {
            let count = self.def.count()?;
            if count > self.limit.into() {
                return Err(SearchError::SpaceTooLarge { count: count.to_string(), limit: self.limit });
            }
            let mut all =
                self.def.enumerate().map(|arch| arch.map(|a| a.decisions().to_vec())).collect::<Result<Vec<_>, _>>()?;
            if self.shuffled {
                all.shuffle(&mut stream_rng("grid", self.seed, 0));
            }
            self.grid = Some(all);
        }
        Ok(self.grid.as_deref().unwrap_or_default())
    }
}

impl Searcher for GridSearcher {
    fn name(&self) -> &str {
        "grid"
    }

    fn set_seed(&mut self, seed: u64) {
        if seed != self.seed {
            self.seed = seed;
            self.grid = None;
        }
    }

    fn ask(&mut self) -> Result<Proposal, SearchError> {
        loop {
            let next = self.state.next as usize;
            let Some(decisions) = self.grid()?.get(next).cloned() else {
                return Ok(Proposal::Exhausted);
            };
            self.state.next += 1;
            let architecture = self.def.replay(&decisions)?;
            if !self.state.proposals.insert(architecture.canonical_hash()) {
                self.state.repeats += 1;
                continue;
            }
            let token = Token(self.state.asked);
            self.state.asked += 1;
            self.state.pending.insert(token);
            return Ok(Proposal::Candidate(Candidate::new(token, architecture)));
        }
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

    fn why_exhausted(&self) -> Option<String> {
        let total = self.grid.as_ref()?.len();
        (self.state.next as usize >= total).then(|| {
            let mut reason = format!("every one of the space's {total} architectures has been proposed");
            if self.state.repeats > 0 {
                reason +=
                    &format!(" ({} of them repeat a network proposed before and were skipped)", self.state.repeats);
            }
            reason
        })
    }
}
