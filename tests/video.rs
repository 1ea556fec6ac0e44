//! Video footage on clips made by scripts/make_clips.sh (tests/FIXTURES.md): every frame with its
//! timestamp, exact seeking, sampling, rotation, and faces found where the clips put them.

mod common;

use lineup::footage::{Footage, FootageError, Frame, MediaKind, Sampling, VideoReader};

const FRAMES: u64 = 75;
const FRAME_S: f64 = 0.04;

fn open(name: &str) -> VideoReader {
    VideoReader::open(&common::clip(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Every frame of a clip, decoded in order.
fn all_frames(name: &str) -> Vec<Frame> {
    let mut video = open(name);
    std::iter::from_fn(|| video.next_frame().unwrap()).collect()
}

fn sampled(name: &str, sampling: Sampling) -> Vec<Frame> {
    let footage = Footage::open(&common::clip(name)).unwrap();
    let mut frames = footage.sampled(sampling).unwrap();
    std::iter::from_fn(|| frames.next_frame().unwrap()).collect()
}

fn indices(frames: &[Frame]) -> Vec<u64> {
    frames.iter().map(|f| f.index).collect()
}

fn assert_times(frames: &[Frame], expected: &[f64], name: &str) {
    let times: Vec<f64> = frames.iter().map(|f| f.timestamp_s).collect();
    assert_eq!(times.len(), expected.len(), "{name}: {times:?}");
    for (got, want) in times.iter().zip(expected) {
        assert!(
            (got - want).abs() < 1e-3,
            "{name}: {times:?} vs {expected:?}"
        );
    }
}

#[test]
fn every_codec_gives_every_frame_in_order_with_its_timestamp() {
    let codecs = [
        ("testsrc_h264.mp4", "h264"),
        ("testsrc_hevc.mkv", "hevc"),
        ("testsrc_mjpeg.avi", "mjpeg"),
        ("testsrc_vp9.webm", "vp9"),
        ("faces_h264.mp4", "h264"),
        ("faces_hevc.mp4", "hevc"),
        ("faces_mjpeg.avi", "mjpeg"),
    ];
    for (name, codec) in codecs {
        let info = open(name).info().clone();
        assert_eq!(info.kind, MediaKind::Video);
        assert_eq!(info.codec.as_deref(), Some(codec), "{name}");
        assert_eq!(info.frame_rate, Some(25.0), "{name}");
        assert!(
            (info.duration_s.unwrap() - 3.0).abs() < 0.05,
            "{name}: {info:?}"
        );
        let frames = all_frames(name);
        assert_eq!(indices(&frames), (0..FRAMES).collect::<Vec<_>>(), "{name}");
        let expected: Vec<f64> = (0..FRAMES).map(|i| i as f64 * FRAME_S).collect();
        assert_times(&frames, &expected, name);
        let size = if name.starts_with("faces") {
            (640, 480)
        } else {
            (320, 240)
        };
        assert!(
            frames.iter().all(|f| f.image.dimensions() == size),
            "{name}"
        );
        assert_eq!((info.width, info.height), size, "{name}");
    }
}

#[test]
fn counting_frames_reads_the_packets_when_the_header_has_no_count() {
    // Matroska and WebM declare no frame count: the header's is an estimate, the count is exact.
    for name in ["testsrc_hevc.mkv", "testsrc_vp9.webm", "faces_h264.mp4"] {
        let mut video = open(name);
        assert_eq!(video.count_frames().unwrap(), FRAMES, "{name}");
        assert_eq!(video.info().frame_count, Some(FRAMES), "{name}");
    }
    assert!(open("testsrc_hevc.mkv").info().frame_count_estimated);
    assert!(!open("faces_h264.mp4").info().frame_count_estimated);
}

#[test]
fn seeking_gives_exactly_the_frame_decoded_in_order() {
    // Keyframes sit at 0, 25 and 50: these targets are keyframes, their neighbours and mid-GOP.
    let targets = [37, 0, 74, 25, 1, 50, 49, 24, 12];
    for name in common::FACE_CLIPS.iter().chain(&["testsrc_vp9.webm"]) {
        let in_order = all_frames(name);
        let mut video = open(name);
        for index in targets {
            let frame = video.seek_to_frame(index).unwrap();
            let expected = &in_order[index as usize];
            assert_eq!(frame.index, index, "{name}");
            assert!(
                (frame.timestamp_s - expected.timestamp_s).abs() < 1e-9,
                "{name}"
            );
            assert!(
                frame.image == expected.image,
                "{name}: frame {index} differs after a seek"
            );
        }
        // Reading on after a seek continues from there.
        video.seek_to_frame(30).unwrap();
        let next = video.next_frame().unwrap().unwrap();
        assert_eq!(next.index, 31, "{name}");
        assert!(next.image == in_order[31].image, "{name}");
    }
}

#[test]
fn seeking_by_time_gives_the_frame_on_screen_then() {
    let mut video = open("faces_h264.mp4");
    // Frame 37 is shown from 1.48 s until frame 38 at 1.52 s.
    assert_eq!(video.seek_to_time(1.50).unwrap().index, 37);
    assert_eq!(video.seek_to_time(1.52).unwrap().index, 38);
    assert_eq!(video.seek_to_time(-1.0).unwrap().index, 0);
    assert_eq!(video.seek_to_time(99.0).unwrap().index, FRAMES - 1);
    let error = video.seek_to_frame(FRAMES).unwrap_err();
    assert!(matches!(
        error,
        FootageError::FrameOutOfRange { frames: 75, .. }
    ));
    assert!(error.to_string().contains("faces_h264.mp4"), "{error}");
}

#[test]
fn sampling_takes_every_frame_n_a_second_or_keyframes() {
    for name in common::FACE_CLIPS {
        assert_eq!(
            sampled(name, Sampling::EveryFrame).len(),
            FRAMES as usize,
            "{name}"
        );
        let five_a_second = sampled(name, Sampling::PerSecond(5.0));
        assert_eq!(
            indices(&five_a_second),
            (0..FRAMES).step_by(5).collect::<Vec<_>>(),
            "{name}"
        );
    }
    for name in [
        "testsrc_h264.mp4",
        "testsrc_hevc.mkv",
        "faces_h264.mp4",
        "faces_hevc.mp4",
    ] {
        let keyframes = sampled(name, Sampling::Keyframes);
        assert_eq!(indices(&keyframes), [0, 25, 50], "{name}");
        assert_times(&keyframes, &[0.0, 1.0, 2.0], name);
        let in_order = all_frames(name);
        for frame in &keyframes {
            assert!(
                frame.image == in_order[frame.index as usize].image,
                "{name}"
            );
        }
    }
    // Every MJPEG frame is a keyframe.
    assert_eq!(
        sampled("testsrc_mjpeg.avi", Sampling::Keyframes).len(),
        FRAMES as usize
    );
}

#[test]
fn variable_frame_rate_keeps_each_frame_timestamp() {
    // 20 frames 0.04 s apart, then 10 frames 0.2 s apart (scripts/make_clips.sh).
    let expected: Vec<f64> = (0..20)
        .map(|i| f64::from(i) * 0.04)
        .chain((0..10).map(|i| 0.8 + f64::from(i) * 0.2))
        .collect();
    assert_times(&all_frames("vfr_h264.mkv"), &expected, "vfr_h264.mkv");
    // Two a second: the first frame in each half second, wherever it falls.
    let two_a_second = sampled("vfr_h264.mkv", Sampling::PerSecond(2.0));
    assert_times(
        &two_a_second,
        &[0.0, 0.52, 1.0, 1.6, 2.0, 2.6],
        "vfr_h264.mkv",
    );
    let mut video = open("vfr_h264.mkv");
    assert_eq!(video.seek_to_time(1.1).unwrap().index, 21);
    assert!((video.seek_to_frame(25).unwrap().timestamp_s - 1.8).abs() < 1e-3);
}

#[test]
fn rotation_metadata_turns_frames_upright() {
    let mut rotated = open("faces_rotated.mp4");
    // Stored 480×640 turned a quarter clockwise; the display matrix turns it back.
    assert_eq!(rotated.info().rotation_degrees, 270);
    assert_eq!((rotated.info().width, rotated.info().height), (640, 480));
    let upright = rotated.seek_to_frame(12).unwrap();
    let original = open("faces_h264.mp4").seek_to_frame(12).unwrap();
    assert_eq!(upright.image.dimensions(), (640, 480));
    // Re-encoded once more, so close but not equal: mean difference of a few levels.
    let total: u64 = upright
        .image
        .as_raw()
        .iter()
        .zip(original.image.as_raw())
        .map(|(a, b)| u64::from(a.abs_diff(*b)))
        .sum();
    let mean = total as f64 / upright.image.as_raw().len() as f64;
    assert!(mean < 4.0, "mean difference {mean}");
}

#[test]
fn faces_are_found_at_the_frames_that_show_them() {
    let mut pipeline = common::pipeline();
    let enrolled = pipeline
        .faces(
            &lineup::footage::load_image(&common::photo("obama.jpg"))
                .unwrap()
                .image,
        )
        .unwrap();
    for name in common::FACE_CLIPS.iter().chain(&["faces_rotated.mp4"]) {
        let mut footage = Footage::open(&common::clip(name)).unwrap();
        let counts: Vec<usize> = [12, 37, 62]
            .into_iter()
            .map(|index| {
                pipeline
                    .faces(&footage.frame(index).unwrap().image)
                    .unwrap()
                    .len()
            })
            .collect();
        assert_eq!(counts, [1, 6, 0], "{name}: faces in frames 12, 37, 62");
        let obama = pipeline.faces(&footage.frame(0).unwrap().image).unwrap();
        let similarity = obama[0].embedding.cosine(&enrolled[0].embedding);
        assert!(
            similarity > 0.8,
            "{name}: Obama in frame 0 scores {similarity}"
        );
    }
}

#[test]
fn thumbnails_are_small_copies_of_the_frame() {
    let mut footage = Footage::open(&common::clip("faces_h264.mp4")).unwrap();
    assert_eq!(footage.frame_count().unwrap(), FRAMES);
    assert_eq!(footage.thumbnail(37, 160).unwrap().dimensions(), (160, 120));
    let mut still = Footage::open(&common::photo("obama.jpg")).unwrap();
    assert_eq!(still.frame_count().unwrap(), 1);
    assert_eq!(still.thumbnail(0, 100).unwrap().height(), 100);
    assert!(still.frame(1).is_err());
}

#[test]
fn a_folder_of_images_is_a_sequence_in_natural_order() {
    let dir = tempfile::tempdir().unwrap();
    for (name, photo) in [
        ("frame10.jpg", "t1.jpg"),
        ("frame2.jpg", "biden.jpg"),
        ("frame1.jpg", "obama.jpg"),
    ] {
        std::fs::copy(common::photo(photo), dir.path().join(name)).unwrap();
    }
    let mut folder = Footage::open(dir.path()).unwrap();
    let info = folder.media_info();
    assert_eq!(
        (info.kind, info.frame_count),
        (MediaKind::ImageFolder, Some(3))
    );
    let biden = lineup::footage::load_image(&common::photo("biden.jpg"))
        .unwrap()
        .image;
    assert!(
        folder.frame(1).unwrap().image == biden,
        "frame2 comes second"
    );
    assert!(matches!(
        folder.frame_at_time(1.0),
        Err(FootageError::NoClock { .. })
    ));
    let frames = {
        let mut frames = folder.sampled(Sampling::PerSecond(1.0)).unwrap();
        std::iter::from_fn(|| frames.next_frame().unwrap()).count()
    };
    assert_eq!(
        frames, 3,
        "images of a folder are all taken, whatever the sampling"
    );
}
