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
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ArchitectureHash(pub u128);

impl fmt::Display for ArchitectureHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.0)
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

impl Architecture {
    /// The canonical hash of this architecture's network (see [`ArchitectureHash`]).
    ///
    /// Module order in a frozen architecture is already canonical (depth-first
    /// from the outputs, inputs in port order), so module indices are
    /// canonical too; paths and decisions are left out.
    pub fn canonical_hash(&self) -> ArchitectureHash {
        thread_local! {
            // The encoding buffer, reused so hashing allocates nothing after warm-up.
            static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        BUFFER.with(|buffer| match buffer.try_borrow_mut() {
            Ok(mut out) => {
                out.clear();
                self.encode_canonical(&mut out);
                ArchitectureHash(xxh3_128(&out))
            }
            // Only reachable if hashing re-entered itself on this thread.
            Err(_) => {
                let mut out = Vec::new();
                self.encode_canonical(&mut out);
                ArchitectureHash(xxh3_128(&out))
            }
        })
    }

    /// The fixed byte encoding the canonical hash is computed over.
    fn encode_canonical(&self, out: &mut Vec<u8>) {
        out.reserve(64 * (self.modules.len() + 1));
        out.extend_from_slice(b"archspace-arch-v1");
        out.extend_from_slice(&(self.inputs.len() as u64).to_le_bytes());
        for name in &self.inputs {
            put_str(out, name);
        }
        out.extend_from_slice(&(self.modules.len() as u64).to_le_bytes());
        for m in &self.modules {
            put_str(out, &m.op);
            out.extend_from_slice(&(m.params.len() as u64).to_le_bytes());
            for (name, value) in &m.params {
                put_str(out, name);
                value.encode(out);
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
        out.extend_from_slice(&(self.outputs.len() as u64).to_le_bytes());
        for (name, src) in &self.outputs {
            put_str(out, name);
            put_source(out, src);
        }
        out.extend_from_slice(&(self.globals.len() as u64).to_le_bytes());
        for (path, value) in &self.globals {
            put_str(out, path);
            value.encode(out);
        }
    }
}
