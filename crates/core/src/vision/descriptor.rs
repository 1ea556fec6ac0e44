//! dlib's ResNet-29 face descriptor (`models/dlib_resnet29.onnx`), a second recognizer trained
//! independently of MobileFaceNet: aligned 150×150 RGB chips in, as raw 0–255 values (the graph
//! itself subtracts dlib's mean and divides by 256), 128-d descriptors out. The descriptors are
//! not normalised: dlib compares two by Euclidean distance (a match at or below 0.6), so its scores
//! are not on MobileFaceNet's cosine scale. Analysis runs it through `Embedder` (`lineup analyze
//! --recognizer dlib`); this module runs it on ready-cut chips, for the check against dlib itself.

use std::path::PathBuf;

use image::RgbImage;
use ort::session::Session;
use ort::value::TensorRef;

use super::manifest::{InputSize, Normalisation};
use super::runtime::{self, ModelRole};
use super::{VisionError, session};

/// The side of the square chip the descriptor takes.
pub const CHIP_SIZE: u32 = 150;
/// The length of one descriptor.
pub const DESCRIPTOR_DIM: usize = 128;

/// The descriptor model in an ONNX Runtime session.
pub struct FaceDescriptor {
    session: Session,
    path: PathBuf,
    input: String,
    output: String,
    normalisation: Normalisation,
}

impl FaceDescriptor {
    /// Loads the pinned model file (its hash checked), as its manifest entry describes it.
    pub fn load(threads: usize) -> Result<Self, VisionError> {
        let spec = runtime::model_spec(ModelRole::SecondRecognizer);
        let path = runtime::locate_verified_model(&spec.record())?;
        let (InputSize::Square(CHIP_SIZE), Some(DESCRIPTOR_DIM), [output]) =
            (spec.input_size, spec.output_size, spec.outputs.as_slice())
        else {
            return Err(VisionError::ModelLoad {
                path,
                reason: format!(
                    "its manifest entry must describe a {CHIP_SIZE}×{CHIP_SIZE} input and one \
                     output of {DESCRIPTOR_DIM} values"
                ),
            });
        };
        let output = output.clone();
        let session = session(&path, threads)?;
        Ok(Self {
            session,
            path,
            input: spec.input,
            output,
            normalisation: spec.normalisation,
        })
    }

    /// One raw descriptor per chip, in order; one model run for all of them. Every chip must be
    /// 150×150.
    pub fn describe(&mut self, chips: &[RgbImage]) -> Result<Vec<Vec<f32>>, VisionError> {
        let model = format!("descriptor {}", self.path.display());
        if let Some(chip) = chips
            .iter()
            .find(|c| c.dimensions() != (CHIP_SIZE, CHIP_SIZE))
        {
            return Err(VisionError::Inference {
                model,
                reason: format!(
                    "a chip is {}×{} pixels; the model takes {CHIP_SIZE}×{CHIP_SIZE}",
                    chip.width(),
                    chip.height()
                ),
            });
        }
        if chips.is_empty() {
            return Ok(Vec::new());
        }
        let fail = |e: ort::Error| VisionError::Inference {
            model: model.clone(),
            reason: e.to_string(),
        };
        let side = CHIP_SIZE as usize;
        let batch = planar_batch(chips, &self.normalisation);
        let tensor = TensorRef::from_array_view(([chips.len(), 3, side, side], batch.as_slice()))
            .map_err(fail)?;
        let outputs = self
            .session
            .run(ort::inputs![self.input.as_str() => tensor])
            .map_err(fail)?;
        let raw = outputs
            .get(&self.output)
            .ok_or_else(|| VisionError::Inference {
                model: model.clone(),
                reason: format!("output {} missing", self.output),
            })?
            .try_extract_tensor::<f32>()
            .map_err(fail)?
            .1;
        Ok(raw
            .chunks_exact(DESCRIPTOR_DIM)
            .map(<[f32]>::to_vec)
            .collect())
    }
}

/// The chips as one NCHW batch, normalised as the manifest says (for dlib's model, which
/// normalises inside its graph, the raw 0–255 values).
fn planar_batch(chips: &[RgbImage], normalisation: &Normalisation) -> Vec<f32> {
    let plane = (CHIP_SIZE * CHIP_SIZE) as usize;
    let mut data = vec![0.0f32; chips.len() * 3 * plane];
    for (chip, out) in chips.iter().zip(data.chunks_exact_mut(3 * plane)) {
        for (at, pixel) in chip.pixels().enumerate() {
            for (channel, value) in pixel.0.iter().enumerate() {
                out[channel * plane + at] =
                    (f32::from(*value) - normalisation.mean[channel]) / normalisation.scale;
            }
        }
    }
    data
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_batch_is_planar_rgb_in_raw_values() {
        let mut chip = RgbImage::new(CHIP_SIZE, CHIP_SIZE);
        chip.put_pixel(1, 0, image::Rgb([10, 20, 30]));
        let raw = runtime::model_spec(ModelRole::SecondRecognizer).normalisation;
        let batch = planar_batch(&[chip], &raw);
        let plane = (CHIP_SIZE * CHIP_SIZE) as usize;
        assert_eq!(
            (batch[1], batch[plane + 1], batch[2 * plane + 1]),
            (10.0, 20.0, 30.0)
        );
    }
}
