//! Embedding time per face for each shipped recognizer — MobileFaceNet (112×112, 192-d) and
//! dlib's ResNet-29 (150×150, 128-d) — on the same faces: every face CenterFace finds in the test
//! photos, aligned once to each model's own template, embedded in analysis's batches. Prints one
//! Markdown table: milliseconds per face through `Embedder::embed` (normalisation included) and
//! for the model run alone, the median of several passes. Then the whole pipeline (`lineup
//! analyze` of a generated 10-second 1080p clip, every frame, from the first frame to the
//! finished review) with one recognizer and with two on the same faces (`--recognizer
//! mobilefacenet --recognizer dlib`), in frames a second.
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
    Detector, DetectorConfig, Point, Recognizer, VisionConfig, align_to, embedding_runs,
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
    println!("| recognizer | input | ms/face, embed | ms/face, model alone |");
    println!("|---|---|---|---|");
    for role in SHIPPED {
        let recognizer = Recognizer::shipped(role);
        let mut embedder = recognizer
            .embedder(config.threads)
            .expect("recognizer loads");
        let template = embedder.template();
        let faces: Vec<_> = landmarks
            .iter()
            .map(|(image, points)| align_to(&images[*image], points, &template))
            .collect();
        let (mut embed, mut alone) = (Vec::new(), Vec::new());
        for _ in 0..PASSES {
            let started = Instant::now();
            for run in embedding_runs(&faces, config.embed_batch) {
                embedder.embed(run).expect("embeds");
            }
            embed.push(started.elapsed().as_secs_f64());
            let mut model = 0.0;
            for run in embedding_runs(&faces, config.embed_batch) {
                let batch = normalised_batch(run, &recognizer.spec.normalisation);
                let started = Instant::now();
                embedder.run(&batch, run.len()).expect("runs");
                model += started.elapsed().as_secs_f64();
            }
            alone.push(model);
        }
        let per_face = |mut times: Vec<f64>| {
            times.sort_by(f64::total_cmp);
            times[times.len() / 2] * 1e3 / faces.len().max(1) as f64
        };
        println!(
            "| {} | {}×{} | {:.2} | {:.2} |",
            recognizer.spec.name,
            template.side,
            template.side,
            per_face(embed),
            per_face(alone),
        );
    }
    whole_pipeline_rows(&config);
}

/// Frames a second of whole analyses of the 10-second clip with one and with two recognizers.
fn whole_pipeline_rows(config: &VisionConfig) {
    let dir = clips::bench_dir("recognizers-bench");
    let clip = clips::Clips::make(&dir).ten_seconds;
    let watchlist = clips::watchlist(&dir);
    let mobilefacenet = || Recognizer::shipped(SHIPPED[0]);
    let dlib = || Recognizer::shipped(SHIPPED[1]);
    println!(
        "\nWhole pipeline, {} (every frame, {} threads), from the first frame to the finished \
         review:\n",
        clips::path_str(&clip),
        config.threads
    );
    println!("| recognizers | fps | faces |");
    println!("|---|---|---|");
    let runs: [(&str, Recognizer, Vec<Recognizer>); 3] = [
        ("MobileFaceNet", mobilefacenet(), Vec::new()),
        ("dlib ResNet-29", dlib(), Vec::new()),
        (
            "MobileFaceNet + dlib ResNet-29",
            mobilefacenet(),
            vec![dlib()],
        ),
    ];
    for (name, first, others) in runs {
        let (fps, faces) = whole_pipeline_fps(&clip, &watchlist, config, first, others);
        println!("| {name} | {fps:.1} | {faces} |");
    }
}

/// A whole analysis of `clip` as `lineup analyze` runs it, with `first` and `others`: frames a
/// second from the first frame to the finished review (models and watchlist loading are not
/// counted), and faces found.
fn whole_pipeline_fps(
    clip: &Path,
    watchlist: &Path,
    config: &VisionConfig,
    first: Recognizer,
    others: Vec<Recognizer>,
) -> (f64, usize) {
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
            started = Some(Instant::now());
        }
    };
    let document =
        analysis::run(&request, &mut on_progress, &AtomicBool::new(false)).expect("analyse");
    let seconds = started.expect("analysis started").elapsed().as_secs_f64();
    let frames: u64 = document.inputs.iter().map(|i| i.frames_analysed).sum();
    (frames as f64 / seconds, document.detections.len())
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
