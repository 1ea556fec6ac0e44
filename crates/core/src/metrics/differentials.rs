//! Demographic differentials as NISTIR 8280 reports them: how many times worse each slice's
//! error rate is than the best slice's.

use serde::{Deserialize, Serialize};

use super::SliceMetrics;
use super::rates::Rate;

/// Which error rate is being compared across slices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ComparedRate {
    /// False positive identification rate (non-mated searches that alert).
    Fpir,
    /// False negative identification rate (mated searches not correctly identified).
    Fnir,
}

impl ComparedRate {
    /// Both rates, in the order reports list them.
    pub const ALL: [ComparedRate; 2] = [ComparedRate::Fpir, ComparedRate::Fnir];

    /// The abbreviation used in reports.
    pub fn label(self) -> &'static str {
        match self {
            ComparedRate::Fpir => "FPIR",
            ComparedRate::Fnir => "FNIR",
        }
    }

    /// What the rate's denominator counts, e.g. "non-mated searches".
    pub fn searches_noun(self, count: u64) -> &'static str {
        match (self, count == 1) {
            (ComparedRate::Fpir, true) => "non-mated search",
            (ComparedRate::Fpir, false) => "non-mated searches",
            (ComparedRate::Fnir, true) => "mated search",
            (ComparedRate::Fnir, false) => "mated searches",
        }
    }

    /// This rate within a slice's metrics.
    pub fn of(self, metrics: &SliceMetrics) -> &Rate {
        match self {
            ComparedRate::Fpir => &metrics.fpir,
            ComparedRate::Fnir => &metrics.fnir,
        }
    }
}

/// The slice a differential is measured against, and its rate.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReferenceSlice {
    pub slice: usize,
    pub rate: f64,
}

/// One slice's differential.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Differential {
    pub slice: usize,
    /// This slice's rate divided by the lowest rate among slices with `n > 0` (NISTIR 8280).
    ///
    /// `None` when this slice's rate cannot be measured (`n == 0`), or when the lowest rate is
    /// 0: the ratio is then undefined (infinite for any slice with errors), and reporting
    /// infinity would read as "infinitely worse" when it only means "the best slice had no
    /// errors in this sample". Use [`Differential::vs_lowest_nonzero`] in that case.
    pub vs_lowest: Option<f64>,
    /// This slice's rate divided by the lowest *non-zero* rate among slices with `n > 0`. A
    /// fallback for when the best slice had no errors; a slice with rate 0 gets `Some(0.0)`.
    /// `None` when this slice's rate cannot be measured or no slice has a non-zero rate.
    pub vs_lowest_nonzero: Option<f64>,
}

/// Differentials of one rate across all slices.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Differentials {
    pub rate: ComparedRate,
    /// The slice with the lowest rate among those with `n > 0` (the first one on ties); `None`
    /// when no slice can be measured.
    pub lowest: Option<ReferenceSlice>,
    /// The slice with the lowest rate above 0; `None` when every measurable rate is 0.
    pub lowest_nonzero: Option<ReferenceSlice>,
    /// One entry per slice in `metrics`, in the same order.
    pub per_slice: Vec<Differential>,
}

/// Each slice's `rate` divided by the best slice's.
pub fn differentials(metrics: &[SliceMetrics], rate: ComparedRate) -> Differentials {
    let measured = || {
        metrics.iter().filter_map(move |m| {
            rate.of(m).rate.map(|value| ReferenceSlice {
                slice: m.slice,
                rate: value,
            })
        })
    };
    let lowest = lowest_rate(measured());
    let lowest_nonzero = lowest_rate(measured().filter(|reference| reference.rate > 0.0));
    let ratio_to = |reference: Option<ReferenceSlice>, value: f64| {
        reference
            .filter(|reference| reference.rate > 0.0)
            .map(|reference| value / reference.rate)
    };
    let per_slice = metrics
        .iter()
        .map(|m| {
            let value = rate.of(m).rate;
            Differential {
                slice: m.slice,
                vs_lowest: value.and_then(|value| ratio_to(lowest, value)),
                vs_lowest_nonzero: value.and_then(|value| ratio_to(lowest_nonzero, value)),
            }
        })
        .collect();
    Differentials {
        rate,
        lowest,
        lowest_nonzero,
        per_slice,
    }
}

/// The reference with the lowest rate; the first one wins ties.
pub(super) fn lowest_rate(
    references: impl Iterator<Item = ReferenceSlice>,
) -> Option<ReferenceSlice> {
    references.fold(None, |best: Option<ReferenceSlice>, candidate| match best {
        Some(best) if best.rate <= candidate.rate => Some(best),
        _ => Some(candidate),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::metrics::test_support::metrics;

    fn assert_close(got: Option<f64>, want: f64) {
        let got = got.expect("a ratio");
        assert!((got - want).abs() < 1e-12, "got {got}, want {want}");
    }

    #[test]
    fn ratios_against_the_lowest_rate() {
        // FPIR: 2/100 = 0.02, 1/200 = 0.005, 3/100 = 0.03 → lowest is slice 1 (0.005):
        // ratios 4, 1, 6. FNIR: 10/100, 5/100, 20/100 → lowest slice 1: 2, 1, 4.
        let slices = [
            metrics(0, (2, 100), (10, 100)),
            metrics(1, (1, 200), (5, 100)),
            metrics(2, (3, 100), (20, 100)),
        ];
        let fpir = differentials(&slices, ComparedRate::Fpir);
        assert_eq!(fpir.rate, ComparedRate::Fpir);
        assert_eq!(
            fpir.lowest,
            Some(ReferenceSlice {
                slice: 1,
                rate: 0.005
            })
        );
        assert_eq!(fpir.lowest_nonzero, fpir.lowest);
        assert_close(fpir.per_slice[0].vs_lowest, 4.0);
        assert_close(fpir.per_slice[1].vs_lowest, 1.0);
        assert_close(fpir.per_slice[2].vs_lowest, 6.0);
        assert_close(fpir.per_slice[2].vs_lowest_nonzero, 6.0);

        let fnir = differentials(&slices, ComparedRate::Fnir);
        assert_close(fnir.per_slice[0].vs_lowest, 2.0);
        assert_close(fnir.per_slice[1].vs_lowest, 1.0);
        assert_close(fnir.per_slice[2].vs_lowest, 4.0);
    }

    #[test]
    fn a_lowest_rate_of_zero_leaves_the_ratio_undefined() {
        // Slice 0 had no false alerts: ratios to it are undefined, not infinite. Against the
        // lowest non-zero rate (slice 2, 0.01): slice 1 (0.04) is 4×, slice 0 is 0×.
        let slices = [
            metrics(0, (0, 50), (1, 10)),
            metrics(1, (4, 100), (1, 10)),
            metrics(2, (1, 100), (1, 10)),
        ];
        let fpir = differentials(&slices, ComparedRate::Fpir);
        assert_eq!(fpir.lowest.map(|reference| reference.slice), Some(0));
        assert_eq!(
            fpir.lowest_nonzero.map(|reference| reference.slice),
            Some(2)
        );
        assert!(fpir.per_slice.iter().all(|d| d.vs_lowest.is_none()));
        assert_close(fpir.per_slice[0].vs_lowest_nonzero, 0.0);
        assert_close(fpir.per_slice[1].vs_lowest_nonzero, 4.0);
        assert_close(fpir.per_slice[2].vs_lowest_nonzero, 1.0);
    }

    #[test]
    fn unmeasured_slices_are_skipped_as_reference_and_get_no_ratio() {
        // Slice 0 has no non-mated searches; it must not become the "lowest" (its rate is not
        // 0, it is unknown).
        let slices = [
            metrics(0, (0, 0), (1, 10)),
            metrics(1, (2, 100), (2, 10)),
            metrics(2, (3, 100), (3, 10)),
        ];
        let fpir = differentials(&slices, ComparedRate::Fpir);
        assert_eq!(fpir.lowest.map(|reference| reference.slice), Some(1));
        assert_eq!(fpir.per_slice[0].vs_lowest, None);
        assert_eq!(fpir.per_slice[0].vs_lowest_nonzero, None);
        assert_close(fpir.per_slice[2].vs_lowest, 1.5);
    }

    #[test]
    fn nothing_measured_means_no_reference_and_no_ratios() {
        let slices = [metrics(0, (0, 0), (0, 0)), metrics(1, (0, 0), (0, 0))];
        for rate in ComparedRate::ALL {
            let result = differentials(&slices, rate);
            assert_eq!(result.lowest, None);
            assert_eq!(result.lowest_nonzero, None);
            assert_eq!(result.per_slice.len(), 2);
            assert!(
                result
                    .per_slice
                    .iter()
                    .all(|d| d.vs_lowest.is_none() && d.vs_lowest_nonzero.is_none())
            );
        }
        assert!(differentials(&[], ComparedRate::Fpir).per_slice.is_empty());
    }

    #[test]
    fn all_rates_zero_gives_no_nonzero_reference() {
        let slices = [metrics(0, (0, 10), (0, 10)), metrics(1, (0, 20), (0, 10))];
        let fpir = differentials(&slices, ComparedRate::Fpir);
        assert_eq!(fpir.lowest.map(|reference| reference.rate), Some(0.0));
        assert_eq!(fpir.lowest_nonzero, None);
        assert!(fpir.per_slice.iter().all(|d| d.vs_lowest.is_none()));
    }

    #[test]
    fn ties_pick_the_first_slice() {
        let slices = [metrics(3, (1, 10), (1, 10)), metrics(5, (1, 10), (2, 10))];
        let fpir = differentials(&slices, ComparedRate::Fpir);
        assert_eq!(fpir.lowest.map(|reference| reference.slice), Some(3));
        assert_eq!(fpir.per_slice[1].slice, 5);
    }

    #[test]
    fn labels_and_nouns() {
        assert_eq!(ComparedRate::Fpir.label(), "FPIR");
        assert_eq!(ComparedRate::Fnir.label(), "FNIR");
        assert_eq!(ComparedRate::Fpir.searches_noun(1), "non-mated search");
        assert_eq!(ComparedRate::Fnir.searches_noun(12), "mated searches");
    }
}
