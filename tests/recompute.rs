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
    let mut document = common::labelled::labelled_review();
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
fn write_signed(folder: &Path, files: &BTreeMap<String, Vec<u8>>, pair: &KeyPair) {
    std::fs::create_dir_all(folder).unwrap();
    for (name, bytes) in files {
        std::fs::write(folder.join(name), bytes).unwrap();
    }
    let manifest = bundle::manifest_text(files);
    let signer = signer(pair);
    let comment = signing::trusted_comment(0, MANIFEST_FILE, &signer);
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
    let document = labelled_review();
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
