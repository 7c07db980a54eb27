//! Architecture search beyond neural networks: a preprocessing + model
//! pipeline for the iris data set (embedded in `linfa-datasets`), evaluated
//! by 5-fold cross-validation with `linfa`, searched by the same searchers
//! and driver as the neural spaces.
//!
//! The space: a feature subset (all, sepal or petal measurements), a scaler
//! (none, standardization, min-max; fitted on each training fold only), and
//! a model that is either a decision tree (depth, split quality, minimum leaf
//! weight) or Gaussian naive Bayes (variance smoothing): 306 pipelines, so a
//! grid search also runs and shows the true optimum.
//!
//! `cargo run --release --example general_domain` prints each searcher's
//! best pipeline and `best: <value>` (the best accuracy found).

use archspace::search::{
    EvalError, EvolutionConfig, EvolutionSearcher, GridSearcher, MctsSearcher, Metrics, Objective, RandomSearcher,
    SearchConfig, Searcher, SmboConfig, SmboSearcher, evaluator, run,
};
use archspace::{Alternatives, ArchModule, Architecture, Op, SpaceDef, choice};
use linfa::prelude::*;
use linfa_bayes::GaussianNb;
use linfa_trees::{DecisionTree, SplitQuality};
use ndarray::{Array1, Array2, Axis};
use rand::seq::SliceRandom;

fn pipeline_space() -> SpaceDef {
    SpaceDef::new(|s| {
        let select = s.named("select").basic(Op::new("select").param("features", choice(["all", "sepal", "petal"])))?;
        let scale = s.named("scale").basic(Op::new("scale").param("method", choice(["none", "standard", "minmax"])))?;
        let tree = |s: &mut archspace::Space| {
            s.basic(
                Op::new("decision_tree")
                    .param("max_depth", choice([1, 2, 3, 5, 8]))
                    .param("quality", choice(["gini", "entropy"]))
                    .param("min_weight_leaf", choice([1.0, 2.0, 5.0])),
            )
        };
        let bayes = |s: &mut archspace::Space| {
            s.basic(Op::new("gaussian_nb").param("var_smoothing", choice([1e-9, 1e-6, 1e-3, 1e-1])))
        };
        let model = s.named("model").or(Alternatives::named().with_named("tree", tree).with_named("bayes", bayes))?;
        s.chain(&select, &scale)?;
        s.chain(&scale, &model)?;
        Ok(s.border_of(&select, &model))
    })
}

/// Iris, shuffled once with a fixed seed so every pipeline sees the same folds.
fn iris_shuffled() -> (Array2<f64>, Array1<usize>) {
    let data = linfa_datasets::iris();
    let mut order: Vec<usize> = (0..data.nsamples()).collect();
    order.shuffle(&mut archspace::rng(2019));
    (data.records().select(Axis(0), &order), data.targets().select(Axis(0), &order))
}

fn text<'a>(m: &'a ArchModule, name: &str) -> &'a str {
    m.param(name).and_then(|v| v.as_str()).unwrap_or("")
}

fn number(m: &ArchModule, name: &str) -> f64 {
    m.param(name).and_then(|v| v.as_float().or_else(|| v.as_int().map(|i| i as f64))).unwrap_or(0.0)
}

/// Runs the pipeline on one fold: returns the validation accuracy.
fn fold_accuracy(
    arch: &Architecture,
    mut train: Array2<f64>,
    mut valid: Array2<f64>,
    y_train: Array1<usize>,
    y_valid: &Array1<usize>,
) -> Result<f64, EvalError> {
    for m in arch.modules() {
        match m.op.as_ref() {
            "select" => {
                let columns: &[usize] = match text(m, "features") {
                    "sepal" => &[0, 1],
                    "petal" => &[2, 3],
                    _ => &[0, 1, 2, 3],
                };
                train = train.select(Axis(1), columns);
                valid = valid.select(Axis(1), columns);
            }
            "scale" => {
                let method = text(m, "method");
                for (mut t, mut v) in train.columns_mut().into_iter().zip(valid.columns_mut()) {
                    let (shift, scale) = match method {
                        "standard" => (t.mean().unwrap_or(0.0), t.std(0.0)),
                        "minmax" => {
                            let lo = t.fold(f64::INFINITY, |a, &b| a.min(b));
                            (lo, t.fold(f64::NEG_INFINITY, |a, &b| a.max(b)) - lo)
                        }
                        _ => (0.0, 1.0),
                    };
                    let scale = if scale > 0.0 { scale } else { 1.0 };
                    t.mapv_inplace(|x| (x - shift) / scale);
                    v.mapv_inplace(|x| (x - shift) / scale);
                }
            }
            "decision_tree" => {
                let quality = if text(m, "quality") == "gini" { SplitQuality::Gini } else { SplitQuality::Entropy };
                let model = DecisionTree::params()
                    .split_quality(quality)
                    .max_depth(Some(number(m, "max_depth") as usize))
                    .min_weight_leaf(number(m, "min_weight_leaf") as f32)
                    .fit(&Dataset::new(train.clone(), y_train.clone()))
                    .map_err(|e| e.to_string())?;
                return Ok(accuracy(&model.predict(&valid), y_valid));
            }
            "gaussian_nb" => {
                let model = GaussianNb::params()
                    .var_smoothing(number(m, "var_smoothing"))
                    .fit(&Dataset::new(train.clone(), y_train.clone()))
                    .map_err(|e| e.to_string())?;
                return Ok(accuracy(&model.predict(&valid), y_valid));
            }
            other => return Err(format!("unknown op `{other}`").into()),
        }
    }
    Err("the pipeline has no model".into())
}

fn accuracy(predicted: &Array1<usize>, truth: &Array1<usize>) -> f64 {
    predicted.iter().zip(truth).filter(|(p, t)| p == t).count() as f64 / truth.len() as f64
}

/// 5-fold cross-validated accuracy of the pipeline.
fn cross_validate(arch: &Architecture, x: &Array2<f64>, y: &Array1<usize>) -> Result<Metrics, EvalError> {
    let (n, k) = (x.nrows(), 5);
    let mut scores = Vec::with_capacity(k);
    for fold in 0..k {
        let (lo, hi) = (fold * n / k, (fold + 1) * n / k);
        let train_rows: Vec<usize> = (0..n).filter(|i| !(lo..hi).contains(i)).collect();
        let valid_rows: Vec<usize> = (lo..hi).collect();
        let y_valid = y.select(Axis(0), &valid_rows);
        scores.push(fold_accuracy(
            arch,
            x.select(Axis(0), &train_rows),
            x.select(Axis(0), &valid_rows),
            y.select(Axis(0), &train_rows),
            &y_valid,
        )?);
    }
    let mean = scores.iter().sum::<f64>() / k as f64;
    let std = (scores.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / k as f64).sqrt();
    Ok(Metrics::new().with("accuracy", mean).with("accuracy_std", std))
}

fn main() -> Result<(), archspace::search::SearchError> {
    let def = pipeline_space();
    let (x, y) = iris_shuffled();
    let eval = evaluator(|_, arch| cross_validate(arch, &x, &y));
    let seed = 11;
    let searchers: Vec<Box<dyn Searcher>> = vec![
        Box::new(RandomSearcher::per_decision(def.clone())),
        Box::new(MctsSearcher::new(def.clone())),
        Box::new(SmboSearcher::new(def.clone(), SmboConfig { candidates: 128, ..SmboConfig::default() })),
        Box::new(EvolutionSearcher::new(
            def.clone(),
            EvolutionConfig { population: 10, tournament: 4, ..Default::default() },
        )),
        Box::new(GridSearcher::new(def.clone())),
    ];
    let mut best = f64::NEG_INFINITY;
    for mut searcher in searchers {
        let trials = if searcher.name() == "grid" { 400 } else { 40 };
        let config = SearchConfig {
            trials,
            threads: 2,
            seed,
            objective: Objective::maximize("accuracy"),
            fsync: false,
            ..SearchConfig::default()
        };
        let report = run(&mut searcher, &eval, &config)?;
        let Some(top) = report.best() else {
            println!("{:>9}: no pipeline evaluated", report.searcher);
            continue;
        };
        let pipeline: Vec<String> = top.trial.decisions.iter().map(|d| format!("{}={}", d.path, d.value)).collect();
        println!(
            "{:>9}: {:>3} trials, best accuracy {:.4}: {}",
            report.searcher,
            report.records.len(),
            report.best_value().unwrap_or(0.0),
            pipeline.join(" ")
        );
        best = best.max(report.best_value().unwrap_or(f64::NEG_INFINITY));
    }
    println!("best: {best}");
    Ok(())
}
