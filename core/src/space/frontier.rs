//! [`Frontier`]: the live pending decisions, smallest hyperparameter first.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A min-queue of hyperparameter indices.
///
/// Hyperparameters mostly become live in the order they are created, so
/// most indices arrive in increasing order: those are appended to a sorted
/// run and taken from its front in O(1). The others go to a heap.
#[derive(Default)]
pub(crate) struct Frontier {
    /// Increasing; `sorted[..head]` has been taken.
    sorted: Vec<u32>,
    head: usize,
    heap: BinaryHeap<Reverse<u32>>,
}

impl Frontier {
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Frontier { sorted: Vec::with_capacity(capacity), head: 0, heap: BinaryHeap::new() }
    }

    /// Adds `id` (not in the queue now).
    #[inline]
    pub(crate) fn push(&mut self, id: u32) {
        if self.head == self.sorted.len() {
            self.sorted.clear();
            self.head = 0;
        }
        match self.sorted.last() {
            Some(&last) if id < last => self.heap.push(Reverse(id)),
            _ => self.sorted.push(id),
        }
    }

    /// The smallest index in the queue.
    #[inline]
    pub(crate) fn peek(&self) -> Option<u32> {
        let run = self.sorted.get(self.head).copied();
        match (run, self.heap.peek()) {
            (Some(a), Some(&Reverse(b))) => Some(a.min(b)),
            (a, b) => a.or(b.map(|r| r.0)),
        }
    }

    /// Removes the smallest index.
    #[inline]
    pub(crate) fn pop(&mut self) -> Option<u32> {
        let top = self.peek()?;
        if self.sorted.get(self.head) == Some(&top) {
            self.head += 1;
        } else {
            self.heap.pop();
        }
        Some(top)
    }

    /// The indices in the queue, in no particular order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.sorted[self.head..].iter().copied().chain(self.heap.iter().map(|r| r.0))
    }

    pub(crate) fn clear(&mut self) {
        self.sorted.clear();
        self.head = 0;
        self.heap.clear();
    }
}

impl Clone for Frontier {
    fn clone(&self) -> Self {
        Frontier { sorted: self.sorted[self.head..].to_vec(), head: 0, heap: self.heap.clone() }
    }

    /// Reuses this copy's memory (the derived `clone_from` would not).
    fn clone_from(&mut self, source: &Self) {
        self.sorted.clear();
        self.sorted.extend_from_slice(&source.sorted[source.head..]);
        self.head = 0;
        self.heap.clone_from(&source.heap);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_increasing_order_whatever_the_push_order() {
        let mut f = Frontier::with_capacity(4);
        for id in [3, 5, 9, 4, 1, 12, 7] {
            f.push(id);
        }
        let mut iterated: Vec<u32> = f.iter().collect();
        iterated.sort_unstable();
        assert_eq!(iterated, [1, 3, 4, 5, 7, 9, 12]);
        assert_eq!(f.pop(), Some(1));
        assert_eq!(f.pop(), Some(3));
        f.push(2);
        f.push(13);
        let mut out = Vec::new();
        while let Some(id) = f.pop() {
            out.push(id);
        }
        assert_eq!(out, [2, 4, 5, 7, 9, 12, 13]);
        f.push(8);
        assert_eq!(f.peek(), Some(8));
        f.clear();
        assert_eq!(f.peek(), None);
    }
}
