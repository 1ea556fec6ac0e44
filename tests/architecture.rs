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
            "build_info",
            "dates",
            "wording",
            "findings",
            "comparison",
            "sections",
            "drafting",
            "report",
            "evidence",
            "summary",
            "stills",
            "pdf",
            "editable",
            "signing",
            "bundle",
            "verify",
            "recompute",
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
        found.extend(imported_names(&text[at + "crate::".len()..]));
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
        let base = path.len().saturating_sub(ups);
        for name in imported_names(rest) {
            let top = if base == 0 { name } else { path[0].clone() };
            found.insert(top);
        }
    }
    found
}

/// The modules a path names after `crate::` or `super::`: one (`a::…`), or each of a group
/// (`{a, b::c}`).
fn imported_names(rest: &str) -> Vec<String> {
    match rest.strip_prefix('{') {
        Some(group) => group
            .split('}')
            .next()
            .unwrap_or_default()
            .split(',')
            .filter_map(|item| first_word(item.trim()))
            .collect(),
        None => first_word(rest).into_iter().collect(),
    }
}

/// Sibling submodules `text` (the source of submodule `path`) imports through `super::x` or
/// `super::{x, y}`: the edges among the files of one module folder.
fn sibling_imports(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (at, _) in text.match_indices("super::") {
        let before = text[..at].chars().last();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let rest = &text[at + "super::".len()..];
        if rest.starts_with("super::") {
            continue;
        }
        found.extend(imported_names(rest));
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

/// Inside every module folder (e.g. `metrics/`), the submodules' imports of each other form no
/// cycle: the layer test above sees only top-level modules.
#[test]
fn submodules_import_each_other_without_a_cycle() {
    let mut cycles = Vec::new();
    for (dir, _) in LAYERS {
        let src = root().join(dir);
        // Folder (parent module path) → submodule → siblings it imports.
        let mut graphs: std::collections::BTreeMap<
            Vec<String>,
            std::collections::BTreeMap<String, BTreeSet<String>>,
        > = Default::default();
        for file in sources(&src) {
            let path = module_path(&src, &file);
            let Some((name, parent)) = path.split_last() else {
                continue;
            };
            if parent.is_empty() {
                continue;
            }
            let text = std::fs::read_to_string(&file).unwrap();
            graphs
                .entry(parent.to_vec())
                .or_default()
                .insert(name.clone(), sibling_imports(&text));
        }
        for (parent, graph) in &graphs {
            if let Some(cycle) = find_cycle(graph) {
                cycles.push(format!("{dir}/{}: {}", parent.join("/"), cycle.join(" → ")));
            }
        }
    }
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}

/// A cycle among the graph's nodes (edges to names that are not nodes are ignored), if any.
fn find_cycle(graph: &std::collections::BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &std::collections::BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if graph.contains_key(next)
                && next != node
                && let Some(cycle) = visit(next, graph, stack, done)
            {
                return Some(cycle);
            }
        }
        stack.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
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
    let grouped = imported_top_modules("use crate::{metrics, review::Slicing};", &path);
    assert_eq!(
        grouped,
        BTreeSet::from(["metrics".to_owned(), "review".to_owned()])
    );
    let graph = std::collections::BTreeMap::from([
        ("a".to_owned(), BTreeSet::from(["b".to_owned()])),
        ("b".to_owned(), BTreeSet::from(["a".to_owned()])),
    ]);
    assert_eq!(
        find_cycle(&graph),
        Some(vec!["a".to_owned(), "b".to_owned(), "a".to_owned()])
    );
}
