//! The watchlist: a folder of enrolment photos, like a mugshot database, turned into one
//! embedding per usable photo.
//!
//! Two layouts are understood, and may be mixed: a subfolder per identity (`Jane Doe/1.jpg`), or
//! photos named `Name_N.ext` at the top level (`Jane_Doe_1.jpg` → "Jane Doe").

mod cache;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

use image::RgbImage;
use serde::{Deserialize, Serialize};

use crate::digest::sha256_bytes;
use crate::footage::{self, FileDigest};
use crate::vision::{
    BoundingBox, Detector, Embedder, Embedding, FacePipeline, Template, VisionError, embed_found,
    find_faces_for,
};
pub use cache::{CACHE_DIR_VARIABLE, CachedOutcome, ENROLMENT_VERSION, EnrolmentCache, Lookup};

/// One usable enrolment photo: exactly one face was found in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnrolmentPhoto {
    /// Relative to the watchlist folder.
    pub path: PathBuf,
    pub digest: FileDigest,
    /// This and `embedding` are in a review's sidecar when it has one, not in its text.
    #[serde(
        default = "crate::vision::bulk::absent_box",
        skip_serializing_if = "crate::vision::bulk::in_sidecar"
    )]
    pub bbox: BoundingBox,
    pub detector_score: f32,
    #[serde(
        default = "crate::vision::bulk::absent_embedding",
        skip_serializing_if = "crate::vision::bulk::in_sidecar"
    )]
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

impl Watchlist {
    /// Enrolment photos of every identity together.
    pub fn photo_count(&self) -> usize {
        self.identities
            .iter()
            .map(|identity| identity.photos.len())
            .sum()
    }
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

/// Photos enrolled side by side at most, each by its own detector with a share of the threads
/// (as analysis detects frames: see `FacePipeline::share_detection`).
pub const ENROLMENT_WORKERS: usize = 2;
/// Below this many photos a second detector costs more to load than it saves.
const PARALLEL_FROM: usize = 8;

/// The enrolled watchlist, a warning for each photo that could not be used, and the counts.
#[derive(Debug)]
pub struct Enrolment {
    pub watchlist: Watchlist,
    pub warnings: Vec<String>,
    pub counts: EnrolmentCounts,
}

/// How the photos of one enrolment went, for a summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnrolmentCounts {
    /// Photos found in the watchlist folder.
    pub photos: usize,
    /// Photos enrolled (exactly one face).
    pub enrolled: usize,
    /// Photos whose outcome, enrolled or skipped, came from the enrolment cache.
    pub from_cache: usize,
    pub skipped_no_face: usize,
    pub skipped_several_faces: usize,
    /// Photos that could not be read or decoded.
    pub skipped_unreadable: usize,
}

/// Enrols every photo under `root`. A photo with no face, several faces, or that cannot be
/// decoded is skipped with a warning naming it; a watchlist with no usable photo is an error.
pub fn enrol(
    root: &Path,
    pipeline: &mut FacePipeline,
    on_photo: impl FnMut(usize, usize),
) -> Result<Enrolment, WatchlistError> {
    enrol_with_cache(root, pipeline, None, on_photo)
}

/// [`enrol`], taking each photo's outcome from `cache` when it holds one and storing every
/// outcome it computes there. The result is the same with or without the cache, and in the same
/// order whatever the number of workers: photos are enrolled side by side, then put back in order.
pub fn enrol_with_cache(
    root: &Path,
    pipeline: &mut FacePipeline,
    cache: Option<&EnrolmentCache>,
    mut on_photo: impl FnMut(usize, usize),
) -> Result<Enrolment, WatchlistError> {
    let planned = plan(root)?;
    on_photo(0, planned.len());
    if planned.len() >= PARALLEL_FROM {
        pipeline.share_detection(ENROLMENT_WORKERS)?;
    }
    let outcomes = enrol_all(root, &planned, pipeline, cache, &mut on_photo)?;
    let Assembled {
        mut identities,
        warnings,
        counts,
    } = assemble(&planned, outcomes, cache);
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
        counts,
    })
}

/// The identities, warnings and counts that the photos' outcomes make, in plan order.
struct Assembled {
    identities: Vec<Identity>,
    warnings: Vec<String>,
    counts: EnrolmentCounts,
}

fn assemble(
    planned: &[PlannedPhoto],
    outcomes: Vec<PhotoOutcome>,
    cache: Option<&EnrolmentCache>,
) -> Assembled {
    let mut counts = EnrolmentCounts {
        photos: planned.len(),
        ..EnrolmentCounts::default()
    };
    let mut identities: Vec<Identity> = Vec::new();
    // Each identity's place in `identities`: a linear search made 25,000 names quadratic.
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut warnings = Vec::new();
    let mut unwritable = Vec::new();
    for (photo, outcome) in planned.iter().zip(outcomes) {
        counts.from_cache += usize::from(outcome.cached);
        warnings.extend(outcome.cache_warning);
        unwritable.extend(outcome.cache_write_error);
        match outcome.result {
            Ok(enrolled) => {
                counts.enrolled += 1;
                let at = *index.entry(&photo.identity).or_insert_with(|| {
                    identities.push(Identity {
                        name: photo.identity.clone(),
                        photos: Vec::new(),
                    });
                    identities.len() - 1
                });
                identities[at].photos.push(enrolled);
            }
            Err(skip) => {
                match skip.reason {
                    SkipReason::NoFace => counts.skipped_no_face += 1,
                    SkipReason::SeveralFaces => counts.skipped_several_faces += 1,
                    SkipReason::Unreadable => counts.skipped_unreadable += 1,
                }
                warnings.push(skip.warning);
            }
        }
    }
    if let (Some(first), Some(cache)) = (unwritable.first(), cache) {
        warnings.push(format!(
            "the enrolment cache in {} could not be written for {} photo(s) ({first}); they \
             will be enrolled again next time",
            cache.folder().display(),
            unwritable.len()
        ));
    }
    Assembled {
        identities,
        warnings,
        counts,
    }
}

/// Why a photo was not enrolled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SkipReason {
    NoFace,
    SeveralFaces,
    Unreadable,
}

#[derive(Debug)]
struct Skipped {
    reason: SkipReason,
    warning: String,
}

/// What enrolling one photo gave, and how the cache took part.
#[derive(Debug)]
struct PhotoOutcome {
    result: Result<EnrolmentPhoto, Skipped>,
    cached: bool,
    /// A damaged cache entry that was ignored.
    cache_warning: Option<String>,
    cache_write_error: Option<String>,
}

/// Every planned photo's outcome, in plan order. Workers (one per detector) take photos in
/// turn from a shared counter and share the embedder; each result goes back with its index, so
/// the order never depends on which worker finished first.
fn enrol_all(
    root: &Path,
    planned: &[PlannedPhoto],
    pipeline: &mut FacePipeline,
    cache: Option<&EnrolmentCache>,
    on_photo: &mut impl FnMut(usize, usize),
) -> Result<Vec<PhotoOutcome>, VisionError> {
    let batch = pipeline.config().embed_batch;
    let max_side = pipeline.config().detector.max_side_for(false);
    let template = pipeline.template();
    let (detectors, embedder) = pipeline.stages();
    let embedder = Mutex::new(embedder);
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let mut slots: Vec<Option<PhotoOutcome>> = planned.iter().map(|_| None).collect();
    let (sender, received) = mpsc::channel();
    std::thread::scope(|scope| {
        for detector in detectors.iter_mut() {
            let sender = sender.clone();
            let (embedder, next, failed) = (&embedder, &next, &failed);
            scope.spawn(move || {
                while !failed.load(Ordering::Relaxed) {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(photo) = planned.get(index) else {
                        return;
                    };
                    let mut models = Models {
                        detector: &mut *detector,
                        embedder,
                        batch,
                        max_side,
                        template,
                    };
                    let outcome = enrol_photo(root, photo, &mut models, cache);
                    failed.fetch_or(outcome.is_err(), Ordering::Relaxed);
                    if sender.send((index, outcome)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(sender);
        let mut done = 0;
        for (index, outcome) in received {
            slots[index] = Some(outcome?);
            done += 1;
            on_photo(done, planned.len());
        }
        Ok(slots.into_iter().flatten().collect())
    })
}

/// The models one worker enrols with: its own detector, and the embedder all workers share.
struct Models<'a, 'e> {
    detector: &'a mut Detector,
    embedder: &'a Mutex<&'e mut Embedder>,
    batch: usize,
    max_side: u32,
    /// Where the recognizer wants the landmarks.
    template: Template,
}

/// One photo's outcome: from the cache when it holds the photo, else computed (and stored). Err
/// only when the models fail.
fn enrol_photo(
    root: &Path,
    photo: &PlannedPhoto,
    models: &mut Models,
    cache: Option<&EnrolmentCache>,
) -> Result<PhotoOutcome, VisionError> {
    let mut outcome = PhotoOutcome {
        result: Err(Skipped {
            reason: SkipReason::Unreadable,
            warning: String::new(),
        }),
        cached: false,
        cache_warning: None,
        cache_write_error: None,
    };
    // The photo is read once: what is hashed is exactly what is decoded.
    let bytes = match std::fs::read(&photo.path) {
        Ok(bytes) => bytes,
        Err(e) => {
            outcome.result = Err(unreadable(&footage::FootageError::from_io(&photo.path, &e)));
            return Ok(outcome);
        }
    };
    let digest = sha256_bytes(&bytes);
    let lookup = cache.map_or(Lookup::Miss, |cache| cache.get(&digest));
    let computed = match lookup {
        Lookup::Hit(cached) => {
            outcome.cached = true;
            cached
        }
        Lookup::Miss | Lookup::Damaged(_) => {
            if let Lookup::Damaged(reason) = lookup {
                outcome.cache_warning = Some(format!(
                    "ignored a damaged enrolment cache entry and enrolled the photo again: {reason}"
                ));
            }
            let image = match footage::decode_image(&photo.path, &bytes) {
                Ok(loaded) => loaded.image,
                Err(e) => {
                    outcome.result = Err(unreadable(&e));
                    return Ok(outcome);
                }
            };
            let computed = compute_outcome(&image, models)?;
            if let Some(Err(e)) = cache.map(|cache| cache.put(&digest, &computed)) {
                outcome.cache_write_error = Some(e.to_string());
            }
            computed
        }
    };
    outcome.result = enrolment_photo(root, photo, digest, computed);
    Ok(outcome)
}

fn unreadable(error: &footage::FootageError) -> Skipped {
    Skipped {
        reason: SkipReason::Unreadable,
        warning: format!("skipped enrolment photo {error}"),
    }
}

/// Detects the faces of `image` and, when there is exactly one, embeds it alone (as enrolment
/// always has: a model run of one face).
fn compute_outcome(image: &RgbImage, models: &mut Models) -> Result<CachedOutcome, VisionError> {
    let mut found = find_faces_for(models.detector, image, models.max_side, &models.template)?;
    if found.len() != 1 {
        return Ok(CachedOutcome::WrongFaceCount { faces: found.len() });
    }
    let face = found.remove(0);
    let mut embedder = models
        .embedder
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut faces = embed_found(&mut embedder, vec![face], models.batch)?;
    let face = faces.remove(0);
    Ok(CachedOutcome::Enrolled {
        bbox: face.detection.bbox,
        detector_score: face.detection.score,
        embedding: face.embedding,
    })
}

/// The enrolment photo `outcome` describes, or why it was skipped.
fn enrolment_photo(
    root: &Path,
    photo: &PlannedPhoto,
    digest: FileDigest,
    outcome: CachedOutcome,
) -> Result<EnrolmentPhoto, Skipped> {
    match outcome {
        CachedOutcome::Enrolled {
            bbox,
            detector_score,
            embedding,
        } => Ok(EnrolmentPhoto {
            path: photo
                .path
                .strip_prefix(root)
                .unwrap_or(&photo.path)
                .to_path_buf(),
            digest,
            bbox,
            detector_score,
            embedding,
        }),
        CachedOutcome::WrongFaceCount { faces } => {
            let (reason, found) = if faces == 0 {
                (SkipReason::NoFace, "no face".to_string())
            } else {
                (SkipReason::SeveralFaces, format!("{faces} faces"))
            };
            Err(Skipped {
                reason,
                warning: format!(
                    "skipped enrolment photo {}: {found} found, enrolment needs exactly one",
                    photo.path.display()
                ),
            })
        }
    }
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
