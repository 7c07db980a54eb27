//! The plots written to files: formats, contents, empty searches.

use std::path::PathBuf;

use super::*;
use crate::search::{Metrics, Trial, TrialStatus};
use crate::{Decision, Value};

fn record(id: u64, score: Option<f64>, params: f64, width: i64) -> TrialRecord {
    TrialRecord {
        trial: Trial::new(id, id, vec![Decision { path: "stem/width".into(), value: Value::Int(width) }]),
        hash: format!("{id:02}"),
        status: if score.is_some() { TrialStatus::Completed } else { TrialStatus::Failed },
        metrics: Metrics::new().with("params", params).with("loss", score.map_or(0.0, |s| -s)),
        score,
        error: score.is_none().then(|| "diverged".to_owned()),
        duplicate_of: None,
        seconds: 1.0,
        attempt: 1,
    }
}

fn scratch_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("archspace-plot-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn trace() -> SearchTrace {
    let records = vec![
        record(0, Some(-0.9), 2e4, 16),
        record(1, Some(-0.5), 4e4, 32),
        record(2, None, 1e4, 16),
        record(3, Some(-0.6), 1.5e4, 16),
        record(4, Some(-0.3), 9e4, 32),
    ];
    SearchTrace::new("random", Objective::minimize("loss"), records)
}

/// Every plot of a search, as real PNG and SVG files.
#[test]
fn plot_search_writes_png_and_svg_files() {
    let dir = scratch_dir("all");
    let written = plot_search(&trace(), &dir).unwrap();
    let names: Vec<String> = written.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    for stem in ["best_so_far", "scores", "marginals", "pareto_params"] {
        for extension in ["png", "svg"] {
            assert!(names.contains(&format!("{stem}.{extension}")), "{stem}.{extension} in {names:?}");
        }
    }
    assert!(!names.iter().any(|n| n.starts_with("pareto_flops")), "no trial reports flops");
    for path in &written {
        let bytes = std::fs::read(path).unwrap();
        if path.extension().is_some_and(|e| e == "png") {
            assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{}", path.display());
        } else {
            let text = String::from_utf8(bytes).unwrap();
            assert!(
                text.starts_with("<svg") && text.contains("Pareto front") | text.contains("loss"),
                "{}",
                path.display()
            );
        }
    }
    let svg = std::fs::read_to_string(dir.join("best_so_far.svg")).unwrap();
    assert!(svg.contains("Best loss so far") && svg.contains("random"), "title and legend");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn unknown_formats_and_searches_without_scores_are_errors() {
    let dir = scratch_dir("errors");
    std::fs::create_dir_all(&dir).unwrap();
    let t = trace();
    assert!(matches!(plot_scores(&t, &dir.join("scores.jpg")), Err(PlotError::Format { .. })));
    let failed = SearchTrace::new("none", Objective::maximize("acc"), vec![record(0, None, 1.0, 16)]);
    let error = plot_scores(&failed, &dir.join("scores.png")).unwrap_err();
    assert!(matches!(error, PlotError::Empty { .. }), "{error}");
    assert!(!dir.join("scores.png").exists(), "no file for an empty plot");
    assert!(matches!(plot_pareto(&t, "flops", &dir.join("p.svg")), Err(PlotError::Empty { .. })));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The front of score against parameters, and the best-so-far line, on the
/// objective's scale (a minimized loss is plotted as the loss).
#[test]
fn the_numbers_behind_the_plots() {
    let t = trace();
    let pairs: Vec<(f64, f64)> = t.records.iter().filter_map(|r| Some((r.metrics.get("params")?, r.score?))).collect();
    // (2e4, -0.9), (4e4, -0.5), (1.5e4, -0.6), (9e4, -0.3): 1.5e4 beats 2e4 on both.
    let front: Vec<f64> = pareto_front(&pairs).into_iter().map(|i| pairs[i].0).collect();
    assert_eq!(front, [1.5e4, 4e4, 9e4]);
    let best: Vec<f64> = best_so_far(&t.records).into_iter().map(|(_, s)| t.objective.value_of(s)).collect();
    assert_eq!(best, [0.9, 0.5, 0.5, 0.3]);
    let m = marginals(&t.records);
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].values, [("16".to_owned(), -0.75, 2), ("32".to_owned(), -0.4, 2)]);
}
