//! Multi-objective search: the Pareto front of a report equals the
//! non-dominated trials found by brute force; NSGA-II's fronts dominate more
//! than random search's on a synthetic NAS-Bench-201 table with parameters
//! as a second objective; the log names the trade-offs, a resume checks
//! them, and the CSV export marks the front.

mod search_support;

use archspace::Architecture;
use archspace::search::{
    Metrics, NsgaConfig, NsgaSearcher, Objective, RandomSearcher, SearchConfig, SearchError, Searcher, Table, Trial,
    dominates, evaluator, export_csv, run,
};
use search_support::{nb201, synthetic_nb201_table};

/// The cell's parameters at 16 channels (as the `benchmark` example counts them).
fn cell_params(arch: &Architecture) -> f64 {
    arch.modules()
        .iter()
        .map(|m| match m.op.as_ref() {
            "nor_conv_3x3" => 9.0 * 256.0 + 32.0,
            "nor_conv_1x1" => 256.0 + 32.0,
            _ => 0.0,
        })
        .sum()
}

fn with_params(table: &Table, arch: &Architecture) -> Result<Metrics, String> {
    Ok(table.lookup(arch)?.with("params", cell_params(arch)))
}

fn config(trials: usize, seed: u64) -> SearchConfig {
    SearchConfig {
        trials,
        seed,
        objective: Objective::maximize("accuracy"),
        tradeoffs: vec![Objective::minimize("params")],
        fsync: false,
        ..SearchConfig::default()
    }
}

#[test]
fn the_front_is_the_set_of_non_dominated_trials() {
    let table = synthetic_nb201_table();
    let eval = evaluator(|_: &Trial, a: &Architecture| with_params(&table, a).map_err(Into::into));
    let report = run(&mut RandomSearcher::per_decision(nb201::cell().def()), &eval, &config(80, 1)).expect("run");
    let point = |r: &archspace::search::TrialRecord| {
        vec![r.metrics.get("accuracy").expect("accuracy"), -r.metrics.get("params").expect("params")]
    };
    let front = report.pareto();
    let mut expected: Vec<u64> = report
        .records
        .iter()
        .filter(|r| !report.records.iter().any(|o| dominates(&point(o), &point(r))))
        .map(|r| r.trial.id)
        .collect();
    let mut got: Vec<u64> = front.iter().map(|r| r.trial.id).collect();
    assert!(front.windows(2).all(|w| point(w[0])[0] >= point(w[1])[0]), "best accuracy first");
    got.sort_unstable();
    expected.sort_unstable();
    assert_eq!(got, expected);
    assert!(got.len() >= 2, "a front of trade-offs: {got:?}");
    let shown = report.to_string();
    assert!(shown.contains(&format!("Pareto front ({} trials): accuracy / params", got.len())), "{shown}");
}

#[test]
fn nsga2_finds_a_better_front_than_random_search() {
    let table = synthetic_nb201_table();
    let eval = evaluator(|_: &Trial, a: &Architecture| with_params(&table, a).map_err(Into::into));
    let reference = [85.0, 6.0 * (9.0 * 256.0 + 32.0) + 1.0];
    let mean_volume = |make: &dyn Fn() -> Box<dyn Searcher>| {
        let seeds = 8;
        (0..seeds)
            .map(|seed| run(&mut make(), &eval, &config(60, seed)).expect("run").hypervolume(&reference))
            .sum::<f64>()
            / seeds as f64
    };
    let def = nb201::cell().def();
    let random = mean_volume(&|| Box::new(RandomSearcher::per_decision(def.clone())));
    let nsga = mean_volume(&|| Box::new(NsgaSearcher::new(def.clone(), NsgaConfig::default())));
    eprintln!("hypervolume over 8 seeds × 60 trials: NSGA-II {nsga:.1}, random {random:.1}");
    assert!(nsga > random, "NSGA-II {nsga} vs random {random}");
}

#[test]
fn the_log_names_the_trade_offs_and_the_csv_marks_the_front() {
    let table = synthetic_nb201_table();
    let eval = evaluator(|_: &Trial, a: &Architecture| with_params(&table, a).map_err(Into::into));
    let dir = std::env::temp_dir().join(format!("archspace-pareto-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let log = dir.join("search.jsonl");
    let _ = std::fs::remove_file(&log);
    let def = nb201::cell().def();
    let logged = SearchConfig { log: Some(log.clone()), ..config(30, 2) };
    let report = run(&mut NsgaSearcher::new(def.clone(), NsgaConfig::default()), &eval, &logged).expect("run");
    let header = archspace::search::read_log(&log).expect("log").header.expect("header");
    assert_eq!(header.tradeoffs, [Objective::minimize("params")]);
    let single = SearchConfig { tradeoffs: Vec::new(), ..logged.clone() };
    let err = run(&mut NsgaSearcher::new(def, NsgaConfig::default()), &eval, &single).expect_err("other trade-offs");
    assert!(matches!(err, SearchError::LogMismatch { .. }) && err.to_string().contains("trade-offs"), "{err}");
    let csv = dir.join("search.csv");
    export_csv(&log, &csv).expect("export");
    let text = std::fs::read_to_string(&csv).expect("csv");
    assert!(text.lines().next().expect("header").ends_with(",pareto"));
    let marked = text.lines().skip(1).filter(|l| l.ends_with(",true")).count();
    assert_eq!(marked, report.pareto().len());
}
