//! The UCT tree of DeepArchitect's MCTS, over the sequence of decisions.
//!
//! A node stands for a prefix of decision indices; its children are the
//! indices of the next decision's domain. Because the space's decision order
//! is deterministic, a prefix always leads to the same next decision.
//!
//! # Scale-free values
//! UCT's bonus `c·sqrt(2 ln N / n)` is added to a child's mean value, so it
//! only explores as intended when values span about `[0, 1]`: with scores in
//! percent, DeepArchitect's `c = 0.33` is a rounding error and the walk
//! keeps following the first good branch. The tree therefore normalizes
//! every mean by the range of values it was given, `(mean − low) / (high −
//! low)`, as modern UCT implementations do (e.g. the min–max normalization
//! of MuZero, Schrittwieser et al. 2020), so any affine rescaling of the
//! scores (percent or fraction, loss negated) walks the same tree.
//! Failures count as visits worth the lowest value seen, read at selection
//! time, so they too are free of scale.

use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::architecture::Architecture;
use crate::definition::SpaceDef;
use crate::error::SpecError;
use crate::space::Space;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Node {
    visits: u64,
    /// Sum of the values of the visits that had one.
    total: f64,
    /// Visits without a value (failures, `Invalid` walks): worth the lowest value seen.
    #[serde(default)]
    failures: u64,
    /// Index of the first child; 0 while the node is a leaf (the root is never a child).
    first_child: u32,
    children: u32,
}

/// Visit statistics of the decision tree.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct UctTree {
    nodes: Vec<Node>,
    /// The lowest and highest value given, once one was.
    #[serde(default)]
    range: Option<(f64, f64)>,
}

impl Default for UctTree {
    fn default() -> Self {
        UctTree { nodes: vec![Node::default()], range: None }
    }
}

impl UctTree {
    /// A fresh architecture of `def` by [`walk`](Self::walk), with the tree
    /// nodes visited. A walk that ends `Invalid` counts as a failed visit on
    /// its nodes, so that UCT does not send every later walk back to the same
    /// rejected, still unvisited branch (DeepArchitect's rejection loop can
    /// spin there forever).
    pub(crate) fn sample<R: Rng + ?Sized>(
        &mut self,
        def: &SpaceDef,
        bonus: f64,
        rng: &mut R,
    ) -> Result<(Architecture, Vec<u32>), SpecError> {
        self.sample_then(def, bonus, rng, |mut space| space.freeze())
    }

    /// Like [`sample`](Self::sample), with the specified space handed to
    /// `finish` (which may score it without freezing it) instead of frozen.
    pub(crate) fn sample_then<R: Rng + ?Sized, T>(
        &mut self,
        def: &SpaceDef,
        bonus: f64,
        rng: &mut R,
        finish: impl FnOnce(Space) -> Result<T, SpecError>,
    ) -> Result<(T, Vec<u32>), SpecError> {
        let mut space = def.instantiate()?;
        let mut history = Vec::with_capacity(16);
        match self.walk(&mut space, bonus, rng, &mut history).and_then(|()| finish(space)) {
            Ok(out) => Ok((out, history)),
            Err(e) => {
                if e.is_invalid() {
                    self.update(&history, None);
                }
                Err(e)
            }
        }
    }

    /// Specifies `space` by a tree walk then a random rollout, as DeepArchitect:
    /// while at an expanded node, pick the child with the best UCT score
    /// `normalized mean + bonus·sqrt(2 ln N / n)` (unvisited first, ties at random);
    /// at a leaf, expand it, pick a random child and stop; assign the rest
    /// uniformly at random. Pushes the tree nodes visited (root excluded) to `history`.
    pub(crate) fn walk<R: Rng + ?Sized>(
        &mut self,
        space: &mut Space,
        bonus: f64,
        rng: &mut R,
        history: &mut Vec<u32>,
    ) -> Result<(), SpecError> {
        let mut node = 0usize;
        while let Some(h) = space.next_decision() {
            let len = space.domain(h).map_or(1, |d| d.len()) as u32;
            let leaf = self.nodes[node].children == 0;
            if leaf {
                let first = self.nodes.len() as u32;
                self.nodes.extend((0..len).map(|_| Node::default()));
                self.nodes[node].first_child = first;
                self.nodes[node].children = len;
            }
            let index = if leaf || self.nodes[node].children != len {
                // A child count that differs from the domain would mean the
                // space's decision order is not deterministic; fall back to random.
                rng.random_range(0..len)
            } else {
                self.best_child(node, bonus, rng)
            };
            node = (self.nodes[node].first_child + index) as usize;
            // Recorded before assigning, so a rejected choice is penalized too.
            history.push(node as u32);
            space.assign_index(h, index as usize)?;
            if leaf {
                break;
            }
        }
        space.specify_random(rng)
    }

    fn best_child<R: Rng + ?Sized>(&self, node: usize, bonus: f64, rng: &mut R) -> u32 {
        let parent = &self.nodes[node];
        let log_parent = (parent.visits.max(1) as f64).ln();
        let (low, width) = match self.range {
            Some((low, high)) if high > low => (low, high - low),
            Some((low, _)) => (low, f64::INFINITY),
            None => (0.0, f64::INFINITY),
        };
        let mut best = f64::NEG_INFINITY;
        let mut ties: smallvec::SmallVec<[u32; 8]> = smallvec::SmallVec::new();
        for i in 0..parent.children {
            let child = &self.nodes[(parent.first_child + i) as usize];
            let value = if child.visits == 0 {
                f64::INFINITY
            } else {
                let n = child.visits as f64;
                let mean = (child.total + child.failures as f64 * low) / n;
                (mean - low) / width + bonus * (2.0 * log_parent / n).sqrt()
            };
            if value > best {
                best = value;
                ties.clear();
                ties.push(i);
            } else if value == best {
                ties.push(i);
            }
        }
        match ties.len() {
            0 => 0,
            1 => ties[0],
            n => ties[rng.random_range(0..n)],
        }
    }

    /// Adds a visit worth `value` (`None`: a failure, worth the lowest value
    /// seen) to the root and to every node of `history`.
    pub(crate) fn update(&mut self, history: &[u32], value: Option<f64>) {
        if let Some(v) = value {
            self.range = Some(self.range.map_or((v, v), |(low, high)| (low.min(v), high.max(v))));
        }
        for &n in std::iter::once(&0).chain(history) {
            if let Some(node) = self.nodes.get_mut(n as usize) {
                node.visits += 1;
                match value {
                    Some(v) => node.total += v,
                    None => node.failures += 1,
                }
            }
        }
    }

    /// Visits of the root: the number of updates.
    #[cfg(test)]
    pub(crate) fn root_visits(&self) -> u64 {
        self.nodes[0].visits
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Op, SpaceDef, choice, rng};

    fn def() -> SpaceDef {
        SpaceDef::new(|s| {
            let a = s.basic(Op::new("a").param("x", choice([0, 1, 2])))?;
            let b = s.basic(Op::new("b").param("y", choice([0, 1])))?;
            s.chain(&a, &b)?;
            Ok(s.border_of(&a, &b))
        })
    }

    #[test]
    fn walk_expands_one_level_per_visit_then_follows_the_best_child() {
        let def = def();
        let mut tree = UctTree::default();
        let mut r = rng(1);
        // The first walk expands the root and stops: one node in the history.
        let (arch, hist) = tree.sample(&def, 0.0, &mut r).unwrap();
        assert_eq!(hist.len(), 1);
        let x = arch.decisions()[0].value.as_int().unwrap();
        tree.update(&hist, Some(if x == 2 { 1.0 } else { 0.0 }));
        // Give child 2 a high mean; with no bonus, once all are visited the walk follows it.
        for _ in 0..6 {
            let (arch, hist) = tree.sample(&def, 0.0, &mut r).unwrap();
            let x = arch.decisions()[0].value.as_int().unwrap();
            tree.update(&hist, Some(if x == 2 { 1.0 } else { 0.0 }));
        }
        let (arch, _) = tree.sample(&def, 0.0, &mut r).unwrap();
        assert_eq!(arch.decisions()[0].value.as_int(), Some(2));
        assert_eq!(tree.root_visits(), 7);
    }

    /// The walks of a tree told `s` and of one told `100·s + 7` are the same.
    #[test]
    fn an_affine_rescaling_of_the_values_walks_the_same_tree() {
        let def = def();
        let value = |a: &Architecture| {
            let get = |i: usize| a.decisions()[i].value.as_int().unwrap() as f64;
            0.9 - 0.1 * (get(0) - 1.0).abs() - 0.05 * get(1)
        };
        let walk = |scale: f64, shift: f64| {
            let (mut tree, mut r) = (UctTree::default(), rng(3));
            (0..30)
                .map(|i| {
                    let (arch, hist) = tree.sample(&def, 0.33, &mut r).unwrap();
                    let v = if i % 7 == 3 { None } else { Some(scale * value(&arch) + shift) };
                    tree.update(&hist, v);
                    arch.decisions().to_vec()
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(walk(1.0, 0.0), walk(100.0, 7.0));
    }
}
