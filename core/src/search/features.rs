//! Structural features of an architecture for surrogate models, hashed
//! stably into a fixed number of buckets.
//!
//! DeepArchitect hashed strings with Python's per-process randomized `hash()`
//! and used counter-suffixed scope names; here every feature is keyed by
//! path and hashed with XXH3-64 over a fixed byte encoding, so features are
//! the same across runs, machines and saved states.

use xxhash_rust::xxh3::xxh3_64;

use crate::architecture::{Architecture, Source};
use crate::error::SpecError;
use crate::ids::ModuleId;
use crate::space::records::ModuleKind;
use crate::space::{ModuleSink, Space};
use crate::value::{Value, canonical_float_bits};

/// A sparse feature vector: `(bucket, count)`, sorted by bucket, no repeats.
pub type SparseFeatures = Vec<(u32, f64)>;

/// Accumulates hashed features. Every feature is a fixed number of 64-bit
/// words (a kind tag, then XXH3-64 hashes of paths and names and hashes of
/// values) combined by a fixed integer mixer, so the encoding is unambiguous
/// and the same everywhere.
struct FeatureHasher {
    buckets: u64,
    hashes: Vec<u32>,
    /// Path hash of each module given so far, by architecture index.
    paths: Vec<u64>,
    /// Reused buffer for value encodings.
    bytes: Vec<u8>,
}

const MODULE: u64 = 1;
const PARAM: u64 = 2;
const INPUT: u64 = 3;
const DECISION: u64 = 4;

fn text(s: &str) -> u64 {
    xxh3_64(s.as_bytes())
}

/// The splitmix64 finalizer (Steele, Lea and Flood, 2014).
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl FeatureHasher {
    fn new(buckets: u32, modules: usize) -> Self {
        FeatureHasher {
            buckets: u64::from(buckets.max(1)),
            hashes: Vec::with_capacity(modules * 4),
            paths: Vec::with_capacity(modules),
            bytes: Vec::with_capacity(32),
        }
    }

    /// Combines the words with the splitmix64 finalizer, one word at a time
    /// (pure integer arithmetic: the same on every machine).
    fn push<const N: usize>(&mut self, words: [u64; N]) {
        let mut h = 0x9E37_79B9_7F4A_7C15 ^ N as u64;
        for word in words {
            h = mix(h ^ word);
        }
        self.hashes.push((h % self.buckets) as u32);
    }

    /// A hash of a value's canonical encoding; scalars without the buffer.
    fn value(&mut self, value: &Value) -> u64 {
        match value {
            Value::Bool(v) => mix(1 ^ (u64::from(*v) << 8)),
            Value::Int(v) => mix(mix(2) ^ *v as u64),
            Value::Float(v) => mix(mix(3) ^ canonical_float_bits(*v)),
            Value::Str(_) | Value::List(_) => {
                self.bytes.clear();
                value.encode(&mut self.bytes);
                xxh3_64(&self.bytes)
            }
        }
    }

    /// A module with its op; returns its path hash for the parameter and input features.
    fn module(&mut self, path: &str, op: &str) -> u64 {
        let path = text(path);
        self.paths.push(path);
        self.push([MODULE, path, text(op)]);
        path
    }

    fn param(&mut self, module: u64, name: &str, value: &Value) {
        let value = self.value(value);
        self.push([PARAM, module, text(name), value]);
    }

    /// Input `name` of a module reading `source` (`output`: the source module's output name).
    fn input(&mut self, module: u64, name: &str, source: Source, output: &str) {
        let from = match source {
            Source::Input { index } => [0, index as u64, 0],
            Source::Module { module: m, .. } => [1, self.paths.get(m).copied().unwrap_or(0), text(output)],
        };
        self.push([INPUT, from[0], from[1], from[2], module, text(name)]);
    }

    fn decision(&mut self, path: &str, value: &Value) {
        let value = self.value(value);
        self.push([DECISION, text(path), value]);
    }

    fn finish(self) -> SparseFeatures {
        FeatureBag { buckets: self.hashes }.into_sparse()
    }
}

/// The features of one architecture as the bucket of each feature, in the
/// order they were hashed (repeats kept): enough to score a candidate under
/// a linear surrogate ([`RidgeSurrogate::predict_bag`](super::surrogate::RidgeSurrogate::predict_bag))
/// without sorting; [`into_sparse`](Self::into_sparse) gives the sorted
/// vector for the one candidate kept.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct FeatureBag {
    pub(crate) buckets: Vec<u32>,
}

impl FeatureBag {
    /// The sparse vector: `(bucket, count)`, sorted by bucket, no repeats.
    pub(crate) fn into_sparse(mut self) -> SparseFeatures {
        self.buckets.sort_unstable();
        let mut out: SparseFeatures = Vec::with_capacity(self.buckets.len());
        for h in self.buckets {
            match out.last_mut() {
                Some((last, count)) if *last == h => *count += 1.0,
                _ => out.push((h, 1.0)),
            }
        }
        out
    }
}

/// Buffers for [`space_features`], kept per thread so that scoring many
/// candidates allocates only each candidate's bag.
#[derive(Default)]
struct Scratch {
    ids: Vec<ModuleId>,
    paths: Vec<u64>,
    path: String,
    bytes: Vec<u8>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
}

/// Hashes the features of `arch` into `buckets` buckets (must be > 0):
/// - each module's op, keyed by its path (`left/1/conv2d` is `conv2d`);
/// - each op parameter's value, keyed by module path and parameter name;
/// - each connection, from (module path, output) or input index to (module path, input);
/// - each decision's value, keyed by the decision's path.
///
/// ```
/// use archspace_core::search::architecture_features;
/// use archspace_core::{choice, Op, SpaceDef};
/// let def = SpaceDef::new(|s| s.basic(Op::new("dense").param("units", choice([8, 16]))));
/// let arch = def.replay_values(&[8.into()])?;
/// let f = architecture_features(&arch, 1024);
/// assert_eq!(f, architecture_features(&def.replay_values(&[8.into()])?, 1024));
/// assert_ne!(f, architecture_features(&def.replay_values(&[16.into()])?, 1024));
/// # Ok::<(), archspace_core::SpecError>(())
/// ```
pub fn architecture_features(arch: &Architecture, buckets: u32) -> SparseFeatures {
    let mut hasher = FeatureHasher::new(buckets, arch.modules().len());
    let modules = arch.modules();
    for m in modules {
        let path = hasher.module(&m.path, &m.op);
        for (name, value) in &m.params {
            hasher.param(path, name, value);
        }
        for (name, source) in &m.inputs {
            let output = match *source {
                Source::Module { module, output } => {
                    modules.get(module).and_then(|from| from.outputs.get(output)).map_or("", |n| n.as_ref())
                }
                Source::Input { .. } => "",
            };
            hasher.input(path, name, *source, output);
        }
    }
    for d in arch.decisions() {
        hasher.decision(&d.path, &d.value);
    }
    hasher.finish()
}

/// Only the decisions of `arch`, each `(path, value)` hashed into one of
/// `buckets` buckets: a one-hot encoding of the decisions keyed by path,
/// which works for any space (a decision that a structure lacks is simply
/// absent). Two architectures' squared distance is twice the number of
/// decisions in which they differ (up to hash collisions).
///
/// ```
/// use archspace_core::search::decision_features;
/// use archspace_core::{choice, Op, SpaceDef};
/// let def = SpaceDef::new(|s| s.basic(Op::new("dense").param("units", choice([8, 16])).param("act", choice(["relu", "gelu"]))));
/// let a = decision_features(&def.replay_values(&[8.into(), "relu".into()])?, 1 << 16);
/// let b = decision_features(&def.replay_values(&[8.into(), "gelu".into()])?, 1 << 16);
/// assert_eq!((a.len(), b.len()), (2, 2));
/// assert_eq!(a.iter().filter(|x| b.contains(x)).count(), 1, "they share the units decision");
/// # Ok::<(), archspace_core::SpecError>(())
/// ```
pub fn decision_features(arch: &Architecture, buckets: u32) -> SparseFeatures {
    let mut hasher = FeatureHasher::new(buckets, 0);
    for d in arch.decisions() {
        hasher.decision(&d.path, &d.value);
    }
    hasher.finish()
}

/// Reads features off a specified space's modules without building an architecture.
struct SpaceFeatures {
    hasher: FeatureHasher,
    /// The space's module behind each architecture index.
    ids: Vec<ModuleId>,
    path: String,
}

impl ModuleSink for SpaceFeatures {
    fn module(&mut self, space: &Space, m: ModuleId, sources: &[Source]) -> Result<(), SpecError> {
        let rec = &space.modules[m.index()];
        let ModuleKind::Basic { op, params } = &space.module_def(m).kind else {
            return Err(space.not_basic(m));
        };
        self.path.clear();
        space.push_module_path(m, &mut self.path);
        let path = self.hasher.module(&self.path, op);
        for (name, slot) in params {
            self.hasher.param(path, name, space.frozen_slot_value(slot)?);
        }
        for (input, source) in rec.inputs.iter().zip(sources) {
            let output = match *source {
                Source::Module { module, output } => self
                    .ids
                    .get(module)
                    .and_then(|from| space.modules[from.index()].outputs.get(output))
                    .map_or("", |o| space.output_name(o).as_ref()),
                Source::Input { .. } => "",
            };
            self.hasher.input(path, space.input_name(input), *source, output);
        }
        self.ids.push(m);
        Ok(())
    }
}

/// The features [`architecture_features`] gives for `space.freeze()` (as a
/// bag: `space_features(s)?.into_sparse() == architecture_features(&s.freeze()?)`),
/// read off the specified space directly: the searchers score many
/// candidates and freeze only the one they propose.
pub(crate) fn space_features(space: &mut Space, buckets: u32) -> Result<FeatureBag, SpecError> {
    let hashes = Vec::with_capacity(space.modules.len() * 4);
    Ok(FeatureBag { buckets: hash_space(space, buckets, hashes)? })
}

thread_local! {
    static BAG: std::cell::RefCell<FeatureBag> = std::cell::RefCell::default();
}

/// `score` of [`space_features`], with the bag in a per-thread buffer: scoring
/// a candidate that is then dropped allocates nothing.
pub(crate) fn score_space(
    space: &mut Space,
    buckets: u32,
    score: impl FnOnce(&FeatureBag) -> f64,
) -> Result<f64, SpecError> {
    let buffer = BAG.with(|b| std::mem::take(&mut b.borrow_mut().buckets));
    let bag = FeatureBag { buckets: hash_space(space, buckets, buffer)? };
    let scored = score(&bag);
    BAG.with(|b| *b.borrow_mut() = bag);
    Ok(scored)
}

/// Hashes the features of a specified space into `hashes` (cleared first).
fn hash_space(space: &mut Space, buckets: u32, mut hashes: Vec<u32>) -> Result<Vec<u32>, SpecError> {
    let mut scratch = SCRATCH.with(|s| std::mem::take(&mut *s.borrow_mut()));
    scratch.ids.clear();
    scratch.paths.clear();
    hashes.clear();
    let sink = SpaceFeatures {
        hasher: FeatureHasher {
            buckets: u64::from(buckets.max(1)),
            hashes,
            paths: scratch.paths,
            bytes: scratch.bytes,
        },
        ids: scratch.ids,
        path: scratch.path,
    };
    let walked = space.walk_specified(sink);
    let (mut sink, _) = walked?;
    for d in &space.made {
        sink.path.clear();
        space.push_hyper_path(d.hyper, &mut sink.path);
        if let Some(value) = space.value_of(d.hyper) {
            sink.hasher.decision(&sink.path, value);
        }
    }
    let SpaceFeatures { hasher: FeatureHasher { hashes, paths, bytes, .. }, ids, path } = sink;
    SCRATCH.with(|s| *s.borrow_mut() = Scratch { ids, paths, path, bytes });
    Ok(hashes)
}

/// Dot product of two sparse vectors sorted by index.
pub(crate) fn sparse_dot(a: &[(u32, f64)], b: &[(u32, f64)]) -> f64 {
    let (mut i, mut j, mut sum) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                sum += a[i].1 * b[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A space with identities, optional, or, residual and shared ports, so
    /// the walk resolves sources through removed modules.
    fn mixed_space() -> crate::SpaceDef {
        use crate::{Alternatives, Op, choice};
        crate::SpaceDef::new(|s| {
            let stem = s.named("stem").basic(Op::new("conv").param("filters", choice([8, 16])))?;
            let body = s.named("body").residual(
                |s| s.optional(|s| s.basic(Op::new("act").param("kind", choice(["relu", "gelu"])))),
                |s| s.identity(),
                |s| s.basic(Op::new("add").inputs_indexed(2)),
            )?;
            let pick = s
                .named("pick")
                .or(Alternatives::list().with(|s| s.basic(Op::new("pool"))).with(|s| s.identity()).with(|s| {
                    s.repeat(choice([1, 2]), |s| s.basic(Op::new("dense").param("units", choice([4, 8]))))
                }))?;
            s.chain(&stem, &body)?;
            s.chain(&body, &pick)?;
            Ok(s.border_of(&stem, &pick))
        })
    }

    #[test]
    fn space_features_equal_the_frozen_architectures_features() {
        let mut rng = crate::rng(7);
        for def in [crate::spaces::seed(), mixed_space()] {
            let mut seen = std::collections::HashSet::new();
            for _ in 0..200 {
                let mut space = def.instantiate().unwrap();
                space.specify_random(&mut rng).unwrap();
                let from_space = space_features(&mut space, 4096).unwrap().into_sparse();
                let arch = space.freeze().unwrap();
                assert_eq!(from_space, architecture_features(&arch, 4096), "{arch}");
                seen.insert(arch.canonical_hash());
            }
            assert!(seen.len() > 10, "the samples should differ");
        }
    }

    #[test]
    fn space_features_need_a_specified_space() {
        let mut space = crate::spaces::seed().instantiate().unwrap();
        assert!(matches!(space_features(&mut space, 64), Err(SpecError::Unspecified { .. })));
    }

    #[test]
    fn features_separate_values_paths_and_connections() {
        let def = mixed_space();
        let mut rng = crate::rng(3);
        let a = def.sample_random(&mut rng).unwrap();
        let mut b = a.clone();
        b.modules_mut()[0].path = "elsewhere".into();
        assert_ne!(architecture_features(&a, 1 << 20), architecture_features(&b, 1 << 20));
    }

    #[test]
    fn sparse_dot_matches_dense() {
        let a = vec![(1, 2.0), (4, 1.0), (9, 3.0)];
        let b = vec![(0, 5.0), (4, 2.0), (9, 1.0)];
        assert_eq!(sparse_dot(&a, &b), 5.0);
        assert_eq!(sparse_dot(&a, &a), 14.0);
    }
}
