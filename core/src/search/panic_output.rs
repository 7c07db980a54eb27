//! Panics of evaluations are failed trials, reported once by the search
//! ([`SearchEvent::TrialFailed`](super::SearchEvent::TrialFailed)), not by
//! the panic hook's message (and backtrace) in the middle of the progress
//! display.
//!
//! The panic hook is process-wide, so while at least one search runs, a
//! hook of this module stands in front of the one that was installed: a
//! panic on a thread of a search's pool (where every evaluation runs, its
//! nested parallel work included, and is caught) only leaves its location
//! for the trial's error; any other panic goes to the previous hook as
//! before. The last search to end puts the previous hook back.
//!
//! This holds with `RUST_BACKTRACE` set too: a backtrace per failed trial
//! is the noise this module exists to remove. To debug a panicking
//! evaluator, call it on the failed trial's architecture outside the search
//! ([`SpaceDef::replay`](crate::SpaceDef::replay) of the trial's decisions).

use std::cell::{Cell, RefCell};
use std::panic::PanicHookInfo;
use std::sync::{Arc, Mutex, PoisonError};

type Hook = Arc<dyn Fn(&PanicHookInfo<'_>) + Send + Sync>;

struct Installed {
    searches: usize,
    previous: Option<Hook>,
}

static INSTALLED: Mutex<Installed> = Mutex::new(Installed { searches: 0, previous: None });

thread_local! {
    static ON_SEARCH_THREAD: Cell<bool> = const { Cell::new(false) };
    static LAST_LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Marks the current thread as one of a search's pool (its start handler).
pub(crate) fn mark_search_thread() {
    ON_SEARCH_THREAD.set(true);
}

/// The location of the last panic on this thread that the hook kept quiet,
/// cleared by reading it.
pub(crate) fn take_location() -> Option<String> {
    LAST_LOCATION.take()
}

fn previous_hook() -> Option<Hook> {
    INSTALLED.lock().unwrap_or_else(PoisonError::into_inner).previous.clone()
}

/// While alive, panics on search threads are kept out of the hook's output.
pub(crate) struct QuietEvaluationPanics(());

impl QuietEvaluationPanics {
    pub(crate) fn install() -> Self {
        let mut installed = INSTALLED.lock().unwrap_or_else(PoisonError::into_inner);
        // `previous` outlives the searches only when the last one ended while
        // unwinding; the quiet hook is then still in place.
        if installed.previous.is_none() {
            installed.previous = Some(Arc::from(std::panic::take_hook()));
            std::panic::set_hook(Box::new(move |info| {
                if ON_SEARCH_THREAD.get() {
                    LAST_LOCATION.set(info.location().map(ToString::to_string));
                } else if let Some(previous) = previous_hook() {
                    previous(info);
                }
            }));
        }
        installed.searches += 1;
        QuietEvaluationPanics(())
    }
}

impl Drop for QuietEvaluationPanics {
    fn drop(&mut self) {
        let mut installed = INSTALLED.lock().unwrap_or_else(PoisonError::into_inner);
        installed.searches -= 1;
        // `set_hook` may not be called while unwinding; the quiet hook then
        // stays, passing every panic off a search thread on as before.
        if installed.searches == 0
            && !std::thread::panicking()
            && let Some(previous) = installed.previous.take()
        {
            let _quiet = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| previous(info)));
        }
    }
}
