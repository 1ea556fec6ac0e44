//! Enrolment benchmark (issue #21): `lineup watchlist enrol` on a synthetic watchlist of 5,000
//! mugshot-sized photos, cold (empty enrolment cache) and cached (the same command again).
//!
//! Run with `./scripts/bench enrolment` (or `cargo bench --bench enrolment`) after
//! ./scripts/setup. The photos are made once into target/enrolment-bench/watchlist/ (kept for
//! later runs) from the faces lineup finds in tests/data/photos/crowd.jpg: each is one face
//! cropped with a 50–80 % margin, mirrored every other time, brightened or darkened by up to
//! 25 %, resized to 400×500 and saved as JPEG at quality 60–95. **They are not distinct people**:
//! only time means anything here. LINEUP_BENCH_ENROL_PHOTOS sets how many (default 5,000);
//! LINEUP_BENCH_ENROL_SERIAL=1 also times a cold run with one thread (no side-by-side workers).
//! `cargo test --all-targets` builds this but does not run it: `main` does nothing unless cargo
//! passes `--bench`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use image::{DynamicImage, RgbImage, imageops};
use lineup::vision::{BoundingBox, FacePipeline, VisionConfig};

#[path = "common/clips.rs"]
mod clips;

const DEFAULT_PHOTOS: usize = 5_000;
const WIDTH: u32 = 400;
const HEIGHT: u32 = 500;

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let count = std::env::var("LINEUP_BENCH_ENROL_PHOTOS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(DEFAULT_PHOTOS);
    let dir = clips::bench_dir("enrolment-bench");
    let watchlist = make_watchlist(&dir, count);

    let cache = dir.join("cache");
    let _ = std::fs::remove_dir_all(&cache);
    let cold = enrol(&watchlist, &cache, &[]);
    let cached = enrol(&watchlist, &cache, &[]);
    println!("| workload | wall time | per photo | from the cache |");
    println!("|---|---:|---:|---:|");
    row(&format!("enrol {count} photos, cold"), &cold, count);
    row(&format!("enrol {count} photos, cached"), &cached, count);
    if std::env::var_os("LINEUP_BENCH_ENROL_SERIAL").is_some() {
        let serial_cache = dir.join("cache-serial");
        let _ = std::fs::remove_dir_all(&serial_cache);
        let serial = enrol(&watchlist, &serial_cache, &["--threads", "1"]);
        row(
            &format!("enrol {count} photos, cold, 1 thread"),
            &serial,
            count,
        );
        let _ = std::fs::remove_dir_all(&serial_cache);
    }
    let _ = std::fs::remove_dir_all(&cache);
}

struct Run {
    seconds: f64,
    from_cache: usize,
    enrolled: usize,
}

fn row(workload: &str, run: &Run, photos: usize) {
    println!(
        "| {workload} ({} enrolled) | {:.1} s | {:.1} ms | {} |",
        run.enrolled,
        run.seconds,
        run.seconds * 1000.0 / photos as f64,
        run.from_cache
    );
}

/// Runs `lineup watchlist enrol` as a user would, with the cache in `cache`.
fn enrol(watchlist: &Path, cache: &Path, extra: &[&str]) -> Run {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_lineup"))
        .args(["watchlist", "enrol"])
        .arg(watchlist)
        .args(extra)
        .env("LINEUP_CACHE_DIR", cache)
        .output()
        .expect("start lineup");
    let seconds = started.elapsed().as_secs_f64();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "lineup watchlist enrol failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let value = |label: &str| {
        stdout
            .lines()
            .find(|l| l.trim_start().starts_with(label))
            .and_then(|l| l.split_whitespace().last())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    Run {
        seconds,
        from_cache: value("from the enrolment cache"),
        enrolled: value("enrolled"),
    }
}

/// The synthetic watchlist of `count` photos, made unless a finished one is there.
fn make_watchlist(dir: &Path, count: usize) -> PathBuf {
    let watchlist = dir.join(format!("watchlist-{count}"));
    if watchlist.join(".complete").is_file() {
        return watchlist;
    }
    let _ = std::fs::remove_dir_all(&watchlist);
    std::fs::create_dir_all(&watchlist).expect("create the bench watchlist");
    let crowd_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/photos/crowd.jpg");
    let crowd = lineup::footage::load_image(&crowd_path)
        .expect("tests/data/photos/crowd.jpg (run ./scripts/setup)")
        .image;
    let mut pipeline = FacePipeline::load(VisionConfig::default()).expect("models load");
    let faces: Vec<BoundingBox> = pipeline
        .detect(&crowd)
        .expect("detection runs")
        .into_iter()
        .map(|d| d.bbox)
        .collect();
    assert!(!faces.is_empty(), "no face found in crowd.jpg");
    let started = Instant::now();
    let mut random = XorShift(0x9E37_79B9_7F4A_7C15);
    for n in 0..count {
        let photo = augmented(&crowd, faces[n % faces.len()], n, &mut random);
        let quality = 60 + (random.next() % 36) as u8;
        let path = watchlist.join(format!("Identity_{n:05}_1.jpg"));
        let file = std::fs::File::create(&path).expect("create a bench photo");
        let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(
            std::io::BufWriter::new(file),
            quality,
        );
        encoder.encode_image(&photo).expect("write a bench photo");
    }
    std::fs::write(watchlist.join(".complete"), b"").expect("mark the watchlist complete");
    eprintln!(
        "made {count} bench photos in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    watchlist
}

/// One face of `crowd` as a mugshot: cropped with a margin, perhaps mirrored, lighter or darker.
fn augmented(crowd: &RgbImage, face: BoundingBox, n: usize, random: &mut XorShift) -> RgbImage {
    let margin = 0.5 + random.unit() * 0.3;
    let (cx, cy) = ((face.x1 + face.x2) / 2.0, (face.y1 + face.y2) / 2.0);
    let side = face.width().max(face.y2 - face.y1) * (1.0 + 2.0 * margin);
    let (w, h) = (side, side * HEIGHT as f32 / WIDTH as f32);
    let clamp = |v: f32, max: u32| v.max(0.0).min(max as f32 - 1.0) as u32;
    let x = clamp(cx - w / 2.0, crowd.width());
    let y = clamp(cy - h / 2.0, crowd.height());
    let w = (w as u32).clamp(1, crowd.width() - x);
    let h = (h as u32).clamp(1, crowd.height() - y);
    let crop = imageops::crop_imm(crowd, x, y, w, h).to_image();
    let mut photo = imageops::resize(&crop, WIDTH, HEIGHT, imageops::FilterType::Triangle);
    if n % 2 == 1 {
        imageops::flip_horizontal_in_place(&mut photo);
    }
    let brightness = ((random.unit() - 0.5) * 0.5 * 255.0) as i32;
    DynamicImage::ImageRgb8(photo)
        .brighten(brightness)
        .into_rgb8()
}

/// A small deterministic generator, so every run makes the same photos.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number in [0, 1).
    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }
}
