//! Multi-fidelity searches through the driver: every rung in the log, a
//! promoted trial that names (and keeps the seed of) the trial it continues,
//! a search killed mid-rung that resumes to the same records, and trials in
//! flight that keep both threads busy.

mod search_support;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use archspace::Architecture;
use archspace::search::{
    AshaConfig, AshaSearcher, FidelityConfig, HyperbandConfig, HyperbandSearcher, Metrics, SearchConfig, SearchReport,
    Searcher, Trial, TrialRecord, evaluator, read_log, run,
};
use search_support::{seed_objective, seed_space};

fn temp_log(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("archspace-fidelity-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

/// A "training" whose score rises with the budget towards the objective,
/// with noise from the seed that fades as the budget grows.
fn trained(trial: &Trial, arch: &Architecture) -> Metrics {
    let budget = trial.budget.unwrap_or(1.0);
    let noise = ((trial.seed % 1000) as f64 / 1000.0 - 0.5) * 0.2 / budget;
    Metrics::new().with("score", seed_objective(arch) * (1.0 - 0.5 / budget) + noise)
}

fn asha() -> AshaSearcher {
    AshaSearcher::new(seed_space(), AshaConfig::default())
}

fn config(trials: usize) -> SearchConfig {
    SearchConfig { trials, threads: 2, seed: 8, fsync: false, ..SearchConfig::default() }
}

fn timeless(report: &SearchReport) -> Vec<TrialRecord> {
    report.records.iter().cloned().map(TrialRecord::without_timing).collect()
}

#[test]
fn the_log_records_every_rung_and_what_each_promotion_continues() {
    let log = temp_log("rungs.jsonl");
    let eval = evaluator(|t, a| Ok(trained(t, a)));
    let report = run(&mut asha(), &eval, &SearchConfig { log: Some(log.clone()), ..config(120) }).expect("search");
    let logged = read_log(&log).expect("log").records;
    assert_eq!(logged.len(), 120);
    let by_id: HashMap<u64, &TrialRecord> = logged.iter().map(|r| (r.trial.id, r)).collect();
    let budgets = FidelityConfig::default().rung_budgets();
    let mut promoted = 0;
    for r in &logged {
        let rung = r.trial.rung.expect("every trial has its rung") as usize;
        assert_eq!(r.trial.budget, Some(budgets[rung]), "trial {}", r.trial.id);
        match r.trial.continues {
            None => assert_eq!(rung, 0, "only rung 0 starts from scratch"),
            Some(from) => {
                promoted += 1;
                let below = by_id[&from];
                assert_eq!(below.trial.rung, Some(rung as u32 - 1));
                assert_eq!(below.trial.decisions, r.trial.decisions);
                assert_eq!(below.trial.seed, r.trial.seed, "a promotion keeps the seed of the trial it continues");
                assert!(from < r.trial.id);
            }
        }
    }
    assert!(promoted >= 15, "{promoted} promotions");
    assert!(logged.iter().any(|r| r.trial.rung == Some(3)), "some architecture reached the top rung");
    // The best trial is one trained with the full budget.
    assert_eq!(report.best().and_then(|r| r.trial.budget), Some(27.0));
}

#[test]
fn a_search_killed_mid_rung_resumes_to_the_same_records() {
    let eval = evaluator(|t, a| Ok(trained(t, a)));
    let searchers: Vec<fn() -> Box<dyn Searcher>> =
        vec![|| Box::new(asha()), || Box::new(HyperbandSearcher::new(seed_space(), HyperbandConfig::default()))];
    for make in searchers {
        let full = run(&mut make(), &eval, &config(70)).expect("uninterrupted");
        let log = temp_log("resume.jsonl");
        // 23 trials: inside the first rungs of both searchers.
        run(&mut make(), &eval, &SearchConfig { log: Some(log.clone()), ..config(23) }).expect("first part");
        let calls = AtomicUsize::new(0);
        let counting = evaluator(|t, a| {
            calls.fetch_add(1, Ordering::SeqCst);
            Ok(trained(t, a))
        });
        let resumed =
            run(&mut make(), &counting, &SearchConfig { log: Some(log.clone()), ..config(70) }).expect("resume");
        assert_eq!(resumed.resumed, 23, "{}", full.searcher);
        assert_eq!(calls.load(Ordering::SeqCst), 70 - 23, "{}: no trial runs twice", full.searcher);
        assert_eq!(timeless(&resumed), timeless(&full), "{}", full.searcher);
    }
}

#[test]
fn trials_in_flight_keep_both_threads_busy() {
    let searchers: Vec<fn() -> Box<dyn Searcher>> =
        vec![|| Box::new(asha()), || Box::new(HyperbandSearcher::new(seed_space(), HyperbandConfig::default()))];
    for make in searchers {
        let running = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        let busy = AtomicUsize::new(0);
        let eval = evaluator(|t, a| {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(15));
            // Still two at work half-way through this one?
            if running.load(Ordering::SeqCst) >= 2 {
                busy.fetch_add(1, Ordering::SeqCst);
            }
            std::thread::sleep(Duration::from_millis(15));
            running.fetch_sub(1, Ordering::SeqCst);
            Ok(trained(t, a))
        });
        let report = run(&mut make(), &eval, &config(40)).expect("search");
        assert_eq!(most.load(Ordering::SeqCst), 2, "{}: two trials at once", report.searcher);
        // Every trial but the last few shares the pool with another one.
        assert!(
            busy.load(Ordering::SeqCst) >= 34,
            "{}: only {} of 40 trials ran beside another",
            report.searcher,
            busy.load(Ordering::SeqCst)
        );
    }
}
