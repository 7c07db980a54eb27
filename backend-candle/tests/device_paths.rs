//! The GPU's code path against the CPU's: for every op of the catalogue,
//! both reference nets and a training run, a network on the target device
//! computes the same outputs, losses, gradients and running statistics as
//! this crate's kernels on the CPU (within float rounding).
//!
//! Targets (see `device_paths/harness.rs`): `generic-cpu`, candle's ops on
//! the CPU (`Kernels::Candle`, the code a GPU runs, so it is tested on every
//! machine), and `cuda:0`, which runs where a GPU is visible and a build has
//! the `cuda` feature, and is reported as skipped, with the reason, elsewhere:
//!
//! ```text
//! cargo test -p archspace-candle --test device_paths
//! scripts/cuda-toolchain run cargo test -p archspace-candle --features cuda --test device_paths
//! ```

mod common;
#[path = "device_paths/compare.rs"]
mod compare;
#[path = "device_paths/harness.rs"]
mod harness;

use std::collections::BTreeSet;
use std::process::ExitCode;

use archspace_candle::ops::{self, Registry};
use archspace_candle::throughput::ReferenceNet;
use archspace_core::{Architecture, Op, Space};
use common::{chain, single_op};
use harness::Case;

/// `stem → [a | b] → join`, the stem a 4-filter convolution.
fn two_branches(a: Op, b: Op, join: Op) -> Architecture {
    let mut space = Space::build(move |s| {
        let stem = s.named("stem").basic(ops::conv2d(4, 3))?;
        let join = s.named("join").basic(join.clone())?;
        for (i, op) in [&a, &b].into_iter().enumerate() {
            let branch = s.named(format!("branch{i}")).basic(op.clone())?;
            s.connect(stem.output("out")?, branch.input("in")?)?;
            s.connect(branch.output("out")?, join.input(&format!("in{i}"))?)?;
        }
        Ok(s.border_of(&stem, &join))
    })
    .expect("test space builds");
    space.freeze().expect("test space freezes")
}

/// `stem → [a | b] → concat → global_avg_pool`: the pool moves before the
/// concat on the CPU kernels (a graph pass), not on candle's ops.
fn pooled_concat() -> Architecture {
    let mut space = Space::build(|s| {
        let stem = s.named("stem").basic(ops::conv2d(4, 3))?;
        let cat = s.named("cat").basic(ops::concat(2))?;
        for (i, filters) in [3, 5].into_iter().enumerate() {
            let branch = s.named(format!("branch{i}")).basic(ops::conv2d(filters, 3))?;
            s.chain(&stem, &branch)?;
            s.connect(branch.output("out")?, cat.input(&format!("in{i}"))?)?;
        }
        let pool = s.named("pool").basic(ops::global_avg_pool())?;
        s.chain(&cat, &pool)?;
        Ok(s.border_of(&stem, &pool))
    })
    .expect("test space builds");
    space.freeze().expect("test space freezes")
}

/// A convolution (so gradients reach weights before the op), then `op`.
fn after_conv(op: Op) -> Architecture {
    chain(vec![ops::conv2d(4, 3), op])
}

/// Every op of the catalogue, in the configurations whose code differs
/// (strides, paddings, groups, fused ReLUs, chains, joins), on 4×9×9 inputs.
fn catalogue() -> Vec<(String, Architecture)> {
    let mut cases = vec![
        ("conv2d".into(), chain(vec![ops::conv2d(6, 3)])),
        (
            "conv2d stride 2 valid no bias".into(),
            chain(vec![ops::conv2d(6, 3).param("stride", 2).param("padding", "valid").param("bias", false)]),
        ),
        ("conv2d dilation 2".into(), chain(vec![ops::conv2d(5, 3).param("dilation", 2)])),
        ("conv2d groups 2".into(), chain(vec![ops::conv2d(6, 3).param("groups", 2)])),
        ("conv2d 1x7 same".into(), chain(vec![ops::conv2d(4, vec![1i64, 7])])),
        ("conv2d 2x2 same (asymmetric)".into(), chain(vec![ops::conv2d(3, 2)])),
        (
            "conv2d relu chain".into(),
            chain(vec![ops::conv2d(6, 3), ops::relu(), ops::conv2d(8, 3), ops::relu(), ops::conv2d(5, 1)]),
        ),
        (
            "depthwise_conv2d multiplier 2 stride 2".into(),
            chain(vec![ops::depthwise_conv2d(3).param("multiplier", 2).param("stride", 2)]),
        ),
        ("separable_conv2d".into(), chain(vec![ops::separable_conv2d(8, 3)])),
        ("factorized_conv2d".into(), chain(vec![ops::factorized_conv2d(6, 5).param("stride", 2)])),
        ("batch_norm".into(), after_conv(ops::batch_norm())),
        ("batch_norm relu".into(), chain(vec![ops::conv2d(4, 3), ops::batch_norm(), ops::relu()])),
        ("dropout".into(), after_conv(ops::dropout(0.3))),
        ("drop_path".into(), after_conv(ops::drop_path(0.3))),
        (
            "max_pool2d 3 stride 2 padding 1".into(),
            after_conv(ops::max_pool2d(3).param("stride", 2).param("padding", 1)),
        ),
        ("max_pool2d 2".into(), after_conv(ops::max_pool2d(2))),
        (
            // Where the ReLU zeroes every channel, the 1×1 convolution gives
            // its bias: windows with tied maxima, whose gradient goes to one.
            "max_pool2d over ties".into(),
            chain(vec![ops::conv2d(4, 3), ops::relu(), ops::conv2d(4, 1), ops::max_pool2d(2)]),
        ),
        (
            "avg_pool2d 3 stride 2 same".into(),
            after_conv(ops::avg_pool2d(3).param("stride", 2).param("padding", "same")),
        ),
        ("global_avg_pool".into(), after_conv(ops::global_avg_pool())),
        ("flatten dense".into(), chain(vec![ops::conv2d(4, 3).param("stride", 2), ops::flatten(), ops::dense(7)])),
        ("identity".into(), after_conv(ops::identity())),
        ("squeeze_excite".into(), after_conv(ops::squeeze_excite(2))),
        ("factorized_reduce".into(), after_conv(ops::factorized_reduce(8))),
        ("add residual".into(), two_branches(ops::conv2d(4, 3), ops::identity(), ops::add(2))),
        (
            "add padded channels".into(),
            two_branches(ops::conv2d(4, 3), ops::conv2d(6, 1), ops::add(2).param("align", "pad")),
        ),
        ("concat 2".into(), single_op(ops::concat(2))),
        ("concat 3".into(), single_op(ops::concat(3))),
        ("concat 4".into(), single_op(ops::concat(4))),
        ("concat read by a global pool".into(), pooled_concat()),
    ];
    for activation in ops::Activation::ALL {
        cases.push((activation.name().into(), after_conv(Op::new(activation.name()))));
    }
    cases
}

/// The ops no catalogue case uses: each must have one.
fn uncovered(catalogue: &[(String, Architecture)]) -> Vec<String> {
    let used: BTreeSet<String> =
        catalogue.iter().flat_map(|(_, arch)| arch.modules().iter().map(|m| m.op.to_string())).collect();
    Registry::standard().names().into_iter().filter(|name| !used.contains(*name)).map(str::to_owned).collect()
}

fn main() -> ExitCode {
    let catalogue = catalogue();
    let missing = uncovered(&catalogue);
    let mut cases = vec![Case::once("every op of the catalogue has a case", move || {
        if missing.is_empty() { Ok(()) } else { Err(format!("no case for {}", missing.join(", "))) }
    })];
    for (name, arch) in catalogue {
        cases.push(Case::new(format!("op {name}"), move |device, kernels| {
            compare::networks(&arch, &[4, 9, 9], 3, device, kernels)
        }));
    }
    for net in [ReferenceNet::Net1, ReferenceNet::Seed] {
        cases.push(Case::new(format!("reference net {}", net.name()), move |device, kernels| {
            let arch = net.architecture().map_err(harness::fail("architecture"))?;
            compare::networks(&arch, &[1, 28, 28], 4, device, kernels)
        }));
    }
    cases.push(Case::new("training and evaluation on the Fashion-MNIST subset", compare::training));
    harness::run(cases)
}
