//! Bad input never crashes lineup: each damaged or unusual file gives a clear error or warning
//! that names it, and an analysis goes on with the rest.

mod common;

use std::sync::atomic::AtomicBool;

use lineup::analysis::{self, AnalysisRequest};
use lineup::footage::load_image;
use lineup::review::InputStatus;
use lineup::vision::VisionConfig;
use lineup::watchlist::{self, WatchlistError};

#[test]
fn unreadable_images_are_errors_that_name_the_file_and_say_why() {
    let bad = common::bad_inputs();
    let expectations = [
        ("not_an_image.jpg", "not an image lineup can read"),
        ("empty.jpg", "the file is empty"),
        (
            "huge_20000x20000.png",
            "20000×20000 pixels (400 megapixels)",
        ),
        ("cut_header.png", "damaged"),
    ];
    for (name, says) in expectations {
        let path = bad.path(name);
        let message = load_image(&path).unwrap_err().to_string();
        assert!(
            message.starts_with(&path.display().to_string()),
            "{message}"
        );
        assert!(message.contains(says), "{name}: {message}");
    }
}

#[test]
fn a_truncated_jpeg_is_an_error_or_a_warning_naming_it() {
    let bad = common::bad_inputs();
    let path = bad.path("truncated.jpg");
    match load_image(&path) {
        Ok(loaded) => {
            assert!(
                loaded
                    .warnings
                    .iter()
                    .any(|w| w.contains("truncated") && w.contains("truncated.jpg"))
            );
        }
        Err(e) => assert!(e.to_string().contains("truncated.jpg"), "{e}"),
    }
}

#[test]
fn a_1x1_image_loads_with_a_warning_and_holds_no_face() {
    let bad = common::bad_inputs();
    let loaded = load_image(&bad.path("tiny_1x1.png")).unwrap();
    assert!(
        loaded.warnings[0].contains("only 1×1 pixels"),
        "{:?}",
        loaded.warnings
    );
    assert!(common::pipeline().faces(&loaded.image).unwrap().is_empty());
}

#[test]
fn grayscale_cmyk_16_bit_and_alpha_images_still_show_obama() {
    let bad = common::bad_inputs();
    let original = load_image(&common::photo("obama.jpg")).unwrap().image;
    let reference = common::pipeline()
        .faces(&original)
        .unwrap()
        .remove(0)
        .embedding;
    for name in common::ODD_BUT_USABLE {
        let loaded = load_image(&bad.path(name)).unwrap();
        assert!(loaded.warnings.is_empty(), "{name}: {:?}", loaded.warnings);
        let faces = common::pipeline().faces(&loaded.image).unwrap();
        assert_eq!(faces.len(), 1, "{name}");
        let score = faces[0].embedding.cosine(&reference);
        assert!(score > 0.8, "{name}: only {score} like the original");
    }
}

#[test]
fn an_analysis_goes_on_past_bad_files_and_records_each() {
    let bad = common::bad_inputs();
    std::fs::copy(common::photo("obama2.jpg"), bad.path("good.jpg")).unwrap();
    let watchlist = common::watchlist(&[("Obama_1.jpg", "obama.jpg")]);
    let request = AnalysisRequest {
        footage: vec![bad.dir.path().to_path_buf(), bad.path("missing.jpg")],
        watchlist: watchlist.path().to_path_buf(),
        threshold: 0.6,
        top_k: 1,
        vision: VisionConfig::default(),
        sampling: Default::default(),
        enrolment_cache: None,
        recognizer: None,
        other_recognizers: Vec::new(),
    };
    let document = analysis::run(&request, &mut |_| {}, &AtomicBool::new(false)).unwrap();
    let status = |name: &str| {
        &document
            .inputs
            .iter()
            .find(|i| i.path.file_name().unwrap() == name)
            .unwrap()
            .status
    };
    for name in common::UNREADABLE {
        assert!(
            matches!(status(name), InputStatus::Failed(m) if m.contains(name)),
            "{name}: {:?}",
            status(name)
        );
    }
    for name in common::ODD_BUT_USABLE
        .iter()
        .chain(&["good.jpg", "tiny_1x1.png"])
    {
        assert_eq!(status(name), &InputStatus::Analysed, "{name}");
    }
    assert!(
        document
            .warnings
            .iter()
            .any(|w| w.contains("missing.jpg") && w.contains("no such file"))
    );
    assert!(document.warnings.iter().any(|w| w.contains("tiny_1x1.png")));
    let good = document
        .inputs
        .iter()
        .position(|i| i.path.ends_with("good.jpg"))
        .unwrap();
    assert!(
        document
            .detections
            .iter()
            .any(|d| d.source.input == good && d.is_alert(0.6))
    );
}

#[test]
fn a_watchlist_with_no_usable_face_is_an_error_naming_each_photo() {
    let watchlist = common::watchlist(&[("Crowd_1.jpg", "crowd.jpg")]);
    std::fs::write(watchlist.path().join("Text_1.jpg"), b"not a photo").unwrap();
    std::fs::create_dir(watchlist.path().join("Nobody")).unwrap();
    let bad = common::bad_inputs();
    std::fs::copy(
        bad.path("tiny_1x1.png"),
        watchlist.path().join("Nobody/blank.png"),
    )
    .unwrap();
    let err = watchlist::enrol(watchlist.path(), &mut common::pipeline(), |_, _| {}).unwrap_err();
    let message = err.to_string();
    assert!(
        matches!(err, WatchlistError::NoUsableFace { photos: 3, .. }),
        "{message}"
    );
    assert!(
        message.contains("Crowd_1.jpg: 123 faces found, enrolment needs exactly one"),
        "{message}"
    );
    assert!(message.contains("Text_1.jpg: not an image"), "{message}");
    assert!(message.contains("blank.png: no face found"), "{message}");
}

#[test]
fn a_watchlist_skips_unusable_photos_with_a_warning_and_keeps_the_rest() {
    let watchlist = common::watchlist(&[("Obama_1.jpg", "obama.jpg"), ("Group_1.jpg", "t1.jpg")]);
    let enrolment = watchlist::enrol(watchlist.path(), &mut common::pipeline(), |_, _| {}).unwrap();
    let names: Vec<_> = enrolment
        .watchlist
        .identities
        .iter()
        .map(|i| i.name.as_str())
        .collect();
    assert_eq!(names, ["Obama"]);
    assert_eq!(enrolment.warnings.len(), 1);
    assert!(
        enrolment.warnings[0].contains("Group_1.jpg: 6 faces found"),
        "{:?}",
        enrolment.warnings
    );
}

#[test]
fn footage_that_is_all_missing_is_an_error() {
    let watchlist = common::watchlist(&[("Obama_1.jpg", "obama.jpg")]);
    let request = AnalysisRequest {
        footage: vec!["/nonexistent/clip.jpg".into()],
        watchlist: watchlist.path().to_path_buf(),
        threshold: 0.6,
        top_k: 1,
        vision: VisionConfig::default(),
        sampling: Default::default(),
        enrolment_cache: None,
        recognizer: None,
        other_recognizers: Vec::new(),
    };
    let err = analysis::run(&request, &mut |_| {}, &AtomicBool::new(false)).unwrap_err();
    assert!(
        err.to_string()
            .contains("/nonexistent/clip.jpg: no such file"),
        "{err}"
    );
}
