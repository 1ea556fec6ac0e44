//! lineup installed the way `scripts/package` lays it out (`lib/lineup/` for the binary, its ONNX
//! Runtime library and models; `share/lineup/demo/` for the demo's read-only inputs) finds
//! everything relative to its own executable and writes only to the user's data folder.
//! `scripts/test-package` checks the real package; this checks the same layout on every test run.
#![cfg(target_os = "linux")]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// What `scripts/package` ships as the demo's watchlist: (name in it, test photo it is).
const WATCHLIST: [(&str, &str); 2] = [
    ("Barack_Obama_1.jpg", "obama2.jpg"),
    ("Joe_Biden_1.jpg", "biden.jpg"),
];
const DEMO_FOOTAGE: [&str; 3] = ["obama3.jpg", "crowd.jpg", "astronaut.png"];

/// A copy of the `lineup` binary under `prefix/lib/lineup/`, with the checkout's ONNX Runtime
/// library and models beside it (linked: only the executable's own location must be real, since
/// lineup resolves it through `/proc/self/exe`).
fn install_into(prefix: &Path) -> PathBuf {
    let lib = prefix.join("lib/lineup");
    std::fs::create_dir_all(&lib).unwrap();
    let exe = lib.join("lineup");
    std::fs::copy(env!("CARGO_BIN_EXE_lineup"), &exe).unwrap();
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR"));
    let library = "libonnxruntime.so.1.32.0";
    std::os::unix::fs::symlink(
        checkout.join("vendor/onnxruntime").join(library),
        lib.join(library),
    )
    .unwrap();
    std::os::unix::fs::symlink(checkout.join("models"), lib.join("models")).unwrap();
    exe
}

/// The demo's inputs as the package ships them, in `prefix/share/lineup/demo`.
fn install_demo_inputs(prefix: &Path) -> PathBuf {
    let demo = prefix.join("share/lineup/demo");
    let (footage, watchlist) = (demo.join("footage"), demo.join("watchlist"));
    std::fs::create_dir_all(&footage).unwrap();
    std::fs::create_dir_all(&watchlist).unwrap();
    let clip = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/clips/faces_h264.mp4");
    std::os::unix::fs::symlink(clip, footage.join("faces_h264.mp4")).unwrap();
    for photo in DEMO_FOOTAGE {
        std::os::unix::fs::symlink(common::photo(photo), footage.join(photo)).unwrap();
    }
    for (name, photo) in WATCHLIST {
        std::os::unix::fs::symlink(common::photo(photo), watchlist.join(name)).unwrap();
    }
    demo
}

/// Runs the copied binary. The tests of this file copy it in parallel threads, and a child
/// forked by one thread while another still holds its copy open for writing keeps that file
/// open, so exec can fail with "Text file busy" (ETXTBSY) until that child has exec'd: a race
/// of the test harness, not of lineup, so it is retried for a while.
fn run(exe: &Path, args: &[&str], home: &Path) -> Output {
    let mut tries = 0;
    loop {
        let output = Command::new(exe)
            .args(args)
            .env_remove("LINEUP_ORT_LIB")
            .env_remove("LINEUP_MODELS")
            .env_remove("XDG_DATA_HOME")
            .env("HOME", home)
            .output();
        match output {
            Err(error) if error.kind() == std::io::ErrorKind::ExecutableFileBusy && tries < 50 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            other => return other.unwrap(),
        }
    }
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() && !path.is_symlink() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// The installed demo is built from the shipped inputs into the user's data folder, never into
/// the install or the checkout the binary was built in.
#[test]
fn an_installed_lineup_builds_the_demo_from_its_own_inputs_into_the_users_data_folder() {
    let root = tempfile::tempdir().unwrap();
    let (prefix, home) = (root.path().join("prefix"), root.path().join("home"));
    std::fs::create_dir_all(&home).unwrap();
    let exe = install_into(&prefix);
    let demo = install_demo_inputs(&prefix);
    let installed = files_under(&prefix);

    let out = run(&exe, &["demo", "--prepare"], &home);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let review = PathBuf::from(stdout.trim());
    assert!(
        review.starts_with(home.join(".local/share/lineup")),
        "the demo review was written to {}",
        review.display()
    );
    let document = lineup::review::load(&review).unwrap();
    for input in &document.inputs {
        // Absolute, or relative to the review's folder; the shipped inputs are linked to the
        // checkout's test data, so the comparison is by name, not by canonical path.
        let path = review.parent().unwrap().join(&input.path);
        assert!(
            std::path::absolute(&path).unwrap().starts_with(&demo),
            "{} is not a shipped demo input",
            input.path.display()
        );
    }
    assert!(!document.tracks.is_empty());
    assert_eq!(
        files_under(&prefix),
        installed,
        "nothing is written into the install"
    );
}

/// An installed lineup whose demo inputs are gone says where they should be and to reinstall,
/// not to run the checkout's set-up.
#[test]
fn an_installed_lineup_missing_its_demo_inputs_says_to_reinstall() {
    let root = tempfile::tempdir().unwrap();
    let (prefix, home) = (root.path().join("prefix"), root.path().join("home"));
    std::fs::create_dir_all(&home).unwrap();
    let exe = install_into(&prefix);
    let demo = prefix.join("share/lineup/demo");
    std::fs::create_dir_all(&demo).unwrap();

    let out = run(&exe, &["demo", "--prepare"], &home);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("reinstall lineup"), "{stderr}");
    assert!(stderr.contains("faces_h264.mp4"), "{stderr}");
    assert!(stderr.contains(&demo.display().to_string()), "{stderr}");
}

/// A broken ONNX Runtime library beside the installed binary is the one lineup tries (and names):
/// the install's own library comes before any other.
#[test]
fn an_installed_lineup_loads_the_library_beside_itself_first() {
    let root = tempfile::tempdir().unwrap();
    let (lib, home) = (root.path().join("lib/lineup"), root.path().join("home"));
    std::fs::create_dir_all(&lib).unwrap();
    std::fs::create_dir_all(&home).unwrap();
    let exe = lib.join("lineup");
    std::fs::copy(env!("CARGO_BIN_EXE_lineup"), &exe).unwrap();
    let broken = lib.join("libonnxruntime.so.1.32.0");
    std::fs::write(&broken, b"not a library").unwrap();
    let watchlist = common::watchlist(&[("Obama_1.jpg", "obama.jpg")]);
    let out = run(
        &exe,
        &[
            "analyze",
            "--footage",
            common::photo("obama2.jpg").to_str().unwrap(),
            "--watchlist",
            watchlist.path().to_str().unwrap(),
            "--out",
            root.path().join("r.ron").to_str().unwrap(),
        ],
        &home,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains(&broken.display().to_string()), "{stderr}");
}
