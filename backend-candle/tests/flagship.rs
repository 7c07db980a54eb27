//! The flagship pipeline end to end at a tiny budget on the embedded
//! Fashion-MNIST subset: ASHA over the flagship space with its log, the
//! parameter budget enforced by shape inference before training, a resumed
//! search, the Pareto choice, a final training and the one test.

use archspace::search::TrialStatus;
use archspace_candle::data;
use archspace_candle::spaces::fashion_net;
use archspace_candle::spaces::flagship::{
    FlagshipConfig, FlagshipData, FlagshipError, PARAMETER_BUDGET, pareto_choice, retrain, search,
};

fn tiny(out: &std::path::Path, max_trials: usize) -> (FlagshipConfig, FlagshipData) {
    let (train, test) = data::fashion_mnist_subset().expect("subset");
    let config = FlagshipConfig {
        hours: 1.0,
        threads: 2,
        validation: 8,
        search_train: 16,
        min_epochs: 1,
        max_epochs: 2,
        reduction: 2,
        max_trials,
        retrain_epochs: 1,
        top: 2,
        recalibration_batches: 2,
        ..FlagshipConfig::new(out)
    };
    let mut d = FlagshipData::split(train, test, &config).expect("splits");
    // The final training's "whole training set" and the test set, cut down for a debug build.
    d.full_train = d.full_train.split_off(16, 1).expect("split").1;
    d.full_norm = d.full_train.normalization();
    d.test = d.test.split_off(16, 1).expect("split").1;
    (config, d)
}

#[test]
fn the_pipeline_runs_resumes_and_keeps_the_budget() {
    let out = std::env::temp_dir().join(format!("archspace-flagship-{}", std::process::id()));
    std::fs::remove_dir_all(&out).ok();
    let log = out.join("logs").join("run.jsonl");
    let (config, d) = tiny(&out, 3);
    let config = FlagshipConfig { log: Some(log.clone()), ..config };
    let quiet = |_: &str| {};
    let first = search(&config, &d, &quiet).expect("searches");
    assert_eq!(first.report.records.len(), 3);
    assert!(log.exists() && out.join("logs").join("run.seconds").exists(), "the log where asked, its clock beside it");
    for r in &first.report.records {
        match r.status {
            TrialStatus::Completed => {
                let params = r.metrics.get("params").expect("params");
                assert!(params < PARAMETER_BUDGET as f64, "trial {} has {params}", r.trial.id);
                let accuracy = r.metrics.get("validation_accuracy").expect("accuracy");
                assert!(accuracy.is_finite() && (0.0..=1.0).contains(&accuracy));
            }
            _ => assert!(r.error.as_deref().is_some_and(|e| e.contains("parameter budget")), "{:?}", r.error),
        }
    }
    // The same settings and more trials continue the log.
    let (more, d) = tiny(&out, 5);
    let more = FlagshipConfig { log: Some(log), ..more };
    let second = search(&more, &d, &quiet).expect("continues");
    assert_eq!((second.report.records.len(), second.report.resumed), (5, 3));
    assert!(second.seconds >= first.seconds);
    let chosen = pareto_choice(&second.report, 2);
    assert!(!chosen.is_empty() && chosen.len() <= 2);
    let record = &chosen[0];
    let arch = fashion_net().def().replay(&record.trial.decisions).expect("replays");
    let done = retrain(&more, &d, record, &arch, &quiet).expect("retrains");
    assert!(done.test_accuracy.is_finite() && done.test_loss.is_finite() && done.params < PARAMETER_BUDGET);
    // Retrained results are kept: asked again, they are read back.
    assert_eq!(retrain(&more, &d, record, &arch, &quiet).expect("reads back"), done);
    // Another final augmentation is another training, kept in a file of its own.
    let searched = done.augment.expect("the augmentation is recorded");
    let other = (searched + 1) % 3;
    let stronger = FlagshipConfig { final_augment: Some(other), ..more.clone() };
    let redone = retrain(&stronger, &d, record, &arch, &quiet).expect("retrains with another augmentation");
    assert_eq!(redone.augment, Some(other));
    let file = |name: String| out.join(name).exists();
    assert!(file(format!("retrained-{}-e1.json", record.trial.id)));
    assert!(file(format!("retrained-{}-e1-augment{other}.json", record.trial.id)));
    let same = FlagshipConfig { final_augment: Some(searched), ..more.clone() };
    assert_eq!(retrain(&same, &d, record, &arch, &quiet).expect("as searched"), done);
    std::fs::remove_dir_all(&out).ok();
}

#[test]
fn a_network_over_the_budget_is_refused_before_training() {
    let out = std::env::temp_dir().join(format!("archspace-flagship-budget-{}", std::process::id()));
    std::fs::remove_dir_all(&out).ok();
    let (config, d) = tiny(&out, 4);
    let strict = FlagshipConfig { max_params: 1_000, ..config };
    let report = search(&strict, &d, &|_: &str| {}).expect("searches").report;
    for r in &report.records {
        assert_eq!(r.status, TrialStatus::Failed);
        let error = r.error.as_deref().unwrap_or_default();
        assert!(error.contains("over the parameter budget") && error.contains("not trained"), "{error}");
    }
    assert!(pareto_choice(&report, 2).is_empty());
    std::fs::remove_dir_all(&out).ok();
}

#[test]
fn bad_settings_are_clear_errors() {
    let (train, test) = data::fashion_mnist_subset().expect("subset");
    let config = FlagshipConfig { validation: 100_000, ..FlagshipConfig::new("unused") };
    let err = FlagshipData::split(train.clone(), test.clone(), &config).expect_err("too many validation images");
    assert!(matches!(err, FlagshipError::Config(ref m) if m.contains("validation")), "{err}");
    for bad in [
        FlagshipConfig { hours: f64::NAN, ..FlagshipConfig::new("unused") },
        FlagshipConfig { max_epochs: 0, ..FlagshipConfig::new("unused") },
        FlagshipConfig { threads: 0, ..FlagshipConfig::new("unused") },
        FlagshipConfig { final_augment: Some(3), ..FlagshipConfig::new("unused") },
    ] {
        assert!(matches!(bad.check(), Err(FlagshipError::Config(_))), "{bad:?}");
    }
}
