//! Who signed a bundle, tried as the opposing expert would: change a bundle and sign it again
//! with another key, keep or swap each file that names the key, add, remove and rename files,
//! and check it both with `lineup verify` and by hand with the commands in the bundle's README.
//!
//! Keys here are made in memory (minisign's unencrypted key pairs): how a secret key is stored
//! changes nothing about what a signature proves, and it spares a 1 GiB scrypt per key.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use lineup::assessment::bundle::{
    self, CHECK_BY_HAND, MANIFEST_FILE, PDF_FILE, PUBLIC_KEY_FILE, README_FILE, RON_FILE,
    SIGNATURE_FILE,
};
use lineup::assessment::signing::{self, SignerKey};
use lineup::assessment::{self, BundleOptions, ReportOptions, VerifyError};
use minisign::KeyPair;

/// A reviewer's key and another's, a review, and a bundle of it signed by each.
struct Scene {
    dir: tempfile::TempDir,
    genuine: KeyPair,
    other: KeyPair,
    /// The reviewer's public key as published, outside any bundle.
    published: PathBuf,
    genuine_bundle: PathBuf,
    other_bundle: PathBuf,
}

fn signer(pair: &KeyPair) -> SignerKey {
    SignerKey {
        public_key: pair.pk.clone(),
    }
}

fn scene() -> Scene {
    let dir = tempfile::tempdir().unwrap();
    let review = dir.path().join("review.ron");
    lineup::review::save(&common::labelled::signable_labelled_review(), &review).unwrap();
    let genuine = KeyPair::generate_unencrypted_keypair().unwrap();
    let other = KeyPair::generate_unencrypted_keypair().unwrap();
    let published = dir.path().join("published.pub");
    std::fs::write(&published, signer(&genuine).file_text()).unwrap();
    let genuine_bundle = dir.path().join("genuine");
    let other_bundle = dir.path().join("other");
    export(&review, &genuine_bundle, &genuine);
    export(&review, &other_bundle, &other);
    Scene {
        dir,
        genuine,
        other,
        published,
        genuine_bundle,
        other_bundle,
    }
}

fn export(review: &Path, out: &Path, pair: &KeyPair) {
    let document = lineup::review::load(review).unwrap();
    let options = BundleOptions {
        out: out.to_path_buf(),
        overwrite: false,
        report: ReportOptions {
            command: "(bundle trust test)".into(),
            ..ReportOptions::default()
        },
    };
    assessment::export(&document, review, None, &options, &pair.sk, &signer(pair)).unwrap();
}

/// The bundle's files other than the manifest and its signature, by name.
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

/// Writes `files` as a bundle at `folder`, with a new manifest signed by `pair`: what anyone
/// holding any key can do to any bundle.
/// Its trusted comment says DRAFT or final as its assessment.ron does.
fn write_signed(folder: &Path, files: &BTreeMap<String, Vec<u8>>, pair: &KeyPair) {
    write_signed_as(folder, files, pair, is_draft(files));
}

/// Whether the report in `files` lists parts still to write (a DRAFT); one that cannot be read
/// counts as a draft.
fn is_draft(files: &BTreeMap<String, Vec<u8>>) -> bool {
    files
        .get(RON_FILE)
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

fn lineup_verify(bundle: &Path, key: Option<&Path>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lineup"));
    command.arg("verify").arg(bundle);
    if let Some(key) = key {
        command.arg("--key").arg(key);
    }
    command.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The genuine bundle with its assessment changed (one number), signed again by the other key.
fn altered_and_re_signed(scene: &Scene, keep_genuine: &[&str]) -> PathBuf {
    let mut files = contents(&scene.other_bundle);
    for name in keep_genuine {
        files.insert(
            (*name).to_owned(),
            std::fs::read(scene.genuine_bundle.join(name)).unwrap(),
        );
    }
    let folder = scene
        .dir
        .path()
        .join(format!("altered-{}", keep_genuine.join("-")));
    write_signed(&folder, &files, &scene.other);
    folder
}

#[test]
fn an_untouched_bundle_passes_only_with_the_published_key() {
    let scene = scene();
    let out = lineup_verify(&scene.genuine_bundle, Some(&scene.published));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("OK: signed by the holder of the key in"));

    // Without a key from outside the bundle: intact, but who signed is not proven.
    let out = lineup_verify(&scene.genuine_bundle, None);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("Intact"),
        "{}",
        text(&out.stdout)
    );
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains("NOT PROVEN who signed"), "{stderr}");
    // The zip too.
    let zip = bundle::zip_path(&scene.genuine_bundle);
    assert!(lineup_verify(&zip, Some(&scene.published)).status.success());
}

#[test]
fn a_bundle_changed_and_signed_again_with_another_key_fails_with_and_without_the_key() {
    let scene = scene();
    // The other key's assessment and signature, but the reviewer's signer.pub, README and PDF:
    // the bundle still names the reviewer everywhere a reader looks.
    let altered = altered_and_re_signed(&scene, &[PUBLIC_KEY_FILE, README_FILE, PDF_FILE]);
    let out = lineup_verify(&altered, None);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(PUBLIC_KEY_FILE) && stderr.contains(&signer(&scene.other).key_id()),
        "{stderr}"
    );
    let out = lineup_verify(&altered, Some(&scene.published));
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "signed with key {}, not with key {}",
            signer(&scene.other).key_id(),
            signer(&scene.genuine).key_id()
        )),
        "{stderr}"
    );
    // Made wholly consistent with the other key, it is intact as signed by that key, which
    // only the published key tells apart.
    let consistent = altered_and_re_signed(&scene, &[]);
    let out = lineup_verify(&consistent, None);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(
        !lineup_verify(&consistent, Some(&scene.published))
            .status
            .success()
    );
}

#[test]
fn every_file_that_names_the_key_must_name_the_signing_key() {
    let scene = scene();
    for file in [PUBLIC_KEY_FILE, README_FILE, RON_FILE, PDF_FILE] {
        let mixed = altered_and_re_signed(&scene, &[file]);
        let error = assessment::verify_bundle(&mixed, None).unwrap_err();
        assert!(
            matches!(error, VerifyError::KeyDisagreement { .. }),
            "{file}: {error}"
        );
        assert_eq!(error.tampered_file(), Some(file), "{error}");
        let message = error.to_string();
        assert!(
            message.contains(&signer(&scene.genuine).key_id())
                && message.contains(&signer(&scene.other).key_id()),
            "{file}: {message}"
        );
    }
}

#[test]
fn added_removed_and_renamed_files_are_named() {
    let scene = scene();
    let key = signing::load_public_key(&scene.published).unwrap();
    let copy = |name: &str| {
        let folder = scene.dir.path().join(name);
        let files = contents(&scene.genuine_bundle);
        std::fs::create_dir_all(&folder).unwrap();
        for (file, bytes) in &files {
            std::fs::write(folder.join(file), bytes).unwrap();
        }
        for file in [MANIFEST_FILE, SIGNATURE_FILE] {
            std::fs::copy(scene.genuine_bundle.join(file), folder.join(file)).unwrap();
        }
        folder
    };
    let added = copy("added");
    std::fs::write(added.join("note.txt"), "an extra page").unwrap();
    let removed = copy("removed");
    std::fs::remove_file(removed.join(README_FILE)).unwrap();
    let renamed = copy("renamed");
    std::fs::rename(renamed.join(PDF_FILE), renamed.join("assessment-v2.pdf")).unwrap();
    for (folder, named) in [
        (&added, vec!["note.txt"]),
        (&removed, vec![README_FILE]),
        (&renamed, vec![PDF_FILE, "assessment-v2.pdf"]),
    ] {
        let message = assessment::verify_bundle(folder, Some(&key))
            .unwrap_err()
            .to_string();
        for name in named {
            assert!(message.contains(name), "{name}: {message}");
        }
    }
}

/// What the README's commands for checking by hand say, run one by one with bash in `bundle`
/// against `key`, as a person would: whether every one succeeded, and all they printed.
struct ByHand {
    all_succeeded: bool,
    stdout: String,
}

fn check_by_hand(bundle: &Path, key: &Path) -> ByHand {
    let readme = std::fs::read_to_string(bundle.join(README_FILE)).unwrap();
    let mut result = ByHand {
        all_succeeded: true,
        stdout: String::new(),
    };
    for command in CHECK_BY_HAND {
        assert!(readme.contains(command), "README lacks {command}");
        let command = command.replace("PUBLISHED-KEY.pub", &key.display().to_string());
        let out = Command::new("bash")
            .args(["-c", &command])
            .current_dir(bundle)
            .output()
            .unwrap();
        result.all_succeeded &= out.status.success();
        result.stdout.push_str(&text(&out.stdout));
        result.stdout.push_str(&text(&out.stderr));
    }
    result
}

#[test]
fn the_commands_in_the_readme_catch_another_key_an_added_file_and_a_link() {
    let scene = scene();
    let out = check_by_hand(&scene.genuine_bundle, &scene.published);
    assert!(out.all_succeeded, "{}", out.stdout);
    assert!(
        out.stdout.contains("no file added or missing"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("only plain files"), "{}", out.stdout);

    std::fs::write(scene.genuine_bundle.join("extra.pdf"), "unsigned").unwrap();
    let out = check_by_hand(&scene.genuine_bundle, &scene.published);
    assert!(!out.all_succeeded, "an added file passed");
    assert!(out.stdout.contains("extra.pdf"), "{}", out.stdout);
    std::fs::remove_file(scene.genuine_bundle.join("extra.pdf")).unwrap();

    // The PDF swapped for a link to a copy of itself: every hash still matches today.
    let pdf = scene.genuine_bundle.join(PDF_FILE);
    let elsewhere = scene.dir.path().join("elsewhere.pdf");
    std::fs::rename(&pdf, &elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &pdf).unwrap();
    let out = check_by_hand(&scene.genuine_bundle, &scene.published);
    assert!(!out.all_succeeded, "a link passed");
    assert!(out.stdout.contains("assessment.pdf"), "{}", out.stdout);

    let consistent = altered_and_re_signed(&scene, &[]);
    let out = check_by_hand(&consistent, &scene.published);
    assert!(!out.all_succeeded, "another key passed");
}

/// Writes a zip of `entries` (name, bytes; a name ending in `/` is a folder entry) with
/// `comment`, as anyone can make one.
fn zip_of(path: &Path, entries: &[(&str, &[u8])], comment: &str) {
    use std::io::Write;
    let mut writer = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let options = zip::write::SimpleFileOptions::default();
    for (name, bytes) in entries {
        if let Some(folder) = name.strip_suffix('/') {
            writer.add_directory(folder, options).unwrap();
        } else {
            writer.start_file(*name, options).unwrap();
            writer.write_all(bytes).unwrap();
        }
    }
    writer.set_comment(comment).unwrap();
    writer.finish().unwrap();
}

#[test]
fn a_zip_whose_reading_depends_on_the_tool_is_refused() {
    let scene = scene();
    let key = signing::load_public_key(&scene.published).unwrap();
    let mut files = contents(&scene.genuine_bundle);
    for name in [MANIFEST_FILE, SIGNATURE_FILE] {
        files.insert(
            name.to_owned(),
            std::fs::read(scene.genuine_bundle.join(name)).unwrap(),
        );
    }
    let genuine: Vec<(String, Vec<u8>)> = files
        .into_iter()
        .map(|(name, bytes)| (format!("bundle/{name}"), bytes))
        .collect();
    let as_entries = |extra: &[(&'static str, &'static [u8])], first: bool| {
        let mut entries: Vec<(&str, &[u8])> = Vec::new();
        if first {
            entries.extend_from_slice(extra);
        }
        entries.extend(genuine.iter().map(|(n, b)| (n.as_str(), b.as_slice())));
        if !first {
            entries.extend_from_slice(extra);
        }
        entries
    };
    let check = |name: &str, entries: Vec<(&str, &[u8])>, comment: &str| {
        let path = scene.dir.path().join(name);
        zip_of(&path, &entries, comment);
        assessment::verify_bundle(&path, Some(&key)).map(|_| ())
    };
    // As `zip -r` writes it, with the folder's own entry: still the genuine bundle.
    assert!(check("folder.zip", as_entries(&[("bundle/", b"")], true), "").is_ok());
    // A second assessment.pdf before the genuine one: `unzip -n` would show the forgery. The
    // zip crate refuses to write two entries of one name, Python's zipfile does not.
    let forged = scene.dir.path().join("forged.pdf");
    std::fs::write(&forged, b"%PDF-1.7 forged").unwrap();
    let twice = scene.dir.path().join("twice.zip");
    let mut python = Command::new("python3");
    python.args([
        "-c",
        "import sys, zipfile\n\
         z = zipfile.ZipFile(sys.argv[1], 'w')\n\
         for name, source in zip(sys.argv[2::2], sys.argv[3::2]): z.write(source, name)\n\
         z.close()",
    ]);
    python.arg(&twice).arg("bundle/assessment.pdf").arg(&forged);
    for name in std::fs::read_dir(&scene.genuine_bundle).unwrap() {
        let path = name.unwrap().path();
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        python.arg(format!("bundle/{file}")).arg(&path);
    }
    let out = python.output().expect("python3 is part of set-up");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let error = assessment::verify_bundle(&twice, Some(&key)).unwrap_err();
    assert!(error.to_string().contains("share a name"), "{error}");
    let error = check(
        "extra-folder.zip",
        as_entries(&[("bundle/extra-evidence/", b"")], false),
        "",
    )
    .unwrap_err();
    assert!(error.to_string().contains("extra-evidence"), "{error}");
    let error = check("comment.zip", as_entries(&[], false), "Verified: DEPLOY").unwrap_err();
    assert!(error.to_string().contains("comment"), "{error}");
}

/// Another key given the reviewer's key ID: a key ID is only a random label in the key.
fn look_alike(of: &KeyPair, other: &KeyPair) -> KeyPair {
    let keynum = of.pk.keynum();
    // minisign's layouts: a secret key's number sits at bytes 54..62, a public key's at 2..10.
    let mut secret = other.sk.to_bytes();
    secret[54..62].copy_from_slice(keynum);
    let mut public = other.pk.to_bytes();
    public[2..10].copy_from_slice(keynum);
    KeyPair {
        sk: minisign::SecretKey::from_bytes(&secret).unwrap(),
        pk: minisign::PublicKey::from_bytes(&public).unwrap(),
    }
}

#[test]
fn a_key_copying_the_reviewers_key_id_is_named_for_what_it_is() {
    let scene = scene();
    let forger = look_alike(&scene.genuine, &scene.other);
    assert_eq!(signer(&forger).key_id(), signer(&scene.genuine).key_id());
    let review = scene.dir.path().join("review.ron");
    let forged = scene.dir.path().join("forged");
    export(&review, &forged, &forger);
    // Every file of it names the reviewer's key ID; only the whole key tells it apart.
    let out = lineup_verify(&forged, Some(&scene.published));
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("a different key that carries the same key ID"),
        "{stderr}"
    );
}

#[test]
fn the_bundles_own_key_is_refused_and_a_bare_published_line_accepted() {
    let scene = scene();
    let own = scene.genuine_bundle.join(PUBLIC_KEY_FILE);
    let out = lineup_verify(&scene.genuine_bundle, Some(&own));
    assert!(!out.status.success());
    assert!(
        text(&out.stderr)
            .contains("the published key must come from the reviewer, not from a bundle"),
        "{}",
        text(&out.stderr)
    );
    // The zip's folder sits beside it: its signer.pub is the bundle's own copy too.
    let zip = bundle::zip_path(&scene.genuine_bundle);
    let out = lineup_verify(&zip, Some(&own));
    assert!(!out.status.success(), "the zip passed with its own key");
    // Two bare keys in one file: the first is no comment, so the file is refused.
    let two = scene.dir.path().join("two-keys.pub");
    std::fs::write(
        &two,
        format!(
            "{}\n{}\n",
            signer(&scene.other).base64(),
            signer(&scene.genuine).base64()
        ),
    )
    .unwrap();
    assert!(
        !lineup_verify(&scene.genuine_bundle, Some(&two))
            .status
            .success()
    );
    // The published key as `lineup keygen` prints it: its base64 line alone, even as an editor
    // saves it (a byte-order mark, trailing spaces).
    let line = scene.dir.path().join("published-line.txt");
    std::fs::write(
        &line,
        format!("\u{feff}{}  \r\n", signer(&scene.genuine).base64()),
    )
    .unwrap();
    let out = lineup_verify(&scene.genuine_bundle, Some(&line));
    assert!(out.status.success(), "{}", text(&out.stderr));
    // What was signed, when, and whether it is a draft: a signature does not say "latest".
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("Report made ") && stdout.contains("DRAFT"),
        "{stdout}"
    );
}

/// Zips in which other tools read other bytes than lineup would (tests/tools/odd_zips.py): a
/// local header that disagrees with the central directory, an unlisted local entry, a duplicate
/// counted only in the zip64 record, and a forged PDF with the genuine zip appended (the file
/// opens as a PDF). Each is refused; the plain zip of the same folder passes.
#[test]
fn a_zip_other_tools_read_differently_is_refused() {
    let scene = scene();
    let key = signing::load_public_key(&scene.published).unwrap();
    // The genuine PDF with a different ending: what an incremental update would add.
    let mut forged_pdf = std::fs::read(scene.genuine_bundle.join(PDF_FILE)).unwrap();
    forged_pdf.extend_from_slice(b"\n% an incremental update saying DEPLOY\n");
    let forged = scene.dir.path().join("forged.pdf");
    std::fs::write(&forged, &forged_pdf).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tools/odd_zips.py");
    for (variant, why) in [
        ("plain", None),
        ("localsize", Some("local headers")),
        ("gap", Some("local headers")),
        ("zip64dup", Some("")),
    ] {
        let zip = scene.dir.path().join(format!("{variant}.zip"));
        let out = Command::new("python3")
            .arg(&script)
            .arg(&scene.genuine_bundle)
            .arg(&forged)
            .arg(variant)
            .arg(&zip)
            .output()
            .expect("python3 is part of set-up");
        assert!(out.status.success(), "{}", text(&out.stderr));
        let result = assessment::verify_bundle(&zip, Some(&key));
        match why {
            None => assert!(result.is_ok(), "{variant}: {:?}", result.err()),
            Some(why) => {
                let error = result.expect_err(variant).to_string();
                assert!(error.contains(why), "{variant}: {error}");
            }
        }
    }
    // A forged PDF with the genuine zip behind it: a viewer opens the PDF.
    let both = scene.dir.path().join("assessment-signed.pdf");
    let mut bytes = forged_pdf;
    bytes.extend(std::fs::read(bundle::zip_path(&scene.genuine_bundle)).unwrap());
    std::fs::write(&both, bytes).unwrap();
    let error = assessment::verify_bundle(&both, Some(&key))
        .unwrap_err()
        .to_string();
    assert!(error.contains("before the zip"), "{error}");
}

/// Second-round finding 7: a draft says DRAFT in its README and in the signed trusted comment
/// (so minisign alone tells a draft from a final report), and a trusted comment that disagrees
/// with assessment.ron's list of parts still to write fails, however the bundle is signed.
#[test]
fn the_signed_comment_and_the_readme_say_draft_and_must_agree_with_the_report() {
    let scene = scene();
    let report: assessment::Report =
        ron::from_str(&std::fs::read_to_string(scene.genuine_bundle.join(RON_FILE)).unwrap())
            .unwrap();
    assert!(!report.incomplete.is_empty(), "the fixture is a draft");
    let readme = std::fs::read_to_string(scene.genuine_bundle.join(README_FILE)).unwrap();
    let opening: String = readme.lines().take(5).collect::<Vec<_>>().join("\n");
    assert!(opening.contains("DRAFT"), "{opening}");
    let out = lineup_verify(&scene.genuine_bundle, Some(&scene.published));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let comment = stdout
        .lines()
        .find(|line| line.starts_with("Trusted comment:"))
        .unwrap_or_default();
    assert!(
        comment.ends_with("lineup impact assessment DRAFT"),
        "{stdout}"
    );

    // The reviewer's own key signs the draft's files again with a comment saying final.
    let files = contents(&scene.genuine_bundle);
    let folder = scene.dir.path().join("said-final");
    write_signed_as(&folder, &files, &scene.genuine, false);
    let out = lineup_verify(&folder, Some(&scene.published));
    assert!(!out.status.success(), "{}", text(&out.stdout));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("trusted comment says final") && stderr.contains(RON_FILE),
        "{stderr}"
    );

    // And a draft made to look final by emptying its list, signed with a final comment: the
    // comment and the list agree, but --recompute finds the list from the assessment's text.
    let mut files = contents(&scene.genuine_bundle);
    let mut emptied = report.clone();
    emptied.incomplete.clear();
    files.insert(RON_FILE.to_owned(), emptied.to_ron().into_bytes());
    let folder = scene.dir.path().join("emptied");
    write_signed_as(&folder, &files, &scene.genuine, true);
    let out = lineup_verify(&folder, Some(&scene.published));
    let stderr = text(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("trusted comment says DRAFT"),
        "{stderr}"
    );
}
