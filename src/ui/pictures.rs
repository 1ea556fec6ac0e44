//! Textures for frames, face thumbnails and watchlist photos, decoded off the interface thread
//! by the workspace's frame loader and uploaded here once each.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;

use eframe::egui;
use image::RgbImage;

use crate::ids::{DetectionId, TrackId};
use crate::workspace::Workspace;
use crate::workspace::frames::{FrameKey, FrameLoader, PictureKey, face_thumbnail};

/// Decoded frames kept at once; the oldest is dropped first (thumbnails stay), so the frame on
/// screen and the one decoded ahead of it during playback stay while older ones go.
const MAX_FRAMES: usize = 24;
const THUMBNAIL: u32 = 96;
/// Face crops (filmstrips) kept at once; all are dropped when there are more.
const MAX_FACES: usize = 512;
/// Track thumbnails kept at once, the least recently shown dropped first: several screenfuls
/// (a 4K screen shows about 400 cards), 96×96 pixels each, so about 15 MB whatever the review's
/// size.
pub(crate) const MAX_THUMBNAILS: usize = 1024;

/// At most `bound` values, the least recently used dropped first when one more comes.
pub(crate) struct BoundedCache<K, V> {
    bound: usize,
    /// Each value with when it was last used (a counter, not a clock).
    entries: HashMap<K, (V, u64)>,
    uses: u64,
}

impl<K: std::hash::Hash + Eq + Clone, V: Clone> BoundedCache<K, V> {
    pub(crate) fn new(bound: usize) -> Self {
        Self {
            bound: bound.max(1),
            entries: HashMap::new(),
            uses: 0,
        }
    }

    pub(crate) fn get(&mut self, key: &K) -> Option<V> {
        self.uses += 1;
        let (value, used) = self.entries.get_mut(key)?;
        *used = self.uses;
        Some(value.clone())
    }

    pub(crate) fn insert(&mut self, key: K, value: V) {
        self.uses += 1;
        if !self.entries.contains_key(&key) && self.entries.len() >= self.bound {
            self.drop_least_recent();
        }
        self.entries.insert(key, (value, self.uses));
    }

    /// Drops the least recently used quarter at once: one scan per `bound / 4` insertions
    /// rather than one per insertion.
    fn drop_least_recent(&mut self) {
        let mut uses: Vec<u64> = self.entries.values().map(|(_, used)| *used).collect();
        let cut = (self.bound / 4).max(1).min(uses.len()) - 1;
        let (_, &mut oldest_kept, _) = uses.select_nth_unstable(cut);
        self.entries.retain(|_, (_, used)| *used > oldest_kept);
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }
}

/// How much the picture cache holds and has done, for tests and benchmarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PictureCounts {
    /// Track thumbnails held now.
    pub thumbnails: usize,
    /// Track thumbnails made since the cache was last cleared.
    pub thumbnails_made: usize,
    /// Decoded frames and photos held now.
    pub frames: usize,
}

pub struct Pictures {
    loader: FrameLoader,
    images: HashMap<PictureKey, Arc<RgbImage>>,
    /// The keys of `images`, oldest first.
    arrival: VecDeque<PictureKey>,
    textures: HashMap<PictureKey, egui::TextureHandle>,
    /// The pixel size of each picture as decoded, which its texture may be smaller than (see
    /// [`fit_within`]); boxes are drawn in these pixels.
    source_sizes: HashMap<PictureKey, egui::Vec2>,
    thumbnails: BoundedCache<TrackId, egui::TextureHandle>,
    thumbnails_made: usize,
    faces: HashMap<DetectionId, egui::TextureHandle>,
    failures: HashMap<PictureKey, String>,
    /// The pictures asked for and not yet decoded during this frame: at the next, requests for
    /// any others (a card scrolled past) are dropped before they are decoded.
    wanted: HashSet<PictureKey>,
}

impl Pictures {
    pub fn new(repaint: impl Fn() + Send + 'static) -> Self {
        Self {
            loader: FrameLoader::new(repaint),
            images: HashMap::new(),
            arrival: VecDeque::new(),
            textures: HashMap::new(),
            source_sizes: HashMap::new(),
            thumbnails: BoundedCache::new(MAX_THUMBNAILS),
            thumbnails_made: 0,
            faces: HashMap::new(),
            failures: HashMap::new(),
            wanted: HashSet::new(),
        }
    }

    pub fn clear(&mut self) {
        self.images.clear();
        self.arrival.clear();
        self.textures.clear();
        self.source_sizes.clear();
        self.thumbnails.clear();
        self.thumbnails_made = 0;
        self.faces.clear();
        self.failures.clear();
        self.wanted.clear();
    }

    /// Takes in what the loader finished.
    pub(crate) fn receive(&mut self, _ctx: &egui::Context) {
        self.loader.keep_only(&self.wanted);
        self.wanted.clear();
        for (key, result) in self.loader.poll() {
            match result {
                Ok(image) => {
                    while self.images.len() >= MAX_FRAMES {
                        let Some(oldest) = self.arrival.pop_front() else {
                            break;
                        };
                        self.images.remove(&oldest);
                        self.textures.remove(&oldest);
                    }
                    if self.images.insert(key.clone(), Arc::new(image)).is_none() {
                        self.arrival.push_back(key);
                    }
                }
                Err(error) => {
                    self.failures.insert(key, error.to_string());
                }
            }
        }
    }

    pub fn counts(&self) -> PictureCounts {
        PictureCounts {
            thumbnails: self.thumbnails.len(),
            thumbnails_made: self.thumbnails_made,
            frames: self.images.len(),
        }
    }

    pub fn failure(&self, key: &PictureKey) -> Option<&str> {
        self.failures.get(key).map(String::as_str)
    }

    fn image(&mut self, key: &PictureKey, path: PathBuf) -> Option<Arc<RgbImage>> {
        if let Some(image) = self.images.get(key) {
            return Some(Arc::clone(image));
        }
        if !self.failures.contains_key(key) {
            self.wanted.insert(key.clone());
            self.loader.request(key.clone(), path);
        }
        None
    }

    /// The texture of a picture, once decoded; asks for it otherwise.
    pub(crate) fn texture(
        &mut self,
        ctx: &egui::Context,
        key: PictureKey,
        path: PathBuf,
    ) -> Option<egui::TextureHandle> {
        if let Some(texture) = self.textures.get(&key) {
            return Some(texture.clone());
        }
        let image = self.image(&key, path)?;
        let limit = ctx.input(|input| input.max_texture_side);
        let texture = ctx.load_texture(
            format!("{key:?}"),
            color_image(&fit_within(&image, limit)),
            egui::TextureOptions::LINEAR,
        );
        let source = egui::vec2(image.width() as f32, image.height() as f32);
        self.source_sizes.insert(key.clone(), source);
        self.textures.insert(key, texture.clone());
        Some(texture)
    }

    /// The pixel size of picture `key` as decoded (its texture may be scaled down to fit the
    /// graphics card); None before it is shown.
    pub(crate) fn source_size(&self, key: &PictureKey) -> Option<egui::Vec2> {
        self.source_sizes.get(key).copied()
    }

    /// The frame `key` of the workspace's review.
    pub fn frame(
        &mut self,
        ctx: &egui::Context,
        workspace: &Workspace,
        key: FrameKey,
    ) -> Option<egui::TextureHandle> {
        if workspace.content_differs(key.input) {
            return None;
        }
        let path = workspace.document().inputs.get(key.input)?.path.clone();
        self.texture(ctx, PictureKey::Frame(key), path)
    }

    /// A thumbnail of a track's first face.
    pub fn thumbnail(
        &mut self,
        ctx: &egui::Context,
        workspace: &Workspace,
        track: TrackId,
    ) -> Option<egui::TextureHandle> {
        if let Some(texture) = self.thumbnails.get(&track) {
            return Some(texture);
        }
        let document = workspace.document();
        let first = *document.tracks.get(track.index())?.detections.first()?;
        let texture = self.crop(ctx, workspace, first, format!("track {track}"))?;
        self.thumbnails.insert(track, texture.clone());
        self.thumbnails_made += 1;
        Some(texture)
    }

    /// The crop of one detected face (a filmstrip's picture), once its frame is decoded.
    pub fn face(
        &mut self,
        ctx: &egui::Context,
        workspace: &Workspace,
        detection: DetectionId,
    ) -> Option<egui::TextureHandle> {
        if let Some(texture) = self.faces.get(&detection) {
            return Some(texture.clone());
        }
        let texture = self.crop(ctx, workspace, detection, format!("face {detection:?}"))?;
        if self.faces.len() >= MAX_FACES {
            self.faces.clear();
        }
        self.faces.insert(detection, texture.clone());
        Some(texture)
    }

    /// Whether the frame of `detection` could not be decoded (its crop never comes).
    pub fn face_failed(&self, workspace: &Workspace, detection: DetectionId) -> bool {
        let Some(found) = workspace.document().detections.get(detection.index()) else {
            return true;
        };
        self.failures.contains_key(&PictureKey::Frame(FrameKey {
            input: found.source.input,
            frame_index: found.source.frame_index,
        }))
    }

    /// A texture of the face `detection` cut from its frame; asks for the frame when it is not
    /// decoded yet.
    fn crop(
        &mut self,
        ctx: &egui::Context,
        workspace: &Workspace,
        detection: DetectionId,
        name: String,
    ) -> Option<egui::TextureHandle> {
        let document = workspace.document();
        let detection = document.detections.get(detection.index())?;
        let key = FrameKey {
            input: detection.source.input,
            frame_index: detection.source.frame_index,
        };
        // Another video under the footage's name is not shown as the footage analysed.
        if workspace.content_differs(key.input) {
            return None;
        }
        let path = document.inputs.get(key.input)?.path.clone();
        let image = self.image(&PictureKey::Frame(key), path)?;
        let face = face_thumbnail(&image, &detection.bbox, THUMBNAIL);
        Some(ctx.load_texture(name, color_image(&face), egui::TextureOptions::LINEAR))
    }
}

/// `image`, scaled down to fit `limit` pixels a side when it is larger: graphics cards refuse
/// bigger textures (2048 on some), and egui panics on one, while enrolment photos and frames
/// can be larger (a 970×2204 photo, a 12000×9000 video).
fn fit_within(image: &RgbImage, limit: usize) -> std::borrow::Cow<'_, RgbImage> {
    let limit = limit.max(1) as u32;
    if image.width() <= limit && image.height() <= limit {
        return std::borrow::Cow::Borrowed(image);
    }
    let scale = f64::from(limit) / f64::from(image.width().max(image.height()));
    let width = ((f64::from(image.width()) * scale).floor() as u32).clamp(1, limit);
    let height = ((f64::from(image.height()) * scale).floor() as u32).clamp(1, limit);
    std::borrow::Cow::Owned(image::imageops::thumbnail(image, width, height))
}

fn color_image(image: &RgbImage) -> egui::ColorImage {
    egui::ColorImage::from_rgb(
        [image.width() as usize, image.height() as usize],
        image.as_raw(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_thumbnail_cache_never_holds_more_than_its_bound_and_keeps_what_is_in_use() {
        let mut cache = BoundedCache::new(100);
        for track in 0..10u32 {
            cache.insert(track, track);
        }
        for track in 10..10_000u32 {
            cache.insert(track, track);
            // The first ten are on screen all along: shown (used) every time.
            for shown in 0..10 {
                assert_eq!(cache.get(&shown), Some(shown));
            }
            assert!(cache.len() <= 100, "{} held after {track}", cache.len());
        }
        assert!(cache.len() >= 75, "dropped too much: {}", cache.len());
        assert_eq!(cache.get(&9_999), Some(9_999));
        assert_eq!(cache.get(&5_000), None);
    }

    #[test]
    fn pictures_larger_than_a_texture_may_be_are_scaled_to_fit_keeping_their_shape() {
        let tall = RgbImage::new(970, 2204);
        let fitted = fit_within(&tall, 2048);
        assert_eq!((fitted.width(), fitted.height()), (901, 2048));
        let small = RgbImage::new(640, 480);
        assert!(matches!(
            fit_within(&small, 2048),
            std::borrow::Cow::Borrowed(_)
        ));
    }
}
