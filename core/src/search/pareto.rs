//! Pareto dominance over several objectives: the front of a search,
//! NSGA-II's non-dominated sorting and crowding distance (Deb, Pratap,
//! Agarwal & Meyarivan 2002), and the hypervolume a front dominates.
//!
//! Points are *scores*: one per objective, larger is better (a minimized
//! metric is negated, as [`Objective::score`] does).

use super::outcome::Objective;
use super::record::{TrialRecord, TrialStatus};

/// True when `a` is at least as good as `b` in every score and better in one.
///
/// ```
/// use archspace_core::search::dominates;
/// assert!(dominates(&[0.9, -3.0], &[0.8, -3.0]));
/// assert!(!dominates(&[0.9, -5.0], &[0.8, -3.0]));
/// assert!(!dominates(&[0.9, -3.0], &[0.9, -3.0]));
/// ```
pub fn dominates(a: &[f64], b: &[f64]) -> bool {
    a.iter().zip(b).all(|(x, y)| x >= y) && a.iter().zip(b).any(|(x, y)| x > y)
}

/// The non-domination rank of every point: 0 for the points no other
/// dominates (the front), 1 for those only rank-0 points dominate, and so on
/// (the fast non-dominated sort of NSGA-II, O(M·N²)).
pub(crate) fn non_dominated_ranks(points: &[Vec<f64>]) -> Vec<usize> {
    let n = points.len();
    let mut dominated_by = vec![0usize; n];
    let mut dominating: Vec<Vec<usize>> = vec![Vec::new(); n];
    for i in 0..n {
        for j in i + 1..n {
            if dominates(&points[i], &points[j]) {
                dominating[i].push(j);
                dominated_by[j] += 1;
            } else if dominates(&points[j], &points[i]) {
                dominating[j].push(i);
                dominated_by[i] += 1;
            }
        }
    }
    let mut ranks = vec![0usize; n];
    let mut current: Vec<usize> = (0..n).filter(|&i| dominated_by[i] == 0).collect();
    let mut rank = 0;
    while !current.is_empty() {
        let mut next = Vec::new();
        for &i in &current {
            ranks[i] = rank;
            for &j in &dominating[i] {
                dominated_by[j] -= 1;
                if dominated_by[j] == 0 {
                    next.push(j);
                }
            }
        }
        rank += 1;
        current = next;
    }
    ranks
}

/// NSGA-II's crowding distance of each point of `members` (indices into
/// `points`, one front): the sum over objectives of the normalized gap
/// between its neighbours; the extremes of each objective get infinity.
pub(crate) fn crowding_distances(points: &[Vec<f64>], members: &[usize]) -> Vec<f64> {
    let mut distance = vec![0.0; members.len()];
    let objectives = members.first().map_or(0, |&m| points[m].len());
    for objective in 0..objectives {
        add_crowding(&mut distance, points, members, objective);
    }
    distance
}

/// Adds the share of the crowding distance of score number `objective`.
fn add_crowding(distance: &mut [f64], points: &[Vec<f64>], members: &[usize], objective: usize) {
    let value = |i: usize| points[members[i]][objective];
    let mut order: Vec<usize> = (0..distance.len()).collect();
    order.sort_by(|&a, &b| value(a).total_cmp(&value(b)));
    let (Some(&first), Some(&last)) = (order.first(), order.last()) else { return };
    let span = value(last) - value(first);
    distance[first] = f64::INFINITY;
    distance[last] = f64::INFINITY;
    if span <= 0.0 {
        return;
    }
    for w in order.windows(3) {
        distance[w[1]] += (value(w[2]) - value(w[0])) / span;
    }
}

/// The volume of score space that `points` dominate and that dominates
/// `reference` (larger is better; points not better than the reference in
/// every score add nothing). Exact, by slicing along the last score
/// (While, Hingston, Barone & Huband 2006); meant for fronts of a few
/// hundred points and a few objectives.
///
/// ```
/// use archspace_core::search::hypervolume;
/// // Two points, reference at the origin: 2·1 + 1·2 − 1·1 = 3.
/// assert_eq!(hypervolume(&[vec![2.0, 1.0], vec![1.0, 2.0]], &[0.0, 0.0]), 3.0);
/// ```
pub fn hypervolume(points: &[Vec<f64>], reference: &[f64]) -> f64 {
    let inside: Vec<&[f64]> = points
        .iter()
        .map(Vec::as_slice)
        .filter(|p| p.len() == reference.len() && p.iter().zip(reference).all(|(x, r)| x > r))
        .collect();
    volume(&inside, reference)
}

fn volume(points: &[&[f64]], reference: &[f64]) -> f64 {
    let d = reference.len();
    if points.is_empty() || d == 0 {
        return 0.0;
    }
    if d == 1 {
        return points.iter().map(|p| p[0] - reference[0]).fold(0.0, f64::max);
    }
    // Sweep the last score from the best point down: each slab between two
    // consecutive values is the (d−1)-volume of the points above it.
    let mut sorted: Vec<&[f64]> = points.to_vec();
    sorted.sort_by(|a, b| b[d - 1].total_cmp(&a[d - 1]));
    let mut total = 0.0;
    let mut above: Vec<&[f64]> = Vec::with_capacity(sorted.len());
    for (i, p) in sorted.iter().enumerate() {
        above.push(&p[..d - 1]);
        let lower = sorted.get(i + 1).map_or(reference[d - 1], |q| q[d - 1]);
        let height = p[d - 1] - lower;
        if height > 0.0 {
            total += height * volume(&above, &reference[..d - 1]);
        }
    }
    total
}

/// Every objective's score of a record: `objective`, then `tradeoffs`
/// (`None` when the trial did not complete or lacks one of the metrics).
pub(crate) fn record_scores(record: &TrialRecord, objective: &Objective, tradeoffs: &[Objective]) -> Option<Vec<f64>> {
    if record.status != TrialStatus::Completed {
        return None;
    }
    std::iter::once(objective).chain(tradeoffs).map(|o| o.score(&record.metrics).ok()).collect()
}

/// The completed trials no other completed trial dominates under
/// `objective` and `tradeoffs`, best `objective` first (then by trial).
/// With several budgets (multi-fidelity), only the trials at the largest
/// budget of each architecture count, since a score at a smaller budget
/// is not comparable.
pub fn pareto_front<'a>(
    records: &'a [TrialRecord],
    objective: &Objective,
    tradeoffs: &[Objective],
) -> Vec<&'a TrialRecord> {
    let final_only = super::report::final_evaluations(records);
    let scored: Vec<(&TrialRecord, Vec<f64>)> =
        final_only.into_iter().filter_map(|r| Some((r, record_scores(r, objective, tradeoffs)?))).collect();
    let points: Vec<Vec<f64>> = scored.iter().map(|(_, p)| p.clone()).collect();
    let ranks = non_dominated_ranks(&points);
    let mut front: Vec<(&TrialRecord, f64)> =
        scored.iter().zip(&ranks).filter(|(_, r)| **r == 0).map(|((rec, p), _)| (*rec, p[0])).collect();
    front.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.trial.id.cmp(&b.0.trial.id)));
    front.into_iter().map(|(r, _)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_peel_fronts_off_one_after_another() {
        let points =
            vec![vec![3.0, 1.0], vec![1.0, 3.0], vec![2.0, 2.0], vec![1.0, 1.0], vec![0.0, 0.5], vec![2.0, 2.0]];
        assert_eq!(non_dominated_ranks(&points), [0, 0, 0, 1, 2, 0]);
        let d = crowding_distances(&points, &[0, 1, 2]);
        assert!(d[0].is_infinite() && d[1].is_infinite());
        assert!((d[2] - 2.0).abs() < 1e-12, "{d:?}");
    }

    #[test]
    fn hypervolume_in_three_dimensions_matches_inclusion_exclusion() {
        let a = vec![2.0, 1.0, 1.0];
        let b = vec![1.0, 2.0, 1.0];
        let c = vec![1.0, 1.0, 2.0];
        // Three boxes of volume 2 that pairwise share the unit cube, all three too.
        let hv = hypervolume(&[a.clone(), b, c], &[0.0, 0.0, 0.0]);
        assert!((hv - (6.0 - 3.0 + 1.0)).abs() < 1e-12, "{hv}");
        assert_eq!(hypervolume(&[a.clone(), a], &[0.0; 3]), 2.0, "a repeated point counts once");
        assert_eq!(hypervolume(&[vec![-1.0, 5.0, 5.0]], &[0.0; 3]), 0.0);
    }
}
