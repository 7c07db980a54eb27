//! Share frames: blocks of a space whose decisions are made once for every
//! block of the same key (the cell that NAS-Bench-101 stacks, NASNet's
//! normal and reduction cells).

use super::Space;
use super::records::{NONE, ShareFrame};
use crate::error::SpecError;
use crate::ids::{HyperId, ScopeId};
use crate::op::Name;
use crate::value::Domain;

impl Space {
    /// Runs `f` in a *share frame* `key`: every hyperparameter created from a
    /// literal domain inside it — a `choice` given to a module or a
    /// combinator, a [`named_choice`](Self::named_choice), the flags of a
    /// [`dag`](Self::dag) — is shared with the hyperparameter at the same
    /// path, relative to the frame, of every other frame of the same key.
    /// Substitutions created inside the frame build inside it again when
    /// they fire, so what they create is shared too.
    ///
    /// So stacking copies of a cell in frames of one key gives copies that
    /// make every decision once: DeepArchitect shares hyperparameter
    /// objects between cells for this; here the frame does it by path. The
    /// first frame's paths name the decisions. Domains of shared
    /// hyperparameters must match ([`SpecError::SharedDomainMismatch`]).
    /// Anonymous [`choice`](Self::choice)s, which take their path from their
    /// first use, are not shared.
    ///
    /// ```
    /// use archspace_core::{choice, Op, Space};
    /// let mut s = Space::build(|s| {
    ///     let cell = |s: &mut Space| s.sharing("cell", |s| s.basic(Op::new("conv").param("filters", choice([16, 32]))));
    ///     let (a, b) = (s.in_scope("a", cell)?, s.in_scope("b", cell)?);
    ///     s.chain(&a, &b)?;
    ///     Ok(s.border_of(&a, &b))
    /// })?;
    /// let filters = s.next_decision().unwrap();
    /// assert_eq!(s.hyper_path(filters), "a/conv/filters");
    /// s.assign_index(filters, 1)?;
    /// assert!(s.is_specified()); // one decision for both cells
    /// let arch = s.freeze()?;
    /// assert!(arch.modules().iter().all(|m| m.param("filters") == Some(&32.into())));
    /// # Ok::<(), archspace_core::SpecError>(())
    /// ```
    pub fn sharing<R>(&mut self, key: impl Into<Name>, f: impl FnOnce(&mut Space) -> R) -> R {
        let frame = self.share_frames.len() as u32;
        self.share_frames.push(ShareFrame { key: key.into(), base: self.current_scope() });
        self.share_stack.push(frame);
        let out = f(self);
        self.share_stack.pop();
        out
    }

    /// Re-enters share frame `frame` (or none, for [`NONE`]) while `f` runs:
    /// a substitution fires in the frame it was created in.
    pub(crate) fn in_share_frame<R>(&mut self, frame: u32, f: impl FnOnce(&mut Space) -> R) -> R {
        if frame == NONE {
            return f(self);
        }
        self.share_stack.push(frame);
        let out = f(self);
        self.share_stack.pop();
        out
    }

    /// The key under which a hyperparameter named `local` in `scope` is
    /// shared by the current share frame, if there is one.
    pub(crate) fn share_key(&self, scope: ScopeId, local: &str) -> Option<Name> {
        let frame = &self.share_frames[*self.share_stack.last()? as usize];
        let base = self.path_of_scope(frame.base);
        let path = self.path_of_scope(scope);
        let relative = match path.strip_prefix(base) {
            Some(rest) => rest.trim_start_matches('/'),
            None => path,
        };
        // Control characters keep frame keys apart from the names of `shared`.
        Some(Name::Owned(format!("\u{1}{}\u{1}{relative}/{local}", frame.key)))
    }

    /// The hyperparameter already shared under `key`, checked against `domain`.
    pub(crate) fn shared_in_frame(
        &self,
        key: Option<&Name>,
        domain: &Domain,
        path: impl FnOnce() -> String,
    ) -> Result<Option<HyperId>, SpecError> {
        let Some(&h) = key.and_then(|k| self.shared.get(k)) else { return Ok(None) };
        match self.domain(h) {
            Some(d) if d == domain => Ok(Some(h)),
            _ => Err(SpecError::SharedDomainMismatch { path: path() }),
        }
    }

    /// The names under which hyperparameters are shared.
    pub(crate) fn shared_names(&self) -> impl Iterator<Item = &Name> {
        self.shared.keys()
    }

    /// The hyperparameters shared by name or by a share frame.
    pub(crate) fn shared_hypers(&self) -> impl Iterator<Item = HyperId> + '_ {
        self.shared.values().copied()
    }

    /// Records `h` as the hyperparameter shared under `key`.
    pub(crate) fn remember_in_frame(&mut self, key: Option<Name>, h: HyperId) {
        if let Some(key) = key {
            self.shared.insert(key, h);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{Op, Space, choice};

    #[test]
    fn frames_of_one_key_share_decisions_also_inside_substitutions() {
        let mut s = Space::build(|s| {
            let cell = |s: &mut Space| {
                s.sharing("cell", |s| s.repeat(choice([1, 2]), |s| s.basic(Op::new("conv").param("k", choice([1, 3])))))
            };
            let other = |s: &mut Space| s.sharing("other", |s| s.basic(Op::new("conv").param("k", choice([1, 3]))));
            let a = s.in_scope("a", cell)?;
            let b = s.in_scope("b", cell)?;
            let c = s.in_scope("c", other)?;
            s.chain(&a, &b)?;
            s.chain(&b, &c)?;
            Ok(s.border_of(&a, &c))
        })
        .unwrap();
        let mut paths = Vec::new();
        while let Some(h) = s.next_decision() {
            paths.push(s.hyper_path(h));
            s.assign_index(h, 1).unwrap();
        }
        // One count for both cells, then one `k` per copy, shared by both cells; `c` is on its own.
        assert_eq!(paths, ["a/repeat/num_reps", "c/conv/k", "a/repeat/0/conv/k", "a/repeat/1/conv/k"]);
        let arch = s.freeze().unwrap();
        assert_eq!(arch.modules().len(), 5);
    }

    #[test]
    fn shared_hyperparameters_must_agree_on_their_domain() {
        let err = Space::build(|s| {
            let a = s.in_scope("a", |s| s.sharing("cell", |s| s.basic(Op::new("conv").param("k", choice([1, 3])))))?;
            let b = s.in_scope("b", |s| s.sharing("cell", |s| s.basic(Op::new("conv").param("k", choice([1, 5])))))?;
            s.chain(&a, &b)?;
            Ok(s.border_of(&a, &b))
        })
        .unwrap_err();
        assert_eq!(err, crate::SpecError::SharedDomainMismatch { path: "b/conv/k".into() });
    }
}
