//! Specifying a space: at random, or by replaying recorded decisions.

use rand::Rng;
use rustc_hash::FxHashMap;

use crate::architecture::Decision;
use crate::error::SpecError;
use crate::space::Space;
use crate::value::Value;

impl Space {
    /// Assigns every pending decision uniformly at random from its domain,
    /// in the documented order (DeepArchitect's `random_specify`).
    pub fn specify_random<R: Rng + ?Sized>(&mut self, rng: &mut R) -> Result<(), SpecError> {
        while let Some(h) = self.next_decision() {
            let len = self.domain(h).map_or(1, |d| d.len());
            let index = rng.random_range(0..len);
            self.assign_index(h, index)?;
        }
        Ok(())
    }

    /// Replays decisions keyed by path: each pending decision takes the value
    /// recorded for its path, whatever the order of `decisions`.
    ///
    /// A decision with no recorded value, a value outside the domain, or a
    /// recorded path that never comes up is a [`SpecError::ReplayMismatch`].
    pub fn replay(&mut self, decisions: &[Decision]) -> Result<(), SpecError> {
        let mut by_path: FxHashMap<&str, (usize, bool)> = FxHashMap::default();
        for (i, d) in decisions.iter().enumerate() {
            if by_path.insert(d.path.as_str(), (i, false)).is_some() {
                return Err(SpecError::ReplayMismatch {
                    position: i,
                    path: d.path.clone(),
                    reason: "the path is recorded twice".to_owned(),
                });
            }
        }
        let mut position = 0;
        while let Some(h) = self.next_decision() {
            let path = self.hyper_path(h);
            let Some((i, used)) = by_path.get_mut(path.as_str()) else {
                return Err(SpecError::ReplayMismatch {
                    position,
                    path,
                    reason: "no value is recorded for it".to_owned(),
                });
            };
            *used = true;
            let value = &decisions[*i].value;
            self.assign_checked(h, value, position, &path)?;
            position += 1;
        }
        if let Some(d) = decisions.iter().find(|d| by_path.get(d.path.as_str()).is_some_and(|(_, used)| !used)) {
            return Err(SpecError::ReplayMismatch {
                position,
                path: d.path.clone(),
                reason: "this recorded decision does not exist in the space".to_owned(),
            });
        }
        Ok(())
    }

    /// Replays values by position: the i-th pending decision takes `values[i]`
    /// (DeepArchitect's `specify`).
    pub fn replay_values(&mut self, values: &[Value]) -> Result<(), SpecError> {
        let mut position = 0;
        while let Some(h) = self.next_decision() {
            let path = self.hyper_path(h);
            let Some(value) = values.get(position) else {
                return Err(SpecError::ReplayMismatch {
                    position,
                    path,
                    reason: format!("only {} values were recorded", values.len()),
                });
            };
            self.assign_checked(h, value, position, &path)?;
            position += 1;
        }
        if position < values.len() {
            return Err(SpecError::ReplayMismatch {
                position,
                path: String::new(),
                reason: format!("{} values were recorded but the space took {position}", values.len()),
            });
        }
        Ok(())
    }

    fn assign_checked(
        &mut self,
        h: crate::HyperId,
        value: &Value,
        position: usize,
        path: &str,
    ) -> Result<(), SpecError> {
        match self.assign(h, value) {
            Err(SpecError::ValueOutsideDomain { domain, .. }) => Err(SpecError::ReplayMismatch {
                position,
                path: path.to_owned(),
                reason: format!("recorded value {value} is not in the domain ({domain})"),
            }),
            other => other,
        }
    }
}
