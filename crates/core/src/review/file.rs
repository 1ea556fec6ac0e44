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
use super::{ReviewDocument, SCHEMA_VERSION, locations};
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
    let document = parse_with_sidecar(path, &text, |name| std::fs::read(folder.join(name)))?;
    Ok(locations::resolved(document, &folder))
}

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
    let bytes =
        checked_sidecar(&named, |name| std::fs::read(folder.join(name))).map_err(|problem| {
            ReviewError::Sidecar {
                path: path.to_path_buf(),
                file: named.file.clone(),
                problem,
            }
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

/// [`parse`], with the boxes, landmarks and embeddings of a text that names a sidecar read by
/// `read_sidecar` from the sidecar's file name (checked against its length and SHA-256).
pub fn parse_with_sidecar(
    path: &Path,
    text: &str,
    read_sidecar: impl FnOnce(&str) -> std::io::Result<Vec<u8>>,
) -> Result<ReviewDocument, ReviewError> {
    let counting = bulk::ReadingCount::start();
    // One parse into the whole shape, which a current review passes; only a text that fails it
    // is probed for its version, to say why.
    let mut document: ReviewDocument = match ron::from_str(text) {
        Ok(document) => document,
        Err(error) => {
            probe(path, text)?;
            return Err(malformed(path, text, &error));
        }
    };
    check_version(path, document.schema_version)?;
    let absent = counting.absent();
    check_references(&document).map_err(|reason| inconsistent(path, reason))?;
    attach_sidecar(path, &mut document, absent, read_sidecar)?;
    // After the sidecar: it holds the other recognizers' enrolment embeddings.
    if let Some(misfit) = document
        .other_recognizers
        .iter()
        .find_map(|run| run.misfit(&document))
    {
        return Err(inconsistent(path, misfit));
    }
    migrate(&mut document);
    Ok(document)
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

/// Fills in the boxes, landmarks and embeddings the text left out from the sidecar it names.
/// `absent` is how many of those fields the text left out: all of them with a sidecar, none
/// without, so that a review never loads with some of its bulk silently at zero.
fn attach_sidecar(
    path: &Path,
    document: &mut ReviewDocument,
    absent: usize,
    read_sidecar: impl FnOnce(&str) -> std::io::Result<Vec<u8>>,
) -> Result<(), ReviewError> {
    let Some(named) = document.sidecar.take() else {
        return match absent {
            0 => Ok(()),
            _ => Err(inconsistent(
                path,
                format!(
                    "{absent} face boxes, landmarks or embeddings are missing from the text, \
                     and it names no sidecar that holds them"
                ),
            )),
        };
    };
    let photos = document.watchlist.photo_count();
    // Each other recognizer's face embeddings, and its enrolment embeddings as one list.
    let other_recognizers: usize = document
        .other_recognizers
        .iter()
        .map(|run| run.faces.len() + 1)
        .sum();
    let in_sidecar = 3 * document.detections.len() + 2 * photos + other_recognizers;
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
    let bytes = checked_sidecar(&named, read_sidecar).map_err(sidecar_error)?;
    sidecar::unpack(&bytes, document).map_err(sidecar_error)
}

/// The bytes of the sidecar `named`, read by `read_sidecar` and checked against the length and
/// SHA-256 the review gives.
fn checked_sidecar(
    named: &Sidecar,
    read_sidecar: impl FnOnce(&str) -> std::io::Result<Vec<u8>>,
) -> Result<Vec<u8>, SidecarProblem> {
    if !sidecar::is_plain_name(&named.file) {
        return Err(SidecarProblem::NotAName);
    }
    let bytes = read_sidecar(&named.file).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => SidecarProblem::Missing,
        _ => SidecarProblem::Unreadable(e.to_string()),
    })?;
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

/// Saves `document` to `path` atomically, its bulk in a sidecar beside it (see the module's
/// documentation), its input and watchlist paths stored relative to the review's folder where
/// they can be.
pub fn save(document: &ReviewDocument, path: &Path) -> Result<(), ReviewError> {
    save_in_steps(document, path, &mut |_| {})
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
    let text = match sidecar::pack(&stored) {
        Some(bytes) => {
            let digest = sha256_bytes(&bytes);
            let file = sidecar::file_name(path, &digest.sha256);
            let sidecar_path = path.with_file_name(&file);
            // Named after the review being saved, which is what its saver asked for.
            write_atomically(&sidecar_path, &bytes).map_err(|e| ReviewError::Unwritable {
                path: path.to_path_buf(),
                reason: format!("its sidecar {file} cannot be written: {}", save_failure(&e)),
            })?;
            after(SaveStep::SidecarWritten);
            stored.sidecar = Some(Sidecar {
                file,
                size_bytes: digest.size_bytes,
                sha256: digest.sha256,
            });
            let _leaving_out_the_bulk = bulk::WritingToSidecar::new();
            to_text(&stored)
        }
        // Embeddings of different lengths fit no array: the text holds everything.
        None => to_text(&stored),
    };
    write_atomically(path, text.as_bytes()).map_err(|e| unwritable(path, e))?;
    after(SaveStep::TextWritten);
    let keep = stored.sidecar.as_ref().map(|s| s.file.as_str());
    remove_sidecars(path, keep);
    Ok(())
}

/// Deletes the sidecars of the review at `path` other than `keep`: those an earlier save (or a
/// save cut short) left. Failing to delete one leaves only a file nobody names.
fn remove_sidecars(path: &Path, keep: Option<&str>) {
    let Ok(entries) = std::fs::read_dir(locations::review_folder(path)) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if sidecar::belongs_to(path, name) && Some(name) != keep {
            let _ = std::fs::remove_file(entry.path());
        }
    }
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
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut temporary = tempfile::Builder::new()
        .prefix(".lineup-save-")
        .tempfile_in(folder)?;
    temporary.write_all(bytes)?;
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
        for field in ["embedding:", "bbox:", "landmarks:"] {
            assert!(
                !text.contains(field),
                "{field} is still in the text:\n{text}"
            );
        }
        for kept in ["candidates:", "detector_score:", "source:", "tracks:"] {
            assert!(text.contains(kept), "{kept} left the text");
        }
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
