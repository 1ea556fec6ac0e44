//! Recomputing a signed bundle's numbers from the bundle alone, as a court's expert would: the
//! review and the signer's secret key are gone, only the bundle and the published public key
//! are left, and `lineup verify --recompute` must reproduce every figure the report states, or
//! fail naming the figure that differs.
//!
//! Keys are made in memory (minisign's unencrypted key pairs), as in tests/bundle_trust.rs.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use lineup::assessment::bundle::{
    self, EVIDENCE_FILE, MANIFEST_FILE, README_FILE, REVIEW_FILE, SIGNATURE_FILE,
};
use lineup::assessment::evidence::Evidence;
use lineup::assessment::signing::{self, SignerKey};
use lineup::assessment::{self, BundleOptions, ReportOptions};
use lineup::ids::IdentityId;
use lineup::review::{GroundTruth, ReviewDocument, Slicing};
use minisign::KeyPair;

fn signer(pair: &KeyPair) -> SignerKey {
    SignerKey {
        public_key: pair.pk.clone(),
    }
}

/// The labelled fixture, sliced by skin and gender, one group at its own threshold and a chosen
/// reference group: every setting the numbers depend on is set.
fn labelled_review() -> ReviewDocument {
    let mut document = common::labelled::signable_labelled_review();
    document.slicing = Slicing::by(&["skin", "gender"]);
    document
        .slice_thresholds
        .insert("Monk 7–10 × female".into(), 0.72);
    document.reference_slice = Some("Monk 1–3 × male".into());
    document
}

/// Saves `document` in `dir`, exports it signed by `pair` as `dir/bundle` (and its zip), the way
/// `lineup report` does, and gives the threshold's findings.
fn export(dir: &Path, document: &ReviewDocument, pair: &KeyPair, include_review: bool) {
    let review = dir.join("review.ron");
    lineup::review::save(document, &review).unwrap();
    let threshold = document.settings.threshold;
    let findings = assessment::labelled_findings(document, threshold);
    assert!(findings.is_some(), "the fixture is labelled");
    let options = BundleOptions {
        out: dir.join("bundle"),
        overwrite: false,
        report: ReportOptions {
            threshold: Some(threshold),
            include_review,
            command: "(recompute test)".into(),
            ..ReportOptions::default()
        },
    };
    assessment::export(
        document,
        &review,
        findings.as_ref(),
        &options,
        &pair.sk,
        &signer(pair),
    )
    .unwrap();
}

/// The files of a bundle folder other than the manifest and its signature, by name.
fn contents(folder: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap())
        .map(|entry| {
            (
                entry.file_name().to_string_lossy().into_owned(),
                std::fs::read(entry.path()).unwrap(),
            )
        })
        .filter(|(name, _)| name != MANIFEST_FILE && name != SIGNATURE_FILE)
        .collect()
}

/// Writes `files` as a bundle at `folder`, with a new manifest signed by `pair`.
/// Its trusted comment says DRAFT or final as its assessment.ron does.
fn write_signed(folder: &Path, files: &BTreeMap<String, Vec<u8>>, pair: &KeyPair) {
    write_signed_as(folder, files, pair, is_draft(files));
}

/// Whether the report in `files` lists parts still to write (a DRAFT); one that cannot be read
/// counts as a draft.
fn is_draft(files: &BTreeMap<String, Vec<u8>>) -> bool {
    files
        .get(bundle::RON_FILE)
        .and_then(|bytes| std::str::from_utf8(bytes).ok())
        .and_then(|text| ron::from_str::<assessment::Report>(text).ok())
        .is_none_or(|report| !report.incomplete.is_empty())
}

/// [`write_signed`], with a trusted comment saying DRAFT if `draft`, else final.
fn write_signed_as(folder: &Path, files: &BTreeMap<String, Vec<u8>>, pair: &KeyPair, draft: bool) {
    std::fs::create_dir_all(folder).unwrap();
    for (name, bytes) in files {
        std::fs::write(folder.join(name), bytes).unwrap();
    }
    let manifest = bundle::manifest_text(files);
    let signer = signer(pair);
    let comment = signing::trusted_comment(0, MANIFEST_FILE, &signer, draft);
    let signature = signing::sign(&pair.sk, &signer, manifest.as_bytes(), &comment).unwrap();
    std::fs::write(folder.join(MANIFEST_FILE), manifest).unwrap();
    std::fs::write(folder.join(SIGNATURE_FILE), signature).unwrap();
}

fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

fn lineup(args: &[&Path]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lineup"))
        .args(args)
        .output()
        .unwrap()
}

fn recompute(bundle: &Path, key: &Path) -> Output {
    lineup(&[
        Path::new("verify"),
        Path::new("--recompute"),
        bundle,
        Path::new("--key"),
        key,
    ])
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The must-show of issue #16: a bundle, alone, recomputes; the same bundle with one label
/// changed and signed again by the reviewer's own (trusted) key is intact and signed, but its
/// numbers no longer follow from its data, and `--recompute` says which.
#[test]
fn the_bundle_alone_recomputes_and_one_changed_label_is_named() {
    let expert = tempfile::tempdir().unwrap();
    let pair = KeyPair::generate_unencrypted_keypair().unwrap();
    let published = expert.path().join("published.pub");
    std::fs::write(&published, signer(&pair).file_text()).unwrap();
    let bundle = expert.path().join("bundle");
    let zip = expert.path().join("bundle.zip");
    let reviewer = tempfile::tempdir().unwrap();
    let reviewers_folder = reviewer.path().to_path_buf();
    export(&reviewers_folder, &labelled_review(), &pair, false);
    copy_folder(&reviewers_folder.join("bundle"), &bundle);
    std::fs::copy(reviewers_folder.join("bundle.zip"), &zip).unwrap();
    // The review and everything else of the reviewer's go; the secret key was never on disk.
    drop(reviewer);
    assert!(!reviewers_folder.exists());
    assert!(bundle.join(EVIDENCE_FILE).is_file());
    assert!(
        !bundle.join(REVIEW_FILE).exists(),
        "the full review is left out unless the reviewer asks"
    );

    for copy in [&bundle, &zip] {
        let out = recompute(copy, &published);
        assert!(
            out.status.success(),
            "{}: {}{}",
            copy.display(),
            text(&out.stdout),
            text(&out.stderr)
        );
        let stdout = text(&out.stdout);
        assert!(stdout.contains("OK: signed by the holder"), "{stdout}");
        assert!(stdout.contains("Recomputed"), "{stdout}");
    }

    // One label changed: a passer-by becomes a watchlist identity. Signed again with the
    // reviewer's own key, so that the signature and every key mention still check out.
    let mut files = contents(&bundle);
    let mut evidence: Evidence =
        ron::from_str(std::str::from_utf8(&files[EVIDENCE_FILE]).unwrap()).unwrap();
    let changed = evidence
        .tracks
        .iter_mut()
        .find(|track| track.label == GroundTruth::NotOnWatchlist)
        .expect("a passer-by");
    changed.label = GroundTruth::OnWatchlist(IdentityId(0));
    files.insert(EVIDENCE_FILE.to_owned(), evidence.to_ron().into_bytes());
    let relabelled = expert.path().join("relabelled");
    write_signed(&relabelled, &files, &pair);

    let out = lineup(&[
        Path::new("verify"),
        &relabelled,
        Path::new("--key"),
        &published,
    ]);
    assert!(
        out.status.success(),
        "intact and signed by the trusted key: {}",
        text(&out.stderr)
    );
    let out = recompute(&relabelled, &published);
    assert!(!out.status.success(), "{}", text(&out.stdout));
    let stderr = text(&out.stderr);
    // The headline figures come first: a group's rates, not a point of a DET curve.
    let first = stderr.lines().nth(1).unwrap_or_default();
    assert!(
        first.contains("(findings.slices[")
            && [".k)", ".n)", ".rate)"]
                .iter()
                .any(|end| first.contains(end)),
        "the first figure named is not a group's rate: {stderr}"
    );
    assert!(stderr.contains("FPIR searches of group"), "{stderr}");
    assert!(
        stderr.contains("the report says") && stderr.contains("recomputed"),
        "{stderr}"
    );
}

/// With the reviewer's consent the full review goes into the bundle too, and is recomputed
/// from as well; the README says what a reader can do with the bundle, in plain words.
#[test]
fn the_full_review_is_included_only_when_asked_and_the_readme_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let pair = KeyPair::generate_unencrypted_keypair().unwrap();
    let published = dir.path().join("published.pub");
    std::fs::write(&published, signer(&pair).file_text()).unwrap();
    let document = consistent_review();
    export(dir.path(), &document, &pair, true);
    let bundle = dir.path().join("bundle");
    let included = lineup::review::load(&bundle.join(REVIEW_FILE)).unwrap();
    assert_eq!(included.tracks, document.tracks);
    let out = recompute(&bundle, &published);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains(REVIEW_FILE),
        "{}",
        text(&out.stdout)
    );

    let readme = std::fs::read_to_string(bundle.join(README_FILE)).unwrap();
    for words in [
        "Check that it was not changed",
        "minisign",
        "Recompute its numbers",
        "lineup verify --recompute",
        "lineup analyze",
        "crowd.mp4",
        EVIDENCE_FILE,
        "review.ron      the full review file",
        // The watchlist photos a re-run needs, by hash, and the tool that compares the re-run.
        &format!("{}  0.jpg", "0".repeat(64)),
        "--against RERUN-REVIEW.ron",
        "match scores",
    ] {
        assert!(readme.contains(words), "README lacks {words:?}:\n{readme}");
    }
}

/// `lineup --version` names the commit and target it was built from, as the reports it signs do.
#[test]
fn the_version_names_the_commit_and_the_build_target() {
    let out = lineup(&[Path::new("--version")]);
    assert!(out.status.success());
    let line = text(&out.stdout);
    let build = lineup::assessment::build_info::BuildInfo::current();
    assert_eq!(
        line.trim(),
        format!(
            "lineup {} (git {}, {})",
            build.version, build.git_commit, build.target
        )
    );
    assert!(
        build.git_commit.starts_with("unknown") || build.git_commit.len() >= 40,
        "{}",
        build.git_commit
    );
}

/// The fixture with every stored score following from its embeddings (one enrolment photo per
/// identity, each a direction of its own), and a crowd to count false alerts a day in.
fn consistent_review() -> ReviewDocument {
    use lineup::vision::Embedding;
    use lineup::watchlist::EnrolmentPhoto;
    let mut document = labelled_review();
    // As long as the recognizer's embeddings (lineup signs no review with others); one axis per
    // identity and one for the rest.
    let dimensions = lineup::vision::runtime::model_spec(lineup::vision::ModelRole::Recognizer)
        .output_size
        .unwrap();
    assert!(dimensions > document.watchlist.identities.len());
    let unit = |i: usize| {
        let mut v = vec![0.0f32; dimensions];
        v[i] = 1.0;
        Embedding(v)
    };
    for (i, identity) in document.watchlist.identities.iter_mut().enumerate() {
        identity.photos = vec![EnrolmentPhoto {
            path: format!("{i}.jpg").into(),
            digest: lineup::footage::FileDigest {
                sha256: format!("{i:064x}"),
                size_bytes: 1000 + i as u64,
            },
            bbox: Default::default(),
            detector_score: 0.9,
            embedding: unit(i),
        }];
    }
    let top_k = document.settings.top_k;
    for detection in &mut document.detections {
        let best = detection.candidates[0];
        let score = best.score.clamp(0.0, 1.0);
        let mut v = unit(best.identity.0 as usize).0;
        v[dimensions - 1] = (1.0 - score * score).sqrt();
        v[best.identity.0 as usize] = score;
        detection.embedding = Embedding(v);
        detection.candidates =
            lineup::matching::search(&detection.embedding, &document.watchlist, top_k);
    }
    document.assessment.people_per_day = Some(20_000);
    // Tracks the tracker makes again from the faces: people seconds apart, and any two faces
    // of one person similar enough (each face's embedding points at its own best identity).
    for detection in &mut document.detections {
        let source = &mut detection.source;
        source.timestamp_s = (source.frame_index / 10) as f64 * 10.0 + source.timestamp_s.fract();
    }
    document.tracking.min_similarity = -1.0;
    let mut retracked = document.clone();
    retracked.rebuild_tracks();
    let faces = |d: &ReviewDocument| {
        d.tracks
            .iter()
            .map(|t| t.detections.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        faces(&retracked),
        faces(&document),
        "the tracker makes the fixture's tracks"
    );
    document
}

/// A bundle of `document` signed by a fresh key, with the key published beside it.
struct Signed {
    dir: tempfile::TempDir,
    pair: KeyPair,
    published: std::path::PathBuf,
    bundle: std::path::PathBuf,
}

fn signed(document: &ReviewDocument, include_review: bool) -> Signed {
    let dir = tempfile::tempdir().unwrap();
    let pair = KeyPair::generate_unencrypted_keypair().unwrap();
    let published = dir.path().join("published.pub");
    std::fs::write(&published, signer(&pair).file_text()).unwrap();
    export(dir.path(), document, &pair, include_review);
    let bundle = dir.path().join("bundle");
    Signed {
        dir,
        pair,
        published,
        bundle,
    }
}

impl Signed {
    /// The bundle with `edit` made to its files, signed again by the reviewer's own key (so the
    /// signature and every key mention check out), recomputed.
    fn tampered(&self, name: &str, edit: impl FnOnce(&mut BTreeMap<String, Vec<u8>>)) -> Output {
        let mut files = contents(&self.bundle);
        edit(&mut files);
        let folder = self.dir.path().join(name);
        write_signed(&folder, &files, &self.pair);
        recompute(&folder, &self.published)
    }

    /// The same, editing the report in assessment.ron.
    fn with_report(&self, name: &str, edit: impl FnOnce(&mut assessment::Report)) -> Output {
        self.tampered(name, |files| {
            let mut report: assessment::Report =
                ron::from_str(std::str::from_utf8(&files[bundle::RON_FILE]).unwrap()).unwrap();
            edit(&mut report);
            files.insert(bundle::RON_FILE.to_owned(), report.to_ron().into_bytes());
        })
    }
}

fn fails_naming(out: &Output, words: &str) {
    let stderr = text(&out.stderr);
    assert!(
        !out.status.success(),
        "passed though it should fail naming {words:?}: {}",
        text(&out.stdout)
    );
    assert!(stderr.contains(words), "does not name {words:?}: {stderr}");
}

/// Finding 4 of the expert: a DRAFT made "final" by emptying its list of missing parts.
#[test]
fn the_draft_status_is_recomputed_from_the_assessment_text() {
    let signed = signed(&consistent_review(), false);
    let out = recompute(&signed.bundle, &signed.published);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report: assessment::Report =
        ron::from_str(&std::fs::read_to_string(signed.bundle.join(bundle::RON_FILE)).unwrap())
            .unwrap();
    assert!(!report.incomplete.is_empty(), "the fixture is a draft");
    let out = signed.with_report("final", |report| report.incomplete.clear());
    fails_naming(&out, "(incomplete");
}

/// Finding 7: every fact evidence.ron records is compared with assessment.ron, and the build
/// that wrote both must be the same.
#[test]
fn recorded_facts_and_the_build_are_compared() {
    let signed = signed(&consistent_review(), false);
    type Edit = Box<dyn FnOnce(&mut assessment::Report)>;
    let cases: Vec<(&str, Edit, &str)> = vec![
        (
            "photo",
            Box::new(|r| r.data.watchlist[0].photos[0].sha256 = "f".repeat(64)),
            "watchlist photos",
        ),
        (
            "complete",
            Box::new(|r| r.data.analysis_complete = false),
            "analysis_complete",
        ),
        (
            "size",
            Box::new(|r| r.data.inputs[0].size_bytes = Some(1)),
            "inputs (path, SHA-256, size, status)",
        ),
        (
            "status",
            Box::new(|r| r.data.inputs[0].status = "failed: corrupt".into()),
            "inputs (path, SHA-256, size, status)",
        ),
        (
            "build",
            Box::new(|r| r.build.git_commit = "deadbeef".into()),
            "build",
        ),
    ];
    for (name, edit, words) in cases {
        let out = signed.with_report(name, edit);
        fails_naming(&out, words);
    }
    let out = recompute(&signed.bundle, &signed.published);
    assert!(
        text(&out.stdout).contains("claimed by the bundle"),
        "{}",
        text(&out.stdout)
    );
}

/// Finding 3: false alerts a day follow from the crowd and watchlist the evidence records.
#[test]
fn false_alerts_per_day_are_recomputed() {
    let signed = signed(&consistent_review(), false);
    let out = signed.with_report("crowd", |report| {
        let daily = report.false_alerts_per_day.as_mut().expect("a crowd given");
        daily.people_per_day = 2_000;
        daily.expected /= 10.0;
        daily.high /= 10.0;
    });
    fails_naming(&out, "false_alerts_per_day");
}

/// Finding 1 (a): the Markdown must say what the recomputed report says, byte for byte.
#[test]
fn the_markdown_is_checked_against_the_recomputed_report() {
    let signed = signed(&consistent_review(), false);
    let out = signed.tampered("markdown", |files| {
        let markdown = String::from_utf8(files[bundle::EDITABLE_FILE].clone()).unwrap();
        let changed = markdown.replacen("FPIR", "FPIR 0.0% ", 1);
        assert_ne!(changed, markdown);
        files.insert(bundle::EDITABLE_FILE.to_owned(), changed.into_bytes());
    });
    fails_naming(&out, bundle::EDITABLE_FILE);
}

/// Finding 1 (b): a PDF spliced in from another review (other labels, other numbers) fails.
#[test]
fn a_pdf_from_other_data_is_caught() {
    let signed = signed(&consistent_review(), false);
    let mut other = consistent_review();
    for track in other.tracks.iter_mut().take(60) {
        if track.label == GroundTruth::NotOnWatchlist {
            track.label = GroundTruth::OnWatchlist(IdentityId(1));
        }
    }
    // Exported by the same reviewer with the same key, so every key mention checks out.
    let folder = signed.dir.path().join("other");
    std::fs::create_dir_all(&folder).unwrap();
    export(&folder, &other, &signed.pair, false);
    let pdf = std::fs::read(folder.join("bundle").join(bundle::PDF_FILE)).unwrap();
    let out = signed.tampered("spliced", |files| {
        files.insert(bundle::PDF_FILE.to_owned(), pdf);
    });
    fails_naming(&out, bundle::PDF_FILE);
}

/// Finding 2: with the review included, every stored score is recomputed from the embeddings.
#[test]
fn falsified_scores_are_caught_from_the_included_embeddings() {
    let mut document = consistent_review();
    for detection in document.detections.iter_mut().take(25) {
        detection.candidates[0].score = 0.55;
    }
    let signed = signed(&document, true);
    let out = recompute(&signed.bundle, &signed.published);
    fails_naming(&out, "face 0");
    // Without the review, the output says the scores are the analysis's own.
    let honest = self::signed(&consistent_review(), false);
    let out = recompute(&honest.bundle, &honest.published);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("scores are the analysis's own"),
        "{}",
        text(&out.stdout)
    );
}

/// Expert's finding 1 on issue #21: an alert hidden by emptying its face's candidates (no
/// embedding touched). A search gives every face min(top-k, identities) candidates, so lineup
/// refuses to sign a review with a face of fewer or more, and verify refuses evidence with a
/// face that has no best candidate though the watchlist has identities (a bundle without the
/// review, re-signed by the reviewer's own key). With the review included, the candidates are
/// also compared with the search at that length (unit test in recompute.rs).
#[test]
fn a_face_with_fewer_or_more_candidates_than_the_search_gives_is_refused() {
    let document = consistent_review();
    let alerting = document
        .detections
        .iter()
        .position(|d| lineup::matching::is_alert(&d.candidates, document.settings.threshold))
        .expect("the fixture has an alert");
    let identities = document.watchlist.identities.len();
    assert_eq!(
        document.detections[alerting].candidates.len(),
        document.settings.top_k.min(identities)
    );
    let refused = |document: &ReviewDocument| {
        let dir = tempfile::tempdir().unwrap();
        let review = dir.path().join("review.ron");
        lineup::review::save(document, &review).unwrap();
        let pair = KeyPair::generate_unencrypted_keypair().unwrap();
        let options = BundleOptions {
            out: dir.path().join("bundle"),
            overwrite: false,
            report: ReportOptions::default(),
        };
        let threshold = document.settings.threshold;
        let findings = assessment::labelled_findings(document, threshold);
        assessment::export(
            document,
            &review,
            findings.as_ref(),
            &options,
            &pair.sk,
            &signer(&pair),
        )
        .expect_err("signed a review with edited candidates")
        .to_string()
    };
    let mut emptied = document.clone();
    emptied.detections[alerting].candidates.clear();
    let error = refused(&emptied);
    assert!(
        error.contains(&format!(
            "face {alerting} has 0 candidate(s) where the search"
        )),
        "{error}"
    );
    // One more candidate than the search gives (the fixture searches at top-k 1).
    let mut longer = document.clone();
    let face = &mut longer.detections[alerting];
    let other = (face.candidates[0].identity.0 + 1) % identities as u32;
    face.candidates.push(lineup::matching::Candidate {
        identity: IdentityId(other),
        score: 0.0,
    });
    let error = refused(&longer);
    assert!(
        error.contains(&format!(
            "face {alerting} has 2 candidate(s) where the search"
        )),
        "{error}"
    );

    let signed = signed(&document, false);
    let out = signed.tampered("emptied", |files| {
        let mut evidence: Evidence =
            ron::from_str(std::str::from_utf8(&files[EVIDENCE_FILE]).unwrap()).unwrap();
        evidence.faces[alerting].rank_one = None;
        files.insert(EVIDENCE_FILE.to_owned(), evidence.to_ron().into_bytes());
    });
    fails_naming(
        &out,
        &format!("face {alerting} has no best candidate, though a search over the watchlist's"),
    );
}

/// Expert's finding 4 on issue #21: a best candidate naming an identity past the watchlist is
/// refused by --recompute from evidence.ron alone (a bundle without the review), naming it.
#[test]
fn a_candidate_identity_past_the_watchlist_is_refused_from_the_evidence_alone() {
    let mut document = consistent_review();
    let identities = document.watchlist.identities.len() as u32;
    document.detections[0].candidates[0].identity = IdentityId(identities + 5);
    let signed = signed(&document, false);
    fails_naming(
        &recompute(&signed.bundle, &signed.published),
        &format!(
            "best candidate of face 0 names watchlist identity {}, but the evidence lists only \
             {identities} identities",
            identities + 5
        ),
    );
}

/// Issue #21: an included review brings its sidecar (the embeddings its scores are recomputed
/// from) under the name the review gives it, listed in the signed manifest like every file: one
/// changed byte of it fails verification, and a sidecar changed and signed again fails
/// `--recompute`, naming it.
#[test]
fn an_included_review_brings_its_sidecar_signed() {
    let signed = signed(&consistent_review(), true);
    let files = contents(&signed.bundle);
    let sidecars: Vec<&String> = files.keys().filter(|name| name.ends_with(".npz")).collect();
    assert_eq!(sidecars.len(), 1, "{:?}", files.keys());
    let sidecar = sidecars[0].clone();
    let manifest = std::fs::read_to_string(signed.bundle.join(MANIFEST_FILE)).unwrap();
    assert!(manifest.contains(&format!("  {sidecar}\n")), "{manifest}");
    let out = recompute(&signed.bundle, &signed.published);
    assert!(out.status.success(), "{}", text(&out.stderr));

    let changed = signed.dir.path().join("changed");
    copy_folder(&signed.bundle, &changed);
    let mut bytes = std::fs::read(changed.join(&sidecar)).unwrap();
    let last = bytes.len() - 100;
    bytes[last] ^= 1;
    std::fs::write(changed.join(&sidecar), &bytes).unwrap();
    let out = lineup(&[
        Path::new("verify"),
        &changed,
        Path::new("--key"),
        &signed.published,
    ]);
    fails_naming(&out, &sidecar);

    let out = signed.tampered("re-signed", |files| {
        files.get_mut(&sidecar).unwrap()[last] ^= 1;
    });
    fails_naming(&out, &sidecar);
}

/// Finding 8: a re-run review is compared with evidence.ron face by face.
#[test]
fn a_rerun_review_is_compared_face_by_face() {
    let document = consistent_review();
    let signed = signed(&document, false);
    let rerun = signed.dir.path().join("rerun.ron");
    lineup::review::save(&document, &rerun).unwrap();
    let against = |rerun: &Path| {
        lineup(&[
            Path::new("verify"),
            Path::new("--recompute"),
            &signed.bundle,
            Path::new("--key"),
            &signed.published,
            Path::new("--against"),
            rerun,
        ])
    };
    let out = against(&rerun);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("re-run"),
        "{}",
        text(&out.stdout)
    );
    let mut changed = document.clone();
    changed.detections[3].candidates[0].score -= 0.2;
    let rerun_changed = signed.dir.path().join("rerun-changed.ron");
    lineup::review::save(&changed, &rerun_changed).unwrap();
    fails_naming(&against(&rerun_changed), "face 3");
}

/// Finding 9: the report counts every track, the labelled ones and the alerting ones left
/// unlabelled, and the evidence lets those counts be recomputed.
#[test]
fn tracks_left_unlabelled_are_counted_and_recomputed() {
    let document = consistent_review();
    let signed = signed(&document, false);
    let report: assessment::Report =
        ron::from_str(&std::fs::read_to_string(signed.bundle.join(bundle::RON_FILE)).unwrap())
            .unwrap();
    assert_eq!(report.tracks.total, document.tracks.len() as u64);
    assert!(report.tracks.labelled < report.tracks.total);
    // Page 1 (and the Markdown's summary) say it, and --recompute checks that they do.
    let markdown = std::fs::read_to_string(signed.bundle.join(bundle::EDITABLE_FILE)).unwrap();
    assert!(
        markdown.contains(&report.tracks.sentence()),
        "{}\n{markdown}",
        report.tracks.sentence()
    );
    let out = signed.with_report("hidden", |report| {
        report.tracks.alerting_unlabelled += 1;
    });
    fails_naming(&out, "tracks");
}

/// A bundle whose evidence is of an older shape (without the crowd, photo hashes or unlabelled
/// tracks) is refused plainly rather than failing on figures it never recorded.
#[test]
fn evidence_of_an_older_shape_is_refused_by_name() {
    let signed = signed(&consistent_review(), false);
    let out = signed.tampered("old", |files| {
        let mut evidence: Evidence =
            ron::from_str(std::str::from_utf8(&files[EVIDENCE_FILE]).unwrap()).unwrap();
        evidence.evidence_version = 1;
        files.insert(EVIDENCE_FILE.to_owned(), evidence.to_ron().into_bytes());
    });
    fails_naming(&out, "evidence version 1");
}

/// Version 3 evidence (before the 1:1 table of an evaluation set) still recomputes: it differs
/// from version 4 only in lacking the table, which the reports of its time lack too.
#[test]
fn evidence_of_version_3_still_recomputes() {
    let signed = signed(&consistent_review(), false);
    let out = signed.tampered("v3", |files| {
        let mut evidence: Evidence =
            ron::from_str(std::str::from_utf8(&files[EVIDENCE_FILE]).unwrap()).unwrap();
        assert_eq!(evidence.verification, None, "footage has no 1:1 table");
        evidence.evidence_version = 3;
        files.insert(EVIDENCE_FILE.to_owned(), evidence.to_ron().into_bytes());
    });
    assert!(out.status.success(), "{}", text(&out.stderr));
}

/// Second-round finding 3: a track that raises an alert marked "not a face" is in no rate, like
/// one left unlabelled; page 1 says how many there are, and --recompute checks the count.
#[test]
fn alerting_tracks_marked_not_a_face_are_counted_on_page_1_and_recomputed() {
    let mut document = consistent_review();
    let threshold = document.settings.threshold;
    let alerting = (0..document.tracks.len())
        .find(|&t| {
            document.tracks[t].label == GroundTruth::Unlabelled
                && document.track_match(lineup::ids::TrackId(t)).score >= threshold
        })
        .expect("the fixture has an unlabelled track that raises an alert");
    document.tracks[alerting].label = GroundTruth::NotAFace;
    let signed = signed(&document, false);
    let out = recompute(&signed.bundle, &signed.published);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report: assessment::Report =
        ron::from_str(&std::fs::read_to_string(signed.bundle.join(bundle::RON_FILE)).unwrap())
            .unwrap();
    assert!(
        report.tracks.alerting_not_a_face >= 1,
        "{:?}",
        report.tracks
    );
    let sentence = report.tracks.sentence();
    assert!(
        sentence.contains("marked not a face and") && sentence.contains("in no rate"),
        "{sentence}"
    );
    // On page 1 of the PDF (which --recompute checked above) and in the Markdown.
    let markdown = std::fs::read_to_string(signed.bundle.join(bundle::EDITABLE_FILE)).unwrap();
    assert!(markdown.contains(&sentence), "{sentence}\n{markdown}");
    let out = signed.with_report("hidden", |report| {
        report.tracks.alerting_not_a_face = 0;
    });
    fails_naming(&out, "tracks");
}

/// The fixture with track 0's faces merged into track 1 (both of input 0, in frame order: a
/// track that looks like the tracker's), and track 0 gone; ids renumbered.
fn merged_review() -> ReviewDocument {
    let mut document = consistent_review();
    let first = document.tracks.remove(0);
    let second = &mut document.tracks[0];
    let mut faces = first.detections;
    faces.extend(second.detections.iter().copied());
    second.detections = faces;
    for (id, track) in document.tracks.iter_mut().enumerate() {
        track.id = id as u32;
    }
    document
}

/// The expert's second round, finding 2: a track the tracker could never make (faces of two
/// inputs, frames out of order, a face in two tracks) is refused by --recompute alone.
#[test]
fn tracks_the_tracker_never_makes_are_refused() {
    let mut document = consistent_review();
    let mut second_input = document.inputs[0].clone();
    second_input.path = "still.jpg".into();
    document.inputs.push(second_input);
    let signed = signed(&document, false);
    let out = recompute(&signed.bundle, &signed.published);
    assert!(out.status.success(), "{}", text(&out.stderr));
    type Edit = Box<dyn FnOnce(&mut Evidence)>;
    let cases: Vec<(&str, Edit, &str)> = vec![
        (
            "inputs",
            Box::new(|e| {
                let moved = e.tracks[0].faces[0].index();
                e.faces[moved].input = 1;
            }),
            "holds faces of 2 inputs (crowd.mp4, still.jpg)",
        ),
        (
            "order",
            Box::new(|e| {
                let first = e.tracks.remove(0);
                e.tracks[0].faces.extend(first.faces);
            }),
            "one face a frame, in frame order",
        ),
        (
            "twice",
            Box::new(|e| {
                let face = e.tracks[0].faces[0];
                e.tracks[1].faces.insert(0, face);
            }),
            "is in 2 tracks",
        ),
    ];
    for (name, edit, words) in cases {
        let out = signed.tampered(name, |files| {
            let mut evidence: Evidence =
                ron::from_str(std::str::from_utf8(&files[EVIDENCE_FILE]).unwrap()).unwrap();
            edit(&mut evidence);
            files.insert(EVIDENCE_FILE.to_owned(), evidence.to_ron().into_bytes());
        });
        fails_naming(&out, words);
    }
}

/// Finding 2: a false-alert track merged into another, consistently through the review, the
/// evidence and the report: --against names the track the re-run splits.
#[test]
fn a_merged_track_is_caught_against_the_rerun() {
    let signed = signed(&merged_review(), false);
    let out = recompute(&signed.bundle, &signed.published);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let rerun = signed.dir.path().join("rerun.ron");
    lineup::review::save(&consistent_review(), &rerun).unwrap();
    let out = lineup(&[
        Path::new("verify"),
        Path::new("--recompute"),
        &signed.bundle,
        Path::new("--key"),
        &signed.published,
        Path::new("--against"),
        &rerun,
    ]);
    fails_naming(
        &out,
        "track 0 of the bundle holds faces that the re-run puts in 2 track(s)",
    );
}

/// Finding 2 with the review included: the tracker runs again on its faces.
#[test]
fn a_merged_track_is_caught_by_tracking_the_included_review_again() {
    let signed = signed(&merged_review(), true);
    let out = recompute(&signed.bundle, &signed.published);
    fails_naming(
        &out,
        "track 0 of the bundle holds faces that the tracker run again on review.ron puts in 2",
    );
}

/// Second-round finding 1: page 1 painted over with a white rectangle (the text underneath is
/// still extracted, so every expected statement is still "in" the PDF) must fail: the PDF is
/// drawn again from the recomputed report and the pictures in the bundle and compared byte for
/// byte.
#[test]
fn a_pdf_painted_over_is_caught() {
    let signed = signed(&consistent_review(), false);
    let out = signed.tampered("painted", |files| {
        let mut pdf = lopdf::Document::load_mem(&files[bundle::PDF_FILE]).unwrap();
        let first = *pdf.get_pages().get(&1).unwrap();
        let white = b"q 1 1 1 rg 0 0 1000 1000 re f Q".to_vec();
        let stream = pdf.add_object(lopdf::Stream::new(lopdf::Dictionary::new(), white));
        let page = pdf.get_object_mut(first).unwrap().as_dict_mut().unwrap();
        let mut contents = match page.get(b"Contents").unwrap().clone() {
            lopdf::Object::Array(items) => items,
            single => vec![single],
        };
        contents.push(lopdf::Object::Reference(stream));
        page.set("Contents", lopdf::Object::Array(contents));
        let mut bytes = Vec::new();
        pdf.save_to(&mut bytes).unwrap();
        files.insert(bundle::PDF_FILE.to_owned(), bytes);
    });
    fails_naming(
        &out,
        "assessment.pdf is not the PDF the recomputed report draws",
    );
}

/// Without the pictures the PDF cannot be drawn again, so a bundle re-signed without
/// pictures.ron is refused rather than checked less.
#[test]
fn a_bundle_without_its_pictures_is_refused() {
    let signed = signed(&consistent_review(), false);
    let out = signed.tampered("no-pictures", |files| {
        files.remove(bundle::PICTURES_FILE).unwrap();
    });
    fails_naming(&out, "has no pictures.ron");
}
