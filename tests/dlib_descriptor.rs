//! The converted dlib descriptor (models/dlib_resnet29.onnx) against dlib itself, on real chips.
//!
//! tests/reference/dlib_descriptors.py cuts 33 aligned 150×150 chips from the test photos (at
//! the landmarks the independent reference pipeline found) and has dlib 20.0.1 (the `dlib-bin`
//! wheel, which ./scripts/setup installs into vendor/dlib-python) describe each with the
//! original `.dat` weights. lineup runs the ONNX file on the very same chip pixels; every
//! descriptor value must agree to 1e-5.

use std::path::{Path, PathBuf};
use std::process::Command;

use lineup::vision::FaceDescriptor;
use lineup::vision::descriptor::{CHIP_SIZE, DESCRIPTOR_DIM};
use serde_json::Value;

const TOLERANCE: f32 = 1e-5;

fn checkout() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The Python with dlib that set-up made; fails with what to do when it is missing.
fn dlib_python() -> PathBuf {
    let python = checkout().join("vendor/dlib-python/bin/python");
    assert!(
        python.is_file(),
        "{} is missing: run ./scripts/setup first (it installs dlib-bin there)",
        python.display()
    );
    python
}

/// Chips and dlib's descriptors of them, written by the reference script into `dir`.
fn dlib_reference(dir: &Path) -> Vec<(image::RgbImage, Vec<f32>)> {
    let output = Command::new(dlib_python())
        .arg(checkout().join("tests/reference/dlib_descriptors.py"))
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "the dlib reference failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("descriptors.json")).unwrap())
            .unwrap();
    json["chips"]
        .as_array()
        .unwrap()
        .iter()
        .map(|chip| {
            let file = dir.join(chip["file"].as_str().unwrap());
            let pixels = image::open(&file).unwrap().into_rgb8();
            let descriptor = chip["descriptor"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap() as f32)
                .collect();
            (pixels, descriptor)
        })
        .collect()
}

#[test]
fn descriptors_equal_dlibs_own_on_real_chips() {
    let dir = tempfile::tempdir().unwrap();
    let reference = dlib_reference(dir.path());
    assert_eq!(reference.len(), 33);
    let (chips, expected): (Vec<_>, Vec<_>) = reference.into_iter().unzip();
    let described = FaceDescriptor::load(2).unwrap().describe(&chips).unwrap();
    assert_eq!(described.len(), chips.len());
    for (i, (ours, dlibs)) in described.iter().zip(&expected).enumerate() {
        assert_eq!(ours.len(), DESCRIPTOR_DIM);
        assert_eq!(dlibs.len(), DESCRIPTOR_DIM);
        // dlib's descriptors are not normalised (lengths about 1.3–1.6): a model that gave
        // near-zero output would otherwise pass an absolute tolerance.
        let length = dlibs.iter().map(|v| v * v).sum::<f32>().sqrt();
        assert!(
            length > 1.0,
            "chip {i}: dlib's descriptor has length {length}"
        );
        let worst = ours
            .iter()
            .zip(dlibs)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(worst <= TOLERANCE, "chip {i}: differs from dlib by {worst}");
    }
}

#[test]
fn a_chip_of_another_size_is_refused() {
    let chip = image::RgbImage::new(CHIP_SIZE, CHIP_SIZE - 1);
    let message = FaceDescriptor::load(1)
        .unwrap()
        .describe(&[chip])
        .unwrap_err()
        .to_string();
    assert!(message.contains("150×149"), "{message}");
}
