//! Whether this crate was compiled with optimizations, and the one-time
//! warning when it was not: a debug build of the kernels (and of candle and
//! gemm under them) trains about 31× slower (the quickstart's
//! measurement, issue 23).

use std::sync::Once;

/// Cargo's `opt-level` for this crate, as its build script saw it.
const OPT_LEVEL: &str = env!("ARCHSPACE_CANDLE_OPT_LEVEL");

/// Whether this crate was compiled with optimizations (`opt-level` above
/// 0): true in release builds, and in debug builds of a project whose
/// `Cargo.toml` has
///
/// ```toml
/// [profile.dev.package."*"]
/// opt-level = 3
/// ```
///
/// ```
/// // Doctests link the crate as built for the tests (this workspace keeps it at opt-level 0).
/// let _ = archspace_candle::optimized();
/// ```
pub fn optimized() -> bool {
    !matches!(OPT_LEVEL, "" | "0")
}

/// Prints, once per process, a warning on standard error when this crate
/// runs unoptimized. Called where a network is built.
pub(crate) fn warn_if_unoptimized() {
    static WARNED: Once = Once::new();
    if optimized() {
        return;
    }
    WARNED.call_once(|| {
        eprintln!(
            "warning: archspace-candle was compiled without optimizations (opt-level {OPT_LEVEL}); \
             training runs about 30x slower. Build with `--release`, or add to your Cargo.toml:\n\
             [profile.dev.package.\"*\"]\nopt-level = 3"
        );
    });
}
