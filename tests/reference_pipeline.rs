//! lineup's face pipeline against an independent reference: tests/reference/reference.py
//! (onnxruntime + numpy + Pillow) wrote what it found on each real photo to
//! tests/reference/expected/. Every reference face must be found with box IoU >= 0.95,
//! landmarks within 1.5 px and embedding cosine >= 0.999, and no other face.
//!
//! Both read the photos as decoded once by Pillow (tests/data/decoded/, made by set-up), so the
//! comparison measures lineup's pipeline, not the difference between two JPEG decoders.

mod common;

use std::path::Path;

use lineup::footage::load_image;
use lineup::vision::{BoundingBox, Embedding, Face, Point};
use serde_json::Value;

struct ReferenceFace {
    bbox: BoundingBox,
    landmarks: Vec<Point>,
    embedding: Embedding,
}

fn reference(stem: &str) -> (String, Vec<ReferenceFace>) {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/reference/expected/{stem}.json"));
    let json: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let numbers = |v: &Value| -> Vec<f32> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap() as f32)
            .collect()
    };
    let faces = json["faces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|face| {
            let b = numbers(&face["box"]);
            ReferenceFace {
                bbox: BoundingBox {
                    x1: b[0],
                    y1: b[1],
                    x2: b[2],
                    y2: b[3],
                },
                landmarks: face["landmarks"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| {
                        let xy = numbers(p);
                        Point::new(xy[0], xy[1])
                    })
                    .collect(),
                embedding: Embedding(numbers(&face["embedding"])),
            }
        })
        .collect();
    (json["photo"].as_str().unwrap().to_string(), faces)
}

fn check_photo(stem: &str) {
    let (photo, expected) = reference(stem);
    let image = load_image(&common::decoded_photo(&photo)).unwrap().image;
    let found: Vec<Face> = common::pipeline().faces(&image).unwrap();
    assert_eq!(
        found.len(),
        expected.len(),
        "{photo}: lineup found {} faces, the reference {}",
        found.len(),
        expected.len()
    );
    let mut worst = (1.0f32, 0.0f32, 1.0f32);
    for (i, want) in expected.iter().enumerate() {
        let got = found
            .iter()
            .max_by(|a, b| {
                a.detection
                    .bbox
                    .iou(&want.bbox)
                    .total_cmp(&b.detection.bbox.iou(&want.bbox))
            })
            .unwrap();
        let iou = got.detection.bbox.iou(&want.bbox);
        assert!(
            iou >= 0.95,
            "{photo} face {i}: best IoU {iou} with reference box {:?}",
            want.bbox
        );
        let drift = got
            .detection
            .landmarks
            .iter()
            .zip(&want.landmarks)
            .map(|(a, b)| a.distance(*b))
            .fold(0.0, f32::max);
        assert!(
            drift <= 1.5,
            "{photo} face {i}: a landmark is {drift} px from the reference"
        );
        let cosine = got.embedding.cosine(&want.embedding);
        assert!(
            cosine >= 0.999,
            "{photo} face {i}: embedding cosine {cosine} to the reference"
        );
        worst = (worst.0.min(iou), worst.1.max(drift), worst.2.min(cosine));
    }
    eprintln!(
        "{photo}: {} faces; worst IoU {:.4}, landmark drift {:.3} px, cosine {:.6}",
        expected.len(),
        worst.0,
        worst.1,
        worst.2
    );
}

#[test]
fn obama_matches_reference() {
    check_photo("obama");
}

#[test]
fn obama2_matches_reference() {
    check_photo("obama2");
}

#[test]
fn obama3_matches_reference() {
    check_photo("obama3");
}

#[test]
fn biden_matches_reference() {
    check_photo("biden");
}

#[test]
fn astronaut_matches_reference() {
    check_photo("astronaut");
}

#[test]
fn t1_matches_reference() {
    check_photo("t1");
}

#[test]
fn crowd_matches_reference() {
    check_photo("crowd");
}
