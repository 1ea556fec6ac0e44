//! What a 1:N watchlist search would do, measured per demographic slice.
//!
//! Definitions follow NIST FRVT 1:N (NISTIR 8271, 8280) and ISO/IEC 19795-1:
//!
//! * A **mated** search is one for a person who *is* enrolled on the watchlist; a **non-mated**
//!   search is one for a person who is not.
//! * An **alert** is raised when the rank-1 candidate's score is `>= threshold`.
//! * **FPIR** (false positive identification rate): share of non-mated searches that alert.
//! * **FNIR** (false negative identification rate, rank 1): share of mated searches where the
//!   rank-1 candidate is *not* the right person at or above the threshold.
//! * **Wrong-identity alerts**: mated searches that alert on somebody else. They count as misses
//!   in FNIR and are reported on their own because, operationally, they point officers at the
//!   wrong person.
//! * **Flag rate**: share of all searches that alert.
//!
//! Every rate comes with its counts and a 95% Wilson interval, so a reader can see how much a
//! number is worth before comparing slices ([`rates`]). The [`SliceIndex`] turns the labelled
//! searches into sorted score arrays once per slicing so that a threshold change costs a few
//! binary searches per slice ([`index`]). [`curves`] gives DET curves and score histograms,
//! [`differentials`](mod@differentials) the NISTIR 8280-style ratios between slices, [`warnings`] typed
//! cautions where slices cannot be told apart, and [`base_rates`] what the rates mean for a
//! crowd of a given size; [`agreement`] how far two reviewers' labels agree (Cohen's kappa).

pub mod agreement;
pub mod base_rates;
pub mod clustered;
pub mod comparison;
pub mod curves;
pub mod differentials;
pub mod index;
pub mod rates;
pub mod verification;
pub mod warnings;

pub use agreement::{Agreement, Kappa, cohens_kappa};
pub use base_rates::{ExpectedAlerts, ExtrapolatedFpir, expected_alerts, extrapolate_fpir};
pub use clustered::PeopleKnown;
pub use comparison::{Disagreements, FpirThreshold, disagreements, threshold_for_fpir};
pub use curves::{DetPoint, Histogram, ScoreHistograms};
pub use differentials::{
    ComparedRate, Differential, Differentials, MIN_SEARCHES_TO_COMPARE, PARITY_BAND, Parity,
    RatioInterval, ReferenceSlice, differentials, ratio_interval_at,
};
pub use index::SliceIndex;
pub use rates::{Interval, IntervalMethod, Rate, normal_quantile};
pub use verification::{GroupVerification, Sample, verification_rates};
pub use warnings::{BestSliceOverlap, ComparisonWarning};

// Used across the metrics modules and by the core, not by other crates.
pub(crate) use clustered::{cluster_by_person, pooled_by_person};
pub(crate) use warnings::comparison_warnings;

use serde::{Deserialize, Serialize};

use crate::ids::IdentityId;

/// One 1:N search: a face track a reviewer has labelled, searched against the watchlist.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Search {
    /// Ground truth: `Some(id)` if this person *is* enrolled on the watchlist (a mated search),
    /// `None` if they are not.
    pub true_identity: Option<IdentityId>,
    /// The best-scoring watchlist candidate (rank 1), or `None` if the watchlist returned
    /// nothing. A search without a candidate can never raise an alert.
    pub top_identity: Option<IdentityId>,
    /// Cosine score of the rank-1 candidate. Ignored when `top_identity` is `None`; a score that
    /// is not finite (NaN, infinite) is treated as "no candidate", because no threshold can be
    /// meaningfully compared with it.
    pub top_score: f32,
    /// Index of the slice this search belongs to under the slicing currently chosen, computed
    /// by the caller. Searches whose slice is out of range are counted and left out.
    pub slice: usize,
    /// Who the search is of, numbered by the caller: searches with the same number are of the
    /// same person, and so not independent ([`clustered`]). A search of somebody nobody has
    /// identified gets a number of its own.
    pub person: u32,
}

/// All rates of one slice at one threshold.
///
/// The denominators carry the sample sizes: `fpir.n` is the number of non-mated searches,
/// `fnir.n` (and `wrong_identity_alerts.n`) the number of mated searches, `flag_rate.n` all
/// searches in the slice.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SliceMetrics {
    /// Index of the slice these metrics describe.
    pub slice: usize,
    /// The threshold they were computed at (alert when `score >= threshold`).
    pub threshold: f32,
    /// Non-mated searches that alert / non-mated searches.
    pub fpir: Rate,
    /// Mated searches not correctly identified at rank 1 at or above the threshold / mated
    /// searches.
    pub fnir: Rate,
    /// Mated searches that alert on the wrong identity / mated searches.
    pub wrong_identity_alerts: Rate,
    /// Searches that alert (rightly or wrongly) / all searches.
    pub flag_rate: Rate,
}

/// The same rates as [`SliceMetrics`], pooled over several slices by adding their counts.
///
/// When the slices use different thresholds, this is what the whole deployment would see with
/// those per-slice thresholds.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PooledMetrics {
    pub fpir: Rate,
    pub fnir: Rate,
    pub wrong_identity_alerts: Rate,
    pub flag_rate: Rate,
}

/// Pools per-slice metrics by summing numerators and denominators (not by averaging rates, which
/// would weight a slice of 5 searches like a slice of 5,000).
pub fn pooled(metrics: &[SliceMetrics]) -> PooledMetrics {
    let sum = |rate_of: fn(&SliceMetrics) -> &Rate| {
        let (k, n) = metrics
            .iter()
            .map(rate_of)
            .fold((0u64, 0u64), |(k, n), rate| {
                (k.saturating_add(rate.k), n.saturating_add(rate.n))
            });
        Rate::new(k, n)
    };
    PooledMetrics {
        fpir: sum(|m| &m.fpir),
        fnir: sum(|m| &m.fnir),
        wrong_identity_alerts: sum(|m| &m.wrong_identity_alerts),
        flag_rate: sum(|m| &m.flag_rate),
    }
}

/// Everything measured from one set of labelled searches at one set of thresholds: what the app,
/// the CLI and the report all show, computed one way.
#[derive(Clone, Debug, PartialEq)]
pub struct Measurement {
    /// Per slice, in order; intervals respect clustering by person.
    pub metrics: Vec<SliceMetrics>,
    /// All slices together, clustered by person across slices.
    pub pooled: PooledMetrics,
    /// FPIR's ratios to its reference slice, then FNIR's.
    pub differentials: [Differentials; 2],
    /// Where slices cannot be told apart from the reference (slices nobody falls in are left
    /// out, as the tables leave them out).
    pub warnings: Vec<ComparisonWarning>,
    /// People (watchlist identities or named passers-by) whose searches fall in more than one
    /// slice, e.g. labelled Monk 4 on one track and Monk 7 on another: those slices share
    /// people, so they are not independent samples and their comparison is less certain than
    /// its intervals say.
    pub people_in_several_slices: u64,
}

/// What the sliced searches give where slice `i` alerts at `thresholds[i]`. `unknown[i]` says
/// whether slice `i` is an "unknown" group (never a default reference); `reference` is the
/// slice the reviewer chose to compare against, if any.
pub fn measure(
    searches: &[Search],
    index: &SliceIndex,
    thresholds: &[f32],
    unknown: &[bool],
    known: PeopleKnown,
    reference: Option<usize>,
) -> Measurement {
    let mut metrics = index.metrics_at(thresholds);
    cluster_by_person(searches, &mut metrics, known);
    let pooled = pooled_by_person(searches, &metrics, known);
    let differentials = ComparedRate::ALL
        .map(|rate| differentials::differentials(&metrics, rate, unknown, reference));
    let populated: Vec<SliceMetrics> = metrics
        .iter()
        .filter(|m| m.flag_rate.n > 0)
        .copied()
        .collect();
    let warnings = comparison_warnings(&populated, &differentials);
    Measurement {
        metrics,
        pooled,
        differentials,
        warnings,
        people_in_several_slices: people_in_several_slices(searches, index.slice_count()),
    }
}

/// How many people have searches in more than one of the first `slice_count` slices. A search
/// of nobody identified has a person of its own, so only identified people can count.
fn people_in_several_slices(searches: &[Search], slice_count: usize) -> u64 {
    let mut slices_of: std::collections::HashMap<u32, usize> = std::collections::HashMap::new();
    let mut several = std::collections::HashSet::new();
    for search in searches.iter().filter(|s| s.slice < slice_count) {
        match slices_of.insert(search.person, search.slice) {
            Some(earlier) if earlier != search.slice => {
                several.insert(search.person);
            }
            _ => {}
        }
    }
    several.len() as u64
}

impl Measurement {
    /// The differentials of one rate.
    pub fn differentials_of(&self, rate: ComparedRate) -> &Differentials {
        match rate {
            ComparedRate::Fpir => &self.differentials[0],
            ComparedRate::Fnir => &self.differentials[1],
        }
    }
}

/// Shared by the metrics tests: one slice's metrics from (alerts, searches) counts.
#[cfg(test)]
pub(crate) mod test_support {
    use super::{Rate, SliceMetrics};

    pub fn metrics(slice: usize, fpir: (u64, u64), fnir: (u64, u64)) -> SliceMetrics {
        SliceMetrics {
            slice,
            threshold: 0.5,
            fpir: Rate::new(fpir.0, fpir.1),
            fnir: Rate::new(fnir.0, fnir.1),
            wrong_identity_alerts: Rate::new(0, fnir.1),
            flag_rate: Rate::new(fpir.0, fpir.1 + fnir.1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::test_support::metrics;

    #[test]
    fn pooled_adds_counts_rather_than_averaging_rates() {
        // Slice 0: 1/10 false alerts; slice 1: 9/90. Averaging rates would give 0.1 either way,
        // so use unequal rates: 1/10 and 0/90 → pooled 1/100, not the mean 0.05.
        let pooled = pooled(&[metrics(0, (1, 10), (2, 4)), metrics(1, (0, 90), (1, 6))]);
        assert_eq!((pooled.fpir.k, pooled.fpir.n), (1, 100));
        assert_eq!(pooled.fpir.rate, Some(0.01));
        assert_eq!((pooled.fnir.k, pooled.fnir.n), (3, 10));
        assert_eq!((pooled.flag_rate.k, pooled.flag_rate.n), (1, 110));
    }

    #[test]
    fn pooled_over_nothing_has_no_rates() {
        let pooled = pooled(&[]);
        assert_eq!(pooled.fpir, Rate::new(0, 0));
        assert_eq!(pooled.fpir.rate, None);
        assert_eq!(pooled.flag_rate.interval, None);
    }

    #[test]
    fn people_seen_in_two_slices_are_counted_once() {
        let search = |person, slice| Search {
            true_identity: Some(IdentityId(person)),
            top_identity: Some(IdentityId(person)),
            top_score: 0.9,
            slice,
            person,
        };
        // Person 1 in slices 0 and 1 (twice in 1), person 2 only in slice 0, person 3 in a
        // slice out of range.
        let searches = [
            search(1, 0),
            search(1, 1),
            search(1, 1),
            search(2, 0),
            search(2, 0),
            search(3, 0),
            search(3, 9),
        ];
        assert_eq!(people_in_several_slices(&searches, 2), 1);
    }
}
