//! Golden statistics of the paper's spaces: decisions per architecture,
//! exact counts (derived here independently), shape inference at both
//! scales and input sizes.

use std::sync::OnceLock;

use archspace::{Architecture, BigUint, SpaceDef, Value};
use archspace_candle::infer_shapes;
use archspace_candle::ops::Registry;
use archspace_candle::spaces::{MotifSize, Paper, Scale, flat, hierarchical};
use rand::Rng;

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
/// flags: each flag setting it accepts (a path from the input to the output,
/// every node with an edge on such a path, at most 9 edges), as the flags
/// (bit `e` for the `e`-th pair `i < j`, row by row) and the intermediate
/// nodes on such a path (a bit set). Computed once per test binary.
fn nasbench_valid_settings() -> &'static [NasbenchSetting] {
    static SETTINGS: OnceLock<Vec<NasbenchSetting>> = OnceLock::new();
    SETTINGS.get_or_init(|| {
        let pairs = nasbench_pairs();
        let nodes = 0b0111110u32;
        let mut valid = Vec::new();
        for flags in 0u32..1 << pairs.len() {
            let (mut from_input, mut to_output, mut touched) = (1u32, 1u32 << (NASBENCH_VERTICES - 1), 0u32);
            for (e, &(i, j)) in pairs.iter().enumerate() {
                if flags >> e & 1 == 1 {
                    touched |= 1 << i | 1 << j;
                    if from_input >> i & 1 == 1 {
                        from_input |= 1 << j;
                    }
                }
            }
            for (e, &(i, j)) in pairs.iter().enumerate().rev() {
                if flags >> e & 1 == 1 && to_output >> j & 1 == 1 {
                    to_output |= 1 << i;
                }
            }
            let live = from_input & to_output;
            if live >> (NASBENCH_VERTICES - 1) & 1 == 1 && touched & nodes & !live == 0 && flags.count_ones() <= 9 {
                valid.push(NasbenchSetting { flags, live: live & nodes });
            }
        }
        valid
    })
}

const NASBENCH_VERTICES: usize = 7;

/// The cell's vertex pairs `i < j`, row by row (the order of its flags).
fn nasbench_pairs() -> Vec<(usize, usize)> {
    (0..NASBENCH_VERTICES).flat_map(|i| (i + 1..NASBENCH_VERTICES).map(move |j| (i, j))).collect()
}

/// A flag setting of the NAS-Bench cell that DeepArchitect accepts.
struct NasbenchSetting {
    flags: u32,
    /// The intermediate nodes on a path from the input to the output.
    live: u32,
}

/// The cell's architectures: 3 operations per node on a path, for each accepted flag setting.
fn nasbench_count() -> BigUint {
    nasbench_valid_settings().iter().map(|s| BigUint::from(3u32).pow(s.live.count_ones())).sum()
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

/// The motif skeleton at 1 to 3 motifs per stage: the same decisions (a
/// motif's are shared by its uses), so the same count; more motif uses,
/// more modules; shapes infer. Zero motifs per stage is an error.
#[test]
fn motifs_per_stage_change_depth_not_decisions() {
    let registry = Registry::standard();
    for build in [flat, hierarchical] {
        let at = |motifs_per_stage| build(MotifSize { motifs_per_stage, ..MotifSize::CPU }).def();
        let one = at(1);
        for n in [2, 3] {
            let def = at(n);
            assert_eq!(def.count().unwrap(), one.count().unwrap());
            let (few, many) = (&decisions(&one, 5, 1)[0], &decisions(&def, 5, 1)[0]);
            let values = |a: &Architecture| a.decisions().iter().map(|d| d.value.clone()).collect::<Vec<_>>();
            assert_eq!(values(few), values(many), "{n} motifs per stage");
            assert!(many.modules().len() > few.modules().len(), "{n} motifs per stage");
            let report = infer_shapes(many, &[1, 28, 28], &registry).unwrap();
            assert_eq!(report.output(), [10]);
        }
        let err = at(0).sample_random(&mut archspace::rng(0)).expect_err("no motif in a stage");
        assert!(err.to_string().contains("at least one copy"), "{err}");
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

/// Uniform samples: each of the space's architectures equally likely.
const UNIFORM_SAMPLES: usize = 1_000;

/// Shape inference succeeds on both input sizes for `samples`, each of the
/// space's architectures at the CPU scale.
fn shapes_infer_for(paper: Paper, samples: &[Architecture]) {
    assert_eq!(samples.len(), UNIFORM_SAMPLES);
    let registry = Registry::standard();
    for (i, arch) in samples.iter().enumerate() {
        for input in [[1, 28, 28], [3, 32, 32]] {
            let report = infer_shapes(arch, &input, &registry)
                .unwrap_or_else(|e| panic!("{} uniform sample {i} on {input:?}: {e}", paper.name()));
            assert_eq!(report.output(), [10], "{}", paper.name());
        }
    }
}

/// A number below `bound`, uniformly.
fn below(rng: &mut impl Rng, bound: &BigUint) -> BigUint {
    let bits = bound.bits();
    loop {
        let words: Vec<u32> = (0..bits.div_ceil(32)).map(|_| rng.random()).collect();
        let candidate = BigUint::from_slice(&words) >> (words.len() as u64 * 32 - bits);
        if &candidate < bound {
            return candidate;
        }
    }
}

/// `n` architectures of `paper`'s space drawn uniformly, by rejection:
/// each decision is drawn uniformly over its whole domain, which gives an
/// assignment with domain sizes `m1, m2, ...` probability `1 / Π m`; it is
/// kept with probability `Π m / bound` (and never when invalid), so every
/// valid assignment is kept with probability `1 / bound`. `bound` is the
/// largest `Π m` of the space (checked on every draw). Also returns the
/// share of draws kept, which estimates `count / bound`.
///
/// The draw `r < bound` that decides is made first, so a draw is given up
/// as soon as `ceiling` (the largest `Π m` any completion of the values so
/// far can reach, if it knows one) is at most `r`.
fn uniform_by_rejection(
    paper: Paper,
    bound: &BigUint,
    ceiling: impl Fn(&[Value]) -> Option<BigUint>,
    n: usize,
) -> (Vec<Architecture>, f64) {
    let def = paper.space(Scale::Cpu);
    let mut rng = archspace::rng(17);
    let (mut kept, mut draws) = (Vec::with_capacity(n), 0usize);
    while kept.len() < n {
        draws += 1;
        let r = below(&mut rng, bound);
        let mut space = def.instantiate().expect("the space builds");
        let (mut product, mut values) = (BigUint::from(1u32), Vec::new());
        let mut keep = true;
        while let Some(h) = space.next_decision() {
            let domain = space.domain(h).expect("a decision has a domain").values();
            let index = rng.random_range(0..domain.len());
            product *= BigUint::from(domain.len());
            values.push(domain[index].clone());
            let given_up = ceiling(&values).is_some_and(|c| c <= r);
            if given_up || space.assign_index(h, index).is_err() {
                keep = false;
                break;
            }
        }
        if !keep {
            continue;
        }
        assert!(&product <= bound, "{}: a draw with Π m = {product} above the bound {bound}", paper.name());
        if let Ok(arch) = space.freeze()
            && r < product
        {
            kept.push(arch);
        }
    }
    (kept, n as f64 / draws as f64)
}

/// Shape inference for uniform samples of a space whose every assignment is
/// valid and has the same domain sizes (`count` equals their product, so
/// uniform per decision is uniform over architectures: no draw is rejected).
fn product_space_shapes_infer(paper: Paper) {
    let count = count(paper);
    let (samples, kept) = uniform_by_rejection(paper, &count, |_| None, UNIFORM_SAMPLES);
    assert_eq!(kept, 1.0, "{}", paper.name());
    shapes_infer_for(paper, &samples);
}

#[test]
fn genetic_shapes_infer_for_uniform_samples() {
    product_space_shapes_infer(Paper::Genetic);
}

#[test]
fn flat_shapes_infer_for_uniform_samples() {
    product_space_shapes_infer(Paper::Flat);
}

#[test]
fn nasnet_shapes_infer_for_uniform_samples() {
    product_space_shapes_infer(Paper::Nasnet);
}

/// The hierarchical space by rejection: the largest `Π m` is that of an
/// assignment using all six level-2 motifs (the level-3 edges' 6^4 · 7^6,
/// then 6^3 · 7^3 per motif); the share kept matches `count / bound`.
/// Once the 10 level-3 edges are drawn, the motifs they use fix `Π m`.
#[test]
fn hierarchical_shapes_infer_for_uniform_samples() {
    let motif = big(6u128.pow(3) * 7u128.pow(3));
    let level3 = big(6u128.pow(4) * 7u128.pow(6));
    let bound = &level3 * motif.pow(6);
    let ceiling = |values: &[Value]| {
        let edges = values.get(..10).filter(|_| values.len() == 10)?;
        let used: std::collections::BTreeSet<i64> = edges.iter().filter_map(Value::as_int).filter(|m| *m > 0).collect();
        Some(&level3 * motif.pow(used.len() as u32))
    };
    let (samples, kept) = uniform_by_rejection(Paper::Hierarchical, &bound, ceiling, UNIFORM_SAMPLES);
    let expected = ratio(&hierarchical_count(), &bound);
    // Draws until 1,000 are kept: negative binomial, relative sd about 1/√1000.
    assert!((kept / expected - 1.0).abs() < 0.15, "kept {kept:.4} of draws, {expected:.4} expected");
    shapes_infer_for(Paper::Hierarchical, &samples);
}

/// `a / b` as a float.
fn ratio(a: &BigUint, b: &BigUint) -> f64 {
    let shift = b.bits().saturating_sub(60);
    let float = |x: BigUint| x.to_string().parse::<f64>().expect("a decimal number");
    float(a >> shift) / float(b >> shift)
}

/// NAS-Bench's valid cells are under 1% of its flag settings, too few to
/// keep by rejection: an accepted flag setting is drawn in proportion to its
/// architectures (3^live, from the brute force above), its flags replayed
/// into the space and every operation drawn uniformly, so each architecture
/// has probability `3^live / count · 3^-live = 1 / count`.
#[test]
fn nasbench_shapes_infer_for_uniform_samples() {
    let settings = nasbench_valid_settings();
    let pairs = nasbench_pairs();
    let mut cumulative = Vec::with_capacity(settings.len());
    let mut total = 0u64;
    for s in settings {
        total += 3u64.pow(s.live.count_ones());
        cumulative.push(total);
    }
    assert_eq!(BigUint::from(total), count(Paper::Nasbench));
    let def = Paper::Nasbench.space(Scale::Cpu);
    let mut rng = archspace::rng(17);
    let samples: Vec<Architecture> = (0..UNIFORM_SAMPLES)
        .map(|_| {
            let r = rng.random_range(0..total);
            let setting = &settings[cumulative.partition_point(|c| *c <= r)];
            let mut space = def.instantiate().expect("the space builds");
            let mut operations = 0;
            while let Some(h) = space.next_decision() {
                let path = space.hyper_path(h);
                let edge = path.rsplit('/').next().and_then(|last| last.strip_prefix("edge_"));
                let index = match edge.and_then(|e| e.split_once('_')) {
                    Some((i, j)) => {
                        let pair = (i.parse().unwrap(), j.parse().unwrap());
                        let e = pairs.iter().position(|p| *p == pair).expect("an edge of the cell");
                        usize::from(setting.flags >> e & 1 == 1)
                    }
                    None => {
                        operations += 1;
                        rng.random_range(0..space.domain(h).map_or(1, |d| d.len()))
                    }
                };
                space.assign_index(h, index).unwrap_or_else(|e| panic!("{path}: {e}"));
            }
            assert_eq!(operations, setting.live.count_ones(), "one operation per node on a path");
            space.freeze().expect("an accepted setting is valid")
        })
        .collect();
    shapes_infer_for(Paper::Nasbench, &samples);
}
