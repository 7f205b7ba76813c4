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

const BASE64_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Value of each base64 character, `INVALID` for every other byte (including `=`).
const BASE64_VALUES: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < 64 {
        table[BASE64_ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
};
const INVALID: u8 = 0xff;

/// Decodes a strict base64 signature into exactly `N` bytes.
///
/// Returns `None` unless the text is canonical padded base64 of exactly `N` bytes: standard
/// alphabet, `=` padding present and only at the end, unused trailing bits zero — the same
/// acceptance as `BASE64_STRICT` (tested against it), in one table-driven pass without the
/// general decoder's chunking, for the 32- and 64-byte signatures every verification decodes.
pub(crate) fn decode_base64_exact<const N: usize>(text: &[u8]) -> Option<[u8; N]> {
    if text.len() != N.div_ceil(3) * 4 {
        return None;
    }
    let mut out = [0u8; N];
    let full = N / 3;
    // OR of every character's value: any INVALID sets the high bit, checked once at the end.
    let mut bad = 0u8;
    for (quad, triple) in text.chunks_exact(4).zip(out.chunks_exact_mut(3)).take(full) {
        let [a, b, c, d] = [0, 1, 2, 3].map(|i| BASE64_VALUES[usize::from(quad[i])]);
        bad |= a | b | c | d;
        let n = u32::from(a) << 18 | u32::from(b) << 12 | u32::from(c) << 6 | u32::from(d);
        // Byte by byte: a 3-byte `copy_from_slice` here compiles to a `memcpy` call per quad.
        triple[0] = (n >> 16) as u8;
        triple[1] = (n >> 8) as u8;
        triple[2] = n as u8;
    }
    let tail = &text[full * 4..];
    match N % 3 {
        0 => {}
        1 => {
            // `xx==`: 12 bits carry 8; the low 4 bits of the second character must be zero.
            let [a, b] = [0, 1].map(|i| BASE64_VALUES[usize::from(tail[i])]);
            bad |= a | b;
            if tail[2..] != *b"==" || b & 0x0f != 0 {
                return None;
            }
            out[N - 1] = (a << 2) | (b >> 4);
        }
        _ => {
            // `xxx=`: 18 bits carry 16; the low 2 bits of the third character must be zero.
            let [a, b, c] = [0, 1, 2].map(|i| BASE64_VALUES[usize::from(tail[i])]);
            bad |= a | b | c;
            if tail[3] != b'=' || c & 0x03 != 0 {
                return None;
            }
            out[N - 2] = (a << 2) | (b >> 4);
            out[N - 1] = (b << 4) | (c >> 2);
        }
    }
    (bad & 0x80 == 0).then_some(out)
}

/// Writes the padded base64 form of exactly `N` bytes into `out` (`N.div_ceil(3) * 4` bytes).
///
/// The signatures (32 and 64 bytes) take this table-driven path instead of the general encoder.
pub(crate) fn encode_base64_exact<const N: usize>(bytes: &[u8; N], out: &mut [u8]) {
    let full = N / 3;
    for (triple, quad) in bytes.chunks_exact(3).zip(out.chunks_exact_mut(4)) {
        let n = u32::from(triple[0]) << 16 | u32::from(triple[1]) << 8 | u32::from(triple[2]);
        for (i, slot) in quad.iter_mut().enumerate() {
            *slot = BASE64_ALPHABET[((n >> (18 - 6 * i)) & 0x3f) as usize];
        }
    }
    let tail = &mut out[full * 4..N.div_ceil(3) * 4];
    match N % 3 {
        0 => {}
        1 => {
            let a = bytes[N - 1];
            tail[0] = BASE64_ALPHABET[usize::from(a >> 2)];
            tail[1] = BASE64_ALPHABET[usize::from((a & 0x03) << 4)];
            tail[2] = b'=';
            tail[3] = b'=';
        }
        _ => {
            let (a, b) = (bytes[N - 2], bytes[N - 1]);
            tail[0] = BASE64_ALPHABET[usize::from(a >> 2)];
            tail[1] = BASE64_ALPHABET[usize::from((a & 0x03) << 4 | b >> 4)];
            tail[2] = BASE64_ALPHABET[usize::from((b & 0x0f) << 2)];
            tail[3] = b'=';
        }
    }
}

/// Writes the padded base64 form of `bytes` at the start of `out` and returns its length.
///
/// `out` must have room for it (4 bytes per started 3 of input); otherwise nothing is written and
/// 0 is returned.
pub(crate) fn encode_base64_slice(bytes: &[u8], out: &mut [u8]) -> usize {
    let len = bytes.len().div_ceil(3) * 4;
    if out.len() < len {
        return 0;
    }
    if let Ok(tag) = <&[u8; 32]>::try_from(bytes) {
        encode_base64_exact(tag, out);
        return len;
    }
    if let Ok(signature) = <&[u8; 64]>::try_from(bytes) {
        encode_base64_exact(signature, out);
        return len;
    }
    BASE64_STRICT.encode_slice(bytes, out).unwrap_or(0)
}

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Appends the lowercase hex form of `bytes` to `out`.
pub(crate) fn encode_hex_into(bytes: &[u8], out: &mut String) {
    out.reserve(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(HEX_DIGITS[usize::from(b >> 4)]));
        out.push(char::from(HEX_DIGITS[usize::from(b & 0x0f)]));
    }
}

/// Writes the lowercase hex form of `bytes` into `out`, which holds exactly two bytes per input byte.
pub(crate) fn encode_hex_slice(bytes: &[u8], out: &mut [u8]) {
    for (pair, &b) in out.chunks_exact_mut(2).zip(bytes) {
        pair[0] = HEX_DIGITS[usize::from(b >> 4)];
        pair[1] = HEX_DIGITS[usize::from(b & 0x0f)];
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
        let mut buf = [0u8; 44];
        assert_eq!(encode_base64_slice(&[1u8; 32], &mut buf), 44);
        let s = String::from_utf8(buf.to_vec()).unwrap();
        assert_eq!(decode_base64_exact::<32>(s.as_bytes()), Some([1u8; 32]));
        assert_eq!(
            decode_base64_exact::<32>(s.trim_end_matches('=').as_bytes()),
            None
        );
        // Flip the unused low bits of the last data character.
        let mut noncanonical = s.clone().into_bytes();
        noncanonical[42] = b'F';
        let noncanonical = String::from_utf8(noncanonical).unwrap();
        assert_ne!(noncanonical, s);
        assert_eq!(decode_base64_exact::<32>(noncanonical.as_bytes()), None);
    }

    #[test]
    fn slice_and_general_encoding_agree() {
        for len in [0usize, 1, 2, 3, 32, 64, 65, 66, 100, 2000] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 % 256) as u8).collect();
            let mut out = vec![0u8; len.div_ceil(3) * 4 + 5];
            let n = encode_base64_slice(&bytes, &mut out);
            assert_eq!(&out[..n], BASE64_STRICT.encode(&bytes).as_bytes(), "{len}");
        }
        // No room: nothing written.
        assert_eq!(encode_base64_slice(&[1u8; 32], &mut [0u8; 43]), 0);
    }

    /// The table-driven codec agrees with the `base64` crate's strict engine, byte for byte, on
    /// valid signatures and on every single-character corruption of them.
    fn check_exact_codec<const N: usize>(seed: u8) {
        let bytes: [u8; N] =
            std::array::from_fn(|i| (i as u8).wrapping_mul(151).wrapping_add(seed));
        let reference = BASE64_STRICT.encode(bytes);
        let mut out = vec![0u8; N.div_ceil(3) * 4];
        encode_base64_exact(&bytes, &mut out);
        assert_eq!(out, reference.as_bytes());
        assert_eq!(decode_base64_exact::<N>(reference.as_bytes()), Some(bytes));
        let alphabet: Vec<u8> = (0u8..=255).collect();
        for pos in 0..reference.len() {
            for &c in &alphabet {
                let mut text = reference.clone().into_bytes();
                text[pos] = c;
                let Ok(text) = String::from_utf8(text) else {
                    continue;
                };
                let expected = match BASE64_STRICT.decode(&text) {
                    Ok(v) if v.len() == N => v.try_into().ok(),
                    _ => None,
                };
                assert_eq!(
                    decode_base64_exact::<N>(text.as_bytes()),
                    expected,
                    "{text:?}"
                );
            }
        }
    }

    #[test]
    fn exact_codec_matches_the_strict_engine() {
        for seed in [0u8, 1, 77, 255] {
            check_exact_codec::<32>(seed);
            check_exact_codec::<64>(seed);
            check_exact_codec::<31>(seed);
            check_exact_codec::<33>(seed);
        }
        assert_eq!(decode_base64_exact::<32>(b""), None);
        assert_eq!(decode_base64_exact::<32>("A".repeat(44).as_bytes()), None);
    }

    #[test]
    fn hex_slice_matches_hex_string() {
        let bytes = [0x00, 0x7f, 0xab, 0xff];
        let mut out = [0u8; 8];
        encode_hex_slice(&bytes, &mut out);
        assert_eq!(&out, encode_hex(&bytes).as_bytes());
    }
}
