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

/// The clip and photos the demo analyses: in a checkout, the clip is in tests/data/clips and the
/// photos in tests/data/photos; an installed lineup ships all of them in its demo folder's
/// `footage/`.
const CLIP: &str = "faces_h264.mp4";
/// The clip shows Barack Obama in frames 0–24 (scripts/make_clips.sh).
const CLIP_OBAMA_FRAMES: u64 = 25;
const FOOTAGE: [&str; 3] = ["obama3.jpg", "crowd.jpg", "astronaut.png"];
/// The watchlist: (name in the watchlist folder, test photo it is made from). An installed lineup
/// ships the folder ready, as its demo folder's `watchlist/`.
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

/// Where the demo's inputs are, and where the demo review built from them goes.
enum Layout {
    /// An installed lineup: read-only inputs in `inputs` (`footage/`, `watchlist/`); the built
    /// review goes to this user's data folder.
    Installed { inputs: PathBuf },
    /// A development build in its checkout: the test data made by ./scripts/setup; the built
    /// review and its watchlist go to the checkout's vendor/demo.
    Checkout { root: PathBuf },
}

/// The demo folder an installed lineup ships, relative to its executable in `exe_dir`: on Linux
/// `share/lineup/demo` two folders up (`/usr/lib/lineup/lineup` → `/usr/share/lineup/demo`, and
/// the same in the portable archive), in a macOS `.app` `Contents/Resources/demo`, on Windows
/// `demo` beside `lineup.exe`.
pub fn installed_inputs_dir(exe_dir: &Path) -> Option<PathBuf> {
    if cfg!(target_os = "macos") {
        Some(exe_dir.parent()?.join("Resources/demo"))
    } else if cfg!(target_os = "windows") {
        Some(exe_dir.join("demo"))
    } else {
        Some(exe_dir.parent()?.parent()?.join("share/lineup/demo"))
    }
}

impl Layout {
    /// The installed demo when it is there; else, in a development build, the checkout's.
    fn find() -> Self {
        let shipped = crate::vision::runtime::executable_dir()
            .and_then(|dir| installed_inputs_dir(&dir))
            .unwrap_or_default();
        let installed = Some(shipped.clone()).filter(|dir| dir.is_dir());
        match (installed, crate::vision::runtime::checkout_dir()) {
            (None, Some(root)) => Layout::Checkout { root },
            (Some(inputs), _) => Layout::Installed { inputs },
            // A packaged build without its demo folder: name where it should be.
            (None, None) => Layout::Installed { inputs: shipped },
        }
    }

    /// The built demo review (the master every person's copy is made from).
    fn built_review(&self) -> PathBuf {
        match self {
            Layout::Installed { .. } => data_dir().join("lineup/demo-as-shipped/demo-review.ron"),
            Layout::Checkout { root } => root.join("vendor/demo/demo-review.ron"),
        }
    }

    fn footage(&self) -> Vec<PathBuf> {
        let (clip, photos) = match self {
            Layout::Installed { inputs } => (inputs.join("footage"), inputs.join("footage")),
            Layout::Checkout { root } => (
                root.join("tests/data/clips"),
                root.join("tests/data/photos"),
            ),
        };
        std::iter::once(clip.join(CLIP))
            .chain(FOOTAGE.iter().map(|f| photos.join(f)))
            .collect()
    }

    /// The watchlist photos as (where the analysis reads it, where it comes from).
    fn watchlist(&self) -> (PathBuf, Vec<(PathBuf, PathBuf)>) {
        match self {
            Layout::Installed { inputs } => {
                let dir = inputs.join("watchlist");
                let files = WATCHLIST
                    .iter()
                    .map(|(name, _)| (dir.join(name), dir.join(name)));
                (dir.clone(), files.collect())
            }
            Layout::Checkout { root } => {
                let dir = root.join("vendor/demo/watchlist");
                let photos = root.join("tests/data/photos");
                let files = WATCHLIST
                    .iter()
                    .map(|(name, photo)| (dir.join(name), photos.join(photo)));
                (dir.clone(), files.collect())
            }
        }
    }

    /// What to do when the inputs are missing.
    fn remedy(&self) -> &'static str {
        match self {
            Layout::Installed { .. } => "reinstall lineup, which ships them",
            Layout::Checkout { .. } => "run ./scripts/setup in the lineup checkout",
        }
    }
}

/// Why the demo cannot be prepared.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("the demo footage is missing ({}): {remedy}", .missing.join(", "))]
    FootageMissing {
        missing: Vec<String>,
        remedy: &'static str,
    },
    #[error("{}: {reason}", path.display())]
    Unwritable { path: PathBuf, reason: String },
    #[error(transparent)]
    Scenario(#[from] crate::review::scenario::ScenarioError),
}

/// What it takes to open the demo; an error says what to do when its inputs are missing.
pub fn prepare() -> Result<Demo, DemoError> {
    let layout = Layout::find();
    let review = layout.built_review();
    if review.is_file() {
        return Ok(Demo::Ready(review));
    }
    let footage = layout.footage();
    let (watchlist, watchlist_files) = layout.watchlist();
    let missing: Vec<String> = footage
        .iter()
        .chain(watchlist_files.iter().map(|(_, source)| source))
        .filter(|p| !p.is_file())
        .map(|p| p.display().to_string())
        .collect();
    if !missing.is_empty() {
        return Err(DemoError::FootageMissing {
            missing,
            remedy: layout.remedy(),
        });
    }
    let unwritable = |path: PathBuf| {
        move |e: std::io::Error| DemoError::Unwritable {
            path,
            reason: e.to_string(),
        }
    };
    for (target, source) in &watchlist_files {
        if target != source {
            std::fs::create_dir_all(&watchlist).map_err(unwritable(watchlist.clone()))?;
            std::fs::copy(source, target).map_err(unwritable(target.clone()))?;
        }
    }
    if let Some(folder) = review.parent() {
        std::fs::create_dir_all(folder).map_err(unwritable(folder.to_path_buf()))?;
    }
    let request = AnalysisRequest {
        footage,
        watchlist,
        threshold: DEFAULT_THRESHOLD,
        top_k: 5,
        vision: VisionConfig::default(),
        sampling: Default::default(),
        enrolment_cache: crate::watchlist::EnrolmentCache::default_dir(),
        recognizer: None,
        other_recognizers: Vec::new(),
    };
    Ok(Demo::NeedsAnalysis { request, review })
}

/// This user's data folder: `%LOCALAPPDATA%` on Windows, `~/Library/Application Support` on
/// macOS, elsewhere `$XDG_DATA_HOME`, else `~/.local/share`; the system's temporary folder when
/// none is known.
pub fn data_dir() -> PathBuf {
    let var = |name: &str| std::env::var_os(name).filter(|value| !value.is_empty());
    let found = if cfg!(target_os = "windows") {
        var("LOCALAPPDATA").map(PathBuf::from)
    } else if cfg!(target_os = "macos") {
        var("HOME").map(|home| PathBuf::from(home).join("Library/Application Support"))
    } else {
        var("XDG_DATA_HOME")
            .map(PathBuf::from)
            .or_else(|| var("HOME").map(|home| PathBuf::from(home).join(".local/share")))
    };
    found.unwrap_or_else(std::env::temp_dir)
}

/// Where this user's own copy of the demo lives: `lineup/demo` in their data folder
/// ([`data_dir`]). The built demo is never edited in place: a workshop's edits go to each
/// person's copy.
pub fn user_dir() -> PathBuf {
    data_dir().join("lineup").join("demo")
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
    let _ = crate::review::remove_review_file(&crate::review::autosave_path(&copy));
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

/// The seed the workshop scenario is drawn with when nobody names one.
pub const DEFAULT_SCENARIO_SEED: u64 = 1;

/// The differential the workshop scenario is drawn with from the demo: NISTIR 8280's lower end.
pub const DEFAULT_SCENARIO_DIFFERENTIAL: f64 = 10.0;

/// This user's copy of the SIMULATED workshop scenario, offered beside the real-footage demo:
/// drawn afresh with `seed` when one is given, else kept (with the person's edits) when there
/// is one, else drawn with [`DEFAULT_SCENARIO_SEED`]. No footage is needed.
pub fn scenario(seed: Option<u64>) -> Result<PathBuf, DemoError> {
    scenario_in(&user_dir(), seed)
}

/// [`scenario`] in the folder `dir`.
pub fn scenario_in(dir: &Path, seed: Option<u64>) -> Result<PathBuf, DemoError> {
    use crate::review::scenario::{ScenarioParameters, generate};
    let copy = dir.join("scenario-review.ron");
    if seed.is_none() && copy.is_file() {
        return Ok(copy);
    }
    let parameters = ScenarioParameters::workshop(
        seed.unwrap_or(DEFAULT_SCENARIO_SEED),
        DEFAULT_SCENARIO_DIFFERENTIAL,
    );
    let document = generate(&parameters)?;
    let unwritable = |e: String| DemoError::Unwritable {
        path: copy.clone(),
        reason: e,
    };
    std::fs::create_dir_all(dir).map_err(|e| unwritable(e.to_string()))?;
    // A fresh draw replaces the copy, so its autosave goes too.
    let _ = crate::review::remove_review_file(&crate::review::autosave_path(&copy));
    crate::review::save(&document, &copy).map_err(|e| unwritable(e.to_string()))?;
    Ok(copy)
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

    /// The scenario beside the demo: drawn once, kept with the person's edits, drawn afresh
    /// for a named seed, and always a simulation.
    #[test]
    fn the_scenario_is_a_copy_per_user_drawn_afresh_for_a_seed() {
        let dir = tempfile::tempdir().unwrap();
        let path = scenario_in(dir.path(), None).unwrap();
        let mut document = crate::review::load(&path).unwrap();
        let drawn = document.simulation.clone().unwrap();
        assert_eq!(drawn.parameters.seed, DEFAULT_SCENARIO_SEED);
        document.assessment.title = "edited in a workshop".into();
        crate::review::save(&document, &path).unwrap();
        let kept = crate::review::load(&scenario_in(dir.path(), None).unwrap()).unwrap();
        assert_eq!(kept.assessment.title, "edited in a workshop");
        let fresh = crate::review::load(&scenario_in(dir.path(), Some(9)).unwrap()).unwrap();
        assert_eq!(fresh.simulation.unwrap().parameters.seed, 9);
        assert_eq!(fresh.assessment.title, "");
    }

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
