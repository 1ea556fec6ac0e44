#!/usr/bin/env python3
"""The Rust crates compiled into lineup, with their licences, for the package's documentation.

Reads `cargo metadata` (JSON, on stdin) and writes to stdout: first one line per crate compiled
into the `lineup` binary (its normal dependencies, transitively; not build or dev dependencies)
with its declared licence, then every licence, copyright and notice file each crate ships (MIT,
BSD and Apache-2.0 all ask that their notices travel with a binary). A text several crates ship
word for word (Apache-2.0's, mostly) is printed once and referred to after. A crate that ships no
such file is named at the end, with its declared licence, so that no one assumes it was checked.

  cargo metadata --format-version 1 --locked | scripts/rust_crate_licences.py > rust-crates.txt
"""
import hashlib
import json
import sys
from pathlib import Path

# Top-level files whose names start with these (case-insensitive) hold licence texts or notices.
PREFIXES = ("license", "licence", "copying", "copyright", "notice", "unlicense", "authors")


def compiled_in(meta):
    packages = {p["id"]: p for p in meta["packages"]}
    nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
    root = next(i for i, p in packages.items() if p["name"] == "lineup" and p["source"] is None)
    seen, todo = set(), [root]
    while todo:
        node = nodes[todo.pop()]
        if node["id"] in seen:
            continue
        seen.add(node["id"])
        for dep in node["deps"]:
            if any(kind["kind"] is None for kind in dep["dep_kinds"]):
                todo.append(dep["pkg"])
    return sorted((packages[i] for i in seen), key=lambda p: (p["name"], p["version"]))


def licence_files(package):
    folder = Path(package["manifest_path"]).parent
    files = {f for f in folder.iterdir() if f.is_file() and f.name.lower().startswith(PREFIXES)}
    if package.get("license_file"):
        declared = folder / package["license_file"]
        if declared.is_file():
            files.add(declared)
    return sorted(files, key=lambda f: f.name)


def main():
    packages = compiled_in(json.load(sys.stdin))
    out = sys.stdout
    out.write("Rust crates compiled into lineup (name, version, declared licence):\n\n")
    for p in packages:
        out.write(f'{p["name"]} {p["version"]}: {p["license"] or p["license_file"] or "(none declared)"}\n')
    out.write("\n\nThe licence, copyright and notice files each crate ships, as it ships them.\n")
    first_seen = {}
    without = []
    for p in packages:
        crate = f'{p["name"]} {p["version"]}'
        files = licence_files(p)
        if not files:
            without.append(p)
            continue
        for f in files:
            text = f.read_text(encoding="utf-8", errors="replace")
            digest = hashlib.sha256(text.encode()).hexdigest()
            out.write(f"\n======== {crate}: {f.name} ========\n")
            if digest in first_seen:
                out.write(f"(word for word the text given above for {first_seen[digest]})\n")
            else:
                first_seen[digest] = f"{crate}: {f.name}"
                out.write(text.rstrip("\n") + "\n")
    out.write("\n\nCrates that ship no licence file (their declared licence applies; the lineup "
              "package found no copyright notice of theirs to reproduce):\n\n")
    for p in without:
        out.write(f'{p["name"]} {p["version"]}: {p["license"] or "(none declared)"}\n')
    if not without:
        out.write("(none)\n")


if __name__ == "__main__":
    main()
