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
//! The review names its sidecar by file name, byte length and SHA-256 ([`Sidecar`]); the file
//! name carries the first 16 hex digits of that SHA-256, so a changed sidecar is a new file and
//! the one an older review text names is never overwritten.

use std::io::{Cursor, Read, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::ReviewDocument;
use crate::vision::{BoundingBox, Embedding, Point};

/// What a review's text says of its sidecar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sidecar {
    /// The file's name, in the review's folder.
    pub file: String,
    pub size_bytes: u64,
    /// Lower-case hex.
    pub sha256: String,
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

/// The sidecar's file name for the review at `review` with contents of SHA-256 `sha256`:
/// `<review file name>.faces-<16 hex>.npz`. Bytes of the review's name outside `A-Z a-z 0-9 . -`
/// are written `_` and two hex digits, so that the name suits any file system and a bundle
/// (which takes only those characters), and no two review names give the same prefix.
pub fn file_name(review: &Path, sha256: &str) -> String {
    let hash = sha256.get(..NAME_HASH_DIGITS).unwrap_or(sha256);
    format!("{}{INFIX}{hash}{EXTENSION}", escaped_name(review))
}

/// Whether `name` is a sidecar file name of the review at `review` (whatever its hash).
pub fn belongs_to(review: &Path, name: &str) -> bool {
    let Some(rest) = name.strip_prefix(&escaped_name(review)) else {
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

/// Whether `name` can name a sidecar: a plain file name, nothing that leads out of the folder.
pub fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

fn escaped_name(review: &Path) -> String {
    let name = review.file_name().unwrap_or_default().as_encoded_bytes();
    let mut escaped = String::with_capacity(name.len());
    for &byte in name {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'-') {
            escaped.push(char::from(byte));
        } else {
            escaped.push_str(&format!("_{byte:02x}"));
        }
    }
    escaped
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
    let mut arrays: Vec<(String, Vec<u8>)> = arrays
        .into_iter()
        .map(|(name, bytes)| (name.to_owned(), bytes))
        .collect();
    arrays.extend(other_recognizer_arrays(document)?);
    Some(zipped(&arrays))
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

/// Puts every other recognizer's embeddings from the sidecar's arrays (read by `array`) into
/// `document`'s runs: one row per face the run lists, one per enrolment photo of the watchlist.
fn unpack_other_recognizers(
    array: &mut dyn FnMut(&str) -> Result<Array, SidecarProblem>,
    document: &mut ReviewDocument,
) -> Result<(), SidecarProblem> {
    let photos = document.watchlist.photo_count();
    for (index, run) in document.other_recognizers.iter_mut().enumerate() {
        let k = index + 1;
        let faces_name = other_recognizer_array(k, FACE_EMBEDDINGS);
        let faces = array(&faces_name)?.rows_of_any_length(&faces_name, run.faces.len())?;
        for (number, face) in run.faces.iter_mut().enumerate() {
            face.embedding = Embedding(faces.row(number).to_vec());
        }
        let photos_name = other_recognizer_array(k, ENROLMENT_EMBEDDINGS);
        let enrolled = array(&photos_name)?.rows_of_any_length(&photos_name, photos)?;
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
fn zipped<N: AsRef<str>>(arrays: &[(N, Vec<u8>)]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in arrays {
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .last_modified_time(zip::DateTime::default())
            .large_file(bytes.len() as u64 >= u64::from(u32::MAX))
            .unix_permissions(0o644);
        // Writing into memory fails only if memory runs out, which aborts anyway.
        writer
            .start_file(name.as_ref(), options)
            .and_then(|()| writer.write_all(bytes).map_err(Into::into))
            .expect("a zip in memory is always written");
    }
    writer
        .finish()
        .expect("a zip in memory is always written")
        .into_inner()
}

/// A `.npy` (format 1.0) of little-endian float32 `values` in C order.
fn npy(shape: &[usize], values: impl Iterator<Item = f32>) -> Vec<u8> {
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
    let mut header = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': {dimensions}, }}");
    // Magic (6), version (2) and length (2), then the header padded with spaces to a multiple of
    // 64 bytes and ended by a newline, as NumPy writes it.
    let unpadded = 10 + header.len() + 1;
    header.push_str(&" ".repeat(unpadded.next_multiple_of(64) - unpadded));
    header.push('\n');
    let count: usize = shape.iter().product();
    let mut bytes = Vec::with_capacity(10 + header.len() + 4 * count);
    bytes.extend_from_slice(b"\x93NUMPY\x01\x00");
    // The header is at most a few hundred bytes.
    bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    for value in values {
        bytes.extend_from_slice(&value.to_le_bytes());
    }
    bytes
}

/// Puts the sidecar's boxes, landmarks and embeddings into `document`, whose text left them out.
pub(crate) fn unpack(bytes: &[u8], document: &mut ReviewDocument) -> Result<(), SidecarProblem> {
    let malformed = |reason: String| SidecarProblem::Malformed(reason);
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| malformed(format!("not a .npz (zip) file: {e}")))?;
    let mut array = |name: &str| -> Result<Array, SidecarProblem> {
        let mut entry = archive
            .by_name(name)
            .map_err(|_| malformed(format!("it has no {name}")))?;
        let mut contents = Vec::with_capacity(usize::try_from(entry.size()).unwrap_or(0));
        entry
            .read_to_end(&mut contents)
            .map_err(|e| malformed(format!("{name}: {e}")))?;
        Array::parse(&contents).map_err(|reason| malformed(format!("{name}: {reason}")))
    };
    let faces = document.detections.len();
    let photos = document.watchlist.photo_count();
    let boxes = array(FACE_BOXES)?.rows(FACE_BOXES, faces, &[4])?;
    let landmarks = array(FACE_LANDMARKS)?.rows(FACE_LANDMARKS, faces, &[5, 2])?;
    let embeddings = array(FACE_EMBEDDINGS)?.rows_of_any_length(FACE_EMBEDDINGS, faces)?;
    let photo_boxes = array(ENROLMENT_BOXES)?.rows(ENROLMENT_BOXES, photos, &[4])?;
    let photo_embeddings =
        array(ENROLMENT_EMBEDDINGS)?.rows_of_any_length(ENROLMENT_EMBEDDINGS, photos)?;
    for (number, detection) in document.detections.iter_mut().enumerate() {
        detection.bbox = box_from(boxes.row(number));
        let points = landmarks.row(number);
        for (point, xy) in detection.landmarks.iter_mut().zip(points.chunks_exact(2)) {
            *point = Point::new(xy[0], xy[1]);
        }
        detection.embedding = Embedding(embeddings.row(number).to_vec());
    }
    let photos = document
        .watchlist
        .identities
        .iter_mut()
        .flat_map(|identity| &mut identity.photos);
    for (number, photo) in photos.enumerate() {
        photo.bbox = box_from(photo_boxes.row(number));
        photo.embedding = Embedding(photo_embeddings.row(number).to_vec());
    }
    unpack_other_recognizers(&mut array, document)
}

fn box_from(values: &[f32]) -> BoundingBox {
    BoundingBox {
        x1: values[0],
        y1: values[1],
        x2: values[2],
        y2: values[3],
    }
}

/// A float32 array read from a `.npy`.
struct Array {
    shape: Vec<usize>,
    values: Vec<f32>,
}

/// A float32 array checked to have `rows` rows of `width` values each.
struct Rows {
    width: usize,
    values: Vec<f32>,
}

impl Rows {
    fn row(&self, number: usize) -> &[f32] {
        &self.values[number * self.width..(number + 1) * self.width]
    }
}

impl Array {
    /// Reads a `.npy` of format 1.0 or 2.0 holding little-endian float32 in C order.
    fn parse(bytes: &[u8]) -> Result<Array, String> {
        let rest = bytes
            .strip_prefix(b"\x93NUMPY")
            .ok_or("not a .npy array (no \\x93NUMPY at its start)")?;
        let (header_length, rest) = match rest {
            [1, 0, a, b, rest @ ..] => (usize::from(u16::from_le_bytes([*a, *b])), rest),
            [2 | 3, 0, a, b, c, d, rest @ ..] => (
                usize::try_from(u32::from_le_bytes([*a, *b, *c, *d])).unwrap_or(usize::MAX),
                rest,
            ),
            _ => return Err("a .npy format version this lineup does not read".into()),
        };
        if rest.len() < header_length {
            return Err("cut short inside its header".into());
        }
        let (header, data) = rest.split_at(header_length);
        let header = std::str::from_utf8(header).map_err(|_| "its header is not text")?;
        let descr = header_value(header, "descr").ok_or("its header has no 'descr'")?;
        if descr != "'<f4'" {
            return Err(format!("holds {descr}, not little-endian float32 ('<f4')"));
        }
        if header_value(header, "fortran_order") != Some("False") {
            return Err("is not in C order ('fortran_order': False)".into());
        }
        let shape = parse_shape(header).ok_or("its header has no readable 'shape'")?;
        let count = shape
            .iter()
            .try_fold(1usize, |product, n| product.checked_mul(*n))
            .ok_or("its shape is too big")?;
        if Some(data.len()) != count.checked_mul(4) {
            return Err(format!(
                "its shape {shape:?} needs {count} values, but it holds {} bytes of data",
                data.len()
            ));
        }
        let values = data
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        Ok(Array { shape, values })
    }

    /// The array as `rows` rows of the shape `each`, or what is wrong.
    fn rows(self, name: &str, rows: usize, each: &[usize]) -> Result<Rows, SidecarProblem> {
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
    fn rows_of_any_length(self, name: &str, rows: usize) -> Result<Rows, SidecarProblem> {
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
        let array = Array::parse(&bytes).unwrap();
        assert_eq!(array.shape, vec![2, 3]);
        assert_eq!(array.values, vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(
            Array::parse(&npy(&[0, 0], std::iter::empty()))
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
}
