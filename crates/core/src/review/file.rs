//! Reading and writing review documents. Writes are atomic: the document goes to a temporary
//! file beside the target, is flushed to disk, then renamed over it, so a crash or a full disk
//! leaves either the old file or the new one, never a mix.
//!
//! A review is saved as two files: its text (RON), the document of record, and a binary
//! sidecar beside it with the bulk of the analysis (boxes, landmarks, embeddings; see
//! [`super::sidecar`]), which the text names by file name, length and SHA-256. The sidecar,
//! named by its contents, is written first, then the text, then the sidecars of the same review
//! that the text no longer names are deleted: at every instant the text on disk names a
//! sidecar that is there.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::sidecar::{self, Sidecar, SidecarFile, SidecarProblem};
use super::{ReviewDocument, SCHEMA_VERSION, locations, scenario};
use crate::digest::sha256_bytes;
use crate::vision::bulk;

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("{}: cannot be read: {reason}", path.display())]
    Unreadable { path: PathBuf, reason: String },
    #[error("{}: cannot be saved: {reason}", path.display())]
    Unwritable { path: PathBuf, reason: String },
    #[error("{}: not a lineup review (it does not start like one: {reason})", path.display())]
    NotAReview { path: PathBuf, reason: String },
    #[error(
        "{}: written by a lineup with review schema version {found}; this lineup reads version {}. \
         Open it with a lineup of that version{}.",
        path.display(), SCHEMA_VERSION,
        if *found > SCHEMA_VERSION { " or newer" } else { ", or re-run the analysis" }
    )]
    UnsupportedVersion { path: PathBuf, found: u32 },
    #[error("{}: line {line}, column {column}: {message}", path.display())]
    Malformed {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{}: damaged: {reason}", path.display())]
    Inconsistent { path: PathBuf, reason: String },
    /// The sidecar the review names (its boxes, landmarks and embeddings) is missing or is not
    /// the one it names: the review is never loaded without them.
    #[error("{}: its sidecar {file} {problem}", path.display())]
    Sidecar {
        path: PathBuf,
        file: String,
        problem: SidecarProblem,
    },
}

/// Just enough of a document to learn its version before committing to its shape, and the
/// sidecar it names.
#[derive(Deserialize)]
#[serde(rename = "ReviewDocument")]
struct VersionProbe {
    schema_version: u32,
    #[serde(default)]
    sidecar: Option<Sidecar>,
}

/// Reads the review at `path` and its sidecar, its input and watchlist paths resolved against
/// its folder.
pub fn load(path: &Path) -> Result<ReviewDocument, ReviewError> {
    let text = read_text(path)?;
    let folder = locations::review_folder(path);
    let document = parse_checked(path, &text, &|named: &Sidecar| {
        read_sidecar_file(&folder, named)
    })?;
    Ok(locations::resolved(document, &folder))
}

/// The bytes of the sidecar `named` in `folder`, its size checked from the file's metadata
/// before anything is read (finding 10 of #21: a text naming a 3 GB file had it read whole
/// first), and never more read than the review says it has. Only a regular file is read: a
/// FIFO or a device would block or never end.
fn read_sidecar_file(folder: &Path, named: &Sidecar) -> Result<Vec<u8>, SidecarProblem> {
    if !sidecar::is_plain_name(&named.file) {
        return Err(SidecarProblem::NotAName);
    }
    let path = folder.join(&named.file);
    let unreadable = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::NotFound => SidecarProblem::Missing,
        _ => SidecarProblem::Unreadable(e.to_string()),
    };
    let metadata = std::fs::metadata(&path).map_err(unreadable)?;
    if !metadata.is_file() {
        return Err(SidecarProblem::Unreadable(
            "it is not a regular file".into(),
        ));
    }
    if metadata.len() != named.size_bytes {
        return Err(SidecarProblem::WrongSize {
            found: metadata.len(),
            expected: named.size_bytes,
        });
    }
    let file = std::fs::File::open(&path).map_err(unreadable)?;
    let mut bytes = Vec::with_capacity(usize::try_from(named.size_bytes).unwrap_or(0));
    // One byte more than it should have, so that a file grown since shows as the wrong size.
    std::io::Read::read_to_end(
        &mut std::io::Read::take(file, named.size_bytes.saturating_add(1)),
        &mut bytes,
    )
    .map_err(unreadable)?;
    Ok(bytes)
}

/// A reader of sidecars as [`parse_with_sidecar`] takes one: by file name, any I/O error.
fn by_name(
    read_sidecar: impl Fn(&str) -> std::io::Result<Vec<u8>> + Sync,
) -> impl Fn(&Sidecar) -> Result<Vec<u8>, SidecarProblem> + Sync {
    move |named: &Sidecar| {
        if !sidecar::is_plain_name(&named.file) {
            return Err(SidecarProblem::NotAName);
        }
        read_sidecar(&named.file).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => SidecarProblem::Missing,
            _ => SidecarProblem::Unreadable(e.to_string()),
        })
    }
}

/// How the sidecar a text names is read: its bytes, or what is wrong with it.
type SidecarReader<'a> = &'a (dyn Fn(&Sidecar) -> Result<Vec<u8>, SidecarProblem> + Sync);

fn read_text(path: &Path) -> Result<String, ReviewError> {
    let bytes = std::fs::read(path).map_err(|e| ReviewError::Unreadable {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    String::from_utf8(bytes).map_err(|_| ReviewError::NotAReview {
        path: path.to_path_buf(),
        reason: "it is not text".into(),
    })
}

/// The text of the review file at `path`, exactly as saved, and the name and bytes of the
/// sidecar it names (checked against the length and SHA-256 the text gives): what a signed
/// bundle carries of a review.
pub fn read_with_sidecar(path: &Path) -> Result<(Vec<u8>, Option<SidecarFile>), ReviewError> {
    let text = read_text(path)?;
    let probe = probe(path, &text)?;
    let Some(named) = probe.sidecar else {
        return Ok((text.into_bytes(), None));
    };
    let folder = locations::review_folder(path);
    let bytes = checked_sidecar(&named, &|named: &Sidecar| read_sidecar_file(&folder, named))
        .map_err(|problem| ReviewError::Sidecar {
            path: path.to_path_buf(),
            file: named.file.clone(),
            problem,
        })?;
    let sidecar = SidecarFile {
        name: named.file,
        bytes,
    };
    Ok((text.into_bytes(), Some(sidecar)))
}

/// Reads a review document from `text`, migrating older versions, and checks that its parts
/// refer to each other correctly; `path` only names the document in errors. A text that names a
/// sidecar is refused here (use [`parse_with_sidecar`]). [`load`] is this over a file's
/// contents; the fuzz target `review_parse` calls it directly.
pub fn parse(path: &Path, text: &str) -> Result<ReviewDocument, ReviewError> {
    parse_with_sidecar(path, text, |_| {
        Err(std::io::Error::from(std::io::ErrorKind::NotFound))
    })
}

/// [`parse`], with the faces (or the boxes, landmarks and embeddings) of a text that names a
/// sidecar read by `read_sidecar` from the sidecar's file name (checked against its length and
/// SHA-256).
pub fn parse_with_sidecar(
    path: &Path,
    text: &str,
    read_sidecar: impl Fn(&str) -> std::io::Result<Vec<u8>> + Sync,
) -> Result<ReviewDocument, ReviewError> {
    parse_checked(path, text, &by_name(read_sidecar))
}

/// [`parse_with_sidecar`] with a reader that can refuse a sidecar before reading it.
fn parse_checked(
    path: &Path,
    text: &str,
    read_sidecar: SidecarReader,
) -> Result<ReviewDocument, ReviewError> {
    // A big review's text and its sidecar take about as long each to read (issue #21), so the
    // sidecar named at the text's top, where `save` writes it, is read, checked and decoded on
    // a second thread while this one parses the text. The parsed text has the last word: if it
    // names another sidecar (a hand-edited text), that one is read afterwards.
    let named_at_top = named_sidecar_at_top(text);
    std::thread::scope(|scope| {
        let early = named_at_top.map(|named| {
            let wanted = named.clone();
            (
                named,
                scope.spawn(move || read_contents(&wanted, read_sidecar)),
            )
        });
        let counting = bulk::ReadingCount::start();
        // One parse into the whole shape, which a current review passes; only a text that
        // fails it is probed for its version, to say why.
        let mut document: ReviewDocument = match ron::from_str(text) {
            Ok(document) => document,
            Err(error) => {
                probe(path, text)?;
                return Err(malformed(path, text, &error));
            }
        };
        check_version(path, document.schema_version)?;
        let absent = counting.absent();
        let early = early.map(|(named, reading)| {
            let contents = reading
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (named, contents)
        });
        // The sidecar's columns are checked as they are read; faces listed in the text are
        // checked here by the same rules.
        let faces_in_text = document.sidecar.as_ref().is_none_or(|s| s.faces.is_none());
        attach_sidecar(path, &mut document, absent, early, read_sidecar)?;
        if faces_in_text {
            check_face_values(&document).map_err(|reason| inconsistent(path, reason))?;
        }
        check_references(&document).map_err(|reason| inconsistent(path, reason))?;
        settle_near_duplicate_bound(&mut document).map_err(|reason| inconsistent(path, reason))?;
        // After the sidecar: it holds the faces and the other recognizers' embeddings.
        if let Some(misfit) = document
            .other_recognizers
            .iter()
            .find_map(|run| run.misfit(&document))
        {
            return Err(inconsistent(path, misfit));
        }
        if let Some(off_scale) = document.score_off_its_scale() {
            return Err(inconsistent(path, off_scale));
        }
        migrate(&mut document);
        check_tracks(&document).map_err(|reason| inconsistent(path, reason))?;
        Ok(document)
    })
}

/// The sidecar named in the first few lines of `text`, where `save` writes it, found without
/// parsing the rest; None if it is not there.
fn named_sidecar_at_top(text: &str) -> Option<Sidecar> {
    const KEY: &str = "\n    sidecar: Some(";
    let top = (0..=text.len().min(4096))
        .rev()
        .find(|&end| text.is_char_boundary(end))?;
    let start = text[..top].find(KEY)? + KEY.len();
    let mut deserializer = ron::Deserializer::from_str(&text[start..]).ok()?;
    Sidecar::deserialize(&mut deserializer).ok()
}

/// The sidecar `named`, read by `read_sidecar`, checked against the length and SHA-256 the
/// review gives, and decoded.
fn read_contents(
    named: &Sidecar,
    read_sidecar: SidecarReader,
) -> Result<sidecar::Contents, SidecarProblem> {
    let bytes = checked_sidecar(named, read_sidecar)?;
    sidecar::read(&bytes)
}

/// The version and sidecar of `text`, or why it is not a review this lineup reads.
fn probe(path: &Path, text: &str) -> Result<VersionProbe, ReviewError> {
    let probe: VersionProbe = ron::from_str(text).map_err(|e| {
        // A review cut short or broken further down still starts like one: say where it breaks.
        if text.trim_start().starts_with("ReviewDocument(") {
            malformed(path, text, &e)
        } else {
            ReviewError::NotAReview {
                path: path.to_path_buf(),
                reason: e.code.to_string(),
            }
        }
    })?;
    check_version(path, probe.schema_version)?;
    Ok(probe)
}

fn check_version(path: &Path, found: u32) -> Result<(), ReviewError> {
    if (1..=SCHEMA_VERSION).contains(&found) {
        Ok(())
    } else {
        Err(ReviewError::UnsupportedVersion {
            path: path.to_path_buf(),
            found,
        })
    }
}

fn inconsistent(path: &Path, reason: String) -> ReviewError {
    ReviewError::Inconsistent {
        path: path.to_path_buf(),
        reason,
    }
}

/// Fills in the faces, or the boxes, landmarks and embeddings, the text left out from the
/// sidecar it names. `absent` is how many of those fields (the faces counting as one) the text
/// left out: all of them with a sidecar, none without, so that a review never loads with some
/// of its bulk silently at zero.
fn attach_sidecar(
    path: &Path,
    document: &mut ReviewDocument,
    absent: usize,
    read_early: Option<(Sidecar, Result<sidecar::Contents, SidecarProblem>)>,
    read_sidecar: SidecarReader,
) -> Result<(), ReviewError> {
    let Some(named) = document.sidecar.take() else {
        return match absent {
            0 => Ok(()),
            _ => Err(inconsistent(
                path,
                format!(
                    "{absent} of its faces' list, face boxes, landmarks or embeddings are \
                     missing from the text, and it names no sidecar that holds them"
                ),
            )),
        };
    };
    if let (Some(faces), false) = (named.faces, document.detections.is_empty()) {
        return Err(inconsistent(
            path,
            format!(
                "it names a sidecar that holds its {faces} faces, but its text lists {} faces too",
                document.detections.len()
            ),
        ));
    }
    let photos = document.watchlist.photo_count();
    // Each other recognizer's face embeddings, and its enrolment embeddings as one list.
    let other_recognizers: usize = document
        .other_recognizers
        .iter()
        .map(|run| run.faces.len() + 1)
        .sum();
    let in_sidecar = other_recognizers
        + match named.faces {
            // The faces' list itself, and each enrolment photo's box and embedding.
            Some(_) => 1 + 2 * photos,
            None => 3 * document.detections.len() + 2 * photos,
        };
    if absent != in_sidecar {
        return Err(inconsistent(
            path,
            format!(
                "it names a sidecar, which holds every box, landmark and embedding, but its \
                 text holds {} of them too",
                in_sidecar.saturating_sub(absent)
            ),
        ));
    }
    let sidecar_error = |problem| ReviewError::Sidecar {
        path: path.to_path_buf(),
        file: named.file.clone(),
        problem,
    };
    let contents = match read_early {
        Some((early, contents)) if early == named => contents,
        _ => read_contents(&named, read_sidecar),
    };
    sidecar::attach(contents.map_err(sidecar_error)?, document, named.faces).map_err(sidecar_error)
}

/// The bytes of the sidecar `named`, read by `read_sidecar` and checked against the length and
/// SHA-256 the review gives.
fn checked_sidecar(
    named: &Sidecar,
    read_sidecar: SidecarReader,
) -> Result<Vec<u8>, SidecarProblem> {
    let bytes = read_sidecar(named)?;
    if bytes.len() as u64 != named.size_bytes {
        return Err(SidecarProblem::WrongSize {
            found: bytes.len() as u64,
            expected: named.size_bytes,
        });
    }
    let digest = sha256_bytes(&bytes);
    if digest.sha256 != named.sha256 {
        return Err(SidecarProblem::WrongDigest {
            found: digest.sha256,
            expected: named.sha256.clone(),
        });
    }
    Ok(bytes)
}

fn malformed(path: &Path, text: &str, error: &ron::error::SpannedError) -> ReviewError {
    let mut message = error.code.to_string();
    // RON's own message for a cut-off file is about whatever token it met last.
    if !text.trim_end().ends_with(')') {
        message.push_str(
            " (the document stops before its closing bracket: the file is probably cut short)",
        );
    }
    ReviewError::Malformed {
        path: path.to_path_buf(),
        line: error.span.start.line,
        column: error.span.start.col,
        message,
    }
}

/// Every index in the document must point at something: a hand-edited or damaged file would
/// otherwise load and then fail deep inside metrics, export or the app.
fn check_references(document: &ReviewDocument) -> Result<(), String> {
    let inputs = document.inputs.len();
    for (number, detection) in document.detections.iter().enumerate() {
        if detection.source.input >= inputs {
            return Err(format!(
                "detection {number} is in input {}, but the review has only {inputs} inputs",
                detection.source.input
            ));
        }
    }
    check_candidate_identities(document)?;
    check_frames(document)?;
    check_face_order(document)?;
    let detections = document.detections.len();
    for track in &document.tracks {
        if track.detections.is_empty() {
            return Err(format!("track {} holds no detection", track.id));
        }
        if let Some(missing) = track.detections.iter().find(|d| d.index() >= detections) {
            return Err(format!(
                "track {} holds detection {}, but the review has only {detections} detections",
                track.id,
                missing.index()
            ));
        }
    }
    let tracks = document.tracks.len();
    if let Some(second) = &document.second_review {
        let labelled = second.labels.keys().copied();
        let settled = second.settled.iter().map(|s| s.track);
        if let Some(missing) = labelled.chain(settled).find(|t| t.index() >= tracks) {
            return Err(format!(
                "the second review labels track {}, but the review has only {tracks} tracks",
                missing.index()
            ));
        }
    }
    Ok(())
}

/// Every face lies in a frame its input has (where the input's frame count is known): no
/// analysis finds a face past the end, so a face moved there was edited in.
/// Refuses the first face with a value nothing measured could give.
fn check_face_values(document: &ReviewDocument) -> Result<(), String> {
    document
        .detections
        .iter()
        .enumerate()
        .find_map(|(index, face)| Some(format!("face {index}: {}", face.impossible_value()?)))
        .map_or(Ok(()), Err)
}

fn check_frames(document: &ReviewDocument) -> Result<(), String> {
    for (face, detection) in document.detections.iter().enumerate() {
        let Some(input) = document.inputs.get(detection.source.input) else {
            continue;
        };
        let Some(frames) = scenario::frame_bound(input.media.as_ref()) else {
            continue;
        };
        if detection.source.frame_index >= frames {
            return Err(scenario::frame_beyond_message(
                face,
                detection.source.frame_index,
                &input.path,
                frames,
            ));
        }
    }
    Ok(())
}

/// The faces are listed as every analysis lists them, input by input and, within an input,
/// frame by frame: a face moved to another input (or frame) by hand breaks that order even when
/// it is alone in its track, which the track rules cannot see.
fn check_face_order(document: &ReviewDocument) -> Result<(), String> {
    let place = |face: usize| {
        let source = &document.detections[face].source;
        (source.input, source.frame_index)
    };
    let Some(face) = (1..document.detections.len()).find(|&face| place(face) < place(face - 1))
    else {
        return Ok(());
    };
    let name = |face: usize| {
        document
            .inputs
            .get(place(face).0)
            .map_or(String::new(), |input| {
                format!(" ({})", input.path.display())
            })
    };
    Err(format!(
        "face {face} is of input {}{} frame {}, listed after face {} of input {}{} frame {}: an \
         analysis lists faces input by input, frame by frame, so it was moved by hand",
        place(face).0,
        name(face),
        place(face).1,
        face - 1,
        place(face - 1).0,
        name(face - 1),
        place(face - 1).1
    ))
}

/// The tracks are ones the tracker makes (one input each, one face a frame in frame order,
/// every face in exactly one): the rule `verify --recompute` applies to the evidence, applied
/// here too so that lineup never shows, measures or signs tracks its own verifier refuses.
fn check_tracks(document: &ReviewDocument) -> Result<(), String> {
    const LISTED: usize = 4;
    // A review with faces and no track at all was never linked (made by hand or by a test, as
    // version 1 files were before `migrate`): nothing is counted by track, so nothing rests on
    // a track the tracker could not make. `verify --recompute` refuses such evidence all the
    // same, as no analysis writes it.
    if document.tracks.is_empty() {
        return Ok(());
    }
    let problems = document.impossible_tracks();
    if problems.is_empty() {
        return Ok(());
    }
    let mut text = format!(
        "it holds track(s) the tracker could never have made: {}",
        problems
            .iter()
            .take(LISTED)
            .cloned()
            .collect::<Vec<_>>()
            .join("; ")
    );
    if problems.len() > LISTED {
        text.push_str(&format!(" and {} more", problems.len() - LISTED));
    }
    Err(text)
}

/// Every candidate, the review's own recognizer's and every other one's, names an identity of
/// the watchlist: one past it (a hand-edited sidecar) would count as an alert for nobody, be
/// signed and recorded in the evidence as a number that names no one.
fn check_candidate_identities(document: &ReviewDocument) -> Result<(), String> {
    let identities = document.watchlist.identities.len();
    let stray = |rows: &mut dyn Iterator<Item = &Vec<crate::matching::Candidate>>| {
        rows.enumerate().find_map(|(face, candidates)| {
            candidates
                .iter()
                .find(|c| c.identity.index() >= identities)
                .map(|c| (face, c.identity.index()))
        })
    };
    let own = stray(&mut document.detections.iter().map(|d| &d.candidates));
    let others = document.other_recognizers.iter().find_map(|run| {
        stray(&mut run.faces.iter().map(|f| &f.candidates))
            .map(|found| (format!("recognizer {}'s ", run.model.name), found))
    });
    match own.map(|found| (String::new(), found)).or(others) {
        Some((whose, (face, identity))) => Err(format!(
            "{whose}candidate of detection {face} names watchlist identity {identity}, but the \
             watchlist has only {identities} identities"
        )),
        None => Ok(()),
    }
}

/// An evaluation review's near-duplicate bound, settled and checked by its recognizer
/// ([`super::EvaluationProtocol::settle_near_duplicate_bound`]).
fn settle_near_duplicate_bound(document: &mut ReviewDocument) -> Result<(), String> {
    let recognizer = document.recognizer().cloned();
    match &mut document.evaluation_protocol {
        Some(protocol) => protocol.settle_near_duplicate_bound(recognizer.as_ref()),
        None => Ok(()),
    }
}

/// Brings an older document up to [`SCHEMA_VERSION`]. Version 1 had no tracks, labels or
/// attributes: its new fields arrive at their defaults and its detections are linked into tracks.
fn migrate(document: &mut ReviewDocument) {
    if document.schema_version == 1 {
        document.rebuild_tracks();
        document.schema_version = 2;
    }
}

pub fn to_text(document: &ReviewDocument) -> String {
    let config = ron::ser::PrettyConfig::new()
        .depth_limit(4)
        .struct_names(true);
    // Serialising plain data with string keys cannot fail.
    ron::ser::to_string_pretty(document, config).expect("a review document always serialises")
}

/// How many bytes [`save`] writes for `document`, its text and its sidecar together, made in
/// memory (the paths as given: a few bytes more or less than in a review's own folder).
pub fn saved_size(document: &ReviewDocument) -> u64 {
    let text = |document: &ReviewDocument| to_text(document).len() as u64;
    match sidecar::pack(document) {
        Some(bytes) => {
            let _leaving_out_the_bulk = bulk::WritingToSidecar::new();
            text(document) + bytes.len() as u64
        }
        None => text(document),
    }
}

/// Saves `document` to `path` atomically, its bulk in a sidecar beside it (see the module's
/// documentation), its input and watchlist paths stored relative to the review's folder where
/// they can be.
pub fn save(document: &ReviewDocument, path: &Path) -> Result<(), ReviewError> {
    save_in_steps(document, path, &mut |_| {})
}

/// Whether a review can be saved at `path` with its sidecar: its folder is there and takes
/// new files of the names a save writes. Checked before a long analysis (finding 2 of #21),
/// so that none is run only to be lost; a file already at `path` is left alone.
pub fn check_saveable(path: &Path) -> Result<(), ReviewError> {
    let unwritable = |reason: String| ReviewError::Unwritable {
        path: path.to_path_buf(),
        reason,
    };
    if path.file_name().is_none() {
        return Err(unwritable("it is no file name".into()));
    }
    if path.is_dir() {
        return Err(unwritable("it is a folder".into()));
    }
    let sidecar_name = sidecar::file_name(path, &"0".repeat(64));
    let mut trials = vec![path.with_file_name(&sidecar_name)];
    if !path.exists() {
        trials.push(path.to_path_buf());
    }
    for trial in trials {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&trial)
            .map_err(|e| {
                let name = trial.file_name().unwrap_or_default().to_string_lossy();
                unwritable(format!(
                    "{name} cannot be created there: {}",
                    save_failure(&e)
                ))
            })?;
        let _ = std::fs::remove_file(&trial);
    }
    Ok(())
}

/// How far a [`save_in_steps`] got: the moments a crash could fall between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SaveStep {
    SidecarWritten,
    TextWritten,
}

/// [`save`], calling `after` after each step (tests crash there).
pub(crate) fn save_in_steps(
    document: &ReviewDocument,
    path: &Path,
    after: &mut dyn FnMut(SaveStep),
) -> Result<(), ReviewError> {
    let unwritable = |target: &Path, e: std::io::Error| ReviewError::Unwritable {
        path: target.to_path_buf(),
        reason: save_failure(&e),
    };
    let mut stored = locations::for_saving(document, &locations::review_folder(path));
    // A save keeps the permissions someone gave the review (finding 11 of #21), for its text
    // and for its new sidecar alike.
    let permissions = std::fs::metadata(path).ok().map(|m| m.permissions());
    let text = match sidecar::pack(&stored) {
        Some(bytes) => {
            let digest = sha256_bytes(&bytes);
            let file = sidecar::file_name(path, &digest.sha256);
            let sidecar_path = path.with_file_name(&file);
            // Named after the review being saved, which is what its saver asked for.
            write_atomically_as(&sidecar_path, &bytes, permissions.clone()).map_err(|e| {
                ReviewError::Unwritable {
                    path: path.to_path_buf(),
                    reason: format!("its sidecar {file} cannot be written: {}", save_failure(&e)),
                }
            })?;
            after(SaveStep::SidecarWritten);
            stored.sidecar = Some(Sidecar {
                file,
                size_bytes: digest.size_bytes,
                sha256: digest.sha256,
                faces: Some(stored.detections.len()),
            });
            let _leaving_out_the_bulk = bulk::WritingToSidecar::new();
            to_text(&stored)
        }
        // Embeddings of different lengths fit no array: the text holds everything.
        None => to_text(&stored),
    };
    write_atomically_as(path, text.as_bytes(), permissions).map_err(|e| unwritable(path, e))?;
    after(SaveStep::TextWritten);
    let keep = stored.sidecar.as_ref().map(|s| s.file.as_str());
    remove_sidecars(path, keep);
    Ok(())
}

/// Deletes the sidecars of the review at `path` other than `keep`: those an earlier save (or a
/// save cut short) left. Failing to delete one leaves only a file nobody names.
/// Nor does it delete one another review text in the folder names (a copy made before a
/// re-analysis, finding 8 of #21).
fn remove_sidecars(path: &Path, keep: Option<&str>) {
    let folder = locations::review_folder(path);
    let Ok(entries) = std::fs::read_dir(&folder) else {
        return;
    };
    let unnamed: Vec<String> = entries
        .flatten()
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| sidecar::belongs_to(path, name) && Some(name.as_str()) != keep)
        .collect();
    if unnamed.is_empty() {
        return;
    }
    let named_elsewhere = sidecars_named_in(&folder);
    for name in unnamed {
        if !named_elsewhere.contains(&name) {
            let _ = std::fs::remove_file(folder.join(name));
        }
    }
}

/// The sidecars the review texts (`*.ron`, `*.ron.autosave`) in `folder` name at their top,
/// where `save` writes it: only each text's first 4 KB is read.
fn sidecars_named_in(folder: &Path) -> std::collections::HashSet<String> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Default::default();
    };
    entries
        .flatten()
        .filter(|entry| {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            name.ends_with(".ron") || name.ends_with(".ron.autosave")
        })
        .filter_map(|entry| {
            let mut top = Vec::with_capacity(4096);
            let file = std::fs::File::open(entry.path()).ok()?;
            std::io::Read::read_to_end(&mut std::io::Read::take(file, 4096), &mut top).ok()?;
            named_sidecar_at_top(&String::from_utf8_lossy(&top)).map(|named| named.file)
        })
        .collect()
}

/// Deletes the review file at `path` and its sidecars (an autosave once saved or discarded).
/// The sidecars go only once no text can name them: never from under a review still there.
pub fn remove_review_file(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        removed => {
            remove_sidecars(path, None);
            removed
        }
    }
}

/// Why a [`write_atomically`] failed, in words a person can act on. "No space left on device"
/// alone does not say that the file already there survived, which is what people worry about.
pub fn save_failure(error: &std::io::Error) -> String {
    // The OS error text is left out: tempfile adds the temporary file's name to it, which would
    // only confuse.
    let full = match error.kind() {
        std::io::ErrorKind::StorageFull => "the disk is full (no space left on device)",
        std::io::ErrorKind::QuotaExceeded => "the disk quota is used up",
        _ => return error.to_string(),
    };
    format!("{full}; any file already at this path is unchanged. Free some space and save again")
}

/// Writes `bytes` to `path` so that readers only ever see the old or the complete new contents.
/// The new file is created readable by its owner alone (0600 on Unix).
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomically_as(path, bytes, None)
}

/// [`write_atomically`], the new file given `permissions` (those of the file it replaces)
/// before it takes the file's place.
fn write_atomically_as(
    path: &Path,
    bytes: &[u8],
    permissions: Option<std::fs::Permissions>,
) -> std::io::Result<()> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut temporary = tempfile::Builder::new()
        .prefix(".lineup-save-")
        .tempfile_in(folder)?;
    temporary.write_all(bytes)?;
    if let Some(permissions) = permissions {
        temporary.as_file().set_permissions(permissions)?;
    }
    temporary.as_file().sync_all()?;
    temporary.persist(path).map_err(|e| e.error)?;
    // Make the rename itself durable.
    if let Ok(dir) = std::fs::File::open(folder) {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// The file autosaves of the review at `path` go to: beside it (`review.ron.autosave`), so that
/// replacing the review with it is a rename on one filesystem.
pub fn autosave_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".autosave");
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::IdentityId;
    use crate::matching::Candidate;
    use crate::review::DetectionRecord;

    #[test]
    fn other_files_are_not_reviews() {
        let err = parse(Path::new("notes.txt"), "hello world").unwrap_err();
        assert!(matches!(err, ReviewError::NotAReview { .. }), "{err}");
        assert!(
            err.to_string()
                .starts_with("notes.txt: not a lineup review")
        );
    }

    #[test]
    fn a_review_cut_short_is_malformed_where_it_ends() {
        let text = "ReviewDocument(\n  schema_version: 2,\n  lineup_version: \"0.1";
        match parse(Path::new("r.ron"), text).unwrap_err() {
            ReviewError::Malformed { line, message, .. } => {
                assert_eq!(line, 3);
                assert!(message.contains("probably cut short"), "{message}");
            }
            other => panic!("{other}"),
        }
    }

    #[test]
    fn other_versions_get_a_clear_message() {
        let err = parse(Path::new("r.ron"), "ReviewDocument(schema_version: 99)").unwrap_err();
        assert!(matches!(
            parse(Path::new("r.ron"), "ReviewDocument(schema_version: 0)"),
            Err(ReviewError::UnsupportedVersion { found: 0, .. })
        ));
        let message = err.to_string();
        assert!(matches!(
            err,
            ReviewError::UnsupportedVersion { found: 99, .. }
        ));
        assert!(
            message.contains("version 99") && message.contains("or newer"),
            "{message}"
        );
    }

    #[test]
    fn malformed_documents_report_line_and_column() {
        let text = "ReviewDocument(\n  schema_version: 1,\n  lineup_version: 7,\n)";
        match parse(Path::new("r.ron"), text).unwrap_err() {
            ReviewError::Malformed { line, column, .. } => assert_eq!((line, column), (3, 18)),
            other => panic!("{other}"),
        }
    }

    fn fixture() -> ReviewDocument {
        let text = include_str!("../../../../tests/fixtures/review_v1.ron");
        parse(Path::new("review_v1.ron"), text).unwrap()
    }

    /// Saves `document` and loads it again; the error, if any.
    fn reloaded(document: &ReviewDocument) -> String {
        match parse(Path::new("r.ron"), &to_text(document)) {
            Ok(_) => "it loaded".into(),
            Err(e) => e.to_string(),
        }
    }

    /// A face's ITA quartiles and a track's Monk range are saved and loaded; a review saved
    /// before they were recorded still loads, with its suggestion and no range.
    #[test]
    fn the_skin_tone_range_survives_save_and_load_and_older_files_load_without_it() {
        let mut document = fixture();
        document.detections[0].skin_ita = Some(38.0);
        document.detections[0].skin_ita_quartiles = Some((31.0, 46.0));
        document.tracks[0].skin_tone_suggestion = Some(4);
        document.tracks[0].skin_tone_range = Some((3, 5));
        let text = to_text(&document);
        let loaded = parse(Path::new("r.ron"), &text).unwrap();
        assert_eq!(loaded.detections[0].skin_ita_quartiles, Some((31.0, 46.0)));
        assert_eq!(loaded.tracks[0].skin_tone_range, Some((3, 5)));
        assert_eq!(loaded, document);

        let older: String = text
            .lines()
            .filter(|line| {
                !line.contains("skin_ita_quartiles") && !line.contains("skin_tone_range")
            })
            .map(|line| format!("{line}\n"))
            .collect();
        assert!(older.len() < text.len(), "the fields were in the file");
        let loaded = parse(Path::new("r.ron"), &older).unwrap();
        assert_eq!(loaded.detections[0].skin_ita, Some(38.0));
        assert_eq!(loaded.detections[0].skin_ita_quartiles, None);
        assert_eq!(loaded.tracks[0].skin_tone_suggestion, Some(4));
        assert_eq!(loaded.tracks[0].skin_tone_range, None);
    }

    #[test]
    fn indices_that_point_nowhere_are_damage_not_a_later_panic() {
        let mut document = fixture();
        assert!(!document.tracks.is_empty() && !document.detections.is_empty());
        document.tracks[0]
            .detections
            .push(crate::ids::DetectionId(9_999));
        assert!(
            reloaded(&document).starts_with(
                "r.ron: damaged: track 0 holds detection 9999, but the review has only"
            ),
            "{}",
            reloaded(&document)
        );
        document.tracks[0].detections.clear();
        assert_eq!(
            reloaded(&document),
            "r.ron: damaged: track 0 holds no detection"
        );
        let mut document = fixture();
        document.detections[0].source.input = 57;
        assert!(
            reloaded(&document).contains("detection 0 is in input 57, but the review has only"),
            "{}",
            reloaded(&document)
        );
    }

    /// Expert's finding 4 on issue #21: a candidate naming an identity past the watchlist (a
    /// hand-edited sidecar column) is refused at load, for the review's own recognizer and every
    /// other one, after the sidecar is attached.
    #[test]
    fn a_candidate_identity_past_the_watchlist_is_refused_at_load() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("review.ron");
        let mut document = faces_of_every_shape();
        let identities = document.watchlist.identities.len() as u32;
        let face = document
            .detections
            .iter()
            .position(|d| !d.candidates.is_empty())
            .unwrap();
        document.detections[face].candidates[0].identity = IdentityId(identities);
        save(&document, &path).unwrap();
        let error = load(&path).unwrap_err().to_string();
        assert!(
            error.contains(&format!(
                "candidate of detection {face} names watchlist identity {identities}, but the \
                 watchlist has only {identities} identities"
            )),
            "{error}"
        );
    }

    /// What #21 left: a review whose faces are listed in its text (saved before the sidecar
    /// held them, or hand-made) gets the same value checks as the sidecar's columns: values
    /// nothing measured could give are refused, naming the face and the field.
    #[test]
    fn impossible_values_in_a_text_that_lists_its_faces_are_refused() {
        let document = fixture();
        assert_eq!(reloaded(&document), "it loaded");
        let face = document
            .detections
            .iter()
            .position(|d| !d.candidates.is_empty())
            .unwrap();
        type Damage = fn(&mut DetectionRecord);
        let cases: [(Damage, &str); 8] = [
            (|d| d.detector_score = 7.5, "detector_score 7.5"),
            (|d| d.detector_score = f32::NAN, "detector_score NaN"),
            (|d| d.source.timestamp_s = -1e300, "timestamp_s -1e300"),
            (|d| d.skin_ita = Some(500.0), "skin_ita 500"),
            (
                |d| d.skin_ita_quartiles = Some((f32::NAN, 3.0)),
                "skin_ita_quartiles",
            ),
            (|d| d.bbox.x2 = f32::NAN, "bbox"),
            (|d| d.landmarks[4].y = f32::INFINITY, "landmarks"),
            (|d| d.candidates[0].score = f32::NAN, "candidate score NaN"),
        ];
        for (damage, field) in cases {
            let mut damaged = document.clone();
            damage(&mut damaged.detections[face]);
            let error = reloaded(&damaged);
            assert!(
                error.contains(&format!("face {face}: ")) && error.contains(field),
                "{field}: {error}"
            );
        }
        let mut embedding = document.clone();
        embedding.detections[face].embedding.0[3] = f32::NAN;
        let error = reloaded(&embedding);
        assert!(
            error.contains(&format!("face {face}: embedding")),
            "{error}"
        );
    }

    /// Expert's findings 6 and 3 on issue #21: tracks the tracker never makes (a face in two
    /// tracks, a track over two inputs: a face moved to another input) and a face past its
    /// input's frames are refused at load, by the rule `verify --recompute` applies, naming the
    /// face, the track and the input.
    #[test]
    fn tracks_the_tracker_never_makes_and_faces_past_their_input_are_refused_at_load() {
        let document = fixture();
        assert_eq!(reloaded(&document), "it loaded");
        assert!(document.impossible_tracks().is_empty());

        let mut twice = document.clone();
        let face = twice.tracks[0].detections[0];
        twice.tracks[1].detections.insert(0, face);
        let error = reloaded(&twice);
        assert!(
            error.contains("track(s) the tracker could never have made")
                && error.contains(&format!(
                    "face {} is in 2 tracks; the tracker puts every face in exactly one",
                    face.index()
                )),
            "{error}"
        );

        // A face added to a track of the other input, its own track gone (ids renumbered).
        let mut merged = document.clone();
        let own = merged.tracks.remove(0);
        assert_eq!(merged.detections[own.detections[0].index()].source.input, 0);
        let other = merged
            .tracks
            .iter_mut()
            .find(|t| merged.detections[t.detections[0].index()].source.input == 1)
            .unwrap();
        other.detections.insert(0, own.detections[0]);
        let other_id = other.id;
        let error = reloaded(&merged);
        assert!(
            error.contains(&format!(
                "track {other_id} holds faces of 2 inputs (obama2.jpg, t1.jpg)"
            )),
            "{error}"
        );

        // Finding 3: the last face, alone in its track, moved to the first input: the faces
        // are no longer listed input by input.
        let mut moved = document.clone();
        let last = moved.detections.len() - 1;
        moved.detections[last].source.input = 0;
        let error = reloaded(&moved);
        assert!(
            error.contains(&format!(
                "face {last} is of input 0 (photos/obama2.jpg) frame 0, listed after face {} of \
                 input 1 (photos/t1.jpg) frame 0",
                last - 1
            )),
            "{error}"
        );

        // A still has one frame: a face in its frame 3 was put there by hand.
        let mut past = document.clone();
        let still = past.detections[0].source.input;
        past.inputs[still].media = Some(crate::footage::MediaInfo::still(626, 1200));
        past.detections[0].source.frame_index = 3;
        let error = reloaded(&past);
        assert!(
            error.contains("face 0 is in frame 3 of photos/obama2.jpg, which has only 1 frames"),
            "{error}"
        );
    }

    /// What the review_parse fuzz target found within minutes with `check_references` switched
    /// off: a review with one detection and tracks that hold detections 1 to 6 made
    /// `track_match` index out of bounds (tracks.rs) in metrics and CSV export.
    #[test]
    fn the_fuzzers_tracks_past_the_detections_are_refused() {
        let text = include_str!(
            "../../../../fuzz/regressions/review_parse/track_points_past_detections.ron"
        );
        let err = parse(Path::new("r.ron"), text).unwrap_err();
        assert!(
            matches!(err, ReviewError::Inconsistent { .. })
                && err.to_string().contains("track 1 holds detection 1"),
            "{err}"
        );
    }

    /// A review keeps the footage and watchlist beside it relative to its own folder, so the
    /// folder can move to another machine; a file elsewhere keeps its absolute path.
    #[test]
    fn paths_beside_the_review_move_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let case = dir.path().join("case");
        let mut document = fixture();
        document.inputs[0].path = case.join("footage/cam 1.jpg");
        document.inputs[1].path = PathBuf::from("/elsewhere/t1.jpg");
        document.watchlist.root = case.join("watchlist");
        std::fs::create_dir_all(&case).unwrap();
        save(&document, &case.join("review.ron")).unwrap();
        let text = std::fs::read_to_string(case.join("review.ron")).unwrap();
        assert!(!text.contains(&*case.to_string_lossy()), "{text}");
        assert!(text.contains("\"footage/cam 1.jpg\""), "{text}");
        assert!(text.contains("\"/elsewhere/t1.jpg\""), "{text}");

        let moved = dir.path().join("on another machine");
        std::fs::rename(&case, &moved).unwrap();
        let loaded = load(&moved.join("review.ron")).unwrap();
        assert_eq!(loaded.inputs[0].path, moved.join("footage/cam 1.jpg"));
        assert_eq!(loaded.inputs[1].path, PathBuf::from("/elsewhere/t1.jpg"));
        assert_eq!(loaded.watchlist.root, moved.join("watchlist"));
    }

    /// Reviews written before paths were stored relative to the review read as they always did.
    #[test]
    fn older_reviews_keep_their_paths() {
        let document = fixture();
        assert_eq!(document.inputs[0].path, PathBuf::from("photos/obama2.jpg"));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.ron");
        std::fs::write(
            &path,
            include_str!("../../../../tests/fixtures/review_v1.ron"),
        )
        .unwrap();
        assert_eq!(
            load(&path).unwrap().inputs[0].path,
            PathBuf::from("photos/obama2.jpg")
        );
    }

    /// The fixture with its paths in `folder`, so that it loads back equal once saved there.
    fn fixture_in(folder: &Path) -> ReviewDocument {
        let mut document = fixture();
        for input in &mut document.inputs {
            input.path = folder.join(&input.path);
        }
        document.watchlist.root = folder.join("watchlist");
        document
    }

    /// The sidecars beside `path`'s review, by name.
    fn sidecars_of(path: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| sidecar::belongs_to(path, name))
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_saved_review_keeps_its_bulk_in_a_sidecar_and_loads_back_equal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("review.ron");
        let document = fixture_in(dir.path());
        assert!(!document.watchlist.identities[0].photos.is_empty());
        save(&document, &path).unwrap();

        let text = std::fs::read_to_string(&path).unwrap();
        let per_face = [
            "embedding:",
            "bbox:",
            "landmarks:",
            "DetectionRecord",
            "candidates:",
            "source:",
            "skin_ita",
        ];
        for field in per_face {
            assert!(
                !text.contains(field),
                "{field} is still in the text:\n{text}"
            );
        }
        for kept in [
            "tracks:",
            "detections: [",
            "label:",
            "identities:",
            "settings:",
        ] {
            assert!(text.contains(kept), "{kept} left the text");
        }
        let faces = format!("faces: Some({}),", document.detections.len());
        assert!(text.contains(&faces), "the text does not say {faces}");
        let sidecars = sidecars_of(&path);
        assert_eq!(sidecars.len(), 1, "{sidecars:?}");
        let bytes = std::fs::read(dir.path().join(&sidecars[0])).unwrap();
        let digest = sha256_bytes(&bytes);
        assert_eq!(
            sidecars[0],
            format!("review.ron.faces-{}.npz", &digest.sha256[..16])
        );
        assert!(
            text.contains(&digest.sha256) && text.contains(&sidecars[0]),
            "{text}"
        );
        assert_eq!(load(&path).unwrap(), document);
    }

    #[test]
    fn the_text_of_a_big_review_is_a_fraction_of_what_it_was() {
        let mut document = fixture();
        let face = document.detections[0].clone();
        document.detections = (0..2_000).map(|_| face.clone()).collect();
        document.tracks.clear();
        let whole = to_text(&document).len();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.ron");
        save(&document, &path).unwrap();
        let text = std::fs::metadata(&path).unwrap().len() as usize;
        assert!(
            text * 3 < whole,
            "the text is {text} bytes, the whole review in text {whole}"
        );
        assert_eq!(load(&path).unwrap().detections, document.detections);
    }

    /// A face in every shape its fixed record takes: no candidate or several, skin measured or
    /// not, a frame number past 32 bits and a time no float32 holds.
    fn faces_of_every_shape() -> ReviewDocument {
        let mut document = fixture();
        let face = document.detections[0].clone();
        let identities = document.watchlist.identities.len() as u32;
        document.detections = (0..7u32)
            .map(|n| {
                let mut face = face.clone();
                face.candidates = (0..n % (identities + 1))
                    .map(|i| Candidate {
                        identity: IdentityId((i + n) % identities),
                        score: 0.9 - 0.1 * i as f32 - 0.013 * n as f32,
                    })
                    .collect();
                face.source.frame_index = (1 << 40) + u64::from(n);
                face.source.timestamp_s = 1.0 / 3.0 + f64::from(n);
                face.detector_score = 0.5 + 0.07 * n as f32;
                face.skin_ita = (n % 2 == 0).then_some(-20.25 + n as f32);
                face.skin_ita_quartiles = (n % 4 == 0).then_some((-30.5, 12.125 + n as f32));
                face
            })
            .collect();
        document.rebuild_tracks();
        document
    }

    /// Every face's source, detector score, candidates and skin measurement leave the text for
    /// the sidecar's columns and come back exactly, in every shape.
    #[test]
    fn every_faces_fixed_record_survives_the_sidecars_columns_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("review.ron");
        let mut document = faces_of_every_shape();
        for input in &mut document.inputs {
            input.path = dir.path().join(&input.path);
        }
        document.watchlist.root = dir.path().join("watchlist");
        save(&document, &path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("candidates:"), "{text}");
        assert_eq!(load(&path).unwrap(), document);
    }

    /// The columns write an unmeasured skin as NaN; a measurement that is NaN itself could not
    /// be told from none, so such a review is saved whole in its text. No analysis gives one
    /// (`vision::skin::ita_of` is an arctangent of finite values), so the load refuses it, naming
    /// the face, by the rule the columns are read by.
    #[test]
    fn a_skin_measurement_of_nan_keeps_the_review_whole_in_its_text_and_is_refused() {
        let mut document = faces_of_every_shape();
        document.detections[1].skin_ita = Some(f32::NAN);
        assert!(sidecar::pack(&document).is_none());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("review.ron");
        save(&document, &path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("skin_ita: Some(NaN)"), "{text}");
        assert!(sidecars_of(&path).is_empty());
        let error = load(&path).unwrap_err().to_string();
        assert!(error.contains("face 1: skin_ita NaN"), "{error}");
    }

    /// Issue #21: a big review's text holds nothing per face, so that it parses in a fraction
    /// of the time. Before, each face's source, detector score, five candidates and skin
    /// measurement were about 600 bytes of text (a 100,000-face review: 60 of its 77 MB).
    /// Here, faces are added without tracks: the text may grow only by the digits of the
    /// sidecar's size and face count, never by anything per face.
    #[test]
    fn the_text_of_a_big_review_holds_nothing_per_face() {
        let dir = tempfile::tempdir().unwrap();
        let text_size = |faces: usize| {
            let mut document = fixture_in(dir.path());
            let mut face = document.detections[0].clone();
            face.candidates = (0..5)
                .map(|i| Candidate {
                    identity: IdentityId(i % 2),
                    score: 0.25 + 0.1 * i as f32,
                })
                .collect();
            face.skin_ita = Some(31.0);
            face.skin_ita_quartiles = Some((20.0, 40.0));
            document.detections = vec![face; faces];
            document.tracks.clear();
            let path = dir.path().join(format!("review-{faces}.ron"));
            save(&document, &path).unwrap();
            assert_eq!(load(&path).unwrap(), document);
            std::fs::metadata(&path).unwrap().len() as i64
        };
        let (few, many) = (text_size(10), text_size(3_000));
        assert!(
            (many - few).abs() < 16,
            "10 faces: {few} bytes of text, 3,000 faces: {many}"
        );
    }

    /// A review saved before the faces moved into the sidecar's columns (its text lists every
    /// face's source, score and candidates; its sidecar holds boxes, landmarks and embeddings)
    /// still loads, equal to the analysis it was saved from.
    #[test]
    fn a_review_saved_with_its_faces_in_the_text_still_loads() {
        let folder = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/sidecar_before_columns");
        let text = std::fs::read_to_string(folder.join("review.ron")).unwrap();
        assert!(text.contains("candidates:") && !text.contains("faces: Some("));
        let loaded = load(&folder.join("review.ron")).unwrap();
        let folder = locations::review_folder(&folder.join("review.ron"));
        assert_eq!(loaded, fixture_in(&folder));
    }

    /// The sidecar is read beside the text's parse from where `save` names it; a hand-edited
    /// text that names it elsewhere loads the same, and one that names it at the top but
    /// differently is read with the sidecar the whole text names.
    #[test]
    fn a_sidecar_named_anywhere_in_the_text_is_the_one_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("review.ron");
        let document = fixture_in(dir.path());
        save(&document, &path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let named = named_sidecar_at_top(&text).expect("named at the top");
        let start = text.find("    sidecar: Some(").unwrap();
        let end = start + text[start..].find("    )),\n").unwrap() + "    )),\n".len();
        let block = &text[start..end];
        let moved = format!(
            "{}{}{block})\n",
            &text[..start],
            &text[end..text.rfind(')').unwrap()]
        );
        assert!(named_sidecar_at_top(&moved).is_none(), "{moved}");
        std::fs::write(&path, &moved).unwrap();
        assert_eq!(load(&path).unwrap(), document);
        assert_eq!(
            parse_with_sidecar(&path, &moved, |_| Err(std::io::ErrorKind::NotFound.into()))
                .map(|_| ())
                .map_err(|e| e.to_string())
                .unwrap_err(),
            format!(
                "{}: its sidecar {} is missing; it holds the review's face boxes, landmarks and embeddings: copy or move it together with the review",
                path.display(),
                named.file
            )
        );
    }

    /// A text that says its sidecar holds every face but lists faces itself is damage, never
    /// a silent mix of the two.
    #[test]
    fn faces_both_in_the_text_and_the_sidecar_are_damage() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("review.ron");
        save(&fixture_in(dir.path()), &path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        // The faces as a text saved before the columns listed them.
        let before = include_str!("../../../../tests/fixtures/sidecar_before_columns/review.ron");
        let start = before.find("\n    detections: [\n").unwrap() + 1;
        let end = start + before[start..].find("\n    ],\n").unwrap() + "\n    ],\n".len();
        let both = text.replacen(
            "    warnings:",
            &format!("{}    warnings:", &before[start..end]),
            1,
        );
        assert!(both.len() > text.len());
        std::fs::write(&path, &both).unwrap();
        let error = load(&path).unwrap_err();
        assert!(
            matches!(error, ReviewError::Inconsistent { .. })
                && error.to_string().contains("faces too"),
            "{error}"
        );
    }

    /// A text that says its sidecar holds its faces, naming a sidecar without the face
    /// columns (one saved before them), is refused, naming the column it lacks.
    #[test]
    fn a_sidecar_without_the_columns_its_text_needs_is_refused() {
        let before = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/sidecar_before_columns");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("review.ron");
        save(&fixture_in(dir.path()), &path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let old_text = std::fs::read_to_string(before.join("review.ron")).unwrap();
        let old = named_sidecar_at_top(&old_text).unwrap();
        let new = named_sidecar_at_top(&text).unwrap();
        std::fs::copy(before.join(&old.file), dir.path().join(&old.file)).unwrap();
        let pointed = text
            .replace(&new.file, &old.file)
            .replace(&new.sha256, &old.sha256)
            .replace(
                &format!("size_bytes: {},", new.size_bytes),
                &format!("size_bytes: {},", old.size_bytes),
            );
        std::fs::write(&path, pointed).unwrap();
        let error = load(&path).unwrap_err();
        assert!(
            matches!(
                &error,
                ReviewError::Sidecar {
                    problem: SidecarProblem::Malformed(reason),
                    ..
                } if reason.contains("face_sources.npy")
            ),
            "{error}"
        );
    }

    #[test]
    fn a_missing_or_changed_sidecar_is_named_and_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("review.ron");
        save(&fixture_in(dir.path()), &path).unwrap();
        let name = sidecars_of(&path).remove(0);
        let sidecar_path = dir.path().join(&name);
        let original = std::fs::read(&sidecar_path).unwrap();

        let mut changed = original.clone();
        let middle = changed.len() / 2;
        changed[middle] ^= 1;
        std::fs::write(&sidecar_path, &changed).unwrap();
        let error = load(&path).unwrap_err();
        assert!(
            matches!(&error, ReviewError::Sidecar { file, problem: SidecarProblem::WrongDigest { .. }, .. } if *file == name),
            "{error}"
        );
        assert!(error.to_string().contains(&name), "{error}");

        std::fs::write(&sidecar_path, &original[..original.len() - 1]).unwrap();
        let error = load(&path).unwrap_err();
        assert!(
            matches!(
                error,
                ReviewError::Sidecar {
                    problem: SidecarProblem::WrongSize { .. },
                    ..
                }
            ),
            "{error}"
        );

        std::fs::remove_file(&sidecar_path).unwrap();
        let error = load(&path).unwrap_err();
        assert!(
            matches!(
                error,
                ReviewError::Sidecar {
                    problem: SidecarProblem::Missing,
                    ..
                }
            ),
            "{error}"
        );
        let message = error.to_string();
        assert!(
            message.contains(&name) && message.contains("is missing"),
            "{message}"
        );

        // Its text alone never reads as a review without its bulk.
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(matches!(
            parse(&path, &text),
            Err(ReviewError::Sidecar {
                problem: SidecarProblem::Missing,
                ..
            })
        ));
    }

    #[test]
    fn bulk_half_in_the_text_or_missing_without_a_sidecar_is_damage() {
        let mut document = fixture();
        document.sidecar = Some(Sidecar {
            file: "x.npz".into(),
            size_bytes: 1,
            sha256: "00".into(),
            faces: None,
        });
        let error = parse(Path::new("r.ron"), &to_text(&document)).unwrap_err();
        assert!(
            error.to_string().contains("names a sidecar") && error.to_string().contains("too"),
            "{error}"
        );
        let stored = {
            let _guard = bulk::WritingToSidecar::new();
            to_text(&fixture())
        };
        let error = parse(Path::new("r.ron"), &stored).unwrap_err();
        assert!(
            matches!(error, ReviewError::Inconsistent { .. })
                && error.to_string().contains("names no sidecar"),
            "{error}"
        );
    }

    /// A crash between any two steps of a save leaves a review that loads: the old one or the
    /// new one, its sidecar there; the old sidecar goes only once the new text is in place.
    #[test]
    fn at_every_step_of_a_save_the_review_on_disk_loads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("review.ron");
        let old = fixture_in(dir.path());
        save(&old, &path).unwrap();
        let old_sidecar = sidecars_of(&path);
        let mut new = old.clone();
        new.detections[0].embedding.0[0] += 0.5;
        new.detections[0].bbox.x1 += 1.0;
        let mut seen = Vec::new();
        save_in_steps(&new, &path, &mut |step| {
            let on_disk = load(&path).unwrap_or_else(|e| panic!("after {step:?}: {e}"));
            let expected = match step {
                SaveStep::SidecarWritten => &old,
                SaveStep::TextWritten => &new,
            };
            assert!(
                on_disk == *expected,
                "after {step:?} the review on disk is neither"
            );
            assert!(
                sidecars_of(&path).contains(&old_sidecar[0]),
                "after {step:?}"
            );
            seen.push(step);
        })
        .unwrap();
        assert_eq!(seen, [SaveStep::SidecarWritten, SaveStep::TextWritten]);
        let now = sidecars_of(&path);
        assert_eq!(now.len(), 1, "{now:?}");
        assert_ne!(now, old_sidecar);
        assert_eq!(load(&path).unwrap(), new);
    }

    #[test]
    fn removing_a_review_file_removes_its_sidecars_only() {
        let dir = tempfile::tempdir().unwrap();
        let review = dir.path().join("review.ron");
        let autosave = autosave_path(&review);
        save(&fixture_in(dir.path()), &review).unwrap();
        save(&fixture_in(dir.path()), &autosave).unwrap();
        assert_eq!(sidecars_of(&autosave).len(), 1);
        remove_review_file(&autosave).unwrap();
        assert!(sidecars_of(&autosave).is_empty() && !autosave.exists());
        assert_eq!(sidecars_of(&review).len(), 1);
        assert!(load(&review).is_ok());
    }

    /// Finding 2 of #21: a review named in CJK (79 bytes) or with a 200-byte name is saved,
    /// saved again (its old sidecar cleaned up) and loads.
    #[test]
    fn reviews_with_long_or_non_ascii_names_save_and_load() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "市中心攝像頭二零二六年十一月第三週審查報告草稿版本.ron".to_string(),
            format!("{}.ron", "_".repeat(196)),
        ] {
            let path = dir.path().join(&name);
            check_saveable(&path).unwrap();
            let mut document = fixture_in(dir.path());
            save(&document, &path).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(load(&path).unwrap(), document);
            document.detections[0].bbox.x1 += 1.0;
            save(&document, &path).unwrap();
            assert_eq!(sidecars_of(&path).len(), 1, "{name}");
            assert_eq!(load(&path).unwrap(), document);
        }
    }

    /// A name no sidecar can be created beside, or a missing folder, is refused before any
    /// analysis is run, and nothing is left behind.
    #[test]
    fn an_unsaveable_path_is_refused_up_front() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing/review.ron");
        assert!(check_saveable(&missing).is_err());
        let too_long = dir.path().join(format!("{}.ron", "a".repeat(252)));
        let error = check_saveable(&too_long).unwrap_err().to_string();
        assert!(error.contains("cannot be created"), "{error}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let folder = check_saveable(dir.path()).unwrap_err().to_string();
        assert!(folder.contains("it is a folder"), "{folder}");
    }

    /// Finding 8 of #21: `cp r.ron r-before-rerun.ron`, then re-analyse into r.ron: the copy
    /// still names the old sidecar, which the save must leave.
    #[test]
    fn a_save_keeps_the_sidecar_another_text_names() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.ron");
        let before = fixture_in(dir.path());
        save(&before, &path).unwrap();
        let copy = dir.path().join("r-before-rerun.ron");
        std::fs::copy(&path, &copy).unwrap();
        let mut rerun = before.clone();
        rerun.detections[0].embedding.0[0] += 0.5;
        save(&rerun, &path).unwrap();
        assert_eq!(load(&copy).unwrap(), before);
        assert_eq!(load(&path).unwrap(), rerun);
        // Once no text names it, the next save cleans it up.
        std::fs::remove_file(&copy).unwrap();
        rerun.detections[0].embedding.0[0] += 0.5;
        save(&rerun, &path).unwrap();
        assert_eq!(sidecars_of(&path).len(), 1);
    }

    /// Finding 10 of #21: a sidecar's size is checked from its metadata before it is read; a
    /// FIFO (which blocks whoever reads it) in its place is refused at once.
    #[cfg(unix)]
    #[test]
    fn a_sidecar_of_the_wrong_size_or_kind_is_refused_unread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("review.ron");
        save(&fixture_in(dir.path()), &path).unwrap();
        let sidecar_path = dir.path().join(sidecars_of(&path).remove(0));
        std::fs::remove_file(&sidecar_path).unwrap();
        let made = std::process::Command::new("mkfifo")
            .arg(&sidecar_path)
            .status()
            .unwrap();
        assert!(made.success());
        let (sender, receiver) = std::sync::mpsc::channel();
        let review = path.clone();
        std::thread::spawn(move || {
            let _ = sender.send(load(&review).map(|_| ()).map_err(|e| e.to_string()));
        });
        let outcome = receiver
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("loading blocked on a FIFO named as the sidecar");
        let error = outcome.unwrap_err();
        assert!(error.contains("not a regular file"), "{error}");
        std::fs::remove_file(&sidecar_path).unwrap();
        let big = std::fs::File::create(&sidecar_path).unwrap();
        big.set_len(3 << 30).unwrap();
        let error = load(&path).unwrap_err();
        assert!(
            matches!(
                error,
                ReviewError::Sidecar {
                    problem: SidecarProblem::WrongSize { found, .. },
                    ..
                } if found == 3 << 30
            ),
            "{error}"
        );
    }

    /// Finding 11 of #21: a save keeps the permissions the review had, for its text and its
    /// new sidecar (a team's shared review stays shared).
    #[cfg(unix)]
    #[test]
    fn a_save_keeps_the_reviews_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("review.ron");
        let mut document = fixture_in(dir.path());
        save(&document, &path).unwrap();
        let shared = std::fs::Permissions::from_mode(0o664);
        std::fs::set_permissions(&path, shared.clone()).unwrap();
        let sidecar_path = dir.path().join(sidecars_of(&path).remove(0));
        std::fs::set_permissions(&sidecar_path, shared).unwrap();
        document.detections[0].bbox.x1 += 1.0;
        save(&document, &path).unwrap();
        let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o664);
        let new_sidecar = dir.path().join(sidecars_of(&path).remove(0));
        assert_ne!(new_sidecar, sidecar_path);
        assert_eq!(mode(&new_sidecar), 0o664);
        // A new file is its owner's alone, as before.
        let fresh = dir.path().join("fresh.ron");
        save(&document, &fresh).unwrap();
        assert_eq!(mode(&fresh), 0o600);
    }

    #[test]
    fn a_full_disk_is_said_in_so_many_words() {
        let full = std::io::Error::from(std::io::ErrorKind::StorageFull);
        let reason = save_failure(&full);
        assert!(reason.starts_with("the disk is full (no space"), "{reason}");
        assert!(reason.contains("is unchanged"), "{reason}");
        let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        assert_eq!(save_failure(&denied), denied.to_string());
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_temporary_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("review.ron");
        write_atomically(&path, b"old").unwrap();
        write_atomically(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn saving_into_a_missing_folder_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing/review.ron");
        let err = write_atomically(&path, b"x").unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    }
}
