//! The watchlist: a folder of enrolment photos, like a mugshot database, turned into one
//! embedding per usable photo.
//!
//! Two layouts are understood, and may be mixed: a subfolder per identity (`Jane Doe/1.jpg`), or
//! photos named `Name_N.ext` at the top level (`Jane_Doe_1.jpg` → "Jane Doe").

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::digest::sha256_file;
use crate::footage::{self, FileDigest};
use crate::vision::{BoundingBox, Embedding, FacePipeline, VisionError};

/// One usable enrolment photo: exactly one face was found in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnrolmentPhoto {
    /// Relative to the watchlist folder.
    pub path: PathBuf,
    pub digest: FileDigest,
    pub bbox: BoundingBox,
    pub detector_score: f32,
    pub embedding: Embedding,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Identity {
    pub name: String,
    pub photos: Vec<EnrolmentPhoto>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Watchlist {
    pub root: PathBuf,
    /// Sorted by name; an identity's index here is its id in candidates and metrics.
    pub identities: Vec<Identity>,
}

#[derive(Debug, thiserror::Error)]
pub enum WatchlistError {
    #[error("watchlist {}: not a folder (give the folder that holds the enrolment photos)", path.display())]
    NotAFolder { path: PathBuf },
    #[error("watchlist {}: cannot be read: {reason}", path.display())]
    Unreadable { path: PathBuf, reason: String },
    #[error(
        "watchlist {}: no usable enrolment photo ({photos} photos tried; each needs exactly one face). {}",
        path.display(), reasons.join("; ")
    )]
    NoUsableFace {
        path: PathBuf,
        photos: usize,
        reasons: Vec<String>,
    },
    #[error(transparent)]
    Vision(#[from] VisionError),
}

/// A photo to enrol and the identity it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PlannedPhoto {
    pub identity: String,
    pub path: PathBuf,
}

/// The identity a top-level photo belongs to, from its name: `Jane_Doe_2.jpg` → "Jane Doe".
pub(crate) fn identity_from_file_name(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let base = match stem.rsplit_once('_') {
        Some((name, number)) if !name.is_empty() && number.chars().all(|c| c.is_ascii_digit()) => {
            name
        }
        _ => stem.as_str(),
    };
    base.replace('_', " ").trim().to_string()
}

/// Lists the photos of the watchlist at `root` with their identities, without decoding anything.
pub(crate) fn plan(root: &Path) -> Result<Vec<PlannedPhoto>, WatchlistError> {
    if !root.is_dir() {
        return Err(WatchlistError::NotAFolder {
            path: root.to_path_buf(),
        });
    }
    let unreadable = |e: footage::FootageError| WatchlistError::Unreadable {
        path: root.to_path_buf(),
        reason: e.to_string(),
    };
    let mut planned: Vec<PlannedPhoto> = footage::images_in_folder(root)
        .map_err(unreadable)?
        .into_iter()
        .map(|path| PlannedPhoto {
            identity: identity_from_file_name(&path),
            path,
        })
        .collect();
    let mut folders: Vec<PathBuf> = std::fs::read_dir(root)
        .map_err(|e| WatchlistError::Unreadable {
            path: root.to_path_buf(),
            reason: e.to_string(),
        })?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    footage::sort_naturally(&mut folders);
    for folder in folders {
        let identity = folder
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for path in footage::images_in_folder(&folder).map_err(unreadable)? {
            planned.push(PlannedPhoto {
                identity: identity.clone(),
                path,
            });
        }
    }
    Ok(planned)
}

/// The enrolled watchlist, and a warning for each photo that could not be used.
#[derive(Debug)]
pub struct Enrolment {
    pub watchlist: Watchlist,
    pub warnings: Vec<String>,
}

/// Enrols every photo under `root`. A photo with no face, several faces, or that cannot be
/// decoded is skipped with a warning naming it; a watchlist with no usable photo is an error.
pub fn enrol(
    root: &Path,
    pipeline: &mut FacePipeline,
    mut on_photo: impl FnMut(usize, usize),
) -> Result<Enrolment, WatchlistError> {
    let planned = plan(root)?;
    let mut identities: Vec<Identity> = Vec::new();
    let mut warnings = Vec::new();
    for (done, photo) in planned.iter().enumerate() {
        on_photo(done, planned.len());
        match enrol_photo(root, photo, pipeline)? {
            Ok(enrolled) => match identities.iter_mut().find(|i| i.name == photo.identity) {
                Some(identity) => identity.photos.push(enrolled),
                None => identities.push(Identity {
                    name: photo.identity.clone(),
                    photos: vec![enrolled],
                }),
            },
            Err(warning) => warnings.push(warning),
        }
    }
    on_photo(planned.len(), planned.len());
    if identities.is_empty() {
        return Err(WatchlistError::NoUsableFace {
            path: root.to_path_buf(),
            photos: planned.len(),
            reasons: warnings,
        });
    }
    identities.sort_by(|a, b| natord::compare(&a.name, &b.name));
    Ok(Enrolment {
        watchlist: Watchlist {
            root: root.to_path_buf(),
            identities,
        },
        warnings,
    })
}

/// Ok(Ok(photo)) when enrolled, Ok(Err(warning)) when the photo is unusable, Err when the models fail.
fn enrol_photo(
    root: &Path,
    photo: &PlannedPhoto,
    pipeline: &mut FacePipeline,
) -> Result<Result<EnrolmentPhoto, String>, VisionError> {
    let name = photo.path.display();
    let loaded = match footage::load_image(&photo.path) {
        Ok(loaded) => loaded,
        Err(e) => return Ok(Err(format!("skipped enrolment photo {e}"))),
    };
    let mut faces = pipeline.faces(&loaded.image)?;
    if faces.len() != 1 {
        let found = if faces.is_empty() {
            "no face".to_string()
        } else {
            format!("{} faces", faces.len())
        };
        return Ok(Err(format!(
            "skipped enrolment photo {name}: {found} found, enrolment needs exactly one"
        )));
    }
    let digest = match sha256_file(&photo.path) {
        Ok(digest) => digest,
        Err(e) => {
            return Ok(Err(format!(
                "skipped enrolment photo {name}: cannot be read: {e}"
            )));
        }
    };
    let face = faces.remove(0);
    Ok(Ok(EnrolmentPhoto {
        path: photo
            .path
            .strip_prefix(root)
            .unwrap_or(&photo.path)
            .to_path_buf(),
        digest,
        bbox: face.detection.bbox,
        detector_score: face.detection.score,
        embedding: face.embedding,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_names_come_from_file_names() {
        assert_eq!(
            identity_from_file_name(Path::new("Jane_Doe_2.jpg")),
            "Jane Doe"
        );
        assert_eq!(identity_from_file_name(Path::new("Obama_1.png")), "Obama");
        assert_eq!(identity_from_file_name(Path::new("Obama.png")), "Obama");
        assert_eq!(
            identity_from_file_name(Path::new("Agent_007_x.png")),
            "Agent 007 x"
        );
        assert_eq!(identity_from_file_name(Path::new("_3.png")), "3");
    }

    #[test]
    fn plan_takes_top_level_photos_and_subfolders() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Jane_Doe_1.jpg"), b"x").unwrap();
        std::fs::write(dir.path().join("readme.txt"), b"x").unwrap();
        std::fs::create_dir(dir.path().join("John Roe")).unwrap();
        std::fs::write(dir.path().join("John Roe/a.png"), b"x").unwrap();
        let planned = plan(dir.path()).unwrap();
        let pairs: Vec<_> = planned.iter().map(|p| p.identity.as_str()).collect();
        assert_eq!(pairs, ["Jane Doe", "John Roe"]);
    }

    #[test]
    fn a_file_is_not_a_watchlist() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("photo.jpg");
        std::fs::write(&file, b"x").unwrap();
        assert!(matches!(
            plan(&file),
            Err(WatchlistError::NotAFolder { .. })
        ));
    }
}
