//! The report: the review document, the reviewer's text and the measured findings put together
//! into one value holding every number and setting. It is written as `assessment.ron` and drawn
//! as `assessment.pdf`, so the two can never disagree.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::build_info::BuildInfo;
use super::comparison::ModelComparison;
use super::dates::UtcTime;
use super::drafting;
use super::findings::{Findings, MeasuredFindings, OneToOne};
use super::{Assessment, Risk};
use lineup_core::review::{
    AnalysisSettings, EvaluationProtocol, InputStatus, LabelChanges, ReviewDocument,
};
use lineup_core::vision::ModelRecord;

/// The shape of `assessment.ron`; bumped when it changes (2: `privacy.faces_shown` replaced
/// `privacy.bystanders_blurred`; 3: the assessment's full sections and `false_alerts_per_day`;
/// 4: an evaluation set's protocol and 1:1 table, `evaluation` and `verification`).
pub(crate) const REPORT_VERSION: u32 = 4;

/// Choices made when exporting, all recorded in the report. The default is the most private:
/// only confirmed matches shown, no watchlist photos.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ReportOptions {
    /// Threshold the counts are taken at; the review's own threshold when `None`.
    pub threshold: Option<f32>,
    /// Which faces the stills show recognisably: only confirmed matches unless the reviewer
    /// chooses more.
    pub face_disclosure: FaceDisclosure,
    /// Show the watchlist's enrolment photos. Off unless the reviewer opts in.
    pub include_watchlist_photos: bool,
    /// Put the full review file (embeddings, boxes, names of passers-by) in the bundle as well
    /// as the evidence the numbers are recomputed from. Off unless the reviewer opts in.
    pub include_review: bool,
    /// The command that reproduces this report, as the reviewer would type it.
    pub command: String,
}

/// Which faces the report's stills show recognisably. Whatever is not shown is blurred: by
/// default everything in each frame but the confirmed matches, faces the detector missed included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum FaceDisclosure {
    /// Only alerts the reviewer confirmed: the alert's track is labelled as the very watchlist
    /// identity the alert names.
    #[default]
    ConfirmedMatchesOnly,
    /// Every face that raised an alert, also wrong and unconfirmed ones; the rest is blurred.
    AllAlerts,
    /// Nothing is blurred: bystanders and wrongly flagged people are recognisable.
    Everything,
}

impl FaceDisclosure {
    pub const ALL: [FaceDisclosure; 3] = [
        FaceDisclosure::ConfirmedMatchesOnly,
        FaceDisclosure::AllAlerts,
        FaceDisclosure::Everything,
    ];

    /// The command-line spelling: `confirmed-matches`, `all-alerts`, `everything`.
    pub fn slug(self) -> &'static str {
        match self {
            FaceDisclosure::ConfirmedMatchesOnly => "confirmed-matches",
            FaceDisclosure::AllAlerts => "all-alerts",
            FaceDisclosure::Everything => "everything",
        }
    }

    pub fn parse(text: &str) -> Option<FaceDisclosure> {
        FaceDisclosure::ALL
            .into_iter()
            .find(|disclosure| text.trim().eq_ignore_ascii_case(disclosure.slug()))
    }
}

/// Everything in the assessment: `assessment.ron` is this value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub report_version: u32,
    /// The lineup that wrote this report.
    pub lineup_version: String,
    /// The same lineup's git commit and build target.
    #[serde(default)]
    pub build: BuildInfo,
    /// When it was written (UTC; `$SOURCE_DATE_EPOCH` when set).
    pub generated_at: String,
    pub reproduce: Reproduction,
    /// The reviewer's text, with lineup's pre-filled drafts where the reviewer wrote nothing.
    pub assessment: Assessment,
    /// What the reviewer has still to write or decide.
    pub incomplete: Vec<String>,
    pub system: SystemReviewed,
    pub data: DataReviewed,
    /// What the system flagged, right or wrong.
    pub detections: DetectionCounts,
    /// `None` until ground truth is labelled: then no error rate can be given.
    pub findings: Option<MeasuredFindings>,
    /// The measured FPIR at the crowd and watchlist the reviewer gave; `None` until both the
    /// crowd and the FPIR are known.
    #[serde(default)]
    pub false_alerts_per_day: Option<FalseAlertsPerDay>,
    /// How many tracks there are, how many were labelled, and how many that raise an alert
    /// were left unlabelled or marked not a face: either keeps an alert out of every rate.
    #[serde(default)]
    pub tracks: TrackCounts,
    /// Where the searches come from a labelled evaluation set (`lineup evaluate`): the set by
    /// its hash and the protocol by its seed and parameters. `None` for footage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluation: Option<EvaluationProtocol>,
    /// For an evaluation set, the 1:1 table: FNMR and FMR per group at the report's threshold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<OneToOne>,
    /// For an evaluation set whose labels were changed after `lineup evaluate`: how many
    /// searches', and the searches as labelled now. `None` where none was changed (or for
    /// footage).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels_changed: Option<LabelChanges>,
    /// Where several recognizers ran on the footage, the models compared: each one's rates per
    /// group at its own threshold and at the first model's FPIR, and the tracks one flags and
    /// the other does not. `None` for a review of one recognizer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comparison: Option<ModelComparison>,
    pub privacy: PrivacyChoices,
    /// Every label change made in the app (who, when, from → to), so that a reader can see how
    /// the ground truth the findings rest on came about.
    #[serde(default)]
    pub label_history: Vec<lineup_core::review::LabelChange>,
    /// Filled in when the bundle is signed.
    pub signer: Option<Signer>,
}

/// How to get the same numbers again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reproduction {
    pub command: String,
    /// SHA-256 of the review document the report was made from.
    pub review_sha256: String,
    pub review_file: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SystemReviewed {
    /// The lineup version that ran the analysis.
    pub analysed_with: String,
    pub models: Vec<ModelRecord>,
    /// The settings of the analysis (the threshold there is the one it was run at).
    pub settings: AnalysisSettings,
    /// The threshold this report counts alerts at.
    pub threshold: f32,
    /// Every other recognizer the review compares with the one `models` holds, in its order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub compared: Vec<ModelRecord>,
    /// Where each model lineup ships came from and on what licence, by SHA-256, as lineup's
    /// manifest said when the report was made (a reviewer's model has none here).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sources: BTreeMap<String, ModelSource>,
}

/// A shipped model's source (with what it was trained on, where known) and licence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSource {
    pub provenance: String,
    pub licence: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataReviewed {
    pub inputs: Vec<InputSummary>,
    pub watchlist_root: PathBuf,
    pub watchlist: Vec<WatchlistEntry>,
    /// False when the analysis was cancelled before every input was reached.
    pub analysis_complete: bool,
    pub analysis_warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputSummary {
    pub path: PathBuf,
    pub sha256: Option<String>,
    pub size_bytes: Option<u64>,
    pub dimensions: Option<(u32, u32)>,
    /// "analysed", "not analysed", or why it failed.
    pub status: String,
    pub faces: u64,
    pub alerts: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WatchlistEntry {
    pub name: String,
    pub photos: Vec<WatchlistPhoto>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WatchlistPhoto {
    pub path: PathBuf,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectionCounts {
    pub threshold: f32,
    pub inputs_analysed: u64,
    pub inputs_failed: u64,
    pub faces: u64,
    pub alerts: u64,
    pub alerts_per_identity: BTreeMap<String, u64>,
}

/// The review's tracks by what the reviewer made of them, at the report's threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TrackCounts {
    pub total: u64,
    /// Labelled on or off the watchlist: the searches the rates count.
    pub labelled: u64,
    /// Marked as not a face.
    pub not_a_face: u64,
    pub unlabelled: u64,
    /// Unlabelled tracks that raise an alert at the threshold: left out of every rate.
    pub alerting_unlabelled: u64,
    /// Tracks marked not a face that raise an alert at the threshold: left out of every rate
    /// too, so marking a false alert "not a face" would otherwise hide it unseen.
    #[serde(default)]
    pub alerting_not_a_face: u64,
}

impl TrackCounts {
    /// "132 face tracks, 131 labelled; 1 that raises an alert was left unlabelled and is in no
    /// rate."
    pub fn sentence(&self) -> String {
        let unlabelled = match self.alerting_unlabelled {
            0 => "no track that raises an alert was left unlabelled".to_owned(),
            1 => "1 track that raises an alert was left unlabelled and is in no rate".to_owned(),
            n => format!("{n} tracks that raise an alert were left unlabelled and are in no rate"),
        };
        let not_a_face = match self.alerting_not_a_face {
            0 => "no track that raises an alert was marked not a face".to_owned(),
            1 => "1 track that raises an alert was marked not a face and is in no rate".to_owned(),
            n => {
                format!("{n} tracks that raise an alert were marked not a face and are in no rate")
            }
        };
        format!(
            "{} face tracks, {} labelled on or off the watchlist, {} marked not a face, {} \
             unlabelled; {unlabelled}; {not_a_face}.",
            self.total, self.labelled, self.not_a_face, self.unlabelled
        )
    }
}

/// Counts `document`'s tracks by label, and the unlabelled and not-a-face ones alerting at
/// `threshold`.
pub(crate) fn track_counts(document: &ReviewDocument, threshold: f32) -> TrackCounts {
    use lineup_core::review::GroundTruth;
    let mut counts = TrackCounts::default();
    for (index, track) in document.tracks.iter().enumerate() {
        counts.total += 1;
        let alerts = || document.track_match(lineup_core::ids::TrackId(index)).score >= threshold;
        match track.label {
            GroundTruth::OnWatchlist(_) | GroundTruth::NotOnWatchlist => counts.labelled += 1,
            GroundTruth::NotAFace => {
                counts.not_a_face += 1;
                counts.alerting_not_a_face += u64::from(alerts());
            }
            GroundTruth::Unlabelled => {
                counts.unlabelled += 1;
                counts.alerting_unlabelled += u64::from(alerts());
            }
        }
    }
    counts
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrivacyChoices {
    /// Which faces the stills show; everything else in each frame is blurred.
    pub faces_shown: FaceDisclosure,
    pub watchlist_photos_included: bool,
    /// Whether the full review file is in the bundle (the evidence file always is).
    #[serde(default)]
    pub review_included: bool,
}

/// False alerts to expect on a day of the deployment: people passing × FPIR (extrapolated to
/// the deployed watchlist where it is larger or smaller than the one measured). It counts every
/// passer-by as not on the watchlist, which almost all are, so it slightly overstates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FalseAlertsPerDay {
    pub people_per_day: u64,
    /// The watchlist FPIR was measured against.
    pub measured_watchlist_size: u64,
    /// The watchlist of the deployment (the measured one where the reviewer gave none).
    pub deployed_watchlist_size: u64,
    /// Whether FPIR was extrapolated to the deployed watchlist (a model, not a measurement).
    pub extrapolated: bool,
    /// FPIR used, and the ends of its 95% interval.
    pub fpir: f64,
    pub fpir_low: f64,
    pub fpir_high: f64,
    /// Expected false alerts per day, and at the ends of FPIR's interval.
    pub expected: f64,
    pub low: f64,
    pub high: f64,
}

impl FalseAlertsPerDay {
    /// From an FPIR measured against a watchlist of `measured`, and the reviewer's crowd and
    /// watchlist sizes.
    pub fn of(
        fpir: &lineup_core::metrics::Rate,
        measured: u64,
        people_per_day: Option<u64>,
        deployed_watchlist_size: Option<u64>,
    ) -> Option<FalseAlertsPerDay> {
        let people_per_day = people_per_day?;
        let deployed = deployed_watchlist_size.unwrap_or(measured);
        let (rate, interval, extrapolated) = if deployed == measured {
            (fpir.rate?, fpir.interval?, false)
        } else {
            let e = lineup_core::metrics::extrapolate_fpir(fpir, measured, deployed)?;
            (e.rate, e.interval, true)
        };
        let people = people_per_day as f64;
        Some(FalseAlertsPerDay {
            people_per_day,
            measured_watchlist_size: measured,
            deployed_watchlist_size: deployed,
            extrapolated,
            fpir: rate,
            fpir_low: interval.low,
            fpir_high: interval.high,
            expected: people * rate,
            low: people * interval.low,
            high: people * interval.high,
        })
    }

    /// "Between 31 and 96 false alerts a day (...; the point estimate, 60, ...) when 20,000 people
    /// pass the cameras in a day (...)": the range first, since the point alone claims more than
    /// the data can carry.
    pub fn sentence(&self) -> String {
        let count = |value: f64| {
            if value >= 10.0 {
                super::wording::group_thousands(value.round() as u64)
            } else if value > 0.0 {
                format!("{value:.1}")
            } else {
                "0".to_owned()
            }
        };
        let basis = if self.extrapolated {
            format!(
                "FPIR measured against a watchlist of {} and extrapolated to one of {}, by \
                 1 − (1 − FPIR)^(new size ÷ measured size): an extrapolation, not a measurement",
                super::wording::group_thousands(self.measured_watchlist_size),
                super::wording::group_thousands(self.deployed_watchlist_size)
            )
        } else {
            format!(
                "FPIR measured against a watchlist of {}",
                super::wording::group_thousands(self.measured_watchlist_size)
            )
        };
        format!(
            "Between {} and {} false alerts a day (by the 95% interval of FPIR, {}–{}; the point \
             estimate, {}, is only one value in that range) when {} people pass the cameras in a \
             day ({basis}; every passer-by is counted as not on the watchlist, which almost all \
             are). Each is a person not on the watchlist whom officers would be pointed at.",
            count(self.low),
            count(self.high),
            super::wording::percent(self.fpir_low),
            super::wording::percent(self.fpir_high),
            count(self.expected),
            super::wording::group_thousands(self.people_per_day),
        )
    }
}

/// The key that signed the bundle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signer {
    /// minisign's key ID, 16 hex digits.
    pub key_id: String,
    /// The public key as minisign prints it (base64), to compare with the one published.
    pub public_key: String,
}

/// The manifest's source and licence of every model the review ran that lineup ships, found by
/// the file's SHA-256.
fn shipped_sources(document: &ReviewDocument) -> BTreeMap<String, ModelSource> {
    let ran: HashSet<&str> = document
        .models
        .iter()
        .chain(document.other_recognizers.iter().map(|run| &run.model))
        .map(|model| model.sha256.as_str())
        .collect();
    lineup_core::vision::runtime::model_specs()
        .into_iter()
        .filter(|spec| ran.contains(spec.sha256.as_str()))
        .map(|spec| {
            let source = ModelSource {
                provenance: spec.provenance,
                licence: spec.licence,
            };
            (spec.sha256, source)
        })
        .collect()
}

/// Puts the document, the reviewer's text and the findings together.
///
/// `findings` is `None` until ground truth is labelled. `review_sha256` identifies the document
/// file the report was made from.
pub fn build_report(
    document: &ReviewDocument,
    findings: Option<&Findings>,
    options: &ReportOptions,
    review_file: PathBuf,
    review_sha256: String,
) -> Report {
    let threshold = options.threshold.unwrap_or(document.settings.threshold);
    let measured = findings.map(|findings| measured_findings(document, findings));
    let now = UtcTime::now();
    let assessment = drafting::prefill(
        &document.assessment,
        document,
        measured.as_ref(),
        &now.date(),
    );
    let false_alerts_per_day = false_alerts_per_day(document, measured.as_ref());
    Report {
        report_version: REPORT_VERSION,
        lineup_version: env!("CARGO_PKG_VERSION").to_owned(),
        build: BuildInfo::current(),
        generated_at: now.iso8601(),
        reproduce: Reproduction {
            command: options.command.clone(),
            review_sha256,
            review_file,
        },
        incomplete: drafting::missing_parts(&assessment, &now.date()),
        assessment,
        system: SystemReviewed {
            analysed_with: document.lineup_version.clone(),
            models: document.models.clone(),
            settings: document.settings.clone(),
            threshold,
            compared: document
                .other_recognizers
                .iter()
                .map(|run| run.model.clone())
                .collect(),
            sources: shipped_sources(document),
        },
        data: data_reviewed(document, threshold),
        detections: detection_counts(document, threshold),
        findings: measured,
        false_alerts_per_day,
        tracks: track_counts(document, threshold),
        evaluation: document
            .evaluation_protocol
            .as_ref()
            .map(|protocol| shown_protocol(&Pseudonyms::of(document), protocol)),
        verification: one_to_one(document, threshold),
        labels_changed: labels_changed(document),
        comparison: crate::comparison::of_review(document, threshold),
        privacy: PrivacyChoices {
            faces_shown: options.face_disclosure,
            watchlist_photos_included: options.include_watchlist_photos,
            review_included: options.include_review,
        },
        label_history: document.label_history.clone(),
        signer: None,
    }
}

/// How the bundle names people who are not on the watchlist: "person 1", "person 2", ... in
/// order of first appearance, first among the labelled tracks' person labels (as the evidence
/// gives them), then, for an evaluation set, among the folders of its photos (each folder is a
/// person) and of the photos it skipped. Watchlist identities keep their names. The numbers
/// need only know which tracks and photos are of the same person; the names stay in the review.
#[derive(Debug, Clone, Default)]
pub(crate) struct Pseudonyms {
    by_name: HashMap<String, String>,
    /// Whether photo paths name people (an evaluation set's `SET/PERSON/PHOTO`).
    paths_name_people: bool,
}

impl Pseudonyms {
    pub(crate) fn of(document: &ReviewDocument) -> Pseudonyms {
        use lineup_core::review::GroundTruth;
        let mut hidden: Vec<&str> = Vec::new();
        let labelled = document.tracks.iter().filter(|track| {
            matches!(
                track.label,
                GroundTruth::OnWatchlist(_) | GroundTruth::NotOnWatchlist
            )
        });
        for track in labelled {
            if let Some(name) = &track.person {
                hidden.push(name.trim());
            }
        }
        let enrolled: HashSet<&str> = document
            .watchlist
            .identities
            .iter()
            .map(|identity| identity.name.as_str())
            .collect();
        let paths_name_people = document.evaluation_protocol.is_some();
        if let Some(protocol) = &document.evaluation_protocol {
            let photos = document.inputs.iter().map(|input| input.path.as_path());
            let skipped = protocol.skipped.iter().map(|photo| photo.path.as_path());
            hidden.extend(
                photos
                    .chain(skipped)
                    .filter_map(folder_of)
                    .filter(|person| !enrolled.contains(person)),
            );
        }
        let mut pseudonyms = Pseudonyms::numbering(&hidden, &enrolled);
        pseudonyms.paths_name_people = paths_name_people;
        pseudonyms
    }

    /// "person 1", "person 2", ... for `hidden` in order of first appearance. A number whose
    /// pseudonym is itself a name in play (a watchlist name, or a hidden person's real name,
    /// such as a folder named "person 1") is passed over, so that no pseudonym can be read as
    /// anyone else: chosen over refusing such names, as a watchlist or a reviewer's person
    /// label may carry one for reasons of its own.
    fn numbering(hidden: &[&str], enrolled: &HashSet<&str>) -> Pseudonyms {
        let taken: HashSet<&str> = hidden.iter().chain(enrolled).copied().collect();
        let mut by_name = HashMap::new();
        let mut number = 0;
        for name in hidden {
            by_name.entry((*name).to_owned()).or_insert_with(|| {
                loop {
                    number += 1;
                    let pseudonym = format!("person {number}");
                    if !taken.contains(pseudonym.as_str()) {
                        break pseudonym;
                    }
                }
            });
        }
        Pseudonyms {
            by_name,
            paths_name_people: false,
        }
    }

    /// The pseudonym of a person named `name` (trimmed, as the rates compare names).
    pub(crate) fn of_name(&self, name: &str) -> Option<String> {
        self.by_name.get(name.trim()).cloned()
    }

    /// `path` with its person's folder named by pseudonym, where it names a person not on the
    /// watchlist; the photo's own file name is kept (the set's, which a re-run must find).
    pub(crate) fn path(&self, path: &Path) -> PathBuf {
        let pseudonym = folder_of(path)
            .filter(|_| self.paths_name_people)
            .and_then(|person| self.by_name.get(person));
        match (pseudonym, path.parent(), path.file_name()) {
            (Some(pseudonym), Some(folder), Some(file)) => folder
                .parent()
                .map_or_else(PathBuf::new, Path::to_path_buf)
                .join(pseudonym)
                .join(file),
            _ => path.to_path_buf(),
        }
    }

    /// The protocol with the photos it skipped named by [`Pseudonyms::path`] and their reasons
    /// by [`Pseudonyms::text`].
    pub(crate) fn protocol(&self, protocol: &EvaluationProtocol) -> EvaluationProtocol {
        let mut protocol = protocol.clone();
        for photo in &mut protocol.skipped {
            photo.path = self.path(&photo.path);
            photo.reason = self.text(&photo.reason);
        }
        for pair in &mut protocol.near_duplicates {
            pair.first = self.path(&pair.first);
            pair.second = self.path(&pair.second);
        }
        protocol
    }

    /// An input's status, its reason named by [`Pseudonyms::text`].
    pub(crate) fn status(&self, status: &InputStatus) -> InputStatus {
        match status {
            InputStatus::Failed(reason) => InputStatus::Failed(self.text(reason)),
            other => other.clone(),
        }
    }

    /// `text` (a status, a skip reason, a warning) with every path component naming a person
    /// not on the watchlist (`/NAME/`) named by pseudonym, and such a person named at the
    /// places the protocol's enrolment warnings name them. Only these places: a name is not
    /// replaced wherever it occurs as a substring, which would change unrelated words.
    pub(crate) fn text(&self, text: &str) -> String {
        if !self.paths_name_people {
            return text.to_owned();
        }
        let mut text = text.to_owned();
        for (name, pseudonym) in &self.by_name {
            text = text.replace(&format!("/{name}/"), &format!("/{pseudonym}/"));
            for (before, after) in [
                ("", "'s "),
                ("", " has no usable photo"),
                ("so ", " is not enrolled"),
            ] {
                let quoted = format!("{before}{name}{after}");
                let at_start = before.is_empty();
                if (at_start && text.starts_with(&quoted)) || (!at_start && text.contains(&quoted))
                {
                    text = text.replacen(&quoted, &format!("{before}{pseudonym}{after}"), 1);
                }
            }
        }
        text
    }

    /// The analysis's warnings with every input's path named by [`Pseudonyms::path`], and the
    /// rest by [`Pseudonyms::text`].
    pub(crate) fn warnings(&self, document: &ReviewDocument) -> Vec<String> {
        if !self.paths_name_people {
            return document.warnings.clone();
        }
        document
            .warnings
            .iter()
            .map(|warning| {
                let mut warning = warning.clone();
                for input in &document.inputs {
                    let shown = self.path(&input.path);
                    if shown != input.path {
                        warning = warning.replace(
                            &input.path.display().to_string(),
                            &shown.display().to_string(),
                        );
                    }
                }
                self.text(&warning)
            })
            .collect()
    }
}

/// The protocol as the bundle shows it ([`Pseudonyms::protocol`]), with the people of the labels
/// `lineup evaluate` gave named as the evidence's tracks name them.
pub(crate) fn shown_protocol(
    pseudonyms: &Pseudonyms,
    protocol: &EvaluationProtocol,
) -> EvaluationProtocol {
    let mut shown = pseudonyms.protocol(protocol);
    for label in &mut shown.labels {
        label.person = label
            .person
            .as_ref()
            .and_then(|name| pseudonyms.of_name(name));
    }
    shown
}

/// The folder a photo lies in: in an evaluation set, the person it is of.
fn folder_of(path: &Path) -> Option<&str> {
    path.parent()?.file_name()?.to_str()
}

/// The 1:1 table of a review of an evaluation set, in the review's slicing at `threshold`
/// (one fixed threshold for every group, as NISTIR 8280 reports FMR); `None` for footage,
/// whose faces are not photos of people known by name, and where the slicing names an
/// attribute the review lacks (as the findings are then `None` too). It needs the faces'
/// embeddings: evidence without them carries the table instead.
pub(crate) fn one_to_one(document: &ReviewDocument, threshold: f32) -> Option<OneToOne> {
    document.evaluation_protocol.as_ref()?;
    let verification = document.verification(&document.slicing, threshold).ok()?;
    Some(OneToOne::of(&verification))
}

/// How an evaluation review's labels were changed after `lineup evaluate`; `None` where none
/// was (or evaluate's labels are not recorded, which the findings' label source says).
pub(crate) fn labels_changed(document: &ReviewDocument) -> Option<LabelChanges> {
    document
        .label_changes_since_evaluate()
        .filter(|changes| changes.searches > 0)
}

/// False alerts a day at the crowd and deployed watchlist the reviewer gave (numbers the
/// drafts never fill in), from the measured FPIR.
pub(crate) fn false_alerts_per_day(
    document: &ReviewDocument,
    measured: Option<&MeasuredFindings>,
) -> Option<FalseAlertsPerDay> {
    let assessment = &document.assessment;
    measured.and_then(|findings| {
        FalseAlertsPerDay::of(
            &findings.pooled.fpir,
            findings.watchlist_size,
            assessment.people_per_day,
            assessment.deployed_watchlist_size,
        )
    })
}

/// The findings measured against `document`'s watchlist, whose size FPIR depends on.
pub(crate) fn measured_findings(
    document: &ReviewDocument,
    findings: &Findings,
) -> MeasuredFindings {
    let mut findings = findings.clone();
    findings.watchlist_size = document.watchlist.identities.len() as u64;
    findings.measure()
}

pub(crate) fn data_reviewed(document: &ReviewDocument, threshold: f32) -> DataReviewed {
    let pseudonyms = Pseudonyms::of(document);
    let mut faces = vec![0u64; document.inputs.len()];
    let mut alerts = vec![0u64; document.inputs.len()];
    for detection in &document.detections {
        let input = detection.source.input;
        if let Some(count) = faces.get_mut(input) {
            *count += 1;
        }
        if detection.is_alert(threshold)
            && let Some(count) = alerts.get_mut(input)
        {
            *count += 1;
        }
    }
    let inputs = document
        .inputs
        .iter()
        .enumerate()
        .map(|(i, input)| InputSummary {
            path: pseudonyms.path(&input.path),
            sha256: input.digest.as_ref().map(|d| d.sha256.clone()),
            size_bytes: input.digest.as_ref().map(|d| d.size_bytes),
            dimensions: input.dimensions,
            status: status_words(&pseudonyms.status(&input.status)),
            faces: faces[i],
            alerts: alerts[i],
        })
        .collect();
    let watchlist = document
        .watchlist
        .identities
        .iter()
        .map(|identity| WatchlistEntry {
            name: identity.name.clone(),
            photos: identity
                .photos
                .iter()
                .map(|photo| WatchlistPhoto {
                    path: photo.path.clone(),
                    sha256: photo.digest.sha256.clone(),
                })
                .collect(),
        })
        .collect();
    DataReviewed {
        inputs,
        watchlist_root: document.watchlist.root.clone(),
        watchlist,
        analysis_complete: document.complete,
        analysis_warnings: pseudonyms.warnings(document),
    }
}

/// An input's status as the report states it.
pub(crate) fn status_words(status: &InputStatus) -> String {
    match status {
        InputStatus::Analysed => "analysed".to_owned(),
        InputStatus::NotAnalysed => "not analysed (cancelled)".to_owned(),
        InputStatus::Failed(reason) => format!("failed: {reason}"),
    }
}

pub(crate) fn detection_counts(document: &ReviewDocument, threshold: f32) -> DetectionCounts {
    let summary = document.summary(threshold);
    DetectionCounts {
        threshold,
        inputs_analysed: summary.inputs_analysed as u64,
        inputs_failed: summary.inputs_failed as u64,
        faces: summary.faces as u64,
        alerts: summary.alerts as u64,
        alerts_per_identity: summary
            .alerts_per_identity
            .into_iter()
            .map(|(name, count)| (name, count as u64))
            .collect(),
    }
}

impl Report {
    /// The report as `assessment.ron` holds it.
    pub fn to_ron(&self) -> String {
        let config = ron::ser::PrettyConfig::new()
            .depth_limit(6)
            .struct_names(true);
        // Plain data with string keys and finite-or-not floats always serialises.
        ron::ser::to_string_pretty(self, config).expect("a report always serialises")
    }

    /// Risks with the highest severity × likelihood first; unscored ones last, in their order.
    pub(crate) fn risks_by_score(&self) -> Vec<&Risk> {
        let mut risks: Vec<&Risk> = self.assessment.risks.iter().collect();
        risks.sort_by_key(|risk| std::cmp::Reverse(risk.score().unwrap_or(0)));
        risks
    }

    /// A watchlist identity's name, as the report lists the watchlist.
    pub(crate) fn identity_name(&self, identity: lineup_core::ids::IdentityId) -> Option<&str> {
        self.data
            .watchlist
            .get(identity.index())
            .map(|entry| entry.name.as_str())
    }

    /// The name of a model role for a lay reader, e.g. "CenterFace" for the detector. The
    /// recognizer is whichever the analysis ran (MobileFaceNet, dlib's, or the reviewer's).
    pub(crate) fn model_name(&self, role: lineup_core::vision::ModelRole) -> String {
        use lineup_core::vision::ModelRole;
        let models = &self.system.models;
        models
            .iter()
            .find(|m| m.role == role)
            .or_else(|| {
                (role == ModelRole::Recognizer)
                    .then(|| self.system.recognizer())
                    .flatten()
            })
            .map_or_else(
                || "(not recorded)".to_owned(),
                crate::wording::model_in_prose,
            )
    }
}

impl SystemReviewed {
    /// The recognizer whose scores the report counts (the first model that is not the
    /// detector).
    pub fn recognizer(&self) -> Option<&ModelRecord> {
        self.models
            .iter()
            .find(|m| m.role != lineup_core::vision::ModelRole::Detector)
    }

    /// A threshold of this review (a lineup score) on its recognizer's own scale, with the
    /// metric and model it belongs to: "0.600 (Euclidean distance, a match at or below; dlib
    /// ResNet-29 …)". Reviews from before the metric was recorded are MobileFaceNet's cosine.
    pub fn threshold_words(&self, threshold: f32) -> String {
        let recognizer = self.recognizer();
        let metric = self.score_metric();
        format!(
            "{:.3} ({}; {})",
            metric.own_value(threshold),
            metric.describe(),
            recognizer.map_or_else(
                || "recognizer not recorded".to_owned(),
                crate::wording::model_in_prose
            )
        )
    }

    /// How the recognizer's scores compare: its metric (cosine for reviews from before the
    /// metric was recorded, which were all MobileFaceNet's).
    pub fn score_metric(&self) -> lineup_core::vision::manifest::Metric {
        self.recognizer()
            .and_then(|m| m.metric)
            .unwrap_or(lineup_core::vision::manifest::Metric::Cosine)
    }

    /// Whether the reviewer supplied the recognizer (`lineup models add`): what its spec states
    /// (such as its near-duplicate bound) is then their word, not lineup's measurement.
    pub fn recognizer_is_reviewers(&self) -> bool {
        self.recognizer()
            .is_some_and(|model| model.supplied_by_reviewer)
    }

    /// A threshold of this review standing alone in a sentence, on the recognizer's own scale
    /// with its metric named where it is a distance ([`crate::wording::own_threshold`]).
    pub fn shown_threshold(&self, threshold: f32, decimals: usize) -> String {
        crate::wording::own_threshold(self.score_metric(), threshold, decimals)
    }

    /// Every model the report rests on: the detector and the recognizer it counts alerts by,
    /// then each other recognizer compared.
    pub fn every_model(&self) -> impl Iterator<Item = &ModelRecord> {
        self.models.iter().chain(&self.compared)
    }

    /// The System and vendor table's rows, for the PDF and the Markdown alike: role, model
    /// (name, version, file), metric, source and licence, SHA-256.
    pub fn model_rows(&self) -> Vec<Vec<String>> {
        self.every_model()
            .enumerate()
            .map(|(index, model)| {
                let role = if index >= self.models.len() {
                    "Recognizer compared".to_owned()
                } else {
                    format!("{:?}", model.role)
                };
                let role = if model.supplied_by_reviewer {
                    format!("{role}, supplied by the reviewer")
                } else {
                    role
                };
                // A review's words on one line: in the PDF's cells a line break would start
                // a line of its own.
                vec![
                    role,
                    crate::wording::one_line(&format!(
                        "{} {} ({})",
                        model.name, model.version, model.file
                    )),
                    model.metric.map_or("—", |metric| metric.name()).to_owned(),
                    crate::wording::one_line(&self.source_words(model)),
                    crate::wording::one_line(&model.sha256),
                ]
            })
            .collect()
    }

    /// Where a model came from and its licence, or that the reviewer supplied it (with the
    /// source and licence their spec states, marked as their word).
    fn source_words(&self, model: &ModelRecord) -> String {
        match self.sources.get(&model.sha256) {
            _ if model.supplied_by_reviewer => {
                crate::wording::reviewer_model_source(model.stated_source.as_ref())
            }
            Some(source) => format!("{}; licence: {}", source.provenance, source.licence),
            None => "not recorded".to_owned(),
        }
    }

    /// The recognizers' names for a sentence: "A", "A and B", "A, B and C".
    pub fn recognizer_names(&self) -> String {
        let names: Vec<String> = self
            .every_model()
            .filter(|m| m.role != lineup_core::vision::ModelRole::Detector)
            .map(crate::wording::model_in_prose)
            .collect();
        match names.split_last() {
            None => "(not recorded)".to_owned(),
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        }
    }

    /// What no table can say of a recognizer's training data, below the models' table.
    pub fn training_data_caveat(&self) -> String {
        format!(
            "Training data: who {} {} trained on, and in what numbers from each group, is \
             known only as far as {} source above says, and not from the people it was \
             trained on; a model is as fair as its training data lets it be, which is why its \
             error rates are measured per group on this footage here and not taken from its \
             supplier.",
            self.recognizer_names(),
            if self.compared.is_empty() {
                "was"
            } else {
                "were"
            },
            if self.compared.is_empty() {
                "its"
            } else {
                "each one's"
            },
        )
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use lineup_core::metrics::Rate;

    /// The report `lineup report` builds of `review` with default options.
    pub(crate) fn report_of(review: &ReviewDocument) -> Report {
        build_report(
            review,
            None,
            &ReportOptions::default(),
            PathBuf::from("review.ron"),
            "0".repeat(64),
        )
    }

    #[test]
    fn false_alerts_per_day_are_the_crowd_times_fpir_with_its_interval() {
        let fpir = Rate::new(3, 1000);
        assert_eq!(FalseAlertsPerDay::of(&fpir, 50, None, None), None);
        let daily = FalseAlertsPerDay::of(&fpir, 50, Some(20_000), None).unwrap();
        assert!(!daily.extrapolated);
        assert!((daily.expected - 60.0).abs() < 1e-9, "{}", daily.expected);
        let interval = fpir.interval.unwrap();
        assert!((daily.low - 20_000.0 * interval.low).abs() < 1e-9);
        assert!((daily.high - 20_000.0 * interval.high).abs() < 1e-9);
        let sentence = daily.sentence();
        assert!(sentence.starts_with("Between "), "{sentence}");
        assert!(sentence.contains("the point estimate, 60,"), "{sentence}");
        // A watchlist eight times longer raises FPIR, and the sentence says it is a model.
        let longer = FalseAlertsPerDay::of(&fpir, 50, Some(20_000), Some(400)).unwrap();
        assert!(
            longer.extrapolated && longer.expected > 400.0,
            "{}",
            longer.expected
        );
        assert!(
            longer
                .sentence()
                .contains("an extrapolation, not a measurement")
        );
    }

    #[test]
    fn disclosures_round_trip_through_their_slugs_and_default_to_confirmed_matches() {
        for disclosure in FaceDisclosure::ALL {
            assert_eq!(FaceDisclosure::parse(disclosure.slug()), Some(disclosure));
        }
        assert_eq!(FaceDisclosure::parse("all"), None);
        assert_eq!(
            ReportOptions::default().face_disclosure,
            FaceDisclosure::ConfirmedMatchesOnly
        );
    }

    /// Issue #20: a reviewer's model's source and licence, as the spec they added it with states
    /// them, are in the models' table marked as their word, and in the report's RON; a model
    /// record from before they were recorded still loads, and says the reviewer must state them.
    #[test]
    fn a_reviewers_model_shows_the_source_its_spec_states_as_their_word() {
        use lineup_core::vision::manifest::StatedSource;
        let old: ModelRecord = ron::from_str(
            "(role: Recognizer, file: \"m.onnx\", name: \"M\", version: \"1\", sha256: \"ab\", \
             supplied_by_reviewer: true)",
        )
        .expect("a record without a stated source loads");
        assert_eq!(old.stated_source, None);
        let mut review = crate::comparison::tests::two_model_review();
        let model = &mut review.other_recognizers[0].model;
        model.supplied_by_reviewer = true;
        model.stated_source = Some(StatedSource {
            provenance: "converted by a colleague from the authors' weights".into(),
            licence: "CC BY 4.0".into(),
        });
        let report = report_of(&review);
        let rows = report.system.model_rows();
        assert_eq!(
            rows[1][3],
            "supplied by the reviewer; source as the reviewer states it (lineup cannot check \
             it): converted by a colleague from the authors' weights; licence: CC BY 4.0"
        );
        let read: Report = ron::from_str(&report.to_ron()).expect("the report's RON reads back");
        assert_eq!(read.system.compared, report.system.compared);
        review.other_recognizers[0].model.stated_source = None;
        let report = report_of(&review);
        assert!(
            report.system.model_rows()[1][3].contains("who must state its source"),
            "{:?}",
            report.system.model_rows()
        );
    }

    /// Issue #20 finding 6: the System and vendor table lists every recognizer compared, and
    /// says which the reviewer supplied (whose source lineup cannot state).
    #[test]
    fn the_system_table_lists_every_recognizer_and_who_supplied_it() {
        let mut review = crate::comparison::tests::two_model_review();
        review.other_recognizers[0].model.supplied_by_reviewer = true;
        let report = report_of(&review);
        let rows = report.system.model_rows();
        let roles: Vec<&str> = rows.iter().map(|row| row[0].as_str()).collect();
        assert_eq!(
            roles,
            [
                "Recognizer",
                "Recognizer compared, supplied by the reviewer"
            ]
        );
        assert!(rows[1][1].contains("Distance model.onnx"), "{rows:?}");
        assert_eq!(rows[1][2], "Euclidean distance");
        assert!(rows[1][3].contains("supplied by the reviewer"), "{rows:?}");
        assert!(report.system.training_data_caveat().starts_with(
            "Training data: who Cosine model and Distance model (supplied by the \
                     reviewer) were"
        ));
    }
}
