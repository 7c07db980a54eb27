//! Specifying a space: at random, or by replaying recorded decisions.

use rand::Rng;
use rustc_hash::FxHashMap;

use crate::architecture::Decision;
use crate::error::SpecError;
use crate::prefix_cache::{self, PrefixCache};
use crate::space::Space;
use crate::value::Value;

impl Space {
    /// Assigns every pending decision uniformly at random from its domain,
    /// in the documented order (DeepArchitect's `random_specify`).
    pub fn specify_random<R: Rng + ?Sized>(&mut self, rng: &mut R) -> Result<(), SpecError> {
        self.specify_random_through(rng, None)
    }

    /// [`specify_random`](Self::specify_random) through `cache` where there is one.
    pub(crate) fn specify_random_through<R: Rng + ?Sized>(
        &mut self,
        rng: &mut R,
        cache: Option<&mut PrefixCache>,
    ) -> Result<(), SpecError> {
        prefix_cache::specify(self, cache, |space, h| Ok(rng.random_range(0..space.domain(h).map_or(1, |d| d.len()))))
    }

    /// Replays decisions keyed by path: each pending decision takes the value
    /// recorded for its path, whatever the order of `decisions`.
    ///
    /// A decision with no recorded value, a value outside the domain, or a
    /// recorded path that never comes up is a [`SpecError::ReplayMismatch`].
    pub fn replay(&mut self, decisions: &[Decision]) -> Result<(), SpecError> {
        self.replay_through(decisions, None)
    }

    /// [`replay`](Self::replay) through `cache` where there is one.
    pub(crate) fn replay_through(
        &mut self,
        decisions: &[Decision],
        cache: Option<&mut PrefixCache>,
    ) -> Result<(), SpecError> {
        let mut by_path: FxHashMap<&str, (usize, bool)> = FxHashMap::default();
        for (i, d) in decisions.iter().enumerate() {
            if by_path.insert(d.path.as_str(), (i, false)).is_some() {
                return Err(SpecError::ReplayMismatch {
                    position: i,
                    path: d.path.to_string(),
                    reason: "the path is recorded twice".to_owned(),
                });
            }
        }
        let mut position = 0;
        prefix_cache::specify(self, cache, |space, h| {
            let path = space.hyper_path(h);
            let Some((i, used)) = by_path.get_mut(path.as_str()) else {
                return Err(SpecError::ReplayMismatch {
                    position,
                    path,
                    reason: "no value is recorded for it".to_owned(),
                });
            };
            *used = true;
            let index = space.recorded_index(h, &decisions[*i].value, position, &path)?;
            position += 1;
            Ok(index)
        })?;
        if let Some(d) = decisions.iter().find(|d| by_path.get(d.path.as_str()).is_some_and(|(_, used)| !used)) {
            return Err(SpecError::ReplayMismatch {
                position,
                path: d.path.to_string(),
                reason: "this recorded decision does not exist in the space".to_owned(),
            });
        }
        Ok(())
    }

    /// Replays values by position: the i-th pending decision takes `values[i]`
    /// (DeepArchitect's `specify`).
    pub fn replay_values(&mut self, values: &[Value]) -> Result<(), SpecError> {
        self.replay_values_through(values, None)
    }

    /// [`replay_values`](Self::replay_values) through `cache` where there is one.
    pub(crate) fn replay_values_through(
        &mut self,
        values: &[Value],
        cache: Option<&mut PrefixCache>,
    ) -> Result<(), SpecError> {
        let mut position = 0;
        prefix_cache::specify(self, cache, |space, h| {
            let Some(value) = values.get(position) else {
                return Err(SpecError::ReplayMismatch {
                    position,
                    path: space.hyper_path(h),
                    reason: format!("only {} values were recorded", values.len()),
                });
            };
            let index = space.recorded_index(h, value, position, &space.hyper_path(h))?;
            position += 1;
            Ok(index)
        })?;
        if position < values.len() {
            return Err(SpecError::ReplayMismatch {
                position,
                path: String::new(),
                reason: format!("{} values were recorded but the space took {position}", values.len()),
            });
        }
        Ok(())
    }

    /// The index of recorded `value` in the domain of decision `h`, the one
    /// at `position`, with path `path`.
    fn recorded_index(
        &self,
        h: crate::HyperId,
        value: &Value,
        position: usize,
        path: &str,
    ) -> Result<usize, SpecError> {
        let domain = self.domain(h).ok_or_else(|| SpecError::NotADecision { path: path.to_owned() })?;
        domain.index_of(value).ok_or_else(|| SpecError::ReplayMismatch {
            position,
            path: path.to_owned(),
            reason: format!(
                "recorded value {value} is not in the domain ({})",
                domain.values().iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
            ),
        })
    }
}
