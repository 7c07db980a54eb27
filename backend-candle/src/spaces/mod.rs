//! The search spaces of the DeepArchitect paper's experiments (Negrinho et
//! al. 2019, section 5), written in the DSL: [`genetic`], [`nasbench`],
//! [`nasnet`], [`flat`] and [`hierarchical`]. Each takes its sizes (filters,
//! cells or motifs per stage, the stem's stride, classes) so that it can be
//! trained at small sizes on a CPU (`…Size::CPU`, about a minute or two per
//! epoch of the full Fashion-MNIST on 2 cores) and built at the paper's
//! sizes (`…Size::PAPER`).
//!
//! ```
//! use archspace_candle::spaces::{self, Paper};
//! let def = Paper::Genetic.space(spaces::Scale::Cpu);
//! assert_eq!(def.count()?, (1u32 << 19).into()); // 19 connection bits
//! # Ok::<(), archspace::SpecError>(())
//! ```

mod blocks;
pub mod experiment;
mod fashion;
pub mod flagship;
mod genetic;
mod motifs;
mod nasbench;
mod nasnet;

pub use blocks::{conv_bn_relu, pool_head, relu_conv_bn};
pub use fashion::{
    bottleneck_body, conv_unit, depthwise3x3, fashion_cell, fashion_net, fashion_reduction, inverted_bottleneck,
    scaled_width, separable_pair, separable_unit,
};
pub use genetic::{GeneticSize, genetic, genetic_stage};
pub use motifs::{MotifSize, flat, hierarchical, motif_net, primitive_motif};
pub use nasbench::{NasbenchSize, nasbench, nasbench_cell};
pub use nasnet::{NasnetSize, nasnet, nasnet_cell};

use archspace::SpaceDef;

/// The spaces of the paper's experiments.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Paper {
    /// Genetic CNN (Xie & Yuille 2017).
    Genetic,
    /// Liu et al.'s flat space.
    Flat,
    /// NAS-Bench-101's cell (Ying et al. 2019).
    Nasbench,
    /// NASNet-A (Zoph et al. 2018).
    Nasnet,
    /// Liu et al.'s hierarchical space (excluded from the paper's tables).
    Hierarchical,
}

/// Which sizes to build a space at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scale {
    /// Small enough to train a trial in about a minute on a 2-core CPU.
    Cpu,
    /// The sizes of the papers (for CIFAR-10 on a GPU).
    Paper,
}

impl Paper {
    /// Every space, in the order of the paper's Table 1 (then hierarchical).
    pub const ALL: [Paper; 5] = [Paper::Genetic, Paper::Flat, Paper::Nasbench, Paper::Nasnet, Paper::Hierarchical];

    /// Its name, as the experiments print it.
    pub fn name(self) -> &'static str {
        match self {
            Paper::Genetic => "genetic",
            Paper::Flat => "flat",
            Paper::Nasbench => "nasbench",
            Paper::Nasnet => "nasnet",
            Paper::Hierarchical => "hierarchical",
        }
    }

    /// The space at `scale`, for 10 classes.
    pub fn space(self, scale: Scale) -> SpaceDef {
        let paper = scale == Scale::Paper;
        match self {
            Paper::Genetic => genetic(if paper { GeneticSize::PAPER } else { GeneticSize::CPU }).def(),
            Paper::Flat => flat(if paper { MotifSize::PAPER } else { MotifSize::CPU }).def(),
            Paper::Nasbench => nasbench(if paper { NasbenchSize::PAPER } else { NasbenchSize::CPU }).def(),
            Paper::Nasnet => nasnet(if paper { NasnetSize::PAPER } else { NasnetSize::CPU }).def(),
            Paper::Hierarchical => hierarchical(if paper { MotifSize::PAPER } else { MotifSize::CPU }).def(),
        }
    }
}
