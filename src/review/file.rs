//! Reading and writing review documents. Writes are atomic: the document goes to a temporary
//! file beside the target, is flushed to disk, then renamed over it, so a crash or a full disk
//! leaves either the old file or the new one, never a mix.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{ReviewDocument, SCHEMA_VERSION};

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
}

/// Just enough of a document to learn its version before committing to its shape.
#[derive(Deserialize)]
#[serde(rename = "ReviewDocument")]
struct VersionProbe {
    schema_version: u32,
}

pub fn load(path: &Path) -> Result<ReviewDocument, ReviewError> {
    let text = std::fs::read_to_string(path).map_err(|e| ReviewError::Unreadable {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    parse(path, &text)
}

fn parse(path: &Path, text: &str) -> Result<ReviewDocument, ReviewError> {
    let probe: VersionProbe = ron::from_str(text).map_err(|e| ReviewError::NotAReview {
        path: path.to_path_buf(),
        reason: e.code.to_string(),
    })?;
    if !(1..=SCHEMA_VERSION).contains(&probe.schema_version) {
        return Err(ReviewError::UnsupportedVersion {
            path: path.to_path_buf(),
            found: probe.schema_version,
        });
    }
    let mut document: ReviewDocument = ron::from_str(text).map_err(|e| ReviewError::Malformed {
        path: path.to_path_buf(),
        line: e.span.start.line,
        column: e.span.start.col,
        message: e.code.to_string(),
    })?;
    migrate(&mut document);
    Ok(document)
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

/// Saves `document` to `path` atomically (temporary file, fsync, rename).
pub fn save(document: &ReviewDocument, path: &Path) -> Result<(), ReviewError> {
    write_atomically(path, to_text(document).as_bytes()).map_err(|e| ReviewError::Unwritable {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
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
