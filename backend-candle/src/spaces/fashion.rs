//! The flagship space: small convolutional networks for Fashion-MNIST
//! under a parameter budget, with their training recipe.
//!
//! A stem (3×3 convolution at 28×28), a reduction to 14×14, a stage of 1–3
//! cells, a reduction to 7×7, a second stage of 1–3 cells, and a head
//! (global average pool, or a 2×2 max pool and flatten; an optional
//! dropout; the classifier). A cell is a regular 3×3 convolution, a 3×3 or
//! 5×5 separable one, a residual pair of separable convolutions, or an
//! inverted bottleneck (MobileNetV2: 1×1 expansion, depthwise 3×3, 1×1
//! projection, residual), each followed by squeeze-and-excitation when the
//! network uses it (one decision for all cells). A reduction is a strided
//! regular or separable convolution, or a max or average pool and a 1×1
//! convolution. The widths of the stem and stages are chosen, then scaled
//! by a width multiplier. The training recipe is carried in the
//! architecture's globals ([`Architecture::globals`](archspace::Architecture::globals)):
//! `learning_rate`, `weight_decay`, `augment` (a strength,
//! [`Recipe`](super::flagship::Recipe)) and `label_smoothing`.
//!
//! The parameter budget is not a decision: the search rejects a network
//! over it from its shape inference, before training
//! ([`flagship`](super::flagship)); the ranges keep most draws under 100,000.
//!
//! ```
//! use archspace_candle::spaces::fashion_net;
//! let def = fashion_net().def();
//! let arch = def.sample_random(&mut archspace::rng(3))?;
//! assert!(arch.global("hyperparameters/learning_rate").is_some());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use archspace::{Param, search_space};

use super::blocks::{avg_pool, conv, max_pool, separable};
use crate::ops;

/// conv `k×k` (regular) → batch norm → ReLU, stride `stride`.
#[search_space]
pub fn conv_unit(width: Param, kernel: i64, stride: i64) -> Space {
    let block = sequential(|| conv(width, kernel, stride), || ops::batch_norm(), || ops::relu());
    expose!(block.in -> block.out)
}

/// separable `k×k` → batch norm → ReLU, stride `stride`.
#[search_space]
pub fn separable_unit(width: Param, kernel: i64, stride: i64) -> Space {
    let block = sequential(|| separable(width, kernel, stride), || ops::batch_norm(), || ops::relu());
    expose!(block.in -> block.out)
}

/// A depthwise 3×3 convolution without bias.
pub fn depthwise3x3() -> archspace::Op {
    ops::depthwise_conv2d(3).param("bias", false)
}

/// MobileNetV2's expansion: 1×1 to `expanded` channels, depthwise 3×3,
/// 1×1 back to `width` (no ReLU after it).
#[search_space]
pub fn bottleneck_body(width: Param, expanded: Param) -> Space {
    let expand = conv_unit(expanded, 1, 1);
    let depthwise = sequential(|| depthwise3x3(), || ops::batch_norm(), || ops::relu());
    let project = sequential(|| conv(width, 1, 1), || ops::batch_norm());
    connect!(expand.out -> depthwise.in);
    connect!(depthwise.out -> project.in);
    expose!(expand.in -> project.out)
}

/// MobileNetV2's inverted bottleneck: [`bottleneck_body`] at twice the
/// width, added to its input.
#[search_space]
pub fn inverted_bottleneck(width: Param) -> Space {
    let expanded = width.map(|w: i64| 2 * w);
    let block = residual(|| bottleneck_body(width, expanded), || identity(), || ops::add(2));
    expose!(block.in -> block.out)
}

/// Two separable 3×3 convolutions (batch norm after each, a ReLU between).
#[search_space]
pub fn separable_pair(width: Param) -> Space {
    let first = separable_unit(width, 3, 1);
    let second = sequential(|| separable(width, 3, 1), || ops::batch_norm());
    connect!(first.out -> second.in);
    expose!(first.in -> second.out)
}

/// One cell of a stage (input and output `width` channels), then
/// squeeze-and-excitation if `squeeze` is true.
#[search_space]
pub fn fashion_cell(width: Param, squeeze: Param) -> Space {
    let body = or(
        || conv_unit(width, 3, 1),
        || separable_unit(width, 3, 1),
        || separable_unit(width, 5, 1),
        || residual(|| separable_pair(width), || identity(), || ops::add(2)),
        || inverted_bottleneck(width),
    );
    let excite = optional(squeeze, || ops::squeeze_excite(4));
    connect!(body.out -> excite.in);
    expose!(body.in -> excite.out)
}

/// Halves the resolution and sets the width: a strided regular or
/// separable convolution, or a pool and a 1×1 convolution.
#[search_space]
pub fn fashion_reduction(width: Param) -> Space {
    let block = or(
        || conv_unit(width, 3, 2),
        || separable_unit(width, 3, 2),
        || sequential(|| max_pool(2, 2), || conv_unit(width, 1, 1)),
        || sequential(|| avg_pool(2, 2), || conv_unit(width, 1, 1)),
    );
    expose!(block.in -> block.out)
}

/// The whole network, its widths scaled by `width_multiplier`, and the
/// training recipe as carried hyperparameters.
#[search_space]
pub fn fashion_net() -> Space {
    let learning_rate = global([1e-3, 2e-3, 4e-3]);
    let weight_decay = global([5e-3, 2e-2, 5e-2]);
    let augment = global([0, 1, 2]);
    let label_smoothing = global([0.0, 0.1]);
    let width_multiplier = choice([0.75, 1.0, 1.25]);
    let stem_width = choice([16, 24]);
    let stage1_width = choice([24, 32, 48]);
    let stage2_width = choice([48, 64, 96]);
    let squeeze = choice([false, true]);
    let stem_scaled = dependent(|stem_width, width_multiplier| scaled_width(stem_width, width_multiplier));
    let width1 = dependent(|stage1_width, width_multiplier| scaled_width(stage1_width, width_multiplier));
    let width2 = dependent(|stage2_width, width_multiplier| scaled_width(stage2_width, width_multiplier));
    let stem = conv_unit(stem_scaled, 3, 1);
    let reduce1 = fashion_reduction(width1);
    let stage1 = repeat(choice([1, 2, 3]), || fashion_cell(width1, squeeze));
    let reduce2 = fashion_reduction(width2);
    let stage2 = repeat(choice([1, 2, 3]), || fashion_cell(width2, squeeze));
    let pool = or(|| ops::global_avg_pool(), || sequential(|| ops::max_pool2d(2), || ops::flatten()));
    let drop = optional(|| ops::dropout(0.2));
    let classifier = ops::dense(10);
    connect!(stem.out -> reduce1.in);
    connect!(reduce1.out -> stage1.in);
    connect!(stage1.out -> reduce2.in);
    connect!(reduce2.out -> stage2.in);
    connect!(stage2.out -> pool.in);
    connect!(pool.out -> drop.in);
    connect!(drop.out -> classifier.in);
    expose!(stem.in -> classifier.out)
}

/// `width × multiplier`, rounded to a multiple of 4.
pub fn scaled_width(width: i64, multiplier: f64) -> i64 {
    ((width as f64 * multiplier / 4.0).round() as i64 * 4).max(4)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::infer_shapes;
    use crate::ops::Registry;

    #[test]
    fn most_draws_are_under_the_budget_and_every_one_infers() -> Result<(), Box<dyn std::error::Error>> {
        let def = fashion_net().def();
        let mut rng = archspace::rng(11);
        let (mut under, mut params, mut flops) = (0, Vec::new(), Vec::new());
        let draws = 300;
        for _ in 0..draws {
            let arch = def.sample_random(&mut rng)?;
            let report = infer_shapes(&arch, &[1, 28, 28], &Registry::standard())?;
            assert_eq!(report.output(), [10]);
            under += usize::from(report.total_params() < 100_000);
            params.push(report.total_params());
            flops.push(report.total_flops());
        }
        params.sort_unstable();
        flops.sort_unstable();
        eprintln!(
            "params: min {} median {} max {}; MFLOPs median {:.1} max {:.1}; under 100k: {under}/{draws}",
            params[0],
            params[draws / 2],
            params[draws - 1],
            flops[draws / 2] as f64 / 1e6,
            flops[draws - 1] as f64 / 1e6
        );
        assert!(under * 10 >= draws * 7, "{under} of {draws} under 100k parameters");
        Ok(())
    }

    #[test]
    fn widths_scale_to_multiples_of_four() {
        assert_eq!(scaled_width(24, 0.75), 20);
        assert_eq!(scaled_width(48, 1.25), 60);
        assert_eq!(scaled_width(16, 1.0), 16);
    }
}
