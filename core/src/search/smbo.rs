//! Sequential model-based optimization (DeepArchitect's `SMBOSearcher` and
//! `SMBOSearcherWithMCTSOptimizer`).

use std::collections::BTreeMap;

use rand::Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::architecture::Architecture;
use crate::definition::SpaceDef;
use crate::space::Space;

use super::common::{self, DEFAULT_MAX_INVALID, retry_invalid, stream_rng};
use super::error::SearchError;
use super::features::{FeatureBag, SparseFeatures, architecture_features, score_space, space_features};
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

/// The best candidate (score, index) of a split of the random candidates,
/// and the invalid draws of the whole split.
#[derive(Default)]
struct Best {
    invalid: u64,
    best: Option<(f64, u64)>,
}

impl Best {
    /// Higher score wins; among equal scores the lower candidate index, so the
    /// result does not depend on how rayon splits the work.
    fn merge(self, other: Best) -> Best {
        let invalid = self.invalid + other.invalid;
        let best = match (self.best, other.best) {
            (Some(a), Some(b)) => Some(if b.0 > a.0 || (b.0 == a.0 && b.1 < a.1) { b } else { a }),
            (a, b) => a.or(b),
        };
        Best { invalid, best }
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
/// any score).
///
/// ```
/// use archspace_core::search::{Outcome, Proposal, Searcher, SmboConfig, SmboSearcher};
/// use archspace_core::{choice, Op, SpaceDef};
/// let def = SpaceDef::new(|s| s.basic(Op::new("dense").param("units", choice([8, 16, 32]))));
/// let config = SmboConfig { candidates: 16, ..SmboConfig::default() };
/// let mut smbo = SmboSearcher::new(def, 5, config);
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
    pending: BTreeMap<Token, SparseFeatures>,
    #[serde(default)]
    surrogate: SurrogateState,
}

impl SmboSearcher {
    /// SMBO over `def` with `config`.
    pub fn new(def: SpaceDef, seed: u64, config: SmboConfig) -> Self {
        let surrogate = RidgeSurrogate::new(config.surrogate.clone());
        SmboSearcher { def, seed, config, surrogate, state: SmboState::default() }
    }

    /// The configuration.
    pub fn config(&self) -> &SmboConfig {
        &self.config
    }

    /// The best of `candidates` drawn from the inner optimizer, with its features.
    fn optimize<R: Rng>(&mut self, rng: &mut R) -> Result<(Architecture, SparseFeatures), SearchError> {
        let best = match &self.config.inner {
            InnerOptimizer::Random => self.best_random_candidate()?,
            InnerOptimizer::Mcts { exploration_bonus, .. } => self.best_mcts_candidate(*exploration_bonus, rng)?,
        };
        let (_, arch, features) = best.ok_or_else(|| SearchError::Config("smbo needs candidates ≥ 1".into()))?;
        Ok((arch, features))
    }

    /// Independent random candidates, drawn and scored in parallel (rayon).
    /// Candidate `i` of ask `k` draws from its own stream, and the first best
    /// wins, so the result does not depend on the number of threads. Each
    /// candidate is scored off its specified space and dropped; the winner
    /// is drawn again from its stream (the same space: building and random
    /// specification are deterministic) and only it is frozen.
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
                Ok::<_, SearchError>(Best { invalid, best: Some((score, i)) })
            })
            .try_reduce(Best::default, |a, b| Ok(a.merge(b)))?;
        self.state.invalid += found.invalid;
        let Some((score, i)) = found.best else { return Ok(None) };
        let (space, features) = self.draw_candidate(i, &mut 0, |mut space| {
            let features = space_features(&mut space, buckets)?;
            Ok((space, features))
        })?;
        let arch = self.def.finish(space)?;
        Ok(Some((score, arch, features.into_sparse())))
    }

    /// Random candidate `i` of the current ask, handed to `keep`; `Invalid`
    /// draws (counted in `invalid`) are retried on the same stream.
    fn draw_candidate<T>(
        &self,
        i: u64,
        invalid: &mut u64,
        mut keep: impl FnMut(Space) -> Result<T, crate::SpecError>,
    ) -> Result<T, SearchError> {
        let mut rng = stream_rng(self.seed ^ CANDIDATE_SALT, (self.state.asked << 24) | i);
        retry_invalid("smbo", self.config.max_invalid, invalid, || {
            let mut space = self.def.instantiate()?;
            space.specify_random(&mut rng)?;
            keep(space)
        })
    }

    /// Candidates from the inner tree, each told its surrogate score; a
    /// candidate's space is kept only while it is the best so far.
    fn best_mcts_candidate<R: Rng>(&mut self, bonus: f64, rng: &mut R) -> Result<Option<Scored>, SearchError> {
        let mut best: Option<(f64, Space, FeatureBag)> = None;
        // An invalid walk scores as the worst outcome seen.
        let penalty = self.state.worst.unwrap_or(0.0);
        let buckets = self.config.surrogate.buckets;
        for _ in 0..self.config.candidates.max(1) {
            let (def, tree, surrogate) = (&self.def, &mut self.state.inner_tree, &self.surrogate);
            let to_beat = best.as_ref().map(|(b, _, _)| *b);
            let ((score, better), history) =
                retry_invalid("smbo", self.config.max_invalid, &mut self.state.invalid, || {
                    tree.sample_then(def, bonus, penalty, rng, |mut space| {
                        let score = score_space(&mut space, buckets, |bag| surrogate.predict_bag(bag))?;
                        if to_beat.is_none_or(|b| score > b) {
                            let features = space_features(&mut space, buckets)?;
                            Ok((score, Some((space, features))))
                        } else {
                            crate::definition::recycle(space);
                            Ok((score, None))
                        }
                    })
                })?;
            self.state.inner_tree.update(&history, score);
            if let Some((space, features)) = better
                && let Some((_, previous, _)) = best.replace((score, space, features))
            {
                crate::definition::recycle(previous);
            }
        }
        let Some((score, space, features)) = best else { return Ok(None) };
        Ok(Some((score, self.def.finish(space)?, features.into_sparse())))
    }
}

impl Searcher for SmboSearcher {
    fn name(&self) -> &str {
        "smbo"
    }

    fn ask(&mut self) -> Result<Proposal, SearchError> {
        let mut rng = stream_rng(self.seed, self.state.asked);
        let explore = rng.random::<f64>() < self.config.exploration;
        let (architecture, features) = if explore {
            let def = &self.def;
            let arch = retry_invalid("smbo", self.config.max_invalid, &mut self.state.invalid, || {
                def.sample_random(&mut rng)
            })?;
            let features = architecture_features(&arch, self.config.surrogate.buckets);
            (arch, features)
        } else {
            self.optimize(&mut rng)?
        };
        let token = Token(self.state.asked);
        self.state.asked += 1;
        self.state.pending.insert(token, features);
        Ok(Proposal::Candidate(Candidate::new(token, architecture)))
    }

    fn tell(&mut self, token: Token, outcome: &Outcome) -> Result<(), SearchError> {
        let features = self.state.pending.remove(&token).ok_or_else(|| common::unknown_token("smbo", token))?;
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
        let mut searcher = SmboSearcher::new(def.clone(), 5, config);
        for _ in 0..12 {
            let Proposal::Candidate(c) = searcher.ask().unwrap() else { panic!("no candidate") };
            let filters: i64 = c.architecture.modules().iter().filter_map(|m| m.param("filters")?.as_int()).sum();
            searcher.tell(c.token, &Outcome::scored(filters as f64)).unwrap();
        }
        let buckets = searcher.config.surrogate.buckets;
        let scored: Vec<(f64, Architecture)> = (0..64)
            .map(|i| {
                let mut rng = stream_rng(searcher.seed ^ CANDIDATE_SALT, (searcher.state.asked << 24) | i);
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
        assert_eq!(searcher.state.pending[&c.token], architecture_features(winner, buckets));
    }
}
