//! Monte Carlo tree search with UCT (DeepArchitect's `MCTSSearcher`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::architecture::ArchitectureHash;
use crate::definition::SpaceDef;

use super::common::{self, DEFAULT_MAX_INVALID, retry_invalid, stream_rng};
use super::error::SearchError;
use super::novelty::{Known, Proposals, REPEAT_LIMIT, draw_novel_random, exhausted_reason};
use super::outcome::Outcome;
use super::searcher::{Candidate, Proposal, Searcher, Token};
use super::tree::UctTree;

/// The exploration bonus of the DeepArchitect paper's experiments (on scores
/// that are now normalized to the range seen, see [`MctsSearcher`]).
pub const PAPER_EXPLORATION_BONUS: f64 = 0.33;

/// MCTS over the decision sequence: a UCT tree walk (`normalized mean +
/// c·sqrt(2 ln N / n)`, unvisited children first, ties at random), expansion
/// of the leaf reached with one random child, then a uniform random rollout;
/// the outcome's score is added to the root and to every node on the walk.
///
/// **Scale-free.** Means are normalized by the range of scores seen,
/// `(mean − lowest) / (highest − lowest)`, before the bonus is added, so
/// the same `c` explores alike whether accuracies are fractions or percents
/// (DeepArchitect added the bonus to raw scores; with percents its `c =
/// 0.33` did almost nothing: 69 distinct architectures in 150 trials on
/// NAS-Bench-201). An affine change of the scores gives the same search.
///
/// A failed trial counts as a visit worth the lowest score seen, so a
/// failing branch is not retried forever; so does a walk that ends
/// `Invalid` (it is then resampled and counted). A walk that ends on a
/// network proposed before is not proposed again: the tree is told the
/// score it already got (nothing, while it is still being evaluated) and
/// walks again.
///
/// ```
/// use archspace_core::search::{MctsSearcher, Outcome, Proposal, Searcher};
/// use archspace_core::{choice, Op, SpaceDef};
/// let def = SpaceDef::new(|s| s.basic(Op::new("dense").param("units", choice([8, 16, 32]))));
/// let mut mcts = MctsSearcher::new(def).seeded(1);
/// // Each of the three networks once, then the space is exhausted.
/// for _ in 0..3 {
///     let Proposal::Candidate(c) = mcts.ask()? else { unreachable!() };
///     let units = c.decisions()[0].value.as_int().unwrap();
///     mcts.tell(c.token, &Outcome::scored(if units == 32 { 1.0 } else { 0.0 }))?;
/// }
/// assert_eq!(mcts.ask()?, Proposal::Exhausted);
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
    tree: UctTree,
    pending: BTreeMap<Token, (Vec<u32>, ArchitectureHash)>,
    proposals: Proposals,
    exhausted: bool,
}

impl MctsSearcher {
    /// MCTS with the paper's bonus, [`PAPER_EXPLORATION_BONUS`].
    pub fn new(def: SpaceDef) -> Self {
        Self::with_bonus(def, PAPER_EXPLORATION_BONUS)
    }

    /// MCTS with exploration bonus `bonus`.
    pub fn with_bonus(def: SpaceDef, bonus: f64) -> Self {
        MctsSearcher {
            def,
            seed: 0,
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

    fn set_seed(&mut self, seed: u64) {
        self.seed = seed;
    }

    fn ask(&mut self) -> Result<Proposal, SearchError> {
        if self.state.exhausted {
            return Ok(Proposal::Exhausted);
        }
        let mut rng = stream_rng("mcts", self.seed, self.state.asked);
        let (def, bonus, state) = (&self.def, self.exploration_bonus, &mut self.state);
        let mut found = None;
        for _ in 0..REPEAT_LIMIT {
            let (architecture, history) = retry_invalid("mcts", self.max_invalid, &mut state.invalid, || {
                state.tree.sample(def, bonus, &mut rng)
            })?;
            let hash = architecture.canonical_hash();
            match state.proposals.get(hash) {
                None => {
                    state.proposals.insert(hash);
                    found = Some((architecture, history, hash));
                    break;
                }
                Some(Known::Scored(score)) => state.tree.update(&history, Some(score)),
                Some(Known::Failed) => state.tree.update(&history, None),
                Some(Known::Pending) => {}
            }
        }
        if found.is_none() {
            // The walks keep ending on known networks: one random draw, told to the root only.
            let drawn =
                draw_novel_random("mcts", def, &mut state.proposals, self.max_invalid, &mut state.invalid, &mut rng)?;
            found = drawn.map(|a| {
                let hash = a.canonical_hash();
                (a, Vec::new(), hash)
            });
        }
        let Some((architecture, history, hash)) = found else {
            self.state.exhausted = true;
            return Ok(Proposal::Exhausted);
        };
        let token = Token(self.state.asked);
        self.state.asked += 1;
        self.state.pending.insert(token, (history, hash));
        Ok(Proposal::Candidate(Candidate::new(token, architecture)))
    }

    fn tell(&mut self, token: Token, outcome: &Outcome) -> Result<(), SearchError> {
        let (history, hash) = self.state.pending.remove(&token).ok_or_else(|| common::unknown_token("mcts", token))?;
        self.state.tree.update(&history, outcome.score());
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
