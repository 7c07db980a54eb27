//! Spaces shared by the integration tests.
#![allow(dead_code)]

use archspace::{Io, Op, Param, Space, SpaceDef, SpecError, Value, choice};

pub fn conv2d(filters: impl Into<Param>) -> Op {
    Op::new("conv2d").param("filters", filters).param("kernel", 3)
}

pub fn relu(s: &mut Space) -> Result<Io, SpecError> {
    s.basic(Op::new("relu"))
}

/// The DeepArchitect paper's seed space (25,008 architectures).
pub fn seed_space() -> SpaceDef {
    SpaceDef::new(|s| {
        let n = s.named_choice("n", [1, 2, 4])?;
        let n2 = s.named_dependent("n2", &[n], |v| Ok(Value::Int(2 * v[0].as_int().unwrap_or(0))))?;
        let stem = s.named("stem").basic(conv2d(choice([64, 128])))?;
        let drop = s.named("drop").optional(|s| s.basic(Op::new("dropout").param("rate", choice([0.25, 0.5]))))?;
        let conv = |s: &mut Space| s.basic(conv2d(choice([64, 128])));
        let left = s.named("left").repeat(n, conv)?;
        let right = s.named("right").repeat(n2, conv)?;
        let cat = s.named("cat").basic(Op::new("concat").inputs_indexed(2))?;
        s.chain(&stem, &drop)?;
        s.chain(&drop, &left)?;
        s.chain(&drop, &right)?;
        s.connect(left.output("out")?, cat.input("in0")?)?;
        s.connect(right.output("out")?, cat.input("in1")?)?;
        Ok(s.border_of(&stem, &cat))
    })
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
