//! Every face's fixed record as columns of the sidecar (issue #21): where it was seen, its
//! detector score, its watchlist candidates and its skin measurement. In a 100,000-face review
//! these were about 600 bytes of text per face, three quarters of the text and of its parse
//! time; as columns they are 100 bytes per face (at five candidates), read at memory speed.
//!
//! | array | shape | type | contents |
//! |---|---|---|---|
//! | `face_sources` | (faces, 2) | `<u8` | input number (into the text's `inputs`), frame number |
//! | `face_timestamps` | (faces,) | `<f8` | presentation time in seconds (0 for a still) |
//! | `face_detector_scores` | (faces,) | `<f4` | the detector's confidence |
//! | `face_skin_ita` | (faces, 3) | `<f4` | cheek ITA, its lower and upper quartile, in degrees; NaN where not measured |
//! | `face_candidate_identities` | (faces, k) | `<i8` | watchlist identity numbers, best first; [`NO_CANDIDATE`] after a face's last |
//! | `face_candidate_scores` | (faces, k) | `<f4` | their scores; NaN after a face's last |
//!
//! `k` is the most candidates any face has (0 when none has any).

use super::{Npz, SidecarProblem, npy};
use crate::ids::IdentityId;
use crate::matching::Candidate;
use crate::review::{self, DetectionRecord, SourceRef};
use crate::vision::{BoundingBox, Embedding, Point};

pub(super) const FACE_SOURCES: &str = "face_sources.npy";
pub(super) const FACE_TIMESTAMPS: &str = "face_timestamps.npy";
pub(super) const FACE_DETECTOR_SCORES: &str = "face_detector_scores.npy";
pub(super) const FACE_SKIN_ITA: &str = "face_skin_ita.npy";
pub(super) const FACE_CANDIDATE_IDENTITIES: &str = "face_candidate_identities.npy";
pub(super) const FACE_CANDIDATE_SCORES: &str = "face_candidate_scores.npy";

/// The identity number that pads `face_candidate_identities` after a face's last candidate (a
/// face has fewer candidates than `k` when the watchlist has fewer identities, or none at all).
pub const NO_CANDIDATE: i64 = -1;

/// The six face columns of `faces`, by name. None when a skin measurement is NaN, which the
/// columns use for "not measured": such a review is saved whole in its text.
pub(super) fn face_columns(faces: &[DetectionRecord]) -> Option<Vec<(&'static str, Vec<u8>)>> {
    let representable = faces.iter().all(|face| {
        face.skin_ita.is_none_or(|ita| !ita.is_nan())
            && face
                .skin_ita_quartiles
                .is_none_or(|(low, high)| !low.is_nan() && !high.is_nan())
    });
    if !representable {
        return None;
    }
    let k = faces.iter().map(|f| f.candidates.len()).max().unwrap_or(0);
    Some(vec![
        (
            FACE_SOURCES,
            npy(
                &[faces.len(), 2],
                faces
                    .iter()
                    .flat_map(|f| [f.source.input as u64, f.source.frame_index]),
            ),
        ),
        (
            FACE_TIMESTAMPS,
            npy(&[faces.len()], faces.iter().map(|f| f.source.timestamp_s)),
        ),
        (
            FACE_DETECTOR_SCORES,
            npy(&[faces.len()], faces.iter().map(|f| f.detector_score)),
        ),
        (
            FACE_SKIN_ITA,
            npy(&[faces.len(), 3], faces.iter().flat_map(skin_values)),
        ),
        (
            FACE_CANDIDATE_IDENTITIES,
            npy(
                &[faces.len(), k],
                faces.iter().flat_map(|f| {
                    padded(f, k).map(|c| c.map_or(NO_CANDIDATE, |c| i64::from(c.identity.0)))
                }),
            ),
        ),
        (
            FACE_CANDIDATE_SCORES,
            npy(
                &[faces.len(), k],
                faces
                    .iter()
                    .flat_map(|f| padded(f, k).map(|c| c.map_or(f32::NAN, |c| c.score))),
            ),
        ),
    ])
}

/// A face's `k` candidates, None after its last.
fn padded(face: &DetectionRecord, k: usize) -> impl Iterator<Item = Option<Candidate>> + '_ {
    (0..k).map(|i| face.candidates.get(i).copied())
}

fn skin_values(face: &DetectionRecord) -> [f32; 3] {
    let (low, high) = face.skin_ita_quartiles.unwrap_or((f32::NAN, f32::NAN));
    [face.skin_ita.unwrap_or(f32::NAN), low, high]
}

/// The `faces` face records the columns of `npz` hold, their boxes, landmarks and embeddings
/// left at nothing for the sidecar's other arrays to fill.
pub(super) fn face_records(
    npz: &mut Npz,
    faces: usize,
) -> Result<Vec<DetectionRecord>, SidecarProblem> {
    let sources = npz.column::<u64>(FACE_SOURCES, faces, &[2])?;
    let timestamps = npz.column::<f64>(FACE_TIMESTAMPS, faces, &[])?;
    let scores = npz.column::<f32>(FACE_DETECTOR_SCORES, faces, &[])?;
    let skin = npz.column::<f32>(FACE_SKIN_ITA, faces, &[3])?;
    let identities = npz.column_of_any_width::<i64>(FACE_CANDIDATE_IDENTITIES, faces)?;
    let k = identities.width;
    let candidate_scores = npz.column::<f32>(FACE_CANDIDATE_SCORES, faces, &[k])?;
    (0..faces)
        .map(|number| {
            let malformed = |what: String| {
                SidecarProblem::Malformed(format!("face {number} (row {number}): {what}"))
            };
            let source = sources.row(number);
            check_ranges(
                timestamps.values[number],
                scores.values[number],
                skin.row(number),
            )
            .map_err(malformed)?;
            Ok(DetectionRecord {
                source: SourceRef {
                    input: usize::try_from(source[0])
                        .map_err(|_| malformed(format!("input {} is past any", source[0])))?,
                    frame_index: source[1],
                    timestamp_s: timestamps.values[number],
                },
                bbox: BoundingBox::default(),
                landmarks: [Point::default(); 5],
                detector_score: scores.values[number],
                embedding: Embedding(Vec::new()),
                candidates: candidates(identities.row(number), candidate_scores.row(number))
                    .map_err(malformed)?,
                skin_ita: measured(skin.row(number)[0]),
                skin_ita_quartiles: quartiles(&skin.row(number)[1..]).map_err(malformed)?,
            })
        })
        .collect()
}

/// Refuses a face's values that nothing measured could give (finding 12 of #21): a time before
/// the footage's start or not a number, a detector confidence outside 0 to 1, a skin ITA
/// outside ±90° (an angle's arctangent; NaN is the documented "not measured").
fn check_ranges(timestamp_s: f64, detector_score: f32, skin: &[f32]) -> Result<(), String> {
    if !review::is_footage_time(timestamp_s) {
        return Err(format!(
            "{FACE_TIMESTAMPS} holds {timestamp_s}, which is no time in the footage (0 or more \
             seconds)"
        ));
    }
    if !review::is_detector_confidence(detector_score) {
        return Err(format!(
            "{FACE_DETECTOR_SCORES} holds {detector_score}, which is no detector confidence \
             (0 to 1)"
        ));
    }
    if let Some(ita) = skin
        .iter()
        .find(|ita| !ita.is_nan() && !review::is_ita(**ita))
    {
        return Err(format!(
            "{FACE_SKIN_ITA} holds {ita}, which is no Individual Typology Angle (-90 to 90 \
             degrees, NaN where not measured)"
        ));
    }
    Ok(())
}

/// One face's candidates from its row of identities and of scores: every identity up to the
/// first [`NO_CANDIDATE`], which only more of it may follow.
fn candidates(identities: &[i64], scores: &[f32]) -> Result<Vec<Candidate>, String> {
    let count = identities
        .iter()
        .position(|&id| id == NO_CANDIDATE)
        .unwrap_or(identities.len());
    if identities[count..].iter().any(|&id| id != NO_CANDIDATE) {
        return Err(format!(
            "its candidate identities {identities:?} go on after the padding {NO_CANDIDATE}"
        ));
    }
    identities[..count]
        .iter()
        .zip(scores)
        .map(|(&id, &score)| {
            let identity = u32::try_from(id)
                .map_err(|_| format!("candidate identity {id} is no identity number"))?;
            if !score.is_finite() {
                return Err(format!(
                    "{FACE_CANDIDATE_SCORES} holds {score} for its candidate identity {id}: \
                     NaN is only the padding after a face's last candidate"
                ));
            }
            Ok(Candidate {
                identity: IdentityId(identity),
                score,
            })
        })
        .collect()
}

fn measured(value: f32) -> Option<f32> {
    (!value.is_nan()).then_some(value)
}

fn quartiles(values: &[f32]) -> Result<Option<(f32, f32)>, String> {
    match (measured(values[0]), measured(values[1])) {
        (Some(low), Some(high)) => Ok(Some((low, high))),
        (None, None) => Ok(None),
        _ => Err(format!(
            "one skin ITA quartile is measured and the other not: {values:?}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Padding ends a face's candidates; a candidate after it, or a number no identity has, is
    /// damage, never a candidate silently dropped or invented.
    #[test]
    fn a_candidate_row_is_its_identities_up_to_the_padding_and_nothing_after() {
        let read = candidates(&[3, 0, NO_CANDIDATE], &[0.75, 0.5, f32::NAN]).unwrap();
        let identities: Vec<u32> = read.iter().map(|c| c.identity.0).collect();
        assert_eq!(identities, [3, 0]);
        assert_eq!(read[1].score, 0.5);
        assert!(
            candidates(&[NO_CANDIDATE, NO_CANDIDATE], &[f32::NAN; 2])
                .unwrap()
                .is_empty()
        );
        let after = candidates(&[1, NO_CANDIDATE, 2], &[0.5, f32::NAN, 0.25]).unwrap_err();
        assert!(after.contains("after the padding"), "{after}");
        let negative = candidates(&[-7], &[0.5]).unwrap_err();
        assert!(negative.contains("-7"), "{negative}");
    }

    #[test]
    fn skin_quartiles_are_both_measured_or_neither() {
        assert_eq!(quartiles(&[1.5, 2.5]), Ok(Some((1.5, 2.5))));
        assert_eq!(quartiles(&[f32::NAN, f32::NAN]), Ok(None));
        assert!(quartiles(&[f32::NAN, 2.5]).is_err());
    }
}
