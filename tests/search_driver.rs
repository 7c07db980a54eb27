//! The search driver: thread-count independence, failures recorded, dedup,
//! the search log (resume, truncated line, corruption) and CSV export.

mod search_support;

use std::sync::atomic::{AtomicUsize, Ordering};

use archspace::search::{
    EvolutionConfig, EvolutionSearcher, HalvingConfig, HalvingSearcher, MctsSearcher, Metrics, Objective,
    RandomSearcher, SearchConfig, SearchError, SearchReport, Searcher, SmboConfig, SmboSearcher, TrialRecord,
    TrialStatus, evaluator, export_csv, read_log, run,
};
use search_support::{seed_objective, seed_space, temp_log};

fn config(trials: usize, threads: usize) -> SearchConfig {
    SearchConfig { trials, threads, in_flight: Some(4), seed: 17, fsync: false, ..SearchConfig::default() }
}

/// A deterministic evaluator whose duration varies, so completion order
/// differs from trial order on several threads.
fn synthetic(trial: &archspace::search::Trial, arch: &archspace::Architecture) -> Metrics {
    std::thread::sleep(std::time::Duration::from_micros(trial.seed % 3000));
    Metrics::new().with("score", seed_objective(arch)).with("modules", arch.modules().len() as f64)
}

fn timeless(report: &SearchReport) -> Vec<TrialRecord> {
    report.records.iter().cloned().map(TrialRecord::without_timing).collect()
}

fn searchers() -> Vec<Box<dyn Searcher>> {
    let def = seed_space();
    vec![
        Box::new(RandomSearcher::per_decision(def.clone())),
        Box::new(MctsSearcher::new(def.clone())),
        Box::new(SmboSearcher::new(def.clone(), SmboConfig { candidates: 16, ..SmboConfig::default() })),
        Box::new(EvolutionSearcher::new(
            def.clone(),
            EvolutionConfig { population: 8, tournament: 3, ..Default::default() },
        )),
        Box::new(HalvingSearcher::new(def, HalvingConfig { initial: 9, ..HalvingConfig::default() })),
    ]
}

#[test]
fn one_and_two_threads_give_identical_records() {
    let eval = evaluator(|t, a| Ok(synthetic(t, a)));
    for (mut one, mut two) in searchers().into_iter().zip(searchers()) {
        let a = run(&mut one, &eval, &config(24, 1)).expect("1 thread");
        let b = run(&mut two, &eval, &config(24, 2)).expect("2 threads");
        assert!(a.records.len() >= 13, "{}", a.searcher);
        assert_eq!(timeless(&a), timeless(&b), "{} differs between 1 and 2 threads", a.searcher);
        assert!(a.records.iter().enumerate().all(|(i, r)| r.trial.id == i as u64));
    }
}

#[test]
fn panicking_erroring_and_nan_evaluations_are_recorded_and_the_search_goes_on() {
    let eval = evaluator(|t, a| match t.id % 4 {
        1 => panic!("boom in trial {}", t.id),
        2 => Err(format!("out of memory in trial {}", t.id).into()),
        3 => Ok(Metrics::new().with("score", f64::NAN)),
        _ => Ok(synthetic(t, a)),
    });
    let mut searcher = MctsSearcher::new(seed_space());
    let report = run(&mut searcher, &eval, &config(20, 2)).expect("the search survives failures");
    assert_eq!(report.records.len(), 20);
    assert_eq!(report.count(TrialStatus::Failed), 15);
    let errors: Vec<&str> = report.records.iter().filter_map(|r| r.error.as_deref()).collect();
    assert!(errors.iter().any(|e| e.contains("panicked") && e.contains("boom")));
    assert!(errors.iter().any(|e| e.contains("out of memory")));
    assert!(errors.iter().any(|e| e.contains("not finite")));
    assert!(report.best().is_some_and(|r| r.trial.id % 4 == 0));
}

#[test]
fn dedup_skips_repeated_networks_and_copies_their_outcome() {
    let calls = AtomicUsize::new(0);
    let eval = evaluator(|t, a| {
        calls.fetch_add(1, Ordering::SeqCst);
        Ok(synthetic(t, a))
    });
    // A searcher that proposes the two networks of a two-choice space in turn.
    let def =
        archspace::SpaceDef::new(|s| s.basic(archspace::Op::new("dense").param("units", archspace::choice([8, 16]))));
    let mut searcher = Alternating { def, asked: 0 };
    let report = run(&mut searcher, &eval, &SearchConfig { dedup: true, ..config(12, 2) }).expect("run");
    assert_eq!(report.records.len(), 12);
    assert_eq!(calls.load(Ordering::SeqCst), 2, "only the two distinct networks are evaluated");
    let dup = report.records.iter().find(|r| r.status == TrialStatus::Duplicate).expect("a duplicate");
    let original = &report.records[dup.duplicate_of.expect("points to its original") as usize];
    assert_eq!((dup.hash.as_str(), dup.score), (original.hash.as_str(), original.score));
}

#[test]
fn a_resumed_search_equals_an_uninterrupted_one_and_runs_nothing_twice() {
    let eval = evaluator(|t, a| Ok(synthetic(t, a)));
    let make = || SmboSearcher::new(seed_space(), SmboConfig { candidates: 16, ..SmboConfig::default() });
    let full = run(&mut make(), &eval, &config(30, 2)).expect("uninterrupted");

    let log = temp_log("search", "resume.jsonl");
    let first = run(&mut make(), &eval, &SearchConfig { log: Some(log.clone()), ..config(12, 2) }).expect("first part");
    assert_eq!(first.records.len(), 12);
    let calls = AtomicUsize::new(0);
    let counting = evaluator(|t, a| {
        calls.fetch_add(1, Ordering::SeqCst);
        Ok(synthetic(t, a))
    });
    let resumed =
        run(&mut make(), &counting, &SearchConfig { log: Some(log.clone()), ..config(30, 2) }).expect("resume");
    assert_eq!(resumed.resumed, 12);
    assert_eq!(calls.load(Ordering::SeqCst), 18, "the 12 logged trials are not run again");
    assert_eq!(timeless(&resumed), timeless(&full));
    let on_disk = read_log(&log).expect("read log");
    let mut ids: Vec<u64> = on_disk.records.iter().map(|r| r.trial.id).collect();
    ids.sort_unstable();
    assert_eq!(ids, (0..30).collect::<Vec<_>>());
}

#[test]
fn a_truncated_last_line_is_tolerated_and_reported() {
    let eval = evaluator(|t, a| Ok(synthetic(t, a)));
    let log = temp_log("search", "truncated.jsonl");
    let make = || RandomSearcher::per_decision(seed_space());
    let full = run(&mut make(), &eval, &config(10, 1)).expect("uninterrupted");
    run(&mut make(), &eval, &SearchConfig { log: Some(log.clone()), ..config(6, 1) }).expect("first part");
    let text = std::fs::read_to_string(&log).expect("log");
    let lines = text.lines().count();
    std::fs::write(&log, format!("{text}{{\"id\":6,\"seed\":12,\"deci")).expect("cut");
    let report = run(&mut make(), &eval, &SearchConfig { log: Some(log.clone()), ..config(10, 1) }).expect("resume");
    assert_eq!(report.truncated_log_line, Some(lines + 1));
    assert_eq!(report.resumed, 6);
    assert_eq!(timeless(&report), timeless(&full));
    assert!(read_log(&log).expect("the log is clean again").truncated_line.is_none());
}

#[test]
fn other_corruption_is_a_clear_error() {
    let eval = evaluator(|t, a| Ok(synthetic(t, a)));
    let log = temp_log("search", "corrupt.jsonl");
    run(
        &mut RandomSearcher::per_decision(seed_space()),
        &eval,
        &SearchConfig { log: Some(log.clone()), ..config(5, 1) },
    )
    .expect("first part");
    let text = std::fs::read_to_string(&log).expect("log");
    let mut lines: Vec<&str> = text.lines().collect();
    lines[2] = "{\"id\": 1, garbage";
    std::fs::write(&log, lines.join("\n") + "\n").expect("corrupt");
    let err = run(
        &mut RandomSearcher::per_decision(seed_space()),
        &eval,
        &SearchConfig { log: Some(log.clone()), ..config(8, 1) },
    )
    .expect_err("corruption must not be skipped");
    assert!(matches!(err, SearchError::CorruptLog { line: 3, .. }), "{err}");
}

#[test]
fn a_log_of_another_search_is_refused() {
    let eval = evaluator(|t, a| Ok(synthetic(t, a)));
    let log = temp_log("search", "other.jsonl");
    run(
        &mut RandomSearcher::per_decision(seed_space()),
        &eval,
        &SearchConfig { log: Some(log.clone()), ..config(3, 1) },
    )
    .expect("first");
    let other_seed = SearchConfig { log: Some(log.clone()), seed: 99, ..config(6, 1) };
    let err = run(&mut RandomSearcher::per_decision(seed_space()), &eval, &other_seed).expect_err("seed differs");
    assert!(matches!(err, SearchError::LogMismatch { .. }), "{err}");
    let other_searcher = SearchConfig { log: Some(log.clone()), ..config(6, 1) };
    let err = run(&mut MctsSearcher::new(seed_space()), &eval, &other_searcher).expect_err("searcher differs");
    assert!(err.to_string().contains("mcts"), "{err}");
    // Same searcher name and seed, but a searcher configured differently proposes other trials.
    let uniform = RandomSearcher::new(seed_space(), archspace::search::RandomMode::Uniform);
    let err = run(&mut RenamedAsRandom(uniform), &eval, &other_searcher).expect_err("trials differ");
    assert!(matches!(err, SearchError::LogMismatch { .. }), "{err}");
}

/// Proposes the first and second value of a one-decision space in turn, forever.
struct Alternating {
    def: archspace::SpaceDef,
    asked: u64,
}

impl Searcher for Alternating {
    fn name(&self) -> &str {
        "alternating"
    }
    fn ask(&mut self) -> Result<archspace::search::Proposal, SearchError> {
        let mut space = self.def.instantiate()?;
        let decision = space.next_decision().expect("one decision");
        space.assign_index(decision, (self.asked % 2) as usize)?;
        let token = archspace::search::Token(self.asked);
        self.asked += 1;
        Ok(archspace::search::Proposal::Candidate(archspace::search::Candidate::new(token, space.freeze()?)))
    }
    fn tell(&mut self, _: archspace::search::Token, _: &archspace::search::Outcome) -> Result<(), SearchError> {
        Ok(())
    }
}

/// A searcher that reports the name `random` whatever it wraps.
struct RenamedAsRandom<S>(S);

impl<S: Searcher> Searcher for RenamedAsRandom<S> {
    fn name(&self) -> &str {
        "random"
    }
    fn set_seed(&mut self, seed: u64) {
        self.0.set_seed(seed)
    }
    fn ask(&mut self) -> Result<archspace::search::Proposal, SearchError> {
        self.0.ask()
    }
    fn tell(
        &mut self,
        token: archspace::search::Token,
        outcome: &archspace::search::Outcome,
    ) -> Result<(), SearchError> {
        self.0.tell(token, outcome)
    }
}

#[test]
fn the_log_exports_as_csv_and_minimize_objectives_rank_low_first() {
    let eval = evaluator(|t, a| Ok(synthetic(t, a)));
    let log = temp_log("search", "csv.jsonl");
    let objective = Objective::minimize("modules");
    let cfg = SearchConfig { log: Some(log.clone()), objective, ..config(8, 1) };
    let report = run(&mut RandomSearcher::per_decision(seed_space()), &eval, &cfg).expect("run");
    let fewest = report.records.iter().map(|r| r.metrics.get("modules").unwrap_or(f64::MAX)).fold(f64::MAX, f64::min);
    assert_eq!(report.best_value(), Some(fewest));
    let csv = log.with_extension("csv");
    export_csv(&log, &csv).expect("export");
    let text = std::fs::read_to_string(&csv).expect("csv");
    let mut lines = text.lines();
    let header = lines.next().expect("header");
    assert!(header.starts_with(
        "trial,status,score,budget,seed,hash,seconds,duplicate_of,error,attempt,metric:modules,metric:score,"
    ));
    assert!(header.contains(",n,") || header.ends_with(",n"), "decision columns by path: {header}");
    assert_eq!(lines.count(), 8);
    assert!(format!("{report}").contains("rank"));
}
