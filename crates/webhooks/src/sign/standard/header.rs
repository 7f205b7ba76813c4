//! Parser for the `webhook-signature` header: space-separated `version,signature` entries.

/// Most entries accepted in one header; bounds the work an unauthenticated request can cause.
pub const MAX_SIGNATURES: usize = 32;

/// One `version,signature` entry, borrowed from the header value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignatureEntry<'a> {
    /// The version tag, such as `v1` or `v1a`.
    pub version: &'a str,
    /// The encoded signature, not yet decoded.
    pub signature: &'a str,
}

/// A validated `webhook-signature` value; iterate it for its entries.
#[derive(Debug, Clone, Copy)]
pub struct SignatureList<'a> {
    value: &'a str,
    len: usize,
}

impl<'a> SignatureList<'a> {
    /// The entries, in header order.
    pub fn iter(&self) -> impl Iterator<Item = SignatureEntry<'a>> + use<'a> {
        self.value
            .split(' ')
            .filter(|part| !part.is_empty())
            .filter_map(|part| {
                part.split_once(',')
                    .map(|(version, signature)| SignatureEntry { version, signature })
            })
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Always false: parsing rejects a header without entries.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// Parses a `webhook-signature` value.
///
/// Entries are separated by one or more spaces; each is `version,signature` with a non-empty,
/// alphanumeric version and a non-empty signature. Unknown versions are kept (the verifier skips
/// them) so that new versions do not break old receivers. The error says what is wrong.
pub(crate) fn parse_signature_header(value: &str) -> Result<SignatureList<'_>, &'static str> {
    let mut len = 0;
    for part in value.split(' ').filter(|part| !part.is_empty()) {
        let Some((version, signature)) = part.split_once(',') else {
            return Err("entry has no `,` between version and signature");
        };
        if version.is_empty() || !version.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err("entry has an empty or non-alphanumeric version");
        }
        if signature.is_empty() {
            return Err("entry has an empty signature");
        }
        len += 1;
        if len > MAX_SIGNATURES {
            return Err("more than 32 signatures");
        }
    }
    if len == 0 {
        return Err("no signatures");
    }
    Ok(SignatureList { value, len })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_several_entries() {
        let list = parse_signature_header("v1,abc  v1a,def v2,x=y").unwrap();
        let entries: Vec<_> = list.iter().collect();
        assert_eq!(entries.len(), 3);
        assert_eq!(list.len(), 3);
        assert_eq!(
            entries[1],
            SignatureEntry {
                version: "v1a",
                signature: "def"
            }
        );
        assert_eq!(entries[2].signature, "x=y");
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "   ",
            "v1,",
            "v1",
            ",abc",
            "v 1,abc",
            "v1,abc garbage",
            "v-1,abc",
        ] {
            assert!(parse_signature_header(bad).is_err(), "{bad:?}");
        }
        let many = vec!["v1,a"; MAX_SIGNATURES + 1].join(" ");
        assert_eq!(
            parse_signature_header(&many).unwrap_err(),
            "more than 32 signatures"
        );
    }
}
