//! Records which source lineup was built from, for the reports it signs: the git commit (with
//! "-dirty" when tracked files differed from it) and the target it was built for.
//!
//! The script reruns only when the checked-out commit or the index changes (HEAD, the branch's
//! ref, the index), not on every edit, so that a change elsewhere does not rebuild this crate.
//! "-dirty" is therefore as of the last commit, checkout or `git add`; a release is built from a
//! clean checkout, where it is exact.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".to_owned());
    println!("cargo:rustc-env=LINEUP_BUILD_TARGET={target}");
    // scripts/package builds a tree exported from one commit (`git archive`) and names it here:
    // that tree sits in the checkout's git-ignored dist/, where git would otherwise answer with
    // whatever the checkout's HEAD is by the time this script runs.
    println!("cargo:rerun-if-env-changed=LINEUP_SOURCE_COMMIT");
    if let Some(commit) = std::env::var("LINEUP_SOURCE_COMMIT")
        .ok()
        .filter(|commit| !commit.is_empty())
    {
        println!("cargo:rerun-if-changed=build.rs");
        println!("cargo:rustc-env=LINEUP_GIT_COMMIT={commit}");
        return;
    }
    // Only a checkout that tracks this very script is the source built; a copy of the tree
    // inside some other checkout (an export in an ignored folder) is not.
    let tracked = git(&["ls-files", "--full-name", "build.rs"]).is_some();
    let commit = match git(&["rev-parse", "HEAD"]).filter(|_| tracked) {
        Some(commit) => {
            watch_git_state();
            // Without optional locks `git diff` leaves the index alone, so that this script
            // never changes what it watches.
            let dirty = Command::new("git")
                .args(["diff", "--quiet", "HEAD", "--"])
                .env("GIT_OPTIONAL_LOCKS", "0")
                .status()
                .map(|status| !status.success())
                .unwrap_or(true);
            if dirty {
                format!("{commit}-dirty")
            } else {
                commit
            }
        }
        None => {
            // Nothing to watch but this script: a source archive has no commit to record.
            println!("cargo:rerun-if-changed=build.rs");
            if in_a_checkout() && !tracked && git(&["rev-parse", "HEAD"]).is_some() {
                "unknown: built from a copy of the source that its surrounding checkout does not \
                 track"
                    .to_owned()
            } else if in_a_checkout() {
                "unknown: git could not read the checkout it was built from".to_owned()
            } else {
                "unknown: not built from a git checkout".to_owned()
            }
        }
    };
    println!("cargo:rustc-env=LINEUP_GIT_COMMIT={commit}");
}

/// Whether the crate sits in a git checkout (a `.git` above it), whatever git says.
fn in_a_checkout() -> bool {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
    manifest_dir.is_some_and(|dir| dir.ancestors().any(|folder| folder.join(".git").exists()))
}

/// One line of a git command's output, or `None` without git or outside a checkout.
fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .args(args)
        .env("GIT_OPTIONAL_LOCKS", "0")
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let line = String::from_utf8(output.stdout).ok()?.trim().to_owned();
    (!line.is_empty()).then_some(line)
}

/// Reruns this script when HEAD moves (checkout, commit), the branch's ref changes, or the index
/// does (`git add`, commit). A worktree keeps HEAD and its index in its own git folder and the
/// refs in the shared one.
fn watch_git_state() {
    let path = |args: &[&str]| git(args).map(PathBuf::from);
    let (Some(git_dir), Some(common_dir)) = (
        path(&["rev-parse", "--absolute-git-dir"]),
        path(&["rev-parse", "--path-format=absolute", "--git-common-dir"]),
    ) else {
        return;
    };
    let mut watched = vec![git_dir.join("HEAD"), git_dir.join("index")];
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        watched.push(common_dir.join(&branch));
        // A branch whose ref was packed lives in packed-refs.
        watched.push(common_dir.join("packed-refs"));
    }
    for file in watched.iter().filter(|file| Path::new(file).exists()) {
        println!("cargo:rerun-if-changed={}", file.display());
    }
    println!("cargo:rerun-if-changed=build.rs");
}
