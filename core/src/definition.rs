//! [`SpaceDef`]: a reusable space definition that builds fresh spaces.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::architecture::{Architecture, Decision};
use crate::error::SpecError;
use crate::io::Io;
use crate::space::{Space, SpaceSize};
use crate::value::Value;

/// The random generator used across archspace: ChaCha8, seeded explicitly.
pub fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

thread_local! {
    /// One emptied space per thread, reused by the next `instantiate`.
    static SPARE: std::cell::Cell<Option<Space>> = const { std::cell::Cell::new(None) };
}

/// Spaces larger than this (in arena elements) are dropped rather than kept.
const SPARE_LIMIT: usize = 1 << 18;

/// Empties `space` and keeps it for the next [`SpaceDef::instantiate`] on
/// this thread (unless it is very large).
pub(crate) fn recycle(mut space: Space) {
    if space.capacity() <= SPARE_LIMIT {
        space.recycle();
        SPARE.with(|spare| spare.set(Some(space)));
    }
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
    hints: Arc<SizeHints>,
}

/// The largest sizes seen so far, so fresh spaces are allocated once.
#[derive(Default)]
struct SizeHints {
    modules: AtomicUsize,
    hypers: AtomicUsize,
    ports: AtomicUsize,
    scopes: AtomicUsize,
}

impl std::fmt::Debug for SpaceDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SpaceDef")
    }
}

impl SpaceDef {
    /// A definition from the function that builds the space and returns its border.
    pub fn new(build: impl Fn(&mut Space) -> Result<Io, SpecError> + Send + Sync + 'static) -> Self {
        SpaceDef { build: Arc::new(build), hints: Arc::default() }
    }

    /// A fresh, unspecified space.
    pub fn instantiate(&self) -> Result<Space, SpecError> {
        let mut space = match SPARE.with(|spare| spare.take()) {
            Some(space) => space,
            None => {
                let h = &self.hints;
                Space::with_capacity(SpaceSize {
                    modules: h.modules.load(Ordering::Relaxed),
                    hypers: h.hypers.load(Ordering::Relaxed),
                    ports: h.ports.load(Ordering::Relaxed),
                    scopes: h.scopes.load(Ordering::Relaxed),
                })
            }
        };
        let border = (self.build)(&mut space)?;
        space.set_border(border);
        Ok(space)
    }

    /// Records the size of a space this definition built, for the next ones.
    pub(crate) fn learn_size(&self, space: &Space) {
        let size = space.size();
        let h = &self.hints;
        // Read first: threads sampling the same definition then share the
        // cache line instead of writing it on every sample.
        let raise = |hint: &AtomicUsize, seen: usize| {
            if hint.load(Ordering::Relaxed) < seen {
                hint.fetch_max(seen, Ordering::Relaxed);
            }
        };
        raise(&h.modules, size.modules);
        raise(&h.hypers, size.hypers);
        raise(&h.ports, size.ports);
        raise(&h.scopes, size.scopes);
    }

    /// Freezes a space this definition built, learning its size; the
    /// emptied space is kept for the next [`instantiate`](Self::instantiate) on this thread.
    pub(crate) fn finish(&self, mut space: Space) -> Result<Architecture, SpecError> {
        let arch = space.freeze();
        self.learn_size(&space);
        recycle(space);
        arch
    }

    /// A random architecture: each decision uniform over its domain, in order
    /// (DeepArchitect's random search). May be [`SpecError::Invalid`].
    pub fn sample_random<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<Architecture, SpecError> {
        let mut space = self.instantiate()?;
        space.specify_random(rng)?;
        self.finish(space)
    }

    /// Rebuilds the architecture recorded as `decisions` (keyed by path).
    pub fn replay(&self, decisions: &[Decision]) -> Result<Architecture, SpecError> {
        let mut space = self.instantiate()?;
        space.replay(decisions)?;
        self.finish(space)
    }

    /// Rebuilds the architecture recorded as a positional value list.
    pub fn replay_values(&self, values: &[Value]) -> Result<Architecture, SpecError> {
        let mut space = self.instantiate()?;
        space.replay_values(values)?;
        self.finish(space)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Samples `n` architectures of `def` with seed `seed`, hashed.
    fn hashes(def: &SpaceDef, seed: u64, n: usize) -> Vec<u128> {
        let mut rng = rng(seed);
        (0..n).map(|_| def.sample_random(&mut rng).unwrap().canonical_hash().0).collect()
    }

    #[test]
    fn recycled_spaces_sample_as_fresh_ones() {
        let seed_space = crate::spaces::seed();
        let small = crate::spaces::seed_with_chains(&[1, 2]);
        // On fresh threads the first sample of each run starts from a new space.
        let fresh = std::thread::spawn({
            let def = seed_space.clone();
            move || hashes(&def, 5, 1)
        })
        .join()
        .unwrap();
        // Here the spare left by sampling another space is reused.
        hashes(&small, 9, 50);
        assert_eq!(hashes(&seed_space, 5, 1), fresh);
        // Long runs interleaving two spaces match runs on their own threads.
        let alone = std::thread::spawn({
            let def = seed_space.clone();
            move || hashes(&def, 11, 200)
        })
        .join()
        .unwrap();
        let mut interleaved = Vec::new();
        let mut rng_seed = rng(11);
        let mut rng_small = rng(12);
        for _ in 0..200 {
            interleaved.push(seed_space.sample_random(&mut rng_seed).unwrap().canonical_hash().0);
            small.sample_random(&mut rng_small).unwrap();
        }
        assert_eq!(interleaved, alone);
    }

    #[test]
    fn a_failed_build_leaves_no_state_behind() {
        let broken = SpaceDef::new(|s| {
            s.named("x").basic(crate::Op::new("relu"))?;
            s.named("x").basic(crate::Op::new("relu"))
        });
        assert!(broken.instantiate().is_err());
        let def = crate::spaces::seed();
        let mut space = def.instantiate().unwrap();
        space.specify_random(&mut rng(3)).unwrap();
        let arch = def.finish(space).unwrap();
        assert_eq!(arch, def.replay(arch.decisions()).unwrap());
        assert!(arch.modules().iter().all(|m| m.path != "x"));
    }
}
