//! Statistical quality: over 20 fixed seeds, MCTS, SMBO and evolution reach a
//! better mean best-of-N than random search at the same budget, on synthetic
//! objectives with a known optimum (1.0).

mod search_support;

use archspace::search::{
    EvolutionConfig, EvolutionSearcher, MctsSearcher, Outcome, Proposal, RandomSearcher, Searcher, SmboConfig,
    SmboSearcher,
};
use archspace::{Architecture, SpaceDef};
use search_support::{seed_objective, seed_space, wide_objective, wide_space};

const SEEDS: u64 = 20;

/// Best objective value in `budget` sequential ask/tell steps.
fn best_of(searcher: &mut dyn Searcher, objective: fn(&Architecture) -> f64, budget: usize) -> f64 {
    let mut best = f64::NEG_INFINITY;
    for _ in 0..budget {
        let Proposal::Candidate(c) = searcher.ask().expect("ask") else { panic!("searcher stopped early") };
        let value = objective(&c.architecture);
        best = best.max(value);
        searcher.tell(c.token, &Outcome::scored(value)).expect("tell");
    }
    best
}

/// Mean and standard error of best-of-`budget` over the seeds.
fn mean_best(
    make: &dyn Fn(SpaceDef, u64) -> Box<dyn Searcher>,
    def: &SpaceDef,
    objective: fn(&Architecture) -> f64,
    budget: usize,
) -> (f64, f64) {
    let bests: Vec<f64> =
        (0..SEEDS).map(|seed| best_of(&mut *make(def.clone(), 1000 + seed), objective, budget)).collect();
    let n = bests.len() as f64;
    let mean = bests.iter().sum::<f64>() / n;
    let var = bests.iter().map(|b| (b - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

/// Asserts `better` beats random by more than two standard errors of the difference.
fn assert_beats_random(name: &str, better: (f64, f64), random: (f64, f64)) {
    let margin = 2.0 * (better.1.powi(2) + random.1.powi(2)).sqrt();
    eprintln!("{name}: mean best {:.4} ± {:.4} vs random {:.4} ± {:.4}", better.0, better.1, random.0, random.1);
    assert!(
        better.0 > random.0 + margin,
        "{name} mean best {:.4} does not beat random {:.4} by 2 standard errors ({margin:.4})",
        better.0,
        random.0
    );
}

fn random(def: SpaceDef, seed: u64) -> Box<dyn Searcher> {
    Box::new(RandomSearcher::per_decision(def).seeded(seed))
}

fn mcts(def: SpaceDef, seed: u64) -> Box<dyn Searcher> {
    Box::new(MctsSearcher::new(def).seeded(seed))
}

/// SMBO with the paper's settings except 32 candidates per ask (tests run unoptimized).
fn smbo(def: SpaceDef, seed: u64) -> Box<dyn Searcher> {
    Box::new(SmboSearcher::new(def, SmboConfig { candidates: 32, ..SmboConfig::default() }).seeded(seed))
}

/// Evolution with P and S scaled to the budget (the paper's 100/25 needs more trials).
fn evolution(def: SpaceDef, seed: u64) -> Box<dyn Searcher> {
    Box::new(
        EvolutionSearcher::new(def, EvolutionConfig { population: 20, tournament: 5, ..Default::default() })
            .seeded(seed),
    )
}

#[test]
fn searchers_beat_random_on_the_seed_space() {
    let def = seed_space();
    let budget = 60;
    let base = mean_best(&random, &def, seed_objective, budget);
    assert_beats_random("mcts", mean_best(&mcts, &def, seed_objective, budget), base);
    assert_beats_random("smbo", mean_best(&smbo, &def, seed_objective, budget), base);
    assert_beats_random("evolution", mean_best(&evolution, &def, seed_objective, budget), base);
}

/// MCTS is left out here: as published (expand one node per trial, random
/// rollouts), 60 trials only shape the first levels of a 40-deep tree, and it
/// measured no better than random (0.48 vs 0.47 at 100 trials).
#[test]
fn smbo_and_evolution_beat_random_on_a_40_decision_space() {
    let def = wide_space(20);
    let budget = 60;
    let base = mean_best(&random, &def, wide_objective, budget);
    assert_beats_random("smbo", mean_best(&smbo, &def, wide_objective, budget), base);
    assert_beats_random("evolution", mean_best(&evolution, &def, wide_objective, budget), base);
}
