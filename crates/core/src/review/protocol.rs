//! The record of an evaluation set's protocol (`lineup evaluate`): which set, by hash, which
//! people were enrolled by which seed and share, and what was searched and skipped, so that an
//! opposing expert can run the same protocol on the same photos and get the same searches.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::labels::{Attributes, GroundTruth};

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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkippedPhoto {
    /// Relative to the set's folder.
    pub path: PathBuf,
    pub reason: String,
}
