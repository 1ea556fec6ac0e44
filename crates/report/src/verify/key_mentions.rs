//! Where a bundle's files name the key that signed them, read back for verification: the
//! public key in `signer.pub`, the key ID in `README.txt`, the signer in `assessment.ron`, and
//! the key ID printed in `assessment.pdf`.

use std::fmt;

use super::super::bundle::{PDF_FILE, PUBLIC_KEY_FILE, README_FILE};
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

/// Every key `file` (`signer.pub`, `README.txt` or the PDF) names; an error says why it cannot
/// be read for them. `assessment.ron` is read once, by [`read_report`] and [`report_signer`].
pub(super) fn named_keys(file: &str, bytes: &[u8]) -> Result<Vec<Mention>, String> {
    match file {
        PUBLIC_KEY_FILE => public_key_file(bytes),
        README_FILE => readme_text(bytes).map(keys_in_text),
        PDF_FILE => pdf_text(bytes).map(|text| keys_in_text(&text)),
        _ => Ok(Vec::new()),
    }
}

/// README.txt as lineup writes it: printable ASCII and line breaks only, so that look-alike
/// letters (a Cyrillic "А" for "A") or terminal escapes cannot show a reader another key than
/// the one read here.
fn readme_text(bytes: &[u8]) -> Result<&str, String> {
    if bytes
        .iter()
        .any(|&b| !(b == b'\n' || (b' '..=b'~').contains(&b)))
    {
        return Err(
            "characters lineup never writes there (control codes or non-ASCII letters, \
                    which can show a reader other text than is read)"
                .into(),
        );
    }
    std::str::from_utf8(bytes).map_err(|_| "a README that is not text".to_owned())
}

fn public_key_file(bytes: &[u8]) -> Result<Vec<Mention>, String> {
    let text =
        std::str::from_utf8(bytes).map_err(|_| "a public key that is not text".to_owned())?;
    let key =
        signing::parse_public_key(text).map_err(|e| format!("no readable public key ({e})"))?;
    Ok(vec![Mention::PublicKey(key.base64())])
}

/// `assessment.ron` read as a lineup report, or why it cannot be.
pub(super) fn read_report(bytes: &[u8]) -> Result<Report, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "a report that is not text".to_owned())?;
    ron::from_str(text).map_err(|e| format!("no readable lineup report ({e})"))
}

/// The key a report names as its signer: its key ID and whole public key.
pub(super) fn report_signer(report: &Report) -> Vec<Mention> {
    report
        .signer
        .as_ref()
        .map(|signer| {
            vec![
                Mention::KeyId(signer.key_id.clone()),
                Mention::PublicKey(signer.public_key.clone()),
            ]
        })
        .unwrap_or_default()
}

/// The key IDs and whole public keys a text names.
fn keys_in_text(text: &str) -> Vec<Mention> {
    let mut mentions = key_ids_in_text(text);
    mentions.extend(public_keys_in_text(text));
    mentions
}

/// Every minisign public key written out whole in `text` (its 56-character base64 line).
fn public_keys_in_text(text: &str) -> Vec<Mention> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '+' || c == '/' || c == '='))
        .filter(|word| word.len() == 56 && word.starts_with("RW"))
        .filter_map(|word| signing::parse_public_key_base64(word).ok())
        .map(|key| Mention::PublicKey(key.base64()))
        .collect()
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

/// The text of every page of a PDF, in content order, provided the text read back is the text a
/// viewer shows. lineup's reports draw text straight on their pages, so a PDF that draws any
/// through a form XObject (which text extraction skips), hides text (render mode 3), or adds
/// annotations (drawn by viewers, skipped by extraction) is refused rather than read.
pub(crate) fn pdf_text(bytes: &[u8]) -> Result<String, String> {
    let document =
        lopdf::Document::load_mem(bytes).map_err(|e| format!("no readable PDF ({e})"))?;
    check_text_is_what_is_shown(&document)?;
    let pages: Vec<u32> = document.get_pages().keys().copied().collect();
    document
        .extract_text(&pages)
        .map_err(|e| format!("a PDF whose text cannot be read ({e})"))
}

fn check_text_is_what_is_shown(document: &lopdf::Document) -> Result<(), String> {
    // lineup writes each PDF once: a later revision (an incremental update) can paint over it.
    if document.trailer.has(b"Prev") {
        return Err("a PDF changed by an incremental update, as lineup never writes".into());
    }
    for object in document.objects.values() {
        let dictionary = match object {
            lopdf::Object::Stream(stream) => &stream.dict,
            lopdf::Object::Dictionary(dictionary) => dictionary,
            _ => continue,
        };
        if dictionary
            .get(b"Subtype")
            .and_then(lopdf::Object::as_name)
            .is_ok_and(|name| name == b"Form")
        {
            return Err("a PDF that draws through a form XObject, as lineup never does".into());
        }
        if dictionary.has(b"Annots") {
            return Err("a PDF with annotations, which lineup never writes".into());
        }
        if dictionary.has(b"OCProperties") {
            return Err("a PDF with optional content (layers a viewer may hide)".into());
        }
    }
    for page in document.get_pages().values() {
        let content = document
            .get_and_decode_page_content(*page)
            .map_err(|e| format!("a PDF whose page cannot be read ({e})"))?;
        // Render modes 3 (invisible) and 7 (clip only) draw nothing a reader sees.
        let hides_text = content.operations.iter().any(|op| {
            op.operator == "Tr"
                && op
                    .operands
                    .first()
                    .and_then(|o| o.as_float().ok())
                    .is_some_and(|mode| mode == 3.0 || mode == 7.0)
        });
        if hides_text {
            return Err("a PDF with invisible text, as lineup never writes".into());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_readme_with_look_alike_letters_or_escapes_is_refused() {
        assert!(named_keys(README_FILE, b"key whose ID is 0123456789ABCDEF.\n").is_ok());
        for bad in [
            "key whose ID is 0123456789\u{410}BCDEF.\n",
            "key whose ID is 0123456789ABCDEF\r\x1b[2K.\n",
        ] {
            assert!(named_keys(README_FILE, bad.as_bytes()).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn whole_public_keys_are_found_in_text() {
        let key = "RWSxaoEhuxLGQ5Wwe0BCZDK94bA+GFan0iYgleGbmuN0wE3QLlcU6K1p";
        let text = format!("Public key  {key}\nnot a key: RWSxaoEhux");
        assert_eq!(public_keys_in_text(&text), [Mention::PublicKey(key.into())]);
    }

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

    /// A one-page PDF drawing `content`, with `extra` added to its page dictionary and, when
    /// `form`, a form XObject among its objects.
    fn pdf(content: &str, extra: Option<(&str, lopdf::Object)>, form: bool) -> Vec<u8> {
        use lopdf::{Document, Object, Stream, dictionary};
        let mut doc = Document::with_version("1.7");
        let pages_id = doc.new_object_id();
        let font = doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
        });
        let contents = doc.add_object(Stream::new(dictionary! {}, content.as_bytes().to_vec()));
        let mut page = dictionary! {
            "Type" => "Page", "Parent" => pages_id, "Contents" => contents,
            "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } },
        };
        if let Some((key, value)) = extra {
            page.set(key, value);
        }
        let page_id = doc.add_object(page);
        if form {
            doc.add_object(Stream::new(
                dictionary! { "Type" => "XObject", "Subtype" => "Form" },
                b"BT /F1 9 Tf (Signing key ID 0123456789ABCDEF) Tj ET".to_vec(),
            ));
        }
        doc.objects.insert(
            pages_id,
            Object::Dictionary(dictionary! {
                "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1,
            }),
        );
        let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        doc.trailer.set("Root", catalog);
        let mut bytes = Vec::new();
        doc.save_to(&mut bytes).unwrap();
        bytes
    }

    #[test]
    fn a_pdf_whose_shown_text_may_differ_from_its_read_text_is_refused() {
        let plain = "BT /F1 9 Tf 10 10 Td (key ID 0123456789ABCDEF) Tj ET";
        assert_eq!(
            named_keys(PDF_FILE, &pdf(plain, None, false)).unwrap(),
            [Mention::KeyId("0123456789ABCDEF".into())]
        );
        let hidden = "BT /F1 9 Tf 3 Tr 10 10 Td (key ID 0123456789ABCDEF) Tj ET";
        let clipped = "BT /F1 9 Tf 7.0 Tr 10 10 Td (key ID 0123456789ABCDEF) Tj ET";
        for (bytes, why) in [
            (pdf(hidden, None, false), "invisible"),
            (pdf(clipped, None, false), "invisible"),
            (pdf(plain, None, true), "form XObject"),
            (
                pdf(plain, Some(("Annots", lopdf::Object::Array(vec![]))), false),
                "annotations",
            ),
        ] {
            let error = named_keys(PDF_FILE, &bytes).unwrap_err();
            assert!(error.contains(why), "{error}");
        }
    }
}
