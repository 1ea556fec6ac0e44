//! The app's frame time while an analysis keeps both cores busy: the work the UI thread does for
//! one frame (egui layout of the whole app, then tessellation into triangles), measured through
//! egui_kittest on the real `LineupApp`. Target: every frame within 33 ms (≥ 30 fps) at the 95th
//! percentile. Drawing the triangles is the GPU's job and is not counted; `--render` adds a
//! software render (wgpu on lavapipe) per frame, a worst case for machines with no GPU.
//!
//! Two scenes, each for a few seconds of a real analysis of the 1080p bench clip:
//! - the progress screen of that analysis (what `lineup demo` shows on first use);
//! - the Thresholds & slices screen of an open 600-track review, the threshold slider moving
//!   every frame, while the analysis runs in the background.
//!
//! A third scene opens a review of 50,000 still face tracks in the background (issue #21): the time
//! until it shows, the longest frame meanwhile, and the memory it holds once the first screen of
//! thumbnails is made and after scrolling far (`--open-only` runs just this one). A fourth opens
//! a review of 700 video face tracks on the 10-minute 1080p bench clip and scrolls past every
//! track, each thumbnail cut from the video (`--open-video` runs just this one): issue #21 saw
//! such a review grow by 7.5 MB a track (4.76 GB); its memory must stay bounded.
//!
//! A fifth times single label edits, their undo and redo, in a review of 50,000 tracks analysed
//! by two recognizers, with the second one's alerts shown (`--label-edits` runs just this one).
//!
//! Run with `./scripts/bench ui` (or `cargo bench --bench ui`). Under `cargo test` it does nothing.

#[path = "common/clips.rs"]
mod clips;
#[path = "../tests/common/labelled.rs"]
#[allow(dead_code)] // the tests use the other helpers
mod labelled;

use std::time::{Duration, Instant};

use eframe::egui;
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use lineup::analysis::AnalysisRequest;
use lineup::footage::Sampling;
use lineup::ui::{AfterAnalysis, LineupApp, Tab};
use lineup::vision::VisionConfig;
use lineup::workspace::Workspace;
use lineup::workspace::jobs::AnalysisJob;

/// How long each scene is measured.
const SCENE: Duration = Duration::from_secs(8);
const FRAME_BUDGET: Duration = Duration::from_millis(33);

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if !args.iter().any(|a| a == "--bench") {
        return;
    }
    let render = args.iter().any(|a| a == "--render");
    if args.iter().any(|a| a == "--open-only") {
        open_big_review(render);
        return;
    }
    if args.iter().any(|a| a == "--open-video") {
        open_video_review(render);
        return;
    }
    if args.iter().any(|a| a == "--label-edits") {
        label_edits_under_a_second_model();
        return;
    }
    let dir = clips::bench_dir("pipeline-bench");
    let clip = clips::Clips::make(&dir).ten_seconds;
    let watchlist = clips::watchlist(&dir);
    let request = AnalysisRequest {
        footage: vec![clip],
        watchlist,
        threshold: 0.6,
        top_k: 5,
        vision: VisionConfig::default(),
        sampling: Sampling::EveryFrame,
        enrolment_cache: None,
        recognizer: None,
        other_recognizers: Vec::new(),
    };
    println!(
        "UI frame work (layout + tessellation{}) at 1280×720 while analysing the 1080p clip:",
        if render { " + lavapipe render" } else { "" }
    );

    let app = LineupApp::analysing(
        request.clone(),
        AfterAnalysis::SaveTo(dir.join("ui-bench-review.ron")),
        || {},
    );
    let progress = measure(harness(app, render), render, |_| {});
    report("progress screen of the running analysis", &progress);

    let job = AnalysisJob::start(request, || {});
    let workspace = Workspace::new(labelled::labelled_review(), None);
    let app = LineupApp::with_workspace(workspace).on_tab(Tab::Thresholds);
    let mut threshold = 0.3;
    let thresholds = measure(harness(app, render), render, |h| {
        threshold = if threshold > 0.9 {
            0.3
        } else {
            threshold + 0.01
        };
        h.get_by_role_and_label(Role::Slider, "Match threshold")
            .set_value_accesskit(threshold);
    });
    job.cancel();
    report(
        "Thresholds & slices, slider moving, analysis in the background",
        &thresholds,
    );
    let worst = progress.p95().max(thresholds.p95());
    println!(
        "target: 95th percentile ≤ {} ms (≥ 30 fps): {}",
        FRAME_BUDGET.as_millis(),
        if worst <= FRAME_BUDGET {
            "met"
        } else {
            "NOT met"
        }
    );
    let _ = job.wait();
    open_big_review(render);
    open_video_review(render);
    label_edits_under_a_second_model();
}

/// Label edits made one by one, as keyboard labelling makes them: [`BIG_REVIEW`] tracks, two
/// recognizers.
const LABEL_EDITS: usize = 40;

/// Times single label edits (`Workspace::apply`), their undo and their redo in a review of
/// [`BIG_REVIEW`] tracks analysed by two recognizers, with the review's own model shown and
/// with the second one shown (the top bar's picker), where each edit must also keep the
/// shown model's view of the review in step. A person labelling by keyboard makes several a
/// second; each should fit in a frame (16 ms).
fn label_edits_under_a_second_model() {
    use lineup::ids::TrackId;
    use lineup::review::GroundTruth;
    use lineup::workspace::Command;
    let document = labelled::with_second_recognizer(labelled::labelled_review_of(BIG_REVIEW));
    let faces = document.detections.len();
    let mut workspace = Workspace::new(document, None);
    println!(
        "Label edits in a review of {BIG_REVIEW} tracks ({faces} faces) analysed by two recognizers, {LABEL_EDITS} of each:"
    );
    for shown in [0, 1] {
        let started = Instant::now();
        assert!(workspace.show_recognizer(shown), "recognizer {shown}");
        let switch = started.elapsed();
        let (mut edits, mut undos, mut redos) = (Vec::new(), Vec::new(), Vec::new());
        for k in 0..LABEL_EDITS {
            let track = TrackId(k * 997 % BIG_REVIEW as usize);
            let label = if workspace.document().tracks[track].label == GroundTruth::NotAFace {
                GroundTruth::NotOnWatchlist
            } else {
                GroundTruth::NotAFace
            };
            let timed = |workspace: &mut Workspace, step: &dyn Fn(&mut Workspace)| {
                let started = Instant::now();
                step(workspace);
                started.elapsed()
            };
            edits.push(timed(&mut workspace, &|w| {
                w.apply(Command::Label {
                    tracks: vec![track],
                    label,
                })
                .expect("a label is no attribute");
            }));
            undos.push(timed(&mut workspace, &|w| assert!(w.undo())));
            redos.push(timed(&mut workspace, &|w| assert!(w.redo())));
        }
        let name = if shown == 0 {
            "review's own model shown"
        } else {
            "second model shown"
        };
        println!(
            "  {name} (switching to it {:.1} ms): edit {}; undo {}; redo {}",
            switch.as_secs_f64() * 1e3,
            spread(&edits),
            spread(&undos),
            spread(&redos),
        );
    }
}

/// The median and the worst of `times`, in milliseconds.
fn spread(times: &[Duration]) -> String {
    let frames = Frames(times.to_vec());
    format!(
        "median {:.1} ms, worst {:.1} ms",
        frames.percentile(0.5).as_secs_f64() * 1e3,
        frames.percentile(1.0).as_secs_f64() * 1e3
    )
}

/// Tracks in the big review, as in issue #21's measurement (49,200 faces of 400 crowd photos).
const BIG_REVIEW: u32 = 50_000;

/// Opens a review of [`BIG_REVIEW`] still tracks (faces of the real crowd photo) in the
/// background, and says how long it took to show, the longest frame while it was read, and the
/// memory held after the first screen of thumbnails and after scrolling 200 screens down.
fn open_big_review(render: bool) {
    let dir = std::env::temp_dir().join("lineup-ui-bench-open");
    std::fs::create_dir_all(&dir).expect("bench folder");
    let photo =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/photos/crowd.jpg");
    let mut document = labelled::labelled_review_of(BIG_REVIEW);
    document.inputs[0].path = photo.clone();
    document.inputs[0].digest = lineup::digest::sha256_file(&photo).ok();
    for detection in &mut document.detections {
        detection.source.frame_index = 0;
    }
    let path = dir.join("big-review.ron");
    lineup::review::save(&document, &path).expect("bench review saved");
    drop(document);
    let megabytes = std::fs::metadata(&path).map_or(0, |m| m.len()) as f64 / 1e6;
    let sidecar_megabytes = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|entry| entry.file_name().to_string_lossy().ends_with(".npz"))
        .map(|entry| entry.metadata().map_or(0, |m| m.len()))
        .sum::<u64>() as f64
        / 1e6;
    reset_peak_memory();
    let opened = Instant::now();
    let mut h = harness(LineupApp::open_in_background(&path), render);
    h.run_steps(3); // first frames lay out fonts and textures once
    let mut longest = Duration::ZERO;
    while h.state().workspace().is_none() && opened.elapsed() < Duration::from_secs(600) {
        let started = Instant::now();
        h.step();
        longest = longest.max(started.elapsed());
    }
    let shown = opened.elapsed();
    let counts = |h: &Harness<'static, LineupApp>| h.state().picture_counts();
    while counts(&h).is_none_or(|c| c.thumbnails_made == 0)
        && opened.elapsed() < Duration::from_secs(600)
    {
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    let first_screen = (opened.elapsed(), counts(&h), memory_mb());
    for _ in 0..200 {
        scroll_one_page(&mut h);
        h.step();
    }
    h.run_steps(20);
    let scrolled = (counts(&h), memory_mb());
    println!(
        "Opening a review of {BIG_REVIEW} still tracks (text {megabytes:.1} MB, sidecar {sidecar_megabytes:.1} MB) in the background: shown after {:.2} s, longest frame meanwhile (after the first 3) {:.0} ms; first thumbnails after {:.2} s ({:?}), {}; after scrolling 200 screens ({:?}), {}",
        shown.as_secs_f64(),
        longest.as_secs_f64() * 1e3,
        first_screen.0.as_secs_f64(),
        first_screen.1,
        first_screen.2,
        scrolled.0,
        scrolled.1,
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Video tracks in the video review, as in issue #21's measurement.
const VIDEO_TRACKS: u32 = 700;

/// Opens a review of [`VIDEO_TRACKS`] tracks on the 10-minute 1080p bench clip in the
/// background and scrolls past every one of them, so that the app cuts each track's thumbnail
/// from the video; says how long the review took to show and the memory held after the first
/// screen of thumbnails and after the last. The tracks are the labelled fixture's, placed on
/// frames spread over the clip with a box in the picture's middle: the crops show whatever is
/// there, since only time and memory are measured.
fn open_video_review(render: bool) {
    let clip = clips::Clips::make(&clips::bench_dir("pipeline-bench")).ten_minutes;
    let dir = std::env::temp_dir().join("lineup-ui-bench-video");
    std::fs::create_dir_all(&dir).expect("bench folder");
    let frame_rate = 25.0;
    let mut document = labelled::labelled_review_of(VIDEO_TRACKS);
    document.inputs[0].path = clip.clone();
    document.inputs[0].digest = lineup::digest::sha256_file(&clip).ok();
    for detection in &mut document.detections {
        // 10 frame numbers a person in the fixture; spread them over the clip's 15,000 frames.
        let frame = detection.source.frame_index * 2;
        detection.source.frame_index = frame;
        detection.source.timestamp_s = frame as f64 / frame_rate;
        detection.bbox = lineup::vision::BoundingBox {
            x1: 810.0,
            y1: 340.0,
            x2: 1110.0,
            y2: 740.0,
        };
    }
    let path = dir.join("video-review.ron");
    lineup::review::save(&document, &path).expect("bench review saved");
    drop(document);
    reset_peak_memory();
    let opened = Instant::now();
    let mut h = harness(LineupApp::open_in_background(&path), render);
    h.run_steps(3);
    while h.state().workspace().is_none() && opened.elapsed() < Duration::from_secs(600) {
        h.step();
    }
    let shown = opened.elapsed();
    let counts = |h: &Harness<'static, LineupApp>| h.state().picture_counts();
    let made = |h: &Harness<'static, LineupApp>| counts(h).map_or(0, |c| c.thumbnails_made);
    while made(&h) == 0 && opened.elapsed() < Duration::from_secs(600) {
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    let first_screen = (opened.elapsed(), memory_mb());
    // Scroll a page at a time and wait at each page until its thumbnails are cut (none new for
    // half a second), until two pages in a row bring none: the end of the grid.
    let mut pages_without_new = 0;
    while pages_without_new < 2 && opened.elapsed() < Duration::from_secs(1800) {
        let before = made(&h);
        let mut last_new = Instant::now();
        let mut seen = before;
        while last_new.elapsed() < Duration::from_millis(500) {
            h.step();
            std::thread::sleep(Duration::from_millis(20));
            if made(&h) > seen {
                seen = made(&h);
                last_new = Instant::now();
            }
        }
        pages_without_new = if seen > before {
            0
        } else {
            pages_without_new + 1
        };
        scroll_one_page(&mut h);
    }
    let seen = made(&h);
    let all = opened.elapsed();
    println!(
        "Opening a review of {VIDEO_TRACKS} video tracks (10-minute 1080p clip) in the background: shown after {:.2} s; first thumbnails after {:.2} s, {}; {} thumbnails cut after {:.1} s ({:?}), {}",
        shown.as_secs_f64(),
        first_screen.0.as_secs_f64(),
        first_screen.1,
        seen,
        all.as_secs_f64(),
        counts(&h),
        memory_mb(),
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Scrolls the Faces grid down by one page, the mouse over it.
fn scroll_one_page(h: &mut Harness<'static, LineupApp>) {
    h.hover_at(egui::pos2(300.0, 500.0));
    h.event(egui::Event::MouseWheel {
        unit: egui::MouseWheelUnit::Page,
        delta: egui::vec2(0.0, -1.0),
        phase: egui::TouchPhase::Move,
        source: egui::MouseWheelSource::Wheel,
        modifiers: egui::Modifiers::NONE,
    });
}

/// Resets this process's peak resident memory (Linux), so that making the review is not counted.
fn reset_peak_memory() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// This process's resident memory now and at its peak since [`reset_peak_memory`] (Linux).
fn memory_mb() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or("?".into(), |kb| format!("{:.0} MB", kb / 1024.0))
    };
    format!("resident {}, peak {}", field("VmRSS:"), field("VmHWM:"))
}

fn harness(app: LineupApp, render: bool) -> Harness<'static, LineupApp> {
    let mut harness = Harness::builder()
        .with_size([1280.0, 720.0])
        .build_ui_state(|ui, app: &mut LineupApp| app.show(ui), app);
    harness.set_render_every_step(render);
    harness
}

struct Frames(Vec<Duration>);

impl Frames {
    fn percentile(&self, p: f64) -> Duration {
        let mut sorted = self.0.clone();
        sorted.sort();
        sorted[((sorted.len() - 1) as f64 * p).round() as usize]
    }
    fn p95(&self) -> Duration {
        self.percentile(0.95)
    }
}

/// Steps the app frame after frame for [`SCENE`], `each_frame` first, timing each frame's work.
fn measure(
    mut harness: Harness<'static, LineupApp>,
    render: bool,
    mut each_frame: impl FnMut(&mut Harness<'static, LineupApp>),
) -> Frames {
    harness.run_steps(3); // first frames lay out fonts and textures once
    let mut frames = Vec::new();
    let scene = Instant::now();
    while scene.elapsed() < SCENE {
        each_frame(&mut harness);
        let started = Instant::now();
        harness.step();
        if !render {
            let output = harness.output();
            std::hint::black_box(
                harness
                    .ctx
                    .tessellate(output.shapes.clone(), output.pixels_per_point),
            );
        }
        frames.push(started.elapsed());
        // A real display paces frames at 60 Hz; do not starve the analysis more than it would.
        std::thread::sleep(Duration::from_millis(16).saturating_sub(started.elapsed()));
    }
    Frames(frames)
}

fn report(scene: &str, frames: &Frames) {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "  {scene}: {} frames; median {:.1} ms, 95th percentile {:.1} ms, worst {:.1} ms ({:.0} fps at the 95th percentile)",
        frames.0.len(),
        ms(frames.percentile(0.5)),
        ms(frames.p95()),
        ms(frames.percentile(1.0)),
        1.0 / frames.p95().as_secs_f64()
    );
}
