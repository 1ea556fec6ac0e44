//! The record of an evaluation set's protocol (`lineup evaluate`): which set, by hash, which
//! people were enrolled by which seed and share, and what was searched and skipped, so that an
//! opposing expert can run the same protocol on the same photos and get the same searches.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

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
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkippedPhoto {
    /// Relative to the set's folder.
    pub path: PathBuf,
    pub reason: String,
}
