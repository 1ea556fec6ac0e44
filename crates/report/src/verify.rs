//! Checking a bundle: the signature over the manifest first, then every file against its
//! SHA-256 in the manifest. A failure names the file that differs; files added to or missing
//! from the bundle are reported too.
//!
//! A changed byte in the manifest or in the signature both make the signature fail, and the
//! signature alone cannot say which of the two changed. The manifest can: a changed manifest no
//! longer describes the files (a hash, a name or the layout is off), while a changed signature
//! leaves a manifest that still matches every file. That is how the blame is placed.
//!
//! Who signed can only be proven with a public key from outside the bundle (the one the
//! reviewer published), as minisign and signify require: anyone can change a bundle and sign
//! it again with a key of their own. Without one, the key named in the signature's trusted
//! comment is used, which proves the bundle intact as signed by *some* key; [`Verified`] then
//! says so (`key_from_bundle`), and `lineup verify` exits non-zero.
//!
//! Every file inside the bundle that names the signing key (`signer.pub`, `README.txt`,
//! `assessment.ron`, `assessment.pdf`) must name the key the signature was checked with: a
//! bundle changed and re-signed with another key, whose files still name the reviewer's key,
//! fails naming the file that disagrees.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::bundle::{
    EVIDENCE_FILE, MANIFEST_FILE, PDF_FILE, PUBLIC_KEY_FILE, README_FILE, REVIEW_FILE, RON_FILE,
    SIGNATURE_FILE,
};
use super::evidence::Evidence;
use super::report::Report;
use super::signing::{self, SignatureProblem, SignerKey, SigningError};
use lineup_core::digest::hex;

mod key_mentions;

/// Bundles larger than this are refused: an assessment is a few megabytes, and a zip bomb
/// should not exhaust memory.
const MAX_BUNDLE_BYTES: u64 = 1 << 30;

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("{}: cannot be read: {reason}", path.display())]
    Unreadable { path: PathBuf, reason: String },
    /// The bundle is of a simulated review: lineup's export refuses those, so it was made or
    /// changed without it.
    #[error(
        "{}: not an assessment of a real system: {reason}. lineup never signs a simulated \
         review, nor one lacking what every analysis records; this bundle was made or changed \
         by hand",
        path.display()
    )]
    Simulated { path: PathBuf, reason: String },
    /// The bundle is of an evaluation cancelled before every photo was reached, which
    /// lineup's export refuses.
    #[error(
        "{}: {}; lineup never signs a cancelled evaluation (its set hash names no set), so this \
         bundle was made or changed by hand",
        path.display(),
        lineup_core::review::EVALUATION_CANCELLED
    )]
    EvaluationCancelled { path: PathBuf },
    #[error("{}: not a lineup bundle: {reason}", path.display())]
    NotABundle { path: PathBuf, reason: String },
    #[error("{}: the bundle has no {name}, so it cannot be verified", path.display())]
    MissingFile { path: PathBuf, name: &'static str },
    #[error(transparent)]
    Key(#[from] SigningError),
    /// The verifier's key file lies in a lineup bundle (this one or any other).
    #[error(
        "{}: this key file lies in a lineup bundle ({}), and a bundle's copy of a signing key \
         proves nothing about who signed (whoever changed or forged a bundle would have put \
         their key there): the published key must come from the reviewer, not from a bundle",
        key.display(),
        bundle.display()
    )]
    KeyFromBundle { key: PathBuf, bundle: PathBuf },
    /// A file names another signing key than the one the signature was checked with.
    #[error(
        "{}: names {named}, but the bundle is signed with key ID {signed_by}: the bundle was \
         changed and signed again by another key, or assembled from two bundles",
        path.join(file).display()
    )]
    KeyDisagreement {
        path: PathBuf,
        file: String,
        named: String,
        signed_by: String,
    },
    /// The file named is the one that was changed (or, for a mismatch, the first of them).
    #[error("{}: {reason}{}", path.join(file).display(), also(added, missing))]
    Tampered {
        path: PathBuf,
        file: String,
        reason: String,
        added: Vec<String>,
        missing: Vec<String>,
    },
}

impl VerifyError {
    /// The bundle file named as changed, if the failure is one.
    pub fn tampered_file(&self) -> Option<&str> {
        match self {
            VerifyError::Tampered { file, .. } | VerifyError::KeyDisagreement { file, .. } => {
                Some(file)
            }
            _ => None,
        }
    }
}

fn also(added: &[String], missing: &[String]) -> String {
    let mut text = String::new();
    if !missing.is_empty() {
        text.push_str(&format!(
            "; missing from the bundle: {}",
            missing.join(", ")
        ));
    }
    if !added.is_empty() {
        text.push_str(&format!(
            "; added to the bundle, not in the manifest: {}",
            added.join(", ")
        ));
    }
    text
}

/// A bundle that checks out.
#[derive(Debug, Clone)]
pub struct Verified {
    pub key_id: String,
    pub public_key: String,
    /// True when the key came from the bundle itself rather than from the verifier: then the
    /// result proves integrity, and the key ID must still be compared with the published one.
    pub key_from_bundle: bool,
    pub trusted_comment: String,
    /// Files the manifest lists, all matching.
    pub files: Vec<String>,
    /// When the signed report says it was made, as `YYYY-MM-DDTHH:MM:SSZ`.
    pub generated_at: String,
    /// What the signed report says is still missing (empty for a final report): a reviewer may
    /// have signed drafts too, and any of them verifies.
    pub incomplete: Vec<String>,
    /// The SHA-256 of the review document the report was made from.
    pub review_sha256: String,
}

/// Reads the verifier's public key from `key_file`, refusing the bundle's own copy of it (a
/// file inside the bundle folder at `bundle`, or inside the folder beside a zip `bundle`) and
/// any key file inside another lineup bundle folder (one holding a manifest and its signature).
pub fn trusted_key_file(bundle: &Path, key_file: &Path) -> Result<SignerKey, VerifyError> {
    // A zip's own folder sits beside it (`lineup report` writes BUNDLE and BUNDLE.zip).
    let folder = if bundle.is_file() {
        bundle.with_extension("")
    } else {
        bundle.to_path_buf()
    };
    let key = key_file.canonicalize().ok();
    let inside = match (folder.canonicalize(), &key) {
        (Ok(folder), Some(key)) => (folder.is_dir() && key.starts_with(&folder)).then_some(folder),
        _ => None,
    };
    // A key copied out of one bundle is no published key for another signed by the same key.
    let in_any_bundle = || {
        key.as_deref()?
            .ancestors()
            .skip(1)
            .find(|folder| {
                folder.join(crate::bundle::MANIFEST_FILE).is_file()
                    && folder.join(crate::bundle::SIGNATURE_FILE).is_file()
            })
            .map(Path::to_path_buf)
    };
    if let Some(bundle) = inside.or_else(in_any_bundle) {
        return Err(VerifyError::KeyFromBundle {
            key: key_file.to_path_buf(),
            bundle,
        });
    }
    Ok(signing::load_public_key(key_file)?)
}

/// Checks the bundle at `path` (a folder, or the zip of one), with `trusted_key` if given,
/// else with the key the signature's trusted comment names.
pub fn verify_bundle(
    path: &Path,
    trusted_key: Option<&SignerKey>,
) -> Result<Verified, VerifyError> {
    verify_files(path, &read_bundle(path)?, trusted_key)
}

/// [`verify_bundle`] over a zip already in memory; `path` only names it in errors.
pub fn verify_zip_bytes(
    path: &Path,
    zip: &[u8],
    trusted_key: Option<&SignerKey>,
) -> Result<Verified, VerifyError> {
    let files = read_zip_from(path, zip)?;
    verify_files(path, &files, trusted_key)
}

/// [`verify_bundle`] over a bundle's files already read, by name; `path` only names the bundle
/// in errors.
pub fn verify_files(
    path: &Path,
    files: &BTreeMap<String, Vec<u8>>,
    trusted_key: Option<&SignerKey>,
) -> Result<Verified, VerifyError> {
    let required = |name: &'static str| {
        files.get(name).ok_or_else(|| VerifyError::MissingFile {
            path: path.to_path_buf(),
            name,
        })
    };
    let manifest = required(MANIFEST_FILE)?;
    let signature_bytes = required(SIGNATURE_FILE)?;
    let comparison = parse_manifest(manifest).map(|entries| compare(&entries, files));
    let tampered = |file: &str, reason: String| tampered(path, file, reason, &comparison);
    let malformed_signature = |problem: SignatureProblem| {
        let reason = match problem {
            SignatureProblem::Malformed(reason) => reason,
            other => format!("{other:?}"),
        };
        tampered(
            SIGNATURE_FILE,
            format!("not a valid lineup signature: {reason}"),
        )
    };

    let signature = std::str::from_utf8(signature_bytes)
        .map_err(|_| SignatureProblem::Malformed("it is not text".into()))
        .and_then(signing::parse_signature)
        .map_err(malformed_signature)?;
    let (key, key_from_bundle) = match trusted_key {
        Some(key) => (key.clone(), false),
        None => (
            signing::key_named_in(&signature).map_err(malformed_signature)?,
            true,
        ),
    };
    if let Some(trusted) = trusted_key {
        refuse_a_look_alike_key(trusted, &signature)
            .map_err(|reason| tampered(SIGNATURE_FILE, reason))?;
    }
    let checked = signing::check_signature(&key, manifest, &signature)
        .map_err(|problem| blame_signature_failure(path, problem, &comparison))?;
    let listed = match &comparison {
        Ok(comparison) => match comparison.first_problem() {
            Some((file, reason)) => return Err(tampered(&file, reason)),
            None => comparison.listed.clone(),
        },
        Err(reason) => return Err(tampered(MANIFEST_FILE, format!("signed, but {reason}"))),
    };
    let report = check_key_mentions(path, files, &key)?;
    refuse_a_simulation(path, files)?;
    check_draft_status(&checked.trusted_comment, &report.incomplete)
        .map_err(|reason| tampered(RON_FILE, reason))?;
    Ok(Verified {
        generated_at: report.generated_at,
        incomplete: report.incomplete,
        review_sha256: report.reproduce.review_sha256,
        key_id: key.key_id(),
        public_key: key.base64(),
        key_from_bundle,
        trusted_comment: checked.trusted_comment,
        files: listed,
    })
}

/// A bundle whose evidence (or included review) is of a simulation is refused even when its
/// signature holds: whoever signed it bypassed lineup's export, which refuses simulations.
/// So is one of an evaluation that was cancelled, which the export refuses too. Evidence that
/// cannot be read is left to `verify --recompute`, which names what is wrong.
fn refuse_a_simulation(path: &Path, files: &BTreeMap<String, Vec<u8>>) -> Result<(), VerifyError> {
    let evidence = files
        .get(EVIDENCE_FILE)
        .and_then(|bytes| Evidence::parse(EVIDENCE_FILE, bytes).ok());
    if evidence
        .as_ref()
        .is_some_and(|evidence| evidence.evaluation.is_some() && !evidence.analysis.complete)
    {
        return Err(VerifyError::EvaluationCancelled {
            path: path.to_path_buf(),
        });
    }
    let from_evidence = evidence.and_then(|evidence| evidence.not_signable_because());
    let from_review = || {
        let text = std::str::from_utf8(files.get(REVIEW_FILE)?).ok()?;
        lineup_core::review::parse_with_sidecar(Path::new(REVIEW_FILE), text, |name| {
            bundled(files, name)
        })
        .ok()?
        .not_signable_because()
    };
    match from_evidence.or_else(from_review) {
        Some(reason) => Err(VerifyError::Simulated {
            path: path.to_path_buf(),
            reason,
        }),
        None => Ok(()),
    }
}

/// The bundle's file `name` (an included review's sidecar), as the file system would give it.
pub(crate) fn bundled(files: &BTreeMap<String, Vec<u8>>, name: &str) -> std::io::Result<Vec<u8>> {
    files
        .get(name)
        .cloned()
        .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))
}

/// The signed trusted comment says DRAFT or final (so that minisign alone tells them apart):
/// it must agree with the report's own list of parts still to write.
fn check_draft_status(trusted_comment: &str, incomplete: &[String]) -> Result<(), String> {
    let report_draft = !incomplete.is_empty();
    let status = |draft: bool| if draft { "DRAFT" } else { "final" };
    match signing::comment_says_draft(trusted_comment) {
        Some(comment_draft) if comment_draft == report_draft => Ok(()),
        Some(comment_draft) => Err(format!(
            "its list of parts still to write (incomplete: {}) makes the report {}, but the \
             signed trusted comment says {}",
            incomplete.len(),
            status(report_draft),
            status(comment_draft)
        )),
        None => Err(format!(
            "the signed trusted comment does not say whether the report is a DRAFT or final \
             (it should end with \"{}\" or \"{}\")",
            signing::DRAFT_COMMENT,
            signing::FINAL_COMMENT
        )),
    }
}

/// A key ID is a random label that anyone can give a key of their own: a signature whose trusted
/// comment names a key with the verifier's key ID but other key bytes was made by that other
/// key. Say so, rather than only that the signature does not match.
fn refuse_a_look_alike_key(
    trusted: &SignerKey,
    signature: &minisign::SignatureBox,
) -> Result<(), String> {
    match signing::key_named_in(signature) {
        Ok(named) if named.key_id() == trusted.key_id() && named.base64() != trusted.base64() => {
            Err(format!(
                "signed by a different key that carries the same key ID {} (a key ID can be \
                 copied into any key; the public keys differ: {} is not {})",
                trusted.key_id(),
                named.base64(),
                trusted.base64()
            ))
        }
        _ => Ok(()),
    }
}

/// Checks that every file naming the signing key names `key`, the one the signature verified
/// with, and gives the report read from `assessment.ron` on the way. A lineup bundle names the
/// key in four files; one that names none is a disagreement too.
fn check_key_mentions(
    path: &Path,
    files: &BTreeMap<String, Vec<u8>>,
    key: &SignerKey,
) -> Result<Report, VerifyError> {
    let disagreement = |file: &str, named: String| VerifyError::KeyDisagreement {
        path: path.to_path_buf(),
        file: file.to_owned(),
        named,
        signed_by: key.key_id(),
    };
    let bytes = |file: &str| files.get(file).map(Vec::as_slice).unwrap_or_default();
    let report =
        key_mentions::read_report(bytes(RON_FILE)).map_err(|why| disagreement(RON_FILE, why))?;
    for file in [PUBLIC_KEY_FILE, README_FILE, RON_FILE, PDF_FILE] {
        let named = if file == RON_FILE {
            key_mentions::report_signer(&report)
        } else {
            key_mentions::named_keys(file, bytes(file)).map_err(|why| disagreement(file, why))?
        };
        if named.is_empty() {
            return Err(disagreement(file, "no signing key".to_owned()));
        }
        for mention in named {
            if !mention.matches(key) {
                return Err(disagreement(file, mention.to_string()));
            }
        }
    }
    Ok(report)
}

fn tampered(
    path: &Path,
    file: &str,
    reason: String,
    comparison: &Result<Comparison, String>,
) -> VerifyError {
    let (added, missing) = match comparison {
        Ok(c) => (c.added.clone(), c.missing.clone()),
        Err(_) => (Vec::new(), Vec::new()),
    };
    VerifyError::Tampered {
        path: path.to_path_buf(),
        file: file.to_owned(),
        reason,
        added,
        missing,
    }
}

/// The signature is well formed but does not verify: decide which of the manifest and the
/// signature changed.
fn blame_signature_failure(
    path: &Path,
    problem: SignatureProblem,
    comparison: &Result<Comparison, String>,
) -> VerifyError {
    let why = match &problem {
        SignatureProblem::OtherKey {
            signed_by,
            expected,
        } => format!("signed with key {signed_by}, not with key {expected}"),
        _ => "the signature does not match the manifest".to_owned(),
    };
    let manifest_problem = match comparison {
        Err(reason) => Some(reason.clone()),
        Ok(c) => c
            .first_problem()
            .map(|(file, reason)| format!("{file}: {reason}")),
    };
    match manifest_problem {
        // The manifest no longer describes the files: it is what changed.
        Some(reason) => tampered(
            path,
            MANIFEST_FILE,
            format!("changed since signing: {why}, and {reason}"),
            comparison,
        ),
        // The manifest still matches every file, so the signature is what changed (or the
        // bundle was signed by somebody else).
        None => tampered(path, SIGNATURE_FILE, why, comparison),
    }
}

/// What the manifest says against what the bundle holds.
#[derive(Debug, Clone, Default)]
struct Comparison {
    /// Files the manifest lists, in its order.
    listed: Vec<String>,
    /// Listed files whose hash differs: (name, reason).
    changed: Vec<(String, String)>,
    missing: Vec<String>,
    added: Vec<String>,
}

impl Comparison {
    /// The first changed file, else the first missing, else the first added.
    fn first_problem(&self) -> Option<(String, String)> {
        if let Some((file, reason)) = self.changed.first() {
            return Some((file.clone(), reason.clone()));
        }
        if let Some(file) = self.missing.first() {
            return Some((
                file.clone(),
                "listed in the manifest but missing".to_owned(),
            ));
        }
        self.added
            .first()
            .map(|file| (file.clone(), "not listed in the signed manifest".to_owned()))
    }
}

fn compare(entries: &[(String, String)], files: &BTreeMap<String, Vec<u8>>) -> Comparison {
    let mut comparison = Comparison::default();
    for (expected, name) in entries {
        comparison.listed.push(name.clone());
        match files.get(name) {
            None => comparison.missing.push(name.clone()),
            Some(bytes) => {
                let actual = hex(&Sha256::digest(bytes));
                if &actual != expected {
                    comparison.changed.push((
                        name.clone(),
                        format!("its SHA-256 is {actual}, but the manifest says {expected}"),
                    ));
                }
            }
        }
    }
    comparison.added = files
        .keys()
        .filter(|name| {
            *name != MANIFEST_FILE
                && *name != SIGNATURE_FILE
                && !entries.iter().any(|(_, listed)| listed == *name)
        })
        .cloned()
        .collect();
    comparison
}

/// Parses a manifest exactly as lineup writes it: `<64 lower-case hex>  <name>\n` per file,
/// names plain, unique and in ascending order. Anything else means it was not written so.
fn parse_manifest(bytes: &[u8]) -> Result<Vec<(String, String)>, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "the manifest is not text".to_owned())?;
    if !text.ends_with('\n') {
        return Err("the manifest does not end with a line break".into());
    }
    let mut entries: Vec<(String, String)> = Vec::new();
    for (number, line) in text[..text.len() - 1].split('\n').enumerate() {
        let malformed = |what: &str| format!("manifest line {} {what}", number + 1);
        let (hash, name) = line
            .split_once("  ")
            .ok_or_else(|| malformed("is not \"<SHA-256>  <file>\""))?;
        if hash.len() != 64
            || !hash
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(malformed("does not start with a SHA-256 in lower-case hex"));
        }
        if !is_plain_file_name(name) {
            return Err(malformed("does not name a plain file of the bundle"));
        }
        if let Some((_, previous)) = entries.last()
            && previous.as_str() >= name
        {
            return Err(malformed("is out of order or repeats a file"));
        }
        entries.push((hash.to_owned(), name.to_owned()));
    }
    Ok(entries)
}

fn is_plain_file_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && name != MANIFEST_FILE
        && name != SIGNATURE_FILE
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// The bundle's files by name: a folder's regular files, or a zip's entries (inside the one
/// folder they share, if they do).
pub fn read_bundle(path: &Path) -> Result<BTreeMap<String, Vec<u8>>, VerifyError> {
    let unreadable = |e: std::io::Error| VerifyError::Unreadable {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    let metadata = std::fs::metadata(path).map_err(unreadable)?;
    if metadata.is_dir() {
        read_folder(path)
    } else {
        read_zip(path)
    }
}

fn read_folder(path: &Path) -> Result<BTreeMap<String, Vec<u8>>, VerifyError> {
    let mut files = BTreeMap::new();
    let entries = std::fs::read_dir(path).map_err(|e| VerifyError::Unreadable {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    for entry in entries {
        let entry = entry.map_err(|e| VerifyError::Unreadable {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let file_path = entry.path();
        let file_type = entry.file_type().map_err(|e| VerifyError::Unreadable {
            path: file_path.clone(),
            reason: e.to_string(),
        })?;
        if !file_type.is_file() {
            // Folders and links are never part of a bundle: list them as added.
            files.insert(format!("{name} (not a plain file)"), Vec::new());
            continue;
        }
        let bytes = read_limited(std::fs::File::open(&file_path), &file_path)?;
        files.insert(name, bytes);
    }
    Ok(files)
}

fn read_limited(file: std::io::Result<impl Read>, path: &Path) -> Result<Vec<u8>, VerifyError> {
    let unreadable = |e: std::io::Error| VerifyError::Unreadable {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    let mut bytes = Vec::new();
    file.map_err(unreadable)?
        .take(MAX_BUNDLE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_BUNDLE_BYTES {
        return Err(VerifyError::NotABundle {
            path: path.to_path_buf(),
            reason: "a file in it is larger than 1 GiB".into(),
        });
    }
    Ok(bytes)
}

fn read_zip(path: &Path) -> Result<BTreeMap<String, Vec<u8>>, VerifyError> {
    let bytes = read_limited(std::fs::File::open(path), path)?;
    read_zip_from(path, &bytes)
}

/// The entries of the zip in `zip`; `path` names it in errors.
fn read_zip_from(path: &Path, zip: &[u8]) -> Result<BTreeMap<String, Vec<u8>>, VerifyError> {
    let not_a_bundle = |reason: String| VerifyError::NotABundle {
        path: path.to_path_buf(),
        reason,
    };
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip))
        .map_err(|e| not_a_bundle(format!("it is neither a folder nor a readable zip ({e})")))?;
    // Every tool must read the same bytes as lineup: nothing before the zip (a file can be a PDF
    // and a zip at once), no two entries of one name (the zip crate keeps one, `unzip -n` the
    // other), and local headers that agree with the central directory and sit in it (streaming
    // readers such as bsdtar go by the local headers).
    if archive.offset() != 0 {
        return Err(not_a_bundle(format!(
            "{} bytes of something else come before the zip, so the file may open as another \
             document",
            archive.offset()
        )));
    }
    if archive.has_duplicate_names() {
        return Err(not_a_bundle(
            "two of its entries share a name, so what it holds depends on the tool that unzips \
             it"
            .into(),
        ));
    }
    archive.validate_header_consistency().map_err(|e| {
        not_a_bundle(format!(
            "its entries' local headers and its central directory disagree, so other unzip \
             tools can read other bytes than lineup ({e})"
        ))
    })?;
    // What a reader sees besides the files: lineup writes no comment and no folder entry.
    if !archive.comment().is_empty() {
        return Err(not_a_bundle(format!(
            "the zip carries a comment (\"{}\"), which no lineup bundle has",
            String::from_utf8_lossy(archive.comment())
        )));
    }
    let mut entries = Vec::new();
    let mut folders = Vec::new();
    let mut total = 0u64;
    for index in 0..archive.len() {
        let mut entry = archive
            .by_index(index)
            .map_err(|e| not_a_bundle(format!("zip entry {index} cannot be read: {e}")))?;
        let name = entry
            .name()
            .map_err(|e| not_a_bundle(format!("zip entry {index} has no readable name: {e}")))?
            .into_owned();
        if entry.is_dir() {
            folders.push(name);
            continue;
        }
        total = total.saturating_add(entry.size());
        if total > MAX_BUNDLE_BYTES {
            return Err(not_a_bundle("its contents are larger than 1 GiB".into()));
        }
        let mut bytes = Vec::new();
        (&mut entry)
            .take(MAX_BUNDLE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| not_a_bundle(format!("{name} cannot be unzipped: {e}")))?;
        entries.push((name, bytes));
    }
    let shared = common_folder(&entries);
    let mut files = strip_common_folder(entries);
    // A folder entry is never part of a bundle: listed as added, like a folder in a folder; only
    // the one folder every file sits in (as `zip -r` writes it) is left out.
    for folder in folders.into_iter().filter(|f| Some(f) != shared.as_ref()) {
        files.insert(format!("{folder} (a folder)"), Vec::new());
    }
    Ok(files)
}

/// The folder every zip entry sits in (`bundle/`), if they share one.
fn common_folder(entries: &[(String, Vec<u8>)]) -> Option<String> {
    let folder = entries
        .first()
        .and_then(|(name, _)| name.split_once('/'))
        .map(|(folder, _)| format!("{folder}/"))?;
    entries
        .iter()
        .all(|(name, _)| name.starts_with(folder.as_str()))
        .then_some(folder)
}

/// Zip entries named `bundle/x` become `x` when they all sit in the same folder.
fn strip_common_folder(entries: Vec<(String, Vec<u8>)>) -> BTreeMap<String, Vec<u8>> {
    let shared = common_folder(&entries);
    entries
        .into_iter()
        .map(|(name, bytes)| match &shared {
            Some(folder) => (name[folder.len()..].to_owned(), bytes),
            None => (name, bytes),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A real bundle's manifest and signature whose last line (the signature of the trusted
    /// comment) was cut to 55 bytes: minisign panicked on it (fuzz/README.md, verify_bundle,
    /// crash-b50ef985d8635ffd8e0e3c1eb944f9dc200f5d53).
    #[test]
    fn a_short_trusted_comment_signature_is_refused_not_a_panic() {
        let crash =
            include_bytes!("../../../fuzz/regressions/verify_bundle/short_global_signature");
        let mut parts = crash[1..].split(|&b| b == 0);
        let files = BTreeMap::from([
            (MANIFEST_FILE.to_owned(), parts.next().unwrap().to_vec()),
            (SIGNATURE_FILE.to_owned(), parts.next().unwrap().to_vec()),
        ]);
        let err = verify_files(Path::new("bundle"), &files, None).unwrap_err();
        assert_eq!(err.tampered_file(), Some(SIGNATURE_FILE), "{err}");
        assert!(
            err.to_string()
                .contains("its last line is not a 64-byte signature"),
            "{err}"
        );
    }

    const HASH: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn manifests_must_be_exactly_as_lineup_writes_them() {
        let good = format!("{HASH}  a.pdf\n{HASH}  b.ron\n");
        assert_eq!(parse_manifest(good.as_bytes()).unwrap().len(), 2);
        for bad in [
            format!("{HASH}  a.pdf"),
            format!("{HASH} a.pdf\n"),
            format!("{}  a.pdf\n", HASH.to_uppercase()),
            format!("{HASH}  b.ron\n{HASH}  a.pdf\n"),
            format!("{HASH}  a.pdf\n{HASH}  a.pdf\n"),
            format!("{HASH}  ../etc/passwd\n"),
            format!("{HASH}  manifest\n"),
            format!("{}  a.pdf\n", &HASH[1..]),
        ] {
            assert!(parse_manifest(bad.as_bytes()).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn comparison_finds_changed_missing_and_added_files() {
        let entries = vec![
            (HASH.to_owned(), "empty".to_owned()),
            (HASH.to_owned(), "gone".to_owned()),
        ];
        let mut files = BTreeMap::new();
        files.insert("empty".to_owned(), b"not empty".to_vec());
        files.insert("extra".to_owned(), Vec::new());
        files.insert(MANIFEST_FILE.to_owned(), Vec::new());
        let comparison = compare(&entries, &files);
        assert_eq!(comparison.changed[0].0, "empty");
        assert_eq!(comparison.missing, ["gone"]);
        assert_eq!(comparison.added, ["extra"]);
        assert_eq!(comparison.first_problem().unwrap().0, "empty");
    }

    #[test]
    fn zip_entries_lose_their_shared_folder_only() {
        let shared = strip_common_folder(vec![("b/x".into(), vec![]), ("b/y".into(), vec![])]);
        assert!(shared.contains_key("x") && shared.contains_key("y"));
        let mixed = strip_common_folder(vec![("b/x".into(), vec![]), ("y".into(), vec![])]);
        assert!(mixed.contains_key("b/x") && mixed.contains_key("y"));
    }

    #[test]
    fn an_unreadable_bundle_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nothing");
        let err = verify_bundle(&missing, None).unwrap_err();
        assert!(matches!(err, VerifyError::Unreadable { .. }), "{err}");
        assert!(err.to_string().contains("nothing"), "{err}");
        let text = dir.path().join("notes.txt");
        std::fs::write(&text, "hello").unwrap();
        let err = verify_bundle(&text, None).unwrap_err();
        assert!(matches!(err, VerifyError::NotABundle { .. }), "{err}");
        let err = verify_bundle(dir.path(), None).unwrap_err();
        assert!(
            matches!(
                err,
                VerifyError::MissingFile {
                    name: MANIFEST_FILE,
                    ..
                }
            ),
            "{err}"
        );
    }
}
