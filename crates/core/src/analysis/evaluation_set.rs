//! An evaluation set run through a fixed 1:N protocol (`lineup evaluate`): photos of many people,
//! one folder per person (the layout the watchlist understands), each person's perceived
//! attributes from a CSV, made into a review that opens fully labelled.
//!
//! The protocol, after NIST FRVT 1:N (NISTIR 8271, 8280):
//!
//! * the people are shuffled by a Fisher–Yates shuffle driven by SplitMix64 from the seed
//!   ([`choose_enrolled`]), and the first `round(share × people)` of them are enrolled;
//! * an enrolled person's enrolment photo is the one `people.csv` names in `enrol_photo`, or else
//!   their first usable photo in natural name order; it alone forms their watchlist entry;
//! * every other usable photo of an enrolled person is a mated search, every usable photo of a
//!   person not enrolled a non-mated search.
//!
//! A photo is usable when exactly one face is found in it. Every other photo is skipped with its
//! reason, recorded in the review's protocol and warnings, never silently. Every photo goes
//! through the same detection loop as footage ([`super::find_faces_in_inputs`]) once; the
//! watchlist is then formed from the enrolment photos' embeddings and every search is a
//! [`matching::search`] against it.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use sha2::{Digest, Sha256};

use super::{AnalysisError, Progress, find_faces_in_inputs, not_analysed};
use crate::digest::hex;
use crate::footage::Sampling;
use crate::matching;
use crate::review::protocol::{
    NO_FACE_REASON, NOT_REACHED_REASON, SEVERAL_FACES_REASON, UNREADABLE_REASON,
};
use crate::review::{
    AnalysisSettings, AttributeSchema, Attributes, EvaluationProtocol, GroundTruth, InputRecord,
    InputStatus, NearDuplicate, ReviewDocument, SkippedPhoto, Slicing, TrackingSettings, UNKNOWN,
};
use crate::vision::{FacePipeline, ModelRole, Recognizer, VisionConfig};
use crate::watchlist::{self, EnrolmentPhoto, Identity, PlannedPhoto, Watchlist, WatchlistError};

/// The column of `people.csv` that names a person's folder, and the optional one that names
/// their enrolment photo (a file name in that folder).
pub const PERSON_COLUMN: &str = "person";
pub const ENROL_PHOTO_COLUMN: &str = "enrol_photo";
/// Photos whose file name holds this are augmented copies of another photo (flipped, re-lit),
/// made only to give a person several photos: counted in the protocol, as they are not
/// independent of the photo they were made from.
pub const AUGMENTED_MARK: &str = "_aug";

/// The share of people enrolled, and the seed that chooses them, unless the person asks for
/// others: `lineup evaluate` and the app's form start from the same.
pub const DEFAULT_ENROL_SHARE: f64 = 0.5;
pub const DEFAULT_SEED: u64 = 0;

#[derive(Debug, Clone)]
pub struct EvaluationRequest {
    /// One folder per person.
    pub set: PathBuf,
    /// `people.csv`: each person's perceived attributes in the review's attribute schema.
    pub attributes: Option<PathBuf>,
    /// The share of people enrolled (0–1).
    pub enrol_share: f64,
    pub seed: u64,
    /// A lineup score on the recognizer's metric (see `Metric::score`).
    pub threshold: f32,
    pub top_k: usize,
    pub vision: VisionConfig,
    /// The recognizer to run; None for the shipped MobileFaceNet.
    pub recognizer: Option<Box<Recognizer>>,
}

#[derive(Debug, thiserror::Error)]
pub enum EvaluationSetError {
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
    #[error(transparent)]
    Set(#[from] WatchlistError),
    #[error("evaluation set {}: no photos in it (give a folder with one subfolder of photos per person)", path.display())]
    Empty { path: PathBuf },
    #[error("enrol share {0} is not a proportion between 0 and 1")]
    Share(f64),
    #[error(
        "enrol share {share} enrols {} of the {people} people: the protocol needs people both \
         enrolled (for mated searches) and not (for non-mated searches)",
        if *enrolled == 0 { "nobody" } else { "everybody" }
    )]
    ShareLeavesOneSide {
        share: f64,
        people: usize,
        enrolled: usize,
    },
    #[error(
        "{}: {what}; an evaluation set is one folder of photos per person, and nothing else",
        path.display()
    )]
    Layout { path: PathBuf, what: String },
    #[error(
        "{} and {} are the same photo twice (SHA-256 {sha256}): remove one. As two people it would \
         be an impostor pair scoring 1, within one person a genuine pair scoring 1",
        first.display(), second.display()
    )]
    SamePhotoTwice {
        first: PathBuf,
        second: PathBuf,
        sha256: String,
    },
    #[error(
        "{}: no row for {person}: every person's folder needs a row (leave an attribute empty \
         where it is unknown)",
        path.display()
    )]
    PersonWithoutRow { path: PathBuf, person: String },
    #[error("{}: cannot be read: {reason}", path.display())]
    PeopleUnreadable { path: PathBuf, reason: String },
    #[error("{}: line {line}: {message}", path.display())]
    PeopleInvalid {
        path: PathBuf,
        line: u64,
        message: String,
    },
}

/// What `people.csv` says about one person.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PersonRow {
    pub attributes: Attributes,
    pub enrol_photo: Option<String>,
}

/// Runs the protocol on the set: a review document fully labelled, with the protocol recorded.
pub fn run(
    request: &EvaluationRequest,
    on_progress: &mut dyn FnMut(Progress),
    cancel: &AtomicBool,
) -> Result<ReviewDocument, EvaluationSetError> {
    if !(0.0..=1.0).contains(&request.enrol_share) {
        return Err(EvaluationSetError::Share(request.enrol_share));
    }
    let planned = watchlist::plan(&request.set)?;
    if planned.is_empty() {
        return Err(EvaluationSetError::Empty {
            path: request.set.clone(),
        });
    }
    check_layout(&request.set, &planned)?;
    let people = people_of(&planned);
    let enrolled = enrolled_count(people.len(), request.enrol_share);
    if enrolled == 0 || enrolled == people.len() {
        return Err(EvaluationSetError::ShareLeavesOneSide {
            share: request.enrol_share,
            people: people.len(),
            enrolled,
        });
    }
    let schema = AttributeSchema::default();
    let rows = match &request.attributes {
        Some(path) => {
            let rows = read_people(path, &schema, &people)?;
            if let Some((person, _)) = people.iter().find(|(name, _)| !rows.contains_key(name)) {
                return Err(EvaluationSetError::PersonWithoutRow {
                    path: path.clone(),
                    person: person.clone(),
                });
            }
            rows
        }
        None => HashMap::new(),
    };
    check_no_photo_twice(&planned)?;
    // Hashed before the long run, so that a file moved meanwhile cannot cost the run.
    let attributes = match &request.attributes {
        Some(path) => Some((
            path.clone(),
            crate::digest::sha256_file(path)
                .map_err(|e| EvaluationSetError::PeopleUnreadable {
                    path: path.clone(),
                    reason: e.to_string(),
                })?
                .sha256,
        )),
        None => None,
    };
    let names: Vec<String> = people.iter().map(|p| p.0.clone()).collect();
    let chosen = choose_enrolled(names.len(), request.enrol_share, request.seed);

    on_progress(Progress::LoadingModels);
    let recognizer = request
        .recognizer
        .as_deref()
        .cloned()
        .unwrap_or_else(|| Recognizer::shipped(ModelRole::Recognizer));
    let mut pipeline = FacePipeline::load_with(request.vision.clone(), &recognizer)
        .map_err(AnalysisError::from)?;
    let settings = AnalysisSettings {
        threshold: request.threshold,
        top_k: request.top_k,
        vision: request.vision.clone(),
        sampling: Sampling::default(),
    };
    let files: Vec<PathBuf> = planned.iter().map(|p| p.path.clone()).collect();
    let inputs = files.iter().map(|path| not_analysed(path)).collect();
    let empty = Watchlist {
        root: request.set.clone(),
        identities: Vec::new(),
    };
    let mut found = ReviewDocument::new(settings, pipeline.models(), inputs, empty);
    found.tracking = TrackingSettings::for_recognizer(&recognizer.spec);
    let mut stages = super::Stages {
        first: &mut pipeline,
        others: &mut [],
    };
    find_faces_in_inputs(&mut found, &files, &mut stages, on_progress, cancel)?;

    let protocol_in = ProtocolInput {
        request,
        planned: &planned,
        people: &people,
        rows: &rows,
        chosen: &chosen,
        recognizer: &recognizer,
    };
    let mut document = protocol_in.apply(found);
    if let Some(protocol) = &mut document.evaluation_protocol {
        protocol.attributes = attributes;
    }
    Ok(document)
}

/// Refuses what the one-folder-per-person layout cannot hold without a silent guess: a photo
/// beside the folders (the watchlist would take it as a person named by its file name), a
/// person's folder named with a space at an end (no people.csv row could name it), a folder
/// inside a person's folder (whose photos would not be read), and a file in a person's folder
/// that is not a photo lineup reads (a .heic, a note): refused rather than listed as skipped,
/// so that every file of every person's folder is in the set's manifest and its hash. Files
/// beside the folders that are not photos (people.csv, a README) are no person's and are left.
fn check_layout(set: &Path, planned: &[PlannedPhoto]) -> Result<(), EvaluationSetError> {
    if let Some(loose) = planned.iter().find(|p| p.path.parent() == Some(set)) {
        return Err(EvaluationSetError::Layout {
            path: loose.path.clone(),
            what: "a photo outside the people's folders (move it into its person's folder)".into(),
        });
    }
    for folder in entries(set).into_iter().filter(|path| path.is_dir()) {
        check_person_folder(&folder)?;
    }
    Ok(())
}

/// The paths directly inside `folder`, in natural order; none where it cannot be listed (the
/// set was listed by the watchlist's plan just before, which says why it cannot).
fn entries(folder: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(folder)
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .collect();
    crate::footage::sort_naturally(&mut paths);
    paths
}

/// Refuses a person's folder the protocol would read otherwise than it looks: see
/// [`check_layout`].
fn check_person_folder(folder: &Path) -> Result<(), EvaluationSetError> {
    // Refused rather than trimmed: the folder's name is the person's name in the review,
    // the protocol's manifest and the re-run command, which must all name the same folder.
    let name = folder.file_name().map(|n| n.to_string_lossy());
    if name.is_some_and(|name| name.trim() != name) {
        return Err(EvaluationSetError::Layout {
            path: folder.to_path_buf(),
            what: "a person's folder whose name begins or ends with a space: people.csv's \
                   names are read without them, so no row could name it (rename the folder)"
                .into(),
        });
    }
    let inside = entries(folder);
    if inside.is_empty() {
        return Err(EvaluationSetError::Layout {
            path: folder.to_path_buf(),
            what: "a person's folder with no photo in it (remove it, or add their photos)".into(),
        });
    }
    for path in inside {
        if path.is_dir() {
            return Err(EvaluationSetError::Layout {
                path,
                what: "a folder inside a person's folder, whose photos would not be read (move \
                       them into the person's folder)"
                    .into(),
            });
        }
        if !crate::footage::is_image_path(&path) {
            return Err(EvaluationSetError::Layout {
                path,
                what: format!(
                    "a file evaluate does not read (photos are {}): convert it to one of \
                     these or move it out of the set, so that no file is left out unseen",
                    crate::footage::IMAGE_EXTENSIONS.join(", ")
                ),
            });
        }
    }
    Ok(())
}

/// Refuses a set holding the same file content twice, within one person or across two.
fn check_no_photo_twice(planned: &[PlannedPhoto]) -> Result<(), EvaluationSetError> {
    let mut seen: HashMap<String, &Path> = HashMap::new();
    for photo in planned {
        // An unreadable photo is skipped with its reason later, by the analysis.
        let Ok(digest) = crate::digest::sha256_file(&photo.path) else {
            continue;
        };
        if let Some(first) = seen.insert(digest.sha256.clone(), &photo.path) {
            return Err(EvaluationSetError::SamePhotoTwice {
                first: first.to_path_buf(),
                second: photo.path.clone(),
                sha256: digest.sha256,
            });
        }
    }
    Ok(())
}

/// How many of `people` a share enrols: `share × people` rounded half away from zero.
fn enrolled_count(people: usize, share: f64) -> usize {
    ((share * people as f64).round() as usize).min(people)
}

/// The people of a planned set in its order, each with the positions of their photos.
fn people_of(planned: &[PlannedPhoto]) -> Vec<(String, Vec<usize>)> {
    let mut people: Vec<(String, Vec<usize>)> = Vec::new();
    let mut position: HashMap<&str, usize> = HashMap::new();
    for (index, photo) in planned.iter().enumerate() {
        let at = *position.entry(&photo.identity).or_insert_with(|| {
            people.push((photo.identity.clone(), Vec::new()));
            people.len() - 1
        });
        people[at].1.push(index);
    }
    people
}

/// Which of `people` people are enrolled: a Fisher–Yates shuffle of `0..people` driven by
/// SplitMix64 seeded with `seed` (from the last position down, each swapped with one drawn as
/// `next() % (i + 1)`), of which the first `round(share × people)` are taken.
pub fn choose_enrolled(people: usize, share: f64, seed: u64) -> HashSet<usize> {
    let mut order: Vec<usize> = (0..people).collect();
    let mut state = seed;
    for i in (1..people).rev() {
        let j = (split_mix_64(&mut state) % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
    order
        .into_iter()
        .take(enrolled_count(people, share))
        .collect()
}

/// SplitMix64 (Steele, Lea, Flood 2014): a small generator anyone can re-implement in a few
/// lines to check which people a seed enrols.
fn split_mix_64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Reads `people.csv`: a `person` column naming each person's folder, an optional
/// `enrol_photo` column, and one column per attribute of `schema`. Every row is checked; the
/// first bad one is refused naming its line.
pub fn read_people(
    path: &Path,
    schema: &AttributeSchema,
    people: &[(String, Vec<usize>)],
) -> Result<HashMap<String, PersonRow>, EvaluationSetError> {
    let text = std::fs::read(path)
        .map_err(|e| e.to_string())
        .and_then(|bytes| {
            String::from_utf8(bytes)
                .map_err(|_| "it is not UTF-8 text: save it as \"CSV UTF-8\"".to_string())
        })
        .map_err(|reason| EvaluationSetError::PeopleUnreadable {
            path: path.to_path_buf(),
            reason,
        })?;
    let known: HashSet<&str> = people.iter().map(|(name, _)| name.as_str()).collect();
    parse_people(&text, schema, &known).map_err(|(line, message)| {
        EvaluationSetError::PeopleInvalid {
            path: path.to_path_buf(),
            line,
            message,
        }
    })
}

fn parse_people(
    text: &str,
    schema: &AttributeSchema,
    known: &HashSet<&str>,
) -> Result<HashMap<String, PersonRow>, (u64, String)> {
    use crate::review::csv::line_at;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| (1, e.to_string()))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let person_column = header
        .iter()
        .position(|h| h == PERSON_COLUMN)
        .ok_or((1, format!("no {PERSON_COLUMN:?} column")))?;
    let enrol_column = header.iter().position(|h| h == ENROL_PHOTO_COLUMN);
    let mut attribute_columns = Vec::new();
    for (index, name) in header.iter().enumerate() {
        if schema.get(name).is_some() {
            attribute_columns.push((index, name.clone()));
        } else if name != PERSON_COLUMN && name != ENROL_PHOTO_COLUMN {
            return Err((
                1,
                format!("unknown column {name:?}: not an attribute of the review's schema"),
            ));
        }
    }
    let mut rows: HashMap<String, PersonRow> = HashMap::new();
    let mut lines: HashMap<String, u64> = HashMap::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| line_at(text, p.byte()));
            (line, e.to_string())
        })?;
        let line = record.position().map_or(0, |p| line_at(text, p.byte()));
        let person = record[person_column].trim().to_string();
        if !known.contains(person.as_str()) {
            return Err((line, format!("no folder for person {person:?} in the set")));
        }
        if let Some(earlier) = lines.insert(person.clone(), line) {
            return Err((
                line,
                format!("person {person:?} is also on line {earlier}: give each person one row"),
            ));
        }
        let mut attributes = Attributes::new();
        for (column, name) in &attribute_columns {
            let value = record[*column].trim();
            if value.is_empty() || value == UNKNOWN {
                continue;
            }
            schema
                .check(name, value)
                .map_err(|e| (line, e.to_string()))?;
            attributes.insert(name.clone(), value.to_string());
        }
        let enrol_photo = enrol_column
            .map(|c| record[c].trim().to_string())
            .filter(|name| !name.is_empty());
        rows.insert(
            person,
            PersonRow {
                attributes,
                enrol_photo,
            },
        );
    }
    Ok(rows)
}

/// Everything the protocol is applied with, once every photo's faces are found.
struct ProtocolInput<'a> {
    request: &'a EvaluationRequest,
    planned: &'a [PlannedPhoto],
    people: &'a [(String, Vec<usize>)],
    rows: &'a HashMap<String, PersonRow>,
    chosen: &'a HashSet<usize>,
    recognizer: &'a Recognizer,
}

/// What one photo of the set is used as.
#[derive(Debug, Clone, PartialEq)]
enum Role {
    Enrolment,
    Search,
    Skipped(String),
}

impl ProtocolInput<'_> {
    /// Turns `found` (every photo an input, every face searched against nothing yet) into the
    /// review: the watchlist of enrolment photos, one labelled track per search.
    fn apply(&self, found: ReviewDocument) -> ReviewDocument {
        let faces = faces_per_input(&found);
        let usable = |photo: usize| -> Result<usize, String> { usability(&found, &faces, photo) };
        let mut roles: Vec<Role> = vec![Role::Search; self.planned.len()];
        let mut identities = Vec::new();
        let mut chosen_count = 0;
        let mut by_named_photo = 0;
        let mut not_enrolled = Vec::new();
        for (person_index, (name, photos)) in self.people.iter().enumerate() {
            for &photo in photos {
                if let Err(reason) = usable(photo) {
                    roles[photo] = Role::Skipped(reason);
                }
            }
            if !self.chosen.contains(&person_index) {
                continue;
            }
            chosen_count += 1;
            match self.enrolment_photo(name, photos, &roles) {
                Ok(photo) => {
                    roles[photo] = Role::Enrolment;
                    if self.named_enrolment_photo(name).is_some() {
                        by_named_photo += 1;
                    }
                    let detection = &found.detections[faces[photo][0]];
                    identities.push(Identity {
                        name: name.clone(),
                        photos: vec![EnrolmentPhoto {
                            path: self.relative(photo),
                            digest: found.inputs[photo].digest.clone().unwrap_or_else(|| {
                                crate::digest::FileDigest {
                                    sha256: String::new(),
                                    size_bytes: 0,
                                }
                            }),
                            bbox: detection.bbox,
                            detector_score: detection.detector_score,
                            embedding: detection.embedding.clone(),
                        }],
                    });
                }
                // Not on the watchlist, so their usable photos are non-mated searches, as for
                // anyone not chosen: skipping them would make the all-pairs 1:1 table depend on
                // the seed.
                Err(reason) => not_enrolled.push(format!(
                    "{reason}: their usable photos are non-mated searches"
                )),
            }
        }
        identities.sort_by(|a, b| natord::compare(&a.name, &b.name));
        let watchlist = Watchlist {
            root: self.request.set.clone(),
            identities,
        };
        let mut document = self.review(found, &faces, &roles, watchlist, chosen_count);
        document.warnings.extend(not_enrolled);
        if let Some(protocol) = &mut document.evaluation_protocol {
            protocol.enrolled_by_named_photo = Some(by_named_photo);
        }
        document
    }

    /// The enrolment photo `people.csv` names for `name`, if it names one.
    fn named_enrolment_photo(&self, name: &str) -> Option<&str> {
        self.rows
            .get(name)
            .and_then(|row| row.enrol_photo.as_deref())
    }

    /// The enrolment photo of a person chosen for enrolment: the one `people.csv` names, or their
    /// first usable photo. Err says why the person cannot be enrolled.
    fn enrolment_photo(
        &self,
        name: &str,
        photos: &[usize],
        roles: &[Role],
    ) -> Result<usize, String> {
        match self.named_enrolment_photo(name) {
            Some(file) => {
                let photo = photos
                    .iter()
                    .copied()
                    .find(|&p| self.planned[p].path.file_name().is_some_and(|f| f == file))
                    .ok_or_else(|| {
                        format!("{name}'s enrolment photo {file:?} is not in their folder, so {name} is not enrolled")
                    })?;
                match &roles[photo] {
                    Role::Skipped(why) => Err(format!(
                        "{name}'s enrolment photo {file:?} is unusable ({why}), so {name} is not enrolled"
                    )),
                    _ => Ok(photo),
                }
            }
            None => {
                let not_reached = Role::Skipped(NOT_REACHED.to_string());
                photos
                    .iter()
                    .copied()
                    .find(|&p| roles[p] == Role::Search)
                    .ok_or_else(|| match photos.iter().any(|&p| roles[p] == not_reached) {
                        // Not unusable: never looked at.
                        true => format!(
                            "{name}'s photos were not all reached before the run was cancelled, \
                             so {name} is not enrolled"
                        ),
                        false => format!("{name} has no usable photo to enrol"),
                    })
            }
        }
    }

    fn relative(&self, photo: usize) -> PathBuf {
        let path = &self.planned[photo].path;
        path.strip_prefix(&self.request.set)
            .unwrap_or(path)
            .to_path_buf()
    }

    /// The review: every photo but the enrolment photos an input, every usable one a labelled
    /// track searched against `watchlist`.
    fn review(
        &self,
        found: ReviewDocument,
        faces: &[Vec<usize>],
        roles: &[Role],
        watchlist: Watchlist,
        chosen: usize,
    ) -> ReviewDocument {
        let person_of: Vec<&str> = self.planned.iter().map(|p| p.identity.as_str()).collect();
        let mut document = ReviewDocument::new(
            found.settings.clone(),
            found.models.clone(),
            Vec::new(),
            watchlist,
        );
        document.complete = found.complete;
        document.tracking = found.tracking.clone();
        document.warnings = found.warnings.clone();
        let mut skipped = Vec::new();
        let mut search_person: Vec<&str> = Vec::new();
        for (photo, role) in roles.iter().enumerate() {
            let mut record: InputRecord = found.inputs[photo].clone();
            match role {
                Role::Enrolment => continue,
                Role::Skipped(reason) => {
                    document
                        .warnings
                        .push(format!("skipped {}: {reason}", record.path.display()));
                    skipped.push(SkippedPhoto {
                        path: self.relative(photo),
                        reason: reason.clone(),
                    });
                    if record.status == InputStatus::Analysed {
                        record.status = InputStatus::Failed(format!("skipped: {reason}"));
                    }
                    document.inputs.push(record);
                }
                Role::Search => {
                    let input = document.inputs.len();
                    document.inputs.push(record);
                    let mut detection = found.detections[faces[photo][0]].clone();
                    detection.source.input = input;
                    detection.candidates = matching::search_by(
                        &detection.embedding,
                        &document.watchlist,
                        document.settings.top_k,
                        document.score_metric(),
                    );
                    document.detections.push(detection);
                    search_person.push(person_of[photo]);
                }
            }
        }
        document.rebuild_tracks();
        let bound = self.recognizer.spec.near_duplicate_score();
        let near_duplicates = bound.map_or_else(Vec::new, |bound| {
            self.near_duplicates(&found, faces, roles, bound)
        });
        let metric = document.score_metric();
        // A reviewer's model's bound is their spec's word; lineup measured only its own models'.
        let whose = if self.recognizer.supplied_by_reviewer {
            ", by the bound the reviewer's spec states"
        } else {
            ""
        };
        for pair in &near_duplicates {
            document.warnings.push(format!(
                "{} and {} are photos of different people at {} {:.3} ({} {}{whose}): most \
                 likely the same photo under two names; FMR counts the pair as a false match",
                self.request.set.join(&pair.first).display(),
                self.request.set.join(&pair.second).display(),
                metric.name(),
                metric.own_value(pair.score),
                metric.name(),
                near_duplicate_side(metric, bound.unwrap_or(pair.score)),
            ));
        }
        if bound.is_none() {
            document.warnings.push(format!(
                "{}'s spec states no near-duplicate bound (`near_duplicate`): photos of \
                 different people that are copies of one picture were not looked for",
                self.recognizer.spec.name
            ));
        }
        let (mated, non_mated) = self.label(&mut document, &search_person);
        for identity in &document.watchlist.identities {
            if let Some(row) = self.rows.get(&identity.name) {
                document
                    .identity_attributes
                    .insert(identity.name.clone(), row.attributes.clone());
            }
        }
        document.slicing = self.slicing(&document.attribute_schema);
        document.evaluation_protocol = Some(EvaluationProtocol {
            set: self.request.set.clone(),
            set_sha256: set_sha256(&found, self),
            photos: self.planned.len(),
            people: self.people.len(),
            enrol_share: self.request.enrol_share,
            seed: self.request.seed,
            attributes: None,
            chosen,
            enrolled: document.watchlist.identities.len(),
            mated_searches: mated,
            non_mated_searches: non_mated,
            skipped,
            augmented: self
                .planned
                .iter()
                .filter(|p| {
                    p.path
                        .file_stem()
                        .is_some_and(|s| s.to_string_lossy().contains(AUGMENTED_MARK))
                })
                .count(),
            enrolled_by_named_photo: None,
            near_duplicates,
            near_duplicate_bound: bound,
            labels: document.search_labels(),
            identity_attributes: document.identity_attributes.clone(),
        });
        document
    }

    /// Every pair of usable photos of different people whose faces score as the same picture:
    /// lineup's score of their embeddings on the recognizer's own metric at least `bound` (the
    /// recognizer's near-duplicate bound, [`crate::vision::manifest::ModelSpec::near_duplicate`],
    /// as a lineup score). The byte-for-byte guard ([`check_no_photo_twice`]) misses a copy
    /// re-encoded or with a byte added; this does not.
    fn near_duplicates(
        &self,
        found: &ReviewDocument,
        faces: &[Vec<usize>],
        roles: &[Role],
        bound: f32,
    ) -> Vec<NearDuplicate> {
        let metric = found.score_metric();
        let usable: Vec<(usize, &crate::vision::Embedding)> = roles
            .iter()
            .enumerate()
            .filter(|(_, role)| !matches!(role, Role::Skipped(_)))
            .map(|(photo, _)| (photo, &found.detections[faces[photo][0]].embedding))
            .collect();
        let mut pairs = Vec::new();
        for (at, (first, a)) in usable.iter().enumerate() {
            for (second, b) in &usable[at + 1..] {
                if self.planned[*first].identity == self.planned[*second].identity {
                    continue;
                }
                let score = a.score(b, metric);
                if score >= bound {
                    pairs.push(NearDuplicate {
                        first: self.relative(*first),
                        second: self.relative(*second),
                        score,
                    });
                }
            }
        }
        pairs
    }

    /// The attributes people.csv gives a value of for anyone, crossed, in the schema's order
    /// (NISTIR 8280 crosses sex, age and region of birth too): so that the review opens, and
    /// `lineup report` measures it, by the groups the set was described by. None where no
    /// attributes were given: everyone is then one group.
    fn slicing(&self, schema: &AttributeSchema) -> Slicing {
        let given: Vec<&str> = schema
            .attributes
            .iter()
            .map(|definition| definition.name.as_str())
            .filter(|name| {
                self.rows
                    .values()
                    .any(|row| row.attributes.contains_key(*name))
            })
            .collect();
        Slicing::by(&given)
    }

    /// Labels every track (one per search: each photo is an input of its own) from who its
    /// photo is of; returns (mated, non-mated) searches.
    fn label(&self, document: &mut ReviewDocument, search_person: &[&str]) -> (usize, usize) {
        let (mut mated, mut non_mated) = (0, 0);
        for index in 0..document.tracks.len() {
            let Some(&first) = document.tracks[index].detections.first() else {
                continue;
            };
            // Detections were filed one per search, in the order of `search_person`.
            let person = search_person[first.index()];
            let label = match document.identity_by_name(person) {
                Some(identity) => {
                    mated += 1;
                    GroundTruth::OnWatchlist(identity)
                }
                None => {
                    non_mated += 1;
                    GroundTruth::NotOnWatchlist
                }
            };
            let track = &mut document.tracks[index];
            track.label = label;
            if label == GroundTruth::NotOnWatchlist {
                track.person = Some(person.to_string());
                if let Some(row) = self.rows.get(person) {
                    track.attributes = row.attributes.clone();
                }
            }
        }
        (mated, non_mated)
    }
}

/// "at least 0.95" for a similarity, "at most 0.10" for a distance: the near-duplicate bound
/// (a lineup score) on the metric's own scale.
fn near_duplicate_side(metric: crate::vision::manifest::Metric, bound: f32) -> String {
    use crate::vision::manifest::Metric;
    let side = match metric {
        Metric::Cosine => "at least",
        Metric::Euclidean => "at most",
    };
    format!("{side} {}", metric.own_value(bound))
}

/// The detections found in each input, by input.
fn faces_per_input(found: &ReviewDocument) -> Vec<Vec<usize>> {
    let mut faces = vec![Vec::new(); found.inputs.len()];
    for (index, detection) in found.detections.iter().enumerate() {
        if let Some(input) = faces.get_mut(detection.source.input) {
            input.push(index);
        }
    }
    faces
}

/// Why a photo the cancelled run did not reach was skipped.
const NOT_REACHED: &str = "not reached before the run was cancelled";

/// Ok(the photo's one face) when the photo can be used; Err(why not) otherwise.
fn usability(found: &ReviewDocument, faces: &[Vec<usize>], photo: usize) -> Result<usize, String> {
    match &found.inputs[photo].status {
        InputStatus::Failed(reason) => return Err(format!("{UNREADABLE_REASON}{reason}")),
        InputStatus::NotAnalysed => {
            return Err(format!("{NOT_REACHED_REASON} before the run was cancelled"));
        }
        InputStatus::Analysed => {}
    }
    match faces[photo].as_slice() {
        [face] => Ok(*face),
        [] => Err(format!("{NO_FACE_REASON}; each photo needs exactly one")),
        several => Err(format!(
            "{}{SEVERAL_FACES_REASON}; each photo needs exactly one",
            several.len()
        )),
    }
}

/// The set's hash: SHA-256 of its manifest, one `sha256sum` line per photo (`HASH  path`, the
/// path relative to the set's folder) in the set's order. A photo that could not be read has
/// `unreadable` in place of its hash.
fn set_sha256(found: &ReviewDocument, protocol: &ProtocolInput<'_>) -> String {
    let mut manifest = Sha256::new();
    for (photo, input) in found.inputs.iter().enumerate() {
        let hash = input
            .digest
            .as_ref()
            .map_or("unreadable", |d| d.sha256.as_str());
        manifest.update(format!("{hash}  {}\n", protocol.relative(photo).display()));
    }
    hex(&manifest.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_alone_decides_who_is_enrolled() {
        let first = choose_enrolled(100, 0.5, 7);
        assert_eq!(first.len(), 50);
        assert_eq!(first, choose_enrolled(100, 0.5, 7));
        assert_ne!(first, choose_enrolled(100, 0.5, 8));
        assert_eq!(choose_enrolled(3, 0.5, 1).len(), 2, "1.5 rounds to 2");
        assert!(choose_enrolled(10, 0.0, 1).is_empty());
        assert_eq!(choose_enrolled(10, 1.0, 1).len(), 10);
    }

    #[test]
    fn split_mix_64_gives_the_published_sequence() {
        // The first outputs for seed 1234567 in the reference implementation (Vigna).
        let mut state = 1234567;
        assert_eq!(split_mix_64(&mut state), 6457827717110365317);
        assert_eq!(split_mix_64(&mut state), 3203168211198807973);
    }

    fn people() -> Vec<(String, Vec<usize>)> {
        vec![("Ann".into(), vec![0, 1]), ("Bo".into(), vec![2])]
    }

    #[test]
    fn people_csv_gives_attributes_and_enrolment_photos() {
        let schema = AttributeSchema::default();
        let people = people();
        let known = people.iter().map(|(n, _)| n.as_str()).collect();
        let rows = parse_people(
            "person,skin,gender,enrol_photo\nAnn,7,female,b.jpg\nBo,,unknown,\n",
            &schema,
            &known,
        )
        .unwrap();
        assert_eq!(
            rows["Ann"].attributes.get("skin").map(String::as_str),
            Some("7")
        );
        assert_eq!(rows["Ann"].enrol_photo.as_deref(), Some("b.jpg"));
        assert!(rows["Bo"].attributes.is_empty());
    }

    #[test]
    fn a_bad_people_row_is_refused_with_its_line() {
        let schema = AttributeSchema::default();
        let people = people();
        let known = people.iter().map(|(n, _)| n.as_str()).collect();
        let bad = |text: &str| parse_people(text, &schema, &known).unwrap_err();
        assert_eq!(bad("person,skin\nAnn,7\nBo,11\n").0, 3);
        assert!(
            bad("person,skin\nAnn,7\nBo,11\n")
                .1
                .contains("not a value of skin")
        );
        assert_eq!(bad("person,skin\nCy,7\n").0, 2);
        assert_eq!(bad("person,skin\nAnn,7\nAnn,7\n").0, 3);
        assert_eq!(bad("name,skin\nAnn,7\n").0, 1);
        assert_eq!(bad("person,height\nAnn,7\n").0, 1);
    }
}
