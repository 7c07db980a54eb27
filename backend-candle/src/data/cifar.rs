//! CIFAR-10 binary batches: records of one label byte and 3·32·32 pixel
//! bytes (red plane, green plane, blue plane).
//!
//! ```
//! use archspace_candle::data::cifar;
//! let mut record = vec![3u8];
//! record.extend(std::iter::repeat(7u8).take(3072));
//! let set = cifar::decode_batch(&record, "mem")?;
//! assert_eq!((set.len(), set.labels[0]), (1, 3));
//! assert!(cifar::decode_batch(&record[..100], "mem").is_err());
//! # Ok::<(), archspace_candle::BackendError>(())
//! ```

use std::path::Path;

use super::dataset::Dataset;
use crate::error::BackendError;

/// Bytes of one record.
pub const RECORD: usize = 1 + 3 * 32 * 32;

/// Decodes one binary batch.
pub fn decode_batch(bytes: &[u8], file: &str) -> Result<Dataset, BackendError> {
    if bytes.is_empty() || !bytes.len().is_multiple_of(RECORD) {
        return Err(BackendError::dataset(
            file,
            format!(
                "{} bytes is not a whole number of {RECORD}-byte CIFAR-10 records (truncated or not CIFAR-10)",
                bytes.len()
            ),
        ));
    }
    let count = bytes.len() / RECORD;
    let mut images = Vec::with_capacity(count * (RECORD - 1));
    let mut labels = Vec::with_capacity(count);
    for (i, record) in bytes.chunks_exact(RECORD).enumerate() {
        if record[0] >= 10 {
            return Err(BackendError::dataset(
                file,
                format!("label {} of record {i} is out of range (0..10)", record[0]),
            ));
        }
        labels.push(record[0]);
        images.extend_from_slice(&record[1..]);
    }
    Dataset::new(images, labels, [3, 32, 32], 10)
}

/// Reads and concatenates several batch files.
pub fn read_batches(paths: &[&Path]) -> Result<Dataset, BackendError> {
    let mut all: Option<Dataset> = None;
    for path in paths {
        let file = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| BackendError::Io { file: file.clone(), source })?;
        let set = decode_batch(&bytes, &file)?;
        all = Some(match all {
            None => set,
            Some(prev) => prev.concat(&set)?,
        });
    }
    all.ok_or_else(|| BackendError::Config("no CIFAR-10 batch files given".into()))
}

/// Loads `data_batch_1.bin` … `data_batch_5.bin` and `test_batch.bin` from `dir`.
pub fn load_dir(dir: &Path) -> Result<(Dataset, Dataset), BackendError> {
    let train: Vec<_> = (1..=5).map(|i| dir.join(format!("data_batch_{i}.bin"))).collect();
    let train = read_batches(&train.iter().map(|p| p.as_path()).collect::<Vec<_>>())?;
    let test = read_batches(&[&dir.join("test_batch.bin")])?;
    Ok((train, test))
}
