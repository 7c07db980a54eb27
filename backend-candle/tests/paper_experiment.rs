//! Smoke runs of the paper's Tables 2 and 1 on a sliver of the embedded subset:
//! every row gets a result with finite numbers, and a rerun resumes from
//! the logs with the same table, search hours included.

use archspace_candle::data::fashion_mnist_subset;
use archspace_candle::spaces::experiment::{ExperimentConfig, ExperimentData, PaperTable, Row, markdown, run_table};

/// `table` at 2 one-epoch samples per search, on `per_class` training and
/// test images of each class of the subset (`validation` of the training
/// ones held out), with its logs in a fresh temporary folder named `tag`.
fn smoke(
    table: PaperTable,
    per_class: (usize, usize),
    validation: usize,
    tag: &str,
) -> (ExperimentConfig, ExperimentData) {
    let (train, test) = fashion_mnist_subset().expect("the embedded subset");
    let (train, test) = (train.balanced(per_class.0).expect("train"), test.balanced(per_class.1).expect("test"));
    let data = ExperimentData::split(train, test, validation, 0).expect("split");
    let out = std::env::temp_dir().join(format!("archspace-paper-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let config =
        ExperimentConfig { samples: 2, epochs: 1, repeats: 1, threads: 2, out, ..ExperimentConfig::new(table) };
    (config, data)
}

/// Each row's best trial has accuracies in [0, 1] and a positive parameter count.
fn assert_finite(rows: &[Row]) {
    for row in rows {
        let r = &row.results[0];
        assert!((0.0..=1.0).contains(&r.validation) && (0.0..=1.0).contains(&r.test), "{row:?}");
        assert!(r.params.is_finite() && r.params > 0.0, "{row:?}");
    }
}

#[test]
fn table_two_runs_and_resumes_from_its_logs() {
    let (config, data) = smoke(PaperTable::Two, (12, 5), 40, "two");
    let rows = run_table(&config, &data, &mut |_| {}).expect("the table");
    assert_eq!(rows.len(), 4);
    assert_finite(&rows);
    for row in &rows {
        let hours = row.results[0].hours;
        assert!(hours > 0.0 && hours.is_finite(), "{row:?}");
    }
    let text = markdown(&rows, PaperTable::Two);
    assert_eq!(text.lines().count(), 2 + 4, "{text}");
    assert!(!text.contains("NaN"), "{text}");
    // A rerun finds every trial in the logs: the same results, and the
    // hours the searches took (not the replay's).
    let again = run_table(&config, &data, &mut |_| {}).expect("the table again");
    let best = |rows: &[archspace_candle::spaces::experiment::Row]| {
        rows.iter().map(|r| (r.results[0].validation, r.results[0].test, r.results[0].hours)).collect::<Vec<_>>()
    };
    assert_eq!(best(&rows), best(&again));
    let _ = std::fs::remove_dir_all(&config.out);
}

#[test]
fn a_row_of_one_repeat_has_no_spread_and_of_several_a_standard_deviation() {
    use archspace_candle::spaces::Paper;
    use archspace_candle::spaces::experiment::RunResult;
    let result = |validation: f64| RunResult { validation, test: validation - 0.01, params: 1000.0, hours: 0.1 };
    let rows = [
        Row { space: Paper::Genetic, searcher: "random", results: vec![result(0.8)] },
        Row { space: Paper::Flat, searcher: "random", results: vec![result(0.8), result(0.9)] },
    ];
    let text = markdown(&rows, PaperTable::One);
    let cells: Vec<Vec<&str>> = text.lines().skip(2).map(|l| l.split('|').map(str::trim).collect()).collect();
    assert_eq!((cells[0][3], cells[0][4]), ("80.00", "79.00"), "{text}");
    assert_eq!((cells[1][3], cells[1][4]), ("85.00 ± 7.07", "84.00 ± 7.07"), "{text}");
}

#[test]
fn table_one_runs_every_space() {
    let (config, data) = smoke(PaperTable::One, (8, 3), 20, "one");
    let rows = run_table(&config, &data, &mut |_| {}).expect("the table");
    let spaces: Vec<&str> = rows.iter().map(|r| r.space.name()).collect();
    assert_eq!(spaces, ["genetic", "flat", "nasbench", "nasnet", "hierarchical"]);
    assert_finite(&rows);
    let text = markdown(&rows, PaperTable::One);
    assert_eq!(text.lines().count(), 2 + 5, "{text}");
    assert!(!text.contains("NaN"), "{text}");
    let _ = std::fs::remove_dir_all(&config.out);
}
