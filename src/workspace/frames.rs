//! Pictures for the app: whole frames of an input, decoded on a worker thread so the interface
//! never waits on a decoder, and face thumbnails cut from them.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, Sender};

use image::RgbImage;
use image::imageops::{self, FilterType};

use crate::footage;
use crate::vision::BoundingBox;

/// Which picture: a frame of an input of the review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FrameKey {
    pub input: usize,
    pub frame_index: u64,
}

/// What a picture is: a frame of an input, or a watchlist photo (by its path).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PictureKey {
    Frame(FrameKey),
    Photo(PathBuf),
}

/// A picture decoded, or why it could not be.
pub type Loaded = (PictureKey, Result<RgbImage, footage::FootageError>);

/// Decodes requested pictures on a background thread, each at most once at a time.
pub struct FrameLoader {
    requests: Sender<(PictureKey, PathBuf)>,
    done: Receiver<Loaded>,
    pending: HashSet<PictureKey>,
}

impl FrameLoader {
    /// `on_loaded` runs on the worker after each frame (the app passes a repaint request).
    pub fn new(on_loaded: impl Fn() + Send + 'static) -> Self {
        let (requests, incoming) = mpsc::channel::<(PictureKey, PathBuf)>();
        let (finished, done) = mpsc::channel();
        std::thread::spawn(move || {
            for (key, path) in incoming {
                let frame = match &key {
                    PictureKey::Frame(frame) => load_frame(&path, frame.frame_index),
                    PictureKey::Photo(_) => load_frame(&path, 0),
                };
                if finished.send((key, frame)).is_err() {
                    break;
                }
                on_loaded();
            }
        });
        Self {
            requests,
            done,
            pending: HashSet::new(),
        }
    }

    /// Asks for a picture unless it is already on its way.
    pub fn request(&mut self, key: PictureKey, path: PathBuf) {
        if self.pending.insert(key.clone()) && self.requests.send((key.clone(), path)).is_err() {
            self.pending.remove(&key);
        }
    }

    /// Frames decoded since the last call.
    pub fn poll(&mut self) -> Vec<Loaded> {
        let loaded: Vec<Loaded> = self.done.try_iter().collect();
        for (key, _) in &loaded {
            self.pending.remove(key);
        }
        loaded
    }
}

/// One frame of an input (a still's only frame, or a video's frame by exact seek) as RGB.
pub fn load_frame(
    path: &std::path::Path,
    frame_index: u64,
) -> Result<RgbImage, footage::FootageError> {
    footage::Footage::open(path)
        .and_then(|mut footage| footage.frame(frame_index))
        .map(|frame| frame.image)
}

/// A square thumbnail of the face in `bbox`, with some margin, `size` pixels on a side.
pub fn face_thumbnail(frame: &RgbImage, bbox: &BoundingBox, size: u32) -> RgbImage {
    let side = bbox.width().max(bbox.height()) * 1.3;
    let (cx, cy) = ((bbox.x1 + bbox.x2) / 2.0, (bbox.y1 + bbox.y2) / 2.0);
    let x0 = (cx - side / 2.0).max(0.0) as u32;
    let y0 = (cy - side / 2.0).max(0.0) as u32;
    let w = (side as u32)
        .max(1)
        .min(frame.width().saturating_sub(x0))
        .max(1);
    let h = (side as u32)
        .max(1)
        .min(frame.height().saturating_sub(y0))
        .max(1);
    if x0 >= frame.width() || y0 >= frame.height() {
        return RgbImage::new(size, size);
    }
    let crop = imageops::crop_imm(frame, x0, y0, w, h).to_image();
    imageops::resize(&crop, size, size, FilterType::Triangle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thumbnails_stay_inside_the_frame() {
        let frame = RgbImage::from_pixel(100, 80, image::Rgb([200, 10, 10]));
        let edge = BoundingBox {
            x1: 90.0,
            y1: 70.0,
            x2: 120.0,
            y2: 100.0,
        };
        let thumb = face_thumbnail(&frame, &edge, 64);
        assert_eq!(thumb.dimensions(), (64, 64));
        assert_eq!(thumb.get_pixel(10, 10).0, [200, 10, 10]);
        let outside = BoundingBox {
            x1: 500.0,
            y1: 500.0,
            x2: 510.0,
            y2: 510.0,
        };
        assert_eq!(face_thumbnail(&frame, &outside, 8).dimensions(), (8, 8));
    }
}
