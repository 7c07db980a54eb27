//! `permutation`: sub-spaces chained in a chosen order.

use std::sync::Arc;

use crate::combinators::{Factory, as_siso};
use crate::error::SpecError;
use crate::io::Io;
use crate::op::{Name, Param};
use crate::space::{Space, Substitution};
use crate::value::{Domain, Value};

/// Most fragments a permutation takes: the domain lists every one of the k! orders.
pub const MAX_PERMUTED: usize = 8;

/// The `index`-th permutation of `0..k` in lexicographic order (the order of
/// Python's `itertools.permutations`, as DeepArchitect uses), by the factorial
/// number system, in O(k²).
pub fn nth_permutation(k: usize, mut index: u64) -> Vec<usize> {
    let mut pool: Vec<usize> = (0..k).collect();
    let mut out = Vec::with_capacity(k);
    for remaining in (1..=k).rev() {
        let block: u64 = (1..remaining as u64).product();
        let pick = (index / block) as usize;
        index %= block;
        out.push(pool.remove(pick.min(pool.len() - 1)));
    }
    out
}

impl Space {
    /// The `factories` chained in the order chosen by a fresh decision
    /// `perm_idx` over all k! orders (DeepArchitect's `siso_permutation`).
    /// Each fragment lives in the scope of its position in `factories`, so
    /// its paths do not depend on the order chosen.
    ///
    /// ```
    /// use archspace_core::{Factory, Op, Space};
    /// use std::sync::Arc;
    /// let part = |op: &'static str| -> Factory { Arc::new(move |s: &mut Space| s.basic(Op::new(op))) };
    /// let mut s = Space::build(|s| s.permutation(vec![part("bn"), part("relu"), part("dropout")]))?;
    /// let order = s.next_decision().unwrap();
    /// assert_eq!(s.domain(order).unwrap().len(), 6); // 3! orders
    /// s.assign_index(order, 3)?; // the fourth order: 1, 2, 0
    /// let ops: Vec<String> = s.freeze()?.modules().iter().map(|m| m.op.to_string()).collect();
    /// assert_eq!(ops, ["relu", "dropout", "bn"]);
    /// # Ok::<(), archspace_core::SpecError>(())
    /// ```
    pub fn permutation(&mut self, factories: Vec<Factory>) -> Result<Io, SpecError> {
        let k = factories.len();
        if k == 0 || k > MAX_PERMUTED {
            return Err(SpecError::BadCombinator {
                combinator: "permutation",
                path: self.scope_path(),
                reason: format!("takes 1 to {MAX_PERMUTED} fragments, got {k}"),
            });
        }
        let count: usize = (1..=k).product();
        let domain = Domain::indices(count)?;
        self.permutation_with(factories, domain)
    }

    /// Like [`permutation`](Self::permutation) with the order index given.
    pub fn permutation_with(&mut self, factories: Vec<Factory>, perm_idx: impl Into<Param>) -> Result<Io, SpecError> {
        let factories: Arc<[Factory]> = factories.into();
        let hypers = vec![(Name::Borrowed("perm_idx"), perm_idx.into())];
        self.substitution(Substitution::siso("permutation", hypers, move |s, values| {
            let k = factories.len();
            let total: u64 = (1..=k as u64).product();
            let index = match values.get("perm_idx") {
                Some(Value::Int(i)) if *i >= 0 && (*i as u64) < total => *i as u64,
                other => {
                    return Err(SpecError::BadValue {
                        path: String::new(),
                        value: other.cloned().unwrap_or(Value::Bool(false)),
                        expected: format!("`perm_idx` must be in 0..{total}"),
                    });
                }
            };
            let mut parts = Vec::with_capacity(k);
            for position in nth_permutation(k, index) {
                let io = s.in_index_scope(position, |s| factories[position](s))?;
                parts.push(as_siso(&io)?);
            }
            s.sequential(parts)
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::nth_permutation;

    #[test]
    fn permutations_come_in_lexicographic_order() {
        let all: Vec<Vec<usize>> = (0..6).map(|i| nth_permutation(3, i)).collect();
        assert_eq!(all, vec![vec![0, 1, 2], vec![0, 2, 1], vec![1, 0, 2], vec![1, 2, 0], vec![2, 0, 1], vec![2, 1, 0]]);
    }
}
