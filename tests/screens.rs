//! Pictures of every screen of the app at a small laptop's 1024×700 and a desktop's 1920×1080,
//! rendered by egui_kittest through wgpu (the renderer the app uses) on the workshop demo review.
//!
//! In the test suite the pictures go to a temporary folder and each is checked to show
//! something; `./scripts/screenshots.sh` runs this test with `LINEUP_SCREENS_DIR=docs/screens`
//! to make the README's pictures.
//!
//! The demo's footage and labels are `lineup demo`'s (see src/demo.rs). For the agreement view a
//! second reviewer is added who labelled the clip's first 12 tracks blind and disagreed on 2 of
//! them; that second review is made up for the picture and said to be so by its reviewer's name.

use std::path::{Path, PathBuf};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use lineup::ids::{IdentityId, TrackId};
use lineup::review::{self, GroundTruth, SecondLabel, SecondReview};
use lineup::ui::{LineupApp, Tab};

const SIZES: [(f32, f32); 2] = [(1024.0, 700.0), (1920.0, 1080.0)];

/// The demo review as set-up builds it (./scripts/setup makes it before any test runs).
fn demo_master() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("vendor/demo/demo-review.ron")
}

/// The demo, with a made-up second review of its first 12 tracks (2 of them disagreeing).
fn demo_reviewed_twice() -> review::ReviewDocument {
    let mut document = review::load(&demo_master()).expect("the demo review (./scripts/setup)");
    let mut second = SecondReview {
        reviewer: "Example second reviewer (made up for this picture)".into(),
        ..Default::default()
    };
    for (index, track) in document.tracks.iter().take(12).enumerate() {
        let label = if index % 6 == 5 {
            match track.label {
                GroundTruth::OnWatchlist(_) => GroundTruth::NotOnWatchlist,
                _ => GroundTruth::OnWatchlist(IdentityId(0)),
            }
        } else {
            track.label
        };
        second.labels.insert(
            TrackId(index),
            SecondLabel {
                label,
                attributes: Default::default(),
            },
        );
    }
    document.second_review = Some(second);
    document
}

/// Where the pictures go: `LINEUP_SCREENS_DIR` (the screenshots script) or a temporary folder.
fn output_folder() -> (Option<tempfile::TempDir>, PathBuf) {
    match std::env::var_os("LINEUP_SCREENS_DIR") {
        Some(dir) => (None, PathBuf::from(dir)),
        None => {
            let temp = tempfile::tempdir().unwrap();
            let path = temp.path().to_path_buf();
            (Some(temp), path)
        }
    }
}

fn harness(app: LineupApp, size: (f32, f32)) -> Harness<'static, LineupApp> {
    Harness::builder()
        .with_size([size.0, size.1])
        .with_max_steps(64)
        .build_ui_state(|ui, app: &mut LineupApp| app.show(ui), app)
}

/// Renders the harness's screen and writes it as `folder/name.png`, checking it shows something
/// (more than a handful of colours).
fn picture(h: &mut Harness<'static, LineupApp>, folder: &Path, name: &str) {
    // Pictures decode in the background, and a spinner repaints until they arrive, so the
    // screen is given a while to settle rather than run until nothing asks for a repaint.
    for _ in 0..40 {
        h.run_steps(1);
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    let image = h.render().expect("the screen renders");
    let colours: std::collections::HashSet<[u8; 4]> =
        image.pixels().take(200_000).map(|pixel| pixel.0).collect();
    assert!(colours.len() > 16, "{name}: the picture is nearly blank");
    let path = folder.join(format!("{name}.png"));
    image
        .save(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

#[test]
fn every_screen_is_pictured_at_a_small_laptop_and_a_desktop_size() {
    // The app reads and writes its settings (the remembered published key): not the real ones.
    let settings = tempfile::tempdir().unwrap();
    // SAFETY: set before any app of this test binary starts, and no other test here reads it.
    unsafe { std::env::set_var("XDG_CONFIG_HOME", settings.path()) };
    let (_temp, root) = output_folder();
    let case = tempfile::tempdir().unwrap();
    let review_path = case.path().join("demo-review.ron");
    review::save(&demo_reviewed_twice(), &review_path).unwrap();
    for size in SIZES {
        let folder = root.join(format!("{}x{}", size.0, size.1));
        std::fs::create_dir_all(&folder).unwrap();

        let mut h = harness(LineupApp::start(), size);
        picture(&mut h, &folder, "start");

        let mut h = harness(LineupApp::open(&review_path).on_tab(Tab::Faces), size);
        h.run_steps(4);
        // The first track selected: its filmstrip beside the label buttons, and the reviewers'
        // agreement below the grid.
        h.get_by_label_contains("#0 ").click();
        picture(&mut h, &folder, "faces");
        for (tab, name) in [
            ("Footage", "footage"),
            ("Watchlist", "watchlist"),
            ("Thresholds & slices", "thresholds"),
            ("Base rates", "base-rates"),
            ("Assessment", "assessment"),
            ("Glossary", "glossary"),
        ] {
            h.get_by_label(tab).click();
            picture(&mut h, &folder, name);
        }
        h.get_by_label("Faces").click();
        h.run_steps(4);
        h.get_by_label("Label blind, as a second reviewer").click();
        picture(&mut h, &folder, "faces-blind");
    }
}

#[test]
fn the_pictured_review_is_the_demo_with_its_made_up_second_review() {
    let document = demo_reviewed_twice();
    let second = document.second_review.as_ref().unwrap();
    assert_eq!(second.labels.len(), 12.min(document.tracks.len()));
    let differing = second
        .labels
        .iter()
        .filter(|(track, label)| document.tracks[**track].label != label.label)
        .count();
    assert_eq!(differing, 2, "the caption says 2 disagreements");
}
