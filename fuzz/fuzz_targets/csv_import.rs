//! Label CSVs from arbitrary bytes, imported into a small real review (the version 1 test
//! fixture, migrated): an import succeeds or names a line, never panics; and what an import
//! leaves, exported and imported again, changes nothing.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use lineup::review::{self, ReviewDocument, csv};

fn fixture() -> &'static ReviewDocument {
    static DOCUMENT: OnceLock<ReviewDocument> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let text = include_str!("../../tests/fixtures/review_v1.ron");
        review::parse(Path::new("tests/fixtures/review_v1.ron"), text)
            .expect("the test fixture loads")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut document = fixture().clone();
    if csv::import_text(&mut document, text).is_err() {
        assert_eq!(&document, fixture(), "a failed import changed the review");
        return;
    }
    let exported = csv::export_text(&document);
    let mut again = document.clone();
    match csv::import_text(&mut again, &exported) {
        Ok(0) => {}
        other => panic!("re-importing an export gave {other:?}, not Ok(0):\n{exported}"),
    }
});
