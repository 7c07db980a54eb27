//! Monte Carlo tree search with UCT (DeepArchitect's `MCTSSearcher`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::definition::SpaceDef;

use super::common::{self, DEFAULT_MAX_INVALID, retry_invalid, stream_rng};
use super::error::SearchError;
use super::outcome::Outcome;
use super::searcher::{Candidate, Proposal, Searcher, Token};
use super::tree::UctTree;

/// The exploration bonus of the DeepArchitect paper's experiments.
pub const PAPER_EXPLORATION_BONUS: f64 = 0.33;

/// MCTS over the decision sequence: a UCT tree walk (`mean + c·sqrt(2 ln N / n)`,
/// unvisited children first, ties at random), expansion of the leaf reached
/// with one random child, then a uniform random rollout; the outcome's score
/// is added to the root and to every node on the walk.
///
/// The bonus `c` assumes scores of order one (e.g. accuracies in `[0, 1]`).
/// A failed trial counts as a visit with the lowest score seen so far (0
/// before any), so a failing branch is not retried forever; so does a walk
/// that ends `Invalid` (it is then resampled and counted).
///
/// ```
/// use archspace_core::search::{MctsSearcher, Outcome, Proposal, Searcher};
/// use archspace_core::{choice, Op, SpaceDef};
/// let def = SpaceDef::new(|s| s.basic(Op::new("dense").param("units", choice([8, 16, 32]))));
/// let mut mcts = MctsSearcher::new(def, 1);
/// for _ in 0..12 {
///     let Proposal::Candidate(c) = mcts.ask()? else { unreachable!() };
///     let units = c.decisions()[0].value.as_int().unwrap();
///     mcts.tell(c.token, &Outcome::scored(if units == 32 { 1.0 } else { 0.0 }))?;
/// }
/// # Ok::<(), archspace_core::search::SearchError>(())
/// ```
#[derive(Debug)]
pub struct MctsSearcher {
    def: SpaceDef,
    seed: u64,
    /// The exploration bonus `c` of UCT.
    pub exploration_bonus: f64,
    /// Bound on consecutive `Invalid` draws.
    pub max_invalid: u32,
    state: MctsState,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct MctsState {
    asked: u64,
    invalid: u64,
    worst: Option<f64>,
    tree: UctTree,
    pending: BTreeMap<Token, Vec<u32>>,
}

impl MctsSearcher {
    /// MCTS with the paper's bonus, [`PAPER_EXPLORATION_BONUS`].
    pub fn new(def: SpaceDef, seed: u64) -> Self {
        Self::with_bonus(def, seed, PAPER_EXPLORATION_BONUS)
    }

    /// MCTS with exploration bonus `bonus`.
    pub fn with_bonus(def: SpaceDef, seed: u64, bonus: f64) -> Self {
        MctsSearcher {
            def,
            seed,
            exploration_bonus: bonus,
            max_invalid: DEFAULT_MAX_INVALID,
            state: MctsState::default(),
        }
    }
}

impl Searcher for MctsSearcher {
    fn name(&self) -> &str {
        "mcts"
    }

    fn ask(&mut self) -> Result<Proposal, SearchError> {
        let mut rng = stream_rng(self.seed, self.state.asked);
        let (def, bonus, tree) = (&self.def, self.exploration_bonus, &mut self.state.tree);
        let penalty = self.state.worst.unwrap_or(0.0);
        let (architecture, history) = retry_invalid("mcts", self.max_invalid, &mut self.state.invalid, || {
            tree.sample(def, bonus, penalty, &mut rng)
        })?;
        let token = Token(self.state.asked);
        self.state.asked += 1;
        self.state.pending.insert(token, history);
        Ok(Proposal::Candidate(Candidate::new(token, architecture)))
    }

    fn tell(&mut self, token: Token, outcome: &Outcome) -> Result<(), SearchError> {
        let history = self.state.pending.remove(&token).ok_or_else(|| common::unknown_token("mcts", token))?;
        let value = match outcome.score() {
            Some(score) => {
                self.state.worst = Some(self.state.worst.map_or(score, |w| w.min(score)));
                score
            }
            None => self.state.worst.unwrap_or(0.0),
        };
        self.state.tree.update(&history, value);
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
