//! Golden statistics of the paper's spaces: decisions per architecture,
//! exact counts (derived here independently), shape inference at both
//! scales and input sizes.

use archspace::{Architecture, BigUint, SpaceDef};
use archspace_candle::infer_shapes;
use archspace_candle::ops::Registry;
use archspace_candle::spaces::{Paper, Scale};

fn big(n: u128) -> BigUint {
    BigUint::from(n)
}

/// The hierarchical space: one level-3 motif (5 vertices: 4 chain edges over
/// motifs 1..=6, 6 others over 0..=6), each level-2 motif counted once
/// (6^3 · 7^3 assignments of its edges) however many edges use it.
/// By inclusion–exclusion over the set of motifs used.
fn hierarchical_count() -> BigUint {
    let w = big(6u128.pow(3) * 7u128.pow(3));
    let choose = |n: u128, k: u128| (0..k).fold(1u128, |acc, i| acc * (n - i) / (i + 1));
    let mut total = BigUint::from(0u32);
    for s in 0..=6u128 {
        // Assignments whose motifs are exactly a given set of s motifs.
        let mut exact: i128 = 0;
        for t in 0..=s {
            let sign = if (s - t) % 2 == 0 { 1 } else { -1 };
            exact += sign * (choose(s, t) as i128) * (t.pow(4) * (1 + t).pow(6)) as i128;
        }
        total += big(choose(6, s)) * big(exact as u128) * w.pow(s as u32);
    }
    total
}

/// NAS-Bench's cell as DeepArchitect encodes it, by brute force over its 21
/// flags: for each flag setting it accepts (a path from the input to the
/// output, every node with an edge on such a path, at most 9 edges), the
/// intermediate nodes on such a path, as a bit set.
fn nasbench_valid_settings() -> Vec<u32> {
    const N: usize = 7;
    let pairs: Vec<(usize, usize)> = (0..N).flat_map(|i| (i + 1..N).map(move |j| (i, j))).collect();
    let nodes = 0b0111110u32;
    let mut valid = Vec::new();
    for mask in 0u32..1 << pairs.len() {
        let (mut from_input, mut to_output, mut touched) = (1u32, 1u32 << (N - 1), 0u32);
        for (e, &(i, j)) in pairs.iter().enumerate() {
            if mask >> e & 1 == 1 {
                touched |= 1 << i | 1 << j;
                if from_input >> i & 1 == 1 {
                    from_input |= 1 << j;
                }
            }
        }
        for (e, &(i, j)) in pairs.iter().enumerate().rev() {
            if mask >> e & 1 == 1 && to_output >> j & 1 == 1 {
                to_output |= 1 << i;
            }
        }
        let live = from_input & to_output;
        if live >> (N - 1) & 1 == 1 && touched & nodes & !live == 0 && mask.count_ones() <= 9 {
            valid.push(live & nodes);
        }
    }
    valid
}

/// The cell's architectures: 3 operations per node on a path, for each accepted flag setting.
fn nasbench_count() -> BigUint {
    nasbench_valid_settings().into_iter().map(|live| BigUint::from(3u32).pow(live.count_ones())).sum()
}

fn count(paper: Paper) -> BigUint {
    paper.space(Scale::Cpu).count().unwrap()
}

#[test]
fn genetic_count_is_exact() {
    assert_eq!(count(Paper::Genetic), big(1 << 19));
}

#[test]
fn flat_count_is_exact() {
    assert_eq!(count(Paper::Flat), big(6u128.pow(10)) * big(7u128.pow(20)) * big(7u128.pow(25)));
}

#[test]
fn nasbench_count_is_exact() {
    assert_eq!(count(Paper::Nasbench), nasbench_count());
    // The paper's sizes change widths, not decisions.
    assert_eq!(Paper::Nasbench.space(Scale::Paper).count().unwrap(), nasbench_count());
}

#[test]
fn nasnet_count_is_exact() {
    let cell = (2u128 * 3 * 4 * 5 * 6).pow(2) * 8u128.pow(10);
    assert_eq!(count(Paper::Nasnet), big(cell) * big(cell));
}

#[test]
fn hierarchical_count_is_exact() {
    assert_eq!(count(Paper::Hierarchical), hierarchical_count());
}

fn decisions(def: &SpaceDef, seed: u64, n: usize) -> Vec<Architecture> {
    let mut rng = archspace::rng(seed);
    (0..n).map(|_| def.sample_random(&mut rng).unwrap()).collect()
}

#[test]
fn decisions_per_architecture() {
    for (paper, min, max) in [
        (Paper::Genetic, 19, 19),
        (Paper::Flat, 55, 55),
        (Paper::Nasbench, 21, 26),
        (Paper::Nasnet, 40, 40),
        (Paper::Hierarchical, 10 + 6, 10 + 6 * 6),
    ] {
        for arch in decisions(&paper.space(Scale::Cpu), 3, 20) {
            let n = arch.decisions().len();
            assert!((min..=max).contains(&n), "{}: {n} decisions", paper.name());
        }
    }
}

#[test]
fn shapes_infer_at_both_scales_and_input_sizes() {
    let registry = Registry::standard();
    for paper in Paper::ALL {
        for scale in [Scale::Cpu, Scale::Paper] {
            let def = paper.space(scale);
            for (i, arch) in decisions(&def, 11, 10).iter().enumerate() {
                for input in [[1, 28, 28], [3, 32, 32]] {
                    let report = infer_shapes(arch, &input, &registry)
                        .unwrap_or_else(|e| panic!("{} {scale:?} sample {i} on {input:?}: {e}", paper.name()));
                    assert_eq!(report.output(), [10], "{}", paper.name());
                }
            }
        }
    }
}

/// The share of the 2^21 flag settings that DeepArchitect's rule accepts
/// (operations do not change validity).
fn nasbench_valid_share() -> f64 {
    nasbench_valid_settings().len() as f64 / f64::from(1u32 << 21)
}

/// Per-decision sampling without look-ahead (each decision uniform over its
/// domain) draws a valid NAS-Bench cell as often as the flag settings
/// predict: about 0.7%, as DeepArchitect measured (~0.6%).
#[test]
fn nasbench_validity_rate_under_per_decision_sampling() {
    use rand::Rng;
    let def = Paper::Nasbench.space(Scale::Cpu);
    let mut rng = archspace::rng(5);
    let draws = 10_000;
    let mut valid = 0;
    for _ in 0..draws {
        let mut space = def.instantiate().expect("the space builds");
        let mut ok = true;
        while let Some(h) = space.next_decision() {
            let n = space.domain(h).map_or(1, |d| d.len());
            if space.assign_index(h, rng.random_range(0..n)).is_err() {
                ok = false;
                break;
            }
        }
        valid += usize::from(ok && space.freeze().is_ok());
    }
    let p = nasbench_valid_share();
    assert!((0.005..0.009).contains(&p), "{p}");
    let expected = p * draws as f64;
    let sigma = (expected * (1.0 - p)).sqrt();
    assert!((valid as f64 - expected).abs() < 4.0 * sigma, "{valid} valid of {draws}, {expected:.1} expected");
}

/// Shape inference succeeds for many samples of each space (drawn per
/// decision among the values with a valid completion), on both input sizes.
#[test]
fn shapes_infer_for_many_samples_of_each_space() {
    let registry = Registry::standard();
    for paper in Paper::ALL {
        for (i, arch) in decisions(&paper.space(Scale::Cpu), 17, 50).iter().enumerate() {
            for input in [[1, 28, 28], [3, 32, 32]] {
                let report = infer_shapes(arch, &input, &registry)
                    .unwrap_or_else(|e| panic!("{} sample {i} on {input:?}: {e}", paper.name()));
                assert_eq!(report.output(), [10], "{}", paper.name());
            }
        }
    }
}
