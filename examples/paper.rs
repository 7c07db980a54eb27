//! The DeepArchitect paper's experiments on Fashion-MNIST.
//!
//! ```text
//! cargo run --release --example paper -- --table 1                     # random search over each space
//! cargo run --release --example paper -- --table 2 --samples 16 --epochs 1 --repeats 3
//! cargo run --release --example paper -- --table 2 --data /usr/share/datasets/fashion-mnist
//! ```
//!
//! Table 1 is random search over the Genetic, Flat, NAS-Bench and NASNet-A
//! spaces (the paper's) and the hierarchical one; Table 2 is random search, MCTS, SMBO and regularized evolution
//! over the Genetic space (`archspace_candle::spaces`, at their CPU sizes).
//! Each row runs `--repeats` searches of `--samples` trials, each trial
//! trained for `--epochs` and ranked by validation accuracy; the table
//! prints mean ± standard deviation over the repeats, beside the paper's
//! CIFAR-10 figures. The search logs (under `--out`) make a rerun with the
//! same flags resume where it stopped. The data is the full Fashion-MNIST
//! when Debian's `dataset-fashion-mnist` is installed (or `--data DIR`),
//! the embedded subset otherwise.

use std::path::PathBuf;

use archspace_candle::data::{self, fashion_mnist_subset};
use archspace_candle::spaces::experiment::{ExperimentConfig, ExperimentData, PaperTable, markdown, run_table};
use clap::Parser;
use clap::builder::RangedU64ValueParser;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn positive() -> RangedU64ValueParser<usize> {
    RangedU64ValueParser::new().range(1..)
}

/// The DeepArchitect paper's Tables 1 and 2, re-run on Fashion-MNIST.
#[derive(Parser, Debug)]
#[command(version)]
struct Cli {
    /// The table: 1 (random search over each space) or 2 (four searchers over Genetic).
    #[arg(long, value_parser = ["1", "2"])]
    table: String,
    /// Trials per search.
    #[arg(long, default_value_t = 16, value_parser = positive())]
    samples: usize,
    /// Training epochs per trial.
    #[arg(long, default_value_t = 1, value_parser = positive())]
    epochs: usize,
    /// Searches per row.
    #[arg(long, default_value_t = 3, value_parser = positive())]
    repeats: usize,
    /// Trials trained at once.
    #[arg(long, default_value_t = 2, value_parser = positive())]
    threads: usize,
    /// A directory with the four (Fashion-)MNIST IDX files [default: Debian's, else the embedded subset].
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// Training images held out to rank the trials.
    #[arg(long, default_value_t = 5000, value_parser = positive())]
    validation: usize,
    /// Where the search logs go.
    #[arg(long, value_name = "DIR", default_value = "target/paper")]
    out: PathBuf,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cli = Cli::parse();
    let table = if cli.table == "1" { PaperTable::One } else { PaperTable::Two };
    let debian = PathBuf::from(data::DEBIAN_DIR);
    let dir = cli.data.clone().or_else(|| debian.is_dir().then_some(debian));
    let ((train, test), source, validation) = match &dir {
        Some(dir) => (data::load_mnist_dir(dir)?, dir.display().to_string(), cli.validation),
        None => (fashion_mnist_subset()?, "the embedded subset".to_owned(), cli.validation.min(1000)),
    };
    println!(
        "table {}: {} train (of which {validation} validation), {} test images from {source}; {} samples x {} \
         epochs x {} repeats per row, {} at once",
        cli.table,
        train.len(),
        test.len(),
        cli.samples,
        cli.epochs,
        cli.repeats,
        cli.threads
    );
    let data = ExperimentData::split(train, test, validation, 0)?;
    let config = ExperimentConfig {
        samples: cli.samples,
        epochs: cli.epochs,
        repeats: cli.repeats,
        threads: cli.threads,
        out: cli.out,
        ..ExperimentConfig::new(table)
    };
    let rows = run_table(&config, &data, &mut |line| eprintln!("{line}"))?;
    println!("\n{}", markdown(&rows, table));
    Ok(())
}
