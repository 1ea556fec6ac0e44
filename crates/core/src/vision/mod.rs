//! Faces from pixels: detect (CenterFace), align (5-point similarity onto the ArcFace template),
//! embed (MobileFaceNet, 192-d, L2-normalised). Each step is a plain function over image data plus
//! a thin wrapper around an ONNX Runtime session, so the maths is unit-tested without the models.

pub mod align;
pub mod bulk;
pub mod descriptor;
pub mod detector;
pub mod embedder;
pub mod geometry;
pub mod manifest;
pub mod recognizers;
pub mod runtime;
pub mod skin;

use std::path::PathBuf;

use image::RgbImage;
use serde::{Deserialize, Serialize};

pub use align::{AlignedFace, Template, align_face, align_to};
pub use descriptor::FaceDescriptor;
pub use detector::{Detection, Detector, DetectorConfig};
pub use embedder::{Embedder, Embedding};
pub use geometry::{BoundingBox, Point};
pub use recognizers::Recognizer;
pub use runtime::{ModelRecord, ModelRole};

/// What can go wrong loading or running the models. Each message says what to do about it.
#[derive(Debug, Clone, thiserror::Error)]
pub enum VisionError {
    #[error(
        "ONNX Runtime library ({file}) not found; looked in: {list}. {remedy}, or set LINEUP_ORT_LIB \
         to the path of {file} taken from the onnxruntime==1.32.0 wheel on PyPI (onnxruntime/capi/).",
        file = runtime::ORT_LIBRARY_FILE,
        remedy = runtime::restore_advice("Run ./scripts/setup in the lineup checkout (it puts the library in vendor/onnxruntime/)"),
        list = display_paths(.looked_in)
    )]
    RuntimeMissing { looked_in: Vec<PathBuf> },
    #[error("could not load ONNX Runtime from {}: {reason}", path.display())]
    RuntimeLoad { path: PathBuf, reason: String },
    #[error(
        "model file {file} not found; looked in: {list}. {remedy}; set LINEUP_MODELS to the folder \
         that holds the models if they are elsewhere.",
        list = display_paths(.looked_in),
        remedy = runtime::restore_advice("The models ship in the models/ folder of the lineup checkout")
    )]
    ModelMissing {
        file: String,
        looked_in: Vec<PathBuf>,
    },
    #[error("could not read model file {}: {reason}", path.display())]
    ModelUnreadable { path: PathBuf, reason: String },
    #[error(
        "model file {} has SHA-256 {actual}, but lineup is pinned to {expected}: the file was changed \
         or replaced. {remedy}.",
        path.display(),
        remedy = runtime::restore_advice("Restore it from the lineup checkout (models/) or rebuild it with scripts/make_models.py")
    )]
    ModelHashMismatch {
        path: PathBuf,
        expected: String,
        actual: String,
    },
    #[error("could not start model {}: {reason}", path.display())]
    ModelLoad { path: PathBuf, reason: String },
    #[error("{model} failed while running: {reason}")]
    Inference { model: String, reason: String },
}

fn display_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Settings for the face pipeline, recorded in every review so results can be reproduced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VisionConfig {
    pub detector: DetectorConfig,
    /// Threads ONNX Runtime may use inside one model run; an analysis of many frames splits them
    /// between its detection workers (see [`FacePipeline::share_detection`]).
    pub threads: usize,
    /// Aligned faces embedded per model run.
    pub embed_batch: usize,
}

impl Default for VisionConfig {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self {
            detector: DetectorConfig::default(),
            threads: cores,
            embed_batch: 16,
        }
    }
}

/// A face found in an image: where it is, how sure the detector was, and its embedding.
#[derive(Debug, Clone, PartialEq)]
pub struct Face {
    pub detection: Detection,
    pub embedding: Embedding,
    /// Individual Typology Angle of the cheeks (see [`skin`]), for a skin tone suggestion.
    pub skin_ita: Option<skin::ItaEstimate>,
}

/// A face found and aligned, waiting for its embedding: what the detection stage hands the
/// embedding stage, so that faces from several frames can share one model run.
#[derive(Debug, Clone)]
pub struct FoundFace {
    pub detection: Detection,
    pub aligned: AlignedFace,
    pub skin_ita: Option<skin::ItaEstimate>,
}

/// Every face in `image`, found at a long side of at most `max_side` and aligned for
/// MobileFaceNet (the ArcFace template).
pub fn find_faces(
    detector: &mut Detector,
    image: &RgbImage,
    max_side: u32,
) -> Result<Vec<FoundFace>, VisionError> {
    find_faces_for(detector, image, max_side, &Template::ARCFACE)
}

/// Every face in `image`, found at a long side of at most `max_side` and aligned to `template`
/// (the recognizer's). Skin tone is measured on the ArcFace alignment whatever the recognizer,
/// so that the suggestion a reviewer confirms does not change with the model.
pub fn find_faces_for(
    detector: &mut Detector,
    image: &RgbImage,
    max_side: u32,
    template: &Template,
) -> Result<Vec<FoundFace>, VisionError> {
    Ok(detector
        .detect_at(image, max_side)?
        .into_iter()
        .map(|detection| {
            let arcface = align_face(image, &detection.landmarks);
            let skin_ita = skin::individual_typology_angle(&arcface, detection.bbox.width());
            let aligned = if *template == Template::ARCFACE {
                arcface
            } else {
                align_to(image, &detection.landmarks, template)
            };
            FoundFace {
                detection,
                aligned,
                skin_ita,
            }
        })
        .collect())
}

/// `items` split into the model runs that embed them, at most `batch` each: as few runs as that
/// allows, as even as possible. 17 faces go as 9 + 8, not 16 + 1: a run of one face costs about
/// 1.4 times as much per face as a run of eight, and eight to sixteen cost about the same.
pub fn embedding_runs<T>(items: &[T], batch: usize) -> impl Iterator<Item = &[T]> {
    let count = items.len();
    let runs = count.div_ceil(batch.max(1));
    let mut rest = items;
    (0..runs).map(move |run| {
        // The first `count % runs` runs take one item more than the rest.
        let (head, tail) = rest.split_at(count / runs + usize::from(run < count % runs));
        rest = tail;
        head
    })
}

/// Embeds `found` in model runs of at most `batch` faces (see [`embedding_runs`]), keeping their
/// order.
pub fn embed_found(
    embedder: &mut Embedder,
    found: Vec<FoundFace>,
    batch: usize,
) -> Result<Vec<Face>, VisionError> {
    // Moved apart rather than copied: an aligned face is 150 kB.
    let (described, aligned): (Vec<_>, Vec<AlignedFace>) = found
        .into_iter()
        .map(|f| ((f.detection, f.skin_ita), f.aligned))
        .unzip();
    let mut embeddings = Vec::with_capacity(aligned.len());
    for run in embedding_runs(&aligned, batch) {
        embeddings.extend(embedder.embed(run)?);
    }
    Ok(described
        .into_iter()
        .zip(embeddings)
        .map(|((detection, skin_ita), embedding)| Face {
            detection,
            embedding,
            skin_ita,
        })
        .collect())
}

/// Detector and embedder together: image in, faces with embeddings out.
pub struct FacePipeline {
    /// One detector using every thread, or after [`FacePipeline::share_detection`] several that
    /// share them. Never empty.
    detectors: Vec<Detector>,
    embedder: Embedder,
    recognizer: ModelRecord,
    config: VisionConfig,
}

impl FacePipeline {
    /// Loads the detector and the shipped recognizer, MobileFaceNet (checking their hashes),
    /// into ONNX Runtime sessions.
    pub fn load(config: VisionConfig) -> Result<Self, VisionError> {
        Self::load_with(config, &Recognizer::shipped(ModelRole::Recognizer))
    }

    /// Loads the detector and `recognizer` into ONNX Runtime sessions.
    pub fn load_with(config: VisionConfig, recognizer: &Recognizer) -> Result<Self, VisionError> {
        let detector = Detector::load(config.detector.clone(), config.threads)?;
        let embedder = recognizer.embedder(config.threads)?;
        Ok(Self {
            detectors: vec![detector],
            embedder,
            recognizer: recognizer.record(),
            config,
        })
    }

    /// Replaces the detector by `workers` detectors (at most one per thread) that split the
    /// threads between them, for detecting that many frames at once. A second thread inside one
    /// detector run gains only about 1.6 times (measured on 2 cores, `./scripts/bench ceiling`);
    /// two runs side by side, one thread each, keep both cores busier. What each finds is the
    /// same bit for bit: ONNX Runtime's thread count does not change its arithmetic.
    pub fn share_detection(&mut self, workers: usize) -> Result<(), VisionError> {
        let workers = workers.clamp(1, self.config.threads.max(1));
        if workers == self.detectors.len() {
            return Ok(());
        }
        let threads = (self.config.threads / workers).max(1);
        self.detectors.truncate(1); // at most one old session's memory while the new ones load
        let detectors = (0..workers)
            .map(|_| Detector::load(self.config.detector.clone(), threads))
            .collect::<Result<_, _>>()?;
        self.detectors = detectors;
        Ok(())
    }

    pub fn config(&self) -> &VisionConfig {
        &self.config
    }

    /// The models this pipeline runs: the detector and the recognizer, each pinned by hash.
    pub fn models(&self) -> Vec<ModelRecord> {
        vec![
            runtime::model_record(ModelRole::Detector),
            self.recognizer.clone(),
        ]
    }

    /// Where the recognizer wants the landmarks, for aligning faces found by the detectors.
    pub fn template(&self) -> Template {
        self.embedder.template()
    }

    /// The two stages apart, for running them on different threads: the detectors (one per
    /// detection worker) and the embedder.
    pub fn stages(&mut self) -> (&mut [Detector], &mut Embedder) {
        (&mut self.detectors, &mut self.embedder)
    }

    /// The recognizer alone, its detectors dropped: for a recognizer that embeds faces another
    /// pipeline's detectors found, so that their working memory is not held for nothing.
    pub fn into_embedder(self) -> Embedder {
        self.embedder
    }

    pub fn detect(&mut self, image: &RgbImage) -> Result<Vec<Detection>, VisionError> {
        self.detectors[0].detect(image)
    }

    /// Detects every face in the still `image`, aligns each and embeds them in batches.
    /// (Analysis runs the two stages on their own threads; see `analysis`.)
    pub fn faces(&mut self, image: &RgbImage) -> Result<Vec<Face>, VisionError> {
        let max_side = self.config.detector.max_side_for(false);
        let template = self.embedder.template();
        let found = find_faces_for(&mut self.detectors[0], image, max_side, &template)?;
        embed_found(&mut self.embedder, found, self.config.embed_batch)
    }
}

/// An ONNX Runtime session for the model at `path`, with all graph optimisations on.
fn session(path: &std::path::Path, threads: usize) -> Result<ort::session::Session, VisionError> {
    use ort::session::builder::GraphOptimizationLevel;
    let fail = |reason: String| VisionError::ModelLoad {
        path: path.to_path_buf(),
        reason,
    };
    let environment = runtime::environment()?;
    ort::session::Session::builder(environment)
        .map_err(|e| fail(e.to_string()))?
        .with_optimization_level(GraphOptimizationLevel::All)
        .map_err(|e| fail(e.to_string()))?
        .with_intra_threads(threads.max(1))
        .map_err(|e| fail(e.to_string()))?
        // Detection and embedding run at once on different threads; idle model threads that
        // spin for work would take the cores from the other stage and from the decoder.
        .with_intra_op_spinning(false)
        .map_err(|e| fail(e.to_string()))?
        .commit_from_file(path)
        .map_err(|e| fail(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::embedding_runs;
    use super::manifest::InputSize;
    use super::runtime::{self, ModelRole};
    use super::{align, descriptor, detector};

    /// The facts about the models that the code still holds as constants (the sizes the
    /// aligners cut, the detector's input multiple) agree with the manifest's.
    #[test]
    fn the_runtime_constants_agree_with_the_manifest() {
        assert_eq!(
            runtime::model_spec(ModelRole::Detector).input_size,
            InputSize::MultipleOf(detector::INPUT_MULTIPLE)
        );
        let recognizer = runtime::model_spec(ModelRole::Recognizer);
        assert_eq!(
            recognizer.input_size,
            InputSize::Square(align::ALIGNED_SIZE as u32)
        );
        let template = recognizer.alignment.unwrap();
        for ((x, y), point) in template.iter().zip(align::TEMPLATE) {
            assert_eq!((*x, *y), (point.x, point.y));
        }
        let dlib = runtime::model_spec(ModelRole::SecondRecognizer);
        assert_eq!(dlib.input_size, InputSize::Square(descriptor::CHIP_SIZE));
        assert_eq!(dlib.output_size, Some(descriptor::DESCRIPTOR_DIM));
    }

    fn lengths(count: usize, batch: usize) -> Vec<usize> {
        let items: Vec<usize> = (0..count).collect();
        let runs: Vec<&[usize]> = embedding_runs(&items, batch).collect();
        // In order, nothing left out or repeated.
        assert_eq!(runs.concat(), items);
        runs.iter().map(|run| run.len()).collect()
    }

    #[test]
    fn batches_are_as_few_and_as_even_as_the_limit_allows() {
        assert_eq!(lengths(17, 16), [9, 8]);
        assert_eq!(lengths(16, 16), [16]);
        assert_eq!(lengths(33, 16), [11, 11, 11]);
        assert_eq!(lengths(34, 16), [12, 11, 11]);
        assert_eq!(lengths(5, 16), [5]);
        assert_eq!(lengths(0, 16), Vec::<usize>::new());
        // A batch limit of 0 is taken as 1.
        assert_eq!(lengths(3, 0), [1, 1, 1]);
        for count in 0..100 {
            for batch in 1..20 {
                let runs = lengths(count, batch);
                assert_eq!(runs.iter().sum::<usize>(), count);
                assert_eq!(runs.len(), count.div_ceil(batch));
                assert!(runs.iter().all(|&run| (1..=batch).contains(&run)));
            }
        }
    }
}
