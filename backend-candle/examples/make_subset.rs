//! Makes the embedded Fashion-MNIST subset from the full files.
//!
//! ```text
//! apt-get install dataset-fashion-mnist
//! cargo run -p archspace-candle --example make_subset -- [--from DIR] [--to DIR] [--train N] [--test N]
//! ```
//!
//! Takes, in file order, the first `N/10` images of each class from the full
//! training set (default 6,000 in all) and test set (default 1,000), and
//! writes them as gzipped IDX files (deterministic bytes) to
//! `backend-candle/data/fashion-mnist-subset/`.

use std::path::PathBuf;

use archspace_candle::BackendError;
use archspace_candle::data::{self, Dataset, idx};
use clap::Parser;
use clap::builder::RangedU64ValueParser;

fn write(dir: &std::path::Path, stem: &str, set: &Dataset) -> Result<(), BackendError> {
    let [_, rows, cols] = set.shape;
    let images = idx::gzip(&idx::encode_images(set.len(), rows, cols, &set.images));
    let labels = idx::gzip(&idx::encode_labels(&set.labels));
    for (name, bytes) in
        [(format!("{stem}-images-idx3-ubyte.gz"), images), (format!("{stem}-labels-idx1-ubyte.gz"), labels)]
    {
        let path = dir.join(&name);
        std::fs::write(&path, &bytes)
            .map_err(|source| BackendError::Io { file: path.display().to_string(), source })?;
        println!("wrote {} ({} bytes)", path.display(), bytes.len());
    }
    Ok(())
}

/// Makes the embedded Fashion-MNIST subset from the full files.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Directory with the full (Fashion-)MNIST IDX files.
    #[arg(long, value_name = "DIR", default_value = data::DEBIAN_DIR)]
    from: PathBuf,
    /// Where the subset goes (default: this crate's `data/fashion-mnist-subset`).
    #[arg(long, value_name = "DIR")]
    to: Option<PathBuf>,
    /// Training images in the subset (a tenth per class).
    #[arg(long = "train", default_value_t = 6000, value_parser = RangedU64ValueParser::<usize>::new().range(10..))]
    train_count: usize,
    /// Test images in the subset (a tenth per class).
    #[arg(long = "test", default_value_t = 1000, value_parser = RangedU64ValueParser::<usize>::new().range(10..))]
    test_count: usize,
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let Args { from, to, train_count, test_count } = Args::parse();
    let to = to.unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/fashion-mnist-subset"));
    let (train, test) = data::load_mnist_dir(&from)?;
    println!("read {} train and {} test images from {}", train.len(), test.len(), from.display());
    std::fs::create_dir_all(&to)?;
    write(&to, "train", &train.balanced(train_count / 10)?)?;
    write(&to, "t10k", &test.balanced(test_count / 10)?)?;
    Ok(())
}

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
