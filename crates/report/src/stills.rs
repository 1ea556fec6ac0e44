//! Pictures for the report: a frame of each analysed input with its alerts marked (a still's
//! only frame; for a video or a folder of images, the frame with the most alerts), and (only
//! when the reviewer opts in) the watchlist's enrolment photos.
//!
//! By default a face is recognisable only where the reviewer confirmed a true match: the alert's
//! track is labelled as the very watchlist person the alert names. Everything else in the frame
//! (wrong and unconfirmed alerts, faces that raised no alert, faces the detector missed) is
//! blurred; [`FaceDisclosure`] lets the reviewer choose to show more, and the report says so.
//!
//! Blurring averages the picture down to a few blocks and smooths it back up: unlike a light
//! Gaussian blur, that leaves nothing of a face to recover.

use std::path::Path;
use std::sync::Arc;

use image::imageops::{self, FilterType};
use image::{RgbImage, codecs::jpeg::JpegEncoder};

use serde::{Deserialize, Serialize};

use super::report::FaceDisclosure;
use lineup_core::footage::{Footage, load_image, sha256_file};
use lineup_core::ids::IdentityId;
use lineup_core::matching::Candidate;
use lineup_core::review::{GroundTruth, InputStatus, ReviewDocument};
use lineup_core::vision::BoundingBox;
use lineup_core::vision::manifest::Metric;

/// Long side of a picture in the report, in pixels: sharp at the printed size, small on disk.
const PICTURE_MAX_SIDE: u32 = 1400;
/// Stills shown at most; the rest are counted, since a report of thousands of frames helps
/// nobody. Stills with alerts come first.
pub(crate) const MAX_STILLS: usize = 12;
/// A blurred face keeps only this many blocks across.
const BLUR_BLOCKS: u32 = 5;
/// A blurred frame keeps only this many blocks along its long side: any face narrower than a
/// fifth of the frame, detected or not, keeps fewer than [`BLUR_BLOCKS`] blocks across itself
/// (and every detected face is also blurred on its own, whatever its size).
const FRAME_BLUR_BLOCKS: u32 = 16;

/// A still ready to place: JPEG bytes, and the alerts to mark in its pixel coordinates.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StillPicture {
    pub title: String,
    #[serde(with = "jpeg_bytes")]
    pub jpeg: Arc<Vec<u8>>,
    pub width: u32,
    pub height: u32,
    pub alerts: Vec<MarkedFace>,
    /// Faces detected that raised no alert (blurred unless the reviewer chose to show everything).
    pub other_faces: usize,
}

/// An alert as marked on a still.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MarkedFace {
    pub bbox: BoundingBox,
    /// The caption beside its box.
    pub label: String,
    pub review: AlertReview,
    /// Whether the face is left sharp; otherwise it is blurred with the rest of the frame.
    pub shown: bool,
}

/// What the reviewer's labels say about one alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AlertReview {
    /// The alert's track is labelled as the very watchlist identity the alert names.
    Confirmed,
    /// The track is labelled as someone else: another watchlist identity, nobody on the
    /// watchlist, or not a face.
    Wrong,
    /// Nobody has labelled the track yet (or the face is in no track).
    Unconfirmed,
}

impl AlertReview {
    /// The review of an alert naming watchlist identity `named` on a track labelled `label`.
    pub fn of(named: IdentityId, label: GroundTruth) -> AlertReview {
        match label {
            GroundTruth::OnWatchlist(identity) if identity == named => AlertReview::Confirmed,
            GroundTruth::Unlabelled => AlertReview::Unconfirmed,
            GroundTruth::OnWatchlist(_) | GroundTruth::NotOnWatchlist | GroundTruth::NotAFace => {
                AlertReview::Wrong
            }
        }
    }
}

impl FaceDisclosure {
    /// Whether an alert with this review is left sharp.
    pub fn shows(self, review: AlertReview) -> bool {
        match self {
            FaceDisclosure::ConfirmedMatchesOnly => review == AlertReview::Confirmed,
            FaceDisclosure::AllAlerts | FaceDisclosure::Everything => true,
        }
    }

    /// Whether the frame around the faces shown is blurred.
    pub(crate) fn blurs_frame(self) -> bool {
        self != FaceDisclosure::Everything
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WatchlistPicture {
    pub name: String,
    #[serde(with = "jpeg_bytes")]
    pub jpeg: Arc<Vec<u8>>,
    pub width: u32,
    pub height: u32,
}

/// Everything pictured in the report, and why anything is missing.
///
/// The bundle keeps it (`pictures.ron`, [`Pictures::to_ron`]) so that `--recompute` can draw the
/// PDF again from the recomputed report and compare it byte for byte: these are the very JPEG
/// bytes the PDF embeds (already blurred as the report's disclosure asks), so keeping them
/// discloses nothing the PDF does not show.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Pictures {
    pub stills: Vec<StillPicture>,
    pub watchlist: Vec<WatchlistPicture>,
    /// Inputs that could not be shown, and stills left out for length, in sentences.
    pub notes: Vec<String>,
}

impl Pictures {
    /// As the bundle keeps it.
    pub fn to_ron(&self) -> String {
        // Plain RON never fails for these types (strings, numbers, bytes and lists only).
        ron::ser::to_string(self).unwrap_or_default()
    }

    /// Read back from the bundle; the error says where the RON is wrong.
    pub fn parse(text: &str) -> Result<Pictures, String> {
        ron::from_str(text).map_err(|e| e.to_string())
    }
}

/// JPEG bytes as a RON byte string (`b"..."`), not a list of numbers.
mod jpeg_bytes {
    use std::fmt;
    use std::sync::Arc;

    use serde::Serializer;
    use serde::de::{self, Deserializer, SeqAccess, Visitor};

    pub fn serialize<S: Serializer>(
        bytes: &Arc<Vec<u8>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(bytes)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Arc<Vec<u8>>, D::Error> {
        deserializer.deserialize_byte_buf(Bytes).map(Arc::new)
    }

    struct Bytes;

    impl<'de> Visitor<'de> for Bytes {
        type Value = Vec<u8>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("JPEG bytes")
        }

        fn visit_bytes<E: de::Error>(self, bytes: &[u8]) -> Result<Vec<u8>, E> {
            Ok(bytes.to_vec())
        }

        fn visit_byte_buf<E: de::Error>(self, bytes: Vec<u8>) -> Result<Vec<u8>, E> {
            Ok(bytes)
        }

        fn visit_str<E: de::Error>(self, text: &str) -> Result<Vec<u8>, E> {
            Ok(text.as_bytes().to_vec())
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<u8>, A::Error> {
            let mut bytes = Vec::new();
            while let Some(byte) = seq.next_element()? {
                bytes.push(byte);
            }
            Ok(bytes)
        }
    }
}

/// Loads and prepares the pictures, showing the faces `disclosure` allows. Files that changed
/// since the analysis (their SHA-256 differs from the review's) are not shown: the faces marked
/// would not be theirs.
pub fn prepare(
    document: &ReviewDocument,
    threshold: f32,
    disclosure: FaceDisclosure,
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
    let labels = detection_labels(document);
    for input in order {
        let still = StillRequest {
            document,
            labels: &labels,
            input,
            frame_index: pictured_frame(document, input, threshold),
            threshold,
            disclosure,
        };
        match still.picture() {
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

/// The frame of `input` to picture: the one with the most alerts (the earliest of those), so
/// that an alert in a video is shown on the frame it was raised in; frame 0 where none alerted.
fn pictured_frame(document: &ReviewDocument, input: usize, threshold: f32) -> u64 {
    let mut alerts_per_frame = std::collections::BTreeMap::<u64, usize>::new();
    for detection in &document.detections {
        if detection.source.input == input && detection.is_alert(threshold) {
            *alerts_per_frame
                .entry(detection.source.frame_index)
                .or_default() += 1;
        }
    }
    alerts_per_frame
        .iter()
        .max_by_key(|&(&frame, &alerts)| (alerts, std::cmp::Reverse(frame)))
        .map_or(0, |(&frame, _)| frame)
}

/// The label of each detection's track, by detection index; unlabelled where a detection is in
/// no track (a document analysed before tracks existed).
fn detection_labels(document: &ReviewDocument) -> Vec<GroundTruth> {
    let mut labels = vec![GroundTruth::Unlabelled; document.detections.len()];
    for track in &document.tracks {
        for &detection in &track.detections {
            if let Some(label) = labels.get_mut(detection.index()) {
                *label = track.label;
            }
        }
    }
    labels
}

/// One still to prepare, with what deciding its faces needs.
struct StillRequest<'a> {
    document: &'a ReviewDocument,
    /// Track label of each detection (see [`detection_labels`]).
    labels: &'a [GroundTruth],
    input: usize,
    /// The frame pictured (see [`pictured_frame`]).
    frame_index: u64,
    threshold: f32,
    disclosure: FaceDisclosure,
}

/// Where the faces of a still are, in the still's pixels, sorted by what happens to them.
#[derive(Default)]
struct StillFaces {
    alerts: Vec<MarkedFace>,
    /// Detected faces that raised no alert.
    others: Vec<BoundingBox>,
}

impl StillFaces {
    /// Boxes left sharp, and boxes blurred one by one.
    fn split(&self) -> (Vec<BoundingBox>, Vec<BoundingBox>) {
        let (shown, hidden): (Vec<&MarkedFace>, Vec<&MarkedFace>) =
            self.alerts.iter().partition(|alert| alert.shown);
        let hidden = hidden.iter().map(|alert| alert.bbox);
        (
            shown.iter().map(|alert| alert.bbox).collect(),
            hidden.chain(self.others.iter().copied()).collect(),
        )
    }
}

impl StillRequest<'_> {
    fn picture(&self) -> Result<StillPicture, String> {
        let record = &self.document.inputs[self.input];
        let expected = record.digest.as_ref().map(|d| d.sha256.as_str());
        let image = load_unchanged_frame(&record.path, expected, self.frame_index)?;
        let scale = scale_for(image.width(), image.height());
        let image = resize(image, scale);
        let faces = self.faces(scale);
        let image = if self.disclosure.blurs_frame() {
            let (shown, hidden) = faces.split();
            redact(&image, &shown, &hidden)
        } else {
            image
        };
        let (width, height) = image.dimensions();
        let is_video = record
            .media
            .as_ref()
            .is_some_and(|media| media.kind != lineup_core::footage::MediaKind::Still);
        // An evaluation set's photo path names its person: by pseudonym, as the evidence does.
        let shown = super::report::Pseudonyms::of(self.document).path(&record.path);
        let title = if is_video || self.frame_index > 0 {
            let time = self
                .document
                .detections
                .iter()
                .find(|d| d.source.input == self.input && d.source.frame_index == self.frame_index)
                .map_or_else(String::new, |d| format!(" ({:.2} s)", d.source.timestamp_s));
            format!("{}, frame {}{time}", shown.display(), self.frame_index)
        } else {
            shown.display().to_string()
        };
        Ok(StillPicture {
            title,
            jpeg: Arc::new(encode_jpeg(&image)?),
            width,
            height,
            other_faces: faces.others.len(),
            alerts: faces.alerts,
        })
    }

    /// The faces detected in the frame pictured, at `scale`.
    fn faces(&self, scale: f32) -> StillFaces {
        let mut faces = StillFaces::default();
        let detections = self.document.detections.iter().enumerate();
        for (index, detection) in detections.filter(|(_, d)| {
            d.source.input == self.input && d.source.frame_index == self.frame_index
        }) {
            let bbox = detection.bbox.scaled(scale, scale);
            match detection.candidates.first() {
                Some(best) if detection.is_alert(self.threshold) => {
                    let label = self.labels.get(index).copied().unwrap_or_default();
                    let review = AlertReview::of(best.identity, label);
                    faces.alerts.push(MarkedFace {
                        bbox,
                        label: self.caption(best, review),
                        review,
                        shown: self.disclosure.shows(review),
                    });
                }
                _ => faces.others.push(bbox),
            }
        }
        faces
    }

    /// The caption of an alert. Only a confirmed match carries the watchlist name: beside
    /// anyone else, even blurred, the name of a wanted person reads as an accusation that the
    /// reviewer has refuted (a wrong alert) or nobody has checked (an unconfirmed one), and the
    /// frame's place and time can still point to who was there. Which identities were wrongly
    /// named is counted in the report's data and findings, so the captions lose nothing the
    /// assessment needs. This holds whichever faces the reviewer chose to show.
    fn caption(&self, best: &Candidate, review: AlertReview) -> String {
        // On the recognizer's own scale: a distance reads as a distance, named as one.
        let metric = self.document.score_metric();
        let value = crate::wording::own_number(metric, best.score, 2);
        let score = match metric {
            Metric::Cosine => format!("score {value}"),
            Metric::Euclidean => format!("distance {value}"),
        };
        match review {
            AlertReview::Confirmed => {
                let name = self
                    .document
                    .identity_name(best.identity)
                    .unwrap_or("unknown");
                match metric {
                    Metric::Cosine => format!("{name} {value}, confirmed"),
                    Metric::Euclidean => format!("{name} {score}, confirmed"),
                }
            }
            AlertReview::Wrong => format!("wrong alert, {score}"),
            AlertReview::Unconfirmed => format!("unconfirmed alert, {score}"),
        }
    }
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
    check_unchanged(path, expected)?;
    load_image(path)
        .map(|loaded| loaded.image)
        .map_err(|e| format!("not pictured: {e}"))
}

/// Frame `frame_index` of the footage at `path` (a still, a video, a folder of images),
/// provided the file's SHA-256 is still `expected`.
fn load_unchanged_frame(
    path: &Path,
    expected: Option<&str>,
    frame_index: u64,
) -> Result<RgbImage, String> {
    check_unchanged(path, expected)?;
    Footage::open(path)
        .and_then(|mut footage| footage.frame(frame_index))
        .map(|frame| frame.image)
        .map_err(|e| {
            format!(
                "{}: not pictured, frame {frame_index} cannot be decoded: {e}",
                path.display()
            )
        })
}

fn check_unchanged(path: &Path, expected: Option<&str>) -> Result<(), String> {
    let actual = sha256_file(path)
        .map_err(|e| format!("{}: not pictured, it cannot be read: {e}", path.display()))?;
    if expected != Some(actual.sha256.as_str()) {
        return Err(format!(
            "{}: not pictured, the file has changed since the analysis (its SHA-256 differs)",
            path.display()
        ));
    }
    Ok(())
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
pub(crate) fn blur_face(image: &mut RgbImage, bbox: &BoundingBox) {
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

/// `image` blurred everywhere except inside the `shown` boxes, which stay as they were. The
/// `hidden` faces are also blurred one by one, so that a face too large for the frame's blocks
/// to hide still keeps only [`BLUR_BLOCKS`] blocks across.
///
/// The boxes shown are the detector's, not grown: sharp pixels stop at the face, so that as
/// little as possible of anyone beside it shows.
pub(crate) fn redact(image: &RgbImage, shown: &[BoundingBox], hidden: &[BoundingBox]) -> RgbImage {
    let mut redacted = blur_frame(image);
    for bbox in hidden {
        blur_face(&mut redacted, bbox);
    }
    for bbox in shown {
        if let Some((x, y, width, height)) = clamp_box(bbox, image.width(), image.height()) {
            let sharp = imageops::crop_imm(image, x, y, width, height).to_image();
            imageops::replace(&mut redacted, &sharp, i64::from(x), i64::from(y));
        }
    }
    redacted
}

/// The whole frame averaged down to [`FRAME_BLUR_BLOCKS`] blocks along its long side and
/// smoothed back up.
fn blur_frame(image: &RgbImage) -> RgbImage {
    let (width, height) = image.dimensions();
    let long_side = width.max(height).max(1);
    let blocks_x = (FRAME_BLUR_BLOCKS * width / long_side).max(1);
    let blocks_y = (FRAME_BLUR_BLOCKS * height / long_side).max(1);
    let coarse = imageops::resize(image, blocks_x, blocks_y, FilterType::Triangle);
    imageops::resize(&coarse, width, height, FilterType::Triangle)
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

    /// Maximal detail everywhere: 2-pixel black and white squares.
    fn checkerboard(width: u32, height: u32) -> RgbImage {
        RgbImage::from_fn(width, height, |x, y| {
            let v = if (x / 2 + y / 2) % 2 == 0 { 255 } else { 0 };
            image::Rgb([v, v, v])
        })
    }

    /// Mean difference between horizontal neighbours two pixels apart in a square around (x, y).
    fn contrast(image: &RgbImage, x: u32, y: u32) -> u32 {
        let mut total = 0;
        for py in y - 5..y + 5 {
            for px in x - 5..x + 5 {
                total +=
                    u32::from(image.get_pixel(px, py)[0].abs_diff(image.get_pixel(px + 2, py)[0]));
            }
        }
        total / 100
    }

    #[test]
    fn redacting_keeps_only_the_faces_shown() {
        let image = checkerboard(400, 300);
        let shown = BoundingBox {
            x1: 40.0,
            y1: 40.0,
            x2: 100.0,
            y2: 120.0,
        };
        // A large face: bigger than the frame's blocks, blurred on its own too.
        let hidden = BoundingBox {
            x1: 200.0,
            y1: 20.0,
            x2: 390.0,
            y2: 290.0,
        };
        let redacted = redact(&image, &[shown], &[hidden]);
        assert_eq!(redacted.dimensions(), image.dimensions());
        // Inside the face shown: every pixel as it was.
        for (x, y) in [(40, 40), (70, 80), (99, 119)] {
            assert_eq!(redacted.get_pixel(x, y), image.get_pixel(x, y));
        }
        assert_eq!(contrast(&image, 70, 80), 255);
        // Everywhere else, faces or not, the checkerboard is gone.
        for (x, y) in [(20, 200), (150, 150), (120, 60), (300, 150), (210, 30)] {
            assert!(
                contrast(&redacted, x, y) < 20,
                "({x}, {y}): {}",
                contrast(&redacted, x, y)
            );
        }
    }

    #[test]
    fn an_alert_is_confirmed_only_by_the_identity_it_names() {
        let (three, four) = (IdentityId(3), IdentityId(4));
        assert_eq!(
            AlertReview::of(three, GroundTruth::OnWatchlist(three)),
            AlertReview::Confirmed
        );
        for wrong in [
            GroundTruth::OnWatchlist(four),
            GroundTruth::NotOnWatchlist,
            GroundTruth::NotAFace,
        ] {
            assert_eq!(
                AlertReview::of(three, wrong),
                AlertReview::Wrong,
                "{wrong:?}"
            );
        }
        assert_eq!(
            AlertReview::of(three, GroundTruth::Unlabelled),
            AlertReview::Unconfirmed
        );
    }

    #[test]
    fn each_disclosure_shows_what_it_says() {
        use AlertReview::*;
        use FaceDisclosure::*;
        let shown = |disclosure: FaceDisclosure| {
            [Confirmed, Wrong, Unconfirmed].map(|review| disclosure.shows(review))
        };
        assert_eq!(shown(ConfirmedMatchesOnly), [true, false, false]);
        assert_eq!(shown(AllAlerts), [true, true, true]);
        assert_eq!(shown(Everything), [true, true, true]);
        assert!(ConfirmedMatchesOnly.blurs_frame() && AllAlerts.blurs_frame());
        assert!(!Everything.blurs_frame());
        assert_eq!(FaceDisclosure::default(), ConfirmedMatchesOnly);
    }

    /// A review of one video clip whose only alert was raised on frame 40, by an unlabelled
    /// face, beside a face that raised none.
    fn video_review() -> ReviewDocument {
        use lineup_core::review::{AnalysisSettings, DetectionRecord, InputRecord, SourceRef};
        use lineup_core::vision::{Embedding, Point};
        let clip =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/clips/faces_h264.mp4");
        let media = Footage::open(&clip).unwrap().media_info();
        let input = InputRecord {
            path: clip.clone(),
            digest: Some(sha256_file(&clip).unwrap()),
            dimensions: Some((media.width, media.height)),
            status: InputStatus::Analysed,
            media: Some(media),
            frames_analysed: 75,
            stopped_early: None,
        };
        let settings = AnalysisSettings {
            threshold: 0.6,
            top_k: 1,
            vision: Default::default(),
            sampling: Default::default(),
        };
        let watchlist = lineup_core::watchlist::Watchlist {
            root: "watchlist".into(),
            identities: vec![lineup_core::watchlist::Identity {
                name: "Alex Doe".into(),
                photos: Vec::new(),
            }],
        };
        let mut document = ReviewDocument::new(settings, Vec::new(), vec![input], watchlist);
        let face = |frame: u64, x1: f32, score: f32| DetectionRecord {
            source: SourceRef {
                input: 0,
                frame_index: frame,
                timestamp_s: frame as f64 / 25.0,
            },
            bbox: BoundingBox {
                x1,
                y1: 100.0,
                x2: x1 + 80.0,
                y2: 200.0,
            },
            landmarks: [Point::default(); 5],
            detector_score: 0.9,
            embedding: Embedding(vec![1.0, 0.0]),
            candidates: vec![Candidate {
                identity: IdentityId(0),
                score,
            }],
            skin_ita: None,
            skin_ita_quartiles: None,
        };
        document.detections = vec![
            face(0, 50.0, 0.2),
            face(40, 300.0, 0.8),
            face(40, 50.0, 0.3),
        ];
        document
    }

    #[test]
    fn an_alert_in_a_video_is_pictured_on_its_own_frame_and_redacted() {
        let document = video_review();
        let pictures = prepare(&document, 0.6, FaceDisclosure::ConfirmedMatchesOnly, false);
        assert!(pictures.notes.is_empty(), "{:?}", pictures.notes);
        let [still] = &pictures.stills[..] else {
            panic!("one still expected, got {}", pictures.stills.len());
        };
        assert!(
            still.title.ends_with("faces_h264.mp4, frame 40 (1.60 s)"),
            "{}",
            still.title
        );
        assert_eq!((still.width, still.height), (640, 480));
        let [alert] = &still.alerts[..] else {
            panic!("one alert expected, got {}", still.alerts.len());
        };
        assert_eq!(alert.review, AlertReview::Unconfirmed);
        // Unconfirmed: blurred like everything else, and not named.
        assert!(!alert.shown);
        assert!(
            alert.label.starts_with("unconfirmed alert"),
            "{}",
            alert.label
        );
        assert_eq!(still.other_faces, 1);
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
