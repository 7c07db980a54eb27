//! [`SpaceFingerprint`]: a hash of what a space definition builds, so that
//! processes that must share a space (a search's coordinator and its
//! workers, built from the same code or not) can check that they do.

use std::fmt;

use rand::Rng;
use xxhash_rust::xxh3::Xxh3;

use crate::definition::{SpaceDef, rng};
use crate::error::SpecError;

/// Walks, in order, on which [`SpaceDef::fingerprint`] is computed: the
/// first values, the last values, and this many random ones.
const RANDOM_WALKS: u64 = 64;

/// Seed of the fingerprint's random walks (fixed, so every process walks the same).
const WALK_SEED: u64 = 0xF1A6_E2B1_5EED_0001;

/// A 128-bit fingerprint of a space definition (see [`SpaceDef::fingerprint`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SpaceFingerprint(pub u128);

impl fmt::Display for SpaceFingerprint {
    /// 32 hex digits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

/// How a walk chooses each decision's value index.
enum Walk<'a> {
    First,
    Last,
    Random(&'a mut rand_chacha::ChaCha8Rng),
}

impl SpaceDef {
    /// A fingerprint of the space this definition builds: equal for
    /// definitions that build the same spaces, different (but for a hash
    /// collision) when a decision's path or domain, an op, a parameter or a
    /// connection differs in the parts of the space it walks.
    ///
    /// It walks the space 66 times, always the same way — every decision at
    /// its first value, every decision at its last, and 64 seeded random
    /// walks — and hashes each decision met (its path and whole domain) and
    /// each architecture reached (its [canonical hash](crate::Architecture::canonical_hash),
    /// or that it was `Invalid`). So a change anywhere at the top level is
    /// always seen, and a change inside a substitution is seen unless none of
    /// the walks reaches it (a part reached by fewer than about one walk in
    /// 64). It takes a few milliseconds for the paper's spaces.
    ///
    /// ```
    /// use archspace_core::{choice, Op, SpaceDef};
    /// let space = |widths: [i64; 2]| SpaceDef::new(move |s| s.basic(Op::new("dense").param("units", choice(widths))));
    /// assert_eq!(space([8, 16]).fingerprint()?, space([8, 16]).fingerprint()?);
    /// assert_ne!(space([8, 16]).fingerprint()?, space([8, 32]).fingerprint()?);
    /// # Ok::<(), archspace_core::SpecError>(())
    /// ```
    pub fn fingerprint(&self) -> Result<SpaceFingerprint, SpecError> {
        let mut hasher = Xxh3::new();
        self.walk(&mut Walk::First, &mut hasher)?;
        self.walk(&mut Walk::Last, &mut hasher)?;
        let mut random = rng(WALK_SEED);
        for _ in 0..RANDOM_WALKS {
            self.walk(&mut Walk::Random(&mut random), &mut hasher)?;
        }
        Ok(SpaceFingerprint(hasher.digest128()))
    }

    fn walk(&self, walk: &mut Walk<'_>, hasher: &mut Xxh3) -> Result<(), SpecError> {
        let mut space = self.instantiate()?;
        let put = |hasher: &mut Xxh3, bytes: &[u8]| {
            hasher.update(&(bytes.len() as u64).to_le_bytes());
            hasher.update(bytes);
        };
        while let Some(h) = space.next_decision() {
            let domain = space.domain(h).map(|d| serde_json::to_vec(d).unwrap_or_default()).unwrap_or_default();
            let size = space.domain(h).map_or(1, |d| d.len()).max(1);
            put(hasher, space.hyper_path(h).as_bytes());
            put(hasher, &domain);
            let index = match walk {
                Walk::First => 0,
                Walk::Last => size - 1,
                Walk::Random(rng) => rng.random_range(0..size),
            };
            match space.assign_index(h, index) {
                Ok(()) => {}
                Err(e) if e.is_invalid() => {
                    put(hasher, b"invalid");
                    return Ok(());
                }
                Err(e) => return Err(e),
            }
        }
        match space.freeze() {
            Ok(arch) => put(hasher, &arch.canonical_hash().0.to_le_bytes()),
            Err(e) if e.is_invalid() => put(hasher, b"invalid"),
            Err(e) => return Err(e),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::{Op, SpaceDef, choice};

    fn space(inner: [i64; 2], optional_rate: f64) -> SpaceDef {
        SpaceDef::new(move |s| {
            let stem = s.basic(Op::new("conv2d").param("filters", choice([16, 32])))?;
            let body =
                s.repeat(choice([1, 2, 3]), move |s| s.basic(Op::new("conv2d").param("filters", choice(inner))))?;
            let drop = s.optional(move |s| s.basic(Op::new("dropout").param("rate", optional_rate)))?;
            s.chain(&stem, &body)?;
            s.chain(&body, &drop)?;
            Ok(s.border_of(&stem, &drop))
        })
    }

    #[test]
    fn changes_inside_substitutions_change_the_fingerprint() {
        let base = space([64, 128], 0.5).fingerprint().unwrap();
        assert_eq!(base, space([64, 128], 0.5).fingerprint().unwrap(), "deterministic");
        assert_ne!(base, space([64, 256], 0.5).fingerprint().unwrap(), "a domain inside a repeat");
        assert_ne!(base, space([64, 128], 0.25).fingerprint().unwrap(), "an op parameter inside an optional");
        assert_eq!(base.to_string().len(), 32);
        let seed = crate::spaces::seed();
        assert_ne!(seed.fingerprint().unwrap(), crate::spaces::seed_with_chains(&[1, 2]).fingerprint().unwrap());
    }
}
