//! Damaged and unusable video never crashes or hangs lineup: each gives an error that names the
//! file and says what is wrong, or the frames that could be decoded plus a warning naming it.

mod common;

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use lineup::analysis::{self, AnalysisRequest};
use lineup::footage::{Footage, FootageError, Sampling, VideoReader};
use lineup::review::InputStatus;
use lineup::vision::VisionConfig;

/// Damaged copies of the clips, made at test time (tests/FIXTURES.md).
struct DamagedClips {
    dir: tempfile::TempDir,
}

impl DamagedClips {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let at = |name: &str| dir.path().join(name);
        let whole = std::fs::read(common::clip("faces_h264.mp4")).unwrap();
        for percent in [10, 50, 90] {
            let cut = &whole[..whole.len() * percent / 100];
            std::fs::write(at(&format!("cut_at_{percent}.mp4")), cut).unwrap();
        }
        let index_at_end = std::fs::read(common::clip("faces_h264_index_at_end.mp4")).unwrap();
        std::fs::write(
            at("index_lost.mp4"),
            &index_at_end[..index_at_end.len() / 2],
        )
        .unwrap();
        std::fs::write(at("random.mp4"), random_bytes(64 * 1024)).unwrap();
        std::fs::write(at("empty.mp4"), b"").unwrap();
        Self { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// Reproducible noise (xorshift64), so a failure can be replayed byte for byte.
fn random_bytes(len: usize) -> Vec<u8> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

/// Opens `path` and reads every frame: (frames decoded, warnings), or the error.
fn decode_all(path: &Path) -> Result<(u64, Vec<String>), FootageError> {
    let mut frames = Footage::open(path)?.sampled(Sampling::EveryFrame)?;
    let mut count = 0;
    while frames.next_frame()?.is_some() {
        count += 1;
    }
    Ok((count, frames.warnings()))
}

fn assert_names(message: &str, path: &Path) {
    assert!(
        message.contains(&path.display().to_string()),
        "does not name {}: {message}",
        path.display()
    );
}

#[test]
fn unusable_files_are_errors_that_name_the_file_and_say_why() {
    let damaged = DamagedClips::new();
    let cases = [
        (damaged.path("random.mp4"), "not a video FFmpeg can open"),
        (damaged.path("empty.mp4"), "the file is empty"),
        (
            damaged.path("index_lost.mp4"),
            "not a video FFmpeg can open",
        ),
        (
            common::clip("audio_only.mp4"),
            "holds no video stream (it has: audio (aac))",
        ),
        (
            common::clip("unsupported_codec.mkv"),
            "\"a64m\"), cannot be decoded",
        ),
    ];
    for (path, says) in cases {
        let error = VideoReader::open(&path).err().expect("refused");
        let message = error.to_string();
        assert_names(&message, &path);
        assert!(message.contains(says), "{message}");
    }
}

#[test]
fn a_truncated_video_gives_the_frames_before_the_cut_and_a_warning() {
    // faces_h264.mp4 keeps its index at the front. Obama's keyframe (frame 0) fills bytes 2–31 %
    // of the file and the crowd's (frame 25) 31–99 %, so a cut at 10 % leaves no whole frame, and
    // cuts at 50 % and 90 % leave exactly the first 25 frames: a frame after a lost keyframe
    // cannot be decoded.
    let damaged = DamagedClips::new();
    for (percent, expected_frames) in [(10, 0), (50, 25), (90, 25)] {
        let path = damaged.path(&format!("cut_at_{percent}.mp4"));
        let (frames, warnings) = decode_all(&path).unwrap();
        assert_eq!(frames, expected_frames, "cut at {percent}%");
        warnings.iter().for_each(|w| assert_names(w, &path));
        let shortfall = format!("only {expected_frames} of the 75 frames the file lists");
        assert!(
            warnings.iter().any(|w| w.contains(&shortfall)),
            "{warnings:?}"
        );
    }
}

#[test]
fn an_analysis_of_damaged_video_goes_on_with_the_rest() {
    let damaged = DamagedClips::new();
    let footage = vec![
        damaged.path("random.mp4"),
        damaged.path("empty.mp4"),
        damaged.path("cut_at_50.mp4"),
        common::clip("audio_only.mp4"),
        common::clip("unsupported_codec.mkv"),
        common::clip("faces_h264.mp4"),
    ];
    let watchlist = common::watchlist(&[("Barack_Obama_1.jpg", "obama2.jpg")]);
    let request = AnalysisRequest {
        footage: footage.clone(),
        watchlist: watchlist.path().to_path_buf(),
        threshold: 0.6,
        top_k: 1,
        vision: VisionConfig::default(),
        sampling: Sampling::PerSecond(2.0),
        enrolment_cache: None,
        recognizer: None,
        other_recognizers: Vec::new(),
    };
    let document = analysis::run(&request, &mut |_| {}, &AtomicBool::new(false)).unwrap();
    assert!(document.complete);
    let status = |i: usize| &document.inputs[i].status;
    for failed in [0, 1, 3, 4] {
        assert!(
            matches!(status(failed), InputStatus::Failed(m) if m.contains(&footage[failed].display().to_string())),
            "{:?}",
            status(failed)
        );
    }
    assert_eq!(status(2), &InputStatus::Analysed);
    assert_eq!(
        document.inputs[2].frames_analysed, 2,
        "frames 0 and 13 of the 25 left, at 2 a second"
    );
    assert!(document.inputs[2].stopped_early.is_some());
    let cut = footage[2].display().to_string();
    assert!(
        document
            .warnings
            .iter()
            .any(|w| w.starts_with(&cut) && w.contains("truncated"))
    );
    assert_eq!(status(5), &InputStatus::Analysed);
    assert_eq!(document.inputs[5].frames_analysed, 6);
    assert!(document.inputs[5].stopped_early.is_none());
    // Every input is hashed, even those that could not be used (except the empty one's bytes).
    assert!(document.inputs.iter().all(|i| i.digest.is_some()));
}
