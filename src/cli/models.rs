//! `lineup models add|list`, and choosing the recognizer `lineup analyze --recognizer` names, with
//! a threshold on that recognizer's own scale.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Subcommand;

use crate::review::ReviewDocument;
use crate::vision::Recognizer;
use crate::vision::manifest::{Metric, ModelSpec};
use crate::vision::recognizers::{self, AddedModels};

#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// Add a recognizer you obtained yourself (an ONNX file) with its spec: a manifest entry
    /// (see models/manifest.ron) with role Recognizer, file, name, version, input, input_size,
    /// layout, normalisation, alignment, outputs, output_size, metric, default_threshold,
    /// provenance and licence, and optionally near_duplicate (how alike, on the metric's own
    /// scale, two copies of one photo are: without it `lineup evaluate` cannot look for one
    /// photo under two names; measure it with scripts/near_duplicates.sh). The file's inputs
    /// and outputs must be what the spec says. It is kept in $XDG_DATA_HOME/lineup/models (else
    /// ~/.local/share/lineup/models), and reviews and reports record that the reviewer supplied
    /// it, with its provenance and licence as the spec states them. Each text field is one line
    /// without control characters, at most 80 characters for file and name, 200 for version and
    /// 1,000 for provenance and licence; the name and file may not start with a shipped model's
    /// name (mobilefacenet…, dlib…) or contain one.
    Add {
        /// The ONNX model file.
        file: PathBuf,
        /// The spec (RON).
        #[arg(long, value_name = "SPEC.ron")]
        spec: PathBuf,
    },
    /// List the recognizers `lineup analyze --recognizer` can run: the shipped ones and yours.
    List,
}

/// The reviewer's models folder, or why there is none.
fn added_models() -> anyhow::Result<AddedModels> {
    let dir = AddedModels::default_dir()
        .context("neither XDG_DATA_HOME nor HOME is set: there is no folder for added models")?;
    Ok(AddedModels::new(dir))
}

pub fn run(command: ModelsCommand) -> anyhow::Result<std::process::ExitCode> {
    match command {
        ModelsCommand::Add { file, spec } => {
            let added = added_models()?.add(&file, &spec)?;
            let stored = added.path.as_deref().unwrap_or(&file);
            println!(
                "Added {} ({}), SHA-256 {}, as {}",
                added.short_name(),
                added.spec.name,
                added.spec.sha256,
                stored.display()
            );
            println!(
                "Analyse with it: lineup analyze --recognizer {} … (reviews record that you \
                 supplied it)",
                added.short_name()
            );
        }
        ModelsCommand::List => {
            let mut all: Vec<Recognizer> = recognizers::SHIPPED
                .into_iter()
                .map(Recognizer::shipped)
                .collect();
            all.extend(added_models()?.list()?);
            for recognizer in &all {
                let spec = &recognizer.spec;
                let who = if recognizer.supplied_by_reviewer {
                    "added by you"
                } else {
                    "shipped"
                };
                println!(
                    "{:<16} {} [{who}]\n{:<16} {}, default threshold {}; SHA-256 {}",
                    recognizer.short_name(),
                    spec.name,
                    "",
                    metric_of(spec).describe(),
                    spec.default_threshold.unwrap_or_default(),
                    spec.sha256
                );
            }
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}

fn metric_of(spec: &ModelSpec) -> Metric {
    spec.metric.unwrap_or(Metric::Cosine)
}

/// The recognizers `names` choose, in order (none: the shipped MobileFaceNet alone); the first
/// is the review's own. The same model named twice is refused: it would be compared with itself.
pub fn choose(names: &[String]) -> anyhow::Result<Vec<Recognizer>> {
    if names.is_empty() {
        return Ok(vec![Recognizer::shipped(
            crate::vision::ModelRole::Recognizer,
        )]);
    }
    let added = match AddedModels::default_dir() {
        Some(dir) => AddedModels::new(dir).list()?,
        None => Vec::new(),
    };
    let mut chosen: Vec<Recognizer> = Vec::with_capacity(names.len());
    for name in names {
        let recognizer = recognizers::choose(name, &added)?;
        if chosen
            .iter()
            .any(|r| r.spec.sha256 == recognizer.spec.sha256)
        {
            bail!(
                "--recognizer {name} names {} twice: each model is analysed once",
                recognizer.spec.name
            );
        }
        chosen.push(recognizer);
    }
    Ok(chosen)
}

/// `threshold` (on `spec`'s own scale; none: its default) as the lineup score a review stores,
/// refused when it is no value of the recognizer's metric.
pub fn threshold_for(spec: &ModelSpec, threshold: Option<f32>) -> anyhow::Result<f32> {
    let metric = metric_of(spec);
    let value = threshold.or(spec.default_threshold).unwrap_or(0.6);
    if !metric.admits(value) {
        bail!(
            "--threshold {value} is outside {}: {} scores by {} (default threshold {}); a \
             threshold is given on the recognizer's own scale, never another model's",
            metric.range(),
            spec.name,
            metric.describe(),
            spec.default_threshold.unwrap_or_default()
        );
    }
    Ok(metric.score(value))
}

/// `threshold` for a review, given on its recognizer's own scale (none: the review's own), as
/// the lineup score the review's candidates are compared with.
pub fn review_threshold(document: &ReviewDocument, threshold: Option<f32>) -> anyhow::Result<f32> {
    let Some(value) = threshold else {
        return Ok(document.settings.threshold);
    };
    let metric = document.score_metric();
    if !metric.admits(value) {
        let name = document.recognizer().map_or("its recognizer", |m| &m.name);
        bail!(
            "--threshold {value} is outside {}: this review's scores are {name}'s, by {}; a \
             threshold is given on the review's recognizer's own scale, never another model's",
            metric.range(),
            metric.describe()
        );
    }
    Ok(metric.score(value))
}

/// One line naming the review's recognizer, its metric and `threshold` on its own scale.
pub fn describe_scores(document: &ReviewDocument, threshold: f32) -> String {
    let metric = document.score_metric();
    let recognizer = document.recognizer();
    let supplied = if recognizer.is_some_and(|m| m.supplied_by_reviewer) {
        ", supplied by the reviewer"
    } else {
        ""
    };
    let negated = match metric {
        Metric::Cosine => String::new(),
        // Tables and the review file hold lineup's score, higher for more alike faces.
        Metric::Euclidean => " (the review file stores every distance negated, so that a \
             higher score is always more alike; everything lineup prints is the distance)"
            .to_owned(),
    };
    format!(
        "Scores: {} (SHA-256 {}{supplied}), {}; threshold {}{negated}",
        recognizer.map_or("unrecorded recognizer", |m| m.name.as_str()),
        recognizer.map_or("unrecorded", |m| m.sha256.as_str()),
        metric.describe(),
        document.shown_threshold(threshold)
    )
}
