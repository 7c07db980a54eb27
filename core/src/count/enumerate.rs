//! Walking every complete assignment.

use super::counter::{Prefix, rebuild};
use crate::architecture::Architecture;
use crate::definition::SpaceDef;
use crate::error::SpecError;

impl SpaceDef {
    /// Walks every complete assignment in lexicographic order of domain
    /// indices, yielding each architecture (assignments rejected as
    /// [`Invalid`] are skipped). Meant for small spaces; see [`count`](Self::count) first.
    pub fn enumerate(&self) -> Enumerate<'_> {
        Enumerate { def: self, stack: vec![Vec::new()] }
    }
}

/// Iterator over every complete assignment's architecture; see [`SpaceDef::enumerate`].
pub struct Enumerate<'a> {
    def: &'a SpaceDef,
    stack: Vec<Prefix>,
}

impl Iterator for Enumerate<'_> {
    type Item = Result<Architecture, SpecError>;

    fn next(&mut self) -> Option<Self::Item> {
        while let Some(prefix) = self.stack.pop() {
            let mut space = match rebuild(self.def, &prefix, None) {
                Ok(Ok(s)) => s,
                Ok(Err(_)) => continue,
                Err(e) => {
                    self.stack.clear();
                    return Some(Err(e));
                }
            };
            match space.next_decision() {
                None => return Some(space.freeze()),
                Some(d) => {
                    let len = space.domain(d).map_or(1, |x| x.len());
                    for v in (0..len as u32).rev() {
                        let mut child = prefix.clone();
                        child.push((d, v));
                        self.stack.push(child);
                    }
                }
            }
        }
        None
    }
}
