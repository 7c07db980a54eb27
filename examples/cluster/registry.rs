//! The spaces this program knows, by name: a worker finds the space of the
//! search it joins here (the store records the name and the space's
//! fingerprint), so the coordinator and every worker run the same code.

use std::time::Duration;

use archspace::search::{
    EvalError, EvolutionConfig, EvolutionSearcher, MctsSearcher, Metrics, RandomSearcher, Searcher, SmboConfig,
    SmboSearcher, Trial,
};
use archspace::{Architecture, SpaceDef};

/// A space and how its trials are evaluated.
pub struct Entry {
    /// Its name in the store.
    pub name: &'static str,
    /// What it is, for `--help`.
    pub about: &'static str,
    /// Its definition.
    pub def: fn() -> SpaceDef,
}

/// Every space this program can search.
pub const SPACES: &[Entry] = &[
    Entry {
        name: "toy",
        about: "the seed space with chains of 1 or 2 (432 architectures): for tests and the benchmark",
        def: toy,
    },
    Entry { name: "seed", about: "the DeepArchitect paper's seed space (25,008 architectures)", def: seed },
];

fn toy() -> SpaceDef {
    archspace::spaces::seed_with_chains(&[1, 2])
}

fn seed() -> SpaceDef {
    archspace::spaces::seed()
}

/// The space named `name`.
pub fn space(name: &str) -> Result<&'static Entry, String> {
    SPACES.iter().find(|e| e.name == name).ok_or_else(|| {
        let known: Vec<&str> = SPACES.iter().map(|e| e.name).collect();
        format!("unknown space `{name}`; this program knows {}", known.join(", "))
    })
}

/// The searcher named `name` over `def` (the search's seed seeds it).
pub fn searcher(name: &str, def: SpaceDef) -> Result<Box<dyn Searcher>, String> {
    Ok(match name {
        "random" => Box::new(RandomSearcher::per_decision(def)),
        "evolution" => Box::new(EvolutionSearcher::new(
            def,
            EvolutionConfig { population: 16, tournament: 4, ..EvolutionConfig::default() },
        )),
        "mcts" => Box::new(MctsSearcher::new(def)),
        "smbo" => Box::new(SmboSearcher::new(def, SmboConfig::default())),
        other => return Err(format!("unknown searcher `{other}`; use random, evolution, mcts or smbo")),
    })
}

/// The evaluation of every space here: `trial` (a stand-in for training)
/// of `work`, then a synthetic score, deterministic in the architecture
/// (the seed-space objective of examples/search.rs: 1.0 for n = 4, a
/// 128-filter stem, dropout at 0.25 and every chain conv at 64 filters).
pub fn evaluate(trial: &Trial, arch: &Architecture, work: Duration) -> Result<Metrics, EvalError> {
    if !work.is_zero() {
        std::thread::sleep(work);
    }
    let convs: Vec<_> = arch.modules().iter().filter(|m| m.op == "conv2d").collect();
    let chain: Vec<_> = convs.iter().filter(|m| !m.path.starts_with("stem")).collect();
    let mut score = if chain.len() == 12 { 0.4 } else { 0.1 * chain.len() as f64 / 12.0 };
    if convs.iter().any(|m| m.path.starts_with("stem") && m.param("filters").and_then(|v| v.as_int()) == Some(128)) {
        score += 0.2;
    }
    if let Some(d) = arch.modules().iter().find(|m| m.op == "dropout") {
        score += if d.param("rate").and_then(|v| v.as_float()) == Some(0.25) { 0.2 } else { 0.1 };
    }
    let narrow = chain.iter().filter(|m| m.param("filters").and_then(|v| v.as_int()) == Some(64)).count();
    score += 0.2 * narrow as f64 / chain.len().max(1) as f64;
    Ok(Metrics::new().with("score", score).with("trial_seed_bits", (trial.seed % 1024) as f64))
}
