//! Reading and writing review documents. Writes are atomic: the document goes to a temporary
//! file beside the target, is flushed to disk, then renamed over it, so a crash or a full disk
//! leaves either the old file or the new one, never a mix.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{ReviewDocument, SCHEMA_VERSION, locations};

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
}

/// Just enough of a document to learn its version before committing to its shape.
#[derive(Deserialize)]
#[serde(rename = "ReviewDocument")]
struct VersionProbe {
    schema_version: u32,
}

/// Reads the review at `path`, its input and watchlist paths resolved against its folder.
pub fn load(path: &Path) -> Result<ReviewDocument, ReviewError> {
    let bytes = std::fs::read(path).map_err(|e| ReviewError::Unreadable {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let text = String::from_utf8(bytes).map_err(|_| ReviewError::NotAReview {
        path: path.to_path_buf(),
        reason: "it is not text".into(),
    })?;
    let document = parse(path, &text)?;
    Ok(locations::resolved(
        document,
        &locations::review_folder(path),
    ))
}

/// Reads a review document from `text`, migrating older versions, and checks that its parts
/// refer to each other correctly; `path` only names the document in errors. [`load`] is this
/// over a file's contents; the fuzz target `review_parse` calls it directly.
pub fn parse(path: &Path, text: &str) -> Result<ReviewDocument, ReviewError> {
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
    if !(1..=SCHEMA_VERSION).contains(&probe.schema_version) {
        return Err(ReviewError::UnsupportedVersion {
            path: path.to_path_buf(),
            found: probe.schema_version,
        });
    }
    let mut document: ReviewDocument =
        ron::from_str(text).map_err(|e| malformed(path, text, &e))?;
    check_references(&document).map_err(|reason| ReviewError::Inconsistent {
        path: path.to_path_buf(),
        reason,
    })?;
    migrate(&mut document);
    Ok(document)
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

/// Saves `document` to `path` atomically (temporary file, fsync, rename), its input and
/// watchlist paths stored relative to the review's folder where they can be.
pub fn save(document: &ReviewDocument, path: &Path) -> Result<(), ReviewError> {
    let stored = locations::for_saving(document, &locations::review_folder(path));
    write_atomically(path, to_text(&stored).as_bytes()).map_err(|e| ReviewError::Unwritable {
        path: path.to_path_buf(),
        reason: save_failure(&e),
    })
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
