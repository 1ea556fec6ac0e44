//! Typed cautions where the data cannot tell slices apart, so that a differential computed
//! from a dozen searches is not read as a finding. `lineup_report::wording` words them.

use serde::{Deserialize, Serialize};

use super::SliceMetrics;
use super::differentials::{ComparedRate, Differentials, MIN_SEARCHES_TO_COMPARE};
use super::rates::Interval;

/// The reference slice a warned slice's interval overlaps.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct BestSliceOverlap {
    /// The reference slice of the differentials (see [`super::differentials()`]).
    pub slice: usize,
    /// Its 95% Wilson interval.
    pub interval: Interval,
}

/// Why one slice's rate should not be compared with the others at face value.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ComparisonWarning {
    pub slice: usize,
    pub rate: ComparedRate,
    /// The rate's denominator: non-mated searches for FPIR, mated ones for FNIR.
    pub searches: u64,
    /// What those searches are worth as independent ones (fewer where one person gave several).
    #[serde(default)]
    pub effective_searches: f64,
    /// How many people the searches are of, where known.
    #[serde(default)]
    pub people: Option<u64>,
    /// The slice's 95% Wilson interval; `None` when `searches == 0`.
    pub interval: Option<Interval>,
    /// Fewer than [`MIN_SEARCHES_TO_COMPARE`] effective searches (including none): searches, or
    /// fewer where one person gave several.
    pub too_few_searches: bool,
    /// Set when this is not the reference slice and its interval overlaps the reference's.
    pub overlaps_best: Option<BestSliceOverlap>,
}

/// Warnings for every slice whose FPIR or FNIR cannot be told apart from the reference slice's
/// (each rate's reference as `differentials` chose it): too few searches (fewer than
/// [`MIN_SEARCHES_TO_COMPARE`], including none), or a 95% interval that overlaps the reference's.
/// FPIR warnings come first, then FNIR, each in slice order. The reference slice is only warned
/// about for its own sample size.
pub(crate) fn comparison_warnings(
    metrics: &[SliceMetrics],
    differentials: &[Differentials],
) -> Vec<ComparisonWarning> {
    ComparedRate::ALL
        .into_iter()
        .flat_map(|rate| {
            let reference = differentials
                .iter()
                .find(|d| d.rate == rate)
                .and_then(|d| d.reference)
                .map(|r| r.slice);
            warnings_for(metrics, rate, reference)
        })
        .collect()
}

fn warnings_for(
    metrics: &[SliceMetrics],
    rate: ComparedRate,
    reference: Option<usize>,
) -> Vec<ComparisonWarning> {
    let best_overlap = reference.and_then(|reference| {
        metrics
            .iter()
            .find(|m| m.slice == reference)
            .and_then(|m| rate.of(m).interval)
            .map(|interval| BestSliceOverlap {
                slice: reference,
                interval,
            })
    });
    metrics
        .iter()
        .filter_map(|m| {
            let measured = rate.of(m);
            let overlaps_best = best_overlap.filter(|best| {
                best.slice != m.slice
                    && measured
                        .interval
                        .is_some_and(|interval| interval.overlaps(&best.interval))
            });
            // Effective searches: 34 searches of 5 people are too few, however they add up.
            let too_few_searches = measured.effective_searches() < MIN_SEARCHES_TO_COMPARE as f64;
            (too_few_searches || overlaps_best.is_some()).then_some(ComparisonWarning {
                slice: m.slice,
                rate,
                searches: measured.n,
                effective_searches: measured.effective_searches(),
                people: measured.people,
                interval: measured.interval,
                too_few_searches,
                overlaps_best,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::metrics::differentials::differentials;
    use crate::metrics::test_support::metrics;

    /// Warnings against each rate's default reference, every slice a known group.
    fn warned(slices: &[SliceMetrics]) -> Vec<ComparisonWarning> {
        let known = vec![false; slices.len()];
        let differentials: Vec<_> = ComparedRate::ALL
            .into_iter()
            .map(|rate| differentials(slices, rate, &known, None))
            .collect();
        comparison_warnings(slices, &differentials)
    }

    #[test]
    fn well_separated_large_slices_get_no_warnings() {
        // FPIR 10/1000 = 1% [0.54%, 1.83%] vs 100/1000 = 10% [8.29%, 12.02%]: far apart.
        let slices = [
            metrics(0, (10, 1000), (50, 1000)),
            metrics(1, (100, 1000), (200, 1000)),
        ];
        assert!(warned(&slices).is_empty());
    }

    #[test]
    fn small_overlapping_slice_is_warned_about() {
        // Slice 0 (best): FPIR 10/1000 = 1%, Wilson [0.5441%, 1.8309%].
        // Slice 1: FPIR 1/12 = 8.33%, Wilson [1.4865%, 35.3880%]: 8× worse on paper, but its
        // interval reaches down into slice 0's.
        let slices = [
            metrics(0, (10, 1000), (50, 1000)),
            metrics(1, (1, 12), (50, 1000)),
        ];
        let warnings = warned(&slices);
        // Slice 1 FPIR 1/12: Wilson [1.49%, 35.39%] overlaps slice 0's [0.54%, 1.83%].
        // FNIR identical and large: overlap with the best (slice 0 wins the tie) → warned too.
        assert_eq!(warnings.len(), 2);
        let fpir = warnings[0];
        assert_eq!(
            (fpir.slice, fpir.rate, fpir.searches),
            (1, ComparedRate::Fpir, 12)
        );
        assert!(fpir.too_few_searches);
        assert_eq!(fpir.overlaps_best.map(|best| best.slice), Some(0));
        let fnir = warnings[1];
        assert_eq!((fnir.slice, fnir.rate), (1, ComparedRate::Fnir));
        assert!(!fnir.too_few_searches);
        assert!(fnir.overlaps_best.is_some());
    }

    #[test]
    fn small_slice_far_from_the_best_is_still_flagged_for_its_size() {
        // 10 of 12 → [55.20%, 95.30%], far above 1%: no overlap, but only 12 searches.
        let slices = [
            metrics(0, (10, 1000), (5, 1000)),
            metrics(1, (10, 12), (5, 1000)),
        ];
        let fpir: Vec<_> = warned(&slices)
            .into_iter()
            .filter(|warning| warning.rate == ComparedRate::Fpir)
            .collect();
        assert_eq!(fpir.len(), 1);
        assert!(fpir[0].too_few_searches);
        assert_eq!(fpir[0].overlaps_best, None);
    }

    #[test]
    fn empty_slices_and_missing_names() {
        let slices = [metrics(0, (0, 0), (1, 1)), metrics(1, (1, 40), (0, 0))];
        let warnings = warned(&slices);
        let described: Vec<_> = warnings
            .iter()
            .map(|w| (w.slice, w.rate, w.searches, w.interval.is_some()))
            .collect();
        assert_eq!(
            described,
            vec![
                (0, ComparedRate::Fpir, 0, false),
                (0, ComparedRate::Fnir, 1, true),
                (1, ComparedRate::Fnir, 0, false),
            ]
        );
        assert!(warned(&[]).is_empty());
    }

    #[test]
    fn a_small_group_is_never_the_default_reference_but_may_be_chosen() {
        // Slice 0 has the lowest FPIR (0/20) but is too small to be the default reference:
        // slice 1 (5/1000) is, and slice 0 is warned for its size and its overlap with it.
        let slices = [
            metrics(0, (0, 20), (100, 1000)),
            metrics(1, (5, 1000), (300, 1000)),
        ];
        let fpir = |warnings: Vec<ComparisonWarning>| -> Vec<ComparisonWarning> {
            warnings
                .into_iter()
                .filter(|warning| warning.rate == ComparedRate::Fpir)
                .collect()
        };
        let by_default = fpir(warned(&slices));
        assert_eq!(by_default.len(), 1);
        assert_eq!(by_default[0].slice, 0);
        assert!(by_default[0].too_few_searches);
        assert_eq!(by_default[0].overlaps_best.map(|best| best.slice), Some(1));
        // Chosen as the reference by the reviewer, slice 0 is warned only for its own size.
        let chosen: Vec<_> = ComparedRate::ALL
            .into_iter()
            .map(|rate| differentials(&slices, rate, &[false, false], Some(0)))
            .collect();
        let warnings = fpir(comparison_warnings(&slices, &chosen));
        assert_eq!(warnings.len(), 2);
        assert_eq!(warnings[0].slice, 0);
        assert!(warnings[0].too_few_searches);
        assert_eq!(warnings[0].overlaps_best, None);
        assert_eq!(warnings[1].slice, 1);
        assert!(!warnings[1].too_few_searches);
        assert_eq!(warnings[1].overlaps_best.map(|best| best.slice), Some(0));
    }

    #[test]
    fn many_searches_of_few_people_are_too_few() {
        // 34 mated searches of 5 people: 5 effective searches.
        let mut clustered = metrics(1, (100, 1000), (10, 34));
        clustered.fnir.method = crate::metrics::IntervalMethod::Clustered {
            effective_searches: 5.0,
        };
        let slices = [metrics(0, (10, 1000), (40, 400)), clustered];
        let fnir: Vec<_> = warned(&slices)
            .into_iter()
            .filter(|w| w.rate == ComparedRate::Fnir && w.slice == 1)
            .collect();
        assert_eq!(fnir.len(), 1);
        assert!(fnir[0].too_few_searches);
    }
}
