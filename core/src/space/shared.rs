//! [`Shared`]: an append-only list whose sealed prefix is shared by copies.
//!
//! The parts of a space that never change once created (module kinds, names,
//! domains) live in `Shared` lists. A template space is sealed once; every
//! copy of it then shares the sealed prefix (one reference-count increment)
//! and copies only what is appended after, so that copying a space costs the
//! mutable state alone.

use std::sync::Arc;

/// An append-only list: a sealed prefix shared between copies, then a local tail.
pub(crate) struct Shared<T> {
    /// `None` while nothing is sealed, so that emptying a list allocates nothing.
    sealed: Option<Arc<Vec<T>>>,
    local: Vec<T>,
}

impl<T> Default for Shared<T> {
    fn default() -> Self {
        Shared { sealed: None, local: Vec::new() }
    }
}

impl<T> Shared<T> {
    /// An empty list with room for `capacity` local elements.
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Shared { sealed: None, local: Vec::with_capacity(capacity) }
    }

    /// The sealed prefix.
    #[inline]
    fn sealed(&self) -> &[T] {
        self.sealed.as_deref().map_or(&[], Vec::as_slice)
    }

    /// Number of elements (sealed and local).
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.sealed().len() + self.local.len()
    }

    /// The element at `index`, if any.
    #[inline]
    pub(crate) fn get(&self, index: usize) -> Option<&T> {
        let sealed = self.sealed();
        if index < sealed.len() { sealed.get(index) } else { self.local.get(index - sealed.len()) }
    }

    /// The element at `index`, which must exist (indices come from the arena itself).
    #[inline]
    pub(crate) fn at(&self, index: usize) -> &T {
        let sealed = self.sealed();
        if index < sealed.len() { &sealed[index] } else { &self.local[index - sealed.len()] }
    }

    /// The element at `index` if it is local (not yet sealed): only elements
    /// created since the last seal are completed in place.
    #[inline]
    pub(crate) fn local_mut(&mut self, index: usize) -> Option<&mut T> {
        let sealed = self.sealed().len();
        index.checked_sub(sealed).and_then(|i| self.local.get_mut(i))
    }

    /// Appends `value`; returns its index.
    #[inline]
    pub(crate) fn push(&mut self, value: T) -> usize {
        self.local.push(value);
        self.len() - 1
    }

    /// Every element, in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &T> {
        self.sealed().iter().chain(self.local.iter())
    }

    /// Empties the list, keeping the local memory.
    pub(crate) fn clear(&mut self) {
        self.sealed = None;
        self.local.clear();
    }

    /// Capacity of the local part, in elements.
    pub(crate) fn capacity(&self) -> usize {
        self.local.capacity()
    }
}

impl<T: Clone> Shared<T> {
    /// Moves the local tail into the sealed prefix, so that copies share it.
    pub(crate) fn seal(&mut self) {
        if self.local.is_empty() {
            return;
        }
        let mut all = Vec::with_capacity(self.len());
        all.extend(self.sealed().iter().cloned());
        // Moved out whole: a sealed list keeps no local buffer.
        all.append(&mut std::mem::take(&mut self.local));
        self.sealed = Some(Arc::new(all));
    }
}

impl<T: Clone> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared { sealed: self.sealed.clone(), local: self.local.clone() }
    }

    fn clone_from(&mut self, source: &Self) {
        let same = match (&self.sealed, &source.sealed) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        };
        if !same {
            self.sealed.clone_from(&source.sealed);
        }
        self.local.clone_from(&source.local);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_share_the_sealed_prefix_and_own_their_tails() {
        let mut a = Shared::default();
        a.push("x".to_owned());
        a.push("y".to_owned());
        a.seal();
        let mut b = a.clone();
        assert!(Arc::ptr_eq(a.sealed.as_ref().unwrap(), b.sealed.as_ref().unwrap()));
        assert_eq!(b.push("z".to_owned()), 2);
        assert_eq!(a.len(), 2);
        assert_eq!(b.iter().cloned().collect::<Vec<_>>(), ["x", "y", "z"]);
        assert_eq!(b.at(2), "z");
        assert!(b.local_mut(1).is_none(), "sealed elements are not changed in place");
        b.local_mut(2).unwrap().push('!');
        assert_eq!(b.get(2).map(String::as_str), Some("z!"));
        assert_eq!(b.get(3), None);
        b.clone_from(&a);
        assert_eq!(b.len(), 2);
        b.clear();
        assert_eq!(b.len(), 0);
    }
}
