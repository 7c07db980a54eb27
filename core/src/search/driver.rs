//! The search driver: runs trials of (searcher, evaluator) in parallel on
//! rayon, deterministically, with an optional crash-safe log.
//!
//! # Determinism
//! The driver keeps a window of `in_flight` trials. It asks for candidates
//! until the window is full, then waits for the *oldest* trial, tells its
//! outcome, and asks again. Outcomes are told in trial order, whatever order
//! the evaluations finish in. So the records are determined by what the
//! user wrote — the space, the searcher and its settings, the evaluator,
//! and the [`SearchConfig`] fields `seed`, `trials`, `in_flight` (default
//! [`DEFAULT_IN_FLIGHT`], a constant), `objective`, `tradeoffs` and `dedup`
//! — and by nothing about the machine: not `threads`, not the number of
//! cores, not timing. With a deterministic evaluator, 1 thread and T threads
//! give identical records. Evaluations still run `in_flight` at a time;
//! results are logged the moment they finish.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::time::Instant;

use crate::architecture::{Architecture, ArchitectureHash};
use crate::fingerprint::SpaceFingerprint;

use super::common::trial_seed;
use super::error::SearchError;
use super::events::{EventSink, SearchEvent};
use super::executor::{Executor, LocalExecutor};
use super::journal::{LOG_FORMAT, LogHeader};
use super::outcome::{Metrics, Objective, Outcome};
use super::panic_output::{self, QuietEvaluationPanics};
use super::progress::Progress;
use super::record::{Trial, TrialRecord, TrialStatus};
use super::report::SearchReport;
use super::retry::{LoggedTrial, logged_trials};
use super::searcher::{Candidate, Proposal, Searcher, Token};
use super::store::{JsonLinesStore, TrialStore};

/// The error an evaluation may return; recorded as a failed trial.
pub type EvalError = Box<dyn std::error::Error + Send + Sync>;

/// Evaluates one trial's architecture into metrics.
///
/// Implemented by closures `Fn(&Trial, &Architecture) -> Result<Metrics, EvalError>`;
/// wrap one in [`evaluator`] to help type inference. A panic, an error or a
/// non-finite metric is recorded as a failed trial and the search goes on.
pub trait Evaluator: Sync {
    /// Evaluates `architecture` (the replay of `trial.decisions`) with the
    /// trial's seed and budget.
    fn evaluate(&self, trial: &Trial, architecture: &Architecture) -> Result<Metrics, EvalError>;
}

impl<F> Evaluator for F
where
    F: Fn(&Trial, &Architecture) -> Result<Metrics, EvalError> + Sync,
{
    fn evaluate(&self, trial: &Trial, architecture: &Architecture) -> Result<Metrics, EvalError> {
        self(trial, architecture)
    }
}

/// Returns `f`, typed as an [`Evaluator`] (closures need this for their
/// reference arguments to be inferred).
pub fn evaluator<F>(f: F) -> F
where
    F: Fn(&Trial, &Architecture) -> Result<Metrics, EvalError> + Sync,
{
    f
}

/// Trials in flight when [`SearchConfig::in_flight`] is `None`.
///
/// A constant, not the thread count: `in_flight` shapes the trajectory (a
/// searcher asked for four candidates before hearing of the first proposes
/// other ones than a searcher told each outcome at once), so deriving it
/// from the machine would make the records depend on the machine.
pub const DEFAULT_IN_FLIGHT: usize = 4;

/// Settings of a search run.
///
/// # One seed
/// `seed` is the search's only seed: the driver hands it to the searcher
/// ([`Searcher::set_seed`]) before the first ask, and trial `i`'s
/// evaluation seed is [`trial_seed`]`(seed, i)`.
///
/// # Threads
/// Evaluations run on one rayon pool of `threads` threads, `in_flight` at a
/// time (default [`DEFAULT_IN_FLIGHT`]); neither the thread count nor the
/// machine changes the records. Several trials at once, each mostly on one
/// thread, is faster for training small networks on CPU than one trial on
/// every thread (archspace-candle's README: two trials at once on 2 cores
/// train net1 at 933 images/s in total against 698 for one trial on both);
/// work an evaluation splits with rayon (the candle backend's kernels do)
/// runs on the same pool, so a trial alone on it still uses every thread.
/// Trials beyond `threads` wait in the pool's queue. On a machine with more
/// cores than [`DEFAULT_IN_FLIGHT`], raise `in_flight` to use them all — a
/// setting you write, so the search stays the same wherever it runs.
///
/// More threads than cores are allowed (evaluations that wait on a GPU or
/// another machine can use them), but the search warns
/// ([`SearchEvent::ThreadsAboveCores`](super::SearchEvent::ThreadsAboveCores)):
/// for evaluations that compute on the CPU, each extra thread only slows
/// every trial and holds more trials in memory at once.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchConfig {
    /// Number of trials (at most; a searcher may be exhausted earlier).
    pub trials: usize,
    /// Threads evaluating in parallel (does not change the records).
    pub threads: usize,
    /// Trials in flight; `None`: [`DEFAULT_IN_FLIGHT`]. Part of the trajectory.
    pub in_flight: Option<usize>,
    /// The search's seed: the searcher's, and trial `i`'s is [`trial_seed`]`(seed, i)`.
    pub seed: u64,
    /// The metric to optimize.
    pub objective: Objective,
    /// Further objectives traded off against `objective` (e.g. minimize
    /// `params`): the report's [`pareto`](SearchReport::pareto) front is over
    /// all of them, and searchers that target the front
    /// ([`NsgaSearcher`](super::NsgaSearcher)) are told every score. A trial
    /// that does not report one of them fails.
    pub tradeoffs: Vec<Objective>,
    /// Skip architectures whose network (and budget) was already tried.
    pub dedup: bool,
    /// Show a progress bar (on a terminal) with the best value so far.
    pub progress: bool,
    /// The search log: created if missing, resumed if present.
    pub log: Option<PathBuf>,
    /// Sync the log to disk after each trial (not just flush it to the OS).
    pub fsync: bool,
    /// On a resume, evaluate the log's failed trials again instead of
    /// keeping their failures, as Optuna's `RetryFailedTrialCallback` does
    /// for trials lost to a transient fault (out of memory, a killed worker).
    ///
    /// A retry keeps the trial's id, seed, decisions and budget; it is
    /// appended to the log as a record of its own, `"attempt": 2` (3, …),
    /// after the failed one. A trial's result is its last attempt (in the
    /// report, its leaderboard and the CSV export). The searcher is told
    /// each trial's *first* outcome, as in the run that logged it, so a
    /// retry changes results, never which trials are proposed: the same log
    /// and settings give the same search, and a log with retries resumes
    /// like any other. Not recorded in the log's header: turn it on for the
    /// resumes that should retry.
    pub retry_failed: bool,
    /// Where the search reports a resume, a dropped log line, failed trials
    /// and doubtful settings: by default, standard error.
    pub events: EventSink,
    /// The searched space's fingerprint ([`SpaceDef::fingerprint`](crate::SpaceDef::fingerprint)): written
    /// in a new log's header, and a resumed log whose header holds another
    /// fails with [`SearchError::LogMismatch`] instead of replaying scores
    /// that another space's networks earned. `None` (the default) checks
    /// nothing, as does a log written without one.
    ///
    /// ```
    /// use archspace_core::search::SearchConfig;
    /// use archspace_core::{choice, Op, SpaceDef};
    /// let def = SpaceDef::new(|s| s.basic(Op::new("dense").param("units", choice([8, 16]))));
    /// let config = SearchConfig { space: Some(def.fingerprint()?), ..SearchConfig::default() };
    /// # Ok::<(), archspace_core::SpecError>(())
    /// ```
    pub space: Option<SpaceFingerprint>,
}

impl Default for SearchConfig {
    fn default() -> Self {
        SearchConfig {
            trials: 100,
            threads: 1,
            in_flight: None,
            seed: 0,
            objective: Objective::default(),
            tradeoffs: Vec::new(),
            dedup: false,
            progress: false,
            log: None,
            fsync: true,
            retry_failed: false,
            events: EventSink::default(),
            space: None,
        }
    }
}

impl SearchConfig {
    /// Trials in flight, after defaults.
    pub fn in_flight(&self) -> usize {
        self.in_flight.unwrap_or(DEFAULT_IN_FLIGHT).max(1)
    }
}

/// The trial id and seed of every token the searcher was given, so that a
/// promotion can name the trial it continues and keep its seed.
#[derive(Default)]
struct IssuedTokens(HashMap<Token, (u64, u64)>);

impl IssuedTokens {
    /// Trial `id` for `candidate`.
    fn trial(&mut self, id: u64, master: u64, candidate: &Candidate) -> Result<Trial, SearchError> {
        let (continues, seed) = match candidate.continues {
            Some(token) => {
                let &(from, seed) = self.0.get(&token).ok_or_else(|| {
                    SearchError::Config(format!("a candidate continues token {token}, which was never proposed"))
                })?;
                (Some(from), seed)
            }
            None => (None, trial_seed(master, id)),
        };
        self.0.insert(candidate.token, (id, seed));
        Ok(Trial {
            id,
            seed,
            budget: candidate.budget,
            decisions: candidate.decisions().to_vec(),
            rung: candidate.rung,
            continues,
        })
    }
}

enum Pending {
    Evaluating,
    Logged(Box<LoggedTrial>),
    /// A logged failure evaluated again; the searcher is told `told`.
    Retrying {
        told: Outcome,
    },
    Duplicate(u64),
}

struct Slot {
    id: u64,
    token: Token,
    pending: Pending,
}

/// Runs a search: seeds `searcher` with `config.seed`, asks it for up to
/// `config.trials` candidates, evaluates them with `evaluator` on
/// `config.threads` threads, tells the outcomes in trial order, and returns
/// every trial record. A searcher that runs out of candidates earlier ends
/// the search; the report says why ([`SearchReport::exhausted`]).
///
/// With `config.log` set, each finished trial is appended to the log; if the
/// log already holds trials of the same search, they are not run again: their
/// logged outcomes are told to the searcher in the same order, so the
/// result equals that of an uninterrupted run. The log is locked while the
/// search runs: a second search on it fails at once with
/// [`SearchError::LogLocked`].
///
/// A resume, a dropped log line and every failed trial are reported once,
/// through `config.events` (standard error by default). While the search
/// runs, a panic in an evaluation is such a failed trial, not a message of
/// the panic hook: the hook sees only panics outside the search's threads.
///
/// ```
/// use archspace_core::search::{evaluator, run, Metrics, RandomSearcher, SearchConfig};
/// use archspace_core::{choice, Op, SpaceDef};
/// let def = SpaceDef::new(|s| s.basic(Op::new("dense").param("units", choice([8, 16, 32, 64]))));
/// let mut searcher = RandomSearcher::per_decision(def);
/// let eval = evaluator(|_, arch| {
///     let units = arch.modules()[0].param("units").and_then(|v| v.as_int()).unwrap_or(0);
///     Ok(Metrics::new().with("score", units as f64))
/// });
/// let config = SearchConfig { trials: 20, threads: 2, seed: 1, ..SearchConfig::default() };
/// let report = run(&mut searcher, &eval, &config)?;
/// // Four networks, each proposed once: the searcher stops after four trials and says why.
/// assert_eq!(report.records.len(), 4);
/// assert!(report.exhausted.as_deref().unwrap_or("").contains("every one of the space's 4 architectures"));
/// assert_eq!(report.best_value(), Some(64.0));
/// # Ok::<(), archspace_core::search::SearchError>(())
/// ```
pub fn run<S, E>(searcher: &mut S, evaluator: &E, config: &SearchConfig) -> Result<SearchReport, SearchError>
where
    S: Searcher + ?Sized,
    E: Evaluator + ?Sized,
{
    config.validate()?;
    let progress = Progress::new(config.trials as u64, config.progress, &config.objective);
    let notify = |event: SearchEvent| config.events.emit(event, &progress);
    if let Some(event) = config.threads_above_cores() {
        notify(event);
    }
    let mut log = config.log.as_ref().map(|path| JsonLinesStore::new(path, config.fsync));
    let begun = begin_search(log.as_mut().map(|s| s as &mut dyn TrialStore), searcher.name(), config, &notify)?;
    let _quiet = QuietEvaluationPanics::install();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads)
        .start_handler(|_| panic_output::mark_search_thread())
        .build()
        .map_err(|e| SearchError::ThreadPool(e.to_string()))?;
    let driven = pool.in_place_scope(|scope| {
        let store = log.as_mut().map(|s| s as &mut dyn TrialStore);
        let mut executor = LocalExecutor::new(scope, evaluator, (&config.objective, &config.tradeoffs), store);
        drive(searcher, &mut executor, begun.logged, config, &progress, &notify)
    })?;
    progress.finish();
    Ok(driven.report(searcher, config, begun.truncated_log_line))
}

/// What a store held when a search began on it.
#[derive(Default)]
pub(crate) struct Begun {
    /// Its trials by id.
    pub(crate) logged: HashMap<u64, LoggedTrial>,
    /// A cut-short last line of a log that was dropped.
    pub(crate) truncated_log_line: Option<usize>,
}

/// Begins (or resumes) the search on `store`, reporting a resume.
pub(crate) fn begin_search(
    store: Option<&mut dyn TrialStore>,
    searcher: &str,
    config: &SearchConfig,
    notify: &dyn Fn(SearchEvent),
) -> Result<Begun, SearchError> {
    let Some(store) = store else { return Ok(Begun::default()) };
    let header = LogHeader {
        archspace_search_log: LOG_FORMAT,
        searcher: searcher.to_owned(),
        seed: config.seed,
        in_flight: config.in_flight(),
        objective: config.objective.clone(),
        tradeoffs: config.tradeoffs.clone(),
        dedup: config.dedup,
        space_fingerprint: config.space.map(|f| f.to_string()),
    };
    let contents = store.begin(&header, &mut |event| notify(event))?;
    let logged = logged_trials(contents.records, &config.tradeoffs);
    if !logged.is_empty() {
        let failed = logged.values().filter(|t| t.latest.status == TrialStatus::Failed).count();
        notify(store.resumed(logged.len(), failed, config.retry_failed));
    }
    Ok(Begun { logged, truncated_log_line: contents.truncated_line })
}

/// The trials a search went through.
pub(crate) struct Driven {
    records: Vec<TrialRecord>,
    resumed: usize,
    retried: usize,
    /// Why the searcher ended the search early, if it did.
    exhausted: Option<String>,
}

impl Driven {
    pub(crate) fn report<S: Searcher + ?Sized>(
        self,
        searcher: &S,
        config: &SearchConfig,
        truncated_log_line: Option<usize>,
    ) -> SearchReport {
        SearchReport {
            searcher: searcher.name().to_owned(),
            objective: config.objective.clone(),
            tradeoffs: config.tradeoffs.clone(),
            records: self.records,
            resumed: self.resumed,
            retried: self.retried,
            truncated_log_line,
            invalid: searcher.invalid_count(),
            exhausted: self.exhausted,
        }
    }
}

/// The window of trials in flight: asks, starts trials on `executor`, and
/// tells outcomes in trial order (see the module docs).
pub(crate) fn drive<S: Searcher + ?Sized>(
    searcher: &mut S,
    executor: &mut dyn Executor,
    mut logged: HashMap<u64, LoggedTrial>,
    config: &SearchConfig,
    progress: &Progress,
    notify: &dyn Fn(SearchEvent),
) -> Result<Driven, SearchError> {
    let in_flight = config.in_flight();
    searcher.set_seed(config.seed);
    let mut records: Vec<TrialRecord> = Vec::new();
    let (mut resumed, mut retried) = (0, 0);
    let mut window: VecDeque<Slot> = VecDeque::new();
    let mut finished: BTreeMap<u64, TrialRecord> = BTreeMap::new();
    let mut seen: HashMap<(ArchitectureHash, Option<u64>), u64> = HashMap::new();
    let mut issued = IssuedTokens::default();
    let mut next_id = 0u64;
    let mut exhausted = None;
    loop {
        let mut waiting = false;
        while exhausted.is_none() && window.len() < in_flight && (next_id as usize) < config.trials {
            let candidate = match searcher.ask()? {
                Proposal::Candidate(c) => c,
                Proposal::Wait => {
                    waiting = true;
                    break;
                }
                Proposal::Exhausted => {
                    let reason = searcher.why_exhausted().unwrap_or_else(|| "no reason given".to_owned());
                    exhausted = Some(format!(
                        "`{}` had nothing more to propose after {next_id} of {} trials: {reason}",
                        searcher.name(),
                        config.trials
                    ));
                    break;
                }
            };
            let id = next_id;
            next_id += 1;
            let trial = issued.trial(id, config.seed, &candidate)?;
            let hash = candidate.architecture.canonical_hash();
            let key = (hash, candidate.budget.map(f64::to_bits));
            let original = if config.dedup { seen.get(&key).copied() } else { None };
            if original.is_none() {
                seen.insert(key, id);
            }
            let pending = if let Some(logged) = logged.remove(&id) {
                let record = &logged.latest;
                if !same_work(&record.trial, &trial) {
                    return Err(executor.mismatch(format!(
                        "trial {id} has other decisions recorded than the searcher proposes now (the searcher or \
                         the space changed); resume with the ones that recorded it, or start a new search with \
                         another log path or search name"
                    )));
                }
                if config.retry_failed && record.status == TrialStatus::Failed {
                    retried += 1;
                    executor.start(trial, candidate.architecture, hash, record.attempt + 1)?;
                    Pending::Retrying { told: logged.told }
                } else {
                    resumed += 1;
                    Pending::Logged(Box::new(logged))
                }
            } else if let Some(original) = original {
                Pending::Duplicate(original)
            } else {
                executor.start(trial, candidate.architecture, hash, 1)?;
                Pending::Evaluating
            };
            window.push_back(Slot { id, token: candidate.token, pending });
        }
        let Some(slot) = window.pop_front() else {
            if waiting {
                return Err(SearchError::Stalled { searcher: searcher.name().to_owned() });
            }
            return Ok(Driven { records, resumed, retried, exhausted });
        };
        let (record, told) = match slot.pending {
            Pending::Logged(logged) => (logged.latest, Some(logged.told)),
            Pending::Duplicate(original) => {
                // Outcomes are told in trial order, so `records[i]` is trial `i`.
                let Some(first) = records.get(original as usize) else {
                    unreachable!("internal invariant: a duplicate's original trial is told before it")
                };
                let record = duplicate_record(first, slot.id, config.seed, original);
                executor.store(&record)?;
                (record, None)
            }
            Pending::Evaluating | Pending::Retrying { .. } => loop {
                if let Some(record) = finished.remove(&slot.id) {
                    let told = if let Pending::Retrying { told } = slot.pending { Some(told) } else { None };
                    break (record, told);
                }
                let record = executor.next_finished()?;
                if let (TrialStatus::Failed, Some(error)) = (record.status, &record.error) {
                    let (trial, attempt, error) = (record.trial.id, record.attempt, error.clone());
                    notify(SearchEvent::TrialFailed { trial, attempt, error });
                }
                finished.insert(record.trial.id, record);
            },
        };
        searcher.tell(slot.token, &told.unwrap_or_else(|| record.outcome_with(&config.tradeoffs)))?;
        progress.record(&record);
        records.push(record);
    }
}

/// Whether a logged trial is the work the searcher proposes now.
fn same_work(logged: &Trial, now: &Trial) -> bool {
    logged.decisions == now.decisions
        && logged.budget == now.budget
        && logged.rung == now.rung
        && logged.continues == now.continues
}

fn duplicate_record(first: &TrialRecord, id: u64, master: u64, original: u64) -> TrialRecord {
    let mut record = first.clone();
    record.trial.id = id;
    record.trial.seed = trial_seed(master, id);
    record.status = TrialStatus::Duplicate;
    record.duplicate_of = Some(original);
    record.seconds = 0.0;
    record.attempt = 1;
    record
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with a non-text payload".to_owned()
    }
}

/// Evaluates one trial, turning a panic, an error or a non-finite metric
/// into a failed record.
pub(crate) fn evaluate<E: Evaluator + ?Sized>(
    evaluator: &E,
    (objective, tradeoffs): (&Objective, &[Objective]),
    trial: Trial,
    architecture: &Architecture,
    hash: ArchitectureHash,
    attempt: u32,
) -> TrialRecord {
    let started = Instant::now();
    panic_output::take_location();
    let result = catch_unwind(AssertUnwindSafe(|| evaluator.evaluate(&trial, architecture)));
    let seconds = started.elapsed().as_secs_f64();
    let (metrics, score, error) = match result {
        Ok(Ok(metrics)) => match objective.outcome_with(tradeoffs, metrics.clone()) {
            Outcome::Completed { score, .. } => (metrics, Some(score), None),
            Outcome::Failed { reason } => (metrics.finite_only(), None, Some(reason)),
        },
        Ok(Err(e)) => (Metrics::new(), None, Some(format!("the evaluation failed: {e}"))),
        Err(payload) => {
            let at = panic_output::take_location().map(|l| format!(" at {l}")).unwrap_or_default();
            (Metrics::new(), None, Some(format!("the evaluation panicked{at}: {}", panic_text(&*payload))))
        }
    };
    let status = if score.is_some() { TrialStatus::Completed } else { TrialStatus::Failed };
    TrialRecord { trial, hash: hash.to_string(), status, metrics, score, error, duplicate_of: None, seconds, attempt }
}
