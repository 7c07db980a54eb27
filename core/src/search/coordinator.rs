//! [`coordinate`]: the search driver with workers in other processes.

use super::driver::{SearchConfig, begin_search, drive};
use super::error::SearchError;
use super::events::SearchEvent;
use super::executor::QueueExecutor;
use super::progress::Progress;
use super::report::SearchReport;
use super::searcher::Searcher;
use super::store::{TrialQueue, TrialStore};

/// Runs a search whose trials workers evaluate: the coordinator owns the
/// searcher, asks it, queues the trials on `queue` for workers in any
/// number of processes and machines, and tells it the outcomes the workers
/// record, in trial order.
///
/// The window of `config.in_flight()` trials is the one [`run`](super::run)
/// keeps, so with the same searcher, seed, `in_flight` and a deterministic
/// evaluator, the records equal those of `run` (but for their timings),
/// whichever workers evaluate which trials, in whatever order they finish.
/// Keep at least as many trials in flight as the workers have threads in
/// all, or some wait idle.
///
/// A coordinator that stops (killed, or on an error) resumes by running
/// again: the queue's records are told to a fresh searcher, as a resume of a
/// search log is, and the trials still queued or running are awaited rather
/// than queued again; workers go on evaluating meanwhile. `config.threads`
/// is not used (workers bring their own), nor are `config.log` and
/// `config.fsync` (the queue is the store; export it to a log to read it as one).
/// When the search ends, the queue is marked finished, and idle workers leave.
///
/// A queue on PostgreSQL is [`postgres::PostgresStore`](super::postgres::PostgresStore)
/// (cargo feature `postgres`); its module shows a coordinator and a worker.
pub fn coordinate<S>(
    searcher: &mut S,
    queue: &mut dyn TrialQueue,
    config: &SearchConfig,
) -> Result<SearchReport, SearchError>
where
    S: Searcher + ?Sized,
{
    config.validate()?;
    if let Some(log) = &config.log {
        return Err(SearchError::Config(format!(
            "a coordinator records its trials in its queue, not in a search log (`{}`): leave `log` unset, and \
             export the queue to a log to read it as one",
            log.display()
        )));
    }
    let progress = Progress::new(config.trials as u64, config.progress, &config.objective);
    let notify = |event: SearchEvent| config.events.emit(event, &progress);
    let begun = begin_search(Some(&mut *queue as &mut dyn TrialStore), searcher.name(), config, &notify)?;
    let mut executor = QueueExecutor::new(&mut *queue);
    let driven = drive(searcher, &mut executor, begun.logged, config, &progress, &notify)?;
    queue.finish()?;
    progress.finish();
    Ok(driven.report(searcher, config, None))
}

#[cfg(test)]
mod tests;
