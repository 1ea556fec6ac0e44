//! The record of an evaluation set's protocol (`lineup evaluate`): which set, by hash, which
//! people were enrolled by which seed and share, and what was searched and skipped, so that an
//! opposing expert can run the same protocol on the same photos and get the same searches.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::labels::{Attributes, GroundTruth};
use crate::vision::manifest::{ModelRecord, ModelRole};
use crate::vision::runtime;

/// Why an evaluation review that was cancelled cannot be signed: its set hash names no set (the
/// photos not reached are hashed as unreadable) and its counts are not the protocol's.
pub const EVALUATION_CANCELLED: &str =
    "the evaluation was cancelled: run lineup evaluate to the end";

/// How a review made from a labelled evaluation set came about (NIST FRVT-style 1:N protocol:
/// a share of the people enrolled, every other photo of an enrolled person a mated search, every
/// photo of a person not enrolled a non-mated search).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvaluationProtocol {
    /// The set's folder (one subfolder per person).
    pub set: PathBuf,
    /// SHA-256 of the set's manifest: one `sha256sum` line (`HASH  person/photo`) per photo, in
    /// the set's order, each ending in a line feed. `sha256sum` over the photos gives the lines.
    pub set_sha256: String,
    /// Photos in the set, and people (folders) they belong to.
    pub photos: usize,
    pub people: usize,
    /// The share of people enrolled, and the seed that chose them.
    pub enrol_share: f64,
    pub seed: u64,
    /// The people's attributes file and its SHA-256, where one was given.
    #[serde(default)]
    pub attributes: Option<(PathBuf, String)>,
    /// People chosen for enrolment, and of them those enrolled (a usable enrolment photo).
    pub chosen: usize,
    pub enrolled: usize,
    pub mated_searches: usize,
    pub non_mated_searches: usize,
    /// Photos used neither as enrolment nor as search, each with why.
    pub skipped: Vec<SkippedPhoto>,
    /// Photos marked as augmented copies (name containing `_aug`), which are not independent.
    #[serde(default)]
    pub augmented: usize,
    /// Of the people enrolled, those whose enrolment photo `people.csv` named (`enrol_photo`);
    /// the rest were enrolled by their first usable photo. None in reviews from before it was
    /// recorded.
    #[serde(default)]
    pub enrolled_by_named_photo: Option<usize>,
    /// Photos of two different people whose faces score as the same picture (at least
    /// [`EvaluationProtocol::near_duplicate_bound`]): most likely one photo under two names, an
    /// impostor pair that FMR counts as a false match.
    #[serde(default)]
    pub near_duplicates: Vec<NearDuplicate>,
    /// The lineup score (`Metric::score`: a distance negated) from which two photos were taken
    /// to be one picture: the recognizer's own near-duplicate bound. None where its spec states
    /// none, so that near-duplicates were not looked for. A text that leaves it out reads as
    /// unrecorded, which [`EvaluationProtocol::settle_near_duplicate_bound`] (called at load)
    /// turns into [`NEAR_DUPLICATE_SCORE`] for MobileFaceNet's reviews from before it was
    /// recorded and refuses for any other recognizer's.
    #[serde(default = "unrecorded_near_duplicate_bound")]
    pub near_duplicate_bound: Option<f32>,
    /// Every search's label as `lineup evaluate` gave it, in track order, so that a label
    /// changed afterwards (in the app, by `labels import`, or by editing the file) is counted
    /// and reported rather than passed off as the protocol's. Empty in reviews made before
    /// lineup recorded them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<EvaluatedLabel>,
    /// The watchlist identities' attributes as `lineup evaluate` gave them (their searches
    /// inherit them).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub identity_attributes: BTreeMap<String, Attributes>,
}

/// One search's label: its track, on or off the watchlist, who a person not on it is, and the
/// perceived attributes recorded on the track.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvaluatedLabel {
    pub track: u32,
    pub label: GroundTruth,
    #[serde(default)]
    pub person: Option<String>,
    #[serde(default)]
    pub attributes: Attributes,
}

/// How a review's labels differ from those `lineup evaluate` gave.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LabelChanges {
    /// Searches whose label, person or attributes (their own, or their identity's) differ, and
    /// searches labelled or unlabelled since.
    pub searches: usize,
    /// Searches labelled on and off the watchlist now.
    pub mated_now: usize,
    pub non_mated_now: usize,
}

/// The cosine similarity from which two photos of different people were taken to be the same
/// picture before each recognizer's own bound was recorded: the bound of older reviews. (Since
/// measured, `scripts/near_duplicates.sh`: copies re-encoded, padded, resized or mirrored score
/// 0.924-1.000 under MobileFaceNet, so 0.95 missed some; its manifest entry now says 0.9.)
pub const NEAR_DUPLICATE_SCORE: f32 = 0.95;

/// What reading a text that records no bound leaves in the field: a NaN, which no analysis
/// records, until [`EvaluationProtocol::settle_near_duplicate_bound`] settles it by the
/// review's recognizer (serde's default cannot see the recognizer).
fn unrecorded_near_duplicate_bound() -> Option<f32> {
    Some(f32::NAN)
}

impl EvaluationProtocol {
    /// Settles and checks the near-duplicate bound by the recognizer the review records
    /// (`recognizer`; None in reviews from before recognizers were recorded, all MobileFaceNet's):
    /// - left out of the text: MobileFaceNet's reviews from before the bound was recorded get
    ///   [`NEAR_DUPLICATE_SCORE`], their cosine bound; any other recognizer's review is damage,
    ///   since a cosine bound means nothing on another model's scale (0.95 read as a distance
    ///   flags nothing, and an edit could use that to hide near-duplicates);
    /// - a model lineup ships (by SHA-256, whoever added it): the bound must be its manifest
    ///   entry's, or for MobileFaceNet also [`NEAR_DUPLICATE_SCORE`], the bound its reviews
    ///   recorded before its entry stated 0.9;
    /// - a reviewer's own model: its spec, in the reviewer's data folder, is not in the review,
    ///   so the bound is theirs as recorded (the report says it is their spec's).
    ///
    /// Gives why the bound is damage.
    pub fn settle_near_duplicate_bound(
        &mut self,
        recognizer: Option<&ModelRecord>,
    ) -> Result<(), String> {
        let shipped = recognizer.and_then(|record| {
            runtime::model_specs()
                .into_iter()
                .find(|spec| spec.sha256 == record.sha256)
        });
        let mobilefacenet = match (recognizer, &shipped) {
            (None, _) => true,
            (Some(_), Some(spec)) => matches!(
                spec.role,
                ModelRole::Recognizer | ModelRole::RecognizerAsConverted
            ),
            (Some(_), None) => false,
        };
        let name = recognizer.map_or("MobileFaceNet", |record| record.name.as_str());
        if self.near_duplicate_bound.is_some_and(f32::is_nan) {
            if !mobilefacenet {
                return Err(format!(
                    "the evaluation protocol records no near_duplicate_bound, which only \
                     MobileFaceNet's reviews from before it was recorded leave out; this \
                     review's recognizer is {name}"
                ));
            }
            self.near_duplicate_bound = Some(NEAR_DUPLICATE_SCORE);
        }
        let Some(spec) = shipped else {
            return Ok(());
        };
        let stated = spec.near_duplicate_score();
        let legacy = mobilefacenet && self.near_duplicate_bound == Some(NEAR_DUPLICATE_SCORE);
        if self.near_duplicate_bound != stated && !legacy {
            let shown = |bound: Option<f32>| {
                bound.map_or("none".to_owned(), |b| {
                    spec.metric.map_or(b, |m| m.own_value(b)).to_string()
                })
            };
            return Err(format!(
                "the evaluation protocol's near_duplicate_bound ({}) is not the bound lineup's \
                 manifest states for {} ({}, by its SHA-256)",
                shown(self.near_duplicate_bound),
                spec.name,
                shown(stated)
            ));
        }
        Ok(())
    }
}

/// Two photos of different people that score as the same picture.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NearDuplicate {
    /// Relative to the set's folder.
    pub first: PathBuf,
    pub second: PathBuf,
    /// lineup's score of the two (a cosine, or a distance negated: `Metric::score`).
    pub score: f32,
}

/// Why a photo was skipped, by kind: the protocol's reasons each begin with one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SkipKind {
    Unreadable,
    NoFace,
    SeveralFaces,
    NotReached,
}

/// The beginnings of the protocol's skip reasons (each followed by its detail).
pub const UNREADABLE_REASON: &str = "cannot be read: ";
pub const NO_FACE_REASON: &str = "no face found";
pub const SEVERAL_FACES_REASON: &str = " faces found";
pub const NOT_REACHED_REASON: &str = "not reached";

impl SkipKind {
    /// As the report says it, after a count ("2 with several faces").
    pub fn words(self) -> &'static str {
        match self {
            SkipKind::Unreadable => "unreadable",
            SkipKind::NoFace => "with no face",
            SkipKind::SeveralFaces => "with several faces",
            SkipKind::NotReached => "not reached",
        }
    }
}

impl SkippedPhoto {
    /// The kind of the reason; None for a reason in none of the protocol's forms.
    pub fn kind(&self) -> Option<SkipKind> {
        let reason = self.reason.as_str();
        let several = reason
            .split_once(SEVERAL_FACES_REASON)
            .is_some_and(|(count, _)| {
                !count.is_empty() && count.bytes().all(|b| b.is_ascii_digit())
            });
        if reason.starts_with(UNREADABLE_REASON) {
            Some(SkipKind::Unreadable)
        } else if reason.starts_with(NO_FACE_REASON) {
            Some(SkipKind::NoFace)
        } else if several {
            Some(SkipKind::SeveralFaces)
        } else if reason.starts_with(NOT_REACHED_REASON) {
            Some(SkipKind::NotReached)
        } else {
            None
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkippedPhoto {
    /// Relative to the set's folder.
    pub path: PathBuf,
    pub reason: String,
}
