//! A small, deterministic version of the `benchmark` example: on a synthetic
//! NAS-Bench-201 table, the learning searchers beat random search on
//! average over a few seeds, through the driver with the default settings.
//! (The full benchmark, on a real table, is the example.)

mod search_support;

use archspace::SpaceDef;
use archspace::search::{
    BayesConfig, BayesSearcher, EvolutionConfig, EvolutionSearcher, LocalConfig, LocalSearcher, NsgaConfig,
    NsgaSearcher, Objective, RandomSearcher, SearchConfig, Searcher, Table, run,
};
use search_support::{nb201, synthetic_nb201_table};

const SEEDS: u64 = 6;

/// Builds a searcher over a space.
type Make = Box<dyn Fn(SpaceDef) -> Box<dyn Searcher>>;
const TRIALS: usize = 60;

fn mean_best(table: &Table, make: &dyn Fn(SpaceDef) -> Box<dyn Searcher>) -> f64 {
    let def = nb201::cell().def();
    let total: f64 = (0..SEEDS)
        .map(|seed| {
            let config = SearchConfig {
                trials: TRIALS,
                seed,
                objective: Objective::maximize("accuracy"),
                ..SearchConfig::default()
            };
            run(&mut make(def.clone()), table, &config).expect("search").best_value().expect("a best trial")
        })
        .sum();
    total / SEEDS as f64
}

#[test]
fn learning_searchers_beat_random_search_on_a_tabular_benchmark() {
    let table = synthetic_nb201_table();
    assert_eq!(table.len(), 15_625);
    let optimum = table.optimum("accuracy", true).expect("optimum");
    let random = mean_best(&table, &|d| Box::new(RandomSearcher::per_decision(d)));
    let smaller = EvolutionConfig { population: 20, tournament: 5, ..EvolutionConfig::default() };
    let contenders: Vec<(&str, Make)> = vec![
        ("evolution", Box::new(move |d| Box::new(EvolutionSearcher::new(d, smaller.clone())))),
        ("local", Box::new(|d| Box::new(LocalSearcher::new(d, LocalConfig::default())))),
        ("nsga2", Box::new(|d| Box::new(NsgaSearcher::new(d, NsgaConfig::default())))),
        (
            "bayes",
            Box::new(|d| Box::new(BayesSearcher::new(d, BayesConfig { candidates: 64, ..BayesConfig::default() }))),
        ),
    ];
    for (name, make) in contenders {
        let best = mean_best(&table, &*make);
        eprintln!("{name}: mean best {best:.3} vs random {random:.3} (optimum {optimum:.3})");
        assert!(best > random, "{name}: {best} ≤ random {random}");
    }
}
