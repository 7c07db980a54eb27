//! A user-written searcher, run by the same driver: a hill climber that re-draws each decision of
//! the best architecture so far with probability 1/4 (keeping the rest by path). Prints `best: 1`.

use archspace::search::{Candidate, Metrics, Outcome, Proposal, SearchConfig, SearchError, Searcher, Token};
use archspace::search::{evaluator, run};
use archspace::{Decision, Op, SpaceDef, choice};
use rand::Rng;

struct HillClimber {
    def: SpaceDef,
    rng: rand_chacha::ChaCha8Rng,
    asked: u64,
    best: Option<(f64, Vec<Decision>)>,
    pending: std::collections::BTreeMap<Token, Vec<Decision>>,
}

impl Searcher for HillClimber {
    fn name(&self) -> &str {
        "hill-climber"
    }

    // The search's one seed (`SearchConfig::seed`) arrives here before the first ask.
    fn set_seed(&mut self, seed: u64) {
        self.rng = archspace::rng(seed);
    }

    fn ask(&mut self) -> Result<Proposal, SearchError> {
        let mut space = self.def.instantiate()?;
        while let Some(h) = space.next_decision() {
            let (path, len) = (space.hyper_path(h), space.domain(h).map_or(1, |d| d.len()));
            let kept = self.best.as_ref().and_then(|(_, ds)| ds.iter().find(|d| d.path == path));
            let kept = kept.and_then(|d| space.domain(h).and_then(|dom| dom.index_of(&d.value)));
            let index = match kept {
                Some(i) if !self.rng.random_bool(0.25) => i,
                _ => self.rng.random_range(0..len),
            };
            space.assign_index(h, index)?;
        }
        let architecture = space.freeze()?;
        let token = Token(self.asked);
        self.asked += 1;
        self.pending.insert(token, architecture.decisions().to_vec());
        Ok(Proposal::Candidate(Candidate::new(token, architecture)))
    }

    fn tell(&mut self, token: Token, outcome: &Outcome) -> Result<(), SearchError> {
        let decisions =
            self.pending.remove(&token).ok_or(SearchError::UnknownToken { searcher: "hill-climber".into(), token })?;
        if let Some(score) = outcome.score().filter(|s| self.best.as_ref().is_none_or(|(b, _)| s > b)) {
            self.best = Some((score, decisions));
        }
        Ok(())
    }
}

fn main() -> Result<(), SearchError> {
    let op = Op::new("dense").param("units", choice([16, 32, 64, 128])).param("act", choice(["relu", "gelu"]));
    let def = SpaceDef::new(move |s| s.basic(op.clone()));
    let mut searcher = HillClimber { def, rng: archspace::rng(0), asked: 0, best: None, pending: Default::default() };
    let eval = evaluator(|_, arch| {
        let (units, act) = (arch.modules()[0].param("units"), arch.modules()[0].param("act"));
        let score = -(units.and_then(|v| v.as_int()).unwrap_or(0) - 64).abs() as f64 / 64.0;
        Ok(Metrics::new().with("score", score + f64::from(u8::from(act.and_then(|v| v.as_str()) == Some("gelu")))))
    });
    let report =
        run(&mut searcher, &eval, &SearchConfig { trials: 40, seed: 7, fsync: false, ..SearchConfig::default() })?;
    print!("{report}");
    println!("best: {}", report.best_value().unwrap_or(f64::NAN));
    Ok(())
}
