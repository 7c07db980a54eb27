//! The two reference nets of `../shared/bench/torch_reference.py`, built
//! from the ops catalogue, so throughput can be compared with PyTorch's.

use archspace_core::{Architecture, Io, Op, Space, SpecError};

use crate::ops;

/// A reference net (input 1×28×28, 10 classes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReferenceNet {
    /// ~110k parameters: conv 16 + batch norm + ReLU, a plain and a dilated
    /// conv of 24 filters concatenated, batch norm, max pool, conv 64 + batch
    /// norm + avg pool, conv 64 + max pool, dropout, dense 64, dense 10.
    Net1,
    /// The seed space's architecture in the reference: stem conv 64, chains
    /// of 2 and 4 convs of 64 filters (ReLU), concat, global average pool, dense 10.
    Seed,
    /// The seed space's largest chains (4 and 8 convs of 64 filters).
    SeedLargest,
}

impl ReferenceNet {
    /// Every reference net.
    pub const ALL: [ReferenceNet; 3] = [ReferenceNet::Net1, ReferenceNet::Seed, ReferenceNet::SeedLargest];

    /// The name used on command lines (`net1`, `seed`, `seed-largest`).
    pub fn name(self) -> &'static str {
        match self {
            ReferenceNet::Net1 => "net1",
            ReferenceNet::Seed => "seed",
            ReferenceNet::SeedLargest => "seed-largest",
        }
    }

    /// The net called `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|n| n.name() == name)
    }

    /// The frozen architecture.
    ///
    /// ```
    /// use archspace_candle::throughput::ReferenceNet;
    /// let arch = ReferenceNet::Seed.architecture()?;
    /// assert_eq!(arch.modules().len(), 17); // 7 convs, 7 ReLUs, concat, global pool, dense
    /// # Ok::<(), archspace_core::SpecError>(())
    /// ```
    pub fn architecture(self) -> Result<Architecture, SpecError> {
        match self {
            ReferenceNet::Net1 => net1(),
            ReferenceNet::Seed => seed(2, 4),
            ReferenceNet::SeedLargest => seed(4, 8),
        }
    }
}

fn sequence(s: &mut Space, ops: Vec<Op>) -> Result<Io, SpecError> {
    let parts = ops.into_iter().map(|op| s.basic(op)).collect::<Result<Vec<_>, _>>()?;
    s.sequential(parts)
}

fn net1() -> Result<Architecture, SpecError> {
    Space::build(|s| {
        let stem = s.in_scope("c1", |s| sequence(s, vec![ops::conv2d(16, 3), ops::batch_norm(), ops::relu()]))?;
        let a = s.named("c2a").basic(ops::conv2d(24, 3))?;
        let b = s.named("c2b").basic(ops::conv2d(24, 3).param("dilation", 2))?;
        let cat = s.named("cat").basic(ops::concat(2))?;
        for (branch, port) in [(&a, "in0"), (&b, "in1")] {
            s.connect(stem.output("out")?, branch.input("in")?)?;
            s.connect(branch.output("out")?, cat.input(port)?)?;
        }
        let rest = s.in_scope("rest", |s| {
            sequence(
                s,
                vec![
                    ops::batch_norm(),
                    ops::relu(),
                    ops::max_pool2d(2),
                    ops::conv2d(64, 3),
                    ops::batch_norm(),
                    ops::relu(),
                    ops::avg_pool2d(2),
                    ops::conv2d(64, 3),
                    ops::relu(),
                    ops::max_pool2d(2),
                    ops::flatten(),
                    ops::dropout(0.25),
                    ops::dense(64),
                    ops::relu(),
                    ops::dropout(0.1),
                    ops::dense(10),
                ],
            )
        })?;
        s.connect(cat.output("out")?, rest.input("in")?)?;
        Ok(s.border_of(&stem, &rest))
    })?
    .freeze()
}

fn seed(left: usize, right: usize) -> Result<Architecture, SpecError> {
    let chain = |n: usize| (0..n).flat_map(|_| [ops::conv2d(64, 3), ops::relu()]).collect::<Vec<_>>();
    Space::build(|s| {
        let stem = s.in_scope("stem", |s| sequence(s, vec![ops::conv2d(64, 3), ops::relu()]))?;
        let l = s.in_scope("left", |s| sequence(s, chain(left)))?;
        let r = s.in_scope("right", |s| sequence(s, chain(right)))?;
        let cat = s.named("cat").basic(ops::concat(2))?;
        for (branch, port) in [(&l, "in0"), (&r, "in1")] {
            s.connect(stem.output("out")?, branch.input("in")?)?;
            s.connect(branch.output("out")?, cat.input(port)?)?;
        }
        let head = s.in_scope("head", |s| sequence(s, vec![ops::global_avg_pool(), ops::dense(10)]))?;
        s.connect(cat.output("out")?, head.input("in")?)?;
        Ok(s.border_of(&stem, &head))
    })?
    .freeze()
}
