//! Which lineup this is: its version, the git commit it was built from and the target it was
//! built for (recorded by `build.rs`), so that a report names the exact program that made it.

use serde::{Deserialize, Serialize};

/// The git commit this lineup was built from, "-dirty" appended when tracked files differed from
/// it, or "unknown: ..." saying why there is none.
pub const GIT_COMMIT: &str = env!("LINEUP_GIT_COMMIT");
/// The target triple it was built for, e.g. `x86_64-unknown-linux-gnu`.
pub const BUILD_TARGET: &str = env!("LINEUP_BUILD_TARGET");
/// `lineup --version`'s line after the name: version, commit and target.
pub const VERSION_LINE: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (git ",
    env!("LINEUP_GIT_COMMIT"),
    ", ",
    env!("LINEUP_BUILD_TARGET"),
    ")"
);

/// A lineup build, as reports and their evidence record it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildInfo {
    pub version: String,
    pub git_commit: String,
    pub target: String,
}

impl BuildInfo {
    /// This lineup.
    pub fn current() -> BuildInfo {
        BuildInfo {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            git_commit: GIT_COMMIT.to_owned(),
            target: BUILD_TARGET.to_owned(),
        }
    }
}

impl Default for BuildInfo {
    /// What a report written before builds were recorded says: nothing known.
    fn default() -> BuildInfo {
        BuildInfo {
            version: "(not recorded)".to_owned(),
            git_commit: "(not recorded)".to_owned(),
            target: "(not recorded)".to_owned(),
        }
    }
}

impl std::fmt::Display for BuildInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "lineup {} (git {}, {})",
            self.version, self.git_commit, self.target
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_build_names_a_commit_and_a_target() {
        let build = BuildInfo::current();
        assert!(!build.target.is_empty());
        let commit = build.git_commit.trim_end_matches("-dirty");
        assert!(
            commit.starts_with("unknown")
                || (commit.len() == 40 && commit.bytes().all(|b| b.is_ascii_hexdigit())),
            "{commit}"
        );
        assert!(VERSION_LINE.contains(&build.git_commit), "{VERSION_LINE}");
    }
}
