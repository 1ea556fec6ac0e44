//! One analysis cut into shards (`lineup analyze --shard k/n`) and joined again (`lineup merge`):
//! the merged review equals a single run's on the same footage, and shards that do not belong
//! together are refused with the file and what differs. Real analyses of the test photos and a
//! clip, through the `lineup` binary; one run under GNU parallel where it is installed.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use lineup::ids::TrackId;
use lineup::review::{self, GroundTruth, LabelChange, ReviewDocument};

fn lineup(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lineup"))
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Five footage files (stills and a video) and a two-person watchlist, analysed once whole and
/// once as three shards; every review in `dir`, so their relative paths resolve alike.
struct Analyses {
    dir: tempfile::TempDir,
    footage: PathBuf,
    watchlist: tempfile::TempDir,
}

const SHARDS: usize = 3;

impl Analyses {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `lineup analyze` of the footage folder with the settings every run here uses.
    fn analyze(&self, out: &Path, extra: &[&str]) -> Output {
        let missing = self.dir.path().join("not-there.mp4");
        let mut args = vec![
            "analyze",
            "--footage",
            arg(&self.footage),
            arg(&missing),
            "--watchlist",
            arg(self.watchlist.path()),
            "--sample",
            "fps:5",
            "--threads",
            "2",
            "--out",
            arg(out),
        ];
        args.extend_from_slice(extra);
        lineup(&args)
    }

    fn shard(&self, index: usize) -> PathBuf {
        self.path(&format!("shard-{index}.ron"))
    }

    /// Merges `shards` into `out` (removed first); the command's output.
    fn merge(&self, out: &str, shards: &[PathBuf]) -> Output {
        let out = self.path(out);
        let _ = std::fs::remove_file(&out);
        let mut args = vec!["merge", arg(&out)];
        args.extend(shards.iter().map(|p| arg(p)));
        lineup(&args)
    }
}

fn analyses() -> &'static Analyses {
    static ANALYSES: OnceLock<Analyses> = OnceLock::new();
    ANALYSES.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let footage = dir.path().join("footage");
        std::fs::create_dir(&footage).unwrap();
        // In name order: a still alone in shard 1 (5 files in 3 shards: 1, 2, 2), a video.
        let clip = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/clips/faces_h264.mp4");
        for (name, source) in [
            ("a.jpg", common::photo("obama2.jpg")),
            ("b.mp4", clip),
            ("c.jpg", common::photo("t1.jpg")),
            ("d.jpg", common::photo("biden.jpg")),
            ("e.jpg", common::photo("obama3.jpg")),
        ] {
            std::fs::copy(source, footage.join(name)).unwrap();
        }
        let watchlist = common::watchlist(&[
            ("Barack_Obama_1.jpg", "obama.jpg"),
            ("Joe_Biden_1.jpg", "biden.jpg"),
        ]);
        // Warnings every shard gives alike (this photo, the missing footage path): once merged.
        std::fs::write(watchlist.path().join("Nobody_1.jpg"), "not a photo").unwrap();
        let analyses = Analyses {
            dir,
            footage,
            watchlist,
        };
        let runs = std::iter::once((analyses.path("single.ron"), None))
            .chain((1..=SHARDS).map(|k| (analyses.shard(k), Some(format!("{k}/{SHARDS}")))));
        for (out, shard) in runs {
            let extra: Vec<&str> = shard.iter().flat_map(|s| ["--shard", s]).collect();
            let output = analyses.analyze(&out, &extra);
            assert!(
                output.status.success(),
                "{}: {}",
                out.display(),
                text(&output.stderr)
            );
        }
        analyses
    })
}

fn shards() -> Vec<PathBuf> {
    (1..=SHARDS).map(|k| analyses().shard(k)).collect()
}

/// Part by part first, so that a difference is named rather than buried in one huge diff. The
/// merged review also lists the shards it came from, which a single run has not.
fn assert_same_review(merged: &ReviewDocument, single: &ReviewDocument) {
    let shards: Vec<usize> = merged.merged_from.iter().map(|r| r.shard.index).collect();
    assert_eq!(
        shards,
        (1..=shards.len()).collect::<Vec<_>>(),
        "merged from"
    );
    assert!(shards.len() > 1, "a merged review lists its shards");
    assert!(single.merged_from.is_empty());
    let merged = &ReviewDocument {
        merged_from: Vec::new(),
        ..merged.clone()
    };
    assert_eq!(merged.inputs, single.inputs, "inputs");
    assert_eq!(
        merged.detections.len(),
        single.detections.len(),
        "detections"
    );
    for (index, (ours, theirs)) in merged.detections.iter().zip(&single.detections).enumerate() {
        assert_eq!(ours, theirs, "detection {index}");
    }
    assert_eq!(merged.tracks, single.tracks, "tracks");
    assert_eq!(merged.warnings, single.warnings, "warnings");
    assert_eq!(merged.watchlist, single.watchlist, "watchlist");
    assert_eq!(merged, single, "the whole review");
}

#[test]
fn a_review_merged_from_shards_equals_a_single_run_on_the_same_footage() {
    let analyses = analyses();
    let single = review::load(&analyses.path("single.ron")).unwrap();
    let parts: Vec<ReviewDocument> = shards().iter().map(|p| review::load(p).unwrap()).collect();
    assert_eq!(
        parts.iter().map(|p| p.inputs.len()).collect::<Vec<_>>(),
        [1, 2, 2],
        "five files in three contiguous blocks"
    );
    assert!(
        parts.iter().all(|p| !p.detections.is_empty()),
        "every shard finds faces"
    );
    assert_eq!(single.inputs.len(), 5);
    assert_eq!(single.warnings.len(), 2, "{:?}", single.warnings);
    assert!(single.tracks.len() > 5, "the video's faces form tracks");

    // Labels set in a shard are carried over to the track's new id.
    let second_shard = analyses.path("labelled-shard-2.ron");
    let mut labelled = parts[1].clone();
    labelled.tracks[1].label = GroundTruth::NotAFace;
    labelled.tracks[1]
        .attributes
        .insert("skin".into(), "4".into());
    review::save(&labelled, &second_shard).unwrap();
    let mut expected = single.clone();
    let moved = TrackId(parts[0].tracks.len() + 1);
    expected.tracks[moved.0].label = GroundTruth::NotAFace;
    expected.tracks[moved.0]
        .attributes
        .insert("skin".into(), "4".into());

    // Given in any order.
    let given = [shards()[2].clone(), second_shard, shards()[0].clone()];
    let output = analyses.merge("merged.ron", &given);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let merged = review::load(&analyses.path("merged.ron")).unwrap();
    assert_same_review(&merged, &expected);

    // The same numbers, as `lineup metrics` prints them, unlabelled.
    let output = analyses.merge("merged-unlabelled.ron", &shards());
    assert!(output.status.success(), "{}", text(&output.stderr));
    let metrics = |name: &str| {
        let output = lineup(&["metrics", arg(&analyses.path(name))]);
        assert!(output.status.success(), "{}", text(&output.stderr));
        text(&output.stdout)
    };
    assert_eq!(metrics("merged-unlabelled.ron"), metrics("single.ron"));
    assert_same_review(
        &review::load(&analyses.path("merged-unlabelled.ron")).unwrap(),
        &single,
    );
}

/// `lineup merge` of `given` fails, writes nothing, and says each of `words`.
fn assert_refused(given: &[PathBuf], words: &[&str]) {
    let analyses = analyses();
    let output = analyses.merge("refused.ron", given);
    let stderr = text(&output.stderr);
    assert!(!output.status.success(), "merged: {given:?}");
    assert!(
        !analyses.path("refused.ron").exists(),
        "a refused merge writes nothing"
    );
    for word in words {
        assert!(stderr.contains(word), "{word:?} not in: {stderr}");
    }
}

/// Shard 2 with `change` made to it, saved under `name`.
fn changed_second_shard(name: &str, change: impl FnOnce(&mut ReviewDocument)) -> Vec<PathBuf> {
    let mut document = review::load(&analyses().shard(2)).unwrap();
    change(&mut document);
    let path = analyses().path(name);
    review::save(&document, &path).unwrap();
    vec![analyses().shard(1), path, analyses().shard(3)]
}

#[test]
fn shards_made_with_other_models_settings_or_watchlists_are_refused_by_name() {
    let other_model = changed_second_shard("other-model.ron", |d| {
        d.models[0].sha256 = "0".repeat(64);
    });
    assert_refused(&other_model, &["other-model.ron", "model", &"0".repeat(64)]);

    let other_threshold = changed_second_shard("other-threshold.ron", |d| {
        d.settings.threshold = 0.5;
    });
    assert_refused(
        &other_threshold,
        &["other-threshold.ron", "threshold 0.5 against 0.6"],
    );

    let other_slice_thresholds = changed_second_shard("other-slice-thresholds.ron", |d| {
        d.slice_thresholds.insert("Monk 1–3".into(), 0.7);
    });
    assert_refused(
        &other_slice_thresholds,
        &["other-slice-thresholds.ron", "slice thresholds"],
    );

    let other_sampling = changed_second_shard("other-sampling.ron", |d| {
        d.settings.sampling = lineup::footage::Sampling::EveryFrame;
    });
    assert_refused(&other_sampling, &["other-sampling.ron", "sampling"]);

    let other_photo = changed_second_shard("other-watchlist.ron", |d| {
        d.watchlist.identities[0].photos[0].digest.sha256 = "f".repeat(64);
    });
    assert_refused(
        &other_photo,
        &["other-watchlist.ron", "watchlist", &"f".repeat(64)],
    );
}

#[test]
fn a_missing_shard_overlapping_shards_or_a_whole_review_are_refused() {
    let [first, second, third] = <[PathBuf; 3]>::try_from(shards()).unwrap();
    assert_refused(
        &[first.clone(), third.clone()],
        &["shard 2/3 is missing", "2 of 3"],
    );

    let copy = analyses().path("copy-of-shard-2.ron");
    std::fs::copy(&second, &copy).unwrap();
    assert_refused(
        &[first.clone(), second.clone(), copy.clone(), third.clone()],
        &["copy-of-shard-2.ron", "shard-2.ron", "overlap", "b.mp4"],
    );

    let single = analyses().path("single.ron");
    assert_refused(
        &[single, second.clone(), third.clone()],
        &["single.ron", "not a shard review"],
    );

    // A shard of another cut of the same footage (2 shards, not 3) holds files of these.
    let other_cut = analyses().path("other-cut.ron");
    let output = analyses().analyze(&other_cut, &["--shard", "2/2"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_refused(
        &[first, second, other_cut],
        &["other-cut.ron", "cut of the footage", "shard 2/2"],
    );
}

#[test]
fn shards_run_under_gnu_parallel_merge_into_the_single_run() {
    let has_parallel = Command::new("parallel")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_parallel {
        eprintln!(
            "SKIPPED: GNU parallel is not installed (Debian package `parallel`, installed by ./scripts/setup)"
        );
        return;
    }
    let analyses = analyses();
    let out = analyses.path("parallel");
    std::fs::create_dir_all(&out).unwrap();
    // The command docs/sharding.md gives, on three local processes instead of three hosts.
    let output = Command::new("parallel")
        .args(["--will-cite", "--halt", "now,fail=1", "-j", "3"])
        .arg(env!("CARGO_BIN_EXE_lineup"))
        .args([
            "analyze",
            "--footage",
            arg(&analyses.footage),
            arg(&analyses.path("not-there.mp4")),
            "--watchlist",
            arg(analyses.watchlist.path()),
            "--sample",
            "fps:5",
            "--threads",
            "2",
        ])
        .args(["--shard", "{}/3", "--out"])
        .arg(out.join("shard-{}.ron"))
        .args(["--force", ":::", "1", "2", "3"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    let parts: Vec<PathBuf> = (1..=3)
        .map(|k| out.join(format!("shard-{k}.ron")))
        .collect();
    let output = analyses.merge("parallel/merged.ron", &parts);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let merged = review::load(&out.join("merged.ron")).unwrap();
    let single = review::load(&analyses.path("single.ron")).unwrap();
    // Reviews in another folder store other relative paths but load as the same files.
    assert_same_review(&merged, &single);
}

/// A scratch folder of `files` (name, test photo), made afresh.
fn footage_of(folder: &Path, files: &[(&str, &str)]) -> PathBuf {
    let _ = std::fs::remove_dir_all(folder);
    std::fs::create_dir_all(folder).unwrap();
    for (name, photo) in files {
        std::fs::copy(common::photo(photo), folder.join(name)).unwrap();
    }
    folder.to_path_buf()
}

/// `lineup analyze` of `footage` against the shared watchlist, writing `out`; must succeed.
fn analyze_ok(footage: &[&Path], out: &Path, extra: &[&str]) {
    let output = analyze_footage(footage, out, extra);
    assert!(
        output.status.success(),
        "{}: {}",
        out.display(),
        text(&output.stderr)
    );
}

fn analyze_footage(footage: &[&Path], out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["analyze", "--footage"];
    args.extend(footage.iter().map(|p| arg(p)));
    args.extend([
        "--watchlist",
        arg(analyses().watchlist.path()),
        "--out",
        arg(out),
        // Tests here analyse into the same scratch names again (a shard re-run).
        "--force",
    ]);
    args.extend_from_slice(extra);
    lineup(&args)
}

#[test]
fn shards_of_footage_that_changed_between_runs_or_of_other_footage_are_refused() {
    let dir = analyses().path("changing");
    let original = [
        ("a.jpg", "obama2.jpg"),
        ("b.jpg", "t1.jpg"),
        ("c.jpg", "obama3.jpg"),
    ];
    let x = footage_of(&dir.join("x/archive"), &original);
    let shard = |k: usize, footage: &Path, name: &str| {
        let out = dir.join(format!("{name}-{k}.ron"));
        analyze_ok(&[footage], &out, &["--shard", &format!("{k}/3")]);
        out
    };
    let first = shard(1, &x, "x");

    // The same archive mounted elsewhere on the other machines: the same list, merged.
    let y_same = footage_of(&dir.join("y-same/archive"), &original);
    let given = [
        first.clone(),
        shard(2, &y_same, "y-same"),
        shard(3, &y_same, "y-same"),
    ];
    let output = analyses().merge("changing/same-archive.ron", &given);
    assert!(output.status.success(), "{}", text(&output.stderr));

    // Mounted elsewhere, and meanwhile the oldest file went and another came: as many files,
    // but shard 1 holds a.jpg and the others c.jpg and d.jpg, so b.jpg would silently go.
    let mut changed = original.to_vec();
    changed.remove(0);
    changed.push(("d.jpg", "biden.jpg"));
    let y = footage_of(&dir.join("y/archive"), &changed);
    let given = [first.clone(), shard(2, &y, "y"), shard(3, &y, "y")];
    assert_refused(
        &given,
        &["y-2.ron", "x-1.ron", "footage file list", "changed"],
    );

    // The same path, a file deleted and another added between shard 1 and the others.
    std::fs::remove_file(x.join("b.jpg")).unwrap();
    std::fs::copy(common::photo("biden.jpg"), x.join("d.jpg")).unwrap();
    let given = [
        first.clone(),
        shard(2, &x, "x-later"),
        shard(3, &x, "x-later"),
    ];
    assert_refused(&given, &["x-later-2.ron", "footage file list"]);
}

#[test]
fn shards_holding_the_same_content_twice_are_refused() {
    let first = review::load(&analyses().shard(1)).unwrap();
    let given = changed_second_shard("same-content.ron", |d| {
        d.inputs[0].digest = first.inputs[0].digest.clone();
    });
    let sha256 = first.inputs[0].digest.as_ref().unwrap().sha256.clone();
    assert_refused(
        &given,
        &[
            "same-content.ron",
            "shard-1.ron",
            "a.jpg",
            "same content",
            &sha256,
        ],
    );
}

#[test]
fn a_shard_whose_files_all_fail_is_written_and_merges_into_the_single_run() {
    let dir = analyses().path("failing");
    let footage = footage_of(&dir.join("footage"), &[("b.jpg", "obama2.jpg")]);
    std::fs::write(footage.join("a.jpg"), "not a photo").unwrap();
    let single = dir.join("single.ron");
    analyze_ok(&[&footage], &single, &[]);
    let shards: Vec<PathBuf> = (1..=2)
        .map(|k| dir.join(format!("shard-{k}.ron")))
        .collect();
    for (k, out) in shards.iter().enumerate() {
        analyze_ok(&[&footage], out, &["--shard", &format!("{}/2", k + 1)]);
    }
    let failed = review::load(&shards[0]).unwrap();
    assert!(matches!(
        failed.inputs[0].status,
        review::InputStatus::Failed(_)
    ));
    let output = analyses().merge("failing/merged.ron", &shards);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let merged = review::load(&dir.join("merged.ron")).unwrap();
    assert_same_review(&merged, &review::load(&single).unwrap());

    // Where no file of any shard could be read, the merge writes nothing, as a single run would.
    std::fs::write(footage.join("b.jpg"), "no photo either").unwrap();
    let output = analyze_footage(&[&footage], &dir.join("none.ron"), &[]);
    assert!(!output.status.success(), "a single run writes nothing");
    for (k, out) in shards.iter().enumerate() {
        analyze_ok(&[&footage], out, &["--shard", &format!("{}/2", k + 1)]);
    }
    let output = analyses().merge("failing/none-merged.ron", &shards);
    assert!(!output.status.success());
    assert!(!dir.join("none-merged.ron").exists());
    assert!(
        text(&output.stderr).contains("none of the 2 inputs could be analysed"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn shards_record_the_build_and_onnx_runtime_and_merge_refuses_others() {
    let version = lineup(&["--version"]);
    let version = text(&version.stdout);
    let build = version.trim().strip_prefix("lineup ").unwrap();
    let record = review::load(&analyses().shard(2)).unwrap().shard.unwrap();
    assert_eq!(record.build, build, "the git commit, not only 0.1.0");
    assert!(
        record.onnx_runtime.contains("ORT Build Info"),
        "{}",
        record.onnx_runtime
    );

    let other_build = changed_second_shard("other-build.ron", |d| {
        d.shard.as_mut().unwrap().build = "0.1.0 (git deadbeef, x86_64-unknown-linux-gnu)".into();
    });
    assert_refused(
        &other_build,
        &["other-build.ron", "lineup build", "deadbeef"],
    );
    let other_runtime = changed_second_shard("other-runtime.ron", |d| {
        d.shard.as_mut().unwrap().onnx_runtime = "ORT Build Info: git-branch=rel-1.19.0".into();
    });
    assert_refused(
        &other_runtime,
        &["other-runtime.ron", "ONNX Runtime", "rel-1.19.0"],
    );

    // The merged review says it was merged, from which shards, made by which build.
    let output = analyses().merge("merged-record.ron", &shards());
    assert!(output.status.success(), "{}", text(&output.stderr));
    let merged = review::load(&analyses().path("merged-record.ron")).unwrap();
    assert!(merged.shard.is_none());
    assert_eq!(merged.merged_from.len(), SHARDS);
    assert!(merged.merged_from.iter().all(|r| r.build == build));
    let fingerprints: std::collections::BTreeSet<_> = merged
        .merged_from
        .iter()
        .map(|r| r.files_fingerprint.clone())
        .collect();
    assert_eq!(fingerprints.len(), 1, "one file list");
}

#[test]
fn a_file_named_twice_is_analysed_once_with_or_without_shards() {
    let dir = analyses().path("twice");
    let footage = footage_of(&dir, &[("a.jpg", "obama2.jpg")]);
    let photo = footage.join("a.jpg");
    let single = dir.join("single.ron");
    analyze_ok(&[&photo, &photo, &footage], &single, &[]);
    let document = review::load(&single).unwrap();
    assert_eq!(document.inputs.len(), 1);
    assert!(
        document
            .warnings
            .iter()
            .any(|w| w.contains("more than once")),
        "{:?}",
        document.warnings
    );
    // One file: the first of two shards has nothing to do (the blocks are
    // 0..0 and 0..1), as it is told before any analysis.
    let output = analyze_footage(
        &[&photo, &photo],
        &dir.join("shard-1.ron"),
        &["--shard", "1/2"],
    );
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("has no files"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn merged_label_changes_are_in_time_order() {
    let change = |at: &str| LabelChange {
        track: TrackId(0),
        at: at.into(),
        by: "Reviewer".into(),
        from: GroundTruth::Unlabelled,
        to: GroundTruth::NotAFace,
        settled: None,
    };
    let mut first = review::load(&analyses().shard(1)).unwrap();
    first.label_history = vec![change("2026-03-02T10:00:00Z")];
    let first_path = analyses().path("history-1.ron");
    review::save(&first, &first_path).unwrap();
    let mut given = changed_second_shard("history-2.ron", |d| {
        d.label_history = vec![
            change("2026-03-01T09:00:00Z"),
            change("2026-03-02T11:00:00Z"),
        ];
    });
    given[0] = first_path;
    let output = analyses().merge("history-merged.ron", &given);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let merged = review::load(&analyses().path("history-merged.ron")).unwrap();
    let times: Vec<&str> = merged.label_history.iter().map(|c| c.at.as_str()).collect();
    assert_eq!(
        times,
        [
            "2026-03-01T09:00:00Z",
            "2026-03-02T10:00:00Z",
            "2026-03-02T11:00:00Z"
        ]
    );
}

/// Shards of a two-recognizer analysis carry the second model's faces, and merge into the single
/// run's review with them in footage order; a shard that ran other recognizers is refused.
#[test]
fn shards_of_a_two_recognizer_analysis_merge_with_both_models_and_refuse_other_lists() {
    let dir = analyses().path("two-models");
    let footage = footage_of(
        &dir.join("footage"),
        &[
            ("a.jpg", "obama2.jpg"),
            ("b.jpg", "t1.jpg"),
            ("c.jpg", "biden.jpg"),
        ],
    );
    let both = ["--recognizer", "mobilefacenet", "--recognizer", "dlib"];
    let single = dir.join("single.ron");
    analyze_ok(&[&footage], &single, &both);
    let shard = |k: usize, recognizers: &[&str]| {
        let out = dir.join(format!("shard-{k}-{}.ron", recognizers.len() / 2));
        let cut = format!("{k}/2");
        let mut extra = vec!["--shard", cut.as_str()];
        extra.extend_from_slice(recognizers);
        analyze_ok(&[&footage], &out, &extra);
        out
    };
    let given = [shard(1, &both), shard(2, &both)];
    let output = analyses().merge("two-models/merged.ron", &given);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let merged = review::load(&analyses().path("two-models/merged.ron")).unwrap();
    let single = review::load(&single).unwrap();
    assert_eq!(single.other_recognizers.len(), 1);
    assert_eq!(merged.other_recognizers, single.other_recognizers);
    assert_same_review(&merged, &single);

    // dlib's threshold is read as the distance it is (#20), never as the negated score the
    // review file stores.
    let mut looser = review::load(&given[1]).unwrap();
    looser.other_recognizers[0].threshold = -0.7;
    let looser_path = dir.join("shard-2-looser.ron");
    review::save(&looser, &looser_path).unwrap();
    let output = analyses().merge("two-models/refused.ron", &[given[0].clone(), looser_path]);
    let stderr = text(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("at 0.7 (Euclidean distance)"), "{stderr}");
    assert!(stderr.contains("at 0.6 (Euclidean distance)"), "{stderr}");
    assert!(!stderr.contains("-0."), "{stderr}");

    let mobilefacenet_alone = shard(2, &["--recognizer", "mobilefacenet"]);
    assert_refused(
        &[given[0].clone(), mobilefacenet_alone],
        &["shard-2-1.ron", "list of recognizers", "dlib ResNet-29"],
    );
}

/// The number that follows "after " in `text` (a frame count in a cancelled input's record).
fn count_after(text: &str) -> Option<u64> {
    let (_, rest) = text.split_once("after ")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Finding 14 of the opposing expert (#21): a cancelled shard recorded "cancelled after 68
/// frame(s)" beside `frames_analysed: 65`, and its warning said 65. The record and the warning
/// must give one number: the frames whose faces the review holds.
#[test]
fn a_cancelled_shard_gives_one_frame_count_in_its_record_and_its_warning() {
    use std::sync::atomic::{AtomicBool, Ordering};

    use lineup::analysis::{self, AnalysisRequest, Progress};
    use lineup::footage::Sampling;
    use lineup::review::shards::Shard;

    let watchlist = common::watchlist(&[("Barack_Obama_1.jpg", "obama2.jpg")]);
    let request = AnalysisRequest {
        footage: vec![
            common::clip("faces_h264.mp4"),
            common::clip("faces_hevc.mp4"),
        ],
        watchlist: watchlist.path().to_path_buf(),
        threshold: 0.6,
        top_k: 1,
        vision: lineup::vision::VisionConfig::default(),
        sampling: Sampling::EveryFrame,
        enrolment_cache: None,
        recognizer: None,
        other_recognizers: Vec::new(),
    };
    let cancel = AtomicBool::new(false);
    let shard: Shard = "1/2".parse().unwrap();
    let document = analysis::run_shard(
        &request,
        shard,
        "test build",
        &mut |progress| {
            if let Progress::Analysing { frames_done, .. } = progress
                && frames_done >= 10
            {
                cancel.store(true, Ordering::Relaxed);
            }
        },
        &cancel,
    )
    .unwrap();

    assert!(!document.complete);
    let input = &document.inputs[0];
    assert!(
        (10..75).contains(&input.frames_analysed),
        "{}",
        input.frames_analysed
    );
    let stopped = input.stopped_early.as_deref().unwrap();
    assert!(stopped.contains("cancelled"), "{stopped}");
    assert_eq!(
        count_after(stopped),
        Some(input.frames_analysed),
        "the record: {stopped:?} beside frames_analysed {}",
        input.frames_analysed
    );
    let warning = document
        .warnings
        .iter()
        .find(|w| w.contains("cancelled"))
        .unwrap();
    assert_eq!(
        count_after(warning),
        Some(input.frames_analysed),
        "the warning: {warning:?}"
    );
    // Every face the review holds is of a frame it says was analysed.
    assert!(
        document
            .detections
            .iter()
            .all(|d| d.source.frame_index < input.frames_analysed)
    );
}
