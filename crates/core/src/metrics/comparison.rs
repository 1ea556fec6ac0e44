//! Two recognizers on the same labelled searches: the threshold at which one gives the other's
//! overall FPIR (the fair comparison: a model is only "better" at an equal false-alert
//! rate, since each one's default threshold sits somewhere else on its own scale), and which
//! searches, faces or tracks one model flags and the other does not.
//!
//! Scores of two models are never compared with each other: a threshold is chosen from the
//! moved model's own non-mated scores, and each model's alerts are decided on its own scale.

use serde::{Deserialize, Serialize};

use super::{Rate, Search};

/// A threshold chosen to give a wanted FPIR, with the FPIR it gives.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct FpirThreshold {
    /// Alert at or above this lineup score (on the model's own metric; see `Metric::score`):
    /// the loosest threshold giving `fpir`, `below` raised by the least step of an f32.
    pub threshold: f32,
    /// The highest non-mated score that does not alert there, if any: every threshold above it
    /// up to the next non-mated score raises exactly the same false alerts.
    pub below: Option<f32>,
    /// Non-mated searches that alert there / non-mated searches (Wilson interval; the caller
    /// measures it again, clustered by person, with the rest of the metrics).
    pub fpir: Rate,
}

/// The threshold at which the non-mated searches among `searches` (those in the first `slices`
/// slices) alert at the FPIR nearest `target`; of two equally near, the lower FPIR (fewer false
/// alerts). FPIR only changes at the observed non-mated scores, so each FPIR is given by a band
/// of thresholds, `(below, highest alerting score]`; the one chosen is always the band's
/// loosest: just above `below`, the highest non-mated score that must not alert, whether the
/// FPIR is 0 or not (the lowest number when every non-mated search alerts). Of the thresholds
/// giving that FPIR on these searches it is the one that misses the fewest mated searches, so
/// it is fitted on them (in-sample) and optimistic for the model moved to it; a comparison must
/// move each model in turn. None when there is no non-mated search, or `target` is not a number.
pub fn threshold_for_fpir(
    searches: &[Search],
    slices: usize,
    target: f64,
) -> Option<FpirThreshold> {
    if target.is_nan() {
        return None;
    }
    let non_mated: Vec<&Search> = searches
        .iter()
        .filter(|s| s.slice < slices && s.true_identity.is_none())
        .collect();
    let n = non_mated.len() as u64;
    if n == 0 {
        return None;
    }
    // Scores that can raise an alert, highest first (a search without a candidate, or with a
    // score that is not a number, never alerts).
    let mut scores: Vec<f32> = non_mated
        .iter()
        .filter(|s| s.top_identity.is_some() && s.top_score.is_finite())
        .map(|s| s.top_score)
        .collect();
    scores.sort_by(|a, b| b.total_cmp(a));
    // The band's loosest threshold where the first `alerting` scores alert and the next does not.
    let loosest = |alerting: usize| FpirThreshold {
        threshold: scores
            .get(alerting)
            .map_or(f32::MIN, |&below| below.next_up()),
        below: scores.get(alerting).copied(),
        fpir: Rate::new(alerting as u64, n),
    };
    // Bands in order of rising FPIR: none alerting, then down to each distinct score.
    let mut best = loosest(0);
    let distance = |rate: &Rate| (rate.k as f64 / n as f64 - target).abs();
    let mut at = 0;
    while at < scores.len() {
        let score = scores[at];
        while at < scores.len() && scores[at] == score {
            at += 1;
        }
        let candidate = loosest(at);
        // Strictly nearer only: a tie keeps the lower FPIR found before.
        if distance(&candidate.fpir) < distance(&best.fpir) {
            best = candidate;
        }
    }
    Some(best)
}

/// What two models flag among the same items (faces, tracks or searches, by position).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disagreements {
    /// Items the first model flags and the second does not, by position.
    pub only_first: Vec<usize>,
    /// Items the second model flags and the first does not.
    pub only_second: Vec<usize>,
    /// Items both flag.
    pub both: usize,
    /// Items neither flags.
    pub neither: usize,
}

/// Item by item, whether `first` and `second` flag it (the two lists are of the same items in
/// the same order; items past the shorter list are left out).
pub fn disagreements(first: &[bool], second: &[bool]) -> Disagreements {
    let mut found = Disagreements::default();
    for (item, (&one, &other)) in first.iter().zip(second).enumerate() {
        match (one, other) {
            (true, true) => found.both += 1,
            (true, false) => found.only_first.push(item),
            (false, true) => found.only_second.push(item),
            (false, false) => found.neither += 1,
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::IdentityId;

    fn non_mated(score: f32) -> Search {
        Search {
            true_identity: None,
            top_identity: Some(IdentityId(1)),
            top_score: score,
            slice: 0,
            person: 0,
        }
    }

    fn alerts_at(searches: &[Search], threshold: f32) -> usize {
        searches
            .iter()
            .filter(|s| s.true_identity.is_none() && s.top_score >= threshold)
            .count()
    }

    #[test]
    fn the_threshold_gives_the_nearest_fpir_and_raises_exactly_its_alerts() {
        // Ten non-mated searches, two of them tied at 0.5; one mated search that never counts.
        let mut searches: Vec<Search> = [0.9, 0.8, 0.7, 0.6, 0.5, 0.5, 0.4, 0.3, 0.2, 0.1]
            .into_iter()
            .map(non_mated)
            .collect();
        searches.push(Search {
            true_identity: Some(IdentityId(1)),
            ..non_mated(0.95)
        });
        let chosen = |target| threshold_for_fpir(&searches, 1, target).unwrap();

        let three = chosen(0.3);
        assert_eq!(
            (three.threshold, three.below),
            (0.6f32.next_up(), Some(0.6))
        );
        assert_eq!((three.fpir.k, three.fpir.n), (3, 10));
        assert_eq!(alerts_at(&searches, three.threshold), 3);
        // 0.55 lies between 5/10 and 6/10; the tie at 0.5 jumps from 4 to 6 alerts, so the
        // nearest is 6/10 (0.05 away) against 4/10 (0.15 away).
        assert_eq!(chosen(0.55).fpir.k, 6);
        assert_eq!(chosen(0.55).threshold, 0.4f32.next_up());
        // Equally near 2/10 and 3/10: the lower FPIR.
        assert_eq!(chosen(0.25).fpir.k, 2);
        // None at all: just above the highest score.
        let none = chosen(0.0);
        assert_eq!(none.fpir.k, 0);
        assert!(none.threshold > 0.9 && none.below == Some(0.9));
        assert_eq!(alerts_at(&searches, none.threshold), 0);
        assert_eq!(chosen(1.0).fpir.k, 10);
    }

    /// Issue #20 finding 3: every FPIR is given by a band of thresholds; the one chosen is
    /// always at the band's same place, its loosest (just above the highest non-mated score that
    /// must not alert), whether the FPIR is 0 or not.
    #[test]
    fn the_threshold_is_the_loosest_of_its_band_at_every_fpir() {
        let searches: Vec<Search> = [0.9, 0.8, 0.7, 0.6, 0.5, 0.5, 0.4, 0.3, 0.2, 0.1]
            .into_iter()
            .map(non_mated)
            .collect();
        for target in [0.0, 0.1, 0.3, 0.55, 0.9] {
            let chosen = threshold_for_fpir(&searches, 1, target).unwrap();
            let below = chosen.below.expect("a non-mated score stays below");
            assert_eq!(chosen.threshold, below.next_up(), "at {target}");
            assert_eq!(alerts_at(&searches, chosen.threshold) as u64, chosen.fpir.k);
            assert_eq!(alerts_at(&searches, below) as u64, chosen.fpir.k + 1);
        }
        // Every non-mated search alerting: no score stays below, the loosest is the lowest.
        let all = threshold_for_fpir(&searches, 1, 1.0).unwrap();
        assert_eq!((all.threshold, all.below, all.fpir.k), (f32::MIN, None, 10));
    }

    #[test]
    fn without_non_mated_searches_no_threshold_is_chosen() {
        assert_eq!(threshold_for_fpir(&[], 1, 0.1), None);
        // Slice 1 is out of range: as if absent.
        let elsewhere = Search {
            slice: 1,
            ..non_mated(0.5)
        };
        assert_eq!(threshold_for_fpir(&[elsewhere], 1, 0.1), None);
        assert_eq!(threshold_for_fpir(&[non_mated(0.5)], 1, f64::NAN), None);
        // Non-mated searches that can never alert: FPIR 0 at any threshold.
        let no_candidate = Search {
            top_identity: None,
            ..non_mated(0.5)
        };
        let chosen = threshold_for_fpir(&[no_candidate], 1, 0.5).unwrap();
        assert_eq!((chosen.fpir.k, chosen.fpir.n), (0, 1));
    }

    #[test]
    fn disagreements_list_what_one_model_flags_alone() {
        let found = disagreements(
            &[true, true, false, false, true],
            &[true, false, true, false, false],
        );
        assert_eq!(found.only_first, vec![1, 4]);
        assert_eq!(found.only_second, vec![2]);
        assert_eq!((found.both, found.neither), (1, 1));
    }
}
