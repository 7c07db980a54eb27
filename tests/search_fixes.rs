//! The six searcher fixes of issue 22, each checked where it used to fail:
//! repeated proposals, MCTS's dependence on the score's scale, records that
//! changed with the thread count, halving that stopped early in silence,
//! (uniform sampling's speed is a unit test of `completion_cache`), and one
//! seed with a stream of each searcher's own.

mod search_support;

use std::collections::HashSet;

use archspace::search::{
    BayesConfig, BayesSearcher, EvolutionConfig, EvolutionSearcher, HalvingConfig, HalvingSearcher, LocalConfig,
    LocalSearcher, MctsSearcher, Metrics, NsgaConfig, NsgaSearcher, Objective, Proposal, RandomSearcher, SearchConfig,
    SearchReport, Searcher, SmboConfig, SmboSearcher, Trial, TrialRecord, evaluator, run,
};
use archspace::{Architecture, SpaceDef};
use search_support::{nb201, seed_objective, seed_space, synthetic_nb201_table};

fn distinct(report: &SearchReport) -> usize {
    report.records.iter().map(|r| r.hash.as_str()).collect::<HashSet<_>>().len()
}

fn timeless(report: &SearchReport) -> Vec<TrialRecord> {
    report.records.iter().cloned().map(TrialRecord::without_timing).collect()
}

/// SMBO proposed 116 distinct architectures in 150 trials, MCTS 69: now
/// every searcher proposes a new network at every trial.
#[test]
fn no_searcher_proposes_a_network_twice() {
    let table = synthetic_nb201_table();
    let def = nb201::cell().def();
    let searchers: Vec<Box<dyn Searcher>> = vec![
        Box::new(RandomSearcher::per_decision(def.clone())),
        Box::new(RandomSearcher::uniform(def.clone())),
        Box::new(MctsSearcher::new(def.clone())),
        Box::new(SmboSearcher::new(def.clone(), SmboConfig { candidates: 64, ..SmboConfig::default() })),
        Box::new(EvolutionSearcher::new(
            def.clone(),
            EvolutionConfig { population: 10, tournament: 3, ..Default::default() },
        )),
        Box::new(LocalSearcher::new(def.clone(), LocalConfig::default())),
        Box::new(BayesSearcher::new(def.clone(), BayesConfig { candidates: 32, ..BayesConfig::default() })),
        Box::new(NsgaSearcher::new(def.clone(), NsgaConfig::default())),
    ];
    let config = SearchConfig { trials: 80, objective: Objective::maximize("accuracy"), ..SearchConfig::default() };
    for mut searcher in searchers {
        let report = run(&mut searcher, &table, &config).expect("search");
        assert_eq!(report.records.len(), 80, "{}", report.searcher);
        assert_eq!(distinct(&report), 80, "{} proposed a network twice", report.searcher);
    }
}

/// A space of 12 networks: each proposed once, then the report says the
/// space is exhausted instead of spending trials on repeats.
#[test]
fn an_exhausted_space_ends_the_search_with_the_reason() {
    let small = SpaceDef::new(|s| {
        let a = s.basic(archspace::Op::new("dense").param("units", archspace::choice([8, 16, 32, 64])))?;
        let b = s.basic(archspace::Op::new("act").param("kind", archspace::choice(["relu", "tanh", "gelu"])))?;
        s.chain(&a, &b)?;
        Ok(s.border_of(&a, &b))
    });
    let eval = evaluator(|_, a: &Architecture| Ok(Metrics::new().with("score", a.modules().len() as f64)));
    for mut searcher in [
        Box::new(MctsSearcher::new(small.clone())) as Box<dyn Searcher>,
        Box::new(EvolutionSearcher::new(
            small.clone(),
            EvolutionConfig { population: 4, tournament: 2, ..Default::default() },
        )),
        Box::new(SmboSearcher::new(small.clone(), SmboConfig { candidates: 8, ..SmboConfig::default() })),
    ] {
        let report = run(&mut searcher, &eval, &SearchConfig { trials: 50, ..SearchConfig::default() }).expect("run");
        assert_eq!((report.records.len(), distinct(&report)), (12, 12), "{}", report.searcher);
        let why = report.exhausted.as_deref().unwrap_or_default();
        assert!(why.contains("after 12 of 50 trials") && why.contains("every one of the space's 12"), "{why}");
        assert!(report.to_string().contains("stopped early"), "the report shows it");
    }
}

/// The same scores in percent and as fractions, and shifted: MCTS makes the
/// same choices (it used to barely explore with percents).
#[test]
fn mcts_does_not_depend_on_the_scale_of_the_scores() {
    let run_scaled = |scale: f64, shift: f64| {
        let eval =
            evaluator(move |_, a: &Architecture| Ok(Metrics::new().with("score", scale * seed_objective(a) + shift)));
        let config = SearchConfig { trials: 60, seed: 3, ..SearchConfig::default() };
        let report = run(&mut MctsSearcher::new(seed_space()), &eval, &config).expect("search");
        report.records.iter().map(|r| r.trial.decisions.clone()).collect::<Vec<_>>()
    };
    let fraction = run_scaled(1.0, 0.0);
    assert_eq!(fraction, run_scaled(100.0, 0.0), "percent");
    assert_eq!(fraction, run_scaled(100.0, -40.0), "shifted");
}

/// With the defaults (no `in_flight` set), 1 and 2 threads give the same
/// records: `in_flight` no longer follows the thread count.
#[test]
fn default_settings_give_the_same_records_on_one_and_two_threads() {
    let eval = evaluator(|t: &Trial, a: &Architecture| {
        std::thread::sleep(std::time::Duration::from_micros(t.seed % 2000));
        Ok(Metrics::new().with("score", seed_objective(a)))
    });
    let make: Vec<fn() -> Box<dyn Searcher>> = vec![
        || Box::new(MctsSearcher::new(seed_space())),
        || Box::new(SmboSearcher::new(seed_space(), SmboConfig { candidates: 16, ..SmboConfig::default() })),
        || {
            Box::new(EvolutionSearcher::new(
                seed_space(),
                EvolutionConfig { population: 8, tournament: 3, ..Default::default() },
            ))
        },
    ];
    for make in make {
        let one = run(&mut make(), &eval, &SearchConfig { trials: 24, threads: 1, seed: 9, ..SearchConfig::default() });
        let two = run(&mut make(), &eval, &SearchConfig { trials: 24, threads: 2, seed: 9, ..SearchConfig::default() });
        let (one, two) = (one.expect("1 thread"), two.expect("2 threads"));
        assert_eq!(timeless(&one), timeless(&two), "{} depends on the thread count", one.searcher);
    }
}

/// Asked for 150 trials, halving's defaults used to stop after one bracket
/// (40 trials) without a word; now brackets follow each other, and a limit
/// on brackets is reported.
#[test]
fn halving_fills_the_trials_or_says_why_not() {
    let eval = evaluator(|_, a: &Architecture| Ok(Metrics::new().with("score", seed_objective(a))));
    let config = SearchConfig { trials: 150, ..SearchConfig::default() };
    let full = run(&mut HalvingSearcher::new(seed_space(), HalvingConfig::default()), &eval, &config).expect("run");
    assert_eq!(full.records.len(), 150);
    assert!(full.exhausted.is_none());
    let one = HalvingConfig { brackets: Some(1), ..HalvingConfig::default() };
    let limited = run(&mut HalvingSearcher::new(seed_space(), one), &eval, &config).expect("run");
    assert_eq!(limited.records.len(), 40);
    let why = limited.exhausted.as_deref().unwrap_or_default();
    assert!(why.contains("after 40 of 150 trials") && why.contains("1 bracket"), "{why}");
}

/// Regularized evolution's first population used to be exactly the random
/// searcher's first proposals; and a search has one seed, `SearchConfig::seed`.
#[test]
fn each_searcher_draws_from_its_own_stream_of_the_one_seed() {
    let eval = evaluator(|_, a: &Architecture| Ok(Metrics::new().with("score", seed_objective(a))));
    let config = SearchConfig { trials: 20, seed: 5, ..SearchConfig::default() };
    let decisions = |report: SearchReport| report.records.into_iter().map(|r| r.trial.decisions).collect::<Vec<_>>();
    let evolution = || EvolutionSearcher::new(seed_space(), EvolutionConfig::default());
    let random = run(&mut RandomSearcher::per_decision(seed_space()), &eval, &config).expect("random");
    let evolved = run(&mut evolution(), &eval, &config).expect("evolution");
    let (random, evolved) = (decisions(random), decisions(evolved));
    let shared = random.iter().zip(&evolved).filter(|(a, b)| a == b).count();
    assert!(shared < 3, "evolution's first population repeats random search's draws ({shared} of 20)");
    // The searcher's own seed is the search's: a searcher seeded by hand is re-seeded by `run`.
    let by_hand = run(&mut evolution().seeded(77), &eval, &config).expect("seeded by hand");
    assert_eq!(decisions(by_hand), evolved);
    let other_seed = run(&mut evolution(), &eval, &SearchConfig { seed: 6, ..config.clone() }).expect("seed 6");
    assert_ne!(decisions(other_seed), evolved);
    // The next ask after a run continues the same stream: nothing to re-seed.
    let mut searcher = evolution();
    run(&mut searcher, &eval, &config).expect("run");
    assert!(matches!(searcher.ask(), Ok(Proposal::Candidate(_))));
}
