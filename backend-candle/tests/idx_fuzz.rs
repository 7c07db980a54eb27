//! The IDX and CIFAR-10 readers on arbitrary bytes: a dataset or an error,
//! never a panic (and never an allocation the input does not justify).

use archspace_candle::data::{self, cifar, idx};
use proptest::prelude::*;

/// A valid IDX header (images or labels) followed by arbitrary bytes, so that
/// the fuzzing gets past the magic number.
fn with_header(magic: u8, words: Vec<u32>, body: Vec<u8>) -> Vec<u8> {
    let mut bytes = vec![0, 0, 8, magic];
    for w in words {
        bytes.extend(w.to_be_bytes());
    }
    bytes.extend(body);
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_give_a_dataset_or_an_error(
        images in prop::collection::vec(any::<u8>(), 0..300),
        labels in prop::collection::vec(any::<u8>(), 0..40),
    ) {
        let _ = idx::decode_images(&images, "fuzz");
        let _ = idx::decode_labels(&labels, 10, "fuzz");
        let _ = idx::gunzip_if_needed(images.clone(), "fuzz");
        let _ = cifar::decode_batch(&images, "fuzz");
        let _ = data::from_idx_bytes(images, labels, "fuzz");
    }

    #[test]
    fn arbitrary_headers_and_bodies_give_a_dataset_or_an_error(
        dims in prop::collection::vec(prop_oneof![0..6u32, any::<u32>()], 0..4),
        body in prop::collection::vec(any::<u8>(), 0..200),
        label_count in prop_oneof![0..12u32, any::<u32>()],
        label_body in prop::collection::vec(0..12u8, 0..12),
        gzipped in any::<bool>(),
    ) {
        let images = with_header(3, dims, body);
        let labels = with_header(1, vec![label_count], label_body);
        let (images, labels) = if gzipped { (idx::gzip(&images), idx::gzip(&labels)) } else { (images, labels) };
        if let Ok(set) = data::from_idx_bytes(images, labels, "fuzz") {
            prop_assert_eq!(set.images.len(), set.len() * set.shape.iter().product::<usize>());
            prop_assert!(set.labels.iter().all(|&l| l < 10));
        }
    }
}
