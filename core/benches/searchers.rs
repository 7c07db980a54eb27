//! Searcher overhead: mean time of one ask + tell, over the first 100 trials
//! of a fresh search, for every searcher on the paper's seed space and on a
//! 40-decision space. (Grid search keeps one searcher: its enumeration is
//! done once, before timing, and each step is a replay.) The target is 1% of
//! a one-second trial: 10 ms per ask + tell.
//!
//! `cargo bench -p archspace-core --bench searchers`

// `criterion_group!` generates an undocumented public function.
#![allow(missing_docs)]

use std::time::{Duration, Instant};

use archspace_core::search::{
    AshaConfig, AshaSearcher, BayesConfig, BayesSearcher, EvolutionConfig, EvolutionSearcher, GridSearcher,
    HalvingConfig, HalvingSearcher, HyperbandConfig, HyperbandSearcher, Improvement, InnerOptimizer, LocalConfig,
    LocalSearcher, MctsSearcher, NsgaConfig, NsgaSearcher, Outcome, Proposal, RandomSearcher, SearchError, Searcher,
    SmboConfig, SmboSearcher, Token,
};
use archspace_core::{Op, SpaceDef, choice};
use criterion::{Criterion, criterion_group, criterion_main};

fn seed_space() -> SpaceDef {
    archspace_core::spaces::seed()
}

/// 20 blocks, each choosing units (4 values) and an activation (3): 40 decisions.
fn wide_space() -> SpaceDef {
    SpaceDef::new(|s| {
        let mut ends: Option<(archspace_core::Io, archspace_core::Io)> = None;
        for i in 0..20 {
            let block = s.in_scope(format!("b{i}").as_str(), |s| {
                let d = s.basic(Op::new("dense").param("units", choice([16, 32, 64, 128])))?;
                let a = s.basic(Op::new("act").param("kind", choice(["relu", "tanh", "gelu"])))?;
                s.chain(&d, &a)?;
                Ok::<_, archspace_core::SpecError>(s.border_of(&d, &a))
            })?;
            ends = Some(match ends {
                None => (block.clone(), block),
                Some((first, last)) => {
                    s.chain(&last, &block)?;
                    (first, block)
                }
            });
        }
        let (first, last) = ends.ok_or_else(|| archspace_core::SpecError::Unusable { reason: "no blocks".into() })?;
        Ok(s.border_of(&first, &last))
    })
}

/// Six edges, each an `or` of five ops (the NAS-Bench-201 cell's decisions,
/// without its wiring): 15,625 architectures, every decision structural.
fn or_space() -> SpaceDef {
    SpaceDef::new(|s| {
        let mut ends: Option<(archspace_core::Io, archspace_core::Io)> = None;
        for edge in 0..6 {
            let mut alternatives = archspace_core::Alternatives::list();
            for op in ["skip", "none", "conv3", "conv1", "pool"] {
                alternatives = alternatives.with(move |s| s.basic(Op::new(op)));
            }
            let pick = s.named(format!("e{edge}")).or(alternatives)?;
            ends = Some(match ends {
                None => (pick.clone(), pick),
                Some((first, last)) => {
                    s.chain(&last, &pick)?;
                    (first, pick)
                }
            });
        }
        let (first, last) = ends.ok_or_else(|| archspace_core::SpecError::Unusable { reason: "no edges".into() })?;
        Ok(s.border_of(&first, &last))
    })
}

/// A cheap deterministic score: the share of decisions at their first value.
fn score(arch: &archspace_core::Architecture) -> f64 {
    let first = arch.decisions().iter().filter(|d| d.value.as_int().is_some_and(|v| v == 16 || v == 1)).count();
    first as f64 / arch.decisions().len().max(1) as f64
}

type Make = Box<dyn Fn(SpaceDef) -> Box<dyn Searcher>>;

fn makers() -> Vec<(&'static str, Make)> {
    vec![
        ("random", Box::new(|d| Box::new(RandomSearcher::per_decision(d).seeded(1)))),
        ("uniform", Box::new(|d| Box::new(RandomSearcher::uniform(d).seeded(1)))),
        ("mcts", Box::new(|d| Box::new(MctsSearcher::new(d).seeded(1)))),
        ("smbo_random512", Box::new(|d| Box::new(SmboSearcher::new(d, SmboConfig::default()).seeded(1)))),
        (
            "smbo_mcts512",
            Box::new(|d| {
                let inner = InnerOptimizer::Mcts { exploration_bonus: 0.33, tree_refit_interval: 10 };
                Box::new(SmboSearcher::new(d, SmboConfig { inner, ..SmboConfig::default() }).seeded(1))
            }),
        ),
        ("evolution", Box::new(|d| Box::new(EvolutionSearcher::new(d, EvolutionConfig::default()).seeded(1)))),
        (
            "halving",
            Box::new(|d| {
                Box::new(HalvingSearcher::new(d, HalvingConfig { initial: 81, ..Default::default() }).seeded(1))
            }),
        ),
        ("local", Box::new(|d| Box::new(LocalSearcher::new(d, LocalConfig::default()).seeded(1)))),
        (
            "local_best",
            Box::new(|d| {
                let config = LocalConfig { improvement: Improvement::Best, ..LocalConfig::default() };
                Box::new(LocalSearcher::new(d, config).seeded(1))
            }),
        ),
        ("bayes", Box::new(|d| Box::new(BayesSearcher::new(d, BayesConfig::default()).seeded(1)))),
        (
            "bayes_4_in_flight",
            Box::new(|d| {
                Box::new(AheadBy3 {
                    inner: BayesSearcher::new(d, BayesConfig::default()).seeded(1),
                    queue: Default::default(),
                })
            }),
        ),
        ("nsga2", Box::new(|d| Box::new(NsgaSearcher::new(d, NsgaConfig::default()).seeded(1)))),
        ("hyperband", Box::new(|d| Box::new(HyperbandSearcher::new(d, HyperbandConfig::default()).seeded(1)))),
        ("asha", Box::new(|d| Box::new(AshaSearcher::new(d, AshaConfig::default()).seeded(1)))),
    ]
}

/// A searcher asked 3 proposals ahead: each ask finds 3 trials in flight,
/// as under the driver's default `in_flight` of 4 (what the kriging
/// believer of [`BayesSearcher`] models before proposing).
struct AheadBy3<S> {
    inner: S,
    queue: std::collections::VecDeque<Proposal>,
}

impl<S: Searcher> Searcher for AheadBy3<S> {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn ask(&mut self) -> Result<Proposal, SearchError> {
        while self.queue.len() < 4 {
            let proposal = self.inner.ask()?;
            let more = matches!(proposal, Proposal::Candidate(_));
            self.queue.push_back(proposal);
            if !more {
                break;
            }
        }
        Ok(self.queue.pop_front().unwrap_or(Proposal::Exhausted))
    }
    fn tell(&mut self, token: Token, outcome: &Outcome) -> Result<(), SearchError> {
        self.inner.tell(token, outcome)
    }
}

/// One ask + tell; a searcher that waits or is done reports false.
fn step(searcher: &mut dyn Searcher) -> bool {
    match searcher.ask() {
        Ok(Proposal::Candidate(c)) => {
            let s = score(&c.architecture);
            searcher.tell(c.token, &Outcome::scored(s)).is_ok()
        }
        _ => false,
    }
}

const HORIZON: u64 = 100;

fn bench_searchers(c: &mut Criterion) {
    for (space_name, def) in [("seed_space", seed_space()), ("40_decisions", wide_space())] {
        let mut group = c.benchmark_group(format!("ask_tell/{space_name}"));
        group.sample_size(10).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
        for (name, make) in makers() {
            group.bench_function(name, |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    let mut searcher = make(def.clone());
                    let mut done = 0;
                    for _ in 0..iters {
                        if done == HORIZON {
                            searcher = make(def.clone());
                            done = 0;
                        }
                        let started = Instant::now();
                        let ok = step(&mut *searcher);
                        total += started.elapsed();
                        done = if ok { done + 1 } else { HORIZON };
                    }
                    total
                });
            });
        }
        if space_name == "seed_space" {
            let mut grid = GridSearcher::new(def.clone());
            step(&mut grid);
            group.bench_function("grid", |b| {
                b.iter(|| {
                    if !step(&mut grid) {
                        grid = GridSearcher::new(def.clone());
                        step(&mut grid);
                    }
                })
            });
        }
        group.finish();
    }
}

/// Where a random candidate's time goes: building the space, specifying it,
/// freezing it, and hashing its structural features.
fn bench_candidate_parts(c: &mut Criterion) {
    let mut group = c.benchmark_group("candidate_parts/seed_space");
    group.sample_size(10).warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(2));
    let def = seed_space();
    let mut rng = archspace_core::rng(1);
    group.bench_function("instantiate", |b| b.iter(|| def.instantiate().map(|s| s.hyper_count())));
    group.bench_function("instantiate_specify", |b| {
        b.iter(|| {
            let mut space = def.instantiate()?;
            space.specify_random(&mut rng)?;
            Ok::<_, archspace_core::SpecError>(space.hyper_count())
        })
    });
    group.bench_function("instantiate_specify_freeze", |b| b.iter(|| def.sample_random(&mut rng)));
    let arch = def.sample_random(&mut rng).ok();
    group.bench_function("features", |b| {
        b.iter(|| arch.as_ref().map(|a| archspace_core::search::architecture_features(a, 4096).len()))
    });
    group.finish();
}

/// Random and uniform search on a space of `or`s: one ask + tell each. The
/// uniform draw weighs each `or`'s alternatives by the number of completions
/// below them; those counts are kept per definition, so a warm definition
/// draws about as fast as per decision (it used to count at every draw).
fn bench_uniform_on_or_space(c: &mut Criterion) {
    let mut group = c.benchmark_group("ask_tell/or_space");
    group.sample_size(20).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    let def = or_space();
    for (name, mut searcher) in [
        ("random", Box::new(RandomSearcher::per_decision(def.clone()).seeded(1)) as Box<dyn Searcher>),
        ("uniform", Box::new(RandomSearcher::uniform(def.clone()).seeded(1))),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                if !step(&mut *searcher) {
                    searcher = Box::new(RandomSearcher::per_decision(def.clone()));
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_searchers, bench_candidate_parts, bench_uniform_on_or_space);
criterion_main!(benches);
