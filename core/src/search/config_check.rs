//! Checks of a [`SearchConfig`] before anything runs: settings that cannot
//! work are errors, doubtful ones warnings.

use super::driver::SearchConfig;
use super::error::SearchError;
use super::events::SearchEvent;

impl SearchConfig {
    /// Checks the settings that cannot work, before any trial runs:
    /// no threads, no trials in flight, an objective without a metric name.
    /// (The log is checked as it is opened: a path that cannot be a log is an
    /// error naming it, before any trial runs.)
    ///
    /// ```
    /// use archspace_core::search::SearchConfig;
    /// assert!(SearchConfig::default().validate().is_ok());
    /// let err = SearchConfig { in_flight: Some(0), ..SearchConfig::default() }.validate().unwrap_err();
    /// assert!(err.to_string().contains("in_flight"));
    /// ```
    pub fn validate(&self) -> Result<(), SearchError> {
        let invalid = |reason: &str| Err(SearchError::Config(reason.to_owned()));
        if self.threads == 0 {
            return invalid("threads must be at least 1");
        }
        if self.in_flight == Some(0) {
            return invalid("in_flight must be at least 1 (or None: one trial per thread)");
        }
        if self.objective.metric.trim().is_empty() {
            return invalid("the objective needs a metric name");
        }
        Ok(())
    }

    /// A warning when `threads` is above the cores this process may use.
    pub(crate) fn threads_above_cores(&self) -> Option<SearchEvent> {
        let cores = std::thread::available_parallelism().ok()?.get();
        (self.threads > cores).then_some(SearchEvent::ThreadsAboveCores { threads: self.threads, cores })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::Objective;

    #[test]
    fn settings_that_cannot_work_are_rejected_with_the_setting_named() {
        let cases = [
            (SearchConfig { threads: 0, ..SearchConfig::default() }, "threads"),
            (SearchConfig { in_flight: Some(0), ..SearchConfig::default() }, "in_flight"),
            (SearchConfig { objective: Objective::maximize(" "), ..SearchConfig::default() }, "metric"),
        ];
        for (config, named) in cases {
            let err = config.validate().expect_err(named);
            assert!(err.to_string().contains(named), "{err}");
        }
    }

    #[test]
    fn more_threads_than_cores_is_a_warning() {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
        let config = SearchConfig { threads: cores + 1, ..SearchConfig::default() };
        assert_eq!(config.threads_above_cores(), Some(SearchEvent::ThreadsAboveCores { threads: cores + 1, cores }));
        assert_eq!(SearchConfig { threads: cores, ..config }.threads_above_cores(), None);
    }
}
