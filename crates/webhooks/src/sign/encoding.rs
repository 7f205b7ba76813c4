//! Hex and base64 codecs shared by the signing schemes: strict for signatures, tolerant for secrets.

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// Standard alphabet, padding written on encode and required on decode, canonical trailing bits.
///
/// Used for signatures: a truncated or altered signature must not decode.
pub(crate) const BASE64_STRICT: GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Standard alphabet that accepts input with or without padding.
///
/// Used for secrets and keys pasted from dashboards and config files.
pub(crate) const BASE64_TOLERANT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Decodes a strict base64 signature into exactly `N` bytes.
///
/// Returns `None` when the text is not canonical padded base64 or decodes to another length.
pub(crate) fn decode_base64_exact<const N: usize>(text: &str) -> Option<[u8; N]> {
    // Canonical padded base64 of N bytes has exactly this length; checking first also keeps
    // `decode_slice` from writing past the buffer.
    if text.len() != N.div_ceil(3) * 4 {
        return None;
    }
    let mut out = [0u8; N];
    match BASE64_STRICT.decode_slice(text.as_bytes(), &mut out) {
        Ok(n) if n == N => Some(out),
        _ => None,
    }
}

/// Appends the padded base64 form of `bytes` to `out`.
///
/// Signatures (32 and 64 bytes) are encoded into a buffer on the stack and appended in one copy;
/// `encode_string` would go through base64's chunked encoder, which zeroes a 1 KiB buffer per
/// call. Longer input takes that general path.
pub(crate) fn encode_base64_into(bytes: &[u8], out: &mut String) {
    let mut buf = [0u8; STACK_ENCODE_LEN];
    if let Ok(len) = BASE64_STRICT.encode_slice(bytes, &mut buf)
        && let Ok(text) = std::str::from_utf8(&buf[..len])
    {
        out.push_str(text);
        return;
    }
    BASE64_STRICT.encode_string(bytes, out);
}

/// Padded base64 length of a 64-byte Ed25519 signature, the longest value encoded on the stack.
const STACK_ENCODE_LEN: usize = 88;

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Appends the lowercase hex form of `bytes` to `out`.
pub(crate) fn encode_hex_into(bytes: &[u8], out: &mut String) {
    out.reserve(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(HEX_DIGITS[usize::from(b >> 4)]));
        out.push(char::from(HEX_DIGITS[usize::from(b & 0x0f)]));
    }
}

/// Returns the lowercase hex form of `bytes`.
pub(crate) fn encode_hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    encode_hex_into(bytes, &mut out);
    out
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Decodes hex (either case) into exactly `N` bytes; `None` on a bad digit or another length.
pub(crate) fn decode_hex_exact<const N: usize>(text: &str) -> Option<[u8; N]> {
    let bytes = text.as_bytes();
    if bytes.len() != N * 2 {
        return None;
    }
    let mut out = [0u8; N];
    for (slot, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
        *slot = (hex_value(pair[0])? << 4) | hex_value(pair[1])?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_case() {
        let bytes = [0x00, 0x7f, 0xab, 0xff];
        assert_eq!(encode_hex(&bytes), "007fabff");
        assert_eq!(decode_hex_exact::<4>("007FABff"), Some(bytes));
        assert_eq!(decode_hex_exact::<4>("007fabf"), None);
        assert_eq!(decode_hex_exact::<4>("007fabfg"), None);
    }

    #[test]
    fn strict_base64_rejects_unpadded_and_noncanonical() {
        let mut s = String::new();
        encode_base64_into(&[1u8; 32], &mut s);
        assert_eq!(decode_base64_exact::<32>(&s), Some([1u8; 32]));
        assert_eq!(decode_base64_exact::<32>(s.trim_end_matches('=')), None);
        // Flip the unused low bits of the last data character.
        let mut noncanonical = s.clone().into_bytes();
        noncanonical[42] = b'F';
        let noncanonical = String::from_utf8(noncanonical).unwrap();
        assert_ne!(noncanonical, s);
        assert_eq!(decode_base64_exact::<32>(&noncanonical), None);
    }

    #[test]
    fn stack_and_general_encoding_agree() {
        for len in [0usize, 1, 2, 3, 32, 64, 65, 66, 100, 2000] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 % 256) as u8).collect();
            let mut stacked = String::from("v1,");
            encode_base64_into(&bytes, &mut stacked);
            assert_eq!(
                stacked,
                format!("v1,{}", BASE64_STRICT.encode(&bytes)),
                "{len}"
            );
        }
    }
}
