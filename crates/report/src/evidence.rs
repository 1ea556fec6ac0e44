//! The bundle's evidence (`evidence.ron`): everything the report's numbers are computed from,
//! without the secret key, the review file or anything biometric, so that a reader can recompute
//! every figure from the bundle alone (`lineup verify --recompute`).
//!
//! It holds every face found (where, and its best watchlist candidate with its score), every
//! track labelled on or off the watchlist (its faces, label, perceived attributes and who it is
//! of), the faces of the other tracks (unlabelled or not a face, so that alerts left unlabelled
//! or marked not a face can be counted), the slicing, the per-group thresholds, the chosen
//! reference group, the alert rule, the tracking and detector settings (a record only: the
//! tracks are the review's, not derived from them), the watchlist's names and photo hashes, the crowd
//! the false alerts a day are counted for, the models with their SHA-256, and the lineup that
//! wrote it. It leaves out face embeddings, boxes and pixels, the attributes of unlabelled
//! tracks, and the names the reviewer gave passers-by (replaced by "person 1", "person 2", ...:
//! the numbers need only to know which tracks are of the same person; an evaluation set's people
//! not on the watchlist are named so in its photos' paths too, `person 1/photo.jpg`, as the
//! report names them). The reviewer may add the full review file to the bundle as well.
//!
//! Recomputing rebuilds a review document from it and runs the very code the report was made
//! with ([`crate::labelled_findings`], [`Findings::measure`], the report's detection counts), so
//! that a difference can only come from the data.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::build_info::BuildInfo;
use super::comparison::{self, ModelComparison};
use super::findings::{CrowdScenario, DEFAULT_CROWD_SCENARIOS, MeasuredFindings, OneToOne};
use super::report::{
    self, DataReviewed, DetectionCounts, FalseAlertsPerDay, Pseudonyms, TrackCounts, WatchlistPhoto,
};
use lineup_core::ids::DetectionId;
use lineup_core::matching::Candidate;
use lineup_core::review::scenario::{self, Simulation};
use lineup_core::review::{
    AlertRule, AnalysisSettings, AttributeSchema, Attributes, DetectionRecord, EvaluationProtocol,
    GroundTruth, InputRecord, InputStatus, RecognizedFace, RecognizerRun, ReviewDocument, Slicing,
    SourceRef, Track, TrackingSettings,
};
use lineup_core::vision::{BoundingBox, DetectorConfig, Embedding, ModelRecord, Point};
use lineup_core::watchlist::{Identity, Watchlist};

/// The shape of `evidence.ron`; bumped when it changes.
/// (2: the watchlist photos' SHA-256, the crowd and deployed watchlist the false alerts a day
/// are counted for, and the tracks not labelled on or off the watchlist, without labels.
/// 3: each input's frame count, so that a face in a frame the input lacks is refused; version
/// 2 evidence has none, and its faces' frames go unchecked.
/// 4: an evaluation set's 1:1 table (`verification`); version 3 evidence has none, and its
/// report none either.
/// 5: the comparison of recognizers at equal FPIR both ways (the first model moved to each
/// other's FPIR, `first_at_its_fpir`, as well as each other moved to the first's); evidence
/// before it with a comparison is refused by `verify --recompute`, naming that section.)
pub const EVIDENCE_VERSION: u32 = 5;

/// The oldest evidence `lineup verify --recompute` recomputes: version 3 differs from 4 only
/// in lacking the 1:1 table, which the reports of its time lack too.
pub const OLDEST_RECOMPUTED_VERSION: u32 = 3;

/// What the report's numbers are computed from: `evidence.ron` is this value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    pub evidence_version: u32,
    /// The lineup that wrote the bundle.
    pub written_by: BuildInfo,
    pub analysis: AnalysisRecord,
    /// The watchlist's identities by name; an identity's position is its number in labels and
    /// candidates, and their count is the watchlist size FPIR depends on.
    pub watchlist: Vec<String>,
    /// Each identity's enrolment photos (path and SHA-256), in the watchlist's order, so that
    /// a reader can check the photos the matches were made against.
    #[serde(default)]
    pub watchlist_photos: Vec<Vec<WatchlistPhoto>>,
    /// People passing the cameras a day, as the reviewer gave it: false alerts a day follow.
    #[serde(default)]
    pub people_per_day: Option<u64>,
    /// The watchlist of the deployment, where the reviewer gave one.
    #[serde(default)]
    pub deployed_watchlist_size: Option<u64>,
    /// Attributes recorded for watchlist identities, which their tracks inherit.
    pub identity_attributes: BTreeMap<String, Attributes>,
    /// The threshold the report counts alerts at.
    pub threshold: f32,
    /// How a track decides whether it raises an alert.
    pub alert_rule: AlertRule,
    /// The attributes and their groups the slicing draws on.
    pub attribute_schema: AttributeSchema,
    pub slicing: Slicing,
    /// Groups with a threshold of their own, by group name.
    pub slice_thresholds: BTreeMap<String, f32>,
    /// The group the reviewer chose to compare the others against.
    pub reference_slice: Option<String>,
    pub crowd_scenarios: Vec<CrowdScenario>,
    /// Every face found, in the review's order: a track's `faces` number them from 0.
    pub faces: Vec<Face>,
    /// Every track labelled on or off the watchlist, in the review's order.
    pub tracks: Vec<LabelledTrack>,
    /// The other tracks (unlabelled, or marked not a face): no rate counts them, but whether
    /// they raise an alert shows whether alerts were left out by leaving them unlabelled.
    #[serde(default)]
    pub other_tracks: Vec<OtherTrack>,
    /// The review's simulation record: a bundle never holds one unless someone made it without
    /// lineup's export (which refuses simulations), and `verify` refuses any bundle that does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub simulation: Option<Simulation>,
    /// Where the searches come from a labelled evaluation set (`lineup evaluate`): the set by
    /// the SHA-256 of its manifest, and the protocol by its seed and parameters, with its
    /// counts and every photo it skipped. Absent for footage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluation: Option<EvaluationProtocol>,
    /// For an evaluation set, the 1:1 table the report states: it rests on every pair of the
    /// photos' embeddings, which evidence leaves out, so it is recorded here to be checked
    /// against the report, and recomputed from the embeddings only where the bundle includes
    /// the review.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<OneToOne>,
    /// Where several recognizers ran on the footage, each one but the first (whose candidates
    /// `faces` holds): its record, threshold and every face's best candidate, from which the
    /// comparison is recomputed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_recognizers: Vec<OtherRecognizer>,
    /// The comparison of the recognizers the report states, recorded to be checked against
    /// what `other_recognizers` and the labels give.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comparison: Option<ModelComparison>,
}

/// A recognizer other than the first, as evidence keeps it: all its alerts depend on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OtherRecognizer {
    /// The model with its SHA-256 and metric.
    pub model: ModelRecord,
    /// Its threshold (a lineup score on its metric: a distance negated).
    pub threshold: f32,
    /// Every face's best watchlist candidate by this model, in the order of `faces`.
    pub faces: Vec<Option<Candidate>>,
}

/// A track no rate counts: its faces, and whether the reviewer marked it as not a face. No
/// attributes and no name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OtherTrack {
    pub id: u32,
    pub faces: Vec<DetectionId>,
    pub not_a_face: bool,
}

impl OtherTrack {
    fn track(&self) -> Track {
        Track {
            id: self.id,
            detections: self.faces.clone(),
            label: if self.not_a_face {
                GroundTruth::NotAFace
            } else {
                GroundTruth::Unlabelled
            },
            attributes: Attributes::new(),
            skin_tone_suggestion: None,
            person: None,
            skin_tone_range: None,
        }
    }
}

/// How the review was analysed, and how to run that analysis again on the original footage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalysisRecord {
    /// The lineup version that ran the analysis.
    pub analysed_with: String,
    /// The detection and recognition models, with their SHA-256.
    pub models: Vec<ModelRecord>,
    /// Threshold analysed at, candidates kept, detector settings, frame sampling.
    pub settings: AnalysisSettings,
    pub tracking: TrackingSettings,
    pub inputs: Vec<EvidenceInput>,
    pub watchlist_root: PathBuf,
    /// False when the analysis was cancelled before every input was reached.
    pub complete: bool,
    /// The `lineup analyze` command that runs the same analysis on the same files.
    pub command: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceInput {
    pub path: PathBuf,
    pub sha256: Option<String>,
    pub size_bytes: Option<u64>,
    pub status: InputStatus,
    /// The frames a face may lie in (`scenario::frame_bound` of the input's media): its
    /// declared frame count, or more where the count is an estimate. None when unknown, and in
    /// version 2 evidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frame_count: Option<u64>,
}

/// A face found: where, and its best watchlist candidate (all that alerts depend on).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Face {
    /// The input it was found in (a position in `analysis.inputs`).
    pub input: usize,
    /// The frame it was found in; 0 for a still.
    pub frame: u64,
    /// The best-scoring watchlist identity and its score; none when the watchlist gave none.
    pub rank_one: Option<Candidate>,
}

/// A track the reviewer labelled: the searches the error rates count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelledTrack {
    /// The track's id in the review (as the app and the CSV show it).
    pub id: u32,
    pub faces: Vec<DetectionId>,
    pub label: GroundTruth,
    /// Who a person not on the watchlist is, as "person N": tracks of the same person share it.
    pub person: Option<String>,
    /// The perceived attributes the reviewer recorded.
    pub attributes: Attributes,
}

/// Evidence that cannot be turned back into a review: it was not written by lineup.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvidenceError {
    #[error("{file} is not evidence lineup can read: {reason}")]
    Unreadable { file: String, reason: String },
    #[error("track {track} names face {face}, but the evidence lists only {faces} faces")]
    NoSuchFace {
        track: u32,
        face: usize,
        faces: usize,
    },
    #[error("face {face} names input {input}, but the evidence lists only {inputs} inputs")]
    NoSuchInput {
        face: usize,
        input: usize,
        inputs: usize,
    },
    #[error(
        "{whose}best candidate of face {face} names watchlist identity {identity}, but the \
         evidence lists only {identities} identities"
    )]
    NoSuchIdentity {
        /// "" for the review's own recognizer, "recognizer NAME's " for another.
        whose: String,
        face: usize,
        identity: usize,
        identities: usize,
    },
}

/// The figures recomputed from evidence, in the shapes the report states them.
#[derive(Debug, Clone, PartialEq)]
pub struct Recomputation {
    pub findings: Option<MeasuredFindings>,
    pub detections: DetectionCounts,
    pub data: DataReviewed,
    pub false_alerts_per_day: Option<FalseAlertsPerDay>,
    pub tracks: TrackCounts,
    pub verification: Option<OneToOne>,
    pub labels_changed: Option<lineup_core::review::LabelChanges>,
    pub comparison: Option<ModelComparison>,
}

impl Evidence {
    /// The evidence for a report on `document` counting alerts at `threshold`.
    pub fn of(document: &ReviewDocument, threshold: f32) -> Evidence {
        let pseudonyms = Pseudonyms::of(document);
        Evidence {
            evidence_version: EVIDENCE_VERSION,
            written_by: BuildInfo::current(),
            analysis: AnalysisRecord {
                analysed_with: document.lineup_version.clone(),
                models: document.models.clone(),
                settings: document.settings.clone(),
                tracking: document.tracking.clone(),
                inputs: document
                    .inputs
                    .iter()
                    .map(|input| EvidenceInput {
                        // An evaluation set's photo paths name their person: kept but for that.
                        path: pseudonyms.path(&input.path),
                        sha256: input.digest.as_ref().map(|d| d.sha256.clone()),
                        size_bytes: input.digest.as_ref().map(|d| d.size_bytes),
                        status: pseudonyms.status(&input.status),
                        frame_count: scenario::frame_bound(input.media.as_ref()),
                    })
                    .collect(),
                watchlist_root: document.watchlist.root.clone(),
                complete: document.complete,
                command: analyze_command(document),
            },
            watchlist: document
                .watchlist
                .identities
                .iter()
                .map(|identity| identity.name.clone())
                .collect(),
            watchlist_photos: document
                .watchlist
                .identities
                .iter()
                .map(|identity| {
                    identity
                        .photos
                        .iter()
                        .map(|photo| WatchlistPhoto {
                            path: photo.path.clone(),
                            sha256: photo.digest.sha256.clone(),
                        })
                        .collect()
                })
                .collect(),
            people_per_day: document.assessment.people_per_day,
            deployed_watchlist_size: document.assessment.deployed_watchlist_size,
            identity_attributes: document.identity_attributes.clone(),
            threshold,
            alert_rule: document.alert_rule,
            attribute_schema: document.attribute_schema.clone(),
            slicing: document.slicing.clone(),
            slice_thresholds: document.slice_thresholds.clone(),
            reference_slice: document.reference_slice.clone(),
            crowd_scenarios: DEFAULT_CROWD_SCENARIOS.to_vec(),
            faces: document
                .detections
                .iter()
                .map(|detection| Face {
                    input: detection.source.input,
                    frame: detection.source.frame_index,
                    rank_one: detection.candidates.first().copied(),
                })
                .collect(),
            tracks: labelled_tracks(document, &pseudonyms),
            other_tracks: other_tracks(document),
            simulation: document.simulation.clone(),
            evaluation: document
                .evaluation_protocol
                .as_ref()
                .map(|protocol| report::shown_protocol(&pseudonyms, protocol)),
            verification: report::one_to_one(document, threshold),
            other_recognizers: other_recognizers(document),
            comparison: comparison::of_review(document, threshold),
        }
    }

    /// Why the evidence cannot be of an analysis lineup signed; None when nothing says so (see
    /// `ReviewDocument::not_signable_because`, which the export checks): it records a
    /// simulation or names the generator's placeholder, lacks the models' records or an
    /// analysed input's SHA-256, or puts a face in a frame its input does not have. Embeddings
    /// are not in evidence; an included review is checked for them.
    pub fn not_signable_because(&self) -> Option<String> {
        self.simulated_because()
            .or_else(|| scenario::missing_models(&self.analysis.models))
            .or_else(|| {
                let others = self.other_recognizers.iter().map(|other| &other.model);
                scenario::unvouched_model(self.analysis.models.iter().chain(others))
            })
            .or_else(|| self.input_without_digest())
            .or_else(|| self.face_beyond_its_input())
            .or_else(|| self.face_without_a_candidate())
    }

    /// Where the watchlist has identities and the search keeps at least one, every face has a
    /// best candidate by every recognizer: one without was emptied by hand, hiding its alert.
    fn face_without_a_candidate(&self) -> Option<String> {
        if self.watchlist.is_empty() || self.analysis.settings.top_k == 0 {
            return None;
        }
        let own = self.faces.iter().map(|face| face.rank_one.is_some());
        let rows = std::iter::once((String::new(), own.collect::<Vec<_>>())).chain(
            self.other_recognizers.iter().map(|other| {
                let rows = other.faces.iter().map(Option::is_some).collect();
                (format!(" by {}", other.model.name), rows)
            }),
        );
        rows.into_iter().find_map(|(whose, has)| {
            let face = has.iter().position(|has| !has)?;
            Some(format!(
                "face {face} has no best candidate{whose}, though a search over the watchlist's \
                 {} identities gives every face one: its candidates were edited by hand",
                self.watchlist.len()
            ))
        })
    }

    /// Why the evidence is of a simulation: its record, or the generator's placeholder.
    pub fn simulated_because(&self) -> Option<String> {
        if let Some(simulation) = &self.simulation {
            return Some(format!(
                "its evidence records a {} workshop scenario ({}, seed {}), not an analysis of \
                 real footage",
                scenario::SIMULATED,
                simulation.generator,
                simulation.parameters.seed
            ));
        }
        let inputs = &self.analysis.inputs;
        let named = scenario::is_placeholder(&self.analysis.watchlist_root)
            || inputs
                .iter()
                .any(|input| scenario::is_placeholder(&input.path));
        named.then(|| {
            format!(
                "its evidence names the scenario generator's placeholder (\"{}\") as its \
                 footage: it is {}",
                scenario::SIMULATED_SOURCE,
                scenario::SIMULATED
            )
        })
    }

    fn input_without_digest(&self) -> Option<String> {
        let input = self
            .analysis
            .inputs
            .iter()
            .find(|i| i.status == InputStatus::Analysed && i.sha256.is_none())?;
        Some(format!(
            "its evidence lists the analysed input {} without a SHA-256, which every analysis \
             records: it was made or edited by hand",
            input.path.display()
        ))
    }

    fn face_beyond_its_input(&self) -> Option<String> {
        self.faces.iter().enumerate().find_map(|(number, face)| {
            let input = self.analysis.inputs.get(face.input)?;
            let frames = input.frame_count?;
            (face.frame >= frames)
                .then(|| scenario::frame_beyond_message(number, face.frame, &input.path, frames))
        })
    }

    /// The evidence as `evidence.ron` holds it.
    pub fn to_ron(&self) -> String {
        // One line per face and per track, so that a file of 100,000 faces stays readable (and
        // a few megabytes) while every face and track can be found by its line.
        let config = ron::ser::PrettyConfig::new()
            .depth_limit(2)
            .struct_names(true);
        // Plain data with string keys always serialises.
        ron::ser::to_string_pretty(self, config).expect("evidence always serialises")
    }

    /// Reads `evidence.ron`; `file` names it in errors.
    pub fn parse(file: &str, bytes: &[u8]) -> Result<Evidence, EvidenceError> {
        let unreadable = |reason: String| EvidenceError::Unreadable {
            file: file.to_owned(),
            reason,
        };
        let text = std::str::from_utf8(bytes).map_err(|_| unreadable("not UTF-8 text".into()))?;
        let mut evidence: Evidence = ron::from_str(text).map_err(|e| unreadable(e.to_string()))?;
        evidence.settle_near_duplicate_bound().map_err(unreadable)?;
        Ok(evidence)
    }

    /// The evaluation protocol's near-duplicate bound settled and checked by the recognizer the
    /// evidence records, as loading a review does
    /// ([`EvaluationProtocol::settle_near_duplicate_bound`]).
    fn settle_near_duplicate_bound(&mut self) -> Result<(), String> {
        let recognizer = self
            .analysis
            .models
            .iter()
            .find(|model| model.role != lineup_core::vision::ModelRole::Detector)
            .cloned();
        match &mut self.evaluation {
            Some(protocol) => protocol.settle_near_duplicate_bound(recognizer.as_ref()),
            None => Ok(()),
        }
    }

    /// A review document holding exactly what the evidence holds: what the report's numbers
    /// are recomputed from. Faces have no box, landmarks or embedding, which no number uses.
    pub fn document(&self) -> Result<ReviewDocument, EvidenceError> {
        self.check_references()?;
        let analysis = &self.analysis;
        let inputs = analysis
            .inputs
            .iter()
            .map(|input| InputRecord {
                path: input.path.clone(),
                digest: None,
                dimensions: None,
                status: input.status.clone(),
                media: None,
                frames_analysed: 0,
                stopped_early: None,
            })
            .collect();
        let watchlist = Watchlist {
            root: analysis.watchlist_root.clone(),
            identities: self
                .watchlist
                .iter()
                .map(|name| Identity {
                    name: name.clone(),
                    photos: Vec::new(),
                })
                .collect(),
        };
        let mut document = ReviewDocument::new(
            analysis.settings.clone(),
            analysis.models.clone(),
            inputs,
            watchlist,
        );
        document.lineup_version = analysis.analysed_with.clone();
        document.complete = analysis.complete;
        document.tracking = analysis.tracking.clone();
        document.alert_rule = self.alert_rule;
        document.attribute_schema = self.attribute_schema.clone();
        document.identity_attributes = self.identity_attributes.clone();
        document.slicing = self.slicing.clone();
        document.slice_thresholds = self.slice_thresholds.clone();
        document.reference_slice = self.reference_slice.clone();
        document.simulation = self.simulation.clone();
        document.detections = self.faces.iter().map(Face::detection).collect();
        // The labelled tracks keep their order, which the rates were computed in; the others,
        // which only counts use, follow.
        document.tracks = self
            .tracks
            .iter()
            .map(LabelledTrack::track)
            .chain(self.other_tracks.iter().map(OtherTrack::track))
            .collect();
        document.evaluation_protocol = self.evaluation.clone();
        document.other_recognizers = self
            .other_recognizers
            .iter()
            .map(OtherRecognizer::run)
            .collect();
        document.assessment.people_per_day = self.people_per_day;
        document.assessment.deployed_watchlist_size = self.deployed_watchlist_size;
        Ok(document)
    }

    /// Recomputes the report's figures from the evidence, by the code the report was made with.
    /// The 1:1 table is the evidence's own (its embeddings are not here to recompute it from).
    pub fn recompute(&self) -> Result<Recomputation, EvidenceError> {
        Ok(recomputed_figures(
            &self.document()?,
            self.threshold,
            &self.crowd_scenarios,
            self.verification.clone(),
        ))
    }

    /// Every face a track names and every input a face names is listed: no number may rest on
    /// something missing (nor may a crafted file panic the recomputation).
    fn check_references(&self) -> Result<(), EvidenceError> {
        let inputs = self.analysis.inputs.len();
        for (face, record) in self.faces.iter().enumerate() {
            if record.input >= inputs {
                return Err(EvidenceError::NoSuchInput {
                    face,
                    input: record.input,
                    inputs,
                });
            }
        }
        self.check_identities()?;
        if let Some(other) = self
            .other_recognizers
            .iter()
            .find(|other| other.faces.len() != self.faces.len())
        {
            return Err(EvidenceError::Unreadable {
                file: "evidence.ron".to_owned(),
                reason: format!(
                    "recognizer {} has {} faces, but the evidence lists {} faces",
                    other.model.name,
                    other.faces.len(),
                    self.faces.len()
                ),
            });
        }
        let faces_of_tracks = self
            .tracks
            .iter()
            .map(|track| (track.id, &track.faces))
            .chain(
                self.other_tracks
                    .iter()
                    .map(|track| (track.id, &track.faces)),
            );
        for (id, faces) in faces_of_tracks {
            if let Some(face) = faces.iter().find(|f| f.index() >= self.faces.len()) {
                return Err(EvidenceError::NoSuchFace {
                    track: id,
                    face: face.index(),
                    faces: self.faces.len(),
                });
            }
        }
        Ok(())
    }
}

impl Evidence {
    /// Every face's best candidate, by every recognizer, names an identity of the watchlist:
    /// a number past it names no one, yet would count as an alert.
    fn check_identities(&self) -> Result<(), EvidenceError> {
        let identities = self.watchlist.len();
        let stray = |whose: String, faces: &mut dyn Iterator<Item = Option<&Candidate>>| {
            faces
                .enumerate()
                .find_map(|(face, best)| {
                    best.filter(|c| c.identity.index() >= identities)
                        .map(|c| (face, c.identity.index()))
                })
                .map(|(face, identity)| EvidenceError::NoSuchIdentity {
                    whose,
                    face,
                    identity,
                    identities,
                })
        };
        let own = stray(
            String::new(),
            &mut self.faces.iter().map(|face| face.rank_one.as_ref()),
        );
        let others = self.other_recognizers.iter().find_map(|other| {
            stray(
                format!("recognizer {}'s ", other.model.name),
                &mut other.faces.iter().map(Option::as_ref),
            )
        });
        match own.or(others) {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }
}

/// The report's figures for `document` at `threshold`, computed as [`report::build_report`]
/// computes them: the labelled findings (over `crowd_scenarios`), the detection counts, each
/// input's faces and alerts, and an evaluation set's 1:1 table from the faces' embeddings.
pub fn recompute_from(
    document: &ReviewDocument,
    threshold: f32,
    crowd_scenarios: &[CrowdScenario],
) -> Recomputation {
    let verification = report::one_to_one(document, threshold);
    recomputed_figures(document, threshold, crowd_scenarios, verification)
}

/// [`recompute_from`] with the 1:1 table given.
fn recomputed_figures(
    document: &ReviewDocument,
    threshold: f32,
    crowd_scenarios: &[CrowdScenario],
    verification: Option<OneToOne>,
) -> Recomputation {
    let findings = crate::labelled_findings(document, threshold).map(|mut findings| {
        findings.crowd_scenarios = crowd_scenarios.to_vec();
        report::measured_findings(document, &findings)
    });
    Recomputation {
        false_alerts_per_day: report::false_alerts_per_day(document, findings.as_ref()),
        findings,
        detections: report::detection_counts(document, threshold),
        data: report::data_reviewed(document, threshold),
        tracks: report::track_counts(document, threshold),
        verification,
        labels_changed: report::labels_changed(document),
        comparison: comparison::of_review(document, threshold),
    }
}

/// Each recognizer but the first, with every face's best candidate by it.
fn other_recognizers(document: &ReviewDocument) -> Vec<OtherRecognizer> {
    let Some(views) = comparison::model_views(document) else {
        return Vec::new();
    };
    views
        .iter()
        .skip(1)
        .filter_map(|view| {
            Some(OtherRecognizer {
                model: view.recognizer()?.clone(),
                threshold: view.settings.threshold,
                faces: view
                    .detections
                    .iter()
                    .map(|detection| detection.candidates.first().copied())
                    .collect(),
            })
        })
        .collect()
}

impl Face {
    fn detection(&self) -> DetectionRecord {
        DetectionRecord {
            source: SourceRef {
                input: self.input,
                frame_index: self.frame,
                timestamp_s: 0.0,
            },
            bbox: BoundingBox::default(),
            landmarks: [Point::default(); 5],
            detector_score: 0.0,
            embedding: Embedding(Vec::new()),
            candidates: self.rank_one.into_iter().collect(),
            skin_ita: None,
            skin_ita_quartiles: None,
        }
    }
}

impl OtherRecognizer {
    /// The run as a review holds it, with what evidence keeps: each face's best candidate (no
    /// embedding, as the first recognizer's faces in evidence have none).
    fn run(&self) -> RecognizerRun {
        RecognizerRun {
            model: self.model.clone(),
            threshold: self.threshold,
            enrolment_embeddings: Vec::new(),
            faces: self
                .faces
                .iter()
                .map(|best| RecognizedFace {
                    embedding: Embedding(Vec::new()),
                    candidates: best.iter().copied().collect(),
                })
                .collect(),
        }
    }
}

impl LabelledTrack {
    fn track(&self) -> Track {
        Track {
            id: self.id,
            detections: self.faces.clone(),
            label: self.label,
            attributes: self.attributes.clone(),
            skin_tone_suggestion: None,
            person: self.person.clone(),
            skin_tone_range: None,
        }
    }
}

/// The tracks labelled on or off the watchlist (the only ones any rate counts), with the names
/// of passers-by replaced by "person N" in order of first appearance. Names are compared as the
/// rates compare them (trimmed), so the same tracks share a person either way.
fn labelled_tracks(document: &ReviewDocument, pseudonyms: &Pseudonyms) -> Vec<LabelledTrack> {
    document
        .tracks
        .iter()
        .filter(|track| {
            matches!(
                track.label,
                GroundTruth::OnWatchlist(_) | GroundTruth::NotOnWatchlist
            )
        })
        .map(|track| {
            let person = track
                .person
                .as_ref()
                .and_then(|name| pseudonyms.of_name(name));
            LabelledTrack {
                id: track.id,
                faces: track.detections.clone(),
                label: track.label,
                person,
                attributes: track.attributes.clone(),
            }
        })
        .collect()
}

/// The tracks no rate counts, without their attributes or names.
fn other_tracks(document: &ReviewDocument) -> Vec<OtherTrack> {
    document
        .tracks
        .iter()
        .filter_map(|track| {
            let not_a_face = match track.label {
                GroundTruth::Unlabelled => false,
                GroundTruth::NotAFace => true,
                GroundTruth::OnWatchlist(_) | GroundTruth::NotOnWatchlist => return None,
            };
            Some(OtherTrack {
                id: track.id,
                faces: track.detections.clone(),
                not_a_face,
            })
        })
        .collect()
}

/// Quotes `word` for a POSIX shell when it needs it.
pub(crate) fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+=:,@".contains(c));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// The `lineup analyze` command that analyses the review's inputs again with its settings, every
/// path quoted for a POSIX shell; for a review of an evaluation set, the `lineup evaluate`
/// command that runs the same protocol on the same set. Threads are left out: they change the
/// speed, not the result.
pub fn analyze_command(document: &ReviewDocument) -> String {
    let path = |path: &Path| shell_quote(&path.display().to_string());
    let settings = &document.settings;
    if let Some(protocol) = &document.evaluation_protocol {
        let mut words = vec![
            "lineup".to_owned(),
            "evaluate".to_owned(),
            "--set".to_owned(),
            path(&protocol.set),
        ];
        if let Some((attributes, _)) = &protocol.attributes {
            words.extend(["--attributes".to_owned(), path(attributes)]);
        }
        words.extend(recognizer_option(document));
        words.extend([
            "--enrol-share".to_owned(),
            protocol.enrol_share.to_string(),
            "--seed".to_owned(),
            protocol.seed.to_string(),
            "--threshold".to_owned(),
            // On the recognizer's own scale, as `lineup evaluate --threshold` reads it.
            document.shown_threshold(settings.threshold).to_string(),
            "--top-k".to_owned(),
            settings.top_k.to_string(),
            "--out".to_owned(),
            "review.ron".to_owned(),
        ]);
        return words.join(" ");
    }
    let mut words = vec![
        "lineup".to_owned(),
        "analyze".to_owned(),
        "--footage".into(),
    ];
    words.extend(document.inputs.iter().map(|input| path(&input.path)));
    words.extend(recognizer_option(document));
    words.extend([
        "--sample".to_owned(),
        settings.sampling.to_string(),
        "--watchlist".to_owned(),
        path(&document.watchlist.root),
        "--threshold".to_owned(),
        // On the recognizer's own scale, as `lineup analyze --threshold` reads it.
        document.shown_threshold(settings.threshold).to_string(),
    ]);
    // Every other recognizer's threshold, on its own scale, in the recognizers' order: the
    // reviewer may have moved it, and `--against` compares it with the re-run's.
    for run in &document.other_recognizers {
        let own = run
            .model
            .metric
            .map_or(run.threshold, |metric| metric.own_value(run.threshold));
        words.extend(["--threshold".to_owned(), own.to_string()]);
    }
    words.extend(["--top-k".to_owned(), settings.top_k.to_string()]);
    let detector = &settings.vision.detector;
    if *detector == DetectorConfig::small_faces() {
        words.push("--small-faces".to_owned());
    } else {
        words.extend(["--max-side".to_owned(), detector.max_side.to_string()]);
        if let Some(side) = detector.video_max_side {
            words.extend(["--video-max-side".to_owned(), side.to_string()]);
        }
    }
    // The re-run must not read this machine's enrolment cache, whose checksums catch damage,
    // not tampering: a re-run from the photos themselves is the independent one.
    words.extend([
        "--no-cache".to_owned(),
        "--out".to_owned(),
        "review.ron".to_owned(),
    ]);
    words.join(" ")
}

/// `--recognizer NAME` for every recognizer a review compares, in its order (the first stays
/// first, as the comparison measures every other against it), and for a review of one
/// recognizer that is not the default MobileFaceNet; nothing for a review of MobileFaceNet
/// alone. Each by its file's stem, which `lineup models list` shows and `--recognizer` accepts
/// (a reviewer's own model must have been added with `lineup models add` first, and its
/// SHA-256 in the report pins which file it was).
fn recognizer_option(document: &ReviewDocument) -> Vec<String> {
    use lineup_core::vision::{ModelRole, runtime};
    let default = runtime::model_spec(ModelRole::Recognizer).sha256;
    let models: Vec<&ModelRecord> = document
        .recognizer()
        .into_iter()
        .chain(document.other_recognizers.iter().map(|run| &run.model))
        .collect();
    let only_the_default = match models.as_slice() {
        [] => true,
        [one] => one.sha256 == default && !one.supplied_by_reviewer,
        _ => false,
    };
    if only_the_default {
        return Vec::new();
    }
    models
        .into_iter()
        .flat_map(|model| {
            let stem = model.file.strip_suffix(".onnx").unwrap_or(&model.file);
            ["--recognizer".to_owned(), shell_quote(stem)]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use lineup_core::ids::IdentityId;
    use lineup_core::vision::VisionConfig;

    fn document() -> ReviewDocument {
        let settings = AnalysisSettings {
            threshold: 0.6,
            top_k: 3,
            vision: VisionConfig::default(),
            sampling: Default::default(),
        };
        let input = InputRecord {
            path: "my footage/cam 1.mp4".into(),
            digest: None,
            dimensions: None,
            status: InputStatus::Analysed,
            media: None,
            frames_analysed: 0,
            stopped_early: None,
        };
        let watchlist = Watchlist {
            root: "watchlist".into(),
            identities: ["A", "B"]
                .iter()
                .map(|name| Identity {
                    name: (*name).to_owned(),
                    photos: Vec::new(),
                })
                .collect(),
        };
        let mut document = ReviewDocument::new(settings, Vec::new(), vec![input], watchlist);
        for (score, label, person) in [
            (0.7, GroundTruth::NotOnWatchlist, Some(" Jane Roe")),
            (0.3, GroundTruth::NotOnWatchlist, Some("Jane Roe ")),
            (0.9, GroundTruth::OnWatchlist(IdentityId(1)), None),
            (0.8, GroundTruth::Unlabelled, Some("John Poe")),
        ] {
            let face = DetectionId(document.detections.len());
            let mut detection = Face {
                input: 0,
                frame: face.index() as u64,
                rank_one: Some(Candidate {
                    identity: IdentityId(1),
                    score,
                }),
            }
            .detection();
            detection.embedding = Embedding(vec![0.6, 0.8]);
            document.detections.push(detection);
            document.tracks.push(Track {
                id: face.index() as u32,
                detections: vec![face],
                label,
                attributes: Attributes::from([("gender".into(), "female".into())]),
                skin_tone_suggestion: None,
                person: person.map(str::to_owned),
                skin_tone_range: None,
            });
        }
        document.slicing = Slicing::by(&["gender"]);
        document
    }

    #[test]
    fn evidence_recomputes_what_the_review_gives_without_names_or_embeddings() {
        let document = document();
        let evidence = Evidence::of(&document, 0.6);
        let text = evidence.to_ron();
        assert!(!text.contains("Jane") && !text.contains("John"), "{text}");
        assert!(!text.contains("embedding"), "{text}");
        assert_eq!(evidence.tracks.len(), 3, "the unlabelled track is left out");
        assert_eq!(evidence.tracks[0].person.as_deref(), Some("person 1"));
        assert_eq!(evidence.tracks[1].person.as_deref(), Some("person 1"));
        let read = Evidence::parse("evidence.ron", text.as_bytes()).unwrap();
        assert_eq!(read, evidence);
        let recomputed = read.recompute().unwrap();
        assert_eq!(
            recomputed,
            recompute_from(&document, 0.6, &DEFAULT_CROWD_SCENARIOS)
        );
        let findings = recomputed.findings.expect("labelled");
        assert_eq!((findings.pooled.fpir.k, findings.pooled.fpir.n), (1, 2));
        assert_eq!(findings.pooled.fpir.people, Some(1));
        assert_eq!(recomputed.detections.alerts, 3);
    }

    /// Issue #20: evidence of a review of two recognizers keeps the other one's best candidate
    /// per face (no embedding) and the comparison, and recomputes the same comparison.
    #[test]
    fn evidence_of_two_recognizers_recomputes_their_comparison() {
        let review = crate::comparison::tests::two_model_review();
        let evidence = Evidence::of(&review, 0.6);
        let [other] = evidence.other_recognizers.as_slice() else {
            panic!("one other recognizer: {:?}", evidence.other_recognizers);
        };
        assert_eq!(other.threshold, -0.6);
        assert_eq!(other.faces.len(), evidence.faces.len());
        assert!(evidence.comparison.is_some());
        let read = Evidence::parse("evidence.ron", evidence.to_ron().as_bytes()).unwrap();
        let recomputed = read.recompute().unwrap();
        assert_eq!(recomputed.comparison, evidence.comparison);
        assert_eq!(
            recomputed,
            recompute_from(&review, 0.6, &DEFAULT_CROWD_SCENARIOS)
        );
        // One face too few for the other recognizer is refused, not compared.
        let mut short = evidence.clone();
        short.other_recognizers[0].faces.pop();
        assert!(short.recompute().is_err());
    }

    #[test]
    fn evidence_naming_what_it_lacks_is_refused_not_a_panic() {
        let mut evidence = Evidence::of(&document(), 0.6);
        evidence.tracks[0].faces.push(DetectionId(99));
        assert!(matches!(
            evidence.recompute(),
            Err(EvidenceError::NoSuchFace { face: 99, .. })
        ));
        let mut evidence = Evidence::of(&document(), 0.6);
        evidence.faces[0].input = 5;
        assert!(matches!(
            evidence.recompute(),
            Err(EvidenceError::NoSuchInput { input: 5, .. })
        ));
        assert!(Evidence::parse("evidence.ron", b"(nonsense").is_err());
    }

    #[test]
    fn the_analyze_command_spells_out_every_setting_and_quotes_paths() {
        let mut document = document();
        assert_eq!(
            analyze_command(&document),
            "lineup analyze --footage 'my footage/cam 1.mp4' --sample every --watchlist \
             watchlist --threshold 0.6 --top-k 3 --max-side 1280 --video-max-side 960 \
             --no-cache --out review.ron"
        );
        document.settings.vision.detector = DetectorConfig::small_faces();
        assert!(analyze_command(&document).contains(" --small-faces --no-cache --out"));
    }

    /// Issue #20 finding 2: a review of several recognizers is re-run with every one, in its
    /// order, by the name `analyze --recognizer` accepts (the file's stem), the default too.
    #[test]
    fn the_analyze_command_repeats_every_recognizer_in_order() {
        let review = crate::comparison::tests::two_model_review();
        let command = analyze_command(&review);
        assert!(
            command.contains(" --recognizer 'Cosine model' --recognizer 'Distance model' "),
            "{command}"
        );
        let mut shipped_first = review.clone();
        let default =
            lineup_core::vision::runtime::model_spec(lineup_core::vision::ModelRole::Recognizer)
                .record();
        for model in shipped_first.models.iter_mut() {
            model.file = default.file.clone();
            model.sha256 = default.sha256.clone();
        }
        let command = analyze_command(&shipped_first);
        assert!(
            command.contains(" --recognizer mobilefacenet --recognizer 'Distance model' "),
            "{command}"
        );
    }
}
