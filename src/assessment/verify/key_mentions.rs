//! Where a bundle's files name the key that signed them, read back for verification: the
//! public key in `signer.pub`, the key ID in `README.txt`, the signer in `assessment.ron`, and
//! the key ID printed in `assessment.pdf`.

use std::fmt;

use super::super::bundle::{PDF_FILE, PUBLIC_KEY_FILE, README_FILE, RON_FILE};
use super::super::report::Report;
use super::super::signing::{self, SignerKey};

/// One naming of a key inside the bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Mention {
    /// minisign's key ID, 16 upper-case hex digits.
    KeyId(String),
    /// The whole public key, base64 as minisign prints it.
    PublicKey(String),
}

impl Mention {
    /// Whether this names `key`.
    pub(super) fn matches(&self, key: &SignerKey) -> bool {
        match self {
            Mention::KeyId(id) => *id == key.key_id(),
            Mention::PublicKey(base64) => *base64 == key.base64(),
        }
    }
}

impl fmt::Display for Mention {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mention::KeyId(id) => write!(f, "key ID {id}"),
            Mention::PublicKey(base64) => match signing::parse_public_key_base64(base64) {
                Ok(key) => write!(f, "public key {base64} (key ID {})", key.key_id()),
                Err(_) => write!(f, "public key {base64}"),
            },
        }
    }
}

/// Every key `file` (one of the bundle's files, by name) names; an error says why it cannot
/// be read for them. Files that name no key give an empty list.
pub(super) fn named_keys(file: &str, bytes: &[u8]) -> Result<Vec<Mention>, String> {
    match file {
        PUBLIC_KEY_FILE => public_key_file(bytes),
        README_FILE => Ok(key_ids_in_text(&String::from_utf8_lossy(bytes))),
        RON_FILE => report_signer(bytes),
        PDF_FILE => pdf_text(bytes).map(|text| key_ids_in_text(&text)),
        _ => Ok(Vec::new()),
    }
}

fn public_key_file(bytes: &[u8]) -> Result<Vec<Mention>, String> {
    let text =
        std::str::from_utf8(bytes).map_err(|_| "a public key that is not text".to_owned())?;
    let key =
        signing::parse_public_key(text).map_err(|e| format!("no readable public key ({e})"))?;
    Ok(vec![Mention::PublicKey(key.base64())])
}

fn report_signer(bytes: &[u8]) -> Result<Vec<Mention>, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "a report that is not text".to_owned())?;
    let report: Report =
        ron::from_str(text).map_err(|e| format!("no readable lineup report ({e})"))?;
    Ok(report
        .signer
        .map(|signer| {
            vec![
                Mention::KeyId(signer.key_id),
                Mention::PublicKey(signer.public_key),
            ]
        })
        .unwrap_or_default())
}

/// The key IDs a text names: the first 16-digit upper-case hex word within two words after
/// "ID is" or "key ID" (so "key ID (minisign) X" counts), as lineup writes them.
fn key_ids_in_text(text: &str) -> Vec<Mention> {
    let words: Vec<&str> = text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let introduces_id = |pair: &[&str]| {
        (pair[0] == "ID" && pair[1] == "is")
            || (pair[0].eq_ignore_ascii_case("key") && pair[1] == "ID")
    };
    (0..words.len().saturating_sub(2))
        .filter(|&i| introduces_id(&words[i..i + 2]))
        .filter_map(|i| words[i + 2..].iter().take(2).find(|w| is_key_id(w)))
        .map(|w| Mention::KeyId((*w).to_owned()))
        .collect()
}

fn is_key_id(word: &str) -> bool {
    word.len() == 16
        && word
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b))
}

/// The text of every page of a PDF, in content order.
fn pdf_text(bytes: &[u8]) -> Result<String, String> {
    let document =
        lopdf::Document::load_mem(bytes).map_err(|e| format!("no readable PDF ({e})"))?;
    let pages: Vec<u32> = document.get_pages().keys().copied().collect();
    document
        .extract_text(&pages)
        .map_err(|e| format!("a PDF whose text cannot be read ({e})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ids_are_found_where_lineup_writes_them() {
        let text = "Signed with the key whose ID is 0123456789ABCDEF. Check that this ID \
                    (and the key in signer.pub) ... Signing key ID (minisign) FEDCBA9876543210 \
                    sha 0123456789abcdef not an ID is 12345";
        assert_eq!(
            key_ids_in_text(text),
            [
                Mention::KeyId("0123456789ABCDEF".into()),
                Mention::KeyId("FEDCBA9876543210".into())
            ]
        );
    }
}
