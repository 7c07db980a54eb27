//! Dataset loaders: round trips on generated files, and clear errors on
//! truncated, wrong-magic and wrong-count files.

use std::path::PathBuf;

use archspace_candle::BackendError;
use archspace_candle::data::{self, cifar, idx};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("archspace-candle-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn sample(count: usize) -> (Vec<u8>, Vec<u8>) {
    let pixels = (0..count * 4 * 3).map(|i| (i * 7 % 256) as u8).collect();
    let labels = (0..count).map(|i| (i % 10) as u8).collect();
    (pixels, labels)
}

fn dataset_error(result: Result<impl std::fmt::Debug, BackendError>) -> String {
    match result {
        Err(e @ BackendError::Dataset { .. }) => e.to_string(),
        other => panic!("expected a dataset error, got {other:?}"),
    }
}

#[test]
fn idx_round_trips_raw_and_gzipped() {
    let dir = temp_dir("idx");
    let (pixels, labels) = sample(5);
    for gz in [false, true] {
        let (images_path, labels_path) = (dir.join(format!("img{gz}")), dir.join(format!("lab{gz}")));
        let (mut images, mut label_bytes) = (idx::encode_images(5, 4, 3, &pixels), idx::encode_labels(&labels));
        if gz {
            images = idx::gzip(&images);
            label_bytes = idx::gzip(&label_bytes);
        }
        std::fs::write(&images_path, images).expect("write");
        std::fs::write(&labels_path, label_bytes).expect("write");
        let set = data::load_idx_pair(&images_path, &labels_path).expect("loads");
        assert_eq!(set.shape, [1, 4, 3]);
        assert_eq!(set.images, pixels);
        assert_eq!(set.labels, labels);
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn idx_rejects_bad_files() {
    let (pixels, labels) = sample(5);
    let images = idx::encode_images(5, 4, 3, &pixels);
    let label_bytes = idx::encode_labels(&labels);

    let truncated = dataset_error(data::from_idx_bytes(images[..images.len() - 1].to_vec(), label_bytes.clone(), "t"));
    assert!(truncated.contains("truncated"), "{truncated}");
    let header_only = dataset_error(data::from_idx_bytes(images[..7].to_vec(), label_bytes.clone(), "t"));
    assert!(header_only.contains("truncated header"), "{header_only}");
    let gz_truncated = dataset_error(data::from_idx_bytes(idx::gzip(&images)[..40].to_vec(), label_bytes.clone(), "t"));
    assert!(gz_truncated.contains("gzip") || gz_truncated.contains("truncated"), "{gz_truncated}");

    let wrong_magic = dataset_error(data::from_idx_bytes(label_bytes.clone(), label_bytes.clone(), "t"));
    assert!(wrong_magic.contains("wrong magic"), "{wrong_magic}");
    let swapped = dataset_error(data::from_idx_bytes(images.clone(), images.clone(), "t"));
    assert!(swapped.contains("wrong magic"), "{swapped}");

    let fewer_labels = idx::encode_labels(&labels[..4]);
    let count = dataset_error(data::from_idx_bytes(images.clone(), fewer_labels, "t"));
    assert!(count.contains("`t labels`: 4 labels, but the image file `t images` holds 5 images"), "{count}");

    let mut trailing = images.clone();
    trailing.push(0);
    assert!(dataset_error(data::from_idx_bytes(trailing, label_bytes, "t")).contains("trailing"));

    let bad_label = idx::encode_labels(&[0, 1, 2, 3, 10]);
    assert!(dataset_error(data::from_idx_bytes(images, bad_label, "t")).contains("label 10"));
}

#[test]
fn missing_file_is_an_io_error_naming_it() {
    let err = data::load_mnist_dir(&temp_dir("missing").join("nowhere")).expect_err("no files");
    assert!(matches!(err, BackendError::Io { .. }) && err.to_string().contains("train-images-idx3-ubyte"), "{err}");
}

#[test]
fn cifar_round_trips_and_rejects_bad_batches() {
    let dir = temp_dir("cifar");
    let mut bytes = Vec::new();
    for i in 0..3u8 {
        bytes.push(i * 3);
        bytes.extend((0..3072).map(|j| ((j + usize::from(i)) % 251) as u8));
    }
    let path = dir.join("data_batch_1.bin");
    std::fs::write(&path, &bytes).expect("write");
    let set = cifar::read_batches(&[&path, &path]).expect("loads");
    assert_eq!((set.len(), set.shape, set.labels.clone()), (6, [3, 32, 32], vec![0, 3, 6, 0, 3, 6]));
    assert_eq!(&set.images[..3072], &bytes[1..3073]);

    let truncated = dataset_error(cifar::decode_batch(&bytes[..bytes.len() - 5], "t"));
    assert!(truncated.contains("whole number"), "{truncated}");
    let mut bad = bytes.clone();
    bad[cifar::RECORD] = 10;
    assert!(dataset_error(cifar::decode_batch(&bad, "t")).contains("label 10 of record 1"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn embedded_subset_is_balanced_real_fashion_mnist() {
    let (train, test) = data::fashion_mnist_subset().expect("embedded subset loads");
    assert_eq!((train.len(), test.len()), (6000, 1000));
    for (set, per_class) in [(&train, 600), (&test, 100)] {
        let mut counts = [0usize; 10];
        set.labels.iter().for_each(|&l| counts[usize::from(l)] += 1);
        assert_eq!(counts, [per_class; 10]);
    }
    let norm = train.normalization();
    // Fashion-MNIST's well-known statistics: mean ≈ 0.286, std ≈ 0.353.
    assert!((norm.mean[0] - 0.286).abs() < 0.02 && (norm.std[0] - 0.353).abs() < 0.02, "{norm:?}");
}
