//! One analysis job: enrol the watchlist, then for every input find faces, embed them and search
//! the watchlist, producing a review document. Progress is reported through a callback and the
//! job stops early, keeping what it has, when its cancel flag is raised.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::digest::sha256_file;
use crate::footage::{self, FootageError};
use crate::matching;
use crate::review::{
    AnalysisSettings, DetectionRecord, InputRecord, InputStatus, ReviewDocument, SCHEMA_VERSION,
    SourceRef,
};
use crate::vision::{FacePipeline, VisionConfig, VisionError};
use crate::watchlist::{self, WatchlistError};

#[derive(Debug, Clone)]
pub struct AnalysisRequest {
    pub footage: Vec<PathBuf>,
    pub watchlist: PathBuf,
    pub threshold: f32,
    pub top_k: usize,
    pub vision: VisionConfig,
}

/// Where a running analysis is.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    LoadingModels,
    Enrolling {
        done: usize,
        total: usize,
    },
    Analysing {
        done: usize,
        total: usize,
        current: Option<PathBuf>,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    #[error(transparent)]
    Vision(#[from] VisionError),
    #[error(transparent)]
    Watchlist(#[from] WatchlistError),
    #[error("no footage to analyse: {}", list_problems(.0))]
    NoFootage(Vec<FootageError>),
}

fn list_problems(problems: &[FootageError]) -> String {
    if problems.is_empty() {
        return "no paths were given".into();
    }
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Runs the whole job. Problems with single inputs become warnings and failed input records, and
/// the run goes on; only a problem that spoils everything (models, watchlist) is an error.
pub fn run(
    request: &AnalysisRequest,
    on_progress: &mut dyn FnMut(Progress),
    cancel: &AtomicBool,
) -> Result<ReviewDocument, AnalysisError> {
    let (files, problems) = footage::expand_inputs(&request.footage);
    if files.is_empty() {
        return Err(AnalysisError::NoFootage(problems));
    }
    on_progress(Progress::LoadingModels);
    let mut pipeline = FacePipeline::load(request.vision.clone())?;
    let enrolment = watchlist::enrol(&request.watchlist, &mut pipeline, |done, total| {
        on_progress(Progress::Enrolling { done, total })
    })?;
    let mut document = ReviewDocument {
        schema_version: SCHEMA_VERSION,
        lineup_version: env!("CARGO_PKG_VERSION").to_string(),
        settings: AnalysisSettings {
            threshold: request.threshold,
            top_k: request.top_k,
            vision: request.vision.clone(),
        },
        models: pipeline.models(),
        inputs: Vec::new(),
        watchlist: enrolment.watchlist,
        detections: Vec::new(),
        warnings: enrolment.warnings,
        complete: true,
        tracks: Vec::new(),
        tracking: Default::default(),
        alert_rule: Default::default(),
        attribute_schema: Default::default(),
        identity_attributes: Default::default(),
        slicing: Default::default(),
        slice_thresholds: Default::default(),
        assessment: Default::default(),
    };
    document
        .warnings
        .extend(problems.iter().map(ToString::to_string));
    for (index, path) in files.iter().enumerate() {
        if cancel.load(Ordering::Relaxed) {
            document.complete = false;
            document.inputs.push(not_analysed(path));
            continue;
        }
        on_progress(Progress::Analysing {
            done: index,
            total: files.len(),
            current: Some(path.clone()),
        });
        analyse_still(&mut document, &mut pipeline, path)?;
    }
    on_progress(Progress::Analysing {
        done: files.len(),
        total: files.len(),
        current: None,
    });
    document.rebuild_tracks();
    Ok(document)
}

fn not_analysed(path: &std::path::Path) -> InputRecord {
    InputRecord {
        path: path.to_path_buf(),
        digest: None,
        dimensions: None,
        status: InputStatus::NotAnalysed,
    }
}

/// Analyses one still into `document`; only a model failure is an error.
fn analyse_still(
    document: &mut ReviewDocument,
    pipeline: &mut FacePipeline,
    path: &std::path::Path,
) -> Result<(), VisionError> {
    let input = document.inputs.len();
    let mut record = not_analysed(path);
    let loaded = sha256_file(path)
        .map_err(|e| FootageError::Unreadable {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })
        .and_then(|digest| {
            record.digest = Some(digest);
            footage::load_image(path)
        });
    let loaded = match loaded {
        Ok(loaded) => loaded,
        Err(problem) => {
            document.warnings.push(problem.to_string());
            record.status = InputStatus::Failed(problem.to_string());
            document.inputs.push(record);
            return Ok(());
        }
    };
    document.warnings.extend(loaded.warnings);
    record.dimensions = Some(loaded.image.dimensions());
    let faces = pipeline.faces(&loaded.image)?;
    let source = SourceRef {
        input,
        frame_index: 0,
        timestamp_s: 0.0,
    };
    for face in faces {
        let candidates = matching::search(
            &face.embedding,
            &document.watchlist,
            document.settings.top_k,
        );
        document.detections.push(DetectionRecord {
            source,
            bbox: face.detection.bbox,
            landmarks: face.detection.landmarks,
            detector_score: face.detection.score,
            embedding: face.embedding,
            candidates,
            skin_ita: face.skin_ita,
        });
    }
    record.status = InputStatus::Analysed;
    document.inputs.push(record);
    Ok(())
}
