//! Intervals that respect clustering by person.
//!
//! The unit of measurement is a search (a face track), but one person walking past a camera
//! three times gives three searches that tend to succeed or fail together. A Wilson interval
//! treats them as independent and comes out too narrow. Wherever a rate's searches include
//! several of one person, its interval here is the wider of
//!
//! * the Wilson interval of the counts, and
//! * with at least [`MIN_PEOPLE_TO_BOOTSTRAP`] people, a percentile bootstrap over people:
//!   [`BOOTSTRAP_RESAMPLES`] times, draw as many people as there are, with replacement, and take
//!   the share of their searches with the event; the interval runs from the 2.5th to the 97.5th
//!   percentile of those shares;
//! * with fewer people, or where every search or none has the event (every resample then gives
//!   the same share and the bootstrap says nothing), the Wilson interval of the observed rate
//!   as if each person were one observation (`n` = people): the most a person's searches can be
//!   worth, if they always succeed or fail together.
//!
//! Taking the wider keeps the interval from ever claiming more certainty than independence
//! would. Below 30 people a cluster bootstrap is known to come out too narrow (it can only
//! recombine the few people it has), which is why it is not used there. The draws come from
//! SplitMix64 seeded with [`BOOTSTRAP_SEED`], restarted for every interval, so the same labels
//! give the same interval on every machine, and `tests/reference/metrics_reference.py`
//! recomputes them independently. The seed and the number of resamples are recorded with each
//! rate ([`IntervalMethod::ClusterBootstrap`]).

use std::collections::BTreeMap;

use super::rates::{Interval, IntervalMethod, Rate, Z_95, wilson_at};
use super::{PooledMetrics, Search, SliceMetrics};

/// Fewer people than this and the interval counts each person once instead of bootstrapping.
pub const MIN_PEOPLE_TO_BOOTSTRAP: u64 = 30;
/// Resamples per bootstrap interval.
pub const BOOTSTRAP_RESAMPLES: u32 = 2000;
/// The seed every bootstrap interval starts from.
pub const BOOTSTRAP_SEED: u64 = 20_261_129;

/// SplitMix64 (Steele, Lea and Flood, 2014): tiny, fast and fully specified, so that another
/// implementation reproduces every draw.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A draw from `0..bound` (Lemire's multiply-shift; its bias is below 2⁻³² for any bound
    /// this module sees).
    fn below(&mut self, bound: u64) -> usize {
        ((u128::from(self.next()) * u128::from(bound)) >> 64) as usize
    }
}

/// One person's searches within a rate: how many had the event, out of how many.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PersonCounts {
    pub events: u64,
    pub searches: u64,
}

/// The rate of `people`'s searches with the event, with an interval that respects clustering
/// (see the module documentation). People with no searches are ignored. `people` records how
/// many people there are when `people_known`; otherwise the count stays `None`.
pub fn clustered_rate(people: &[PersonCounts], people_known: bool) -> Rate {
    let people: Vec<PersonCounts> = people.iter().copied().filter(|p| p.searches > 0).collect();
    let k = people.iter().map(|p| p.events).sum();
    let n = people.iter().map(|p| p.searches).sum();
    let mut rate = Rate::new(k, n);
    rate.people = people_known.then_some(people.len() as u64);
    let m = people.len() as u64;
    if m == n {
        return rate; // one search per person: Wilson's assumption holds
    }
    let bootstrap = if k == 0 || k == n || m < MIN_PEOPLE_TO_BOOTSTRAP {
        wilson_at(k as f64 / n as f64, m as f64, Z_95)
    } else {
        Some(percentile_bootstrap(&people))
    };
    rate.interval = match (rate.interval, bootstrap) {
        (Some(wilson), Some(bootstrap)) => Some(Interval {
            low: wilson.low.min(bootstrap.low),
            high: wilson.high.max(bootstrap.high),
        }),
        (wilson, _) => wilson,
    };
    rate.method = IntervalMethod::ClusterBootstrap {
        resamples: BOOTSTRAP_RESAMPLES,
        seed: BOOTSTRAP_SEED,
    };
    rate
}

/// The 2.5th and 97.5th percentiles of the share of events among resampled people's searches.
fn percentile_bootstrap(people: &[PersonCounts]) -> Interval {
    let mut rng = SplitMix64(BOOTSTRAP_SEED);
    let m = people.len() as u64;
    let mut shares: Vec<f64> = (0..BOOTSTRAP_RESAMPLES)
        .map(|_| {
            let (mut events, mut searches) = (0u64, 0u64);
            for _ in 0..m {
                let person = people[rng.below(m)];
                events += person.events;
                searches += person.searches;
            }
            events as f64 / searches as f64
        })
        .collect();
    shares.sort_unstable_by(f64::total_cmp);
    let resamples = shares.len();
    // With 2,000 resamples: the 51st and the 1,950th smallest shares (0-based 50 and 1949).
    let low = (resamples as f64 * 0.025).floor() as usize;
    let high = ((resamples as f64 * 0.975).ceil() as usize).saturating_sub(1);
    Interval {
        low: shares[low],
        high: shares[high.min(resamples - 1)],
    }
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
pub fn cluster_by_person(searches: &[Search], metrics: &mut [SliceMetrics], known: PeopleKnown) {
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
pub fn pooled_by_person(
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

    #[test]
    fn splitmix64_matches_its_published_first_outputs() {
        // The first outputs of SplitMix64 seeded with 0, as Vigna's public-domain splitmix64.c
        // (and Java's SplittableRandom) give them.
        let mut rng = SplitMix64(0);
        assert_eq!(rng.next(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(rng.next(), 0x6E78_9E6A_A1B9_65F4);
        assert_eq!(rng.next(), 0x06C4_5D18_8009_454F);
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
        // two people are two observations: Wilson on 0 of 2 gives [0, 65.8%].
        let rate = clustered_rate(&[person(0, 20), person(0, 9)], true);
        assert_eq!((rate.k, rate.n, rate.people), (0, 29, Some(2)));
        let interval = rate.interval.unwrap();
        assert_eq!(interval.low, 0.0);
        assert!((interval.high - 0.6576).abs() < 1e-4, "{interval:?}");
        assert!(matches!(
            rate.method,
            IntervalMethod::ClusterBootstrap { .. }
        ));
        assert!(rate.design_effect() > 5.0);
    }

    #[test]
    fn few_people_count_once_each() {
        // 10 people: one with 20 searches all missed, nine with 2 searches never missed: 20 of
        // 38 missed (p̂ = 0.526316). Ten people are ten observations: Wilson at p̂ with n = 10:
        // centre (0.526316 + 0.192073) / 1.384146 = 0.519010, half-width
        // 1.416010 · √(0.024931 + 0.009604) = 0.263143 → [25.59%, 78.22%], far wider than
        // Wilson on 38 searches, [37.3%, 67.6%].
        let mut people = vec![person(20, 20)];
        people.extend((0..9).map(|_| person(0, 2)));
        let rate = clustered_rate(&people, true);
        let interval = rate.interval.unwrap();
        assert!((interval.low - 0.25587).abs() < 1e-4, "{interval:?}");
        assert!((interval.high - 0.78216).abs() < 1e-4, "{interval:?}");
    }

    #[test]
    fn many_people_are_bootstrapped_reproducibly() {
        // 40 people: 8 with 5 searches all missed, 32 with 5 searches none missed: 40 of 200
        // (20%). Resampling people, the share moves in steps of whole people: the interval is
        // much wider than Wilson on 200 independent searches, [15.0%, 26.1%].
        let mut people: Vec<_> = (0..8).map(|_| person(5, 5)).collect();
        people.extend((0..32).map(|_| person(0, 5)));
        let rate = clustered_rate(&people, true);
        let wilson = wilson_interval(40, 200, Z_95).unwrap();
        let interval = rate.interval.unwrap();
        assert!(interval.low < wilson.low - 0.03 && interval.high > wilson.high + 0.03);
        // Reproducible: the same seed, the same interval.
        assert_eq!(clustered_rate(&people, true), rate);
    }

    #[test]
    fn clustering_follows_each_slices_threshold_and_leaves_counts_alone() {
        let search = |truth, score, slice, person| Search {
            true_identity: truth,
            top_identity: Some(1),
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
