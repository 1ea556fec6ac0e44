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
