//! The IDX format of MNIST and Fashion-MNIST, gzipped or raw.
//!
//! Images: magic `0x00000803`, then count, rows, columns (big-endian u32),
//! then `count·rows·columns` bytes. Labels: magic `0x00000801`, count, bytes.
//!
//! ```
//! use archspace_candle::data::idx;
//! let bytes = idx::encode_images(2, 2, 2, &[0, 1, 2, 3, 4, 5, 6, 7]);
//! let (count, rows, cols, pixels) = idx::decode_images(&bytes, "mem")?;
//! assert_eq!((count, rows, cols, pixels.len()), (2, 2, 2, 8));
//! assert!(idx::decode_images(&bytes[..10], "mem").is_err());
//! # Ok::<(), archspace_candle::BackendError>(())
//! ```

use std::io::{Read, Write};
use std::path::Path;

use crate::error::BackendError;

const IMAGES_MAGIC: u32 = 0x0000_0803;
const LABELS_MAGIC: u32 = 0x0000_0801;

/// Reads a file, gunzipping it if it starts with the gzip magic.
pub fn read_maybe_gzip(path: &Path) -> Result<Vec<u8>, BackendError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| BackendError::Io { file: file.clone(), source })?;
    gunzip_if_needed(bytes, &file)
}

/// Gunzips `bytes` if they start with the gzip magic `1f 8b`.
pub fn gunzip_if_needed(bytes: Vec<u8>, file: &str) -> Result<Vec<u8>, BackendError> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::with_capacity(bytes.len() * 2);
        flate2::read::GzDecoder::new(bytes.as_slice())
            .read_to_end(&mut out)
            .map_err(|e| BackendError::dataset(file, format!("bad gzip data: {e}")))?;
        Ok(out)
    } else {
        Ok(bytes)
    }
}

/// Gzips `bytes` (level 9, deterministic output).
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}

/// Reads `words` big-endian u32 header words, checking the magic number first.
fn header(bytes: &[u8], words: usize, magic: u32, what: &str, file: &str) -> Result<Vec<usize>, BackendError> {
    let word = |i: usize| u32::from_be_bytes([bytes[4 * i], bytes[4 * i + 1], bytes[4 * i + 2], bytes[4 * i + 3]]);
    if bytes.is_empty() {
        return Err(BackendError::dataset(file, format!("the file is empty (expected an IDX {what} file)")));
    }
    if bytes.len() >= 4 && word(0) != magic {
        return Err(BackendError::dataset(
            file,
            format!("wrong magic number {:#010x} for an IDX {what} file (expected {magic:#010x})", word(0)),
        ));
    }
    if bytes.len() < 4 * words {
        return Err(BackendError::dataset(
            file,
            format!("truncated header: {} bytes, need {}", bytes.len(), 4 * words),
        ));
    }
    Ok((0..words).map(|i| word(i) as usize).collect())
}

fn check_size(bytes: &[u8], header: usize, body: usize, file: &str) -> Result<(), BackendError> {
    let expected = header + body;
    match bytes.len() {
        n if n < expected => {
            Err(BackendError::dataset(file, format!("truncated: {n} bytes, the header announces {expected}")))
        }
        n if n > expected => {
            Err(BackendError::dataset(file, format!("{n} bytes, the header announces {expected}: trailing data")))
        }
        _ => Ok(()),
    }
}

/// Decodes an (uncompressed) IDX image file: `(count, rows, cols, pixels)`.
pub fn decode_images(bytes: &[u8], file: &str) -> Result<(usize, usize, usize, Vec<u8>), BackendError> {
    let h = header(bytes, 4, IMAGES_MAGIC, "images", file)?;
    let (count, rows, cols) = (h[1], h[2], h[3]);
    let body = count
        .checked_mul(rows)
        .and_then(|v| v.checked_mul(cols))
        .ok_or_else(|| BackendError::dataset(file, "sizes overflow"))?;
    check_size(bytes, 16, body, file)?;
    Ok((count, rows, cols, bytes[16..].to_vec()))
}

/// Decodes an (uncompressed) IDX label file, checking every label is below `classes`.
pub fn decode_labels(bytes: &[u8], classes: usize, file: &str) -> Result<Vec<u8>, BackendError> {
    let h = header(bytes, 2, LABELS_MAGIC, "labels", file)?;
    check_size(bytes, 8, h[1], file)?;
    let labels = bytes[8..].to_vec();
    if let Some((i, l)) = labels.iter().enumerate().find(|(_, l)| usize::from(**l) >= classes) {
        return Err(BackendError::dataset(file, format!("label {l} at index {i} is out of range (0..{classes})")));
    }
    Ok(labels)
}

/// Encodes images as an uncompressed IDX file.
pub fn encode_images(count: usize, rows: usize, cols: usize, pixels: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + pixels.len());
    for v in [IMAGES_MAGIC as usize, count, rows, cols] {
        out.extend_from_slice(&(v as u32).to_be_bytes());
    }
    out.extend_from_slice(pixels);
    out
}

/// Encodes labels as an uncompressed IDX file.
pub fn encode_labels(labels: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + labels.len());
    for v in [LABELS_MAGIC as usize, labels.len()] {
        out.extend_from_slice(&(v as u32).to_be_bytes());
    }
    out.extend_from_slice(labels);
    out
}
