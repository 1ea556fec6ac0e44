//! CenterFace face detector: letterboxed RGB in, boxes + 5 landmarks + score out.
//!
//! The model sees the image scaled so its long side is at most `max_side`, padded with black to
//! multiples of 32 on the right and bottom. Its four outputs are maps at a quarter of the input
//! size: a face-centre heatmap, log box size (height, width), centre offset (y, x) and landmark
//! offsets (y, x pairs) as fractions of the box. See models/README.md.

use std::path::PathBuf;

use image::RgbImage;
use image::imageops::{self, FilterType};
use ort::session::Session;
use ort::value::TensorRef;
use serde::{Deserialize, Serialize};

use super::geometry::{BoundingBox, Point};
use super::runtime::{self, ModelRole};
use super::{VisionError, session};

/// The detector's output maps are this many times smaller than its input.
const STRIDE: usize = 4;
/// Input height and width must be multiples of this (the manifest's `MultipleOf(32)`, checked
/// equal by a test).
pub(crate) const INPUT_MULTIPLE: u32 = 32;

/// The long side of the detector's input with the small-faces option: the footage's own pixels
/// up to 4K, so that a face 12 pixels wide in the source still covers the detector's 3×3 cells.
pub(crate) const SMALL_FACES_MAX_SIDE: u32 = 3840;

/// How the detector sees its input. The resolution adapts to the kind of input: a still is one
/// chance at every face in it and is often a high-resolution photo of a crowd, so it is seen at
/// up to `max_side`; in video each person passes through many frames and hours of footage must be
/// analysed, so frames are seen at up to `video_max_side` (1920×1080 becomes 960×540, a quarter
/// of the pixels, and faces down to about 24 source pixels are still found). The small-faces
/// option ([`DetectorConfig::small_faces`]) lifts both limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectorConfig {
    /// Stills are scaled down so that their long side is at most this many pixels.
    pub max_side: u32,
    /// Video frames are scaled down so that their long side is at most this many pixels. None:
    /// as stills (reviews written before video had its own size).
    #[serde(default)]
    pub video_max_side: Option<u32>,
    /// Heatmap cells at or below this score are not faces.
    pub score_threshold: f32,
    /// Of two boxes overlapping by more than this IoU, the less confident is dropped.
    pub nms_iou: f32,
}

impl Default for DetectorConfig {
    fn default() -> Self {
        Self {
            max_side: 1280,
            video_max_side: Some(960),
            score_threshold: 0.5,
            nms_iou: 0.3,
        }
    }
}

impl DetectorConfig {
    /// The setting for footage with faces too small for the default sizes: the source's own
    /// resolution up to [`SMALL_FACES_MAX_SIDE`], for stills and video alike. About four times
    /// slower on 1080p video.
    pub fn small_faces() -> Self {
        Self {
            max_side: SMALL_FACES_MAX_SIDE,
            video_max_side: Some(SMALL_FACES_MAX_SIDE),
            ..Self::default()
        }
    }

    /// The long-side limit for a still (`video` false) or a video frame.
    pub fn max_side_for(&self, video: bool) -> u32 {
        match self.video_max_side {
            Some(side) if video => side,
            _ => self.max_side,
        }
    }
}

/// One face as the detector sees it, in the original image's pixel coordinates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Detection {
    pub bbox: BoundingBox,
    pub score: f32,
    /// Left eye, right eye, nose tip, left and right mouth corners (left/right as seen in the image).
    pub landmarks: [Point; 5],
}

/// The detector's input tensor (NCHW, raw 0–255 RGB) and how it maps back to the image.
pub struct DetectorInput {
    pub data: Vec<f32>,
    pub height: usize,
    pub width: usize,
    /// Size of the scaled image inside the padded tensor.
    pub content_width: u32,
    pub content_height: u32,
    /// Scaled size divided by original size, per axis.
    pub scale_x: f32,
    pub scale_y: f32,
}

/// Scales `image` to fit `max_side` and pads it to multiples of 32.
pub fn prepare_input(image: &RgbImage, max_side: u32) -> DetectorInput {
    let (w, h) = image.dimensions();
    let scale = (max_side as f32 / w.max(h) as f32).min(1.0);
    let content_width = ((w as f32 * scale).round() as u32).max(1);
    let content_height = ((h as f32 * scale).round() as u32).max(1);
    let resized;
    let pixels = if (content_width, content_height) == (w, h) {
        image
    } else {
        resized = scale_down(image, content_width, content_height);
        &resized
    };
    let width = content_width.div_ceil(INPUT_MULTIPLE) as usize * INPUT_MULTIPLE as usize;
    let height = content_height.div_ceil(INPUT_MULTIPLE) as usize * INPUT_MULTIPLE as usize;
    let plane = width * height;
    let mut data = vec![0.0f32; 3 * plane];
    for (x, y, pixel) in pixels.enumerate_pixels() {
        let at = y as usize * width + x as usize;
        for (channel, value) in pixel.0.iter().enumerate() {
            data[channel * plane + at] = f32::from(*value);
        }
    }
    DetectorInput {
        data,
        height,
        width,
        content_width,
        content_height,
        scale_x: content_width as f32 / w as f32,
        scale_y: content_height as f32 / h as f32,
    }
}

/// `image` scaled to `width × height` with a triangle (bilinear) filter as wide as the scale, so
/// every source pixel counts, as Pillow's BILINEAR does for the reference pipeline.
fn scale_down(image: &RgbImage, width: u32, height: u32) -> RgbImage {
    // The slow path is the same filter; it only serves sizes the fast one cannot take.
    fast_scale(image, width, height)
        .unwrap_or_else(|| imageops::resize(image, width, height, FilterType::Triangle))
}

fn fast_scale(image: &RgbImage, width: u32, height: u32) -> Option<RgbImage> {
    use fast_image_resize::images::{Image, ImageRef};
    use fast_image_resize::{FilterType as Filter, PixelType, ResizeAlg, ResizeOptions, Resizer};
    let source = ImageRef::new(
        image.width(),
        image.height(),
        image.as_raw(),
        PixelType::U8x3,
    )
    .ok()?;
    let mut scaled = Image::new(width, height, PixelType::U8x3);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(Filter::Bilinear));
    Resizer::new().resize(&source, &mut scaled, &options).ok()?;
    RgbImage::from_raw(width, height, scaled.into_vec())
}

/// The four output maps for one image, each laid out channel-major over a `height × width` grid.
pub struct HeadMaps<'a> {
    pub heatmap: &'a [f32],
    pub scale: &'a [f32],
    pub offset: &'a [f32],
    pub landmarks: &'a [f32],
    pub height: usize,
    pub width: usize,
}

impl HeadMaps<'_> {
    fn at(map: &[f32], plane: usize, channel: usize, cell: usize) -> f32 {
        map[channel * plane + cell]
    }
}

/// Turns every heatmap cell above the threshold into a box with landmarks, in input-tensor
/// coordinates, clipped to the `content` area (the scaled image, without padding).
pub fn decode(maps: &HeadMaps, score_threshold: f32, content: (f32, f32)) -> Vec<Detection> {
    let plane = maps.height * maps.width;
    let stride = STRIDE as f32;
    let mut detections = Vec::new();
    for (cell, &score) in maps.heatmap.iter().enumerate().take(plane) {
        if score <= score_threshold {
            continue;
        }
        let (row, col) = ((cell / maps.width) as f32, (cell % maps.width) as f32);
        let box_h = HeadMaps::at(maps.scale, plane, 0, cell).exp() * stride;
        let box_w = HeadMaps::at(maps.scale, plane, 1, cell).exp() * stride;
        let x0 = (col + HeadMaps::at(maps.offset, plane, 1, cell) + 0.5) * stride - box_w / 2.0;
        let y0 = (row + HeadMaps::at(maps.offset, plane, 0, cell) + 0.5) * stride - box_h / 2.0;
        let landmarks = std::array::from_fn(|j| {
            Point::new(
                x0 + HeadMaps::at(maps.landmarks, plane, 2 * j + 1, cell) * box_w,
                y0 + HeadMaps::at(maps.landmarks, plane, 2 * j, cell) * box_h,
            )
        });
        let bbox = BoundingBox {
            x1: x0.max(0.0),
            y1: y0.max(0.0),
            x2: (x0 + box_w).min(content.0),
            y2: (y0 + box_h).min(content.1),
        };
        detections.push(Detection {
            bbox,
            score,
            landmarks,
        });
    }
    detections
}

/// Greedy non-maximum suppression: keeps the most confident box of each overlapping group.
pub(crate) fn non_maximum_suppression(
    mut detections: Vec<Detection>,
    max_iou: f32,
) -> Vec<Detection> {
    detections.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut kept: Vec<Detection> = Vec::new();
    for candidate in detections {
        if kept.iter().all(|k| k.bbox.iou(&candidate.bbox) <= max_iou) {
            kept.push(candidate);
        }
    }
    kept
}

/// Maps a detection from input-tensor coordinates back to the original image.
fn to_image_coordinates(mut d: Detection, scale_x: f32, scale_y: f32) -> Detection {
    d.bbox = d.bbox.scaled(1.0 / scale_x, 1.0 / scale_y);
    for p in &mut d.landmarks {
        *p = Point::new(p.x / scale_x, p.y / scale_y);
    }
    d
}

/// The CenterFace model in an ONNX Runtime session.
pub struct Detector {
    session: Session,
    config: DetectorConfig,
    path: PathBuf,
    /// The input tensor's name and the four output maps' (heatmap, scale, offset, landmarks),
    /// from the manifest.
    input: String,
    outputs: [String; 4],
}

impl Detector {
    pub fn load(config: DetectorConfig, threads: usize) -> Result<Self, VisionError> {
        let spec = runtime::model_spec(ModelRole::Detector);
        let path = runtime::locate_verified_model(&spec.record())?;
        let Ok(outputs) = <[String; 4]>::try_from(spec.outputs.clone()) else {
            return Err(VisionError::ModelLoad {
                path,
                reason: "its manifest entry must name the detector's four outputs (heatmap, \
                         scale, offset, landmarks)"
                    .into(),
            });
        };
        let session = session(&path, threads)?;
        Ok(Self {
            session,
            config,
            path,
            input: spec.input,
            outputs,
        })
    }

    pub fn config(&self) -> &DetectorConfig {
        &self.config
    }

    /// Every face in the still `image`, most confident first.
    pub fn detect(&mut self, image: &RgbImage) -> Result<Vec<Detection>, VisionError> {
        self.detect_at(image, self.config.max_side)
    }

    /// Every face in `image` seen at a long side of at most `max_side`, most confident first.
    pub(crate) fn detect_at(
        &mut self,
        image: &RgbImage,
        max_side: u32,
    ) -> Result<Vec<Detection>, VisionError> {
        let input = prepare_input(image, max_side);
        self.detect_prepared(&input)
    }

    /// Every face in an already prepared input, in the original image's coordinates.
    pub(crate) fn detect_prepared(
        &mut self,
        input: &DetectorInput,
    ) -> Result<Vec<Detection>, VisionError> {
        let raw = self.run(input)?;
        let content = (input.content_width as f32, input.content_height as f32);
        let maps = HeadMaps {
            heatmap: &raw[0],
            scale: &raw[1],
            offset: &raw[2],
            landmarks: &raw[3],
            height: input.height / STRIDE,
            width: input.width / STRIDE,
        };
        let candidates = decode(&maps, self.config.score_threshold, content);
        Ok(non_maximum_suppression(candidates, self.config.nms_iou)
            .into_iter()
            .map(|d| to_image_coordinates(d, input.scale_x, input.scale_y))
            .collect())
    }

    /// Runs the model and copies out its four maps (heatmap, scale, offset, landmarks).
    pub fn run(&mut self, input: &DetectorInput) -> Result<[Vec<f32>; 4], VisionError> {
        let fail = |e: ort::Error| VisionError::Inference {
            model: format!("detector {}", self.path.display()),
            reason: e.to_string(),
        };
        let shape = [1usize, 3, input.height, input.width];
        let tensor = TensorRef::from_array_view((shape, input.data.as_slice())).map_err(fail)?;
        let outputs = self
            .session
            .run(ort::inputs![self.input.as_str() => tensor])
            .map_err(fail)?;
        let mut maps: [Vec<f32>; 4] = Default::default();
        for (map, name) in maps.iter_mut().zip(&self.outputs) {
            let value = outputs
                .get(name.as_str())
                .ok_or_else(|| VisionError::Inference {
                    model: format!("detector {}", self.path.display()),
                    reason: format!("output {name} missing"),
                })?;
            *map = value.try_extract_tensor::<f32>().map_err(fail)?.1.to_vec();
        }
        Ok(maps)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detection(score: f32, x1: f32) -> Detection {
        let bbox = BoundingBox {
            x1,
            y1: 0.0,
            x2: x1 + 10.0,
            y2: 10.0,
        };
        Detection {
            bbox,
            score,
            landmarks: [Point::default(); 5],
        }
    }

    #[test]
    fn input_is_scaled_to_max_side_and_padded_to_multiples_of_32() {
        let image = RgbImage::from_pixel(2000, 1000, image::Rgb([10, 20, 30]));
        let input = prepare_input(&image, 1280);
        assert_eq!((input.content_width, input.content_height), (1280, 640));
        assert_eq!((input.width, input.height), (1280, 640));
        let small = prepare_input(&RgbImage::new(33, 1), 1280);
        assert_eq!((small.width, small.height), (64, 32));
        assert_eq!((small.scale_x, small.scale_y), (1.0, 1.0));
    }

    #[test]
    fn video_frames_have_their_own_size_and_old_settings_fall_back_to_the_still_size() {
        let config = DetectorConfig::default();
        assert_eq!(config.max_side_for(false), 1280);
        assert_eq!(config.max_side_for(true), 960);
        let old = DetectorConfig {
            video_max_side: None,
            ..config
        };
        assert_eq!(old.max_side_for(true), 1280);
        let small = DetectorConfig::small_faces();
        assert_eq!(small.max_side_for(true), SMALL_FACES_MAX_SIDE);
        let parsed: DetectorConfig =
            ron::from_str("(max_side: 1280, score_threshold: 0.5, nms_iou: 0.3)").unwrap();
        assert_eq!(parsed.video_max_side, None);
    }

    #[test]
    fn the_fast_scaling_is_the_triangle_filter_within_a_level() {
        let image = RgbImage::from_fn(1920, 1080, |x, y| {
            image::Rgb([(x % 251) as u8, (y % 241) as u8, ((x * y) % 256) as u8])
        });
        let fast = fast_scale(&image, 960, 540).expect("the fast path takes RGB8");
        let slow = imageops::resize(&image, 960, 540, FilterType::Triangle);
        let worst = fast
            .as_raw()
            .iter()
            .zip(slow.as_raw())
            .map(|(a, b)| a.abs_diff(*b))
            .max();
        assert!(worst <= Some(1), "worst difference {worst:?}");
    }

    #[test]
    fn input_is_planar_rgb_with_black_padding() {
        let image = RgbImage::from_pixel(40, 20, image::Rgb([10, 20, 30]));
        let input = prepare_input(&image, 1280);
        let plane = input.width * input.height;
        assert_eq!((input.width, input.height), (64, 32));
        assert_eq!(input.data[0], 10.0);
        assert_eq!(input.data[plane], 20.0);
        assert_eq!(input.data[2 * plane], 30.0);
        assert_eq!(input.data[39], 10.0);
        assert_eq!(input.data[40], 0.0, "padding right of the image is black");
        assert_eq!(
            input.data[20 * input.width],
            0.0,
            "padding below the image is black"
        );
    }

    #[test]
    fn decode_places_box_and_landmarks_from_one_cell() {
        // A 2×2 grid with one hot cell at row 1, column 0.
        let heatmap = [0.1, 0.2, 0.9, 0.3];
        // log sizes: height 8·4 = 32 px, width 4·4 = 16 px.
        let scale = [0.0, 0.0, 8f32.ln(), 0.0, 0.0, 0.0, 4f32.ln(), 0.0];
        let offset = [0.0, 0.0, 0.25, 0.0, 0.0, 0.0, 0.5, 0.0];
        let mut landmarks = [0.0f32; 40];
        landmarks[2 * 4 + 2] = 0.5; // landmark 1 y = half the box height
        landmarks[3 * 4 + 2] = 0.25; // landmark 1 x = a quarter of the box width
        let maps = HeadMaps {
            heatmap: &heatmap,
            scale: &scale,
            offset: &offset,
            landmarks: &landmarks,
            height: 2,
            width: 2,
        };
        let found = decode(&maps, 0.5, (100.0, 100.0));
        assert_eq!(found.len(), 1);
        let d = &found[0];
        // centre x = (0 + 0.5 + 0.5)·4 = 4, y = (1 + 0.25 + 0.5)·4 = 7
        let (x0, y0) = (4.0 - 8.0, 7.0 - 16.0);
        assert_eq!(
            d.bbox,
            BoundingBox {
                x1: 0.0,
                y1: 0.0,
                x2: x0 + 16.0,
                y2: y0 + 32.0
            }
        );
        assert_eq!(d.landmarks[0], Point::new(x0, y0));
        assert_eq!(d.landmarks[1], Point::new(x0 + 4.0, y0 + 16.0));
        assert_eq!(d.score, 0.9);
    }

    #[test]
    fn decode_clips_boxes_to_the_image_content() {
        let maps = HeadMaps {
            heatmap: &[0.9],
            scale: &[3.0, 3.0],
            offset: &[0.0, 0.0],
            landmarks: &[0.0; 10],
            height: 1,
            width: 1,
        };
        let d = &decode(&maps, 0.5, (3.0, 2.0))[0];
        assert_eq!(
            (d.bbox.x1, d.bbox.y1, d.bbox.x2, d.bbox.y2),
            (0.0, 0.0, 3.0, 2.0)
        );
    }

    #[test]
    fn nms_keeps_the_most_confident_of_overlapping_boxes() {
        let kept = non_maximum_suppression(
            vec![
                detection(0.6, 0.0),
                detection(0.9, 2.0),
                detection(0.7, 50.0),
            ],
            0.3,
        );
        let scores: Vec<f32> = kept.iter().map(|d| d.score).collect();
        assert_eq!(scores, vec![0.9, 0.7]);
    }

    #[test]
    fn detections_map_back_to_original_pixels() {
        let d = to_image_coordinates(detection(0.9, 10.0), 0.5, 0.25);
        assert_eq!(
            d.bbox,
            BoundingBox {
                x1: 20.0,
                y1: 0.0,
                x2: 40.0,
                y2: 40.0
            }
        );
    }
}
