//! Pictures for the app: whole frames of an input, decoded on a worker thread so the interface
//! never waits on a decoder, and face thumbnails cut from them.

use std::collections::{HashSet, VecDeque};
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Condvar, Mutex};

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

/// Decodes requested pictures on a background thread, each at most once at a time, oldest
/// request first. Requests no longer wanted (see [`FrameLoader::keep_only`]) are dropped before
/// they are decoded, so scrolling past 50,000 faces does not leave 50,000 decodes queued.
pub struct FrameLoader {
    queue: Arc<(Mutex<Queue>, Condvar)>,
    done: Receiver<Loaded>,
    pending: HashSet<PictureKey>,
}

/// The requests not yet taken by the worker, and whether the loader is gone.
#[derive(Default)]
struct Queue {
    requests: VecDeque<(PictureKey, PathBuf)>,
    closed: bool,
}

impl FrameLoader {
    /// `on_loaded` runs on the worker after each frame (the app passes a repaint request).
    pub fn new(on_loaded: impl Fn() + Send + 'static) -> Self {
        let queue = Arc::new((Mutex::new(Queue::default()), Condvar::new()));
        let (finished, done) = mpsc::channel();
        let shared = Arc::clone(&queue);
        std::thread::spawn(move || {
            while let Some((key, path)) = next_request(&shared) {
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
            queue,
            done,
            pending: HashSet::new(),
        }
    }

    /// Asks for a picture unless it is already on its way.
    pub fn request(&mut self, key: PictureKey, path: PathBuf) {
        if !self.pending.insert(key.clone()) {
            return;
        }
        let (queue, wake) = &*self.queue;
        match queue.lock() {
            Ok(mut queue) => {
                queue.requests.push_back((key, path));
                wake.notify_one();
            }
            Err(_) => {
                self.pending.remove(&key);
            }
        }
    }

    /// Drops the requests not yet started whose picture is not in `wanted` (the pictures the
    /// screen asked for in its last frame); they are asked for again if they come back.
    pub fn keep_only(&mut self, wanted: &HashSet<PictureKey>) {
        let Ok(mut queue) = self.queue.0.lock() else {
            return;
        };
        let pending = &mut self.pending;
        queue.requests.retain(|(key, _)| {
            let keep = wanted.contains(key);
            if !keep {
                pending.remove(key);
            }
            keep
        });
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

impl Drop for FrameLoader {
    /// Lets the worker end once it has finished the picture in hand.
    fn drop(&mut self) {
        let (queue, wake) = &*self.queue;
        if let Ok(mut queue) = queue.lock() {
            queue.closed = true;
        }
        wake.notify_all();
    }
}

/// The oldest request, waiting for one; None once the loader is gone.
fn next_request(queue: &(Mutex<Queue>, Condvar)) -> Option<(PictureKey, PathBuf)> {
    let (queue, wake) = queue;
    let mut queue = queue.lock().ok()?;
    loop {
        if queue.closed {
            return None;
        }
        if let Some(request) = queue.requests.pop_front() {
            return Some(request);
        }
        queue = wake.wait(queue).ok()?;
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

    /// Requests dropped by `keep_only` before the worker reaches them are never decoded; the
    /// one still wanted is.
    #[test]
    fn requests_no_longer_wanted_are_not_decoded() {
        let (release, hold) = mpsc::channel::<()>();
        let hold = Mutex::new(hold);
        // The worker waits after its first picture until released, so the rest stay queued.
        let mut loader = FrameLoader::new(move || {
            if let Ok(hold) = hold.lock() {
                let _ = hold.recv();
            }
        });
        let photo = |n: usize| PictureKey::Photo(PathBuf::from(format!("/nonexistent/{n}.jpg")));
        let ask = |loader: &mut FrameLoader, n: usize| {
            loader.request(photo(n), PathBuf::from(format!("/nonexistent/{n}.jpg")))
        };
        ask(&mut loader, 0);
        let first = loader.done.recv().map(|(key, _)| key);
        assert_eq!(first, Ok(photo(0)));
        for n in 1..=50 {
            ask(&mut loader, n);
        }
        loader.keep_only(&HashSet::from([photo(50)]));
        for _ in 0..51 {
            let _ = release.send(());
        }
        let next = loader.done.recv().map(|(key, _)| key);
        assert_eq!(next, Ok(photo(50)));
        drop(release);
        let rest: Vec<PictureKey> = loader.poll().into_iter().map(|(key, _)| key).collect();
        assert!(rest.is_empty(), "decoded though dropped: {rest:?}");
        // A dropped request can be asked for again.
        ask(&mut loader, 7);
        assert_eq!(loader.done.recv().map(|(key, _)| key), Ok(photo(7)));
    }

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
