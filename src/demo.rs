//! The workshop demo: a short generated clip in which people pass the camera (made by
//! ./scripts/setup from the registry-shipped test photos: Barack Obama for the first second, then
//! six people, then nobody) and three more photos, against a two-person watchlist, labelled the
//! demo way, so a workshop opens with `lineup demo`.
//!
//! Demo labels: faces in the clip's first second and in the Obama photo are Barack Obama (on the
//! watchlist); every other face is not on the watchlist. Perceived attributes (skin tone, gender,
//! age) stay unknown: nobody has judged them, and the automatic skin-tone suggestion is never
//! shown as a person's label.

use std::path::{Path, PathBuf};

use crate::analysis::AnalysisRequest;
use crate::review::{DEFAULT_THRESHOLD, GroundTruth, ReviewDocument, Slicing};
use crate::vision::VisionConfig;

const CHECKOUT: &str = env!("CARGO_MANIFEST_DIR");
/// The clip (in tests/data/clips) and photos (in tests/data/photos) the demo analyses.
const CLIP: &str = "faces_h264.mp4";
/// The clip shows Barack Obama in frames 0–24 (scripts/make_clips.sh).
const CLIP_OBAMA_FRAMES: u64 = 25;
const FOOTAGE: [&str; 3] = ["obama3.jpg", "crowd.jpg", "astronaut.png"];
const WATCHLIST: [(&str, &str); 2] = [
    ("Barack_Obama_1.jpg", "obama2.jpg"),
    ("Joe_Biden_1.jpg", "biden.jpg"),
];

pub enum Demo {
    /// Built before: open it.
    Ready(PathBuf),
    /// Run this analysis, label it with [`label`], save it to `review`.
    NeedsAnalysis {
        request: AnalysisRequest,
        review: PathBuf,
    },
}

fn demo_dir() -> PathBuf {
    Path::new(CHECKOUT).join("vendor/demo")
}

fn photos_dir() -> PathBuf {
    Path::new(CHECKOUT).join("tests/data/photos")
}

/// Why the demo cannot be prepared.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("the demo footage is missing ({}): run ./scripts/setup in the lineup checkout", .0.join(", "))]
    FootageMissing(Vec<String>),
    #[error("{}: {reason}", path.display())]
    Unwritable { path: PathBuf, reason: String },
}

/// What it takes to open the demo; an error says what to run when the photos are missing.
pub fn prepare() -> Result<Demo, DemoError> {
    let review = demo_dir().join("demo-review.ron");
    if review.is_file() {
        return Ok(Demo::Ready(review));
    }
    let photos = photos_dir();
    let clip = Path::new(CHECKOUT).join("tests/data/clips").join(CLIP);
    let mut needed: Vec<PathBuf> = FOOTAGE
        .iter()
        .chain(WATCHLIST.iter().map(|(_, f)| f))
        .map(|f| photos.join(f))
        .collect();
    needed.push(clip.clone());
    let missing: Vec<String> = needed
        .iter()
        .filter(|p| !p.is_file())
        .map(|p| p.display().to_string())
        .collect();
    if !missing.is_empty() {
        return Err(DemoError::FootageMissing(missing));
    }
    let watchlist = demo_dir().join("watchlist");
    let unwritable = |path: PathBuf| {
        move |e: std::io::Error| DemoError::Unwritable {
            path,
            reason: e.to_string(),
        }
    };
    std::fs::create_dir_all(&watchlist).map_err(unwritable(watchlist.clone()))?;
    for (name, source) in WATCHLIST {
        std::fs::copy(photos.join(source), watchlist.join(name))
            .map_err(unwritable(watchlist.join(name)))?;
    }
    let request = AnalysisRequest {
        footage: std::iter::once(clip)
            .chain(FOOTAGE.iter().map(|f| photos.join(f)))
            .collect(),
        watchlist,
        threshold: DEFAULT_THRESHOLD,
        top_k: 5,
        vision: VisionConfig::default(),
        sampling: Default::default(),
    };
    Ok(Demo::NeedsAnalysis { request, review })
}

/// Where this user's own copy of the demo lives: `$XDG_DATA_HOME/lineup/demo`, else
/// `~/.local/share/lineup/demo`, else the system's temporary folder. The demo built in the
/// checkout is never edited in place: a workshop's edits go to each person's copy.
pub fn user_dir() -> PathBuf {
    let data = std::env::var_os("XDG_DATA_HOME")
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|home| !home.is_empty())
                .map(|home| PathBuf::from(home).join(".local/share"))
        })
        .unwrap_or_else(std::env::temp_dir);
    data.join("lineup").join("demo")
}

/// This user's copy of the demo review `master`, in `dir`: made from `master` when there is none
/// yet, kept (with the person's edits) when there is.
pub fn user_copy_of(master: &Path, dir: &Path) -> Result<PathBuf, DemoError> {
    let copy = dir.join("demo-review.ron");
    if copy.is_file() {
        return Ok(copy);
    }
    fresh_copy(master, dir)
}

/// Replaces the copy in `dir` with a fresh one from `master`, dropping its autosave: the demo
/// as it was shipped, for the next workshop.
pub fn reset_copy(master: &Path, dir: &Path) -> Result<PathBuf, DemoError> {
    let copy = dir.join("demo-review.ron");
    let _ = std::fs::remove_file(crate::review::autosave_path(&copy));
    fresh_copy(master, dir)
}

fn fresh_copy(master: &Path, dir: &Path) -> Result<PathBuf, DemoError> {
    let copy = dir.join("demo-review.ron");
    let unwritable = |e: std::io::Error| DemoError::Unwritable {
        path: copy.clone(),
        reason: e.to_string(),
    };
    std::fs::create_dir_all(dir).map_err(unwritable)?;
    let document = crate::review::load(master).map_err(|e| DemoError::Unwritable {
        path: master.to_path_buf(),
        reason: e.to_string(),
    })?;
    crate::review::save(&document, &copy).map_err(|e| DemoError::Unwritable {
        path: copy.clone(),
        reason: e.to_string(),
    })?;
    Ok(copy)
}

/// What it takes to open this user's demo: their copy (made fresh from the built demo when they
/// have none), or the analysis that builds the demo first.
pub fn open() -> Result<Demo, DemoError> {
    match prepare()? {
        Demo::Ready(master) => Ok(Demo::Ready(user_copy_of(&master, &user_dir())?)),
        needs => Ok(needs),
    }
}

/// This user's demo as it was shipped: their copy replaced by a fresh one.
pub fn reset() -> Result<PathBuf, DemoError> {
    match prepare()? {
        Demo::Ready(master) => reset_copy(&master, &user_dir()),
        Demo::NeedsAnalysis { review, .. } => Err(DemoError::Unwritable {
            path: review,
            reason: "the demo has not been built yet: open it once first".into(),
        }),
    }
}

/// Labels a fresh demo analysis (see the module comment for what is assumed).
pub fn label(document: &mut ReviewDocument) {
    let obama = document.identity_by_name("Barack Obama");
    for index in 0..document.tracks.len() {
        let first = document.detections[document.tracks[index].detections[0]].source;
        let file = document.inputs[first.input]
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let is_obama =
            file.starts_with("obama") || (file == CLIP && first.frame_index < CLIP_OBAMA_FRAMES);
        let track = &mut document.tracks[index];
        track.label = match obama {
            Some(id) if is_obama => GroundTruth::OnWatchlist(id),
            _ => GroundTruth::NotOnWatchlist,
        };
    }
    document.slicing = Slicing::by(&["skin"]);
    document.warnings.push(
        "Demo: who is who is taken from how the demo footage was made (Obama in the clip's first \
         second and in obama3.jpg); perceived attributes stay unknown, since no person has judged \
         them (the skin-tone suggestion is only ever a suggestion)."
            .into(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each person edits their own copy of the demo; the built one is never touched, and a reset
    /// brings back the demo as shipped.
    #[test]
    fn the_demo_is_a_fresh_copy_per_user_with_a_reset() {
        let dir = tempfile::tempdir().unwrap();
        let master = dir.path().join("master.ron");
        let document = crate::review::parse(
            Path::new("review_v1.ron"),
            include_str!("../tests/fixtures/review_v1.ron"),
        )
        .unwrap();
        crate::review::save(&document, &master).unwrap();
        let built = std::fs::read(&master).unwrap();
        let user = dir.path().join("user");
        let copy = user_copy_of(&master, &user).unwrap();
        assert_ne!(copy, master);
        let mut edited = crate::review::load(&copy).unwrap();
        edited.assessment.title = "edited in a workshop".into();
        crate::review::save(&edited, &copy).unwrap();
        // Opening again keeps the person's edits; the master is untouched.
        let again = user_copy_of(&master, &user).unwrap();
        assert_eq!(
            crate::review::load(&again).unwrap().assessment.title,
            "edited in a workshop"
        );
        assert_eq!(std::fs::read(&master).unwrap(), built);
        // A reset brings back the demo as built.
        let reset = reset_copy(&master, &user).unwrap();
        assert_eq!(crate::review::load(&reset).unwrap().assessment.title, "");
    }
}
