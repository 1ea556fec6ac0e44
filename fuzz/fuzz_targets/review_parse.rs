//! Review documents from arbitrary bytes: parsing (with the version 1 migration) must give a
//! document or an error, never a panic, and whatever loads must survive what the commands do
//! with a loaded review: summary, metrics, CSV export, the assessment's findings and report (all
//! but drawing the PDF, which reads the footage), and saving and loading again.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use lineup::assessment::{self, FaceDisclosure, ReportOptions, drafting};
use lineup::review::{self, csv};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(document) = review::parse(Path::new("fuzz.ron"), text) else {
        return;
    };
    let threshold = document.settings.threshold;
    let _ = document.summary(threshold);
    let _ = document.evaluate(&document.slicing, threshold);
    let _ = csv::export_text(&document);
    let findings = assessment::labelled_findings(&document, threshold);
    let measured = findings.as_ref().map(|f| f.measure());
    let filled = drafting::prefill(
        &document.assessment,
        &document,
        measured.as_ref(),
        "2026-01-01",
    );
    let _ = drafting::missing_parts(&filled);
    let options = ReportOptions {
        threshold: None,
        face_disclosure: FaceDisclosure::ConfirmedMatchesOnly,
        include_watchlist_photos: false,
        include_review: false,
        command: String::new(),
    };
    let report = assessment::build_report(
        &document,
        findings.as_ref(),
        &options,
        "fuzz.ron".into(),
        String::new(),
    );
    let _ = report.to_ron();
    let saved = review::to_text(&document);
    if let Err(e) = review::parse(Path::new("saved.ron"), &saved) {
        panic!("a loaded review does not load again once saved: {e}\n{saved}");
    }
});
