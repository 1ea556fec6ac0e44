//! Footage: the files a reviewer brings. Single stills, folders of images (natural name order) and
//! video files (through FFmpeg) all open as one [`Footage`]: a numbered sequence of upright RGB
//! frames with timestamps, read in order with a [`Sampling`] for analysis or at random for review.
//! Every input is hashed so a review can prove which bytes it looked at.

pub mod sampling;
pub mod still;
pub mod video;

use std::path::{Path, PathBuf};

use image::RgbImage;
use serde::{Deserialize, Serialize};

pub use crate::digest::{FileDigest, sha256_file};
pub use sampling::{RateSampler, Sampling};
pub(crate) use still::MAX_PIXELS;
pub use still::{LoadedImage, decode_image, load_image};
pub use video::VideoReader;

/// What went wrong with one input file. Every message names the file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FootageError {
    #[error("{}: no such file or folder", path.display())]
    NotFound { path: PathBuf },
    #[error("{}: cannot be read: {reason}", path.display())]
    Unreadable { path: PathBuf, reason: String },
    #[error("{}: the file is empty (0 bytes)", path.display())]
    Empty { path: PathBuf },
    #[error(
        "{}: not an image lineup can read (recognised formats: JPEG, PNG, TIFF, WebP, BMP, GIF)",
        path.display()
    )]
    NotAnImage { path: PathBuf },
    #[error("{}: the image is damaged and cannot be decoded: {reason}", path.display())]
    Corrupt { path: PathBuf, reason: String },
    #[error(
        "{}: {} {width}×{height} pixels ({} megapixels); lineup refuses pictures above {} \
         megapixels to keep memory bounded. Scale it down first.",
        path.display(), if *video { "the video's frames are" } else { "the image is" },
        (*width as u64 * *height as u64) / 1_000_000, MAX_PIXELS / 1_000_000
    )]
    TooLarge {
        path: PathBuf,
        width: u32,
        height: u32,
        /// A video's frames rather than a still.
        video: bool,
    },
    #[error(
        "{}: the folder holds no images or videos ({}, {})",
        path.display(), IMAGE_EXTENSIONS.join(", "), VIDEO_EXTENSIONS.join(", ")
    )]
    EmptyFolder { path: PathBuf },
    #[error(
        "{}: not a video FFmpeg can open ({reason}); the file may be truncated, damaged or not a \
         video at all. If it plays elsewhere, re-save it as mp4 (ffmpeg -i IN -c:v libx264 OUT.mp4).",
        path.display()
    )]
    NotAVideo { path: PathBuf, reason: String },
    #[error(
        "{}: the file holds no video stream (it has: {streams}); lineup needs pictures to find faces",
        path.display()
    )]
    NoVideoStream { path: PathBuf, streams: String },
    #[error(
        "{}: its video codec, {codec}, cannot be decoded by this machine's FFmpeg; convert it first \
         (ffmpeg -i IN -c:v libx264 OUT.mp4) with a tool that can read it",
        path.display()
    )]
    UnsupportedCodec { path: PathBuf, codec: String },
    #[error("{}: the video is damaged and cannot be decoded: {reason}", path.display())]
    VideoDamaged { path: PathBuf, reason: String },
    #[error("{}: there is no frame {index}; the footage has {frames} frame(s)", path.display())]
    FrameOutOfRange {
        path: PathBuf,
        index: u64,
        frames: u64,
    },
    #[error(
        "{}: images in a folder have no timestamps; ask for a frame by its index instead",
        path.display()
    )]
    NoClock { path: PathBuf },
    #[error(
        "{}: named more than once among the footage (directly or in a folder named too); analysed once",
        path.display()
    )]
    NamedTwice { path: PathBuf },
}

impl FootageError {
    /// A file that cannot be opened: missing, or unreadable for the reason the system gives.
    pub(crate) fn from_io(path: &Path, error: &std::io::Error) -> Self {
        match error.kind() {
            std::io::ErrorKind::NotFound => FootageError::NotFound {
                path: path.to_path_buf(),
            },
            _ => FootageError::Unreadable {
                path: path.to_path_buf(),
                reason: error.to_string(),
            },
        }
    }
}

/// File name extensions taken as video when a folder is expanded or a file is named.
pub(crate) const VIDEO_EXTENSIONS: [&str; 15] = [
    "mp4", "m4v", "mov", "mkv", "webm", "avi", "mpg", "mpeg", "ts", "mts", "m2ts", "3gp", "wmv",
    "flv", "ogv",
];

/// One frame of footage, upright 8-bit RGB, with where it sits.
#[derive(Debug, Clone)]
pub struct Frame {
    /// Position in presentation order, counting from 0 (always 0 for a still).
    pub index: u64,
    /// Presentation time in seconds from the start of the video stream (0 for stills and images
    /// of a folder, which have no clock).
    pub timestamp_s: f64,
    pub image: RgbImage,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MediaKind {
    Still,
    ImageFolder,
    Video,
}

/// What an input is, as recorded in the review document. Sizes are as displayed: after EXIF
/// orientation or the video's rotation, in the pixels face boxes refer to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaInfo {
    pub kind: MediaKind,
    /// FFmpeg's name of the container format ("mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm", "avi").
    pub container: Option<String>,
    /// FFmpeg's name of the video codec ("h264", "hevc", "mjpeg", "vp9").
    pub codec: Option<String>,
    pub width: u32,
    pub height: u32,
    /// Clockwise quarter turns (0, 90, 180, 270) applied to the stored pixels to show them upright.
    pub rotation_degrees: u32,
    pub duration_s: Option<f64>,
    /// Frames in the input: 1 for a still, the images of a folder, a video's declared count.
    pub frame_count: Option<u64>,
    /// True when the container declares no frame count and it was worked out from duration × rate.
    pub frame_count_estimated: bool,
    /// Average frames per second (a variable-rate video's frames are not evenly spaced).
    pub frame_rate: Option<f64>,
}

impl MediaInfo {
    pub fn still(width: u32, height: u32) -> Self {
        Self {
            kind: MediaKind::Still,
            container: None,
            codec: None,
            width,
            height,
            rotation_degrees: 0,
            duration_s: None,
            frame_count: Some(1),
            frame_count_estimated: false,
            frame_rate: None,
        }
    }
}

/// File name extensions taken as stills when a folder is expanded.
pub(crate) const IMAGE_EXTENSIONS: [&str; 9] = [
    "jpg", "jpeg", "png", "bmp", "gif", "tif", "tiff", "webp", "jfif",
];

pub(crate) fn is_image_path(path: &Path) -> bool {
    has_extension(path, &IMAGE_EXTENSIONS)
}

pub(crate) fn is_video_path(path: &Path) -> bool {
    has_extension(path, &VIDEO_EXTENSIONS)
}

fn has_extension(path: &Path, extensions: &[&str]) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| extensions.iter().any(|known| known.eq_ignore_ascii_case(e)))
}

/// Whether `path` should be opened as a video: by its extension, or, for a file whose name says
/// nothing (no extension, or an unknown one), by the signature of an mp4/mov, Matroska/WebM or AVI
/// file. Anything else is tried as a still, which names the image formats it reads.
pub(crate) fn looks_like_video(path: &Path) -> bool {
    if is_video_path(path) {
        return true;
    }
    if is_image_path(path) {
        return false;
    }
    let mut head = [0u8; 12];
    let read =
        std::fs::File::open(path).and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head));
    read.is_ok()
        && (&head[4..8] == b"ftyp"
            || head[..4] == [0x1A, 0x45, 0xDF, 0xA3]
            || (&head[..4] == b"RIFF" && &head[8..12] == b"AVI "))
}

/// Expands the paths a reviewer named into the files to analyse, in order: files as given,
/// folders as their images and videos in natural order ("frame2" before "frame10"). A folder's
/// other files are ignored; a file named directly is always tried, whatever its extension.
/// A file reached twice (named twice, or named and in a folder named) is kept once, where it
/// first came, with a problem saying so: a whole run and its shards then hold the same files.
pub(crate) fn expand_inputs(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<FootageError>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for path in paths {
        match expand_one(path) {
            Ok(found) => {
                for file in found {
                    // The same file by another spelling ("./a.jpg") is the same file.
                    let identity = std::fs::canonicalize(&file).unwrap_or_else(|_| file.clone());
                    if seen.insert(identity) {
                        files.push(file);
                    } else {
                        problems.push(FootageError::NamedTwice { path: file });
                    }
                }
            }
            Err(problem) => problems.push(problem),
        }
    }
    (files, problems)
}

fn expand_one(path: &Path) -> Result<Vec<PathBuf>, FootageError> {
    let metadata = std::fs::metadata(path).map_err(|e| FootageError::from_io(path, &e))?;
    if !metadata.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let files = files_in_folder(path, |p| is_image_path(p) || is_video_path(p))?;
    if files.is_empty() {
        return Err(FootageError::EmptyFolder {
            path: path.to_path_buf(),
        });
    }
    Ok(files)
}

/// The images directly inside `folder`, in natural order of their file names.
pub(crate) fn images_in_folder(folder: &Path) -> Result<Vec<PathBuf>, FootageError> {
    files_in_folder(folder, is_image_path)
}

/// The files directly inside `folder` that `wanted` accepts, in natural order of their names.
fn files_in_folder(
    folder: &Path,
    wanted: impl Fn(&Path) -> bool,
) -> Result<Vec<PathBuf>, FootageError> {
    let unreadable = |e: std::io::Error| FootageError::Unreadable {
        path: folder.to_path_buf(),
        reason: e.to_string(),
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(folder).map_err(unreadable)? {
        let path = entry.map_err(unreadable)?.path();
        if path.is_file() && wanted(&path) {
            files.push(path);
        }
    }
    sort_naturally(&mut files);
    Ok(files)
}

/// Sorts paths so that numbered frames come in numeric order. A total order: names natural
/// order calls equal ("gate 2" and "gate2": it skips spaces) are ordered by their bytes, so the
/// order never depends on the order a file system lists a folder in (shards on other machines
/// must cut the same list).
pub(crate) fn sort_naturally(paths: &mut [PathBuf]) {
    paths.sort_by(|a, b| {
        natord::compare(&a.to_string_lossy(), &b.to_string_lossy()).then_with(|| {
            a.as_os_str()
                .as_encoded_bytes()
                .cmp(b.as_os_str().as_encoded_bytes())
        })
    });
}

/// Any footage, opened: a still, a folder of images taken as a sequence, or a video file.
pub enum Footage {
    Still {
        path: PathBuf,
        image: RgbImage,
        warnings: Vec<String>,
    },
    ImageFolder {
        folder: PathBuf,
        images: Vec<PathBuf>,
    },
    Video(Box<VideoReader>),
}

impl Footage {
    /// Opens a folder as its images in natural order, a video file (see [`looks_like_video`]) with
    /// FFmpeg, and anything else as a still.
    pub fn open(path: &Path) -> Result<Self, FootageError> {
        if path.is_dir() {
            let images = images_in_folder(path)?;
            if images.is_empty() {
                return Err(FootageError::EmptyFolder {
                    path: path.to_path_buf(),
                });
            }
            return Ok(Footage::ImageFolder {
                folder: path.to_path_buf(),
                images,
            });
        }
        if looks_like_video(path) {
            return Ok(Footage::Video(Box::new(VideoReader::open(path)?)));
        }
        let loaded = load_image(path)?;
        Ok(Footage::Still {
            path: path.to_path_buf(),
            image: loaded.image,
            warnings: loaded.warnings,
        })
    }

    pub fn path(&self) -> &Path {
        match self {
            Footage::Still { path, .. } => path,
            Footage::ImageFolder { folder, .. } => folder,
            Footage::Video(video) => video.path(),
        }
    }

    pub fn media_info(&self) -> MediaInfo {
        match self {
            Footage::Still { image, .. } => MediaInfo::still(image.width(), image.height()),
            Footage::ImageFolder { images, .. } => {
                // The first image's header gives the size; images of a folder may differ.
                let (width, height) = images
                    .first()
                    .and_then(|first| image::image_dimensions(first).ok())
                    .unwrap_or((0, 0));
                MediaInfo {
                    kind: MediaKind::ImageFolder,
                    frame_count: Some(images.len() as u64),
                    ..MediaInfo::still(width, height)
                }
            }
            Footage::Video(video) => video.info().clone(),
        }
    }

    /// Exactly how many frames there are (a video's packets are counted, not its header trusted).
    pub fn frame_count(&mut self) -> Result<u64, FootageError> {
        match self {
            Footage::Still { .. } => Ok(1),
            Footage::ImageFolder { images, .. } => Ok(images.len() as u64),
            Footage::Video(video) => video.count_frames(),
        }
    }

    /// Frame `index`, decoded exactly (for video: seek to the keyframe before, decode forward).
    pub fn frame(&mut self, index: u64) -> Result<Frame, FootageError> {
        let out_of_range = |path: &Path, frames: u64| FootageError::FrameOutOfRange {
            path: path.to_path_buf(),
            index,
            frames,
        };
        match self {
            Footage::Still { path, image, .. } => match index {
                0 => Ok(Frame {
                    index,
                    timestamp_s: 0.0,
                    image: image.clone(),
                }),
                _ => Err(out_of_range(path, 1)),
            },
            Footage::ImageFolder { folder, images } => {
                let image_path = images
                    .get(index as usize)
                    .ok_or_else(|| out_of_range(folder, images.len() as u64))?;
                Ok(Frame {
                    index,
                    timestamp_s: 0.0,
                    image: load_image(image_path)?.image,
                })
            }
            Footage::Video(video) => video.seek_to_frame(index),
        }
    }

    /// The frame on screen `seconds` after the start of a video (a still's only frame).
    pub fn frame_at_time(&mut self, seconds: f64) -> Result<Frame, FootageError> {
        match self {
            Footage::Still { .. } => self.frame(0),
            Footage::ImageFolder { folder, .. } => Err(FootageError::NoClock {
                path: folder.clone(),
            }),
            Footage::Video(video) => video.seek_to_time(seconds),
        }
    }

    /// A small copy of frame `index`, at most `max_side` pixels on its long side.
    pub fn thumbnail(&mut self, index: u64, max_side: u32) -> Result<RgbImage, FootageError> {
        let frame = self.frame(index)?;
        Ok(video::shrink_to_fit(&frame.image, max_side))
    }

    /// Reads the frames `sampling` picks, in order. Stills and images of a folder are all taken.
    pub fn sampled(mut self, sampling: Sampling) -> Result<SampledFrames, FootageError> {
        if let (Footage::Video(video), Sampling::Keyframes) = (&mut self, sampling) {
            video.set_keyframes_only(true)?;
        }
        let rate = match sampling {
            Sampling::PerSecond(rate) => Some(RateSampler::new(rate)),
            _ => None,
        };
        Ok(SampledFrames {
            footage: self,
            rate,
            position: 0,
            warnings: Vec::new(),
        })
    }
}

/// The frames of one input that a [`Sampling`] picks, read one at a time so that only the frame
/// in hand is in memory.
pub struct SampledFrames {
    footage: Footage,
    rate: Option<RateSampler>,
    /// Next image of a folder, or 1 once a still has been given.
    position: usize,
    warnings: Vec<String>,
}

impl SampledFrames {
    /// The next frame, or `None` at the end. An image of a folder that cannot be read is an error
    /// for that frame alone: the next call goes on with the following image.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, FootageError> {
        match &mut self.footage {
            Footage::Still {
                image, warnings, ..
            } => {
                if self.position > 0 {
                    return Ok(None);
                }
                self.position = 1;
                self.warnings.append(warnings);
                Ok(Some(Frame {
                    index: 0,
                    timestamp_s: 0.0,
                    image: std::mem::take(image),
                }))
            }
            Footage::ImageFolder { images, .. } => {
                let Some(path) = images.get(self.position) else {
                    return Ok(None);
                };
                let index = self.position as u64;
                self.position += 1;
                let loaded = load_image(path)?;
                self.warnings.extend(loaded.warnings);
                Ok(Some(Frame {
                    index,
                    timestamp_s: 0.0,
                    image: loaded.image,
                }))
            }
            Footage::Video(video) => match &mut self.rate {
                Some(rate) => video.next_frame_where(|_, t| rate.wants(t)),
                None => video.next_frame(),
            },
        }
    }

    /// Everything worth telling the reviewer about the frames read so far, each naming its file.
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = self.warnings.clone();
        if let Footage::Video(video) = &self.footage {
            warnings.extend(video.warnings());
        }
        warnings
    }

    /// True when damage stopped the reading before the end of the input.
    pub(crate) fn stopped_by_damage(&self) -> bool {
        matches!(&self.footage, Footage::Video(video) if video.is_damaged())
    }

    pub fn media_info(&self) -> MediaInfo {
        self.footage.media_info()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_expand_to_their_images_in_natural_order() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["frame10.jpg", "frame2.PNG", "frame1.jpg", "notes.txt"] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        std::fs::create_dir(dir.path().join("sub.jpg")).unwrap();
        let (files, problems) = expand_inputs(&[dir.path().to_path_buf()]);
        let names: Vec<_> = files
            .iter()
            .map(|p| p.file_name().unwrap().to_owned())
            .collect();
        assert_eq!(names, ["frame1.jpg", "frame2.PNG", "frame10.jpg"]);
        assert!(problems.is_empty());
    }

    #[test]
    fn names_natural_order_calls_equal_sort_by_their_bytes_whatever_the_listing_order() {
        let listed = |names: &[&str]| {
            let mut paths: Vec<PathBuf> = names.iter().map(PathBuf::from).collect();
            sort_naturally(&mut paths);
            paths
        };
        // natord skips spaces, so these two tie; file systems list them in either order.
        let one_way = listed(&["gate2.jpg", "gate 2.jpg", "gate1.jpg"]);
        let other_way = listed(&["gate 2.jpg", "gate2.jpg", "gate1.jpg"]);
        assert_eq!(one_way, other_way);
        assert_eq!(
            one_way,
            ["gate1.jpg", "gate 2.jpg", "gate2.jpg"].map(PathBuf::from)
        );
    }

    #[test]
    fn a_file_reached_twice_is_expanded_once_with_a_problem_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["a.jpg", "b.jpg"] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        let a = dir.path().join("a.jpg");
        let spelled_otherwise = dir.path().join(".").join("a.jpg");
        let (files, problems) =
            expand_inputs(&[a.clone(), spelled_otherwise, dir.path().to_path_buf()]);
        assert_eq!(files, [a.clone(), dir.path().join("b.jpg")]);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems
                .iter()
                .all(|p| matches!(p, FootageError::NamedTwice { .. })),
            "{problems:?}"
        );
        assert!(problems[0].to_string().contains("more than once"));
    }

    #[test]
    fn missing_paths_and_empty_folders_are_reported_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.jpg");
        let (files, problems) = expand_inputs(&[missing.clone(), dir.path().to_path_buf()]);
        assert!(files.is_empty());
        assert_eq!(problems[0], FootageError::NotFound { path: missing });
        assert!(problems[1].to_string().contains("holds no images"));
    }

    #[test]
    fn videos_are_known_by_extension_or_by_signature() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, bytes: &[u8]| {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            path
        };
        assert!(looks_like_video(&write("clip.MP4", b"anything")));
        assert!(looks_like_video(&write(
            "no_extension",
            b"\0\0\0\x20ftypisom\0\0"
        )));
        assert!(looks_like_video(&write(
            "clip.bin",
            b"\x1A\x45\xDF\xA3matroska"
        )));
        assert!(looks_like_video(&write(
            "clip.dat",
            b"RIFF\0\0\0\0AVI LIST"
        )));
        assert!(!looks_like_video(&write(
            "photo.jpg",
            b"\0\0\0\x20ftypisom\0\0"
        )));
        assert!(!looks_like_video(&write(
            "notes.txt",
            b"just some text here"
        )));
        assert!(!looks_like_video(&write("short", b"abc")));
    }

    #[test]
    fn folders_expand_to_their_videos_too() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["b.mkv", "a.jpg", "c.MOV", "notes.txt"] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        let (files, _) = expand_inputs(&[dir.path().to_path_buf()]);
        let names: Vec<_> = files
            .iter()
            .map(|p| p.file_name().unwrap().to_owned())
            .collect();
        assert_eq!(names, ["a.jpg", "b.mkv", "c.MOV"]);
    }
}
