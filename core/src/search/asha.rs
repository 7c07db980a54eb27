//! ASHA: asynchronous successive halving (Li, Jamieson, Rostamizadeh,
//! Gonina, Ben-tzur, Hardt, Recht & Talwalkar, MLSys 2020).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::architecture::{ArchitectureHash, Decision};
use crate::definition::SpaceDef;

use super::common::{self, DEFAULT_MAX_INVALID, stream_rng};
use super::error::SearchError;
use super::hyperband::FidelityConfig;
use super::novelty::{Proposals, draw_novel_random, exhausted_reason};
use super::outcome::Outcome;
use super::searcher::{Candidate, Proposal, Searcher, Token};

/// Settings of [`AshaSearcher`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AshaConfig {
    /// The budgets of the rungs.
    pub fidelity: FidelityConfig,
    /// Bound on consecutive `Invalid` draws.
    pub max_invalid: u32,
}

impl Default for AshaConfig {
    fn default() -> Self {
        AshaConfig { fidelity: FidelityConfig::default(), max_invalid: DEFAULT_MAX_INVALID }
    }
}

/// An architecture ASHA started, and its evaluation at each rung so far.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Member {
    decisions: Vec<Decision>,
    hash: ArchitectureHash,
    /// Token of its evaluation at rung `k`, for `k` up to its highest.
    tokens: Vec<Token>,
}

/// One rung: the members told there (score `None`: failed) and those promoted from it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct Rung {
    told: Vec<(usize, Option<f64>)>,
    promoted: BTreeSet<usize>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct AshaState {
    asked: u64,
    invalid: u64,
    members: Vec<Member>,
    rungs: Vec<Rung>,
    pending: BTreeMap<Token, (usize, u32)>,
    proposals: Proposals,
    exhausted: bool,
}

/// Asynchronous successive halving: whenever a trial can start, promote
/// the best architecture of the highest rung that has one in its top
/// `1/η` not promoted yet (counting the evaluations told at that rung so
/// far); if no rung has one, start a new random architecture at rung 0
/// (Li et al. 2020, Algorithm 2). It never waits for a round to finish, so
/// every trial in flight keeps a thread busy and a slow trial holds up
/// nothing; promotions are sometimes made on a partial rung, which the
/// paper shows costs little.
///
/// Rungs and budgets come from a [`FidelityConfig`]; a promoted trial carries
/// its rung and names the trial of the rung below it continues, so an
/// evaluator can resume that training (the candle backend's
/// `train::CheckpointStore`) instead of starting over. Architectures
/// reaching the top rung are not promoted further. New architectures are
/// never ones proposed before; failed trials are never promoted.
///
/// ```
/// use archspace_core::search::{AshaConfig, AshaSearcher, Outcome, Proposal, Searcher};
/// use archspace_core::{choice, Op, SpaceDef};
/// let def = SpaceDef::new(|s| s.basic(Op::new("dense").param("units", choice((1..=100).collect::<Vec<i64>>()))));
/// let mut asha = AshaSearcher::new(def, AshaConfig::default()).seeded(4);
/// let mut top = Vec::new();
/// for _ in 0..60 {
///     let Proposal::Candidate(c) = asha.ask()? else { unreachable!("ASHA never waits") };
///     let units = c.decisions()[0].value.as_int().unwrap() as f64;
///     if c.rung == Some(3) {
///         top.push(units);
///     }
///     asha.tell(c.token, &Outcome::scored(units))?;
/// }
/// assert!(!top.is_empty() && top.iter().all(|&u| u > 50.0), "{top:?}");
/// # Ok::<(), archspace_core::search::SearchError>(())
/// ```
#[derive(Debug)]
pub struct AshaSearcher {
    def: SpaceDef,
    seed: u64,
    config: AshaConfig,
    state: AshaState,
}

impl AshaSearcher {
    /// ASHA over `def` with `config`.
    pub fn new(def: SpaceDef, config: AshaConfig) -> Self {
        AshaSearcher { def, seed: 0, config, state: AshaState::default() }
    }

    /// The member to promote from the highest rung that has one, and that rung.
    fn promotion(&self) -> Option<(usize, u32)> {
        let eta = self.config.fidelity.reduction;
        let top = self.config.fidelity.top_rung() as usize;
        for k in (0..top.min(self.state.rungs.len())).rev() {
            let rung = &self.state.rungs[k];
            let mut scored: Vec<(usize, f64)> = rung.told.iter().filter_map(|&(m, s)| Some((m, s?))).collect();
            // Best first; among equal scores the earlier told.
            scored.sort_by(|a, b| b.1.total_cmp(&a.1));
            let quota = ((rung.told.len() as f64 / eta) + 1e-9).floor() as usize;
            if let Some(&(member, _)) = scored.iter().take(quota).find(|(m, _)| !rung.promoted.contains(m)) {
                return Some((member, k as u32));
            }
        }
        None
    }
}

impl Searcher for AshaSearcher {
    fn name(&self) -> &str {
        "asha"
    }

    fn set_seed(&mut self, seed: u64) {
        self.seed = seed;
    }

    fn ask(&mut self) -> Result<Proposal, SearchError> {
        self.config.fidelity.check()?;
        let token = Token(self.state.asked);
        let (member, rung, architecture) = if let Some((member, from)) = self.promotion() {
            self.state.rungs[from as usize].promoted.insert(member);
            (member, from + 1, self.def.replay(&self.state.members[member].decisions)?)
        } else {
            if self.state.exhausted {
                return Ok(Proposal::Exhausted);
            }
            let mut rng = stream_rng("asha", self.seed, self.state.asked);
            let state = &mut self.state;
            let drawn = draw_novel_random(
                "asha",
                &self.def,
                &mut state.proposals,
                self.config.max_invalid,
                &mut state.invalid,
                &mut rng,
            )?;
            let Some(architecture) = drawn else {
                state.exhausted = true;
                // Outcomes still to come may open promotions.
                return Ok(if state.pending.is_empty() { Proposal::Exhausted } else { Proposal::Wait });
            };
            let hash = architecture.canonical_hash();
            state.members.push(Member { decisions: architecture.decisions().to_vec(), hash, tokens: Vec::new() });
            (state.members.len() - 1, 0, architecture)
        };
        let continues = rung.checked_sub(1).and_then(|r| self.state.members[member].tokens.get(r as usize)).copied();
        self.state.members[member].tokens.push(token);
        self.state.asked += 1;
        self.state.pending.insert(token, (member, rung));
        let budget = Some(self.config.fidelity.budget(rung));
        Ok(Proposal::Candidate(Candidate { token, architecture, budget, rung: Some(rung), continues }))
    }

    fn tell(&mut self, token: Token, outcome: &Outcome) -> Result<(), SearchError> {
        let (member, rung) = self.state.pending.remove(&token).ok_or_else(|| common::unknown_token("asha", token))?;
        let rung = rung as usize;
        if self.state.rungs.len() <= rung {
            self.state.rungs.resize(rung + 1, Rung::default());
        }
        self.state.rungs[rung].told.push((member, outcome.score()));
        if rung == 0 {
            self.state.proposals.record(self.state.members[member].hash, outcome.score());
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
