//! Data augmentation on byte images: pad-and-crop, horizontal flip and
//! random erasing.
//!
//! ```
//! use archspace_candle::train::Augment;
//! use rand::SeedableRng;
//! let aug = Augment { flip: true, ..Augment::none() };
//! let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
//! let mut flipped = 0;
//! for _ in 0..100 {
//!     let mut img = vec![1u8, 2, 3, 4];
//!     aug.apply(&mut img, [1, 2, 2], &mut rng);
//!     if img == [2, 1, 4, 3] { flipped += 1 } else { assert_eq!(img, [1, 2, 3, 4]) }
//! }
//! assert!((30..70).contains(&flipped));
//! ```

use rand::Rng;

/// Which augmentations to apply to training images.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Augment {
    /// Zero-pad by this many pixels and crop back at a random offset (0: off).
    pub pad_crop: usize,
    /// Flip left-right with probability 1/2.
    pub flip: bool,
    /// Random erasing (Zhong et al., AAAI 2020): with this probability (0:
    /// off), after the crop and flip, a rectangle of 2–40% of the image with
    /// an aspect ratio between 0.3 and 1/0.3 is filled with random values.
    pub erase: f64,
}

impl Augment {
    /// No augmentation.
    pub fn none() -> Self {
        Augment::default()
    }

    /// Whether anything is applied.
    pub fn is_active(&self) -> bool {
        self.pad_crop > 0 || self.flip || self.erase > 0.0
    }

    /// Augments one image `[C, H, W]` in place.
    pub fn apply<R: Rng + ?Sized>(&self, image: &mut [u8], [c, h, w]: [usize; 3], rng: &mut R) {
        if self.pad_crop > 0 {
            let p = self.pad_crop as i64;
            let dy = rng.random_range(-p..=p) as isize;
            let dx = rng.random_range(-p..=p) as isize;
            let source = image.to_vec();
            for ch in 0..c {
                for y in 0..h as isize {
                    for x in 0..w as isize {
                        let (sy, sx) = (y + dy, x + dx);
                        let inside = (0..h as isize).contains(&sy) && (0..w as isize).contains(&sx);
                        image[ch * h * w + (y as usize) * w + x as usize] =
                            if inside { source[ch * h * w + (sy as usize) * w + sx as usize] } else { 0 };
                    }
                }
            }
        }
        if self.flip && rng.random::<bool>() {
            for row in image.chunks_mut(w) {
                row.reverse();
            }
        }
        if self.erase > 0.0 && rng.random::<f64>() < self.erase {
            erase_rectangle(image, [c, h, w], rng);
        }
    }
}

/// Fills a random rectangle of `image` with random bytes: its area a random
/// 2–40% of the image's, its aspect ratio log-uniform in [0.3, 1/0.3],
/// drawn again (up to 10 times) until it fits (Zhong et al. 2020, Alg. 1).
fn erase_rectangle<R: Rng + ?Sized>(image: &mut [u8], [c, h, w]: [usize; 3], rng: &mut R) {
    for _ in 0..10 {
        let area = rng.random_range(0.02..0.4) * (h * w) as f64;
        let ratio = rng.random_range(0.3f64.ln()..(1.0f64 / 0.3).ln()).exp();
        let (eh, ew) = ((area * ratio).sqrt().round() as usize, (area / ratio).sqrt().round() as usize);
        if eh == 0 || ew == 0 || eh >= h || ew >= w {
            continue;
        }
        let (y0, x0) = (rng.random_range(0..=h - eh), rng.random_range(0..=w - ew));
        for ch in 0..c {
            for y in y0..y0 + eh {
                let row = ch * h * w + y * w;
                for pixel in &mut image[row + x0..row + x0 + ew] {
                    *pixel = rng.random();
                }
            }
        }
        return;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn erasing_changes_one_rectangle_of_the_image_at_its_rate() {
        let aug = Augment { erase: 0.5, ..Augment::none() };
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let mut erased = 0;
        for _ in 0..200 {
            let mut image = vec![0u8; 28 * 28];
            aug.apply(&mut image, [1, 28, 28], &mut rng);
            let changed: Vec<(usize, usize)> =
                (0..28 * 28).filter(|&i| image[i] != 0).map(|i| (i / 28, i % 28)).collect();
            if changed.is_empty() {
                continue;
            }
            erased += 1;
            let (rows, cols) = (changed.iter().map(|p| p.0), changed.iter().map(|p| p.1));
            let (height, width) = (
                rows.clone().max().unwrap() - rows.min().unwrap() + 1,
                cols.clone().max().unwrap() - cols.min().unwrap() + 1,
            );
            assert!(height * width <= (0.4 * 784.0) as usize + 28, "{height}×{width}");
        }
        assert!((70..130).contains(&erased), "erased {erased} of 200");
        assert!(Augment { erase: 0.1, ..Augment::none() }.is_active());
    }
}
