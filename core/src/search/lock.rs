//! [`LogLock`]: one search at a time per search log.
//!
//! Two searches appending to one log would record every trial twice and
//! leave a log that no resume accepts. A search therefore holds an advisory
//! lock (`flock` on Unix, `LockFileEx` on Windows, through [`File::try_lock`])
//! on a sidecar file beside its log, `<log>.lock`, for its whole lifetime;
//! the lock goes with the process, so a killed search leaves no stale lock.
//! While held, the sidecar holds the holder's process id, which the refusal
//! of a second search names. The sidecar is left in place, empty, when the
//! search ends (deleting it would let a third search lock a new file while a
//! second still waits on the old one).
//!
//! The lock is on the sidecar rather than the log itself so that readers
//! ([`read_log`](super::read_log), [`export_csv`](super::export_csv)) never
//! wait, on any platform, while a search runs.

use std::ffi::OsString;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::error::SearchError;

/// An exclusive lock on a search log, released when dropped.
#[derive(Debug)]
pub struct LogLock {
    file: File,
    path: PathBuf,
}

/// The outcome of [`LogLock::acquire`].
#[derive(Debug)]
pub enum LockOutcome {
    /// The log is this search's until the lock is dropped.
    Locked(LogLock),
    /// The file system cannot lock files: the search runs unprotected.
    Unsupported {
        /// Why, as the system said it.
        reason: String,
    },
}

/// The sidecar lock file of the log at `log`: `<log>.lock`.
pub fn lock_path(log: &Path) -> PathBuf {
    let mut name = OsString::from(log.as_os_str());
    name.push(".lock");
    PathBuf::from(name)
}

impl LogLock {
    /// Locks the log at `log` for this process, or fails at once with
    /// [`SearchError::LogLocked`] (naming the log and, when it wrote its id,
    /// the process that holds it) without waiting and without touching the log.
    pub fn acquire(log: &Path) -> Result<LockOutcome, SearchError> {
        let path = lock_path(log);
        let io = |action: &'static str| {
            let path = path.clone();
            move |source| SearchError::Io { action, path, source }
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io("cannot open the lock file"))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(SearchError::LogLocked { path: log.to_owned(), holder: holder_of(&mut file) });
            }
            Err(TryLockError::Error(e)) if e.kind() == std::io::ErrorKind::Unsupported => {
                return Ok(LockOutcome::Unsupported { reason: e.to_string() });
            }
            Err(TryLockError::Error(e)) => return Err(io("cannot lock")(e)),
        }
        file.set_len(0).map_err(io("cannot write the lock file"))?;
        file.seek(SeekFrom::Start(0))
            .and_then(|_| writeln!(file, "{}", std::process::id()))
            .and_then(|()| file.flush())
            .map_err(io("cannot write the lock file"))?;
        Ok(LockOutcome::Locked(LogLock { file, path }))
    }

    /// The sidecar file that holds the lock.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for LogLock {
    fn drop(&mut self) {
        // Empty the sidecar while still holding the lock, so that no one
        // reads a finished search's id; closing the file releases the lock.
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

/// The process id a lock holder wrote into the sidecar, if it has yet.
fn holder_of(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_log(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("archspace-lock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir.join(name)
    }

    #[test]
    fn a_second_lock_on_the_same_log_is_refused_and_names_this_process() {
        let log = temp_log("twice.jsonl");
        let Ok(LockOutcome::Locked(first)) = LogLock::acquire(&log) else { panic!("the first lock is taken") };
        match LogLock::acquire(&log) {
            Err(SearchError::LogLocked { path, holder }) => {
                assert_eq!(path, log);
                assert_eq!(holder, Some(std::process::id()));
            }
            other => panic!("expected LogLocked, got {other:?}"),
        }
        assert!(!log.exists(), "the refusal touches no log");
        drop(first);
        assert_eq!(std::fs::read(lock_path(&log)).expect("sidecar stays").len(), 0, "emptied on release");
        assert!(matches!(LogLock::acquire(&log), Ok(LockOutcome::Locked(_))), "free again once dropped");
    }

    #[test]
    fn the_sidecar_is_named_after_the_log() {
        assert_eq!(lock_path(Path::new("out/search.jsonl")), PathBuf::from("out/search.jsonl.lock"));
    }
}
