//! Helpers shared by the built-in searchers: seeded streams, bounded
//! resampling of `Invalid` architectures, and state (de)serialization.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::SpecError;

use super::error::SearchError;

/// Default bound on consecutive `Invalid` draws before a searcher gives up.
pub const DEFAULT_MAX_INVALID: u32 = 10_000;

/// Salt that separates searcher streams from trial-seed streams.
const SEARCHER_SALT: u64 = 0x5EA2_C4E2_0000_0001;

/// The random stream number `stream` of the searcher named `searcher`,
/// seeded with `seed`.
///
/// Every ask draws from its own stream, so a searcher's randomness depends on
/// its seed and on how many asks came before, never on saved RNG state. The
/// name is part of the stream, so two searchers given the same seed do not
/// draw the same architectures (regularized evolution's first population is
/// not the random searcher's first proposals).
pub(crate) fn stream_rng(searcher: &str, seed: u64, stream: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ SEARCHER_SALT ^ xxhash_rust::xxh3::xxh3_64(searcher.as_bytes()));
    rng.set_stream(stream);
    rng
}

/// The seed of trial `index` in a search with master seed `master`: word 0
/// of ChaCha8 stream `index` under the master seed.
///
/// ```
/// use archspace_core::search::trial_seed;
/// assert_eq!(trial_seed(7, 3), trial_seed(7, 3));
/// assert_ne!(trial_seed(7, 3), trial_seed(7, 4));
/// assert_ne!(trial_seed(7, 3), trial_seed(8, 3));
/// ```
pub fn trial_seed(master: u64, index: u64) -> u64 {
    let mut rng = ChaCha8Rng::seed_from_u64(master);
    rng.set_stream(index);
    rand::RngCore::next_u64(&mut rng)
}

/// Calls `draw` until it gives something other than `Invalid`, counting the
/// `Invalid`s in `invalid`; at most `limit` tries.
pub(crate) fn retry_invalid<T>(
    searcher: &str,
    limit: u32,
    invalid: &mut u64,
    mut draw: impl FnMut() -> Result<T, SpecError>,
) -> Result<T, SearchError> {
    for _ in 0..limit.max(1) {
        match draw() {
            Ok(value) => return Ok(value),
            Err(e) if e.is_invalid() => *invalid += 1,
            Err(e) => return Err(e.into()),
        }
    }
    Err(SearchError::TooManyInvalid { searcher: searcher.to_owned(), attempts: limit.max(1) })
}

/// A searcher state as JSON.
pub(crate) fn save<T: Serialize>(searcher: &str, state: &T) -> Result<serde_json::Value, SearchError> {
    serde_json::to_value(state).map_err(|e| SearchError::State { searcher: searcher.to_owned(), reason: e.to_string() })
}

/// A searcher state read back from JSON.
pub(crate) fn load<T: DeserializeOwned>(searcher: &str, state: serde_json::Value) -> Result<T, SearchError> {
    serde_json::from_value(state)
        .map_err(|e| SearchError::State { searcher: searcher.to_owned(), reason: e.to_string() })
}

/// The error for a token that was not issued or was told already.
pub(crate) fn unknown_token(searcher: &str, token: super::Token) -> SearchError {
    SearchError::UnknownToken { searcher: searcher.to_owned(), token }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Invalid;

    #[test]
    fn retry_counts_invalid_and_gives_up_at_the_limit() {
        let mut invalid = 0;
        let mut calls = 0;
        let got = retry_invalid("t", 10, &mut invalid, || {
            calls += 1;
            if calls < 4 { Err(SpecError::Invalid(Invalid::new("no"))) } else { Ok(calls) }
        });
        assert_eq!(got.unwrap(), 4);
        assert_eq!(invalid, 3);
        let never = retry_invalid::<()>("t", 5, &mut invalid, || Err(SpecError::Invalid(Invalid::new("no"))));
        assert!(matches!(never, Err(SearchError::TooManyInvalid { attempts: 5, .. })));
        assert_eq!(invalid, 8);
    }

    #[test]
    fn streams_differ_by_seed_and_index() {
        use rand::RngCore;
        let a = stream_rng("a", 1, 0).next_u64();
        assert_eq!(a, stream_rng("a", 1, 0).next_u64());
        assert_ne!(a, stream_rng("a", 1, 1).next_u64());
        assert_ne!(a, stream_rng("a", 2, 0).next_u64());
        assert_ne!(a, stream_rng("b", 1, 0).next_u64());
    }
}
