//! Demographic differentials as NISTIR 8280 reports them: how many times worse each slice's
//! error rate is than a reference slice's, with a 95% interval for each ratio and where that
//! interval lies against the parity band, so that "×12" with an interval of 0.3–400 reads as
//! what it is.
//!
//! The reference is the reviewer's choice where they made one; otherwise the known group (not
//! "unknown") with at least [`MIN_SEARCHES_TO_COMPARE`] effective searches and the lowest rate
//! above 0. A group of one, a handful of people seen many times, or the people nobody labelled
//! would make every ratio a ratio to a guess. Groups too small or unknown to judge get their
//! ratio and interval but no parity reading.

use serde::{Deserialize, Serialize};

use super::SliceMetrics;
use super::rates::{Rate, Z_95};

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

    /// The abbreviation used in reports; FNIR says it counts misses at rank 1.
    pub fn label(self) -> &'static str {
        match self {
            ComparedRate::Fpir => "FPIR",
            ComparedRate::Fnir => "FNIR (rank 1)",
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

/// Fewer searches than this in a slice and its rate is flagged as too uncertain to compare.
/// 30 is the usual rule of thumb below which a proportion's interval is too wide to rank
/// groups; the interval-overlap test catches wide intervals above it too. Both the
/// reference rule here and the cautions (`warnings`) use it.
pub const MIN_SEARCHES_TO_COMPARE: u64 = 30;

/// The lower and upper ends of the parity band: a ratio between them is read as parity, as in
/// Aequitas's default disparity tolerance (0.8 is the US "four-fifths" rule; 1.25 is its
/// inverse).
pub const PARITY_BAND: (f64, f64) = (0.8, 1.25);

/// The slice ratios are measured against, and why it was chosen.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReferenceSlice {
    pub slice: usize,
    pub rate: f64,
    /// The reviewer chose it; otherwise it is the eligible slice with the lowest rate.
    #[serde(default)]
    pub chosen: bool,
}

/// Where a ratio's 95% interval lies against the [`PARITY_BAND`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Parity {
    /// The whole interval lies inside 0.8–1.25: the rates are close, as far as the data can say.
    Within,
    /// The whole interval lies above 1.25 or below 0.8: a disparity the data supports.
    Outside,
    /// The interval reaches both in and out of the band: the data cannot tell.
    CannotTell,
}

/// A ratio's 95% interval (it can run above 1, unlike a rate's).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct RatioInterval {
    pub low: f64,
    pub high: f64,
}

impl RatioInterval {
    pub fn parity(&self) -> Parity {
        let (low, high) = PARITY_BAND;
        if self.low >= low && self.high <= high {
            Parity::Within
        } else if self.low > high || self.high < low {
            Parity::Outside
        } else {
            Parity::CannotTell
        }
    }
}

/// One slice's rate against the reference slice's.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Differential {
    pub slice: usize,
    /// This slice's rate over the reference's. `None` where either rate cannot be measured
    /// (`n == 0`), there is no reference, or the reference's rate is 0 (the ratio is then
    /// infinite for any slice with errors, which would read as "infinitely worse" when it only
    /// means "the reference had no errors in this sample"; the interval still says how far apart
    /// the two can be).
    pub ratio: Option<f64>,
    /// Its 95% interval ([`ratio_interval`]); `None` where either rate cannot be measured, there
    /// is no reference, or this is the reference slice.
    pub interval: Option<RatioInterval>,
    /// Where the interval lies against the parity band; `None` without an interval, and for a
    /// group too small or unknown to judge ([`eligible_reference`]'s size rule), whose interval
    /// is shown but not read as parity or disparity.
    #[serde(default)]
    pub parity: Option<Parity>,
    /// The group is an "unknown" one: its interval is shown, never judged.
    #[serde(default)]
    pub unknown_group: bool,
}

/// Differentials of one rate across all slices.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Differentials {
    pub rate: ComparedRate,
    /// The slice the ratios are against; `None` when no slice is eligible and none was chosen.
    pub reference: Option<ReferenceSlice>,
    /// The slice the reviewer chose, whether or not it could serve (it cannot without searches
    /// of this kind).
    #[serde(default)]
    pub chosen: Option<usize>,
    /// How many slices met the default rule ([`eligible_reference`]).
    #[serde(default)]
    pub eligible: usize,
    /// Whether the reviewer's chosen reference meets that rule too (false without a choice).
    #[serde(default)]
    pub chosen_qualifies: bool,
    /// One entry per slice in `metrics`, in the same order.
    pub per_slice: Vec<Differential>,
}

/// Whether a group is large enough, and known, to be judged: not "unknown", and with at least
/// [`MIN_SEARCHES_TO_COMPARE`] effective searches of the kind the rate counts (searches, or
/// fewer where one person gave several: 34 searches of 5 people are 5 observations).
pub(crate) fn judgeable(rate: &Rate, unknown: bool) -> bool {
    !unknown && rate.effective_searches() >= MIN_SEARCHES_TO_COMPARE as f64
}

/// Whether a slice may serve as the reference by default: [`judgeable`], and with a rate above
/// 0 (a ratio to 0 is undefined), so that the ratios are not against a guess.
pub(crate) fn eligible_reference(rate: &Rate, unknown: bool) -> bool {
    judgeable(rate, unknown) && rate.rate.is_some_and(|value| value > 0.0)
}

/// Each slice's `rate` over the reference slice's: `chosen` where the reviewer chose one (and it
/// can be measured), otherwise the eligible slice ([`eligible_reference`]) with the lowest rate.
/// `unknown[i]` says whether slice `metrics[i]` is an "unknown" group.
pub fn differentials(
    metrics: &[SliceMetrics],
    rate: ComparedRate,
    unknown: &[bool],
    chosen: Option<usize>,
) -> Differentials {
    let reference_of = |m: &SliceMetrics, chosen: bool| {
        rate.of(m).rate.map(|value| ReferenceSlice {
            slice: m.slice,
            rate: value,
            chosen,
        })
    };
    let chosen_reference = chosen
        .and_then(|slice| metrics.iter().find(|m| m.slice == slice))
        .and_then(|m| reference_of(m, true));
    let is_unknown = |i: usize| unknown.get(i).copied().unwrap_or(false);
    let eligible: Vec<ReferenceSlice> = metrics
        .iter()
        .enumerate()
        .filter(|(i, m)| eligible_reference(rate.of(m), is_unknown(*i)))
        .filter_map(|(_, m)| reference_of(m, false))
        .collect();
    let reference = chosen_reference.or_else(|| lowest_rate(eligible.iter().copied()));
    let reference_rate = reference.and_then(|r| metrics.iter().find(|m| m.slice == r.slice));
    let per_slice = metrics
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let (Some(reference), Some(against)) = (reference, reference_rate) else {
                return Differential {
                    slice: m.slice,
                    ratio: None,
                    interval: None,
                    parity: None,
                    unknown_group: is_unknown(i),
                };
            };
            let this = rate.of(m);
            let interval = (m.slice != reference.slice)
                .then(|| ratio_interval(this, rate.of(against)))
                .flatten();
            Differential {
                slice: m.slice,
                ratio: this
                    .rate
                    .filter(|_| reference.rate > 0.0)
                    .map(|value| value / reference.rate),
                interval,
                parity: interval
                    .filter(|_| judgeable(this, is_unknown(i)))
                    .map(|interval| interval.parity()),
                unknown_group: is_unknown(i),
            }
        })
        .collect();
    Differentials {
        rate,
        reference,
        chosen,
        eligible: eligible.len(),
        chosen_qualifies: chosen_reference
            .is_some_and(|r| eligible.iter().any(|e| e.slice == r.slice)),
        per_slice,
    }
}

/// The 95% interval of the ratio of two rates, `a / b`: Katz's log interval,
/// `exp(ln(p_a / p_b) ± z·√(d_a(1/k_a − 1/n_a) + d_b(1/k_b − 1/n_b)))`, where each rate's
/// variance is multiplied by its design effect `d` ([`Rate::design_effect`]; 1 for independent
/// searches), so that clustering by person widens the ratio's interval as it widens the rates'.
/// Where either rate has no events or nothing but events, 0.5 is added to every cell of both
/// rates (Haldane's correction: `k + 0.5` of `n + 1`), so that "0 of 4 against 0 of 1" and
/// "1 of 1 against 1 of 3" still get their (very wide) intervals rather than none or a
/// falsely narrow one. `None` where either rate cannot be measured.
pub(crate) fn ratio_interval(a: &Rate, b: &Rate) -> Option<RatioInterval> {
    ratio_interval_at(a, b, Z_95)
}

/// [`ratio_interval`] at normal quantile `z` instead of the 95% one, e.g. 95% shared among
/// several comparisons (Bonferroni: `normal_quantile(1 − 0.025 / k)` for `k` of them).
pub fn ratio_interval_at(a: &Rate, b: &Rate, z: f64) -> Option<RatioInterval> {
    if a.n == 0 || b.n == 0 || !z.is_finite() {
        return None;
    }
    let degenerate = |rate: &Rate| rate.k == 0 || rate.k == rate.n;
    let correction = if degenerate(a) || degenerate(b) {
        0.5
    } else {
        0.0
    };
    let cells = |rate: &Rate| (rate.k as f64 + correction, rate.n as f64 + 2.0 * correction);
    let ((ka, na), (kb, nb)) = (cells(a), cells(b));
    let log_ratio = ((ka / na) / (kb / nb)).ln();
    let variance =
        a.design_effect() * (1.0 / ka - 1.0 / na) + b.design_effect() * (1.0 / kb - 1.0 / nb);
    let half_width = z * variance.max(0.0).sqrt();
    Some(RatioInterval {
        low: (log_ratio - half_width).exp(),
        high: (log_ratio + half_width).exp(),
    })
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

    fn assert_close(got: f64, want: f64, tolerance: f64) {
        assert!((got - want).abs() < tolerance, "got {got}, want {want}");
    }

    const KNOWN: [bool; 4] = [false; 4];

    #[test]
    fn ratios_against_the_lowest_eligible_rate() {
        // FPIR: 2/100, 1/200, 3/100 → reference slice 1 (0.005): ratios 4, 1, 6.
        let slices = [
            metrics(0, (2, 100), (10, 100)),
            metrics(1, (1, 200), (5, 100)),
            metrics(2, (3, 100), (20, 100)),
        ];
        let fpir = differentials(&slices, ComparedRate::Fpir, &KNOWN, None);
        assert_eq!(
            fpir.reference,
            Some(ReferenceSlice {
                slice: 1,
                rate: 0.005,
                chosen: false
            })
        );
        assert_close(fpir.per_slice[0].ratio.unwrap(), 4.0, 1e-12);
        assert_close(fpir.per_slice[1].ratio.unwrap(), 1.0, 1e-12);
        assert_close(fpir.per_slice[2].ratio.unwrap(), 6.0, 1e-12);
        assert_eq!(
            fpir.per_slice[1].interval, None,
            "no interval against itself"
        );
        let fnir = differentials(&slices, ComparedRate::Fnir, &KNOWN, None);
        assert_close(fnir.per_slice[2].ratio.unwrap(), 4.0, 1e-12);
    }

    #[test]
    fn unknown_and_small_groups_are_never_the_default_reference() {
        // Slice 0 "unknown" with 0/100 and slice 1 with 0/5 would both be "best"; the reference
        // is slice 2, the lowest known group with 30+ searches.
        let slices = [
            metrics(0, (0, 100), (1, 10)),
            metrics(1, (0, 5), (1, 10)),
            metrics(2, (4, 100), (1, 10)),
            metrics(3, (8, 100), (1, 10)),
        ];
        let fpir = differentials(
            &slices,
            ComparedRate::Fpir,
            &[true, false, false, false],
            None,
        );
        assert_eq!(fpir.reference.map(|r| r.slice), Some(2));
        assert_close(fpir.per_slice[3].ratio.unwrap(), 2.0, 1e-12);
        // FNIR: every slice has 10 mated searches, below 30: no reference, no ratios.
        let fnir = differentials(
            &slices,
            ComparedRate::Fnir,
            &[true, false, false, false],
            None,
        );
        assert_eq!(fnir.reference, None);
        assert!(
            fnir.per_slice
                .iter()
                .all(|d| d.ratio.is_none() && d.interval.is_none())
        );
    }

    #[test]
    fn the_reviewer_may_choose_the_reference() {
        let slices = [metrics(0, (2, 100), (1, 10)), metrics(1, (8, 100), (1, 10))];
        let fpir = differentials(&slices, ComparedRate::Fpir, &KNOWN, Some(1));
        assert_eq!(fpir.reference.map(|r| (r.slice, r.chosen)), Some((1, true)));
        assert_close(fpir.per_slice[0].ratio.unwrap(), 0.25, 1e-12);
    }

    #[test]
    fn a_zero_rate_is_never_the_default_reference_but_may_be_chosen() {
        // Slice 0 had no false alerts in 50: by default the reference is slice 1 (the lowest
        // rate above 0), and slice 0's ratio is 0 with its interval. Chosen by the reviewer,
        // slice 0 leaves slice 1's ratio undefined, but not its interval.
        let slices = [metrics(0, (0, 50), (1, 10)), metrics(1, (4, 100), (1, 10))];
        let by_default = differentials(&slices, ComparedRate::Fpir, &KNOWN, None);
        assert_eq!(by_default.reference.map(|r| r.slice), Some(1));
        assert_eq!(by_default.eligible, 1);
        assert_eq!(by_default.per_slice[0].ratio, Some(0.0));
        let chosen = differentials(&slices, ComparedRate::Fpir, &KNOWN, Some(0));
        assert_eq!(
            chosen.reference.map(|r| (r.slice, r.chosen)),
            Some((0, true))
        );
        assert_eq!(chosen.per_slice[1].ratio, None);
        assert!(chosen.per_slice[1].interval.is_some());
    }

    #[test]
    fn small_or_unknown_groups_get_an_interval_but_no_verdict() {
        // A group of 1 search far above the reference: its interval is shown, no "disparity".
        let slices = [
            metrics(0, (4, 100), (1, 10)),
            metrics(1, (1, 1), (1, 10)),
            metrics(2, (90, 100), (1, 10)),
        ];
        let fpir = differentials(&slices, ComparedRate::Fpir, &[false, false, true], None);
        assert!(fpir.per_slice[1].interval.is_some());
        assert_eq!(fpir.per_slice[1].parity, None);
        assert!(fpir.per_slice[2].interval.is_some());
        assert_eq!(
            fpir.per_slice[2].parity, None,
            "an unknown group is not judged"
        );
        // A chosen reference with no searches of this kind cannot serve: the default rule does,
        // and the choice is recorded so that the note can say so.
        let fallback = differentials(&slices, ComparedRate::Fpir, &KNOWN, Some(7));
        assert_eq!(
            fallback.reference.map(|r| (r.slice, r.chosen)),
            Some((0, false))
        );
        assert_eq!(fallback.chosen, Some(7));
    }

    #[test]
    fn katz_interval_by_hand() {
        // 20/100 over 10/100: ln 2 = 0.693147; variance (1/20 − 1/100) + (1/10 − 1/100) = 0.13;
        // half-width 1.959964 · √0.13 = 0.706675 → [e^−0.013528, e^1.399822] = [0.98656, 4.05448].
        let interval = ratio_interval(&Rate::new(20, 100), &Rate::new(10, 100)).unwrap();
        assert_close(interval.low, 0.98657, 1e-4);
        assert_close(interval.high, 4.05448, 1e-4);
        assert_eq!(interval.parity(), Parity::CannotTell);
    }

    #[test]
    fn zero_counts_get_haldanes_correction_and_a_wide_interval() {
        // 0 of 4 over 0 of 1: (0.5/5) / (0.5/2) = 0.4; variance (2 − 0.2) + (2 − 0.5) = 3.3;
        // half-width 1.959964 · 1.816590 = 3.560454 → [0.4·e^−3.560454, 0.4·e^3.560454]
        // = [0.011370, 14.0722]: no headline.
        let interval = ratio_interval(&Rate::new(0, 4), &Rate::new(0, 1)).unwrap();
        assert_close(interval.low, 0.011370, 1e-5);
        assert_close(interval.high, 14.0722, 1e-3);
        assert_eq!(interval.parity(), Parity::CannotTell);
        assert_eq!(ratio_interval(&Rate::new(0, 0), &Rate::new(1, 3)), None);
    }

    #[test]
    fn a_group_of_one_search_gets_a_wide_interval_not_a_verdict() {
        // 1 of 1 over 10 of 100: without the correction 1/k − 1/n = 0 for the group of one,
        // which then adds no uncertainty at all. With it: (1.5/2) / (10.5/101) = 7.214;
        // variance (1/1.5 − 1/2) + (1/10.5 − 1/101) = 0.16667 + 0.08534 = 0.25201;
        // half-width 1.959964 · 0.50200 = 0.98391 → [2.70, 19.3]: wide, and it says so.
        let interval = ratio_interval(&Rate::new(1, 1), &Rate::new(10, 100)).unwrap();
        assert_close(interval.low, 7.214 * (-0.98391f64).exp(), 1e-2);
        assert_close(interval.high, 7.214 * 0.98391f64.exp(), 1e-1);
    }

    #[test]
    fn clustering_widens_the_ratio_interval() {
        let independent = ratio_interval(&Rate::new(20, 100), &Rate::new(10, 100)).unwrap();
        let mut clustered = Rate::new(20, 100);
        clustered.method = crate::metrics::IntervalMethod::Clustered {
            effective_searches: 25.0,
        };
        assert!(clustered.design_effect() > 1.0);
        let wider = ratio_interval(&clustered, &Rate::new(10, 100)).unwrap();
        assert!(wider.low < independent.low && wider.high > independent.high);
    }

    #[test]
    fn parity_band() {
        let interval = |low, high| RatioInterval { low, high };
        assert_eq!(interval(0.9, 1.2).parity(), Parity::Within);
        assert_eq!(interval(1.3, 4.0).parity(), Parity::Outside);
        assert_eq!(interval(0.1, 0.7).parity(), Parity::Outside);
        assert_eq!(interval(0.3, 400.0).parity(), Parity::CannotTell);
        assert_eq!(interval(1.1, 1.3).parity(), Parity::CannotTell);
    }

    #[test]
    fn nothing_measured_means_no_reference_and_no_ratios() {
        let slices = [metrics(0, (0, 0), (0, 0)), metrics(1, (0, 0), (0, 0))];
        for rate in ComparedRate::ALL {
            let result = differentials(&slices, rate, &KNOWN, None);
            assert_eq!(result.reference, None);
            assert_eq!(result.per_slice.len(), 2);
        }
        assert!(
            differentials(&[], ComparedRate::Fpir, &[], None)
                .per_slice
                .is_empty()
        );
    }

    #[test]
    fn labels_and_nouns() {
        assert_eq!(ComparedRate::Fpir.label(), "FPIR");
        assert_eq!(ComparedRate::Fnir.label(), "FNIR (rank 1)");
        assert_eq!(ComparedRate::Fpir.searches_noun(1), "non-mated search");
        assert_eq!(ComparedRate::Fnir.searches_noun(12), "mated searches");
    }
}
