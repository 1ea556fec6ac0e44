//! No crash, no lost work, no network: saves that survive SIGKILL, clear failures for bad
//! documents, odd paths and unwritable folders, and an analysis that opens no network socket.

mod common;

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use lineup::review;

fn lineup(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lineup"))
        .args(args)
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `lineup labels import` loads, edits and saves the review each run; killing it at random
/// moments must leave the old file or the new one on disk, never a mix.
#[test]
fn a_review_survives_sigkill_during_repeated_saves() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("review.ron");
    let document = common::labelled::labelled_review_of(3000);
    review::save(&document, &path).unwrap();
    let csv_a = dir.path().join("a.csv");
    let csv_b = dir.path().join("b.csv");
    let text = review::csv::export_text(&document);
    std::fs::write(&csv_a, text.replace(",unlabelled,", ",not_a_face,")).unwrap();
    std::fs::write(&csv_b, &text).unwrap();
    let mut seed = 0x1234_5678u64;
    for round in 0..24 {
        let csv = if round % 2 == 0 { &csv_a } else { &csv_b };
        let mut child = Command::new(env!("CARGO_BIN_EXE_lineup"))
            .args([
                "labels",
                "import",
                path.to_str().unwrap(),
                csv.to_str().unwrap(),
            ])
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        std::thread::sleep(Duration::from_millis(seed % 120));
        let _ = child.kill(); // SIGKILL on Unix
        let _ = child.wait();
        let loaded = review::load(&path).unwrap_or_else(|e| panic!("round {round}: {e}"));
        assert_eq!(loaded.tracks.len(), 3000);
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".lineup-save-"))
        .collect();
    // A killed save may leave its temporary file behind, but never in place of the review.
    assert!(leftovers.len() <= 24);
}

#[test]
fn malformed_documents_fail_clearly_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("not_a_review.ron", "just some words", "not a lineup review"),
        (
            "binary.ron",
            "\u{0}\u{1}\u{2}garbage",
            "not a lineup review",
        ),
        (
            "future.ron",
            "ReviewDocument(schema_version: 9)",
            "schema version 9",
        ),
        ("empty.ron", "", "not a lineup review"),
    ];
    for (name, text, says) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let out = lineup(&["metrics", path.to_str().unwrap()]);
        assert!(!out.status.success(), "{name}");
        assert!(
            stderr(&out).contains(name) && stderr(&out).contains(says),
            "{name}: {}",
            stderr(&out)
        );
    }
    let review_path = dir.path().join("review.ron");
    review::save(&common::labelled::signable_labelled_review(), &review_path).unwrap();
    let bad_csv = dir.path().join("labels.csv");
    std::fs::write(&bad_csv, "track,label\n0,watchlist:Nobody\n").unwrap();
    let out = lineup(&[
        "labels",
        "import",
        review_path.to_str().unwrap(),
        bad_csv.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("labels.csv: line 2: no watchlist identity named \"Nobody\""),
        "{}",
        stderr(&out)
    );
}

#[test]
fn unicode_and_spaces_in_paths_work() {
    let dir = tempfile::tempdir().unwrap();
    let footage = dir.path().join("Überwachung 2026 — Fußgänger");
    std::fs::create_dir(&footage).unwrap();
    std::fs::copy(
        common::photo("obama2.jpg"),
        footage.join("Kamera 1 (ß).jpg"),
    )
    .unwrap();
    let watchlist = dir.path().join("liste d’attente");
    std::fs::create_dir(&watchlist).unwrap();
    std::fs::copy(
        common::photo("obama.jpg"),
        watchlist.join("Barack_Obama_1.jpg"),
    )
    .unwrap();
    let out_path = dir.path().join("révision 1.ron");
    let out = lineup(&[
        "analyze",
        "--footage",
        footage.to_str().unwrap(),
        "--watchlist",
        watchlist.to_str().unwrap(),
        "--out",
        out_path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let document = review::load(&out_path).unwrap();
    assert!(document.inputs[0].path.ends_with("Kamera 1 (ß).jpg"));
    assert_eq!(document.summary(0.6).alerts, 1);
}

#[test]
fn an_unwritable_output_folder_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let review_path = dir.path().join("review.ron");
    review::save(&common::labelled::signable_labelled_review(), &review_path).unwrap();
    let missing = dir.path().join("no such folder/labels.csv");
    let out = lineup(&[
        "labels",
        "export",
        review_path.to_str().unwrap(),
        missing.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("no such folder/labels.csv: cannot be written"),
        "{}",
        stderr(&out)
    );
    if is_root() {
        return; // root writes anywhere: the permission case cannot be shown as root
    }
    let locked = dir.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    set_mode(&locked, 0o500);
    let out = lineup(&[
        "labels",
        "export",
        review_path.to_str().unwrap(),
        locked.join("l.csv").to_str().unwrap(),
    ]);
    set_mode(&locked, 0o700);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("cannot be written"),
        "{}",
        stderr(&out)
    );
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A secret key is written encrypted (a wrong password cannot open it) and readable by its owner only.
#[test]
fn secret_keys_are_encrypted_and_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("signing.key");
    lineup::assessment::signing::generate_key_pair(&key, "amber kettle rides seven owls", false)
        .unwrap();
    let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "secret key mode {mode:o}");
    assert!(
        lineup::assessment::signing::load_secret_key(&key, "amber kettle rides seven owls").is_ok()
    );
    let wrong = lineup::assessment::signing::load_secret_key(&key, "not the password").unwrap_err();
    assert!(
        wrong.to_string().to_lowercase().contains("password"),
        "{wrong}"
    );
}

/// A secret key lineup makes opens with the reference `minisign` (which reads its scrypt limits
/// back from the file, so they are the reference's own), and signs what minisign then verifies.
#[test]
fn the_reference_minisign_signs_with_a_lineup_key() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("signing.key");
    let password = "amber kettle rides seven owls";
    lineup::assessment::signing::generate_key_pair(&key, password, false).unwrap();
    let message = dir.path().join("message.txt");
    std::fs::write(&message, "signed by minisign with a key lineup made\n").unwrap();
    let mut sign = Command::new("minisign")
        .arg("-S")
        .arg("-s")
        .arg(&key)
        .arg("-m")
        .arg(&message)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("minisign is missing: ./scripts/setup installs it");
    use std::io::Write;
    writeln!(sign.stdin.take().unwrap(), "{password}").unwrap();
    let out = sign.wait_with_output().unwrap();
    assert!(out.status.success(), "minisign -S: {}", stderr(&out));
    let out = Command::new("minisign")
        .arg("-Vm")
        .arg(&message)
        .arg("-p")
        .arg(lineup::assessment::signing::public_key_path(&key))
        .output()
        .unwrap();
    assert!(out.status.success(), "minisign -V: {}", stderr(&out));
}
