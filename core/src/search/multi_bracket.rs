//! Several brackets of successive halving at once: a new one opens while the
//! open ones wait for outcomes, so trials in flight keep every thread busy.

use std::collections::BTreeMap;

use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::definition::SpaceDef;

use super::bracket::{Bracket, Step};
use super::common;
use super::error::SearchError;
use super::novelty::{Proposals, draw_novel_random, exhausted_reason};
use super::outcome::Outcome;
use super::searcher::{Candidate, Proposal, Token};
use crate::architecture::ArchitectureHash;

/// What [`BracketPool::ask`] found (made and moved once per ask).
#[allow(clippy::large_enum_variant)]
pub(crate) enum Opened {
    /// A candidate, from member `member` of bracket `bracket`.
    Candidate { candidate: Candidate, bracket: usize, member: usize },
    /// Every open bracket waits for outcomes and no new one may open.
    Wait,
    /// No bracket is open and none may open (or the space is exhausted).
    Exhausted,
}

/// Why no new bracket opens.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Closed {
    #[default]
    Open,
    /// The configured number of brackets was reached.
    Limit,
    /// No new architecture came up for a first round.
    Space,
}

/// The open brackets, by the order they opened in.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct BracketPool {
    asked: u64,
    invalid: u64,
    opened: usize,
    active: BTreeMap<usize, Bracket>,
    closed: Closed,
}

impl BracketPool {
    /// Candidates proposed so far (the next token).
    pub(crate) fn asked(&self) -> u64 {
        self.asked
    }

    /// `Invalid` draws so far.
    pub(crate) fn invalid(&self) -> u64 {
        self.invalid
    }

    /// The next candidate of the oldest bracket that has one; when every
    /// open bracket waits, a new bracket from `open(brackets opened so far)`
    /// (`None`: no more brackets). First-round architectures are drawn at
    /// random per decision, none proposed before.
    pub(crate) fn ask<R: Rng>(
        &mut self,
        def: &SpaceDef,
        proposals: &mut Proposals,
        max_invalid: u32,
        rng: &mut R,
        mut open: impl FnMut(usize) -> Option<Bracket>,
    ) -> Result<Opened, SearchError> {
        loop {
            let ids: Vec<usize> = self.active.keys().copied().collect();
            let mut shrunk = false;
            for id in ids {
                let step = self.active[&id].step();
                let token = Token(self.asked);
                let (architecture, budget, rung, continues, decisions) = match step {
                    Step::Done => {
                        self.active.remove(&id);
                        continue;
                    }
                    Step::Wait => continue,
                    Step::Draw { .. } if self.closed == Closed::Space => {
                        if let Some(bracket) = self.active.get_mut(&id) {
                            bracket.end_first_round();
                            shrunk = true;
                        }
                        continue;
                    }
                    Step::Draw { budget, rung } => {
                        match draw_novel_random("halving", def, proposals, max_invalid, &mut self.invalid, rng)? {
                            Some(arch) => {
                                let decisions = arch.decisions().to_vec();
                                (arch, budget, rung, None, Some(decisions))
                            }
                            None => {
                                self.closed = Closed::Space;
                                if let Some(bracket) = self.active.get_mut(&id) {
                                    bracket.end_first_round();
                                    shrunk = true;
                                }
                                continue;
                            }
                        }
                    }
                    Step::Promote { decisions, budget, rung, continues, .. } => {
                        (def.replay(&decisions)?, budget, rung, continues, None)
                    }
                };
                let Some(bracket) = self.active.get_mut(&id) else { continue };
                let member = bracket.proposed(token, decisions);
                self.asked += 1;
                let candidate = Candidate { token, architecture, budget: Some(budget), rung: Some(rung), continues };
                return Ok(Opened::Candidate { candidate, bracket: id, member });
            }
            if shrunk {
                // A bracket whose first round was cut short may promote now.
                continue;
            }
            if self.closed != Closed::Open {
                break;
            }
            match open(self.opened) {
                Some(bracket) => {
                    self.active.insert(self.opened, bracket);
                    self.opened += 1;
                }
                None => {
                    self.closed = Closed::Limit;
                    break;
                }
            }
        }
        Ok(if self.active.is_empty() { Opened::Exhausted } else { Opened::Wait })
    }

    /// The outcome of `member` of bracket `bracket`.
    pub(crate) fn told(&mut self, bracket: usize, member: usize, score: Option<f64>) {
        if let Some(b) = self.active.get_mut(&bracket) {
            b.told(member, score);
        }
    }

    /// Why the pool proposes nothing more, once it does.
    pub(crate) fn why_exhausted(&self, def: &SpaceDef, proposed: usize, limit: Option<usize>) -> Option<String> {
        if !self.active.is_empty() {
            return None;
        }
        match self.closed {
            Closed::Open => None,
            Closed::Limit => {
                let n = limit.unwrap_or(self.opened);
                Some(format!("all {n} bracket{} of the configuration were run", if n == 1 { "" } else { "s" }))
            }
            Closed::Space => Some(exhausted_reason(def, proposed)),
        }
    }
}

/// The state of a searcher over brackets (successive halving, Hyperband):
/// the pool, the architectures proposed, and the trials in flight by token
/// (bracket, member, network).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct BracketSearch {
    pub(crate) pool: BracketPool,
    pub(crate) proposals: Proposals,
    pending: BTreeMap<Token, (usize, usize, ArchitectureHash)>,
}

impl BracketSearch {
    /// The next proposal (see [`BracketPool::ask`]), remembered until told.
    pub(crate) fn ask<R: Rng>(
        &mut self,
        def: &SpaceDef,
        max_invalid: u32,
        rng: &mut R,
        open: impl FnMut(usize) -> Option<Bracket>,
    ) -> Result<Proposal, SearchError> {
        Ok(match self.pool.ask(def, &mut self.proposals, max_invalid, rng, open)? {
            Opened::Candidate { candidate, bracket, member } => {
                self.pending.insert(candidate.token, (bracket, member, candidate.architecture.canonical_hash()));
                Proposal::Candidate(candidate)
            }
            Opened::Wait => Proposal::Wait,
            Opened::Exhausted => Proposal::Exhausted,
        })
    }

    /// Records the outcome of `token` (a token `searcher` never gave is an error).
    pub(crate) fn tell(&mut self, searcher: &str, token: Token, outcome: &Outcome) -> Result<(), SearchError> {
        let (bracket, member, hash) =
            self.pending.remove(&token).ok_or_else(|| common::unknown_token(searcher, token))?;
        self.proposals.record(hash, outcome.score());
        self.pool.told(bracket, member, outcome.score());
        Ok(())
    }
}
