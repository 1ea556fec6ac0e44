//! Evaluation-set benchmark (issue #18): `lineup evaluate`'s protocol on 10,000 photos of 1,000
//! people, then how fast its review opens and re-slices, and the 1:1 table's cost.
//!
//! The photos are synthetic, for timing only: each person is one of the five one-face test photos
//! (obama.jpg, obama2.jpg, obama3.jpg, biden.jpg, astronaut.png) cropped around its face, tinted
//! per person, and each photo shifted, re-lit and sometimes mirrored, saved as a 160×160 JPEG in
//! `target/evaluation-bench/set/` (kept for later runs; delete it to remake). Since the "people"
//! are five real faces, the error rates of this review mean nothing; only the times do.
//!
//! Run with `cargo bench --bench evaluation`. Under `cargo test` it does nothing.

#[path = "common/clips.rs"]
mod clips;

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use image::{RgbImage, imageops};
use lineup::analysis::Progress;
use lineup::analysis::evaluation_set::{self, EvaluationRequest};
use lineup::review::{self, DEFAULT_THRESHOLD, Slicing};
use lineup::vision::{FacePipeline, VisionConfig};

const PEOPLE: usize = 1_000;
const PHOTOS_EACH: usize = 10;
const SOURCES: [&str; 5] = [
    "obama.jpg",
    "obama2.jpg",
    "obama3.jpg",
    "biden.jpg",
    "astronaut.png",
];

struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }
    fn between(&mut self, low: f32, high: f32) -> f32 {
        low + (high - low) * self.unit()
    }
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let dir = clips::bench_dir("evaluation-bench");
    let set = dir.join("set");
    let people_csv = dir.join("people.csv");
    if !set.join(".complete").is_file() {
        let started = Instant::now();
        make_set(&set, &people_csv);
        println!(
            "made {} synthetic photos of {PEOPLE} people in {:.0} s",
            PEOPLE * PHOTOS_EACH,
            started.elapsed().as_secs_f64()
        );
    }
    let request = EvaluationRequest {
        set: set.clone(),
        attributes: Some(people_csv),
        enrol_share: 0.5,
        seed: 1,
        threshold: DEFAULT_THRESHOLD,
        top_k: 5,
        vision: VisionConfig::default(),
        recognizer: None,
    };
    let started = Instant::now();
    let mut last_eta = None;
    let document = evaluation_set::run(
        &request,
        &mut |progress| {
            if let Progress::Analysing { eta, .. } = progress {
                last_eta = eta.or(last_eta);
            }
        },
        &AtomicBool::new(false),
    )
    .expect("the evaluation runs");
    let run = started.elapsed();
    let protocol = document.evaluation_protocol.clone().expect("a protocol");
    println!(
        "{} photos, {} people: {} enrolled, {} mated and {} non-mated searches, {} skipped",
        protocol.photos,
        protocol.people,
        protocol.enrolled,
        protocol.mated_searches,
        protocol.non_mated_searches,
        protocol.skipped.len()
    );
    let review_path = dir.join("review.ron");
    let save = timed(|| review::save(&document, &review_path).expect("save"));
    let (open, opened) = timed_value(|| review::load(&review_path).expect("load"));
    let size_mib = std::fs::metadata(&review_path).map_or(0.0, |m| m.len() as f64 / 1048576.0);
    let labelled = timed(|| {
        std::hint::black_box(opened.labelled_tracks());
    });
    let by_skin = Slicing::by(&["skin"]);
    let by_both = Slicing::by(&["skin", "gender"]);
    let reslice = median(5, || {
        std::hint::black_box(
            opened
                .evaluate(&by_both, DEFAULT_THRESHOLD)
                .expect("slices"),
        );
    });
    let threshold_moved = median(5, || {
        std::hint::black_box(opened.evaluate(&by_skin, 0.7).expect("slices"));
    });
    let one_to_one = timed(|| {
        std::hint::black_box(
            opened
                .verification(&by_skin, DEFAULT_THRESHOLD)
                .expect("slices"),
        );
    });
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!("{:<64} {:>12}", "what", "time");
    println!(
        "{:<64} {:>10.0} s",
        "whole protocol (load models, detect, embed, search, label)",
        run.as_secs_f64()
    );
    println!(
        "{:<64} {:>10.1} /s",
        "photos per second",
        protocol.photos as f64 / run.as_secs_f64()
    );
    println!(
        "{:<64} {:>10.0} ms",
        format!("save the review ({size_mib:.0} MiB RON)"),
        ms(save)
    );
    println!("{:<64} {:>10.0} ms", "open the review (load)", ms(open));
    println!(
        "{:<64} {:>10.1} ms",
        "gather labelled tracks (after a label change)",
        ms(labelled)
    );
    println!(
        "{:<64} {:>10.1} ms",
        "whole evaluation, sliced skin × gender",
        ms(reslice)
    );
    println!(
        "{:<64} {:>10.1} ms",
        "whole evaluation, sliced by skin, threshold moved",
        ms(threshold_moved)
    );
    println!(
        "{:<64} {:>10.0} ms",
        "1:1 table by skin (every same-group pair)",
        ms(one_to_one)
    );
    if let Some(peak) = peak_rss_mib() {
        println!("{:<64} {:>9.0} MiB", "peak memory (this process)", peak);
    }
}

fn timed(f: impl FnOnce()) -> Duration {
    let started = Instant::now();
    f();
    started.elapsed()
}

fn timed_value<T>(f: impl FnOnce() -> T) -> (Duration, T) {
    let started = Instant::now();
    let value = f();
    (started.elapsed(), value)
}

fn median(runs: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs).map(|_| timed(&mut f)).collect();
    times.sort();
    times[runs / 2]
}

fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Each source photo's face, cropped with room around it (twice the face's box).
fn face_crops() -> Vec<RgbImage> {
    let mut pipeline = FacePipeline::load(VisionConfig::default()).expect("models load");
    SOURCES
        .iter()
        .map(|name| {
            let path: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/data/photos")
                .join(name);
            let image = image::open(&path)
                .expect("test photo (run ./scripts/setup)")
                .to_rgb8();
            let faces = pipeline.faces(&image).expect("detection runs");
            let face = faces.first().expect("one face in each source photo");
            let b = face.detection.bbox;
            let (cx, cy) = ((b.x1 + b.x2) / 2.0, (b.y1 + b.y2) / 2.0);
            let side = (b.x2 - b.x1).max(b.y2 - b.y1) * 2.0;
            let x = (cx - side / 2.0).max(0.0) as u32;
            let y = (cy - side / 2.0).max(0.0) as u32;
            let side = (side as u32).min(image.width() - x).min(image.height() - y);
            // Small once, so that each of the 10,000 photos costs little to make.
            imageops::resize(
                &imageops::crop_imm(&image, x, y, side, side).to_image(),
                192,
                192,
                imageops::FilterType::Triangle,
            )
        })
        .collect()
}

fn make_set(set: &Path, people_csv: &Path) {
    let crops = face_crops();
    let mut random = Random(0xE7A1_5E75);
    let mut csv = String::from("person,skin,gender\n");
    for person in 0..PEOPLE {
        let name = format!("P{person:04}");
        let folder = set.join(&name);
        std::fs::create_dir_all(&folder).expect("create a person's folder");
        let crop = &crops[person % crops.len()];
        let tint = [0, 1, 2].map(|_| random.between(0.8, 1.2));
        for photo in 0..PHOTOS_EACH {
            let side = crop.width() as f32;
            let shift = (random.between(0.0, 0.08) * side) as u32;
            let cut = side as u32 - shift;
            let mut image = imageops::resize(
                &imageops::crop_imm(crop, shift, shift, cut, cut).to_image(),
                160,
                160,
                imageops::FilterType::Triangle,
            );
            let light = random.between(0.85, 1.15);
            for pixel in image.pixels_mut() {
                for (channel, factor) in pixel.0.iter_mut().zip(tint) {
                    *channel = (f32::from(*channel) * factor * light).clamp(0.0, 255.0) as u8;
                }
            }
            if photo % 2 == 1 {
                imageops::flip_horizontal_in_place(&mut image);
            }
            image
                .save(folder.join(format!("{photo:02}.jpg")))
                .expect("write a synthetic photo");
        }
        let skin = 1 + random.next() % 10;
        let gender = ["female", "male"][(random.next() % 2) as usize];
        csv.push_str(&format!("{name},{skin},{gender}\n"));
    }
    std::fs::write(people_csv, csv).expect("write people.csv");
    std::fs::write(set.join(".complete"), b"").expect("mark the set complete");
}
