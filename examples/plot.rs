//! Plots of any search log (the JSON lines that `archspace::search::run`
//! writes): best so far, every trial's score, the Pareto front against
//! `params` and `flops` where the trials report them, and the mean score
//! per value of each decision, as PNG and SVG. Given several logs, also
//! one best-so-far plot with a line per log, to compare searchers.
//!
//! ```text
//! cargo run --release --example plot -- target/quickstart/search_log_subset_e2_v1000.jsonl
//! cargo run --release --example plot -- random.jsonl mcts.jsonl --out target/plots
//! ```

use std::path::PathBuf;

use archspace::search::plot::{SearchTrace, plot_best_so_far, plot_search};
use clap::Parser;

/// Plots of search logs, as PNG and SVG.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Search logs (JSON lines) to plot.
    #[arg(required = true, value_name = "LOG")]
    logs: Vec<PathBuf>,
    /// Where the plots go: one folder per log (named after it), and
    /// `best_so_far.png`/`.svg` comparing the logs when there are several.
    #[arg(long, value_name = "DIR", default_value = "target/plots")]
    out: PathBuf,
}

fn run(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let traces = args.logs.iter().map(|log| SearchTrace::from_log(log)).collect::<Result<Vec<_>, _>>()?;
    for (trace, log) in traces.iter().zip(&args.logs) {
        let stem = log.file_stem().map_or_else(|| "log".into(), |s| s.to_string_lossy().into_owned());
        let scored = trace.records.iter().filter(|r| r.score.is_some()).count();
        println!("{}: {} trials, {scored} with a score", log.display(), trace.records.len());
        for path in plot_search(trace, &args.out.join(stem))? {
            println!("  wrote {}", path.display());
        }
    }
    if traces.len() > 1 {
        for extension in ["png", "svg"] {
            let path = args.out.join(format!("best_so_far.{extension}"));
            plot_best_so_far(&traces, &path)?;
            println!("wrote {}", path.display());
        }
    }
    Ok(())
}

fn main() {
    let args = Args::parse();
    if let Err(e) = run(&args) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
