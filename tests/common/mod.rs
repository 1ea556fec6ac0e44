//! Shared by the integration tests: the real test photos (fetched from package registries by
//! ./scripts/setup, see tests/FIXTURES.md) and one face pipeline per test binary.
#![allow(dead_code)]

pub mod labelled;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock};

use lineup::vision::{FacePipeline, VisionConfig};

pub fn photos_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/photos")
}

/// A test photo by name; fails with what to do when set-up has not been run.
pub fn photo(name: &str) -> PathBuf {
    let path = photos_dir().join(name);
    assert!(
        path.is_file(),
        "{} is missing: run ./scripts/setup first",
        path.display()
    );
    path
}

/// A test photo as decoded by Pillow into lossless PNG (see scripts/decode_photos.py), by the
/// name of the original ("crowd.jpg" → decoded/crowd.png).
pub fn decoded_photo(name: &str) -> PathBuf {
    let stem = Path::new(name)
        .file_stem()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let path = photos_dir()
        .with_file_name("decoded")
        .join(format!("{stem}.png"));
    assert!(
        path.is_file(),
        "{} is missing: run ./scripts/setup first",
        path.display()
    );
    path
}

/// The one pipeline of this test binary (ONNX Runtime allows one environment per process, and
/// the tests share two cores anyway).
pub fn pipeline() -> MutexGuard<'static, FacePipeline> {
    static PIPELINE: OnceLock<Mutex<FacePipeline>> = OnceLock::new();
    PIPELINE
        .get_or_init(|| {
            Mutex::new(FacePipeline::load(VisionConfig::default()).expect("models load"))
        })
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A watchlist folder holding copies of `photos` under the given file names.
pub fn watchlist(entries: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (file_name, source) in entries {
        std::fs::copy(photo(source), dir.path().join(file_name)).unwrap();
    }
    dir
}

/// The bad-input corpus scripts/make_bad_inputs.py writes (run by ./scripts/setup; see
/// tests/FIXTURES.md), by kind: `images`, `videos`, `reviews`, `csv`, `bundles`.
pub fn bad_corpus(kind: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/bad");
    assert!(
        root.join(".complete").is_file(),
        "{} is missing: run ./scripts/setup (or scripts/make_bad_inputs.py) first",
        root.display()
    );
    root.join(kind)
}

/// Damaged and unusual images in a folder of their own: copies from the bad-input corpus, plus a
/// CMYK JPEG made here (neither Python's standard library nor ffmpeg writes one).
pub struct BadInputs {
    pub dir: tempfile::TempDir,
}

impl BadInputs {
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

pub const UNREADABLE: [&str; 4] = [
    "not_an_image.jpg",
    "empty.jpg",
    "huge_20000x20000.png",
    "cut_header.png",
];
pub const ODD_BUT_USABLE: [&str; 4] = ["grayscale.jpg", "cmyk.jpg", "rgb16.png", "alpha.png"];

pub fn bad_inputs() -> BadInputs {
    let dir = tempfile::tempdir().unwrap();
    let corpus = bad_corpus("images");
    let copied = UNREADABLE
        .iter()
        .chain(ODD_BUT_USABLE.iter().filter(|&&name| name != "cmyk.jpg"))
        .chain(&["truncated.jpg", "tiny_1x1.png"]);
    for name in copied {
        std::fs::copy(corpus.join(name), dir.path().join(name)).unwrap();
    }
    let obama = image::open(photo("obama.jpg")).unwrap();
    std::fs::write(dir.path().join("cmyk.jpg"), cmyk_jpeg(&obama)).unwrap();
    BadInputs { dir }
}

/// The photo as a CMYK JPEG, as print workflows produce them.
fn cmyk_jpeg(image: &image::DynamicImage) -> Vec<u8> {
    let rgb = image.to_rgb8();
    let cmyk: Vec<u8> = rgb
        .pixels()
        .flat_map(|p| {
            let [r, g, b] = p.0.map(|v| f32::from(v) / 255.0);
            let k = 1.0 - r.max(g).max(b);
            let part = |v: f32| {
                if k >= 1.0 {
                    0.0
                } else {
                    (1.0 - v - k) / (1.0 - k)
                }
            };
            [part(r), part(g), part(b), k].map(|v| (v * 255.0).round() as u8)
        })
        .collect();
    let mut out = Vec::new();
    let encoder = jpeg_encoder::Encoder::new(&mut out, 90);
    encoder
        .encode(
            &cmyk,
            rgb.width() as u16,
            rgb.height() as u16,
            jpeg_encoder::ColorType::Cmyk,
        )
        .unwrap();
    out
}

/// A test clip made by scripts/make_clips.sh (run by ./scripts/setup; see tests/FIXTURES.md).
pub fn clip(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/clips")
        .join(name);
    assert!(
        path.is_file(),
        "{} is missing: run ./scripts/setup (or scripts/make_clips.sh) first",
        path.display()
    );
    path
}

/// The clips of the same 75 frames (25 fps) in each codec: obama.jpg for frames 0–24, t1.jpg (six
/// people) for 25–49, black for 50–74, at 640×480.
pub const FACE_CLIPS: [&str; 3] = ["faces_h264.mp4", "faces_hevc.mp4", "faces_mjpeg.avi"];
/// A synthetic pattern, 320×240, 75 frames at 25 fps, keyframes at 0, 25 and 50 (MJPEG: all).
pub const PATTERN_CLIPS: [&str; 4] = [
    "testsrc_h264.mp4",
    "testsrc_hevc.mkv",
    "testsrc_mjpeg.avi",
    "testsrc_vp9.webm",
];
