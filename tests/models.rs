//! The committed models: the optimised recognizer computes what the converted one does, and
//! model files that are missing or altered are refused with a clear message.

mod common;

use lineup::footage::load_image;
use lineup::vision::runtime::{self, ModelRole};
use lineup::vision::{AlignedFace, Embedder, align_face};

fn aligned_test_faces() -> Vec<AlignedFace> {
    let mut faces = Vec::new();
    for name in ["t1.jpg", "obama.jpg", "astronaut.png"] {
        let image = load_image(&common::photo(name)).unwrap().image;
        for detection in common::pipeline().detect(&image).unwrap() {
            faces.push(align_face(&image, &detection.landmarks));
        }
    }
    faces
}

#[test]
fn optimised_recognizer_equals_the_converted_one_on_real_faces() {
    let faces = aligned_test_faces();
    assert_eq!(faces.len(), 8);
    let threads = 2;
    let optimised = Embedder::load(ModelRole::Recognizer, threads)
        .unwrap()
        .embed(&faces)
        .unwrap();
    let converted = Embedder::load(ModelRole::RecognizerAsConverted, threads)
        .unwrap()
        .embed(&faces)
        .unwrap();
    for (i, (a, b)) in optimised.iter().zip(&converted).enumerate() {
        let cosine = a.cosine(b);
        assert!(cosine > 0.9999, "face {i}: cosine {cosine}");
    }
}

#[test]
fn batched_embeddings_equal_one_at_a_time() {
    let faces = aligned_test_faces();
    let mut embedder = Embedder::load(ModelRole::Recognizer, 2).unwrap();
    let batched = embedder.embed(&faces).unwrap();
    for (face, together) in faces.iter().zip(&batched) {
        let alone = embedder
            .embed(std::slice::from_ref(face))
            .unwrap()
            .remove(0);
        assert!(alone.cosine(together) > 0.99999);
    }
}

#[test]
fn every_committed_model_matches_its_pinned_hash() {
    for record in runtime::manifest() {
        let path = runtime::locate_verified_model(&record).unwrap();
        assert!(path.ends_with(&record.file));
    }
}

#[test]
fn an_altered_model_file_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let record = runtime::model_record(ModelRole::Recognizer);
    let original = runtime::locate_verified_model(&record).unwrap();
    let mut bytes = std::fs::read(original).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 1;
    let altered = dir.path().join(&record.file);
    std::fs::write(&altered, bytes).unwrap();
    let message = runtime::verify_model_file(&altered, &record)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains(&altered.display().to_string()),
        "{message}"
    );
    assert!(message.contains(&record.sha256), "{message}");
}
