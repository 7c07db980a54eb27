//! The progress bar of the search driver, with the best value so far.

use std::cell::Cell;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::outcome::Objective;
use super::record::TrialRecord;

/// An indicatif bar (hidden unless asked for and on a terminal).
pub(crate) struct Progress {
    bar: ProgressBar,
    best: Cell<Option<f64>>,
    objective: Objective,
}

impl Progress {
    pub(crate) fn new(trials: u64, visible: bool, objective: &Objective) -> Self {
        let bar = if visible {
            let bar = ProgressBar::with_draw_target(Some(trials), ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} trials  {elapsed_precise}  {msg}") {
                bar.set_style(style);
            }
            bar
        } else {
            ProgressBar::hidden()
        };
        Progress { bar, best: Cell::new(None), objective: objective.clone() }
    }

    pub(crate) fn record(&self, record: &TrialRecord) {
        if let Some(score) = record.score
            && self.best.get().is_none_or(|b| score > b)
        {
            self.best.set(Some(score));
            self.bar.set_message(format!("best {}: {:.6}", self.objective.metric, self.objective.value_of(score)));
        }
        self.bar.inc(1);
    }

    /// Prints `line` on standard error, above the bar if one is shown.
    pub(crate) fn println(&self, line: &str) {
        self.bar.suspend(|| eprintln!("{line}"));
    }

    pub(crate) fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
