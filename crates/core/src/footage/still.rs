//! Decoding one still image into 8-bit RGB, upright, with every failure named and explained.

use std::io::Cursor;
use std::path::Path;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, RgbImage};

use super::FootageError;

/// Images with more pixels than this are refused: decoding one would take gigabytes.
pub(crate) const MAX_PIXELS: u64 = 100_000_000;
/// Below this many pixels on a side, no face the detector can find fits.
const MIN_USEFUL_SIDE: u32 = 16;

/// A decoded image and anything worth telling the reviewer about it.
#[derive(Debug)]
pub struct LoadedImage {
    pub image: RgbImage,
    pub warnings: Vec<String>,
}

/// Reads and decodes `path`: any bit depth, grayscale, CMYK or alpha becomes 8-bit RGB (alpha is
/// dropped), and EXIF orientation is applied so faces are upright as a person would see them.
pub fn load_image(path: &Path) -> Result<LoadedImage, FootageError> {
    let bytes = std::fs::read(path).map_err(|e| FootageError::from_io(path, &e))?;
    decode_image(path, &bytes)
}

/// Decodes `bytes`, read from `path`, as [`load_image`] does: for a caller that needs the bytes
/// too (to hash exactly what it decodes).
pub fn decode_image(path: &Path, bytes: &[u8]) -> Result<LoadedImage, FootageError> {
    if bytes.is_empty() {
        return Err(FootageError::Empty {
            path: path.to_path_buf(),
        });
    }
    let format = image::guess_format(bytes).map_err(|_| FootageError::NotAnImage {
        path: path.to_path_buf(),
    })?;
    let corrupt = |e: image::ImageError| FootageError::Corrupt {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };

    let (width, height) = reader(bytes, format).into_dimensions().map_err(corrupt)?;
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(FootageError::TooLarge {
            path: path.to_path_buf(),
            width,
            height,
            video: false,
        });
    }
    let mut decoder = reader(bytes, format).into_decoder().map_err(corrupt)?;
    let orientation = decoder.orientation().map_err(corrupt)?;
    let mut decoded = DynamicImage::from_decoder(decoder).map_err(corrupt)?;
    decoded.apply_orientation(orientation);

    let mut warnings = Vec::new();
    if format == ImageFormat::Jpeg && !bytes.ends_with(&[0xFF, 0xD9]) {
        warnings.push(format!(
            "{}: the JPEG ends without its end-of-image marker, so the file is probably truncated; \
             the missing part of the picture is blank",
            path.display()
        ));
    }
    if width.min(height) < MIN_USEFUL_SIDE {
        warnings.push(format!(
            "{}: the image is only {width}×{height} pixels, too small to hold a face the detector can find",
            path.display()
        ));
    }
    Ok(LoadedImage {
        image: decoded.into_rgb8(),
        warnings,
    })
}

/// A reader over in-memory bytes whose allocation is bounded: a header that lies about its size
/// cannot make the decoder ask for more memory than a [`MAX_PIXELS`] image at 16 bits with alpha.
fn reader(bytes: &[u8], format: ImageFormat) -> ImageReader<Cursor<&[u8]>> {
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_PIXELS * 8 + (64 << 20));
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits);
    reader
}
