//! Embedding time per face for each shipped recognizer — MobileFaceNet (112×112, 192-d) and
//! dlib's ResNet-29 (150×150, 128-d) — on the same faces: every face CenterFace finds in the test
//! photos, aligned once to each model's own template, embedded in analysis's batches. Prints one
//! Markdown table: milliseconds per face through `Embedder::embed` (normalisation included) and
//! for the model run alone, the median of several passes.
//!
//! Run with `cargo bench --bench recognizers` (or `./scripts/bench recognizers`); under `cargo
//! test` (no `--bench` flag) this does nothing, so the test suite stays free of timing.

use std::path::Path;
use std::time::Instant;

use image::RgbImage;
use lineup::footage::load_image;
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
