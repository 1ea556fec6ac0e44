//! Sorted score arrays per slice, so that moving a threshold costs a handful of binary searches.
//!
//! Every metric at threshold `T` is a count of scores `>= T` in one of three sorted arrays per
//! slice (non-mated top scores, mated scores on the right person, mated scores on the wrong
//! person), plus the searches that returned no candidate and so can never alert. Building the
//! index sorts once per slicing (O(N log N)); recomputing all slices' metrics afterwards is
//! O(slices · log N) with a single allocation for the result.

use super::rates::Rate;
use super::{Search, SliceMetrics};

/// The bottom of the cosine score range. Returned by
/// [`SliceIndex::thresholds_for_max_fpir`] for a slice whose non-mated searches never produced a
/// candidate, where every threshold gives FPIR 0 and the lowest sensible one is the bottom.
pub(crate) const LOWEST_SCORE: f32 = -1.0;

/// One slice's searches, split by what kind of alert they could raise and sorted by score.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct SliceScores {
    /// Top scores of non-mated searches that returned a candidate, ascending.
    pub(super) non_mated: Vec<f32>,
    /// Scores of mated searches whose rank-1 candidate is the right person, ascending.
    pub(super) mated_correct: Vec<f32>,
    /// Top scores of mated searches whose rank-1 candidate is somebody else, ascending.
    pub(super) mated_wrong: Vec<f32>,
    /// Non-mated searches that returned no candidate: they count in FPIR's denominator only.
    pub(super) non_mated_without_candidate: u64,
    /// Mated searches that returned no candidate: always a miss.
    pub(super) mated_without_candidate: u64,
}

impl SliceScores {
    fn add(&mut self, search: &Search) {
        let score = search
            .top_identity
            .filter(|_| search.top_score.is_finite())
            .map(|identity| (identity, search.top_score));
        match (search.true_identity, score) {
            (None, None) => self.non_mated_without_candidate += 1,
            (None, Some((_, score))) => self.non_mated.push(score),
            (Some(_), None) => self.mated_without_candidate += 1,
            (Some(truth), Some((top, score))) if truth == top => self.mated_correct.push(score),
            (Some(_), Some((_, score))) => self.mated_wrong.push(score),
        }
    }

    fn sort(&mut self) {
        self.non_mated.sort_unstable_by(f32::total_cmp);
        self.mated_correct.sort_unstable_by(f32::total_cmp);
        self.mated_wrong.sort_unstable_by(f32::total_cmp);
    }

    /// Non-mated searches, with or without a candidate.
    pub(super) fn non_mated_count(&self) -> u64 {
        self.non_mated.len() as u64 + self.non_mated_without_candidate
    }

    /// Mated searches, with or without a candidate.
    pub(super) fn mated_count(&self) -> u64 {
        self.mated_correct.len() as u64
            + self.mated_wrong.len() as u64
            + self.mated_without_candidate
    }

    pub(super) fn metrics_at(&self, slice: usize, threshold: f32) -> SliceMetrics {
        let false_alerts = count_at_or_above(&self.non_mated, threshold);
        let correct_hits = count_at_or_above(&self.mated_correct, threshold);
        let wrong_identity_alerts = count_at_or_above(&self.mated_wrong, threshold);
        let non_mated = self.non_mated_count();
        let mated = self.mated_count();
        SliceMetrics {
            slice,
            threshold,
            fpir: Rate::new(false_alerts, non_mated),
            fnir: Rate::new(mated - correct_hits, mated),
            wrong_identity_alerts: Rate::new(wrong_identity_alerts, mated),
            flag_rate: Rate::new(
                false_alerts + correct_hits + wrong_identity_alerts,
                non_mated + mated,
            ),
        }
    }

    /// Lowest observed non-mated score (or the value just above the highest) that keeps FPIR
    /// at or below `max_fpir`; see [`SliceIndex::thresholds_for_max_fpir`].
    fn lowest_threshold_for_max_fpir(&self, max_fpir: f64) -> Option<f32> {
        let searches = self.non_mated_count();
        if searches == 0 || max_fpir.is_nan() || max_fpir < 0.0 {
            return None;
        }
        let allowed_alerts = max_alerts_within(max_fpir, searches);
        let scores = &self.non_mated;
        let (Some(&lowest), Some(&highest)) = (scores.first(), scores.last()) else {
            // No non-mated search produced a candidate: FPIR is 0 at any threshold.
            return Some(LOWEST_SCORE);
        };
        if allowed_alerts >= scores.len() as u64 {
            return Some(lowest);
        }
        // At threshold scores[i], the alerts are the scores at or above it: scores.len() − i
        // when scores[i] is the first of its value. Start where exactly `allowed_alerts` remain.
        let first_allowed = scores.len() - allowed_alerts as usize;
        let candidate = match scores.get(first_allowed) {
            Some(&candidate) => candidate,
            None => return Some(highest.next_up()),
        };
        if count_at_or_above(scores, candidate) <= allowed_alerts {
            return Some(candidate);
        }
        // `candidate` ties with lower-ranked scores, so thresholding at it would alert on too
        // many: move to the next distinct score, or just above the highest.
        let next_distinct = scores.partition_point(|&score| score <= candidate);
        Some(
            scores
                .get(next_distinct)
                .copied()
                .unwrap_or_else(|| highest.next_up()),
        )
    }
}

/// How many of the `sorted` (ascending) scores would alert at `threshold`, i.e. are `>=` it.
/// A NaN threshold alerts on nothing, as `score >= NaN` is false.
pub(super) fn count_at_or_above(sorted: &[f32], threshold: f32) -> u64 {
    if threshold.is_nan() {
        return 0;
    }
    (sorted.len() - sorted.partition_point(|&score| score < threshold)) as u64
}

/// The largest `k <= n` with `k / n <= max_rate`, computed the same way as [`Rate::new`]
/// computes rates so that the FPIR reported at the chosen threshold really is `<= max_rate`.
fn max_alerts_within(max_rate: f64, n: u64) -> u64 {
    if max_rate >= 1.0 {
        return n;
    }
    let n_f = n as f64;
    // The float product can land one off either way; nudge until the exact condition holds.
    let mut k = ((max_rate * n_f).floor() as u64).min(n);
    while k > 0 && k as f64 / n_f > max_rate {
        k -= 1;
    }
    while k < n && (k + 1) as f64 / n_f <= max_rate {
        k += 1;
    }
    k
}

/// Per-slice sorted scores, built once per slicing; answers metrics at any thresholds quickly.
///
/// This is a derived cache rather than a document, so it is not serialised: rebuild it from the
/// searches instead (its sortedness is an invariant that deserialised data could break).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SliceIndex {
    slices: Vec<SliceScores>,
    ignored_searches: u64,
}

impl SliceIndex {
    /// Sorts the searches into `slice_count` slices. Searches whose `slice` is not below
    /// `slice_count` are left out and counted in [`SliceIndex::ignored_searches`].
    pub fn build(searches: &[Search], slice_count: usize) -> SliceIndex {
        let mut slices = vec![SliceScores::default(); slice_count];
        let mut ignored_searches = 0;
        for search in searches {
            match slices.get_mut(search.slice) {
                Some(slice) => slice.add(search),
                None => ignored_searches += 1,
            }
        }
        for slice in &mut slices {
            slice.sort();
        }
        SliceIndex {
            slices,
            ignored_searches,
        }
    }

    /// Number of slices in this slicing (including empty ones).
    pub fn slice_count(&self) -> usize {
        self.slices.len()
    }

    /// Searches left out because their slice index was out of range.
    pub fn ignored_searches(&self) -> u64 {
        self.ignored_searches
    }

    pub(super) fn scores(&self, slice: usize) -> Option<&SliceScores> {
        self.slices.get(slice)
    }

    /// Metrics for every slice, each at its own threshold: `thresholds[i]` applies to slice `i`.
    ///
    /// The result has one entry per slice that has a threshold: if `thresholds` is shorter than
    /// the number of slices the remaining slices are left out, and extra thresholds are ignored.
    /// A NaN threshold raises no alerts.
    pub(crate) fn metrics_at(&self, thresholds: &[f32]) -> Vec<SliceMetrics> {
        let mut metrics = Vec::with_capacity(self.slices.len().min(thresholds.len()));
        self.metrics_at_into(thresholds, &mut metrics);
        metrics
    }

    /// As [`SliceIndex::metrics_at`], but writes into `out` (cleared first) so that an
    /// interactive caller can reuse one buffer and recompute without allocating.
    pub(crate) fn metrics_at_into(&self, thresholds: &[f32], out: &mut Vec<SliceMetrics>) {
        out.clear();
        out.extend(
            self.slices
                .iter()
                .zip(thresholds)
                .enumerate()
                .map(|(slice, (scores, &threshold))| scores.metrics_at(slice, threshold)),
        );
    }

    /// Metrics for every slice at one shared threshold.
    pub fn metrics_at_global(&self, threshold: f32) -> Vec<SliceMetrics> {
        self.slices
            .iter()
            .enumerate()
            .map(|(slice, scores)| scores.metrics_at(slice, threshold))
            .collect()
    }

    /// Metrics for one slice at one threshold; `None` if the slice does not exist.
    #[cfg(test)]
    fn slice_metrics_at(&self, slice: usize, threshold: f32) -> Option<SliceMetrics> {
        self.scores(slice)
            .map(|scores| scores.metrics_at(slice, threshold))
    }

    /// The highest non-mated score of `slice` strictly below `threshold`: the score a threshold
    /// may be lowered towards without raising another false alert. `None` where there is none.
    pub fn non_mated_score_below(&self, slice: usize, threshold: f32) -> Option<f32> {
        let scores = &self.scores(slice)?.non_mated;
        let at = scores.partition_point(|&score| score < threshold);
        at.checked_sub(1).map(|i| scores[i])
    }

    /// For each slice, the lowest threshold at which its FPIR is `<= max_fpir`.
    ///
    /// Thresholds are chosen among the slice's observed non-mated scores, plus the value just
    /// above the highest one (which silences every non-mated search), as on a DET curve: FPIR
    /// only changes at those scores. So the answer is the lowest threshold up to the gap below
    /// it, where FPIR would be the same but no score lies.
    ///
    /// `None` where the slice has no non-mated searches (FPIR cannot be measured) or `max_fpir`
    /// is negative or NaN. A slice whose non-mated searches never returned a candidate has FPIR
    /// 0 everywhere and gets [`LOWEST_SCORE`].
    pub fn thresholds_for_max_fpir(&self, max_fpir: f64) -> Vec<Option<f32>> {
        self.slices
            .iter()
            .map(|scores| scores.lowest_threshold_for_max_fpir(max_fpir))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::IdentityId;

    fn non_mated(score: f32, slice: usize) -> Search {
        Search {
            true_identity: None,
            top_identity: Some(IdentityId(100)),
            top_score: score,
            slice,
            person: 0,
        }
    }

    fn mated_correct(score: f32, slice: usize) -> Search {
        Search {
            true_identity: Some(IdentityId(7)),
            top_identity: Some(IdentityId(7)),
            top_score: score,
            slice,
            person: 0,
        }
    }

    fn mated_wrong(score: f32, slice: usize) -> Search {
        Search {
            true_identity: Some(IdentityId(7)),
            top_identity: Some(IdentityId(8)),
            top_score: score,
            slice,
            person: 0,
        }
    }

    fn no_candidate(mated: bool, slice: usize) -> Search {
        Search {
            true_identity: mated.then_some(IdentityId(7)),
            top_identity: None,
            top_score: 0.99,
            slice,
            person: 0,
        }
    }

    fn counts(rate: &Rate) -> (u64, u64) {
        (rate.k, rate.n)
    }

    /// Slice 0: non-mated 0.2, 0.5, 0.8, one without candidate; mated correct 0.4, 0.6, 0.9;
    /// mated wrong 0.7; one mated without candidate.
    fn mixed_slice() -> Vec<Search> {
        vec![
            non_mated(0.2, 0),
            non_mated(0.8, 0),
            non_mated(0.5, 0),
            no_candidate(false, 0),
            mated_correct(0.9, 0),
            mated_correct(0.4, 0),
            mated_correct(0.6, 0),
            mated_wrong(0.7, 0),
            no_candidate(true, 0),
        ]
    }

    #[test]
    fn metrics_of_a_mixed_slice_by_hand() {
        let index = SliceIndex::build(&mixed_slice(), 1);
        let metrics = index.metrics_at(&[0.55]);
        assert_eq!(metrics.len(), 1);
        let m = &metrics[0];
        assert_eq!(m.slice, 0);
        assert_eq!(m.threshold, 0.55);
        // Non-mated alerting at 0.55: only 0.8, out of 4 non-mated (incl. no candidate).
        assert_eq!(counts(&m.fpir), (1, 4));
        assert_eq!(m.fpir.rate, Some(0.25));
        // Mated: 5. Correct hits at 0.55: 0.6 and 0.9 → misses 3 (0.4, the wrong one, none).
        assert_eq!(counts(&m.fnir), (3, 5));
        assert_eq!(m.fnir.rate, Some(0.6));
        // Wrong-identity alert: 0.7 >= 0.55.
        assert_eq!(counts(&m.wrong_identity_alerts), (1, 5));
        // Alerts: 0.8 (false) + 0.6, 0.9 (correct) + 0.7 (wrong) = 4 of 9.
        assert_eq!(counts(&m.flag_rate), (4, 9));
    }

    #[test]
    fn threshold_equal_to_a_score_raises_an_alert() {
        let index = SliceIndex::build(&mixed_slice(), 1);
        let m = index.metrics_at_global(0.5)[0];
        // 0.5 and 0.8 alert among the non-mated.
        assert_eq!(counts(&m.fpir), (2, 4));
        let m = index.metrics_at_global(0.6)[0];
        // 0.6 is a correct hit at threshold 0.6: misses are 0.4, wrong one, no candidate.
        assert_eq!(counts(&m.fnir), (3, 5));
        let m = index.metrics_at_global(0.7)[0];
        assert_eq!(counts(&m.wrong_identity_alerts), (1, 5));
        let m = index.metrics_at_global(0.9)[0];
        assert_eq!(counts(&m.fnir), (4, 5));
        assert_eq!(counts(&m.flag_rate), (1, 9));
    }

    #[test]
    fn extreme_thresholds() {
        let index = SliceIndex::build(&mixed_slice(), 1);
        let everything = index.metrics_at_global(-1.0)[0];
        // Everyone with a candidate alerts; the no-candidate searches never do.
        assert_eq!(counts(&everything.fpir), (3, 4));
        assert_eq!(counts(&everything.fnir), (2, 5));
        assert_eq!(counts(&everything.flag_rate), (7, 9));
        let nothing = index.metrics_at_global(1.5)[0];
        assert_eq!(counts(&nothing.fpir), (0, 4));
        assert_eq!(counts(&nothing.fnir), (5, 5));
        assert_eq!(counts(&nothing.wrong_identity_alerts), (0, 5));
        let nan = index.metrics_at_global(f32::NAN)[0];
        assert_eq!(counts(&nan.fpir), (0, 4));
        assert_eq!(counts(&nan.flag_rate), (0, 9));
    }

    #[test]
    fn empty_input_gives_unmeasured_rates_everywhere() {
        let index = SliceIndex::build(&[], 3);
        let metrics = index.metrics_at_global(0.5);
        assert_eq!(metrics.len(), 3);
        for m in &metrics {
            for rate in [m.fpir, m.fnir, m.wrong_identity_alerts, m.flag_rate] {
                assert_eq!(counts(&rate), (0, 0));
                assert_eq!(rate.rate, None);
                assert_eq!(rate.interval, None);
            }
        }
        assert_eq!(index.thresholds_for_max_fpir(0.1), vec![None, None, None]);
        assert!(SliceIndex::build(&[], 0).metrics_at_global(0.5).is_empty());
    }

    #[test]
    fn slice_with_only_mated_searches_has_no_fpir() {
        let searches = [mated_correct(0.9, 0), mated_wrong(0.8, 0)];
        let m = SliceIndex::build(&searches, 1).metrics_at_global(0.5)[0];
        assert_eq!(m.fpir.rate, None);
        assert_eq!(m.fpir.interval, None);
        assert_eq!(counts(&m.fnir), (1, 2));
        assert_eq!(counts(&m.wrong_identity_alerts), (1, 2));
        assert_eq!(counts(&m.flag_rate), (2, 2));
    }

    #[test]
    fn slice_with_only_non_mated_searches_has_no_fnir() {
        let searches = [non_mated(0.3, 0), non_mated(0.6, 0)];
        let m = SliceIndex::build(&searches, 1).metrics_at_global(0.5)[0];
        assert_eq!(counts(&m.fpir), (1, 2));
        assert_eq!(m.fnir.rate, None);
        assert_eq!(m.wrong_identity_alerts.rate, None);
        assert_eq!(counts(&m.flag_rate), (1, 2));
    }

    #[test]
    fn searches_go_to_their_own_slice_and_out_of_range_ones_are_counted() {
        let searches = [
            non_mated(0.9, 0),
            non_mated(0.1, 1),
            non_mated(0.95, 1),
            mated_correct(0.9, 1),
            non_mated(0.9, 5),
        ];
        let index = SliceIndex::build(&searches, 2);
        assert_eq!(index.slice_count(), 2);
        assert_eq!(index.ignored_searches(), 1);
        let metrics = index.metrics_at(&[0.5, 0.92]);
        assert_eq!(counts(&metrics[0].fpir), (1, 1));
        assert_eq!(metrics[0].fnir.rate, None);
        assert_eq!(metrics[1].slice, 1);
        assert_eq!(metrics[1].threshold, 0.92);
        assert_eq!(counts(&metrics[1].fpir), (1, 2));
        // The mated 0.9 misses slice 1's own higher threshold.
        assert_eq!(counts(&metrics[1].fnir), (1, 1));
    }

    #[test]
    fn metrics_at_zips_thresholds_with_slices() {
        let searches = [non_mated(0.9, 0), non_mated(0.9, 1), non_mated(0.9, 2)];
        let index = SliceIndex::build(&searches, 3);
        let short = index.metrics_at(&[0.5, 0.95]);
        assert_eq!(short.len(), 2);
        assert_eq!(counts(&short[1].fpir), (0, 1));
        let long = index.metrics_at(&[0.5, 0.5, 0.5, 0.5]);
        assert_eq!(long.len(), 3);
        assert!(index.metrics_at(&[]).is_empty());
    }

    #[test]
    fn metrics_at_into_reuses_the_buffer() {
        let index = SliceIndex::build(&mixed_slice(), 1);
        let mut buffer = index.metrics_at_global(0.0);
        index.metrics_at_into(&[0.55], &mut buffer);
        assert_eq!(buffer, index.metrics_at(&[0.55]));
    }

    #[test]
    fn slice_metrics_at_for_a_missing_slice_is_none() {
        let index = SliceIndex::build(&mixed_slice(), 1);
        assert_eq!(index.slice_metrics_at(1, 0.5), None);
        assert_eq!(
            index.slice_metrics_at(0, 0.5),
            Some(index.metrics_at_global(0.5)[0])
        );
    }

    #[test]
    fn non_finite_scores_count_as_no_candidate() {
        let searches = [
            non_mated(f32::NAN, 0),
            non_mated(f32::INFINITY, 0),
            mated_correct(f32::NAN, 0),
        ];
        let m = SliceIndex::build(&searches, 1).metrics_at_global(-10.0)[0];
        assert_eq!(counts(&m.fpir), (0, 2));
        assert_eq!(counts(&m.fnir), (1, 1));
    }

    fn ten_non_mated() -> Vec<Search> {
        (1..=10).map(|i| non_mated(i as f32 / 10.0, 0)).collect()
    }

    #[test]
    fn threshold_for_max_fpir_picks_the_lowest_observed_score_that_fits() {
        // Non-mated scores 0.1 .. 1.0. FPIR <= 0.3 allows 3 alerts: 0.8, 0.9, 1.0.
        let index = SliceIndex::build(&ten_non_mated(), 1);
        assert_eq!(index.thresholds_for_max_fpir(0.3), vec![Some(0.8)]);
        // 0.35 still allows only 3.
        assert_eq!(index.thresholds_for_max_fpir(0.35), vec![Some(0.8)]);
        assert_eq!(index.thresholds_for_max_fpir(0.1), vec![Some(1.0)]);
        // FPIR 0: just above the highest score.
        let zero = index.thresholds_for_max_fpir(0.0);
        assert_eq!(zero, vec![Some(1.0f32.next_up())]);
        // Any FPIR allowed: the lowest score.
        assert_eq!(index.thresholds_for_max_fpir(1.0), vec![Some(0.1)]);
        assert_eq!(index.thresholds_for_max_fpir(-0.1), vec![None]);
        assert_eq!(index.thresholds_for_max_fpir(f64::NAN), vec![None]);
    }

    #[test]
    fn threshold_for_max_fpir_really_meets_the_target() {
        let index = SliceIndex::build(&ten_non_mated(), 1);
        for step in 0..=20 {
            let target = step as f64 / 20.0;
            let threshold = index.thresholds_for_max_fpir(target)[0].expect("reachable");
            let fpir = index.metrics_at_global(threshold)[0]
                .fpir
                .rate
                .expect("n > 0");
            assert!(
                fpir <= target,
                "target {target}: FPIR {fpir} at {threshold}"
            );
            // And the next lower observed score would break it (unless we are at the bottom).
            let lower = (1..=10)
                .map(|i| i as f32 / 10.0)
                .rfind(|&score| score < threshold);
            if let Some(lower) = lower {
                let fpir = index.metrics_at_global(lower)[0].fpir.rate.expect("n > 0");
                assert!(fpir > target, "target {target}: {lower} also fits");
            }
        }
    }

    #[test]
    fn threshold_for_max_fpir_steps_over_ties() {
        // Scores 0.2, 0.5, 0.5, 0.5, 0.9: allowing 2 alerts cannot stop at 0.5 (that is 4
        // alerts) so it must move up to 0.9.
        let searches: Vec<Search> = [0.2, 0.5, 0.5, 0.5, 0.9]
            .iter()
            .map(|&score| non_mated(score, 0))
            .collect();
        let index = SliceIndex::build(&searches, 1);
        assert_eq!(index.thresholds_for_max_fpir(0.4), vec![Some(0.9)]);
        assert_eq!(index.thresholds_for_max_fpir(0.8), vec![Some(0.5)]);
        // Ties at the top: allowing 1 alert when the two highest tie means none.
        let searches = [non_mated(0.3, 0), non_mated(0.7, 0), non_mated(0.7, 0)];
        let index = SliceIndex::build(&searches, 1);
        assert_eq!(
            index.thresholds_for_max_fpir(0.5),
            vec![Some(0.7f32.next_up())]
        );
    }

    #[test]
    fn threshold_for_max_fpir_per_slice() {
        let mut searches = ten_non_mated();
        searches.push(non_mated(0.4, 1));
        searches.push(no_candidate(false, 2));
        searches.push(mated_correct(0.9, 3));
        let index = SliceIndex::build(&searches, 4);
        assert_eq!(
            index.thresholds_for_max_fpir(0.2),
            vec![Some(0.9), Some(0.4f32.next_up()), Some(LOWEST_SCORE), None]
        );
    }

    #[test]
    fn max_alerts_within_matches_rate_arithmetic() {
        assert_eq!(max_alerts_within(0.3, 10), 3);
        assert_eq!(max_alerts_within(0.29, 10), 2);
        assert_eq!(max_alerts_within(0.0, 10), 0);
        assert_eq!(max_alerts_within(2.0, 10), 10);
        assert_eq!(max_alerts_within(1.0 / 3.0, 3), 1);
        assert_eq!(max_alerts_within(0.7, 10), 7);
        // 15/22 · 22 = 14.999999999999998 in floating point: the floor alone would say 14.
        assert_eq!(max_alerts_within(15.0 / 22.0, 22), 15);
        // And the other way: just under 15/22 allows only 14.
        assert_eq!(max_alerts_within((15.0f64 / 22.0).next_down(), 22), 14);
        // Just under 5/6, the product 5.0 rounds up: the floor alone would allow 5.
        assert_eq!(max_alerts_within((5.0f64 / 6.0).next_down(), 6), 4);
    }

    /// A small deterministic generator, so the large test needs no extra crate.
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            self.0 >> 33
        }

        fn score(&mut self) -> f32 {
            // Coarse grid so that ties and exact-threshold hits happen often.
            (self.next() % 201) as f32 / 100.0 - 1.0
        }
    }

    fn synthetic_searches(count: usize, slices: usize) -> Vec<Search> {
        let mut rng = Lcg(42);
        (0..count)
            .map(|_| {
                let enrolled = !rng.next().is_multiple_of(3);
                let true_identity = enrolled.then(|| IdentityId((rng.next() % 50) as u32));
                let top_identity = match rng.next() % 10 {
                    0 => None,
                    1..=6 => true_identity.or(Some(IdentityId(1))),
                    _ => Some(IdentityId((rng.next() % 50) as u32)),
                };
                Search {
                    true_identity,
                    top_identity,
                    top_score: rng.score(),
                    slice: (rng.next() % slices as u64) as usize,
                    person: 0,
                }
            })
            .collect()
    }

    /// The definitions, applied search by search, with no index.
    fn brute_force(searches: &[Search], slice: usize, threshold: f32) -> [(u64, u64); 4] {
        let mut fpir = (0, 0);
        let mut fnir = (0, 0);
        let mut wrong = (0, 0);
        let mut flag = (0, 0);
        for search in searches.iter().filter(|search| search.slice == slice) {
            let alert = search.top_identity.is_some() && search.top_score >= threshold;
            flag.1 += 1;
            flag.0 += u64::from(alert);
            match search.true_identity {
                None => {
                    fpir.1 += 1;
                    fpir.0 += u64::from(alert);
                }
                Some(truth) => {
                    fnir.1 += 1;
                    wrong.1 += 1;
                    let right = search.top_identity == Some(truth);
                    fnir.0 += u64::from(!(right && alert));
                    wrong.0 += u64::from(alert && !right);
                }
            }
        }
        [fpir, fnir, wrong, flag]
    }

    #[test]
    fn index_agrees_with_the_definitions_on_a_hundred_thousand_searches() {
        // The size the interactive view must handle; timing is left to the benchmark.
        let searches = synthetic_searches(100_000, 10);
        let index = SliceIndex::build(&searches, 10);
        assert_eq!(index.ignored_searches(), 0);
        for threshold in [-1.0, -0.37, 0.0, 0.25, 0.5, 0.99, 1.0, 1.01] {
            for m in index.metrics_at_global(threshold) {
                let expected = brute_force(&searches, m.slice, threshold);
                let got = [
                    counts(&m.fpir),
                    counts(&m.fnir),
                    counts(&m.wrong_identity_alerts),
                    counts(&m.flag_rate),
                ];
                assert_eq!(got, expected, "slice {} at {threshold}", m.slice);
            }
        }
    }
}
