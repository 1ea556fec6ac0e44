//! lineup's face pipeline side by side with the reference pipeline (bench/reference_pipeline.py:
//! the same models in Python with onnxruntime + numpy + OpenCV) and with the model-only floor (the
//! ONNX Runtime sessions alone on the very tensors lineup feeds them), on a generated 1080p clip
//! with faces and on the crowd photo; plus the metrics recompute for 100,000 faces. Prints one
//! Markdown table with each target and whether it is met.
//!
//! Run with `./scripts/bench` (it installs the reference's Python packages into
//! vendor/bench-python, then runs `cargo bench --bench pipeline`). Under `cargo test` (no
//! `--bench` flag) this does nothing, so the test suite stays free of timing. Without the Python
//! packages the reference columns say so and the rest still runs. LINEUP_BENCH_PYTHON names
//! another interpreter that has them.

#[path = "common/clips.rs"]
mod clips;
#[path = "common/metrics_timing.rs"]
mod metrics_timing;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use image::RgbImage;
use lineup::analysis::{self, AnalysisRequest, DETECTION_WORKERS, FRAMES_PER_BATCH, Progress};
use lineup::footage::{Sampling, VideoReader, load_image};
use lineup::vision::detector::prepare_input;
use lineup::vision::embedder::prepare_batch;
use lineup::vision::{
    Detector, FacePipeline, FoundFace, VisionConfig, embed_found, embedding_runs, find_faces,
};

const CHECKOUT: &str = env!("CARGO_MANIFEST_DIR");
/// Times the crowd photo is analysed; the median counts.
const PHOTO_RUNS: usize = 7;

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let dir = clips::bench_dir("pipeline-bench");
    let clip = clips::Clips::make(&dir).ten_seconds;
    let watchlist = clips::watchlist(&dir);
    let crowd = Path::new(CHECKOUT).join("tests/data/photos/crowd.jpg");
    let config = VisionConfig::default();
    println!(
        "machine: {} cores; ONNX Runtime threads per model run: {}, shared by up to {} \
         detection workers on video\n",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        config.threads,
        DETECTION_WORKERS.min(config.threads)
    );

    let mut table = Table::default();
    video_rows(&mut table, &clip, &watchlist, &config);
    photo_rows(&mut table, &crowd, &config);
    metrics_rows(&mut table);
    table.print();
}

/// Seconds the models alone took, and the whole stage around them.
#[derive(Default)]
struct StageTimes {
    frames: usize,
    faces: usize,
    detection: Duration,
    detector_model: Duration,
    embedding: Duration,
    embedder_model: Duration,
}

impl StageTimes {
    fn floor_fps(&self) -> f64 {
        self.frames as f64 / (self.detector_model + self.embedder_model).as_secs_f64()
    }
    fn detection_ms(&self) -> f64 {
        ms(self.detection) / self.frames as f64
    }
    fn embedding_ms_per_face(&self) -> f64 {
        ms(self.embedding) / self.faces.max(1) as f64
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The models as analysis holds them: for many frames, [`DETECTION_WORKERS`] detectors that
/// share the threads and take frames in turn; for one still, one detector with every thread.
struct Models {
    pipeline: FacePipeline,
}

impl Models {
    fn load(config: &VisionConfig, detection_workers: usize) -> Self {
        let mut pipeline = FacePipeline::load(config.clone()).expect("models");
        pipeline
            .share_detection(detection_workers)
            .expect("detectors");
        Self { pipeline }
    }

    /// Finds the faces of `images` as analysis does, the detectors taking them in turn side by
    /// side, timing it; then runs the detectors alone on the same tensors, side by side again,
    /// for the floor. Each image's faces, in order.
    fn detect(
        &mut self,
        images: &[RgbImage],
        max_side: u32,
        times: &mut StageTimes,
    ) -> Vec<Vec<FoundFace>> {
        let (detectors, _) = self.pipeline.stages();
        let started = Instant::now();
        let found = side_by_side(detectors, images, |detector, image| {
            find_faces(detector, image, max_side).expect("detect")
        });
        times.detection += started.elapsed();
        times.frames += images.len();

        let inputs: Vec<_> = images.iter().map(|i| prepare_input(i, max_side)).collect();
        let started = Instant::now();
        side_by_side(detectors, &inputs, |detector, input| {
            detector.run(input).expect("detector alone");
        });
        times.detector_model += started.elapsed();
        found
    }

    /// Embeds `found` in batches as analysis does, timing it, then runs the recognizer once more
    /// alone on the same tensors for the floor.
    fn embed(&mut self, found: Vec<FoundFace>, times: &mut StageTimes) {
        let batch = self.pipeline.config().embed_batch;
        let (_, embedder) = self.pipeline.stages();
        for chunk in embedding_runs(&found, batch) {
            let tensor =
                prepare_batch(&chunk.iter().map(|f| f.aligned.clone()).collect::<Vec<_>>());
            let started = Instant::now();
            embedder
                .run(&tensor, chunk.len())
                .expect("recognizer alone");
            times.embedder_model += started.elapsed();
        }
        times.faces += found.len();
        let started = Instant::now();
        embed_found(embedder, found, batch).expect("embed");
        times.embedding += started.elapsed();
    }
}

/// `work` on every item, the detectors taking the items in turn, each on its own thread, as the
/// analysis deals frames to its detection workers. The results in the items' order.
fn side_by_side<I: Sync, O: Send>(
    detectors: &mut [Detector],
    items: &[I],
    work: impl Fn(&mut Detector, &I) -> O + Sync,
) -> Vec<O> {
    let workers = detectors.len();
    let work = &work;
    let shares: Vec<Vec<O>> = std::thread::scope(|scope| {
        let running: Vec<_> = detectors
            .iter_mut()
            .enumerate()
            .map(|(worker, detector)| {
                scope.spawn(move || {
                    let share = items.iter().skip(worker).step_by(workers);
                    share.map(|item| work(detector, item)).collect::<Vec<_>>()
                })
            })
            .collect();
        running
            .into_iter()
            .map(|worker| worker.join().expect("detection worker"))
            .collect()
    });
    let mut shares: Vec<_> = shares.into_iter().map(Vec::into_iter).collect();
    (0..items.len())
        .map(|item| shares[item % workers].next().expect("one result per item"))
        .collect()
}

fn video_rows(table: &mut Table, clip: &Path, watchlist: &Path, config: &VisionConfig) {
    let max_side = config.detector.max_side_for(true);
    let (frames, decode_s) = decode_seconds(clip);
    let mut models = Models::load(config, DETECTION_WORKERS);
    let mut stages = StageTimes::default();
    let mut video = VideoReader::open(clip).expect("open the bench clip");
    let mut pending = Vec::new();
    let mut pending_frames = 0;
    loop {
        // A few frames at a time, so that the detectors have frames to share.
        let images: Vec<_> = std::iter::from_fn(|| video.next_frame().expect("decode"))
            .take(FRAMES_PER_BATCH)
            .map(|frame| frame.image)
            .collect();
        if images.is_empty() {
            break;
        }
        // Faces of consecutive frames share model runs, as analysis gathers them.
        for found in models.detect(&images, max_side, &mut stages) {
            pending.extend(found);
            pending_frames += 1;
            if pending.len() >= config.embed_batch || pending_frames >= FRAMES_PER_BATCH {
                models.embed(std::mem::take(&mut pending), &mut stages);
                pending_frames = 0;
            }
        }
    }
    models.embed(pending, &mut stages);
    drop(models);
    let (pipeline_fps, pipeline_faces) = whole_pipeline_fps(clip, watchlist, config);
    let obama = Path::new(CHECKOUT).join("tests/data/photos/obama2.jpg");
    let reference_args = |side: u32| {
        vec![
            "--video".to_string(),
            clips::path_str(clip).to_string(),
            "--max-side".to_string(),
            side.to_string(),
            "--watchlist".to_string(),
            clips::path_str(&obama).to_string(),
        ]
    };
    let reference = Reference::run(&reference_args(max_side));
    let demo_style = Reference::run(&reference_args(0));

    table.section(&format!(
        "1080p h264 clip, 10 s ({frames} frames, {} faces found by lineup; detector input {max_side} px)",
        pipeline_faces
    ));
    let decode_fps = frames as f64 / decode_s;
    table.row(
        "decode to RGB, fps",
        decode_fps,
        reference.as_ref().map(|r| r.frames / r.decode_s),
        Higher,
        None,
    );
    table.row(
        "detection, ms per frame",
        stages.detection_ms(),
        reference.as_ref().map(|r| r.ms_per_frame(r.detect_s)),
        Lower,
        None,
    );
    table.row(
        "  of which outside the model (scale, decode maps, align), ms",
        ms(stages.detection - stages.detector_model) / stages.frames as f64,
        reference
            .as_ref()
            .map(|r| r.ms_per_frame(r.detect_s - r.detector_model_s)),
        Lower,
        None,
    );
    table.row(
        "embedding, ms per face",
        stages.embedding_ms_per_face(),
        reference.as_ref().map(|r| r.ms_per_face(r.embed_s)),
        Lower,
        Some(Target::AtMost(8.0)),
    );
    table.row(
        "  of which the model alone, ms per face",
        ms(stages.embedder_model) / stages.faces.max(1) as f64,
        reference.as_ref().map(|r| r.ms_per_face(r.embed_model_s)),
        Lower,
        None,
    );
    table.row(
        "whole pipeline, fps (reference at the same detector size)",
        pipeline_fps,
        reference.as_ref().map(|r| r.frames / r.seconds),
        Higher,
        Some(Target::RatioAtLeast(2.0)),
    );
    table.row(
        "whole pipeline, fps (reference as CenterFace's demo: full frame)",
        pipeline_fps,
        demo_style.as_ref().map(|r| r.frames / r.seconds),
        Higher,
        Some(Target::RatioAtLeast(2.0)),
    );
    table.row(
        "model-only floor, fps (lineup's tensors; reference: its own)",
        stages.floor_fps(),
        reference
            .as_ref()
            .map(|r| r.frames / (r.detector_model_s + r.embed_model_s)),
        Higher,
        None,
    );
    table.row(
        "whole pipeline ÷ model-only floor",
        pipeline_fps / stages.floor_fps(),
        None,
        Higher,
        Some(Target::AtLeast(0.85)),
    );
}

/// Decodes every frame of `clip` to RGB: (frames, seconds).
fn decode_seconds(clip: &Path) -> (u64, f64) {
    let mut video = VideoReader::open(clip).expect("open the bench clip");
    let started = Instant::now();
    let mut frames = 0;
    while video.next_frame().expect("decode").is_some() {
        frames += 1;
    }
    (frames, started.elapsed().as_secs_f64())
}

/// A whole analysis of `clip` as `lineup analyze` runs it: frames a second from the first frame
/// to the finished review (models and watchlist loading are not counted), and faces found.
fn whole_pipeline_fps(clip: &Path, watchlist: &Path, config: &VisionConfig) -> (f64, usize) {
    let request = AnalysisRequest {
        footage: vec![clip.to_path_buf()],
        watchlist: watchlist.to_path_buf(),
        threshold: 0.6,
        top_k: 5,
        vision: config.clone(),
        sampling: Sampling::EveryFrame,
        enrolment_cache: None,
        recognizer: None,
        other_recognizers: Vec::new(),
    };
    let mut started = None;
    let mut on_progress = |progress: Progress| {
        if matches!(progress, Progress::Analysing { .. }) && started.is_none() {
            started = Some(Instant::now());
        }
    };
    let document =
        analysis::run(&request, &mut on_progress, &AtomicBool::new(false)).expect("analyse");
    let seconds = started.expect("analysis started").elapsed().as_secs_f64();
    let frames: u64 = document.inputs.iter().map(|i| i.frames_analysed).sum();
    (frames as f64 / seconds, document.detections.len())
}

fn photo_rows(table: &mut Table, photo: &Path, config: &VisionConfig) {
    let max_side = config.detector.max_side_for(false);
    // One still: analysis keeps one detector with every thread.
    let mut models = Models::load(config, 1);
    let mut runs = Vec::new();
    let mut whole = Vec::new();
    for _ in 0..PHOTO_RUNS {
        let started = Instant::now();
        let image = load_image(photo).expect("read the crowd photo").image;
        let read = started.elapsed();
        let mut times = StageTimes::default();
        let found = models.detect(std::slice::from_ref(&image), max_side, &mut times);
        models.embed(found.concat(), &mut times);
        // The whole photo as analysis does it: read, detect, embed (not the floor's extra runs).
        whole.push(read + times.detection + times.embedding);
        runs.push(times);
    }
    runs.sort_by_key(|t| t.detection + t.embedding);
    let median = &runs[PHOTO_RUNS / 2];
    whole.sort();
    let whole_ms = ms(whole[PHOTO_RUNS / 2]);
    let reference = Reference::run(&[
        "--image".to_string(),
        clips::path_str(photo).to_string(),
        "--repeat".to_string(),
        PHOTO_RUNS.to_string(),
        "--max-side".to_string(),
        max_side.to_string(),
    ]);
    table.section(&format!(
        "crowd photo, {} ({} faces; detector input up to {max_side} px)",
        photo
            .file_name()
            .map_or(String::new(), |n| n.to_string_lossy().into_owned()),
        median.faces
    ));
    table.row(
        "detection, ms per photo",
        median.detection_ms(),
        reference.as_ref().map(|r| r.ms_per_frame(r.detect_s)),
        Lower,
        None,
    );
    table.row(
        "embedding, ms per face (batches of 16)",
        median.embedding_ms_per_face(),
        reference.as_ref().map(|r| r.ms_per_face(r.embed_s)),
        Lower,
        Some(Target::AtMost(8.0)),
    );
    table.row(
        "whole photo (read, detect, embed), ms",
        whole_ms,
        reference.as_ref().map(|r| r.ms_per_frame(r.seconds)),
        Lower,
        None,
    );
    table.row(
        "model-only floor, ms",
        ms(median.detector_model + median.embedder_model),
        reference
            .as_ref()
            .map(|r| r.ms_per_frame(r.detector_model_s + r.embed_model_s)),
        Lower,
        None,
    );
}

fn metrics_rows(table: &mut Table) {
    let (document, slicing) = metrics_timing::hundred_thousand_faces();
    let recompute = metrics_timing::recompute_times(&document, &slicing);
    table.section(&format!(
        "metrics, {} labelled faces in {} slices",
        recompute.searches, recompute.slices
    ));
    table.row(
        "threshold moved: every slice's metrics, ms",
        ms(recompute.after_threshold),
        None,
        Lower,
        Some(Target::AtMost(5.0)),
    );
    table.row(
        "slicing changed: re-slice, re-index, every metric, ms",
        ms(recompute.after_slice_change),
        None,
        Lower,
        Some(Target::AtMost(5.0)),
    );
}

/// What bench/reference_pipeline.py measured (it prints these as JSON).
#[derive(serde::Deserialize)]
struct Reference {
    frames: f64,
    faces: f64,
    seconds: f64,
    decode_s: f64,
    detect_s: f64,
    detector_model_s: f64,
    embed_s: f64,
    embed_model_s: f64,
}

impl Reference {
    /// `seconds` spread over the frames (or photo runs), in ms.
    fn ms_per_frame(&self, seconds: f64) -> f64 {
        seconds * 1e3 / self.frames
    }

    /// `seconds` spread over the faces, in ms.
    fn ms_per_face(&self, seconds: f64) -> f64 {
        seconds * 1e3 / self.faces.max(1.0)
    }

    fn python() -> PathBuf {
        std::env::var_os("LINEUP_BENCH_PYTHON").map_or_else(
            || Path::new(CHECKOUT).join("vendor/bench-python/bin/python"),
            PathBuf::from,
        )
    }

    /// Runs the reference; None (with the reason printed) when it cannot run here.
    fn run(args: &[String]) -> Option<Self> {
        let python = Self::python();
        if !python.is_file() {
            eprintln!(
                "reference skipped: {} not found; ./scripts/bench installs it",
                python.display()
            );
            return None;
        }
        let script = Path::new(CHECKOUT).join("bench/reference_pipeline.py");
        let output = Command::new(&python)
            .arg(&script)
            .args(args)
            .output()
            .expect("start the reference pipeline");
        if !output.status.success() {
            eprintln!(
                "reference failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            return None;
        }
        Some(serde_json::from_slice(&output.stdout).expect("reference prints JSON"))
    }
}

/// Which way is better for a row.
#[derive(Clone, Copy)]
enum Better {
    Higher,
    Lower,
}
use Better::{Higher, Lower};

enum Target {
    /// lineup's value at most this.
    AtMost(f64),
    /// lineup's value at least this.
    AtLeast(f64),
    /// lineup at least this many times better than the reference.
    RatioAtLeast(f64),
}

#[derive(Default)]
struct Table {
    lines: Vec<String>,
}

impl Table {
    fn section(&mut self, title: &str) {
        self.lines.push(format!("| **{title}** | | | | |"));
    }

    fn row(
        &mut self,
        what: &str,
        lineup: f64,
        reference: Option<f64>,
        better: Better,
        target: Option<Target>,
    ) {
        // "times better": above 1 when lineup is faster, whichever way the unit runs.
        let ratio = reference.map(|r| match better {
            Higher => lineup / r,
            Lower => r / lineup,
        });
        let verdict = target.map_or(String::new(), |target| {
            let (met, text) = match target {
                Target::AtMost(limit) => (lineup <= limit, format!("≤ {limit}")),
                Target::AtLeast(limit) => (lineup >= limit, format!("≥ {limit}")),
                Target::RatioAtLeast(limit) => (
                    ratio.is_some_and(|r| r >= limit),
                    format!("≥ {limit}× the reference"),
                ),
            };
            format!("{text}: {}", if met { "met" } else { "**not met**" })
        });
        self.lines.push(format!(
            "| {what} | {} | {} | {} | {verdict} |",
            number(lineup),
            reference.map_or("–".into(), number),
            ratio.map_or("–".into(), |r| format!("{r:.2}×")),
        ));
    }

    fn print(&self) {
        println!("| measure | lineup | reference | lineup is | target |");
        println!("|---|---:|---:|---:|---|");
        for line in &self.lines {
            println!("{line}");
        }
    }
}

fn number(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else if value >= 1.0 {
        format!("{value:.2}")
    } else {
        format!("{value:.3}")
    }
}
