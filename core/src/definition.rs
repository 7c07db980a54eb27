//! [`SpaceDef`]: a reusable space definition that builds fresh spaces.

use std::sync::Arc;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::architecture::{Architecture, Decision};
use crate::error::SpecError;
use crate::io::Io;
use crate::space::Space;
use crate::value::Value;

/// The random generator used across archspace: ChaCha8, seeded explicitly.
pub fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

type BuildFn = dyn Fn(&mut Space) -> Result<Io, SpecError> + Send + Sync;

/// A search-space definition: the function that builds the space.
///
/// Every operation builds a fresh [`Space`] (substitutions consume their
/// functions, so a space is specified once). Cloning is cheap; a `SpaceDef`
/// is `Send + Sync`, so threads can share it.
#[derive(Clone)]
pub struct SpaceDef {
    build: Arc<BuildFn>,
}

impl std::fmt::Debug for SpaceDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SpaceDef")
    }
}

impl SpaceDef {
    /// A definition from the function that builds the space and returns its border.
    pub fn new(build: impl Fn(&mut Space) -> Result<Io, SpecError> + Send + Sync + 'static) -> Self {
        SpaceDef { build: Arc::new(build) }
    }

    /// A fresh, unspecified space.
    pub fn instantiate(&self) -> Result<Space, SpecError> {
        Space::build(|s| (self.build)(s))
    }

    /// A random architecture: each decision uniform over its domain, in order
    /// (DeepArchitect's random search). May be [`SpecError::Invalid`].
    pub fn sample_random<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<Architecture, SpecError> {
        let mut space = self.instantiate()?;
        space.specify_random(rng)?;
        space.freeze()
    }

    /// Rebuilds the architecture recorded as `decisions` (keyed by path).
    pub fn replay(&self, decisions: &[Decision]) -> Result<Architecture, SpecError> {
        let mut space = self.instantiate()?;
        space.replay(decisions)?;
        space.freeze()
    }

    /// Rebuilds the architecture recorded as a positional value list.
    pub fn replay_values(&self, values: &[Value]) -> Result<Architecture, SpecError> {
        let mut space = self.instantiate()?;
        space.replay_values(values)?;
        space.freeze()
    }
}
