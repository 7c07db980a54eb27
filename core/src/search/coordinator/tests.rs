//! The coordinator against a queue in memory, with worker threads: the
//! records equal those of `run`, whichever worker evaluates which trial; a
//! coordinator stopped part-way resumes from the queue's records.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use super::*;
use crate::search::journal::{LogContents, LogHeader};
use crate::search::{EventSink, EvolutionConfig, EvolutionSearcher, Metrics, QueuedTrial, TrialRecord, evaluator, run};
use crate::{Op, SpaceDef, choice};

#[derive(Default)]
struct State {
    header: Option<LogHeader>,
    records: Vec<TrialRecord>,
    pending: VecDeque<QueuedTrial>,
    queued: HashSet<(u64, u32)>,
    finished: bool,
}

/// A queue in memory, shared by a coordinator and worker threads.
#[derive(Clone, Default)]
struct MemoryQueue(Arc<(Mutex<State>, Condvar)>);

impl MemoryQueue {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.0.lock().expect("queue lock")
    }
}

impl TrialStore for MemoryQueue {
    fn location(&self) -> String {
        "memory".to_owned()
    }

    fn begin(&mut self, header: &LogHeader, _: &mut dyn FnMut(SearchEvent)) -> Result<LogContents, SearchError> {
        let mut state = self.state();
        match &state.header {
            Some(found) if found != header => return Err(self.mismatch("another search".to_owned())),
            _ => state.header = Some(header.clone()),
        }
        state.finished = false;
        Ok(LogContents { header: state.header.clone(), records: state.records.clone(), ..LogContents::default() })
    }

    fn append(&mut self, record: &TrialRecord) -> Result<(), SearchError> {
        self.state().records.push(record.clone());
        self.0.1.notify_all();
        Ok(())
    }
}

impl TrialQueue for MemoryQueue {
    fn enqueue(&mut self, trials: &[QueuedTrial]) -> Result<(), SearchError> {
        let mut state = self.state();
        for queued in trials {
            if state.queued.insert((queued.trial.id, queued.attempt)) {
                state.pending.push_back(queued.clone());
            }
        }
        self.0.1.notify_all();
        Ok(())
    }

    fn wait_for_records(&mut self, awaited: &[(u64, u32)], timeout: Duration) -> Result<Vec<TrialRecord>, SearchError> {
        let deadline = Instant::now() + timeout;
        let mut state = self.state();
        loop {
            let done: Vec<TrialRecord> =
                (state.records.iter()).filter(|r| awaited.contains(&(r.trial.id, r.attempt))).cloned().collect();
            let left = deadline.saturating_duration_since(Instant::now());
            if !done.is_empty() || left.is_zero() {
                return Ok(done);
            }
            state = self.0.1.wait_timeout(state, left).expect("queue lock").0;
        }
    }

    fn finish(&mut self) -> Result<(), SearchError> {
        self.state().finished = true;
        self.0.1.notify_all();
        Ok(())
    }
}

fn space() -> SpaceDef {
    SpaceDef::new(|s| {
        let a = s.basic(Op::new("dense").param("units", choice([8, 16, 32, 64])))?;
        let b = s.basic(Op::new("act").param("kind", choice(["relu", "tanh", "gelu"])))?;
        let c = s.basic(Op::new("dense").param("units", choice([8, 16, 32, 64])))?;
        s.chain(&a, &b)?;
        s.chain(&b, &c)?;
        Ok(s.border_of(&a, &c))
    })
}

fn score(trial: &crate::search::Trial) -> Result<Metrics, crate::search::EvalError> {
    let units: i64 = trial.decisions.iter().filter_map(|d| d.value.as_int()).sum();
    if trial.id % 7 == 3 {
        return Err("out of memory".into());
    }
    Ok(Metrics::new().with("score", units as f64 / 128.0).with("seed_bits", (trial.seed % 997) as f64))
}

/// A worker thread: takes trials until the queue is finished and empty,
/// evaluating each with a delay that depends on the worker and the trial,
/// so that they finish out of order.
fn worker(queue: MemoryQueue, number: u64) -> std::thread::JoinHandle<usize> {
    std::thread::spawn(move || {
        let (def, mut evaluated) = (space(), 0);
        let eval = evaluator(|trial, _| score(trial));
        loop {
            let queued = {
                let mut state = queue.state();
                loop {
                    if let Some(queued) = state.pending.pop_front() {
                        break queued;
                    }
                    if state.finished {
                        return evaluated;
                    }
                    state = queue.0.1.wait(state).expect("queue lock");
                }
            };
            std::thread::sleep(Duration::from_micros(200 * ((queued.trial.id * 7 + number * 3) % 5)));
            let arch = def.replay(&queued.trial.decisions).expect("replay");
            assert_eq!(arch.canonical_hash().to_string(), queued.hash);
            let header = queue.state().header.clone().expect("begun");
            let record = crate::search::driver::evaluate(
                &eval,
                (&header.objective, &header.tradeoffs),
                queued.trial,
                &arch,
                arch.canonical_hash(),
                queued.attempt,
            );
            queue.clone().append(&record).expect("append");
            evaluated += 1;
        }
    })
}

fn searcher() -> EvolutionSearcher {
    EvolutionSearcher::new(space(), EvolutionConfig { population: 6, tournament: 3, ..EvolutionConfig::default() })
}

fn config(trials: usize) -> SearchConfig {
    SearchConfig { trials, in_flight: Some(4), seed: 11, events: EventSink::Ignore, ..SearchConfig::default() }
}

fn timeless(report: &SearchReport) -> Vec<TrialRecord> {
    report.records.iter().cloned().map(TrialRecord::without_timing).collect()
}

#[test]
fn workers_give_the_records_of_a_single_process_run() {
    let queue = MemoryQueue::default();
    let workers: Vec<_> = (0..3).map(|n| worker(queue.clone(), n)).collect();
    let coordinated = coordinate(&mut searcher(), &mut queue.clone(), &config(40)).expect("coordinate");
    let evaluated: usize = workers.into_iter().map(|w| w.join().expect("worker")).sum();
    assert_eq!(evaluated, 40, "every trial evaluated once");

    let eval = evaluator(|trial, _| score(trial));
    let single = run(&mut searcher(), &eval, &SearchConfig { threads: 2, ..config(40) }).expect("run");
    assert_eq!(timeless(&coordinated), timeless(&single));
    assert!(coordinated.count(crate::search::TrialStatus::Failed) > 0, "failures are told as in run");
}

#[test]
fn a_coordinator_stopped_part_way_resumes_from_the_queue() {
    let queue = MemoryQueue::default();
    let workers: Vec<_> = (0..2).map(|n| worker(queue.clone(), n)).collect();
    let first = coordinate(&mut searcher(), &mut queue.clone(), &config(13)).expect("first part");
    assert_eq!(first.records.len(), 13);
    // Workers left when the first part finished; new ones serve the resume.
    workers.into_iter().for_each(|w| drop(w.join()));
    queue.state().finished = false;
    let workers: Vec<_> = (0..2).map(|n| worker(queue.clone(), n)).collect();
    let resumed = coordinate(&mut searcher(), &mut queue.clone(), &config(30)).expect("resume");
    let evaluated: usize = workers.into_iter().map(|w| w.join().expect("worker")).sum();
    assert_eq!((resumed.resumed, evaluated), (13, 17), "nothing evaluated twice");

    let eval = evaluator(|trial, _| score(trial));
    let single = run(&mut searcher(), &eval, &config(30)).expect("run");
    assert_eq!(timeless(&resumed), timeless(&single));

    let other = SearchConfig { seed: 12, ..config(30) };
    let err = coordinate(&mut searcher(), &mut queue.clone(), &other).expect_err("another search");
    assert!(matches!(err, SearchError::StoreMismatch { .. }), "{err}");
}

#[test]
fn a_coordinator_refuses_a_search_log() {
    let config = SearchConfig { log: Some("x.jsonl".into()), ..config(3) };
    let err = coordinate(&mut searcher(), &mut MemoryQueue::default(), &config).expect_err("a log");
    assert!(err.to_string().contains("leave `log` unset"), "{err}");
}
