//! Export of trial records (e.g. a search log) as CSV.

use std::collections::BTreeSet;
use std::io::{self, Write};
use std::path::Path;

use super::error::SearchError;
use super::journal::read_log;
use super::record::{TrialRecord, TrialStatus};

fn field(out: &mut String, text: &str) {
    if text.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&text.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(text);
    }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// Writes `records` as CSV: `trial, status, score, budget, seed, hash,
/// seconds, duplicate_of, error, attempt`, one column per metric (`metric:<name>`)
/// and one per decision path (`<path>`), with empty cells where a record
/// lacks one; rows in trial order.
///
/// ```
/// use archspace_core::search::{write_csv, Trial, TrialRecord, TrialStatus, Metrics};
/// let record = TrialRecord {
///     trial: Trial { id: 0, seed: 1, budget: None, decisions: vec![] },
///     hash: "00".into(), status: TrialStatus::Completed,
///     metrics: Metrics::new().with("acc", 0.5), score: Some(0.5),
///     error: None, duplicate_of: None, seconds: 0.25, attempt: 1,
/// };
/// let mut out = Vec::new();
/// write_csv(&[record], &mut out).unwrap();
/// let text = String::from_utf8(out).unwrap();
/// assert_eq!(text.lines().nth(1), Some("0,completed,0.5,,1,00,0.25,,,1,0.5"));
/// ```
pub fn write_csv<W: Write>(records: &[TrialRecord], mut out: W) -> io::Result<()> {
    let metrics: BTreeSet<&str> = records.iter().flat_map(|r| r.metrics.names()).collect();
    let paths: BTreeSet<&str> =
        records.iter().flat_map(|r| r.trial.decisions.iter().map(|d| d.path.as_str())).collect();
    let mut line = String::from("trial,status,score,budget,seed,hash,seconds,duplicate_of,error,attempt");
    for m in &metrics {
        line.push(',');
        field(&mut line, &format!("metric:{m}"));
    }
    for p in &paths {
        line.push(',');
        field(&mut line, p);
    }
    writeln!(out, "{line}")?;
    let mut sorted: Vec<&TrialRecord> = records.iter().collect();
    sorted.sort_by_key(|r| r.trial.id);
    for r in sorted {
        line.clear();
        let status = match r.status {
            TrialStatus::Completed => "completed",
            TrialStatus::Failed => "failed",
            TrialStatus::Duplicate => "duplicate",
        };
        let cells = [
            r.trial.id.to_string(),
            status.to_owned(),
            opt(r.score),
            opt(r.trial.budget),
            r.trial.seed.to_string(),
            r.hash.clone(),
            r.seconds.to_string(),
            opt(r.duplicate_of),
            r.error.clone().unwrap_or_default(),
            r.attempt.to_string(),
        ];
        for (i, c) in cells.iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            field(&mut line, c);
        }
        for m in &metrics {
            line.push(',');
            line.push_str(&opt(r.metrics.get(m)));
        }
        for p in &paths {
            line.push(',');
            let value = r.trial.decisions.iter().find(|d| d.path == *p).map(|d| d.value.to_string());
            field(&mut line, &value.unwrap_or_default());
        }
        writeln!(out, "{line}")?;
    }
    out.flush()
}

/// Reads the search log at `log` and writes it as CSV to `csv` (see
/// [`write_csv`]): one row per trial, its last attempt.
pub fn export_csv(log: &Path, csv: &Path) -> Result<(), SearchError> {
    let contents = read_log(log)?;
    let latest: Vec<TrialRecord> = contents.latest().into_iter().cloned().collect();
    let file = std::fs::File::create(csv).map_err(|source| SearchError::Io {
        action: "cannot create",
        path: csv.to_owned(),
        source,
    })?;
    write_csv(&latest, io::BufWriter::new(file)).map_err(|source| SearchError::Io {
        action: "cannot write",
        path: csv.to_owned(),
        source,
    })
}
