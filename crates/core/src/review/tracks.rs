//! Face tracks: the detections of one person across nearby frames, linked so that a reviewer
//! labels a person once, and so that metrics count people rather than frames.

use serde::{Deserialize, Serialize};

use super::DetectionRecord;
use super::labels::{Attributes, GroundTruth};
use crate::ids::{DetectionId, IdentityId, TrackId};
use crate::vision::Embedding;
use crate::vision::manifest::{Metric, ModelSpec};

/// One person as seen across consecutive frames of one input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Track {
    pub id: u32,
    /// The document's detections of this person, in time order.
    pub detections: Vec<DetectionId>,
    #[serde(default)]
    pub label: GroundTruth,
    #[serde(default)]
    pub attributes: Attributes,
    /// Monk value suggested from the face's pixels (Individual Typology Angle); a person confirms
    /// it by setting the `skin` attribute. Never used in metrics on its own.
    #[serde(default)]
    pub skin_tone_suggestion: Option<u8>,
    /// Who a person not on the watchlist is, as the reviewer names them ("P7"), so that several
    /// tracks of one person count as one person in the intervals. A person on the watchlist is
    /// their identity; a track with neither counts as a person of its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<String>,
    /// How uncertain the suggestion is: a range of Monk values, lightest (lowest) first, from the
    /// spread of the cheek pixels' ITA in the track's faces (see [`skin_tone_suggestion`]). None
    /// without a suggestion, and in reviews saved before it was recorded.
    #[serde(default)]
    pub skin_tone_range: Option<(u8, u8)>,
}

impl super::ReviewDocument {
    /// Tracks the tracker never makes ([`super::ReviewDocument::rebuild_tracks`] links faces of
    /// one input only, one face a frame, in frame order, and puts every face in exactly one
    /// track), each in words; empty when there are none. The frame gap is not checked: the
    /// tracker's limit is in seconds, which evidence (that recomputes by this too) does not
    /// record. Faces past the detections are left to the reference checks.
    ///
    /// One rule for every reader: `review::load` refuses such a review, so nothing signs what
    /// `verify --recompute` refuses by this same function.
    pub fn impossible_tracks(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut tracks_of_face = vec![0usize; self.detections.len()];
        let input_name = |input: usize| {
            self.inputs.get(input).map_or(input.to_string(), |i| {
                i.path
                    .file_name()
                    .unwrap_or(i.path.as_os_str())
                    .to_string_lossy()
                    .into_owned()
            })
        };
        for track in &self.tracks {
            let faces: Vec<(usize, &DetectionRecord)> = track
                .detections
                .iter()
                .filter_map(|f| self.detections.get(f.index()).map(|face| (f.index(), face)))
                .collect();
            for (index, _) in &faces {
                tracks_of_face[*index] += 1;
            }
            let mut inputs: Vec<usize> = faces.iter().map(|(_, face)| face.source.input).collect();
            inputs.sort_unstable();
            inputs.dedup();
            if inputs.len() > 1 {
                let names: Vec<String> = inputs.iter().map(|&input| input_name(input)).collect();
                problems.push(format!(
                    "track {} holds faces of {} inputs ({}); a track follows one person in one \
                     input",
                    track.id,
                    inputs.len(),
                    names.join(", ")
                ));
            } else if let Some(pair) = faces
                .windows(2)
                .find(|pair| pair[1].1.source.frame_index <= pair[0].1.source.frame_index)
            {
                problems.push(format!(
                    "track {} holds face {} of frame {} after face {} of frame {}; a track \
                     holds one face a frame, in frame order",
                    track.id,
                    pair[1].0,
                    pair[1].1.source.frame_index,
                    pair[0].0,
                    pair[0].1.source.frame_index
                ));
            }
        }
        for (face, count) in tracks_of_face.iter().enumerate() {
            if *count != 1 {
                problems.push(format!(
                    "face {face} is in {count} tracks; the tracker puts every face in exactly one"
                ));
            }
        }
        problems
    }
}

/// A track's skin tone suggestion and its range, from its faces' cheek ITA (see
/// [`crate::vision::skin`]): the Monk value of the faces' median ITA, and the Monk values spanned
/// by all their ITA interquartile ranges together, lightest first.
///
/// The range is the faces' ranges joined, not the median face's own: one person is seen under
/// changing light, and the doubt in the suggestion is as much frames that disagree as one
/// frame's pixels that spread, which one frame's range would hide. The joined range holds the
/// suggestion (each face's median lies within its own quartiles) and errs wide rather than
/// narrow, the side to err on for a value a person has to confirm; faces that are small, dark,
/// unevenly lit or whose pixels spread too far were withheld before they count. Where any
/// measured face lacks its quartiles (reviews saved before they were recorded) there is no range,
/// rather than one that leaves those faces out.
pub fn skin_tone_suggestion<'a>(
    faces: impl IntoIterator<Item = &'a DetectionRecord>,
) -> (Option<u8>, Option<(u8, u8)>) {
    use crate::vision::skin::monk_from_ita;
    let measured: Vec<&DetectionRecord> =
        faces.into_iter().filter(|d| d.skin_ita.is_some()).collect();
    let mut medians: Vec<f32> = measured.iter().filter_map(|d| d.skin_ita).collect();
    medians.sort_by(f32::total_cmp);
    let suggestion = medians
        .get(medians.len() / 2)
        .map(|&ita| monk_from_ita(ita));
    let range = measured
        .iter()
        .map(|d| d.skin_ita_quartiles)
        .collect::<Option<Vec<_>>>()
        .and_then(|quartiles| {
            let darkest = quartiles.iter().map(|&(lower, _)| lower).reduce(f32::min)?;
            let lightest = quartiles.iter().map(|&(_, upper)| upper).reduce(f32::max)?;
            Some((monk_from_ita(lightest), monk_from_ita(darkest)))
        });
    (suggestion, range)
}

/// A review's tracks are addressed by [`TrackId`]: `document.tracks[id]`.
impl std::ops::Index<TrackId> for Vec<Track> {
    type Output = Track;

    fn index(&self, id: TrackId) -> &Track {
        &self[id.index()]
    }
}

impl std::ops::IndexMut<TrackId> for Vec<Track> {
    fn index_mut(&mut self, id: TrackId) -> &mut Track {
        &mut self[id.index()]
    }
}

/// A review's detections are addressed by [`DetectionId`]: `document.detections[id]`.
impl std::ops::Index<DetectionId> for Vec<DetectionRecord> {
    type Output = DetectionRecord;

    fn index(&self, id: DetectionId) -> &DetectionRecord {
        &self[id.index()]
    }
}

/// How a track decides whether it raises an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum AlertRule {
    /// The track alerts when its best detection's best candidate reaches the threshold: what a
    /// live system that alerts on any single frame does.
    #[default]
    BestScore,
    /// The track alerts when more than half of its detections reach the threshold: a system
    /// that waits for agreement across frames.
    Majority,
}

/// When two detections in nearby frames are taken to be the same person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackingSettings {
    /// Boxes in consecutive sampled frames must overlap at least this much (IoU)...
    pub min_iou: f32,
    /// ...and their embeddings must be at least this similar (cosine).
    pub min_similarity: f32,
    /// A track ends when its person is not seen for longer than this (seconds).
    pub max_gap_s: f64,
    /// Boxes that overlap less are still linked (embeddings as similar as above) when the face's
    /// centre has moved at most this many of its own widths a second since the track last saw
    /// it. Sampled video needs it: at fps:5 a face moving 4 widths a second overlaps its last box
    /// by IoU 0.11 only, and would become one track per frame. None in reviews saved before it
    /// existed, whose tracks stay as they were linked (and recomputed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_face_widths_per_s: Option<f64>,
    /// For a recognizer compared by Euclidean distance (dlib's), whose raw embeddings are not of
    /// unit length: their distance must be at most this, in place of `min_similarity` (a
    /// cosine). A new analysis sets it to the recognizer's own default threshold (dlib: 0.6,
    /// its "same person" distance). None in reviews saved before it existed, which gated raw
    /// vectors by their dot product and keep the tracks they were linked with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_distance: Option<f32>,
}

/// The speed limit new reviews link with: 10 face widths a second is walking pace straight
/// across the view (1.4 m/s past a face about 0.15 m wide), and about what linking by IoU 0.3
/// alone allows between the frames of 25 fps video taken one by one (a shift of half a width
/// every 0.04 s is 13 widths a second), so sampled video links what every frame would.
pub const MAX_FACE_WIDTHS_PER_S: f64 = 10.0;

impl Default for TrackingSettings {
    fn default() -> Self {
        Self {
            min_iou: 0.3,
            min_similarity: 0.4,
            max_gap_s: 1.0,
            max_face_widths_per_s: Some(MAX_FACE_WIDTHS_PER_S),
            max_distance: None,
        }
    }
}

impl TrackingSettings {
    /// The settings a new analysis links with under `recognizer`: the defaults, and for a
    /// distance recognizer its own default threshold as the embedding gate.
    pub fn for_recognizer(recognizer: &ModelSpec) -> Self {
        let max_distance = match recognizer.metric {
            Some(Metric::Euclidean) => recognizer.default_threshold,
            _ => None,
        };
        Self {
            max_distance,
            ..Self::default()
        }
    }

    /// How alike two faces' embeddings are for linking, and whether that passes the gate: the
    /// recognizer's own score (higher is more alike), so that linking ranks links the same way
    /// whatever the metric.
    fn likeness(&self, last: &Embedding, next: &Embedding, metric: Metric) -> Option<f32> {
        match (metric, self.max_distance) {
            (Metric::Euclidean, Some(max_distance)) => {
                let distance = last.distance(next);
                (distance <= max_distance).then_some(-distance)
            }
            // Cosine recognizers' embeddings are of unit length: their dot product is the cosine.
            _ => {
                let similarity = last.cosine(next);
                (similarity >= self.min_similarity).then_some(similarity)
            }
        }
    }
}

/// The candidate that stands for a whole track under an alert rule: the track alerts at
/// threshold `t` exactly when `score >= t`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrackMatch {
    pub identity: Option<IdentityId>,
    pub score: f32,
}

struct ActiveTrack {
    members: Vec<usize>,
    input: usize,
    last_time: f64,
}

/// Links detections into tracks (lists of detection indices). Detections of one frame are
/// matched to the tracks alive in that input greedily, strongest link (IoU + similarity) first.
pub(crate) fn link_detections(
    detections: &[DetectionRecord],
    settings: &TrackingSettings,
    metric: Metric,
) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..detections.len()).collect();
    order.sort_by(|&a, &b| {
        let (sa, sb) = (&detections[a].source, &detections[b].source);
        (sa.input, sa.frame_index)
            .cmp(&(sb.input, sb.frame_index))
            .then(a.cmp(&b))
    });
    let mut finished: Vec<Vec<usize>> = Vec::new();
    let mut active: Vec<ActiveTrack> = Vec::new();
    for frame in order.chunk_by(|&a, &b| {
        let (sa, sb) = (&detections[a].source, &detections[b].source);
        (sa.input, sa.frame_index) == (sb.input, sb.frame_index)
    }) {
        let source = detections[frame[0]].source;
        let (alive, ended): (Vec<_>, Vec<_>) = active.into_iter().partition(|t| {
            t.input == source.input && source.timestamp_s - t.last_time <= settings.max_gap_s
        });
        finished.extend(ended.into_iter().map(|t| t.members));
        active = alive;
        let links = strongest_links(detections, &active, frame, settings, metric);
        let mut taken = vec![false; frame.len()];
        for (track, slot) in links {
            taken[slot] = true;
            active[track].members.push(frame[slot]);
            active[track].last_time = source.timestamp_s;
        }
        for (_, &detection) in frame.iter().enumerate().filter(|(slot, _)| !taken[*slot]) {
            active.push(ActiveTrack {
                members: vec![detection],
                input: source.input,
                last_time: source.timestamp_s,
            });
        }
    }
    finished.extend(active.into_iter().map(|t| t.members));
    finished.sort_by_key(|members| members[0]);
    finished
}

/// Pairs (active track, slot in frame), each used at most once, strongest first.
fn strongest_links(
    detections: &[DetectionRecord],
    active: &[ActiveTrack],
    frame: &[usize],
    settings: &TrackingSettings,
    metric: Metric,
) -> Vec<(usize, usize)> {
    let mut candidates = Vec::new();
    for (track_index, track) in active.iter().enumerate() {
        let Some(&last) = track.members.last() else {
            continue;
        };
        let last = &detections[last];
        for (slot, &detection) in frame.iter().enumerate() {
            let next = &detections[detection];
            let overlap = last.bbox.iou(&next.bbox);
            let near = overlap >= settings.min_iou || within_speed(last, next, settings);
            let likeness = settings.likeness(&last.embedding, &next.embedding, metric);
            if let (true, Some(likeness)) = (near, likeness) {
                candidates.push((overlap + likeness, track_index, slot));
            }
        }
    }
    candidates.sort_by(|a, b| b.0.total_cmp(&a.0));
    let (mut track_used, mut slot_used) = (vec![false; active.len()], vec![false; frame.len()]);
    let mut links = Vec::new();
    for (_, track, slot) in candidates {
        if !track_used[track] && !slot_used[slot] {
            track_used[track] = true;
            slot_used[slot] = true;
            links.push((track, slot));
        }
    }
    links
}

/// Whether `next`'s face is where `last`'s could have moved to at the settings' speed limit in
/// the time between them (centre to centre, in widths of `last`'s box).
fn within_speed(
    last: &DetectionRecord,
    next: &DetectionRecord,
    settings: &TrackingSettings,
) -> bool {
    let Some(speed) = settings.max_face_widths_per_s else {
        return false;
    };
    let elapsed = next.source.timestamp_s - last.source.timestamp_s;
    let width = f64::from(last.bbox.width());
    let centre = |b: &crate::vision::BoundingBox| {
        (f64::from(b.x1 + b.x2) / 2.0, f64::from(b.y1 + b.y2) / 2.0)
    };
    let ((x1, y1), (x2, y2)) = (centre(&last.bbox), centre(&next.bbox));
    width > 0.0 && (x2 - x1).hypot(y2 - y1) <= speed * elapsed * width
}

/// What a track's alert decision rests on, under `rule`.
pub fn track_match(
    members: &[DetectionId],
    detections: &[DetectionRecord],
    rule: AlertRule,
) -> TrackMatch {
    let rank_one = |&i: &DetectionId| match detections[i.index()].candidates.first() {
        Some(c) => TrackMatch {
            identity: Some(c.identity),
            score: c.score,
        },
        None => TrackMatch {
            identity: None,
            score: f32::NEG_INFINITY,
        },
    };
    let none = TrackMatch {
        identity: None,
        score: f32::NEG_INFINITY,
    };
    match rule {
        // The common case needs no allocation: it runs for every track on every slicing change.
        AlertRule::BestScore => members.iter().map(rank_one).fold(none, |best, m| {
            let better = m.score > best.score || (best.identity.is_none() && m.identity.is_some());
            if better { m } else { best }
        }),
        AlertRule::Majority => {
            let mut firsts: Vec<TrackMatch> = members.iter().map(rank_one).collect();
            firsts.sort_by(|a, b| b.score.total_cmp(&a.score));
            // More than half reach t exactly when the k-th best score reaches t.
            let k = firsts.len() / 2 + 1;
            let Some(kth) = firsts.get(k - 1) else {
                return none;
            };
            TrackMatch {
                identity: most_frequent_identity(&firsts[..k]),
                score: kth.score,
            }
        }
    }
}

/// The identity named most often at rank 1; ties go to the one seen first (higher score).
fn most_frequent_identity(matches: &[TrackMatch]) -> Option<IdentityId> {
    let mut best: Option<(IdentityId, usize)> = None;
    for m in matches {
        let Some(identity) = m.identity else { continue };
        let count = matches
            .iter()
            .filter(|o| o.identity == Some(identity))
            .count();
        if best.is_none_or(|(_, c)| count > c) {
            best = Some((identity, count));
        }
    }
    best.map(|(identity, _)| identity)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::Candidate;
    use crate::review::SourceRef;
    use crate::vision::{BoundingBox, Embedding, Point};

    fn detection(
        input: usize,
        frame: u64,
        x: f32,
        embedding: &[f32],
        score: f32,
    ) -> DetectionRecord {
        DetectionRecord {
            source: SourceRef {
                input,
                frame_index: frame,
                timestamp_s: frame as f64 / 10.0,
            },
            bbox: BoundingBox {
                x1: x,
                y1: 0.0,
                x2: x + 10.0,
                y2: 10.0,
            },
            landmarks: [Point::default(); 5],
            detector_score: 0.9,
            embedding: Embedding::normalized(embedding),
            candidates: vec![Candidate {
                identity: IdentityId((score * 10.0) as u32 % 3),
                score,
            }],
            skin_ita: None,
            skin_ita_quartiles: None,
        }
    }

    /// A face whose cheek ITA has this median and quartiles (degrees).
    fn measured(median: f32, lower_quartile: f32, upper_quartile: f32) -> DetectionRecord {
        DetectionRecord {
            skin_ita: Some(median),
            skin_ita_quartiles: Some((lower_quartile, upper_quartile)),
            ..detection(0, 0, 0.0, &[1.0, 0.0], 0.5)
        }
    }

    #[test]
    fn a_tracks_skin_range_spans_its_faces_ranges() {
        // Medians 36°, 38°, 40°: the middle one, 38°, is Monk 4 (34–41°). The faces' middle
        // halves run 30–40°, 31–46° and 35–50°: together 30–50°, Monk 2 (48–55°) to Monk 5
        // (28–34°). The median face's own range alone (31–46°) would be Monk 3 to 5.
        let faces = [
            measured(36.0, 30.0, 40.0),
            measured(38.0, 31.0, 46.0),
            measured(40.0, 35.0, 50.0),
            detection(0, 1, 0.0, &[1.0, 0.0], 0.5),
        ];
        assert_eq!(skin_tone_suggestion(&faces), (Some(4), Some((2, 5))));
        // One face: its own range.
        assert_eq!(skin_tone_suggestion(&faces[1..2]), (Some(4), Some((3, 5))));
        // Faces measured before the quartiles were recorded: a suggestion without a range.
        let older = DetectionRecord {
            skin_ita_quartiles: None,
            ..measured(38.0, 31.0, 46.0)
        };
        assert_eq!(skin_tone_suggestion(&[older]), (Some(4), None));
        // Nothing measured: nothing suggested.
        assert_eq!(skin_tone_suggestion(&faces[3..]), (None, None));
    }

    #[test]
    fn two_people_walking_side_by_side_become_two_tracks() {
        let detections = vec![
            detection(0, 0, 0.0, &[1.0, 0.0], 0.1),
            detection(0, 0, 50.0, &[0.0, 1.0], 0.2),
            detection(0, 1, 52.0, &[0.0, 1.0], 0.3),
            detection(0, 1, 2.0, &[1.0, 0.1], 0.4),
            detection(0, 2, 4.0, &[1.0, 0.0], 0.5),
        ];
        let tracks = link_detections(&detections, &TrackingSettings::default(), Metric::Cosine);
        assert_eq!(tracks, vec![vec![0, 3, 4], vec![1, 2]]);
    }

    #[test]
    fn tracks_break_on_a_gap_a_new_input_or_a_different_face() {
        let detections = vec![
            detection(0, 0, 0.0, &[1.0, 0.0], 0.1),
            detection(0, 30, 0.0, &[1.0, 0.0], 0.1), // 3 s later: beyond the 1 s gap
            detection(1, 31, 0.0, &[1.0, 0.0], 0.1), // another input
            detection(1, 32, 0.0, &[-1.0, 0.0], 0.1), // same place, not the same face
        ];
        let tracks = link_detections(&detections, &TrackingSettings::default(), Metric::Cosine);
        assert_eq!(tracks.len(), 4);
    }

    #[test]
    fn best_score_and_majority_rules() {
        let detections = vec![
            detection(0, 0, 0.0, &[1.0], 0.9),
            detection(0, 1, 0.0, &[1.0], 0.2),
            detection(0, 2, 0.0, &[1.0], 0.3),
        ];
        let members = [DetectionId(0), DetectionId(1), DetectionId(2)];
        assert_eq!(
            track_match(&members, &detections, AlertRule::BestScore).score,
            0.9
        );
        // Two of three must reach the threshold: the 2nd best score decides.
        assert_eq!(
            track_match(&members, &detections, AlertRule::Majority).score,
            0.3
        );
        assert_eq!(
            track_match(&members[..2], &detections, AlertRule::Majority).score,
            0.2
        );
        assert_eq!(
            track_match(&[], &detections, AlertRule::Majority).identity,
            None
        );
    }

    #[test]
    fn majority_names_the_identity_seen_most_often() {
        let at = |identity: u32, score: f32| TrackMatch {
            identity: Some(IdentityId(identity)),
            score,
        };
        assert_eq!(
            most_frequent_identity(&[at(1, 0.9), at(2, 0.8), at(2, 0.7)]),
            Some(IdentityId(2))
        );
        assert_eq!(
            most_frequent_identity(&[at(1, 0.9), at(2, 0.8)]),
            Some(IdentityId(1))
        );
    }

    /// A face 10 pixels wide moving 8 pixels between frames 0.2 s apart (4 face widths a
    /// second, as someone walking slowly across the view, sampled at fps:5): the boxes overlap
    /// by IoU 0.11 only.
    fn crossing(step: f32) -> Vec<DetectionRecord> {
        (0..4)
            .map(|k| detection(0, 2 * k, step * k as f32, &[1.0, 0.0], 0.1))
            .collect()
    }

    #[test]
    fn a_face_crossing_the_view_between_sampled_frames_stays_one_track() {
        let tracks = link_detections(&crossing(8.0), &TrackingSettings::default(), Metric::Cosine);
        assert_eq!(tracks, vec![vec![0, 1, 2, 3]]);
        // Faster than the tracker's speed limit (30 pixels in 0.2 s: 15 face widths a second):
        // not taken for the same face.
        let tracks = link_detections(
            &crossing(30.0),
            &TrackingSettings::default(),
            Metric::Cosine,
        );
        assert_eq!(tracks.len(), 4);
        // A different face where the moving one would be: not linked however close, and the
        // moving face, seen again 0.4 s after its last sighting, goes on in its track.
        let mut faces = crossing(8.0);
        faces[2].embedding = Embedding::normalized(&[-1.0, 0.0]);
        let tracks = link_detections(&faces, &TrackingSettings::default(), Metric::Cosine);
        assert_eq!(tracks, vec![vec![0, 1, 3], vec![2]]);
    }

    /// Two faces in the same place in consecutive frames, with raw (not unit-length) embeddings
    /// as dlib's ResNet-29 gives them: about 1.4 long (1.27–1.55 on the test photos' chips), so
    /// that even different people's dot product is about 1.7 (cosine 0.88 on average). Same
    /// person: distance 0.35–0.47 there; different people: mostly beyond dlib's 0.6.
    fn raw_pair(distance: f32) -> Vec<DetectionRecord> {
        let (a, b) = (
            [1.4, 0.0],
            [(1.4 * 1.4 - distance * distance).sqrt(), distance],
        );
        let mut faces = vec![
            detection(0, 0, 0.0, &[1.0, 0.0], 0.1),
            detection(0, 1, 1.0, &[1.0, 0.0], 0.1),
        ];
        faces[0].embedding = Embedding(a.to_vec());
        faces[1].embedding = Embedding(b.to_vec());
        faces
    }

    #[test]
    fn a_distance_recognizer_links_faces_by_distance_not_by_dot_product() {
        let settings = TrackingSettings {
            max_distance: Some(0.6),
            ..TrackingSettings::default()
        };
        let different = raw_pair(0.9);
        let same = raw_pair(0.4);
        assert_eq!(
            link_detections(&different, &settings, Metric::Euclidean).len(),
            2
        );
        assert_eq!(
            link_detections(&same, &settings, Metric::Euclidean).len(),
            1
        );
        // A cosine recognizer's gate is unchanged.
        assert_eq!(
            link_detections(&crossing(8.0), &settings, Metric::Cosine).len(),
            1
        );
        // Reviews saved before the distance gate existed keep the tracks they were linked with.
        let older = TrackingSettings {
            max_distance: None,
            ..TrackingSettings::default()
        };
        assert_eq!(
            link_detections(&different, &older, Metric::Euclidean).len(),
            1
        );
    }

    #[test]
    fn reviews_saved_without_a_speed_limit_keep_the_tracks_they_were_linked_with() {
        let settings: TrackingSettings =
            ron::from_str("(min_iou: 0.3, min_similarity: 0.4, max_gap_s: 1.0)").unwrap();
        assert_eq!(settings.max_face_widths_per_s, None);
        assert_eq!(
            link_detections(&crossing(8.0), &settings, Metric::Cosine).len(),
            4
        );
    }
}
