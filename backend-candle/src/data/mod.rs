//! Datasets from their standard files, with validation, splits and normalisation.

pub mod cifar;
mod dataset;
mod fashion;
pub mod idx;

pub use dataset::{Dataset, Normalization};
pub use fashion::{CLASS_NAMES, DEBIAN_DIR, fashion_mnist_subset, from_idx_bytes, load_idx_pair, load_mnist_dir};
