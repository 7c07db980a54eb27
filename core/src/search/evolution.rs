//! Regularized (aging) evolution (Real et al., 2019; DeepArchitect's
//! `EvolutionSearcher`), with mutation keyed by decision path.

use std::collections::{BTreeMap, VecDeque};

use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::architecture::{ArchitectureHash, Decision};
use crate::definition::SpaceDef;

use super::common::{self, DEFAULT_MAX_INVALID, stream_rng};
use super::error::SearchError;
use super::neighbours::mutate;
use super::novelty::{Proposals, draw_novel, exhausted_reason};
use super::outcome::Outcome;
use super::searcher::{Candidate, Proposal, Searcher, Token};

/// Settings of [`EvolutionSearcher`]; the defaults are the paper's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvolutionConfig {
    /// Population size P (paper: 100).
    pub population: usize,
    /// Tournament size S (paper: 25).
    pub tournament: usize,
    /// Remove the oldest member (aging, "regularized") rather than the weakest.
    pub aging: bool,
    /// Bound on consecutive `Invalid` draws.
    pub max_invalid: u32,
}

impl Default for EvolutionConfig {
    fn default() -> Self {
        EvolutionConfig { population: 100, tournament: 25, aging: true, max_invalid: DEFAULT_MAX_INVALID }
    }
}

/// Regularized evolution: the first P asks are random; then each ask picks S
/// members of the population at random, takes the best as parent, and
/// mutates one of its decisions to a different value. Each told outcome
/// joins the population; past P members the oldest (or, without aging, the
/// weakest) leaves. Failed trials do not join.
///
/// Mutation is keyed by path, not position: the child replays the parent's
/// decision for every path that still comes up, takes the new value at the
/// mutated path, and draws at random only the decisions that are new (a
/// structural mutation that adds a layer adds its decisions). DeepArchitect's
/// positional replay needed hyperparameters named `…sub…` for this.
///
/// A child (or first-population draw) that repeats a network proposed before
/// is drawn again, so no trial re-evaluates a network. Draws come from the
/// searcher's own random stream: the first population is not the random
/// searcher's first proposals under the same seed.
///
/// ```
/// use archspace_core::search::{EvolutionConfig, EvolutionSearcher, Outcome, Proposal, Searcher};
/// use archspace_core::{choice, Op, SpaceDef};
/// let def = SpaceDef::new(|s| s.basic(Op::new("dense").param("units", choice((1..=64).collect::<Vec<i64>>()))));
/// let config = EvolutionConfig { population: 4, tournament: 2, ..EvolutionConfig::default() };
/// let mut evo = EvolutionSearcher::new(def, config).seeded(9);
/// for _ in 0..10 {
///     let Proposal::Candidate(c) = evo.ask()? else { unreachable!() };
///     let units = c.decisions()[0].value.as_int().unwrap();
///     evo.tell(c.token, &Outcome::scored(units as f64))?;
/// }
/// # Ok::<(), archspace_core::search::SearchError>(())
/// ```
#[derive(Debug)]
pub struct EvolutionSearcher {
    def: SpaceDef,
    seed: u64,
    config: EvolutionConfig,
    state: EvolutionState,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Member {
    decisions: Vec<Decision>,
    score: f64,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct EvolutionState {
    asked: u64,
    invalid: u64,
    population: VecDeque<Member>,
    pending: BTreeMap<Token, (Vec<Decision>, ArchitectureHash)>,
    proposals: Proposals,
    exhausted: bool,
}

impl EvolutionSearcher {
    /// Regularized evolution over `def` with `config`.
    pub fn new(def: SpaceDef, config: EvolutionConfig) -> Self {
        EvolutionSearcher { def, seed: 0, config, state: EvolutionState::default() }
    }

    fn tournament_winner<'a, R: Rng>(population: &'a VecDeque<Member>, tournament: usize, rng: &mut R) -> &'a Member {
        let picks = rand::seq::index::sample(rng, population.len(), tournament.clamp(1, population.len()));
        // Best score; among equals the earliest pick, so the result is deterministic.
        let mut best = picks.index(0);
        for i in picks.iter() {
            if population[i].score > population[best].score {
                best = i;
            }
        }
        &population[best]
    }
}

impl Searcher for EvolutionSearcher {
    fn name(&self) -> &str {
        "evolution"
    }

    fn set_seed(&mut self, seed: u64) {
        self.seed = seed;
    }

    fn ask(&mut self) -> Result<Proposal, SearchError> {
        if self.state.exhausted {
            return Ok(Proposal::Exhausted);
        }
        let mut rng = stream_rng("evolution", self.seed, self.state.asked);
        let mut fallback = stream_rng("evolution", !self.seed, self.state.asked);
        let initializing = self.state.asked < self.config.population as u64 || self.state.population.is_empty();
        let (def, state, tournament) = (&self.def, &mut self.state, self.config.tournament);
        let population = &state.population;
        let drawn = draw_novel(
            "evolution",
            def,
            &mut state.proposals,
            self.config.max_invalid,
            &mut state.invalid,
            &mut fallback,
            || {
                if initializing {
                    return def.sample_random(&mut rng);
                }
                let parent = &Self::tournament_winner(population, tournament, &mut rng).decisions;
                if parent.is_empty() {
                    return def.sample_random(&mut rng);
                }
                let target = rng.random_range(0..parent.len());
                mutate(def, parent, target, &mut rng)
            },
        )?;
        let Some(architecture) = drawn else {
            self.state.exhausted = true;
            return Ok(Proposal::Exhausted);
        };
        let token = Token(self.state.asked);
        self.state.asked += 1;
        self.state.pending.insert(token, (architecture.decisions().to_vec(), architecture.canonical_hash()));
        Ok(Proposal::Candidate(Candidate::new(token, architecture)))
    }

    fn tell(&mut self, token: Token, outcome: &Outcome) -> Result<(), SearchError> {
        let (decisions, hash) =
            self.state.pending.remove(&token).ok_or_else(|| common::unknown_token("evolution", token))?;
        self.state.proposals.record(hash, outcome.score());
        let Some(score) = outcome.score() else { return Ok(()) };
        let population = &mut self.state.population;
        population.push_back(Member { decisions, score });
        if population.len() > self.config.population.max(1) {
            if self.config.aging {
                population.pop_front();
            } else if let Some(weakest) = (0..population.len())
                .min_by(|&a, &b| population[a].score.total_cmp(&population[b].score).then(b.cmp(&a)))
            {
                population.remove(weakest);
            }
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
