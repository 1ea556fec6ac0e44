//! Which recognizer an analysis runs: one that lineup ships (MobileFaceNet, dlib's ResNet-29) or
//! one the reviewer added (`lineup models add FILE --spec SPEC.ron`), each described by a
//! manifest entry ([`ModelSpec`]) and pinned by its file's SHA-256.
//!
//! A reviewer's model is kept with its spec in the per-user data folder ([`AddedModels`]). It is
//! only accepted when the ONNX file's own inputs and outputs (names, element types, shapes, as
//! ONNX Runtime reads them) are what the spec says, and when one trial run gives a vector of the
//! spec's length: a spec that does not describe its file would give scores that mean nothing.

use std::path::{Path, PathBuf};

use super::VisionError;
use super::embedder::Embedder;
use super::manifest::{
    self, InputSize, ManifestError, ModelRecord, ModelRole, ModelSpec, StatedSource,
};
use super::runtime;

/// The shipped recognizers a reviewer can choose, in the order `lineup models list` shows them.
/// (MobileFaceNet as converted is kept only to prove the optimised one computes the same.)
pub const SHIPPED: [ModelRole; 2] = [ModelRole::Recognizer, ModelRole::SecondRecognizer];

/// The spec file stored beside an added model `file`.
const SPEC_SUFFIX: &str = ".spec.ron";

/// A recognizer ready to load: its manifest entry, its file, and who supplied it.
#[derive(Debug, Clone, PartialEq)]
pub struct Recognizer {
    pub spec: ModelSpec,
    /// The reviewer's model's file; None for a shipped one, found where lineup keeps its models
    /// when it is loaded (so that choosing one never needs another's file).
    pub path: Option<PathBuf>,
    pub supplied_by_reviewer: bool,
}

/// Why a recognizer could not be chosen or added.
#[derive(Debug, thiserror::Error)]
pub enum RecognizerError {
    #[error(transparent)]
    Vision(#[from] VisionError),
    #[error(transparent)]
    Spec(#[from] ManifestError),
    #[error("{}: {reason}", path.display())]
    Io { path: PathBuf, reason: String },
    #[error("{}: the model does not match its spec: {problem}", model.display())]
    Mismatch { model: PathBuf, problem: String },
    #[error("{spec}: {problem}")]
    NotAllowed { spec: String, problem: String },
    #[error("no recognizer is named {name:?}; the recognizers are: {choices}")]
    Unknown { name: String, choices: String },
    #[error("{name:?} names more than one recognizer ({choices}); give more of the name")]
    Ambiguous { name: String, choices: String },
}

fn io_error(path: &Path, error: impl std::fmt::Display) -> RecognizerError {
    RecognizerError::Io {
        path: path.to_path_buf(),
        reason: error.to_string(),
    }
}

impl Recognizer {
    /// The shipped recognizer for `role`.
    pub fn shipped(role: ModelRole) -> Self {
        Self {
            spec: runtime::model_spec(role),
            path: None,
            supplied_by_reviewer: false,
        }
    }

    /// The model's identity as a review records it: in the role it has there, the recognizer
    /// (whatever slot the shipped manifest gives it), pinned by its SHA-256.
    pub fn record(&self) -> ModelRecord {
        // A shipped model's source is lineup's manifest; a reviewer's is only their word.
        let stated_source = self.supplied_by_reviewer.then(|| StatedSource {
            provenance: self.spec.provenance.clone(),
            licence: self.spec.licence.clone(),
        });
        ModelRecord {
            role: ModelRole::Recognizer,
            supplied_by_reviewer: self.supplied_by_reviewer,
            stated_source,
            ..self.spec.record()
        }
    }

    /// The model in an ONNX Runtime session, its file's hash checked first (a reviewer's model
    /// could have been changed since it was added).
    pub fn embedder(&self, threads: usize) -> Result<Embedder, VisionError> {
        let path = match &self.path {
            Some(path) => {
                runtime::verify_model_file(path, &self.spec.record())?;
                path.clone()
            }
            None => runtime::locate_verified_model(&self.spec.record())?,
        };
        Embedder::from_spec(&self.spec, &path, threads)
    }

    /// The names `--recognizer` accepts for this model: its file's stem and its name.
    fn is_named(&self, name: &str) -> bool {
        let stem = self
            .spec
            .file
            .strip_suffix(".onnx")
            .unwrap_or(&self.spec.file);
        name.eq_ignore_ascii_case(stem) || name.eq_ignore_ascii_case(&self.spec.name)
    }

    /// The short name `lineup models list` shows (the file's stem).
    pub fn short_name(&self) -> &str {
        self.spec
            .file
            .strip_suffix(".onnx")
            .unwrap_or(&self.spec.file)
    }
}

/// The recognizer `name` names among the shipped ones and `added`: a file's stem
/// (`mobilefacenet`, `dlib_resnet29`) or a model's name, in any case, or the start of one name
/// (`dlib`) that no other shares (a shipped model's wins over a reviewer's).
pub fn choose(name: &str, added: &[Recognizer]) -> Result<Recognizer, RecognizerError> {
    let mut all: Vec<Recognizer> = SHIPPED.into_iter().map(Recognizer::shipped).collect();
    all.extend(added.iter().cloned());
    if let Some(exact) = all.iter().find(|r| r.is_named(name)) {
        return Ok(exact.clone());
    }
    let lower = name.to_lowercase();
    let starting: Vec<&Recognizer> = all
        .iter()
        .filter(|r| {
            !lower.is_empty()
                && (r.short_name().to_lowercase().starts_with(&lower)
                    || r.spec.name.to_lowercase().starts_with(&lower))
        })
        .collect();
    let names = |list: &[&Recognizer]| {
        list.iter()
            .map(|r| format!("{} ({})", r.short_name(), r.spec.name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    // A shipped model's documented short name (`dlib`) keeps naming it, whatever a reviewer's
    // model added before names were checked is called.
    let shipped: Vec<&Recognizer> = starting
        .iter()
        .copied()
        .filter(|r| !r.supplied_by_reviewer)
        .collect();
    if let [one] = shipped.as_slice() {
        return Ok((*one).clone());
    }
    match starting.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(RecognizerError::Unknown {
            name: name.to_owned(),
            choices: names(&all.iter().collect::<Vec<_>>()),
        }),
        several => Err(RecognizerError::Ambiguous {
            name: name.to_owned(),
            choices: names(several),
        }),
    }
}

/// The reviewer's own models: each ONNX file with its spec (`FILE.spec.ron`, SHA-256 filled in)
/// in one folder.
#[derive(Debug, Clone)]
pub struct AddedModels {
    dir: PathBuf,
}

impl AddedModels {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// Where this user's added models live: `$XDG_DATA_HOME/lineup/models`, else
    /// `$HOME/.local/share/lineup/models`.
    pub fn default_dir() -> Option<PathBuf> {
        let set = |name: &str| std::env::var_os(name).filter(|value| !value.is_empty());
        set("XDG_DATA_HOME")
            .map(PathBuf::from)
            .or_else(|| set("HOME").map(|home| PathBuf::from(home).join(".local/share")))
            .map(|data| data.join("lineup").join("models"))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Every added model, by file name; none when the folder does not exist yet.
    pub fn list(&self) -> Result<Vec<Recognizer>, RecognizerError> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_error(&self.dir, e)),
        };
        let mut specs: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.to_string_lossy().ends_with(SPEC_SUFFIX))
            .collect();
        specs.sort();
        specs
            .iter()
            .map(|spec_path| {
                let text =
                    std::fs::read_to_string(spec_path).map_err(|e| io_error(spec_path, e))?;
                let source = spec_path.display().to_string();
                let spec = manifest::parse_entry(&source, &text, None)?;
                Ok(Recognizer {
                    path: Some(self.dir.join(&spec.file)),
                    spec,
                    supplied_by_reviewer: true,
                })
            })
            .collect()
    }

    /// Adds the model file `model` described by the spec file `spec_path`: the spec parsed and
    /// checked, the file's inputs and outputs compared with it and one trial run made, then both
    /// copied into the folder (the spec with the file's SHA-256). Refuses a spec whose file name
    /// or model name another recognizer already has, and one for a shipped model's file that
    /// prepares or compares it otherwise than lineup's entry for it.
    pub fn add(&self, model: &Path, spec_path: &Path) -> Result<Recognizer, RecognizerError> {
        let text = std::fs::read_to_string(spec_path).map_err(|e| io_error(spec_path, e))?;
        let sha256 = crate::digest::sha256_file(model)
            .map_err(|e| io_error(model, e))?
            .sha256;
        let source = spec_path.display().to_string();
        let spec = manifest::parse_entry(&source, &text, Some(&sha256))?;
        let not_allowed = |problem: String| RecognizerError::NotAllowed {
            spec: source.clone(),
            problem,
        };
        if spec.role != ModelRole::Recognizer {
            return Err(not_allowed(format!(
                "role is {:?}; only a Recognizer can be added",
                spec.role
            )));
        }
        if let Some(problem) = stated_text_problem(&spec).or_else(|| confusable_with_shipped(&spec))
        {
            return Err(not_allowed(problem));
        }
        let existing: Vec<Recognizer> = SHIPPED
            .into_iter()
            .map(Recognizer::shipped)
            .chain(self.list()?)
            .collect();
        let stem = spec.file.strip_suffix(".onnx").unwrap_or(&spec.file);
        if let Some(taken) = existing
            .iter()
            .find(|r| r.is_named(stem) || r.is_named(&spec.name))
        {
            return Err(not_allowed(format!(
                "file {:?} or name {:?} is already taken by {} ({}); give the model another",
                spec.file,
                spec.name,
                taken.short_name(),
                taken.spec.name
            )));
        }
        check_model_against_spec(model, &spec)?;
        if let Some(problem) = differs_from_shipped(&spec) {
            return Err(not_allowed(problem));
        }
        self.store(model, &with_shipped_near_duplicate(spec))
    }

    /// Copies the model and writes its spec, each through a temporary file and a rename.
    fn store(&self, model: &Path, spec: &ModelSpec) -> Result<Recognizer, RecognizerError> {
        std::fs::create_dir_all(&self.dir).map_err(|e| io_error(&self.dir, e))?;
        let target = self.dir.join(&spec.file);
        let partial = self.dir.join(format!(".{}.partial", spec.file));
        std::fs::copy(model, &partial).map_err(|e| io_error(&partial, e))?;
        std::fs::rename(&partial, &target).map_err(|e| io_error(&target, e))?;
        runtime::verify_model_file(&target, &spec.record())?;
        let recognizer = Recognizer {
            spec: spec.clone(),
            path: Some(target),
            supplied_by_reviewer: true,
        };
        let text = ron::ser::to_string_pretty(spec, ron::ser::PrettyConfig::default())
            .map_err(|e| io_error(&self.dir, e))?;
        let spec_file = self.dir.join(format!("{}{SPEC_SUFFIX}", spec.file));
        let partial = self
            .dir
            .join(format!(".{}{SPEC_SUFFIX}.partial", spec.file));
        std::fs::write(&partial, text).map_err(|e| io_error(&partial, e))?;
        std::fs::rename(&partial, &spec_file).map_err(|e| io_error(&spec_file, e))?;
        Ok(recognizer)
    }
}

/// The longest text a reviewer's spec may give for each field it states in words, as (field,
/// characters): the report prints them in its sentences and tables, so a name must stay a name
/// and a provenance a paragraph (`lineup models add --help` and the README say the same).
pub const STATED_TEXT_LIMITS: [(&str, usize); 5] = [
    ("file", 80),
    ("name", 80),
    ("version", 200),
    ("provenance", 1000),
    ("licence", 1000),
];

/// What is wrong with the words a reviewer's `spec` states, naming the field: each must be one
/// line with no control character (a line break would let the name start a heading of its own
/// in the signed report) and within [`STATED_TEXT_LIMITS`].
fn stated_text_problem(spec: &ModelSpec) -> Option<String> {
    STATED_TEXT_LIMITS.iter().find_map(|&(field, limit)| {
        let text = match field {
            "file" => &spec.file,
            "name" => &spec.name,
            "version" => &spec.version,
            "provenance" => &spec.provenance,
            _ => &spec.licence,
        };
        let length = text.chars().count();
        if let Some(control) = text.chars().find(|c| c.is_control()) {
            Some(format!(
                "field `{field}` holds the control character {control:?}: it must be one line of \
                 text"
            ))
        } else if length > limit {
            Some(format!(
                "field `{field}` is {length} characters long; at most {limit} are allowed"
            ))
        } else {
            None
        }
    })
}

/// `text` lower-cased with only its letters and digits, so that "dlib ResNet-29" and
/// "DLIB_resnet29" read alike.
fn letters_and_digits(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Where a reviewer's `spec` could pass for a shipped model's, why: its name or file stem
/// starting with a shipped model's short name or the first word of its name (`dlib…`,
/// `mobilefacenet…`, which `--recognizer dlib` and the report's sentences would confuse), or
/// holding a shipped model's whole name.
fn confusable_with_shipped(spec: &ModelSpec) -> Option<String> {
    let stem = spec.file.strip_suffix(".onnx").unwrap_or(&spec.file);
    let theirs = [letters_and_digits(&spec.name), letters_and_digits(stem)];
    SHIPPED
        .into_iter()
        .map(Recognizer::shipped)
        .find_map(|shipped| {
            let first_word = shipped
                .spec
                .name
                .split_whitespace()
                .next()
                .unwrap_or_default();
            let prefixes = [
                letters_and_digits(shipped.short_name()),
                letters_and_digits(first_word),
            ];
            let whole = letters_and_digits(&shipped.spec.name);
            let confused = theirs.iter().any(|mine| {
                prefixes
                    .iter()
                    .any(|prefix| !prefix.is_empty() && mine.starts_with(prefix.as_str()))
                    || (!whole.is_empty() && mine.contains(whole.as_str()))
            });
            confused.then(|| {
                format!(
                    "name {:?} or file {:?} could be taken for lineup's own {} ({}); a reviewer's \
                 model must not start with a shipped model's name or contain it",
                    spec.name,
                    spec.file,
                    shipped.short_name(),
                    shipped.spec.name
                )
            })
        })
}

/// Where `spec` names the file of a model lineup ships (the same SHA-256) but would prepare its
/// input or compare its outputs otherwise than lineup's own entry does, what differs, naming
/// that entry: such a spec gives scores that mean nothing (dlib's distances read as cosines
/// flag every face), and its file is no different model.
fn differs_from_shipped(spec: &ModelSpec) -> Option<String> {
    let shipped = runtime::model_specs()
        .into_iter()
        .find(|shipped| shipped.sha256 == spec.sha256)?;
    // Each field of the spec that says how a face is prepared or a score computed, as
    // (name, the spec's, lineup's entry's).
    macro_rules! fields {
        ($($field:ident),*) => {
            [$((
                stringify!($field),
                format!("{:?}", spec.$field),
                format!("{:?}", shipped.$field),
            )),*]
        };
    }
    // A near-duplicate bound is measured on the file (scripts/near_duplicates.sh): another one
    // calls different people's photos copies of one picture, or misses copies. A spec that
    // states none keeps the entry's ([`with_shipped_near_duplicate`]).
    let near_duplicate = spec.near_duplicate.is_some().then(|| {
        (
            "near_duplicate",
            format!("{:?}", spec.near_duplicate),
            format!("{:?}", shipped.near_duplicate),
        )
    });
    let differing: Vec<String> = fields!(
        metric,
        normalisation,
        input_size,
        layout,
        alignment,
        outputs,
        output_size
    )
    .into_iter()
    .chain(near_duplicate)
    .filter(|(_, theirs, ours)| theirs != ours)
    .map(|(field, theirs, ours)| format!("{field} {theirs} (lineup's: {ours})"))
    .collect();
    (!differing.is_empty()).then(|| {
        format!(
            "the file is lineup's own {} ({}, the same SHA-256), but the spec differs from \
             that entry in {}; keep the entry's, or choose {} itself",
            shipped.file,
            shipped.name,
            differing.join(", "),
            shipped.file.strip_suffix(".onnx").unwrap_or(&shipped.file)
        )
    })
}

/// `spec` with the near-duplicate bound of the shipped model whose file it names (the same
/// SHA-256) where it states none: the bound is the file's, measured, whoever added it.
fn with_shipped_near_duplicate(mut spec: ModelSpec) -> ModelSpec {
    if spec.near_duplicate.is_none() {
        spec.near_duplicate = runtime::model_specs()
            .into_iter()
            .find(|shipped| shipped.sha256 == spec.sha256)
            .and_then(|shipped| shipped.near_duplicate);
    }
    spec
}

/// Refuses `model` unless ONNX Runtime reads from it what `spec` says: one float input of the
/// spec's name, shaped [batch, 3, side, side] with a batch of any size (faces are embedded in
/// batches); the spec's output among its outputs, float, [batch, output_size]; and one trial run
/// on a grey face gives `output_size` finite values.
pub fn check_model_against_spec(model: &Path, spec: &ModelSpec) -> Result<(), RecognizerError> {
    use ort::value::TensorElementType;
    use ort::value::ValueType;
    let mismatch = |problem: String| RecognizerError::Mismatch {
        model: model.to_path_buf(),
        problem,
    };
    let (InputSize::Square(side), Some(size), [output]) =
        (spec.input_size, spec.output_size, spec.outputs.as_slice())
    else {
        return Err(mismatch("the spec does not describe a recognizer".into()));
    };
    let session = super::session(model, 1)?;
    let describe = |ty: &ValueType| match ty {
        ValueType::Tensor { ty, shape, .. } => format!("{ty:?} tensor {:?}", &shape[..]),
        other => format!("{other:?}"),
    };
    let inputs = session.inputs();
    let [input] = inputs else {
        return Err(mismatch(format!(
            "it has {} inputs ({}); a recognizer has one",
            inputs.len(),
            inputs
                .iter()
                .map(|i| i.name())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    };
    if input.name() != spec.input {
        return Err(mismatch(format!(
            "its input is named {:?}, the spec's `input` says {:?}",
            input.name(),
            spec.input
        )));
    }
    let side = i64::from(side);
    let input_ok = matches!(input.dtype(), ValueType::Tensor { ty: TensorElementType::Float32, shape, .. }
        if shape.len() == 4 && shape[0] < 0 && shape[1] == 3 && shape[2] == side && shape[3] == side);
    if !input_ok {
        return Err(mismatch(format!(
            "its input {:?} is a {}; the spec's `input_size` and `layout` say Float32 [batch, 3, \
             {side}, {side}] with a batch of any size",
            spec.input,
            describe(input.dtype())
        )));
    }
    let Some(found) = session.outputs().iter().find(|o| o.name() == output) else {
        return Err(mismatch(format!(
            "it has no output named {output:?} (the spec's `outputs`); its outputs are {}",
            session
                .outputs()
                .iter()
                .map(|o| format!("{:?}", o.name()))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    };
    let size_i64 = i64::try_from(size).unwrap_or(i64::MAX);
    let output_ok = matches!(found.dtype(), ValueType::Tensor { ty: TensorElementType::Float32, shape, .. }
        if shape.len() == 2 && (shape[1] == size_i64 || shape[1] < 0));
    if !output_ok {
        return Err(mismatch(format!(
            "its output {output:?} is a {}; the spec's `output_size` says Float32 [batch, {size}]",
            describe(found.dtype())
        )));
    }
    drop(session);
    trial_run(model, spec, size).map_err(mismatch)
}

/// One grey face through the model: an error unless it gives `size` finite values.
fn trial_run(model: &Path, spec: &ModelSpec, size: usize) -> Result<(), String> {
    let mut embedder = Embedder::from_spec(spec, model, 1).map_err(|e| e.to_string())?;
    let side = embedder.template().side;
    let grey = super::AlignedFace {
        pixels: vec![128.0; side * side * 3],
        side,
    };
    // `embed` refuses a run whose output is not `output_size` values a face.
    let embeddings = embedder.embed(&[grey]).map_err(|e| e.to_string())?;
    let values = embeddings.first().map_or(&[][..], |e| e.0.as_slice());
    if values.len() != size {
        return Err(format!(
            "a trial run gave {} values; the spec's `output_size` says {size}",
            values.len()
        ));
    }
    if values.iter().any(|v| !v.is_finite()) {
        return Err("a trial run on a grey face gave values that are not finite".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shipped dlib entry as a reviewer's spec, with `edit` applied.
    fn reviewers_spec(edit: impl FnOnce(&mut ModelSpec)) -> ModelSpec {
        let mut spec = Recognizer::shipped(ModelRole::SecondRecognizer).spec;
        spec.file = "my_model.onnx".into();
        spec.name = "My own conversion".into();
        edit(&mut spec);
        spec
    }

    /// Issue #20 findings 1 and 6: words that would start a heading in the signed report, or
    /// fill pages of it, are refused, naming the field.
    #[test]
    fn stated_text_with_a_line_break_or_too_long_is_refused_naming_the_field() {
        assert_eq!(stated_text_problem(&reviewers_spec(|_| {})), None);
        type Edit = fn(&mut ModelSpec);
        let cases: [(&str, Edit); 5] = [
            ("name", |s| s.name = "dlib\n\n## Verified by lineup".into()),
            ("version", |s| s.version = "1.0\r".into()),
            ("version", |s| s.version = "v".repeat(201)),
            ("provenance", |s| s.provenance = "word ".repeat(201)),
            ("licence", |s| s.licence = "MIT\u{1b}[2J".into()),
        ];
        for (field, edit) in cases {
            let problem = stated_text_problem(&reviewers_spec(edit));
            assert!(
                problem
                    .as_deref()
                    .is_some_and(|p| p.contains(&format!("`{field}`"))),
                "{field}: {problem:?}"
            );
        }
        let longest = reviewers_spec(|s| {
            s.name = "n".repeat(80);
            s.provenance = "p".repeat(1000);
        });
        assert_eq!(stated_text_problem(&longest), None);
    }

    /// Issue #20 findings 1 and 8: a reviewer's model may not pass for a shipped one.
    #[test]
    fn a_name_or_file_like_a_shipped_models_is_refused() {
        for edit in [
            (|s: &mut ModelSpec| s.name = "dlib ResNet-29 face descriptor (128-d)".into())
                as fn(&mut ModelSpec),
            |s| s.name = "DLIB v2".into(),
            |s| s.name = "MobileFaceNet, retrained".into(),
            |s| s.name = "Better than dlib ResNet-29 face descriptor (128-d)".into(),
            |s| s.file = "dlib_resnet29_v2.onnx".into(),
            |s| s.file = "Mobile-FaceNet.onnx".into(),
        ] {
            let spec = reviewers_spec(edit);
            assert!(
                confusable_with_shipped(&spec).is_some(),
                "{} ({}) accepted",
                spec.name,
                spec.file
            );
        }
        let own = reviewers_spec(|s| s.name = "My dlib conversion".into());
        assert_eq!(confusable_with_shipped(&own), None);
    }

    /// Issue #20 finding 8: a reviewer's model named "dlib…" (added before names were checked)
    /// does not take `--recognizer dlib` from the shipped model.
    #[test]
    fn a_shipped_models_short_name_still_chooses_it() {
        let theirs = Recognizer {
            spec: reviewers_spec(|s| {
                s.name = "dlib ResNet-29 face descriptor, verified".into();
                s.file = "evil.onnx".into();
            }),
            path: Some(PathBuf::from("evil.onnx")),
            supplied_by_reviewer: true,
        };
        let chosen = choose("dlib", std::slice::from_ref(&theirs)).unwrap();
        assert_eq!(chosen, Recognizer::shipped(ModelRole::SecondRecognizer));
        assert_eq!(
            choose("evil", std::slice::from_ref(&theirs)).unwrap(),
            theirs
        );
    }
}
