//! The review's sidecar: the bulky, fixed part of an analysis (every face's box, landmarks and
//! embedding, every enrolment photo's box and embedding) in a binary file beside the review,
//! so that the review's text stays readable and loads fast (docs/review-format.md).
//!
//! The sidecar is an uncompressed NumPy `.npz` (a zip of stored `.npy` arrays of little-endian
//! float32), which `numpy.load` reads with no lineup at hand:
//!
//! | array | shape | rows in the order of |
//! |---|---|---|
//! | `face_boxes` | (faces, 4): x1, y1, x2, y2 in pixels | the review's `detections` |
//! | `face_landmarks` | (faces, 5, 2): eyes, nose, mouth corners as x, y | the review's `detections` |
//! | `face_embeddings` | (faces, length) | the review's `detections` |
//! | `enrolment_boxes` | (photos, 4) | the watchlist's identities, then each one's photos |
//! | `enrolment_embeddings` | (photos, length) | as `enrolment_boxes` |
//! | `recognizer<k>_face_embeddings` | (faces, length) | the review's `detections` |
//! | `recognizer<k>_enrolment_embeddings` | (photos, length) | as `enrolment_boxes` |
//!
//! The last two are there once for each recognizer after the review's own (k = 1, 2, …, the
//! order of `other_recognizers`; see [`super::recognizer_runs`]), and absent in a review of one
//! model.
//!
//! Since issue #21's 100,000-face reviews, the rest of every face's fixed record is in the
//! sidecar too, as columns (`sidecar/columns.rs`), and the text keeps no `detections`: it says
//! how many faces its sidecar holds ([`Sidecar::faces`]). A sidecar of a text that still lists
//! its detections (written before) holds only the five arrays above.
//!
//! The review names its sidecar by file name, byte length and SHA-256 ([`Sidecar`]); the file
//! name carries the first 16 hex digits of that SHA-256, so a changed sidecar is a new file and
//! the one an older review text names is never overwritten.

use std::io::{Cursor, Read, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{DetectionRecord, ReviewDocument};
use crate::vision::{BoundingBox, Embedding, Point};

mod columns;
pub use columns::NO_CANDIDATE;

/// What a review's text says of its sidecar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sidecar {
    /// The file's name, in the review's folder.
    pub file: String,
    pub size_bytes: u64,
    /// Lower-case hex.
    pub sha256: String,
    /// How many faces the sidecar holds whole (source, detector score, candidates, skin
    /// measurement, box, landmarks, embedding), the text listing none of them. None in reviews
    /// whose text lists its detections, written before (their sidecar holds only boxes,
    /// landmarks and embeddings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub faces: Option<usize>,
}

/// A sidecar as read from disk: its name in the review's folder and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SidecarFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// What is wrong with the sidecar a review names.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SidecarProblem {
    #[error(
        "is missing; it holds the review's face boxes, landmarks and embeddings: copy or move it \
         together with the review"
    )]
    Missing,
    #[error("cannot be read: {0}")]
    Unreadable(String),
    #[error("is not a file name in the review's folder (a review names its sidecar by name alone)")]
    NotAName,
    #[error(
        "has {found} bytes, but the review says {expected}: it was changed, cut short or replaced"
    )]
    WrongSize { found: u64, expected: u64 },
    #[error("has SHA-256 {found}, but the review says {expected}: it was changed or replaced")]
    WrongDigest { found: String, expected: String },
    #[error("does not hold what the review needs: {0}")]
    Malformed(String),
}

/// The arrays, by name in the `.npz`.
const FACE_BOXES: &str = "face_boxes.npy";
const FACE_LANDMARKS: &str = "face_landmarks.npy";
const FACE_EMBEDDINGS: &str = "face_embeddings.npy";
const ENROLMENT_BOXES: &str = "enrolment_boxes.npy";
const ENROLMENT_EMBEDDINGS: &str = "enrolment_embeddings.npy";

/// Between the review's (escaped) file name and the sidecar's hash.
const INFIX: &str = ".faces-";
const EXTENSION: &str = ".npz";
/// Hex digits of the SHA-256 in the file name.
const NAME_HASH_DIGITS: usize = 16;

/// The most bytes a file name may have on the file systems lineup saves to (Linux's and
/// macOS's NAME_MAX, Windows's 255 characters).
const NAME_MAX: usize = 255;
/// The longest prefix (the review's escaped name) that leaves room for `.faces-<16 hex>.npz`.
const LONGEST_PREFIX: usize = NAME_MAX - INFIX.len() - NAME_HASH_DIGITS - EXTENSION.len();
/// Between a long review name's escaped start and the hash of the whole name. An escaped name
/// never holds `_x` (`_` is always written `_5f`, and an escape's digits are hex), so no
/// review's escaped name can equal another's shortened one.
const SHORTENED: &str = "_x";
/// How much of a long review name's escaped form a sidecar's name keeps, so that the shortened
/// prefix (`<start>_x<16 hex>`) fits [`LONGEST_PREFIX`] with room to spare.
const KEPT_OF_LONG_NAME: usize = 180;

/// The sidecar's file name for the review at `review` with contents of SHA-256 `sha256`:
/// `<review file name>.faces-<16 hex>.npz`. Bytes of the review's name outside `A-Z a-z 0-9 . -`
/// are written `_` and two hex digits, so that the name suits any file system and a bundle
/// (which takes only those characters), and no two review names give the same prefix. A name
/// whose escaped form would not fit NAME_MAX (255 bytes; a CJK character escapes to 9) keeps
/// its escaped start and adds `_x` and 16 hex digits of the SHA-256 of the whole name.
pub fn file_name(review: &Path, sha256: &str) -> String {
    let hash = sha256.get(..NAME_HASH_DIGITS).unwrap_or(sha256);
    format!("{}{INFIX}{hash}{EXTENSION}", prefix(review))
}

/// Whether `name` is a sidecar file name of the review at `review` (whatever its hash).
pub fn belongs_to(review: &Path, name: &str) -> bool {
    let Some(rest) = name.strip_prefix(&prefix(review)) else {
        return false;
    };
    let Some(hash) = rest
        .strip_prefix(INFIX)
        .and_then(|rest| rest.strip_suffix(EXTENSION))
    else {
        return false;
    };
    hash.len() == NAME_HASH_DIGITS && hash.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The part of the sidecar's name that says whose it is: the review's escaped name, shortened
/// when it is too long to fit NAME_MAX with the rest.
fn prefix(review: &Path) -> String {
    let name = review.file_name().unwrap_or_default().as_encoded_bytes();
    let escaped = escaped(name);
    if escaped.len() <= LONGEST_PREFIX {
        return escaped;
    }
    // Cut between escapes, never inside one.
    let mut kept = String::with_capacity(KEPT_OF_LONG_NAME + SHORTENED.len() + NAME_HASH_DIGITS);
    for &byte in name {
        let next = escaped_byte(byte);
        if kept.len() + next.len() > KEPT_OF_LONG_NAME {
            break;
        }
        kept.push_str(&next);
    }
    let whole = crate::digest::sha256_bytes(name).sha256;
    format!("{kept}{SHORTENED}{}", &whole[..NAME_HASH_DIGITS])
}

/// Whether `name` can name a sidecar: a plain file name, nothing that leads out of the folder.
pub fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

fn escaped(name: &[u8]) -> String {
    name.iter().map(|&byte| escaped_byte(byte)).collect()
}

fn escaped_byte(byte: u8) -> String {
    if byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'-') {
        char::from(byte).to_string()
    } else {
        format!("_{byte:02x}")
    }
}

/// The sidecar of `document`: its boxes, landmarks and embeddings as an `.npz`. None when the
/// embeddings of faces (or of enrolment photos) differ in length, which no array can hold: such
/// a document is saved whole in its text.
pub(crate) fn pack(document: &ReviewDocument) -> Option<Vec<u8>> {
    let faces = &document.detections;
    let photos: Vec<_> = document
        .watchlist
        .identities
        .iter()
        .flat_map(|identity| &identity.photos)
        .collect();
    let face_length = common_length(faces.iter().map(|d| &d.embedding))?;
    let photo_length = common_length(photos.iter().map(|p| &p.embedding))?;
    let face_columns = columns::face_columns(faces)?;
    let arrays = [
        (
            FACE_BOXES,
            npy(
                &[faces.len(), 4],
                faces.iter().flat_map(|d| box_values(&d.bbox)),
            ),
        ),
        (
            FACE_LANDMARKS,
            npy(
                &[faces.len(), 5, 2],
                faces
                    .iter()
                    .flat_map(|d| d.landmarks.iter().flat_map(|p| [p.x, p.y])),
            ),
        ),
        (
            FACE_EMBEDDINGS,
            npy(
                &[faces.len(), face_length],
                faces.iter().flat_map(|d| d.embedding.0.iter().copied()),
            ),
        ),
        (
            ENROLMENT_BOXES,
            npy(
                &[photos.len(), 4],
                photos.iter().flat_map(|p| box_values(&p.bbox)),
            ),
        ),
        (
            ENROLMENT_EMBEDDINGS,
            npy(
                &[photos.len(), photo_length],
                photos.iter().flat_map(|p| p.embedding.0.iter().copied()),
            ),
        ),
    ];
    let others = other_recognizer_arrays(document)?;
    Some(zipped(
        arrays.into_iter().chain(face_columns).chain(
            others
                .iter()
                .map(|(name, bytes)| (name.as_str(), bytes.clone())),
        ),
    ))
}

/// The sidecar's name of other recognizer `k`'s (counting from 1) array `what`.
fn other_recognizer_array(k: usize, what: &str) -> String {
    format!("recognizer{k}_{what}")
}

/// Every other recognizer's face and enrolment embeddings, as arrays named by its number. None
/// when one recognizer's embeddings differ in length.
fn other_recognizer_arrays(document: &ReviewDocument) -> Option<Vec<(String, Vec<u8>)>> {
    let mut arrays = Vec::new();
    for (index, run) in document.other_recognizers.iter().enumerate() {
        let k = index + 1;
        let faces = &run.faces;
        let photos = &run.enrolment_embeddings;
        let face_length = common_length(faces.iter().map(|f| &f.embedding))?;
        let photo_length = common_length(photos.iter())?;
        arrays.push((
            other_recognizer_array(k, FACE_EMBEDDINGS),
            npy(
                &[faces.len(), face_length],
                faces.iter().flat_map(|f| f.embedding.0.iter().copied()),
            ),
        ));
        arrays.push((
            other_recognizer_array(k, ENROLMENT_EMBEDDINGS),
            npy(
                &[photos.len(), photo_length],
                photos.iter().flat_map(|e| e.0.iter().copied()),
            ),
        ));
    }
    Some(arrays)
}

/// Every other recognizer's face and enrolment embeddings in the sidecar, in order (k = 1, 2,
/// … while `recognizer<k>_face_embeddings` is there).
fn read_other_recognizers(npz: &mut Npz) -> Result<Vec<(Array, Array)>, SidecarProblem> {
    let mut others = Vec::new();
    for k in 1.. {
        let faces = other_recognizer_array(k, FACE_EMBEDDINGS);
        if !npz.has(&faces) {
            break;
        }
        let faces = npz.array::<f32>(&faces)?;
        let photos = npz.array::<f32>(&other_recognizer_array(k, ENROLMENT_EMBEDDINGS))?;
        others.push((faces, photos));
    }
    Ok(others)
}

/// Puts every other recognizer's embeddings from the sidecar (`others`, in order) into
/// `document`'s runs: one row per face the run lists, one per enrolment photo of the watchlist.
fn attach_other_recognizers(
    others: Vec<(Array, Array)>,
    document: &mut ReviewDocument,
) -> Result<(), SidecarProblem> {
    let (held, needed) = (others.len(), document.other_recognizers.len());
    if held != needed {
        let missing = other_recognizer_array(held.min(needed) + 1, FACE_EMBEDDINGS);
        let what = if held < needed {
            "has no"
        } else {
            "has an unexpected"
        };
        return Err(SidecarProblem::Malformed(format!(
            "it {what} {missing}: it holds the embeddings of {held} other recognizers, but the \
             review has {needed}"
        )));
    }
    let photos = document.watchlist.photo_count();
    let runs = document.other_recognizers.iter_mut();
    for (index, (run, (faces, enrolled))) in runs.zip(others).enumerate() {
        let k = index + 1;
        let faces_name = other_recognizer_array(k, FACE_EMBEDDINGS);
        let faces = faces.rows_of_any_length(&faces_name, run.faces.len())?;
        for (number, face) in run.faces.iter_mut().enumerate() {
            face.embedding = Embedding(faces.row(number).to_vec());
        }
        let photos_name = other_recognizer_array(k, ENROLMENT_EMBEDDINGS);
        let enrolled = enrolled.rows_of_any_length(&photos_name, photos)?;
        run.enrolment_embeddings = (0..photos)
            .map(|number| Embedding(enrolled.row(number).to_vec()))
            .collect();
    }
    Ok(())
}

/// The one length all `embeddings` have (0 for none); None when they differ.
fn common_length<'a>(mut embeddings: impl Iterator<Item = &'a Embedding>) -> Option<usize> {
    let Some(first) = embeddings.next() else {
        return Some(0);
    };
    let length = first.0.len();
    embeddings.all(|e| e.0.len() == length).then_some(length)
}

fn box_values(bbox: &BoundingBox) -> [f32; 4] {
    [bbox.x1, bbox.y1, bbox.x2, bbox.y2]
}

/// A stored (uncompressed) zip of `arrays`, byte for byte the same for the same arrays: no
/// time stamp but the zip format's earliest, so the same bulk gets the same name.
fn zipped<'a>(arrays: impl IntoIterator<Item = (&'a str, Vec<u8>)>) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in arrays {
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .last_modified_time(zip::DateTime::default())
            .large_file(bytes.len() as u64 >= u64::from(u32::MAX))
            .unix_permissions(0o644);
        // Writing into memory fails only if memory runs out, which aborts anyway.
        writer
            .start_file(name, options)
            .and_then(|()| writer.write_all(&bytes).map_err(Into::into))
            .expect("a zip in memory is always written");
    }
    writer
        .finish()
        .expect("a zip in memory is always written")
        .into_inner()
}

/// A number type the sidecar's arrays hold, as NumPy names it and writes it.
trait Element: Copy {
    /// NumPy's `descr`: `'<f4'`, ...
    const DESCR: &'static str;
    const SIZE: usize;
    fn extend_le(self, bytes: &mut Vec<u8>);
    /// From exactly [`Element::SIZE`] little-endian bytes.
    fn from_le(bytes: &[u8]) -> Self;
}

macro_rules! element {
    ($type:ty, $descr:literal) => {
        impl Element for $type {
            const DESCR: &'static str = $descr;
            const SIZE: usize = std::mem::size_of::<$type>();
            fn extend_le(self, bytes: &mut Vec<u8>) {
                bytes.extend_from_slice(&self.to_le_bytes());
            }
            fn from_le(bytes: &[u8]) -> Self {
                let mut array = [0; std::mem::size_of::<$type>()];
                array.copy_from_slice(bytes);
                <$type>::from_le_bytes(array)
            }
        }
    };
}

element!(f32, "'<f4'");
element!(f64, "'<f8'");
element!(u64, "'<u8'");
element!(i64, "'<i8'");

/// A `.npy` (format 1.0) of little-endian `values` in C order.
fn npy<T: Element>(shape: &[usize], values: impl Iterator<Item = T>) -> Vec<u8> {
    let dimensions = match shape {
        [only] => format!("({only},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut header = format!(
        "{{'descr': {}, 'fortran_order': False, 'shape': {dimensions}, }}",
        T::DESCR
    );
    // Magic (6), version (2) and length (2), then the header padded with spaces to a multiple of
    // 64 bytes and ended by a newline, as NumPy writes it.
    let unpadded = 10 + header.len() + 1;
    header.push_str(&" ".repeat(unpadded.next_multiple_of(64) - unpadded));
    header.push('\n');
    let count: usize = shape.iter().product();
    let mut bytes = Vec::with_capacity(10 + header.len() + T::SIZE * count);
    bytes.extend_from_slice(b"\x93NUMPY\x01\x00");
    // The header is at most a few hundred bytes.
    bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    for value in values {
        value.extend_le(&mut bytes);
    }
    bytes
}

/// What a sidecar holds, read and checked as arrays, not yet matched to its review's text:
/// reading it needs nothing from the text, so it can run while the text is parsed.
pub(crate) struct Contents {
    faces: FaceContents,
    /// Every enrolment photo's box and embedding, identity after identity.
    photos: Vec<(BoundingBox, Embedding)>,
    /// Each other recognizer's face and enrolment embeddings, in order.
    others: Vec<(Array, Array)>,
}

enum FaceContents {
    /// Every face whole, from the columns and the bulk arrays (see [`Sidecar::faces`]).
    Records(Vec<DetectionRecord>),
    /// Every face's box, landmarks and embedding, for a text that lists its faces.
    Bulk(Vec<(BoundingBox, [Point; 5], Embedding)>),
}

/// Reads the arrays of the sidecar `bytes`.
pub(crate) fn read(bytes: &[u8]) -> Result<Contents, SidecarProblem> {
    let mut npz = Npz::open(bytes)?;
    let boxes = npz.array::<f32>(FACE_BOXES)?;
    let faces = boxes.shape.first().copied().unwrap_or(0);
    let boxes = boxes.rows(FACE_BOXES, faces, &[4])?;
    let landmarks = npz
        .array::<f32>(FACE_LANDMARKS)?
        .rows(FACE_LANDMARKS, faces, &[5, 2])?;
    let embeddings = npz
        .array::<f32>(FACE_EMBEDDINGS)?
        .rows_of_any_length(FACE_EMBEDDINGS, faces)?;
    for (name, rows) in [
        (FACE_BOXES, &boxes),
        (FACE_LANDMARKS, &landmarks),
        (FACE_EMBEDDINGS, &embeddings),
    ] {
        rows.all_finite("face", name)?;
    }
    let bulk = (0..faces).map(|number| {
        let mut points = [Point::default(); 5];
        for (point, xy) in points.iter_mut().zip(landmarks.row(number).chunks_exact(2)) {
            *point = Point::new(xy[0], xy[1]);
        }
        let embedding = Embedding(embeddings.row(number).to_vec());
        (box_from(boxes.row(number)), points, embedding)
    });
    let faces = if npz.has(columns::FACE_SOURCES) {
        let mut records = columns::face_records(&mut npz, faces)?;
        for (record, (bbox, landmarks, embedding)) in records.iter_mut().zip(bulk) {
            record.bbox = bbox;
            record.landmarks = landmarks;
            record.embedding = embedding;
        }
        FaceContents::Records(records)
    } else {
        FaceContents::Bulk(bulk.collect())
    };
    let photo_boxes = npz.array::<f32>(ENROLMENT_BOXES)?;
    let photos = photo_boxes.shape.first().copied().unwrap_or(0);
    let photo_boxes = photo_boxes.rows(ENROLMENT_BOXES, photos, &[4])?;
    let photo_embeddings = npz
        .array::<f32>(ENROLMENT_EMBEDDINGS)?
        .rows_of_any_length(ENROLMENT_EMBEDDINGS, photos)?;
    photo_boxes.all_finite("enrolment photo", ENROLMENT_BOXES)?;
    photo_embeddings.all_finite("enrolment photo", ENROLMENT_EMBEDDINGS)?;
    let photos = (0..photos)
        .map(|number| {
            let embedding = Embedding(photo_embeddings.row(number).to_vec());
            (box_from(photo_boxes.row(number)), embedding)
        })
        .collect();
    let others = read_other_recognizers(&mut npz)?;
    npz.nothing_unread()?;
    Ok(Contents {
        faces,
        photos,
        others,
    })
}

/// Puts the sidecar's `contents` into `document`, whose text left them out: every face when
/// the text says it holds `faces` of them whole, else the boxes, landmarks and embeddings of
/// the faces the text lists.
pub(crate) fn attach(
    contents: Contents,
    document: &mut ReviewDocument,
    faces: Option<usize>,
) -> Result<(), SidecarProblem> {
    let malformed = |reason: String| SidecarProblem::Malformed(reason);
    match (contents.faces, faces) {
        (FaceContents::Records(records), Some(faces)) if records.len() == faces => {
            document.detections = records;
        }
        (FaceContents::Records(records), _) => {
            return Err(malformed(format!(
                "it holds {} faces whole, but the review says {}",
                records.len(),
                faces.map_or("it lists its faces itself".to_string(), |n| format!(
                    "it holds {n}"
                ))
            )));
        }
        (FaceContents::Bulk(_), Some(_)) => {
            return Err(malformed(format!(
                "it has no {}: the review says it holds its faces whole",
                columns::FACE_SOURCES
            )));
        }
        (FaceContents::Bulk(bulk), None) => {
            if bulk.len() != document.detections.len() {
                return Err(malformed(format!(
                    "it holds {} faces' boxes, but the review has {} faces",
                    bulk.len(),
                    document.detections.len()
                )));
            }
            for (detection, (bbox, landmarks, embedding)) in
                document.detections.iter_mut().zip(bulk)
            {
                detection.bbox = bbox;
                detection.landmarks = landmarks;
                detection.embedding = embedding;
            }
        }
    }
    let photos = document.watchlist.photo_count();
    if contents.photos.len() != photos {
        return Err(malformed(format!(
            "it holds {} enrolment photos' boxes, but the review's watchlist has {photos} photos",
            contents.photos.len()
        )));
    }
    let slots = document
        .watchlist
        .identities
        .iter_mut()
        .flat_map(|identity| &mut identity.photos);
    for (photo, (bbox, embedding)) in slots.zip(contents.photos) {
        photo.bbox = bbox;
        photo.embedding = embedding;
    }
    attach_other_recognizers(contents.others, document)
}

fn box_from(values: &[f32]) -> BoundingBox {
    BoundingBox {
        x1: values[0],
        y1: values[1],
        x2: values[2],
        y2: values[3],
    }
}

/// An opened `.npz`: its arrays by name.
struct Npz<'a> {
    bytes: &'a [u8],
    archive: zip::ZipArchive<Cursor<&'a [u8]>>,
    /// Every entry's name, and those read so far: a sidecar holds nothing its review does not
    /// read.
    names: Vec<String>,
    read: std::collections::HashSet<String>,
}

impl<'a> Npz<'a> {
    /// Opens the `.npz` in `bytes`, refusing any entry that is not stored as it is (a
    /// compressed one could inflate to any size, finding 9 of #21) and any name given twice
    /// (which one would count?).
    fn open(bytes: &'a [u8]) -> Result<Self, SidecarProblem> {
        let malformed = |reason: String| SidecarProblem::Malformed(reason);
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
            .map_err(|e| malformed(format!("not a .npz (zip) file: {e}")))?;
        // The archive keeps one entry of a name given twice (the last); which was meant?
        if archive.has_duplicate_names() {
            return Err(malformed(
                "it holds an entry name more than once (its central directory lists it twice)"
                    .into(),
            ));
        }
        let mut names = Vec::new();
        for index in 0..archive.len() {
            let entry = archive
                .by_index_raw(index)
                .map_err(|e| malformed(format!("not a .npz (zip) file: {e}")))?;
            let name = entry
                .name()
                .map_err(|e| malformed(format!("an entry's name cannot be read: {e}")))?
                .into_owned();
            if entry.compression() != zip::CompressionMethod::Stored {
                return Err(malformed(format!(
                    "{name} is compressed ({}); a sidecar's arrays are stored uncompressed",
                    entry.compression()
                )));
            }
            names.push(name);
        }
        Ok(Npz {
            bytes,
            archive,
            names,
            read: std::collections::HashSet::new(),
        })
    }

    /// Refuses a sidecar with an entry nothing read: an array the review does not use.
    fn nothing_unread(&self) -> Result<(), SidecarProblem> {
        let mut unread: Vec<&String> = self
            .names
            .iter()
            .filter(|name| !self.read.contains(*name))
            .collect();
        unread.sort_unstable();
        match unread.first() {
            None => Ok(()),
            Some(name) => Err(SidecarProblem::Malformed(format!(
                "it holds {name}, which the review does not use"
            ))),
        }
    }

    fn has(&self, name: &str) -> bool {
        self.archive.index_for_name(name).is_some()
    }

    /// The array `name`, of element type `T`.
    fn array<T: Element>(&mut self, name: &str) -> Result<Array<T>, SidecarProblem> {
        let malformed = |reason: String| SidecarProblem::Malformed(reason);
        let parsed = |contents: &[u8]| {
            Array::parse(contents).map_err(|reason| malformed(format!("{name}: {reason}")))
        };
        self.read.insert(name.to_string());
        let mut entry = self
            .archive
            .by_name(name)
            .map_err(|_| malformed(format!("it has no {name}")))?;
        // A stored entry is read where it lies, without a copy: its bytes were checked against
        // the SHA-256 the review gives before they got here.
        let stored = (entry.compression() == zip::CompressionMethod::Stored)
            .then(|| entry.data_start())
            .flatten()
            .and_then(|start| usize::try_from(start).ok())
            .and_then(|start| {
                let end = start.checked_add(usize::try_from(entry.size()).ok()?)?;
                self.bytes.get(start..end)
            });
        if let Some(contents) = stored {
            return parsed(contents);
        }
        let mut contents = Vec::with_capacity(usize::try_from(entry.size()).unwrap_or(0));
        entry
            .read_to_end(&mut contents)
            .map_err(|e| malformed(format!("{name}: {e}")))?;
        parsed(&contents)
    }

    /// The array `name` as `rows` rows of the shape `each`.
    fn column<T: Element>(
        &mut self,
        name: &str,
        rows: usize,
        each: &[usize],
    ) -> Result<Rows<T>, SidecarProblem> {
        self.array(name)?.rows(name, rows, each)
    }

    /// The array `name` as `rows` rows of one width, whatever it is.
    fn column_of_any_width<T: Element>(
        &mut self,
        name: &str,
        rows: usize,
    ) -> Result<Rows<T>, SidecarProblem> {
        self.array(name)?.rows_of_any_length(name, rows)
    }
}

/// An array read from a `.npy`.
struct Array<T = f32> {
    shape: Vec<usize>,
    values: Vec<T>,
}

/// An array checked to have `rows` rows of `width` values each.
struct Rows<T = f32> {
    width: usize,
    values: Vec<T>,
}

impl<T> Rows<T> {
    fn row(&self, number: usize) -> &[T] {
        &self.values[number * self.width..(number + 1) * self.width]
    }
}

impl Rows<f32> {
    /// Refuses a NaN or infinite value in the array `name`, whose rows are `what`s: no box,
    /// landmark or embedding means anything there (finding 12 of #21).
    fn all_finite(&self, what: &str, name: &str) -> Result<(), SidecarProblem> {
        match self.values.iter().position(|value| !value.is_finite()) {
            None => Ok(()),
            Some(at) => {
                let number = at / self.width.max(1);
                Err(SidecarProblem::Malformed(format!(
                    "{what} {number} (row {number}): {name} holds {}, which no {} can be",
                    self.values[at],
                    name.trim_end_matches(".npy").replace('_', " ")
                )))
            }
        }
    }
}

impl<T: Element> Array<T> {
    /// Reads a `.npy` of format 1.0 (the one lineup writes, and numpy for any header under
    /// 64 KiB) holding little-endian `T` in C order.
    fn parse(bytes: &[u8]) -> Result<Array<T>, String> {
        let rest = bytes
            .strip_prefix(b"\x93NUMPY")
            .ok_or("not a .npy array (no \\x93NUMPY at its start)")?;
        let (header_length, rest) = match rest {
            [1, 0, a, b, rest @ ..] => (usize::from(u16::from_le_bytes([*a, *b])), rest),
            [major, minor, ..] => {
                return Err(format!(
                    ".npy format {major}.{minor}; a sidecar's arrays are format 1.0"
                ));
            }
            _ => return Err("cut short inside its header".into()),
        };
        if rest.len() < header_length {
            return Err("cut short inside its header".into());
        }
        let (header, data) = rest.split_at(header_length);
        let header = std::str::from_utf8(header).map_err(|_| "its header is not text")?;
        let descr = header_value(header, "descr").ok_or("its header has no 'descr'")?;
        if descr != T::DESCR {
            return Err(format!("holds {descr}, not {}", T::DESCR));
        }
        if header_value(header, "fortran_order") != Some("False") {
            return Err("is not in C order ('fortran_order': False)".into());
        }
        let shape = parse_shape(header).ok_or("its header has no readable 'shape'")?;
        let count = shape
            .iter()
            .try_fold(1usize, |product, n| product.checked_mul(*n))
            .ok_or("its shape is too big")?;
        if Some(data.len()) != count.checked_mul(T::SIZE) {
            return Err(format!(
                "its shape {shape:?} needs {count} values, but it holds {} bytes of data",
                data.len()
            ));
        }
        let values = data.chunks_exact(T::SIZE).map(T::from_le).collect();
        Ok(Array { shape, values })
    }

    /// The array as `rows` rows of the shape `each`, or what is wrong.
    fn rows(self, name: &str, rows: usize, each: &[usize]) -> Result<Rows<T>, SidecarProblem> {
        let expected: Vec<usize> = std::iter::once(rows).chain(each.iter().copied()).collect();
        if self.shape != expected {
            return Err(SidecarProblem::Malformed(format!(
                "{name} has shape {:?}, but the review needs {expected:?}",
                self.shape
            )));
        }
        Ok(Rows {
            width: each.iter().product(),
            values: self.values,
        })
    }

    /// The array as `rows` rows of one length, whatever it is.
    fn rows_of_any_length(self, name: &str, rows: usize) -> Result<Rows<T>, SidecarProblem> {
        match self.shape.as_slice() {
            &[found, width] if found == rows => Ok(Rows {
                width,
                values: self.values,
            }),
            _ => Err(SidecarProblem::Malformed(format!(
                "{name} has shape {:?}, but the review needs ({rows}, length)",
                self.shape
            ))),
        }
    }
}

/// The text of `key`'s value in a `.npy` header dictionary, up to the next comma at the same
/// level (enough for 'descr' and 'fortran_order').
fn header_value<'a>(header: &'a str, key: &str) -> Option<&'a str> {
    let start = header.find(&format!("'{key}':"))? + key.len() + 3;
    let rest = header[start..].trim_start();
    let end = rest.find([',', '}'])?;
    Some(rest[..end].trim())
}

fn parse_shape(header: &str) -> Option<Vec<usize>> {
    let start = header.find("'shape':")? + "'shape':".len();
    let rest = header[start..].trim_start().strip_prefix('(')?;
    let inside = &rest[..rest.find(')')?];
    inside
        .split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| part.parse().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npy_headers_are_padded_as_numpy_writes_them() {
        let bytes = npy(&[2, 3], (0..6).map(|v| v as f32));
        let header_length = usize::from(u16::from_le_bytes([bytes[8], bytes[9]]));
        assert_eq!((10 + header_length) % 64, 0);
        assert_eq!(bytes[10 + header_length - 1], b'\n');
        let array = Array::<f32>::parse(&bytes).unwrap();
        assert_eq!(array.shape, vec![2, 3]);
        assert_eq!(array.values, vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(
            Array::<f32>::parse(&npy::<f32>(&[0, 0], std::iter::empty()))
                .unwrap()
                .shape,
            vec![0, 0]
        );
    }

    #[test]
    fn sidecar_names_carry_the_hash_and_tell_reviews_apart() {
        let hash = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        let review = Path::new("/case/Case review.ron");
        let name = file_name(review, hash);
        assert_eq!(name, "Case_20review.ron.faces-0123456789abcdef.npz");
        assert!(is_plain_name(&name));
        assert!(belongs_to(review, &name));
        assert!(!belongs_to(Path::new("/case/Case_review.ron"), &name));
        assert!(!belongs_to(
            Path::new("/case/Case review.ron.autosave"),
            &name
        ));
        assert!(!belongs_to(review, "Case_20review.ron.faces-0123.npz"));
        assert!(!is_plain_name("../elsewhere.npz") && !is_plain_name("a/b.npz"));
    }

    /// The entries of the stored zip `bytes`, in order.
    fn entries(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        (0..archive.len())
            .map(|index| {
                let mut entry = archive.by_index(index).unwrap();
                let mut contents = Vec::new();
                entry.read_to_end(&mut contents).unwrap();
                (entry.name().unwrap().into_owned(), contents)
            })
            .collect()
    }

    /// `entries` zipped again, the way lineup writes a sidecar.
    fn rezipped(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
        zipped(
            entries
                .iter()
                .map(|(name, bytes)| (name.as_str(), bytes.clone())),
        )
    }

    /// A sidecar of three faces and two enrolment photos, as lineup writes it.
    fn a_sidecar() -> Vec<u8> {
        let mut arrays = vec![
            (
                FACE_BOXES.to_string(),
                npy(&[3, 4], (0..12).map(|v| v as f32)),
            ),
            (
                FACE_LANDMARKS.to_string(),
                npy(&[3, 5, 2], (0..30).map(|v| v as f32)),
            ),
            (
                FACE_EMBEDDINGS.to_string(),
                npy(&[3, 2], [0.6f32, 0.8].repeat(3).into_iter()),
            ),
            (
                ENROLMENT_BOXES.to_string(),
                npy(&[2, 4], (0..8).map(|v| v as f32)),
            ),
            (
                ENROLMENT_EMBEDDINGS.to_string(),
                npy(&[2, 2], [1.0f32, 0.0, 0.0, 1.0].into_iter()),
            ),
        ];
        arrays.extend([
            (
                columns::FACE_SOURCES.to_string(),
                npy(&[3, 2], [0u64, 0, 0, 0, 0, 0].into_iter()),
            ),
            (
                columns::FACE_TIMESTAMPS.to_string(),
                npy(&[3], [0.0f64, 0.5, 1.0].into_iter()),
            ),
            (
                columns::FACE_DETECTOR_SCORES.to_string(),
                npy(&[3], [0.9f32, 0.8, 0.7].into_iter()),
            ),
            (
                columns::FACE_SKIN_ITA.to_string(),
                npy(&[3, 3], [f32::NAN; 9].into_iter()),
            ),
            (
                columns::FACE_CANDIDATE_IDENTITIES.to_string(),
                npy(&[3, 1], [0i64, 1, NO_CANDIDATE].into_iter()),
            ),
            (
                columns::FACE_CANDIDATE_SCORES.to_string(),
                npy(&[3, 1], [0.8f32, 0.6, f32::NAN].into_iter()),
            ),
        ]);
        rezipped(&arrays)
    }

    fn refusal(bytes: &[u8]) -> String {
        match read(bytes) {
            Ok(_) => "read".to_string(),
            Err(problem) => problem.to_string(),
        }
    }

    /// Finding 9 of #21: a compressed entry could inflate to any size (2 GiB from 2 MB); a
    /// sidecar's entries are stored, and one that is not is refused by name, unread.
    #[test]
    fn a_compressed_entry_is_refused_by_name() {
        let sidecar = a_sidecar();
        assert!(read(&sidecar).is_ok());
        let mut deflated = sidecar.clone();
        let entries = entries(&sidecar);
        let index = entries
            .iter()
            .position(|(n, _)| n == FACE_EMBEDDINGS)
            .unwrap();
        // The compression method of the entry's local header (offset 8) and of its central
        // directory record (offset 10): 8 is deflate.
        let headers = |signature: &[u8]| -> Vec<usize> {
            (0..deflated.len() - 4)
                .filter(|&at| &deflated[at..at + 4] == signature)
                .collect()
        };
        let local = headers(b"PK\x03\x04")[index];
        let central = headers(b"PK\x01\x02")[index];
        deflated[local + 8] = 8;
        deflated[central + 10] = 8;
        let refused = refusal(&deflated);
        assert!(
            refused.contains(FACE_EMBEDDINGS) && refused.contains("compressed"),
            "{refused}"
        );
    }

    /// Finding 13 of #21: an entry given twice (the last won), an array the review does not
    /// use (`secret.npy` loaded) and a .npy format lineup does not write are refused, named.
    #[test]
    fn duplicate_unused_or_other_format_entries_are_refused_by_name() {
        let original = entries(&a_sidecar());
        let mut doubled = original.clone();
        let (_, boxes) = original
            .iter()
            .find(|(n, _)| n == FACE_BOXES)
            .unwrap()
            .clone();
        let other_boxes = npy(&[3, 4], (0..12).map(|v| -(v as f32)));
        assert_eq!(other_boxes.len(), boxes.len());
        doubled.push(("face_boxeX.npy".to_string(), other_boxes));
        let mut bytes = rezipped(&doubled);
        let renamed: Vec<usize> = (0..bytes.len() - 14)
            .filter(|&at| &bytes[at..at + 14] == b"face_boxeX.npy")
            .collect();
        assert_eq!(renamed.len(), 2);
        for at in renamed {
            bytes[at..at + 14].copy_from_slice(b"face_boxes.npy");
        }
        let refused = refusal(&bytes);
        assert!(refused.contains("more than once"), "{refused}");

        let mut extra = original.clone();
        extra.push(("secret.npy".to_string(), npy(&[1], [1.0f32].into_iter())));
        let refused = refusal(&rezipped(&extra));
        assert!(
            refused.contains("secret.npy") && refused.contains("does not use"),
            "{refused}"
        );

        let mut version_2 = original.clone();
        for (name, bytes) in &mut version_2 {
            if name == FACE_BOXES {
                // The same header, its length in four bytes, as format 2.0 has it.
                let length = u16::from_le_bytes([bytes[8], bytes[9]]);
                let mut changed = b"\x93NUMPY\x02\x00".to_vec();
                changed.extend_from_slice(&u32::from(length).to_le_bytes());
                changed.extend_from_slice(&bytes[10..]);
                *bytes = changed;
            }
        }
        let refused = refusal(&rezipped(&version_2));
        assert!(
            refused.contains(FACE_BOXES) && refused.contains("format 2.0"),
            "{refused}"
        );
    }

    /// `a_sidecar` with the array `name` replaced by `array`.
    fn with_array(name: &str, array: Vec<u8>) -> Vec<u8> {
        let mut arrays = entries(&a_sidecar());
        let slot = arrays.iter_mut().find(|(n, _)| n == name).unwrap();
        slot.1 = array;
        rezipped(&arrays)
    }

    /// Finding 12 of #21: values nothing measured could give (a NaN box, infinite landmarks, a
    /// detector score of 7.5, a time of -1e300 s, a skin ITA of 500°, a NaN candidate score)
    /// are refused, naming the face and the column; NaN where the format pads stays accepted.
    #[test]
    fn impossible_values_are_refused_naming_face_and_column() {
        assert!(read(&a_sidecar()).is_ok(), "NaN skin and candidate padding");
        let mut nan_box: Vec<f32> = (0..12).map(|v| v as f32).collect();
        nan_box[5] = f32::NAN;
        let mut landmarks: Vec<f32> = (0..30).map(|v| v as f32).collect();
        landmarks[29] = f32::INFINITY;
        let cases = [
            (FACE_BOXES, npy(&[3, 4], nan_box.into_iter()), "face 1 "),
            (
                FACE_LANDMARKS,
                npy(&[3, 5, 2], landmarks.into_iter()),
                "face 2 ",
            ),
            (
                FACE_EMBEDDINGS,
                npy(&[3, 2], [0.6f32, 0.8, f32::NAN, 0.8, 0.6, 0.8].into_iter()),
                "face 1 ",
            ),
            (
                ENROLMENT_EMBEDDINGS,
                npy(&[2, 2], [1.0f32, 0.0, f32::NEG_INFINITY, 1.0].into_iter()),
                "enrolment photo 1 ",
            ),
            (
                columns::FACE_DETECTOR_SCORES,
                npy(&[3], [7.5f32, 0.8, 0.7].into_iter()),
                "face 0 ",
            ),
            (
                columns::FACE_TIMESTAMPS,
                npy(&[3], [0.0f64, -1e300, 1.0].into_iter()),
                "face 1 ",
            ),
            (
                columns::FACE_TIMESTAMPS,
                npy(&[3], [0.0f64, 0.5, f64::NAN].into_iter()),
                "face 2 ",
            ),
            (
                columns::FACE_SKIN_ITA,
                npy(
                    &[3, 3],
                    [f32::NAN, f32::NAN, f32::NAN, 500.0, -400.0, 900.0]
                        .into_iter()
                        .chain([f32::NAN; 3]),
                ),
                "face 1 ",
            ),
            (
                columns::FACE_CANDIDATE_SCORES,
                npy(&[3, 1], [0.8f32, f32::NAN, f32::NAN].into_iter()),
                "face 1 ",
            ),
        ];
        for (name, array, face) in cases {
            let refused = refusal(&with_array(name, array));
            assert!(
                refused.contains(face) && refused.contains(name),
                "{name}: {refused}"
            );
        }
    }

    /// Finding 2 of #21: a CJK review name of 79 bytes escaped to 229 and its sidecar's name
    /// to 256, past NAME_MAX, and the save failed after the whole analysis. Every review name
    /// that fits NAME_MAX itself gives a sidecar name that fits it too, its own and no other's.
    #[test]
    fn every_review_name_gives_a_sidecar_name_that_fits_name_max() {
        let hash = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
        let cjk = "市中心攝像頭二零二六年十一月第三週審查報告草稿版本.ron";
        let names = [
            cjk.to_string(),
            format!("{}.ron", "_".repeat(200)),
            format!("{}.ron", "a".repeat(251)),
            format!("{}.ron", "審".repeat(83)),
            "Case review.ron".to_string(),
        ];
        let mut prefixes = std::collections::HashSet::new();
        for name in &names {
            let review = Path::new("/case").join(name);
            let sidecar = file_name(&review, hash);
            assert!(
                sidecar.len() <= 255,
                "{name}: {sidecar} ({})",
                sidecar.len()
            );
            assert!(is_plain_name(&sidecar), "{sidecar}");
            assert!(belongs_to(&review, &sidecar), "{sidecar}");
            assert!(prefixes.insert(prefix(&review)), "{name}");
            for other in &names {
                let other = Path::new("/case").join(other);
                assert_eq!(belongs_to(&other, &sidecar), other == review, "{sidecar}");
            }
        }
        // Two long names that differ only past the kept start still get their own sidecars.
        let (first, second) = (
            Path::new(&format!("{}1.ron", "審".repeat(80))).to_path_buf(),
            Path::new(&format!("{}2.ron", "審".repeat(80))).to_path_buf(),
        );
        assert!(!belongs_to(&second, &file_name(&first, hash)));
        // A name short enough keeps the form older reviews were saved with.
        assert_eq!(
            file_name(Path::new("a_b.ron"), hash),
            "a_5fb.ron.faces-fedcba9876543210.npz"
        );
    }
}
