//! How long an analysis will take and how big its review will be: said before it starts, from
//! the inputs' headers and a documented pace, and said again once this run's first frames are
//! timed.
//!
//! The up-front figure is a range with its conditions, never this machine's pace: it is the
//! pace measured on the 2-core development machine (BENCHMARKS.md, issue 21), scaled by the
//! pixels the detector sees. The refined figure ([`Projection`]) is this run's own: time per
//! frame, faces per frame and bytes per face, measured on its first [`CALIBRATION_FRAMES`] frames
//! and updated as the run goes on.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::footage::{self, MediaInfo, MediaKind, Sampling, VideoReader};
use crate::review::{ReviewDocument, saved_size};
use crate::vision::DetectorConfig;

/// Frames a second of the whole analysis (slowest, fastest) measured on 1080p video with the
/// detector at 960 px on 2 cores, about 2 faces a frame: issue 21's 1-minute and 5-minute runs
/// (14.2–15.7 and 12.6–14.7 fps) and the pipeline bench (17.8–19.7 fps, BENCHMARKS.md), taken
/// as 14–16 for a run of any length on a machine that is also doing other work.
pub const DOCUMENTED_FRAMES_PER_SECOND: (f64, f64) = (14.0, 16.0);

/// The detector input of those runs: 1920×1080 scaled to 960×540 and padded to 960×544.
const DOCUMENTED_DETECTOR_PIXELS: f64 = 960.0 * 544.0;

/// Frames timed before this run's own pace is said: two full batches of the embedding stage
/// (which hands frames on 16 at a time), so that the timing spans whole batches.
pub const CALIBRATION_FRAMES: u64 = 32;

/// What each input's header says, read without decoding a frame.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Survey {
    /// Every file the footage expands to, in analysis order (the order shards cut), with its
    /// header; None for a file whose header could not be read (the analysis reports why).
    pub files: Vec<(PathBuf, Option<MediaInfo>)>,
    /// Named paths that gave no file at all (missing, an empty folder, named twice).
    pub problems: usize,
}

/// Reads the header of every file the footage `paths` expand to (folders as their images and
/// videos, as the analysis takes them): a video's size, length and frame rate, a still's size.
/// Cheap: no frame is decoded and no file hashed.
pub fn survey(paths: &[PathBuf]) -> Survey {
    let (files, problems) = footage::expand_inputs(paths);
    Survey {
        files: files
            .into_iter()
            .map(|path| {
                let media = media_info(&path);
                (path, media)
            })
            .collect(),
        problems: problems.len(),
    }
}

fn media_info(path: &Path) -> Option<MediaInfo> {
    if footage::looks_like_video(path) {
        return VideoReader::open(path)
            .ok()
            .map(|video| video.info().clone());
    }
    let (width, height) = image::ImageReader::open(path)
        .ok()?
        .with_guessed_format()
        .ok()?
        .into_dimensions()
        .ok()?;
    Some(MediaInfo::still(width, height))
}

/// A video's length in seconds: its declared duration, else its frames at its rate.
fn video_seconds(media: &MediaInfo) -> Option<f64> {
    media.duration_s.or_else(|| {
        let frames = media.frame_count? as f64;
        media
            .frame_rate
            .filter(|&rate| rate > 0.0)
            .map(|r| frames / r)
    })
}

impl Survey {
    /// Seconds of video in all (videos whose length cannot be told count nothing).
    pub fn video_seconds(&self) -> f64 {
        self.videos().filter_map(video_seconds).sum()
    }

    fn readable(&self) -> impl Iterator<Item = &MediaInfo> {
        self.files.iter().filter_map(|(_, media)| media.as_ref())
    }

    fn videos(&self) -> impl Iterator<Item = &MediaInfo> {
        self.readable()
            .filter(|media| media.kind == MediaKind::Video)
    }

    /// The files of one shard's block (see `review::shards::Shard::files`), for its outlook;
    /// the default sampling comes from the whole survey, so that every shard uses the same.
    pub fn block(&self, block: std::ops::Range<usize>) -> Survey {
        Survey {
            files: self.files.get(block).unwrap_or_default().to_vec(),
            problems: 0,
        }
    }

    /// Whether any input is a video (sampling only applies to video).
    pub fn has_video(&self) -> bool {
        self.videos().next().is_some()
    }

    /// The sampling used when none is asked for: see [`Sampling::default_for`].
    pub fn default_sampling(&self) -> Sampling {
        Sampling::default_for(self.video_seconds())
    }

    /// What analysing these inputs with `sampling` and `detector` takes, at the documented pace.
    pub fn outlook(&self, sampling: Sampling, detector: &DetectorConfig) -> Outlook {
        let mut frames = Some(0u64);
        let mut documented_seconds = (0.0, 0.0);
        for media in self.readable() {
            let video = media.kind == MediaKind::Video;
            let taken = if video {
                sampling.expected_frames(media.frame_count, media.duration_s)
            } else {
                Some(1)
            };
            let Some(taken) = taken else {
                frames = None;
                continue;
            };
            frames = frames.map(|n| n + taken);
            let scale = detector_pixels(media, detector.max_side_for(video))
                / DOCUMENTED_DETECTOR_PIXELS
                * taken as f64;
            let (slowest, fastest) = DOCUMENTED_FRAMES_PER_SECOND;
            documented_seconds.0 += scale / fastest;
            documented_seconds.1 += scale / slowest;
        }
        Outlook {
            sampling,
            frames,
            videos: self.videos().count(),
            video_seconds: self.video_seconds(),
            stills: self.readable().count() - self.videos().count(),
            documented_seconds: frames.map(|_| documented_seconds),
            unreadable: self.files.len() - self.readable().count() + self.problems,
        }
    }
}

/// The pixels the detector is given for a frame of `media`: scaled to fit `max_side` (never
/// up) and padded to multiples of 32, as `vision::detector::prepare_input` does.
fn detector_pixels(media: &MediaInfo, max_side: u32) -> f64 {
    let long_side = media.width.max(media.height).max(1);
    let scale = (f64::from(max_side) / f64::from(long_side)).min(1.0);
    let padded = |side: u32| ((f64::from(side) * scale).round() / 32.0).ceil() * 32.0;
    padded(media.width) * padded(media.height)
}

/// What an analysis will take, said before it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Outlook {
    pub sampling: Sampling,
    /// Frames the sampling takes from all inputs; None when a video's cannot be told without
    /// reading it (keyframes).
    pub frames: Option<u64>,
    /// Videos among the inputs, and their length in all.
    pub videos: usize,
    pub video_seconds: f64,
    /// Stills (single images and the images of folders).
    pub stills: usize,
    /// Seconds the analysis takes at [`DOCUMENTED_FRAMES_PER_SECOND`] for these frames' detector
    /// input (fastest, slowest); None when the frames are not known.
    pub documented_seconds: Option<(f64, f64)>,
    /// Inputs whose header could not be read.
    pub unreadable: usize,
}

/// This run's own pace and size, from the frames analysed so far.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    /// Frames the pace was measured on.
    pub frames_measured: u64,
    /// Time left at that pace.
    pub time_left: Duration,
    /// Faces found per analysed frame so far.
    pub faces_per_frame: f64,
    /// The review's size if the rest of the footage has as many faces a frame: its fixed part
    /// (watchlist, inputs) and bytes per face as saved. None until a face has been found.
    pub review_bytes: Option<u64>,
    pub bytes_per_face: Option<f64>,
}

/// Times the run from its first analysed frame and measures what a face costs in the review.
#[derive(Debug, Default)]
pub(crate) struct Calibration {
    /// When the first frame was filed, and how many frames were done then.
    first: Option<(Instant, u64)>,
    /// The review's bytes without faces, and bytes per face, measured once faces are found.
    sizes: Option<(u64, f64)>,
}

impl Calibration {
    /// The projection once [`CALIBRATION_FRAMES`] frames are timed, None before. Measures the
    /// saved size of the document's faces once (at the first call with faces after that).
    pub(crate) fn projection(
        &mut self,
        document: &mut ReviewDocument,
        frames_done: u64,
        frames_total: u64,
    ) -> Option<Projection> {
        if frames_done == 0 {
            return None;
        }
        let (started, frames_then) = *self.first.get_or_insert((Instant::now(), frames_done));
        let measured = frames_done - frames_then;
        if measured < CALIBRATION_FRAMES {
            return None;
        }
        let faces = document.detections.len();
        if self.sizes.is_none() && faces > 0 {
            self.sizes = Some(saved_sizes(document));
        }
        let per_frame = started.elapsed().as_secs_f64() / measured as f64;
        let left = frames_total.saturating_sub(frames_done) as f64;
        let faces_per_frame = faces as f64 / frames_done as f64;
        let review_bytes = self.sizes.map(|(fixed, per_face)| {
            (fixed as f64 + per_face * faces_per_frame * frames_total as f64).round() as u64
        });
        Some(Projection {
            frames_measured: measured,
            time_left: Duration::from_secs_f64(per_frame * left),
            faces_per_frame,
            review_bytes,
            bytes_per_face: self.sizes.map(|(_, per_face)| per_face),
        })
    }
}

/// The document's saved size (its text and sidecar) without its faces, and what each of its
/// faces adds, measured by saving it (to memory) with and without them.
fn saved_sizes(document: &mut ReviewDocument) -> (u64, f64) {
    let faces = std::mem::take(&mut document.detections);
    let fixed = saved_size(document);
    document.detections = faces;
    let whole = saved_size(document);
    let per_face = whole.saturating_sub(fixed) as f64 / document.detections.len().max(1) as f64;
    (fixed, per_face)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The projected size is what `save` writes, text and sidecar: measured on a few faces, it
    /// foretells the bytes on disk for many more (issue #21's faces in the sidecar changed them).
    #[test]
    fn the_projected_review_size_is_what_a_save_writes() {
        let text = include_str!("../../../../tests/fixtures/review_v1.ron");
        let mut document = crate::review::parse(Path::new("r.ron"), text).unwrap();
        document.tracks.clear(); // an analysis measures before it links tracks
        let face = document.detections[0].clone();
        document.detections = vec![face; 20];
        let (fixed, per_face) = saved_sizes(&mut document);
        document.detections = vec![document.detections[0].clone(); 2_000];
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("review.ron");
        crate::review::save(&document, &path).unwrap();
        let on_disk: u64 = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().metadata().unwrap().len())
            .sum();
        let projected = fixed as f64 + per_face * 2_000.0;
        assert!(
            (projected / on_disk as f64 - 1.0).abs() < 0.01,
            "projected {projected:.0} bytes, saved {on_disk}"
        );
    }

    fn video(width: u32, height: u32, seconds: f64, rate: f64) -> MediaInfo {
        MediaInfo {
            kind: MediaKind::Video,
            duration_s: Some(seconds),
            frame_count: Some((seconds * rate) as u64),
            frame_rate: Some(rate),
            ..MediaInfo::still(width, height)
        }
    }

    fn survey_of(media: Vec<MediaInfo>) -> Survey {
        Survey {
            files: media
                .into_iter()
                .enumerate()
                .map(|(i, m)| (PathBuf::from(format!("input{i}")), Some(m)))
                .collect(),
            problems: 0,
        }
    }

    #[test]
    fn an_hour_of_1080p_is_said_at_the_documented_pace() {
        let survey = survey_of(vec![video(1920, 1080, 3600.0, 25.0)]);
        assert_eq!(survey.default_sampling(), Sampling::PerSecond(5.0));
        let detector = DetectorConfig::default();
        let every = survey.outlook(Sampling::EveryFrame, &detector);
        assert_eq!(every.frames, Some(90_000));
        let (fastest, slowest) = every.documented_seconds.unwrap();
        // 90,000 frames at 16 and at 14 frames a second: 94 and 107 minutes.
        assert!((fastest / 60.0 - 93.75).abs() < 0.01, "{fastest}");
        assert!((slowest / 60.0 - 107.14).abs() < 0.01, "{slowest}");
        let sampled = survey.outlook(Sampling::PerSecond(5.0), &detector);
        assert_eq!(sampled.frames, Some(18_000));
        let (fastest, slowest) = sampled.documented_seconds.unwrap();
        assert!((fastest / 60.0 - 18.75).abs() < 0.01, "{fastest}");
        assert!((slowest / 60.0 - 21.43).abs() < 0.01, "{slowest}");
    }

    #[test]
    fn smaller_detector_inputs_are_said_faster_and_stills_count_once() {
        let detector = DetectorConfig::default();
        let small = survey_of(vec![video(640, 480, 60.0, 25.0)]);
        let large = survey_of(vec![video(1920, 1080, 60.0, 25.0)]);
        let seconds = |s: &Survey| {
            s.outlook(Sampling::EveryFrame, &detector)
                .documented_seconds
        };
        assert!(seconds(&small).unwrap().1 < seconds(&large).unwrap().1 * 0.7);
        let stills = survey_of(vec![MediaInfo::still(4000, 3000), MediaInfo::still(64, 64)]);
        let outlook = stills.outlook(Sampling::PerSecond(5.0), &detector);
        assert_eq!(
            (outlook.frames, outlook.stills, outlook.videos),
            (Some(2), 2, 0)
        );
        assert_eq!(stills.default_sampling(), Sampling::EveryFrame);
    }

    #[test]
    fn keyframes_cannot_be_counted_from_a_header() {
        let survey = survey_of(vec![video(1920, 1080, 60.0, 25.0)]);
        let outlook = survey.outlook(Sampling::Keyframes, &DetectorConfig::default());
        assert_eq!((outlook.frames, outlook.documented_seconds), (None, None));
    }

    #[test]
    fn the_default_counts_all_the_video_together() {
        let clips = survey_of(vec![
            video(640, 480, 200.0, 25.0),
            MediaInfo::still(640, 480),
            video(640, 480, 200.0, 25.0),
        ]);
        assert_eq!(clips.video_seconds(), 400.0);
        assert_eq!(clips.default_sampling(), Sampling::PerSecond(5.0));
    }
}
