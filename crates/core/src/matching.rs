//! 1:N search: each probe face against every enrolled identity, ranked by the recognizer's score
//! (cosine similarity, or a distance negated: higher is always more alike).

use serde::{Deserialize, Serialize};

use crate::ids::IdentityId;
use crate::vision::Embedding;
use crate::vision::manifest::Metric;
use crate::watchlist::Watchlist;

/// A watchlist identity returned for a probe face.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// Which of the watchlist's identities.
    pub identity: IdentityId,
    /// The score against the identity's closest enrolment photo: the cosine similarity, or for
    /// a Euclidean recognizer the negated distance (see [`Metric::score`]).
    pub score: f32,
}

/// The `top_k` identities most similar to `probe` by cosine similarity (MobileFaceNet's
/// metric), best first; see [`search_by`].
pub fn search(probe: &Embedding, watchlist: &Watchlist, top_k: usize) -> Vec<Candidate> {
    search_by(probe, watchlist, top_k, Metric::Cosine)
}

/// The `top_k` identities most similar to `probe` under `metric`, best first. An identity
/// scores as its most similar enrolment photo, as deployed systems do with several photos per
/// person.
pub fn search_by(
    probe: &Embedding,
    watchlist: &Watchlist,
    top_k: usize,
    metric: Metric,
) -> Vec<Candidate> {
    let mut candidates: Vec<Candidate> = watchlist
        .identities
        .iter()
        .enumerate()
        .filter_map(|(index, identity)| {
            Some(Candidate {
                identity: IdentityId::at(index)?,
                score: identity
                    .photos
                    .iter()
                    .map(|photo| probe.score(&photo.embedding, metric))
                    .fold(f32::NEG_INFINITY, f32::max),
            })
        })
        .collect();
    candidates.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.identity.cmp(&b.identity))
    });
    candidates.truncate(top_k);
    candidates
}

/// Whether a face with these candidates raises an alert: its best score reaches the threshold.
pub fn is_alert(candidates: &[Candidate], threshold: f32) -> bool {
    candidates.first().is_some_and(|c| c.score >= threshold)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vision::BoundingBox;
    use crate::watchlist::{EnrolmentPhoto, Identity};

    fn photo(embedding: &[f32]) -> EnrolmentPhoto {
        EnrolmentPhoto {
            path: "p.jpg".into(),
            digest: crate::digest::FileDigest {
                sha256: String::new(),
                size_bytes: 0,
            },
            bbox: BoundingBox::default(),
            detector_score: 1.0,
            embedding: Embedding::normalized(embedding),
        }
    }

    fn watchlist() -> Watchlist {
        Watchlist {
            root: "w".into(),
            identities: vec![
                Identity {
                    name: "A".into(),
                    photos: vec![photo(&[1.0, 0.0]), photo(&[0.0, 1.0])],
                },
                Identity {
                    name: "B".into(),
                    photos: vec![photo(&[1.0, 1.0])],
                },
                Identity {
                    name: "C".into(),
                    photos: vec![photo(&[-1.0, 0.0])],
                },
            ],
        }
    }

    #[test]
    fn identities_rank_by_their_closest_photo() {
        let found = search(&Embedding::normalized(&[0.0, 1.0]), &watchlist(), 2);
        assert_eq!(found.len(), 2);
        assert_eq!(
            found[0],
            Candidate {
                identity: IdentityId(0),
                score: 1.0
            }
        );
        assert_eq!(found[1].identity, IdentityId(1));
        assert!((found[1].score - std::f32::consts::FRAC_1_SQRT_2).abs() < 1e-6);
    }

    #[test]
    fn an_alert_needs_the_best_score_at_or_above_threshold() {
        let found = search(&Embedding::normalized(&[0.0, 1.0]), &watchlist(), 3);
        assert!(is_alert(&found, 1.0));
        assert!(!is_alert(&found, 1.01));
        assert!(!is_alert(&[], -1.0));
    }
}
