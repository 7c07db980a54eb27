//! Tabular benchmarks: an evaluator that looks an architecture's metrics up
//! in a table (CSV) of decisions → metrics, so that searchers can be
//! measured without training anything (as NAS-Bench-101/201 made common).

use std::collections::HashMap;
use std::path::Path;

use crate::architecture::Architecture;
use crate::value::Value;

use super::driver::{EvalError, Evaluator};
use super::error::SearchError;
use super::outcome::Metrics;
use super::record::Trial;

/// A table of decisions → metrics, read from CSV: every row one
/// architecture; the *key* columns hold decision values, every other column
/// a metric (a number).
///
/// Each key column is tied to the path of the decision it holds; cells are
/// read as integers, then floats, then `true`/`false`, then text, and match
/// decision values of the same type (`2` matches the index of an `or`, `0.25`
/// a dropout rate, `relu` a named choice). A trial's budget is ignored: a
/// table holds one fidelity.
///
/// ```
/// use archspace_core::search::{Evaluator, Table, Trial};
/// use archspace_core::{choice, Op, SpaceDef};
/// let def = SpaceDef::new(|s| {
///     let a = s.named("a").basic(Op::new("dense").param("units", choice([8, 16])))?;
///     let b = s.named("b").basic(Op::new("act").param("kind", choice(["relu", "tanh"])))?;
///     s.chain(&a, &b)?;
///     Ok(s.border_of(&a, &b))
/// });
/// let csv = "units,act,accuracy,params\n8,relu,0.81,80\n8,tanh,0.79,80\n16,relu,0.86,160\n16,tanh,0.84,160\n";
/// let table = Table::parse_csv(csv, &[("units", "a/units"), ("act", "b/kind")])?;
/// assert_eq!((table.len(), table.metric_names()), (4, vec!["accuracy", "params"]));
/// let arch = def.replay_values(&[16.into(), "tanh".into()])?;
/// let trial = Trial::new(0, 0, arch.decisions().to_vec());
/// let metrics = table.evaluate(&trial, &arch).map_err(|e| e.to_string())?;
/// assert_eq!(metrics.get("accuracy"), Some(0.84));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Table {
    /// Decision path of each key column, in key order.
    paths: Vec<String>,
    /// Metric names, in column order.
    metrics: Vec<String>,
    rows: HashMap<Vec<Value>, Vec<f64>>,
}

/// One cell of a CSV line as a value: integer, float, bool or text.
fn cell_value(text: &str) -> Value {
    if let Ok(v) = text.parse::<i64>() {
        Value::Int(v)
    } else if let Ok(v) = text.parse::<f64>() {
        Value::Float(v)
    } else if let Ok(v) = text.parse::<bool>() {
        Value::Bool(v)
    } else {
        Value::from(text)
    }
}

/// The cells of one CSV line (RFC 4180 quoting; no line breaks inside cells).
fn split_line(line: &str) -> Result<Vec<String>, String> {
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') if cell.is_empty() => quoted = true,
            (false, ',') => cells.push(std::mem::take(&mut cell)),
            (false, c) => cell.push(c),
        }
    }
    if quoted {
        return Err("a quoted cell is not closed".to_owned());
    }
    cells.push(cell);
    Ok(cells)
}

impl Table {
    /// Reads a table from CSV text; `keys` ties each key column to a
    /// decision path, as `(column, path)`. Every other column is a metric.
    pub fn parse_csv(text: &str, keys: &[(&str, &str)]) -> Result<Table, SearchError> {
        Self::parse_named(text, keys, "<text>")
    }

    /// Reads a table from the CSV file at `path` (see [`parse_csv`](Self::parse_csv)).
    pub fn read_csv(path: &Path, keys: &[(&str, &str)]) -> Result<Table, SearchError> {
        let text = std::fs::read_to_string(path).map_err(|source| SearchError::Io {
            action: "cannot read",
            path: path.to_owned(),
            source,
        })?;
        Self::parse_named(&text, keys, &path.display().to_string())
    }

    fn parse_named(text: &str, keys: &[(&str, &str)], source: &str) -> Result<Table, SearchError> {
        let error = |line: usize, reason: String| SearchError::Table { file: source.to_owned(), line, reason };
        let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
        let Some((_, header)) = lines.next() else { return Err(error(1, "the table is empty".to_owned())) };
        let header = split_line(header.trim_end_matches('\r')).map_err(|r| error(1, r))?;
        let mut key_columns = Vec::with_capacity(keys.len());
        for (column, _) in keys {
            let found = header
                .iter()
                .position(|h| h == column)
                .ok_or_else(|| error(1, format!("no column `{column}`; the columns are {}", header.join(", "))))?;
            key_columns.push(found);
        }
        let metric_columns: Vec<usize> = (0..header.len()).filter(|c| !key_columns.contains(c)).collect();
        let mut rows = HashMap::new();
        for (index, line) in lines {
            let number = index + 1;
            let cells = split_line(line.trim_end_matches('\r')).map_err(|r| error(number, r))?;
            if cells.len() != header.len() {
                return Err(error(number, format!("{} cells, but the header has {}", cells.len(), header.len())));
            }
            let key: Vec<Value> = key_columns.iter().map(|&c| cell_value(cells[c].trim())).collect();
            let mut values = Vec::with_capacity(metric_columns.len());
            for &c in &metric_columns {
                let value = cells[c]
                    .trim()
                    .parse::<f64>()
                    .map_err(|_| error(number, format!("metric `{}` is not a number: `{}`", header[c], cells[c])))?;
                values.push(value);
            }
            if rows.insert(key, values).is_some() {
                return Err(error(number, "the same decisions appear in an earlier row".to_owned()));
            }
        }
        Ok(Table {
            paths: keys.iter().map(|(_, p)| (*p).to_owned()).collect(),
            metrics: metric_columns.iter().map(|&c| header[c].clone()).collect(),
            rows,
        })
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The metric columns' names.
    pub fn metric_names(&self) -> Vec<&str> {
        self.metrics.iter().map(String::as_str).collect()
    }

    /// The metrics of the row holding `architecture`'s decisions, or why there is none.
    pub fn lookup(&self, architecture: &Architecture) -> Result<Metrics, String> {
        let decisions = architecture.decisions();
        let mut key = Vec::with_capacity(self.paths.len());
        for path in &self.paths {
            let decision = decisions
                .iter()
                .find(|d| d.path == path.as_str())
                .ok_or_else(|| format!("the architecture has no decision `{path}`"))?;
            key.push(decision.value.clone());
        }
        let values = self.rows.get(&key).ok_or_else(|| {
            let described: Vec<String> = self.paths.iter().zip(&key).map(|(p, v)| format!("{p}={v}")).collect();
            format!("no row of the table has {}", described.join(", "))
        })?;
        Ok(self.metrics.iter().zip(values).fold(Metrics::new(), |m, (name, &v)| m.with(name.as_str(), v)))
    }

    /// The best value of `metric` in the whole table (largest, or smallest
    /// with `maximize` false): the optimum a searcher can reach.
    pub fn optimum(&self, metric: &str, maximize: bool) -> Option<f64> {
        let column = self.metrics.iter().position(|m| m == metric)?;
        let values = self.rows.values().map(|v| v[column]);
        if maximize { values.reduce(f64::max) } else { values.reduce(f64::min) }
    }
}

impl Evaluator for Table {
    fn evaluate(&self, _trial: &Trial, architecture: &Architecture) -> Result<Metrics, EvalError> {
        self.lookup(architecture).map_err(EvalError::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_cells_and_errors_name_the_line() {
        assert_eq!(split_line(r#"a,"b,c","d""e""#).unwrap(), ["a", "b,c", "d\"e"]);
        assert!(split_line(r#"a,"b"#).is_err());
        let keys = [("x", "x")];
        let err = Table::parse_csv("x,acc\n1,0.5\n2,high\n", &keys).unwrap_err().to_string();
        assert!(err.contains("line 3") && err.contains("`acc`"), "{err}");
        let err = Table::parse_csv("x,acc\n1,0.5\n1,0.6\n", &keys).unwrap_err().to_string();
        assert!(err.contains("line 3") && err.contains("earlier row"), "{err}");
        let err = Table::parse_csv("y,acc\n1,0.5\n", &keys).unwrap_err().to_string();
        assert!(err.contains("no column `x`"), "{err}");
    }

    #[test]
    fn a_missing_row_or_decision_is_an_evaluation_error() {
        let def = crate::SpaceDef::new(|s| s.named("a").basic(crate::Op::new("d").param("u", crate::choice([1, 2]))));
        let table = Table::parse_csv("u,acc\n1,0.5\n", &[("u", "a/u")]).unwrap();
        assert_eq!(table.lookup(&def.replay_values(&[1.into()]).unwrap()).unwrap().get("acc"), Some(0.5));
        let missing = table.lookup(&def.replay_values(&[2.into()]).unwrap()).unwrap_err();
        assert!(missing.contains("a/u=2"), "{missing}");
        let other = Table::parse_csv("u,acc\n1,0.5\n", &[("u", "b/u")]).unwrap();
        assert!(other.lookup(&def.replay_values(&[1.into()]).unwrap()).unwrap_err().contains("no decision `b/u`"));
        assert_eq!(table.optimum("acc", true), Some(0.5));
    }
}
