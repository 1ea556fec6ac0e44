//! The signed bundle: a folder (and a `.zip` of it beside) holding
//!
//! * `assessment.pdf`: the report for a committee,
//! * `assessment.ron`: every number and setting,
//! * `evidence.ron`: what the numbers are computed from, so that they can be recomputed from the
//!   bundle alone ([`crate::evidence`]),
//! * `review.ron`: the full review file, only when the reviewer chooses to include it,
//! * `signer.pub`: the public key, for `minisign -p` (compare its ID with the published one),
//! * `README.txt`: how to check the bundle without lineup,
//! * `manifest`: the SHA-256 of each of those files, in `sha256sum` format,
//! * `manifest.minisig`: a minisign signature of the manifest.
//!
//! The folder is written under a temporary name beside the target and renamed into place, so a
//! reader never sees half a bundle.

use std::collections::BTreeMap;
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use minisign::SecretKey;
use sha2::{Digest, Sha256};

use super::dates::{self, UtcTime};
use super::editable;
use super::evidence::Evidence;
pub(crate) use super::evidence::shell_quote;
use super::findings::Findings;
use super::pdf::{self, PdfError};
use super::report::{FaceDisclosure, Report, ReportOptions, Signer, build_report};
use super::signing::set_mode;
use super::signing::{self, SignerKey, SigningError};
use super::stills;
use lineup_core::digest::{hex, sha256_file};
use lineup_core::review::{
    EvaluationProtocol, ReviewDocument, read_with_sidecar, save_failure, write_atomically,
};

pub const PDF_FILE: &str = "assessment.pdf";
pub const RON_FILE: &str = "assessment.ron";
/// The assessment as editable Markdown, for a council's own template (see [`editable`]).
pub const EDITABLE_FILE: &str = "assessment.md";
pub const EVIDENCE_FILE: &str = "evidence.ron";
/// The pictures the PDF shows ([`stills::Pictures`]), so that the PDF can be drawn again.
pub const PICTURES_FILE: &str = "pictures.ron";
/// The full review file, in the bundle only when the reviewer chooses (`--include-review`).
pub const REVIEW_FILE: &str = "review.ron";
pub const PUBLIC_KEY_FILE: &str = "signer.pub";
pub const README_FILE: &str = "README.txt";
pub const MANIFEST_FILE: &str = "manifest";
pub const SIGNATURE_FILE: &str = "manifest.minisig";

#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("{}: cannot be read: {reason}", path.display())]
    ReviewUnreadable { path: PathBuf, reason: String },
    #[error(
        "{}: already exists; pass --force to replace it (only a lineup bundle is replaced)",
        path.display()
    )]
    Exists { path: PathBuf },
    #[error(
        "{}: exists and is not a lineup bundle (a manifest, its signature and the files it \
         lists, nothing else); lineup will not replace it",
        path.display()
    )]
    NotABundle { path: PathBuf },
    #[error("{}: cannot be written: {reason}", path.display())]
    Unwritable { path: PathBuf, reason: String },
    /// The review is a simulation (or lacks a trace every real analysis leaves): lineup never
    /// signs one as an assessment of a real system.
    #[error(
        "this review cannot be exported as a signed assessment: {reason}. lineup signs only the \
         review of an analysis (a simulated review is for training only and describes no real \
         system); analyse real footage to assess one"
    )]
    Simulated { reason: String },
    /// An evaluation cancelled before every photo was reached: its set hash names no set and
    /// its counts are not the protocol's.
    #[error(
        "this review cannot be exported as a signed assessment: {}",
        lineup_core::review::EVALUATION_CANCELLED
    )]
    EvaluationCancelled,
    #[error(transparent)]
    Pdf(#[from] PdfError),
    #[error(transparent)]
    Signing(#[from] SigningError),
}

/// Where and how to export.
#[derive(Debug, Clone)]
pub struct BundleOptions {
    /// The bundle folder; the zip goes beside it as `<folder>.zip`.
    pub out: PathBuf,
    /// Replace an existing bundle (and its zip).
    pub overwrite: bool,
    pub report: ReportOptions,
}

/// What was written.
#[derive(Debug, Clone)]
pub struct ExportedBundle {
    pub folder: PathBuf,
    pub zip: PathBuf,
    pub report: Report,
    /// The files of the bundle by name, as written.
    pub files: BTreeMap<String, Vec<u8>>,
}

/// A signed export as the reviewer asks for it, from the command line or the app: the one
/// description [`export_signed`] turns into a bundle, so both give the same bundle and the same
/// reproducing command.
#[derive(Debug, Clone)]
pub struct SignedExport<'a> {
    pub document: &'a ReviewDocument,
    /// The saved review file the bundle records the SHA-256 of.
    pub review_path: &'a Path,
    /// The secret key file and its password.
    pub key: &'a Path,
    pub password: &'a str,
    /// The bundle folder; the zip goes beside it.
    pub out: &'a Path,
    /// Replace an existing bundle.
    pub overwrite: bool,
    /// The threshold alerts are counted at (default: the review's).
    pub threshold: Option<f32>,
    pub face_disclosure: FaceDisclosure,
    pub include_watchlist_photos: bool,
    /// Put the full review file in the bundle (embeddings, boxes, passers-by's names).
    pub include_review: bool,
}

/// What the reproducing command says in place of the secret key's path.
pub const KEY_PLACEHOLDER: &str = "YOUR-KEY";

impl SignedExport<'_> {
    /// The threshold the report states.
    pub fn threshold(&self) -> f32 {
        self.threshold.unwrap_or(self.document.settings.threshold)
    }

    /// The `lineup report` command that gives the same numbers, every option that affects them
    /// spelled out and every path quoted for a POSIX shell.
    pub(crate) fn reproducing_command(&self) -> String {
        let path = |path: &Path| shell_quote(&path.display().to_string());
        let mut words = vec![
            "lineup".to_owned(),
            "report".to_owned(),
            path(self.review_path),
            // The secret key's path is the signer's own business: the command names a
            // placeholder for it.
            "--key".to_owned(),
            KEY_PLACEHOLDER.to_owned(),
            "--out".to_owned(),
            path(self.out),
            "--threshold".to_owned(),
            // On the recognizer's own scale, as `lineup report --threshold` reads it.
            self.document.shown_threshold(self.threshold()).to_string(),
            // Always spelled out, so the command shows the same faces whatever a later default is.
            "--show-faces".to_owned(),
            self.face_disclosure.slug().to_owned(),
        ];
        if self.include_watchlist_photos {
            words.push("--include-watchlist-photos".to_owned());
        }
        if self.include_review {
            words.push("--include-review".to_owned());
        }
        words.join(" ")
    }
}

/// Loads the secret key, measures the labelled findings at the export's threshold and writes
/// the signed bundle: the one export path of the command line and the app.
pub fn export_signed(request: &SignedExport) -> Result<ExportedBundle, BundleError> {
    // Before the key is read: nobody should type a password for a refusal.
    refuse_simulation(request.document)?;
    let (secret, signer) = signing::load_secret_key(request.key, request.password)?;
    let threshold = request.threshold();
    let findings = crate::labelled_findings(request.document, threshold);
    let options = BundleOptions {
        out: request.out.to_path_buf(),
        overwrite: request.overwrite,
        report: ReportOptions {
            threshold: Some(threshold),
            face_disclosure: request.face_disclosure,
            include_watchlist_photos: request.include_watchlist_photos,
            include_review: request.include_review,
            command: request.reproducing_command(),
        },
    };
    export(
        request.document,
        request.review_path,
        findings.as_ref(),
        &options,
        &secret,
        &signer,
    )
}

/// Refuses a review that is a simulation, or lacks any trace a real analysis leaves
/// (`ReviewDocument::not_signable_because`), or an evaluation that was cancelled before every
/// photo was reached: lineup never signs one as an assessment.
pub fn refuse_simulation(document: &ReviewDocument) -> Result<(), BundleError> {
    let not_signable = document
        .not_signable_because()
        .or_else(|| document.other_candidates_not_from_their_embeddings());
    match not_signable {
        Some(reason) => Err(BundleError::Simulated { reason }),
        None if document.evaluation_protocol.is_some() && !document.complete => {
            Err(BundleError::EvaluationCancelled)
        }
        None => Ok(()),
    }
}

/// The zip written beside a bundle folder: `BUNDLE.zip`.
pub fn zip_path(folder: &Path) -> PathBuf {
    let mut name = folder.as_os_str().to_owned();
    name.push(".zip");
    PathBuf::from(name)
}

/// Builds the report, draws the PDF, signs the manifest and writes the bundle and its zip.
pub fn export(
    document: &ReviewDocument,
    review_path: &Path,
    findings: Option<&Findings>,
    options: &BundleOptions,
    secret: &SecretKey,
    signer: &SignerKey,
) -> Result<ExportedBundle, BundleError> {
    // Checked here too, below `export_signed`, so that no caller can sign a simulation.
    refuse_simulation(document)?;
    check_target(&options.out, options.overwrite)?;
    let unreadable = |e: std::io::Error| BundleError::ReviewUnreadable {
        path: review_path.to_path_buf(),
        reason: e.to_string(),
    };
    // An included review is hashed from the very bytes put in the bundle; its sidecar (checked
    // against the length and SHA-256 the review names) goes in beside it under its own name.
    let (review_digest, review_bytes) = if options.report.include_review {
        let (bytes, sidecar) =
            read_with_sidecar(review_path).map_err(|e| BundleError::ReviewUnreadable {
                path: review_path.to_path_buf(),
                reason: e.to_string(),
            })?;
        (hex(&Sha256::digest(&bytes)), Some((bytes, sidecar)))
    } else {
        (sha256_file(review_path).map_err(unreadable)?.sha256, None)
    };
    let mut report = build_report(
        document,
        findings,
        &options.report,
        review_path.to_path_buf(),
        review_digest,
    );
    report.signer = Some(Signer {
        key_id: signer.key_id(),
        public_key: signer.base64(),
    });
    let pictures = stills::prepare(
        document,
        report.system.threshold,
        options.report.face_disclosure,
        options.report.include_watchlist_photos,
    );
    let mut files = BTreeMap::new();
    files.insert(PDF_FILE.to_owned(), pdf::render(&report, &pictures)?);
    files.insert(PICTURES_FILE.to_owned(), pictures.to_ron().into_bytes());
    files.insert(RON_FILE.to_owned(), report.to_ron().into_bytes());
    files.insert(
        EDITABLE_FILE.to_owned(),
        editable::markdown(&report).into_bytes(),
    );
    let evidence = Evidence::of(document, report.system.threshold);
    files.insert(EVIDENCE_FILE.to_owned(), evidence.to_ron().into_bytes());
    let mut sidecar_name = None;
    if let Some((bytes, sidecar)) = review_bytes {
        files.insert(REVIEW_FILE.to_owned(), bytes);
        if let Some(sidecar) = sidecar {
            files.insert(sidecar.name.clone(), sidecar.bytes);
            sidecar_name = Some(sidecar.name);
        }
    }
    files.insert(PUBLIC_KEY_FILE.to_owned(), signer.file_text().into_bytes());
    let included = options.report.include_review;
    files.insert(
        README_FILE.to_owned(),
        readme(
            signer,
            &evidence,
            included.then_some(sidecar_name.as_deref()),
            &report.incomplete,
        )
        .into_bytes(),
    );
    let manifest = manifest_text(&files);
    // The signed comment says DRAFT or final too, so that minisign alone tells them apart.
    let draft = !report.incomplete.is_empty();
    let trusted_comment = signing::trusted_comment(dates::unix_now(), MANIFEST_FILE, signer, draft);
    let signature = signing::sign(secret, signer, manifest.as_bytes(), &trusted_comment)?;
    files.insert(MANIFEST_FILE.to_owned(), manifest.into_bytes());
    files.insert(SIGNATURE_FILE.to_owned(), signature.into_bytes());

    write_folder(&options.out, &files, options.overwrite)?;
    let zip = zip_path(&options.out);
    let zip_bytes = zip_bundle(&options.out, &files)?;
    write_atomically(&zip, &zip_bytes)
        .and_then(|()| set_mode(&zip, 0o644))
        .map_err(|e| BundleError::Unwritable {
            path: zip.clone(),
            reason: save_failure(&e),
        })?;
    Ok(ExportedBundle {
        folder: options.out.clone(),
        zip,
        report,
        files,
    })
}

/// One `sha256sum` line per file, sorted by name: `sha256sum -c manifest` checks it.
pub fn manifest_text(files: &BTreeMap<String, Vec<u8>>) -> String {
    files
        .iter()
        .map(|(name, bytes)| format!("{}  {name}\n", hex(&Sha256::digest(bytes))))
        .collect()
}

/// The commands that check a bundle by hand, run in its folder with bash: the signature with
/// the reviewer's published key (never the `signer.pub` inside: whoever changes a bundle can
/// sign it again with their own key and put that key there), every listed file's hash, and
/// that the folder holds exactly the listed files, so that an added file is caught too
/// (`sha256sum -c` alone checks only what the manifest lists), and that each is a plain file (a
/// link could point at the genuine file while checked and at another later).
pub const CHECK_BY_HAND: [&str; 4] = [
    "minisign -Vm manifest -p PUBLISHED-KEY.pub",
    "sha256sum --strict -c manifest",
    "diff <( (cut -c67- manifest; echo manifest; echo manifest.minisig) | LC_ALL=C sort) \
     <(LC_ALL=C ls -A) && echo 'no file added or missing'",
    "test -z \"$(find . -mindepth 1 ! -type f | tee /dev/stderr)\" && echo 'only plain files'",
];

/// The bundle's README: what is in it and the two things a reader can do with it, check that
/// it was not changed (minisign alone) and recompute its numbers (lineup), and how to run the
/// analysis again on the original footage. Printable ASCII only, as the verifier demands.
/// `review_included`: None when the review is not in the bundle, Some(its sidecar's name, if
/// it has one) when it is.
fn readme(
    signer: &SignerKey,
    evidence: &Evidence,
    review_included: Option<Option<&str>>,
    incomplete: &[String],
) -> String {
    let commands: String = CHECK_BY_HAND
        .iter()
        .map(|command| format!("    {command}\n"))
        .collect();
    let review_line = match review_included {
        Some(sidecar) => {
            let sidecar_line = sidecar.map_or_else(String::new, |name| {
                format!(
                    "{name}\n                 its sidecar: every face's box, landmarks and\n\
                     \x20                embedding (a NumPy .npz, see docs/review-format.md)\n"
                )
            });
            format!(
                "{REVIEW_FILE}      the full review file, included at the reviewer's choice\n\
                 {sidecar_line}"
            )
        }
        None => String::new(),
    };
    let privacy = if review_included.is_some() {
        format!(
            "The reviewer chose to include the full review file too, {REVIEW_FILE}: it holds\n\
             (with its sidecar) every face's embedding (a biometric template) and box, every\n\
             track, and the names the reviewer gave people; --recompute recomputes from it\n\
             as well.\n"
        )
    } else {
        format!(
            "The full review file is not included (the reviewer can include it): it holds\n\
             every face's embedding, a biometric template, and the names the reviewer gave\n\
             people. Without it, {EVIDENCE_FILE} still gives every number of the report.\n"
        )
    };
    format!(
        "lineup impact assessment bundle\n\
         ===============================\n\
         \n\
         {status}\n\
         \n\
         {PDF_FILE}  the assessment, for reading\n\
         {RON_FILE}  every number and setting in it\n\
         {EDITABLE_FILE}   the assessment as editable Markdown, for a council's template\n\
         {EVIDENCE_FILE}    what every number is computed from\n\
         {PICTURES_FILE}    the pictures in the PDF, as it shows them (blurred alike)\n\
         {review_line}\
         {PUBLIC_KEY_FILE}      the public key of whoever signed it\n\
         {MANIFEST_FILE}        the SHA-256 of each file above\n\
         {SIGNATURE_FILE} the minisign signature of the manifest\n\
         \n\
         There are two things you can do with this bundle:\n\
         \n\
         1. Check that it was not changed since it was signed, with minisign alone.\n\
         2. Recompute its numbers from the data in it, with lineup.\n\
         \n\
         \n\
         1. Check that it was not changed\n\
         --------------------------------\n\
         \n\
         Signed with the key whose ID is {id}; the whole public key is\n\
         \n\
         \x20   {public_key}\n\
         \n\
         Compare the whole key with the one the reviewer published: a key ID alone\n\
         proves nothing, since anyone can give a key of their own any ID.\n\
         \n\
         Who signed is proven only by the public key the reviewer published, never by\n\
         {PUBLIC_KEY_FILE} alone: anyone who changes a bundle can sign it again with a key of\n\
         their own and put that key here. Get the reviewer's public key from where they\n\
         published it (as PUBLISHED-KEY.pub), then, in this folder, with bash:\n\
         \n\
         {commands}\
         \n\
         The first checks the signature, the second every file's SHA-256, the third that\n\
         the folder holds exactly the files the manifest lists (an added file fails it),\n\
         the fourth that each of them is a plain file, not a link or a folder.\n\
         \n\
         The first line of {SIGNATURE_FILE} (\"untrusted comment: ...\") is not covered by\n\
         the signature: ignore whatever it says. minisign prints the signed \"Trusted\n\
         comment\" line, which names the time of signing, the signing key, and whether\n\
         the assessment is a DRAFT or final; lineup verify checks that it agrees with\n\
         {RON_FILE}.\n\
         \n\
         Or, with lineup: lineup verify THIS-FOLDER --key PUBLISHED-KEY.pub\n\
         \n\
         \n\
         2. Recompute its numbers\n\
         ------------------------\n\
         \n\
         A signature proves who signed, not that the numbers follow from the data.\n\
         {EVIDENCE_FILE} holds what every number of the report is computed from: every face\n\
         found (where, and its best watchlist match with its score), every track the\n\
         reviewer labelled (its label, its perceived attributes, and which tracks are of\n\
         the same person), the other tracks' faces (unlabelled, no attributes), how the\n\
         groups are formed, each group's threshold, the alert rule, the tracking and\n\
         detector settings (as recorded: the tracks are the review's, taken on trust,\n\
         not derived from these settings), the watchlist's names and photo hashes, the\n\
         crowd the false alerts a day are counted for, the models and their SHA-256, and\n\
         the lineup that wrote it (as it claims). With lineup, no secret key and no\n\
         review file needed:\n\
         \n\
         \x20   lineup verify --recompute THIS-FOLDER --key PUBLISHED-KEY.pub\n\
         \n\
         checks the bundle as in 1., then recomputes every figure of the report from\n\
         {EVIDENCE_FILE} and fails naming each figure that differs; it also checks that\n\
         {EDITABLE_FILE} is exactly what the recomputed figures give, and that {PDF_FILE}\n\
         is byte for byte the PDF lineup draws from the recomputed report and the\n\
         pictures in {PICTURES_FILE} (anything painted over or added to it fails).\n\
         \n\
         The match scores in {EVIDENCE_FILE} are the analysis's own: without the face\n\
         embeddings they come from, they are checked only by running the analysis again\n\
         (below). With the full review included, --recompute checks every match score\n\
         against the embeddings in {REVIEW_FILE} only: the embeddings themselves are not\n\
         verified (whoever changes a score can change its embedding to fit), so only\n\
         running the analysis again on the footage (--against, below) ties the scores\n\
         to the footage.\n\
         \n\
         {EVIDENCE_FILE} holds every face found, with its input, frame, best watchlist\n\
         match and score; the tracks labelled on or off the watchlist, with their labels\n\
         and perceived attributes; and the other tracks (unlabelled, or marked not a\n\
         face) with their faces only. For privacy it leaves out face embeddings, face\n\
         boxes and pixels, and the names the reviewer gave people not on the watchlist\n\
         (they are \"person 1\", \"person 2\", ...: the numbers only need to know which\n\
         tracks are of the same person). The report shows the faces it shows, no more;\n\
         {PICTURES_FILE} holds the same pictures as the PDF, blurred as the PDF shows them.\n\
         {privacy}\
         \n\
         This bundle claims to be written by {written_by}.\n\
         \n\
         \n\
         Running the analysis again on the original footage\n\
         --------------------------------------------------\n\
         \n\
         {analysis}",
        status = readme_status(incomplete),
        id = signer.key_id(),
        public_key = signer.base64(),
        written_by = ascii(&evidence.written_by.to_string()),
        analysis = readme_analysis(evidence),
    )
}

/// The README's first statement: whether the assessment is a DRAFT (and how many of its parts
/// are still to write) or final.
fn readme_status(incomplete: &[String]) -> String {
    match incomplete.len() {
        0 => "This is the FINAL assessment: no part of it is still to write.".to_owned(),
        n => format!(
            "This is a DRAFT, not a final assessment: {n} {} still to write\n\
             (listed under \"incomplete\" in {RON_FILE}).",
            if n == 1 { "part is" } else { "parts are" }
        ),
    }
}

/// How the faces in the evidence were found, and the command and input hashes to find them
/// again.
fn readme_analysis(evidence: &Evidence) -> String {
    let analysis = &evidence.analysis;
    let models: String = analysis
        .models
        .iter()
        .map(|model| {
            // The line break stays outside `ascii`, which would escape it as `\u{a}`.
            let line = format!(
                "{} {} ({}), SHA-256 {}",
                model.name, model.version, model.file, model.sha256
            );
            format!("    {}\n", ascii(&line))
        })
        .collect();
    let models = if models.is_empty() {
        "    (none recorded)\n".to_owned()
    } else {
        models
    };
    let inputs: String = analysis
        .inputs
        .iter()
        .map(|input| {
            let hash = input
                .sha256
                .as_deref()
                .unwrap_or("(not recorded: unreadable)");
            format!("    {hash}  {}\n", ascii(&input.path.display().to_string()))
        })
        .collect();
    let evaluation = evidence
        .evaluation
        .as_ref()
        .map(readme_evaluation)
        .unwrap_or_default();
    format!(
        "{evaluation}The faces were found by lineup {version} with these models:\n\
         \n\
         {models}\
         \n\
         To run that analysis again, with the same footage at the same paths and the\n\
         watchlist photos in {watchlist}:\n\
         \n\
         \x20   {command}\n\
         \n\
         {threshold}\
         The footage, by SHA-256 (check yours with: sha256sum FILE):\n\
         \n\
         {inputs}\
         \n\
         The watchlist photos, by SHA-256:\n\
         \n\
         {photos}\
         \n\
         The review it writes should list the same faces and matches as {EVIDENCE_FILE};\n\
         to compare each face (input, frame, best identity, score) and which faces form each track:\n\
         \n\
         \x20   lineup verify --recompute THIS-FOLDER --key PUBLISHED-KEY.pub --against RERUN-REVIEW.ron\n\
         \n\
         Non-ASCII characters above are written as \\u{{...}} escapes.\n",
        version = ascii(&analysis.analysed_with),
        watchlist = ascii(&analysis.watchlist_root.display().to_string()),
        command = ascii(&analysis.command),
        threshold = readme_threshold(evidence),
        photos = readme_photos(evidence),
    )
}

/// The threshold the report counts at, on the recognizer's own scale as `lineup report
/// --threshold` reads it: where it is not the analysis's, the `lineup report` option that
/// gives the report's numbers from the re-run's review.
fn readme_threshold(evidence: &Evidence) -> String {
    let own_scale = |threshold: f32| {
        evidence
            .document()
            .map_or(threshold, |document| document.shown_threshold(threshold))
    };
    let report = own_scale(evidence.threshold);
    let analysis = own_scale(evidence.analysis.settings.threshold);
    if evidence.threshold == evidence.analysis.settings.threshold {
        return format!("The report counts at the analysis's threshold, {report}.\n\n");
    }
    format!(
        "The report counts at threshold {report}, not the analysis's {analysis}: to make its\n\
         numbers from the re-run's review, run\n\
         \n\
         \x20   lineup report RERUN-REVIEW.ron --threshold {report} --key {KEY_PLACEHOLDER} --out NEW-BUNDLE\n\
         \n"
    )
}

/// Where the searches of a review made from an evaluation set come from: the set by the
/// SHA-256 of its manifest, and the protocol by its seed and parameters.
fn readme_evaluation(protocol: &EvaluationProtocol) -> String {
    format!(
        "The searches come from the evaluation set {set}: {people} people, {photos} photos \
         ({augmented} of them augmented copies of another photo). The set is named by the \
         SHA-256 of its manifest, one sha256sum line per photo (HASH, two spaces, \
         person/photo) in natural name order:\n\
         \n\
         \x20   {hash}\n\
         \n\
         lineup's 1:N protocol ran on it with seed {seed} and enrol share {share}: a \
         SplitMix64-driven shuffle chose {chosen} people to enrol, {enrolled} of them with a \
         usable photo; each enrolled person's other photos are the {mated} mated searches, \
         every photo of the others the {non_mated} non-mated searches; {skipped} photos were \
         skipped, each named with why in {EVIDENCE_FILE}.\n\
         \n",
        set = ascii(&protocol.set.display().to_string()),
        people = protocol.people,
        photos = protocol.photos,
        augmented = protocol.augmented,
        hash = protocol.set_sha256,
        seed = protocol.seed,
        share = protocol.enrol_share,
        chosen = protocol.chosen,
        enrolled = protocol.enrolled,
        mated = protocol.mated_searches,
        non_mated = protocol.non_mated_searches,
        skipped = protocol.skipped.len(),
    )
}

/// The watchlist's enrolment photos by SHA-256, as `sha256sum` prints them, photo paths
/// relative to the watchlist folder.
fn readme_photos(evidence: &Evidence) -> String {
    let lines: String = evidence
        .watchlist_photos
        .iter()
        .flatten()
        .map(|photo| {
            format!(
                "    {}  {}\n",
                ascii(&photo.sha256),
                ascii(&photo.path.display().to_string())
            )
        })
        .collect();
    if lines.is_empty() {
        "    (none recorded)\n".to_owned()
    } else {
        lines
    }
}

/// `text` in printable ASCII: anything else escaped as `\u{...}`, as README.txt must be.
fn ascii(text: &str) -> String {
    text.chars()
        .map(|c| {
            if (' '..='~').contains(&c) {
                c.to_string()
            } else {
                c.escape_unicode().to_string()
            }
        })
        .collect()
}

/// Refuses to write over anything but a lineup bundle, and over that only when asked.
fn check_target(out: &Path, overwrite: bool) -> Result<(), BundleError> {
    for (path, is_bundle) in [
        (out.to_path_buf(), is_bundle_folder(out)),
        (zip_path(out), is_bundle_zip(&zip_path(out))),
    ] {
        if !path.exists() {
            continue;
        }
        if !is_bundle {
            return Err(BundleError::NotABundle { path });
        }
        if !overwrite {
            return Err(BundleError::Exists { path });
        }
    }
    Ok(())
}

/// Whether `folder` holds exactly a lineup bundle: a manifest, its signature and the plain files
/// the manifest lists, nothing else (so `--force` never deletes anything but a bundle).
fn is_bundle_folder(folder: &Path) -> bool {
    let Ok(manifest) = std::fs::read_to_string(folder.join(MANIFEST_FILE)) else {
        return false;
    };
    let listed: Vec<&str> = manifest
        .lines()
        .filter_map(|line| line.split_once("  ").map(|(_, name)| name))
        .collect();
    let Ok(entries) = std::fs::read_dir(folder) else {
        return false;
    };
    entries.into_iter().all(|entry| {
        entry.is_ok_and(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            entry.file_type().is_ok_and(|t| t.is_file())
                && (name == MANIFEST_FILE || name == SIGNATURE_FILE || listed.contains(&&*name))
        })
    })
}

/// Whether `zip` is a zip of a lineup bundle (its entries include a manifest and its signature).
fn is_bundle_zip(zip: &Path) -> bool {
    let Ok(file) = std::fs::File::open(zip) else {
        return false;
    };
    let Ok(archive) = zip::ZipArchive::new(file) else {
        return false;
    };
    let names: Vec<String> = archive
        .file_names()
        .filter_map(|name| name.ok().map(|n| n.into_owned()))
        .collect();
    [MANIFEST_FILE, SIGNATURE_FILE].iter().all(|wanted| {
        names
            .iter()
            .any(|name| name.rsplit('/').next() == Some(*wanted))
    })
}

fn write_folder(
    out: &Path,
    files: &BTreeMap<String, Vec<u8>>,
    overwrite: bool,
) -> Result<(), BundleError> {
    let unwritable = |path: &Path| {
        let path = path.to_path_buf();
        move |e: std::io::Error| BundleError::Unwritable {
            path,
            reason: save_failure(&e),
        }
    };
    let parent = match out.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let staging = tempfile::Builder::new()
        .prefix(".lineup-bundle-")
        .tempdir_in(parent)
        .map_err(unwritable(out))?;
    for (name, bytes) in files {
        let path = staging.path().join(name);
        let mut file = std::fs::File::create(&path).map_err(unwritable(&path))?;
        file.write_all(bytes).map_err(unwritable(&path))?;
        file.sync_all().map_err(unwritable(&path))?;
    }
    // An old bundle (check_target made sure it is one) is moved aside, not deleted, until the
    // new one is in place: a failure in between leaves one or the other, never neither.
    let replaced = if overwrite && out.exists() {
        let aside = tempfile::Builder::new()
            .prefix(".lineup-replaced-")
            .tempdir_in(parent)
            .map_err(unwritable(out))?;
        std::fs::rename(out, aside.path().join("old")).map_err(unwritable(out))?;
        Some(aside)
    } else {
        None
    };
    let staged = staging.keep();
    if let Err(e) = std::fs::rename(&staged, out) {
        let _ = std::fs::remove_dir_all(&staged);
        if let Some(aside) = &replaced {
            let _ = std::fs::rename(aside.path().join("old"), out);
        }
        return Err(unwritable(out)(e));
    }
    // Dropping the aside folder deletes the old bundle.
    drop(replaced);
    // A temporary folder is private (0700); the bundle is meant to be handed on.
    set_mode(out, 0o755).map_err(unwritable(out))?;
    Ok(())
}

/// The bundle's files in a zip, inside a folder named like the bundle.
fn zip_bundle(out: &Path, files: &BTreeMap<String, Vec<u8>>) -> Result<Vec<u8>, BundleError> {
    let zip = zip_path(out);
    let failed = |e: zip::result::ZipError| BundleError::Unwritable {
        path: zip.clone(),
        reason: e.to_string(),
    };
    let folder = out
        .file_name()
        .map_or_else(|| "bundle".to_owned(), |n| n.to_string_lossy().into_owned());
    let time = zip_time(&UtcTime::now());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(time)
        .unix_permissions(0o644);
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in files {
        writer
            .start_file(format!("{folder}/{name}"), options)
            .map_err(failed)?;
        writer
            .write_all(bytes)
            .map_err(|e| BundleError::Unwritable {
                path: zip.clone(),
                reason: e.to_string(),
            })?;
    }
    Ok(writer.finish().map_err(failed)?.into_inner())
}

fn zip_time(now: &UtcTime) -> zip::DateTime {
    let year = u16::try_from(now.year).unwrap_or(1980);
    zip::DateTime::from_date_and_time(year, now.month, now.day, now.hour, now.minute, now.second)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_lines_are_sha256sum_lines_in_name_order() {
        let mut files = BTreeMap::new();
        files.insert("b.txt".to_owned(), b"abc".to_vec());
        files.insert("a.txt".to_owned(), Vec::new());
        assert_eq!(
            manifest_text(&files),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  a.txt\n\
             ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  b.txt\n"
        );
    }

    #[test]
    fn shell_quoting_leaves_plain_words_and_quotes_the_rest() {
        assert_eq!(shell_quote("review.ron"), "review.ron");
        assert_eq!(shell_quote("my review.ron"), "'my review.ron'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn the_zip_sits_beside_the_folder() {
        assert_eq!(
            zip_path(Path::new("out/bundle")),
            PathBuf::from("out/bundle.zip")
        );
    }

    #[test]
    fn the_readme_is_printable_ascii_whatever_the_paths_and_says_what_to_do() {
        use lineup_core::review::{AnalysisSettings, InputRecord, InputStatus};
        use lineup_core::watchlist::Watchlist;
        let settings = AnalysisSettings {
            threshold: 0.6,
            top_k: 5,
            vision: lineup_core::vision::VisionConfig::default(),
            sampling: Default::default(),
        };
        let input = InputRecord {
            path: "Gare du Nord/caf\u{e9} \u{2013} 1.mp4".into(),
            digest: None,
            dimensions: None,
            status: InputStatus::Analysed,
            media: None,
            frames_analysed: 0,
            stopped_early: None,
        };
        let watchlist = Watchlist {
            root: "liste".into(),
            identities: Vec::new(),
        };
        let document = ReviewDocument::new(settings, Vec::new(), vec![input], watchlist);
        let pair = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
        let signer = SignerKey {
            public_key: pair.pk,
        };
        let sidecar = "review.ron.faces-0123456789abcdef.npz";
        for (included, with) in [
            (false, None),
            (true, Some(None)),
            (true, Some(Some(sidecar))),
        ] {
            let text = readme(&signer, &Evidence::of(&document, 0.6), with, &[]);
            assert_eq!(
                text.contains(sidecar),
                with == Some(Some(sidecar)),
                "{text}"
            );
            assert!(
                text.bytes()
                    .all(|b| b == b'\n' || (b' '..=b'~').contains(&b)),
                "{text}"
            );
            assert!(text.contains("caf\\u{e9} \\u{2013} 1.mp4"), "{text}");
            assert!(text.contains("2. Recompute its numbers"), "{text}");
            let listed = format!("{REVIEW_FILE}      the full review file");
            assert_eq!(text.contains(&listed), included, "{text}");
        }
    }

    #[test]
    fn the_readme_lists_each_model_on_its_own_line() {
        let mut document = ReviewDocument::new(
            lineup_core::review::AnalysisSettings {
                threshold: 0.6,
                top_k: 5,
                vision: lineup_core::vision::VisionConfig::default(),
                sampling: Default::default(),
            },
            Vec::new(),
            Vec::new(),
            lineup_core::watchlist::Watchlist {
                root: "w".into(),
                identities: Vec::new(),
            },
        );
        document.models = lineup_core::vision::runtime::manifest();
        let text = readme_analysis(&Evidence::of(&document, 0.6));
        assert!(!text.contains("\\u{a}"), "{text}");
        let model = &document.models[0];
        assert!(text.contains(&format!("{}\n", model.sha256)), "{text}");
    }

    /// Opposing expert P, finding 10: a report made at another threshold than the review's
    /// (`lineup report --threshold 0.3`) says so where the README tells how to run the
    /// analysis again, with the `lineup report` option that gives its numbers.
    #[test]
    fn the_readme_gives_the_threshold_the_report_was_made_at() {
        let document = ReviewDocument::new(
            lineup_core::review::AnalysisSettings {
                threshold: 0.6,
                top_k: 5,
                vision: lineup_core::vision::VisionConfig::default(),
                sampling: Default::default(),
            },
            lineup_core::vision::runtime::manifest(),
            Vec::new(),
            lineup_core::watchlist::Watchlist {
                root: "w".into(),
                identities: Vec::new(),
            },
        );
        let at_its_own = readme_analysis(&Evidence::of(&document, 0.6));
        assert!(
            at_its_own.contains("The report counts at the analysis's threshold, 0.6."),
            "{at_its_own}"
        );
        let lower = readme_analysis(&Evidence::of(&document, 0.3));
        assert!(
            lower.contains("The report counts at threshold 0.3, not the analysis's 0.6")
                && lower.contains("lineup report RERUN-REVIEW.ron --threshold 0.3"),
            "{lower}"
        );
    }

    #[test]
    fn only_lineup_bundles_are_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let other = dir.path().join("photos");
        std::fs::create_dir(&other).unwrap();
        assert!(matches!(
            check_target(&other, true),
            Err(BundleError::NotABundle { .. })
        ));
        std::fs::write(other.join(MANIFEST_FILE), "").unwrap();
        assert!(matches!(
            check_target(&other, false),
            Err(BundleError::Exists { .. })
        ));
        assert!(check_target(&other, true).is_ok());
        assert!(check_target(&dir.path().join("new"), false).is_ok());
        // A folder holding a file named manifest and other things is not a bundle, even with
        // --force (the opposing expert's Documents/ folder lost a thesis to that).
        std::fs::write(other.join("thesis.docx"), "years of work").unwrap();
        assert!(matches!(
            check_target(&other, true),
            Err(BundleError::NotABundle { .. })
        ));
        // Nor is a zip beside it that is not a bundle's: holiday.zip is never overwritten.
        let holiday = dir.path().join("holiday");
        std::fs::write(zip_path(&holiday), "precious").unwrap();
        for overwrite in [false, true] {
            assert!(matches!(
                check_target(&holiday, overwrite),
                Err(BundleError::NotABundle { .. })
            ));
        }
    }
}
