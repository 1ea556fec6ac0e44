//! The impact assessment end to end: a real review made by `lineup analyze` on the test photos,
//! exported as a signed bundle, checked by `lineup verify` and by the standard `minisign` tool,
//! tampered with byte by byte, and rendered with poppler's pdftoppm/pdftotext.
//!
//! Needs `minisign` and `poppler-utils`, which ./scripts/setup installs.

mod common;
#[path = "common/disclosure.rs"]
mod disclosure;
#[path = "common/synthetic_findings.rs"]
mod synthetic;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use lineup::assessment::bundle::{
    EDITABLE_FILE, EVIDENCE_FILE, MANIFEST_FILE, PDF_FILE, PUBLIC_KEY_FILE, README_FILE,
    REVIEW_FILE, RON_FILE, SIGNATURE_FILE,
};
use lineup::assessment::signing::{self, PASSWORD_ENV};
use lineup::assessment::stills::AlertReview;
use lineup::assessment::{self, BundleOptions, FaceDisclosure, Report, ReportOptions, VerifyError};
use lineup::review;

const PASSWORD: &str = "amber kettle rides seven owls";
const BUNDLE_FILES: [&str; 8] = [
    MANIFEST_FILE,
    SIGNATURE_FILE,
    PDF_FILE,
    RON_FILE,
    EDITABLE_FILE,
    EVIDENCE_FILE,
    PUBLIC_KEY_FILE,
    README_FILE,
];

/// A real review and a key pair, made once per run of this test binary.
struct Fixture {
    review: PathBuf,
    key: PathBuf,
    public_key: PathBuf,
    password_file: PathBuf,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        // Under target/, so that nothing is left behind in /tmp; remade on every run.
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("assessment-fixture");
        let _ = std::fs::remove_dir_all(&dir);
        let watchlist = dir.join("watchlist");
        std::fs::create_dir_all(&watchlist).unwrap();
        for (name, photo) in [
            ("Barack_Obama_1.jpg", "obama.jpg"),
            ("Joe_Biden_1.jpg", "biden.jpg"),
        ] {
            std::fs::copy(common::photo(photo), watchlist.join(name)).unwrap();
        }
        let review = dir.join("review.ron");
        let out = lineup(&[
            "analyze",
            "--footage",
            path_str(&common::photo("obama2.jpg")),
            path_str(&common::photo("t1.jpg")),
            "--watchlist",
            path_str(&watchlist),
            "--out",
            path_str(&review),
        ])
        .output()
        .unwrap();
        assert!(
            out.status.success(),
            "analyze failed: {}",
            text(&out.stderr)
        );
        let key = dir.join("reviewer.key");
        // The environment variable, as a script would use it.
        let out = lineup(&["keygen", path_str(&key)])
            .env(PASSWORD_ENV, PASSWORD)
            .output()
            .unwrap();
        assert!(out.status.success(), "keygen failed: {}", text(&out.stderr));
        let password_file = dir.join("password.txt");
        std::fs::write(&password_file, format!("{PASSWORD}\n")).unwrap();
        Fixture {
            review,
            public_key: signing::public_key_path(&key),
            key,
            password_file,
        }
    })
}

/// The day these tests' reports are made (2025-07-07 12:00 UTC): their assessments are dated
/// 2025-06-30 to 2026-01-07, and a report judges those dates against its own (a sign-off after
/// the report, or a next review before it, makes a draft), so the tests pin it, whatever day
/// they run on.
const REPORT_MADE_EPOCH: &str = "1751889600";

fn lineup(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lineup"));
    command
        .args(args)
        .env_remove(PASSWORD_ENV)
        .env("SOURCE_DATE_EPOCH", REPORT_MADE_EPOCH);
    command
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("test paths are UTF-8")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs an external tool that set-up installs.
fn tool(program: &str, args: &[&str], dir: Option<&Path>) -> Output {
    let mut command = Command::new(program);
    command.args(args);
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
    command
        .output()
        .unwrap_or_else(|e| panic!("{program} cannot be run ({e}): run ./scripts/setup first"))
}

/// `lineup report` of the fixture's review, signed with its key, into `out`.
fn report_command(out: &Path, extra: &[&str]) -> Command {
    let f = fixture();
    let mut command = lineup(&[
        "report",
        path_str(&f.review),
        "--key",
        path_str(&f.key),
        "--password-file",
        path_str(&f.password_file),
        "--out",
        path_str(out),
    ]);
    command.args(extra);
    command
}

fn report_cli(out: &Path, extra: &[&str]) -> Output {
    report_command(out, extra).output().unwrap()
}

fn pdf_text(pdf: &Path) -> String {
    let out = tool("pdftotext", &["-layout", path_str(pdf), "-"], None);
    assert!(out.status.success(), "pdftotext: {}", text(&out.stderr));
    text(&out.stdout)
}

fn read_report(bundle: &Path) -> Report {
    ron::from_str(&std::fs::read_to_string(bundle.join(RON_FILE)).unwrap()).unwrap()
}

/// Exports the fixture review with the labelled test fixture, through the library.
fn export_labelled(out: &Path) -> assessment::ExportedBundle {
    let f = fixture();
    let document = review::load(&f.review).unwrap();
    let (secret, signer) = signing::load_secret_key(&f.key, PASSWORD).unwrap();
    let findings = synthetic::findings(document.settings.threshold);
    let options = BundleOptions {
        out: out.to_path_buf(),
        overwrite: false,
        report: ReportOptions {
            command: "(library test)".into(),
            ..ReportOptions::default()
        },
    };
    assessment::export(
        &document,
        &f.review,
        Some(&findings),
        &options,
        &secret,
        &signer,
    )
    .unwrap()
}

#[test]
fn report_then_lineup_verify_and_minisign_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    let out = report_cli(&bundle, &[]);
    assert!(out.status.success(), "report: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("No ground truth is labelled yet"),
        "{stdout}"
    );
    assert!(stdout.contains("Flagged at threshold 0.60"), "{stdout}");

    // Without the published key: intact, but who signed is not proven (exit 2).
    let out = lineup(&["verify", path_str(&bundle)]).output().unwrap();
    assert_eq!(out.status.code(), Some(3), "verify: {}", text(&out.stderr));
    assert!(text(&out.stderr).contains("NOT PROVEN who signed"));
    let zip = dir.path().join("bundle.zip");
    let out = lineup(&[
        "verify",
        path_str(&zip),
        "--key",
        path_str(&fixture().public_key),
    ])
    .output()
    .unwrap();
    assert!(out.status.success(), "verify zip: {}", text(&out.stderr));

    // The standard tools, without lineup.
    let out = tool(
        "minisign",
        &["-Vm", MANIFEST_FILE, "-p", path_str(&fixture().public_key)],
        Some(&bundle),
    );
    assert!(
        out.status.success(),
        "minisign: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    // The draft says so in what minisign alone prints, and in the PDF's title (#16 r2, 7).
    assert!(!read_report(&bundle).incomplete.is_empty(), "a draft");
    assert!(
        text(&out.stdout).contains("lineup impact assessment DRAFT"),
        "minisign: {}",
        text(&out.stdout)
    );
    let info = tool("pdfinfo", &[path_str(&bundle.join(PDF_FILE))], None);
    let title = text(&info.stdout);
    let title = title
        .lines()
        .find(|l| l.starts_with("Title:"))
        .unwrap_or_default();
    assert!(title.contains("DRAFT – "), "{title}");
    let out = tool(
        "sha256sum",
        &["--strict", "-c", MANIFEST_FILE],
        Some(&bundle),
    );
    assert!(out.status.success(), "sha256sum: {}", text(&out.stdout));

    let pdf = pdf_text(&bundle.join(PDF_FILE));
    assert!(pdf.contains("No ground truth is labelled yet"), "{pdf}");
    assert!(pdf.contains("What the system flagged"), "{pdf}");
    let report = read_report(&bundle);
    assert!(report.findings.is_none());
    assert_eq!(
        report.reproduce.review_sha256,
        lineup::digest::sha256_file(&fixture().review)
            .unwrap()
            .sha256
    );
    assert!(
        report.reproduce.command.starts_with("lineup report ")
            && report.reproduce.command.contains("--threshold 0.6"),
        "{}",
        report.reproduce.command
    );
    assert_eq!(
        report.signer.unwrap().public_key,
        signing::load_public_key(&fixture().public_key)
            .unwrap()
            .base64()
    );
}

#[test]
fn the_same_inputs_give_the_same_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    let export = |extra: &[&str]| {
        let out = report_command(&bundle, extra)
            // Pins the report's timestamps, as a reproducible build would.
            .env("SOURCE_DATE_EPOCH", "1700000000")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        std::fs::read(bundle.join(RON_FILE)).unwrap()
    };
    let first = export(&[]);
    let second = export(&["--force"]);
    assert_eq!(text(&first), text(&second));
    assert!(text(&first).contains("generated_at: \"2023-11-14T22:13:20Z\""));
}

#[test]
fn a_labelled_report_renders_with_its_per_slice_table() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("labelled");
    let exported = export_labelled(&bundle);

    // The numbers in assessment.ron are the metrics engine's, exactly.
    let mut findings = synthetic::findings(exported.report.system.threshold);
    findings.watchlist_size = 2; // the fixture review's watchlist, which the report states
    let findings = findings.measure();
    let report = read_report(&bundle);
    assert_eq!(report.findings.as_ref(), Some(&findings));
    assert_eq!(report, exported.report);

    let pdf = bundle.join(PDF_FILE);
    let text = pdf_text(&pdf);
    for expected in [
        "Error rates per group",
        "FPIR (watchlist of",
        "FNIR (rank 1) [95%",
        "FPIR n",
        "FNIR n",
        "Group A",
        "Group B",
        "Group C",
        "All groups",
        synthetic::LABEL_SOURCE,
        "What these rates mean for a crowd",
        "Differentials",
        "Cautions",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from the PDF:\n{text}"
        );
    }
    // Each slice's row carries its sample sizes.
    for (name, non_mated, mated) in synthetic::SLICES {
        let row = text
            .lines()
            .find(|line| line.trim_start().starts_with(name) && line.contains('%'))
            .unwrap_or_else(|| panic!("no table row for {name}"));
        let numbers: Vec<&str> = row.split_whitespace().collect();
        assert!(numbers.contains(&non_mated.to_string().as_str()), "{row}");
        assert!(numbers.contains(&mated.to_string().as_str()), "{row}");
    }

    // It renders: every page to PNG.
    let prefix = dir.path().join("page");
    let out = tool(
        "pdftoppm",
        &["-r", "40", "-png", path_str(&pdf), path_str(&prefix)],
        None,
    );
    assert!(
        out.status.success(),
        "pdftoppm: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let first_page = std::fs::read(dir.path().join("page-01.png"))
        .or_else(|_| std::fs::read(dir.path().join("page-1.png")))
        .expect("pdftoppm wrote the first page");
    assert!(first_page.starts_with(b"\x89PNG"));

    assert!(assessment::verify_bundle(&bundle, None).is_ok());
}

#[test]
fn every_flipped_byte_is_caught_and_the_file_named() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    export_labelled(&bundle);
    let trusted = signing::load_public_key(&fixture().public_key).unwrap();
    // Always the same bytes flipped: no random-number crate, a failure replays.
    let mut rng = synthetic::XorShift(0x00C0_FFEE_D00D_F00D);
    let flips_per_file = 40;
    for round in 0..flips_per_file {
        for name in BUNDLE_FILES {
            let path = bundle.join(name);
            let original = std::fs::read(&path).unwrap();
            let offset = (rng.next() % original.len() as u64) as usize;
            let mask = (rng.next() % 255 + 1) as u8;
            let mut flipped = original.clone();
            flipped[offset] ^= mask;
            std::fs::write(&path, &flipped).unwrap();
            // Half the checks with the verifier's own copy of the key, half with the key the
            // bundle names.
            let key = (round % 2 == 0).then_some(&trusted);
            let result = assessment::verify_bundle(&bundle, key);
            std::fs::write(&path, &original).unwrap();
            match result {
                Err(error) => assert_eq!(
                    error.tampered_file(),
                    Some(name),
                    "byte {offset} of {name} ^ {mask:#04x}: {error}"
                ),
                Ok(_) => panic!("byte {offset} of {name} ^ {mask:#04x} went unnoticed"),
            }
        }
    }
    // 240 flips later, the bundle is intact again.
    assert!(assessment::verify_bundle(&bundle, Some(&trusted)).is_ok());
}

#[test]
fn every_byte_of_the_manifest_signature_and_public_key_is_covered() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    let out = report_cli(&bundle, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let trusted = signing::load_public_key(&fixture().public_key).unwrap();
    for name in [MANIFEST_FILE, SIGNATURE_FILE, PUBLIC_KEY_FILE] {
        let path = bundle.join(name);
        let original = std::fs::read(&path).unwrap();
        for offset in 0..original.len() {
            let mask = 1u8 << (offset % 8);
            let mut flipped = original.clone();
            flipped[offset] ^= mask;
            std::fs::write(&path, &flipped).unwrap();
            let key = (offset % 2 == 0).then_some(&trusted);
            let error = assessment::verify_bundle(&bundle, key).err();
            assert_eq!(
                error.as_ref().and_then(VerifyError::tampered_file),
                Some(name),
                "byte {offset} of {name} ^ {mask:#04x}: {error:?}"
            );
        }
        std::fs::write(&path, &original).unwrap();
    }
    assert!(assessment::verify_bundle(&bundle, Some(&trusted)).is_ok());
}

#[test]
fn a_bundle_is_replaced_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    assert!(report_cli(&bundle, &[]).status.success());
    let out = report_cli(&bundle, &[]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("--force"),
        "{}",
        text(&out.stderr)
    );
    let out = report_cli(&bundle, &["--force"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(assessment::verify_bundle(&bundle, None).is_ok());
    // Nothing is left beside it but the bundle and its zip.
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["bundle", "bundle.zip"]);
}

#[test]
fn lineup_verify_names_changed_added_and_missing_files() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    let out = report_cli(&bundle, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let verify = || lineup(&["verify", path_str(&bundle)]).output().unwrap();

    let pdf = bundle.join(PDF_FILE);
    let original = std::fs::read(&pdf).unwrap();
    let mut changed = original.clone();
    let middle = changed.len() / 2;
    changed[middle] ^= 0x01;
    std::fs::write(&pdf, &changed).unwrap();
    let out = verify();
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("assessment.pdf") && stderr.contains("SHA-256"),
        "{stderr}"
    );
    std::fs::write(&pdf, &original).unwrap();

    std::fs::write(bundle.join("extra.txt"), "added later").unwrap();
    std::fs::remove_file(bundle.join(README_FILE)).unwrap();
    let out = verify();
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("README.txt"), "{stderr}");
    assert!(
        stderr.contains("missing from the bundle: README.txt"),
        "{stderr}"
    );
    assert!(
        stderr.contains("added to the bundle, not in the manifest: extra.txt"),
        "{stderr}"
    );
}

#[test]
fn a_bundle_signed_with_another_key_is_refused_when_the_key_is_given() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    export_labelled(&bundle);
    let other = dir.path().join("other.key");
    signing::generate_key_pair(&other, "copper lanterns hum at dawn", false).unwrap();
    let other_public = signing::load_public_key(&signing::public_key_path(&other)).unwrap();
    let error = assessment::verify_bundle(&bundle, Some(&other_public)).unwrap_err();
    assert_eq!(error.tampered_file(), Some(SIGNATURE_FILE), "{error}");
    assert!(error.to_string().contains("signed with key"), "{error}");
}

#[test]
fn wrong_password_missing_key_and_unreadable_bundle_are_explained() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");

    let wrong = dir.path().join("wrong.txt");
    std::fs::write(&wrong, "not the password\n").unwrap();
    let out = lineup(&[
        "report",
        path_str(&f.review),
        "--key",
        path_str(&f.key),
        "--password-file",
        path_str(&wrong),
        "--out",
        path_str(&bundle),
    ])
    .output()
    .unwrap();
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("wrong password") && stderr.contains("reviewer.key"),
        "{stderr}"
    );
    assert!(!bundle.exists(), "nothing is written without a signature");

    let missing_key = dir.path().join("no-such.key");
    let out = lineup(&[
        "report",
        path_str(&f.review),
        "--key",
        path_str(&missing_key),
        "--out",
        path_str(&bundle),
    ])
    .env(PASSWORD_ENV, PASSWORD)
    .output()
    .unwrap();
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("no-such.key") && stderr.contains("lineup keygen"),
        "{stderr}"
    );

    let out = lineup(&["verify", path_str(&dir.path().join("nowhere"))])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("nowhere") && stderr.contains("cannot be read"),
        "{stderr}"
    );

    let not_zip = dir.path().join("bundle.zip");
    std::fs::write(&not_zip, "this is not a zip").unwrap();
    let out = lineup(&["verify", path_str(&not_zip)]).output().unwrap();
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("not a lineup bundle"), "{stderr}");

    let out = lineup(&[
        "verify",
        path_str(dir.path()),
        "--key",
        path_str(&dir.path().join("missing.pub")),
    ])
    .output()
    .unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("missing.pub"),
        "{}",
        text(&out.stderr)
    );
}

/// `lineup assess` arguments that fill in every section of the assessment except the text
/// fields named in `leave_empty`: every required text from the one list of sections, the
/// crowd, an action, both decisions and the five risks' scores.
fn complete_assess_args(review: &Path, leave_empty: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = vec![
        "assess".into(),
        path_str(review).into(),
        "--purpose".into(),
        "Trial of live facial recognition at the central station on match days.".into(),
        "--legal-basis".into(),
        "Is this deployment necessary and proportionate under the council's policy?".into(),
        "--decision".into(),
        "deploy-with-conditions".into(),
        "--recommendation".into(),
        "Only with a human check of every alert.".into(),
        "--reviewer-name".into(),
        "A. Reviewer".into(),
        "--reviewer-role".into(),
        "Data protection officer".into(),
        "--people-per-day".into(),
        "20000".into(),
        "--action".into(),
        "Publish the watchlist criteria|Head of operations|2026-01-31".into(),
        "--sign-off-decision".into(),
        "do-not-deploy".into(),
    ];
    let untouched = ["purpose", "legal-basis", "reviewer-name", "reviewer-role"];
    args.push("--adopt-mitigations".into());
    let dates = [
        ("reviewer-date", "2025-06-30"),
        ("sign-off-date", "2025-07-07"),
        ("review-date", "2026-01-07"),
    ];
    for field in assessment::sections::SECTIONS.iter().flat_map(|s| s.fields) {
        if field.missing.is_some() && !untouched.contains(&field.slug) {
            let date = dates.iter().find(|(slug, _)| *slug == field.slug);
            let value = if leave_empty.contains(&field.slug) {
                String::new()
            } else if let Some((_, date)) = date {
                (*date).to_owned()
            } else {
                format!("Example text for {}.", field.label)
            };
            args.extend(["--section".into(), format!("{}={value}", field.slug)]);
        }
    }
    for score in ["1:3:4", "2:significant:limited", "3:2:2", "4:3:3", "5:4:1"] {
        args.extend(["--risk".into(), score.into()]);
    }
    args
}

/// Copies the review at `from` to `to` (another folder) with its sidecar, which it names by
/// file name (docs/review-format.md).
fn copy_review(from: &Path, to: &Path) {
    std::fs::copy(from, to).unwrap();
    for entry in std::fs::read_dir(from.parent().unwrap()).unwrap() {
        let name = entry.unwrap().file_name();
        if lineup::review::sidecar::belongs_to(from, &name.to_string_lossy()) {
            std::fs::copy(from.with_file_name(&name), to.with_file_name(&name)).unwrap();
        }
    }
}

/// Writes the assessment with `args` into a copy of the fixture review and exports it.
fn assess_and_export(dir: &Path, leave_empty: &[&str]) -> (Output, PathBuf) {
    let f = fixture();
    let review_copy = dir.join("review.ron");
    copy_review(&f.review, &review_copy);
    let args = complete_assess_args(&review_copy, leave_empty);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let assessed = lineup(&args).output().unwrap();
    assert!(assessed.status.success(), "{}", text(&assessed.stderr));
    let bundle = dir.join("bundle");
    let out = lineup(&[
        "report",
        path_str(&review_copy),
        "--key",
        path_str(&f.key),
        "--out",
        path_str(&bundle),
    ])
    .env(PASSWORD_ENV, PASSWORD)
    .output()
    .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    (assessed, bundle)
}

#[test]
fn assess_writes_the_text_and_the_report_is_then_no_draft() {
    let dir = tempfile::tempdir().unwrap();
    let (assessed, bundle) = assess_and_export(dir.path(), &[]);
    assert!(
        text(&assessed.stdout).contains("The assessment is complete"),
        "{}",
        text(&assessed.stdout)
    );
    let review_copy = dir.path().join("review.ron");
    let document = review::load(&review_copy).unwrap();
    assert_eq!(document.assessment.risks[0].score(), Some(12));
    assert_eq!(document.assessment.people_per_day, Some(20_000));
    assert_eq!(document.assessment.actions[0].owner, "Head of operations");

    let out = lineup(&["assess", path_str(&review_copy), "--risk", "9:1:1"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("only 5 risks"),
        "{}",
        text(&out.stderr)
    );
    let out = lineup(&["assess", path_str(&review_copy), "--section", "colour=x"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("retention"),
        "{}",
        text(&out.stderr)
    );

    let pdf = pdf_text(&bundle.join(PDF_FILE));
    assert!(!pdf.contains("DRAFT"), "{pdf}");
    assert!(!pdf.contains("Missing:"), "{pdf}");
    assert!(pdf.contains("Deploy with conditions"), "{pdf}");
    assert!(pdf.contains("central station"), "{pdf}");
    assert!(pdf.contains("A. Reviewer"), "{pdf}");
    assert!(read_report(&bundle).incomplete.is_empty());
    let flat = flat_pdf_text(&bundle.join(PDF_FILE));
    assert!(
        flat.contains("The models measured are stand-ins, not the vendor's system"),
        "{flat}"
    );
    // Every section is in the PDF and in the editable export, in the same order.
    let markdown = std::fs::read_to_string(bundle.join(EDITABLE_FILE)).unwrap();
    assert!(!markdown.contains("DRAFT"), "{markdown}");
    let mut at_pdf = 0;
    let mut at_markdown = 0;
    for section in &assessment::sections::SECTIONS {
        let heading = section.heading();
        at_pdf = flat[at_pdf..]
            .find(&heading)
            .map(|i| at_pdf + i)
            .unwrap_or_else(|| panic!("{heading} not in order in the PDF"));
        at_markdown = markdown[at_markdown..]
            .find(&format!("## {heading}"))
            .map(|i| at_markdown + i)
            .unwrap_or_else(|| panic!("{heading} not in order in {EDITABLE_FILE}"));
    }
    assert!(markdown.contains("Example text for DPO, public, equality duty."));
}

#[test]
fn a_report_with_an_empty_required_section_is_a_draft_that_says_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let (assessed, bundle) = assess_and_export(dir.path(), &["retention"]);
    assert!(
        text(&assessed.stdout).contains("- retention and deletion"),
        "{}",
        text(&assessed.stdout)
    );
    assert_eq!(
        read_report(&bundle).incomplete,
        vec!["retention and deletion".to_owned()]
    );
    let flat = flat_pdf_text(&bundle.join(PDF_FILE));
    assert!(
        flat.contains(
            "DRAFT. Still to be written or decided by the reviewer: retention and deletion."
        ),
        "{flat}"
    );
    // The section itself is marked, where a reader looks for it.
    let section = assessment::sections::section(assessment::sections::SectionId::Retention);
    let at = flat
        .find(&section.heading())
        .expect("the retention section");
    assert!(
        flat[at..].contains("Missing: retention and deletion."),
        "{}",
        &flat[at..]
    );
    let markdown = std::fs::read_to_string(bundle.join(EDITABLE_FILE)).unwrap();
    assert!(
        markdown.contains(
            "**DRAFT. Still to be written or decided by the reviewer: retention and deletion.**"
        ),
        "{markdown}"
    );
}

/// The text of each page of a PDF, as pdftotext reads it page by page.
fn pdf_pages(pdf: &Path) -> Vec<String> {
    let all = pdf_text(pdf);
    all.split('\u{c}')
        .filter(|page| !page.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_draft_says_draft_on_every_page_and_in_every_section() {
    let dir = tempfile::tempdir().unwrap();
    let (_, bundle) = assess_and_export(dir.path(), &["retention"]);
    let pages = pdf_pages(&bundle.join(PDF_FILE));
    assert!(pages.len() > 3, "{} pages", pages.len());
    for (number, page) in pages.iter().enumerate() {
        assert!(page.contains("DRAFT"), "page {}: {page}", number + 1);
    }
    let markdown = std::fs::read_to_string(bundle.join(EDITABLE_FILE)).unwrap();
    for section in markdown.split("\n## ").skip(1) {
        assert!(section.contains("DRAFT"), "{section}");
    }
    // A final report says it on none.
    let dir = tempfile::tempdir().unwrap();
    let (_, bundle) = assess_and_export(dir.path(), &[]);
    for page in pdf_pages(&bundle.join(PDF_FILE)) {
        assert!(!page.contains("DRAFT"), "{page}");
    }
}

#[test]
fn placeholders_bad_dates_and_unadopted_suggestions_keep_a_report_a_draft() {
    let dir = tempfile::tempdir().unwrap();
    let review_copy = dir.path().join("review.ron");
    copy_review(&fixture().review, &review_copy);
    let mut args = complete_assess_args(&review_copy, &[]);
    // The opposing expert's "final" report: TBD everywhere, a placeholder action, dates out
    // of order, and lineup's suggested mitigations never adopted.
    args.retain(|arg| arg != "--adopt-mitigations");
    for arg in args.iter_mut() {
        if let Some((slug, _)) = arg.split_once('=')
            && assessment::sections::field(slug).is_some()
            && !slug.ends_with("date")
        {
            *arg = format!("{slug}=TBD");
        }
        if arg.contains("|Head of operations|") {
            *arg = "TBD|TBD|2025-01-01".into();
        }
        if arg == "review-date=2026-01-07" {
            *arg = "review-date=2025-01-01".into();
        }
    }
    args.extend(["--section".into(), "purpose=TBD".into()]);
    for placeholder in [".", "Lorem ipsum dolor sit amet", "[to be completed]"] {
        args.extend(["--section".into(), format!("retention={placeholder}")]);
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = lineup(&refs).output().unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        let stdout = text(&out.stdout);
        assert!(!stdout.contains("The assessment is complete"), "{stdout}");
        for expected in [
            "retention and deletion (placeholder text)",
            "the purpose and context (placeholder text)",
            "the approver (placeholder text)",
            "the mitigations (lineup's suggestions are not yet adopted)",
            "an owner and due date for 1 of 1 actions",
            "a next review date after the decision (2025-01-01 is not after 2025-07-07)",
        ] {
            assert!(stdout.contains(expected), "{expected}: {stdout}");
        }
    }
    let bundle = dir.path().join("bundle");
    let out = lineup(&[
        "report",
        path_str(&review_copy),
        "--key",
        path_str(&fixture().key),
        "--out",
        path_str(&bundle),
    ])
    .env(PASSWORD_ENV, PASSWORD)
    .output()
    .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!read_report(&bundle).incomplete.is_empty());
    let flat = flat_pdf_text(&bundle.join(PDF_FILE));
    assert!(
        flat.contains("(suggested by lineup, not adopted)"),
        "{flat}"
    );
    assert!(flat.contains("DRAFT"), "{flat}");
}

#[test]
fn the_markdown_says_what_the_pdf_says_and_no_key_path() {
    let dir = tempfile::tempdir().unwrap();
    let (_, bundle) = assess_and_export(dir.path(), &[]);
    let markdown = std::fs::read_to_string(bundle.join(EDITABLE_FILE)).unwrap();
    for expected in [
        "What the system flagged at threshold",
        "| Faces that raised an alert |",
        "## Highest risks",
        "## How to check this document",
        "lineup verify --recompute BUNDLE --key PUBLISHED.pub",
    ] {
        assert!(markdown.contains(expected), "{expected}: {markdown}");
    }
    // With error rates measured, their every column, the differentials and the cautions.
    let labelled = dir.path().join("labelled");
    export_labelled(&labelled);
    let measured = std::fs::read_to_string(labelled.join(EDITABLE_FILE)).unwrap();
    for expected in [
        "| Wrong-identity alerts | Flag rate |",
        "Differentials: each group's rate over a reference group's",
        "× reference [95% interval]",
        "are in the PDF",
    ] {
        assert!(measured.contains(expected), "{expected}: {measured}");
    }
    // The secret key's path is the signer's own: no file of the bundle names it.
    let key = fixture().key.display().to_string();
    let key_name = fixture()
        .key
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    for file in [EDITABLE_FILE, RON_FILE] {
        let contents = std::fs::read_to_string(bundle.join(file)).unwrap();
        assert!(!contents.contains(&key), "{file}");
        assert!(!contents.contains(&key_name), "{file}");
    }
    let flat = flat_pdf_text(&bundle.join(PDF_FILE));
    assert!(!flat.contains(&key_name), "{flat}");
    assert!(
        read_report(&bundle)
            .reproduce
            .command
            .contains("--key YOUR-KEY"),
    );
    // Page 1 counts inputs and detected faces, never "images" when some are videos.
    assert!(flat.contains("(stills or videos"), "{flat}");
    assert!(flat.contains("detected faces"), "{flat}");
}

#[test]
fn bystanders_are_blurred_and_watchlist_photos_left_out_unless_asked() {
    let document = review::load(&fixture().review).unwrap();
    let threshold = document.settings.threshold;
    let blurred =
        assessment::stills::prepare(&document, threshold, FaceDisclosure::default(), false);
    let plain = assessment::stills::prepare(&document, threshold, FaceDisclosure::Everything, true);
    assert!(blurred.watchlist.is_empty());
    assert_eq!(plain.watchlist.len(), 2, "{:?}", plain.notes);
    // obama2.jpg alerts on Barack Obama, but nobody has labelled it: it is not named, and it
    // is blurred like t1.jpg's six bystanders.
    let alerted = blurred
        .stills
        .iter()
        .find(|s| !s.alerts.is_empty())
        .unwrap();
    let alert = &alerted.alerts[0];
    assert!(
        alert.label.starts_with("unconfirmed alert, score 0."),
        "{alert:?}"
    );
    assert!(!alert.shown);
    let crowd = |pictures: &assessment::stills::Pictures| {
        let still = pictures
            .stills
            .iter()
            .find(|s| s.title.ends_with("t1.jpg"))
            .unwrap();
        image::load_from_memory(&still.jpeg).unwrap().to_luma8()
    };
    let (blurred_image, plain_image) = (crowd(&blurred), crowd(&plain));
    let t1 = document
        .inputs
        .iter()
        .position(|i| i.path.ends_with("t1.jpg"))
        .unwrap();
    let scale = blurred_image.width() as f32 / document.inputs[t1].dimensions.unwrap().0 as f32;
    // Detail (differences between neighbouring pixels) in the middle of every face.
    let detail = |image: &image::GrayImage| -> i64 {
        let mut total = 0i64;
        for face in document.detections.iter().filter(|d| d.source.input == t1) {
            let b = face.bbox.scaled(scale, scale);
            let (cx, cy) = (((b.x1 + b.x2) / 2.0) as u32, ((b.y1 + b.y2) / 2.0) as u32);
            for y in cy.saturating_sub(8)..cy + 8 {
                for x in cx.saturating_sub(8)..cx + 8 {
                    let here = i64::from(image.get_pixel(x, y)[0]);
                    total += (here - i64::from(image.get_pixel(x + 1, y)[0])).abs();
                    total += (here - i64::from(image.get_pixel(x, y + 1)[0])).abs();
                }
            }
        }
        total
    };
    let (kept, original) = (detail(&blurred_image), detail(&plain_image));
    assert!(
        kept * 3 < original,
        "blurred faces keep {kept} of {original} units of detail"
    );
}

#[test]
fn verify_error_for_an_empty_folder_names_the_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let error = assessment::verify_bundle(dir.path(), None).unwrap_err();
    assert!(
        matches!(
            error,
            VerifyError::MissingFile {
                name: MANIFEST_FILE,
                ..
            }
        ),
        "{error}"
    );
}

/// The fixture review labelled for the face-disclosure tests, counted at a threshold low enough
/// that the two strangers in t1.jpg who look most like someone on the watchlist alert too.
/// obama2.jpg's face is labelled Barack Obama (a confirmed true match), the stronger stranger
/// not on the watchlist (a wrong alert), and the other stranger is left unlabelled (an alert
/// nobody has confirmed or refuted).
struct LabelledCase {
    document: review::ReviewDocument,
    /// The labelled document as saved, for `lineup report`.
    review: PathBuf,
    threshold: f32,
    /// Detection indices of the three alerts.
    confirmed: usize,
    wrong: usize,
    unconfirmed: usize,
}

fn labelled_case() -> &'static LabelledCase {
    static CASE: OnceLock<LabelledCase> = OnceLock::new();
    CASE.get_or_init(|| {
        let mut document = review::load(&fixture().review).unwrap();
        let input_of = |name: &str| {
            document
                .inputs
                .iter()
                .position(|i| i.path.ends_with(name))
                .unwrap()
        };
        let (obama2, t1) = (input_of("obama2.jpg"), input_of("t1.jpg"));
        let top_score = |d: &review::DetectionRecord| d.candidates[0].score;
        let confirmed = (0..document.detections.len())
            .find(|&d| document.detections[d].source.input == obama2)
            .unwrap();
        let mut strangers: Vec<usize> = (0..document.detections.len())
            .filter(|&d| document.detections[d].source.input == t1)
            .collect();
        strangers.sort_by(|&a, &b| {
            top_score(&document.detections[b]).total_cmp(&top_score(&document.detections[a]))
        });
        let (wrong, unconfirmed) = (strangers[0], strangers[1]);
        let threshold = top_score(&document.detections[unconfirmed]);
        assert!(top_score(&document.detections[strangers[2]]) < threshold);
        let obama = document.identity_by_name("Barack Obama").unwrap();
        assert_eq!(document.detections[confirmed].candidates[0].identity, obama);
        label(
            &mut document,
            confirmed,
            review::GroundTruth::OnWatchlist(obama),
        );
        label(&mut document, wrong, review::GroundTruth::NotOnWatchlist);
        let path = fixture().review.with_file_name("labelled-review.ron");
        review::save(&document, &path).unwrap();
        LabelledCase {
            document,
            review: path,
            threshold,
            confirmed,
            wrong,
            unconfirmed,
        }
    })
}

/// Labels the track holding `detection`.
fn label(document: &mut review::ReviewDocument, detection: usize, truth: review::GroundTruth) {
    let track = document
        .tracks
        .iter_mut()
        .find(|t| t.detections.contains(&lineup::ids::DetectionId(detection)))
        .unwrap();
    track.label = truth;
}

/// The stills of the labelled case, showing the faces `disclosure` allows.
fn case_stills(disclosure: FaceDisclosure) -> assessment::stills::Pictures {
    let case = labelled_case();
    assessment::stills::prepare(&case.document, case.threshold, disclosure, false)
}

/// One still of the labelled case as redacted by default, beside the same still with every face
/// shown, in grey pixels.
struct StillPair {
    redacted: image::GrayImage,
    reference: image::GrayImage,
    /// From the input's pixels to the still's.
    scale: f32,
    alerts: Vec<assessment::stills::MarkedFace>,
    /// Indices of the detections in this still.
    faces: Vec<usize>,
}

impl StillPair {
    fn of(
        redacted: &assessment::stills::Pictures,
        reference: &assessment::stills::Pictures,
        name: &str,
    ) -> StillPair {
        let still = |pictures: &assessment::stills::Pictures| {
            pictures
                .stills
                .iter()
                .find(|s| s.title.ends_with(name))
                .unwrap()
                .clone()
        };
        let (still, plain) = (still(redacted), still(reference));
        let document = &labelled_case().document;
        let input = document
            .inputs
            .iter()
            .position(|i| i.path.ends_with(name))
            .unwrap();
        let redacted = image::load_from_memory(&still.jpeg).unwrap().to_luma8();
        StillPair {
            scale: redacted.width() as f32 / document.inputs[input].dimensions.unwrap().0 as f32,
            redacted,
            reference: image::load_from_memory(&plain.jpeg).unwrap().to_luma8(),
            alerts: still.alerts,
            faces: (0..document.detections.len())
                .filter(|&d| document.detections[d].source.input == input)
                .collect(),
        }
    }

    fn bbox(&self, detection: usize) -> lineup::vision::BoundingBox {
        let bbox = labelled_case().document.detections[detection].bbox;
        bbox.scaled(self.scale, self.scale)
    }

    /// Detail left in `rect`, detail there in the reference, and the mean change.
    fn compare(&self, rect: disclosure::Rect) -> (f64, f64, f64) {
        (
            disclosure::detail(&self.redacted, rect),
            disclosure::detail(&self.reference, rect),
            disclosure::mean_abs_difference(&self.redacted, &self.reference, rect),
        )
    }

    /// [`StillPair::compare`] over the face of `detection`.
    fn face(&self, detection: usize) -> (f64, f64, f64) {
        let (width, height) = self.redacted.dimensions();
        self.compare(disclosure::rect_of(&self.bbox(detection), width, height))
    }

    /// The alert marked on `detection`'s face.
    fn alert(&self, detection: usize) -> &assessment::stills::MarkedFace {
        let bbox = self.bbox(detection);
        self.alerts
            .iter()
            .find(|a| a.bbox == bbox)
            .unwrap_or_else(|| panic!("no alert marked on face {detection}"))
    }

    /// The most detailed square of the reference where the detector found nobody.
    fn faceless_square(&self) -> disclosure::Rect {
        let faces: Vec<_> = self.faces.iter().map(|&d| self.bbox(d)).collect();
        disclosure::most_detailed_faceless_square(&self.reference, &faces, 48)
    }
}

/// Asserts that `caption` starts with `prefix` and names nobody on the watchlist.
fn assert_unnamed_caption(caption: &str, prefix: &str) {
    assert!(caption.starts_with(prefix), "{caption}");
    for name in ["Barack Obama", "Joe Biden"] {
        assert!(!caption.contains(name), "{caption}");
    }
}

#[test]
fn only_confirmed_matches_stay_recognisable_in_the_stills() {
    let case = labelled_case();
    let redacted = case_stills(FaceDisclosure::default());
    let reference = case_stills(FaceDisclosure::Everything);
    for name in ["t1.jpg", "obama2.jpg"] {
        let still = StillPair::of(&redacted, &reference, name);
        for &d in &still.faces {
            let (kept, original, moved) = still.face(d);
            if d == case.confirmed {
                assert!(moved < 3.0, "the confirmed face moved by {moved}");
                assert!(kept > 0.8 * original, "it keeps {kept} of {original}");
            } else {
                assert!(
                    kept < 0.25 * original,
                    "face {d} keeps {kept} of {original}"
                );
                assert!(moved > 8.0, "face {d} moved only by {moved}");
            }
        }
        // Where the detector found nobody, the frame is blurred all the same.
        let square = still.faceless_square();
        let (kept, original, _) = still.compare(square);
        assert!(original > 4.0, "{name}: {square:?} has no detail to lose");
        assert!(
            kept < 0.25 * original,
            "{name}: {square:?} keeps {kept} of {original}"
        );
    }
    let t1 = StillPair::of(&redacted, &reference, "t1.jpg");
    assert_unnamed_caption(&t1.alert(case.wrong).label, "wrong alert, score 0.");
    assert_unnamed_caption(
        &t1.alert(case.unconfirmed).label,
        "unconfirmed alert, score 0.",
    );
    let obama2 = StillPair::of(&redacted, &reference, "obama2.jpg");
    let confirmed = obama2.alert(case.confirmed);
    assert!(
        confirmed.label.starts_with("Barack Obama 0."),
        "{confirmed:?}"
    );
    assert!(confirmed.shown && confirmed.review == AlertReview::Confirmed);
}

#[test]
fn on_the_rendered_pages_only_confirmed_matches_are_recognisable() {
    // lineup's own detector and recognizer read the pages as printed. The watchlist photos are
    // left out by default, so the one face they may find is obama2.jpg's confirmed match.
    let case = labelled_case();
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    let out = report_case(&bundle, &[]);
    assert!(out.status.success(), "report: {}", text(&out.stderr));
    let found = disclosure::faces_on_pages(&bundle.join(PDF_FILE));
    let confirmed = &case.document.detections[case.confirmed].embedding;
    assert!(
        disclosure::best_similarity(confirmed, &found) >= review::DEFAULT_THRESHOLD,
        "the confirmed match is not recognisable on the pages"
    );
    // Every face on the pages is the confirmed match...
    for (i, face) in found.iter().enumerate() {
        let similarity = face.cosine(confirmed);
        assert!(
            similarity >= review::DEFAULT_THRESHOLD,
            "face {i} found on the pages is not the confirmed match (similarity {similarity})"
        );
    }
    // ...and nobody else comes anywhere near being recognised: 0.3 is half the default alert
    // threshold, and different people score at most 0.24 on the test photos.
    for (d, detection) in case.document.detections.iter().enumerate() {
        if d == case.confirmed {
            continue;
        }
        let similarity = disclosure::best_similarity(&detection.embedding, &found);
        assert!(
            similarity < 0.3,
            "face {d} of the inputs is recognisable on the pages (similarity {similarity})"
        );
    }
}

/// `lineup report` of the labelled case at its threshold, into `out`.
fn report_case(out: &Path, extra: &[&str]) -> Output {
    let f = fixture();
    let case = labelled_case();
    let threshold = case.threshold.to_string();
    lineup(&[
        "report",
        path_str(&case.review),
        "--key",
        path_str(&f.key),
        "--password-file",
        path_str(&f.password_file),
        "--out",
        path_str(out),
        "--threshold",
        &threshold,
    ])
    .args(extra)
    .output()
    .unwrap()
}

/// The PDF's text with every run of white space as one space, so sentences survive line breaks.
fn flat_pdf_text(pdf: &Path) -> String {
    pdf_text(pdf)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn the_faces_shown_are_a_recorded_choice() {
    let case = labelled_case();
    let dir = tempfile::tempdir().unwrap();
    let default = dir.path().join("default");
    let out = report_case(&default, &[]);
    assert!(out.status.success(), "report: {}", text(&out.stderr));
    let ron = std::fs::read_to_string(default.join(RON_FILE)).unwrap();
    assert!(ron.contains("faces_shown: ConfirmedMatchesOnly"), "{ron}");
    assert!(ron.contains("--show-faces confirmed-matches"), "{ron}");
    let words = flat_pdf_text(&default.join(PDF_FILE));
    assert!(
        words.contains(
            "Faces shown: only confirmed matches; everything else in each frame is blurred"
        ),
        "{words}"
    );

    for (option, setting, sentence) in [
        (
            &["--show-faces", "all-alerts"][..],
            "AllAlerts",
            "The reviewer chose to show every face that raised an alert",
        ),
        (
            &["--no-blur"][..],
            "Everything",
            "The reviewer chose to show every face",
        ),
    ] {
        let bundle = dir.path().join(setting);
        let out = report_case(&bundle, option);
        assert!(out.status.success(), "report: {}", text(&out.stderr));
        let report = read_report(&bundle);
        let ron = std::fs::read_to_string(bundle.join(RON_FILE)).unwrap();
        assert!(ron.contains(&format!("faces_shown: {setting}")), "{ron}");
        let slug = if setting == "AllAlerts" {
            "all-alerts"
        } else {
            "everything"
        };
        assert!(
            report
                .reproduce
                .command
                .contains(&format!("--show-faces {slug}")),
            "{}",
            report.reproduce.command
        );
        let words = flat_pdf_text(&bundle.join(PDF_FILE));
        assert!(words.contains(sentence), "{sentence:?} missing:\n{words}");
    }
    // The permissive choice really shows the strangers: the wrongly flagged one is recognised.
    let found = disclosure::faces_on_pages(&dir.path().join("Everything").join(PDF_FILE));
    let wrong = &case.document.detections[case.wrong].embedding;
    let similarity = disclosure::best_similarity(wrong, &found);
    assert!(
        similarity >= review::DEFAULT_THRESHOLD,
        "the wrongly flagged face is not shown (similarity {similarity})"
    );
}

/// One search for the hand-made findings below.
fn search(truth: Option<u32>, score: f32, slice: usize, person: u32) -> lineup::metrics::Search {
    lineup::metrics::Search {
        true_identity: truth.map(lineup::ids::IdentityId),
        top_identity: Some(lineup::ids::IdentityId(truth.unwrap_or(0))),
        top_score: score,
        slice,
        person,
    }
}

/// Exports the fixture review with `findings` and returns page 1 of the PDF as text.
fn page_one_with(findings: &assessment::Findings, out: &Path) -> String {
    let f = fixture();
    let document = review::load(&f.review).unwrap();
    let (secret, signer) = signing::load_secret_key(&f.key, PASSWORD).unwrap();
    let options = BundleOptions {
        out: out.to_path_buf(),
        overwrite: false,
        report: ReportOptions {
            command: "(library test)".into(),
            ..ReportOptions::default()
        },
    };
    assessment::export(
        &document,
        &f.review,
        Some(findings),
        &options,
        &secret,
        &signer,
    )
    .unwrap();
    let page = tool(
        "pdftotext",
        &["-f", "1", "-l", "1", path_str(&out.join(PDF_FILE)), "-"],
        None,
    );
    // One line per paragraph is enough to search phrases that wrap.
    text(&page.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Page 1 of a report from a small-n review makes no claim its intervals contradict: 0 false
/// alerts in 12 non-mated searches is not "none of the alerts would be wrong", 2 of 4 against 0
/// of 1 is not a group headline, and 9 mated searches of 2 people say they are of 2 people.
#[test]
fn page_one_of_a_small_n_report_claims_nothing_its_intervals_contradict() {
    let dir = tempfile::tempdir().unwrap();
    // Group A: 2 of 4 non-mated searches alert; Group B: 0 of 1; plus 7 passers-by in A with no
    // alert (so 0 false alerts would be the pooled point estimate without A's two), and 9 mated
    // searches of 2 people, all found.
    let mut searches = vec![
        search(None, 0.9, 0, 100),
        search(None, 0.9, 0, 101),
        search(None, 0.1, 0, 102),
        search(None, 0.1, 0, 103),
        search(None, 0.1, 1, 104),
    ];
    searches.extend((0..9).map(|i| search(Some(i % 2), 0.95, i as usize % 2, i % 2)));
    let findings = assessment::Findings::new(
        0.6,
        vec!["Group A".into(), "Group B".into()],
        searches,
        assessment::DEFAULT_CROWD_SCENARIOS.to_vec(),
        "hand-made small sample",
    );
    let page = page_one_with(&findings, &dir.path().join("small"));
    for claim in [
        "none of the alerts would be wrong",
        "is flagged most often",
        "as often",
        "times as",
    ] {
        assert!(!page.contains(claim), "page 1 claims {claim:?}:\n{page}");
    }
    assert!(
        page.contains("cannot tell"),
        "no 'cannot tell' on page 1:\n{page}"
    );
    assert!(
        page.contains("9 mated searches (face tracks) of 2 people"),
        "page 1 does not say whose searches they are:\n{page}"
    );
    assert!(page.contains("FNIR (rank 1)"), "{page}");
    assert!(page.contains("against a watchlist of 2"), "{page}");
}

/// A group's own threshold, set in the app, reaches the signed report: the report's numbers are
/// the app's and `lineup metrics`'s, and its table says which threshold each group used.
#[test]
fn per_slice_thresholds_reach_the_signed_report() {
    let mut document = common::labelled::signable_labelled_review();
    let slicing = review::Slicing::by(&["skin"]);
    document.slicing = slicing.clone();
    let own = "Monk 7–10".to_string();
    document.slice_thresholds.insert(own.clone(), 0.75);
    let app = document.evaluate(&slicing, 0.6).unwrap();
    let findings = assessment::labelled_findings(&document, 0.6).expect("labelled");
    let measured = findings.measure();
    let position = app.names.iter().position(|n| *n == own).unwrap();
    assert_eq!(measured.slices[position].metrics.threshold, 0.75);
    for (report, app) in measured.slices.iter().zip(&app.metrics) {
        assert_eq!(&report.metrics, app, "{}", report.name);
    }
    assert_eq!(measured.pooled, app.pooled);

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("own-threshold");
    let page_one = page_one_with(&findings, &out);
    assert!(
        page_one.contains(
            "each group at its own threshold where the reviewer set one (Monk 7–10 at 0.7500"
        ),
        "page 1 does not say the pooled rates use a group's own threshold:\n{page_one}"
    );
    let text = pdf_text(&out.join(PDF_FILE));
    assert!(
        text.contains("Some groups have their own threshold"),
        "{text}"
    );
    let row = text
        .lines()
        .find(|line| line.trim_start().starts_with(&own) && line.contains('%'))
        .unwrap_or_else(|| panic!("no row for {own}:\n{text}"));
    assert!(row.contains("0.7500"), "{row}");
}

/// A real analysis, exported by `lineup report` with the full review, recomputes from the bundle
/// alone (the review included); a bundle whose findings were not computed from its own data (the
/// library's export given hand-made findings) fails, naming the findings.
#[test]
fn lineup_report_bundles_recompute_and_foreign_findings_do_not() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    let out = report_cli(&bundle, &["--include-review"]);
    assert!(out.status.success(), "report: {}", text(&out.stderr));
    assert!(bundle.join(REVIEW_FILE).is_file());
    let report = read_report(&bundle);
    assert!(report.privacy.review_included);
    assert!(
        report.reproduce.command.ends_with(" --include-review"),
        "{}",
        report.reproduce.command
    );
    let key = path_str(&fixture().public_key);
    let out = lineup(&["verify", "--recompute", path_str(&bundle), "--key", key])
        .output()
        .unwrap();
    assert!(out.status.success(), "recompute: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("Recomputed from evidence.ron and review.ron"),
        "{stdout}"
    );
    // The README gives the analysis command with the real inputs' hashes.
    let readme = std::fs::read_to_string(bundle.join(README_FILE)).unwrap();
    let input = &report.data.inputs[0];
    assert!(
        readme.contains(&format!(
            "{}  {}",
            input.sha256.as_deref().unwrap(),
            input.path.display()
        )),
        "{readme}"
    );
    assert!(readme.contains("lineup analyze --footage "), "{readme}");
    // The PDF says how to recompute, and what the bundle leaves out or, here, includes.
    let pdf = flat_pdf_text(&bundle.join(PDF_FILE));
    for words in [
        "lineup verify --recompute BUNDLE --key PUBLISHED.pub",
        "without face embeddings",
        "The reviewer chose to include the full review file",
    ] {
        assert!(pdf.contains(words), "the PDF lacks {words:?}:\n{pdf}");
    }

    let foreign = dir.path().join("foreign");
    export_labelled(&foreign);
    let out = lineup(&["verify", "--recompute", path_str(&foreign), "--key", key])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("do not follow from the signed data")
            && stderr.contains("the findings (every error rate measured from the labels)"),
        "{stderr}"
    );
}
