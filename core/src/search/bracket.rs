//! One bracket of successive halving (Jamieson & Talwalkar 2016): rounds of
//! `(members, budget)`; the best of each round go on to the next with a
//! larger budget. Shared by [`HalvingSearcher`](super::HalvingSearcher) and
//! [`HyperbandSearcher`](super::HyperbandSearcher), which draw the first
//! round's architectures and hand out tokens.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::architecture::Decision;

use super::searcher::Token;

/// A member of a bracket: its decisions and the token of its last evaluation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Member {
    decisions: Vec<Decision>,
    last: Option<Token>,
}

/// What a bracket needs next.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Step {
    /// A new architecture for the first round, at this budget and rung.
    Draw { budget: f64, rung: u32 },
    /// Member `member` again, at this budget and rung, continuing `continues`.
    Promote { member: usize, decisions: Vec<Decision>, budget: f64, rung: u32, continues: Option<Token> },
    /// Outcomes of this round are still to come.
    Wait,
    /// The last round is over.
    Done,
}

/// The state of one bracket.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Bracket {
    /// `(members, budget)` per round.
    schedule: Vec<(usize, f64)>,
    /// The rung of the first round (Hyperband's brackets start higher up).
    first_rung: u32,
    round: usize,
    /// Members of the current round, in rank order of the previous round.
    members: Vec<Member>,
    /// Scores of this round's members (`None`: failed).
    scores: BTreeMap<usize, Option<f64>>,
    /// The token of each of this round's evaluations.
    tokens: BTreeMap<usize, Token>,
    next_member: usize,
}

impl Bracket {
    /// A bracket with `schedule` (non-empty), whose first round is rung `first_rung`.
    pub(crate) fn new(schedule: Vec<(usize, f64)>, first_rung: u32) -> Self {
        Bracket {
            schedule,
            first_rung,
            round: 0,
            members: Vec::new(),
            scores: BTreeMap::new(),
            tokens: BTreeMap::new(),
            next_member: 0,
        }
    }

    /// What the bracket needs next; a [`Step::Draw`] or [`Step::Promote`]
    /// must be followed by [`proposed`](Self::proposed).
    pub(crate) fn step(&self) -> Step {
        let Some(&(size, budget)) = self.schedule.get(self.round) else { return Step::Done };
        let rung = self.first_rung + self.round as u32;
        if self.next_member < size {
            if self.round == 0 {
                return Step::Draw { budget, rung };
            }
            let member = &self.members[self.next_member];
            return Step::Promote {
                member: self.next_member,
                decisions: member.decisions.clone(),
                budget,
                rung,
                continues: member.last,
            };
        }
        if self.scores.len() >= size && self.round + 1 >= self.schedule.len() { Step::Done } else { Step::Wait }
    }

    /// Records that the next member of this round was proposed with `token`
    /// (with its decisions, in the first round); returns its member index.
    pub(crate) fn proposed(&mut self, token: Token, decisions: Option<Vec<Decision>>) -> usize {
        let member = self.next_member;
        if let Some(decisions) = decisions {
            self.members.push(Member { decisions, last: None });
        }
        self.tokens.insert(member, token);
        self.next_member += 1;
        member
    }

    /// The outcome of `member` in the current round; starts the next round
    /// once the whole round is told.
    pub(crate) fn told(&mut self, member: usize, score: Option<f64>) {
        self.scores.insert(member, score);
        let size = self.schedule.get(self.round).map_or(0, |r| r.0);
        if self.scores.len() >= size && self.round + 1 < self.schedule.len() {
            self.start_next_round();
        }
    }

    /// Ends the first round with the members drawn so far (no new
    /// architecture can be drawn); later rounds shrink to fit.
    pub(crate) fn end_first_round(&mut self) {
        if self.round != 0 {
            return;
        }
        let mut size = self.next_member;
        for round in &mut self.schedule {
            round.0 = round.0.min(size);
            size = round.0;
        }
        self.schedule.retain(|r| r.0 > 0);
        if self.scores.len() >= self.next_member && self.next_member > 0 && self.schedule.len() > 1 {
            self.start_next_round();
        }
    }

    fn start_next_round(&mut self) {
        let mut ranked: Vec<(usize, Option<f64>)> = self.scores.iter().map(|(&i, &s)| (i, s)).collect();
        // Best first; failures last; ties by member order.
        ranked.sort_by(|a, b| match (a.1, b.1) {
            (Some(x), Some(y)) => y.total_cmp(&x).then(a.0.cmp(&b.0)),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => a.0.cmp(&b.0),
        });
        self.round += 1;
        let keep = self.schedule.get(self.round).map_or(0, |r| r.0);
        let mut members = std::mem::take(&mut self.members);
        let tokens = std::mem::take(&mut self.tokens);
        self.members = ranked
            .iter()
            .take(keep)
            .map(|&(i, _)| Member {
                decisions: std::mem::take(&mut members[i].decisions),
                last: tokens.get(&i).copied(),
            })
            .collect();
        self.scores.clear();
        self.next_member = 0;
    }
}

/// The rounds of successive halving from `initial` members at `min_budget`,
/// keeping `⌊n / reduction⌋` (at least one) and multiplying the budget by
/// `growth` per round, until one member is left or after `max_rounds`.
pub(crate) fn halving_schedule(
    initial: usize,
    reduction: f64,
    min_budget: f64,
    growth: f64,
    max_rounds: Option<usize>,
) -> Vec<(usize, f64)> {
    let mut out = Vec::new();
    let (mut n, mut budget) = (initial.max(1), min_budget);
    loop {
        out.push((n, budget));
        if n == 1 || max_rounds.is_some_and(|r| out.len() >= r) {
            return out;
        }
        n = ((n as f64 / reduction.max(1.0 + f64::EPSILON)).floor() as usize).max(1);
        budget *= growth;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decisions(i: i64) -> Vec<Decision> {
        vec![Decision { path: "x".into(), value: i.into() }]
    }

    #[test]
    fn a_bracket_promotes_the_best_with_the_token_they_continue() {
        let mut b = Bracket::new(halving_schedule(4, 2.0, 1.0, 2.0, None), 0);
        for i in 0..4 {
            assert_eq!(b.step(), Step::Draw { budget: 1.0, rung: 0 });
            b.proposed(Token(i), Some(decisions(i as i64)));
        }
        assert_eq!(b.step(), Step::Wait);
        for (member, score) in [(0, 0.1), (1, 0.4), (2, 0.3), (3, 0.2)] {
            b.told(member, Some(score));
        }
        let Step::Promote { decisions: d, budget, rung, continues, .. } = b.step() else { panic!("{:?}", b.step()) };
        assert_eq!((d, budget, rung, continues), (decisions(1), 2.0, 1, Some(Token(1))));
        b.proposed(Token(10), None);
        let Step::Promote { decisions: d, continues, .. } = b.step() else { panic!() };
        assert_eq!((d, continues), (decisions(2), Some(Token(2))));
        b.proposed(Token(11), None);
        b.told(1, None);
        b.told(0, Some(0.5));
        let Step::Promote { decisions: d, budget, rung, continues, .. } = b.step() else { panic!() };
        assert_eq!((d, budget, rung, continues), (decisions(1), 4.0, 2, Some(Token(10))));
        b.proposed(Token(12), None);
        assert_eq!(b.step(), Step::Wait);
        b.told(0, Some(0.6));
        assert_eq!(b.step(), Step::Done);
    }
}
