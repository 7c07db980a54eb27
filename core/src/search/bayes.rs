//! Bayesian optimization with a Gaussian process over structural features
//! and expected improvement, its acquisition maximized over mutations of
//! the best architectures and random ones (as BANANAS's mutation-based
//! acquisition optimizer, White, Neiswanger & Savani 2021); trials in
//! flight enter the model at their posterior mean (kriging believer).

use std::collections::BTreeMap;

use rand::Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::architecture::{Architecture, ArchitectureHash, Decision};
use crate::definition::SpaceDef;

use super::common::{self, DEFAULT_MAX_INVALID, retry_invalid, stream_rng};
use super::error::SearchError;
use super::features::{SparseFeatures, architecture_features, decision_features};
use super::gp::{GaussianProcess, expected_improvement};
use super::neighbours::mutate;
use super::novelty::{Proposals, draw_novel_random, exhausted_reason};
use super::outcome::Outcome;
use super::searcher::{Candidate, Proposal, Searcher, Token};

/// What the Gaussian process of [`BayesSearcher`] sees of an architecture.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    /// Every structural feature: ops, parameters and connections keyed by
    /// path, and the decisions ([`architecture_features`]).
    Structure,
    /// The decisions keyed by path only ([`decision_features`]).
    Decisions,
}

/// How [`BayesSearcher`] values a candidate under the model.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Acquisition {
    /// Expected improvement over the best value so far (Jones, Schonlau & Welch 1998).
    ExpectedImprovement,
    /// Upper confidence bound `mean + beta · std` (Srinivas et al. 2010).
    UpperConfidence {
        /// Weight of the standard deviation.
        beta: f64,
    },
    /// A draw from each candidate's posterior (independent Thompson sampling,
    /// as BANANAS; White, Neiswanger & Savani 2021).
    Thompson,
}

/// How [`BayesSearcher`] treats the trials still in flight when it is asked
/// for another (the driver keeps `in_flight` of them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Batching {
    /// The model ignores them: the proposals of one batch may crowd
    /// around one promising spot.
    Independent,
    /// *Kriging believer* (Ginsbourger, Le Riche & Carraro 2010): each
    /// pending architecture is added to the model as if it had scored its
    /// posterior mean, so its neighbourhood loses the uncertainty it no
    /// longer has and the next proposal looks elsewhere.
    KrigingBeliever,
}

/// Settings of [`BayesSearcher`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BayesConfig {
    /// How candidates are valued.
    pub acquisition: Acquisition,
    /// What the model sees of an architecture.
    pub encoding: Encoding,
    /// Random architectures evaluated before the model is used.
    pub initial: usize,
    /// Candidates whose expected improvement is computed per ask.
    pub candidates: usize,
    /// Share of the candidates that are mutations of good architectures
    /// (the rest are random).
    pub mutation_share: f64,
    /// Mutations start from one of the `parents` best architectures so far.
    pub parents: usize,
    /// Hash buckets of the structural features.
    pub buckets: u32,
    /// Observations between choices of the kernel's length-scale and noise
    /// (by marginal likelihood); the model is refit after every one.
    pub refit_interval: usize,
    /// How trials in flight shape the next proposal.
    #[serde(default = "default_batching")]
    pub batching: Batching,
    /// Bound on consecutive `Invalid` draws.
    pub max_invalid: u32,
}

fn default_batching() -> Batching {
    Batching::KrigingBeliever
}

impl Default for BayesConfig {
    fn default() -> Self {
        BayesConfig {
            acquisition: Acquisition::ExpectedImprovement,
            encoding: Encoding::Decisions,
            initial: 10,
            candidates: 200,
            mutation_share: 0.5,
            parents: 10,
            buckets: 1 << 12,
            refit_interval: 10,
            batching: default_batching(),
            max_invalid: DEFAULT_MAX_INVALID,
        }
    }
}

/// An outcome told: features, score (a failure: the lowest score seen), decisions.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Observation {
    features: SparseFeatures,
    value: f64,
    decisions: Vec<Decision>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct BayesState {
    asked: u64,
    invalid: u64,
    observations: Vec<Observation>,
    /// The kernel's squared length-scale and noise, and the number of
    /// observations when they were chosen.
    hyperparameters: Option<(f64, f64, usize)>,
    worst: Option<f64>,
    pending: BTreeMap<Token, (SparseFeatures, ArchitectureHash, Vec<Decision>)>,
    proposals: Proposals,
    exhausted: bool,
}

/// Separates candidate streams from the per-ask stream.
const CANDIDATE_SALT: u64 = 0xBA7E_5CA4_D1DA_7E00;

/// Bayesian optimization: after `initial` random architectures, each ask
/// proposes the candidate of largest *expected improvement* under a
/// Gaussian process fitted to every outcome so far.
///
/// - **Model**: a Gaussian process with the squared-exponential kernel
///   `exp(−‖x − y‖² / 2ℓ²)` on an encoding of the architectures that works
///   for any space: by default the decisions keyed by path, one-hot
///   ([`decision_features`]; the distance counts the decisions two
///   architectures differ in), or every structural feature
///   ([`architecture_features`]: ops, parameters and connections too). `ℓ`
///   and the noise are chosen by marginal likelihood every
///   `refit_interval` observations (Rasmussen & Williams 2006, §5.4); the
///   Cholesky factor grows by one row per outcome in between.
/// - **Acquisition**: expected improvement over the best score (Jones,
///   Schonlau & Welch 1998; or [`Acquisition`]), maximized over
///   `candidates` architectures:
///   one-decision mutations of the `parents` best so far (BANANAS's
///   acquisition optimizer, White et al. 2021) and random ones, drawn and
///   scored in parallel from streams of their own (the result does not
///   depend on the thread count). Candidates proposed before are skipped.
/// - **Trials in flight** (the driver keeps `in_flight` of them): by
///   default each is added to the model at its posterior mean before the
///   next proposal is chosen (the *kriging believer* of Ginsbourger, Le
///   Riche & Carraro 2010; [`Batching`]), so one batch spreads out instead
///   of crowding around one promising spot. Only told outcomes are learned.
///
/// Failed trials are learned as the lowest score seen.
///
/// ```
/// use archspace_core::search::{BayesConfig, BayesSearcher, Outcome, Proposal, Searcher};
/// use archspace_core::{choice, Op, SpaceDef};
/// let def = SpaceDef::new(|s| {
///     let a = s.basic(Op::new("dense").param("units", choice([1, 2, 3, 4, 5, 6, 7, 8])))?;
///     let b = s.basic(Op::new("dense").param("units", choice([1, 2, 3, 4, 5, 6, 7, 8])))?;
///     s.chain(&a, &b)?;
///     Ok(s.border_of(&a, &b))
/// });
/// let config = BayesConfig { initial: 5, candidates: 64, ..BayesConfig::default() };
/// let mut bo = BayesSearcher::new(def, config).seeded(2);
/// let mut best = f64::MIN;
/// for _ in 0..25 {
///     let Proposal::Candidate(c) = bo.ask()? else { unreachable!() };
///     let units: i64 = c.decisions().iter().map(|d| d.value.as_int().unwrap()).sum();
///     best = best.max(units as f64);
///     bo.tell(c.token, &Outcome::scored(units as f64))?;
/// }
/// assert!(best >= 15.0, "{best}");
/// # Ok::<(), archspace_core::search::SearchError>(())
/// ```
#[derive(Debug)]
pub struct BayesSearcher {
    def: SpaceDef,
    seed: u64,
    config: BayesConfig,
    model: GaussianProcess,
    state: BayesState,
}

/// The best candidate so far: (expected improvement, index, architecture, features).
type Best = Option<(f64, u64, Architecture, SparseFeatures)>;

fn keep_better(a: Best, b: Best) -> Best {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b.0 > a.0 || (b.0 == a.0 && b.1 < a.1) { b } else { a }),
        (a, b) => a.or(b),
    }
}

impl BayesSearcher {
    /// Bayesian optimization over `def` with `config`.
    pub fn new(def: SpaceDef, config: BayesConfig) -> Self {
        BayesSearcher { def, seed: 0, config, model: GaussianProcess::default(), state: BayesState::default() }
    }

    /// Brings the model up to date with every observation.
    fn update_model(&mut self) {
        if self.model.len() > self.state.observations.len() {
            self.model = GaussianProcess::default();
        }
        for o in &self.state.observations[self.model.len()..] {
            self.model.observe(o.features.clone(), o.value);
        }
        if self.model.is_fitted() {
            return;
        }
        let n = self.state.observations.len();
        let choose = match self.state.hyperparameters {
            Some((length2, noise, at)) if n < at + self.config.refit_interval.max(1) => {
                self.model.set_hyperparameters(length2, noise);
                false
            }
            _ => true,
        };
        self.model.fit(choose);
        if choose {
            let (length2, noise) = self.model.hyperparameters();
            self.state.hyperparameters = Some((length2, noise, n));
        }
    }

    /// The model to propose with: the fitted one, plus each pending
    /// architecture at its posterior mean under [`Batching::KrigingBeliever`]
    /// (in token order, the length-scale and noise kept), and the best
    /// value it holds.
    fn proposing_model(&self) -> (std::borrow::Cow<'_, GaussianProcess>, f64) {
        let incumbent = self.state.observations.iter().map(|o| o.value).fold(f64::NEG_INFINITY, f64::max);
        if self.config.batching == Batching::Independent || self.state.pending.is_empty() {
            return (std::borrow::Cow::Borrowed(&self.model), incumbent);
        }
        let mut model = self.model.clone();
        let mut best = incumbent;
        for (features, _, _) in self.state.pending.values() {
            let believed = model.predict(features).mean;
            best = best.max(believed);
            model.observe(features.clone(), believed);
            model.fit(false);
        }
        (std::borrow::Cow::Owned(model), best)
    }

    /// The features of `arch` under the configured encoding.
    fn features(&self, arch: &Architecture) -> SparseFeatures {
        match self.config.encoding {
            Encoding::Structure => architecture_features(arch, self.config.buckets),
            Encoding::Decisions => decision_features(arch, self.config.buckets),
        }
    }

    /// The best `parents` observations, best first.
    fn parents(&self) -> Vec<&[Decision]> {
        let values: Vec<f64> = self.state.observations.iter().map(|o| o.value).collect();
        let mut order: Vec<usize> = (0..values.len()).collect();
        order.sort_by(|&a, &b| values[b].total_cmp(&values[a]).then(a.cmp(&b)));
        order
            .into_iter()
            .take(self.config.parents.max(1))
            .map(|i| self.state.observations[i].decisions.as_slice())
            .collect()
    }

    /// The candidate of largest expected improvement not proposed before,
    /// and the `Invalid` draws made on the way.
    fn best_candidate(&self) -> Result<(u64, Best), SearchError> {
        let parents = self.parents();
        let (model, incumbent) = self.proposing_model();
        let mutations = (self.config.candidates as f64 * self.config.mutation_share.clamp(0.0, 1.0)).round() as u64;
        let (def, model, proposals) = (&self.def, model.as_ref(), &self.state.proposals);
        let found = (0..self.config.candidates.max(1) as u64)
            .into_par_iter()
            .map(|i| {
                let mut rng = stream_rng("bayes", self.seed ^ CANDIDATE_SALT, (self.state.asked << 24) | i);
                let mut invalid = 0;
                let arch = retry_invalid("bayes", self.config.max_invalid, &mut invalid, || {
                    match parents.get(rng.random_range(0..parents.len().max(1))) {
                        Some(parent) if i < mutations && !parent.is_empty() => {
                            let target = rng.random_range(0..parent.len());
                            mutate(def, parent, target, &mut rng)
                        }
                        _ => def.sample_random(&mut rng),
                    }
                })?;
                if proposals.contains(arch.canonical_hash()) {
                    return Ok((invalid, None));
                }
                let features = self.features(&arch);
                let p = model.predict(&features);
                let value = match self.config.acquisition {
                    Acquisition::ExpectedImprovement => expected_improvement(p, incumbent),
                    Acquisition::UpperConfidence { beta } => p.mean + beta * p.std,
                    Acquisition::Thompson => {
                        let (u, v): (f64, f64) = (rng.random_range(f64::EPSILON..1.0), rng.random());
                        p.mean + p.std * (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
                    }
                };
                Ok::<(u64, Best), SearchError>((invalid, Some((value, i, arch, features))))
            })
            .try_reduce(|| (0, None), |a, b| Ok((a.0 + b.0, keep_better(a.1, b.1))))?;
        Ok(found)
    }
}

impl Searcher for BayesSearcher {
    fn name(&self) -> &str {
        "bayes"
    }

    fn set_seed(&mut self, seed: u64) {
        self.seed = seed;
    }

    fn ask(&mut self) -> Result<Proposal, SearchError> {
        if self.state.exhausted {
            return Ok(Proposal::Exhausted);
        }
        let mut rng = stream_rng("bayes", self.seed, self.state.asked);
        let modelled = self.state.observations.len() >= self.config.initial.max(1) && self.state.worst.is_some();
        let chosen = if modelled {
            self.update_model();
            let (invalid, best) = self.best_candidate()?;
            self.state.invalid += invalid;
            best.map(|(_, _, arch, features)| (arch, features))
        } else {
            None
        };
        let (architecture, features) = match chosen {
            Some((arch, features)) => {
                self.state.proposals.insert(arch.canonical_hash());
                (arch, features)
            }
            None => {
                let state = &mut self.state;
                let drawn = draw_novel_random(
                    "bayes",
                    &self.def,
                    &mut state.proposals,
                    self.config.max_invalid,
                    &mut state.invalid,
                    &mut rng,
                )?;
                let Some(arch) = drawn else {
                    self.state.exhausted = true;
                    return Ok(Proposal::Exhausted);
                };
                let features = self.features(&arch);
                (arch, features)
            }
        };
        let token = Token(self.state.asked);
        self.state.asked += 1;
        let entry = (features, architecture.canonical_hash(), architecture.decisions().to_vec());
        self.state.pending.insert(token, entry);
        Ok(Proposal::Candidate(Candidate::new(token, architecture)))
    }

    fn tell(&mut self, token: Token, outcome: &Outcome) -> Result<(), SearchError> {
        let (features, hash, decisions) =
            self.state.pending.remove(&token).ok_or_else(|| common::unknown_token("bayes", token))?;
        self.state.proposals.record(hash, outcome.score());
        let value = match outcome.score() {
            Some(score) => {
                self.state.worst = Some(self.state.worst.map_or(score, |w| w.min(score)));
                Some(score)
            }
            None => self.state.worst,
        };
        if let Some(value) = value {
            self.state.observations.push(Observation { features, value, decisions });
        }
        Ok(())
    }

    fn save_state(&self) -> Result<serde_json::Value, SearchError> {
        common::save(self.name(), &self.state)
    }

    fn restore_state(&mut self, state: serde_json::Value) -> Result<(), SearchError> {
        self.state = common::load(self.name(), state)?;
        self.model = GaussianProcess::default();
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
    use crate::{Op, choice};

    fn def() -> SpaceDef {
        SpaceDef::new(|s| {
            let a = s.basic(Op::new("dense").param("units", choice([1, 2, 3, 4, 5, 6, 7, 8])))?;
            let b = s.basic(Op::new("dense").param("units", choice([1, 2, 3, 4, 5, 6, 7, 8])))?;
            s.chain(&a, &b)?;
            Ok(s.border_of(&a, &b))
        })
    }

    fn units(c: &Candidate) -> f64 {
        c.decisions().iter().filter_map(|d| d.value.as_int()).sum::<i64>() as f64
    }

    /// A searcher that has seen 12 outcomes and has one more trial in flight.
    fn with_one_in_flight(batching: Batching) -> (BayesSearcher, SparseFeatures) {
        let config = BayesConfig { initial: 4, candidates: 32, batching, ..BayesConfig::default() };
        let mut bo = BayesSearcher::new(def(), config).seeded(5);
        for _ in 0..12 {
            let Ok(Proposal::Candidate(c)) = bo.ask() else { panic!("the space has 64 architectures") };
            bo.tell(c.token, &Outcome::scored(units(&c))).unwrap();
        }
        let Ok(Proposal::Candidate(c)) = bo.ask() else { panic!("the space has 64 architectures") };
        let features = bo.features(&c.architecture);
        (bo, features)
    }

    #[test]
    fn a_kriging_believer_is_sure_of_what_is_in_flight() {
        let (bo, pending) = with_one_in_flight(Batching::KrigingBeliever);
        let (believer, _) = bo.proposing_model();
        let (fitted, believed) = (bo.model.predict(&pending), believer.predict(&pending));
        assert!(believed.std < 0.5 * fitted.std, "in flight: {believed:?}; fitted alone: {fitted:?}");
        assert!((believed.mean - fitted.mean).abs() < 0.1 * fitted.std, "it believes the mean: {believed:?}");
        assert_eq!(bo.state.observations.len(), 12, "what it believes is not learned");
    }

    #[test]
    fn independent_proposals_use_the_fitted_model() {
        let (bo, pending) = with_one_in_flight(Batching::Independent);
        let (model, _) = bo.proposing_model();
        assert!(matches!(model, std::borrow::Cow::Borrowed(_)));
        assert_eq!(model.predict(&pending), bo.model.predict(&pending));
    }
}
