//! Measures for the face-disclosure tests: how much detail a region of a still keeps, how far it
//! moved from the unblurred still, and which faces lineup's own detector and recognizer find on
//! the rendered pages of a report.
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

use image::GrayImage;
use lineup::vision::{BoundingBox, Embedding};

/// A rectangle of whole pixels: x, y, width, height.
pub type Rect = (u32, u32, u32, u32);

/// `bbox` as whole pixels inside a `width × height` image.
pub fn rect_of(bbox: &BoundingBox, width: u32, height: u32) -> Rect {
    let x1 = (bbox.x1.max(0.0) as u32).min(width - 1);
    let y1 = (bbox.y1.max(0.0) as u32).min(height - 1);
    let x2 = (bbox.x2.max(0.0) as u32).clamp(x1 + 1, width);
    let y2 = (bbox.y2.max(0.0) as u32).clamp(y1 + 1, height);
    (x1, y1, x2 - x1, y2 - y1)
}

/// Mean absolute difference between neighbouring pixels (right and below) inside `rect`: the
/// high-frequency detail that makes a face recognisable.
pub fn detail(image: &GrayImage, (x, y, w, h): Rect) -> f64 {
    let mut total = 0u64;
    let mut count = 0u64;
    for py in y..(y + h).min(image.height() - 1) {
        for px in x..(x + w).min(image.width() - 1) {
            let here = i64::from(image.get_pixel(px, py)[0]);
            total += (here - i64::from(image.get_pixel(px + 1, py)[0])).unsigned_abs();
            total += (here - i64::from(image.get_pixel(px, py + 1)[0])).unsigned_abs();
            count += 2;
        }
    }
    total as f64 / count.max(1) as f64
}

/// Mean absolute difference between two images of the same size inside `rect`.
pub fn mean_abs_difference(a: &GrayImage, b: &GrayImage, (x, y, w, h): Rect) -> f64 {
    let mut total = 0u64;
    for py in y..y + h {
        for px in x..x + w {
            let (p, q) = (a.get_pixel(px, py)[0], b.get_pixel(px, py)[0]);
            total += u64::from(p.abs_diff(q));
        }
    }
    total as f64 / f64::from((w * h).max(1))
}

/// The most detailed `side × side` square of `image` that overlaps none of `faces` (each grown
/// by half its size): a region where the detector found nobody.
pub fn most_detailed_faceless_square(image: &GrayImage, faces: &[BoundingBox], side: u32) -> Rect {
    let clear = |x: u32, y: u32| {
        faces.iter().all(|f| {
            let (gx, gy) = (0.5 * f.width(), 0.5 * f.height());
            let (x, y, s) = (x as f32, y as f32, side as f32);
            x + s < f.x1 - gx || x > f.x2 + gx || y + s < f.y1 - gy || y > f.y2 + gy
        })
    };
    let mut best = None;
    for y in (0..image.height() - side).step_by(side as usize / 2) {
        for x in (0..image.width() - side).step_by(side as usize / 2) {
            if !clear(x, y) {
                continue;
            }
            let rect = (x, y, side, side);
            let score = detail(image, rect);
            if best.is_none_or(|(s, _)| score > s) {
                best = Some((score, rect));
            }
        }
    }
    best.expect("the still has room beside its faces").1
}

/// Every face lineup's detector finds on the pages of `pdf` rendered at 150 dpi, as the
/// recognizer's embeddings.
pub fn faces_on_pages(pdf: &Path) -> Vec<Embedding> {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("page");
    let out = Command::new("pdftoppm")
        .args(["-r", "150", "-png"])
        .arg(pdf)
        .arg(&prefix)
        .output()
        .expect("pdftoppm cannot be run: run ./scripts/setup first");
    assert!(
        out.status.success(),
        "pdftoppm: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut pages: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    pages.sort();
    let mut faces = Vec::new();
    for page in pages {
        let image = image::open(&page).unwrap().to_rgb8();
        let found = crate::common::pipeline().faces(&image).unwrap();
        faces.extend(found.into_iter().map(|face| face.embedding));
    }
    faces
}

/// The highest cosine similarity between `face` and any of `found`; -1 when nothing was found.
pub fn best_similarity(face: &Embedding, found: &[Embedding]) -> f32 {
    found.iter().map(|f| f.cosine(face)).fold(-1.0, f32::max)
}
