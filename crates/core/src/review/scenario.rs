//! The workshop scenario: a review document drawn from score distributions per group instead of
//! from footage, so that trainees can watch a false-positive differential move with the
//! threshold. It is a simulation, and the document says so for ever: its [`Simulation`] record
//! (seed and parameters) is saved with it, and [`ReviewDocument::simulated_because`] also
//! recognises it without that record, by the absence of anything a real analysis leaves behind
//! (footage with a SHA-256, face embeddings).
//!
//! The parameters follow published findings, as an illustration and not a reproduction:
//! NISTIR 8280 (Grother et al., 2019) found false-positive rates differing between demographic
//! groups by factors of 10 to 100 for many algorithms; the NPL evaluation of the NEC NeoFace
//! system used by the Metropolitan and South Wales Police (Mansfield, 2023) found no
//! statistically significant imbalance at face-match thresholds of 0.6 and above, but one below
//! it. Here the reference group's rank-one impostor score is a logistic bulk with a small share
//! of look-alikes scoring high (so that its FPIR can be observed at 0.6 in the default draw), and
//! every other group's survival function is the reference's times the group's ratio r(t): its
//! full ratio at and below `low_threshold`, falling log-linearly to 1 at `parity_threshold`, and
//! exactly 1 from there up (see [`ImpostorScores`]), so that above the parity threshold no group
//! differs from the reference, neither way.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::labels::{Attributes, GroundTruth};
use super::slices::Slicing;
use super::tracks::Track;
use super::{
    AnalysisSettings, DetectionRecord, InputRecord, InputStatus, ReviewDocument, SourceRef,
};
use crate::footage::MediaInfo;
use crate::ids::{DetectionId, IdentityId};
use crate::matching::Candidate;
use crate::vision::{BoundingBox, Embedding, ModelRecord, ModelRole, Point, VisionConfig};
use crate::watchlist::{Identity, Watchlist};

/// What the generator's document is called wherever a path is expected: no file has it.
pub const SIMULATED_SOURCE: &str = "SIMULATED workshop scenario (no footage)";

/// The word every screen, command and file shows on a simulated review.
pub const SIMULATED: &str = "SIMULATED";

/// Which generator drew the document; bumped when the same parameters would draw another one.
pub const GENERATOR: &str = "lineup workshop scenario 2";

/// A logistic distribution of similarity scores: P(score ≥ t) = 1 / (1 + exp((t − centre) / scale)).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Logistic {
    pub centre: f64,
    pub scale: f64,
}

impl Logistic {
    /// The share of scores at or above `threshold`.
    pub fn survival(&self, threshold: f64) -> f64 {
        1.0 / (1.0 + ((threshold - self.centre) / self.scale).exp())
    }

    /// The score whose survival is `u` (inverse transform sampling).
    fn quantile_above(&self, u: f64) -> f64 {
        self.centre + self.scale * ((1.0 - u) / u).ln()
    }
}

/// Look-alikes among the reference group's impostors: a share of them whose rank-one score is
/// drawn from a second logistic, centred high.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LookAlikes {
    pub share: f64,
    pub scores: Logistic,
}

/// A group's rank-one impostor scores, by their survival function
/// S(t) = min(1, S_ref(t) · r(t)): r is the group's ratio at and below the low threshold,
/// falls log-linearly to 1 at the parity threshold and is exactly 1 from there up. S_ref is the
/// reference group's (its bulk, and its look-alikes if any).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImpostorScores {
    pub bulk: Logistic,
    pub look_alikes: Option<LookAlikes>,
    pub ratio: f64,
    pub low: f64,
    pub parity: f64,
}

impl ImpostorScores {
    /// The reference group's share of scores at or above `threshold`.
    pub fn reference_survival(&self, threshold: f64) -> f64 {
        match self.look_alikes {
            Some(tail) => {
                (1.0 - tail.share) * self.bulk.survival(threshold)
                    + tail.share * tail.scores.survival(threshold)
            }
            None => self.bulk.survival(threshold),
        }
    }

    /// The group's FPIR at `threshold` as a multiple of the reference's.
    pub fn ratio_at(&self, threshold: f64) -> f64 {
        if threshold <= self.low {
            self.ratio
        } else if threshold >= self.parity {
            1.0
        } else {
            self.ratio
                .powf((self.parity - threshold) / (self.parity - self.low))
        }
    }

    /// The share of the group's scores at or above `threshold`.
    pub fn survival(&self, threshold: f64) -> f64 {
        (self.reference_survival(threshold) * self.ratio_at(threshold)).min(1.0)
    }

    /// The score whose survival is `u`, by bisection over the scores' range [−1, 1] (the
    /// survival function is non-increasing; 64 halvings reach the last bit of an f64).
    fn quantile_above(&self, u: f64) -> f64 {
        let (mut low, mut high) = (-1.0f64, 1.0f64);
        if self.survival(high) >= u {
            return high;
        }
        if self.survival(low) < u {
            return low;
        }
        for _ in 0..64 {
            let middle = 0.5 * (low + high);
            if self.survival(middle) >= u {
                low = middle;
            } else {
                high = middle;
            }
        }
        low
    }
}

/// One demographic group of the scenario: its perceived skin tones (Monk values, from the
/// review's default attribute schema) and its FPIR as a multiple of the reference group's at the
/// low threshold (1 for the reference group itself).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioGroup {
    /// The slice name the review shows for it ("Monk 1–3").
    pub name: String,
    pub skin_values: Vec<String>,
    pub fpir_ratio: f64,
}

/// Everything the scenario is drawn from; recorded in the document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioParameters {
    pub seed: u64,
    /// The first group is the reference; the others' ratios apply at `low_threshold`.
    pub groups: Vec<ScenarioGroup>,
    /// Where the groups' FPIR differ by their ratios.
    pub low_threshold: f64,
    /// Where, and above which, their FPIR agree (NPL: 0.6).
    pub parity_threshold: f64,
    /// The reference group's rank-one score for a person not on the watchlist: the bulk of
    /// them (and the genuine searches' second candidate)...
    pub reference_impostor: Logistic,
    /// ...and its look-alikes (absent in scenarios drawn by generator 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_look_alikes: Option<LookAlikes>,
    /// Every group's score for a person on the watchlist, against their own identity.
    pub genuine: Logistic,
    /// People not on the watchlist passing, per group (each seen once).
    pub non_mated_per_group: u32,
    /// Sightings of watchlist people, per group.
    pub mated_per_group: u32,
    /// Watchlist identities per group.
    pub identities_per_group: u32,
}

/// What a review records about the simulation it is: never present in a real analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Simulation {
    pub generator: String,
    pub parameters: ScenarioParameters,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScenarioError {
    #[error(
        "a differential of {ratio} for {group} cannot be drawn: at threshold {low} the reference \
         group's FPIR is {reference:.4}, so the group's would be {wanted:.2} (the ratio must be at \
         least 1, and the group's FPIR below 1)"
    )]
    Unreachable {
        group: String,
        ratio: f64,
        low: f64,
        reference: f64,
        wanted: f64,
    },
    #[error("the low threshold ({low}) must lie below the parity threshold ({parity})")]
    Thresholds { low: f64, parity: f64 },
    #[error("the scenario needs at least one group, one identity and one search per group")]
    Empty,
}

impl ScenarioParameters {
    /// The workshop's default: three skin tone groups (Monk 1–3 the reference, Monk 4–6 at the
    /// square root of `differential`, Monk 7–10 at `differential` times the reference's FPIR at
    /// threshold 0.4), the same FPIR for all from 0.6 up. The reference's FPIR is about 0.95%
    /// at 0.4 (so that a differential of 100 can still be drawn) and about 0.41% at 0.6, where
    /// 2,000 people per group give some 8 false matches each: enough to see parity.
    pub fn workshop(seed: u64, differential: f64) -> Self {
        let group = |name: &str, values: std::ops::RangeInclusive<u8>, ratio: f64| ScenarioGroup {
            name: name.to_string(),
            skin_values: values.map(|v| v.to_string()).collect(),
            fpir_ratio: ratio,
        };
        ScenarioParameters {
            seed,
            groups: vec![
                group("Monk 1–3", 1..=3, 1.0),
                group("Monk 4–6", 4..=6, differential.sqrt()),
                group("Monk 7–10", 7..=10, differential),
            ],
            low_threshold: 0.4,
            parity_threshold: 0.6,
            reference_impostor: Logistic {
                centre: 0.15,
                scale: 0.04,
            },
            reference_look_alikes: Some(LookAlikes {
                share: 0.01,
                scores: Logistic {
                    centre: 0.55,
                    scale: 0.13,
                },
            }),
            genuine: Logistic {
                centre: 0.72,
                scale: 0.04,
            },
            non_mated_per_group: 2000,
            mated_per_group: 200,
            identities_per_group: 20,
        }
    }

    /// Each group's rank-one impostor score distribution, in the groups' order. A group's
    /// ratio must be at least 1 and leave its FPIR at the low threshold below 1.
    pub fn impostor_scores(&self) -> Result<Vec<ImpostorScores>, ScenarioError> {
        let (low, parity) = (self.low_threshold, self.parity_threshold);
        if low.partial_cmp(&parity) != Some(std::cmp::Ordering::Less) {
            return Err(ScenarioError::Thresholds { low, parity });
        }
        if self.groups.is_empty()
            || self.identities_per_group == 0
            || self.non_mated_per_group == 0
            || self.mated_per_group == 0
        {
            return Err(ScenarioError::Empty);
        }
        self.groups
            .iter()
            .map(|group| {
                let scores = ImpostorScores {
                    bulk: self.reference_impostor,
                    look_alikes: self.reference_look_alikes,
                    ratio: group.fpir_ratio,
                    low,
                    parity,
                };
                let at_low = scores.reference_survival(low);
                let wanted = group.fpir_ratio * at_low;
                if !(group.fpir_ratio >= 1.0 && wanted < 1.0) {
                    return Err(ScenarioError::Unreachable {
                        group: group.name.clone(),
                        ratio: group.fpir_ratio,
                        low,
                        reference: at_low,
                        wanted,
                    });
                }
                Ok(scores)
            })
            .collect()
    }

    /// The FPIR the parameters give each group at `threshold`, in the groups' order: what a
    /// large enough draw measures.
    pub fn expected_fpir(&self, threshold: f64) -> Result<Vec<f64>, ScenarioError> {
        Ok(self
            .impostor_scores()?
            .iter()
            .map(|scores| scores.survival(threshold))
            .collect())
    }
}

/// SplitMix64 (Steele, Lea and Flood 2014): small, and written here so that a seed draws the
/// same scenario whatever crate versions lineup is built with.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in the open interval (0, 1).
    fn unit(&mut self) -> f64 {
        ((self.next() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    fn below(&mut self, n: usize) -> usize {
        (self.unit() * n as f64) as usize % n.max(1)
    }

    fn score(&mut self, distribution: &Logistic) -> f32 {
        distribution.quantile_above(self.unit()).clamp(-1.0, 1.0) as f32
    }

    fn impostor_score(&mut self, distribution: &ImpostorScores) -> f32 {
        distribution.quantile_above(self.unit()) as f32
    }

    fn pick<'a>(&mut self, values: &'a [String]) -> &'a str {
        &values[self.below(values.len())]
    }
}

/// Draws the scenario `parameters` describe into a fully labelled review document, marked as a
/// simulation. The same parameters (seed included) always draw the same document.
pub fn generate(parameters: &ScenarioParameters) -> Result<ReviewDocument, ScenarioError> {
    let impostors = parameters.impostor_scores()?;
    let mut random = SplitMix64(parameters.seed);
    let mut document = ReviewDocument::new(
        AnalysisSettings {
            threshold: parameters.parity_threshold as f32,
            top_k: 2,
            vision: VisionConfig::default(),
            sampling: Default::default(),
        },
        Vec::new(),
        vec![simulated_input()],
        simulated_watchlist(parameters),
    );
    document.simulation = Some(Simulation {
        generator: GENERATOR.to_string(),
        parameters: parameters.clone(),
    });
    document.slicing = Slicing::by(&["skin"]);
    document.reference_slice = parameters.groups.first().map(|g| g.name.clone());
    document.warnings.push(format!(
        "{SIMULATED}: this review was drawn by the workshop scenario generator (seed {}), not \
         analysed from footage. Its numbers describe no real system and it cannot be exported \
         as a signed assessment.",
        parameters.seed
    ));
    let genders = strings(&["female", "male"]);
    let ages = strings(&["18–29", "30–44", "45–59", "60+"]);
    let per_group = parameters.identities_per_group as usize;
    let identities = document.watchlist.identities.len();
    let mut passers_by = 0;
    for (group_number, (group, impostor)) in parameters.groups.iter().zip(&impostors).enumerate() {
        let first_identity = group_number * per_group;
        for identity in first_identity..first_identity + per_group {
            let attributes = attributes_of(group, &genders, &ages, &mut random);
            let name = document.watchlist.identities[identity].name.clone();
            document.identity_attributes.insert(name, attributes);
        }
        for _ in 0..parameters.mated_per_group {
            let identity = first_identity + random.below(per_group);
            let other = (identity + 1 + random.below(identities - 1)) % identities;
            let candidates = vec![
                candidate(identity, random.score(&parameters.genuine)),
                candidate(other, random.score(&parameters.reference_impostor)),
            ];
            let name = &document.watchlist.identities[identity].name;
            let attributes = document.identity_attributes[name].clone();
            let label = GroundTruth::OnWatchlist(IdentityId(identity as u32));
            push_track(&mut document, candidates, label, attributes, None);
        }
        for _ in 0..parameters.non_mated_per_group {
            passers_by += 1;
            let candidates = vec![candidate(
                random.below(identities),
                random.impostor_score(impostor),
            )];
            let attributes = attributes_of(group, &genders, &ages, &mut random);
            let person = Some(format!("passer-by {passers_by}"));
            let label = GroundTruth::NotOnWatchlist;
            push_track(&mut document, candidates, label, attributes, person);
        }
    }
    document.inputs[0].frames_analysed = document.detections.len() as u64;
    Ok(document)
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| v.to_string()).collect()
}

fn candidate(identity: usize, score: f32) -> Candidate {
    Candidate {
        identity: IdentityId(identity as u32),
        score,
    }
}

fn attributes_of(
    group: &ScenarioGroup,
    genders: &[String],
    ages: &[String],
    random: &mut SplitMix64,
) -> Attributes {
    let mut attributes = Attributes::new();
    attributes.insert("skin".into(), random.pick(&group.skin_values).to_string());
    attributes.insert("gender".into(), random.pick(genders).to_string());
    attributes.insert("age".into(), random.pick(ages).to_string());
    attributes
}

/// The one input every simulated face points at: no file, no hash.
fn simulated_input() -> InputRecord {
    InputRecord {
        path: PathBuf::from(SIMULATED_SOURCE),
        digest: None,
        dimensions: None,
        status: InputStatus::Analysed,
        media: None,
        frames_analysed: 0,
        stopped_early: None,
    }
}

fn simulated_watchlist(parameters: &ScenarioParameters) -> Watchlist {
    let count = parameters.groups.len() * parameters.identities_per_group as usize;
    Watchlist {
        root: PathBuf::from(SIMULATED_SOURCE),
        identities: (1..=count)
            .map(|number| Identity {
                name: format!("simulated person {number:03}"),
                photos: Vec::new(),
            })
            .collect(),
    }
}

/// Adds one face, seen once, as one labelled track. Its candidates are sorted best first, as a
/// search gives them; it has no embedding, as no model ever saw it.
fn push_track(
    document: &mut ReviewDocument,
    mut candidates: Vec<Candidate>,
    label: GroundTruth,
    attributes: Attributes,
    person: Option<String>,
) {
    candidates.sort_by(|a, b| b.score.total_cmp(&a.score));
    let number = document.detections.len();
    document.detections.push(DetectionRecord {
        source: SourceRef {
            input: 0,
            frame_index: number as u64,
            timestamp_s: 0.0,
        },
        bbox: BoundingBox {
            x1: 0.0,
            y1: 0.0,
            x2: 112.0,
            y2: 112.0,
        },
        landmarks: [Point { x: 0.0, y: 0.0 }; 5],
        detector_score: 1.0,
        embedding: Embedding(Vec::new()),
        candidates,
        skin_ita: None,
        skin_ita_quartiles: None,
    });
    document.tracks.push(Track {
        id: number as u32,
        detections: vec![DetectionId(number)],
        label,
        attributes,
        skin_tone_suggestion: None,
        person,
        skin_tone_range: None,
    });
}

/// Whether `path` is the generator's placeholder for footage or a watchlist. A review stores it
/// as itself (never resolved against a folder); one saved before may hold it inside a folder.
pub fn is_placeholder(path: &Path) -> bool {
    path.ends_with(SIMULATED_SOURCE)
}

impl ReviewDocument {
    /// Why this document is a simulation and not an analysis of real footage; None when
    /// nothing says so. A document that lost its [`Simulation`] record (say, by hand editing)
    /// still gives itself away: its footage is the generator's placeholder, and its faces have
    /// no embeddings, where a real analysis embeds every face it finds. This says what gets the
    /// SIMULATED mark; what lineup refuses to sign is wider ([`Self::not_signable_because`]).
    pub fn simulated_because(&self) -> Option<String> {
        if let Some(simulation) = &self.simulation {
            return Some(format!(
                "it is a {SIMULATED} workshop scenario ({}, seed {}), not an analysis of real footage",
                simulation.generator, simulation.parameters.seed
            ));
        }
        if is_placeholder(&self.watchlist.root)
            || self.inputs.iter().any(|i| is_placeholder(&i.path))
        {
            return Some(format!(
                "its footage and watchlist are the scenario generator's placeholder \
                 (\"{SIMULATED_SOURCE}\"): it is {SIMULATED}, with its record edited out"
            ));
        }
        if !self.detections.is_empty() && self.detections.iter().all(|d| d.embedding.0.is_empty()) {
            return Some(format!(
                "none of its faces has an embedding: no recognition model saw them, so it is \
                 {SIMULATED} or edited by hand"
            ));
        }
        None
    }

    pub fn is_simulated(&self) -> bool {
        self.simulated_because().is_some()
    }

    /// Why lineup will not sign this document as an assessment; None when it carries every
    /// trace lineup's own analysis leaves: the models' records, the SHA-256 of every analysed
    /// input, an embedding of the recognizer's length for every face, and faces only in frames
    /// their input has. None proves the document real (a hand-made file can carry all of
    /// these; only `lineup verify --against` a re-run on the original footage ties it to the
    /// footage), but a document lacking any of them cannot have come from an analysis.
    pub fn not_signable_because(&self) -> Option<String> {
        self.simulated_because()
            .or_else(|| missing_models(&self.models))
            .or_else(|| {
                let others = self.other_recognizers.iter().map(|run| &run.model);
                unvouched_model(self.models.iter().chain(others))
            })
            .or_else(|| self.input_without_digest())
            .or_else(|| self.face_without_embedding())
            .or_else(|| self.face_beyond_its_input())
            .or_else(|| self.face_without_its_candidates())
    }

    /// A search gives every face min(top-k, identities) candidates, for every recognizer: an
    /// identity without a usable photo is still a candidate (scoring below every other), and
    /// enrolment makes no identity without one. A face with fewer or more had its candidates
    /// edited: an emptied row hides its alert.
    fn face_without_its_candidates(&self) -> Option<String> {
        let gives = self.settings.top_k.min(self.watchlist.identities.len());
        let own = self.detections.iter().map(|d| &d.candidates);
        let rows = std::iter::once((None, own.collect::<Vec<_>>())).chain(
            self.other_recognizers.iter().map(|run| {
                let rows = run.faces.iter().map(|f| &f.candidates).collect();
                (Some(&run.model.name), rows)
            }),
        );
        rows.into_iter().find_map(|(recognizer, rows)| {
            let face = rows.iter().position(|c| c.len() != gives)?;
            let whose = recognizer.map_or(String::new(), |name| format!(" by {name}"));
            Some(format!(
                "face {face} has {} candidate(s){whose} where the search at top-k {} over {} \
                 identities gives {gives}: its candidates were edited by hand",
                rows[face].len(),
                self.settings.top_k,
                self.watchlist.identities.len()
            ))
        })
    }

    fn input_without_digest(&self) -> Option<String> {
        let input = self
            .inputs
            .iter()
            .find(|i| i.status == InputStatus::Analysed && i.digest.is_none())?;
        Some(format!(
            "its analysed input {} has no SHA-256, which every analysis records: it was made \
             or edited by hand",
            input.path.display()
        ))
    }

    fn face_without_embedding(&self) -> Option<String> {
        let wanted = embedding_length(&self.models);
        let (face, detection) = self.detections.iter().enumerate().find(|(_, d)| {
            let length = d.embedding.0.len();
            length == 0 || wanted.is_some_and(|wanted| length != wanted)
        })?;
        let gives = wanted.map_or("an embedding".to_owned(), |n| format!("{n}"));
        Some(format!(
            "face {face} has {} embedding values where the recognizer gives {gives}: no \
             recognition model saw it, so the review is {SIMULATED} or edited by hand",
            detection.embedding.0.len()
        ))
    }

    fn face_beyond_its_input(&self) -> Option<String> {
        self.detections
            .iter()
            .enumerate()
            .find_map(|(face, d)| {
                let input = &self.inputs.get(d.source.input)?;
                let frames = frame_bound(input.media.as_ref())?;
                (d.source.frame_index >= frames)
                    .then(|| frame_beyond_message(face, d.source.frame_index, &input.path, frames))
            })
            .or_else(|| {
                let face = self
                    .detections
                    .iter()
                    .position(|d| d.source.input >= self.inputs.len())?;
                Some(format!(
                    "face {face} names input {}, but the review lists only {} inputs",
                    self.detections[face].source.input,
                    self.inputs.len()
                ))
            })
    }
}

/// A review or evidence without both a detector's and a recognizer's record was never analysed.
pub fn missing_models(models: &[ModelRecord]) -> Option<String> {
    let has = |role: ModelRole| models.iter().any(|m| m.role == role);
    (!has(ModelRole::Detector) || !has(ModelRole::Recognizer)).then(|| {
        "it records no face detection and recognition models (every analysis records both, \
         with their SHA-256): it was made or edited by hand"
            .to_owned()
    })
}

/// The first model record that is neither a model this lineup ships (a manifest entry's name,
/// file and SHA-256 all three) nor marked as supplied by the reviewer with the source they
/// state (`lineup models add` records both): no analysis records any other, so a report
/// would attribute its numbers to a model lineup never ran. None when every one is vouched
/// for.
pub fn unvouched_model<'a>(models: impl IntoIterator<Item = &'a ModelRecord>) -> Option<String> {
    let shipped = crate::vision::runtime::model_specs();
    let vouched = |model: &ModelRecord| {
        let ships = shipped.iter().any(|spec| {
            spec.name == model.name && spec.file == model.file && spec.sha256 == model.sha256
        });
        ships || (model.supplied_by_reviewer && model.stated_source.is_some())
    };
    let model = models.into_iter().find(|model| !vouched(model))?;
    Some(format!(
        "its model record {:?} (file {:?}, SHA-256 {}) is neither a model lineup ships (a \
         manifest entry's name, file and SHA-256) nor marked as supplied by the reviewer with \
         the source they state: lineup never ran it, so the review was edited by hand",
        model.name, model.file, model.sha256
    ))
}

/// The length of the embeddings the review's recorded recognizer gives, where this build's
/// model manifest describes that model (by its SHA-256); None for a model it does not know.
pub fn embedding_length(models: &[ModelRecord]) -> Option<usize> {
    let recognizer = models.iter().find(|m| m.role == ModelRole::Recognizer)?;
    crate::vision::runtime::model_specs()
        .into_iter()
        .find(|spec| spec.role != ModelRole::Detector && spec.sha256 == recognizer.sha256)?
        .output_size
}

/// Frames a face's index must lie below: the input's declared count, or, where the count was
/// worked out from duration × rate, half as many again (a variable frame rate makes that
/// estimate inexact, and a real review must never be refused). None when no count is known.
pub fn frame_bound(media: Option<&MediaInfo>) -> Option<u64> {
    let media = media?;
    let count = media.frame_count?;
    Some(if media.frame_count_estimated {
        count + count / 2 + 1
    } else {
        count
    })
}

/// Says that face `face` lies in frame `frame` of `path`, which has only `frames` frames.
pub fn frame_beyond_message(face: usize, frame: u64, path: &Path, frames: u64) -> String {
    format!(
        "face {face} is in frame {frame} of {}, which has only {frames} frames: no analysis \
         found it there, so the review was made or edited by hand",
        path.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::{parse, to_text};
    use std::path::Path;

    fn small(seed: u64) -> ScenarioParameters {
        ScenarioParameters {
            non_mated_per_group: 300,
            mated_per_group: 30,
            ..ScenarioParameters::workshop(seed, 10.0)
        }
    }

    #[test]
    fn the_same_seed_draws_the_same_review_and_another_seed_another() {
        let first = generate(&small(7)).unwrap();
        assert_eq!(first, generate(&small(7)).unwrap());
        assert_eq!(to_text(&first), to_text(&generate(&small(7)).unwrap()));
        assert_ne!(first.detections, generate(&small(8)).unwrap().detections);
        let recorded = first.simulation.as_ref().unwrap();
        assert_eq!(recorded.parameters, small(7));
        assert_eq!(recorded.generator, GENERATOR);
        assert_eq!(first.tracks.len(), 3 * 330);
        assert!(
            first
                .tracks
                .iter()
                .all(|t| t.label != GroundTruth::Unlabelled)
        );
    }

    #[test]
    fn the_simulation_survives_saving_and_loading() {
        let document = generate(&small(3)).unwrap();
        let loaded = parse(Path::new("scenario.ron"), &to_text(&document)).unwrap();
        assert_eq!(loaded, document);
        assert!(loaded.simulated_because().unwrap().contains("seed 3"));
        // Through a file, where paths are resolved against the review's folder: the
        // placeholder still reads as one.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("scenario.ron");
        let mut unrecorded = document.clone();
        unrecorded.simulation = None;
        crate::review::save(&unrecorded, &path).unwrap();
        let loaded = crate::review::load(&path).unwrap();
        let reason = loaded.simulated_because().unwrap();
        assert!(reason.contains("placeholder"), "{reason}");
    }

    /// Someone deletes the simulation record from the file by hand: the document's footage is
    /// still the placeholder and its faces have no embeddings, so it still reads as simulated.
    #[test]
    fn a_review_edited_to_drop_the_record_is_still_recognised() {
        let text = to_text(&generate(&small(3)).unwrap());
        // The record is the document's last field: cut from its name to the closing bracket.
        let start = text.find("    simulation: Some(").unwrap();
        let edited = format!("{})\n", &text[..start]);
        assert!(text.contains("simulation:") && !edited.contains("simulation:"));
        let mut document = parse(Path::new("edited.ron"), &edited).unwrap();
        assert_eq!(document.simulation, None);
        let reason = document.simulated_because().unwrap();
        assert!(reason.contains("placeholder"), "{reason}");
        // Even with its placeholders renamed, the faces were never embedded.
        document.inputs[0].path = "cctv/camera 1.mp4".into();
        document.watchlist.root = "watchlist".into();
        let reason = document.simulated_because().unwrap();
        assert!(reason.contains("no recognition model"), "{reason}");
    }

    #[test]
    fn differentials_beyond_what_the_reference_allows_are_refused() {
        let err = generate(&ScenarioParameters::workshop(1, 1000.0)).unwrap_err();
        assert!(matches!(err, ScenarioError::Unreachable { .. }), "{err}");
        assert!(generate(&ScenarioParameters::workshop(1, 100.0)).is_ok());
    }

    /// The parameters themselves: each group's FPIR is its ratio times the reference's at the
    /// low threshold, the same at the parity threshold, and the ratio falls in between.
    #[test]
    fn the_distributions_meet_the_published_ratios() {
        for differential in [10.0, 100.0] {
            let parameters = ScenarioParameters::workshop(1, differential);
            let at = |t: f64| parameters.expected_fpir(t).unwrap();
            let (low, parity) = (at(0.4), at(0.6));
            assert!((low[2] / low[0] - differential).abs() < 1e-9 * differential);
            assert!((low[1] / low[0] - differential.sqrt()).abs() < 1e-9 * differential);
            assert!((parity[2] / parity[0] - 1.0).abs() < 1e-9);
            // From the low threshold up (for ratios near what the reference allows, from a
            // little above it: the group's scores then centre there).
            let from = if differential > 50.0 { 42 } else { 40 };
            let ratios: Vec<f64> = (from..=60)
                .map(|t| {
                    let fpir = at(t as f64 / 100.0);
                    fpir[2] / fpir[0]
                })
                .collect();
            assert!(ratios.windows(2).all(|w| w[1] <= w[0]), "{ratios:?}");
        }
    }

    /// What the app shows when a trainee moves the threshold, in the draw the workshop uses
    /// (the default 2,000 people per group): at 0.4 the Monk 7–10 group's FPIR is the
    /// parameterised multiple of the reference's, within sampling error; from 0.6 up the
    /// reference's false matches are observed and the ratio's interval holds 1, with no reverse
    /// differential (the expert's finding: at 0.7 it was 0.31×, and the reference had none).
    #[test]
    fn moving_the_threshold_moves_the_differential_as_parameterised_at_the_default_size() {
        let parameters = ScenarioParameters::workshop(2026, 10.0);
        assert_eq!(parameters.non_mated_per_group, 2000);
        let document = generate(&parameters).unwrap();
        let slicing = Slicing::by(&["skin"]);
        let measured = |threshold: f32| document.evaluate(&slicing, threshold).unwrap();
        let low = measured(0.4);
        let group = |name: &str| low.names.iter().position(|n| n == name).unwrap();
        let (reference, darkest) = (group("Monk 1–3"), group("Monk 7–10"));
        let false_matches = |e: &crate::review::Evaluation, slice: usize| e.metrics[slice].fpir.k;
        let (k_reference, k_darkest) =
            (false_matches(&low, reference), false_matches(&low, darkest));
        let ratio = k_darkest as f64 / k_reference as f64;
        // Poisson error of a ratio of counts, on the log scale; four standard errors.
        let tolerance = 4.0 * (1.0 / k_reference as f64 + 1.0 / k_darkest as f64).sqrt();
        assert!(
            (ratio.ln() - 10f64.ln()).abs() < tolerance,
            "ratio {ratio} ({k_darkest} / {k_reference}), tolerance ×{:.2}",
            tolerance.exp()
        );
        for threshold in [0.6, 0.65, 0.7, 0.8] {
            let at = measured(threshold);
            let differential = &at.fpir_differentials.per_slice[darkest];
            let interval = differential.interval.as_ref();
            assert!(
                interval.is_some_and(|i| i.low <= 1.0 && 1.0 <= i.high),
                "at {threshold}: {differential:?}"
            );
            if threshold == 0.6 {
                assert!(false_matches(&at, reference) >= 3, "at {threshold}");
            }
        }
    }

    /// Each group's expected FPIR: its ratio times the reference's at and below the low
    /// threshold, exactly the reference's from the parity threshold up, and in between falling;
    /// every draw's count matches its distribution.
    #[test]
    fn the_survival_functions_are_the_references_times_the_ratio() {
        let parameters = ScenarioParameters::workshop(5, 100.0);
        let at = |t: f64| parameters.expected_fpir(t).unwrap();
        for t in [0.3, 0.35, 0.4] {
            let fpir = at(t);
            assert!(
                (fpir[2] - (100.0 * fpir[0]).min(1.0)).abs() < 1e-12,
                "{t}: {fpir:?}"
            );
        }
        for t in [0.6, 0.7, 0.8, 0.9] {
            let fpir = at(t);
            assert_eq!((fpir[1], fpir[2]), (fpir[0], fpir[0]), "{t}");
        }
        assert!(
            at(0.6)[0] * 2000.0 > 5.0,
            "the reference's FPIR at 0.6 is observable"
        );
        let scores = parameters.impostor_scores().unwrap();
        // (Above the survival at a score of 1, about 0.03%, scores are 1: the range ends there.)
        for u in [0.9, 0.5, 0.05, 0.01, 0.004, 0.001] {
            let t = scores[2].quantile_above(u);
            assert!((scores[2].survival(t) - u).abs() < 1e-9, "{u} -> {t}");
        }
    }
}
