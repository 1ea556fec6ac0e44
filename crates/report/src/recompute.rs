//! Recomputing a bundle's numbers from the bundle alone: what a court's expert runs
//! (`lineup verify --recompute`).
//!
//! The bundle is first verified in full (signature, manifest, key mentions: [`verify`]). Then
//! every figure the report states that follows from data (the findings, the detection counts,
//! each input's faces and alerts, false alerts a day, the track counts) is computed again from
//! `evidence.ron`, by the code the report was made with, and compared exactly with
//! `assessment.ron`; so are the parts still to write (from the report's own assessment text), and
//! every fact both files record (settings, models, watchlist and its photo hashes, inputs with
//! their hashes, sizes and statuses, whether the analysis completed, the lineup that wrote them).
//! The documents are then checked against the recomputed report: `assessment.md` byte for byte,
//! and the PDF byte for byte too, drawn again from the recomputed report and the pictures the
//! bundle keeps (`pictures.ron`). When the reviewer included the full review, it is recomputed from as well, and
//! every stored match score is recomputed from its embeddings. Any difference fails naming it.
//! [`compare_rerun`] compares a review from running the analysis again with the evidence.
//!
//! The comparison goes through the figures as `assessment.ron` writes them (RON text, whose
//! numbers read back to the very same floating-point values), walked field by field, so that a
//! figure added to the report later is compared without anyone listing it here.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use ron::Value;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::build_info::BuildInfo;
use super::bundle::{EDITABLE_FILE, EVIDENCE_FILE, PDF_FILE, PICTURES_FILE, REVIEW_FILE, RON_FILE};
use super::drafting;
use super::editable;
use super::evidence::{
    self, EVIDENCE_VERSION, Evidence, EvidenceError, OLDEST_RECOMPUTED_VERSION, Recomputation,
};
use super::report::{Report, WatchlistPhoto, status_words};
use super::signing::SignerKey;
use super::stills::Pictures;
use super::verify::{self, Verified, VerifyError};
use lineup_core::digest::hex;
use lineup_core::review::recognizer_runs::show_candidates;
use lineup_core::review::{EvaluatedLabel, GroundTruth, NearDuplicate};

/// How many differences an error lists; the rest are counted.
const DIFFERENCES_LISTED: usize = 25;

#[derive(Debug, thiserror::Error)]
pub enum RecomputeError {
    #[error(transparent)]
    Verify(#[from] VerifyError),
    #[error(
        "{}: has no {EVIDENCE_FILE}, so its numbers cannot be recomputed from it (a bundle \
         written before lineup recorded its evidence)",
        path.display()
    )]
    NoEvidence { path: PathBuf },
    #[error("{}: {source}", path.display())]
    Evidence {
        path: PathBuf,
        source: EvidenceError,
    },
    #[error(
        "{}: {EVIDENCE_FILE} is of evidence version {version}, written before lineup recorded \
         the crowd, the watchlist photo hashes and the unlabelled tracks the report's figures \
         are now checked against; this lineup recomputes versions {OLDEST_RECOMPUTED_VERSION} \
         to {EVIDENCE_VERSION} only",
        path.display()
    )]
    OlderEvidence { path: PathBuf, version: u32 },
    #[error(
        "{}: {EVIDENCE_FILE} is of evidence version {version}, whose comparison of the \
         recognizers is at equal FPIR one way only (each other model moved to the first \
         model's FPIR); it lacks the first model moved to each other model's FPIR, which \
         evidence version {FIRST_MOVED_VERSION} on records and this lineup's report states, so \
         that section cannot be recomputed as signed: export the review again to have it \
         recomputed",
        path.display()
    )]
    ComparisonOneWay { path: PathBuf, version: u32 },
    #[error("{}: {RON_FILE} cannot be read: {reason}", path.display())]
    Report { path: PathBuf, reason: String },
    #[error(
        "{}: {REVIEW_FILE} is not the review the report names: its SHA-256 is {actual}, the \
         report's is {stated}",
        path.display()
    )]
    OtherReview {
        path: PathBuf,
        actual: String,
        stated: String,
    },
    #[error(
        "{}: {file} does not say what the recomputed report says: {reason}",
        path.display()
    )]
    Document {
        path: PathBuf,
        file: String,
        reason: String,
    },
    #[error("{}", rerun_message(path, rerun, differences))]
    RerunDiffers {
        path: PathBuf,
        rerun: PathBuf,
        differences: Vec<Difference>,
    },
    #[error("{}: the re-run review cannot be read: {reason}", rerun.display())]
    Rerun { rerun: PathBuf, reason: String },
    #[error(
        "{}: {EVIDENCE_FILE} holds track(s) the tracker could never have made, so the counts \
         resting on them are not the analysis's: {}",
        path.display(),
        problems.join("; ")
    )]
    ImpossibleTracks {
        path: PathBuf,
        problems: Vec<String>,
    },
    #[error("{}", differ_message(path, from, differences, made_by))]
    Differ {
        path: PathBuf,
        /// The bundle file recomputed from.
        from: String,
        differences: Vec<Difference>,
        /// The lineup that wrote the bundle.
        made_by: Box<BuildInfo>,
    },
}

fn differ_message(
    path: &Path,
    from: &str,
    differences: &[Difference],
    made_by: &BuildInfo,
) -> String {
    let mut text = format!(
        "{}: {} figure(s) of the report differ from what {from} gives; the signed numbers do \
         not follow from the signed data:",
        path.display(),
        differences.len()
    );
    for difference in differences.iter().take(DIFFERENCES_LISTED) {
        text.push_str(&format!("\n  {difference}"));
    }
    if differences.len() > DIFFERENCES_LISTED {
        text.push_str(&format!(
            "\n  ... and {} more",
            differences.len() - DIFFERENCES_LISTED
        ));
    }
    let running = BuildInfo::current();
    if *made_by != running {
        text.push_str(&format!(
            "\n(The bundle was written by {made_by}; this is {running}: a difference in wording \
             alone may come from that.)"
        ));
    }
    text
}

fn rerun_message(path: &Path, rerun: &Path, differences: &[Difference]) -> String {
    let mut text = format!(
        "{}: the re-run review {} differs from {EVIDENCE_FILE} in {} place(s): the analysis \
         recorded in the bundle is not what running it again gives:",
        path.display(),
        rerun.display(),
        differences.len()
    );
    for difference in differences.iter().take(DIFFERENCES_LISTED) {
        text.push_str(&format!(
            "\n  {}: {EVIDENCE_FILE} records {}; the re-run gives {}",
            difference.figure, difference.stated, difference.recomputed
        ));
    }
    if differences.len() > DIFFERENCES_LISTED {
        text.push_str(&format!(
            "\n  ... and {} more",
            differences.len() - DIFFERENCES_LISTED
        ));
    }
    text
}

/// One figure the report states that the data does not give.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// The figure in words, with its place in `assessment.ron`.
    pub figure: String,
    /// Its place alone: `findings.slices["darker female"].metrics.fpir.rate`.
    pub place: String,
    /// What the report says, as `assessment.ron` writes it.
    pub stated: String,
    /// What the data gives.
    pub recomputed: String,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: the report says {}, recomputed {}",
            self.figure, self.stated, self.recomputed
        )
    }
}

/// A bundle whose numbers were all recomputed and found equal.
#[derive(Debug, Clone)]
pub struct Recomputed {
    pub verified: Verified,
    /// The bundle files the numbers were recomputed from.
    pub from: Vec<String>,
    /// How many figures were compared (each number, count and word of the compared parts).
    pub figures: usize,
    /// The lineup that wrote the bundle, as the bundle claims (nothing proves it).
    pub made_by: BuildInfo,
    /// Whether every stored match score was recomputed from the embeddings of an included
    /// review; without it the scores are the analysis's own.
    pub scores_recomputed: bool,
    /// The recognizers whose stored match scores were recomputed (the review's own first),
    /// by name; empty when none were.
    pub scores_recomputed_for: Vec<String>,
    /// The evidence recomputed from, to compare a re-run analysis with.
    pub evidence: Box<Evidence>,
}

/// Verifies the bundle at `path` (see [`verify::verify_bundle`]), then recomputes its numbers.
pub fn recompute_bundle(
    path: &Path,
    trusted_key: Option<&SignerKey>,
) -> Result<Recomputed, RecomputeError> {
    let files = verify::read_bundle(path)?;
    recompute_files(path, &files, trusted_key)
}

/// [`recompute_bundle`] over a bundle's files already read, by name.
pub fn recompute_files(
    path: &Path,
    files: &BTreeMap<String, Vec<u8>>,
    trusted_key: Option<&SignerKey>,
) -> Result<Recomputed, RecomputeError> {
    let verified = verify::verify_files(path, files, trusted_key)?;
    let report: Report = std::str::from_utf8(&files[RON_FILE])
        .map_err(|e| e.to_string())
        .and_then(|text| ron::from_str(text).map_err(|e| e.to_string()))
        .map_err(|reason| RecomputeError::Report {
            path: path.to_path_buf(),
            reason,
        })?;
    let evidence_bytes = files
        .get(EVIDENCE_FILE)
        .ok_or_else(|| RecomputeError::NoEvidence {
            path: path.to_path_buf(),
        })?;
    let in_evidence = |source| RecomputeError::Evidence {
        path: path.to_path_buf(),
        source,
    };
    let evidence = Evidence::parse(EVIDENCE_FILE, evidence_bytes).map_err(in_evidence)?;
    if !(OLDEST_RECOMPUTED_VERSION..=EVIDENCE_VERSION).contains(&evidence.evidence_version) {
        return Err(RecomputeError::OlderEvidence {
            path: path.to_path_buf(),
            version: evidence.evidence_version,
        });
    }
    if evidence.evidence_version < FIRST_MOVED_VERSION && evidence.comparison.is_some() {
        return Err(RecomputeError::ComparisonOneWay {
            path: path.to_path_buf(),
            version: evidence.evidence_version,
        });
    }
    let problems = impossible_tracks(&evidence).map_err(in_evidence)?;
    if !problems.is_empty() {
        return Err(RecomputeError::ImpossibleTracks {
            path: path.to_path_buf(),
            problems,
        });
    }
    let recomputed = evidence.recompute().map_err(in_evidence)?;
    let mut differences = recorded_differences(&report, &evidence);
    differences.extend(missing_one_to_one(&evidence, &recomputed));
    // The comparison evidence records must be the one its recognizers' faces give.
    differences.extend(differences_in(
        "evidence.comparison",
        &evidence.comparison,
        &recomputed.comparison,
    ));
    differences.extend(protocol_count_differences(&evidence));
    differences.extend(text_differences(&report));
    differences.extend(figure_differences(&report, &recomputed));
    let differ = |from: &str, differences: Vec<Difference>| RecomputeError::Differ {
        path: path.to_path_buf(),
        from: from.to_owned(),
        differences,
        made_by: Box::new(report.build.clone()),
    };
    if !differences.is_empty() {
        return Err(differ(EVIDENCE_FILE, differences));
    }
    let mut from = vec![EVIDENCE_FILE.to_owned()];
    let scores_recomputed = files.contains_key(REVIEW_FILE);
    if let Some(bytes) = files.get(REVIEW_FILE) {
        let differences = review_differences(path, files, bytes, &report, &evidence)?;
        if !differences.is_empty() {
            return Err(differ(REVIEW_FILE, differences));
        }
        from.push(REVIEW_FILE.to_owned());
    }
    let recomputed_report = with_recomputed(&report, &recomputed);
    check_markdown(path, files, &recomputed_report)?;
    check_pdf(path, files, &recomputed_report)?;
    Ok(Recomputed {
        verified,
        from,
        figures: stated_figures(&report).count(),
        made_by: report.build,
        scores_recomputed,
        scores_recomputed_for: if scores_recomputed {
            recognizer_names(&evidence)
        } else {
            Vec::new()
        },
        evidence: Box::new(evidence),
    })
}

/// Every recognizer the evidence records, the review's own first, by name.
fn recognizer_names(evidence: &Evidence) -> Vec<String> {
    let own = evidence
        .analysis
        .models
        .iter()
        .filter(|model| model.role != lineup_core::vision::ModelRole::Detector);
    own.chain(evidence.other_recognizers.iter().map(|other| &other.model))
        .map(|model| model.name.clone())
        .collect()
}

/// The report with every figure that follows from data replaced by the recomputed one, and the
/// parts still to write by those its text lacks.
fn with_recomputed(report: &Report, recomputed: &Recomputation) -> Report {
    let mut report = report.clone();
    report.findings = recomputed.findings.clone();
    report.detections = recomputed.detections.clone();
    report.false_alerts_per_day = recomputed.false_alerts_per_day;
    report.tracks = recomputed.tracks;
    report.verification = recomputed.verification.clone();
    report.comparison = recomputed.comparison.clone();
    report.labels_changed = recomputed.labels_changed.clone();
    for (input, counted) in report.data.inputs.iter_mut().zip(&recomputed.data.inputs) {
        input.faces = counted.faces;
        input.alerts = counted.alerts;
    }
    report.incomplete = drafting::missing_parts(
        &report.assessment,
        drafting::report_day(&report.generated_at),
    );
    report
}

/// The Markdown export must be, byte for byte, what lineup writes for the recomputed report.
fn check_markdown(
    path: &Path,
    files: &BTreeMap<String, Vec<u8>>,
    report: &Report,
) -> Result<(), RecomputeError> {
    let Some(stated) = files.get(EDITABLE_FILE) else {
        return Ok(());
    };
    let expected = editable::markdown(report);
    if stated.as_slice() == expected.as_bytes() {
        return Ok(());
    }
    let stated = String::from_utf8_lossy(stated);
    let mut stated_lines = stated.lines();
    let mut reason = "it ends early, or goes on past the end".to_owned();
    for (number, line) in expected.lines().enumerate() {
        match stated_lines.next() {
            Some(other) if other == line => {}
            other => {
                reason = format!(
                    "line {} reads {:?}; the recomputed report gives {:?}",
                    number + 1,
                    shortened(other.unwrap_or("(nothing)")),
                    shortened(line)
                );
                break;
            }
        }
    }
    Err(RecomputeError::Document {
        path: path.to_path_buf(),
        file: EDITABLE_FILE.to_owned(),
        reason,
    })
}

/// The PDF must be, byte for byte, what lineup draws from the recomputed report and the
/// pictures the bundle keeps (`pictures.ron`): a sentence painted over, an overlay added, an
/// appended update or a rewritten page all change its bytes. Names the first page whose drawing
/// differs when both PDFs can be read.
fn check_pdf(
    path: &Path,
    files: &BTreeMap<String, Vec<u8>>,
    report: &Report,
) -> Result<(), RecomputeError> {
    let Some(bytes) = files.get(PDF_FILE) else {
        return Ok(());
    };
    let unsaid = |file: &str, reason: String| RecomputeError::Document {
        path: path.to_path_buf(),
        file: file.to_owned(),
        reason,
    };
    let pictures_text = files
        .get(PICTURES_FILE)
        .map(|bytes| String::from_utf8_lossy(bytes).into_owned())
        .ok_or_else(|| {
            unsaid(
                PDF_FILE,
                format!(
                    "the bundle has no {PICTURES_FILE}, so {PDF_FILE} cannot be drawn again \
                     and compared (bundles made before lineup kept the pictures)"
                ),
            )
        })?;
    let pictures = Pictures::parse(&pictures_text).map_err(|why| unsaid(PICTURES_FILE, why))?;
    let redrawn = super::pdf::render(report, &pictures)
        .map_err(|e| unsaid(PDF_FILE, format!("it cannot be drawn again: {e}")))?;
    if &redrawn == bytes {
        return Ok(());
    }
    let page = first_page_differing(bytes, &redrawn)
        .map(|page| format!("; page {page} is the first that is drawn differently"))
        .unwrap_or_default();
    Err(unsaid(
        PDF_FILE,
        format!(
            "{PDF_FILE} is not the PDF the recomputed report draws (with the pictures in \
             {PICTURES_FILE}): its bytes differ{page}"
        ),
    ))
}

/// The first page (from 1) whose content streams differ between two PDFs, or the first page
/// one has and the other lacks; `None` if either cannot be read or every page is drawn alike.
fn first_page_differing(stated: &[u8], redrawn: &[u8]) -> Option<usize> {
    let stated = lopdf::Document::load_mem(stated).ok()?;
    let redrawn = lopdf::Document::load_mem(redrawn).ok()?;
    let content = |document: &lopdf::Document, id| document.get_page_content(id);
    let stated_pages: Vec<_> = stated.get_pages().into_values().collect();
    let redrawn_pages: Vec<_> = redrawn.get_pages().into_values().collect();
    let pages = stated_pages.len().max(redrawn_pages.len());
    (0..pages).find_map(|index| {
        let one = stated_pages.get(index).map(|&id| content(&stated, id));
        let other = redrawn_pages.get(index).map(|&id| content(&redrawn, id));
        (one != other).then_some(index + 1)
    })
}

/// Every match score the included review stores, by every recognizer it holds, must be what
/// that recognizer's embeddings give: the same search the analysis ran
/// ([`lineup_core::matching::search_by`], at the review's top-k) of each face's embedding against
/// the watchlist's enrolment embeddings by that recognizer, on its metric. A face keeps as many
/// candidates as that search gives (top-k, or fewer when the watchlist has fewer identities):
/// one with fewer or more was edited, so the comparison is at the search's length, not the
/// stored one (an emptied row would otherwise hide an alert and match).
fn score_differences(document: &lineup_core::review::ReviewDocument) -> Vec<Difference> {
    let mut differences = Vec::new();
    for recognizer in 0..=document.other_recognizers.len() {
        // `load` refuses a run that does not fit the review, so every view exists.
        let Some(view) = document.as_seen_by(recognizer) else {
            continue;
        };
        let whose = match recognizer {
            0 => "the".to_owned(),
            k => format!("{}'s", document.other_recognizers[k - 1].model.name),
        };
        let place = |index: usize| match recognizer {
            0 => format!("detections[{index}].candidates"),
            k => format!("other_recognizers[{}].faces[{index}].candidates", k - 1),
        };
        for (index, detection) in view.detections.iter().enumerate() {
            if let Some(searched) = view.search_unlike_stored(detection) {
                let place = place(index);
                differences.push(Difference {
                    figure: format!(
                        "{whose} candidates of face {index} (input {}, frame {}; {place})",
                        detection.source.input, detection.source.frame_index
                    ),
                    place,
                    stated: show_candidates(&detection.candidates),
                    recomputed: format!("{} (from the embeddings)", show_candidates(&searched)),
                });
            }
        }
    }
    differences
}

/// How far a re-run's score may be from the recorded one: another machine's ONNX Runtime may
/// round differently in the last digits, never by this much.
const RERUN_SCORE_TOLERANCE: f32 = 1e-4;

/// Compares a review written by running the README's `lineup analyze` command again with the
/// bundle's evidence, face by face: the input (by SHA-256 where recorded, else by file name), the
/// frame, the best watchlist identity (by name) and its score. Gives how many faces matched.
pub fn compare_rerun(
    path: &Path,
    recomputed: &Recomputed,
    rerun_path: &Path,
) -> Result<usize, RecomputeError> {
    let rerun = lineup_core::review::load(rerun_path).map_err(|e| RecomputeError::Rerun {
        rerun: rerun_path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let mut differences = rerun_recognizer_differences(&recomputed.evidence, &rerun);
    differences.extend(rerun_differences(&recomputed.evidence, &rerun));
    differences.extend(rerun_every_recognizer_differences(
        &recomputed.evidence,
        &rerun,
    ));
    differences.extend(rerun_track_differences(&recomputed.evidence, &rerun));
    differences.extend(rerun_label_differences(&recomputed.evidence, &rerun));
    differences.extend(rerun_one_to_one_differences(&recomputed.evidence, &rerun));
    differences.extend(rerun_near_duplicate_differences(
        &recomputed.evidence,
        &rerun,
    ));
    if differences.is_empty() {
        Ok(recomputed.evidence.faces.len())
    } else {
        Err(RecomputeError::RerunDiffers {
            path: path.to_path_buf(),
            rerun: rerun_path.to_path_buf(),
            differences,
        })
    }
}

/// Where the re-run's recognizers differ from the bundle's: the same models (by name and
/// SHA-256) in the same order, since the first is the one every other is compared against. A
/// re-run of fewer models would leave the signed comparison tied to nothing.
pub fn rerun_recognizer_differences(
    evidence: &Evidence,
    rerun: &lineup_core::review::ReviewDocument,
) -> Vec<Difference> {
    use lineup_core::vision::{ModelRecord, ModelRole};
    let stated: Vec<&ModelRecord> = evidence
        .analysis
        .models
        .iter()
        .filter(|model| model.role != ModelRole::Detector)
        .take(1)
        .chain(evidence.other_recognizers.iter().map(|other| &other.model))
        .collect();
    let rerun_models: Vec<&ModelRecord> = rerun
        .recognizer()
        .into_iter()
        .chain(rerun.other_recognizers.iter().map(|run| &run.model))
        .collect();
    let identity = |model: &&ModelRecord| (model.name.clone(), model.sha256.clone());
    if stated
        .iter()
        .map(identity)
        .eq(rerun_models.iter().map(identity))
    {
        return Vec::new();
    }
    let show = |models: &[&ModelRecord]| {
        if models.is_empty() {
            return "no recognizer".to_owned();
        }
        models
            .iter()
            .map(|model| format!("{} (SHA-256 {})", model.name, model.sha256))
            .collect::<Vec<_>>()
            .join(", then ")
    };
    vec![Difference {
        figure: "the recognizers, in order".to_owned(),
        place: "analysis.models and other_recognizers".to_owned(),
        stated: show(&stated),
        recomputed: show(&rerun_models),
    }]
}

/// For an evaluation set, where the re-run's labels (which `lineup evaluate` gives from where
/// each photo lies and from people.csv) differ from the bundle's: its labels and identities'
/// attributes, or, where the bundle says labels were changed after `lineup evaluate`, the
/// labels its protocol records evaluate gave. People not on the watchlist are compared as
/// pseudonyms: the same person in one must be the same person in the other.
pub fn rerun_label_differences(
    evidence: &Evidence,
    rerun: &lineup_core::review::ReviewDocument,
) -> Vec<Difference> {
    let Some(protocol) = &evidence.evaluation else {
        return Vec::new();
    };
    let said_changed = evidence
        .document()
        .ok()
        .and_then(|document| document.label_changes_since_evaluate())
        .is_some_and(|changes| changes.searches > 0);
    let rerun_evidence = Evidence::of(rerun, evidence.threshold);
    let rerun_labels: Vec<EvaluatedLabel> =
        rerun_evidence.tracks.iter().map(evaluated_label).collect();
    let (stated, identities, whose) = if said_changed {
        (
            protocol.labels.clone(),
            &protocol.identity_attributes,
            "the label lineup evaluate gave, as the protocol records it,",
        )
    } else {
        (
            evidence.tracks.iter().map(evaluated_label).collect(),
            &evidence.identity_attributes,
            "the label",
        )
    };
    let mut differences = differences_in(
        "identity_attributes",
        identities,
        &rerun_evidence.identity_attributes,
    );
    let show = |label: Option<&EvaluatedLabel>, watchlist: &[String]| {
        label.map_or("no label".to_owned(), |label| show_label(label, watchlist))
    };
    let stated_by_track: BTreeMap<u32, &EvaluatedLabel> =
        stated.iter().map(|label| (label.track, label)).collect();
    let rerun_by_track: BTreeMap<u32, &EvaluatedLabel> = rerun_labels
        .iter()
        .map(|label| (label.track, label))
        .collect();
    let mut same_person = PersonPairing::default();
    let tracks: std::collections::BTreeSet<u32> = stated_by_track
        .keys()
        .chain(rerun_by_track.keys())
        .copied()
        .collect();
    for track in tracks {
        let (a, b) = (stated_by_track.get(&track), rerun_by_track.get(&track));
        let same = match (a, b) {
            (Some(a), Some(b)) => {
                a.label == b.label
                    && a.attributes == b.attributes
                    && same_person.pair(a.person.as_deref(), b.person.as_deref())
            }
            _ => false,
        };
        if !same {
            differences.push(Difference {
                figure: format!("{whose} of track {track}"),
                place: format!("tracks[id {track}]"),
                stated: show(a.copied(), &evidence.watchlist),
                recomputed: show(b.copied(), &rerun_evidence.watchlist),
            });
        }
    }
    differences
}

fn evaluated_label(track: &evidence::LabelledTrack) -> EvaluatedLabel {
    EvaluatedLabel {
        track: track.id,
        label: track.label,
        person: track.person.clone(),
        attributes: track.attributes.clone(),
    }
}

fn show_label(label: &EvaluatedLabel, watchlist: &[String]) -> String {
    let who = match label.label {
        GroundTruth::OnWatchlist(id) => format!(
            "on the watchlist as {}",
            watchlist
                .get(id.index())
                .map_or("(no such identity)", String::as_str)
        ),
        GroundTruth::NotOnWatchlist => format!(
            "not on the watchlist, {}",
            label.person.as_deref().unwrap_or("(no person)")
        ),
        other => format!("{other:?}"),
    };
    let attributes: Vec<String> = label
        .attributes
        .iter()
        .map(|(name, value)| format!("{name} {value}"))
        .collect();
    format!("{who} ({})", attributes.join(", "))
}

/// Pairs the pseudonyms of two bundles one to one: each name in the one stands for one name in
/// the other.
#[derive(Default)]
struct PersonPairing {
    forward: BTreeMap<String, String>,
    backward: BTreeMap<String, String>,
}

impl PersonPairing {
    /// Whether `a` and `b` can be the same person, given the pairs seen; pairs them if so.
    fn pair(&mut self, a: Option<&str>, b: Option<&str>) -> bool {
        let (a, b) = match (a, b) {
            (None, None) => return true,
            (Some(a), Some(b)) => (a.to_owned(), b.to_owned()),
            _ => return false,
        };
        let forward = self.forward.entry(a.clone()).or_insert_with(|| b.clone());
        let backward = self.backward.entry(b.clone()).or_insert_with(|| a.clone());
        *forward == b && *backward == a
    }
}

/// For an evaluation set, the 1:1 table recomputed from the re-run's embeddings (its watchlist
/// photos' and its searches'), with the bundle's labels, attributes and slicing on the re-run's
/// tracks of the same id, at the report's threshold, by the code the report was made with:
/// where it differs from the signed table, the signed table does not follow from the photos.
pub fn rerun_one_to_one_differences(
    evidence: &Evidence,
    rerun: &lineup_core::review::ReviewDocument,
) -> Vec<Difference> {
    if evidence.evaluation.is_none() || evidence.verification.is_none() {
        return Vec::new();
    }
    let labels: BTreeMap<u32, &evidence::LabelledTrack> = evidence
        .tracks
        .iter()
        .map(|track| (track.id, track))
        .collect();
    let mut document = rerun.clone();
    document.attribute_schema = evidence.attribute_schema.clone();
    document.slicing = evidence.slicing.clone();
    document.identity_attributes = evidence.identity_attributes.clone();
    for track in &mut document.tracks {
        match labels.get(&track.id) {
            Some(labelled) => {
                track.label = labelled.label;
                track.person = labelled.person.clone();
                track.attributes = labelled.attributes.clone();
            }
            None => track.label = GroundTruth::Unlabelled,
        }
    }
    let recomputed = super::report::one_to_one(&document, evidence.threshold);
    differences_in("verification", &evidence.verification, &recomputed)
}

/// An evaluation's near-duplicate pairs as a set, each pair in either order the same.
fn near_duplicate_set(pairs: &[NearDuplicate]) -> BTreeSet<(PathBuf, PathBuf)> {
    pairs
        .iter()
        .map(|pair| {
            let (a, b) = (pair.first.clone(), pair.second.clone());
            if a <= b { (a, b) } else { (b, a) }
        })
        .collect()
}

/// Each pair in `stated` but not `recomputed` (dropped) and the other way round (added), as
/// differences named after `whose` list (the protocol's) and `by` what gave the other.
fn near_duplicate_list_differences(
    stated: &[NearDuplicate],
    recomputed: &[NearDuplicate],
    by: &str,
) -> Vec<Difference> {
    let (stated, recomputed) = (near_duplicate_set(stated), near_duplicate_set(recomputed));
    let show = |(a, b): &(PathBuf, PathBuf)| format!("{} and {}", a.display(), b.display());
    let dropped = recomputed.difference(&stated).map(|pair| Difference {
        figure: format!(
            "the near-duplicate pair {} ({by} gives it; the protocol's list leaves it out)",
            show(pair)
        ),
        place: "evaluation.near_duplicates".to_owned(),
        stated: "(not listed)".to_owned(),
        recomputed: show(pair),
    });
    let added = stated.difference(&recomputed).map(|pair| Difference {
        figure: format!(
            "the near-duplicate pair {} (the protocol lists it; {by} does not give it)",
            show(pair)
        ),
        place: "evaluation.near_duplicates".to_owned(),
        stated: show(pair),
        recomputed: "(not a near-duplicate)".to_owned(),
    });
    dropped.chain(added).collect()
}

/// Where an evaluation review's near-duplicate list is not the one its photos' embeddings give
/// at the bound it records (`load` has checked the bound against the recognizer's manifest
/// entry): a pair dropped from the list, or one added.
fn near_duplicate_differences(document: &lineup_core::review::ReviewDocument) -> Vec<Difference> {
    let Some(protocol) = &document.evaluation_protocol else {
        return Vec::new();
    };
    let Some(bound) = protocol.near_duplicate_bound else {
        return Vec::new();
    };
    near_duplicate_list_differences(
        &protocol.near_duplicates,
        &document.near_duplicate_pairs(bound),
        "the photos' embeddings at the recorded bound",
    )
}

/// Where the evidence's near-duplicate bound and list differ from a re-run's (a list emptied or
/// a bound changed before signing, which the evidence alone cannot show).
pub fn rerun_near_duplicate_differences(
    evidence: &Evidence,
    rerun: &lineup_core::review::ReviewDocument,
) -> Vec<Difference> {
    let (Some(stated), Some(again)) = (&evidence.evaluation, &rerun.evaluation_protocol) else {
        return Vec::new();
    };
    // The evidence names people not on the watchlist by pseudonym; the re-run by the set's
    // folders, so its list is named as its own bundle would name it.
    let again = super::report::Pseudonyms::of(rerun).protocol(again);
    let mut differences = Vec::new();
    if stated.near_duplicate_bound != again.near_duplicate_bound {
        let show = |bound: Option<f32>| bound.map_or("none".to_owned(), |b| b.to_string());
        differences.push(Difference {
            figure: "the evaluation's near-duplicate bound (a lineup score)".to_owned(),
            place: "evaluation.near_duplicate_bound".to_owned(),
            stated: show(stated.near_duplicate_bound),
            recomputed: format!("{} (the re-run)", show(again.near_duplicate_bound)),
        });
    }
    differences.extend(near_duplicate_list_differences(
        &stated.near_duplicates,
        &again.near_duplicates,
        "the re-run",
    ));
    differences
}

/// An input without a recorded SHA-256 by its file name alone: a re-run in another folder
/// names the same file by another path.
fn file_name(path: &Path) -> String {
    path.file_name()
        .unwrap_or(path.as_os_str())
        .to_string_lossy()
        .into_owned()
}

/// Where a re-run review differs from the evidence, face by face.
pub fn rerun_differences(
    evidence: &Evidence,
    rerun: &lineup_core::review::ReviewDocument,
) -> Vec<Difference> {
    let recorded_input = |input: usize| {
        evidence
            .analysis
            .inputs
            .get(input)
            .map(|i| i.sha256.clone().unwrap_or_else(|| file_name(&i.path)))
    };
    let rerun_input = |input: usize| {
        rerun.inputs.get(input).map(|i| {
            i.digest
                .as_ref()
                .map(|d| d.sha256.clone())
                .unwrap_or_else(|| file_name(&i.path))
        })
    };
    let recorded_name = |face: &evidence::Face| {
        face.rank_one
            .and_then(|c| evidence.watchlist.get(c.identity.index()).cloned())
    };
    let mut differences = Vec::new();
    if evidence.faces.len() != rerun.detections.len() {
        differences.push(Difference {
            figure: "the number of faces found".to_owned(),
            place: "faces.count".to_owned(),
            stated: evidence.faces.len().to_string(),
            recomputed: rerun.detections.len().to_string(),
        });
    }
    for (index, (face, detection)) in evidence.faces.iter().zip(&rerun.detections).enumerate() {
        let rank_one = detection.candidates.first();
        let rerun_name = rank_one
            .and_then(|c| rerun.watchlist.identities.get(c.identity.index()))
            .map(|identity| identity.name.clone());
        let score_differs = match (face.rank_one, rank_one) {
            (Some(a), Some(b)) => (a.score - b.score).abs() > RERUN_SCORE_TOLERANCE,
            (a, b) => a.is_some() != b.is_some(),
        };
        let differs = recorded_input(face.input) != rerun_input(detection.source.input)
            || face.frame != detection.source.frame_index
            || recorded_name(face) != rerun_name
            || score_differs;
        if differs {
            let show =
                |input: Option<String>, frame: u64, name: Option<String>, score: Option<f32>| {
                    format!(
                        "input {}, frame {frame}, best {} scoring {}",
                        input.unwrap_or_else(|| "(none)".into()),
                        name.unwrap_or_else(|| "(none)".into()),
                        score.map_or("(none)".to_owned(), |s| s.to_string())
                    )
                };
            differences.push(Difference {
                figure: format!("face {index}"),
                place: format!("faces[{index}]"),
                stated: show(
                    recorded_input(face.input),
                    face.frame,
                    recorded_name(face),
                    face.rank_one.map(|c| c.score),
                ),
                recomputed: show(
                    rerun_input(detection.source.input),
                    detection.source.frame_index,
                    rerun_name,
                    rank_one.map(|c| c.score),
                ),
            });
        }
    }
    differences
}

/// Where the re-run, seen by each recognizer in turn (`as_seen_by`: one rule for every
/// model), gives another threshold than the evidence records for it, or, for every recognizer
/// after the first, another best candidate (by name) or score (within the tolerance
/// [`rerun_differences`] allows the first, whose faces it compares with their input and
/// frame) for a face (#20, finding 2). `lineup analyze` gives every recognizer after the first
/// its default threshold, and the re-run command can state no other, so a bundle whose other
/// threshold was moved is named here. Compared only where the recognizers and the number of
/// faces agree: [`rerun_recognizer_differences`] and [`rerun_differences`] name any other.
pub fn rerun_every_recognizer_differences(
    evidence: &Evidence,
    rerun: &lineup_core::review::ReviewDocument,
) -> Vec<Difference> {
    let own = evidence.faces.iter().map(|face| face.rank_one).collect();
    let recorded = std::iter::once((evidence.analysis.settings.threshold, own)).chain(
        evidence
            .other_recognizers
            .iter()
            .map(|other| (other.threshold, other.faces.clone())),
    );
    let recorded: Vec<(f32, Vec<Option<lineup_core::matching::Candidate>>)> = recorded.collect();
    if recorded.len() != rerun.recognizer_count() || evidence.faces.len() != rerun.detections.len()
    {
        return Vec::new();
    }
    let mut differences = Vec::new();
    for (recognizer, (threshold, faces)) in recorded.into_iter().enumerate() {
        let Some(view) = rerun.as_seen_by(recognizer) else {
            continue;
        };
        let name = view.recognizer().map_or(String::new(), |m| m.name.clone());
        let metric = view.score_metric();
        let place = match recognizer {
            0 => "analysis.settings".to_owned(),
            k => format!("other_recognizers[{}]", k - 1),
        };
        if (threshold - view.settings.threshold).abs() > RERUN_SCORE_TOLERANCE {
            let show = |t: f32| format!("{t} ({} {})", metric.name(), metric.own_value(t));
            differences.push(Difference {
                figure: format!("{name}'s threshold"),
                place: format!("{place}.threshold"),
                stated: show(threshold),
                recomputed: show(view.settings.threshold),
            });
        }
        if recognizer == 0 {
            continue;
        }
        for (index, (stated, detection)) in faces.iter().zip(&view.detections).enumerate() {
            let found = detection.candidates.first();
            let same = match (stated, found) {
                (Some(a), Some(b)) => {
                    evidence.watchlist.get(a.identity.index())
                        == view
                            .watchlist
                            .identities
                            .get(b.identity.index())
                            .map(|i| &i.name)
                        && (a.score - b.score).abs() <= RERUN_SCORE_TOLERANCE
                }
                (a, b) => a.is_none() && b.is_none(),
            };
            if !same {
                let show = |best: Option<&lineup_core::matching::Candidate>,
                            names: &dyn Fn(usize) -> Option<String>| {
                    best.map_or("no candidate".to_owned(), |c| {
                        let who = names(c.identity.index());
                        format!(
                            "best {} scoring {}",
                            who.unwrap_or_else(|| "(no such identity)".into()),
                            c.score
                        )
                    })
                };
                differences.push(Difference {
                    figure: format!("{name}'s best candidate of face {index}"),
                    place: format!("{place}.faces[{index}]"),
                    stated: show(stated.as_ref(), &|i| evidence.watchlist.get(i).cloned()),
                    recomputed: show(found, &|i| {
                        view.watchlist.identities.get(i).map(|x| x.name.clone())
                    }),
                });
            }
        }
    }
    differences
}

/// A face as a re-run can find it again: its input (SHA-256, else file name), its frame, and
/// its place among the faces of that frame (the detector's order).
type FaceKey = (String, u64, usize);

/// Each face's key, in the order given: `faces` are (input, frame) pairs.
fn face_keys(faces: impl Iterator<Item = (Option<String>, u64)>) -> Vec<FaceKey> {
    let mut seen: BTreeMap<(String, u64), usize> = BTreeMap::new();
    faces
        .map(|(input, frame)| {
            let input = input.unwrap_or_else(|| "(no input)".to_owned());
            let order = seen.entry((input.clone(), frame)).or_insert(0);
            let key = (input, frame, *order);
            *order += 1;
            key
        })
        .collect()
}

fn show_face(key: &FaceKey) -> String {
    let (input, frame, order) = key;
    let input: String = input.chars().take(12).collect();
    format!("input {input}… frame {frame} face {}", order + 1)
}

fn show_faces(keys: &[&FaceKey]) -> String {
    const LISTED: usize = 4;
    let mut text = keys
        .iter()
        .take(LISTED)
        .map(|key| show_face(key))
        .collect::<Vec<_>>()
        .join(", ");
    if keys.len() > LISTED {
        text.push_str(&format!(" and {} more", keys.len() - LISTED));
    }
    text
}

/// Where two partitions of the same faces into tracks differ: each `stated` track whose faces
/// `other` splits into several tracks, or puts in a track that also holds other faces, named
/// with `other`'s tracks. Both are (track id, face keys).
fn track_structure_differences(
    stated: &[(u32, Vec<FaceKey>)],
    other: &[(u32, Vec<FaceKey>)],
    other_name: &str,
) -> Vec<Difference> {
    let track_of: BTreeMap<&FaceKey, usize> = other
        .iter()
        .enumerate()
        .flat_map(|(index, (_, faces))| faces.iter().map(move |face| (face, index)))
        .collect();
    let mut differences = Vec::new();
    for (id, faces) in stated {
        let mut parts: BTreeMap<Option<usize>, Vec<&FaceKey>> = BTreeMap::new();
        for face in faces {
            parts
                .entry(track_of.get(face).copied())
                .or_default()
                .push(face);
        }
        let whole = match parts.keys().collect::<Vec<_>>().as_slice() {
            [Some(index)] => other[*index].1.len() == faces.len(),
            _ => false,
        };
        if whole {
            continue;
        }
        let shown = parts
            .iter()
            .map(|(index, part)| match index {
                Some(index) => {
                    let (other_id, all) = &other[*index];
                    let extra = all.len() - part.len();
                    let also = if extra > 0 {
                        format!(", with {extra} face(s) of other tracks")
                    } else {
                        String::new()
                    };
                    format!("its track {other_id} ({}{also})", show_faces(part))
                }
                None => format!("no track ({})", show_faces(part)),
            })
            .collect::<Vec<_>>()
            .join("; ");
        differences.push(Difference {
            figure: format!(
                "track {id} of the bundle holds faces that {other_name} puts in {} track(s)",
                parts.len()
            ),
            place: format!("tracks[id {id}]"),
            stated: format!("{} face(s) in one track", faces.len()),
            recomputed: shown,
        });
    }
    differences
}

/// The evidence's tracks (labelled and other), each as its faces' keys.
fn evidence_tracks(evidence: &Evidence) -> Vec<(u32, Vec<FaceKey>)> {
    let keys = face_keys(evidence.faces.iter().map(|face| {
        let input = evidence.analysis.inputs.get(face.input);
        (
            input.map(|i| i.sha256.clone().unwrap_or_else(|| file_name(&i.path))),
            face.frame,
        )
    }));
    let faces_of = |faces: &[lineup_core::ids::DetectionId]| {
        faces
            .iter()
            .filter_map(|face| keys.get(face.index()).cloned())
            .collect()
    };
    evidence
        .tracks
        .iter()
        .map(|track| (track.id, faces_of(&track.faces)))
        .chain(
            evidence
                .other_tracks
                .iter()
                .map(|track| (track.id, faces_of(&track.faces))),
        )
        .collect()
}

/// A review's tracks, each as its faces' keys.
fn review_tracks(
    document: &lineup_core::review::ReviewDocument,
    tracks: &[lineup_core::review::Track],
) -> Vec<(u32, Vec<FaceKey>)> {
    let keys = face_keys(document.detections.iter().map(|detection| {
        let input = document.inputs.get(detection.source.input);
        (
            input.map(|i| {
                i.digest
                    .as_ref()
                    .map(|d| d.sha256.clone())
                    .unwrap_or_else(|| file_name(&i.path))
            }),
            detection.source.frame_index,
        )
    }));
    tracks
        .iter()
        .map(|track| {
            let faces = track
                .detections
                .iter()
                .filter_map(|face| keys.get(face.index()).cloned())
                .collect();
            (track.id, faces)
        })
        .collect()
}

/// Where the re-run's tracks differ from the evidence's: which faces form each track. A track
/// merged, split, or a face moved to another track changes which searches the rates count.
pub fn rerun_track_differences(
    evidence: &Evidence,
    rerun: &lineup_core::review::ReviewDocument,
) -> Vec<Difference> {
    track_structure_differences(
        &evidence_tracks(evidence),
        &review_tracks(rerun, &rerun.tracks),
        "the re-run",
    )
}

/// The included review's tracks against the tracker run again on its faces (boxes and
/// embeddings, by the function the analysis uses), and against the evidence's tracks.
fn retracked_differences(
    document: &lineup_core::review::ReviewDocument,
    evidence: &Evidence,
) -> Vec<Difference> {
    let mut retracked = document.clone();
    retracked.rebuild_tracks();
    let stated = review_tracks(document, &document.tracks);
    let mut differences = track_structure_differences(
        &stated,
        &review_tracks(&retracked, &retracked.tracks),
        "the tracker run again on review.ron",
    );
    differences.extend(track_structure_differences(
        &evidence_tracks(evidence),
        &stated,
        REVIEW_FILE,
    ));
    differences
}

/// Tracks the tracker never makes, by the rule `review::load` applies
/// ([`lineup_core::review::ReviewDocument::impossible_tracks`]), each in words.
fn impossible_tracks(evidence: &Evidence) -> Result<Vec<String>, EvidenceError> {
    Ok(evidence.document()?.impossible_tracks())
}

/// The included review (`bytes`, its sidecar among `files`) recomputed as the evidence is,
/// after checking it is the review the report names.
fn review_differences(
    path: &Path,
    files: &BTreeMap<String, Vec<u8>>,
    bytes: &[u8],
    report: &Report,
    evidence: &Evidence,
) -> Result<Vec<Difference>, RecomputeError> {
    let actual = hex(&Sha256::digest(bytes));
    if actual != report.reproduce.review_sha256 {
        return Err(RecomputeError::OtherReview {
            path: path.to_path_buf(),
            actual,
            stated: report.reproduce.review_sha256.clone(),
        });
    }
    let unreadable = |reason: String| RecomputeError::Evidence {
        path: path.to_path_buf(),
        source: EvidenceError::Unreadable {
            file: REVIEW_FILE.to_owned(),
            reason,
        },
    };
    let text = std::str::from_utf8(bytes).map_err(|_| unreadable("not UTF-8 text".into()))?;
    let document = lineup_core::review::parse_with_sidecar(Path::new(REVIEW_FILE), text, |name| {
        verify::bundled(files, name)
    })
    .map_err(|e| unreadable(e.to_string()))?;
    let mut differences = score_differences(&document);
    differences.extend(near_duplicate_differences(&document));
    differences.extend(retracked_differences(&document, evidence));
    let recomputed = evidence::recompute_from(
        &document,
        report.system.threshold,
        &evidence.crowd_scenarios,
    );
    differences.extend(figure_differences(report, &recomputed));
    Ok(differences)
}

/// The figures the report states that the data gives, as (name, value) pairs in the report's
/// shape: the findings, the detection counts, and each input's faces and alerts.
fn stated_figures(report: &Report) -> impl Iterator<Item = (String, Value)> {
    let inputs: Vec<(u64, u64)> = report
        .data
        .inputs
        .iter()
        .map(|input| (input.faces, input.alerts))
        .collect();
    let mut leaves = Vec::new();
    for (name, value) in [
        ("findings", as_value(&report.findings)),
        ("detections", as_value(&report.detections)),
        ("inputs", as_value(&inputs)),
        (
            "false_alerts_per_day",
            as_value(&report.false_alerts_per_day),
        ),
        ("tracks", as_value(&report.tracks)),
        ("verification", as_value(&report.verification)),
        ("comparison", as_value(&report.comparison)),
        ("labels_changed", as_value(&report.labels_changed)),
        ("incomplete", as_value(&report.incomplete)),
    ] {
        collect_leaves(name.to_owned(), &value, &mut leaves);
    }
    leaves.into_iter()
}

/// Every figure of the report that differs from the recomputed one.
pub fn figure_differences(report: &Report, recomputed: &Recomputation) -> Vec<Difference> {
    let faces_and_alerts = |inputs: &[super::report::InputSummary]| -> Vec<(u64, u64)> {
        inputs
            .iter()
            .map(|input| (input.faces, input.alerts))
            .collect()
    };
    let mut differences = Vec::new();
    differences.extend(differences_in(
        "findings",
        &report.findings,
        &recomputed.findings,
    ));
    differences.extend(differences_in(
        "detections",
        &report.detections,
        &recomputed.detections,
    ));
    differences.extend(differences_in(
        "inputs",
        &faces_and_alerts(&report.data.inputs),
        &faces_and_alerts(&recomputed.data.inputs),
    ));
    differences.extend(differences_in(
        "false_alerts_per_day",
        &report.false_alerts_per_day,
        &recomputed.false_alerts_per_day,
    ));
    differences.extend(differences_in("tracks", &report.tracks, &recomputed.tracks));
    differences.extend(differences_in(
        "verification",
        &report.verification,
        &recomputed.verification,
    ));
    differences.extend(differences_in(
        "comparison",
        &report.comparison,
        &recomputed.comparison,
    ));
    differences.extend(differences_in(
        "labels_changed",
        &report.labels_changed,
        &recomputed.labels_changed,
    ));
    // The figures a reader looks at first come first; the points of a DET curve last.
    // Within each, counts and rates before their intervals.
    differences.sort_by_key(|difference| {
        let headline = [".k", ".n", ".rate"]
            .iter()
            .any(|end| difference.place.ends_with(end));
        (reading_order(&difference.place), !headline)
    });
    differences
}

/// Where a figure comes in the list of differences: the groups' and the pooled rates, then the
/// counts, the ratios between groups, the crowd estimates, the cautions, the DET curves.
fn reading_order(place: &str) -> u8 {
    [
        "findings.slices",
        "findings.pooled",
        "detections",
        "inputs",
        "findings.differentials",
        "findings.scenarios",
        "false_alerts_per_day",
        "tracks",
        "verification",
        "comparison",
        "evidence.comparison",
        "findings.warnings",
        "findings.det_curves",
    ]
    .iter()
    .position(|start| place.starts_with(start))
    .map_or(4, |position| position as u8)
}

/// Evidence of an evaluation set from version 4 on carries the 1:1 table wherever the
/// findings can be measured: one without it had the table taken out (of the report too, or
/// the report would differ from it), which would hide the table no figure check could miss.
fn missing_one_to_one(evidence: &Evidence, recomputed: &Recomputation) -> Vec<Difference> {
    let expected = evidence.evidence_version >= 4
        && evidence.evaluation.is_some()
        && recomputed.findings.is_some();
    if !expected || evidence.verification.is_some() {
        return Vec::new();
    }
    vec![Difference {
        figure: "the 1:1 table of the evaluation set (verification), which evidence of an \
                 evaluation set carries"
            .to_owned(),
        place: "verification".to_owned(),
        stated: "nothing".to_owned(),
        recomputed: "a table for every group".to_owned(),
    }]
}

/// An evaluation set's protocol states its mated and non-mated searches; where it records the
/// labels lineup evaluate gave, those labels must give the same counts (the report's changed
/// labels are counted against that record).
fn protocol_count_differences(evidence: &Evidence) -> Vec<Difference> {
    let Some(protocol) = evidence
        .evaluation
        .as_ref()
        .filter(|p| !p.labels.is_empty())
    else {
        return Vec::new();
    };
    let mated = protocol
        .labels
        .iter()
        .filter(|label| matches!(label.label, GroundTruth::OnWatchlist(_)))
        .count();
    let non_mated = protocol
        .labels
        .iter()
        .filter(|label| label.label == GroundTruth::NotOnWatchlist)
        .count();
    [
        ("mated", "mated_searches", protocol.mated_searches, mated),
        (
            "non-mated",
            "non_mated_searches",
            protocol.non_mated_searches,
            non_mated,
        ),
    ]
    .into_iter()
    .filter(|(_, _, stated, recorded)| stated != recorded)
    .map(|(kind, field, stated, recorded)| Difference {
        figure: format!(
            "the protocol's {kind} searches, against the labels it records lineup evaluate gave"
        ),
        place: format!("evaluation.{field}"),
        stated: stated.to_string(),
        recomputed: recorded.to_string(),
    })
    .collect()
}

/// What the report says follows from its own text: the parts still to write (whether it is a
/// DRAFT) are those the assessment text in it lacks, by the function the report was made with.
fn text_differences(report: &Report) -> Vec<Difference> {
    differences_in(
        "incomplete",
        &report.incomplete,
        &drafting::missing_parts(
            &report.assessment,
            drafting::report_day(&report.generated_at),
        ),
    )
}

/// What the report and the evidence both record must agree: the threshold, the analysis
/// settings and models, the watchlist and its photos, the inputs (hashes, sizes, statuses),
/// whether the analysis completed, and the lineup that wrote both.
fn recorded_differences(report: &Report, evidence: &Evidence) -> Vec<Difference> {
    let analysis = &evidence.analysis;
    let watchlist: Vec<String> = report
        .data
        .watchlist
        .iter()
        .map(|entry| entry.name.clone())
        .collect();
    let photos: Vec<Vec<WatchlistPhoto>> = report
        .data
        .watchlist
        .iter()
        .map(|entry| entry.photos.clone())
        .collect();
    let mut differences = Vec::new();
    differences.extend(differences_in(
        "build",
        &(&report.lineup_version, &report.build),
        &(&evidence.written_by.version, &evidence.written_by),
    ));
    differences.extend(differences_in(
        "system.analysed_with",
        &report.system.analysed_with,
        &analysis.analysed_with,
    ));
    differences.extend(differences_in(
        "data.analysis_complete",
        &report.data.analysis_complete,
        &analysis.complete,
    ));
    differences.extend(differences_in(
        "data.watchlist_root",
        &report.data.watchlist_root,
        &analysis.watchlist_root,
    ));
    differences.extend(differences_in(
        "watchlist photos (path, SHA-256)",
        &photos,
        &evidence.watchlist_photos,
    ));
    differences.extend(differences_in(
        "threshold",
        &report.system.threshold,
        &evidence.threshold,
    ));
    differences.extend(differences_in(
        "settings",
        &report.system.settings,
        &analysis.settings,
    ));
    differences.extend(differences_in(
        "models",
        &report.system.models,
        &analysis.models,
    ));
    differences.extend(differences_in("watchlist", &watchlist, &evidence.watchlist));
    differences.extend(differences_in(
        "evaluation",
        &report.evaluation,
        &evidence.evaluation,
    ));
    let stated: Vec<_> = report
        .data
        .inputs
        .iter()
        .map(|i| (&i.path, &i.sha256, i.size_bytes, i.status.clone()))
        .collect();
    let recorded: Vec<_> = analysis
        .inputs
        .iter()
        .map(|i| (&i.path, &i.sha256, i.size_bytes, status_words(&i.status)))
        .collect();
    differences.extend(differences_in(
        "inputs (path, SHA-256, size, status)",
        &stated,
        &recorded,
    ));
    differences
}

/// The differences between `stated` and `recomputed`, named from `root`.
pub fn differences_in<T: Serialize + ?Sized>(
    root: &str,
    stated: &T,
    recomputed: &T,
) -> Vec<Difference> {
    let mut found = Vec::new();
    walk(
        &mut vec![root.to_owned()],
        &as_value(stated),
        &as_value(recomputed),
        &mut found,
    );
    found
}

/// `value` as `assessment.ron` writes it, read back as a RON value: numbers are compared as
/// written, so a figure read back from the report equals the one it was written from.
fn as_value<T: Serialize + ?Sized>(value: &T) -> Value {
    // Plain data always serialises, and RON reads back what it wrote.
    let text = ron::to_string(value).expect("report figures always serialise");
    ron::from_str(&text).expect("RON reads back what it writes")
}

/// Finds where `stated` and `recomputed` differ, below the place `path` names.
fn walk(path: &mut Vec<String>, stated: &Value, recomputed: &Value, found: &mut Vec<Difference>) {
    match (stated, recomputed) {
        (Value::Map(a), Value::Map(b)) => {
            let keys: Vec<&Value> = a
                .keys()
                .chain(b.keys().filter(|key| a.get(key).is_none()))
                .collect();
            for key in keys {
                path.push(field_name(key));
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => walk(path, x, y, found),
                    (x, y) => found.push(difference(path, x, y)),
                }
                path.pop();
            }
        }
        (Value::Seq(a), Value::Seq(b)) => {
            if a.len() != b.len() {
                path.push("count".to_owned());
                found.push(Difference {
                    figure: figure_name(path),
                    place: place(path),
                    stated: a.len().to_string(),
                    recomputed: b.len().to_string(),
                });
                path.pop();
            }
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                path.push(element_name(i, x));
                walk(path, x, y, found);
                path.pop();
            }
        }
        (Value::Option(Some(a)), Value::Option(Some(b))) => walk(path, a, b, found),
        (a, b) if a != b => found.push(difference(path, Some(a), Some(b))),
        _ => {}
    }
}

fn difference(path: &[String], stated: Option<&Value>, recomputed: Option<&Value>) -> Difference {
    let show = |value: Option<&Value>| match value {
        None => "nothing".to_owned(),
        Some(Value::Option(None)) => "none".to_owned(),
        Some(value) => {
            let text = ron::to_string(value).unwrap_or_else(|_| "(unprintable)".to_owned());
            shortened(&text)
        }
    };
    Difference {
        figure: figure_name(path),
        place: place(path),
        stated: show(stated),
        recomputed: show(recomputed),
    }
}

fn shortened(text: &str) -> String {
    const LONGEST: usize = 100;
    if text.chars().count() <= LONGEST {
        text.to_owned()
    } else {
        let start: String = text.chars().take(LONGEST).collect();
        format!("{start}...")
    }
}

/// Every leaf figure below `value`, with its place.
fn collect_leaves(path: String, value: &Value, leaves: &mut Vec<(String, Value)>) {
    match value {
        Value::Map(map) => {
            for (key, child) in map.iter() {
                collect_leaves(format!("{path}.{}", field_name(key)), child, leaves);
            }
        }
        Value::Seq(items) => {
            for (i, child) in items.iter().enumerate() {
                collect_leaves(format!("{path}{}", element_name(i, child)), child, leaves);
            }
        }
        Value::Option(Some(child)) => collect_leaves(path, child, leaves),
        other => leaves.push((path, other.clone())),
    }
}

fn field_name(key: &Value) -> String {
    match key {
        Value::String(name) => name.clone(),
        other => ron::to_string(other).unwrap_or_default(),
    }
}

/// A list element by its name where it has one (a group), else by its number.
fn element_name(index: usize, element: &Value) -> String {
    if let Value::Map(map) = element
        && let Some(Value::String(name)) = map.get(&Value::String("name".to_owned()))
    {
        return format!("[{name:?}]");
    }
    format!("[{index}]")
}

/// A figure in words, then its exact place in `assessment.ron`: `FPIR of group "Monk 7-10"
/// (findings.slices["Monk 7-10"].metrics.fpir.rate)`.
fn figure_name(path: &[String]) -> String {
    let place = place(path);
    let rate = path.iter().rev().find_map(|part| rate_name(part));
    let part = path.last().and_then(|last| part_name(last));
    let whose = whose(path);
    let whole = (path.len() == 1).then(|| whole_name(&path[0])).flatten();
    let words: Vec<&str> = [whole, rate, part, whose.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    if words.is_empty() {
        place
    } else {
        format!("{} ({place})", words.join(" "))
    }
}

/// The place `path` names in `assessment.ron`, written as a path into it.
fn place(path: &[String]) -> String {
    path.iter()
        .enumerate()
        .map(|(i, part)| {
            if i == 0 || part.starts_with('[') {
                part.clone()
            } else {
                format!(".{part}")
            }
        })
        .collect()
}

/// A whole part of the report compared at once (one side has it, the other not).
fn whole_name(root: &str) -> Option<&'static str> {
    Some(match root {
        "findings" => "the findings (every error rate measured from the labels)",
        "detections" => "the detection counts",
        "inputs" => "each input's faces and alerts",
        "verification" => "the 1:1 table (FMR and FNMR per group)",
        "comparison" | "evidence.comparison" => "the comparison of the recognizers",
        _ => return None,
    })
}

fn rate_name(part: &str) -> Option<&'static str> {
    Some(match part {
        "fpir" => "FPIR",
        "fnir" => "FNIR",
        "wrong_identity_alerts" => "wrong-identity alert rate",
        "flag_rate" => "flag rate",
        "fmr" => "FMR (1:1)",
        "fnmr" => "FNMR (1:1)",
        _ => return None,
    })
}

fn part_name(part: &str) -> Option<&'static str> {
    Some(match part {
        "k" => "count",
        "n" => "searches",
        "lower" => "95% interval, lower end,",
        "upper" => "95% interval, upper end,",
        "people" => "people",
        "count" => "number",
        _ => return None,
    })
}

/// The first evidence version whose comparison of recognizers has equal FPIR both ways.
const FIRST_MOVED_VERSION: u32 = 5;

/// Whose figure of the comparison of recognizers it is: which model's, at which threshold, in
/// which group or list (`comparison.models[1].equal_fpir.groups["female"].fpir.k`; a model's
/// `first_at_its_fpir` is the first model's, moved to that model's FPIR).
fn comparison_whose<'a>(
    path: &'a [String],
    after: impl Fn(&str) -> Option<&'a String>,
) -> Option<String> {
    let number =
        |part: Option<&String>| part.and_then(|p| p.trim_matches(['[', ']']).parse::<usize>().ok());
    let mut words = Vec::new();
    let first_moved = path.iter().any(|part| part == "first_at_its_fpir");
    match number(after("models")) {
        Some(model) if first_moved => words.push(format!(
            "of recognizer 1 moved to recognizer {}'s FPIR",
            model + 1
        )),
        Some(model) => words.push(format!("of recognizer {}", model + 1)),
        None => {}
    }
    if let Some(group) = after("groups") {
        words.push(format!("in group {}", group.trim_matches(['[', ']'])));
    } else if path.iter().any(|part| part == "all") {
        words.push("in all groups together".to_owned());
    }
    if path.iter().any(|part| part == "own") {
        words.push("at its own threshold".to_owned());
    } else if path.iter().any(|part| part == "equal_fpir") {
        words.push("at the first recognizer's FPIR".to_owned());
    }
    if let Some(list) = number(after("disagreements")) {
        words.push(format!(
            "in list {} of the face tracks two recognizers disagree on",
            list + 1
        ));
    }
    (!words.is_empty()).then(|| words.join(" "))
}

/// Whose figure it is: a group's, all groups', a crowd's.
fn whose(path: &[String]) -> Option<String> {
    let after = |name: &str| {
        path.iter()
            .position(|part| part == name)
            .and_then(|i| path.get(i + 1))
    };
    if path.first()?.ends_with("comparison") {
        return comparison_whose(path, after);
    }
    let group = after("slices")
        .or_else(|| after("per_slice"))
        .or_else(|| (path.first()? == "verification").then(|| after("groups"))?);
    if let Some(group) = group {
        return Some(format!("of group {}", group.trim_matches(['[', ']'])));
    }
    if let Some(group) = after("det_curves") {
        return Some(format!(
            "on the DET curve of group {}",
            group.trim_matches(['[', ']'])
        ));
    }
    if path.iter().any(|part| part == "pooled") {
        return Some("of all groups together".to_owned());
    }
    if let Some(scenario) = after("scenarios") {
        return Some(format!("in crowd scenario {scenario}"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::{DEFAULT_CROWD_SCENARIOS, Findings};
    use lineup_core::ids::IdentityId;
    use lineup_core::metrics::Search;

    /// Opposing expert P, finding 1: the protocol's mated and non-mated counts must be those
    /// of the labels it records lineup evaluate gave, or the report's evaluation paragraph
    /// contradicts its 1:N table.
    #[test]
    fn protocol_counts_that_its_recorded_labels_do_not_give_are_named() {
        use lineup_core::review::{AnalysisSettings, EvaluationProtocol, ReviewDocument};
        let label = |track: u32, label: GroundTruth| EvaluatedLabel {
            track,
            label,
            person: None,
            attributes: Default::default(),
        };
        let mut document = ReviewDocument::new(
            AnalysisSettings {
                threshold: 0.6,
                top_k: 5,
                vision: lineup_core::vision::VisionConfig::default(),
                sampling: Default::default(),
            },
            Vec::new(),
            Vec::new(),
            lineup_core::watchlist::Watchlist {
                root: "set".into(),
                identities: Vec::new(),
            },
        );
        let on = GroundTruth::OnWatchlist(IdentityId::at(0).unwrap());
        let mut protocol = EvaluationProtocol {
            set: "set".into(),
            set_sha256: String::new(),
            photos: 3,
            people: 2,
            enrol_share: 0.5,
            seed: 1,
            attributes: None,
            chosen: 1,
            enrolled: 1,
            mated_searches: 1,
            non_mated_searches: 1,
            skipped: Vec::new(),
            augmented: 0,
            enrolled_by_named_photo: None,
            near_duplicates: Vec::new(),
            near_duplicate_bound: Some(0.95),
            labels: vec![label(0, on), label(1, GroundTruth::NotOnWatchlist)],
            identity_attributes: Default::default(),
        };
        document.evaluation_protocol = Some(protocol.clone());
        assert_eq!(
            protocol_count_differences(&Evidence::of(&document, 0.6)),
            Vec::new()
        );
        protocol.mated_searches = 2;
        document.evaluation_protocol = Some(protocol);
        let differences = protocol_count_differences(&Evidence::of(&document, 0.6));
        assert_eq!(differences.len(), 1, "{differences:?}");
        assert!(
            differences[0].figure.contains("mated searches"),
            "{differences:?}"
        );
        assert_eq!(
            (
                differences[0].stated.as_str(),
                differences[0].recomputed.as_str()
            ),
            ("2", "1")
        );
    }

    /// Expert's finding 1 on issue #21: a face's candidates are compared with the search at
    /// the review's top-k, so an emptied row (a hidden alert) or one longer than the search
    /// gives is named, though every score it keeps is right.
    #[test]
    fn candidates_fewer_or_more_than_the_search_gives_are_named() {
        use lineup_core::review::{AnalysisSettings, DetectionRecord, ReviewDocument, SourceRef};
        use lineup_core::vision::Embedding;
        use lineup_core::watchlist::{EnrolmentPhoto, Identity, Watchlist};
        let unit = |i: usize| {
            let mut v = vec![0.0f32; 4];
            v[i] = 1.0;
            Embedding(v)
        };
        let identity = |i: usize| Identity {
            name: format!("person {i}"),
            photos: vec![EnrolmentPhoto {
                path: format!("{i}.jpg").into(),
                digest: lineup_core::digest::FileDigest {
                    sha256: String::new(),
                    size_bytes: 0,
                },
                bbox: Default::default(),
                detector_score: 0.9,
                embedding: unit(i),
            }],
        };
        let watchlist = Watchlist {
            root: "watchlist".into(),
            identities: vec![identity(0), identity(1), identity(2)],
        };
        let settings = AnalysisSettings {
            threshold: 0.6,
            top_k: 2,
            vision: lineup_core::vision::VisionConfig::default(),
            sampling: Default::default(),
        };
        let mut document = ReviewDocument::new(settings, Vec::new(), Vec::new(), watchlist);
        let embedding = Embedding(vec![0.8, 0.6, 0.0, 0.0]);
        let candidates = lineup_core::matching::search(&embedding, &document.watchlist, 2);
        assert_eq!(candidates.len(), 2);
        document.detections.push(DetectionRecord {
            source: SourceRef {
                input: 0,
                frame_index: 0,
                timestamp_s: 0.0,
            },
            bbox: Default::default(),
            landmarks: Default::default(),
            detector_score: 0.9,
            embedding,
            candidates: candidates.clone(),
            skin_ita: None,
            skin_ita_quartiles: None,
        });
        assert_eq!(score_differences(&document), Vec::new());
        for kept in [0, 1] {
            let mut cut = document.clone();
            cut.detections[0].candidates.truncate(kept);
            let differences = score_differences(&cut);
            assert_eq!(differences.len(), 1, "{differences:?}");
            assert!(
                differences[0]
                    .figure
                    .starts_with("the candidates of face 0")
                    && differences[0].recomputed.contains("identity 1 scoring"),
                "{differences:?}"
            );
        }
        let mut longer = document.clone();
        let third =
            lineup_core::matching::search(&longer.detections[0].embedding, &longer.watchlist, 3);
        longer.detections[0].candidates = third;
        assert_eq!(score_differences(&longer).len(), 1);
    }

    fn findings(labels: &[Option<u32>]) -> crate::MeasuredFindings {
        let searches = labels
            .iter()
            .enumerate()
            .map(|(i, truth)| Search {
                true_identity: truth.map(IdentityId),
                top_identity: Some(IdentityId(0)),
                top_score: 0.1 + 0.1 * i as f32,
                slice: i % 2,
                person: i as u32,
            })
            .collect();
        Findings::new(
            0.6,
            vec!["darker female".into(), "lighter male".into()],
            searches,
            DEFAULT_CROWD_SCENARIOS.to_vec(),
            "test",
        )
        .measure()
    }

    #[test]
    fn equal_figures_read_back_from_ron_have_no_difference() {
        let measured = Some(findings(&[None, None, Some(0), None, None, None, Some(0)]));
        let text = ron::ser::to_string_pretty(&measured, Default::default()).unwrap();
        let read: Option<crate::MeasuredFindings> = ron::from_str(&text).unwrap();
        assert!(differences_in("findings", &read, &measured).is_empty());
        // Floats that are not short decimals survive the trip too.
        for value in [0.1f64 + 0.2, 1.0 / 3.0, f64::MIN_POSITIVE, 1e300, -0.0] {
            assert!(differences_in("x", &value, &value).is_empty());
            let back: f64 = ron::from_str(&ron::to_string(&value).unwrap()).unwrap();
            assert_eq!(back.to_bits(), value.to_bits(), "{value}");
        }
        assert_eq!(
            differences_in("x", &(1.0f64 / 3.0), &(1.0f64 / 3.0 + 1e-16)).len(),
            1
        );
    }

    #[test]
    fn a_changed_label_is_named_by_rate_and_group() {
        let stated = Some(findings(&[None, None, None, None, None, None]));
        let changed = Some(findings(&[Some(0), None, None, None, None, None]));
        let differences = differences_in("findings", &stated, &changed);
        let named: Vec<String> = differences.iter().map(ToString::to_string).collect();
        let fpir_n = named
            .iter()
            .find(|d| d.starts_with("FPIR searches of group \"darker female\""))
            .unwrap_or_else(|| panic!("{named:#?}"));
        assert!(
            fpir_n.contains("(findings.slices[\"darker female\"].metrics.fpir.n)")
                && fpir_n.ends_with("the report says 3, recomputed 2"),
            "{fpir_n}"
        );
        assert!(
            named
                .iter()
                .any(|d| d.starts_with("FNIR searches of all groups together")),
            "{named:#?}"
        );
        // No difference is claimed in the other group's FPIR.
        assert!(
            !named
                .iter()
                .any(|d| d.starts_with("FPIR searches of group \"lighter male\"")),
            "{named:#?}"
        );
    }

    #[test]
    fn findings_that_appear_or_vanish_and_lists_of_other_length_are_named() {
        let some = Some(findings(&[None, Some(0)]));
        let differences = differences_in("findings", &None, &some);
        assert_eq!(differences.len(), 1);
        assert_eq!(differences[0].stated, "none");
        assert!(differences[0].recomputed.ends_with("..."));
        let differences = differences_in("inputs", &vec![(1u64, 0u64)], &vec![(1, 0), (2, 1)]);
        assert_eq!(differences[0].figure, "number (inputs.count)");
        assert_eq!(
            (
                differences[0].stated.as_str(),
                differences[0].recomputed.as_str()
            ),
            ("1", "2")
        );
    }

    #[test]
    fn every_stated_figure_is_counted() {
        let leaves: Vec<(String, Value)> = {
            let mut leaves = Vec::new();
            collect_leaves(
                "findings".into(),
                &as_value(&Some(findings(&[None, Some(0)]))),
                &mut leaves,
            );
            leaves
        };
        assert!(
            leaves
                .iter()
                .any(|(place, _)| place == "findings.slices[\"darker female\"].metrics.fpir.k"),
            "{leaves:#?}"
        );
    }
    /// Issue #20 finding 2: `verify --against` refuses a re-run of other recognizers (fewer,
    /// more, another file, or another order) than the bundle compares, naming them.
    #[test]
    fn a_rerun_of_other_recognizers_than_the_bundles_is_named() {
        let review = crate::comparison::tests::two_model_review();
        let evidence = Evidence::of(&review, 0.6);
        assert_eq!(rerun_recognizer_differences(&evidence, &review), []);
        let first_alone = review.as_seen_by(0).map(|mut view| {
            view.other_recognizers.clear();
            view
        });
        let differences = rerun_recognizer_differences(&evidence, &first_alone.unwrap());
        let [difference] = differences.as_slice() else {
            panic!("one difference: {differences:?}");
        };
        assert!(
            difference.stated.contains("Distance model"),
            "{difference:?}"
        );
        assert!(
            !difference.recomputed.contains("Distance model"),
            "{difference:?}"
        );
        let swapped = review.as_seen_by(1).map(|mut view| {
            view.other_recognizers = vec![lineup_core::review::RecognizerRun {
                model: review.recognizer().unwrap().clone(),
                ..review.other_recognizers[0].clone()
            }];
            view
        });
        let differences = rerun_recognizer_differences(&evidence, &swapped.unwrap());
        assert_eq!(differences.len(), 1, "{differences:?}");
        assert!(differences[0].recomputed.starts_with("Distance model"));
        let mut other_file = review.clone();
        other_file.other_recognizers[0].model.sha256 = "f".repeat(64);
        let differences = rerun_recognizer_differences(&evidence, &other_file);
        assert!(
            differences[0].recomputed.contains("ffff"),
            "{differences:?}"
        );
    }
}
