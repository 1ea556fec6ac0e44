//! Assessment bundles from arbitrary bytes: checking one gives a verdict or an error, never a
//! panic. The first byte picks the shape: even, the rest is a zip (the zip reader and everything
//! after it); odd, the rest is the bundle's files already unpacked, split at NUL bytes: the
//! manifest, the signature, then files each as `name\ncontents` (manifest and signature parsing,
//! without a zip's checksums in the way).
#![no_main]

use std::collections::BTreeMap;
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use lineup::assessment::bundle::{MANIFEST_FILE, SIGNATURE_FILE};
use lineup::assessment::{verify_files, verify_zip_bytes};

fuzz_target!(|data: &[u8]| {
    let Some((&shape, rest)) = data.split_first() else {
        return;
    };
    let bundle = Path::new("fuzz-bundle");
    if shape % 2 == 0 {
        let _ = verify_zip_bytes(bundle, rest, None);
    } else {
        let _ = verify_files(bundle, &unpacked(rest), None);
    }
});

fn unpacked(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut parts = bytes.split(|&b| b == 0);
    let mut files = BTreeMap::new();
    for name in [MANIFEST_FILE, SIGNATURE_FILE] {
        if let Some(part) = parts.next() {
            files.insert(name.to_owned(), part.to_vec());
        }
    }
    for part in parts {
        let (name, contents) = match part.iter().position(|&b| b == b'\n') {
            Some(end) => (&part[..end], &part[end + 1..]),
            None => (part, &[][..]),
        };
        files.insert(
            String::from_utf8_lossy(name).into_owned(),
            contents.to_vec(),
        );
    }
    files
}
