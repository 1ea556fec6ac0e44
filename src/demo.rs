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
