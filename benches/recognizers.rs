//! Embedding time per face for each shipped recognizer — MobileFaceNet (112×112, 192-d) and
//! dlib's ResNet-29 (150×150, 128-d) — on the same faces: every face CenterFace finds in the test
//! photos, aligned once to each model's own template, embedded in analysis's batches. Prints one
//! Markdown table: milliseconds per face through `Embedder::embed` (normalisation included) and
//! for the model run alone, the median of several passes. Then the whole pipeline (`lineup
//! analyze` of a generated 10-second 1080p clip, every frame, from the first frame to the
//! finished review) with one recognizer and with two on the same faces (`--recognizer
//! mobilefacenet --recognizer dlib`), in frames a second and in CPU milliseconds a frame, the
//! three interleaved over several rounds so that a changing load falls on each alike.
//!
//! Run with `cargo bench --bench recognizers` (or `./scripts/bench recognizers`); under `cargo
//! test` (no `--bench` flag) this does nothing, so the test suite stays free of timing.

#[path = "common/clips.rs"]
mod clips;

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use image::RgbImage;
use lineup::analysis::{self, AnalysisRequest, OtherRecognizer, Progress};
use lineup::footage::{Sampling, load_image};
use lineup::vision::embedder::normalised_batch;
use lineup::vision::recognizers::SHIPPED;
use lineup::vision::{
    AlignedFace, Detector, DetectorConfig, Embedder, Point, Recognizer, VisionConfig, align_to,
    embedding_runs,
};

const CHECKOUT: &str = env!("CARGO_MANIFEST_DIR");
/// Passes over all the faces per model; the median counts.
const PASSES: usize = 7;

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let config = VisionConfig::default();
    let (images, landmarks) = every_face(&config);
    println!(
        "{} faces from tests/data/photos, batches of at most {}, {} ONNX Runtime threads\n",
        landmarks.len(),
        config.embed_batch,
        config.threads
    );
    println!("| recognizer | input | ms/face, embed | ms/face, model alone | CPU ms/face, embed |");
    println!("|---|---|---|---|---|");
    let mut models: Vec<ModelTimes> = SHIPPED
        .iter()
        .map(|role| ModelTimes::new(Recognizer::shipped(*role), &config, &images, &landmarks))
        .collect();
    // Passes alternate between the models, so that a changing load falls on both alike.
    for _ in 0..PASSES {
        for model in &mut models {
            model.pass(&config);
        }
    }
    for model in models {
        let faces = model.faces.len().max(1) as f64;
        let per_face = |times: &[f64]| median(times.iter().copied()) * 1e3 / faces;
        println!(
            "| {} | {}×{} | {:.2} | {:.2} | {:.2} |",
            model.recognizer.spec.name,
            model.side,
            model.side,
            per_face(&model.embed),
            per_face(&model.alone),
            per_face(&model.embed_cpu),
        );
    }
    whole_pipeline_rows(&config);
}

/// One recognizer's faces, aligned to its own template, and its timings pass by pass (seconds).
struct ModelTimes {
    recognizer: Recognizer,
    embedder: Embedder,
    side: usize,
    faces: Vec<AlignedFace>,
    embed: Vec<f64>,
    alone: Vec<f64>,
    embed_cpu: Vec<f64>,
}

impl ModelTimes {
    fn new(
        recognizer: Recognizer,
        config: &VisionConfig,
        images: &[RgbImage],
        landmarks: &[(usize, [Point; 5])],
    ) -> Self {
        let embedder = recognizer
            .embedder(config.threads)
            .expect("recognizer loads");
        let template = embedder.template();
        let faces = landmarks
            .iter()
            .map(|(image, points)| align_to(&images[*image], points, &template))
            .collect();
        ModelTimes {
            side: template.side,
            recognizer,
            embedder,
            faces,
            embed: Vec::new(),
            alone: Vec::new(),
            embed_cpu: Vec::new(),
        }
    }

    /// Embeds every face once through `Embedder::embed`, then runs the model alone on batches
    /// normalised beforehand.
    fn pass(&mut self, config: &VisionConfig) {
        let (started, cpu) = (Instant::now(), process_cpu_seconds());
        for run in embedding_runs(&self.faces, config.embed_batch) {
            self.embedder.embed(run).expect("embeds");
        }
        self.embed.push(started.elapsed().as_secs_f64());
        self.embed_cpu.push(process_cpu_seconds() - cpu);
        let mut model = 0.0;
        for run in embedding_runs(&self.faces, config.embed_batch) {
            let batch = normalised_batch(run, &self.recognizer.spec.normalisation);
            let started = Instant::now();
            self.embedder.run(&batch, run.len()).expect("runs");
            model += started.elapsed().as_secs_f64();
        }
        self.alone.push(model);
    }
}

/// Rounds of the three whole-pipeline runs; each round runs them in a rotated order, so that a
/// load that changes during the bench falls on every configuration alike.
const ROUNDS: usize = 3;

/// One whole analysis: wall-clock seconds and this process's CPU seconds (every thread: decoding,
/// the models' thread pools, tracking) from the first frame to the finished review.
struct PipelineRun {
    frames: u64,
    faces: usize,
    wall: f64,
    cpu: f64,
}

/// Frames a second of whole analyses of the 10-second clip with one and with two recognizers,
/// interleaved (MobileFaceNet, dlib, both; then dlib, both, MobileFaceNet; …) so that the three
/// can be compared on a machine whose load changes. CPU time per frame is printed beside the
/// wall-clock rate: other processes' load stretches the wall clock far more than it stretches the
/// CPU time this process itself spends.
fn whole_pipeline_rows(config: &VisionConfig) {
    let dir = clips::bench_dir("recognizers-bench");
    let clip = clips::Clips::make(&dir).ten_seconds;
    let watchlist = clips::watchlist(&dir);
    let names = [
        "MobileFaceNet",
        "dlib ResNet-29",
        "MobileFaceNet + dlib ResNet-29",
    ];
    let recognizers = |which: usize| -> (Recognizer, Vec<Recognizer>) {
        let mobilefacenet = || Recognizer::shipped(SHIPPED[0]);
        let dlib = || Recognizer::shipped(SHIPPED[1]);
        match which {
            0 => (mobilefacenet(), Vec::new()),
            1 => (dlib(), Vec::new()),
            _ => (mobilefacenet(), vec![dlib()]),
        }
    };
    let load_before = load_average();
    let mut runs: [Vec<PipelineRun>; 3] = Default::default();
    for round in 0..ROUNDS {
        for step in 0..names.len() {
            let which = (round + step) % names.len();
            let (first, others) = recognizers(which);
            runs[which].push(whole_pipeline_run(&clip, &watchlist, config, first, others));
        }
    }
    println!(
        "\nWhole pipeline, {} (every frame, {} threads), from the first frame to the finished \
         review; {ROUNDS} interleaved rounds, medians (load average before: {load_before}; after: \
         {}):\n",
        clips::path_str(&clip),
        config.threads,
        load_average()
    );
    println!("| recognizers | fps (wall clock) | CPU ms/frame | CPU × one MobileFaceNet | faces |");
    println!("|---|---|---|---|---|");
    let cpu_per_frame =
        |runs: &[PipelineRun]| median(runs.iter().map(|r| r.cpu * 1e3 / r.frames.max(1) as f64));
    let baseline = cpu_per_frame(&runs[0]);
    for (name, runs) in names.iter().zip(&runs) {
        let fps = median(runs.iter().map(|r| r.frames as f64 / r.wall));
        let cpu = cpu_per_frame(runs);
        println!(
            "| {name} | {fps:.1} | {cpu:.0} | {:.2} | {} |",
            cpu / baseline,
            runs[0].faces
        );
    }
}

/// The middle value (the upper of the two middle ones for an even count).
fn median(values: impl Iterator<Item = f64>) -> f64 {
    let mut values: Vec<f64> = values.collect();
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The 1-, 5- and 15-minute load averages, as /proc/loadavg gives them.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "unknown".to_owned())
}

/// User and system CPU seconds this process has spent so far, in all its threads.
fn process_cpu_seconds() -> f64 {
    // SAFETY: rusage is plain data the kernel fills in for this process.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let status = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    assert_eq!(status, 0, "getrusage failed");
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// A whole analysis of `clip` as `lineup analyze` runs it, with `first` and `others`, timed from
/// the first frame to the finished review (models and watchlist loading are not counted).
fn whole_pipeline_run(
    clip: &Path,
    watchlist: &Path,
    config: &VisionConfig,
    first: Recognizer,
    others: Vec<Recognizer>,
) -> PipelineRun {
    // Each at its own default threshold, as a lineup score (the speed does not depend on it).
    let default_threshold = |recognizer: &Recognizer| {
        let spec = &recognizer.spec;
        spec.metric
            .zip(spec.default_threshold)
            .map_or(0.6, |(metric, own)| metric.score(own))
    };
    let other_recognizers = others
        .into_iter()
        .map(|recognizer| OtherRecognizer {
            threshold: default_threshold(&recognizer),
            recognizer,
        })
        .collect();
    let request = AnalysisRequest {
        footage: vec![clip.to_path_buf()],
        watchlist: watchlist.to_path_buf(),
        threshold: default_threshold(&first),
        top_k: 5,
        vision: config.clone(),
        sampling: Sampling::EveryFrame,
        enrolment_cache: None,
        recognizer: Some(Box::new(first)),
        other_recognizers,
    };
    let mut started = None;
    let mut on_progress = |progress: Progress| {
        if matches!(progress, Progress::Analysing { .. }) && started.is_none() {
            started = Some((Instant::now(), process_cpu_seconds()));
        }
    };
    let document =
        analysis::run(&request, &mut on_progress, &AtomicBool::new(false)).expect("analyse");
    let (wall, cpu) = started.expect("analysis started");
    PipelineRun {
        frames: document.inputs.iter().map(|i| i.frames_analysed).sum(),
        faces: document.detections.len(),
        wall: wall.elapsed().as_secs_f64(),
        cpu: process_cpu_seconds() - cpu,
    }
}

/// The test photos, and every face found in them: which photo, and its landmarks.
fn every_face(config: &VisionConfig) -> (Vec<RgbImage>, Vec<(usize, [Point; 5])>) {
    let mut detector = Detector::load(DetectorConfig::default(), config.threads).expect("detector");
    let mut paths: Vec<_> = std::fs::read_dir(Path::new(CHECKOUT).join("tests/data/photos"))
        .expect("run ./scripts/setup first")
        .filter_map(|entry| Some(entry.ok()?.path()))
        .collect();
    paths.sort();
    let images: Vec<RgbImage> = paths
        .iter()
        .filter_map(|path| Some(load_image(path).ok()?.image))
        .collect();
    let landmarks = images
        .iter()
        .enumerate()
        .flat_map(|(index, image)| {
            let found = detector.detect(image).expect("detects");
            found.into_iter().map(move |d| (index, d.landmarks))
        })
        .collect();
    (images, landmarks)
}
