//! Local search (White, Nolen & Savani, "Exploring the loss landscape in
//! neural architecture search", UAI 2021; "Local search is state of the
//! art for NAS benchmarks", 2020): climb from a random architecture to a
//! better neighbour until none is better, then restart.

use std::collections::BTreeMap;

use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use crate::architecture::{ArchitectureHash, Decision};
use crate::definition::SpaceDef;

use super::common::{self, DEFAULT_MAX_INVALID, stream_rng};
use super::error::SearchError;
use super::neighbours::{neighbour, neighbourhood};
use super::novelty::{Known, Proposals, draw_novel_random, exhausted_reason};
use super::outcome::Outcome;
use super::searcher::{Candidate, Proposal, Searcher, Token};

/// When local search moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Improvement {
    /// To the first neighbour better than the current architecture
    /// (neighbours visited in random order).
    First,
    /// To the best neighbour, once the whole neighbourhood is evaluated
    /// (White et al.'s Algorithm 1).
    Best,
}

/// Settings of [`LocalSearcher`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LocalConfig {
    /// First or best improvement.
    pub improvement: Improvement,
    /// Random architectures evaluated at each (re)start; the climb starts
    /// from the best of them.
    pub initial: usize,
    /// Bound on consecutive `Invalid` draws.
    pub max_invalid: u32,
}

impl Default for LocalConfig {
    fn default() -> Self {
        LocalConfig { improvement: Improvement::First, initial: 10, max_invalid: DEFAULT_MAX_INVALID }
    }
}

/// An architecture and its score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Scored {
    decisions: Vec<Decision>,
    score: f64,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct LocalState {
    asked: u64,
    invalid: u64,
    proposals: Proposals,
    /// Where the climb stands; `None` while a (re)start draws its random architectures.
    current: Option<Scored>,
    /// Moves of current's neighbourhood not tried yet, in the order to try them.
    moves: Vec<(usize, usize)>,
    /// Counts moves of the climb; a proposal remembers the climb it was made in.
    climb: u64,
    /// Best improvement: the best neighbour of the current climb told so far.
    best_neighbour: Option<Scored>,
    /// Random architectures of this (re)start: drawn, and told with a score.
    drawn: usize,
    starts: Vec<Scored>,
    pending: BTreeMap<Token, (Vec<Decision>, ArchitectureHash, u64)>,
    exhausted: bool,
}

/// Local search over one-decision changes keyed by path (so it works on any
/// space, structural decisions included: a neighbour that adds a layer draws
/// the new layer's decisions at random).
///
/// Each (re)start evaluates `initial` random architectures (more while their
/// outcomes are still to come) and climbs from the best: the neighbours of the current architecture are tried in random
/// order; with [`Improvement::First`] the climb moves to the first that
/// scores better, with [`Improvement::Best`] to the best once all are in.
/// At a local optimum it restarts. A neighbour evaluated before is not
/// evaluated again: its known score counts (a move costs no trial), so a
/// climb never spends a trial twice on one network. Outcomes may arrive late
/// (several trials in flight): a late one that beats the current
/// architecture is moved to as well. It waits ([`Proposal::Wait`]) only when
/// the neighbourhood is used up and outcomes are still to come.
///
/// ```
/// use archspace_core::search::{LocalConfig, LocalSearcher, Outcome, Proposal, Searcher};
/// use archspace_core::{choice, Op, SpaceDef};
/// let def = SpaceDef::new(|s| {
///     let a = s.basic(Op::new("dense").param("units", choice([1, 2, 3, 4, 5, 6, 7, 8])))?;
///     let b = s.basic(Op::new("dense").param("units", choice([1, 2, 3, 4, 5, 6, 7, 8])))?;
///     s.chain(&a, &b)?;
///     Ok(s.border_of(&a, &b))
/// });
/// let mut ls = LocalSearcher::new(def, LocalConfig { initial: 1, ..LocalConfig::default() }).seeded(3);
/// let mut best = f64::MIN;
/// for _ in 0..30 {
///     let Proposal::Candidate(c) = ls.ask()? else { unreachable!() };
///     let units: i64 = c.decisions().iter().map(|d| d.value.as_int().unwrap()).sum();
///     best = best.max(units as f64);
///     ls.tell(c.token, &Outcome::scored(units as f64))?;
/// }
/// assert_eq!(best, 16.0, "a smooth landscape is climbed to its top");
/// # Ok::<(), archspace_core::search::SearchError>(())
/// ```
#[derive(Debug)]
pub struct LocalSearcher {
    def: SpaceDef,
    seed: u64,
    config: LocalConfig,
    state: LocalState,
}

/// Separates the neighbourhood-order streams from the per-ask streams.
const ORDER_SALT: u64 = 0x10CA_15EA_2C40_0001;

impl LocalSearcher {
    /// Local search over `def` with `config`.
    pub fn new(def: SpaceDef, config: LocalConfig) -> Self {
        LocalSearcher { def, seed: 0, config, state: LocalState::default() }
    }

    /// Moves the climb to `to`: a new climb with `to`'s neighbourhood in a
    /// random order.
    fn move_to(&mut self, to: Scored) -> Result<(), SearchError> {
        let mut moves = neighbourhood(&self.def, &to.decisions)?;
        self.state.climb += 1;
        moves.shuffle(&mut stream_rng("local", self.seed ^ ORDER_SALT, self.state.climb));
        // Popped from the back.
        moves.reverse();
        self.state.moves = moves;
        self.state.current = Some(to);
        self.state.best_neighbour = None;
        Ok(())
    }

    /// Starts again from random architectures.
    fn restart(&mut self) {
        self.state.current = None;
        self.state.moves.clear();
        self.state.best_neighbour = None;
        self.state.drawn = 0;
        self.state.starts.clear();
        self.state.climb += 1;
    }

    /// Whether a proposal of the current climb is still to be told.
    fn climb_pending(&self) -> bool {
        self.state.pending.values().any(|(_, _, climb)| *climb == self.state.climb)
    }

    /// After the current neighbourhood is used up: best improvement moves
    /// to the best neighbour if it is better; otherwise restart.
    fn neighbourhood_done(&mut self) -> Result<(), SearchError> {
        let current = self.state.current.as_ref().map_or(f64::NEG_INFINITY, |c| c.score);
        match self.state.best_neighbour.take() {
            Some(best) if best.score > current => self.move_to(best),
            _ => {
                self.restart();
                Ok(())
            }
        }
    }

    /// A score learnt for a neighbour of the current climb (told, or known before).
    fn learn(&mut self, scored: Scored) -> Result<(), SearchError> {
        let current = self.state.current.as_ref().map_or(f64::NEG_INFINITY, |c| c.score);
        match self.config.improvement {
            Improvement::First if scored.score > current => self.move_to(scored),
            Improvement::First => Ok(()),
            Improvement::Best => {
                if self.state.best_neighbour.as_ref().is_none_or(|b| scored.score > b.score) {
                    self.state.best_neighbour = Some(scored);
                }
                Ok(())
            }
        }
    }

    fn propose(&mut self, architecture: crate::Architecture) -> Proposal {
        let token = Token(self.state.asked);
        self.state.asked += 1;
        let entry = (architecture.decisions().to_vec(), architecture.canonical_hash(), self.state.climb);
        self.state.pending.insert(token, entry);
        Proposal::Candidate(Candidate::new(token, architecture))
    }
}

impl Searcher for LocalSearcher {
    fn name(&self) -> &str {
        "local"
    }

    fn set_seed(&mut self, seed: u64) {
        self.seed = seed;
    }

    fn ask(&mut self) -> Result<Proposal, SearchError> {
        let mut rng = stream_rng("local", self.seed, self.state.asked);
        loop {
            if self.state.exhausted {
                return Ok(Proposal::Exhausted);
            }
            if self.state.current.is_none() {
                if self.state.drawn >= self.config.initial.max(1) && !self.state.starts.is_empty() {
                    let best = self.state.starts.iter().max_by(|a, b| a.score.total_cmp(&b.score)).cloned();
                    if let Some(best) = best {
                        self.move_to(best)?;
                        continue;
                    }
                }
                let state = &mut self.state;
                let drawn = draw_novel_random(
                    "local",
                    &self.def,
                    &mut state.proposals,
                    self.config.max_invalid,
                    &mut state.invalid,
                    &mut rng,
                )?;
                let Some(architecture) = drawn else {
                    self.state.exhausted = true;
                    continue;
                };
                self.state.drawn += 1;
                return Ok(self.propose(architecture));
            }
            let Some((position, index)) = self.state.moves.pop() else {
                if self.climb_pending() {
                    return Ok(Proposal::Wait);
                }
                self.neighbourhood_done()?;
                continue;
            };
            let Some(current) = self.state.current.as_ref() else { continue };
            let architecture = match neighbour(&self.def, &current.decisions, position, index, &mut rng) {
                Ok(a) => a,
                Err(e) if e.is_invalid() => {
                    self.state.invalid += 1;
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            let hash = architecture.canonical_hash();
            match self.state.proposals.get(hash) {
                None => {
                    self.state.proposals.insert(hash);
                    return Ok(self.propose(architecture));
                }
                Some(Known::Scored(score)) => {
                    self.learn(Scored { decisions: architecture.decisions().to_vec(), score })?;
                }
                Some(Known::Pending | Known::Failed) => {}
            }
        }
    }

    fn tell(&mut self, token: Token, outcome: &Outcome) -> Result<(), SearchError> {
        let (decisions, hash, climb) =
            self.state.pending.remove(&token).ok_or_else(|| common::unknown_token("local", token))?;
        self.state.proposals.record(hash, outcome.score());
        let Some(score) = outcome.score() else { return Ok(()) };
        let scored = Scored { decisions, score };
        match &self.state.current {
            // A random (re)start architecture.
            None if climb == self.state.climb => self.state.starts.push(scored),
            None => {}
            // A neighbour of the current climb.
            Some(_) if climb == self.state.climb => self.learn(scored)?,
            // A late outcome of an earlier climb or start: an improvement is an improvement.
            Some(current) if scored.score > current.score => self.move_to(scored)?,
            Some(_) => {}
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

    fn why_exhausted(&self) -> Option<String> {
        self.state.exhausted.then(|| exhausted_reason(&self.def, self.state.proposals.len()))
    }
}
