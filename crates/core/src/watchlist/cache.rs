//! The enrolment cache: what enrolling each photo gave, kept between runs so that a watchlist of
//! 25,000 mugshots is enrolled once rather than on every analysis (26–31 ms a photo).
//!
//! An entry is keyed by the photo's SHA-256 and by everything else that decides its outcome: the
//! detector's and recognizer's model hashes, the detector settings stills are seen with, the ONNX
//! Runtime version lineup is built for, and [`ENROLMENT_VERSION`] (alignment, preprocessing and
//! the one-face rule). A library swapped in by hand through `LINEUP_ORT_LIB` is not part of it. Any change to one of
//! them is a different key, so a stale entry is never read. The cache lives outside the
//! watchlist folder, which may be read-only evidence: `LINEUP_CACHE_DIR`, else
//! `$XDG_CACHE_HOME/lineup`, else `~/.cache/lineup`.
//!
//! A cache must never change a result. Each entry is RON after a line with the SHA-256 of that
//! RON, and repeats its full key: an entry that is truncated, corrupt, or for another key is
//! reported as damaged, recomputed and rewritten. Embeddings are stored as their exact bits.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::digest::{FileDigest, sha256_bytes};
use crate::vision::{BoundingBox, DetectorConfig, Embedding, ModelRecord};

/// Raised whenever a change to lineup changes what enrolling a photo gives, other than the
/// models and detector settings that are part of the key already.
pub const ENROLMENT_VERSION: u32 = 1;
/// Overrides where the cache lives.
pub const CACHE_DIR_VARIABLE: &str = "LINEUP_CACHE_DIR";
/// The first line of every entry starts with this, then the SHA-256 of the rest.
const CHECKSUM_PREFIX: &str = "sha256:";

/// What enrolling one photo gave, apart from its path: the face, or why it was skipped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum CachedOutcome {
    Enrolled {
        bbox: BoundingBox,
        detector_score: f32,
        embedding: Embedding,
    },
    /// Not exactly one face was found (0 or several).
    WrongFaceCount { faces: usize },
}

/// One stored entry: its key in full, so a file in the wrong place is never trusted.
#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    key: String,
    photo: FileDigest,
    outcome: CachedOutcome,
}

/// The answer to a look-up.
#[derive(Debug, PartialEq)]
pub enum Lookup {
    Hit(CachedOutcome),
    Miss,
    /// An entry was there but cannot be trusted; the reason is for a warning.
    Damaged(String),
}

/// The enrolment cache for one set of models and settings.
#[derive(Debug, Clone)]
pub struct EnrolmentCache {
    /// The folder of this key's entries.
    folder: PathBuf,
    key: String,
}

#[derive(Serialize)]
struct KeyMaterial<'a> {
    enrolment_version: u32,
    /// The ONNX Runtime library lineup is built to load (its file name carries its version).
    runtime: &'a str,
    models: Vec<(&'a str, &'a str)>,
    still_max_side: u32,
    score_threshold: f32,
    nms_iou: f32,
}

impl EnrolmentCache {
    /// The cache under `dir` for photos enrolled with `models` and `detector`.
    pub fn new(dir: &Path, models: &[ModelRecord], detector: &DetectorConfig) -> Self {
        let material = KeyMaterial {
            enrolment_version: ENROLMENT_VERSION,
            runtime: crate::vision::runtime::ORT_LIBRARY_FILE,
            models: models
                .iter()
                .map(|m| (m.file.as_str(), m.sha256.as_str()))
                .collect(),
            still_max_side: detector.max_side_for(false),
            score_threshold: detector.score_threshold,
            nms_iou: detector.nms_iou,
        };
        // Serialising plain numbers and strings cannot fail.
        let text = ron::to_string(&material).unwrap_or_default();
        let key = sha256_bytes(text.as_bytes()).sha256;
        Self {
            folder: dir.join("enrolment").join(&key[..32]),
            key,
        }
    }

    /// Where the cache lives by default: `LINEUP_CACHE_DIR`, else `$XDG_CACHE_HOME/lineup`, else
    /// `~/.cache/lineup`; None when none of them is set.
    pub fn default_dir() -> Option<PathBuf> {
        let set = |name: &str| std::env::var_os(name).filter(|value| !value.is_empty());
        set(CACHE_DIR_VARIABLE)
            .map(PathBuf::from)
            .or_else(|| set("XDG_CACHE_HOME").map(|dir| PathBuf::from(dir).join("lineup")))
            .or_else(|| set("HOME").map(|home| PathBuf::from(home).join(".cache/lineup")))
    }

    /// The folder holding this key's entries.
    pub fn folder(&self) -> &Path {
        &self.folder
    }

    /// The entry file for a photo with SHA-256 `sha256` (spread over 256 folders).
    pub fn entry_path(&self, sha256: &str) -> PathBuf {
        let shard = sha256.get(..2).unwrap_or("00");
        self.folder.join(shard).join(format!("{sha256}.ron"))
    }

    /// The stored outcome for the photo with `digest`.
    pub fn get(&self, digest: &FileDigest) -> Lookup {
        let path = self.entry_path(&digest.sha256);
        let text = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            // Nothing there, or a file where the cache folder should be (the write says so).
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                ) =>
            {
                return Lookup::Miss;
            }
            Err(e) => return Lookup::Damaged(format!("{}: {e}", path.display())),
        };
        match self.parse(&text, digest) {
            Ok(outcome) => Lookup::Hit(outcome),
            Err(reason) => Lookup::Damaged(format!("{}: {reason}", path.display())),
        }
    }

    fn parse(&self, bytes: &[u8], digest: &FileDigest) -> Result<CachedOutcome, String> {
        let text = std::str::from_utf8(bytes).map_err(|_| "not text".to_string())?;
        let (first, body) = text.split_once('\n').ok_or("truncated")?;
        let checksum = first.strip_prefix(CHECKSUM_PREFIX).ok_or("no checksum")?;
        if sha256_bytes(body.as_bytes()).sha256 != checksum {
            return Err("its checksum does not match (truncated or corrupt)".into());
        }
        let entry: Entry = ron::from_str(body).map_err(|e| e.to_string())?;
        if entry.key != self.key || &entry.photo != digest {
            return Err("it was written for another photo or other models".into());
        }
        Ok(entry.outcome)
    }

    /// Stores `outcome` for the photo with `digest`, atomically: a reader sees the whole entry
    /// or none.
    pub fn put(&self, digest: &FileDigest, outcome: &CachedOutcome) -> std::io::Result<()> {
        let entry = Entry {
            key: self.key.clone(),
            photo: digest.clone(),
            outcome: outcome.clone(),
        };
        let body = ron::to_string(&entry).map_err(std::io::Error::other)?;
        let checksum = sha256_bytes(body.as_bytes()).sha256;
        let path = self.entry_path(&digest.sha256);
        let folder = path.parent().unwrap_or(&self.folder);
        std::fs::create_dir_all(folder)?;
        let mut file = tempfile::NamedTempFile::new_in(folder)?;
        write!(file, "{CHECKSUM_PREFIX}{checksum}\n{body}")?;
        file.as_file().sync_all()?;
        file.persist(&path).map_err(|e| e.error)?;
        Ok(())
    }
}
