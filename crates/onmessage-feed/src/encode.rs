//! Small encoders the output needs: percent-encoding for share-intent query
//! values, base64 and SHA-256 for the hub's Content-Security-Policy hashes and
//! the content-addressed names of published images. Each is a few lines, so
//! no crate beyond `sha2` is pulled in for them.

use sha2::{Digest, Sha256};

/// Percent-encodes everything but RFC 3986 unreserved characters
/// (`A-Z a-z 0-9 - . _ ~`), as a query value or a fragment needs.
pub fn percent(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3 / 2);
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 15) as usize] as char);
        }
    }
    out
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Standard base64 (RFC 4648 §4) with padding.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | (u32::from(b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Lowercase hex of the first `n` bytes of the SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8], n: usize) -> String {
    sha256(bytes)
        .iter()
        .take(n)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A CSP source expression allowing exactly this inline script or style.
pub fn csp_hash(source: &str) -> String {
    format!("'sha256-{}'", base64(&sha256(source.as_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_rfc4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (input, expected) in cases {
            assert_eq!(base64(input.as_bytes()), expected);
        }
        assert_eq!(base64(&[0xff, 0xfe, 0xfd]), "//79");
    }

    #[test]
    fn csp_hash_of_known_text() {
        // echo -n "alert('Hello, world.');" | openssl dgst -sha256 -binary | base64
        assert_eq!(
            csp_hash("alert('Hello, world.');"),
            "'sha256-qznLcsROx4GACP2dm0UCKCzCG+HiZ1guq6ZZDob/Tng='"
        );
    }

    #[test]
    fn percent_encodes_all_but_unreserved() {
        assert_eq!(
            percent("Hi & bye: https://a.b/c?d=e#f ü~"),
            "Hi%20%26%20bye%3A%20https%3A%2F%2Fa.b%2Fc%3Fd%3De%23f%20%C3%BC~"
        );
    }
}
