//! Saving onto a full disk: lineup fails with a non-zero exit and a message that names the file
//! and says the disk is full, and the file already at that path is left exactly as it was (saves
//! are atomic), with no temporary file left behind.
//!
//! The full disk is a 256 KiB tmpfs filled to the last byte, mounted over a temporary folder in a
//! new user and mount namespace (`unshare --user --map-root-user --mount`), which needs no
//! privileges where the kernel allows unprivileged user namespaces (as on Debian 12 and on CI).
//! Where no tmpfs can be mounted at all, each test prints why on stderr and returns early without
//! checking anything.

use std::path::Path;
use std::process::{Command, Output};

/// Mounts a full tmpfs over `dir`, puts the review fixture at `dir/review.ron` and an older
/// `dir/labels.csv` there, runs lineup with `args` (`$DIR` stands for the folder), then reports
/// whether both files are unchanged and what the folder holds.
const SCRIPT: &str = r#"
dir=$1; fixture=$2; lineup=$3; shift 3
mount -t tmpfs -o size=256k tmpfs "$dir" || exit 97
cp "$fixture" "$dir/review.ron" && printf 'old labels\n' > "$dir/labels.csv" || exit 98
head -c 1048576 /dev/zero > "$dir/filler" 2>/dev/null
[ "$(df --output=avail "$dir" | tail -n 1 | tr -d ' ')" = 0 ] || exit 99
"$lineup" "$@"
status=$?
cmp -s "$fixture" "$dir/review.ron" && echo "review.ron unchanged"
[ "$(cat "$dir/labels.csv")" = "old labels" ] && echo "labels.csv unchanged"
echo "folder holds:" $(ls -A "$dir")
exit $status
"#;

/// The exit status of SCRIPT when no tmpfs could be mounted.
const NO_TMPFS: i32 = 97;

/// Runs lineup with `args` on a full disk; None (after saying why) where none can be made.
fn on_full_disk(args: &[&str]) -> Option<Output> {
    let dir = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/review_v1.ron");
    let dir_text = dir.path().to_str().unwrap();
    let args: Vec<String> = args.iter().map(|a| a.replace("$DIR", dir_text)).collect();
    let output = Command::new("unshare")
        .args([
            "--user",
            "--map-root-user",
            "--mount",
            "sh",
            "-c",
            SCRIPT,
            "sh",
        ])
        .arg(dir.path())
        .arg(&fixture)
        .arg(env!("CARGO_BIN_EXE_lineup"))
        .args(&args)
        .output();
    let output = match output {
        Ok(output) => output,
        Err(e) => {
            eprintln!("skipped: the unshare command cannot be run ({e})");
            return None;
        }
    };
    let stderr = String::from_utf8_lossy(&output.stderr);
    match output.status.code() {
        // unshare itself fails with 1 when the kernel refuses the namespace.
        Some(1) if stderr.starts_with("unshare:") => {
            eprintln!("skipped: no user and mount namespace here: {stderr}");
            None
        }
        Some(NO_TMPFS) => {
            eprintln!("skipped: no tmpfs can be mounted here: {stderr}");
            None
        }
        Some(98 | 99) => panic!("the full disk could not be prepared: {stderr}"),
        _ => Some(output),
    }
}

/// The failure every full-disk save must give: names `file`, says the disk is full, leaves both
/// files as they were and no temporary file behind.
fn assert_refused_cleanly(output: &Output, file: &str) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let shown = format!(
        "exit {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        output.status
    );
    assert!(!output.status.success(), "{shown}");
    assert!(!stderr.contains("panicked"), "{shown}");
    let error = stderr
        .lines()
        .find(|l| l.starts_with("error: "))
        .unwrap_or_else(|| panic!("no error line: {shown}"));
    assert!(
        error.contains(&format!("/{file}: cannot be")) && error.contains("the disk is full"),
        "{shown}"
    );
    assert!(error.contains("is unchanged"), "{shown}");
    assert!(stdout.contains("review.ron unchanged"), "{shown}");
    assert!(stdout.contains("labels.csv unchanged"), "{shown}");
    assert!(
        stdout.contains("folder holds: filler labels.csv review.ron\n"),
        "a temporary file was left behind: {shown}"
    );
}

#[test]
fn saving_a_review_onto_a_full_disk_keeps_the_old_one() {
    let Some(output) = on_full_disk(&["assess", "$DIR/review.ron", "--title", "Full disk"]) else {
        return;
    };
    assert_refused_cleanly(&output, "review.ron");
}

#[test]
fn exporting_labels_onto_a_full_disk_keeps_the_old_csv() {
    let Some(output) = on_full_disk(&["labels", "export", "$DIR/review.ron", "$DIR/labels.csv"])
    else {
        return;
    };
    assert_refused_cleanly(&output, "labels.csv");
}
