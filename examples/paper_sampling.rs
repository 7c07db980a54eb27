//! Sampling speed on the DeepArchitect paper's spaces
//! (`archspace_candle::spaces`, CPU scale): the time per architecture of
//! `sample_random` (uniform per decision among the values that keep a valid
//! architecture possible) and of `sample_uniform` (uniform over all
//! architectures), one thread, each measured for at most `--seconds` (and
//! 200 samples) per space.
//!
//! ```text
//! cargo run --release --example paper_sampling
//! cargo run --release --example paper_sampling -- --seconds 5
//! ```

use std::time::Instant;

use archspace::{Architecture, SpaceDef, SpecError};
use archspace_candle::spaces::{Paper, Scale};
use clap::Parser;
use rand_chacha::ChaCha8Rng;

/// Time per sample of `sample_random` and `sample_uniform` on each paper space.
#[derive(Parser, Debug)]
#[command(version)]
struct Cli {
    /// Seconds of sampling at most per space and sampler (at least 2 samples).
    #[arg(long, default_value_t = 15.0)]
    seconds: f64,
    /// Samples at most per space and sampler.
    #[arg(long, default_value_t = 200)]
    samples: usize,
}

type Sampler = fn(&SpaceDef, &mut ChaCha8Rng) -> Result<Architecture, SpecError>;

/// Milliseconds per sample and the number of samples drawn.
fn time(def: &SpaceDef, sample: Sampler, cli: &Cli) -> Result<(f64, usize), SpecError> {
    let mut rng = archspace::rng(1);
    let start = Instant::now();
    let mut n = 0;
    while n < cli.samples && (n < 2 || start.elapsed().as_secs_f64() < cli.seconds) {
        sample(def, &mut rng)?;
        n += 1;
    }
    Ok((start.elapsed().as_secs_f64() * 1e3 / n as f64, n))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cli = Cli::parse();
    println!("| space | `sample_random`, ms | `sample_uniform`, ms |");
    println!("|---|---:|---:|");
    for paper in Paper::ALL {
        let def = paper.space(Scale::Cpu);
        let (random, n_random) = time(&def, SpaceDef::sample_random, &cli)?;
        let (uniform, n_uniform) = time(&def, SpaceDef::sample_uniform, &cli)?;
        println!("| {} | {random:.3} ({n_random}) | {uniform:.3} ({n_uniform}) |", paper.name());
    }
    Ok(())
}
