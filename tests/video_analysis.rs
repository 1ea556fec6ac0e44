//! Whole analyses of video: what the review records, progress, and cancellation that keeps what
//! was done.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};

use lineup::analysis::{self, AnalysisRequest, Progress};
use lineup::footage::{Footage, MediaKind, Sampling, sha256_file};
use lineup::review::InputStatus;
use lineup::vision::{DetectorConfig, FacePipeline, VisionConfig};

fn request(clips: &[&str], sampling: Sampling, watchlist: &tempfile::TempDir) -> AnalysisRequest {
    AnalysisRequest {
        footage: clips.iter().map(|name| common::clip(name)).collect(),
        watchlist: watchlist.path().to_path_buf(),
        threshold: 0.6,
        top_k: 1,
        vision: VisionConfig::default(),
        sampling,
        enrolment_cache: None,
        recognizer: None,
        other_recognizers: Vec::new(),
    }
}

#[test]
fn a_video_analysis_records_media_sampling_and_faces_at_their_frames() {
    let watchlist = common::watchlist(&[("Barack_Obama_1.jpg", "obama2.jpg")]);
    let request = request(&["faces_h264.mp4"], Sampling::PerSecond(5.0), &watchlist);
    let mut progress = Vec::new();
    let document =
        analysis::run(&request, &mut |p| progress.push(p), &AtomicBool::new(false)).unwrap();

    assert!(document.complete);
    assert_eq!(document.settings.sampling, Sampling::PerSecond(5.0));
    let input = &document.inputs[0];
    assert_eq!(input.status, InputStatus::Analysed);
    assert_eq!(
        input.digest,
        Some(sha256_file(&common::clip("faces_h264.mp4")).unwrap())
    );
    assert_eq!(input.frames_analysed, 15);
    let media = input.media.as_ref().unwrap();
    assert_eq!(media.kind, MediaKind::Video);
    assert_eq!(media.codec.as_deref(), Some("h264"));
    assert_eq!(
        (media.width, media.height, media.frame_count),
        (640, 480, Some(75))
    );
    assert!((media.duration_s.unwrap() - 3.0).abs() < 0.05);

    // Frames 0, 5, ... 70: Obama alone until 24, six people from 25 to 49, nobody after.
    let faces_in = |frame: u64| {
        let found: Vec<_> = document
            .detections
            .iter()
            .filter(|d| d.source.frame_index == frame)
            .collect();
        assert!(
            found
                .iter()
                .all(|d| (d.source.timestamp_s - frame as f64 * 0.04).abs() < 1e-3)
        );
        found.len()
    };
    let counts: Vec<usize> = (0..75).step_by(5).map(faces_in).collect();
    assert_eq!(counts, [1, 1, 1, 1, 1, 6, 6, 6, 6, 6, 0, 0, 0, 0, 0]);
    let alerts: Vec<u64> = document
        .detections
        .iter()
        .filter(|d| d.is_alert(0.6))
        .map(|d| d.source.frame_index)
        .collect();
    assert_eq!(
        alerts,
        [0, 5, 10, 15, 20],
        "Obama is flagged in every frame he is in"
    );

    let frames: Vec<(u64, u64)> = progress
        .iter()
        .filter_map(|p| match p {
            Progress::Analysing {
                frames_done,
                frames_total,
                ..
            } => Some((*frames_done, *frames_total)),
            _ => None,
        })
        .collect();
    assert_eq!(frames.last(), Some(&(15, 15)));
    assert!(frames.windows(2).all(|w| w[0].0 <= w[1].0));
}

/// The pipelined analysis (two detection workers taking frames in turn, embedding on its own
/// thread, faces of several frames embedded in one run) gives each frame exactly the faces a
/// plain pipeline finds in it, in order; video frames are seen at the video size and stills at
/// the still size.
#[test]
fn pipelined_batches_keep_every_frames_faces_and_each_input_kind_has_its_detector_size() {
    let watchlist = common::watchlist(&[("Barack_Obama_1.jpg", "obama2.jpg")]);
    let mut request = request(&["faces_h264.mp4"], Sampling::PerSecond(5.0), &watchlist);
    request.footage.push(common::photo("t1.jpg"));
    // Small sizes make the difference visible on a 640×480 clip; batches of 4 make embedding
    // runs span frames (six faces a frame in the middle second).
    request.vision = VisionConfig {
        detector: DetectorConfig {
            max_side: 1280,
            video_max_side: Some(480),
            ..DetectorConfig::default()
        },
        embed_batch: 4,
        // Two threads make two detection workers, however many cores run the test.
        threads: 2,
    };
    let document = analysis::run(&request, &mut |_| {}, &AtomicBool::new(false)).unwrap();
    assert_eq!(document.settings.vision.detector.video_max_side, Some(480));

    let at_size = |max_side: u32| {
        FacePipeline::load(VisionConfig {
            detector: DetectorConfig {
                max_side,
                ..DetectorConfig::default()
            },
            ..VisionConfig::default()
        })
        .unwrap()
    };
    let mut video_pipeline = at_size(480);
    let mut footage = Footage::open(&common::clip("faces_h264.mp4")).unwrap();
    for frame in (0..75).step_by(5) {
        let expected = video_pipeline
            .faces(&footage.frame(frame).unwrap().image)
            .unwrap();
        let analysed: Vec<_> = document
            .detections
            .iter()
            .filter(|d| d.source.input == 0 && d.source.frame_index == frame)
            .collect();
        assert_eq!(analysed.len(), expected.len(), "frame {frame}");
        for (got, want) in analysed.iter().zip(&expected) {
            assert_eq!(got.bbox, want.detection.bbox, "frame {frame}");
            assert!(
                got.embedding.cosine(&want.embedding) > 0.9999,
                "frame {frame}"
            );
        }
    }
    let photo = lineup::footage::load_image(&common::photo("t1.jpg"))
        .unwrap()
        .image;
    let still_boxes: Vec<_> = document
        .detections
        .iter()
        .filter(|d| d.source.input == 1)
        .map(|d| d.bbox)
        .collect();
    let boxes_at = |max_side: u32| -> Vec<_> {
        at_size(max_side)
            .faces(&photo)
            .unwrap()
            .into_iter()
            .map(|f| f.detection.bbox)
            .collect()
    };
    assert_eq!(still_boxes, boxes_at(1280), "the still is seen at 1280");
    assert_ne!(still_boxes, boxes_at(480), "not at the video size");
}

/// Splitting detection between workers changes how fast, never what: one thread (one detection
/// worker) and two threads (two workers of one thread each) give the same review, bit for bit.
#[test]
fn the_number_of_detection_workers_does_not_change_the_review() {
    let watchlist = common::watchlist(&[("Barack_Obama_1.jpg", "obama2.jpg")]);
    let analysed_with = |threads: usize| {
        let mut request = request(&["faces_h264.mp4"], Sampling::EveryFrame, &watchlist);
        request.footage.push(common::photo("t1.jpg"));
        request.vision.threads = threads;
        analysis::run(&request, &mut |_| {}, &AtomicBool::new(false)).unwrap()
    };
    let (one, two) = (analysed_with(1), analysed_with(2));
    assert!(one.detections.len() > 75, "{} faces", one.detections.len());
    assert_eq!(one.detections.len(), two.detections.len());
    for (a, b) in one.detections.iter().zip(&two.detections) {
        assert_eq!(
            a, b,
            "input {} frame {}",
            a.source.input, a.source.frame_index
        );
    }
    assert_eq!(one.tracks, two.tracks);
}

#[test]
fn cancelling_keeps_what_was_analysed_and_marks_the_review_incomplete() {
    let watchlist = common::watchlist(&[("Barack_Obama_1.jpg", "obama2.jpg")]);
    let request = request(
        &["faces_h264.mp4", "faces_hevc.mp4"],
        Sampling::EveryFrame,
        &watchlist,
    );
    let cancel = AtomicBool::new(false);
    let mut last_eta = None;
    let document = analysis::run(
        &request,
        &mut |p| {
            if let Progress::Analysing {
                frames_done,
                frames_total,
                eta,
                ..
            } = p
            {
                assert_eq!(frames_total, 150);
                last_eta = eta;
                if frames_done >= 10 {
                    cancel.store(true, Ordering::Relaxed);
                }
            }
        },
        &cancel,
    )
    .unwrap();

    assert!(!document.complete);
    assert!(last_eta.is_some());
    let first = &document.inputs[0];
    assert_eq!(first.status, InputStatus::Analysed);
    assert!(
        (10..75).contains(&first.frames_analysed),
        "{}",
        first.frames_analysed
    );
    assert!(
        first
            .stopped_early
            .as_deref()
            .is_some_and(|s| s.contains("cancelled"))
    );
    assert!(first.digest.is_some() && first.media.is_some());
    assert_eq!(document.inputs[1].status, InputStatus::NotAnalysed);
    assert_eq!(document.inputs[1].frames_analysed, 0);
    assert!(!document.detections.is_empty());
    assert!(
        document
            .detections
            .iter()
            .all(|d| d.source.input == 0 && d.source.frame_index < first.frames_analysed)
    );
    assert!(document.warnings.iter().any(|w| w.contains("cancelled")));
}
