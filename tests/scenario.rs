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
    lineup::review::save(&common::labelled::labelled_review(), &review).unwrap();
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
    assert_eq!(
        std::fs::read_to_string(&first).unwrap(),
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
