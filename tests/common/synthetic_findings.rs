//! A labelled TEST FIXTURE for the impact assessment, until reviews carry ground-truth labels:
//! synthetic 1:N searches with generated scores. The numbers it gives describe this generator,
//! not any face recognition system or any people, and every report made from it says so.
#![allow(dead_code)]

use lineup::assessment::{DEFAULT_CROWD_SCENARIOS, Findings};
use lineup::ids::IdentityId;
use lineup::metrics::Search;

pub const LABEL_SOURCE: &str = "SYNTHETIC TEST FIXTURE: generated scores, not measured on people";

/// Slice names, and how many non-mated and mated searches each has. Group C is small on
/// purpose, so that the report's cautions about small samples show.
pub const SLICES: [(&str, usize, usize); 3] = [
    ("Group A", 400, 120),
    ("Group B", 300, 90),
    ("Group C", 25, 10),
];

/// Mean impostor (non-mated rank-1) score per slice: group B's is higher, so its FPIR is too.
const IMPOSTOR_MEAN: [f32; 3] = [0.35, 0.45, 0.40];
const GENUINE_MEAN: f32 = 0.72;
const WATCHLIST_SIZE: u64 = 20;

/// xorshift64: deterministic, no crate needed (the tamper test flips bytes with it too).
pub struct XorShift(pub u64);

impl XorShift {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Roughly normal around `mean` (a sum of four uniforms), clamped to cosine's range.
    fn score(&mut self, mean: f32, spread: f32) -> f32 {
        let sum: f32 = (0..4).map(|_| self.unit()).sum();
        (mean + spread * (sum - 2.0)).clamp(-1.0, 1.0)
    }
}

pub fn searches() -> Vec<Search> {
    let mut rng = XorShift(0x5EED_1234_ABCD_0001);
    let mut searches = Vec::new();
    for (slice, &(_, non_mated, mated)) in SLICES.iter().enumerate() {
        for _ in 0..non_mated {
            searches.push(Search {
                true_identity: None,
                top_identity: Some(IdentityId((rng.next() % WATCHLIST_SIZE) as u32)),
                top_score: rng.score(IMPOSTOR_MEAN[slice], 0.15),
                slice,
                // Every passer-by a different person, numbered after the watchlist's.
                person: (WATCHLIST_SIZE as usize + searches.len()) as u32,
            });
        }
        for i in 0..mated {
            let truth = (i as u64 % WATCHLIST_SIZE) as u32;
            let right = rng.unit() < 0.92;
            searches.push(Search {
                true_identity: Some(IdentityId(truth)),
                top_identity: Some(IdentityId(if right { truth } else { (truth + 1) % 20 })),
                top_score: if right {
                    rng.score(GENUINE_MEAN, 0.2)
                } else {
                    rng.score(IMPOSTOR_MEAN[slice], 0.15)
                },
                slice,
                person: truth,
            });
        }
    }
    searches
}

pub fn findings(threshold: f32) -> Findings {
    Findings::new(
        threshold,
        SLICES.iter().map(|(name, _, _)| name.to_string()).collect(),
        searches(),
        DEFAULT_CROWD_SCENARIOS.to_vec(),
        LABEL_SOURCE,
    )
}
