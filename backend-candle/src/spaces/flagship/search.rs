//! The flagship's search: ASHA over the flagship space for a wall-time
//! budget, in rounds that each resume the search log, and the choice of the
//! architectures to retrain.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use archspace::Architecture;
use archspace::search::{
    AshaConfig, AshaSearcher, EvalError, EventSink, FidelityConfig, Metrics, Objective, SearchConfig, SearchEvent,
    SearchReport, Trial, TrialRecord, TrialStatus, evaluator, pareto_front, read_log, run,
};

use super::deadline::Deadline;
use super::{FlagshipConfig, FlagshipData, FlagshipError, Recipe};
use crate::ops::Registry;
use crate::spaces::fashion_net;
use crate::train::{self, CheckpointStore};
use crate::{Network, NetworkConfig, infer_shapes};

/// The search's result.
#[derive(Clone, Debug)]
pub struct SearchOutcome {
    /// Every trial, from the log and this sitting.
    pub report: SearchReport,
    /// Wall seconds the search has run, over all sittings.
    pub seconds: f64,
    /// The search log.
    pub log: PathBuf,
}

/// The log's default name: what its header does not record (the data and the rungs).
fn search_name(config: &FlagshipConfig, data: &FlagshipData) -> String {
    format!(
        "search_s{}_t{}_v{}_e{}-{}-{}",
        config.seed,
        data.search_train.len(),
        data.validation.len(),
        config.min_epochs,
        config.max_epochs,
        config.reduction
    )
}

fn io(file: &Path) -> impl FnOnce(std::io::Error) -> FlagshipError + '_ {
    move |source| FlagshipError::Io { file: file.display().to_string(), source }
}

/// Wall seconds recorded in `file` (0 when it is not there yet).
fn seconds_spent(file: &Path) -> Result<f64, FlagshipError> {
    match std::fs::read_to_string(file) {
        Ok(text) => text.trim().parse().map_err(|e| FlagshipError::Config(format!("`{}`: {e}", file.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0.0),
        Err(e) => Err(io(file)(e)),
    }
}

/// Trials the log holds (each once, whatever its attempts).
fn logged_trials(log: &Path) -> Result<usize, FlagshipError> {
    if !log.exists() {
        return Ok(0);
    }
    Ok(read_log(log)?.records.iter().map(|r| r.trial.id).collect::<BTreeSet<_>>().len())
}

/// Trains and validates one trial; a network over the budget is refused
/// from its shape inference, untrained.
fn evaluate_trial(
    trial: &Trial,
    arch: &Architecture,
    config: &FlagshipConfig,
    data: &FlagshipData,
    store: &CheckpointStore,
) -> Result<Metrics, FlagshipError> {
    let registry = Registry::standard();
    let shapes = infer_shapes(arch, &data.search_train.shape, &registry)?;
    let params = shapes.total_params();
    if params >= config.max_params {
        return Err(FlagshipError::OverBudget { params, budget: config.max_params });
    }
    let recipe = Recipe::of(arch).map_err(FlagshipError::Config)?;
    let epochs = trial.budget.unwrap_or(config.max_epochs as f64).round() as usize;
    let network = NetworkConfig { seed: trial.seed, classes: Some(10), ..NetworkConfig::default() };
    let net = Network::build(arch, &data.search_train.shape, &registry, &network)?;
    let training = recipe.search_config(epochs, config.max_epochs, trial.seed);
    let report =
        train::train_trial(&net, &data.search_train, None, &data.search_norm, &training, trial, store, &mut |_| {})?;
    let validation = train::evaluate(&net, &data.validation, &data.search_norm, 500)?;
    Ok(Metrics::new()
        .with("validation_accuracy", validation.accuracy)
        .with("validation_loss", validation.loss)
        .with("params", params as f64)
        .with("flops", shapes.total_flops() as f64)
        .with("epochs", epochs as f64)
        .with("epochs_trained", report.images as f64 / data.search_train.len() as f64)
        .with("images_per_second", report.images as f64 / report.seconds.max(1e-9))
        .with("learning_rate", recipe.learning_rate)
        .with("weight_decay", recipe.weight_decay)
        .with("augment", recipe.augment as f64)
        .with("label_smoothing", recipe.label_smoothing))
}

/// Runs (or continues) the search until `config.hours` of wall time are
/// spent over all sittings, or `config.max_trials` trials are done.
///
/// The search runs through the driver with its log: trials already in the
/// log are not run again, and from the deadline on (the hours left after
/// the time `<log>.seconds` records) the searcher proposes nothing new,
/// the trials in flight finish, and the search ends. The wall time spent
/// is written to `<log>.seconds` after every trial, so a search stopped by
/// its budget or interrupted continues where it stopped when called again
/// with the same settings (and more hours). `say` hears one line per
/// finished trial.
pub fn search(
    config: &FlagshipConfig,
    data: &FlagshipData,
    say: &(dyn Fn(&str) + Sync),
) -> Result<SearchOutcome, FlagshipError> {
    config.check()?;
    std::fs::create_dir_all(&config.out).map_err(io(&config.out))?;
    if let Some(dir) = config.log.as_ref().and_then(|l| l.parent()).filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    let log = config.log.clone().unwrap_or_else(|| config.out.join(format!("{}.jsonl", search_name(config, data))));
    let stem = log.file_stem().map_or_else(|| "search".into(), |s| s.to_string_lossy().into_owned());
    let clock = log.with_file_name(format!("{stem}.seconds"));
    let store = CheckpointStore::on_disk(log.with_file_name(format!("{stem}_checkpoints")))?;
    let def = fashion_net().def();
    let space = Some(def.fingerprint()?);
    let fidelity = FidelityConfig {
        min_budget: config.min_epochs as f64,
        max_budget: config.max_epochs as f64,
        reduction: config.reduction as f64,
    };
    let eval = evaluator(|trial: &Trial, arch: &Architecture| {
        let started = Instant::now();
        let result = evaluate_trial(trial, arch, config, data, &store);
        let line = match &result {
            Ok(m) => format!(
                "trial {:>4} rung {} ({} epochs): validation {:.4}, {} parameters, {:.0} images/s, {:.0} s",
                trial.id,
                trial.rung.unwrap_or(0),
                m.get("epochs").unwrap_or(0.0),
                m.get("validation_accuracy").unwrap_or(0.0),
                m.get("params").unwrap_or(0.0),
                m.get("images_per_second").unwrap_or(0.0),
                started.elapsed().as_secs_f64()
            ),
            Err(e) => format!("trial {:>4}: not trained: {e}", trial.id),
        };
        say(&line);
        result.map_err(|e| Box::new(e) as EvalError)
    });
    let search_config = |trials: usize| SearchConfig {
        trials,
        threads: config.threads,
        in_flight: Some(config.in_flight),
        seed: config.seed,
        objective: Objective::maximize("validation_accuracy"),
        tradeoffs: vec![Objective::minimize("params")],
        log: Some(log.clone()),
        space,
        // Each trial is said once by the evaluator, a resume by `search`:
        // the rest of the driver's events go to standard error.
        events: EventSink::custom(|event| {
            if !matches!(event, SearchEvent::Resumed { .. } | SearchEvent::TrialFailed { .. }) {
                eprintln!("{}", event.line());
            }
        }),
        ..SearchConfig::default()
    };
    let asha = || AshaSearcher::new(def.clone(), AshaConfig { fidelity: fidelity.clone(), ..AshaConfig::default() });
    let spent = seconds_spent(&clock)?;
    let logged = logged_trials(&log)?;
    if logged > 0 {
        say(&format!("continuing {}: {logged} trials, {:.2} h of search so far", log.display(), spent / 3600.0));
    }
    let left = (config.hours * 3600.0 - spent).max(0.0);
    let report = if left > 0.0 && logged < config.max_trials {
        let started = Instant::now();
        let deadline = started + Duration::from_secs_f64(left);
        // The clock is kept after every trial, so that an interrupted sitting
        // counts too; a clock that cannot be written fails the search after
        // it, never a trial (whose result is in the log).
        let clock_error: Mutex<Option<std::io::Error>> = Mutex::new(None);
        let timed = evaluator(|trial: &Trial, arch: &Architecture| {
            let result = eval(trial, arch);
            if let Ok(mut error) = clock_error.lock()
                && let Err(e) = std::fs::write(&clock, format!("{:.1}\n", spent + started.elapsed().as_secs_f64()))
            {
                error.get_or_insert(e);
            }
            result
        });
        let report = run(&mut Deadline::new(asha(), deadline, logged), &timed, &search_config(config.max_trials))?;
        if let Some(e) = clock_error.into_inner().ok().flatten() {
            return Err(io(&clock)(e));
        }
        let seconds = spent + started.elapsed().as_secs_f64();
        std::fs::write(&clock, format!("{seconds:.1}\n")).map_err(io(&clock))?;
        report
    } else if logged > 0 {
        run(&mut asha(), &eval, &search_config(logged))?
    } else {
        return Err(FlagshipError::Config("the search has no trials yet: give it some hours".into()));
    };
    let seconds = seconds_spent(&clock)?;
    Ok(SearchOutcome { report, seconds, log })
}

/// The architectures to retrain: the Pareto front (validation accuracy up,
/// parameters down) of the trials at the largest budget any completed
/// trial reached (smaller budgets' accuracies are not comparable), most
/// accurate first, at most `top`.
pub fn pareto_choice(report: &SearchReport, top: usize) -> Vec<TrialRecord> {
    let completed = report.records.iter().filter(|r| r.status == TrialStatus::Completed && r.score.is_some());
    let Some(largest) = completed.clone().filter_map(|r| r.trial.budget).max_by(f64::total_cmp) else {
        return Vec::new();
    };
    let at_largest: Vec<TrialRecord> = completed.filter(|r| r.trial.budget == Some(largest)).cloned().collect();
    pareto_front(&at_largest, &report.objective, &report.tradeoffs).into_iter().take(top).cloned().collect()
}
