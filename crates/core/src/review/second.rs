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
    /// The first reviewer's answers as they stood when the second review started: what the
    /// agreement and the disagreements compare, so that neither a relabelling afterwards nor a
    /// settlement changes what the first reviewer said. None in reviews saved before lineup kept
    /// them (the app takes them when such a review is opened, and says so).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_answers: Option<FirstAnswers>,
    /// Every change of the second review (labels, attributes, the reviewer's name), in order;
    /// undoing is a change of its own. Nothing is ever removed from it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<SecondChange>,
    /// When the app was in blind mode (the first reviewer's work hidden), in order; the last
    /// without an end means the review was saved (and re-opens) in blind mode.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blind: Vec<BlindSpell>,
}

/// The first reviewer's answers, track by track, fixed at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirstAnswers {
    /// When they were taken, in UTC (`YYYY-MM-DDThh:mm:ssZ`).
    pub taken: String,
    /// True: taken as the second review started. False: the review was saved before lineup
    /// kept them, and they were taken when it was next opened (after the second review began).
    pub at_start: bool,
    /// Each track the first reviewer had labelled or given an attribute (as the rates read it,
    /// inherited identity attributes included); a track absent was unlabelled.
    pub tracks: BTreeMap<TrackId, SecondLabel>,
}

/// One change of the second review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecondChange {
    /// When, in UTC (`YYYY-MM-DDThh:mm:ssZ`).
    pub at: String,
    /// The second reviewer's name at the time (empty until they gave it).
    pub by: String,
    pub change: SecondChangeKind,
}

/// What changed in the second review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SecondChangeKind {
    Label {
        track: TrackId,
        from: GroundTruth,
        to: GroundTruth,
    },
    Attribute {
        track: TrackId,
        name: String,
        from: Option<String>,
        to: Option<String>,
    },
    Reviewer {
        from: String,
        to: String,
    },
}

/// A time the app was in blind mode, in UTC; `ended` None while it still is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlindSpell {
    pub started: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended: Option<String>,
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
    /// Its record (history, blind mode) keeps it: once started, a second review stays.
    pub fn is_empty(&self) -> bool {
        self.reviewer.trim().is_empty()
            && self.labels.is_empty()
            && self.settled.is_empty()
            && self.history.is_empty()
            && self.blind.is_empty()
    }

    /// Whether the app is in blind mode (the last spell has not ended).
    pub fn is_blind(&self) -> bool {
        self.blind.last().is_some_and(|spell| spell.ended.is_none())
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
    /// The first reviewer's answers as they stand now, for `SecondReview::first_answers`: each
    /// track's label and the attributes the rates use (inherited identity attributes included);
    /// where a settlement already changed one, the value from before the earliest settlement.
    pub fn first_answers_now(&self) -> BTreeMap<TrackId, SecondLabel> {
        let empty = SecondReview::default();
        let second = self.second_review.as_ref().unwrap_or(&empty);
        (0..self.tracks.len())
            .map(TrackId)
            .filter_map(|track| {
                let label = self.live_first_label(second, track);
                let attributes: Attributes = self
                    .attribute_schema
                    .attributes
                    .iter()
                    .filter_map(|definition| {
                        let name = &definition.name;
                        let value = self.live_first_attribute(second, track, name)?;
                        Some((name.clone(), value))
                    })
                    .collect();
                let answer = SecondLabel { label, attributes };
                (answer != SecondLabel::default()).then_some((track, answer))
            })
            .collect()
    }

    /// The first reviewer's label of `track` to compare: from the answers fixed when the second
    /// review started, or (none kept) from before the earliest settlement, else today's.
    fn first_label(&self, second: &SecondReview, track: TrackId) -> GroundTruth {
        match &second.first_answers {
            Some(answers) => answers
                .tracks
                .get(&track)
                .map_or(GroundTruth::Unlabelled, |answer| answer.label),
            None => self.live_first_label(second, track),
        }
    }

    fn live_first_label(&self, second: &SecondReview, track: TrackId) -> GroundTruth {
        second
            .settled
            .iter()
            .find_map(|s| match &s.disagreement {
                Disagreement::Label { first, .. } if s.track == track => Some(*first),
                _ => None,
            })
            .unwrap_or(self.tracks[track].label)
    }

    /// The first reviewer's value of attribute `name` of `track` to compare (as for
    /// [`Self::first_label`]); None where unknown.
    fn first_attribute(&self, second: &SecondReview, track: TrackId, name: &str) -> Option<String> {
        match &second.first_answers {
            Some(answers) => answers
                .tracks
                .get(&track)
                .and_then(|answer| answer.attributes.get(name).cloned())
                .filter(|value| value != UNKNOWN),
            None => self.live_first_attribute(second, track, name),
        }
    }

    /// As the rates read it (inherited identity attributes included), or from before the
    /// earliest settlement of it.
    fn live_first_attribute(
        &self,
        second: &SecondReview,
        track: TrackId,
        name: &str,
    ) -> Option<String> {
        let settled = second.settled.iter().find_map(|s| match &s.disagreement {
            Disagreement::Attribute {
                name: settled,
                first,
                ..
            } if s.track == track && settled == name => Some(first.clone()),
            _ => None,
        });
        Some(settled.unwrap_or_else(|| self.track_attribute(track, name).to_owned()))
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

    /// Where the first reviewer's answers (as fixed when the second review started) and the second
    /// reviewer's differ, both having said something, and nobody has settled it yet: by track,
    /// the label first, then the attributes in the schema's order.
    pub fn open_disagreements(&self) -> Vec<(TrackId, Disagreement)> {
        let Some(second) = &self.second_review else {
            return Vec::new();
        };
        // Both values are fixed (the first reviewer's as they stood), so a settlement settles
        // exactly that pair; the second reviewer changing their mind opens a new one.
        let settled = |track: TrackId, disagreement: &Disagreement| {
            second
                .settled
                .iter()
                .any(|s| s.track == track && &s.disagreement == disagreement)
        };
        let mut open = Vec::new();
        for (track, theirs) in self.second_labels(second) {
            let first = self.first_label(second, track);
            if first != GroundTruth::Unlabelled
                && theirs.label != GroundTruth::Unlabelled
                && first != theirs.label
            {
                open.push((
                    track,
                    Disagreement::Label {
                        first,
                        second: theirs.label,
                    },
                ));
            }
            for definition in &self.attribute_schema.attributes {
                let name = &definition.name;
                let theirs = theirs.attributes.get(name).filter(|v| *v != UNKNOWN);
                if let (Some(first), Some(second)) =
                    (self.first_attribute(second, track, name), theirs)
                    && &first != second
                {
                    open.push((
                        track,
                        Disagreement::Attribute {
                            name: name.clone(),
                            first,
                            second: second.clone(),
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

    fn review(first: &[GroundTruth], second: &[GroundTruth]) -> ReviewDocument {
        let text = include_str!("../../../../tests/fixtures/review_v1.ron");
        let mut document = crate::review::parse(std::path::Path::new("v1.ron"), text).unwrap();
        assert_eq!(
            document.second_review, None,
            "an older file loads without one"
        );
        // The fixture's own tracks (one face each, as its tracker made them), the first few
        // labelled: a review loads only with tracks the tracker makes.
        assert!(document.tracks.len() >= first.len());
        for (track, &label) in document.tracks.iter_mut().zip(first) {
            track.label = label;
        }
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
            ..Default::default()
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

    #[test]
    fn with_the_first_answers_kept_relabelling_changes_neither_kappa_nor_the_disagreements() {
        let mut document = review(&[ON, ON, NOT, NOT], &[ON, NOT, NOT, ON]);
        let answers = document.first_answers_now();
        let second = document.second_review.as_mut().unwrap();
        second.first_answers = Some(FirstAnswers {
            taken: "2026-01-01T00:00:00Z".into(),
            at_start: true,
            tracks: answers,
        });
        let before = document.reviewer_agreement().unwrap();
        let open = document.open_disagreements();
        // The first reviewer, having seen the second's answers, relabels both disagreements.
        document.tracks[1].label = NOT;
        document.tracks[3].label = ON;
        assert_eq!(document.reviewer_agreement().unwrap(), before);
        assert_eq!(document.open_disagreements(), open);
    }

    #[test]
    fn a_second_settlement_does_not_rewrite_the_first_answer_without_kept_answers() {
        let mut document = review(&[ON], &[NOT]);
        let (track, disagreement) = document.open_disagreements().remove(0);
        let second = document.second_review.as_mut().unwrap();
        second.settled.push(Settlement {
            track,
            disagreement,
            kept: Reviewer::Second,
        });
        document.tracks[0].label = NOT;
        // The second reviewer changes their mind; settled again for the first (now "not").
        let second = document.second_review.as_mut().unwrap();
        second.labels.get_mut(&TrackId(0)).unwrap().label = GroundTruth::NotAFace;
        second.settled.push(Settlement {
            track,
            disagreement: Disagreement::Label {
                first: NOT,
                second: GroundTruth::NotAFace,
            },
            kept: Reviewer::First,
        });
        second.labels.get_mut(&TrackId(0)).unwrap().label = NOT;
        let agreement = document.reviewer_agreement().unwrap().label;
        assert_eq!((agreement.n, agreement.agreed), (1, 0), "ON against NOT");
    }

    #[test]
    fn an_inherited_identity_attribute_is_the_first_answer() {
        let mut document = review(&[ON], &[ON]);
        let name = document.identity_name(IdentityId(0)).unwrap().to_owned();
        document
            .identity_attributes
            .entry(name)
            .or_default()
            .insert("gender".into(), "female".into());
        let second = document.second_review.as_mut().unwrap();
        let theirs = second.labels.get_mut(&TrackId(0)).unwrap();
        theirs.attributes.insert("gender".into(), "male".into());
        let gender = |d: &ReviewDocument| {
            d.reviewer_agreement()
                .unwrap()
                .attributes
                .into_iter()
                .find(|(name, _)| name == "gender")
                .unwrap()
                .1
                .n
        };
        assert_eq!(gender(&document), 1);
        assert_eq!(document.open_disagreements().len(), 1);
        assert_eq!(
            document.first_answers_now()[&TrackId(0)].attributes["gender"],
            "female"
        );
    }
}
