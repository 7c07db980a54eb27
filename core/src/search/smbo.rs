//! Sequential model-based optimization (DeepArchitect's `SMBOSearcher` and
//! `SMBOSearcherWithMCTSOptimizer`).

use std::collections::BTreeMap;

use rand::Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::architecture::{Architecture, ArchitectureHash};
use crate::definition::SpaceDef;
use crate::space::Space;

use super::common::{self, DEFAULT_MAX_INVALID, retry_invalid, stream_rng};
use super::error::SearchError;
use super::features::{FeatureBag, SparseFeatures, architecture_features, score_space, space_features};
use super::novelty::{Proposals, draw_novel, draw_novel_random, exhausted_reason};
use super::outcome::Outcome;
use super::searcher::{Candidate, Proposal, Searcher, Token};
use super::surrogate::{RidgeSurrogate, SurrogateConfig, SurrogateState};
use super::tree::UctTree;

/// Where SMBO's candidates come from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InnerOptimizer {
    /// Independent random architectures (per decision).
    Random,
    /// An inner MCTS, told the surrogate's score of each candidate; its tree
    /// is rebuilt every `tree_refit_interval` real outcomes.
    Mcts {
        /// UCT exploration bonus of the inner tree.
        exploration_bonus: f64,
        /// Real outcomes between rebuilds of the inner tree.
        tree_refit_interval: u64,
    },
}

/// Settings of [`SmboSearcher`]; the defaults are the paper's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SmboConfig {
    /// Candidates scored by the surrogate per ask (paper: 512).
    pub candidates: usize,
    /// Probability of proposing one random architecture instead (paper: 0.1).
    pub exploration: f64,
    /// Where candidates come from.
    pub inner: InnerOptimizer,
    /// The surrogate.
    pub surrogate: SurrogateConfig,
    /// Bound on consecutive `Invalid` draws.
    pub max_invalid: u32,
}

impl Default for SmboConfig {
    fn default() -> Self {
        SmboConfig {
            candidates: 512,
            exploration: 0.1,
            inner: InnerOptimizer::Random,
            surrogate: SurrogateConfig::default(),
            max_invalid: DEFAULT_MAX_INVALID,
        }
    }
}

/// A candidate with its surrogate score and features.
type Scored = (f64, Architecture, SparseFeatures);

/// Random candidates kept per ask, best first: the proposal is the best of
/// them that was not proposed before.
const KEPT: usize = 8;

/// The best candidates (score, index) of a split of the random candidates,
/// best first, and the invalid draws of the whole split.
#[derive(Default)]
struct Best {
    invalid: u64,
    best: Vec<(f64, u64)>,
}

impl Best {
    /// Higher score first; among equal scores the lower candidate index, so
    /// the result does not depend on how rayon splits the work.
    fn merge(mut self, other: Best) -> Best {
        self.best.extend(other.best);
        self.best.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        self.best.truncate(KEPT);
        Best { invalid: self.invalid + other.invalid, best: self.best }
    }
}

/// Separates candidate streams from the per-ask stream.
const CANDIDATE_SALT: u64 = 0x0005_CA4D_1DA7_E500;

/// SMBO: with probability `exploration` a random architecture; otherwise
/// the best of `candidates` architectures under a hashed ridge-regression
/// surrogate over path-keyed structural features
/// ([`architecture_features`]), refit as outcomes arrive.
///
/// Random candidates are drawn and scored in parallel on rayon's global pool,
/// each from its own stream: the result does not depend on the thread count.
/// A failed trial is learned as the lowest score seen so far (ignored before
/// any score). The proposal is the best candidate not proposed before (no
/// trial re-evaluates a network); when every good candidate was, a random
/// new one.
///
/// ```
/// use archspace_core::search::{Outcome, Proposal, Searcher, SmboConfig, SmboSearcher};
/// use archspace_core::{choice, Op, SpaceDef};
/// let def = SpaceDef::new(|s| s.basic(Op::new("dense").param("units", choice([8, 16, 32]))));
/// let config = SmboConfig { candidates: 16, ..SmboConfig::default() };
/// let mut smbo = SmboSearcher::new(def, config).seeded(5);
/// let Proposal::Candidate(c) = smbo.ask()? else { unreachable!() };
/// smbo.tell(c.token, &Outcome::scored(0.5))?;
/// # Ok::<(), archspace_core::search::SearchError>(())
/// ```
#[derive(Debug)]
pub struct SmboSearcher {
    def: SpaceDef,
    seed: u64,
    config: SmboConfig,
    surrogate: RidgeSurrogate,
    state: SmboState,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct SmboState {
    asked: u64,
    told: u64,
    invalid: u64,
    worst: Option<f64>,
    inner_tree: UctTree,
    pending: BTreeMap<Token, (SparseFeatures, ArchitectureHash)>,
    #[serde(default)]
    surrogate: SurrogateState,
    proposals: Proposals,
    exhausted: bool,
}

impl SmboSearcher {
    /// SMBO over `def` with `config`.
    pub fn new(def: SpaceDef, config: SmboConfig) -> Self {
        let surrogate = RidgeSurrogate::new(config.surrogate.clone());
        SmboSearcher { def, seed: 0, config, surrogate, state: SmboState::default() }
    }

    /// The configuration.
    pub fn config(&self) -> &SmboConfig {
        &self.config
    }

    /// The best of `candidates` drawn from the inner optimizer that was not
    /// proposed before, with its features; a random new architecture when
    /// there is none; `None` when the space is exhausted.
    fn optimize<R: Rng>(&mut self, rng: &mut R) -> Result<Option<(Architecture, SparseFeatures)>, SearchError> {
        let best = match &self.config.inner {
            InnerOptimizer::Random => self.best_random_candidate()?,
            InnerOptimizer::Mcts { exploration_bonus, .. } => self.best_mcts_candidate(*exploration_bonus, rng)?,
        };
        if let Some((_, arch, features)) = best {
            self.state.proposals.insert(arch.canonical_hash());
            return Ok(Some((arch, features)));
        }
        let state = &mut self.state;
        let drawn = draw_novel_random(
            "smbo",
            &self.def,
            &mut state.proposals,
            self.config.max_invalid,
            &mut state.invalid,
            rng,
        )?;
        Ok(drawn.map(|arch| {
            let features = architecture_features(&arch, self.config.surrogate.buckets);
            (arch, features)
        }))
    }

    /// Independent random candidates, drawn and scored in parallel (rayon).
    /// Candidate `i` of ask `k` draws from its own stream, and the first best
    /// wins, so the result does not depend on the number of threads. Each
    /// candidate is scored off its specified space and dropped; the best
    /// [`KEPT`] are drawn again from their streams (the same space: building
    /// and random specification are deterministic) and frozen, best first,
    /// until one was not proposed before.
    fn best_random_candidate(&mut self) -> Result<Option<Scored>, SearchError> {
        let (surrogate, buckets) = (&self.surrogate, self.config.surrogate.buckets);
        let found = (0..self.config.candidates.max(1) as u64)
            .into_par_iter()
            .map(|i| {
                let mut invalid = 0;
                let score = self.draw_candidate(i, &mut invalid, |mut space| {
                    let score = score_space(&mut space, buckets, |bag| surrogate.predict_bag(bag));
                    crate::definition::recycle(space);
                    score
                })?;
                Ok::<_, SearchError>(Best { invalid, best: vec![(score, i)] })
            })
            .try_reduce(Best::default, |a, b| Ok(a.merge(b)))?;
        self.state.invalid += found.invalid;
        for (score, i) in found.best {
            let (space, features) = self.draw_candidate(i, &mut 0, |mut space| {
                let features = space_features(&mut space, buckets)?;
                Ok((space, features))
            })?;
            let arch = self.def.finish(space)?;
            if !self.state.proposals.contains(arch.canonical_hash()) {
                return Ok(Some((score, arch, features.into_sparse())));
            }
        }
        Ok(None)
    }

    /// Random candidate `i` of the current ask, handed to `keep`; `Invalid`
    /// draws (counted in `invalid`) are retried on the same stream.
    fn draw_candidate<T>(
        &self,
        i: u64,
        invalid: &mut u64,
        mut keep: impl FnMut(Space) -> Result<T, crate::SpecError>,
    ) -> Result<T, SearchError> {
        let mut rng = stream_rng("smbo", self.seed ^ CANDIDATE_SALT, (self.state.asked << 24) | i);
        retry_invalid("smbo", self.config.max_invalid, invalid, || {
            let mut space = self.def.instantiate()?;
            space.specify_random(&mut rng)?;
            keep(space)
        })
    }

    /// Candidates from the inner tree, each told its surrogate score; a
    /// candidate that beats the best so far is frozen and kept if it was not
    /// proposed before.
    fn best_mcts_candidate<R: Rng>(&mut self, bonus: f64, rng: &mut R) -> Result<Option<Scored>, SearchError> {
        let mut best: Option<(f64, Architecture, FeatureBag)> = None;
        let buckets = self.config.surrogate.buckets;
        for _ in 0..self.config.candidates.max(1) {
            let (def, state, surrogate) = (&self.def, &mut self.state, &self.surrogate);
            let (tree, proposals) = (&mut state.inner_tree, &state.proposals);
            let to_beat = best.as_ref().map(|(b, _, _)| *b);
            let ((score, better), history) =
                retry_invalid("smbo", self.config.max_invalid, &mut state.invalid, || {
                    tree.sample_then(def, bonus, rng, |mut space| {
                        let score = score_space(&mut space, buckets, |bag| surrogate.predict_bag(bag))?;
                        if to_beat.is_none_or(|b| score > b) {
                            let features = space_features(&mut space, buckets)?;
                            let arch = def.finish(space)?;
                            let new = !proposals.contains(arch.canonical_hash());
                            Ok((score, new.then_some((arch, features))))
                        } else {
                            crate::definition::recycle(space);
                            Ok((score, None))
                        }
                    })
                })?;
            state.inner_tree.update(&history, Some(score));
            if let Some((arch, features)) = better {
                best = Some((score, arch, features));
            }
        }
        Ok(best.map(|(score, arch, features)| (score, arch, features.into_sparse())))
    }
}

impl Searcher for SmboSearcher {
    fn name(&self) -> &str {
        "smbo"
    }

    fn set_seed(&mut self, seed: u64) {
        self.seed = seed;
    }

    fn ask(&mut self) -> Result<Proposal, SearchError> {
        if self.state.exhausted {
            return Ok(Proposal::Exhausted);
        }
        let mut rng = stream_rng("smbo", self.seed, self.state.asked);
        let explore = rng.random::<f64>() < self.config.exploration;
        let proposal = if explore {
            let (def, state) = (&self.def, &mut self.state);
            let mut fallback = stream_rng("smbo", !self.seed, state.asked);
            let drawn = draw_novel(
                "smbo",
                def,
                &mut state.proposals,
                self.config.max_invalid,
                &mut state.invalid,
                &mut fallback,
                || def.sample_random(&mut rng),
            )?;
            drawn.map(|arch| {
                let features = architecture_features(&arch, self.config.surrogate.buckets);
                (arch, features)
            })
        } else {
            self.optimize(&mut rng)?
        };
        let Some((architecture, features)) = proposal else {
            self.state.exhausted = true;
            return Ok(Proposal::Exhausted);
        };
        let token = Token(self.state.asked);
        self.state.asked += 1;
        self.state.pending.insert(token, (features, architecture.canonical_hash()));
        Ok(Proposal::Candidate(Candidate::new(token, architecture)))
    }

    fn tell(&mut self, token: Token, outcome: &Outcome) -> Result<(), SearchError> {
        let (features, hash) = self.state.pending.remove(&token).ok_or_else(|| common::unknown_token("smbo", token))?;
        self.state.proposals.record(hash, outcome.score());
        let value = match outcome.score() {
            Some(score) => {
                self.state.worst = Some(self.state.worst.map_or(score, |w| w.min(score)));
                Some(score)
            }
            None => self.state.worst,
        };
        if let Some(value) = value {
            self.surrogate.observe(features, value);
        }
        self.state.told += 1;
        if let InnerOptimizer::Mcts { tree_refit_interval, .. } = self.config.inner
            && self.state.told.is_multiple_of(tree_refit_interval.max(1))
        {
            self.state.inner_tree = UctTree::default();
        }
        Ok(())
    }

    fn save_state(&self) -> Result<serde_json::Value, SearchError> {
        let mut state = self.state.clone();
        state.surrogate = self.surrogate.state();
        common::save(self.name(), &state)
    }

    fn restore_state(&mut self, state: serde_json::Value) -> Result<(), SearchError> {
        let mut state: SmboState = common::load(self.name(), state)?;
        self.surrogate = RidgeSurrogate::restore(self.config.surrogate.clone(), std::mem::take(&mut state.surrogate));
        self.state = state;
        Ok(())
    }

    fn invalid_count(&self) -> u64 {
        self.state.invalid
    }

    fn why_exhausted(&self) -> Option<String> {
        self.state.exhausted.then(|| exhausted_reason(&self.def, self.state.proposals.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The proposal is the candidate that scored best, drawn again from its
    /// stream: recomputed here from every candidate's frozen architecture.
    #[test]
    fn the_proposal_is_the_best_scored_candidate() {
        let def = crate::spaces::seed();
        let config = SmboConfig { candidates: 64, exploration: 0.0, ..SmboConfig::default() };
        let mut searcher = SmboSearcher::new(def.clone(), config).seeded(5);
        for _ in 0..12 {
            let Proposal::Candidate(c) = searcher.ask().unwrap() else { panic!("no candidate") };
            let filters: i64 = c.architecture.modules().iter().filter_map(|m| m.param("filters")?.as_int()).sum();
            searcher.tell(c.token, &Outcome::scored(filters as f64)).unwrap();
        }
        let buckets = searcher.config.surrogate.buckets;
        let scored: Vec<(f64, Architecture)> = (0..64)
            .map(|i| {
                let mut rng = stream_rng("smbo", searcher.seed ^ CANDIDATE_SALT, (searcher.state.asked << 24) | i);
                let arch = def.sample_random(&mut rng).unwrap();
                (searcher.surrogate.predict(&architecture_features(&arch, buckets)), arch)
            })
            .collect();
        let best = scored.iter().map(|(s, _)| *s).fold(f64::NEG_INFINITY, f64::max);
        let distinct: std::collections::HashSet<u64> = scored.iter().map(|(s, _)| s.to_bits()).collect();
        assert!(distinct.len() > 8, "the fitted surrogate should tell the candidates apart");
        let Proposal::Candidate(c) = searcher.ask().unwrap() else { panic!("no candidate") };
        let (score, winner) = scored.iter().find(|(_, a)| *a == c.architecture).expect("one of the candidates");
        assert!((score - best).abs() <= 1e-9 * best.abs().max(1.0), "proposed {score}, best {best}");
        assert_eq!(searcher.state.pending[&c.token].0, architecture_features(winner, buckets));
    }
}
