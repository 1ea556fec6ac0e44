//! The workshop scenario is a simulation, and no path turns it into a signed assessment of a
//! real system: not `export_signed` (the one export the CLI's `report` and the app call), not
//! the lower `export`, not the CLI, and a bundle of one made by hand and signed is refused by
//! `verify`.
//!
//! Keys here are made in memory (minisign's unencrypted key pairs), as in bundle_trust.rs.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use lineup::assessment::bundle::{self, EVIDENCE_FILE, MANIFEST_FILE, SIGNATURE_FILE};
use lineup::assessment::evidence::Evidence;
use lineup::assessment::signing::{self, SignerKey};
use lineup::assessment::{
    self, BundleError, BundleOptions, FaceDisclosure, ReportOptions, SignedExport, VerifyError,
};
use lineup::review::scenario::{self, ScenarioParameters};
use minisign::KeyPair;

fn small_scenario(seed: u64) -> lineup::review::ReviewDocument {
    let parameters = ScenarioParameters {
        non_mated_per_group: 200,
        mated_per_group: 20,
        ..ScenarioParameters::workshop(seed, 10.0)
    };
    scenario::generate(&parameters).unwrap()
}

fn signer(pair: &KeyPair) -> SignerKey {
    SignerKey {
        public_key: pair.pk.clone(),
    }
}

fn options(out: &Path) -> BundleOptions {
    BundleOptions {
        out: out.to_path_buf(),
        overwrite: false,
        report: ReportOptions {
            command: "(scenario test)".into(),
            ..ReportOptions::default()
        },
    }
}

fn lineup(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lineup"));
    command.args(args).env_remove(signing::PASSWORD_ENV);
    command
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A simulated review, saved, then handed to both export paths: both refuse, naming the
/// simulation, and write nothing.
#[test]
fn a_simulated_review_cannot_be_signed_as_an_assessment() {
    let dir = tempfile::tempdir().unwrap();
    let review = dir.path().join("scenario.ron");
    let document = small_scenario(11);
    lineup::review::save(&document, &review).unwrap();
    let document = lineup::review::load(&review).unwrap();
    let out = dir.path().join("bundle");

    // The secret key is not even read: the refusal comes first (no password is asked for).
    let refused = assessment::export_signed(&SignedExport {
        document: &document,
        review_path: &review,
        key: &dir.path().join("reviewer.key"),
        password: "",
        out: &out,
        overwrite: false,
        threshold: None,
        face_disclosure: FaceDisclosure::default(),
        include_watchlist_photos: false,
        include_review: false,
    })
    .unwrap_err();
    assert!(
        matches!(refused, BundleError::Simulated { .. }),
        "{refused}"
    );
    let message = refused.to_string();
    assert!(
        message.contains("cannot be exported as a signed assessment")
            && message.contains("SIMULATED")
            && message.contains("seed 11"),
        "{message}"
    );

    // With a valid key in hand, the export below it refuses too.
    let pair = KeyPair::generate_unencrypted_keypair().unwrap();
    let refused = assessment::export(
        &document,
        &review,
        None,
        &options(&out),
        &pair.sk,
        &signer(&pair),
    )
    .unwrap_err();
    assert!(
        matches!(refused, BundleError::Simulated { .. }),
        "{refused}"
    );
    assert!(!out.exists() && !bundle::zip_path(&out).exists());
}

/// `lineup report` on a simulated review fails with the reason, before asking for a password.
#[test]
fn the_report_command_refuses_a_simulated_review() {
    let dir = tempfile::tempdir().unwrap();
    let review = dir.path().join("scenario.ron");
    lineup::review::save(&small_scenario(5), &review).unwrap();
    let out = dir.path().join("bundle");
    let output = lineup(&["report", review.to_str().unwrap(), "--key"])
        .arg(dir.path().join("reviewer.key"))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = text(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains("cannot be exported as a signed assessment")
            && stderr.contains("SIMULATED"),
        "{stderr}"
    );
    assert!(!out.exists());
}

/// Someone deletes the simulation record from the review file by hand, and renames its
/// placeholder footage: it still cannot be signed, since no face in it was ever embedded.
#[test]
fn a_scenario_edited_to_look_real_still_cannot_be_signed() {
    let dir = tempfile::tempdir().unwrap();
    let review = dir.path().join("scenario.ron");
    let mut document = small_scenario(12);
    document.simulation = None;
    document.inputs[0].path = dir.path().join("camera 1.mp4");
    document.watchlist.root = dir.path().join("watchlist");
    lineup::review::save(&document, &review).unwrap();
    let saved = std::fs::read_to_string(&review).unwrap();
    assert!(!saved.contains("simulation"));
    let document = lineup::review::load(&review).unwrap();
    // Every screen and command still marks it, saying what gave it away.
    let mark = assessment::wording::simulation_mark(&document).unwrap();
    assert!(
        mark.starts_with("SIMULATED: a workshop scenario") && mark.contains("no recognition model"),
        "{mark}"
    );
    let pair = KeyPair::generate_unencrypted_keypair().unwrap();
    let refused = assessment::export(
        &document,
        &review,
        None,
        &options(&dir.path().join("bundle")),
        &pair.sk,
        &signer(&pair),
    )
    .unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("no recognition model saw them"),
        "{refused}"
    );
}

/// A bundle's files other than the manifest and its signature, by name.
fn contents(folder: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap())
        .map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            (name, std::fs::read(entry.path()).unwrap())
        })
        .filter(|(name, _)| name != MANIFEST_FILE && name != SIGNATURE_FILE)
        .collect()
}

/// What a forger does with a build of lineup that skips the refusal: a real bundle's evidence
/// replaced by a simulation's, the manifest re-made and signed with the forger's own (published)
/// key. The signature holds; `verify`, as a library call and as the command, still refuses it.
#[test]
fn verify_refuses_a_signed_bundle_of_a_simulation() {
    let dir = tempfile::tempdir().unwrap();
    let review = dir.path().join("review.ron");
    lineup::review::save(&common::labelled::signable_labelled_review(), &review).unwrap();
    let real = lineup::review::load(&review).unwrap();
    let pair = KeyPair::generate_unencrypted_keypair().unwrap();
    let genuine = dir.path().join("genuine");
    assessment::export(
        &real,
        &review,
        None,
        &options(&genuine),
        &pair.sk,
        &signer(&pair),
    )
    .unwrap();
    assessment::verify_bundle(&genuine, Some(&signer(&pair))).unwrap();

    let mut files = contents(&genuine);
    let forged_evidence = Evidence::of(&small_scenario(13), 0.6).to_ron();
    files.insert(EVIDENCE_FILE.to_owned(), forged_evidence.into_bytes());
    let forged = dir.path().join("forged");
    std::fs::create_dir_all(&forged).unwrap();
    for (name, bytes) in &files {
        std::fs::write(forged.join(name), bytes).unwrap();
    }
    let manifest = bundle::manifest_text(&files);
    let draft = assessment::verify_bundle(&genuine, None)
        .unwrap()
        .trusted_comment
        .contains(signing::DRAFT_COMMENT);
    let comment = signing::trusted_comment(0, MANIFEST_FILE, &signer(&pair), draft);
    let signature = signing::sign(&pair.sk, &signer(&pair), manifest.as_bytes(), &comment).unwrap();
    std::fs::write(forged.join(MANIFEST_FILE), manifest).unwrap();
    std::fs::write(forged.join(SIGNATURE_FILE), signature).unwrap();

    let refused = assessment::verify_bundle(&forged, Some(&signer(&pair))).unwrap_err();
    assert!(
        matches!(refused, VerifyError::Simulated { .. }),
        "{refused}"
    );
    assert!(refused.to_string().contains("seed 13"), "{refused}");

    let key = dir.path().join("published.pub");
    std::fs::write(&key, signer(&pair).file_text()).unwrap();
    let output = lineup(&["verify", forged.to_str().unwrap(), "--key"])
        .arg(&key)
        .output()
        .unwrap();
    let stderr = text(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains("not an assessment of a real system") && stderr.contains("SIMULATED"),
        "{stderr}"
    );
}

/// `lineup scenario`: the same seed writes the same review, marked SIMULATED in its output and
/// in the file; a file already there is kept unless --force; `lineup metrics` marks it too.
#[test]
fn the_scenario_command_writes_the_same_review_for_the_same_seed() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, seed: &str, extra: &[&str]| {
        let out = dir.path().join(name);
        let output = lineup(&["scenario", "--seed", seed, "--differential", "20", "--out"])
            .arg(&out)
            .args(extra)
            .output()
            .unwrap();
        (out, output)
    };
    let (first, output) = write("first.ron", "42", &[]);
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        stdout.starts_with("SIMULATED (seed 42): a workshop scenario"),
        "{stdout}"
    );
    assert!(stdout.contains("Monk 7–10"), "{stdout}");
    let (second, _) = write("second.ron", "42", &[]);
    // The same text but for the name of its sidecar, which follows the review's file name.
    assert_eq!(
        std::fs::read_to_string(&first)
            .unwrap()
            .replace("first.ron.faces-", "second.ron.faces-"),
        std::fs::read_to_string(&second).unwrap()
    );
    let document = lineup::review::load(&first).unwrap();
    let recorded = &document.simulation.as_ref().unwrap().parameters;
    assert_eq!((recorded.seed, recorded.groups[2].fpir_ratio), (42, 20.0));

    let (_, again) = write("first.ron", "43", &[]);
    assert!(!again.status.success());
    assert!(text(&again.stderr).contains("already exists"));
    let (_, forced) = write("first.ron", "43", &["--force"]);
    assert!(forced.status.success(), "{}", text(&forced.stderr));
    assert_ne!(
        std::fs::read_to_string(&first).unwrap(),
        std::fs::read_to_string(&second).unwrap()
    );

    let metrics = lineup(&["metrics"]).arg(&second).output().unwrap();
    let stdout = text(&metrics.stdout);
    assert!(metrics.status.success(), "{}", text(&metrics.stderr));
    assert!(stdout.starts_with("SIMULATED (seed 42)"), "{stdout}");
    let assess = lineup(&["assess"])
        .arg(&second)
        .args(["--title", "Workshop"])
        .output()
        .unwrap();
    let stdout = text(&assess.stdout);
    assert!(assess.status.success(), "{}", text(&assess.stderr));
    assert!(stdout.starts_with("SIMULATED (seed 42)"), "{stdout}");
}

/// `lineup demo --scenario --prepare` writes this user's scenario beside the demo, without
/// footage, and says where.
#[test]
fn the_demo_offers_the_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let output = lineup(&["demo", "--scenario", "--prepare", "--seed", "5"])
        .env("XDG_DATA_HOME", dir.path())
        .env("LOCALAPPDATA", dir.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    let path = std::path::PathBuf::from(text(&output.stdout).trim());
    assert!(path.starts_with(dir.path()), "{}", path.display());
    let document = lineup::review::load(&path).unwrap();
    assert_eq!(document.simulation.unwrap().parameters.seed, 5);
}

/// The scenario with its record deleted and its placeholders renamed, as the opposing expert
/// edited it: `edit` then adds more of what an analysis leaves.
fn scenario_edited_to_look_real(dir: &Path) -> lineup::review::ReviewDocument {
    let mut document = small_scenario(21);
    document.simulation = None;
    document.warnings.clear();
    document.inputs[0].path = dir.join("cctv");
    document.watchlist.root = dir.join("watchlist");
    document
}

/// Every refusal `export` gives `document`, saved and loaded as a file would be.
fn export_refusal(dir: &Path, document: &lineup::review::ReviewDocument) -> String {
    let review = dir.join("edited.ron");
    lineup::review::save(document, &review).unwrap();
    // What load refuses (a face past its input's frames) is never signed either.
    let document = match lineup::review::load(&review) {
        Ok(document) => document,
        Err(refused) => return refused.to_string(),
    };
    let pair = KeyPair::generate_unencrypted_keypair().unwrap();
    let out = dir.join("bundle");
    let refused = assessment::export(
        &document,
        &review,
        None,
        &options(&out),
        &pair.sk,
        &signer(&pair),
    )
    .expect_err("a review lacking what an analysis records was signed");
    assert!(!out.exists());
    assert!(
        matches!(refused, BundleError::Simulated { .. }),
        "{refused}"
    );
    refused.to_string()
}

/// Finding 1 of the expert's review of the scenario: one face given an embedding (even a
/// 4-byte one) was enough to sign an edited scenario. Now every face needs an embedding of the
/// recognizer's length, the review needs the models' records and each analysed input its
/// SHA-256, and no face may lie in a frame its input does not have.
#[test]
fn a_scenario_with_some_traces_of_an_analysis_grafted_on_still_cannot_be_signed() {
    let dir = tempfile::tempdir().unwrap();
    let mut document = scenario_edited_to_look_real(dir.path());
    document.detections[0].embedding = lineup::vision::Embedding(vec![0.5]);
    let reason = export_refusal(dir.path(), &document);
    assert!(
        reason.contains("no face detection and recognition models"),
        "{reason}"
    );

    // The demo's models and input grafted on: real model records, a real clip's SHA-256.
    let demo = lineup::review::load(Path::new("vendor/demo/demo-review.ron")).unwrap();
    document.models = demo.models.clone();
    let reason = export_refusal(dir.path(), &document);
    assert!(reason.contains("has no SHA-256"), "{reason}");
    let clip = demo
        .inputs
        .iter()
        .find(|i| i.media.as_ref().is_some_and(|m| m.frame_count > Some(1)))
        .expect("the demo has a video");
    document.inputs[0].digest = clip.digest.clone();
    let reason = export_refusal(dir.path(), &document);
    assert!(
        reason.contains("embedding values where the recognizer gives"),
        "{reason}"
    );

    let length = lineup::vision::runtime::model_spec(lineup::vision::ModelRole::Recognizer)
        .output_size
        .unwrap();
    for detection in &mut document.detections {
        detection.embedding = lineup::vision::Embedding(vec![0.1; length]);
    }
    // The clip's frame count last: load itself refuses a face past it.
    document.inputs[0].media = clip.media.clone();
    let reason = export_refusal(dir.path(), &document);
    let frames = clip.media.as_ref().unwrap().frame_count.unwrap();
    assert!(
        reason.contains(&format!("frame {frames} of")) && reason.contains("edited by hand"),
        "{reason}"
    );
}

/// A forger signs a bundle whose evidence was made from a review lineup refuses to sign (by a
/// build that skips the refusal): `verify` refuses it for the same lacks, read from the
/// evidence alone (which holds no embeddings).
#[test]
fn verify_refuses_evidence_lacking_what_an_analysis_records() {
    let dir = tempfile::tempdir().unwrap();
    let review = dir.path().join("review.ron");
    lineup::review::save(&common::labelled::signable_labelled_review(), &review).unwrap();
    let real = lineup::review::load(&review).unwrap();
    let pair = KeyPair::generate_unencrypted_keypair().unwrap();
    let genuine = dir.path().join("genuine");
    assessment::export(
        &real,
        &review,
        None,
        &options(&genuine),
        &pair.sk,
        &signer(&pair),
    )
    .unwrap();
    assessment::verify_bundle(&genuine, Some(&signer(&pair))).unwrap();
    let evidence = Evidence::parse(
        EVIDENCE_FILE,
        &std::fs::read(genuine.join(EVIDENCE_FILE)).unwrap(),
    )
    .unwrap();
    assert_eq!(evidence.analysis.inputs[0].frame_count, Some(6000));

    let mut no_models = evidence.clone();
    no_models.analysis.models.clear();
    let mut no_digest = evidence.clone();
    no_digest.analysis.inputs[0].sha256 = None;
    let mut beyond = evidence.clone();
    beyond.faces[3].frame = 6000;
    for (name, forged, says) in [
        (
            "no_models",
            no_models,
            "no face detection and recognition models",
        ),
        ("no_digest", no_digest, "without a SHA-256"),
        ("beyond", beyond, "face 3 is in frame 6000"),
    ] {
        let forged_bundle = resign(dir.path(), &genuine, name, &forged.to_ron(), &pair);
        let refused = assessment::verify_bundle(&forged_bundle, Some(&signer(&pair))).unwrap_err();
        assert!(
            matches!(refused, VerifyError::Simulated { .. }) && refused.to_string().contains(says),
            "{name}: {refused}"
        );
    }

    // Version 2 evidence (before frame counts) still verifies.
    let mut old = evidence.clone();
    old.evidence_version = 2;
    for input in &mut old.analysis.inputs {
        input.frame_count = None;
    }
    let text = old.to_ron();
    assert!(!text.contains("frame_count"));
    let old_bundle = resign(dir.path(), &genuine, "old", &text, &pair);
    assessment::verify_bundle(&old_bundle, Some(&signer(&pair))).unwrap();
}

/// `genuine`'s files with `evidence` in place of its evidence, the manifest re-made and signed
/// with `pair` (what anyone holding the key can do): the bundle's folder.
fn resign(
    dir: &Path,
    genuine: &Path,
    name: &str,
    evidence: &str,
    pair: &KeyPair,
) -> std::path::PathBuf {
    let mut files = contents(genuine);
    files.insert(EVIDENCE_FILE.to_owned(), evidence.as_bytes().to_vec());
    let forged = dir.join(name);
    std::fs::create_dir_all(&forged).unwrap();
    for (name, bytes) in &files {
        std::fs::write(forged.join(name), bytes).unwrap();
    }
    let manifest = bundle::manifest_text(&files);
    let draft = assessment::verify_bundle(genuine, None)
        .unwrap()
        .trusted_comment
        .contains(signing::DRAFT_COMMENT);
    let comment = signing::trusted_comment(0, MANIFEST_FILE, &signer(pair), draft);
    let signature = signing::sign(&pair.sk, &signer(pair), manifest.as_bytes(), &comment).unwrap();
    std::fs::write(forged.join(MANIFEST_FILE), manifest).unwrap();
    std::fs::write(forged.join(SIGNATURE_FILE), signature).unwrap();
    forged
}

/// Finding 6: the same seed writes byte-identical files wherever it is run: the placeholder is
/// stored as itself, not resolved against the working folder, and loads as itself.
#[test]
fn the_same_seed_writes_the_same_bytes_from_any_working_folder() {
    let dir = tempfile::tempdir().unwrap();
    let write = |folder: &str| {
        let cwd = dir.path().join(folder);
        std::fs::create_dir_all(&cwd).unwrap();
        let output = lineup(&["scenario", "--seed", "7", "--out", "s.ron"])
            .current_dir(&cwd)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", text(&output.stderr));
        cwd.join("s.ron")
    };
    let (first, second) = (write("one"), write("two"));
    let bytes = std::fs::read_to_string(&first).unwrap();
    assert_eq!(bytes, std::fs::read_to_string(&second).unwrap());
    assert!(
        !bytes.contains(&dir.path().display().to_string()),
        "{bytes}"
    );
    let loaded = lineup::review::load(&first).unwrap();
    assert_eq!(loaded.inputs[0].path, Path::new(scenario::SIMULATED_SOURCE));
    assert_eq!(loaded.watchlist.root, Path::new(scenario::SIMULATED_SOURCE));
    // Saved again elsewhere (under the same name, which its sidecar's follows), it stays the
    // same.
    std::fs::create_dir(dir.path().join("three")).unwrap();
    let again = dir.path().join("three/s.ron");
    lineup::review::save(&loaded, &again).unwrap();
    assert_eq!(bytes, std::fs::read_to_string(&again).unwrap());
}
