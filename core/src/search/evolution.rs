//! Regularized (aging) evolution (Real et al., 2019; DeepArchitect's
//! `EvolutionSearcher`), with mutation keyed by decision path.

use std::collections::{BTreeMap, VecDeque};

use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::architecture::{Architecture, Decision};
use crate::definition::SpaceDef;
use crate::error::SpecError;
use crate::value::Value;

use super::common::{self, DEFAULT_MAX_INVALID, retry_invalid, stream_rng};
use super::error::SearchError;
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
/// ```
/// use archspace_core::search::{EvolutionConfig, EvolutionSearcher, Outcome, Proposal, Searcher};
/// use archspace_core::{choice, Op, SpaceDef};
/// let def = SpaceDef::new(|s| s.basic(Op::new("dense").param("units", choice([8, 16, 32]))));
/// let config = EvolutionConfig { population: 4, tournament: 2, ..EvolutionConfig::default() };
/// let mut evo = EvolutionSearcher::new(def, 9, config);
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
    pending: BTreeMap<Token, Vec<Decision>>,
}

impl EvolutionSearcher {
    /// Regularized evolution over `def` with `config`.
    pub fn new(def: SpaceDef, seed: u64, config: EvolutionConfig) -> Self {
        EvolutionSearcher { def, seed, config, state: EvolutionState::default() }
    }

    fn tournament_winner<R: Rng>(&self, rng: &mut R) -> &Member {
        let population = &self.state.population;
        let picks = rand::seq::index::sample(rng, population.len(), self.config.tournament.clamp(1, population.len()));
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

/// The child of `parent` with the decision at `parent[target]` changed:
/// every other path that comes up keeps the parent's value when it is still
/// in the domain; new paths are drawn at random.
pub(crate) fn mutate<R: Rng>(
    def: &SpaceDef,
    parent: &[Decision],
    target: usize,
    rng: &mut R,
) -> Result<Architecture, SpecError> {
    let by_path: BTreeMap<&str, &Value> = parent.iter().map(|d| (d.path.as_str(), &d.value)).collect();
    let target_path = parent[target].path.as_str();
    let mut space = def.instantiate()?;
    while let Some(h) = space.next_decision() {
        let path = space.hyper_path(h);
        let domain = space.domain(h).cloned();
        let len = domain.as_ref().map_or(1, |d| d.len());
        let kept = by_path.get(path.as_str()).and_then(|v| domain.as_ref().and_then(|d| d.index_of(v)));
        let index = match kept {
            Some(old) if path == target_path && len > 1 => {
                let other = rng.random_range(0..len - 1);
                if other >= old { other + 1 } else { other }
            }
            Some(old) => old,
            None => rng.random_range(0..len),
        };
        space.assign_index(h, index)?;
    }
    space.freeze()
}

impl Searcher for EvolutionSearcher {
    fn name(&self) -> &str {
        "evolution"
    }

    fn ask(&mut self) -> Result<Proposal, SearchError> {
        let mut rng = stream_rng(self.seed, self.state.asked);
        let initializing = self.state.asked < self.config.population as u64 || self.state.population.is_empty();
        let architecture = if initializing {
            let def = &self.def;
            retry_invalid("evolution", self.config.max_invalid, &mut self.state.invalid, || {
                def.sample_random(&mut rng)
            })?
        } else {
            let mut invalid = self.state.invalid;
            let result = retry_invalid("evolution", self.config.max_invalid, &mut invalid, || {
                let parent = &self.tournament_winner(&mut rng).decisions;
                if parent.is_empty() {
                    return self.def.sample_random(&mut rng);
                }
                let target = rng.random_range(0..parent.len());
                mutate(&self.def, parent, target, &mut rng)
            });
            self.state.invalid = invalid;
            result?
        };
        let token = Token(self.state.asked);
        self.state.asked += 1;
        self.state.pending.insert(token, architecture.decisions().to_vec());
        Ok(Proposal::Candidate(Candidate::new(token, architecture)))
    }

    fn tell(&mut self, token: Token, outcome: &Outcome) -> Result<(), SearchError> {
        let decisions = self.state.pending.remove(&token).ok_or_else(|| common::unknown_token("evolution", token))?;
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Op, choice, rng};

    /// `depth` chooses 1 or 3 layers; each layer has its own width.
    fn def() -> SpaceDef {
        SpaceDef::new(|s| {
            let depth = s.named_choice("depth", [1, 3])?;
            let body = s.named("body").repeat(depth, |s| s.basic(Op::new("dense").param("units", choice([8, 16]))))?;
            Ok(body)
        })
    }

    #[test]
    fn structural_mutation_keeps_surviving_paths_and_draws_new_ones() {
        let def = def();
        let parent = def.replay_values(&[1.into(), 16.into()]).unwrap();
        let target = parent.decisions().iter().position(|d| d.path == "depth").unwrap();
        let child = mutate(&def, parent.decisions(), target, &mut rng(4)).unwrap();
        assert_eq!(child.decisions().len(), 4, "{:?}", child.decisions());
        assert_eq!(child.decisions()[0].value, Value::from(3));
        let width = |a: &Architecture, p: &str| a.decisions().iter().find(|d| d.path == p).map(|d| d.value.clone());
        let kept = parent.decisions()[1].path.clone();
        assert_eq!(width(&child, &kept), Some(16.into()));
        // Shrinking drops the layers that no longer exist.
        let shrunk = mutate(&def, child.decisions(), 0, &mut rng(5)).unwrap();
        assert_eq!(shrunk.decisions().len(), 2);
        assert_eq!(width(&shrunk, &kept), Some(16.into()));
    }

    #[test]
    fn a_value_mutation_changes_exactly_one_decision() {
        let def = def();
        let parent = def.replay_values(&[3.into(), 8.into(), 8.into(), 8.into()]).unwrap();
        for seed in 0..10 {
            let child = mutate(&def, parent.decisions(), 2, &mut rng(seed)).unwrap();
            let changed: Vec<_> = parent
                .decisions()
                .iter()
                .zip(child.decisions())
                .filter(|(a, b)| a != b)
                .map(|(a, _)| &a.path)
                .collect();
            assert_eq!(changed, [&parent.decisions()[2].path]);
        }
    }
}
