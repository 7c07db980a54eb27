//! NSGA-II (Deb, Pratap, Agarwal & Meyarivan, IEEE TEC 2002), steady-state:
//! evolution toward the Pareto front of several objectives.

use std::collections::BTreeMap;

use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::architecture::{ArchitectureHash, Decision};
use crate::definition::SpaceDef;

use super::common::{self, DEFAULT_MAX_INVALID, stream_rng};
use super::error::SearchError;
use super::neighbours::{crossover, mutate};
use super::novelty::{Proposals, draw_novel, exhausted_reason};
use super::outcome::Outcome;
use super::pareto::{crowding_distances, non_dominated_ranks};
use super::searcher::{Candidate, Proposal, Searcher, Token};

/// Settings of [`NsgaSearcher`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NsgaConfig {
    /// Population size N; the first N asks are random.
    pub population: usize,
    /// Probability that a child is the crossover of two parents (before its
    /// mutation) rather than a copy of one.
    pub crossover: f64,
    /// Bound on consecutive `Invalid` draws.
    pub max_invalid: u32,
}

impl Default for NsgaConfig {
    /// N = 20 (for searches of a few hundred trials), crossover 0.9 (Deb et al.).
    fn default() -> Self {
        NsgaConfig { population: 20, crossover: 0.9, max_invalid: DEFAULT_MAX_INVALID }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Member {
    decisions: Vec<Decision>,
    scores: Vec<f64>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct NsgaState {
    asked: u64,
    invalid: u64,
    population: Vec<Member>,
    pending: BTreeMap<Token, (Vec<Decision>, ArchitectureHash)>,
    proposals: Proposals,
    exhausted: bool,
}

/// Steady-state NSGA-II, the searcher that targets the Pareto front: it is
/// told every objective's score ([`Outcome::scores`]: the objective, then
/// [`SearchConfig::tradeoffs`](super::SearchConfig::tradeoffs)), ranks its
/// population by non-domination and crowding distance, picks each parent by
/// a binary tournament on that rank, breeds a child by uniform crossover
/// keyed by path and a one-decision mutation (as [`EvolutionSearcher`](super::EvolutionSearcher)),
/// and, when a child's outcome arrives, drops the worst-ranked member
/// (the `(μ + 1)` form of NSGA-II's elitist replacement; Durillo et al. 2009
/// found it converges faster than the generational one). Children are never
/// networks proposed before; failed trials do not join.
///
/// With one objective it is a `(μ + 1)` genetic algorithm with binary
/// tournaments.
///
/// ```
/// use archspace_core::search::{evaluator, run, Metrics, NsgaConfig, NsgaSearcher, Objective, SearchConfig};
/// use archspace_core::{choice, Op, SpaceDef};
/// let def = SpaceDef::new(|s| {
///     let a = s.basic(Op::new("dense").param("units", choice([8, 16, 32, 64, 128])))?;
///     let b = s.basic(Op::new("dense").param("units", choice([8, 16, 32, 64, 128])))?;
///     s.chain(&a, &b)?;
///     Ok(s.border_of(&a, &b))
/// });
/// let eval = evaluator(|_, arch| {
///     let units: Vec<f64> = arch.modules().iter().map(|m| m.param("units").unwrap().as_int().unwrap() as f64).collect();
///     let params = units[0] * units[1];
///     Ok(Metrics::new().with("accuracy", 1.0 - 1.0 / (units[0] + units[1])).with("params", params))
/// });
/// let config = SearchConfig {
///     trials: 20,
///     objective: Objective::maximize("accuracy"),
///     tradeoffs: vec![Objective::minimize("params")],
///     ..SearchConfig::default()
/// };
/// let report = run(&mut NsgaSearcher::new(def, NsgaConfig { population: 8, ..NsgaConfig::default() }), &eval, &config)?;
/// assert!(report.pareto().len() >= 3);
/// # Ok::<(), archspace_core::search::SearchError>(())
/// ```
#[derive(Debug)]
pub struct NsgaSearcher {
    def: SpaceDef,
    seed: u64,
    config: NsgaConfig,
    state: NsgaState,
}

impl NsgaSearcher {
    /// NSGA-II over `def` with `config`.
    pub fn new(def: SpaceDef, config: NsgaConfig) -> Self {
        NsgaSearcher { def, seed: 0, config, state: NsgaState::default() }
    }
}

/// Rank (lower better) and crowding distance (higher better) of every member.
fn rank_population(population: &[Member]) -> Vec<(usize, f64)> {
    let points: Vec<Vec<f64>> = population.iter().map(|m| m.scores.clone()).collect();
    let ranks = non_dominated_ranks(&points);
    let mut out = vec![(0, 0.0); population.len()];
    let fronts = ranks.iter().copied().max().map_or(0, |r| r + 1);
    for front in 0..fronts {
        let members: Vec<usize> = (0..points.len()).filter(|&i| ranks[i] == front).collect();
        for (&m, d) in members.iter().zip(crowding_distances(&points, &members)) {
            out[m] = (front, d);
        }
    }
    out
}

/// True when `a` ranks before `b` in NSGA-II's crowded comparison.
fn better(a: (usize, f64), b: (usize, f64)) -> bool {
    a.0 < b.0 || (a.0 == b.0 && a.1 > b.1)
}

impl Searcher for NsgaSearcher {
    fn name(&self) -> &str {
        "nsga2"
    }

    fn set_seed(&mut self, seed: u64) {
        self.seed = seed;
    }

    fn ask(&mut self) -> Result<Proposal, SearchError> {
        if self.state.exhausted {
            return Ok(Proposal::Exhausted);
        }
        let mut rng = stream_rng("nsga2", self.seed, self.state.asked);
        let mut fallback = stream_rng("nsga2", !self.seed, self.state.asked);
        let initializing = self.state.asked < self.config.population as u64 || self.state.population.is_empty();
        let (def, state, config) = (&self.def, &mut self.state, &self.config);
        let population = &state.population;
        let ranked = if initializing { Vec::new() } else { rank_population(population) };
        let drawn = draw_novel(
            "nsga2",
            def,
            &mut state.proposals,
            config.max_invalid,
            &mut state.invalid,
            &mut fallback,
            || {
                if initializing {
                    return def.sample_random(&mut rng);
                }
                let tournament = |rng: &mut rand_chacha::ChaCha8Rng| {
                    let (i, j) = (rng.random_range(0..population.len()), rng.random_range(0..population.len()));
                    if better(ranked[j], ranked[i]) { j } else { i }
                };
                let first = &population[tournament(&mut rng)].decisions;
                let child = if rng.random_bool(config.crossover.clamp(0.0, 1.0)) {
                    let second = &population[tournament(&mut rng)].decisions;
                    crossover(def, first, second, &mut rng)?
                } else {
                    def.replay(first)?
                };
                if child.decisions().is_empty() {
                    return Ok(child);
                }
                let target = rng.random_range(0..child.decisions().len());
                mutate(def, child.decisions(), target, &mut rng)
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
            self.state.pending.remove(&token).ok_or_else(|| common::unknown_token("nsga2", token))?;
        self.state.proposals.record(hash, outcome.score());
        let Some(scores) = outcome.scores() else { return Ok(()) };
        let population = &mut self.state.population;
        if population.first().is_some_and(|m| m.scores.len() != scores.len()) {
            return Err(SearchError::Config(format!(
                "nsga2 was told {} scores after {}: the objectives changed during the search",
                scores.len(),
                population[0].scores.len()
            )));
        }
        population.push(Member { decisions, scores });
        if population.len() > self.config.population.max(1) {
            let ranked = rank_population(population);
            // The worst: highest rank, then most crowded; the latest among equals.
            let worst = (0..population.len())
                .reduce(|w, i| if better(ranked[w], ranked[i]) || ranked[w] == ranked[i] { i } else { w });
            if let Some(worst) = worst {
                population.remove(worst);
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
