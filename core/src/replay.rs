//! Specifying a space: at random, or by replaying recorded decisions.
//!
//! Each way is a [`Chooser`], which the plain loop here and the
//! [prefix cache](crate::prefix_cache) of a definition both drive.

use rand::Rng;
use rustc_hash::FxHashMap;

use crate::architecture::Decision;
use crate::error::SpecError;
use crate::ids::HyperId;
use crate::space::Space;
use crate::value::Value;

/// Chooses the value of each decision, in order.
pub(crate) trait Chooser {
    /// The index, in the domain of `h`, of the value for decision `h`, the
    /// next decision of `space`.
    fn choose(&mut self, space: &Space, h: HyperId) -> Result<usize, SpecError>;

    /// Called once no decision is left: what was recorded but not used.
    fn finish(&self) -> Result<(), SpecError> {
        Ok(())
    }
}

/// Uniformly at random from each domain, avoiding the values of a cell's
/// edges that leave no valid cell (see [`SpaceDef::sample_random`](crate::SpaceDef::sample_random)).
pub(crate) struct RandomChoice<'a, R: ?Sized>(pub(crate) &'a mut R);

impl<R: Rng + ?Sized> Chooser for RandomChoice<'_, R> {
    #[inline]
    fn choose(&mut self, space: &Space, h: HyperId) -> Result<usize, SpecError> {
        let len = space.domain(h).map_or(1, |d| d.len());
        let pick = self.0.random_range(0..len);
        if space.unfired_readers(h).is_empty() {
            return Ok(pick);
        }
        // A second draw, among the values that keep a valid cell possible.
        match crate::combinators::feasible_values(space, h) {
            Some(feasible) if !feasible[pick] && feasible.iter().any(|f| *f) => {
                let ok: Vec<usize> = (0..len).filter(|i| feasible[*i]).collect();
                Ok(ok[self.0.random_range(0..ok.len())])
            }
            _ => Ok(pick),
        }
    }
}

/// The value recorded for each decision's path.
pub(crate) struct PathReplay<'a> {
    decisions: &'a [Decision],
    /// Position in `decisions` by path, and whether it was used.
    by_path: FxHashMap<&'a str, (usize, bool)>,
    position: usize,
}

impl<'a> PathReplay<'a> {
    /// Fails if a path is recorded twice.
    pub(crate) fn new(decisions: &'a [Decision]) -> Result<Self, SpecError> {
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
        Ok(PathReplay { decisions, by_path, position: 0 })
    }
}

impl Chooser for PathReplay<'_> {
    fn choose(&mut self, space: &Space, h: HyperId) -> Result<usize, SpecError> {
        let path = space.hyper_path(h);
        let Some((i, used)) = self.by_path.get_mut(path.as_str()) else {
            return Err(SpecError::ReplayMismatch {
                position: self.position,
                path,
                reason: "no value is recorded for it".to_owned(),
            });
        };
        *used = true;
        let index = recorded_index(space, h, &self.decisions[*i].value, self.position, &path)?;
        self.position += 1;
        Ok(index)
    }

    fn finish(&self) -> Result<(), SpecError> {
        match self.decisions.iter().find(|d| self.by_path.get(d.path.as_str()).is_some_and(|(_, used)| !used)) {
            Some(d) => Err(SpecError::ReplayMismatch {
                position: self.position,
                path: d.path.to_string(),
                reason: "this recorded decision does not exist in the space".to_owned(),
            }),
            None => Ok(()),
        }
    }
}

/// The i-th recorded value for the i-th decision.
pub(crate) struct ValueReplay<'a> {
    values: &'a [Value],
    position: usize,
}

impl<'a> ValueReplay<'a> {
    pub(crate) fn new(values: &'a [Value]) -> Self {
        ValueReplay { values, position: 0 }
    }
}

impl Chooser for ValueReplay<'_> {
    fn choose(&mut self, space: &Space, h: HyperId) -> Result<usize, SpecError> {
        let Some(value) = self.values.get(self.position) else {
            return Err(SpecError::ReplayMismatch {
                position: self.position,
                path: space.hyper_path(h),
                reason: format!("only {} values were recorded", self.values.len()),
            });
        };
        let index = recorded_index(space, h, value, self.position, &space.hyper_path(h))?;
        self.position += 1;
        Ok(index)
    }

    fn finish(&self) -> Result<(), SpecError> {
        if self.position < self.values.len() {
            return Err(SpecError::ReplayMismatch {
                position: self.position,
                path: String::new(),
                reason: format!("{} values were recorded but the space took {}", self.values.len(), self.position),
            });
        }
        Ok(())
    }
}

/// The index of recorded `value` in the domain of decision `h`, the one at
/// `position`, with path `path`.
fn recorded_index(space: &Space, h: HyperId, value: &Value, position: usize, path: &str) -> Result<usize, SpecError> {
    let domain = space.domain(h).ok_or_else(|| SpecError::NotADecision { path: path.to_owned() })?;
    domain.index_of(value).ok_or_else(|| SpecError::ReplayMismatch {
        position,
        path: path.to_owned(),
        reason: format!(
            "recorded value {value} is not in the domain ({})",
            domain.values().iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
        ),
    })
}

impl Space {
    /// Assigns every pending decision uniformly at random from its domain,
    /// in the documented order (DeepArchitect's `random_specify`).
    pub fn specify_random<R: Rng + ?Sized>(&mut self, rng: &mut R) -> Result<(), SpecError> {
        self.specify_with(&mut RandomChoice(rng))
    }

    /// Replays decisions keyed by path: each pending decision takes the value
    /// recorded for its path, whatever the order of `decisions`.
    ///
    /// A decision with no recorded value, a value outside the domain, or a
    /// recorded path that never comes up is a [`SpecError::ReplayMismatch`].
    pub fn replay(&mut self, decisions: &[Decision]) -> Result<(), SpecError> {
        self.specify_with(&mut PathReplay::new(decisions)?)
    }

    /// Replays values by position: the i-th pending decision takes `values[i]`
    /// (DeepArchitect's `specify`).
    pub fn replay_values(&mut self, values: &[Value]) -> Result<(), SpecError> {
        self.specify_with(&mut ValueReplay::new(values))
    }

    /// Makes every pending decision as `chooser` says.
    pub(crate) fn specify_with(&mut self, chooser: &mut impl Chooser) -> Result<(), SpecError> {
        while let Some(h) = self.next_decision() {
            let index = chooser.choose(self, h)?;
            self.assign_index(h, index)?;
        }
        chooser.finish()
    }
}
