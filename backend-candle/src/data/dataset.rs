//! An in-memory labelled image set, splits and normalisation.
//!
//! ```
//! use archspace_candle::data::Dataset;
//! let set = Dataset::new(vec![0, 255, 10, 20], vec![0, 1], [1, 1, 2], 2)?;
//! let (a, b) = set.split_off(1, 7)?;
//! assert_eq!((a.len(), b.len()), (1, 1));
//! assert!(Dataset::new(vec![0; 3], vec![0, 1], [1, 1, 2], 2).is_err());
//! # Ok::<(), archspace_candle::BackendError>(())
//! ```

use candle_core::{Device, Tensor};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::error::BackendError;

/// Images as bytes `[N, C, H, W]` and their labels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dataset {
    /// Pixels, sample after sample, channel planes in order.
    pub images: Vec<u8>,
    /// One label per sample, below `classes`.
    pub labels: Vec<u8>,
    /// `[C, H, W]` of one sample.
    pub shape: [usize; 3],
    /// Number of classes.
    pub classes: usize,
}

/// Per-channel mean and standard deviation, on the `[0, 1]` pixel scale.
#[derive(Clone, Debug, PartialEq)]
pub struct Normalization {
    /// Mean per channel.
    pub mean: Vec<f32>,
    /// Standard deviation per channel.
    pub std: Vec<f32>,
}

impl Dataset {
    /// A dataset, checking sizes and labels.
    pub fn new(images: Vec<u8>, labels: Vec<u8>, shape: [usize; 3], classes: usize) -> Result<Self, BackendError> {
        let per: usize = shape.iter().product();
        if per == 0 || images.len() != labels.len() * per {
            return Err(BackendError::dataset(
                "dataset",
                format!("{} pixel bytes do not make {} images of shape {shape:?}", images.len(), labels.len()),
            ));
        }
        if let Some(l) = labels.iter().find(|l| usize::from(**l) >= classes) {
            return Err(BackendError::dataset("dataset", format!("label {l} is out of range (0..{classes})")));
        }
        Ok(Dataset { images, labels, shape, classes })
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    fn per_sample(&self) -> usize {
        self.shape.iter().product()
    }

    /// The samples at `indices`, in that order.
    pub fn subset(&self, indices: &[usize]) -> Dataset {
        let per = self.per_sample();
        let mut images = Vec::with_capacity(indices.len() * per);
        for &i in indices {
            images.extend_from_slice(&self.images[i * per..(i + 1) * per]);
        }
        let labels = indices.iter().map(|&i| self.labels[i]).collect();
        Dataset { images, labels, shape: self.shape, classes: self.classes }
    }

    /// This set followed by `other`.
    pub fn concat(&self, other: &Dataset) -> Result<Dataset, BackendError> {
        if other.shape != self.shape || other.classes != self.classes {
            return Err(BackendError::dataset("dataset", "cannot concatenate sets of different shapes"));
        }
        let mut out = self.clone();
        out.images.extend_from_slice(&other.images);
        out.labels.extend_from_slice(&other.labels);
        Ok(out)
    }

    /// The first `per_class` samples of each class, in file order (a balanced subset).
    pub fn balanced(&self, per_class: usize) -> Result<Dataset, BackendError> {
        let mut taken = vec![0usize; self.classes];
        let indices: Vec<usize> = (0..self.len())
            .filter(|&i| {
                let c = usize::from(self.labels[i]);
                taken[c] += 1;
                taken[c] <= per_class
            })
            .collect();
        if let Some(c) = taken.iter().position(|&n| n < per_class) {
            return Err(BackendError::dataset("dataset", format!("class {c} has fewer than {per_class} samples")));
        }
        Ok(self.subset(&indices))
    }

    /// Shuffles with `seed` and splits off `count` samples: `(rest, split)`.
    /// Both parts must be non-empty (a validation set of 0 samples could
    /// only fail every trial after its training).
    pub fn split_off(&self, count: usize, seed: u64) -> Result<(Dataset, Dataset), BackendError> {
        if count == 0 || count >= self.len() {
            return Err(BackendError::Config(format!(
                "cannot split {count} samples off a set of {}: both parts need samples (split 1 to {})",
                self.len(),
                self.len().saturating_sub(1)
            )));
        }
        let mut order: Vec<usize> = (0..self.len()).collect();
        order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
        let (split, rest) = order.split_at(count);
        Ok((self.subset(rest), self.subset(split)))
    }

    /// Checks that this set and `other` can be used together (as training,
    /// validation and test sets): one sample shape, one number of classes.
    /// `name` and `other_name` say which set is which in the error.
    ///
    /// ```
    /// use archspace_candle::data::Dataset;
    /// let square = Dataset::new(vec![0; 8], vec![0, 1], [1, 2, 2], 2)?;
    /// let wide = Dataset::new(vec![0; 8], vec![0, 1], [1, 1, 4], 2)?;
    /// let err = wide.check_matches("the test set", &square, "the training set").unwrap_err();
    /// assert_eq!(err.to_string(), "the test set has samples of shape 1×1×4, but the training set has 1×2×2");
    /// # Ok::<(), archspace_candle::BackendError>(())
    /// ```
    pub fn check_matches(&self, name: &str, other: &Dataset, other_name: &str) -> Result<(), BackendError> {
        if self.shape != other.shape {
            return Err(BackendError::Mismatch(format!(
                "{name} has samples of shape {}, but {other_name} has {}",
                shape_text(&self.shape),
                shape_text(&other.shape)
            )));
        }
        if self.classes != other.classes {
            return Err(BackendError::Mismatch(format!(
                "{name} has {} classes, but {other_name} has {}",
                self.classes, other.classes
            )));
        }
        Ok(())
    }

    /// Per-channel statistics of this set.
    pub fn normalization(&self) -> Normalization {
        let [c, h, w] = self.shape;
        let plane = h * w;
        let mut mean = vec![0f64; c];
        let mut sq = vec![0f64; c];
        for (i, &p) in self.images.iter().enumerate() {
            let ch = (i / plane) % c;
            let v = f64::from(p) / 255.0;
            mean[ch] += v;
            sq[ch] += v * v;
        }
        let n = (self.len() * plane).max(1) as f64;
        let mean: Vec<f64> = mean.iter().map(|m| m / n).collect();
        let std = sq.iter().zip(&mean).map(|(s, m)| ((s / n - m * m).max(1e-12)).sqrt() as f32).collect();
        Normalization { mean: mean.into_iter().map(|m| m as f32).collect(), std }
    }

    /// The samples at `indices` as a normalised `[n, C, H, W]` f32 tensor and u32 labels.
    pub fn batch(
        &self,
        indices: &[usize],
        norm: &Normalization,
        device: &Device,
    ) -> Result<(Tensor, Tensor), BackendError> {
        let per = self.per_sample();
        let plane = self.shape[1] * self.shape[2];
        let mut pixels = Vec::with_capacity(indices.len() * per);
        for &i in indices {
            for (j, &p) in self.images[i * per..(i + 1) * per].iter().enumerate() {
                let ch = j / plane;
                pixels.push((f32::from(p) / 255.0 - norm.mean[ch]) / norm.std[ch]);
            }
        }
        let [c, h, w] = self.shape;
        let x = Tensor::from_vec(pixels, (indices.len(), c, h, w), device)?;
        let y = Tensor::from_vec(
            indices.iter().map(|&i| u32::from(self.labels[i])).collect::<Vec<_>>(),
            indices.len(),
            device,
        )?;
        Ok((x, y))
    }
}

/// A shape as `C×H×W`.
pub(crate) fn shape_text(shape: &[usize]) -> String {
    shape.iter().map(ToString::to_string).collect::<Vec<_>>().join("×")
}
