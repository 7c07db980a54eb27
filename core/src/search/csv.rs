//! Export of trial records (e.g. a search log) as CSV.

use std::collections::BTreeSet;
use std::io::{self, Write};
use std::path::Path;

use super::error::SearchError;
use super::journal::read_log;
use super::record::{TrialRecord, TrialStatus};

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
///     trial: Trial::new(0, 1, vec![]),
///     hash: "00".into(), status: TrialStatus::Completed,
///     metrics: Metrics::new().with("acc", 0.5), score: Some(0.5),
///     error: None, duplicate_of: None, seconds: 0.25, attempt: 1,
/// };
/// let mut out = Vec::new();
/// write_csv(&[record], &mut out).unwrap();
/// let text = String::from_utf8(out).unwrap();
/// assert_eq!(text.lines().nth(1), Some("0,completed,0.5,,1,00,0.25,,,1,0.5"));
/// ```
pub fn write_csv<W: Write>(records: &[TrialRecord], out: W) -> io::Result<()> {
    write_table(records, None, out)
}

/// [`write_csv`], with a last column `pareto` (`true` for the trials on the
/// Pareto front) when `front` is given.
fn write_table<W: Write>(records: &[TrialRecord], front: Option<&BTreeSet<u64>>, out: W) -> io::Result<()> {
    let metrics: BTreeSet<&str> = records.iter().flat_map(|r| r.metrics.names()).collect();
    let paths: BTreeSet<&str> =
        records.iter().flat_map(|r| r.trial.decisions.iter().map(|d| d.path.as_str())).collect();
    let mut writer = ::csv::Writer::from_writer(out);
    let fixed = ["trial", "status", "score", "budget", "seed", "hash", "seconds", "duplicate_of", "error", "attempt"];
    let header = fixed.iter().map(|c| (*c).to_owned());
    let header =
        header.chain(metrics.iter().map(|m| format!("metric:{m}"))).chain(paths.iter().map(|p| (*p).to_owned()));
    let pareto = front.map(|_| "pareto".to_owned());
    writer.write_record(header.chain(pareto))?;
    let mut sorted: Vec<&TrialRecord> = records.iter().collect();
    sorted.sort_by_key(|r| r.trial.id);
    for r in sorted {
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
        let metric_cells = metrics.iter().map(|m| opt(r.metrics.get(m)));
        let decision_cells = paths.iter().map(|p| {
            let value = r.trial.decisions.iter().find(|d| d.path == *p).map(|d| d.value.to_string());
            value.unwrap_or_default()
        });
        let on_front = front.map(|front| front.contains(&r.trial.id).to_string());
        writer.write_record(cells.into_iter().chain(metric_cells).chain(decision_cells).chain(on_front))?;
    }
    writer.flush()
}

/// Reads the search log at `log` and writes it as CSV to `csv` (see
/// [`write_csv`]): one row per trial, its last attempt. The log of a
/// multi-objective search (its header names trade-offs) gets a last column
/// `pareto`: `true` for the trials on the Pareto front
/// ([`pareto_front`](super::pareto_front)).
pub fn export_csv(log: &Path, csv: &Path) -> Result<(), SearchError> {
    let contents = read_log(log)?;
    let latest: Vec<TrialRecord> = contents.latest().into_iter().cloned().collect();
    let front: Option<BTreeSet<u64>> =
        contents.header.as_ref().filter(|h| !h.tradeoffs.is_empty()).map(|h| {
            super::pareto::pareto_front(&latest, &h.objective, &h.tradeoffs).iter().map(|r| r.trial.id).collect()
        });
    let file = std::fs::File::create(csv).map_err(|source| SearchError::Io {
        action: "cannot create",
        path: csv.to_owned(),
        source,
    })?;
    write_table(&latest, front.as_ref(), io::BufWriter::new(file)).map_err(|source| SearchError::Io {
        action: "cannot write",
        path: csv.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::{Metrics, Trial};

    /// Cells with commas, quotes and line breaks read back as written, and
    /// a record missing a metric or decision gets empty cells.
    #[test]
    fn awkward_cells_round_trip_through_a_csv_reader() {
        let record = |id: u64, error: Option<&str>, metrics: Metrics| TrialRecord {
            trial: Trial::new(id, 7, vec![]),
            hash: "ab".into(),
            status: if error.is_some() { TrialStatus::Failed } else { TrialStatus::Completed },
            metrics,
            score: None,
            error: error.map(str::to_owned),
            duplicate_of: None,
            seconds: 1.5,
            attempt: 1,
        };
        let awkward = "shape [1, 2], \"dense\"\nneeds flatten";
        let records = [record(1, Some(awkward), Metrics::new()), record(0, None, Metrics::new().with("acc", 0.25))];
        let mut out = Vec::new();
        write_csv(&records, &mut out).unwrap();
        let mut reader = ::csv::Reader::from_reader(out.as_slice());
        let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
        assert_eq!(header.last().map(String::as_str), Some("metric:acc"));
        let rows: Vec<Vec<String>> = reader.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect();
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0][0].as_str(), rows[0][10].as_str()), ("0", "0.25"), "rows in trial order");
        assert_eq!((rows[1][1].as_str(), rows[1][8].as_str(), rows[1][10].as_str()), ("failed", awkward, ""));
    }
}
