//! Data augmentation on byte images: pad-and-crop and horizontal flip.
//!
//! ```
//! use archspace_candle::train::Augment;
//! use rand::SeedableRng;
//! let aug = Augment { pad_crop: 0, flip: true };
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
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Augment {
    /// Zero-pad by this many pixels and crop back at a random offset (0: off).
    pub pad_crop: usize,
    /// Flip left-right with probability 1/2.
    pub flip: bool,
}

impl Augment {
    /// No augmentation.
    pub fn none() -> Self {
        Augment::default()
    }

    /// Whether anything is applied.
    pub fn is_active(&self) -> bool {
        self.pad_crop > 0 || self.flip
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
    }
}
