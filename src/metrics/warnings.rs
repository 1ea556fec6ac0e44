//! Plain-language cautions where the data cannot tell slices apart, so that a differential
//! computed from a dozen searches is not read as a finding.

use serde::{Deserialize, Serialize};

use super::SliceMetrics;
use super::differentials::{ComparedRate, ReferenceSlice, lowest_rate};
use super::rates::Interval;

/// Fewer searches than this in a slice and its rate is flagged as too uncertain to compare.
/// 30 is the usual rule of thumb below which a proportion's interval is too wide to rank
/// groups; the interval-overlap test catches wide intervals above it too.
pub const MIN_SEARCHES_TO_COMPARE: u64 = 30;

/// The best slice a warned slice's interval overlaps.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct BestSliceOverlap {
    /// The slice with the lowest rate (among slices with `n > 0`).
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
    /// The slice's 95% Wilson interval; `None` when `searches == 0`.
    pub interval: Option<Interval>,
    /// `searches < MIN_SEARCHES_TO_COMPARE` (including 0).
    pub too_few_searches: bool,
    /// Set when this is not the best slice and its interval overlaps the best slice's.
    pub overlaps_best: Option<BestSliceOverlap>,
}

impl ComparisonWarning {
    /// A sentence for a report, naming slices by `slice_names[slice]` (or "slice N" where a name
    /// is missing), e.g. "Women 18-30: only 12 non-mated searches; its FPIR interval
    /// [0.00%, 24.25%] overlaps the best slice's (Men 31-50, [0.12%, 0.80%])."
    pub fn message<S: AsRef<str>>(&self, slice_names: &[S]) -> String {
        let name = slice_name(slice_names, self.slice);
        let label = self.rate.label();
        let noun = self.rate.searches_noun(self.searches);
        let Some(interval) = self.interval else {
            return format!("{name}: no {noun}, so its {label} cannot be measured.");
        };
        let interval = format_interval(&interval);
        let overlap = self.overlaps_best.map(|best| {
            format!(
                "its {label} interval {interval} overlaps the best slice's ({}, {})",
                slice_name(slice_names, best.slice),
                format_interval(&best.interval)
            )
        });
        match (self.too_few_searches, overlap) {
            (true, Some(overlap)) => format!("{name}: only {} {noun}; {overlap}.", self.searches),
            (true, None) => format!(
                "{name}: only {} {noun}; too few to compare its {label} reliably \
                 (interval {interval}).",
                self.searches
            ),
            (false, Some(overlap)) => {
                format!("{name}: {overlap}; the difference may be chance.")
            }
            (false, None) => format!("{name}: its {label} interval is {interval}."),
        }
    }
}

/// Warnings for every slice whose FPIR or FNIR cannot be told apart from the best slice's:
/// too few searches (fewer than [`MIN_SEARCHES_TO_COMPARE`], including none), or a 95% Wilson
/// interval that overlaps the best slice's. FPIR warnings come first, then FNIR, each in slice
/// order. The best slice is only warned about for its own sample size.
pub fn comparison_warnings(metrics: &[SliceMetrics]) -> Vec<ComparisonWarning> {
    ComparedRate::ALL
        .into_iter()
        .flat_map(|rate| warnings_for(metrics, rate))
        .collect()
}

/// [`comparison_warnings`] as sentences; see [`ComparisonWarning::message`] for naming.
pub fn warning_messages<S: AsRef<str>>(metrics: &[SliceMetrics], slice_names: &[S]) -> Vec<String> {
    comparison_warnings(metrics)
        .iter()
        .map(|warning| warning.message(slice_names))
        .collect()
}

fn warnings_for(metrics: &[SliceMetrics], rate: ComparedRate) -> Vec<ComparisonWarning> {
    let best = lowest_rate(metrics.iter().filter_map(|m| {
        rate.of(m).rate.map(|value| ReferenceSlice {
            slice: m.slice,
            rate: value,
        })
    }));
    let best_overlap = best.and_then(|best| {
        metrics
            .iter()
            .find(|m| m.slice == best.slice)
            .and_then(|m| rate.of(m).interval)
            .map(|interval| BestSliceOverlap {
                slice: best.slice,
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
            let too_few_searches = measured.n < MIN_SEARCHES_TO_COMPARE;
            (too_few_searches || overlaps_best.is_some()).then_some(ComparisonWarning {
                slice: m.slice,
                rate,
                searches: measured.n,
                interval: measured.interval,
                too_few_searches,
                overlaps_best,
            })
        })
        .collect()
}

fn slice_name<S: AsRef<str>>(slice_names: &[S], slice: usize) -> String {
    slice_names
        .get(slice)
        .map(|name| name.as_ref().to_owned())
        .unwrap_or_else(|| format!("slice {slice}"))
}

/// "[0.12%, 3.40%]": percentages read more easily than proportions for a lay audience.
fn format_interval(interval: &Interval) -> String {
    format!(
        "[{:.2}%, {:.2}%]",
        interval.low * 100.0,
        interval.high * 100.0
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::metrics::test_support::metrics;

    #[test]
    fn well_separated_large_slices_get_no_warnings() {
        // FPIR 10/1000 = 1% [0.54%, 1.83%] vs 100/1000 = 10% [8.29%, 12.02%]: far apart.
        let slices = [
            metrics(0, (10, 1000), (50, 1000)),
            metrics(1, (100, 1000), (200, 1000)),
        ];
        assert!(comparison_warnings(&slices).is_empty());
        assert!(warning_messages(&slices, &["a", "b"]).is_empty());
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
        let warnings = comparison_warnings(&slices);
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

        let messages = warning_messages(&slices, &["Men", "Women"]);
        assert_eq!(
            messages[0],
            "Women: only 12 non-mated searches; its FPIR interval [1.49%, 35.39%] overlaps \
             the best slice's (Men, [0.54%, 1.83%])."
        );
        assert_eq!(
            messages[1],
            "Women: its FNIR interval [3.81%, 6.53%] overlaps the best slice's \
             (Men, [3.81%, 6.53%]); the difference may be chance."
        );
    }

    #[test]
    fn small_slice_far_from_the_best_is_still_flagged_for_its_size() {
        // 10 of 12 → [55.20%, 95.30%], far above 1%: no overlap, but only 12 searches.
        let slices = [
            metrics(0, (10, 1000), (5, 1000)),
            metrics(1, (10, 12), (5, 1000)),
        ];
        let fpir: Vec<_> = comparison_warnings(&slices)
            .into_iter()
            .filter(|warning| warning.rate == ComparedRate::Fpir)
            .collect();
        assert_eq!(fpir.len(), 1);
        assert!(fpir[0].too_few_searches);
        assert_eq!(fpir[0].overlaps_best, None);
        assert_eq!(
            fpir[0].message(&["Men", "Women"]),
            "Women: only 12 non-mated searches; too few to compare its FPIR reliably \
             (interval [55.20%, 95.30%])."
        );
    }

    #[test]
    fn empty_slices_and_missing_names() {
        let slices = [metrics(0, (0, 0), (1, 1)), metrics(1, (1, 40), (0, 0))];
        let messages = warning_messages::<&str>(&slices, &[]);
        assert_eq!(
            messages,
            vec![
                "slice 0: no non-mated searches, so its FPIR cannot be measured.",
                "slice 0: only 1 mated search; too few to compare its FNIR reliably \
                 (interval [20.65%, 100.00%]).",
                "slice 1: no mated searches, so its FNIR cannot be measured.",
            ]
        );
        assert!(comparison_warnings(&[]).is_empty());
    }

    #[test]
    fn the_best_slice_is_warned_only_for_its_own_size() {
        // Slice 0 is best (0/20) and small; slice 1 (5/1000) overlaps it.
        let slices = [
            metrics(0, (0, 20), (100, 1000)),
            metrics(1, (5, 1000), (300, 1000)),
        ];
        let warnings: Vec<_> = comparison_warnings(&slices)
            .into_iter()
            .filter(|warning| warning.rate == ComparedRate::Fpir)
            .collect();
        assert_eq!(warnings.len(), 2);
        assert_eq!(warnings[0].slice, 0);
        assert!(warnings[0].too_few_searches);
        assert_eq!(warnings[0].overlaps_best, None);
        assert_eq!(warnings[1].slice, 1);
        assert!(!warnings[1].too_few_searches);
        assert_eq!(warnings[1].overlaps_best.map(|best| best.slice), Some(0));
    }
}
