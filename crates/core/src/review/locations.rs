//! Where a review's files are: the footage it analysed and its watchlist folder.
//!
//! A review stores these paths relative to its own folder when the file lies in that folder
//! (`footage/cam1.mp4`) or beside it in the folder that holds it (`../footage/cam1.mp4`), so that a
//! case folder moved to another machine still finds its footage; anything elsewhere keeps its
//! absolute path. [`resolve`] is the one place a stored path becomes a real one: `load` resolves
//! every path against the review's folder, so that in memory every path is one that opens, and
//! `save` stores them relative again for wherever the review is written. Reviews written before
//! this (`paths_relative_to_review` absent) keep their paths exactly as they were.
//!
//! When files have moved anyway, [`find_by_digest`] looks for them in a folder the reviewer
//! names, by size and SHA-256: only a file whose content is the one analysed is relinked.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use super::ReviewDocument;
use crate::digest::{FileDigest, sha256_file};

/// The path a stored `path` stands for in a review in `folder` (absolute): itself when absolute,
/// otherwise joined to the folder, with `.` and `..` worked out.
pub fn resolve(stored: &Path, folder: &Path) -> PathBuf {
    if stored.is_absolute() {
        stored.to_path_buf()
    } else {
        normalised(&folder.join(stored))
    }
}

/// How `path` is stored in a review in `folder` (both absolute): relative when it lies in the
/// folder or in the folder that holds it (unless that is the root of the file system), else as
/// it is.
pub fn stored(path: &Path, folder: &Path) -> PathBuf {
    let path = normalised(path);
    if let Ok(inside) = path.strip_prefix(folder) {
        return inside.to_path_buf();
    }
    if let Some(parent) = folder.parent().filter(|p| p.parent().is_some())
        && let Ok(beside) = path.strip_prefix(parent)
    {
        return Path::new("..").join(beside);
    }
    path
}

/// The absolute folder a review at `review` lives in (relative review paths are taken from the
/// working folder).
pub fn review_folder(review: &Path) -> PathBuf {
    let absolute = std::path::absolute(review).unwrap_or_else(|_| review.to_path_buf());
    normalised(absolute.parent().unwrap_or(Path::new("/")))
}

/// `path` with `.` dropped and `..` taking back the folder before it, without asking the file
/// system (the files may not exist here).
fn normalised(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The document as it is written in `folder`: its paths stored relative where they can be.
/// Paths still relative in memory (from an older review, or typed on the command line) are
/// taken from the working folder, as they were opened.
pub(super) fn for_saving(document: &ReviewDocument, folder: &Path) -> ReviewDocument {
    let store = |path: &Path| {
        // The scenario's placeholder names no file: stored as itself, so that the same seed
        // writes the same bytes wherever it is run.
        if super::scenario::is_placeholder(path) {
            return PathBuf::from(super::scenario::SIMULATED_SOURCE);
        }
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        stored(&absolute, folder)
    };
    let mut saved = document.clone();
    for input in &mut saved.inputs {
        input.path = store(&input.path);
    }
    saved.watchlist.root = store(&saved.watchlist.root);
    saved.paths_relative_to_review = true;
    saved
}

/// A document just read from `folder`, with its stored paths resolved.
pub(super) fn resolved(mut document: ReviewDocument, folder: &Path) -> ReviewDocument {
    if !document.paths_relative_to_review {
        return document;
    }
    // The scenario's placeholder is no file in the folder: it stays as it is.
    let resolve = |path: &Path| match super::scenario::is_placeholder(path) {
        true => path.to_path_buf(),
        false => resolve(path, folder),
    };
    for input in &mut document.inputs {
        input.path = resolve(&input.path);
    }
    document.watchlist.root = resolve(&document.watchlist.root);
    document.paths_relative_to_review = false;
    document
}

/// A file the review refers to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum ReviewFile {
    /// The input at this index.
    Input(usize),
    /// A watchlist identity's enrolment photo (indices into the watchlist).
    Photo { identity: usize, photo: usize },
}

/// A file of the review that is not where the review says, or is there with other content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingFile {
    pub file: ReviewFile,
    /// Where the review expects it.
    pub path: PathBuf,
    /// The end of `path` a namesake shares: a photo's path inside the watchlist folder
    /// (`bob/1.jpg`), an input's file name.
    pub name: PathBuf,
    /// Its recorded size and SHA-256; None when the analysis could not read it.
    pub digest: Option<FileDigest>,
    pub why: WhyMissing,
}

/// Why a file counts as missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum WhyMissing {
    /// No file at its path.
    NotThere,
    /// A file at its path, but its size or SHA-256 is not the recorded one: not the file
    /// analysed.
    OtherContent,
}

impl MissingFile {
    /// "footage file cam1.mp4 is not at /old/cam1.mp4", or "... at PATH is not the file
    /// analysed: its SHA-256 differs".
    pub fn describe(&self) -> String {
        let what = match self.file {
            ReviewFile::Input(_) => "footage file",
            ReviewFile::Photo { .. } => "watchlist photo",
        };
        let name = self.name.display();
        let path = self.path.display();
        match self.why {
            WhyMissing::NotThere => format!("{what} {name} is not at {path}"),
            WhyMissing::OtherContent => {
                format!("{what} {name} at {path} is not the file analysed: its SHA-256 differs")
            }
        }
    }

    /// Whether the file at `path` is the one recorded: same size, then same SHA-256 (by
    /// `sha256`, which may look the file up in a cache). No digest recorded: nothing to compare.
    pub fn content_matches(
        &self,
        sha256: impl FnOnce(&Path) -> std::io::Result<FileDigest>,
    ) -> bool {
        let Some(recorded) = &self.digest else {
            return true;
        };
        let same_size = std::fs::metadata(&self.path).is_ok_and(|m| m.len() == recorded.size_bytes);
        same_size && sha256(&self.path).is_ok_and(|now| now == *recorded)
    }
}

impl ReviewDocument {
    /// Every input and enrolment photo that is not a file where the review says (in memory,
    /// after `load`, paths are resolved). Inputs that were never read are left out: there is
    /// nothing of theirs to show.
    pub fn missing_files(&self) -> Vec<MissingFile> {
        self.recorded_files()
            .filter(|file| !file.path.is_file())
            .collect()
    }

    /// Every input and enrolment photo with a recorded digest that is a file where the review
    /// says: whose content is still to be checked (as [`WhyMissing::OtherContent`], should it
    /// differ).
    pub fn present_files(&self) -> Vec<MissingFile> {
        self.recorded_files()
            .filter(|file| file.digest.is_some() && file.path.is_file())
            .map(|file| MissingFile {
                why: WhyMissing::OtherContent,
                ..file
            })
            .collect()
    }

    fn recorded_files(&self) -> impl Iterator<Item = MissingFile> + '_ {
        let inputs = self
            .inputs
            .iter()
            .enumerate()
            .filter(|(_, input)| input.digest.is_some())
            .map(|(index, input)| MissingFile {
                file: ReviewFile::Input(index),
                path: input.path.clone(),
                name: input
                    .path
                    .file_name()
                    .map_or_else(|| input.path.clone(), PathBuf::from),
                digest: input.digest.clone(),
                why: WhyMissing::NotThere,
            });
        let photos = self
            .watchlist
            .identities
            .iter()
            .enumerate()
            .flat_map(|(identity, entry)| {
                entry
                    .photos
                    .iter()
                    .enumerate()
                    .map(move |(photo, p)| (ReviewFile::Photo { identity, photo }, p))
            })
            .map(|(file, photo)| MissingFile {
                file,
                path: self.watchlist.root.join(&photo.path),
                name: photo.path.clone(),
                digest: Some(photo.digest.clone()),
                why: WhyMissing::NotThere,
            });
        inputs.chain(photos)
    }
}

/// How far a search goes: folders deep, and entries looked at, so that pointing it at `/` ends.
#[derive(Debug, Clone, Copy)]
pub struct SearchLimits {
    pub depth: usize,
    pub entries: usize,
}

impl Default for SearchLimits {
    fn default() -> Self {
        SearchLimits {
            depth: 12,
            entries: 200_000,
        }
    }
}

/// What a search found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Search {
    /// Missing files found, each with where it is now (same size and SHA-256 as recorded).
    pub found: Vec<(MissingFile, PathBuf)>,
    /// Missing files not found.
    pub still_missing: Vec<MissingFile>,
    /// Files with a missing file's name but other content: refused.
    pub refused: Vec<(MissingFile, PathBuf)>,
    /// Files whose SHA-256 was worked out.
    pub hashed: usize,
    /// The search stopped at its limits (or was cancelled) before looking everywhere.
    pub incomplete: bool,
}

/// How a search is going, for a progress bar.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SearchProgress {
    pub entries_seen: usize,
    pub hashed: usize,
}

/// Looks in `folder` (and below, within `limits`) for the `missing` files by content: a file is
/// taken only when its size and SHA-256 are the recorded ones. Only files of a wanted size are
/// hashed. A file whose path ends with a wanted file's name (a photo's path inside the
/// watchlist folder, an input's file name) but has other content is listed as refused. `cancel` stops it
/// early (the search is then incomplete).
pub fn find_by_digest(
    folder: &Path,
    missing: &[MissingFile],
    limits: SearchLimits,
    cancel: &AtomicBool,
    mut progress: impl FnMut(SearchProgress),
) -> std::io::Result<Search> {
    let sizes: BTreeMap<u64, ()> = missing
        .iter()
        .filter_map(|m| m.digest.as_ref().map(|d| (d.size_bytes, ())))
        .collect();
    let mut search = Search::default();
    let mut where_now: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut refused: Vec<(usize, PathBuf)> = Vec::new();
    let mut seen = SearchProgress::default();
    let mut folders = vec![(folder.to_path_buf(), 0usize)];
    std::fs::read_dir(folder)?;
    while let Some((current, depth)) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&current) else {
            continue;
        };
        let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        for path in entries {
            seen.entries_seen += 1;
            if seen.entries_seen > limits.entries || cancel.load(Ordering::Relaxed) {
                search.incomplete = true;
                folders.clear();
                break;
            }
            // Links are not followed, so a link back up cannot make the search go round.
            let Ok(meta) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            if meta.is_dir() {
                if depth < limits.depth {
                    folders.push((path, depth + 1));
                } else {
                    search.incomplete = true;
                }
                continue;
            }
            if !meta.is_file() {
                continue;
            }
            let digest = if sizes.contains_key(&meta.len()) {
                seen.hashed += 1;
                progress(seen);
                sha256_file(&path).ok()
            } else {
                None
            };
            for (index, wanted) in missing.iter().enumerate() {
                let Some(recorded) = &wanted.digest else {
                    continue;
                };
                if digest.as_ref() == Some(recorded) {
                    where_now
                        .entry(recorded.sha256.clone())
                        .or_insert_with(|| path.clone());
                } else if path.ends_with(&wanted.name) {
                    refused.push((index, path.clone()));
                }
            }
        }
        progress(seen);
    }
    search.hashed = seen.hashed;
    for wanted in missing {
        let now = wanted
            .digest
            .as_ref()
            .and_then(|d| where_now.get(&d.sha256));
        match now {
            Some(path) => search.found.push((wanted.clone(), path.clone())),
            None => search.still_missing.push(wanted.clone()),
        }
    }
    search.refused = refused
        .into_iter()
        .filter(|(index, _)| search.still_missing.contains(&missing[*index]))
        .map(|(index, path)| (missing[index].clone(), path))
        .collect();
    Ok(search)
}

/// The enrolment photos there are in `root`, were it the watchlist folder, each with its
/// recorded digest, to be checked (as [`WhyMissing::OtherContent`]) before the folder moves there.
pub fn photos_present_in(document: &ReviewDocument, root: &Path) -> Vec<MissingFile> {
    document
        .recorded_files()
        .filter(|file| matches!(file.file, ReviewFile::Photo { .. }))
        .filter_map(|file| {
            let path = root.join(&file.name);
            path.is_file().then_some(MissingFile {
                path,
                why: WhyMissing::OtherContent,
                ..file
            })
        })
        .collect()
}

/// The watchlist folder the photos found imply: each found photo's path less its path inside
/// the watchlist. None when no photo was found or they disagree.
pub fn watchlist_root_from(
    document: &ReviewDocument,
    found: &[(MissingFile, PathBuf)],
) -> Option<PathBuf> {
    let mut roots = found.iter().filter_map(|(missing, now)| {
        let ReviewFile::Photo { identity, photo } = missing.file else {
            return None;
        };
        let inside = &document
            .watchlist
            .identities
            .get(identity)?
            .photos
            .get(photo)?
            .path;
        let mut root = now.clone();
        for _ in inside.components() {
            root.pop();
        }
        now.ends_with(inside).then_some(root)
    });
    let first = roots.next()?;
    roots.all(|root| root == first).then_some(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_in_or_beside_the_review_folder_are_stored_relative() {
        let folder = Path::new("/cases/case 7/review");
        assert_eq!(
            stored(Path::new("/cases/case 7/review/a/b.mp4"), folder),
            Path::new("a/b.mp4")
        );
        assert_eq!(
            stored(Path::new("/cases/case 7/footage/b.mp4"), folder),
            Path::new("../footage/b.mp4")
        );
        assert_eq!(
            stored(Path::new("/media/usb/b.mp4"), folder),
            Path::new("/media/usb/b.mp4")
        );
        // Beside a review in a top-level folder is anywhere on the disk: kept absolute.
        assert_eq!(
            stored(Path::new("/other/b.mp4"), Path::new("/tmp")),
            Path::new("/other/b.mp4")
        );
        for path in [
            "/cases/case 7/review/a/b.mp4",
            "/cases/case 7/footage/b.mp4",
            "/media/b.mp4",
        ] {
            assert_eq!(
                resolve(&stored(Path::new(path), folder), folder),
                Path::new(path)
            );
        }
        assert_eq!(
            resolve(Path::new("../x/./y.jpg"), Path::new("/a/b")),
            Path::new("/a/x/y.jpg")
        );
    }

    fn missing(name: &str, content: &[u8]) -> MissingFile {
        MissingFile {
            file: ReviewFile::Input(0),
            path: Path::new("/gone").join(name),
            name: name.into(),
            why: WhyMissing::NotThere,
            digest: Some(FileDigest {
                sha256: crate::digest::hex(&<sha2::Sha256 as sha2::Digest>::digest(content)),
                size_bytes: content.len() as u64,
            }),
        }
    }

    /// Only a file with the recorded content is relinked, wherever below the folder it is and
    /// whatever it is called now; a file with the same name but other content is refused.
    #[test]
    fn files_are_found_by_content_and_namesakes_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("copied/deeper")).unwrap();
        std::fs::write(dir.path().join("copied/deeper/renamed.mp4"), b"camera one").unwrap();
        std::fs::write(dir.path().join("cam2.mp4"), b"camera 2 edited").unwrap();
        std::fs::write(dir.path().join("same size.mp4"), b"camera 2 !").unwrap();
        let wanted = [
            missing("cam1.mp4", b"camera one"),
            missing("cam2.mp4", b"camera two"),
        ];
        let mut calls = 0;
        let search = find_by_digest(
            dir.path(),
            &wanted,
            SearchLimits::default(),
            &AtomicBool::new(false),
            |_| calls += 1,
        )
        .unwrap();
        assert_eq!(
            search.found,
            [(
                wanted[0].clone(),
                dir.path().join("copied/deeper/renamed.mp4")
            )]
        );
        assert_eq!(search.still_missing, [wanted[1].clone()]);
        assert_eq!(
            search.refused,
            [(wanted[1].clone(), dir.path().join("cam2.mp4"))]
        );
        // Two files have a wanted size (10 bytes): only they are hashed.
        assert_eq!(search.hashed, 2);
        assert!(calls > 0 && !search.incomplete);

        let shallow = SearchLimits {
            depth: 1,
            entries: 100,
        };
        let search = find_by_digest(
            dir.path(),
            &wanted,
            shallow,
            &AtomicBool::new(false),
            |_| {},
        )
        .unwrap();
        assert!(search.found.is_empty() && search.incomplete);
    }

    /// Watchlist photos found elsewhere move the watchlist folder, when they agree on where it is.
    #[test]
    fn found_photos_say_where_the_watchlist_folder_is_now() {
        let text = include_str!("../../../../tests/fixtures/review_v1.ron");
        let document = super::super::parse(Path::new("r.ron"), text).unwrap();
        let photos: Vec<MissingFile> = document
            .missing_files()
            .into_iter()
            .filter(|m| matches!(m.file, ReviewFile::Photo { .. }))
            .collect();
        assert_eq!(photos.len(), 2, "{photos:?}");
        let now = Path::new("/new/watchlist");
        let found: Vec<(MissingFile, PathBuf)> = photos
            .iter()
            .map(|m| (m.clone(), now.join(m.path.file_name().unwrap())))
            .collect();
        assert_eq!(
            watchlist_root_from(&document, &found),
            Some(now.to_path_buf())
        );
        let mut disagreeing = found.clone();
        disagreeing[1].1 = Path::new("/other").join(disagreeing[1].1.file_name().unwrap());
        assert_eq!(watchlist_root_from(&document, &disagreeing), None);
    }
}
