//! Models as data: `models/manifest.ron` describes every model lineup ships — what it is for, its
//! file and SHA-256, what it takes in (size, layout, normalisation, the alignment template), what
//! it gives out, how two of its outputs are compared (metric and default threshold), and where it
//! came from under what licence. This module parses an entry and checks it, refusing a malformed
//! one with a message that names the manifest, the model file and the field.
//!
//! A threshold belongs to one model and one metric ([`Threshold`]): dlib's Euclidean 0.6 means
//! nothing on MobileFaceNet's cosine scale and the other way round, so applying one model's
//! threshold to another model's scores is refused, not computed.

use serde::{Deserialize, Serialize};

/// What a model is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ModelRole {
    Detector,
    Recognizer,
    /// The recognizer exactly as converted, kept to prove the optimised one computes the same.
    RecognizerAsConverted,
    /// dlib's ResNet-29 descriptor: a second, independently trained recognizer, converted and
    /// checked against dlib itself (`lineup analyze --recognizer dlib`). A review records the
    /// recognizer it ran in the role `Recognizer`, whichever slot of the manifest it has.
    SecondRecognizer,
}

/// A model's identity as a review records it: the part of its manifest entry that pins the file
/// by its SHA-256, how a recognizer's scores are compared, and whether the reviewer supplied it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelRecord {
    pub role: ModelRole,
    pub file: String,
    pub name: String,
    pub version: String,
    pub sha256: String,
    /// A recognizer's metric; None for a detector, and in reviews written before it was recorded
    /// (whose recognizer was always MobileFaceNet, compared by cosine).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<Metric>,
    /// True for a model the reviewer added (`lineup models add`), not one lineup ships.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub supplied_by_reviewer: bool,
    /// A reviewer's model's source and licence as the spec they added it with states them
    /// (lineup cannot check either); None for a shipped model, whose source is lineup's
    /// manifest, and in reviews written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stated_source: Option<StatedSource>,
}

/// Where a reviewer says their model came from and on what licence, in their spec's words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatedSource {
    pub provenance: String,
    pub licence: String,
}

/// How a model's input tensor is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Layout {
    /// Batch, channel, height, width; channels in R, G, B order.
    NchwRgb,
}

/// The input's height and width.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InputSize {
    /// A square of this side, in pixels.
    Square(u32),
    /// Any height and width that are multiples of this (a fully convolutional detector).
    MultipleOf(u32),
}

/// What the model's input values are: `(pixel − mean[channel]) / scale`, pixels in 0–255.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Normalisation {
    pub mean: [f32; 3],
    pub scale: f32,
}

/// How two of a recognizer's outputs are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Metric {
    /// Cosine similarity of the two vectors, in [−1, 1]; a match at or above the threshold.
    Cosine,
    /// Euclidean distance of the two raw vectors, ≥ 0; a match at or below the threshold.
    Euclidean,
}

impl Metric {
    /// Whether `threshold`, on this metric's own scale, is a value its scores can take.
    pub fn admits(self, threshold: f32) -> bool {
        match self {
            Metric::Cosine => (-1.0..=1.0).contains(&threshold),
            Metric::Euclidean => threshold.is_finite() && threshold >= 0.0,
        }
    }

    /// Whether `score`, a lineup score ([`Metric::score`]) that a search computed, is one this
    /// metric gives: a distance of 0 or more, or a cosine within -1 to 1 give or take the
    /// rounding of a sum of a few hundred f32 products (a face against its own photo can score
    /// 1.0000001). Nothing is assumed of a distance's upper end: a reviewer's model need not
    /// give unit-length embeddings.
    pub fn admits_score(self, score: f32) -> bool {
        const COSINE_ROUNDING: f32 = 1e-4;
        match self {
            Metric::Cosine => score.abs() <= 1.0 + COSINE_ROUNDING,
            Metric::Euclidean => self.admits(self.own_value(score)),
        }
    }

    /// A lineup score ([`Metric::score`]) brought within this metric's own range: a cosine
    /// within -1 to 1, a distance at least 0 (with no upper bound: a reviewer's model need not
    /// give unit-length embeddings).
    pub fn clamp_score(self, score: f32) -> f32 {
        match self {
            Metric::Cosine => score.clamp(-1.0, 1.0),
            Metric::Euclidean => self.score(self.own_value(score).max(0.0)),
        }
    }

    /// The range of this metric's scores, in words, for a refusal.
    pub fn range(self) -> &'static str {
        match self {
            Metric::Cosine => "-1 to 1, the range of cosine similarity",
            Metric::Euclidean => "the range of a Euclidean distance (0 or more)",
        }
    }

    /// What a score is and which side of the threshold matches, in words.
    pub fn describe(self) -> &'static str {
        match self {
            Metric::Cosine => "cosine similarity, a match at or above the threshold",
            Metric::Euclidean => "Euclidean distance, a match at or below the threshold",
        }
    }

    /// The metric's short name, for a table or a label.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Cosine => "cosine similarity",
            Metric::Euclidean => "Euclidean distance",
        }
    }

    /// A value on this metric's own scale as lineup's score, which is always higher for more
    /// alike faces (search ranks by it; an alert is a score at or above the threshold): a
    /// cosine as it is, a distance negated. Negation is exact in floating point, so the model's
    /// own value comes back bit for bit ([`Metric::own_value`]), and a distance at or below a
    /// threshold is exactly a score at or above the negated threshold.
    pub fn score(self, own_value: f32) -> f32 {
        match self {
            Metric::Cosine => own_value,
            Metric::Euclidean => -own_value,
        }
    }

    /// A lineup score back on this metric's own scale (the inverse of [`Metric::score`]).
    pub fn own_value(self, score: f32) -> f32 {
        self.score(score)
    }
}

/// One model, as `models/manifest.ron` describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSpec {
    pub role: ModelRole,
    /// The file's name in the model folder (no folders).
    pub file: String,
    pub name: String,
    pub version: String,
    pub sha256: String,
    /// The input tensor's name.
    pub input: String,
    pub input_size: InputSize,
    pub layout: Layout,
    pub normalisation: Normalisation,
    /// Where the five landmarks (eye centres, nose tip, mouth corners) go in the input, for a
    /// recognizer; none for a detector.
    pub alignment: Option<[(f32, f32); 5]>,
    /// The output tensors' names (a recognizer has one).
    pub outputs: Vec<String>,
    /// The length of a recognizer's output vector.
    pub output_size: Option<usize>,
    /// How a recognizer's outputs are compared, and the threshold that ships with it.
    pub metric: Option<Metric>,
    pub default_threshold: Option<f32>,
    /// A recognizer's near-duplicate bound on its own scale: two photos that score at least this
    /// alike (a cosine at or above it, a distance at or below it) are taken to be copies of one
    /// picture (`lineup evaluate` flags such pairs of different people). Measured for each
    /// shipped model (models/README.md); a reviewer's spec may leave it out, and evaluate then
    /// says that it could not look for near-duplicates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub near_duplicate: Option<f32>,
    pub provenance: String,
    pub licence: String,
}

/// A manifest that cannot be used, saying where and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ManifestError {
    #[error("{manifest}, line {line}, column {column}{entry}: {reason}")]
    Syntax {
        manifest: String,
        line: usize,
        column: usize,
        /// " (the entry for FILE)" when the place is inside an entry that names its file.
        entry: String,
        reason: String,
    },
    #[error("{manifest}: the entry for {file}: field `{field}` {problem}")]
    Field {
        manifest: String,
        /// The entry's model file, or its position when it names none.
        file: String,
        field: &'static str,
        problem: String,
    },
}

/// A manifest entry as written, every field optional, so that a missing one is reported by
/// name together with the model it belongs to.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpec {
    role: Option<ModelRole>,
    file: Option<String>,
    name: Option<String>,
    version: Option<String>,
    sha256: Option<String>,
    input: Option<String>,
    input_size: Option<InputSize>,
    layout: Option<Layout>,
    normalisation: Option<Normalisation>,
    alignment: Option<[(f32, f32); 5]>,
    outputs: Option<Vec<String>>,
    output_size: Option<usize>,
    metric: Option<Metric>,
    default_threshold: Option<f32>,
    near_duplicate: Option<f32>,
    provenance: Option<String>,
    licence: Option<String>,
}

/// Parses the manifest `text` (read from `manifest`, named in errors) and checks every entry.
pub fn parse(manifest: &str, text: &str) -> Result<Vec<ModelSpec>, ManifestError> {
    // Every field of `RawSpec` is optional only so that a missing one can be named: an entry
    // writes `role: Detector`, not `role: Some(Detector)`.
    let options =
        ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
    let raw: Vec<RawSpec> = options.from_str(text).map_err(|e| ManifestError::Syntax {
        manifest: manifest.to_owned(),
        line: e.span.start.line,
        column: e.span.start.col,
        entry: entry_file_at(text, e.span.start.line)
            .map(|file| format!(" (the entry for {file})"))
            .unwrap_or_default(),
        reason: e.code.to_string(),
    })?;
    let specs = raw
        .into_iter()
        .enumerate()
        .map(|(index, entry)| complete(manifest, index, entry))
        .collect::<Result<Vec<_>, _>>()?;
    check_unique(manifest, &specs)?;
    Ok(specs)
}

/// Parses one entry written on its own (a reviewer's model spec, `lineup models add --spec`),
/// read from `source` (named in errors). `file_sha256` is the hash of the model file the spec
/// comes with, when known: a spec that names no `sha256` takes it, one that names another is
/// refused. Without it (a stored spec, whose file is checked when it is loaded) the spec must
/// name its own.
pub fn parse_entry(
    source: &str,
    text: &str,
    file_sha256: Option<&str>,
) -> Result<ModelSpec, ManifestError> {
    let options =
        ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
    let mut raw: RawSpec = options.from_str(text).map_err(|e| ManifestError::Syntax {
        manifest: source.to_owned(),
        line: e.span.start.line,
        column: e.span.start.col,
        entry: String::new(),
        reason: e.code.to_string(),
    })?;
    let file = raw
        .file
        .clone()
        .unwrap_or_else(|| "entry 1 (no file named)".into());
    match (&raw.sha256, file_sha256) {
        (None, Some(actual)) => raw.sha256 = Some(actual.to_owned()),
        (Some(named), Some(file_sha256)) if named != file_sha256 => {
            return Err(ManifestError::Field {
                manifest: source.to_owned(),
                file,
                field: "sha256",
                problem: format!("is {named}, but the model file's SHA-256 is {file_sha256}"),
            });
        }
        _ => {}
    }
    complete(source, 0, raw)
}

/// The entry with every required field present and each checked.
fn complete(manifest: &str, index: usize, raw: RawSpec) -> Result<ModelSpec, ManifestError> {
    let file_name = raw
        .file
        .clone()
        .unwrap_or_else(|| format!("entry {} (no file named)", index + 1));
    let fail = |field: &'static str, problem: String| ManifestError::Field {
        manifest: manifest.to_owned(),
        file: file_name.clone(),
        field,
        problem,
    };
    let missing = |field: &'static str| fail(field, "is missing".to_owned());
    let spec = ModelSpec {
        role: raw.role.ok_or_else(|| missing("role"))?,
        file: raw.file.ok_or_else(|| missing("file"))?,
        name: raw.name.ok_or_else(|| missing("name"))?,
        version: raw.version.ok_or_else(|| missing("version"))?,
        sha256: raw.sha256.ok_or_else(|| missing("sha256"))?,
        input: raw.input.ok_or_else(|| missing("input"))?,
        input_size: raw.input_size.ok_or_else(|| missing("input_size"))?,
        layout: raw.layout.ok_or_else(|| missing("layout"))?,
        normalisation: raw.normalisation.ok_or_else(|| missing("normalisation"))?,
        alignment: raw.alignment,
        outputs: raw.outputs.ok_or_else(|| missing("outputs"))?,
        output_size: raw.output_size,
        metric: raw.metric,
        default_threshold: raw.default_threshold,
        near_duplicate: raw.near_duplicate,
        provenance: raw.provenance.ok_or_else(|| missing("provenance"))?,
        licence: raw.licence.ok_or_else(|| missing("licence"))?,
    };
    check_spec(&spec).map_err(|(field, problem)| fail(field, problem))?;
    Ok(spec)
}

/// The `file` named by the manifest entry that spans `line` (1-based), for an error the parser
/// placed there: entries are the parenthesised items of the top-level list.
fn entry_file_at(text: &str, line: usize) -> Option<String> {
    let (mut depth, mut current_line, mut in_string, mut escaped) = (0usize, 1usize, false, false);
    let mut entry_start = None;
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if c == '\n' {
            current_line += 1;
        }
        if in_string {
            (escaped, in_string) = (c == '\\' && !escaped, in_string && (c != '"' || escaped));
            continue;
        }
        match c {
            '"' => in_string = true,
            '/' if chars.peek().is_some_and(|(_, next)| *next == '/') => {
                // A comment: skip to the end of the line.
                for (_, skipped) in chars.by_ref() {
                    if skipped == '\n' {
                        current_line += 1;
                        break;
                    }
                }
            }
            '(' | '[' => {
                depth += 1;
                if depth == 2 {
                    entry_start = Some((at, current_line));
                }
            }
            ')' | ']' => {
                if depth == 2
                    && let Some((start, first_line)) = entry_start.take()
                    && (first_line..=current_line).contains(&line)
                {
                    return file_field(&text[start..=at]);
                }
                depth = depth.saturating_sub(1);
            }
            _ => {}
        }
    }
    // The error is in an entry left open (the parser stops there).
    entry_start.and_then(|(start, first_line)| {
        (first_line <= line)
            .then(|| file_field(&text[start..]))
            .flatten()
    })
}

/// The value of `file: "…"` in one entry's text.
fn file_field(entry: &str) -> Option<String> {
    let after = &entry[entry.find("file:")? + "file:".len()..];
    let value = after.trim_start().strip_prefix('"')?;
    Some(value[..value.find('"')?].to_owned())
}

/// What is wrong with a complete entry: the field, and why.
fn check_spec(spec: &ModelSpec) -> Result<(), (&'static str, String)> {
    if spec.file.is_empty() || spec.file.contains(['/', '\\']) || spec.file.starts_with('.') {
        return Err((
            "file",
            "must be a plain file name in the model folder".into(),
        ));
    }
    let is_hex = |s: &str| {
        s.len() == 64
            && s.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    };
    if !is_hex(&spec.sha256) {
        return Err((
            "sha256",
            format!("is {:?}, not 64 lower-case hex digits", spec.sha256),
        ));
    }
    for (field, text) in [
        ("name", &spec.name),
        ("input", &spec.input),
        ("provenance", &spec.provenance),
        ("licence", &spec.licence),
    ] {
        if text.trim().is_empty() {
            return Err((field, "is empty".into()));
        }
    }
    if spec.outputs.is_empty() || spec.outputs.iter().any(|o| o.is_empty()) {
        return Err((
            "outputs",
            "must name at least one output, none empty".into(),
        ));
    }
    let side = match spec.input_size {
        InputSize::Square(side) | InputSize::MultipleOf(side) => side,
    };
    if side == 0 {
        return Err(("input_size", "must be positive".into()));
    }
    let norm = spec.normalisation;
    if !(norm.scale.is_finite() && norm.scale > 0.0) || norm.mean.iter().any(|m| !m.is_finite()) {
        return Err((
            "normalisation",
            "needs finite means and a positive scale".into(),
        ));
    }
    if is_recognizer(spec.role) {
        check_recognizer(spec)?;
    }
    Ok(())
}

fn is_recognizer(role: ModelRole) -> bool {
    !matches!(role, ModelRole::Detector)
}

/// A recognizer needs all that makes its scores comparable: a square input with its alignment
/// template inside it, one output of a known length, a metric and a threshold on its scale.
fn check_recognizer(spec: &ModelSpec) -> Result<(), (&'static str, String)> {
    let InputSize::Square(side) = spec.input_size else {
        return Err((
            "input_size",
            "must be a Square size for a recognizer".into(),
        ));
    };
    let Some(template) = spec.alignment else {
        return Err((
            "alignment",
            "is missing (a recognizer needs its 5-point template)".into(),
        ));
    };
    let inside = |v: f32| v.is_finite() && (0.0..side as f32).contains(&v);
    if let Some((x, y)) = template.iter().find(|(x, y)| !inside(*x) || !inside(*y)) {
        return Err((
            "alignment",
            format!("point ({x}, {y}) lies outside the {side}×{side} input"),
        ));
    }
    if spec.outputs.len() != 1 {
        return Err((
            "outputs",
            "must name exactly one output for a recognizer".into(),
        ));
    }
    if spec.output_size.is_none_or(|n| n == 0) {
        return Err((
            "output_size",
            "is missing or zero (a recognizer gives a vector)".into(),
        ));
    }
    let Some(metric) = spec.metric else {
        return Err((
            "metric",
            "is missing (a recognizer's scores need one)".into(),
        ));
    };
    let Some(threshold) = spec.default_threshold else {
        return Err(("default_threshold", "is missing".into()));
    };
    if !metric.admits(threshold) {
        return Err((
            "default_threshold",
            format!("{threshold} is not a {metric:?} score"),
        ));
    }
    if let Some(bound) = spec.near_duplicate {
        // A bound no more alike than the match threshold would call every match a copy.
        if !metric.admits(bound) || metric.score(bound) <= metric.score(threshold) {
            return Err((
                "near_duplicate",
                format!(
                    "{bound} is not a {metric:?} score more alike than the default threshold \
                     {threshold}"
                ),
            ));
        }
    }
    Ok(())
}

fn check_unique(manifest: &str, specs: &[ModelSpec]) -> Result<(), ManifestError> {
    for (i, spec) in specs.iter().enumerate() {
        let twice = specs[..i].iter().any(|s| s.file == spec.file);
        let role_twice = specs[..i].iter().any(|s| s.role == spec.role);
        if twice || role_twice {
            return Err(ManifestError::Field {
                manifest: manifest.to_owned(),
                file: spec.file.clone(),
                field: if twice { "file" } else { "role" },
                problem: "repeats an earlier entry's".into(),
            });
        }
    }
    Ok(())
}

impl ModelSpec {
    /// The model's identity as a review records it.
    pub fn record(&self) -> ModelRecord {
        ModelRecord {
            role: self.role,
            file: self.file.clone(),
            name: self.name.clone(),
            version: self.version.clone(),
            sha256: self.sha256.clone(),
            metric: self.metric,
            supplied_by_reviewer: false,
            stated_source: None,
        }
    }

    /// The near-duplicate bound ([`ModelSpec::near_duplicate`]) as a lineup score
    /// ([`Metric::score`]); None where the spec states none or the model has no metric.
    pub fn near_duplicate_score(&self) -> Option<f32> {
        Some(self.metric?.score(self.near_duplicate?))
    }

    /// The threshold this model ships with, bound to it and its metric; none for a detector.
    pub fn default_threshold(&self) -> Option<Threshold> {
        Some(Threshold {
            model_sha256: self.sha256.clone(),
            metric: self.metric?,
            value: self.default_threshold?,
        })
    }
}

/// A score of two faces from one model, under one metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelScore {
    pub model_sha256: String,
    pub metric: Metric,
    pub value: f32,
}

/// A decision threshold that belongs to one model (by its file's SHA-256) and one metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Threshold {
    pub model_sha256: String,
    pub metric: Metric,
    pub value: f32,
}

/// Why a threshold was not applied to a score.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ThresholdError {
    #[error(
        "a threshold for model {threshold_model} cannot be applied to scores of model \
         {score_model}: each model's scores need a threshold chosen for that model"
    )]
    OtherModel {
        threshold_model: String,
        score_model: String,
    },
    #[error("a {threshold:?} threshold cannot be applied to a {score:?} score")]
    OtherMetric { threshold: Metric, score: Metric },
}

impl Threshold {
    /// Whether `score` is a match; refused when the score comes from another model or metric.
    pub fn matches(&self, score: &ModelScore) -> Result<bool, ThresholdError> {
        if score.model_sha256 != self.model_sha256 {
            return Err(ThresholdError::OtherModel {
                threshold_model: self.model_sha256.clone(),
                score_model: score.model_sha256.clone(),
            });
        }
        if score.metric != self.metric {
            return Err(ThresholdError::OtherMetric {
                threshold: self.metric,
                score: score.metric,
            });
        }
        Ok(match self.metric {
            Metric::Cosine => score.value >= self.value,
            // At or below, as face_recognition's `compare_faces` (dlib's own examples use
            // "below"; the two differ only at a distance of exactly the threshold). lineup's
            // score is the negated distance, so this is exactly its `score >= -threshold`.
            Metric::Euclidean => score.value <= self.value,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPPED: &str = include_str!("../../../../models/manifest.ron");

    fn shipped() -> Vec<ModelSpec> {
        parse("models/manifest.ron", SHIPPED).unwrap()
    }

    fn spec(role: ModelRole) -> ModelSpec {
        shipped().into_iter().find(|s| s.role == role).unwrap()
    }

    /// The shipped manifest with `from` replaced by `to` (which must occur), parsed.
    fn edited(from: &str, to: &str) -> Result<Vec<ModelSpec>, ManifestError> {
        assert!(SHIPPED.contains(from), "{from}");
        parse("models/manifest.ron", &SHIPPED.replacen(from, to, 1))
    }

    fn refusal(from: &str, to: &str) -> String {
        edited(from, to).unwrap_err().to_string()
    }

    #[test]
    fn the_shipped_models_are_entries_of_the_manifest() {
        let detector = spec(ModelRole::Detector);
        assert_eq!(detector.input_size, InputSize::MultipleOf(32));
        assert_eq!(detector.outputs, ["537", "538", "539", "540"]);
        let recognizer = spec(ModelRole::Recognizer);
        assert_eq!(recognizer.input_size, InputSize::Square(112));
        assert_eq!(
            (recognizer.output_size, recognizer.metric),
            (Some(192), Some(Metric::Cosine))
        );
        let dlib = spec(ModelRole::SecondRecognizer);
        assert_eq!(
            (dlib.file.as_str(), dlib.input_size),
            ("dlib_resnet29.onnx", InputSize::Square(150))
        );
        assert_eq!(
            (dlib.output_size, dlib.metric),
            (Some(128), Some(Metric::Euclidean))
        );
        assert_eq!(dlib.default_threshold, Some(0.6));
    }

    #[test]
    fn a_missing_field_is_refused_naming_the_file_and_field() {
        let message = refusal(
            "        sha256: \"1a1142427d1583619e73be54eca2b7cbb52de8ba83967a072e6d25c0227244a3\",\n",
            "",
        );
        assert!(message.contains("dlib_resnet29.onnx"), "{message}");
        assert!(message.contains("`sha256` is missing"), "{message}");
    }

    #[test]
    fn a_misspelt_field_is_refused_naming_the_file_and_field() {
        let message = refusal("        licence: \"MIT\",", "        license: \"MIT\",");
        assert!(
            message.contains("the entry for centerface.onnx"),
            "{message}"
        );
        assert!(message.contains("license"), "{message}");
    }

    #[test]
    fn a_field_of_the_wrong_kind_is_refused_naming_the_file() {
        let message = refusal("output_size: Some(128)", "output_size: Some(\"128\")");
        assert!(
            message.contains("the entry for dlib_resnet29.onnx"),
            "{message}"
        );
        assert!(message.contains("line "), "{message}");
    }

    #[test]
    fn a_malformed_hash_is_refused() {
        let message = refusal(
            "bda6769b3ee68d22a1d57475bb3107701d592826b48f090b12b0780161cba771",
            "bda6769b",
        );
        assert!(message.contains("centerface.onnx"), "{message}");
        assert!(message.contains("`sha256`"), "{message}");
    }

    #[test]
    fn a_recognizer_without_metric_or_with_a_threshold_off_its_scale_is_refused() {
        let message = refusal("metric: Some(Euclidean)", "metric: None");
        assert!(
            message.contains("dlib_resnet29.onnx") && message.contains("`metric`"),
            "{message}"
        );
        let message = refusal(
            "        metric: Some(Cosine),\n        default_threshold: Some(0.6),",
            "        metric: Some(Cosine),\n        default_threshold: Some(1.5),",
        );
        assert!(message.contains("mobilefacenet.onnx"), "{message}");
        assert!(
            message.contains("`default_threshold` 1.5 is not a Cosine score"),
            "{message}"
        );
    }

    #[test]
    fn an_alignment_point_outside_the_input_is_refused() {
        let message = refusal("(97.6104, 103.0233)", "(97.6104, 150.5)");
        assert!(
            message.contains("dlib_resnet29.onnx") && message.contains("`alignment`"),
            "{message}"
        );
    }

    #[test]
    fn a_file_path_or_a_repeated_role_is_refused() {
        let message = refusal("file: \"centerface.onnx\"", "file: \"../centerface.onnx\"");
        assert!(message.contains("`file`"), "{message}");
        let message = refusal("role: SecondRecognizer", "role: Recognizer");
        assert!(
            message.contains("dlib_resnet29.onnx") && message.contains("`role`"),
            "{message}"
        );
    }

    /// The dlib entry of the shipped manifest, alone, as a reviewer's spec would be written.
    fn dlib_entry() -> String {
        let start = SHIPPED.find("        role: SecondRecognizer").unwrap();
        let end = start + SHIPPED[start..].find("\n    ),").unwrap();
        format!("(\n{}\n)", &SHIPPED[start..end])
    }

    #[test]
    fn an_entry_on_its_own_is_checked_against_its_files_hash() {
        let dlib = spec(ModelRole::SecondRecognizer);
        let entry = dlib_entry();
        let parsed = parse_entry("spec.ron", &entry, Some(&dlib.sha256)).unwrap();
        assert_eq!(parsed, dlib);
        // A spec without a hash takes the file's; one naming another file's is refused.
        let without = entry.replace(&format!("sha256: \"{}\",", dlib.sha256), "");
        assert_eq!(
            parse_entry("spec.ron", &without, Some(&dlib.sha256)).unwrap(),
            dlib
        );
        let other = "0".repeat(64);
        let message = parse_entry("spec.ron", &entry, Some(&other))
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("`sha256`") && message.contains(&other),
            "{message}"
        );
        let message = parse_entry("spec.ron", &without, None)
            .unwrap_err()
            .to_string();
        assert!(message.contains("`sha256` is missing"), "{message}");
    }

    #[test]
    fn a_distance_is_scored_negated_exactly() {
        for distance in [0.0f32, 0.345, 0.6, 1.25] {
            let score = Metric::Euclidean.score(distance);
            assert_eq!(Metric::Euclidean.own_value(score), distance);
            // At or below the distance threshold exactly when at or above the negated one.
            assert_eq!(score >= Metric::Euclidean.score(0.6), distance <= 0.6);
        }
        assert_eq!(Metric::Cosine.score(0.7), 0.7);
    }

    fn score(model: &ModelSpec, value: f32) -> ModelScore {
        ModelScore {
            model_sha256: model.sha256.clone(),
            metric: model.metric.unwrap(),
            value,
        }
    }

    #[test]
    fn one_models_threshold_is_refused_on_another_models_scores() {
        let mobilefacenet = spec(ModelRole::Recognizer);
        let dlib = spec(ModelRole::SecondRecognizer);
        let threshold = mobilefacenet.default_threshold().unwrap();
        // 0.93 would be a match on MobileFaceNet's cosine scale; as a dlib distance it is none.
        let err = threshold.matches(&score(&dlib, 0.93)).unwrap_err();
        assert!(matches!(err, ThresholdError::OtherModel { .. }), "{err}");
        assert!(err.to_string().contains(&dlib.sha256), "{err}");
        let err = dlib
            .default_threshold()
            .unwrap()
            .matches(&score(&mobilefacenet, 0.3));
        assert!(
            matches!(err, Err(ThresholdError::OtherModel { .. })),
            "{err:?}"
        );
    }

    #[test]
    fn a_threshold_applies_on_its_own_metrics_side() {
        let mobilefacenet = spec(ModelRole::Recognizer);
        let cosine = mobilefacenet.default_threshold().unwrap();
        assert_eq!(cosine.matches(&score(&mobilefacenet, 0.8)), Ok(true));
        assert_eq!(cosine.matches(&score(&mobilefacenet, 0.3)), Ok(false));
        let dlib = spec(ModelRole::SecondRecognizer);
        let distance = dlib.default_threshold().unwrap();
        assert_eq!(distance.matches(&score(&dlib, 0.4)), Ok(true));
        assert_eq!(distance.matches(&score(&dlib, 0.8)), Ok(false));
        let mut cosine_of_dlib = score(&dlib, 0.4);
        cosine_of_dlib.metric = Metric::Cosine;
        assert!(matches!(
            distance.matches(&cosine_of_dlib),
            Err(ThresholdError::OtherMetric { .. })
        ));
        assert_eq!(spec(ModelRole::Detector).default_threshold(), None);
    }
}
