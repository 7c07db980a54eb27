//! # archspace-core
//!
//! The runtime of archspace: a language for neural-architecture search
//! spaces after DeepArchitect (Negrinho et al., 2019).
//!
//! - A [`Space`] is a graph of modules with named ports ([`Io`]) and
//!   hyperparameters. Independent hyperparameters choose from a [`Domain`];
//!   dependent ones are computed from others.
//! - Basic modules carry an [`Op`] description that backends interpret.
//! - Substitution modules (the [`combinators`]: `repeat`, `optional`, `or`, …)
//!   rewrite the graph once their hyperparameters have values.
//! - A searcher assigns values to [`Space::next_decision`] until the space is
//!   specified, then [`Space::freeze`] gives an [`Architecture`].
//! - A [`SpaceDef`] is a reusable definition: it builds fresh spaces, counts
//!   and enumerates assignments, samples uniformly, and replays decisions.
//!
//! ```
//! use archspace_core::{choice, Op, SpaceDef};
//! let def = SpaceDef::new(|s| {
//!     let conv = s.basic(Op::new("conv2d").param("filters", choice([64, 128])))?;
//!     let tail = s.repeat(choice([1, 2]), |s| s.basic(Op::new("relu")))?;
//!     s.chain(&conv, &tail)?;
//!     Ok(s.border_of(&conv, &tail))
//! });
//! assert_eq!(def.count()?, 4u32.into());
//! let arch = def.sample_random(&mut archspace_core::rng(7))?;
//! let again = def.replay(arch.decisions())?;
//! assert_eq!(arch, again);
//! # Ok::<(), archspace_core::SpecError>(())
//! ```

pub mod architecture;
pub mod combinators;
mod completion_cache;
mod count;
mod definition;
#[doc(hidden)]
pub mod dsl_support;
mod error;
mod fingerprint;
mod ids;
mod io;
mod op;
pub mod ports;
mod prefix_cache;
mod replay;
pub mod search;
mod space;
pub mod spaces;
mod subspace;
mod typed;
mod value;

pub use architecture::{ArchModule, Architecture, ArchitectureHash, Decision, Source, SpacePath};
pub use combinators::{Alternatives, CombineFactory, Factory};
pub use count::{CountProgress, Enumerate};
pub use definition::{SpaceDef, rng};
pub use error::{Invalid, SpecError};
pub use fingerprint::SpaceFingerprint;
pub use ids::{ConstraintId, HyperId, InputId, ModuleId, OutputId, ScopeId};
pub use io::Io;
pub use op::{Name, Op, Param, choice, indexed_names};
pub use space::{ConstraintFn, DependentFn, Space, Substitution, SubstitutionFn, Values};
pub use subspace::SubSpace;
pub use typed::FromValue;
pub use value::{Domain, Value};

/// Arbitrary-precision unsigned integers, as returned by [`SpaceDef::count`].
pub use num_bigint::BigUint;
