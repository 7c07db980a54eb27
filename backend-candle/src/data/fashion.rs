//! Fashion-MNIST: the full set from its IDX files, and the balanced real
//! subset embedded in this crate (6,000 train / 1,000 test images, MIT
//! licence, © 2017 Zalando SE; see `data/fashion-mnist-subset/README.md`).
//!
//! ```
//! let (train, test) = archspace_candle::data::fashion_mnist_subset()?;
//! assert_eq!((train.len(), test.len()), (6000, 1000));
//! assert_eq!(train.shape, [1, 28, 28]);
//! # Ok::<(), archspace_candle::BackendError>(())
//! ```

use std::path::Path;

use super::dataset::Dataset;
use super::idx;
use crate::error::BackendError;

/// Where Debian's `dataset-fashion-mnist` package installs the full set.
pub const DEBIAN_DIR: &str = "/usr/share/datasets/fashion-mnist";

/// Fashion-MNIST's class names, by label.
pub const CLASS_NAMES: [&str; 10] =
    ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

const SUBSET_TRAIN_IMAGES: &[u8] = include_bytes!("../../data/fashion-mnist-subset/train-images-idx3-ubyte.gz");
const SUBSET_TRAIN_LABELS: &[u8] = include_bytes!("../../data/fashion-mnist-subset/train-labels-idx1-ubyte.gz");
const SUBSET_TEST_IMAGES: &[u8] = include_bytes!("../../data/fashion-mnist-subset/t10k-images-idx3-ubyte.gz");
const SUBSET_TEST_LABELS: &[u8] = include_bytes!("../../data/fashion-mnist-subset/t10k-labels-idx1-ubyte.gz");

/// Builds a dataset from IDX image and label bytes (gzipped or raw); errors
/// name `"<name> images"` or `"<name> labels"`, whichever is at fault.
pub fn from_idx_bytes(images: Vec<u8>, labels: Vec<u8>, name: &str) -> Result<Dataset, BackendError> {
    decode_pair(images, &format!("{name} images"), labels, &format!("{name} labels"))
}

/// Decodes an image file and a label file; every error names the file at
/// fault (`images_file` or `labels_file`).
fn decode_pair(
    images: Vec<u8>,
    images_file: &str,
    labels: Vec<u8>,
    labels_file: &str,
) -> Result<Dataset, BackendError> {
    let (count, rows, cols, pixels) = idx::decode_images(&idx::gunzip_if_needed(images, images_file)?, images_file)?;
    let labels = idx::decode_labels(&idx::gunzip_if_needed(labels, labels_file)?, 10, labels_file)?;
    if labels.len() != count {
        return Err(BackendError::dataset(
            labels_file,
            format!("{} labels, but the image file `{images_file}` holds {count} images", labels.len()),
        ));
    }
    Dataset::new(pixels, labels, [1, rows, cols], 10)
}

/// Loads an image/label IDX pair (MNIST or Fashion-MNIST), gzipped or raw;
/// an error names the file at fault.
pub fn load_idx_pair(images: &Path, labels: &Path) -> Result<Dataset, BackendError> {
    let read = |p: &Path| std::fs::read(p).map_err(|source| BackendError::Io { file: p.display().to_string(), source });
    decode_pair(read(images)?, &images.display().to_string(), read(labels)?, &labels.display().to_string())
}

fn find(dir: &Path, stem: &str) -> std::path::PathBuf {
    let gz = dir.join(format!("{stem}.gz"));
    if gz.exists() { gz } else { dir.join(stem) }
}

/// Loads the standard four files from `dir` (`train-images-idx3-ubyte[.gz]`, …):
/// `(train, test)`. Works for MNIST and Fashion-MNIST. The test images must
/// have the training images' shape.
pub fn load_mnist_dir(dir: &Path) -> Result<(Dataset, Dataset), BackendError> {
    let train_images = find(dir, "train-images-idx3-ubyte");
    let test_images = find(dir, "t10k-images-idx3-ubyte");
    let train = load_idx_pair(&train_images, &find(dir, "train-labels-idx1-ubyte"))?;
    let test = load_idx_pair(&test_images, &find(dir, "t10k-labels-idx1-ubyte"))?;
    let test_name = format!("the test set `{}`", test_images.display());
    test.check_matches(&test_name, &train, &format!("the training set `{}`", train_images.display()))?;
    Ok((train, test))
}

/// The embedded balanced subset: `(train, test)`.
pub fn fashion_mnist_subset() -> Result<(Dataset, Dataset), BackendError> {
    let train = from_idx_bytes(SUBSET_TRAIN_IMAGES.to_vec(), SUBSET_TRAIN_LABELS.to_vec(), "embedded train subset")?;
    let test = from_idx_bytes(SUBSET_TEST_IMAGES.to_vec(), SUBSET_TEST_LABELS.to_vec(), "embedded test subset")?;
    test.check_matches("the embedded test subset", &train, "the embedded training subset")?;
    Ok((train, test))
}
