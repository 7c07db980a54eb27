//! [`ScopedMap`]: a map keyed by scope whose sealed part is shared by copies.

use std::hash::Hash;
use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::ids::ScopeId;

/// A map from `(scope, key)` to `V` (the names taken in each scope, the
/// child scopes of each scope).
///
/// Like [`Shared`](super::shared::Shared), the entries of a sealed template
/// are shared by its copies; a copy holds only the entries it adds (or
/// overrides) after. Scopes created after sealing have no sealed entries, so
/// their lookups skip the shared map. A copy keeps the memory of its own
/// entries from one use to the next.
pub(crate) struct ScopedMap<K, V> {
    sealed: Arc<FxHashMap<(ScopeId, K), V>>,
    /// Scopes that existed when sealed.
    sealed_scopes: u32,
    local: FxHashMap<(ScopeId, K), V>,
}

impl<K, V> Default for ScopedMap<K, V> {
    fn default() -> Self {
        ScopedMap { sealed: Arc::default(), sealed_scopes: 0, local: FxHashMap::default() }
    }
}

impl<K: Hash + Eq + Clone, V: Copy> ScopedMap<K, V> {
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        let mut map = Self::default();
        map.local.reserve(capacity);
        map
    }

    /// The value at `key`.
    #[inline]
    pub(crate) fn get(&self, key: &(ScopeId, K)) -> Option<V> {
        if let Some(&v) = self.local.get(key) {
            return Some(v);
        }
        if key.0.0 < self.sealed_scopes { self.sealed.get(key).copied() } else { None }
    }

    /// Sets `key` to `value` (overriding a sealed entry for this copy).
    #[inline]
    pub(crate) fn set(&mut self, key: (ScopeId, K), value: V) {
        self.local.insert(key, value);
    }

    /// Sets `key` to `value` if it has no value and returns `None`;
    /// otherwise returns its value. One probe for scopes created after sealing.
    #[inline]
    pub(crate) fn insert_if_absent(&mut self, key: (ScopeId, K), value: V) -> Option<V> {
        if key.0.0 < self.sealed_scopes
            && let Some(v) = self.get(&key)
        {
            return Some(v);
        }
        match self.local.entry(key) {
            std::collections::hash_map::Entry::Occupied(taken) => Some(*taken.get()),
            std::collections::hash_map::Entry::Vacant(free) => {
                free.insert(value);
                None
            }
        }
    }

    /// Shares every entry with copies; `scopes` scopes exist now.
    pub(crate) fn seal(&mut self, scopes: usize) {
        if self.local.is_empty() {
            return;
        }
        let mut all = FxHashMap::default();
        all.reserve(self.sealed.len() + self.local.len());
        all.extend(self.sealed.iter().map(|(k, v)| (k.clone(), *v)));
        all.extend(std::mem::take(&mut self.local));
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

impl<K: Clone, V: Clone> Clone for ScopedMap<K, V> {
    fn clone(&self) -> Self {
        ScopedMap { sealed: Arc::clone(&self.sealed), sealed_scopes: self.sealed_scopes, local: self.local.clone() }
    }

    fn clone_from(&mut self, source: &Self) {
        if !Arc::ptr_eq(&self.sealed, &source.sealed) {
            self.sealed = Arc::clone(&source.sealed);
        }
        self.sealed_scopes = source.sealed_scopes;
        if source.local.is_empty() {
            // `HashMap::clone_from` would also shrink the table to the
            // source's, to grow it again entry by entry.
            self.local.clear();
        } else {
            self.local.clone_from(&source.local);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::op::Name;

    #[test]
    fn copies_see_sealed_entries_and_keep_their_own() {
        let root = ScopeId(0);
        let key = |scope, name: &'static str| (scope, Name::Borrowed(name));
        let mut a = ScopedMap::with_capacity(4);
        a.set(key(root, "conv"), 1);
        a.seal(1);
        let mut b = a.clone();
        assert_eq!(b.get(&key(root, "conv")), Some(1));
        b.set(key(root, "conv"), 3);
        b.set(key(ScopeId(1), "conv"), 1);
        assert_eq!(b.get(&key(root, "conv")), Some(3));
        assert_eq!(b.insert_if_absent(key(root, "conv"), 1), Some(3));
        assert_eq!(b.insert_if_absent(key(ScopeId(2), "act"), 1), None);
        assert_eq!(b.insert_if_absent(key(ScopeId(2), "act"), 1), Some(1));
        assert_eq!(a.get(&key(root, "conv")), Some(1));
        assert_eq!(a.get(&key(ScopeId(1), "conv")), None);
        b.clone_from(&a);
        assert_eq!(b.get(&key(ScopeId(1), "conv")), None);
        assert_eq!(b.get(&key(root, "conv")), Some(1));
        b.clear();
        assert_eq!(b.get(&key(root, "conv")), None);
    }
}
