//! The rules of ARCHITECTURE.md, checked on the sources: inside each crate a module imports only
//! the modules before it (so data flows one way and there is no import cycle), the core depends
//! on no GUI, PDF or signing crate, and the app's screens leave saving, exporting, verifying and
//! the file system to the workspace.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Each crate's source folder and its modules in the order they may import each other: a module
/// may import only modules listed before it.
const LAYERS: [(&str, &[&str]); 3] = [
    (
        "crates/core/src",
        &[
            "ids",
            "digest",
            "metrics",
            "footage",
            "vision",
            "watchlist",
            "matching",
            "review",
            "analysis",
        ],
    ),
    (
        "crates/report/src",
        &[
            "dates", "wording", "findings", "drafting", "report", "summary", "stills", "pdf",
            "signing", "bundle", "verify",
        ],
    ),
    ("src", &["demo", "workspace", "ui", "cli"]),
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file below `dir`.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// The module path of a source file below `src`: `a.rs` and `a/mod.rs` are `[a]`, `a/b.rs` is
/// `[a, b]`, `lib.rs` and `main.rs` are the crate root `[]`.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The top-level modules of its crate that `text` (the source of the module at `path`) names
/// through `crate::x` or `super::…::x`.
fn imported_top_modules(text: &str, path: &[String]) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (at, _) in text.match_indices("crate::") {
        let before = text[..at].chars().last();
        // `lineup_crate::` or `$crate::` are other paths.
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        if let Some(name) = first_word(&text[at + "crate::".len()..]) {
            found.insert(name);
        }
    }
    for (at, _) in text.match_indices("super::") {
        let before = text[..at].chars().last();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        // Count the chain `super::super::…` and resolve it against this module's path.
        let mut rest = &text[at..];
        let mut ups = 0;
        while let Some(after) = rest.strip_prefix("super::") {
            ups += 1;
            rest = after;
        }
        let Some(name) = first_word(rest) else {
            continue;
        };
        let base = path.len().saturating_sub(ups);
        let top = if base == 0 { name } else { path[0].clone() };
        found.insert(top);
    }
    found
}

fn first_word(text: &str) -> Option<String> {
    let word: String = text
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!word.is_empty() && word != "self").then_some(word)
}

#[test]
fn modules_import_only_the_layers_below_them() {
    let mut forbidden = Vec::new();
    for (dir, order) in LAYERS {
        let src = root().join(dir);
        for file in sources(&src) {
            let path = module_path(&src, &file);
            let Some(top) = path.first() else { continue };
            let Some(rank) = order.iter().position(|m| m == top) else {
                panic!(
                    "{}: module {top} is not in ARCHITECTURE.md's layers",
                    file.display()
                );
            };
            let text = std::fs::read_to_string(&file).unwrap();
            for imported in imported_top_modules(&text, &path) {
                let Some(imported_rank) = order.iter().position(|m| *m == imported) else {
                    continue; // items of the crate root (re-exports, functions)
                };
                if imported_rank > rank {
                    forbidden.push(format!(
                        "{} ({top}) imports {imported}, a layer above it",
                        file.strip_prefix(root()).unwrap().display()
                    ));
                }
            }
        }
    }
    assert!(forbidden.is_empty(), "{}", forbidden.join("\n"));
}

#[test]
fn the_core_and_the_report_depend_on_no_gui_crate() {
    let manifest =
        |dir: &str| std::fs::read_to_string(root().join(dir).join("Cargo.toml")).unwrap();
    let core = manifest("crates/core");
    for crate_name in [
        "eframe",
        "egui",
        "wgpu",
        "rfd",
        "krilla",
        "minisign",
        "lopdf",
        "lineup-report",
    ] {
        assert!(
            !core.lines().any(|l| l.trim_start().starts_with(crate_name)),
            "crates/core/Cargo.toml depends on {crate_name}"
        );
    }
    let report = manifest("crates/report");
    for crate_name in ["eframe", "egui", "wgpu", "rfd", "clap"] {
        assert!(
            !report
                .lines()
                .any(|l| l.trim_start().starts_with(crate_name)),
            "crates/report/Cargo.toml depends on {crate_name}"
        );
    }
}

#[test]
fn screens_leave_saving_exporting_verifying_and_files_to_the_workspace() {
    let src = root().join("src/ui");
    let mut found = Vec::new();
    for file in sources(&src) {
        let text = std::fs::read_to_string(&file).unwrap();
        for call in [
            "review::save",
            "verify_bundle",
            "verify_zip_bytes",
            "export_signed",
            "assessment::export",
            "std::fs::",
            "signing::load",
        ] {
            if text.contains(call) {
                found.push(format!("{}: {call}", file.display()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "screens doing the workspace's work:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_import_reader_resolves_crate_and_super_paths() {
    let path = vec!["pdf".to_owned(), "layout".to_owned()];
    let text = "use crate::wording::percent;\nuse super::super::report::Report;\n\
                use super::Style;\nlet x = lineup_crate::y; // not ours";
    let found = imported_top_modules(text, &path);
    assert_eq!(
        found,
        BTreeSet::from(["wording".to_owned(), "report".to_owned(), "pdf".to_owned()])
    );
}
