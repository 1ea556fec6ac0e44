//! Intervals that respect clustering by person.
//!
//! The unit of measurement is a search (a face track), but one person walking past a camera
//! three times gives three searches that tend to succeed or fail together. A Wilson interval
//! treats them as independent and comes out too narrow. Wherever a rate's searches include
//! several of one person, its interval here is the Wilson interval of the observed rate at an
//! **effective number of searches** (Kish's design effect), or Wilson's of the raw counts if
//! that is wider. The effective number is
//!
//! * `n / deff`, where `deff` (at least 1) is the cluster-robust variance of the rate,
//!   `m/(m−1) · Σᵢ (kᵢ − p̂·nᵢ)² / n²` over the `m` people, divided by the binomial variance
//!   `p̂(1 − p̂)/n`,
//! * but never more than [`people_cap`] of the **effective number of people**, `n² / Σᵢ nᵢ²`
//!   (Kish's: the number of people when each gave as many searches, fewer when one person gave
//!   most of them): one search per such person up to 30, rising to two at 60 or more, because a
//!   variance estimated from few people is itself uncertain and errs narrow exactly when errors
//!   come from a few of them, or when one regular passer-by carries most of the weight;
//! * and the effective number of people where every search or none had the event (the variance
//!   then says nothing about how the people differ).
//!
//! A percentile bootstrap over people was tried first: its lower end fell to 0 with errors seen,
//! it jumped between 29 and 30 people, and it covered 83–85% where errors concentrate in a few
//! people. With this rule the simulations in `tests/reference/coverage.py` (5 to 200 people,
//! 3 to 50 searches each or one person seen up to 500 times, errors spread evenly or
//! concentrated in a few people) all cover at least 95%; where people differ little it is conservative (up to 100%), the side to err on for
//! evidence. The cap grows continuously with the number of people, so adding one person never
//! makes an interval jump.

use std::collections::BTreeMap;

use super::rates::{Interval, IntervalMethod, Rate, Z_95, wilson_at};
use super::{PooledMetrics, Search, SliceMetrics};

/// Below this many people each person counts as at most one observation; the cap rises to two
/// per person at twice as many.
pub(crate) const MIN_PEOPLE_FOR_DESIGN_EFFECT: u64 = 30;

/// The most effective searches `people` (effective) people can stand for: one each up to
/// [`MIN_PEOPLE_FOR_DESIGN_EFFECT`] people, rising linearly to two each at twice as many.
pub(crate) fn people_cap(people: f64) -> f64 {
    people * (people / MIN_PEOPLE_FOR_DESIGN_EFFECT as f64).clamp(1.0, 2.0)
}

/// Kish's effective number of people: `n² / Σᵢ nᵢ²` over their search counts `nᵢ`.
pub(crate) fn effective_people(people: &[PersonCounts]) -> f64 {
    let n: f64 = people.iter().map(|p| p.searches as f64).sum();
    let squares: f64 = people.iter().map(|p| (p.searches as f64).powi(2)).sum();
    if squares > 0.0 { n * n / squares } else { 0.0 }
}

/// One person's searches within a rate: how many had the event, out of how many.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct PersonCounts {
    pub events: u64,
    pub searches: u64,
}

/// The rate of `people`'s searches with the event, with an interval that respects clustering
/// (see the module documentation). People with no searches are ignored. `people` records how
/// many people there are when `people_known`; otherwise the count stays `None`.
pub(crate) fn clustered_rate(people: &[PersonCounts], people_known: bool) -> Rate {
    let people: Vec<PersonCounts> = people.iter().copied().filter(|p| p.searches > 0).collect();
    let k = people.iter().map(|p| p.events).sum();
    let n = people.iter().map(|p| p.searches).sum();
    let mut rate = Rate::new(k, n);
    rate.people = people_known.then_some(people.len() as u64);
    let m = people.len() as u64;
    if m == n {
        return rate; // one search per person: Wilson's assumption holds
    }
    let effective_searches = effective_searches(&people, k, n);
    let p_hat = k as f64 / n as f64;
    rate.interval = match (rate.interval, wilson_at(p_hat, effective_searches, Z_95)) {
        (Some(wilson), Some(clustered)) => Some(Interval {
            low: wilson.low.min(clustered.low),
            high: wilson.high.max(clustered.high),
        }),
        (wilson, _) => wilson,
    };
    rate.method = IntervalMethod::Clustered { effective_searches };
    rate
}

/// `n / deff` by the cluster-robust variance, at most [`people_cap`] of the effective number of
/// people; that number itself where every search or none had the event (see the module
/// documentation).
fn effective_searches(people: &[PersonCounts], k: u64, n: u64) -> f64 {
    let m = people.len() as u64;
    let kish = effective_people(people);
    if k == 0 || k == n || m < 2 {
        return kish;
    }
    let (n_f, m_f) = (n as f64, m as f64);
    let p_hat = k as f64 / n_f;
    let squares: f64 = people
        .iter()
        .map(|p| (p.events as f64 - p_hat * p.searches as f64).powi(2))
        .sum();
    let clustered_variance = m_f / (m_f - 1.0) * squares / (n_f * n_f);
    let binomial_variance = p_hat * (1.0 - p_hat) / n_f;
    let design_effect = (clustered_variance / binomial_variance).max(1.0);
    (n_f / design_effect).min(people_cap(kish))
}

/// What one search counts towards, at its slice's threshold.
#[derive(Clone, Copy, Debug, Default)]
struct Tally {
    non_mated: PersonCounts,
    mated_missed: PersonCounts,
    mated_wrong: PersonCounts,
    flagged: PersonCounts,
}

impl Tally {
    fn add(&mut self, search: &Search, threshold: f32) {
        let candidate = search.top_identity.filter(|_| search.top_score.is_finite());
        let alerts = candidate.is_some() && search.top_score >= threshold;
        match search.true_identity {
            None => {
                self.non_mated.searches += 1;
                self.non_mated.events += u64::from(alerts);
            }
            Some(truth) => {
                let right = alerts && candidate == Some(truth);
                self.mated_missed.searches += 1;
                self.mated_missed.events += u64::from(!right);
                self.mated_wrong.searches += 1;
                self.mated_wrong.events += u64::from(alerts && !right);
            }
        }
        self.flagged.searches += 1;
        self.flagged.events += u64::from(alerts);
    }
}

/// Whose searches are named: the people behind non-mated searches are known only where the
/// reviewer said who they are.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PeopleKnown {
    /// Every non-mated search has a person label (mated searches always do: their identity).
    pub non_mated: bool,
}

/// Replaces the intervals of `metrics` (computed from the same `searches`, each slice at its
/// own threshold) with intervals that respect clustering by person, and fills in how many
/// people each rate's searches are of. The counts and rates do not change.
pub(crate) fn cluster_by_person(
    searches: &[Search],
    metrics: &mut [SliceMetrics],
    known: PeopleKnown,
) {
    let mut tallies: BTreeMap<(usize, u32), Tally> = BTreeMap::new();
    for search in searches {
        let Some(threshold) = metrics.get(search.slice).map(|m| m.threshold) else {
            continue;
        };
        tallies
            .entry((search.slice, search.person))
            .or_default()
            .add(search, threshold);
    }
    for (position, slice_metrics) in metrics.iter_mut().enumerate() {
        let people: Vec<Tally> = tallies
            .range((position, 0)..=(position, u32::MAX))
            .map(|(_, tally)| *tally)
            .collect();
        apply(&people, known, slice_metrics);
    }
}

/// The pooled rates of all `searches` (each at its slice's threshold in `metrics`), clustered
/// by person across slices: a person seen in two slices is still one person.
pub(crate) fn pooled_by_person(
    searches: &[Search],
    metrics: &[SliceMetrics],
    known: PeopleKnown,
) -> PooledMetrics {
    let mut tallies: BTreeMap<u32, Tally> = BTreeMap::new();
    for search in searches {
        if let Some(m) = metrics.get(search.slice) {
            tallies
                .entry(search.person)
                .or_default()
                .add(search, m.threshold);
        }
    }
    let people: Vec<Tally> = tallies.into_values().collect();
    let rate = |pick: fn(&Tally) -> PersonCounts, known: bool| {
        clustered_rate(&people.iter().map(pick).collect::<Vec<_>>(), known)
    };
    PooledMetrics {
        fpir: rate(|t| t.non_mated, known.non_mated),
        fnir: rate(|t| t.mated_missed, true),
        wrong_identity_alerts: rate(|t| t.mated_wrong, true),
        flag_rate: rate(|t| t.flagged, known.non_mated),
    }
}

fn apply(people: &[Tally], known: PeopleKnown, metrics: &mut SliceMetrics) {
    let rate = |pick: fn(&Tally) -> PersonCounts, known: bool| {
        clustered_rate(&people.iter().map(pick).collect::<Vec<_>>(), known)
    };
    metrics.fpir = rate(|t| t.non_mated, known.non_mated);
    metrics.fnir = rate(|t| t.mated_missed, true);
    metrics.wrong_identity_alerts = rate(|t| t.mated_wrong, true);
    metrics.flag_rate = rate(|t| t.flagged, known.non_mated);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::SliceIndex;
    use crate::metrics::rates::wilson_interval;

    fn person(events: u64, searches: u64) -> PersonCounts {
        PersonCounts { events, searches }
    }

    fn effective(rate: &Rate) -> f64 {
        match rate.method {
            IntervalMethod::Clustered { effective_searches } => effective_searches,
            IntervalMethod::Wilson => panic!("not clustered: {rate:?}"),
        }
    }

    #[test]
    fn one_search_per_person_keeps_wilson() {
        let people: Vec<_> = (0..10).map(|i| person(u64::from(i < 3), 1)).collect();
        let rate = clustered_rate(&people, true);
        assert_eq!(rate.method, IntervalMethod::Wilson);
        assert_eq!(rate.interval, wilson_interval(3, 10, Z_95));
        assert_eq!(rate.people, Some(10));
    }

    #[test]
    fn several_searches_of_one_person_widen_the_interval() {
        // 29 mated searches of 2 people, 0 missed: Wilson on 29 searches gives [0, 11.7%], but
        // two people are at most two observations, and one gave most of the searches:
        // 29² / (20² + 9²) = 841 / 481 = 1.748 effective people, Wilson on 0 of 1.748.
        let rate = clustered_rate(&[person(0, 20), person(0, 9)], true);
        assert_eq!((rate.k, rate.n, rate.people), (0, 29, Some(2)));
        let interval = rate.interval.unwrap();
        assert_eq!(interval.low, 0.0);
        assert!((effective(&rate) - 841.0 / 481.0).abs() < 1e-12);
        let expected = wilson_at(0.0, 841.0 / 481.0, Z_95).unwrap();
        assert!(
            (interval.high - expected.high).abs() < 1e-12,
            "{interval:?}"
        );
        assert!(interval.high > 0.65);
        assert!(rate.design_effect() > 5.0);
    }

    #[test]
    fn few_people_count_at_most_once_each() {
        // 10 people: one with 20 searches all missed, nine with 2 searches never missed: 20 of
        // 38 missed (p̂ = 0.526316). Ten people are at most ten observations; here one person
        // decides it all: Σ (kᵢ − p̂nᵢ)² = 9.4737² + 9 · 1.0526² = 99.72, clustered variance
        // 10/9 · 99.72 / 38² = 0.076729, binomial 0.526316 · 0.473684 / 38 = 0.0065608,
        // deff 11.695 → 3.249 effective searches: wider even than Wilson at 10.
        let mut people = vec![person(20, 20)];
        people.extend((0..9).map(|_| person(0, 2)));
        let rate = clustered_rate(&people, true);
        assert!(
            (effective(&rate) - 3.249).abs() < 1e-3,
            "{}",
            effective(&rate)
        );
        let interval = rate.interval.unwrap();
        let at_ten = wilson_at(20.0 / 38.0, 10.0, Z_95).unwrap();
        assert!(
            interval.low < at_ten.low && interval.high > at_ten.high,
            "{interval:?}"
        );
    }

    #[test]
    fn the_cap_grows_with_the_people_without_jumps() {
        assert_eq!(people_cap(10.0), 10.0);
        assert_eq!(people_cap(30.0), 30.0);
        assert_eq!(people_cap(45.0), 67.5);
        assert_eq!(people_cap(60.0), 120.0);
        assert_eq!(people_cap(200.0), 400.0);
        for m in 1..200 {
            let m = f64::from(m);
            assert!(people_cap(m + 1.0) - people_cap(m) <= 4.0 + 1e-9, "{m}");
        }
        // One regular passer-by with 100 searches among nine seen 3 times: not 10 people's
        // worth, but 127² / (100² + 9 · 3²) = 16129 / 10081 = 1.6 people's.
        let mut people = vec![person(0, 100)];
        people.extend((0..9).map(|_| person(0, 3)));
        assert!((effective_people(&people) - 16_129.0 / 10_081.0).abs() < 1e-12);
    }

    #[test]
    fn many_people_get_the_design_effect_by_hand() {
        // 30 people × 10 searches; person A has all 10 false alerts, the rest none: p̂ = 10/300.
        // Σ (kᵢ − p̂·nᵢ)² = (10 − 1/3)² + 29 · (1/3)² = 93.444 + 3.222 = 96.667;
        // clustered variance 30/29 · 96.667 / 300² = 0.0011111; binomial 0.0333·0.9667/300
        // = 0.00010741; deff = 10.345 → 29.0 effective searches: as many as the 29 people with
        // no error, and far fewer than 300.
        let mut people = vec![person(10, 10)];
        people.extend((0..29).map(|_| person(0, 10)));
        let rate = clustered_rate(&people, true);
        assert!(
            (effective(&rate) - 29.0).abs() < 1e-9,
            "{}",
            effective(&rate)
        );
        let interval = rate.interval.unwrap();
        let expected = wilson_at(10.0 / 300.0, 29.0, Z_95).unwrap();
        assert!((interval.low - expected.low).abs() < 1e-12, "{interval:?}");
        assert!(
            (interval.high - expected.high).abs() < 1e-12,
            "{interval:?}"
        );
        // An error seen is never an interval reaching down to 0.
        assert!(interval.low > 0.0);
    }

    #[test]
    fn adding_an_error_free_person_moves_the_interval_smoothly() {
        // The percentile bootstrap tried first jumped between 29 and 30 people; this does not.
        // (28 error-free people: effective 28.0; 29: 29.0.)
        let with = |others: u64| {
            let mut people = vec![person(10, 10)];
            people.extend((0..others).map(|_| person(0, 10)));
            clustered_rate(&people, true).interval.unwrap()
        };
        let (before, after) = (with(28), with(29));
        assert!(
            (before.high - after.high).abs() < 0.02,
            "{before:?} → {after:?}"
        );
        assert!(after.low > 0.0 && before.low > 0.0);
    }

    #[test]
    fn independent_searches_of_many_people_are_capped_by_the_people() {
        // 40 people × 5 searches, errors spread evenly (one each): no clustering to speak of
        // (deff 1, so 200 by the variance), but 40 people stand for at most 40 · 40/30 = 53.3.
        let people: Vec<_> = (0..40).map(|_| person(1, 5)).collect();
        let rate = clustered_rate(&people, true);
        assert!(
            (effective(&rate) - 160.0 / 3.0).abs() < 1e-9,
            "{}",
            effective(&rate)
        );
        let wilson = wilson_interval(40, 200, Z_95).unwrap();
        let interval = rate.interval.unwrap();
        assert!(interval.low < wilson.low && interval.high > wilson.high);
    }

    #[test]
    fn clustering_follows_each_slices_threshold_and_leaves_counts_alone() {
        let search = |truth: Option<u32>, score, slice, person| Search {
            true_identity: truth.map(crate::ids::IdentityId),
            top_identity: Some(crate::ids::IdentityId(1)),
            top_score: score,
            slice,
            person,
        };
        let searches = vec![
            search(Some(1), 0.9, 0, 1),
            search(Some(1), 0.5, 0, 1),
            search(Some(1), 0.9, 0, 1),
            search(None, 0.7, 0, 7),
            search(None, 0.7, 1, 8),
            search(None, 0.7, 1, 9),
        ];
        let index = SliceIndex::build(&searches, 2);
        let mut metrics = index.metrics_at(&[0.6, 0.8]);
        let plain = metrics.clone();
        cluster_by_person(&searches, &mut metrics, PeopleKnown { non_mated: true });
        for (clustered, plain) in metrics.iter().zip(&plain) {
            assert_eq!(
                (clustered.fpir.k, clustered.fpir.n),
                (plain.fpir.k, plain.fpir.n)
            );
            assert_eq!(
                (clustered.fnir.k, clustered.fnir.n),
                (plain.fnir.k, plain.fnir.n)
            );
        }
        // Slice 0: 3 mated searches of one person, 1 missed at 0.6.
        assert_eq!((metrics[0].fnir.k, metrics[0].fnir.people), (1, Some(1)));
        // Slice 1 at 0.8: two people's 0.7 scores raise no alert, one search each → Wilson.
        assert_eq!(metrics[1].fpir.method, IntervalMethod::Wilson);
        assert_eq!((metrics[1].fpir.k, metrics[1].fpir.people), (0, Some(2)));
        let pooled = pooled_by_person(&searches, &metrics, PeopleKnown { non_mated: false });
        assert_eq!(
            (pooled.fpir.k, pooled.fpir.n, pooled.fpir.people),
            (1, 3, None)
        );
        assert_eq!(
            (pooled.fnir.k, pooled.fnir.n, pooled.fnir.people),
            (1, 3, Some(1))
        );
    }
}
