//! Where the driver's trials are evaluated: on this process's rayon pool
//! ([`LocalExecutor`], for [`run`](super::run)), or by workers that take
//! them from a [`TrialQueue`] ([`QueueExecutor`], for
//! [`coordinate`](super::coordinate)). The driver's window, and so the
//! trajectory, is the same for both.

use std::collections::{BTreeSet, VecDeque};
use std::sync::mpsc;
use std::time::Duration;

use crate::architecture::{Architecture, ArchitectureHash};

use super::driver::{Evaluator, evaluate};
use super::error::SearchError;
use super::outcome::Objective;
use super::record::{Trial, TrialRecord};
use super::store::{QueuedTrial, TrialQueue, TrialStore};

/// Runs the trials the driver starts.
pub(crate) trait Executor {
    /// Starts evaluating `trial` (attempt `attempt`) of `architecture`.
    fn start(
        &mut self,
        trial: Trial,
        architecture: Architecture,
        hash: ArchitectureHash,
        attempt: u32,
    ) -> Result<(), SearchError>;

    /// Waits for the next started trial to finish and returns its record,
    /// already in the store.
    fn next_finished(&mut self) -> Result<TrialRecord, SearchError>;

    /// Stores a record the driver made itself (a duplicate's).
    fn store(&mut self, record: &TrialRecord) -> Result<(), SearchError>;

    /// The error for stored trials that the searcher does not propose now.
    fn mismatch(&self, reason: String) -> SearchError;
}

/// Evaluates on the threads of a rayon scope; appends each record to the
/// store (if any) as it finishes.
pub(crate) struct LocalExecutor<'a, 'scope, E: ?Sized> {
    scope: &'a rayon::Scope<'scope>,
    evaluator: &'scope E,
    objectives: (&'scope Objective, &'scope [Objective]),
    sender: mpsc::Sender<TrialRecord>,
    receiver: mpsc::Receiver<TrialRecord>,
    store: Option<&'a mut dyn TrialStore>,
}

impl<'a, 'scope, E: Evaluator + ?Sized> LocalExecutor<'a, 'scope, E> {
    pub(crate) fn new(
        scope: &'a rayon::Scope<'scope>,
        evaluator: &'scope E,
        objectives: (&'scope Objective, &'scope [Objective]),
        store: Option<&'a mut dyn TrialStore>,
    ) -> Self {
        let (sender, receiver) = mpsc::channel();
        LocalExecutor { scope, evaluator, objectives, sender, receiver, store }
    }
}

impl<E: Evaluator + ?Sized> Executor for LocalExecutor<'_, '_, E> {
    fn start(
        &mut self,
        trial: Trial,
        architecture: Architecture,
        hash: ArchitectureHash,
        attempt: u32,
    ) -> Result<(), SearchError> {
        let (sender, evaluator, objectives) = (self.sender.clone(), self.evaluator, self.objectives);
        self.scope.spawn(move |_| {
            let record = evaluate(evaluator, objectives, trial, &architecture, hash, attempt);
            // The receiver is gone only when the search stopped on an error.
            let _ = sender.send(record);
        });
        Ok(())
    }

    fn next_finished(&mut self) -> Result<TrialRecord, SearchError> {
        let Ok(record) = self.receiver.recv() else {
            unreachable!("internal invariant: the executor holds a sender while trials are in flight")
        };
        self.store(&record)?;
        Ok(record)
    }

    fn store(&mut self, record: &TrialRecord) -> Result<(), SearchError> {
        match self.store.as_mut() {
            Some(store) => store.append(record),
            None => Ok(()),
        }
    }

    fn mismatch(&self, reason: String) -> SearchError {
        match &self.store {
            Some(store) => store.mismatch(reason),
            None => SearchError::Config(reason),
        }
    }
}

/// How long the coordinator waits on the queue at a time: a bound on how
/// late it notices what the queue does not announce (a worker's lost
/// heartbeats).
const QUEUE_WAIT: Duration = Duration::from_millis(500);

/// Queues trials for workers and waits for the records they write. Trials
/// started together (the window refilled after an outcome) are queued in
/// one batch, when the driver next waits.
pub(crate) struct QueueExecutor<'q> {
    queue: &'q mut dyn TrialQueue,
    to_queue: Vec<QueuedTrial>,
    awaited: BTreeSet<(u64, u32)>,
    ready: VecDeque<TrialRecord>,
}

impl<'q> QueueExecutor<'q> {
    pub(crate) fn new(queue: &'q mut dyn TrialQueue) -> Self {
        QueueExecutor { queue, to_queue: Vec::new(), awaited: BTreeSet::new(), ready: VecDeque::new() }
    }
}

impl Executor for QueueExecutor<'_> {
    fn start(
        &mut self,
        trial: Trial,
        _architecture: Architecture,
        hash: ArchitectureHash,
        attempt: u32,
    ) -> Result<(), SearchError> {
        self.awaited.insert((trial.id, attempt));
        self.to_queue.push(QueuedTrial { trial, attempt, hash: hash.to_string() });
        Ok(())
    }

    fn next_finished(&mut self) -> Result<TrialRecord, SearchError> {
        loop {
            if let Some(record) = self.ready.pop_front() {
                return Ok(record);
            }
            if !self.to_queue.is_empty() {
                self.queue.enqueue(&self.to_queue)?;
                self.to_queue.clear();
            }
            assert!(!self.awaited.is_empty(), "internal invariant: the driver waits only for trials it started");
            let awaited: Vec<(u64, u32)> = self.awaited.iter().copied().collect();
            for record in self.queue.wait_for_records(&awaited, QUEUE_WAIT)? {
                if self.awaited.remove(&(record.trial.id, record.attempt)) {
                    self.ready.push_back(record);
                }
            }
        }
    }

    fn store(&mut self, record: &TrialRecord) -> Result<(), SearchError> {
        self.queue.append(record)
    }

    fn mismatch(&self, reason: String) -> SearchError {
        self.queue.mismatch(reason)
    }
}
