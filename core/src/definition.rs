//! [`SpaceDef`]: a reusable space definition that builds fresh spaces.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::architecture::{Architecture, Decision};
use crate::error::SpecError;
use crate::io::Io;
use crate::prefix_cache::{self, PrefixCache};
use crate::replay::{Chooser, PathReplay, RandomChoice, ValueReplay};
use crate::space::{Space, SpaceSize};
use crate::value::Value;

/// The random generator used across archspace: ChaCha8, seeded explicitly.
pub fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

thread_local! {
    /// Emptied spaces (at most `SPARE_SPACES`), reused by the next `instantiate` on this thread.
    static SPARE: std::cell::RefCell<Vec<Space>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Spaces larger than this (in arena elements) are dropped rather than kept.
const SPARE_LIMIT: usize = 1 << 18;

/// Emptied spaces kept per thread: two, so that a thread which recycles two
/// spaces in a row (as the reductions of a parallel search do) keeps both.
const SPARE_SPACES: usize = 2;

/// A definition's space as its build function leaves it, kept to be cloned.
struct Template {
    /// Held, so the definition cannot be freed and its address reused.
    build: Arc<BuildFn>,
    /// Kept from the second build on: a definition instantiated once (made
    /// anew for each space) would pay for a copy it never uses.
    space: Option<Space>,
    /// Copies of the template taken after decisions that rebuilt it.
    prefixes: PrefixCache,
}

/// Templates kept per thread (the most recently built first).
const TEMPLATE_SLOTS: usize = 4;

thread_local! {
    /// Built spaces of the definitions used last on this thread. Per thread,
    /// not shared: cloning copies reference counts, and threads sharing one
    /// template would contend on them.
    static TEMPLATES: std::cell::RefCell<Vec<Template>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Copies the template of `build` into `space`; false if this thread has none.
fn clone_template(build: &Arc<BuildFn>, space: &mut Space) -> bool {
    TEMPLATES.with(|templates| {
        let Ok(templates) = templates.try_borrow() else { return false };
        match templates.iter().find(|t| Arc::ptr_eq(&t.build, build)).and_then(|t| t.space.as_ref()) {
            Some(template) => {
                space.clone_from(template);
                true
            }
            None => false,
        }
    })
}

/// Takes the prefix cache of `build`'s template on this thread, if it has a
/// template; give it back with [`return_prefixes`]. Taken rather than
/// borrowed: substitution functions running meanwhile may use other
/// definitions on this thread.
fn take_prefixes(build: &Arc<BuildFn>) -> Option<PrefixCache> {
    TEMPLATES.with(|templates| {
        let mut templates = templates.try_borrow_mut().ok()?;
        let template = templates.iter_mut().find(|t| Arc::ptr_eq(&t.build, build))?;
        let space = template.space.as_ref()?;
        if !template.prefixes.has_root() {
            template.prefixes.set_root(space);
        }
        Some(std::mem::take(&mut template.prefixes))
    })
}

/// Gives back the prefix cache taken by [`take_prefixes`] (dropped if the
/// template was evicted meanwhile).
fn return_prefixes(build: &Arc<BuildFn>, prefixes: PrefixCache) {
    TEMPLATES.with(|templates| {
        let Ok(mut templates) = templates.try_borrow_mut() else { return };
        if let Some(template) = templates.iter_mut().find(|t| Arc::ptr_eq(&t.build, build) && t.space.is_some()) {
            template.prefixes = prefixes;
        }
    });
}

/// Notes that `build` just built `space` on this thread; the second time,
/// keeps a copy as its template.
fn keep_template(build: &Arc<BuildFn>, space: &Space) {
    if space.capacity() > SPARE_LIMIT {
        return;
    }
    TEMPLATES.with(|templates| {
        let Ok(mut templates) = templates.try_borrow_mut() else { return };
        if let Some(seen) = templates.iter_mut().find(|t| Arc::ptr_eq(&t.build, build)) {
            let mut template = space.clone();
            // Copies of the template share its fixed parts.
            template.seal();
            seen.space = Some(template);
            return;
        }
        if templates.len() == TEMPLATE_SLOTS {
            templates.pop();
        }
        templates.insert(0, Template { build: Arc::clone(build), space: None, prefixes: PrefixCache::default() });
    });
}

/// Keeps `space` for the next [`SpaceDef::instantiate`] on this thread
/// (unless it is very large), as storage: it is emptied only if it is to be
/// built into, since a copy into it replaces everything it holds anyway.
pub(crate) fn recycle(space: Space) {
    if space.capacity() <= SPARE_LIMIT {
        SPARE.with(|spare| {
            if let Ok(mut spare) = spare.try_borrow_mut()
                && spare.len() < SPARE_SPACES
            {
                spare.push(space);
            }
        });
    }
}

type BuildFn = dyn Fn(&mut Space) -> Result<Io, SpecError> + Send + Sync;

/// A search-space definition: the function that builds the space.
///
/// Every operation works on a fresh [`Space`]: built by the function the
/// first two times on each thread, copied from the second after that.
/// [`sample_random`](Self::sample_random), [`replay`](Self::replay) and
/// [`replay_values`](Self::replay_values) also keep, per thread, copies of
/// spaces taken right after decisions that rebuilt the graph (a repeat's
/// count, an optional's flag), and copy them when the same decisions come up
/// again, instead of running the substitution functions again: at most 256
/// copies per definition and thread. Cloning a `SpaceDef` is cheap; it is
/// `Send + Sync`, so threads can share it.
#[derive(Clone)]
pub struct SpaceDef {
    build: Arc<BuildFn>,
    hints: Arc<SizeHints>,
    /// Completion counts of uniform sampling, shared by clones.
    pub(crate) completions: Arc<crate::completion_cache::CompletionCache>,
}

/// The largest sizes seen so far, so fresh spaces are allocated once.
#[derive(Default)]
struct SizeHints {
    modules: AtomicUsize,
    hypers: AtomicUsize,
    ports: AtomicUsize,
    scopes: AtomicUsize,
}

impl std::fmt::Debug for SpaceDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SpaceDef")
    }
}

impl SpaceDef {
    /// A definition from the function that builds the space and returns its border.
    ///
    /// `build` must be deterministic, as replay and every searcher assume:
    /// it runs twice per thread, and the spaces after that are copies of
    /// what it built. So must the substitution functions it installs: a
    /// space specified like an earlier one copies what they built then.
    pub fn new(build: impl Fn(&mut Space) -> Result<Io, SpecError> + Send + Sync + 'static) -> Self {
        SpaceDef { build: Arc::new(build), hints: Arc::default(), completions: Arc::default() }
    }

    /// A fresh, unspecified space: a copy of the space built before on this
    /// thread (or built now, the first two times on this thread).
    pub fn instantiate(&self) -> Result<Space, SpecError> {
        let mut space = self.spare_space();
        if clone_template(&self.build, &mut space) {
            return Ok(space);
        }
        space.recycle();
        let border = (self.build)(&mut space)?;
        space.set_border(border);
        keep_template(&self.build, &space);
        Ok(space)
    }

    /// Storage for a space: one recycled on this thread (not emptied), or a
    /// new, empty one as large as the largest this definition built.
    fn spare_space(&self) -> Space {
        match SPARE.with(|spare| spare.try_borrow_mut().ok().and_then(|mut s| s.pop())) {
            Some(space) => space,
            None => {
                let h = &self.hints;
                Space::with_capacity(SpaceSize {
                    modules: h.modules.load(Ordering::Relaxed),
                    hypers: h.hypers.load(Ordering::Relaxed),
                    ports: h.ports.load(Ordering::Relaxed),
                    scopes: h.scopes.load(Ordering::Relaxed),
                })
            }
        }
    }

    /// Records the size of a space this definition built, for the next ones.
    pub(crate) fn learn_size(&self, space: &Space) {
        let size = space.size();
        let h = &self.hints;
        // Read first: threads sampling the same definition then share the
        // cache line instead of writing it on every sample.
        let raise = |hint: &AtomicUsize, seen: usize| {
            if hint.load(Ordering::Relaxed) < seen {
                hint.fetch_max(seen, Ordering::Relaxed);
            }
        };
        raise(&h.modules, size.modules);
        raise(&h.hypers, size.hypers);
        raise(&h.ports, size.ports);
        raise(&h.scopes, size.scopes);
    }

    /// Freezes a space this definition built, learning its size; the
    /// emptied space is kept for the next [`instantiate`](Self::instantiate) on this thread.
    pub(crate) fn finish(&self, mut space: Space) -> Result<Architecture, SpecError> {
        let arch = space.freeze();
        self.learn_size(&space);
        recycle(space);
        arch
    }

    /// A fresh space specified as `chooser` says, frozen: through this
    /// thread's prefix cache of this definition (see
    /// [`prefix_cache`](crate::prefix_cache)) once it has a template.
    fn specified(&self, chooser: &mut impl Chooser) -> Result<Architecture, SpecError> {
        let Some(mut prefixes) = take_prefixes(&self.build) else {
            let mut space = self.instantiate()?;
            space.specify_with(chooser)?;
            return self.finish(space);
        };
        let mut storage = prefix_cache::Storage::new(|| self.spare_space());
        let arch = prefix_cache::specify_and_freeze(&mut storage, &mut prefixes, chooser);
        return_prefixes(&self.build, prefixes);
        if let Some(space) = storage.into_space() {
            recycle(space);
        }
        arch
    }

    /// A random architecture: each decision uniform over its domain, in order
    /// (DeepArchitect's random search). May be [`SpecError::Invalid`].
    pub fn sample_random<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<Architecture, SpecError> {
        self.specified(&mut RandomChoice(rng))
    }

    /// Rebuilds the architecture recorded as `decisions` (keyed by path).
    pub fn replay(&self, decisions: &[Decision]) -> Result<Architecture, SpecError> {
        self.specified(&mut PathReplay::new(decisions)?)
    }

    /// Rebuilds the architecture recorded as a positional value list.
    pub fn replay_values(&self, values: &[Value]) -> Result<Architecture, SpecError> {
        self.specified(&mut ValueReplay::new(values))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Space;

    /// Samples `n` architectures of `def` with seed `seed`, hashed.
    fn hashes(def: &SpaceDef, seed: u64, n: usize) -> Vec<u128> {
        let mut rng = rng(seed);
        (0..n).map(|_| def.sample_random(&mut rng).unwrap().canonical_hash().0).collect()
    }

    #[test]
    fn recycled_spaces_sample_as_fresh_ones() {
        let seed_space = crate::spaces::seed();
        let small = crate::spaces::seed_with_chains(&[1, 2]);
        // On fresh threads the first sample of each run starts from a new space.
        let fresh = std::thread::spawn({
            let def = seed_space.clone();
            move || hashes(&def, 5, 1)
        })
        .join()
        .unwrap();
        // Here the spare left by sampling another space is reused.
        hashes(&small, 9, 50);
        assert_eq!(hashes(&seed_space, 5, 1), fresh);
        // Long runs interleaving two spaces match runs on their own threads.
        let alone = std::thread::spawn({
            let def = seed_space.clone();
            move || hashes(&def, 11, 200)
        })
        .join()
        .unwrap();
        let mut interleaved = Vec::new();
        let mut rng_seed = rng(11);
        let mut rng_small = rng(12);
        for _ in 0..200 {
            interleaved.push(seed_space.sample_random(&mut rng_seed).unwrap().canonical_hash().0);
            small.sample_random(&mut rng_small).unwrap();
        }
        assert_eq!(interleaved, alone);
    }

    /// A space using every kind of record: constraints, dependents, named
    /// shared hyperparameters, carriers, substitutions fired at construction
    /// and later, owned names.
    fn every_record(s: &mut Space) -> Result<Io, SpecError> {
        use crate::{Alternatives, Op, choice};
        let n = s.named_choice("n", [1, 2, 3])?;
        let width = s.shared("width", [8, 16])?;
        let double = s.named_dependent("double", &[width], |v| Ok(Value::Int(2 * v[0].as_int().unwrap_or(0))))?;
        s.constraint("not_wide_and_deep", &[n, width], |v| !(v[0].as_int() == Some(3) && v[1].as_int() == Some(16)))?;
        s.named("opts").carrier(vec![("lr".into(), choice([0.1, 0.01]))])?;
        let stem = s.named("stem").basic(Op::new("conv").param("filters", double))?;
        let body = s.named("body").repeat(n, move |s| {
            let c = s.basic(Op::new("conv").param("filters", width))?;
            let a = s.optional(|s| s.basic(Op::new("act").param("kind", choice(["relu", "gelu"]))))?;
            s.chain(&c, &a)?;
            Ok(s.border_of(&c, &a))
        })?;
        let fixed = s.named(format!("fixed_{}", 7)).repeat(2, |s| s.basic(Op::new("bn")))?;
        let pick =
            s.named("pick").or(Alternatives::list().with(|s| s.identity()).with(|s| s.basic(Op::new("pool"))))?;
        s.chain(&stem, &body)?;
        s.chain(&body, &fixed)?;
        s.chain(&fixed, &pick)?;
        Ok(s.border_of(&stem, &pick))
    }

    /// Frozen architecture (or the error) of `space` specified from `seed`.
    fn specified(mut space: Space, seed: u64) -> Result<Architecture, SpecError> {
        space.specify_random(&mut rng(seed))?;
        space.freeze()
    }

    #[test]
    fn copies_of_the_template_specify_as_fresh_builds() {
        let def = SpaceDef::new(every_record);
        let (mut valid, mut invalid) = (0, 0);
        for seed in 0..300 {
            let fresh = specified(Space::build(every_record).unwrap(), seed);
            // The first two `instantiate`s on this thread build; the others copy.
            let copied = specified(def.instantiate().unwrap(), seed);
            match (&fresh, &copied) {
                (Ok(a), Ok(b)) => {
                    assert_eq!(a, b, "seed {seed}");
                    assert_eq!(a.canonical_hash(), b.canonical_hash());
                    assert_eq!(a.globals(), b.globals());
                    valid += 1;
                }
                (Err(a), Err(b)) => {
                    assert_eq!(a.to_string(), b.to_string(), "seed {seed}");
                    invalid += 1;
                }
                _ => panic!("seed {seed}: {fresh:?} vs {copied:?}"),
            }
        }
        assert!(valid > 100 && invalid > 10, "{valid} valid, {invalid} invalid");
    }

    /// The prefix cache of `def` on this thread: how many spaces it keeps
    /// and how many skeletons it made.
    fn cached(def: &SpaceDef) -> (usize, usize) {
        let prefixes = take_prefixes(&def.build).expect("the definition has a template");
        let counts = (prefixes.len(), prefixes.skeletons());
        return_prefixes(&def.build, prefixes);
        counts
    }

    fn kept(def: &SpaceDef) -> usize {
        cached(def).0
    }

    /// Samples, replays by path and replays by position of `def` on this
    /// thread (through its prefix cache) against fresh builds of `build`
    /// specified the same way without one; returns (valid, invalid) samples.
    fn check_against_uncached(
        def: &SpaceDef,
        build: impl Fn(&mut Space) -> Result<Io, SpecError>,
        seeds: std::ops::Range<u64>,
    ) -> (usize, usize) {
        let (mut valid, mut invalid) = (0, 0);
        for seed in seeds {
            let cached = def.sample_random(&mut rng(seed));
            let fresh = specified(Space::build(&build).unwrap(), seed);
            let arch = match (cached, fresh) {
                (Ok(a), Ok(b)) => {
                    assert_eq!(a, b, "seed {seed}");
                    assert_eq!(a.canonical_hash(), b.canonical_hash(), "seed {seed}");
                    a
                }
                (Err(a), Err(b)) => {
                    assert_eq!(a.to_string(), b.to_string(), "seed {seed}");
                    invalid += 1;
                    continue;
                }
                (a, b) => panic!("seed {seed}: {a:?} vs {b:?}"),
            };
            valid += 1;
            assert_eq!(def.replay(arch.decisions()).unwrap(), arch, "seed {seed}");
            let values: Vec<Value> = arch.decisions().iter().map(|d| d.value.clone()).collect();
            assert_eq!(def.replay_values(&values).unwrap(), arch, "seed {seed}");
            // Replays that do not fit fail as they do without a cache.
            let mut wrong = arch.decisions().to_vec();
            wrong.last_mut().unwrap().value = Value::from("no such value");
            let mut fresh = Space::build(&build).unwrap();
            assert_eq!(def.replay(&wrong).unwrap_err().to_string(), fresh.replay(&wrong).unwrap_err().to_string());
            let short = &values[..values.len() - 1];
            let mut fresh = Space::build(&build).unwrap();
            assert_eq!(
                def.replay_values(short).unwrap_err().to_string(),
                fresh.replay_values(short).unwrap_err().to_string()
            );
        }
        (valid, invalid)
    }

    #[test]
    fn specifying_through_the_prefix_cache_matches_fresh_builds() {
        let def = SpaceDef::new(every_record);
        // The first pass fills the cache, the second mostly copies from it.
        let first = check_against_uncached(&def, every_record, 0..150);
        assert!(kept(&def) > 0);
        let second = check_against_uncached(&def, every_record, 0..150);
        assert_eq!(first, second);
        assert!(first.0 > 50 && first.1 > 5, "{first:?}");
        let seed = crate::spaces::seed();
        for round in 0..2 {
            for s in 0..200 {
                let arch = seed.sample_random(&mut rng(s)).unwrap();
                assert_eq!(seed.replay(arch.decisions()).unwrap(), arch, "round {round}, seed {s}");
            }
        }
        // n (3 values), the stem's filters (2), whether to drop (2): 3 + 3 * 2 * 2.
        assert_eq!(kept(&seed), 15);
        // Only filters and rates after whether to drop: one skeleton each.
        assert_eq!(cached(&seed).1, 12);
        assert!(cached(&def).1 > 0);
    }

    #[test]
    fn the_prefix_cache_stays_within_its_limits() {
        use crate::prefix_cache::{MAX_SNAPSHOTS, MAX_STEPS};
        use crate::{Op, choice};
        // Many decisions nothing waits for before one that rebuilds the graph:
        // too many steps to key, so nothing after them is kept.
        let wide = |s: &mut Space| {
            let mut last = s.basic(Op::new("dense").param("units", choice([1, 2])))?;
            let first = last.clone();
            for _ in 0..MAX_STEPS {
                let next = s.basic(Op::new("dense").param("units", choice([1, 2])))?;
                s.chain(&last, &next)?;
                last = next;
            }
            let tail = s.repeat(choice([1, 2]), |s| s.basic(Op::new("relu")))?;
            s.chain(&last, &tail)?;
            Ok(s.border_of(&first, &tail))
        };
        let def = SpaceDef::new(wide);
        check_against_uncached(&def, wide, 0..40);
        assert_eq!(kept(&def), 0);
        // More structural prefixes than the cache holds: it fills up and stops.
        let deep = |s: &mut Space| {
            let mut last = s.identity()?;
            let first = last.clone();
            for _ in 0..12 {
                let next = s.repeat(choice([1, 2, 3]), |s| s.basic(Op::new("relu")))?;
                s.chain(&last, &next)?;
                last = next;
            }
            Ok(s.border_of(&first, &last))
        };
        let def = SpaceDef::new(deep);
        check_against_uncached(&def, deep, 0..120);
        assert_eq!(kept(&def), MAX_SNAPSHOTS);
        check_against_uncached(&def, deep, 0..20);
        // A large space where a decision builds little: not worth a copy.
        let large = |s: &mut Space| {
            let body = s.repeat(200, |s| s.basic(Op::new("relu")))?;
            let tail = s.optional(|s| s.basic(Op::new("act").param("kind", choice(["relu", "gelu"]))))?;
            s.chain(&body, &tail)?;
            Ok(s.border_of(&body, &tail))
        };
        let def = SpaceDef::new(large);
        check_against_uncached(&def, large, 0..20);
        assert_eq!(kept(&def), 0);
    }

    #[test]
    fn substitutions_may_use_other_definitions_meanwhile() {
        use crate::{Op, choice};
        let inner = SpaceDef::new(|s| s.repeat(choice([1, 2, 3]), |s| s.basic(Op::new("relu"))));
        let outer = {
            let inner = inner.clone();
            move |s: &mut Space| {
                let inner = inner.clone();
                s.repeat(choice([1, 2]), move |s| {
                    // Samples the inner definition while the outer one specifies.
                    let units = inner.sample_random(&mut rng(7))?.modules().len();
                    s.basic(Op::new("dense").param("units", units))
                })
            }
        };
        let def = SpaceDef::new(outer.clone());
        for _ in 0..2 {
            check_against_uncached(&def, &outer, 0..30);
        }
        assert!(kept(&def) > 0 && kept(&inner) > 0);
    }

    #[test]
    fn a_copy_taken_mid_specification_goes_on_independently() {
        let mut space = Space::build(every_record).unwrap();
        let n = space.next_decision().unwrap();
        space.assign_index(n, 1).unwrap();
        let snapshot = space.clone();
        let mut other = space.clone();
        let mut both = Vec::new();
        for (copy, seed) in [(&mut space, 1), (&mut other, 2)] {
            while let Some(h) = copy.next_decision() {
                let last = copy.domain(h).unwrap().len() - 1;
                copy.assign_index(h, if seed == 1 { 0 } else { last }).unwrap();
            }
            both.push(copy.freeze().unwrap());
        }
        assert_ne!(both[0], both[1]);
        // The snapshot was not touched by either; specified like the first, it freezes the same.
        let mut again = snapshot;
        while let Some(h) = again.next_decision() {
            again.assign_index(h, 0).unwrap();
        }
        assert_eq!(again.freeze().unwrap(), both[0]);
    }

    #[test]
    fn a_copy_taken_mid_build_knows_the_names_taken() {
        use crate::{Op, choice};
        let mut space = Space::new();
        space.named("x").basic(Op::new("relu")).unwrap();
        space.basic(Op::new("relu")).unwrap();
        space.in_scope("block", |s| s.named_choice("k", [1, 2])).unwrap();
        let width = space.shared("width", [8, 16]).unwrap();
        let mut copy = space.clone();
        for s in [&mut space, &mut copy] {
            assert_eq!(s.shared("width", [8, 16]).unwrap(), width, "a named shared hyperparameter is found again");
            assert!(matches!(s.named("x").basic(Op::new("relu")), Err(SpecError::DuplicateName { .. })));
            let next = s.basic(Op::new("relu")).unwrap();
            let k = s.in_scope("block", |s| s.named_choice("k", [3, 4]));
            assert!(matches!(k, Err(SpecError::DuplicateName { .. })), "{k:?}");
            let units = s.in_scope("block", |s| s.basic(Op::new("dense").param("units", choice([8, 16])))).unwrap();
            s.chain(&units, &next).unwrap();
        }
        let paths = |s: &mut Space| {
            let mut out = Vec::new();
            while let Some(h) = s.next_decision() {
                out.push(s.hyper_path(h));
                s.assign_index(h, 0).unwrap();
            }
            out
        };
        assert_eq!(paths(&mut space), paths(&mut copy));
    }

    #[test]
    fn templates_follow_their_own_definition() {
        // More definitions than template slots, interleaved, including two
        // built by the same code: each must still build its own space.
        let defs: Vec<SpaceDef> = (1..=TEMPLATE_SLOTS as i64 + 2)
            .map(|k| SpaceDef::new(move |s| s.named("r").repeat(k, |s| s.basic(crate::Op::new("relu")))))
            .chain([SpaceDef::new(every_record), SpaceDef::new(every_record)])
            .collect();
        // First as many as there are slots (copies from the third round on),
        // then all of them (slots evicted and refilled).
        for group in [&defs[..TEMPLATE_SLOTS], &defs[..]] {
            for round in 0..4 {
                for (k, def) in group.iter().enumerate() {
                    let arch = specified(def.instantiate().unwrap(), round);
                    if k <= TEMPLATE_SLOTS + 1 {
                        assert_eq!(arch.unwrap().modules().len(), k + 1, "round {round}");
                    }
                }
            }
        }
        // The two definitions with the same code sample alike.
        let (a, b) = (&defs[TEMPLATE_SLOTS + 2], &defs[TEMPLATE_SLOTS + 3]);
        for seed in 0..20 {
            let (x, y) = (specified(a.instantiate().unwrap(), seed), specified(b.instantiate().unwrap(), seed));
            assert_eq!(x.map_err(|e| e.to_string()), y.map_err(|e| e.to_string()));
        }
    }

    #[test]
    fn a_failed_build_leaves_no_state_behind() {
        let broken = SpaceDef::new(|s| {
            s.named("x").basic(crate::Op::new("relu"))?;
            s.named("x").basic(crate::Op::new("relu"))
        });
        assert!(broken.instantiate().is_err());
        let def = crate::spaces::seed();
        let mut space = def.instantiate().unwrap();
        space.specify_random(&mut rng(3)).unwrap();
        let arch = def.finish(space).unwrap();
        assert_eq!(arch, def.replay(arch.decisions()).unwrap());
        assert!(arch.modules().iter().all(|m| m.path != "x"));
    }
}
