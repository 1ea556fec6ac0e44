//! A labelled review made from a seeded random generator: people passing cameras (600 for tests), 5 of
//! them on a watchlist, each with perceived attributes, and match scores whose impostor
//! distribution shifts with skin tone and gender, as NIST found for many algorithms. It is a
//! fixture for checking the metrics arithmetic, not a finding about any real model.

use lineup::footage::{FileDigest, MediaInfo, MediaKind};
use lineup::matching::Candidate;
use lineup::review::{
    AnalysisSettings, Attributes, DetectionRecord, GroundTruth, InputRecord, InputStatus,
    ReviewDocument, SourceRef, Track,
};
use lineup::vision::{BoundingBox, Embedding, ModelRole, Point, VisionConfig};
use lineup::watchlist::{Identity, Watchlist};

/// Every face's embedding: the recognizer's length, all pointing one way (the fixture's scores
/// are drawn, not computed from embeddings).
fn embedding() -> Embedding {
    let length = lineup::vision::runtime::model_spec(ModelRole::Recognizer)
        .output_size
        .expect("the recognizer's output length");
    let mut values = vec![0.0; length];
    values[0] = 1.0;
    Embedding(values)
}

/// The fixture has no footage: "crowd.mp4" is recorded with the SHA-256 and size of a real
/// clip of the repository's test data (tests/data/clips/long_faces_h264.mp4), computed here,
/// so that the review carries what an analysis records without the tests decoding a video.
fn stand_in_digest() -> FileDigest {
    let clip = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/clips/long_faces_h264.mp4");
    lineup::digest::sha256_file(&clip).expect("the repository's test clip")
}

/// xorshift64*: small, seeded, identical on every machine.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// Roughly normal (sum of uniforms), rounded to 1/1000 so CSV text is short and exact.
    fn score(&mut self, mean: f64, spread: f64) -> f32 {
        let z: f64 = (0..6).map(|_| self.unit()).sum::<f64>() - 3.0;
        ((mean + spread * z).clamp(-1.0, 1.0) * 1000.0).round() as f32 / 1000.0
    }
}

pub fn labelled_review() -> ReviewDocument {
    labelled_review_of(600)
}

/// [`labelled_review`] with its footage recorded as an analysis records it (a SHA-256 and a
/// frame count), which lineup requires before it signs: what the signing tests export. The
/// screens' tests use the plain fixture, whose footage is no file they should look for.
pub fn signable_labelled_review() -> ReviewDocument {
    let mut document = labelled_review();
    let frames = 600 * 10;
    let input = &mut document.inputs[0];
    input.digest = Some(stand_in_digest());
    input.media = Some(MediaInfo {
        kind: MediaKind::Video,
        container: None,
        codec: None,
        width: 1920,
        height: 1080,
        rotation_degrees: 0,
        duration_s: None,
        frame_count: Some(frames),
        frame_count_estimated: false,
        frame_rate: None,
    });
    document
}

/// The same kind of review with `people` tracks (the benchmarks use 100,000).
pub fn labelled_review_of(people: u32) -> ReviewDocument {
    let mut random = Random(0x5EED_1234_ABCD_0001);
    let names = ["Alex Doe", "Bo Roe", "Cam Poe", "Dee Moe", "Eli Soe"];
    let watchlist = Watchlist {
        root: "watchlist".into(),
        identities: names
            .iter()
            .map(|n| Identity {
                name: n.to_string(),
                photos: Vec::new(),
            })
            .collect(),
    };
    let mut detections = Vec::new();
    let mut tracks = Vec::new();
    for person in 0..people {
        let skin = 1 + random.below(10) as u8;
        let gender = ["female", "male", "other", "unknown"][random.below(4) as usize];
        let mated = random.below(6) == 0;
        let true_identity = mated.then(|| random.below(names.len() as u64) as u32);
        // Impostor scores run higher for darker skin and for women in this fixture.
        let impostor_mean =
            0.25 + 0.02 * f64::from(skin) + if gender == "female" { 0.05 } else { 0.0 };
        let frames = 1 + random.below(3);
        let mut members = Vec::new();
        for frame in 0..frames {
            let (identity, score) = match true_identity {
                Some(id) if random.below(10) > 0 => (id, random.score(0.68, 0.08)),
                _ => (
                    random.below(names.len() as u64) as u32,
                    random.score(impostor_mean, 0.1),
                ),
            };
            members.push(lineup::ids::DetectionId(detections.len()));
            detections.push(DetectionRecord {
                source: SourceRef {
                    input: 0,
                    frame_index: u64::from(person) * 10 + frame,
                    timestamp_s: f64::from(person) + frame as f64 / 10.0,
                },
                bbox: BoundingBox {
                    x1: 0.0,
                    y1: 0.0,
                    x2: 40.0,
                    y2: 50.0,
                },
                landmarks: [Point::default(); 5],
                detector_score: 0.9,
                embedding: embedding(),
                candidates: vec![Candidate {
                    identity: lineup::ids::IdentityId(identity),
                    score,
                }],
                skin_ita: None,
                skin_ita_quartiles: None,
            });
        }
        let mut attributes = Attributes::new();
        if random.below(20) > 0 {
            attributes.insert("skin".into(), skin.to_string());
        }
        if gender != "unknown" {
            attributes.insert("gender".into(), gender.to_string());
        }
        let label = match (true_identity, random.below(25)) {
            (_, 0) => GroundTruth::Unlabelled,
            (_, 1) => GroundTruth::NotAFace,
            (Some(id), _) => GroundTruth::OnWatchlist(lineup::ids::IdentityId(id)),
            (None, _) => GroundTruth::NotOnWatchlist,
        };
        tracks.push(Track {
            id: person,
            detections: members,
            label,
            attributes,
            skin_tone_suggestion: None,
            // A few passers-by seen more than once, named so that they count as one person each.
            person: (true_identity.is_none() && person % 5 == 0)
                .then(|| format!("P{}", person % 3)),
            skin_tone_range: None,
        });
    }
    let settings = AnalysisSettings {
        threshold: 0.6,
        top_k: 1,
        vision: VisionConfig::default(),
        sampling: Default::default(),
    };
    let input = InputRecord {
        path: "crowd.mp4".into(),
        digest: None,
        dimensions: None,
        status: InputStatus::Analysed,
        media: None,
        frames_analysed: 0,
        stopped_early: None,
    };
    // The models an analysis records (lineup's pinned detector and recognizer).
    let models = lineup::vision::runtime::manifest()
        .into_iter()
        .filter(|m| matches!(m.role, ModelRole::Detector | ModelRole::Recognizer))
        .collect();
    let mut document = ReviewDocument::new(settings, models, vec![input], watchlist);
    document.lineup_version = "fixture".into();
    document.detections = detections;
    document.tracks = tracks;
    document
}

/// `document` analysed by a second recognizer too, as `--recognizer dlib` records it: dlib's
/// model record, its 128-d embeddings, and each face's candidates scored as Euclidean distances
/// (stored negated) that run the other way from the first model's where tracks are numbered
/// odd, so that the two models' views differ. Drawn, not computed, as the first model's are.
pub fn with_second_recognizer(mut document: ReviewDocument) -> ReviewDocument {
    use lineup::review::{RecognizedFace, RecognizerRun};
    use lineup::vision::manifest::Metric;
    let dlib = lineup::vision::runtime::model_spec(ModelRole::SecondRecognizer);
    let length = dlib.output_size.expect("dlib's output length");
    let mut unit = vec![0.0; length];
    unit[0] = 1.0;
    let faces = document
        .detections
        .iter()
        .enumerate()
        .map(|(index, detection)| RecognizedFace {
            embedding: Embedding(unit.clone()),
            candidates: detection
                .candidates
                .iter()
                .map(|candidate| {
                    let similarity = if index % 2 == 1 {
                        1.0 - candidate.score
                    } else {
                        candidate.score
                    };
                    Candidate {
                        identity: candidate.identity,
                        score: Metric::Euclidean.score(1.0 - similarity),
                    }
                })
                .collect(),
        })
        .collect();
    let enrolment_embeddings = vec![Embedding(unit); document.watchlist.photo_count()];
    document.other_recognizers.push(RecognizerRun {
        model: dlib.record(),
        threshold: Metric::Euclidean.score(0.6),
        enrolment_embeddings,
        faces,
    });
    document
}
