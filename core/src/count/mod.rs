//! Exact counting, enumeration and uniform sampling of decision assignments.
//!
//! # How counting works
//! A branch of the search tree is explored by instantiating the space (a
//! copy of the definition's built space) and replaying a prefix of
//! assignments. Two facts keep the tree small:
//!
//! 1. **Leaf decisions multiply.** A pending decision that no pending
//!    substitution or constraint reads (directly or through dependents) cannot
//!    change the structure: it contributes a factor of its domain size and is
//!    fixed to its first value instead of branched on. If such a decision is
//!    read structurally later after all (a factory captured it), the count
//!    restarts with that decision branched on — never a wrong answer.
//! 2. **Independent parts multiply.** Pending structural decisions are grouped
//!    by the substitutions and constraints that read them; groups that share
//!    nothing are counted separately and multiplied. If one group's
//!    substitutions turn out to use a hyperparameter owned by no group or by
//!    another group, that split is abandoned for plain branching.
//!
//! So the seed space (25,008 assignments) needs 8 rebuilds, and a space of
//! 40 independent binary structural choices needs about 120.
//!
//! 3. **Cells over edge flags** ([`Space::dag`](crate::Space::dag)) are
//!    counted whole, by dynamic programming over their edges, when what their
//!    nodes build is independent of the rest of the space (otherwise their
//!    edges are branched on like any others).
//!
//! Where counting must branch a lot, [`SpaceDef::count_with_progress`]
//! reports how far it has got.

mod counter;
mod enumerate;
mod groups;
mod uniform;

use std::time::Duration;

use num_bigint::BigUint;

use crate::definition::SpaceDef;
use crate::error::SpecError;

#[cfg(test)]
pub(crate) use counter::COUNTINGS;
pub use enumerate::Enumerate;
pub(crate) use groups::{cell_groups, structural_set};

/// How far a count has got, for [`SpaceDef::count_with_progress`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CountProgress {
    /// Branches explored so far (each a rebuild of the space).
    pub rebuilds: u64,
    /// Time since the count started.
    pub elapsed: Duration,
}

impl SpaceDef {
    /// The exact number of distinct complete decision assignments the space
    /// accepts (assignments that a substitution or constraint rejects as
    /// [`Invalid`] are not counted).
    ///
    /// ```
    /// use archspace_core::{choice, Op, SpaceDef};
    /// let def = SpaceDef::new(|s| {
    ///     s.repeat(choice([1, 2, 3]), |s| s.basic(Op::new("conv").param("filters", choice([8, 16]))))
    /// });
    /// assert_eq!(def.count()?, (2u32 + 4 + 8).into());
    /// # Ok::<(), archspace_core::SpecError>(())
    /// ```
    pub fn count(&self) -> Result<BigUint, SpecError> {
        counter::Counter::new(self).count_after(&[])
    }

    /// [`count`](Self::count), calling `report` at most once per `every`
    /// while it runs: for spaces whose count needs many branches.
    ///
    /// ```
    /// use archspace_core::{choice, Op, SpaceDef};
    /// let def = SpaceDef::new(|s| s.repeat(choice([1, 2]), |s| s.basic(Op::new("conv"))));
    /// let every = std::time::Duration::from_secs(1);
    /// let n = def.count_with_progress(every, |p| eprintln!("{} branches in {:?}", p.rebuilds, p.elapsed))?;
    /// assert_eq!(n, 2u32.into());
    /// # Ok::<(), archspace_core::SpecError>(())
    /// ```
    pub fn count_with_progress(
        &self,
        every: Duration,
        mut report: impl FnMut(&CountProgress),
    ) -> Result<BigUint, SpecError> {
        counter::Counter::with_progress(self, every, &mut report).count_after(&[])
    }
}

#[cfg(test)]
mod tests {
    use num_bigint::BigUint;

    use crate::{Alternatives, Op, SpaceDef, Value, choice};

    #[test]
    fn long_counts_report_progress() {
        // Eight binary structural decisions read by one substitution: 256 leaves.
        let def = SpaceDef::new(|s| {
            let flags: Vec<_> =
                (0..8).map(|i| s.named_choice(format!("f{i}"), [false, true])).collect::<Result<_, _>>()?;
            let picky = crate::Substitution::siso(
                "picky",
                flags.iter().enumerate().map(|(i, h)| (format!("f{i}").into(), (*h).into())).collect(),
                |s, _| s.basic(Op::new("x").param("k", choice([1, 2]))),
            );
            s.substitution(picky)
        });
        let mut seen = Vec::new();
        let n = def.count_with_progress(std::time::Duration::ZERO, |p| seen.push(p.rebuilds)).unwrap();
        assert_eq!(n, 512u32.into());
        assert_eq!(n, def.count().unwrap());
        assert!(!seen.is_empty() && seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
    }

    /// Four cells; in each, an operation whose alternatives capture a stride
    /// computed from a decision that no substitution reads: the counter ties
    /// the two decisions into one group instead of branching on all eight.
    #[test]
    fn a_captured_dependent_ties_its_decision_to_the_reader() {
        let def = SpaceDef::new(|s| {
            let mut parts = Vec::new();
            for cell in 0..4 {
                let source = s.named_choice(format!("source{cell}"), [0i64, 1, 2])?;
                let stride = s.dependent(&[source], |v| match v[0] {
                    Value::Int(i) => Ok(Value::Int(if i < 2 { 2 } else { 1 })),
                    _ => Err("an index".to_owned()),
                })?;
                let alternatives = Alternatives::list()
                    .with(move |s| s.basic(Op::new("conv").param("stride", stride)))
                    .with(move |s| s.basic(Op::new("pool").param("stride", stride)))
                    .with(|s| s.basic(Op::new("identity")));
                parts.push(s.or(alternatives)?);
            }
            s.sequential(parts)
        });
        let mut rebuilds = 0;
        let n = def.count_with_progress(std::time::Duration::ZERO, |p| rebuilds = p.rebuilds).unwrap();
        // Per cell: 2 operations × 3 sources, or identity (its source unread, no decision).
        assert_eq!(n, 7u32.pow(4).into());
        assert_eq!(n, BigUint::from(def.enumerate().count()));
        // Branching on all eight decisions together would take 9^4 leaves.
        assert!(rebuilds < 9 * 9 * 4, "{rebuilds} rebuilds");
    }
}
