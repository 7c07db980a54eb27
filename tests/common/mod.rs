//! Spaces shared by the integration tests.
#![allow(dead_code)]

use archspace::{Io, Op, Param, Space, SpaceDef, SpecError, choice};

pub fn conv2d(filters: impl Into<Param>) -> Op {
    Op::new("conv2d").param("filters", filters).param("kernel", 3)
}

pub fn relu(s: &mut Space) -> Result<Io, SpecError> {
    s.basic(Op::new("relu"))
}

/// The DeepArchitect paper's seed space (25,008 architectures).
pub fn seed_space() -> SpaceDef {
    archspace::spaces::seed()
}

/// `cells` cells in sequence, each an `or` over three ops followed by an
/// optional conv: 2 structural decisions and up to 2 leaf decisions per cell.
pub fn cell_chain(cells: usize) -> SpaceDef {
    SpaceDef::new(move |s| {
        let mut parts = Vec::new();
        for i in 0..cells {
            let cell = s.in_scope(format!("cell{i}"), |s| {
                let op = s.or(archspace::Alternatives::list()
                    .with(|s| s.basic(conv2d(choice([16, 32]))))
                    .with(|s| s.basic(Op::new("max_pool")))
                    .with(relu))?;
                let tail = s.optional(|s| s.basic(conv2d(choice([16, 32]))))?;
                s.chain(&op, &tail)?;
                Ok::<_, SpecError>(s.border_of(&op, &tail))
            })?;
            parts.push(cell);
        }
        s.sequential(parts)
    })
}

/// Assigns the first value to every decision, in order.
pub fn first_values(def: &SpaceDef) -> archspace::Architecture {
    let mut s = def.instantiate().unwrap();
    while let Some(h) = s.next_decision() {
        s.assign_index(h, 0).unwrap();
    }
    s.freeze().unwrap()
}
