//! Every searcher: deterministic for a fixed seed, save/restore round-trips,
//! out-of-order outcomes, and `Invalid` candidates resampled and counted.

mod search_support;

use archspace::search::{
    AshaConfig, AshaSearcher, BayesConfig, BayesSearcher, EvolutionConfig, EvolutionSearcher, FidelityConfig,
    GridSearcher, HalvingConfig, HalvingSearcher, HyperbandConfig, HyperbandSearcher, Improvement, InnerOptimizer,
    LocalConfig, LocalSearcher, MctsSearcher, NsgaConfig, NsgaSearcher, Outcome, Proposal, RandomSearcher, SearchError,
    Searcher, SmboConfig, SmboSearcher, Token,
};
use archspace::{Architecture, Decision, SpaceDef};
use search_support::{constrained_space, seed_objective, seed_space, small_seed_space};

type Make = fn(SpaceDef, u64) -> Box<dyn Searcher>;

fn searchers() -> Vec<(&'static str, Make)> {
    vec![
        ("random", |d, s| Box::new(RandomSearcher::per_decision(d).seeded(s))),
        ("uniform", |d, s| Box::new(RandomSearcher::uniform(d).seeded(s))),
        ("grid", |d, s| Box::new(GridSearcher::new(d).seeded(s))),
        ("grid-in-order", |d, _| Box::new(GridSearcher::in_order(d))),
        ("mcts", |d, s| Box::new(MctsSearcher::new(d).seeded(s))),
        ("smbo", |d, s| {
            Box::new(SmboSearcher::new(d, SmboConfig { candidates: 16, ..SmboConfig::default() }).seeded(s))
        }),
        ("smbo-mcts", |d, s| {
            let inner = InnerOptimizer::Mcts { exploration_bonus: 0.33, tree_refit_interval: 4 };
            Box::new(SmboSearcher::new(d, SmboConfig { candidates: 16, inner, ..SmboConfig::default() }).seeded(s))
        }),
        ("evolution", |d, s| {
            Box::new(
                EvolutionSearcher::new(d, EvolutionConfig { population: 6, tournament: 3, ..Default::default() })
                    .seeded(s),
            )
        }),
        ("halving", |d, s| {
            Box::new(HalvingSearcher::new(d, HalvingConfig { initial: 9, ..HalvingConfig::default() }).seeded(s))
        }),
        ("local", |d, s| {
            Box::new(LocalSearcher::new(d, LocalConfig { initial: 3, ..LocalConfig::default() }).seeded(s))
        }),
        ("local-best", |d, s| {
            let config = LocalConfig { initial: 3, improvement: Improvement::Best, ..LocalConfig::default() };
            Box::new(LocalSearcher::new(d, config).seeded(s))
        }),
        ("bayes", |d, s| {
            Box::new(
                BayesSearcher::new(d, BayesConfig { initial: 4, candidates: 16, ..BayesConfig::default() }).seeded(s),
            )
        }),
        ("nsga2", |d, s| {
            Box::new(NsgaSearcher::new(d, NsgaConfig { population: 6, ..NsgaConfig::default() }).seeded(s))
        }),
        ("hyperband", |d, s| {
            let fidelity = FidelityConfig { min_budget: 1.0, max_budget: 9.0, reduction: 3.0 };
            Box::new(HyperbandSearcher::new(d, HyperbandConfig { fidelity, ..HyperbandConfig::default() }).seeded(s))
        }),
        ("asha", |d, s| Box::new(AshaSearcher::new(d, AshaConfig::default()).seeded(s))),
    ]
}

/// What a candidate proposes, for comparing runs.
type Step = (Vec<Decision>, Option<f64>);

fn ask(searcher: &mut dyn Searcher) -> Option<(Token, Architecture, Option<f64>)> {
    match searcher.ask().expect("ask") {
        Proposal::Candidate(c) => Some((c.token, c.architecture, c.budget)),
        Proposal::Wait | Proposal::Exhausted => None,
    }
}

fn outcome(arch: &Architecture, budget: Option<f64>) -> Outcome {
    Outcome::scored(seed_objective(arch) + 0.01 * budget.unwrap_or(0.0))
}

/// `steps` asks, each told at once; the trace of proposals.
fn drive(searcher: &mut dyn Searcher, steps: usize) -> Vec<Step> {
    let mut trace = Vec::new();
    for _ in 0..steps {
        let Some((token, arch, budget)) = ask(searcher) else { break };
        searcher.tell(token, &outcome(&arch, budget)).expect("tell");
        trace.push((arch.decisions().to_vec(), budget));
    }
    trace
}

#[test]
fn each_searcher_is_deterministic_for_a_fixed_seed() {
    for (name, make) in searchers() {
        let a = drive(&mut *make(small_seed_space(), 11), 30);
        let b = drive(&mut *make(small_seed_space(), 11), 30);
        assert!(a.len() >= 13, "{name} proposed only {} candidates", a.len());
        assert_eq!(a, b, "{name} is not deterministic");
        if name != "grid-in-order" {
            let c = drive(&mut *make(small_seed_space(), 12), 30);
            assert_ne!(a, c, "{name} ignores its seed");
        }
    }
}

#[test]
fn each_searcher_state_round_trips_through_json() {
    for (name, make) in searchers() {
        let mut original = make(small_seed_space(), 5);
        drive(&mut *original, 10);
        // Leave two candidates outstanding, so pending tokens are part of the state.
        let outstanding: Vec<_> = (0..2).filter_map(|_| ask(&mut *original)).collect();
        let saved = original.save_state().expect("save");
        let text = serde_json::to_string(&saved).expect("to JSON");
        let mut restored = make(small_seed_space(), 5);
        restored.restore_state(serde_json::from_str(&text).expect("from JSON")).expect("restore");
        assert_eq!(restored.invalid_count(), original.invalid_count(), "{name}");
        for (token, arch, budget) in outstanding.iter().rev() {
            original.tell(*token, &outcome(arch, *budget)).expect("tell original");
            restored.tell(*token, &outcome(arch, *budget)).expect("tell restored");
        }
        assert_eq!(drive(&mut *original, 15), drive(&mut *restored, 15), "{name} changed after restore");
    }
}

#[test]
fn restoring_a_foreign_state_is_an_error_not_a_panic() {
    for (name, make) in searchers() {
        let mut s = make(small_seed_space(), 1);
        let err = s.restore_state(serde_json::json!({"not": "a state"})).expect_err(name);
        assert!(matches!(err, SearchError::State { .. }), "{name}: {err}");
    }
}

#[test]
fn outcomes_may_arrive_out_of_order_and_tokens_are_checked() {
    for (name, make) in searchers() {
        let mut a = make(small_seed_space(), 3);
        let mut b = make(small_seed_space(), 3);
        let batch_a: Vec<_> = (0..5).filter_map(|_| ask(&mut *a)).collect();
        let batch_b: Vec<_> = (0..5).filter_map(|_| ask(&mut *b)).collect();
        assert_eq!(batch_a.len(), 5, "{name}");
        for i in [3, 0, 4, 1, 2] {
            let (token, arch, budget) = &batch_a[i];
            a.tell(*token, &outcome(arch, *budget)).expect("tell a");
            let (token, arch, budget) = &batch_b[i];
            b.tell(*token, &outcome(arch, *budget)).expect("tell b");
        }
        // Same outcomes in the same (shuffled) order: same searcher.
        assert_eq!(drive(&mut *a, 8), drive(&mut *b, 8), "{name}");
        let (token, arch, budget) = &batch_a[0];
        let again = a.tell(*token, &outcome(arch, *budget));
        assert!(matches!(again, Err(SearchError::UnknownToken { .. })), "{name} accepted a token twice");
        let never = a.tell(Token(1 << 40), &Outcome::failed("x"));
        assert!(matches!(never, Err(SearchError::UnknownToken { .. })), "{name} accepted an unknown token");
    }
}

#[test]
fn failed_outcomes_are_accepted_and_the_search_goes_on() {
    for (name, make) in searchers() {
        let mut s = make(small_seed_space(), 8);
        for i in 0..20 {
            let Some((token, arch, budget)) = ask(&mut *s) else { break };
            let o = if i % 3 == 0 { Outcome::failed("diverged") } else { outcome(&arch, budget) };
            s.tell(token, &o).expect(name);
        }
        assert!(ask(&mut *s).is_some() || name == "halving", "{name} stopped after failures");
    }
}

/// `wide_needs_depth`: a 128-filter stem needs n = 4.
fn satisfies_constraint(arch: &Architecture) -> bool {
    let get = |p: &str| arch.decisions().iter().find(|d| d.path.ends_with(p)).and_then(|d| d.value.as_int());
    get("width") == Some(64) || get("n") == Some(4)
}

#[test]
fn invalid_architectures_are_resampled_and_counted() {
    let def = constrained_space();
    for (name, make) in searchers() {
        let mut s = make(def.clone(), 21);
        let mut proposed = 0;
        while let Some((token, arch, _)) = ask(&mut *s) {
            assert!(satisfies_constraint(&arch), "{name} proposed an invalid architecture");
            def.replay(arch.decisions()).expect("a proposed architecture replays");
            // A flat score, so no searcher learns to avoid the rejected region.
            s.tell(token, &Outcome::scored(0.5)).expect("tell");
            proposed += 1;
            if proposed == 40 {
                break;
            }
        }
        if !matches!(name, "halving" | "hyperband" | "asha") {
            // No architecture twice: each of the 38 valid ones, then the space is exhausted.
            assert_eq!(proposed, 38, "{name} proposes each of the 38 valid architectures once");
            assert_eq!(s.ask().expect("ask"), Proposal::Exhausted, "{name}");
            let why = s.why_exhausted().unwrap_or_default();
            assert!(why.contains("every one of the space's 38 architectures"), "{name}: {why}");
        }
        if !name.starts_with("grid") {
            assert!(s.invalid_count() > 0, "{name} drew no invalid architecture: not counted?");
        }
    }
}

#[test]
fn grid_refuses_a_space_too_large_to_enumerate() {
    let mut grid = GridSearcher::with_limit(seed_space(), 1000);
    assert!(matches!(grid.ask(), Err(SearchError::SpaceTooLarge { .. })));
}

#[test]
fn halving_keeps_the_best_and_raises_the_budget() {
    let config =
        HalvingConfig { initial: 9, reduction: 3.0, budget_growth: 3.0, brackets: Some(1), ..HalvingConfig::default() };
    let mut sh = HalvingSearcher::new(small_seed_space(), config).seeded(4);
    let mut rounds: Vec<Vec<(f64, f64)>> = Vec::new();
    loop {
        let mut batch = Vec::new();
        while let Some(c) = ask(&mut sh) {
            batch.push(c);
        }
        if batch.is_empty() {
            break;
        }
        let budget = batch[0].2.expect("halving sets a budget");
        rounds.push(batch.iter().map(|(_, a, _)| (budget, seed_objective(a))).collect());
        for (token, arch, _) in &batch {
            sh.tell(*token, &Outcome::scored(seed_objective(arch))).expect("tell");
        }
    }
    assert_eq!(rounds.iter().map(Vec::len).collect::<Vec<_>>(), [9, 3, 1]);
    assert_eq!(rounds.iter().map(|r| r[0].0).collect::<Vec<_>>(), [1.0, 3.0, 9.0]);
    let best_first = rounds[0].iter().map(|r| r.1).fold(f64::NEG_INFINITY, f64::max);
    assert_eq!(rounds[2][0].1, best_first, "the final survivor is the best of the first round");
    assert!(matches!(sh.ask(), Ok(Proposal::Exhausted)));
}
