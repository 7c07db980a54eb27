//! Canonical hashing of architectures.

use std::fmt;

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_128;

use super::{Architecture, Source};

/// A 128-bit canonical hash of an architecture's network.
///
/// Equal networks hash equal whatever decisions or paths produced them (an
/// `optional` left out and a `repeat` of an identity give the same network);
/// the hash covers ops, parameter values, connections, port names and carried
/// hyperparameters, and is stable across runs, machines and versions of Rust
/// (XXH3-128 over a fixed little-endian encoding).
///
/// It displays, parses and serializes as 32 hexadecimal digits (as a search
/// log's `hash`): JSON numbers do not hold 128 bits.
///
/// ```
/// use archspace_core::ArchitectureHash;
/// let hash = ArchitectureHash(u128::MAX - 1);
/// let text = serde_json::to_string(&hash).unwrap();
/// assert_eq!(text, "\"fffffffffffffffffffffffffffffffe\"");
/// assert_eq!(serde_json::from_str::<ArchitectureHash>(&text).unwrap(), hash);
/// assert_eq!(hash.to_string().parse::<ArchitectureHash>(), Ok(hash));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ArchitectureHash(pub u128);

impl fmt::Display for ArchitectureHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

impl std::str::FromStr for ArchitectureHash {
    type Err = std::num::ParseIntError;

    /// Reads the hexadecimal text of [`Display`](fmt::Display).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        u128::from_str_radix(text, 16).map(ArchitectureHash)
    }
}

impl Serialize for ArchitectureHash {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ArchitectureHash {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(deserializer)?;
        text.parse().map_err(|e| serde::de::Error::custom(format!("architecture hash `{text}`: {e}")))
    }
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u64).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn put_source(out: &mut Vec<u8>, src: &Source) {
    match *src {
        Source::Input { index } => {
            out.push(0);
            out.extend_from_slice(&(index as u64).to_le_bytes());
        }
        Source::Module { module, output } => {
            out.push(1);
            out.extend_from_slice(&(module as u64).to_le_bytes());
            out.extend_from_slice(&(output as u64).to_le_bytes());
        }
    }
}

/// A value of an architecture that the canonical encoding covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ValueSite {
    /// Parameter `param` of module `module`.
    Param { module: usize, param: usize },
    /// Carried global number `index`.
    Global(usize),
}

/// The canonical encoding of an architecture with some of its values cut
/// out: architectures that differ only in those values hash by encoding just
/// the values into the gaps.
#[derive(Clone, Debug)]
pub(crate) struct EncodingTemplate {
    /// The encoding without the cut values.
    bytes: Vec<u8>,
    /// Where each cut value goes in `bytes`, in encoding order.
    cuts: Vec<usize>,
}

/// The canonical hash computed when an architecture was made, if it was.
/// Not part of the architecture's data: it compares equal whatever it holds,
/// and is neither serialized nor shown.
#[derive(Clone, Copy, Default)]
pub(crate) struct KnownHash(pub(crate) Option<ArchitectureHash>);

impl PartialEq for KnownHash {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl fmt::Debug for KnownHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("_")
    }
}

thread_local! {
    // The encoding buffer, reused so hashing allocates nothing after warm-up.
    static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// XXH3-128 of the bytes `encode` writes, in this thread's reused buffer.
fn hash_encoding(encode: impl FnOnce(&mut Vec<u8>)) -> ArchitectureHash {
    BUFFER.with(|buffer| match buffer.try_borrow_mut() {
        Ok(mut out) => {
            out.clear();
            encode(&mut out);
            ArchitectureHash(xxh3_128(&out))
        }
        // Only reachable if hashing re-entered itself on this thread.
        Err(_) => {
            let mut out = Vec::new();
            encode(&mut out);
            ArchitectureHash(xxh3_128(&out))
        }
    })
}

impl Architecture {
    /// The canonical hash of this architecture's network (see [`ArchitectureHash`]).
    ///
    /// Module order in a frozen architecture is already canonical (depth-first
    /// from the outputs, inputs in port order), so module indices are
    /// canonical too; paths and decisions are left out.
    pub fn canonical_hash(&self) -> ArchitectureHash {
        if let Some(hash) = self.known_hash.0 {
            return hash;
        }
        hash_encoding(|out| self.encode_canonical(out, |_, _, _| {}))
    }

    /// The encoding of this architecture with the values at `sites` (in
    /// encoding order: parameters by module and position, then globals) cut out.
    pub(crate) fn encoding_template(&self, sites: &[ValueSite]) -> EncodingTemplate {
        let mut full = Vec::new();
        let mut ranges = Vec::with_capacity(sites.len());
        self.encode_canonical(&mut full, |site, start, end| {
            if sites.get(ranges.len()) == Some(&site) {
                ranges.push((start, end));
            }
        });
        let mut bytes = Vec::with_capacity(full.len());
        let mut cuts = Vec::with_capacity(ranges.len());
        let mut kept_from = 0;
        for (start, end) in ranges {
            bytes.extend_from_slice(&full[kept_from..start]);
            cuts.push(bytes.len());
            kept_from = end;
        }
        bytes.extend_from_slice(&full[kept_from..]);
        EncodingTemplate { bytes, cuts }
    }

    /// The canonical hash of an architecture whose encoding is `template`
    /// with `values` (one per cut, in order) encoded into the cuts.
    pub(crate) fn hash_from_template<'a>(
        template: &EncodingTemplate,
        values: impl Iterator<Item = &'a crate::Value>,
    ) -> ArchitectureHash {
        hash_encoding(|out| {
            out.reserve(template.bytes.len() + 16 * template.cuts.len());
            let mut kept_from = 0;
            for (&cut, value) in template.cuts.iter().zip(values) {
                out.extend_from_slice(&template.bytes[kept_from..cut]);
                value.encode(out);
                kept_from = cut;
            }
            out.extend_from_slice(&template.bytes[kept_from..]);
        })
    }

    /// The fixed byte encoding the canonical hash is computed over; `site`
    /// learns where each value's bytes start and end.
    fn encode_canonical(&self, out: &mut Vec<u8>, mut site: impl FnMut(ValueSite, usize, usize)) {
        let modules = self.modules();
        out.reserve(64 * (modules.len() + 1));
        out.extend_from_slice(b"archspace-arch-v1");
        out.extend_from_slice(&(self.inputs().len() as u64).to_le_bytes());
        for name in self.inputs() {
            put_str(out, name);
        }
        out.extend_from_slice(&(modules.len() as u64).to_le_bytes());
        for (module, m) in modules.iter().enumerate() {
            put_str(out, &m.op);
            out.extend_from_slice(&(m.params.len() as u64).to_le_bytes());
            for (param, (name, value)) in m.params.iter().enumerate() {
                put_str(out, name);
                let start = out.len();
                value.encode(out);
                site(ValueSite::Param { module, param }, start, out.len());
            }
            out.extend_from_slice(&(m.inputs.len() as u64).to_le_bytes());
            for (name, src) in &m.inputs {
                put_str(out, name);
                put_source(out, src);
            }
            out.extend_from_slice(&(m.outputs.len() as u64).to_le_bytes());
            for name in &m.outputs {
                put_str(out, name);
            }
        }
        out.extend_from_slice(&(self.outputs().len() as u64).to_le_bytes());
        for (name, src) in self.outputs() {
            put_str(out, name);
            put_source(out, src);
        }
        out.extend_from_slice(&(self.globals().len() as u64).to_le_bytes());
        for (index, (path, value)) in self.globals().iter().enumerate() {
            put_str(out, path);
            let start = out.len();
            value.encode(out);
            site(ValueSite::Global(index), start, out.len());
        }
    }
}
