//! Stage 2, cycles among the modules of one body.

use proc_macro2::Span;

use crate::check::Checker;
use crate::graph::Graph;

impl Checker<'_, '_> {
    /// Reports each connection that closes a cycle among the modules.
    pub fn cycles(&mut self, graph: &Graph) {
        let n = graph.modules.len();
        let mut next: Vec<Vec<(usize, Span)>> = vec![Vec::new(); n];
        for (from, to, span) in &graph.edges {
            if let Some(list) = next.get_mut(*from) {
                list.push((*to, *span));
            }
        }
        // 0 = unseen, 1 = on the current path, 2 = done.
        let mut state = vec![0u8; n];
        for root in 0..n {
            if state[root] != 0 {
                continue;
            }
            let mut path: Vec<(usize, usize)> = vec![(root, 0)];
            state[root] = 1;
            while let Some(&mut (node, ref mut cursor)) = path.last_mut() {
                let Some(&(succ, span)) = next[node].get(*cursor) else {
                    state[node] = 2;
                    path.pop();
                    continue;
                };
                *cursor += 1;
                match state.get(succ).copied() {
                    Some(0) => {
                        state[succ] = 1;
                        path.push((succ, 0));
                    }
                    Some(1) => {
                        let start = path.iter().position(|(m, _)| *m == succ).unwrap_or(0);
                        let names: Vec<String> = path[start..]
                            .iter()
                            .chain(std::iter::once(&(succ, 0)))
                            .map(|(m, _)| format!("`{}`", graph.name(*m)))
                            .collect();
                        self.cx.sound(
                            span,
                            format!("cycle among modules: {}", names.join(" -> ")),
                            "a space is acyclic: remove one of the connections of the cycle",
                        );
                    }
                    _ => {}
                }
            }
        }
    }
}
