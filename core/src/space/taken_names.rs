//! [`TakenNames`]: the module and hyperparameter names taken in each scope.

use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::ids::ScopeId;
use crate::op::Name;

type Key = (ScopeId, Name);

/// Names taken in each scope, with the next suffix to try for default names.
///
/// Like [`Shared`](super::shared::Shared), the names of a sealed template are
/// shared by its copies; a copy records only the names it takes (or whose
/// suffix it advances) after. Scopes created after sealing have no sealed
/// names, so their lookups skip the shared map.
#[derive(Default)]
pub(crate) struct TakenNames {
    sealed: Arc<FxHashMap<Key, u32>>,
    /// Scopes that existed when sealed.
    sealed_scopes: u32,
    local: FxHashMap<Key, u32>,
}

impl TakenNames {
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        let mut local = FxHashMap::default();
        local.reserve(capacity);
        TakenNames { sealed: Arc::default(), sealed_scopes: 0, local }
    }

    /// The next suffix for `key`'s name in its scope, if the name is taken.
    #[inline]
    pub(crate) fn get(&self, key: &Key) -> Option<u32> {
        if let Some(&n) = self.local.get(key) {
            return Some(n);
        }
        if key.0.0 < self.sealed_scopes { self.sealed.get(key).copied() } else { None }
    }

    /// Takes `key`'s name if it is free (its next suffix becomes 1) and
    /// returns `None`; otherwise returns its next suffix. One probe for
    /// scopes created after sealing.
    #[inline]
    pub(crate) fn take_if_free(&mut self, key: Key) -> Option<u32> {
        if key.0.0 < self.sealed_scopes
            && let Some(n) = self.get(&key)
        {
            return Some(n);
        }
        match self.local.entry(key) {
            std::collections::hash_map::Entry::Occupied(taken) => Some(*taken.get()),
            std::collections::hash_map::Entry::Vacant(free) => {
                free.insert(1);
                None
            }
        }
    }

    /// Takes `key`'s name (or advances its next suffix to `next`).
    #[inline]
    pub(crate) fn set(&mut self, key: Key, next: u32) {
        self.local.insert(key, next);
    }

    /// Shares every name taken so far with copies; `scopes` scopes exist now.
    pub(crate) fn seal(&mut self, scopes: usize) {
        if self.local.is_empty() {
            return;
        }
        let mut all = FxHashMap::default();
        all.reserve(self.sealed.len() + self.local.len());
        all.extend(self.sealed.iter().map(|(k, v)| (k.clone(), *v)));
        all.extend(self.local.drain());
        self.sealed = Arc::new(all);
        self.sealed_scopes = scopes as u32;
    }

    pub(crate) fn clear(&mut self) {
        if !self.sealed.is_empty() {
            self.sealed = Arc::default();
        }
        self.sealed_scopes = 0;
        self.local.clear();
    }
}

impl Clone for TakenNames {
    fn clone(&self) -> Self {
        TakenNames { sealed: Arc::clone(&self.sealed), sealed_scopes: self.sealed_scopes, local: self.local.clone() }
    }

    fn clone_from(&mut self, source: &Self) {
        if !Arc::ptr_eq(&self.sealed, &source.sealed) {
            self.sealed = Arc::clone(&source.sealed);
        }
        self.sealed_scopes = source.sealed_scopes;
        self.local.clone_from(&source.local);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_see_sealed_names_and_keep_their_own() {
        let root = ScopeId(0);
        let mut a = TakenNames::with_capacity(4);
        a.set((root, Name::Borrowed("conv")), 1);
        a.seal(1);
        let mut b = a.clone();
        assert_eq!(b.get(&(root, Name::Borrowed("conv"))), Some(1));
        b.set((root, Name::Borrowed("conv")), 3);
        b.set((ScopeId(1), Name::Borrowed("conv")), 1);
        assert_eq!(b.get(&(root, Name::Borrowed("conv"))), Some(3));
        assert_eq!(b.take_if_free((root, Name::Borrowed("conv"))), Some(3));
        assert_eq!(b.take_if_free((ScopeId(2), Name::Borrowed("act"))), None);
        assert_eq!(b.take_if_free((ScopeId(2), Name::Borrowed("act"))), Some(1));
        assert_eq!(a.get(&(root, Name::Borrowed("conv"))), Some(1));
        assert_eq!(a.get(&(ScopeId(1), Name::Borrowed("conv"))), None);
        b.clone_from(&a);
        assert_eq!(b.get(&(ScopeId(1), Name::Borrowed("conv"))), None);
        b.clear();
        assert_eq!(b.get(&(root, Name::Borrowed("conv"))), None);
    }
}
