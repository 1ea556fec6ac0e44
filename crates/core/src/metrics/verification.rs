//! 1:1 verification rates per group, as NISTIR 8280 reports them: at one fixed threshold, the
//! false match rate (FMR) over every impostor pair of the group and the false non-match rate
//! (FNMR) over every genuine pair.
//!
//! * A **genuine** pair is two samples (photos) of the same person; an **impostor** pair two
//!   samples of different people. A pair counts for a group when both its samples are in the
//!   group: impostor pairs are same-group pairs, as NIST's demographic FMR is (pairs across
//!   groups match less often and would make every group look better).
//! * A pair **matches** when its score is at or above the threshold. FMR: impostor pairs that
//!   match / impostor pairs; FNMR: genuine pairs that do not / genuine pairs.
//! * Pairs are not independent: every pair of a person shares that person's photos. The
//!   intervals are clustered by person ([`super::clustered`]): each pair counts once for each of
//!   its two people (which leaves the rate as it is), and the interval is the wider of Wilson's
//!   over the pairs and the clustered one over those per-person counts.

use serde::{Deserialize, Serialize};

use super::clustered::{PersonCounts, clustered_rate};
use super::rates::{Interval, Rate};

/// One sample compared 1:1: who it is of and which group it is in. Samples of the same person
/// share `person`; a `group` at or beyond the groups asked for is left out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sample {
    pub person: u32,
    pub group: usize,
}

/// One group's 1:1 rates at one threshold.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupVerification {
    pub threshold: f32,
    /// Impostor pairs that match / same-group impostor pairs.
    pub fmr: Rate,
    /// Genuine pairs that do not match / genuine pairs.
    pub fnmr: Rate,
}

/// Per group (`0..groups`), FMR and FNMR at `threshold` over every pair of `samples` in that
/// group; `score(i, j)` is the similarity of samples `i` and `j`. A score that is not finite never
/// matches.
pub fn verification_rates(
    samples: &[Sample],
    groups: usize,
    threshold: f32,
    score: impl Fn(usize, usize) -> f32,
) -> Vec<GroupVerification> {
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); groups];
    for (index, sample) in samples.iter().enumerate() {
        if let Some(group) = members.get_mut(sample.group) {
            group.push(index);
        }
    }
    let people = samples
        .iter()
        .map(|s| s.person as usize + 1)
        .max()
        .unwrap_or(0);
    members
        .iter()
        .map(|group| {
            let mut genuine = vec![PersonCounts::default(); people];
            let mut impostor = vec![PersonCounts::default(); people];
            let (mut non_matches, mut genuine_pairs) = (0u64, 0u64);
            let (mut false_matches, mut impostor_pairs) = (0u64, 0u64);
            for (at, &i) in group.iter().enumerate() {
                for &j in &group[at + 1..] {
                    let s = score(i, j);
                    let matched = s.is_finite() && s >= threshold;
                    let (a, b) = (samples[i].person as usize, samples[j].person as usize);
                    if a == b {
                        genuine_pairs += 1;
                        non_matches += u64::from(!matched);
                        genuine[a].searches += 2;
                        genuine[a].events += 2 * u64::from(!matched);
                    } else {
                        impostor_pairs += 1;
                        false_matches += u64::from(matched);
                        for person in [a, b] {
                            impostor[person].searches += 1;
                            impostor[person].events += u64::from(matched);
                        }
                    }
                }
            }
            GroupVerification {
                threshold,
                fmr: pair_rate(false_matches, impostor_pairs, &impostor),
                fnmr: pair_rate(non_matches, genuine_pairs, &genuine),
            }
        })
        .collect()
}

/// `events` of `pairs`, with the wider of Wilson's interval over the pairs and the interval
/// clustered by person over `people` (each pair counted once for each of its people).
fn pair_rate(events: u64, pairs: u64, people: &[PersonCounts]) -> Rate {
    let clustered = clustered_rate(people, true);
    let mut rate = Rate::new(events, pairs);
    rate.people = clustered.people;
    rate.method = clustered.method;
    if let (Some(wilson), Some(by_person)) = (rate.interval, clustered.interval) {
        rate.interval = Some(Interval {
            low: wilson.low.min(by_person.low),
            high: wilson.high.max(by_person.high),
        });
    }
    rate
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Scores from a table: samples 0–2 are person 0, 3–4 person 1, 5 person 2 (group 1).
    fn scores(i: usize, j: usize) -> f32 {
        let table = [
            [1.0, 0.9, 0.4, 0.7, 0.1, 0.9],
            [0.9, 1.0, 0.8, 0.2, 0.3, 0.9],
            [0.4, 0.8, 1.0, 0.1, 0.65, 0.9],
            [0.7, 0.2, 0.1, 1.0, 0.95, 0.9],
            [0.1, 0.3, 0.65, 0.95, 1.0, 0.9],
            [0.9, 0.9, 0.9, 0.9, 0.9, 1.0],
        ];
        table[i][j]
    }

    fn samples() -> Vec<Sample> {
        [(0, 0), (0, 0), (0, 0), (1, 0), (1, 0), (2, 1)]
            .map(|(person, group)| Sample { person, group })
            .to_vec()
    }

    #[test]
    fn pairs_are_counted_within_each_group() {
        let rates = verification_rates(&samples(), 2, 0.6, scores);
        // Group 0: genuine pairs (0,1) .9, (0,2) .4, (1,2) .8, (3,4) .95 → 1 of 4 missed.
        assert_eq!((rates[0].fnmr.k, rates[0].fnmr.n), (1, 4));
        // Impostor pairs: 3 × 2 = 6; (0,3) .7 and (2,4) .65 match.
        assert_eq!((rates[0].fmr.k, rates[0].fmr.n), (2, 6));
        assert_eq!(rates[0].fmr.people, Some(2));
        // Group 1 has one sample: no pair, however high it scores against group 0.
        assert_eq!((rates[1].fmr.n, rates[1].fnmr.n), (0, 0));
        assert_eq!(rates[1].fmr.rate, None);
    }

    #[test]
    fn the_threshold_is_inclusive_and_clustered_intervals_are_no_narrower_than_wilson() {
        let rates = verification_rates(&samples(), 1, 0.65, scores);
        assert_eq!(rates[0].fmr.k, 2, "0.65 matches at 0.65");
        let wilson = Rate::new(rates[0].fmr.k, rates[0].fmr.n).interval.unwrap();
        let interval = rates[0].fmr.interval.unwrap();
        assert!(interval.low <= wilson.low && interval.high >= wilson.high);
    }

    #[test]
    fn a_sample_outside_the_groups_is_left_out() {
        let mut samples = samples();
        samples[5].group = 7;
        let rates = verification_rates(&samples, 1, 0.6, scores);
        assert_eq!(rates[0].fmr.n, 6);
    }
}
