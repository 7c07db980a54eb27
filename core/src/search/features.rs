//! Structural features of an architecture for surrogate models, hashed
//! stably into a fixed number of buckets.
//!
//! DeepArchitect hashed strings with Python's per-process randomized `hash()`
//! and used counter-suffixed scope names; here every feature is keyed by
//! path and hashed with XXH3-64 over a fixed byte encoding, so features are
//! the same across runs, machines and saved states.

use xxhash_rust::xxh3::xxh3_64;

use crate::architecture::{Architecture, Source};

/// A sparse feature vector: `(bucket, count)`, sorted by bucket, no repeats.
pub type SparseFeatures = Vec<(u32, f64)>;

fn put_str(buf: &mut Vec<u8>, s: &str) {
    buf.extend_from_slice(&(s.len() as u64).to_le_bytes());
    buf.extend_from_slice(s.as_bytes());
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
    let buckets = buckets.max(1);
    let mut hashes: Vec<u32> = Vec::with_capacity(arch.modules().len() * 4 + arch.decisions().len());
    let mut buf: Vec<u8> = Vec::with_capacity(128);
    let mut emit = |buf: &mut Vec<u8>| {
        hashes.push((xxh3_64(buf) % u64::from(buckets)) as u32);
        buf.clear();
    };
    let modules = arch.modules();
    for m in modules {
        buf.push(1);
        put_str(&mut buf, &m.path);
        put_str(&mut buf, &m.op);
        emit(&mut buf);
        for (name, value) in &m.params {
            buf.push(2);
            put_str(&mut buf, &m.path);
            put_str(&mut buf, name);
            value.encode(&mut buf);
            emit(&mut buf);
        }
        for (name, source) in &m.inputs {
            buf.push(3);
            match *source {
                Source::Input { index } => {
                    buf.push(0);
                    buf.extend_from_slice(&(index as u64).to_le_bytes());
                }
                Source::Module { module, output } => {
                    buf.push(1);
                    let from = &modules[module];
                    put_str(&mut buf, &from.path);
                    put_str(&mut buf, from.outputs.get(output).map_or("", |n| n.as_ref()));
                }
            }
            put_str(&mut buf, &m.path);
            put_str(&mut buf, name);
            emit(&mut buf);
        }
    }
    for d in arch.decisions() {
        buf.push(4);
        put_str(&mut buf, &d.path);
        d.value.encode(&mut buf);
        emit(&mut buf);
    }
    hashes.sort_unstable();
    let mut out: SparseFeatures = Vec::with_capacity(hashes.len());
    for h in hashes {
        match out.last_mut() {
            Some((last, count)) if *last == h => *count += 1.0,
            _ => out.push((h, 1.0)),
        }
    }
    out
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

    #[test]
    fn sparse_dot_matches_dense() {
        let a = vec![(1, 2.0), (4, 1.0), (9, 3.0)];
        let b = vec![(0, 5.0), (4, 2.0), (9, 1.0)];
        assert_eq!(sparse_dot(&a, &b), 5.0);
        assert_eq!(sparse_dot(&a, &a), 14.0);
    }
}
