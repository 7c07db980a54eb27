//! Datasets from their standard files, with validation, splits and normalisation.
//!
//! ```
//! use archspace_candle::data;
//! let (train, test) = data::fashion_mnist_subset()?;
//! let (train, validation) = train.split_off(1000, 0)?;
//! let norm = train.normalization();
//! let (x, y) = validation.batch(&[0, 1, 2], &norm, &candle_core::Device::Cpu)?;
//! assert_eq!((x.dims(), y.dims()), (&[3, 1, 28, 28][..], &[3][..]));
//! assert_eq!(test.len(), 1000);
//! # Ok::<(), archspace_candle::BackendError>(())
//! ```

pub mod cifar;
mod dataset;
mod fashion;
pub mod idx;

pub(crate) use dataset::shape_text;
pub use dataset::{Dataset, Normalization};
pub use fashion::{CLASS_NAMES, DEBIAN_DIR, fashion_mnist_subset, from_idx_bytes, load_idx_pair, load_mnist_dir};
