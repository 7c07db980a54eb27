//! Every searcher, with the defaults a user gets.

use archspace::SpaceDef;
use archspace::search::{
    AshaConfig, AshaSearcher, BayesConfig, BayesSearcher, EvolutionConfig, EvolutionSearcher, GridSearcher,
    HalvingConfig, HalvingSearcher, HyperbandConfig, HyperbandSearcher, Improvement, LocalConfig, LocalSearcher,
    MctsSearcher, NsgaConfig, NsgaSearcher, RandomSearcher, Searcher, SmboConfig, SmboSearcher,
};

/// The smallest and the full budget of the multi-fidelity searchers'
/// defaults (1 and 27 epochs).
pub const MIN_BUDGET: f64 = 1.0;
/// See [`MIN_BUDGET`].
pub const MAX_BUDGET: f64 = 27.0;

/// How a searcher is measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Best accuracy within B evaluations.
    Single,
    /// Best full-budget accuracy within B evaluations' worth of budget.
    MultiFidelity,
    /// Hypervolume of the (accuracy, params) front within B evaluations.
    MultiObjective,
}

/// Builds a searcher over a space.
pub type Make = fn(SpaceDef) -> Box<dyn Searcher>;

/// Every searcher: name, kind, constructor.
pub fn all() -> Vec<(&'static str, Kind, Make)> {
    vec![
        ("random", Kind::Single, |d| Box::new(RandomSearcher::per_decision(d))),
        ("uniform", Kind::Single, |d| Box::new(RandomSearcher::uniform(d))),
        ("grid", Kind::Single, |d| Box::new(GridSearcher::new(d))),
        ("mcts", Kind::Single, |d| Box::new(MctsSearcher::new(d))),
        ("smbo", Kind::Single, |d| Box::new(SmboSearcher::new(d, SmboConfig::default()))),
        ("evolution", Kind::Single, |d| Box::new(EvolutionSearcher::new(d, EvolutionConfig::default()))),
        ("local", Kind::Single, |d| Box::new(LocalSearcher::new(d, LocalConfig::default()))),
        ("local-best", Kind::Single, |d| {
            Box::new(LocalSearcher::new(d, LocalConfig { improvement: Improvement::Best, ..LocalConfig::default() }))
        }),
        ("bayes", Kind::Single, |d| Box::new(BayesSearcher::new(d, BayesConfig::default()))),
        ("nsga2", Kind::Single, |d| Box::new(NsgaSearcher::new(d, NsgaConfig::default()))),
        ("halving", Kind::MultiFidelity, |d| Box::new(HalvingSearcher::new(d, HalvingConfig::default()))),
        ("hyperband", Kind::MultiFidelity, |d| Box::new(HyperbandSearcher::new(d, HyperbandConfig::default()))),
        ("asha", Kind::MultiFidelity, |d| Box::new(AshaSearcher::new(d, AshaConfig::default()))),
        ("random-mo", Kind::MultiObjective, |d| Box::new(RandomSearcher::per_decision(d))),
        ("evolution-mo", Kind::MultiObjective, |d| Box::new(EvolutionSearcher::new(d, EvolutionConfig::default()))),
        ("nsga2-mo", Kind::MultiObjective, |d| Box::new(NsgaSearcher::new(d, NsgaConfig::default()))),
    ]
}
