//! Searchers, the parallel search driver and the search log.
//!
//! - [`Searcher`]: the ask/tell interface. A searcher proposes a
//!   [`Candidate`] (an architecture and a [`Token`]) and is told its
//!   [`Outcome`]: named [`Metrics`] reduced to a score by an [`Objective`], or
//!   a failure. Outcomes may come in any order; state saves as JSON.
//! - Searchers as published: [`RandomSearcher`] (per decision, or uniform),
//!   [`GridSearcher`], [`MctsSearcher`] (UCT), [`SmboSearcher`] (hashed
//!   ridge-regression surrogate; random or MCTS inner optimizer),
//!   [`EvolutionSearcher`] (regularized, path-keyed mutation) and
//!   [`HalvingSearcher`] (successive halving over a budget).
//! - [`run`]: the driver. Trials run in parallel on rayon; outcomes are told
//!   in trial order, so 1 thread and T threads give the same records. Failed
//!   evaluations (panic, error, NaN) are recorded and the search goes on.
//! - [`SearchLog`]: a JSON-lines journal, flushed per trial; a search started
//!   on an existing log resumes without re-running finished trials. Its
//!   header holds the settings that shape the trials (searcher, seed, trials
//!   in flight, objectives) and, where [`SearchConfig::space`] gives it, the
//!   space's fingerprint; a resume with other ones is refused.
//!   [`export_csv`] turns a log into a table.
//!
//! ```
//! use archspace_core::search::{evaluator, run, Metrics, MctsSearcher, SearchConfig};
//! use archspace_core::{choice, Op, SpaceDef};
//! let def = SpaceDef::new(|s| {
//!     let a = s.basic(Op::new("dense").param("units", choice([8, 16, 32])))?;
//!     let b = s.basic(Op::new("act").param("kind", choice(["relu", "tanh"])))?;
//!     s.chain(&a, &b)?;
//!     Ok(s.border_of(&a, &b))
//! });
//! let eval = evaluator(|_, arch| {
//!     let units = arch.modules()[0].param("units").and_then(|v| v.as_int()).unwrap_or(0);
//!     Ok(Metrics::new().with("score", units as f64 / 32.0))
//! });
//! let config = SearchConfig { trials: 30, seed: 3, ..SearchConfig::default() };
//! let report = run(&mut MctsSearcher::new(def), &eval, &config)?;
//! assert_eq!(report.best_value(), Some(1.0));
//! println!("{report}");
//! # Ok::<(), archspace_core::search::SearchError>(())
//! ```

mod asha;
mod bayes;
mod bracket;
mod common;
mod config_check;
mod coordinator;
mod csv;
mod driver;
mod error;
mod events;
mod evolution;
mod executor;
mod features;
mod gp;
mod grid;
mod halving;
mod hyperband;
mod journal;
mod local;
mod lock;
mod mcts;
mod multi_bracket;
mod neighbours;
mod novelty;
mod nsga;
mod outcome;
mod panic_output;
mod pareto;
#[cfg(feature = "plots")]
pub mod plot;
#[cfg(feature = "postgres")]
pub mod postgres;
mod progress;
mod random;
mod record;
mod report;
mod retry;
mod searcher;
mod smbo;
mod store;
mod surrogate;
mod tabular;
mod tree;

pub use asha::{AshaConfig, AshaSearcher};
pub use bayes::{Acquisition, Batching, BayesConfig, BayesSearcher, Encoding};
pub use common::{DEFAULT_MAX_INVALID, trial_seed};
pub use coordinator::coordinate;
pub use csv::{export_csv, write_csv};
pub use driver::{DEFAULT_IN_FLIGHT, EvalError, Evaluator, SearchConfig, evaluator, run};
pub use error::SearchError;
pub use events::{EventHandler, EventSink, SearchEvent};
pub use evolution::{EvolutionConfig, EvolutionSearcher};
pub use features::{SparseFeatures, architecture_features, decision_features};
pub use grid::{DEFAULT_GRID_LIMIT, GridSearcher};
pub use halving::{HalvingConfig, HalvingSearcher};
pub use hyperband::{FidelityConfig, HyperbandConfig, HyperbandSearcher};
pub use journal::{LOG_FORMAT, LogContents, LogHeader, SearchLog, read_log};
pub use local::{Improvement, LocalConfig, LocalSearcher};
pub use lock::{LockOutcome, LogLock, lock_path};
pub use mcts::{MctsSearcher, PAPER_EXPLORATION_BONUS};
pub use nsga::{NsgaConfig, NsgaSearcher};
pub use outcome::{Goal, Metrics, Objective, Outcome};
pub use pareto::{dominates, hypervolume, pareto_front};
pub use random::{RandomMode, RandomSearcher};
pub use record::{Trial, TrialRecord, TrialStatus};
pub use report::SearchReport;
pub use searcher::{Candidate, Proposal, Searcher, Token};
pub use smbo::{InnerOptimizer, SmboConfig, SmboSearcher};
pub use store::{JsonLinesStore, QueuedTrial, StoreLocation, TrialQueue, TrialStore};
pub use surrogate::SurrogateConfig;
pub use tabular::Table;
