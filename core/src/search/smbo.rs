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
use super::features::{FeatureBag, SparseFeatures, architecture_features, space_features};
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

/// The best candidate of a split of the random candidates, and the invalid
/// draws of the whole split.
#[derive(Default)]
struct Best {
    invalid: u64,
    best: Option<(f64, u64, Space, FeatureBag)>,
}

impl Best {
    /// Higher score wins; among equal scores the lower candidate index, so the
    /// result does not depend on how rayon splits the work.
    fn merge(self, other: Best) -> Best {
        let invalid = self.invalid + other.invalid;
        let best = match (self.best, other.best) {
            (Some(a), Some(b)) => {
                let (keep, drop) = if b.0 > a.0 || (b.0 == a.0 && b.1 < a.1) { (b, a) } else { (a, b) };
                crate::definition::recycle(drop.2);
                Some(keep)
            }
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
    /// wins, so the result does not depend on the number of threads.
    fn best_random_candidate(&mut self) -> Result<Option<Scored>, SearchError> {
        let (def, surrogate, config) = (&self.def, &self.surrogate, &self.config);
        let (seed, ask) = (self.seed ^ CANDIDATE_SALT, self.state.asked);
        let found = (0..config.candidates.max(1) as u64)
            .into_par_iter()
            .map(|i| {
                let mut rng = stream_rng(seed, (ask << 24) | i);
                let mut invalid = 0;
                // Scored off the specified space; only the winner is frozen.
                let (space, features) = retry_invalid("smbo", config.max_invalid, &mut invalid, || {
                    let mut space = def.instantiate()?;
                    space.specify_random(&mut rng)?;
                    let features = space_features(&mut space, config.surrogate.buckets)?;
                    Ok((space, features))
                })?;
                let score = surrogate.predict_bag(&features);
                Ok::<_, SearchError>(Best { invalid, best: Some((score, i, space, features)) })
            })
            // Keeps one candidate per split, never all of them at once.
            .try_reduce(Best::default, |a, b| Ok(a.merge(b)))?;
        self.state.invalid += found.invalid;
        let Some((score, _, space, features)) = found.best else { return Ok(None) };
        let arch = self.def.finish(space)?;
        Ok(Some((score, arch, features.into_sparse())))
    }

    fn best_mcts_candidate<R: Rng>(&mut self, bonus: f64, rng: &mut R) -> Result<Option<Scored>, SearchError> {
        let mut best: Option<(f64, Space, FeatureBag)> = None;
        // An invalid walk scores as the worst outcome seen.
        let penalty = self.state.worst.unwrap_or(0.0);
        let buckets = self.config.surrogate.buckets;
        for _ in 0..self.config.candidates.max(1) {
            let (def, tree) = (&self.def, &mut self.state.inner_tree);
            let ((space, features), history) =
                retry_invalid("smbo", self.config.max_invalid, &mut self.state.invalid, || {
                    tree.sample_then(def, bonus, penalty, rng, |mut space| {
                        let features = space_features(&mut space, buckets)?;
                        Ok((space, features))
                    })
                })?;
            let score = self.surrogate.predict_bag(&features);
            self.state.inner_tree.update(&history, score);
            if best.as_ref().is_none_or(|(b, _, _)| score > *b) {
                if let Some((_, previous, _)) = best.replace((score, space, features)) {
                    crate::definition::recycle(previous);
                }
            } else {
                crate::definition::recycle(space);
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
