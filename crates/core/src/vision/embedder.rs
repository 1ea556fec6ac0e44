//! A recognizer as its manifest entry describes it: aligned faces in (MobileFaceNet's 112×112,
//! dlib's 150×150, or a reviewer's model's own size), embeddings out. A cosine model's
//! embeddings are scaled to unit length, so that two faces' cosine similarity is their dot
//! product; a Euclidean model's are kept raw, since its distances are between raw vectors.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ort::session::Session;
use ort::value::TensorRef;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::align::{AlignedFace, Template};
use super::geometry::Point;
use super::manifest::{InputSize, Metric, ModelSpec, Normalisation};
use super::runtime::{self, ModelRole};
use super::{VisionError, session};

/// A face embedding: of unit length (or all zeros, for a face the model could not describe) from
/// a cosine recognizer, the model's raw output from a Euclidean one.
///
/// Stored in review documents as base64 of little-endian f32s: exact, and about a fifth of the
/// size of decimal text, which matters once a video yields 100,000 faces.
#[derive(Debug, Clone, PartialEq)]
pub struct Embedding(pub Vec<f32>);

impl Embedding {
    /// Scales `raw` to unit length; the model's own output is not normalised.
    pub(crate) fn normalized(raw: &[f32]) -> Self {
        let norm = raw.iter().map(|v| v * v).sum::<f32>().sqrt();
        if norm > f32::EPSILON && norm.is_finite() {
            Self(raw.iter().map(|v| v / norm).collect())
        } else {
            Self(vec![0.0; raw.len()])
        }
    }

    /// Cosine similarity with another unit-length embedding, in [-1, 1].
    pub fn cosine(&self, other: &Embedding) -> f32 {
        self.0.iter().zip(&other.0).map(|(a, b)| a * b).sum()
    }

    /// Euclidean distance to another raw embedding.
    pub fn distance(&self, other: &Embedding) -> f32 {
        self.0
            .iter()
            .zip(&other.0)
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f32>()
            .sqrt()
    }

    /// lineup's score of two embeddings under `metric`: higher for more alike faces (the cosine,
    /// or the negated distance; see [`Metric::score`]).
    pub fn score(&self, other: &Embedding, metric: Metric) -> f32 {
        match metric {
            Metric::Cosine => self.cosine(other),
            Metric::Euclidean => metric.score(self.distance(other)),
        }
    }
}

impl Serialize for Embedding {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let bytes: Vec<u8> = self.0.iter().flat_map(|v| v.to_le_bytes()).collect();
        serializer.serialize_str(&BASE64.encode(bytes))
    }
}

impl<'de> Deserialize<'de> for Embedding {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let bytes = BASE64
            .decode(text.as_bytes())
            .map_err(serde::de::Error::custom)?;
        if bytes.len() % 4 != 0 {
            return Err(serde::de::Error::custom(
                "embedding is not a whole number of f32 values",
            ));
        }
        let values = bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]));
        Ok(Embedding(values.collect()))
    }
}

/// The shipped recognizer's input: NCHW, `(value − 127.5) / 128`, as it was trained (its
/// manifest entry's normalisation).
pub fn prepare_batch(faces: &[AlignedFace]) -> Vec<f32> {
    normalised_batch(
        faces,
        &runtime::model_spec(ModelRole::Recognizer).normalisation,
    )
}

/// Aligned faces (all of one size) as one NCHW batch, `(value − mean) / scale` per channel.
pub fn normalised_batch(faces: &[AlignedFace], normalisation: &Normalisation) -> Vec<f32> {
    let side = faces.first().map_or(0, |face| face.side);
    let plane = side * side;
    let mut data = vec![0.0f32; faces.len() * 3 * plane];
    for (face, out) in faces.iter().zip(data.chunks_exact_mut(3 * plane)) {
        for (at, rgb) in face.pixels.chunks_exact(3).enumerate() {
            for (channel, value) in rgb.iter().enumerate() {
                out[channel * plane + at] =
                    (value - normalisation.mean[channel]) / normalisation.scale;
            }
        }
    }
    data
}

/// A recognizer model in an ONNX Runtime session, run as its manifest entry describes it.
pub struct Embedder {
    session: Session,
    path: PathBuf,
    input: String,
    output: String,
    normalisation: Normalisation,
    dimension: usize,
    template: Template,
    metric: Metric,
}

impl Embedder {
    /// Loads the shipped recognizer for `role` (the optimised one, or the one as converted, or
    /// dlib's): its file, tensor names, normalisation and output length come from
    /// `models/manifest.ron`.
    pub fn load(role: ModelRole, threads: usize) -> Result<Self, VisionError> {
        let spec = runtime::model_spec(role);
        let path = runtime::locate_verified_model(&spec.record())?;
        Self::from_spec(&spec, &path, threads)
    }

    /// Loads the recognizer `spec` describes from `path` (whose hash the caller has checked).
    pub fn from_spec(spec: &ModelSpec, path: &Path, threads: usize) -> Result<Self, VisionError> {
        let (InputSize::Square(side), Some(dimension), [output], Some(alignment), Some(metric)) = (
            spec.input_size,
            spec.output_size,
            spec.outputs.as_slice(),
            spec.alignment,
            spec.metric,
        ) else {
            return Err(not_a_recognizer(
                path,
                "a square input, an alignment template, one output and its length, and a metric",
            ));
        };
        let session = session(path, threads)?;
        Ok(Self {
            session,
            input: spec.input.clone(),
            output: output.clone(),
            normalisation: spec.normalisation,
            dimension,
            template: Template {
                points: alignment.map(|(x, y)| Point::new(x, y)),
                side: side as usize,
            },
            metric,
            path: path.to_path_buf(),
        })
    }

    /// Where this recognizer wants the landmarks, and the size of face it takes.
    pub fn template(&self) -> Template {
        self.template
    }

    /// How this recognizer's embeddings are compared.
    pub fn metric(&self) -> Metric {
        self.metric
    }

    /// One embedding per face, in order. One model run for the whole slice; every face must be
    /// aligned to [`Embedder::template`].
    pub fn embed(&mut self, faces: &[AlignedFace]) -> Result<Vec<Embedding>, VisionError> {
        if faces.is_empty() {
            return Ok(Vec::new());
        }
        if let Some(face) = faces.iter().find(|f| f.side != self.template.side) {
            return Err(VisionError::Inference {
                model: format!("recognizer {}", self.path.display()),
                reason: format!(
                    "a face aligned at {0}×{0} was given to a model that takes {1}×{1}",
                    face.side, self.template.side
                ),
            });
        }
        let raw = self.run(&normalised_batch(faces, &self.normalisation), faces.len())?;
        let chunks = raw.chunks_exact(self.dimension);
        Ok(match self.metric {
            Metric::Cosine => chunks.map(Embedding::normalized).collect(),
            // Distances are between the raw vectors: scaling them would change every score.
            Metric::Euclidean => chunks.map(|v| Embedding(v.to_vec())).collect(),
        })
    }

    /// The model alone on a prepared batch of `count` faces: their raw embeddings, one after
    /// another.
    pub fn run(&mut self, batch: &[f32], count: usize) -> Result<Vec<f32>, VisionError> {
        let model = || format!("recognizer {}", self.path.display());
        let fail = |e: ort::Error| VisionError::Inference {
            model: model(),
            reason: e.to_string(),
        };
        let side = self.template.side;
        let shape = [count, 3, side, side];
        let tensor = TensorRef::from_array_view((shape, batch)).map_err(fail)?;
        let outputs = self
            .session
            .run(ort::inputs![self.input.as_str() => tensor])
            .map_err(fail)?;
        let raw = outputs
            .get(&self.output)
            .ok_or_else(|| VisionError::Inference {
                model: model(),
                reason: format!("output {} missing", self.output),
            })?
            .try_extract_tensor::<f32>()
            .map_err(fail)?
            .1;
        if raw.len() != count * self.dimension {
            return Err(VisionError::Inference {
                model: model(),
                reason: format!(
                    "gave {} values for {count} faces; its spec says {} each",
                    raw.len(),
                    self.dimension
                ),
            });
        }
        Ok(raw.to_vec())
    }
}

/// A manifest entry the embedder cannot run, saying what it lacks.
fn not_a_recognizer(path: &std::path::Path, needs: &str) -> VisionError {
    VisionError::ModelLoad {
        path: path.to_path_buf(),
        reason: format!(
            "its manifest entry does not describe a recognizer lineup can feed: it needs {needs}"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vision::align::ALIGNED_SIZE;

    #[test]
    fn normalized_has_unit_length_and_zero_stays_zero() {
        let e = Embedding::normalized(&[3.0, 4.0]);
        assert_eq!(e.0, vec![0.6, 0.8]);
        assert!((e.cosine(&e) - 1.0).abs() < 1e-6);
        assert_eq!(Embedding::normalized(&[0.0, 0.0]).0, vec![0.0, 0.0]);
    }

    #[test]
    fn embeddings_round_trip_exactly_through_ron() {
        let e = Embedding(vec![0.1, -0.25, f32::MIN_POSITIVE, 1.0 / 3.0]);
        let text = ron::to_string(&e).unwrap();
        assert_eq!(ron::from_str::<Embedding>(&text).unwrap(), e);
        assert!(
            ron::from_str::<Embedding>("\"AAA=\"").is_err(),
            "3 bytes is not an f32"
        );
    }

    #[test]
    fn batch_is_planar_and_normalised_like_training() {
        let mut pixels = vec![127.5f32; ALIGNED_SIZE * ALIGNED_SIZE * 3];
        pixels[0] = 255.5; // red of the top-left pixel
        pixels[5] = -0.5; // blue of the second pixel
        let data = prepare_batch(&[AlignedFace {
            pixels,
            side: ALIGNED_SIZE,
        }]);
        let plane = ALIGNED_SIZE * ALIGNED_SIZE;
        assert_eq!(data[0], 1.0);
        assert_eq!(data[2 * plane + 1], -1.0);
        assert_eq!(data[plane], 0.0);
    }
}
