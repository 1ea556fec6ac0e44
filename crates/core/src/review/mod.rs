//! The review document: the one source of truth that the CLI, the app and the report read.
//!
//! It records what was analysed (inputs with hashes), how (models with hashes, settings), what
//! was found (every face with its source, box, landmarks, detector score, embedding and watchlist
//! candidates), the face tracks those faces form, and what a reviewer said about them: ground
//! truth, demographic attributes, slices and thresholds. `schema_version` says which shape a file
//! has; older shapes are migrated on load.

pub mod assessment;
pub mod csv;
pub mod evaluation;
mod file;
pub mod labels;
pub mod locations;
pub mod model_comparison;
pub mod protocol;
pub mod recognizer_runs;
pub mod scenario;
pub mod second;
pub mod shards;
pub mod sidecar;
pub mod slices;
pub mod tracks;
pub mod verification;

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use evaluation::Evaluation;
pub use file::{
    ReviewError, autosave_path, check_saveable, load, parse, parse_with_sidecar, read_with_sidecar,
    remove_review_file, save, save_failure, saved_size, to_text, write_atomically,
};
pub use labels::{
    AttributeDefinition, AttributeError, AttributeSchema, Attributes, GroundTruth, LabelChange,
    UNKNOWN, ValueGroup,
};
pub use model_comparison::{ComparedModel, ComparisonError, EqualFpir, ModelComparison, Side};
pub use protocol::{
    EVALUATION_CANCELLED, EvaluatedLabel, EvaluationProtocol, LabelChanges, NearDuplicate,
    SkipKind, SkippedPhoto,
};
pub use recognizer_runs::{RecognizedFace, RecognizerRun};
pub use second::{
    Answer, BlindSpell, Disagreement, FirstAnswers, Reviewer, ReviewerAgreement, SecondChange,
    SecondChangeKind, SecondLabel, SecondReview, Settlement,
};
pub use slices::{SlicedSearches, Slicing};
pub use tracks::{AlertRule, Track, TrackMatch, TrackingSettings};
pub use verification::Verification;

use crate::footage::{FileDigest, MediaInfo, Sampling};
use crate::ids::{DetectionId, IdentityId, TrackId};
use crate::matching::{self, Candidate};
use crate::vision::manifest::Metric;
use crate::vision::{BoundingBox, Embedding, ModelRecord, ModelRole, Point, VisionConfig};
use crate::watchlist::Watchlist;
use assessment::Assessment;

/// The document shape this build writes. Version 1 (no tracks or labels) is migrated on load.
pub const SCHEMA_VERSION: u32 = 2;

/// The match threshold used when a reviewer names none: cosine similarity of 0.6.
///
/// On the bundled test photos the same person scores 0.77–0.81 and different people at most
/// 0.24 (tests/reference/), but on real crowds impostor scores reach about 0.6; reviewers are
/// expected to move it and watch what happens.
pub const DEFAULT_THRESHOLD: f32 = 0.6;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewDocument {
    pub schema_version: u32,
    /// The lineup version that wrote the analysis.
    pub lineup_version: String,
    /// In the file: the sidecar that holds every face's box, landmarks and embedding and every
    /// enrolment photo's box and embedding, left out of the text (see [`sidecar`]). Absent in
    /// reviews saved whole in their text. In memory, after `load`, always None: the bulk is in
    /// the detections and the watchlist.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sidecar: Option<sidecar::Sidecar>,
    pub settings: AnalysisSettings,
    pub models: Vec<ModelRecord>,
    pub inputs: Vec<InputRecord>,
    pub watchlist: Watchlist,
    /// In the file: absent from the text of a review whose sidecar holds every face whole
    /// ([`sidecar::Sidecar::faces`]); listed in reviews saved before, or whole in their text.
    #[serde(
        default = "crate::vision::bulk::absent_list",
        skip_serializing_if = "crate::vision::bulk::in_sidecar"
    )]
    pub detections: Vec<DetectionRecord>,
    /// Everything the reviewer should know about how the analysis went (skipped files, ...).
    pub warnings: Vec<String>,
    /// False when the analysis was cancelled: the detections cover only part of the inputs.
    pub complete: bool,
    /// Detections linked into people; what reviewers label and what metrics count.
    #[serde(default)]
    pub tracks: Vec<Track>,
    #[serde(default)]
    pub tracking: TrackingSettings,
    #[serde(default)]
    pub alert_rule: AlertRule,
    #[serde(default)]
    pub attribute_schema: AttributeSchema,
    /// Attributes of watchlist identities, by identity name.
    #[serde(default)]
    pub identity_attributes: BTreeMap<String, Attributes>,
    /// The slicing last chosen for metrics.
    #[serde(default)]
    pub slicing: Slicing,
    /// Thresholds set for single slices (by slice name); other slices use the global threshold.
    #[serde(default)]
    pub slice_thresholds: BTreeMap<String, f32>,
    /// The slice the reviewer chose to compare the others against (by name); None: the known
    /// group with enough searches and the lowest rate (see `metrics::differentials`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_slice: Option<String>,
    /// The reviewer's impact assessment text; empty until they write one.
    #[serde(default)]
    pub assessment: Assessment,
    /// Every label change made in the app, in order (see [`LabelChange`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub label_history: Vec<LabelChange>,
    /// A second reviewer's blind labels, kept apart from the review's own (see [`second`]);
    /// None until someone starts one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub second_review: Option<SecondReview>,
    /// In the file: relative input and watchlist paths are relative to the review's folder (see
    /// [`locations`]). Absent in reviews written before, whose paths are kept as they are. In
    /// memory, after `load`, always false: every path is resolved.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub paths_relative_to_review: bool,
    /// Set in the review of one shard of an analysis (`lineup analyze --shard k/n`): which block
    /// of the footage it holds, for `lineup merge` (see [`shards`]). None in a whole analysis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<shards::ShardRecord>,
    /// Set only by the workshop scenario generator: this document was drawn from score
    /// distributions, not analysed from footage (see [`scenario`]). It can never be signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub simulation: Option<scenario::Simulation>,
    /// Set when the review was made from a labelled evaluation set (`lineup evaluate`) rather
    /// than footage: the set's hash and the protocol that made its searches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluation_protocol: Option<EvaluationProtocol>,
    /// Set in a review joined by `lineup merge`: the record of every shard it was joined from,
    /// in shard order (each with its file list's fingerprint and the build that made it).
    /// Empty in a single run's review.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged_from: Vec<shards::ShardRecord>,
    /// Every recognizer after the review's own, when the analysis ran several (`lineup analyze
    /// --recognizer A --recognizer B`): each one's embeddings, candidates and threshold, on the
    /// same detections (see [`recognizer_runs`]; `as_seen_by` makes one THE recognizer). Empty
    /// in a review of one model.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_recognizers: Vec<RecognizerRun>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalysisSettings {
    /// A face raises an alert when its best candidate's cosine similarity is at least this.
    pub threshold: f32,
    /// Candidates kept per face.
    pub top_k: usize,
    pub vision: VisionConfig,
    /// Which frames of each video were analysed (reviews written before video: every frame).
    #[serde(default)]
    pub sampling: Sampling,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputRecord {
    pub path: PathBuf,
    /// None when the file could not be read at all.
    pub digest: Option<FileDigest>,
    /// Pixel size of a still once decoded (after EXIF rotation), or of a video's frames as
    /// displayed (after its rotation).
    pub dimensions: Option<(u32, u32)>,
    pub status: InputStatus,
    /// What the input is: still or video, container, codec, size, rotation, duration, frames.
    /// None when it could not be opened.
    #[serde(default)]
    pub media: Option<MediaInfo>,
    /// Frames analysed: the first this many of the input's sampled frames, each detected and
    /// embedded, whose faces the review holds. A cancelled run may have decoded a few more,
    /// dropped unanalysed; they are counted nowhere.
    #[serde(default)]
    pub frames_analysed: u64,
    /// Why analysis of this input stopped before its end (cancelled, or damage in the file), with
    /// the count of `frames_analysed` where it gives one; None when it was read to the end, or
    /// never started (see `status`).
    #[serde(default)]
    pub stopped_early: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum InputStatus {
    Analysed,
    Failed(String),
    /// Not reached before the analysis was cancelled.
    NotAnalysed,
}

/// Where a face was seen: which input, which frame, when.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SourceRef {
    /// Index into the document's inputs.
    pub input: usize,
    /// 0 for a still.
    pub frame_index: u64,
    /// Presentation time in seconds; 0 for a still.
    pub timestamp_s: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectionRecord {
    pub source: SourceRef,
    /// This and `landmarks` and `embedding` are in the review's sidecar when it has one (see
    /// [`sidecar`]), not in its text.
    #[serde(
        default = "crate::vision::bulk::absent_box",
        skip_serializing_if = "crate::vision::bulk::in_sidecar"
    )]
    pub bbox: BoundingBox,
    #[serde(
        default = "crate::vision::bulk::absent_landmarks",
        skip_serializing_if = "crate::vision::bulk::in_sidecar"
    )]
    pub landmarks: [Point; 5],
    pub detector_score: f32,
    #[serde(
        default = "crate::vision::bulk::absent_embedding",
        skip_serializing_if = "crate::vision::bulk::in_sidecar"
    )]
    pub embedding: Embedding,
    /// Best first.
    pub candidates: Vec<Candidate>,
    /// Individual Typology Angle of the face's cheek pixels, in degrees: the basis of the skin
    /// tone suggestion. None where it could not be measured.
    #[serde(default)]
    pub skin_ita: Option<f32>,
    /// The lower and upper quartiles of the same cheek pixels' ITA, in degrees (see
    /// [`crate::vision::skin::ItaEstimate`]): how far the pixels behind `skin_ita` spread. None
    /// where it was not measured, and in reviews saved before it was recorded.
    #[serde(default)]
    pub skin_ita_quartiles: Option<(f32, f32)>,
}

impl DetectionRecord {
    pub fn is_alert(&self, threshold: f32) -> bool {
        matching::is_alert(&self.candidates, threshold)
    }

    /// The first of this face's values that nothing measured could give, naming its field
    /// (finding 12 of #21, the rules the sidecar's columns are read by); None if every value
    /// could have been measured.
    pub fn impossible_value(&self) -> Option<String> {
        let itas = self.skin_ita.into_iter().chain(
            self.skin_ita_quartiles
                .into_iter()
                .flat_map(|(low, high)| [low, high]),
        );
        if !is_footage_time(self.source.timestamp_s) {
            Some(format!(
                "source.timestamp_s {:?}, which is no time in the footage (0 or more seconds)",
                self.source.timestamp_s
            ))
        } else if !is_detector_confidence(self.detector_score) {
            Some(format!(
                "detector_score {:?}, which is no detector confidence (0 to 1)",
                self.detector_score
            ))
        } else if let Some(ita) = itas.into_iter().find(|ita| !is_ita(*ita)) {
            let field = match self.skin_ita {
                Some(own) if !is_ita(own) => "skin_ita",
                _ => "skin_ita_quartiles",
            };
            Some(format!(
                "{field} {ita:?}, which is no Individual Typology Angle (-90 to 90 degrees)"
            ))
        } else if !all_finite(self.bbox_values()) {
            Some(format!(
                "bbox {:?} holds a value that is not a number",
                self.bbox
            ))
        } else if !all_finite(self.landmarks.iter().flat_map(|p| [p.x, p.y])) {
            Some("landmarks hold a value that is not a number".to_owned())
        } else if !all_finite(self.embedding.0.iter().copied()) {
            Some("embedding holds a value that is not a number".to_owned())
        } else {
            self.candidates
                .iter()
                .find(|candidate| !candidate.score.is_finite())
                .map(|candidate| {
                    format!(
                        "candidate score {:?} for watchlist identity {}",
                        candidate.score, candidate.identity.0
                    )
                })
        }
    }

    fn bbox_values(&self) -> [f32; 4] {
        let b = &self.bbox;
        [b.x1, b.y1, b.x2, b.y2]
    }
}

fn all_finite(values: impl IntoIterator<Item = f32>) -> bool {
    values.into_iter().all(f32::is_finite)
}

/// A face's time: seconds from the footage's start, never before it.
pub(crate) fn is_footage_time(seconds: f64) -> bool {
    seconds.is_finite() && seconds >= 0.0
}

/// A detector's confidence, 0 to 1.
pub(crate) fn is_detector_confidence(score: f32) -> bool {
    (0.0..=1.0).contains(&score)
}

/// An Individual Typology Angle: an arctangent, in degrees.
pub(crate) fn is_ita(degrees: f32) -> bool {
    (-90.0..=90.0).contains(&degrees)
}

/// Counts a reviewer reads first: how many faces, how many alerts, and for whom.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub inputs_analysed: usize,
    pub inputs_failed: usize,
    pub faces: usize,
    pub alerts: usize,
    pub tracks: usize,
    pub tracks_labelled: usize,
    /// Alerts per watchlist identity name (identities never alerted are listed with 0).
    pub alerts_per_identity: BTreeMap<String, usize>,
}

impl ReviewDocument {
    /// A new document of this schema for an analysis about to run: nothing found or labelled
    /// yet, every review setting at its default.
    pub fn new(
        settings: AnalysisSettings,
        models: Vec<ModelRecord>,
        inputs: Vec<InputRecord>,
        watchlist: Watchlist,
    ) -> Self {
        ReviewDocument {
            schema_version: SCHEMA_VERSION,
            lineup_version: env!("CARGO_PKG_VERSION").to_string(),
            sidecar: None,
            settings,
            models,
            inputs,
            watchlist,
            detections: Vec::new(),
            warnings: Vec::new(),
            complete: true,
            tracks: Vec::new(),
            tracking: TrackingSettings::default(),
            alert_rule: AlertRule::default(),
            attribute_schema: AttributeSchema::default(),
            identity_attributes: BTreeMap::new(),
            slicing: Slicing::default(),
            slice_thresholds: BTreeMap::new(),
            reference_slice: None,
            label_history: Vec::new(),
            assessment: Assessment::default(),
            second_review: None,
            paths_relative_to_review: false,
            shard: None,
            simulation: None,
            evaluation_protocol: None,
            merged_from: Vec::new(),
            other_recognizers: Vec::new(),
        }
    }

    /// The recognizer whose scores this review holds (its first model that is not the
    /// detector); None in a review that records no models.
    pub fn recognizer(&self) -> Option<&ModelRecord> {
        self.models.iter().find(|m| m.role != ModelRole::Detector)
    }

    /// How this review's candidates were scored: its recognizer's metric. Reviews written before
    /// the metric was recorded were all MobileFaceNet's, by cosine. Every score and threshold in
    /// the review is a lineup score on this metric (a distance is stored negated; see
    /// [`Metric::score`]), and belongs to this recognizer alone.
    pub fn score_metric(&self) -> Metric {
        self.recognizer()
            .and_then(|m| m.metric)
            .unwrap_or(Metric::Cosine)
    }

    /// A threshold as the recognizer's own value (a distance for dlib), for showing it.
    pub fn shown_threshold(&self, threshold: f32) -> f32 {
        self.score_metric().own_value(threshold)
    }

    pub fn summary(&self, threshold: f32) -> Summary {
        let mut alerts_per_identity: BTreeMap<String, usize> = self
            .watchlist
            .identities
            .iter()
            .map(|i| (i.name.clone(), 0))
            .collect();
        let mut alerts = 0;
        for detection in self.detections.iter().filter(|d| d.is_alert(threshold)) {
            alerts += 1;
            if let Some(identity) = self.identity_name(detection.candidates[0].identity) {
                *alerts_per_identity.entry(identity.to_string()).or_default() += 1;
            }
        }
        Summary {
            inputs_analysed: self
                .inputs
                .iter()
                .filter(|i| i.status == InputStatus::Analysed)
                .count(),
            inputs_failed: self
                .inputs
                .iter()
                .filter(|i| matches!(i.status, InputStatus::Failed(_)))
                .count(),
            faces: self.detections.len(),
            alerts,
            tracks: self.tracks.len(),
            tracks_labelled: self
                .tracks
                .iter()
                .filter(|t| t.label != GroundTruth::Unlabelled)
                .count(),
            alerts_per_identity,
        }
    }

    pub fn identity_name(&self, identity: IdentityId) -> Option<&str> {
        self.watchlist
            .identities
            .get(identity.index())
            .map(|i| i.name.as_str())
    }

    pub fn identity_by_name(&self, name: &str) -> Option<IdentityId> {
        self.watchlist
            .identities
            .iter()
            .position(|i| i.name == name)
            .and_then(IdentityId::at)
    }

    /// Links the detections into tracks afresh (labels are lost: only for new analyses and
    /// documents that have no tracks yet). Each track's skin tone suggestion and its range come
    /// from its faces' cheek ITA by [`tracks::skin_tone_suggestion`].
    pub fn rebuild_tracks(&mut self) {
        let linked = tracks::link_detections(&self.detections, &self.tracking, self.score_metric());
        self.tracks = linked
            .into_iter()
            .enumerate()
            .map(|(id, detections)| {
                let (skin_tone_suggestion, skin_tone_range) =
                    tracks::skin_tone_suggestion(detections.iter().map(|&d| &self.detections[d]));
                Track {
                    id: id as u32,
                    detections: detections.into_iter().map(DetectionId).collect(),
                    label: GroundTruth::Unlabelled,
                    attributes: Attributes::new(),
                    skin_tone_suggestion,
                    person: None,
                    skin_tone_range,
                }
            })
            .collect();
    }

    /// What track number `track` is matched to under the document's alert rule.
    pub fn track_match(&self, track: TrackId) -> TrackMatch {
        tracks::track_match(
            &self.tracks[track.index()].detections,
            &self.detections,
            self.alert_rule,
        )
    }
}

/// The labels of an evaluation review, against those `lineup evaluate` gave.
impl ReviewDocument {
    /// Every track labelled on or off the watchlist, as the protocol records labels.
    pub fn search_labels(&self) -> Vec<EvaluatedLabel> {
        self.tracks
            .iter()
            .filter(|track| {
                matches!(
                    track.label,
                    GroundTruth::OnWatchlist(_) | GroundTruth::NotOnWatchlist
                )
            })
            .map(|track| EvaluatedLabel {
                track: track.id,
                label: track.label,
                person: track.person.clone(),
                attributes: track.attributes.clone(),
            })
            .collect()
    }

    /// How the labels differ from those `lineup evaluate` recorded in the protocol; None for a
    /// review not made by `lineup evaluate`, or made before the labels were recorded.
    pub fn label_changes_since_evaluate(&self) -> Option<LabelChanges> {
        let protocol = self.evaluation_protocol.as_ref()?;
        if protocol.labels.is_empty() {
            return None;
        }
        let identity_changed = |label: GroundTruth| match label {
            GroundTruth::OnWatchlist(id) => {
                self.watchlist
                    .identities
                    .get(id.index())
                    .is_none_or(|identity| {
                        self.identity_attributes.get(&identity.name)
                            != protocol.identity_attributes.get(&identity.name)
                    })
            }
            _ => false,
        };
        let recorded: BTreeMap<u32, &EvaluatedLabel> = protocol
            .labels
            .iter()
            .map(|label| (label.track, label))
            .collect();
        let now = self.search_labels();
        let changed_or_new = now
            .iter()
            .filter(|label| {
                recorded.get(&label.track) != Some(label) || identity_changed(label.label)
            })
            .count();
        let kept: std::collections::BTreeSet<u32> = now.iter().map(|label| label.track).collect();
        let gone = recorded
            .keys()
            .filter(|track| !kept.contains(track))
            .count();
        let mated_now = now
            .iter()
            .filter(|label| matches!(label.label, GroundTruth::OnWatchlist(_)))
            .count();
        Some(LabelChanges {
            searches: changed_or_new + gone,
            mated_now,
            non_mated_now: now.len() - mated_now,
        })
    }
}
