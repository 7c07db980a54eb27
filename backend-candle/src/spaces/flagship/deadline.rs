//! A searcher that stops proposing new trials at a wall-clock deadline.

use std::time::Instant;

use archspace::search::{Outcome, Proposal, SearchError, Searcher, Token};

/// `inner` until `deadline`: after it, asks beyond the first `replayed`
/// (the trials a resumed log already holds, which the driver replays
/// through asks) are answered [`Proposal::Exhausted`], so the driver
/// finishes the trials in flight and ends the search. Everything else,
/// the name stored in the log included, is `inner`'s.
pub(crate) struct Deadline<S> {
    inner: S,
    deadline: Instant,
    replayed: usize,
    asked: usize,
}

impl<S: Searcher> Deadline<S> {
    pub(crate) fn new(inner: S, deadline: Instant, replayed: usize) -> Self {
        Deadline { inner, deadline, replayed, asked: 0 }
    }
}

impl<S: Searcher> Searcher for Deadline<S> {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn set_seed(&mut self, seed: u64) {
        self.inner.set_seed(seed);
    }

    fn ask(&mut self) -> Result<Proposal, SearchError> {
        if self.asked >= self.replayed && Instant::now() >= self.deadline {
            return Ok(Proposal::Exhausted);
        }
        let proposal = self.inner.ask()?;
        if matches!(proposal, Proposal::Candidate(_)) {
            self.asked += 1;
        }
        Ok(proposal)
    }

    fn tell(&mut self, token: Token, outcome: &Outcome) -> Result<(), SearchError> {
        self.inner.tell(token, outcome)
    }

    fn save_state(&self) -> Result<serde_json::Value, SearchError> {
        self.inner.save_state()
    }

    fn restore_state(&mut self, state: serde_json::Value) -> Result<(), SearchError> {
        self.inner.restore_state(state)
    }

    fn invalid_count(&self) -> u64 {
        self.inner.invalid_count()
    }

    fn why_exhausted(&self) -> Option<String> {
        if Instant::now() >= self.deadline && self.asked >= self.replayed {
            Some("the search's time budget is spent".into())
        } else {
            self.inner.why_exhausted()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use archspace::search::RandomSearcher;
    use archspace::{Op, SpaceDef, choice};
    use std::time::Duration;

    fn random() -> RandomSearcher {
        RandomSearcher::per_decision(SpaceDef::new(|s| s.basic(Op::new("dense").param("units", choice([1, 2, 3])))))
    }

    #[test]
    fn after_the_deadline_only_the_replayed_asks_are_answered() -> Result<(), SearchError> {
        let past = Instant::now() - Duration::from_secs(1);
        let mut late = Deadline::new(random(), past, 2);
        assert!(matches!(late.ask()?, Proposal::Candidate(_)));
        assert!(matches!(late.ask()?, Proposal::Candidate(_)));
        assert!(matches!(late.ask()?, Proposal::Exhausted));
        assert!(late.why_exhausted().is_some_and(|w| w.contains("time budget")));
        let mut early = Deadline::new(random(), Instant::now() + Duration::from_secs(3600), 0);
        assert!(matches!(early.ask()?, Proposal::Candidate(_)));
        assert_eq!(early.name(), "random");
        Ok(())
    }
}
