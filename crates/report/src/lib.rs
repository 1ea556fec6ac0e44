//! The impact assessment: what a reviewer writes about a deployment, pre-filled wherever lineup
//! knows the answer, exported as a signed bundle that a court or council can verify without
//! lineup.
//!
//! * [`Assessment`] is the reviewer's text, stored in the review document (its type lives in
//!   `lineup_core::review::assessment`, with the document). [`drafting`] pre-fills it.
//! * [`Findings`] are the labelled searches the error rates are measured from ([`findings`]).
//! * [`report`] puts the document, the text and the measured findings into one [`Report`]: every
//!   number and setting, which becomes `assessment.ron` and, through [`pdf`], `assessment.pdf`.
//! * [`bundle`] writes the bundle folder (and a `.zip` beside it) with a SHA-256 `manifest`,
//!   signed in minisign format by [`signing`]; [`verify`] checks one.

pub mod build_info;
pub mod bundle;
pub mod comparison;
pub mod dates;
pub mod drafting;
pub mod editable;
pub mod evidence;
pub mod findings;
pub mod pdf;
pub mod recompute;
pub mod report;
pub mod sections;
pub mod signing;
pub mod stills;
pub mod summary;
pub mod verify;
pub mod wording;

use lineup_core::review::ReviewDocument;

pub use lineup_core::review::assessment::{
    Action, Assessment, Decision, Level, Recommendation, Reviewer, Risk, SignOff,
};

pub use bundle::{BundleError, BundleOptions, ExportedBundle, SignedExport, export, export_signed};
pub use findings::{CrowdScenario, DEFAULT_CROWD_SCENARIOS, Findings, MeasuredFindings};
pub use report::{FaceDisclosure, Report, ReportOptions, build_report};
pub use verify::{
    Verified, VerifyError, trusted_key_file, verify_bundle, verify_files, verify_zip_bytes,
};

/// The labelled searches of a review, for the findings: every track labelled on or off the
/// watchlist, in the review's chosen slicing, at `threshold` and the review's per-slice
/// thresholds (as the app and `lineup metrics` count them), against the review's chosen
/// reference slice. `None` when no track is labelled (the report then gives counts only and says
/// that no error rates can be given).
pub fn labelled_findings(document: &ReviewDocument, threshold: f32) -> Option<Findings> {
    let sliced = document.sliced_searches(&document.slicing).ok()?;
    if sliced.searches.is_empty() {
        return None;
    }
    let labelled = sliced.searches.len();
    let source = match &document.evaluation_protocol {
        Some(protocol) => evaluation_source(document, protocol, labelled),
        None => format!(
            "{labelled} face tracks labelled by the reviewer in lineup (ground truth and \
             perceived attributes)"
        ),
    };
    let slice_thresholds = lineup_core::review::slices::thresholds_for(
        &sliced.names,
        &document.slice_thresholds,
        threshold,
    );
    let reference = document.reference_slice_in(&sliced.names);
    let mut findings = Findings::new(
        threshold,
        sliced.names,
        sliced.searches,
        DEFAULT_CROWD_SCENARIOS.to_vec(),
        source,
    );
    findings.slice_thresholds = slice_thresholds;
    findings.unknown = sliced.unknown;
    findings.people_known = sliced.people_known;
    findings.reference = reference;
    findings.watchlist_size = document.watchlist.identities.len() as u64;
    Some(findings)
}

/// Where an evaluation review's labels come from: `lineup evaluate`, from where each photo lies,
/// unless some were changed after it (then how many, and the counts as evaluate made them and as
/// labelled now).
fn evaluation_source(
    document: &ReviewDocument,
    protocol: &lineup_core::review::EvaluationProtocol,
    labelled: usize,
) -> String {
    let attributes = if protocol.attributes.is_some() {
        "its people.csv (perceived attributes)"
    } else {
        "no attributes file (no perceived attributes)"
    };
    let by_evaluate = format!(
        "{labelled} photos of an evaluation set, each labelled from the evaluation set's folders \
         (who it is of) and {attributes} by lineup evaluate"
    );
    match document.label_changes_since_evaluate() {
        Some(changes) if changes.searches > 0 => format!(
            "{by_evaluate}, but the labels of {} were changed after lineup evaluate (by a \
             reviewer or by editing the review): the protocol's counts ({} mated and {} \
             non-mated searches) are as lineup evaluate made them; as labelled now, {} mated \
             and {} non-mated",
            wording::count_noun(changes.searches as u64, "search", "searches"),
            protocol.mated_searches,
            protocol.non_mated_searches,
            changes.mated_now,
            changes.non_mated_now
        ),
        // Reviews made before evaluate's labels were recorded say what their signed reports
        // said, so that those still recompute; `verify --against` a re-run compares their
        // labels with the re-run's all the same.
        _ => format!("{by_evaluate}, not by a reviewer"),
    }
}
