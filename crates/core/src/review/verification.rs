//! 1:1 verification per group for a review of an evaluation set (`lineup evaluate`): FMR and
//! FNMR at one threshold over every same-group pair of its photos ([`metrics::verification`]),
//! as NISTIR 8280 reports them. The photos are the watchlist's enrolment photos and each labelled
//! track's first face, which for an evaluation set is its one photo.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::labels::{AttributeError, GroundTruth};
use super::protocol::NearDuplicate;
use super::slices::slice_of_attributes;
use super::{ReviewDocument, Slicing};
use crate::ids::TrackId;
use crate::metrics::{self, GroupVerification, Rate, Sample};
use crate::vision::Embedding;
use crate::vision::manifest::Metric;

/// Every group's FMR and FNMR at one threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct Verification {
    pub slicing: Slicing,
    /// A lineup score ([`Metric::score`]) on `metric`.
    pub threshold: f32,
    /// The recognizer's metric, by which every pair was scored.
    pub metric: Metric,
    /// Per group, in slice order (as [`ReviewDocument::sliced_searches`] names them).
    pub names: Vec<String>,
    /// Per group, whether it is (partly) an "unknown" group: people whose attribute nobody
    /// recorded are no group, so its impostor pairs, which may be of people of any groups,
    /// give no same-group FMR (it is left unmeasured); its genuine pairs still give FNMR.
    pub unknown: Vec<bool>,
    pub groups: Vec<GroupVerification>,
    /// Photos compared, and the people they are of.
    pub photos: usize,
    pub people: usize,
}

/// Who a photo is of: an enrolled identity (by index), or a person named on a track, or a
/// track nobody named (a person of its own).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Person {
    Enrolled(usize),
    Named(String),
    Track(usize),
}

impl ReviewDocument {
    /// FMR and FNMR per group of `slicing` at `threshold` over every pair of the review's photos
    /// in the same group (see the module documentation), each pair scored by the recognizer's
    /// own metric ([`ReviewDocument::score_metric`]), as its searches were.
    pub fn verification(
        &self,
        slicing: &Slicing,
        threshold: f32,
    ) -> Result<Verification, AttributeError> {
        let sliced = self.sliced_searches(slicing)?;
        let (names, unknown) = (sliced.names, sliced.unknown);
        let track_slices = self.slices_of_tracks(slicing)?;
        let mut people: HashMap<Person, u32> = HashMap::new();
        let mut number = |person: Person| {
            let next = people.len() as u32;
            *people.entry(person).or_insert(next)
        };
        let mut samples: Vec<Sample> = Vec::new();
        let mut embeddings: Vec<&Embedding> = Vec::new();
        for (index, identity) in self.watchlist.identities.iter().enumerate() {
            let attributes = self
                .identity_attributes
                .get(&identity.name)
                .cloned()
                .unwrap_or_default();
            let group = slice_of_attributes(&self.attribute_schema, slicing, &attributes)?;
            for photo in &identity.photos {
                samples.push(Sample {
                    person: number(Person::Enrolled(index)),
                    group,
                });
                embeddings.push(&photo.embedding);
            }
        }
        for (index, track) in self.tracks.iter().enumerate() {
            let person = match (track.label, &track.person) {
                (GroundTruth::OnWatchlist(identity), _) => Person::Enrolled(identity.index()),
                (GroundTruth::NotOnWatchlist, Some(name)) => Person::Named(name.trim().into()),
                (GroundTruth::NotOnWatchlist, None) => Person::Track(index),
                _ => continue,
            };
            let Some(&first) = self.tracks[TrackId(index)].detections.first() else {
                continue;
            };
            samples.push(Sample {
                person: number(person),
                group: track_slices[index],
            });
            embeddings.push(&self.detections[first].embedding);
        }
        let metric = self.score_metric();
        let mut groups = metrics::verification_rates(&samples, names.len(), threshold, |i, j| {
            embeddings[i].score(embeddings[j], metric)
        });
        for (rates, unknown) in groups.iter_mut().zip(&unknown) {
            if *unknown {
                rates.fmr = Rate::new(0, 0);
            }
        }
        Ok(Verification {
            slicing: slicing.clone(),
            threshold,
            metric,
            names,
            unknown,
            groups,
            photos: samples.len(),
            people: people.len(),
        })
    }
}

/// A photo of an evaluation set as its protocol names it: relative to the set's folder, which
/// holds one folder per person (so the last two parts of any path the review stores).
fn set_relative(path: &Path) -> PathBuf {
    let parts: Vec<_> = path.components().collect();
    parts[parts.len().saturating_sub(2)..].iter().collect()
}

impl ReviewDocument {
    /// Every pair of the review's photos (each enrolment photo and each face searched) of
    /// different people (folders of the set) that scores at least `bound` on the recognizer's
    /// own metric: an evaluation's near-duplicates, re-derived from the embeddings the review
    /// holds, so that a list edited after `lineup evaluate` can be named. Pairs are named as
    /// the protocol names them, in the order the photos appear here.
    pub fn near_duplicate_pairs(&self, bound: f32) -> Vec<NearDuplicate> {
        let enrolment = self
            .watchlist
            .identities
            .iter()
            .flat_map(|identity| &identity.photos)
            .map(|photo| (set_relative(&photo.path), &photo.embedding));
        let searched = self.detections.iter().filter_map(|detection| {
            let input = self.inputs.get(detection.source.input)?;
            Some((set_relative(&input.path), &detection.embedding))
        });
        let photos: Vec<(PathBuf, &Embedding)> = enrolment.chain(searched).collect();
        let metric = self.score_metric();
        let mut pairs = Vec::new();
        for (at, (first, a)) in photos.iter().enumerate() {
            for (second, b) in &photos[at + 1..] {
                if first.parent() == second.parent() {
                    continue;
                }
                let score = a.score(b, metric);
                if score >= bound {
                    pairs.push(NearDuplicate {
                        first: first.clone(),
                        second: second.clone(),
                        score,
                    });
                }
            }
        }
        pairs
    }
}
