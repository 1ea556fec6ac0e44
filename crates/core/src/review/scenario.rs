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
//! it. Here each group's rank-one impostor score is logistic; the reference group's is fixed, and
//! every other group's is the one logistic whose false-positive identification rate (FPIR) is
//! its ratio times the reference's at `low_threshold` and equal to the reference's at
//! `parity_threshold` (see [`ScenarioParameters::impostor_scores`]).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::labels::{Attributes, GroundTruth};
use super::slices::Slicing;
use super::tracks::Track;
use super::{
    AnalysisSettings, DetectionRecord, InputRecord, InputStatus, ReviewDocument, SourceRef,
};
use crate::ids::{DetectionId, IdentityId};
use crate::matching::Candidate;
use crate::vision::{BoundingBox, Embedding, Point, VisionConfig};
use crate::watchlist::{Identity, Watchlist};

/// What the generator's document is called wherever a path is expected: no file has it.
pub const SIMULATED_SOURCE: &str = "SIMULATED workshop scenario (no footage)";

/// The word every screen, command and file shows on a simulated review.
pub const SIMULATED: &str = "SIMULATED";

/// Which generator drew the document; bumped when the same parameters would draw another one.
pub const GENERATOR: &str = "lineup workshop scenario 1";

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
    /// The reference group's rank-one score for a person not on the watchlist.
    pub reference_impostor: Logistic,
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
         group's FPIR is {reference:.4}, so the group's would be {wanted:.2} (it must lie between \
         the reference's and 1)"
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
    /// threshold 0.4), the same FPIR for all from 0.6 up.
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
                centre: 0.2,
                scale: 0.04,
            },
            genuine: Logistic {
                centre: 0.72,
                scale: 0.04,
            },
            non_mated_per_group: 2000,
            mated_per_group: 200,
            identities_per_group: 20,
        }
    }

    /// Each group's rank-one impostor score distribution, in the groups' order.
    ///
    /// A logistic's log-odds of scoring at or above `t` is linear in `t`, so asking for survival
    /// `ratio · a` at the low threshold and `b` at the parity threshold (`a`, `b` the reference's)
    /// gives two linear equations in the centre and 1/scale, solved exactly below. The ratio
    /// then falls from the group's ratio at the low threshold to 1 at the parity threshold.
    pub fn impostor_scores(&self) -> Result<Vec<Logistic>, ScenarioError> {
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
        let reference = self.reference_impostor;
        let (at_low, at_parity) = (reference.survival(low), reference.survival(parity));
        let log_odds_against = |p: f64| (1.0 / p - 1.0).ln();
        self.groups
            .iter()
            .map(|group| {
                let wanted = group.fpir_ratio * at_low;
                if group.fpir_ratio == 1.0 {
                    return Ok(reference);
                }
                // The group must be more likely than the reference at the low threshold, and
                // its survival there a probability.
                if !(wanted > at_low && wanted < 1.0) {
                    return Err(ScenarioError::Unreachable {
                        group: group.name.clone(),
                        ratio: group.fpir_ratio,
                        low,
                        reference: at_low,
                        wanted,
                    });
                }
                let scale =
                    (parity - low) / (log_odds_against(at_parity) - log_odds_against(wanted));
                Ok(Logistic {
                    centre: parity - scale * log_odds_against(at_parity),
                    scale,
                })
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
            let candidates = vec![candidate(random.below(identities), random.score(impostor))];
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

/// Whether `path` is the generator's placeholder for footage or a watchlist: saved relative, it
/// loads inside the review's folder.
pub fn is_placeholder(path: &Path) -> bool {
    path.ends_with(SIMULATED_SOURCE)
}

impl ReviewDocument {
    /// Why this document is a simulation and not an analysis of real footage; None when
    /// nothing says so. A document that lost its [`Simulation`] record (say, by hand editing)
    /// still gives itself away: its footage is the generator's placeholder, and its faces have
    /// no embeddings, where a real analysis embeds every face it finds. (Nor does it hash any
    /// footage, but neither do the hand-made reviews lineup's own tests sign, so a missing
    /// hash alone is not taken as proof.)
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

    /// What the app shows when a trainee moves the threshold: the false matches the review's
    /// own evaluation counts per group. At the low threshold the Monk 7–10 group's FPIR is the
    /// parameterised multiple of the reference's, within sampling error; at the parity threshold
    /// the differential is gone (the interval of the ratio holds 1).
    #[test]
    fn moving_the_threshold_moves_the_differential_as_parameterised() {
        let parameters = ScenarioParameters {
            non_mated_per_group: 20_000,
            mated_per_group: 50,
            ..ScenarioParameters::workshop(2026, 10.0)
        };
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
        // Each group's count matches what its distribution gives.
        let expected = parameters.expected_fpir(0.5).unwrap();
        let middle = measured(0.5);
        for (slice, fpir) in [(reference, expected[0]), (darkest, expected[2])] {
            let mean = fpir * 20_000.0;
            let k = false_matches(&middle, slice) as f64;
            assert!((k - mean).abs() < 4.0 * mean.sqrt() + 1.0, "{k} vs {mean}");
        }
        let parity = measured(0.6);
        let at_parity = &parity.fpir_differentials.per_slice[darkest];
        let holds_one = at_parity
            .interval
            .as_ref()
            .is_none_or(|i| i.low <= 1.0 && 1.0 <= i.high);
        assert!(holds_one, "{at_parity:?}");
        assert!(false_matches(&parity, darkest) < k_darkest / 20);
    }
}
