//! One analysis cut into shards by footage file, run anywhere, and joined again.
//!
//! Every shard expands the same footage arguments into the same ordered file list and takes one
//! contiguous block of it (see [`Shard::files`]), so no shard needs to hear from another. A
//! shard's review records which block it holds ([`ShardRecord`]); [`merge`] checks that the
//! shards were made the same way (same lineup build, ONNX Runtime, models, settings and
//! watchlist) from the same file list (names and sizes, [`file_list_fingerprint`]) and together
//! hold every file once, then joins them into the review a single run on all the files would have
//! written: inputs, detections and tracks in file order, ids renumbered, labels kept, label
//! changes in time order. The merged review lists the shards it was joined from
//! ([`ReviewDocument::merged_from`]).
//!
//! Nothing of an analysis crosses files: tracks link faces of one input only, and a batch of
//! faces is embedded within one input. That is why joining blocks in order gives a single run's
//! numbers.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::ReviewDocument;
use crate::ids::{DetectionId, TrackId};
use crate::vision::manifest::Metric;

/// Shard `index` of `count` (counting from 1, as `--shard 2/3` reads).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    /// The block of an ordered list of `files` this shard analyses: contiguous, and as even as
    /// whole files allow (sizes differ by at most one). Computed from the count alone, so every
    /// shard given the same list agrees without talking to the others.
    pub fn files(&self, files: usize) -> Range<usize> {
        let at = |shard: usize| shard * files / self.count;
        at(self.index - 1)..at(self.index)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (index, count) = text
            .split_once('/')
            .ok_or_else(|| format!("{text:?} is not a shard like 2/5 (shard 2 of 5)"))?;
        let number = |part: &str| {
            part.trim()
                .parse::<usize>()
                .map_err(|_| format!("{text:?}: {part:?} is not a whole number"))
        };
        let shard = Shard {
            index: number(index)?,
            count: number(count)?,
        };
        if shard.count == 0 || shard.index == 0 || shard.index > shard.count {
            return Err(format!(
                "{text:?}: a shard is k/n with n at least 1 and k from 1 to n"
            ));
        }
        Ok(shard)
    }
}

/// Where a shard's review sits in the whole analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardRecord {
    pub shard: Shard,
    /// Files in the whole analysis (every shard's together).
    pub files_total: usize,
    /// The whole analysis's index of this shard's first input.
    pub first_input: usize,
    /// The leading warnings every shard has alike (watchlist enrolment, footage paths that
    /// could not be read): kept once when the shards are merged.
    pub shared_warnings: usize,
    /// [`file_list_fingerprint`] of the whole analysis's files: shards of one analysis expanded
    /// the same list, whatever their machines' mount points. Empty in shards written before it
    /// was recorded, which merge refuses.
    #[serde(default)]
    pub files_fingerprint: String,
    /// The lineup build that analysed the shard (version, git commit, target): another build
    /// may compute other numbers. Empty in shards written before it was recorded.
    #[serde(default)]
    pub build: String,
    /// The ONNX Runtime the models ran on (its build string), loaded at run time and so not
    /// fixed by the lineup build.
    #[serde(default)]
    pub onnx_runtime: String,
}

/// SHA-256 over every file's name (its last component, so the same archive mounted at other
/// paths agrees) and size in bytes, in order: what shards of one analysis must share. Names and
/// sizes, not contents, so that no shard reads the whole footage; a file changed in place to
/// the same size is caught only by its own SHA-256 in the shard that analyses it.
pub fn file_list_fingerprint(files: &[PathBuf]) -> String {
    let mut hasher = Sha256::new();
    for file in files {
        let name = file.file_name().unwrap_or(file.as_os_str());
        hasher.update(name.as_encoded_bytes());
        // A name holds no NUL byte, so this ends it unambiguously.
        hasher.update([0]);
        match std::fs::metadata(file) {
            Ok(metadata) => {
                hasher.update([1]);
                hasher.update(metadata.len().to_le_bytes());
            }
            Err(_) => hasher.update([0]),
        }
    }
    crate::digest::hex(&hasher.finalize())
}

/// Why shard reviews cannot be merged: each names the file and what is wrong with it.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum MergeError {
    #[error("no reviews to merge")]
    Nothing,
    #[error(
        "{}: not a shard review (made without `lineup analyze --shard k/n`); only shards of one analysis can be merged",
        .0.display()
    )]
    NotAShard(PathBuf),
    #[error("{}: {what} differs from {}'s: {detail}", path.display(), first.display())]
    Differs {
        path: PathBuf,
        first: PathBuf,
        what: &'static str,
        detail: String,
    },
    #[error(
        "{} and {} both hold input {}: the shards overlap",
        path.display(), other.display(), input.display()
    )]
    Overlap {
        path: PathBuf,
        other: PathBuf,
        input: PathBuf,
    },
    #[error(
        "shard {shard} is missing: the reviews given hold {present} of {count} shards",
        count = shard.count
    )]
    Missing { shard: Shard, present: usize },
    #[error(
        "{}: says it is shard {shard} of {files_total} files starting at file {first_input}, but holds {inputs} inputs; it is not that shard's whole analysis",
        path.display(), first_input = first_input + 1
    )]
    Inconsistent {
        path: PathBuf,
        shard: Shard,
        files_total: usize,
        first_input: usize,
        inputs: usize,
    },
    #[error(
        "{}: has a second reviewer's blind review; merge the shards before a second review starts",
        .0.display()
    )]
    SecondReview(PathBuf),
    #[error(
        "{}: records no {what} (written by an older lineup); analyse the shard again",
        path.display()
    )]
    Unrecorded { path: PathBuf, what: &'static str },
    #[error(
        "{} ({}) and {} ({}) hold the same content (SHA-256 {sha256}): one file reached twice, \
         e.g. through two mount points. If the footage really holds two copies, remove one or \
         analyse it without shards",
        path.display(), input.display(), other.display(), other_input.display()
    )]
    SameContent {
        path: PathBuf,
        input: PathBuf,
        other: PathBuf,
        other_input: PathBuf,
        sha256: String,
    },
}

/// Joins shard reviews (as loaded from the paths beside them, in any order) into the review a
/// single run on all their files would have written.
pub fn merge(reviews: Vec<(PathBuf, ReviewDocument)>) -> Result<ReviewDocument, MergeError> {
    let shards = in_shard_order(reviews)?;
    let (first_path, first, _) = shards.first().ok_or(MergeError::Nothing)?;
    for (path, document, _) in &shards {
        same_analysis(first_path, first, path, document)?;
    }
    for (path, _, record) in &shards {
        same_cut(first_path, &shards[0].2, path, record)?;
    }
    check_coverage(&shards)?;
    check_contents(&shards)?;
    let mut merged = first.clone();
    merged.shard = None;
    merged.merged_from = shards.iter().map(|(_, _, record)| record.clone()).collect();
    merged.inputs.clear();
    merged.detections.clear();
    for run in &mut merged.other_recognizers {
        run.faces.clear();
    }
    merged.tracks.clear();
    merged.label_history.clear();
    merged.warnings.truncate(shared_warnings(first));
    for (_, document, _) in &shards {
        append(&mut merged, document);
    }
    // As a single review would have them: in the order they were made (stable, so changes made
    // in the same second keep their shard order). `at` is fixed-width UTC, so text order is time.
    merged
        .label_history
        .sort_by(|one, other| one.at.cmp(&other.at));
    Ok(merged)
}

/// The reviews sorted by shard, each with its record; refused where one is not a shard.
fn in_shard_order(
    reviews: Vec<(PathBuf, ReviewDocument)>,
) -> Result<Vec<(PathBuf, ReviewDocument, ShardRecord)>, MergeError> {
    let mut shards = reviews
        .into_iter()
        .map(|(path, document)| match document.shard.clone() {
            Some(record) => {
                let unrecorded = |what| MergeError::Unrecorded {
                    path: path.clone(),
                    what,
                };
                if record.files_fingerprint.is_empty() {
                    return Err(unrecorded("fingerprint of its file list"));
                }
                if record.build.is_empty() {
                    return Err(unrecorded("lineup build"));
                }
                Ok((path, document, record))
            }
            None => Err(MergeError::NotAShard(path)),
        })
        .collect::<Result<Vec<_>, _>>()?;
    shards.sort_by_key(|(_, _, record)| record.shard.index);
    Ok(shards)
}

fn shared_warnings(document: &ReviewDocument) -> usize {
    document
        .shard
        .as_ref()
        .map_or(0, |record| record.shared_warnings)
        .min(document.warnings.len())
}

/// Refuses a review made differently from the first: other models, settings, watchlist,
/// thresholds, slicing or assessment, or another cut of the footage.
fn same_analysis(
    first_path: &Path,
    first: &ReviewDocument,
    path: &Path,
    document: &ReviewDocument,
) -> Result<(), MergeError> {
    let differs = |what: &'static str, detail: String| MergeError::Differs {
        path: path.to_path_buf(),
        first: first_path.to_path_buf(),
        what,
        detail,
    };
    if document.second_review.is_some() {
        return Err(MergeError::SecondReview(path.to_path_buf()));
    }
    if document.lineup_version != first.lineup_version {
        return Err(differs(
            "lineup version",
            format!(
                "{} against {}",
                document.lineup_version, first.lineup_version
            ),
        ));
    }
    models_alike(first, document).map_err(|detail| differs("model", detail))?;
    other_recognizers_alike(first, document)
        .map_err(|detail| differs("list of recognizers", detail))?;
    settings_alike(first, document).map_err(|detail| differs("analysis setting", detail))?;
    watchlists_alike(first, document).map_err(|detail| differs("watchlist", detail))?;
    if document.warnings[..shared_warnings(document)] != first.warnings[..shared_warnings(first)] {
        return Err(differs(
            "warnings about the watchlist and footage paths",
            "each shard should have found the same; were they given the same paths?".into(),
        ));
    }
    review_settings_alike(first, document).map_err(|(what, detail)| differs(what, detail))
}

/// Refuses a shard of another cut (another number of shards, or of files), of another file
/// list (the footage changed between shard runs, or other footage), or of another build.
fn same_cut(
    first_path: &Path,
    first: &ShardRecord,
    path: &Path,
    record: &ShardRecord,
) -> Result<(), MergeError> {
    let differs = |what: &'static str, detail: String| MergeError::Differs {
        path: path.to_path_buf(),
        first: first_path.to_path_buf(),
        what,
        detail,
    };
    if (record.shard.count, record.files_total) != (first.shard.count, first.files_total) {
        return Err(differs(
            "cut of the footage",
            format!(
                "shard {} of {} files against shard {} of {} files",
                record.shard, record.files_total, first.shard, first.files_total
            ),
        ));
    }
    if record.files_fingerprint != first.files_fingerprint {
        return Err(differs(
            "footage file list",
            format!(
                "file names and sizes with SHA-256 {} against {}: the footage changed between \
                 the shard runs, or they were given other footage",
                record.files_fingerprint, first.files_fingerprint
            ),
        ));
    }
    if record.build != first.build {
        return Err(differs(
            "lineup build",
            format!("{} against {}", record.build, first.build),
        ));
    }
    if record.onnx_runtime != first.onnx_runtime {
        return Err(differs(
            "ONNX Runtime",
            format!("{} against {}", record.onnx_runtime, first.onnx_runtime),
        ));
    }
    Ok(())
}

fn models_alike(first: &ReviewDocument, document: &ReviewDocument) -> Result<(), String> {
    if document.models == first.models {
        return Ok(());
    }
    let describe = |models: &[crate::vision::ModelRecord]| {
        models
            .iter()
            .map(|m| format!("{} {} (SHA-256 {})", m.name, m.version, m.sha256))
            .collect::<Vec<_>>()
            .join(", ")
    };
    Err(format!(
        "{} against {}",
        describe(&document.models),
        describe(&first.models)
    ))
}

/// The same other recognizers, in the same order, at the same thresholds, enrolling the
/// watchlist alike: the merged review states each one once.
fn other_recognizers_alike(
    first: &ReviewDocument,
    document: &ReviewDocument,
) -> Result<(), String> {
    let describe = |document: &ReviewDocument| {
        document
            .other_recognizers
            .iter()
            .map(|run| {
                let metric = run.model.metric.unwrap_or(Metric::Cosine);
                format!(
                    "{} (SHA-256 {}) at {}",
                    run.model.name,
                    run.model.sha256,
                    own_threshold(metric, run.threshold)
                )
            })
            .collect::<Vec<_>>()
    };
    let (ours, theirs) = (describe(document), describe(first));
    if ours != theirs {
        let list = |names: Vec<String>| match names.is_empty() {
            true => "none besides the first".to_string(),
            false => names.join(", "),
        };
        return Err(format!(
            "other recognizers {} against {}",
            list(ours),
            list(theirs)
        ));
    }
    let enrolled_alike = document
        .other_recognizers
        .iter()
        .zip(&first.other_recognizers)
        .all(|(ours, theirs)| ours.enrolment_embeddings == theirs.enrolment_embeddings);
    if !enrolled_alike {
        return Err("another recognizer enrolled the same photos differently".into());
    }
    Ok(())
}

/// A threshold as a person reads it: the model's own value, a distance named as one (a cosine
/// reads as it always has).
fn own_threshold(metric: Metric, threshold: f32) -> String {
    match metric {
        Metric::Cosine => threshold.to_string(),
        Metric::Euclidean => format!("{} ({})", metric.own_value(threshold), metric.name()),
    }
}

fn settings_alike(first: &ReviewDocument, document: &ReviewDocument) -> Result<(), String> {
    let (ours, theirs) = (&document.settings, &first.settings);
    let compare = |name: &str, ours: String, theirs: String| {
        if ours == theirs {
            Ok(())
        } else {
            Err(format!("{name} {ours} against {theirs}"))
        }
    };
    // The models are alike by now, so both thresholds are on the first recognizer's scale.
    let metric = first.score_metric();
    compare(
        "threshold",
        own_threshold(metric, ours.threshold),
        own_threshold(metric, theirs.threshold),
    )?;
    compare("top-k", ours.top_k.to_string(), theirs.top_k.to_string())?;
    compare(
        "sampling",
        ours.sampling.to_string(),
        theirs.sampling.to_string(),
    )?;
    // Thread counts too: a model run's floating-point sums may depend on them, and the merged
    // review can state only one. Give every shard the same --threads.
    compare(
        "vision (detector sizes, threads, embedding batch)",
        format!("{:?}", ours.vision),
        format!("{:?}", theirs.vision),
    )
}

/// The watchlists must be the same photos (by SHA-256) under the same names, enrolled alike.
fn watchlists_alike(first: &ReviewDocument, document: &ReviewDocument) -> Result<(), String> {
    let photos = |document: &ReviewDocument| -> BTreeMap<(String, PathBuf), String> {
        document
            .watchlist
            .identities
            .iter()
            .flat_map(|identity| {
                identity.photos.iter().map(|photo| {
                    (
                        (identity.name.clone(), photo.path.clone()),
                        photo.digest.sha256.clone(),
                    )
                })
            })
            .collect()
    };
    let (ours, theirs) = (photos(document), photos(first));
    let other = |key| theirs.get(key);
    if let Some(((name, photo), hash)) = ours.iter().find(|(key, hash)| other(*key) != Some(*hash))
    {
        return Err(format!(
            "{name}'s photo {} (SHA-256 {hash}) is not in the other's",
            photo.display()
        ));
    }
    if let Some((name, photo)) = theirs.keys().find(|key| !ours.contains_key(*key)) {
        return Err(format!("{name}'s photo {} is missing", photo.display()));
    }
    if document.watchlist.identities != first.watchlist.identities {
        return Err(
            "the same photos were enrolled differently (boxes or embeddings differ)".into(),
        );
    }
    Ok(())
}

/// One of a review's settings as text.
type Describe = fn(&ReviewDocument) -> String;

/// What the reviewer set beyond labels (attribute schema, slicing, per-slice thresholds, the
/// assessment): one value for the merged review, so every shard must agree on it.
fn review_settings_alike(
    first: &ReviewDocument,
    document: &ReviewDocument,
) -> Result<(), (&'static str, String)> {
    // Each setting by its debug text: the refusal shows both values as a person can read them.
    let settings: [(&'static str, Describe); 7] = [
        ("slice thresholds", |d| format!("{:?}", d.slice_thresholds)),
        ("tracking settings", |d| format!("{:?}", d.tracking)),
        ("alert rule", |d| format!("{:?}", d.alert_rule)),
        ("attribute schema", |d| format!("{:?}", d.attribute_schema)),
        ("watchlist identities' attributes", |d| {
            format!("{:?}", d.identity_attributes)
        }),
        ("slicing", |d| format!("{:?}", d.slicing)),
        ("reference slice", |d| format!("{:?}", d.reference_slice)),
    ];
    for (what, describe) in settings {
        let (ours, theirs) = (describe(document), describe(first));
        if ours != theirs {
            return Err((what, format!("{ours} against {theirs}")));
        }
    }
    if document.assessment != first.assessment {
        return Err((
            "impact assessment text",
            "write the assessment once, in the merged review".into(),
        ));
    }
    Ok(())
}

/// Every shard of the cut once, each holding exactly its block of files, no file twice.
fn check_coverage(shards: &[(PathBuf, ReviewDocument, ShardRecord)]) -> Result<(), MergeError> {
    let mut holder: BTreeMap<&Path, &Path> = BTreeMap::new();
    for (path, document, _) in shards {
        for input in &document.inputs {
            if let Some(other) = holder.insert(&input.path, path) {
                return Err(MergeError::Overlap {
                    path: path.clone(),
                    other: other.to_path_buf(),
                    input: input.path.clone(),
                });
            }
        }
    }
    let mut present = BTreeMap::new();
    for (path, document, record) in shards {
        if let Some(other) = present.insert(record.shard.index, path) {
            return Err(MergeError::Overlap {
                path: path.clone(),
                other: other.clone(),
                input: format!("shard {}", record.shard).into(),
            });
        }
        let block = record.shard.files(record.files_total);
        if block.start != record.first_input || block.len() != document.inputs.len() {
            return Err(MergeError::Inconsistent {
                path: path.clone(),
                shard: record.shard,
                files_total: record.files_total,
                first_input: record.first_input,
                inputs: document.inputs.len(),
            });
        }
    }
    let count = shards[0].2.shard.count;
    match (1..=count).find(|index| !present.contains_key(index)) {
        Some(index) => Err(MergeError::Missing {
            shard: Shard { index, count },
            present: present.len(),
        }),
        None => Ok(()),
    }
}

/// No content twice: where two inputs hash alike, one file was reached by two paths (or the
/// footage holds a copy, which a reviewer should hear of before the numbers count it twice).
fn check_contents(shards: &[(PathBuf, ReviewDocument, ShardRecord)]) -> Result<(), MergeError> {
    let mut holder: BTreeMap<&str, (&Path, &Path)> = BTreeMap::new();
    for (path, document, _) in shards {
        for input in &document.inputs {
            let Some(digest) = &input.digest else {
                continue;
            };
            if let Some((other, other_input)) =
                holder.insert(&digest.sha256, (path.as_path(), input.path.as_path()))
            {
                return Err(MergeError::SameContent {
                    path: path.clone(),
                    input: input.path.clone(),
                    other: other.to_path_buf(),
                    other_input: other_input.to_path_buf(),
                    sha256: digest.sha256.clone(),
                });
            }
        }
    }
    Ok(())
}

/// Appends one shard after those already merged, renumbering its inputs, detections and tracks.
fn append(merged: &mut ReviewDocument, shard: &ReviewDocument) {
    let (inputs, detections, tracks) = (
        merged.inputs.len(),
        merged.detections.len(),
        merged.tracks.len(),
    );
    merged.inputs.extend(shard.inputs.iter().cloned());
    merged
        .detections
        .extend(shard.detections.iter().cloned().map(|mut detection| {
            detection.source.input += inputs;
            detection
        }));
    for (run, shards_run) in merged
        .other_recognizers
        .iter_mut()
        .zip(&shard.other_recognizers)
    {
        run.faces.extend(shards_run.faces.iter().cloned());
    }
    merged
        .tracks
        .extend(shard.tracks.iter().cloned().map(|mut track| {
            // A track's id is its place in the document, as a single run numbers them.
            track.id = (tracks + track.id as usize) as u32;
            for detection in &mut track.detections {
                *detection = DetectionId(detection.0 + detections);
            }
            track
        }));
    merged
        .label_history
        .extend(shard.label_history.iter().cloned().map(|mut change| {
            change.track = TrackId(change.track.0 + tracks);
            change
        }));
    merged
        .warnings
        .extend(shard.warnings[shared_warnings(shard)..].iter().cloned());
    merged.complete &= shard.complete;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cut_any_file_list_into_contiguous_blocks_of_even_size() {
        for files in 0..40 {
            for count in 1..12 {
                let blocks: Vec<Range<usize>> = (1..=count)
                    .map(|index| Shard { index, count }.files(files))
                    .collect();
                assert_eq!(blocks[0].start, 0);
                assert_eq!(blocks[count - 1].end, files);
                assert!(blocks.windows(2).all(|w| w[0].end == w[1].start));
                let sizes: Vec<usize> = blocks.iter().map(Range::len).collect();
                let (least, most) = (sizes.iter().min(), sizes.iter().max());
                assert!(
                    most.zip(least).is_some_and(|(m, l)| m - l <= 1),
                    "{sizes:?}"
                );
            }
        }
        assert_eq!(Shard { index: 2, count: 3 }.files(5), 1..3);
    }

    #[test]
    fn a_shard_reads_as_k_of_n() {
        assert_eq!("2/5".parse(), Ok(Shard { index: 2, count: 5 }));
        assert_eq!(Shard { index: 2, count: 5 }.to_string(), "2/5");
        for bad in ["0/3", "4/3", "1/0", "3", "a/3", "1/3/4", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }
}
