//! A second review: another person labels the same tracks blind (without seeing the first
//! reviewer's labels, attributes or suggestions), so that how far two people agree on who each
//! track is, and on its perceived attributes, can be measured (Cohen's kappa) before anyone
//! relies on the labels. Where they disagree, someone settles which value the review keeps.
//!
//! The first reviewer's labels are the review's own (`Track::label`, `Track::attributes`): the
//! ones every rate counts. The second reviewer's are kept apart here and never counted.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::ReviewDocument;
use super::labels::{Attributes, GroundTruth, UNKNOWN};
use crate::ids::TrackId;
use crate::metrics::{Agreement, cohens_kappa};

/// What the second reviewer said, track by track.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecondReview {
    /// Who the second reviewer is; empty until they say.
    #[serde(default)]
    pub reviewer: String,
    /// Their label and attributes of each track they looked at.
    #[serde(default)]
    pub labels: BTreeMap<TrackId, SecondLabel>,
    /// Disagreements settled, in order, each with both reviewers' values as they were.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub settled: Vec<Settlement>,
}

/// One track as the second reviewer labelled it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecondLabel {
    #[serde(default)]
    pub label: GroundTruth,
    /// Attribute name → value; an absent attribute is unknown.
    #[serde(default)]
    pub attributes: Attributes,
}

impl SecondReview {
    /// Nothing in it: no name, no label, nothing settled (undone back to nothing, it goes).
    pub fn is_empty(&self) -> bool {
        self.reviewer.trim().is_empty() && self.labels.is_empty() && self.settled.is_empty()
    }
}

/// Which of the two reviewers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reviewer {
    First,
    Second,
}

/// Where the two reviewers of a track said different things.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Disagreement {
    /// Who the track is.
    Label {
        first: GroundTruth,
        second: GroundTruth,
    },
    /// A perceived attribute.
    Attribute {
        name: String,
        first: String,
        second: String,
    },
}

impl Disagreement {
    /// The label or attribute value `reviewer` gave.
    pub fn value_of(&self, reviewer: Reviewer) -> Answer {
        match (self, reviewer) {
            (Disagreement::Label { first, .. }, Reviewer::First) => Answer::Label(*first),
            (Disagreement::Label { second, .. }, Reviewer::Second) => Answer::Label(*second),
            (Disagreement::Attribute { name, first, .. }, Reviewer::First) => {
                Answer::Attribute(name.clone(), first.clone())
            }
            (Disagreement::Attribute { name, second, .. }, Reviewer::Second) => {
                Answer::Attribute(name.clone(), second.clone())
            }
        }
    }

    fn about(&self) -> Option<&str> {
        match self {
            Disagreement::Label { .. } => None,
            Disagreement::Attribute { name, .. } => Some(name),
        }
    }
}

/// One reviewer's value for a track: its label, or an attribute's value (by name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Label(GroundTruth),
    Attribute(String, String),
}

/// A disagreement someone settled: what each reviewer had said, and whose value the review
/// kept. Agreement is measured on what they had said, never on the value kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settlement {
    pub track: TrackId,
    pub disagreement: Disagreement,
    pub kept: Reviewer,
}

/// How far the two reviewers agree: on who each track is, over the tracks both labelled, and on
/// each attribute of the schema, over the tracks both gave a value ("unknown" is no value).
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewerAgreement {
    pub label: Agreement,
    /// In the schema's order.
    pub attributes: Vec<(String, Agreement)>,
}

impl ReviewDocument {
    /// The first reviewer's own label of `track`, as given before any settlement changed it.
    fn first_label(&self, second: &SecondReview, track: TrackId) -> GroundTruth {
        second
            .settled
            .iter()
            .rev()
            .find_map(|s| match &s.disagreement {
                Disagreement::Label { first, .. } if s.track == track => Some(*first),
                _ => None,
            })
            .unwrap_or(self.tracks[track].label)
    }

    /// The first reviewer's own value of attribute `name` of `track`, as given before any
    /// settlement changed it; None where unknown.
    fn first_attribute(&self, second: &SecondReview, track: TrackId, name: &str) -> Option<String> {
        let settled = second
            .settled
            .iter()
            .rev()
            .find_map(|s| match &s.disagreement {
                Disagreement::Attribute {
                    name: settled,
                    first,
                    ..
                } if s.track == track && settled == name => Some(first.clone()),
                _ => None,
            });
        settled
            .or_else(|| self.tracks[track].attributes.get(name).cloned())
            .filter(|value| value != UNKNOWN)
    }

    /// The second review's tracks that exist in this review.
    fn second_labels<'a>(
        &'a self,
        second: &'a SecondReview,
    ) -> impl Iterator<Item = (TrackId, &'a SecondLabel)> + 'a {
        second
            .labels
            .iter()
            .filter(|(track, _)| track.index() < self.tracks.len())
            .map(|(&track, label)| (track, label))
    }

    /// Cohen's kappa between the two reviewers' own labels and attributes; None without a
    /// second review.
    pub fn reviewer_agreement(&self) -> Option<ReviewerAgreement> {
        let second = self.second_review.as_ref()?;
        let label = cohens_kappa(self.second_labels(second).filter_map(|(track, theirs)| {
            let first = self.first_label(second, track);
            (first != GroundTruth::Unlabelled && theirs.label != GroundTruth::Unlabelled)
                .then_some((first, theirs.label))
        }));
        let attributes = self
            .attribute_schema
            .attributes
            .iter()
            .map(|definition| {
                let name = definition.name.as_str();
                let pairs = self.second_labels(second).filter_map(|(track, theirs)| {
                    let first = self.first_attribute(second, track, name)?;
                    let second = theirs.attributes.get(name).filter(|v| *v != UNKNOWN)?;
                    Some((first, second.clone()))
                });
                (definition.name.clone(), cohens_kappa(pairs))
            })
            .collect();
        Some(ReviewerAgreement { label, attributes })
    }

    /// Where the review's labels (the first reviewer's, as settled so far) and the second
    /// reviewer's differ, both having said something, and nobody has settled it yet: by track,
    /// the label first, then the attributes in the schema's order.
    pub fn open_disagreements(&self) -> Vec<(TrackId, Disagreement)> {
        let Some(second) = &self.second_review else {
            return Vec::new();
        };
        let settled = |track: TrackId, disagreement: &Disagreement| {
            second.settled.iter().any(|s| {
                s.track == track
                    && s.disagreement.about() == disagreement.about()
                    && s.disagreement.value_of(Reviewer::Second)
                        == disagreement.value_of(Reviewer::Second)
                    && s.disagreement.value_of(s.kept) == disagreement.value_of(Reviewer::First)
            })
        };
        let mut open = Vec::new();
        for (track, theirs) in self.second_labels(second) {
            let ours = &self.tracks[track];
            if ours.label != GroundTruth::Unlabelled
                && theirs.label != GroundTruth::Unlabelled
                && ours.label != theirs.label
            {
                open.push((
                    track,
                    Disagreement::Label {
                        first: ours.label,
                        second: theirs.label,
                    },
                ));
            }
            for definition in &self.attribute_schema.attributes {
                let name = &definition.name;
                let known = |a: &Attributes| a.get(name).filter(|v| *v != UNKNOWN).cloned();
                if let (Some(first), Some(second)) =
                    (known(&ours.attributes), known(&theirs.attributes))
                    && first != second
                {
                    open.push((
                        track,
                        Disagreement::Attribute {
                            name: name.clone(),
                            first,
                            second,
                        },
                    ));
                }
            }
        }
        open.retain(|(track, disagreement)| !settled(*track, disagreement));
        open
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::IdentityId;
    use crate::metrics::Kappa;
    use crate::review::Track;

    fn review(first: &[GroundTruth], second: &[GroundTruth]) -> ReviewDocument {
        let text = include_str!("../../../../tests/fixtures/review_v1.ron");
        let mut document = crate::review::parse(std::path::Path::new("v1.ron"), text).unwrap();
        assert_eq!(
            document.second_review, None,
            "an older file loads without one"
        );
        document.tracks = first
            .iter()
            .enumerate()
            .map(|(id, &label)| Track {
                id: id as u32,
                detections: vec![crate::ids::DetectionId(0)],
                label,
                attributes: Attributes::new(),
                skin_tone_suggestion: None,
                person: None,
                skin_tone_range: None,
            })
            .collect();
        document.second_review = Some(SecondReview {
            reviewer: "B".into(),
            labels: second
                .iter()
                .enumerate()
                .map(|(t, &label)| {
                    (
                        TrackId(t),
                        SecondLabel {
                            label,
                            attributes: Attributes::new(),
                        },
                    )
                })
                .collect(),
            settled: Vec::new(),
        });
        document
    }

    const NOT: GroundTruth = GroundTruth::NotOnWatchlist;
    const ON: GroundTruth = GroundTruth::OnWatchlist(IdentityId(0));
    const NONE: GroundTruth = GroundTruth::Unlabelled;

    #[test]
    fn agreement_counts_tracks_both_labelled_and_settling_does_not_change_it() {
        let mut document = review(&[ON, ON, NOT, NOT, NONE], &[ON, NOT, NOT, NOT, ON]);
        let agreement = document.reviewer_agreement().unwrap();
        // Track 4 is unlabelled by the first reviewer: left out.
        assert_eq!((agreement.label.n, agreement.label.agreed), (4, 3));
        // p_o 0.75, p_e 0.5·0.25 + 0.5·0.75 = 0.5, κ 0.5.
        assert_eq!(agreement.label.kappa, Kappa::Value(0.5));
        let open = document.open_disagreements();
        assert_eq!(
            open,
            [(
                TrackId(1),
                Disagreement::Label {
                    first: ON,
                    second: NOT
                }
            )]
        );
        // Settled for the second reviewer: the label changes, the agreement does not.
        let second = document.second_review.as_mut().unwrap();
        second.settled.push(Settlement {
            track: TrackId(1),
            disagreement: open[0].1.clone(),
            kept: Reviewer::Second,
        });
        document.tracks[1].label = NOT;
        assert_eq!(
            document.reviewer_agreement().unwrap().label,
            agreement.label
        );
        assert!(document.open_disagreements().is_empty());
    }

    #[test]
    fn a_second_review_is_saved_and_loaded() {
        let mut document = review(&[ON, NOT], &[NOT, NOT]);
        let (track, disagreement) = document.open_disagreements().remove(0);
        let second = document.second_review.as_mut().unwrap();
        second.settled.push(Settlement {
            track,
            disagreement,
            kept: Reviewer::Second,
        });
        second
            .labels
            .get_mut(&TrackId(1))
            .unwrap()
            .attributes
            .insert("gender".into(), "female".into());
        let path = std::path::Path::new("r.ron");
        let loaded = crate::review::parse(path, &crate::review::to_text(&document)).unwrap();
        assert_eq!(loaded, document);
        // A second review of a track the review does not have is damage, said so on loading.
        let second = document.second_review.as_mut().unwrap();
        second.labels.insert(TrackId(9), SecondLabel::default());
        let error = crate::review::parse(path, &crate::review::to_text(&document)).unwrap_err();
        assert!(
            error.to_string().contains("second review labels track 9"),
            "{error}"
        );
    }

    #[test]
    fn a_disagreement_settled_for_the_first_reviewer_is_no_longer_open() {
        let mut document = review(&[ON], &[NOT]);
        let (track, disagreement) = document.open_disagreements().remove(0);
        document
            .second_review
            .as_mut()
            .unwrap()
            .settled
            .push(Settlement {
                track,
                disagreement,
                kept: Reviewer::First,
            });
        assert!(document.open_disagreements().is_empty());
        // The second reviewer changes their mind again: a new disagreement.
        let second = document.second_review.as_mut().unwrap();
        second.labels.get_mut(&TrackId(0)).unwrap().label = GroundTruth::NotAFace;
        assert_eq!(document.open_disagreements().len(), 1);
    }

    #[test]
    fn attributes_are_compared_where_both_gave_a_value() {
        let mut document = review(&[NOT, NOT, NOT], &[NOT, NOT, NOT]);
        for (t, (first, second)) in [("7", "7"), ("3", "4"), ("5", UNKNOWN)].iter().enumerate() {
            document.tracks[t]
                .attributes
                .insert("skin".into(), first.to_string());
            let theirs = document.second_review.as_mut().unwrap();
            theirs
                .labels
                .get_mut(&TrackId(t))
                .unwrap()
                .attributes
                .insert("skin".into(), second.to_string());
        }
        let agreement = document.reviewer_agreement().unwrap();
        let skin = &agreement.attributes[0];
        assert_eq!((skin.0.as_str(), skin.1.n, skin.1.agreed), ("skin", 2, 1));
        assert_eq!(agreement.attributes[1].1.kappa, Kappa::NoItems, "gender");
        // Every label the same single category: kappa undefined.
        assert_eq!(agreement.label.kappa, Kappa::OneCategory);
        assert_eq!(document.open_disagreements().len(), 1);
    }
}
