//! Tells text from binary and decodes text (UTF-8, UTF-16 with a byte-order mark).

/// What the bytes read turned out to be.
#[derive(Debug, PartialEq)]
pub(super) enum Decoded {
    /// Text, with the encoding it was read as.
    Text {
        text: String,
        encoding: &'static str,
    },
    /// Binary content, with a type name when one is recognised (`image/png`).
    Binary { mime: Option<&'static str> },
}

/// Decodes `bytes`, the first part of a file; `cut` says the file goes on after them, so an
/// incomplete character at the end is dropped instead of being called invalid.
pub(super) fn decode(bytes: &[u8], cut: bool) -> Decoded {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return utf8(rest, cut).unwrap_or(Decoded::Binary { mime: None });
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(rest, u16::from_le_bytes, "utf-16le");
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(rest, u16::from_be_bytes, "utf-16be");
    }
    if let Some(kind) = infer::get(bytes) {
        // Text-like formats that `infer` also names (e.g. XML, shell scripts) stay text.
        if kind.matcher_type() != infer::MatcherType::Text {
            return Decoded::Binary {
                mime: Some(kind.mime_type()),
            };
        }
    }
    // A NUL byte in the first 8 KiB is the usual binary heuristic (git, grep).
    if bytes.iter().take(8192).any(|b| *b == 0) {
        return Decoded::Binary { mime: None };
    }
    utf8(bytes, cut).unwrap_or(Decoded::Binary { mime: None })
}

fn utf8(bytes: &[u8], cut: bool) -> Option<Decoded> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Some(Decoded::Text {
            text: s.to_owned(),
            encoding: "utf-8",
        }),
        // An incomplete sequence at the very end of a truncated read is not an error.
        Err(e) if cut && e.error_len().is_none() => {
            let valid = &bytes[..e.valid_up_to()];
            Some(Decoded::Text {
                text: String::from_utf8_lossy(valid).into_owned(),
                encoding: "utf-8",
            })
        }
        Err(_) => None,
    }
}

fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16, encoding: &'static str) -> Decoded {
    let units = bytes.chunks_exact(2).map(|c| unit([c[0], c[1]]));
    let text: String = char::decode_utf16(units)
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect();
    Decoded::Text { text, encoding }
}
