//! Data that cannot give a right result is refused before any training:
//! sets of different shapes, files at fault named, empty splits.

use std::path::{Path, PathBuf};

use archspace_candle::data::{self, Dataset, idx};
use archspace_candle::ops::{self, Registry};
use archspace_candle::train::{self, Budget, TrainConfig};
use archspace_candle::{BackendError, Network, NetworkConfig};
use archspace_core::Space;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("archspace-checks-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn pixels(count: usize, rows: usize, cols: usize) -> Vec<u8> {
    (0..count * rows * cols).map(|i| (i * 31 % 256) as u8).collect()
}

fn labels(count: usize) -> Vec<u8> {
    (0..count).map(|i| (i % 10) as u8).collect()
}

/// Writes the four standard files, the test images `test_rows`×`test_cols`.
fn mnist_dir(name: &str, test_rows: usize, test_cols: usize) -> PathBuf {
    let dir = temp_dir(name);
    let write = |file: &str, bytes: Vec<u8>| std::fs::write(dir.join(file), idx::gzip(&bytes)).expect("write");
    write("train-images-idx3-ubyte.gz", idx::encode_images(30, 28, 28, &pixels(30, 28, 28)));
    write("train-labels-idx1-ubyte.gz", idx::encode_labels(&labels(30)));
    write("t10k-images-idx3-ubyte.gz", idx::encode_images(10, test_rows, test_cols, &pixels(10, test_rows, test_cols)));
    write("t10k-labels-idx1-ubyte.gz", idx::encode_labels(&labels(10)));
    dir
}

fn linear_net() -> Network {
    let arch = Space::build(|s| s.basic(ops::flatten())).and_then(|mut s| s.freeze()).expect("architecture");
    let config = NetworkConfig { classes: Some(10), ..NetworkConfig::default() };
    Network::build(&arch, &[1, 28, 28], &Registry::standard(), &config).expect("builds")
}

fn mismatch(result: Result<impl std::fmt::Debug, BackendError>) -> String {
    match result {
        Err(e @ BackendError::Mismatch(_)) => e.to_string(),
        other => panic!("expected a mismatch error, got {other:?}"),
    }
}

#[test]
fn a_test_set_of_another_shape_is_refused_by_the_loader_naming_both_files() {
    let dir = mnist_dir("shapes", 16, 49);
    let err = data::load_mnist_dir(&dir).expect_err("16×49 test images against 28×28 training images");
    let text = err.to_string();
    assert!(matches!(err, BackendError::Mismatch(_)), "{text}");
    assert!(text.contains("t10k-images-idx3-ubyte.gz") && text.contains("train-images-idx3-ubyte.gz"), "{text}");
    assert!(text.contains("1×16×49") && text.contains("1×28×28"), "{text}");
    assert!(data::load_mnist_dir(&mnist_dir("same", 28, 28)).is_ok());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn training_and_evaluation_refuse_sets_that_do_not_fit_before_any_step() {
    let net = linear_net();
    // 16×49 = 784 pixels, like 28×28: only the shape check tells them apart.
    let wide = Dataset::new(pixels(20, 16, 49), labels(20), [1, 16, 49], 10).expect("dataset");
    let square = Dataset::new(pixels(20, 28, 28), labels(20), [1, 28, 28], 10).expect("dataset");
    let norm = square.normalization();
    let text = mismatch(train::evaluate(&net, &wide, &norm, 8));
    assert!(
        text.contains("the evaluated set has 1×16×49") && text.contains("takes samples of shape 1×28×28"),
        "{text}"
    );

    let mut steps = 0;
    let config = TrainConfig { budget: Budget::Epochs(1), batch_size: 4, ..TrainConfig::default() };
    let text = mismatch(train::train(&net, &square, Some(&wide), &norm, &config, &mut |_| steps += 1));
    assert!(text.contains("the validation set has samples of shape 1×16×49"), "{text}");
    assert_eq!(steps, 0, "refused before the first step");
    mismatch(train::train(&net, &wide, None, &norm, &config, &mut |_| steps += 1));
    assert_eq!(steps, 0);

    let twelve = Dataset::new(pixels(20, 28, 28), labels(20), [1, 28, 28], 12).expect("12 classes");
    let text = mismatch(train::evaluate(&net, &twelve, &norm, 8));
    assert!(text.contains("12 classes"), "{text}");
}

#[test]
fn an_empty_split_or_validation_set_is_refused_up_front() {
    let set = Dataset::new(pixels(10, 28, 28), labels(10), [1, 28, 28], 10).expect("dataset");
    for count in [0, 10, 11] {
        let err = set.split_off(count, 0).expect_err("a part would be empty");
        assert!(err.to_string().contains("both parts need samples"), "{err}");
    }
    let (train_set, validation) = set.split_off(3, 0).expect("split");
    assert_eq!((train_set.len(), validation.len()), (7, 3));

    let empty = train_set.subset(&[]);
    let mut steps = 0;
    let config = TrainConfig { budget: Budget::Epochs(1), batch_size: 4, ..TrainConfig::default() };
    let err =
        train::train(&linear_net(), &train_set, Some(&empty), &train_set.normalization(), &config, &mut |_| steps += 1)
            .expect_err("an empty validation set");
    assert!(err.to_string().contains("validation set is empty") && steps == 0, "{err}");
}

fn write_pair(dir: &Path, label_bytes: Vec<u8>) -> (PathBuf, PathBuf) {
    let (images, labels_path) = (dir.join("train-images-idx3-ubyte.gz"), dir.join("train-labels-idx1-ubyte"));
    std::fs::write(&images, idx::gzip(&idx::encode_images(5, 2, 2, &pixels(5, 2, 2)))).expect("write");
    std::fs::write(&labels_path, label_bytes).expect("write");
    (images, labels_path)
}

#[test]
fn label_file_errors_name_the_label_file() {
    let dir = temp_dir("labels");
    let cases: [(&str, Vec<u8>, &str); 4] = [
        ("a label out of range", idx::encode_labels(&[0, 1, 200, 3, 4]), "label 200 at index 2"),
        ("an empty file", Vec::new(), "empty"),
        ("a truncated header", vec![0, 0, 8], "truncated header"),
        ("fewer labels than images", idx::encode_labels(&[0, 1, 2, 3]), "4 labels, but the image file"),
    ];
    for (case, bytes, expected) in cases {
        let (images, labels_path) = write_pair(&dir, bytes);
        let err = data::load_idx_pair(&images, &labels_path).expect_err(case);
        let text = err.to_string();
        let named = format!("dataset `{}`", labels_path.display());
        assert!(text.starts_with(&named) && text.contains(expected), "{case}: {text}");
    }
    // An image file at fault is named as such.
    let (images, labels_path) = write_pair(&dir, idx::encode_labels(&labels(5)));
    std::fs::write(&images, b"").expect("empty images");
    let text = data::load_idx_pair(&images, &labels_path).expect_err("empty images").to_string();
    assert!(text.starts_with(&format!("dataset `{}`", images.display())) && text.contains("empty"), "{text}");
    let _ = std::fs::remove_dir_all(dir);
}
