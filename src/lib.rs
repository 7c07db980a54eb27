//! # archspace
//!
//! Architecture search for Rust: a language for search spaces after
//! DeepArchitect (Negrinho et al., 2019), searchers, and backends.
//!
//! This facade re-exports [`archspace_core`]; see its documentation for the
//! language.

#[doc(inline)]
pub use archspace_core::*;
