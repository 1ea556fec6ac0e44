//! Pictures for the report: the analysed stills with the faces that alerted marked and every
//! other face blurred, and (only when the reviewer opts in) the watchlist's enrolment photos.
//!
//! Bystanders are blurred by averaging their face down to a few blocks and smoothing it back
//! up: unlike a light Gaussian blur, that leaves nothing of the face to recover.

use std::path::Path;
use std::sync::Arc;

use image::imageops::{self, FilterType};
use image::{RgbImage, codecs::jpeg::JpegEncoder};

use crate::footage::{load_image, sha256_file};
use crate::review::{InputStatus, ReviewDocument};
use crate::vision::BoundingBox;

/// Long side of a picture in the report, in pixels: sharp at the printed size, small on disk.
const PICTURE_MAX_SIDE: u32 = 1400;
/// Stills shown at most; the rest are counted, since a report of thousands of frames helps
/// nobody. Stills with alerts come first.
pub const MAX_STILLS: usize = 12;
/// A blurred face keeps only this many blocks across.
const BLUR_BLOCKS: u32 = 5;

/// A still ready to place: JPEG bytes, and the alerts to mark in its pixel coordinates.
#[derive(Debug, Clone)]
pub struct StillPicture {
    pub title: String,
    pub jpeg: Arc<Vec<u8>>,
    pub width: u32,
    pub height: u32,
    pub alerts: Vec<MarkedFace>,
    /// Faces that raised no alert (blurred unless the reviewer opted out).
    pub other_faces: usize,
}

#[derive(Debug, Clone)]
pub struct MarkedFace {
    pub bbox: BoundingBox,
    pub label: String,
}

#[derive(Debug, Clone)]
pub struct WatchlistPicture {
    pub name: String,
    pub jpeg: Arc<Vec<u8>>,
    pub width: u32,
    pub height: u32,
}

/// Everything pictured in the report, and why anything is missing.
#[derive(Debug, Clone, Default)]
pub struct Pictures {
    pub stills: Vec<StillPicture>,
    pub watchlist: Vec<WatchlistPicture>,
    /// Inputs that could not be shown, and stills left out for length, in sentences.
    pub notes: Vec<String>,
}

/// Loads and prepares the pictures. Files that changed since the analysis (their SHA-256
/// differs from the review's) are not shown: the faces marked would not be theirs.
pub fn prepare(
    document: &ReviewDocument,
    threshold: f32,
    blur_bystanders: bool,
    include_watchlist: bool,
) -> Pictures {
    let mut pictures = Pictures::default();
    let mut order: Vec<usize> = (0..document.inputs.len())
        .filter(|&i| document.inputs[i].status == InputStatus::Analysed)
        .collect();
    // Stable: stills with alerts first, each group in input order.
    order.sort_by_key(|&i| !has_alert(document, i, threshold));
    if order.len() > MAX_STILLS {
        pictures.notes.push(format!(
            "{} more analysed inputs are not pictured here; their counts are in the data \
             section.",
            order.len() - MAX_STILLS
        ));
        order.truncate(MAX_STILLS);
    }
    for input in order {
        match still_picture(document, input, threshold, blur_bystanders) {
            Ok(picture) => pictures.stills.push(picture),
            Err(note) => pictures.notes.push(note),
        }
    }
    if include_watchlist {
        for identity in &document.watchlist.identities {
            for photo in &identity.photos {
                // Enrolment photo paths are relative to the watchlist folder.
                let path = document.watchlist.root.join(&photo.path);
                match watchlist_picture(&identity.name, &path, &photo.digest.sha256, &photo.bbox) {
                    Ok(picture) => pictures.watchlist.push(picture),
                    Err(note) => pictures.notes.push(note),
                }
            }
        }
    }
    pictures
}

fn has_alert(document: &ReviewDocument, input: usize, threshold: f32) -> bool {
    document
        .detections
        .iter()
        .any(|d| d.source.input == input && d.is_alert(threshold))
}

fn still_picture(
    document: &ReviewDocument,
    input: usize,
    threshold: f32,
    blur_bystanders: bool,
) -> Result<StillPicture, String> {
    let record = &document.inputs[input];
    let expected = record.digest.as_ref().map(|d| d.sha256.as_str());
    let image = load_unchanged(&record.path, expected)?;
    let detections: Vec<_> = document
        .detections
        .iter()
        .filter(|d| d.source.input == input && d.source.frame_index == 0)
        .collect();
    let scale = scale_for(image.width(), image.height());
    let mut image = resize(image, scale);
    let mut alerts = Vec::new();
    let mut other_faces = 0;
    for detection in detections {
        let bbox = detection.bbox.scaled(scale, scale);
        if detection.is_alert(threshold) {
            let best = &detection.candidates[0];
            let name = document.identity_name(best.identity).unwrap_or("unknown");
            alerts.push(MarkedFace {
                bbox,
                label: format!("{name} {:.2}", best.score),
            });
        } else {
            other_faces += 1;
            if blur_bystanders {
                blur_face(&mut image, &bbox);
            }
        }
    }
    let (width, height) = image.dimensions();
    Ok(StillPicture {
        title: record.path.display().to_string(),
        jpeg: Arc::new(encode_jpeg(&image)?),
        width,
        height,
        alerts,
        other_faces,
    })
}

fn watchlist_picture(
    name: &str,
    path: &Path,
    sha256: &str,
    bbox: &BoundingBox,
) -> Result<WatchlistPicture, String> {
    let image = load_unchanged(path, Some(sha256))?;
    // The face with a margin around it: enough to recognise, without the rest of the photo.
    let margin = 0.4 * bbox.width().max(bbox.height());
    let crop = clamp_box(
        &BoundingBox {
            x1: bbox.x1 - margin,
            y1: bbox.y1 - margin,
            x2: bbox.x2 + margin,
            y2: bbox.y2 + margin,
        },
        image.width(),
        image.height(),
    )
    .ok_or_else(|| {
        format!(
            "{}: the enrolled face lies outside the photo",
            path.display()
        )
    })?;
    let face = imageops::crop_imm(&image, crop.0, crop.1, crop.2, crop.3).to_image();
    let face = imageops::resize(
        &face,
        240,
        240 * crop.3 / crop.2.max(1),
        FilterType::Triangle,
    );
    let (width, height) = face.dimensions();
    Ok(WatchlistPicture {
        name: name.to_owned(),
        jpeg: Arc::new(encode_jpeg(&face)?),
        width,
        height,
    })
}

/// The image at `path`, provided its SHA-256 is still `expected`.
fn load_unchanged(path: &Path, expected: Option<&str>) -> Result<RgbImage, String> {
    let actual = sha256_file(path)
        .map_err(|e| format!("{}: not pictured, it cannot be read: {e}", path.display()))?;
    if expected != Some(actual.sha256.as_str()) {
        return Err(format!(
            "{}: not pictured, the file has changed since the analysis (its SHA-256 differs)",
            path.display()
        ));
    }
    load_image(path)
        .map(|loaded| loaded.image)
        .map_err(|e| format!("not pictured: {e}"))
}

fn scale_for(width: u32, height: u32) -> f32 {
    let long_side = width.max(height).max(1);
    (PICTURE_MAX_SIDE as f32 / long_side as f32).min(1.0)
}

fn resize(image: RgbImage, scale: f32) -> RgbImage {
    if scale >= 1.0 {
        return image;
    }
    let width = ((image.width() as f32 * scale).round() as u32).max(1);
    let height = ((image.height() as f32 * scale).round() as u32).max(1);
    imageops::resize(&image, width, height, FilterType::Triangle)
}

/// Replaces the face in `bbox` (grown by a fifth so that hair and jaw go too) with a smooth
/// blur of a few blocks.
pub fn blur_face(image: &mut RgbImage, bbox: &BoundingBox) {
    let grow_x = 0.2 * bbox.width();
    let grow_y = 0.2 * bbox.height();
    let grown = BoundingBox {
        x1: bbox.x1 - grow_x,
        y1: bbox.y1 - grow_y,
        x2: bbox.x2 + grow_x,
        y2: bbox.y2 + grow_y,
    };
    let Some((x, y, width, height)) = clamp_box(&grown, image.width(), image.height()) else {
        return;
    };
    let region = imageops::crop_imm(image, x, y, width, height).to_image();
    let blocks_y = (BLUR_BLOCKS * height / width.max(1)).max(1);
    let coarse = imageops::resize(&region, BLUR_BLOCKS, blocks_y, FilterType::Triangle);
    let smooth = imageops::resize(&coarse, width, height, FilterType::Triangle);
    imageops::replace(image, &smooth, i64::from(x), i64::from(y));
}

/// `bbox` as whole pixels inside a `width × height` image: (x, y, w, h), or `None` if empty.
fn clamp_box(bbox: &BoundingBox, width: u32, height: u32) -> Option<(u32, u32, u32, u32)> {
    let clamp = |v: f32, max: u32| v.clamp(0.0, max as f32);
    let x1 = clamp(bbox.x1, width).floor() as u32;
    let y1 = clamp(bbox.y1, height).floor() as u32;
    let x2 = clamp(bbox.x2, width).ceil() as u32;
    let y2 = clamp(bbox.y2, height).ceil() as u32;
    (x2 > x1 && y2 > y1).then(|| (x1, y1, x2 - x1, y2 - y1))
}

fn encode_jpeg(image: &RgbImage) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    JpegEncoder::new_with_quality(&mut bytes, 85)
        .encode_image(image)
        .map_err(|e| format!("a picture could not be encoded: {e}"))?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blurring_destroys_detail_inside_the_box_and_leaves_the_rest() {
        // A checkerboard: maximal detail everywhere.
        let mut image = RgbImage::from_fn(200, 200, |x, y| {
            let v = if (x / 2 + y / 2) % 2 == 0 { 255 } else { 0 };
            image::Rgb([v, v, v])
        });
        let original = image.clone();
        let face = BoundingBox {
            x1: 60.0,
            y1: 60.0,
            x2: 140.0,
            y2: 140.0,
        };
        blur_face(&mut image, &face);
        // Inside: neighbouring pixels now differ by little (the checkerboard is gone).
        let contrast = |x: u32, y: u32| {
            (i32::from(image.get_pixel(x, y)[0]) - i32::from(image.get_pixel(x + 2, y)[0])).abs()
        };
        assert!(contrast(100, 100) < 40, "{}", contrast(100, 100));
        // Outside the grown box: untouched.
        assert_eq!(image.get_pixel(10, 10), original.get_pixel(10, 10));
        assert_eq!(image.get_pixel(190, 150), original.get_pixel(190, 150));
    }

    #[test]
    fn boxes_outside_the_image_are_clamped_or_ignored() {
        let inside = BoundingBox {
            x1: -10.0,
            y1: 5.5,
            x2: 30.0,
            y2: 500.0,
        };
        assert_eq!(clamp_box(&inside, 100, 100), Some((0, 5, 30, 95)));
        let outside = BoundingBox {
            x1: 150.0,
            y1: 0.0,
            x2: 200.0,
            y2: 10.0,
        };
        assert_eq!(clamp_box(&outside, 100, 100), None);
        let mut image = RgbImage::new(100, 100);
        blur_face(&mut image, &outside);
    }
}
