//! Recomputing a bundle's numbers from the bundle alone: what a court's expert runs
//! (`lineup verify --recompute`).
//!
//! The bundle is first verified in full (signature, manifest, key mentions: [`verify`]). Then
//! every figure the report states that follows from data (the findings, the detection counts,
//! each input's faces and alerts) is computed again from `evidence.ron`, by the code the report
//! was made with, and compared exactly with `assessment.ron`; so are the settings and the
//! watchlist the evidence and the report both record. When the reviewer included the full
//! review, it is recomputed from as well. Any difference fails naming the figure.
//!
//! The comparison goes through the figures as `assessment.ron` writes them (RON text, whose
//! numbers read back to the very same floating-point values), walked field by field, so that a
//! figure added to the report later is compared without anyone listing it here.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use ron::Value;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::build_info::BuildInfo;
use super::bundle::{EVIDENCE_FILE, REVIEW_FILE, RON_FILE};
use super::evidence::{self, Evidence, EvidenceError, Recomputation};
use super::report::Report;
use super::signing::SignerKey;
use super::verify::{self, Verified, VerifyError};
use lineup_core::digest::hex;

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
    /// The lineup that wrote the bundle.
    pub made_by: BuildInfo,
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
    let recomputed = evidence.recompute().map_err(in_evidence)?;
    let mut differences = recorded_differences(&report, &evidence);
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
    if let Some(bytes) = files.get(REVIEW_FILE) {
        let differences = review_differences(path, bytes, &report, &evidence)?;
        if !differences.is_empty() {
            return Err(differ(REVIEW_FILE, differences));
        }
        from.push(REVIEW_FILE.to_owned());
    }
    Ok(Recomputed {
        verified,
        from,
        figures: stated_figures(&report).count(),
        made_by: report.build,
    })
}

/// The included review recomputed as the evidence is, after checking it is the review the
/// report names.
fn review_differences(
    path: &Path,
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
    let document = lineup_core::review::parse(Path::new(REVIEW_FILE), text)
        .map_err(|e| unreadable(e.to_string()))?;
    let recomputed = evidence::recompute_from(
        &document,
        report.system.threshold,
        &evidence.crowd_scenarios,
    );
    Ok(figure_differences(report, &recomputed))
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
        "findings.warnings",
        "findings.det_curves",
    ]
    .iter()
    .position(|start| place.starts_with(start))
    .map_or(4, |position| position as u8)
}

/// What the report and the evidence both record must agree: the threshold, the analysis
/// settings and models, the watchlist, the inputs and their hashes.
fn recorded_differences(report: &Report, evidence: &Evidence) -> Vec<Difference> {
    let analysis = &evidence.analysis;
    let watchlist: Vec<String> = report
        .data
        .watchlist
        .iter()
        .map(|entry| entry.name.clone())
        .collect();
    let inputs = |hashes: Vec<(&Path, Option<&str>)>| as_value(&hashes);
    let mut differences = Vec::new();
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
    let stated = inputs(
        report
            .data
            .inputs
            .iter()
            .map(|i| (i.path.as_path(), i.sha256.as_deref()))
            .collect(),
    );
    let recorded = inputs(
        analysis
            .inputs
            .iter()
            .map(|i| (i.path.as_path(), i.sha256.as_deref()))
            .collect(),
    );
    let mut found = Vec::new();
    walk(
        &mut vec!["inputs (path, SHA-256)".to_owned()],
        &stated,
        &recorded,
        &mut found,
    );
    differences.extend(found);
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
        _ => return None,
    })
}

fn rate_name(part: &str) -> Option<&'static str> {
    Some(match part {
        "fpir" => "FPIR",
        "fnir" => "FNIR",
        "wrong_identity_alerts" => "wrong-identity alert rate",
        "flag_rate" => "flag rate",
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

/// Whose figure it is: a group's, all groups', a crowd's.
fn whose(path: &[String]) -> Option<String> {
    let after = |name: &str| {
        path.iter()
            .position(|part| part == name)
            .and_then(|i| path.get(i + 1))
    };
    if let Some(group) = after("slices").or_else(|| after("per_slice")) {
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
}
