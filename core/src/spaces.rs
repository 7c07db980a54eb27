//! Reference search spaces, written with the builder API.
//!
//! Shared by tests, benches and examples so that each space is defined once.
//!
//! ```
//! use archspace_core::spaces;
//! assert_eq!(spaces::seed().count()?, 25_008u32.into());
//! assert_eq!(spaces::seed_with_chains(&[1, 2]).count()?, 432u32.into());
//! # Ok::<(), archspace_core::SpecError>(())
//! ```

use crate::definition::SpaceDef;
use crate::op::{Op, Param, choice};
use crate::space::Space;
use crate::value::Value;

fn conv2d(filters: impl Into<Param>) -> Op {
    Op::new("conv2d").param("filters", filters).param("kernel", 3)
}

/// The seed space of the DeepArchitect paper (Negrinho et al., 2019, Fig. 1):
/// an input conv with 64 or 128 filters; optional dropout with rate 0.25 or
/// 0.5; two parallel conv chains of length 1, 2 or 4 and double that; the
/// chains concatenated; each conv with 64 or 128 filters chosen separately.
/// 25,008 architectures. Decision paths: `n`, `stem/filters`, `drop/opt`,
/// `drop/dropout/rate`, `left/<i>/conv2d/filters`, `right/<i>/conv2d/filters`.
pub fn seed() -> SpaceDef {
    seed_with_chains(&[1, 2, 4])
}

/// The seed space with other lengths for the first chain (the second is
/// double); `&[1, 2]` gives 432 architectures, small enough to enumerate in
/// unoptimized tests.
pub fn seed_with_chains(lengths: &[i64]) -> SpaceDef {
    let lengths = lengths.to_vec();
    SpaceDef::new(move |s| {
        let n = s.named_choice("n", lengths.iter().copied())?;
        let n2 = s.named_dependent("n2", &[n], |v| {
            v[0].as_int().map(|n| Value::Int(2 * n)).ok_or_else(|| "`n` must be an integer".to_owned())
        })?;
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
