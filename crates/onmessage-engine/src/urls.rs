//! Finding URLs in copy the way the networks do (twitter-text's rules: with a
//! scheme, or a bare domain with a known top-level domain), and normalising
//! host names (lowercase, IDN labels to punycode) so they compare reliably.

use std::ops::Range;
use std::sync::OnceLock;

use regex::Regex;
use unicode_normalization::UnicodeNormalization;

/// A URL found in text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundUrl {
    /// Byte range in the text.
    pub range: Range<usize>,
    /// `http`, `https`, or `None` for a bare domain.
    pub scheme: Option<String>,
    /// The host in ASCII (punycode), lowercase, without a trailing dot.
    pub host: String,
}

/// Common generic top-level domains that make a bare `name.tld` a link.
/// (twitter-text knows every TLD; these cover what posts realistically name.)
const GENERIC_TLDS: &[&str] = &[
    "com",
    "net",
    "org",
    "edu",
    "gov",
    "mil",
    "int",
    "info",
    "biz",
    "io",
    "dev",
    "app",
    "ai",
    "xyz",
    "online",
    "site",
    "tech",
    "store",
    "blog",
    "cloud",
    "news",
    "page",
    "shop",
    "live",
    "link",
    "email",
    "media",
    "social",
    "company",
    "global",
    "digital",
    "agency",
    "studio",
    "design",
    "network",
    "solutions",
    "services",
    "software",
    "systems",
    "jobs",
    "careers",
    "events",
    "academy",
    "center",
    "group",
    "team",
    "world",
    "today",
    "community",
    "foundation",
    "health",
    "museum",
    "aero",
    "coop",
    "mobi",
    "name",
    "travel",
    "club",
    "art",
    "inc",
    "ltd",
    "llc",
    "gmbh",
];

fn scheme_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r#"(?i)\b(https?)://([^\s/?#<>"'`\\^{}|\[\]()]+)([/?#][^\s<>"]*)?"#)
            .expect("valid")
    })
}

fn bare_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r#"(?i)(?:^|[^\w@#$./:-])((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,})(:\d{1,5})?([/?#][^\s<>"]*)?"#)
            .expect("valid")
    })
}

/// Every URL in `text`, in order. Hosts that are not valid domain names
/// (a label over 63 characters once punycode-encoded, say) are not URLs.
pub fn find_urls(text: &str) -> Vec<FoundUrl> {
    let mut found = Vec::new();
    // Most copy has no link at all, or only links with a scheme: the two
    // regexes run only where a cheap scan says they could match.
    if text.contains("://") {
        scheme_urls(text, &mut found);
    }
    if may_hold_bare_domain(text, &found) {
        bare_domains(text, &mut found);
        found.sort_by_key(|u| u.range.start);
    }
    found
}

/// Whether a bare domain could start outside the links already `found`: it
/// needs a `.` followed by a letter (ASCII, or a non-ASCII character that
/// matches `[a-z]` case-insensitively, such as the Kelvin sign).
fn may_hold_bare_domain(text: &str, found: &[FoundUrl]) -> bool {
    let bytes = text.as_bytes();
    text.match_indices('.').any(|(i, _)| {
        bytes
            .get(i + 1)
            .is_some_and(|&next| next.is_ascii_alphabetic() || !next.is_ascii())
            && !found.iter().any(|u| u.range.contains(&i))
    })
}

// Both regexes are searched with `find_iter`: their groups are recovered
// from the match by hand, which costs a fraction of a capture search.

fn scheme_urls(text: &str, found: &mut Vec<FoundUrl>) {
    for whole in scheme_regex().find_iter(text) {
        if text[..whole.start()]
            .ends_with(|c: char| c.is_alphanumeric() || c == '@' || c == '$' || c == '#')
        {
            continue;
        }
        let (scheme, rest) = whole
            .as_str()
            .split_once("://")
            .expect("the regex matched a scheme");
        let host_port = rest.split(['/', '?', '#']).next().unwrap_or(rest);
        let host = host_port
            .rsplit_once(':')
            .filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()))
            .map_or(host_port, |(h, _)| h);
        let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
        let Some(host) = host_to_ascii(host) else {
            continue;
        };
        let end = trim_trailing(text, whole.start(), whole.end());
        found.push(FoundUrl {
            range: whole.start()..end,
            scheme: Some(scheme.to_ascii_lowercase()),
            host,
        });
    }
}

/// A character `(?i)[a-z0-9]` matches: ASCII letters and digits, and the
/// two non-ASCII characters that case-fold to ASCII letters.
fn starts_label(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '\u{212A}' || c == '\u{017F}'
}

fn bare_domains(text: &str, found: &mut Vec<FoundUrl>) {
    for whole in bare_regex().find_iter(text) {
        let matched = whole.as_str();
        // The match begins with the character before the domain, unless the
        // domain begins the text (that character is never a label's).
        let lead = matched.chars().next().expect("non-empty match");
        let skip = if starts_label(lead) {
            0
        } else {
            lead.len_utf8()
        };
        let after_lead = &matched[skip..];
        let domain_len = after_lead
            .find([':', '/', '?', '#'])
            .unwrap_or(after_lead.len());
        let domain_start = whole.start() + skip;
        let domain = &after_lead[..domain_len];
        if found.iter().any(|u| u.range.contains(&domain_start)) {
            continue;
        }
        let lower = domain.to_ascii_lowercase();
        let tld = lower.rsplit('.').next().unwrap_or_default();
        let has_path = after_lead[domain_len..].contains(['/', '?', '#']);
        let known = GENERIC_TLDS.contains(&tld) || (tld.len() == 2 && has_path);
        if !known {
            continue;
        }
        let Some(host) = host_to_ascii(&lower) else {
            continue;
        };
        let end = trim_trailing(text, domain_start, whole.end());
        found.push(FoundUrl {
            range: domain_start..end,
            scheme: None,
            host,
        });
    }
}

/// Drops trailing punctuation that ends a sentence rather than the URL, and
/// a closing parenthesis without its opening one (`(see https://x.com/a)`).
fn trim_trailing(text: &str, start: usize, mut end: usize) -> usize {
    loop {
        let url = &text[start..end];
        let Some(last) = url.chars().next_back() else {
            return end;
        };
        let strip = match last {
            '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '"' | '*' | '_' | '~' => true,
            ')' => url.matches('(').count() < url.matches(')').count(),
            ']' => url.matches('[').count() < url.matches(']').count(),
            _ => false,
        };
        if !strip {
            return end;
        }
        end -= last.len_utf8();
    }
}

/// Lowercase ASCII form of a host name, as a browser's URL parser reads it
/// (the WHATWG URL host parser: `%XX` decoded, then UTS #46 processing by
/// the `idna` crate: full-width letters and full stops folded, upper case
/// lowered, IDN labels as `xn--` punycode), without a trailing dot. `None`
/// when it is not a valid domain name (empty label, label over 63 bytes, a
/// character no domain may hold, a single label).
pub fn host_to_ascii(host: &str) -> Option<String> {
    let simple = host
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    let mut ascii = if simple {
        // UTS #46 maps ASCII letters, digits, `-` and `.` to themselves,
        // lowercased: the common case skips the mapping tables.
        host.to_ascii_lowercase()
    } else {
        let decoded = percent_decode_host(host)?;
        idna::domain_to_ascii_cow(decoded.as_bytes(), idna::AsciiDenyList::URL)
            .ok()?
            .into_owned()
    };
    if ascii.ends_with('.') {
        ascii.pop();
    }
    let mut labels = 0;
    for label in ascii.split('.') {
        let valid = !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !valid {
            return None;
        }
        labels += 1;
    }
    (labels >= 2).then_some(ascii)
}

/// A host with its `%XX` escapes decoded (the URL parser does this before
/// the IDNA mapping); `None` if they do not decode to UTF-8.
fn percent_decode_host(host: &str) -> Option<String> {
    if !host.contains('%') {
        return Some(host.to_string());
    }
    let bytes = host.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |at: usize| bytes.get(at).and_then(|&b| (b as char).to_digit(16));
        match (bytes[i], hex(i + 1), hex(i + 2)) {
            (b'%', Some(h), Some(l)) => {
                out.push(u8::try_from(h * 16 + l).ok()?);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// A mention of an internal host anywhere in text, read as a browser reads
/// a host: compatibility forms folded (full-width letters), upper case
/// lowered, ideographic and full-width full stops as `.`, `%XX` escapes of
/// host characters decoded, a trailing dot allowed. With or without a
/// scheme, in a URL, after `user@`, or as a bare name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostMention {
    /// Byte range of the whole host name in the text.
    pub range: Range<usize>,
    /// The host as a browser reads it (ASCII, lowercase).
    pub host: String,
    /// The internal domain it is, or is under.
    pub domain: String,
}

/// Every mention in `text` of a host that is one of `domains` (ASCII,
/// lowercase, as `host_to_ascii` gives them) or under one. A look-alike
/// that only starts or ends like one (`notcorp.example.com`,
/// `corp.example.com.evil.test`) is not a mention.
pub fn internal_mentions(text: &str, domains: &[String]) -> Vec<HostMention> {
    if domains.is_empty() {
        return Vec::new();
    }
    // Most texts name no internal domain: find that out on the folded text
    // alone, without the source range of every byte (16 bytes a byte).
    let mentions_one = if text.is_ascii() && !text.contains('%') {
        let lower = text.to_ascii_lowercase();
        domains.iter().any(|d| lower.contains(d.as_str()))
    } else {
        let (folded, _) = fold_hosts(text, false);
        domains.iter().any(|d| folded.contains(d.as_str()))
    };
    if !mentions_one {
        return Vec::new();
    }
    let (folded, origin) = fold_hosts(text, true);
    let bytes = folded.as_bytes();
    let host_byte = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    let mut found: Vec<HostMention> = Vec::new();
    for domain in domains {
        let mut from = 0;
        while let Some(at) = folded[from..].find(domain.as_str()).map(|i| i + from) {
            from = at + 1;
            let end = at + domain.len();
            let before = at.checked_sub(1).map(|i| bytes[i]);
            if before.is_some_and(host_byte) {
                continue; // notcorp.example.com
            }
            match (bytes.get(end), bytes.get(end + 1)) {
                (Some(&b), _) if host_byte(b) => continue,
                // corp.example.com.evil.test: the host goes on.
                (Some(b'.'), Some(&b)) if host_byte(b) => continue,
                _ => {}
            }
            let mut start = at;
            while start > 0 && (host_byte(bytes[start - 1]) || bytes[start - 1] == b'.') {
                start -= 1;
            }
            while folded[start..].starts_with(['.', '-']) {
                start += 1;
            }
            let range = origin[start].start..origin[end - 1].end;
            if found
                .iter()
                .any(|m| m.range.start <= range.start && range.end <= m.range.end)
            {
                continue;
            }
            found.push(HostMention {
                range,
                host: folded[start..end].to_string(),
                domain: domain.clone(),
            });
        }
    }
    found.sort_by_key(|m| m.range.start);
    found
}

/// `text` with host characters folded as a browser's URL parser folds
/// them (UTS #46 mapping of each character: NFKC, lower case, the dots
/// U+3002, U+FF0E, U+FF61 as `.`; `%XX` of an ASCII host character decoded),
/// and, when `with_origin`, for each byte of the result the range of the
/// source it came from (else that list is empty).
fn fold_hosts(text: &str, with_origin: bool) -> (String, Vec<Range<usize>>) {
    let mut folded = String::with_capacity(text.len());
    let mut origin = Vec::with_capacity(if with_origin { text.len() } else { 0 });
    let mut push = |folded: &mut String, s: &str, from: Range<usize>| {
        folded.push_str(s);
        if with_origin {
            origin.extend(std::iter::repeat_n(from, s.len()));
        }
    };
    let bytes = text.as_bytes();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let here = i..i + c.len_utf8();
        if c == '%'
            && let Some(hex) = text.get(i + 1..i + 3)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
            && (byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'-'))
            && bytes[i + 1].is_ascii_hexdigit()
            && bytes[i + 2].is_ascii_hexdigit()
        {
            chars.next();
            chars.next();
            let lower = byte.to_ascii_lowercase();
            push(
                &mut folded,
                std::str::from_utf8(&[lower]).unwrap_or("."),
                i..i + 3,
            );
        } else if c.is_ascii() {
            let lower = c.to_ascii_lowercase();
            push(&mut folded, lower.encode_utf8(&mut [0; 4]), here);
        } else if matches!(c, '\u{3002}' | '\u{FF0E}' | '\u{FF61}') {
            push(&mut folded, ".", here);
        } else {
            let mapped: String = std::iter::once(c)
                .nfkc()
                .flat_map(char::to_lowercase)
                .collect();
            push(&mut folded, &mapped, here);
        }
    }
    (folded, origin)
}

/// Whether `host` is `domain` or one of its subdomains (both ASCII, lowercase).
pub fn host_within(host: &str, domain: &str) -> bool {
    host == domain
        || host
            .strip_suffix(domain)
            .is_some_and(|rest| rest.ends_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quick_fold_of_ascii_text_is_the_full_fold() {
        for text in [
            "Wiki.CORP.example.com/Page?x=1",
            "plain words, no host",
            "A-b_c.D\r\n",
        ] {
            assert_eq!(fold_hosts(text, false).0, text.to_ascii_lowercase());
            assert_eq!(fold_hosts(text, true).0, text.to_ascii_lowercase());
        }
        let domains = ["corp.example.com".to_string()];
        // Found however it is written: the quick check must not drop these.
        for text in [
            "see WIKI.CORP.EXAMPLE.COM",
            "see wiki.corp%2Eexample.com",
            "see wiki.\u{FF43}orp.example.com",
        ] {
            assert_eq!(internal_mentions(text, &domains).len(), 1, "{text}");
        }
        assert!(internal_mentions("see notcorp.example.com", &domains).is_empty());
    }

    fn urls(text: &str) -> Vec<&str> {
        find_urls(text)
            .into_iter()
            .map(|u| &text[u.range])
            .collect()
    }

    #[test]
    fn hosts_map_as_browsers_read_them() {
        for (host, ascii) in [
            ("Bücher.Example", "xn--bcher-kva.example"),
            ("münchen.example", "xn--mnchen-3ya.example"),
            (
                "wiki.\u{FF43}\u{FF4F}\u{FF52}\u{FF50}.example.com",
                "wiki.corp.example.com",
            ),
            ("wiki.corp\u{3002}example.com", "wiki.corp.example.com"),
            (
                "wiki.corp\u{FF0E}example\u{FF61}com",
                "wiki.corp.example.com",
            ),
            ("WIKI.CORP.EXAMPLE.COM.", "wiki.corp.example.com"),
            ("wiki%2Ecorp.%65xample.com", "wiki.corp.example.com"),
            ("xn--bcher-kva.example", "xn--bcher-kva.example"),
        ] {
            assert_eq!(host_to_ascii(host).as_deref(), Some(ascii), "{host}");
        }
        for bad in [
            "localhost",
            "a..b",
            "-a.com",
            "a b.com",
            "%ff.com",
            "a.com%2F",
        ] {
            assert_eq!(host_to_ascii(bad), None, "{bad}");
        }
    }

    /// Unicode's UTS #46 test vectors (tests/conformance/idna/SOURCE):
    /// every source that toASCII (non-transitional) maps without error to a
    /// host name of two or more letter-digit-hyphen labels maps to the same
    /// host here; the rest are not hosts a link can have.
    #[test]
    fn host_mapping_follows_idna_test_v2() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/conformance/idna/IdnaTestV2.txt");
        let text = std::fs::read_to_string(path).unwrap();
        let unescape = |s: &str| -> String {
            let mut out = String::new();
            let mut rest = s;
            while let Some(at) = rest.find("\\u") {
                out.push_str(&rest[..at]);
                let after = &rest[at + 2..];
                let (hex, used) = if let Some(braced) = after.strip_prefix('{') {
                    let end = braced.find('}').unwrap();
                    (&braced[..end], end + 2)
                } else {
                    (&after[..4], 4)
                };
                // Lone surrogates cannot be in a Rust string: those vectors are skipped.
                out.push(
                    char::from_u32(u32::from_str_radix(hex, 16).unwrap()).unwrap_or('\u{FFFD}'),
                );
                rest = &after[used..];
            }
            out.push_str(rest);
            out.replace("\\x{", "\\u{")
        };
        let (mut checked, mut rejected_invalid) = (0, 0);
        for line in text.lines() {
            let line = line.split('#').next().unwrap();
            if line.trim().is_empty() {
                continue;
            }
            let cols: Vec<&str> = line.split(';').map(str::trim).collect();
            let source = unescape(&cols[0].replace("\\x{", "\\u{"));
            let to_unicode = if cols[1].is_empty() {
                source.clone()
            } else {
                unescape(cols[1])
            };
            let ascii = if cols[3].is_empty() {
                to_unicode
            } else {
                unescape(cols[3])
            };
            let status = if cols[4].is_empty() { cols[2] } else { cols[4] };
            let ascii = ascii.strip_suffix('.').unwrap_or(&ascii).to_string();
            let host_like = ascii.split('.').count() >= 2
                && ascii.split('.').all(|l| {
                    !l.is_empty()
                        && l.len() <= 63
                        && !l.starts_with('-')
                        && !l.ends_with('-')
                        && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                });
            if source.contains(['%', '/', '?', '#', '@', ':', '\\', ' ', '\u{FFFD}']) {
                continue; // not a host as a URL holds it
            }
            let ours = host_to_ascii(&source);
            if (status.is_empty() || status == "[]") && host_like {
                assert_eq!(ours.as_deref(), Some(ascii.as_str()), "{line}");
                checked += 1;
            } else if ours.is_none() {
                rejected_invalid += 1;
            }
        }
        assert!(checked >= 400, "{checked} vectors checked");
        assert!(rejected_invalid >= 3900, "{rejected_invalid} rejected");
    }

    #[test]
    fn internal_mentions_as_a_browser_reads_hosts() {
        let internal = ["corp.example.com".to_string()];
        let hosts = |text: &str| -> Vec<String> {
            internal_mentions(text, &internal)
                .into_iter()
                .map(|m| format!("{}={}", &text[m.range.clone()], m.host))
                .collect()
        };
        assert_eq!(
            hosts("see wiki.corp.example.com/page"),
            ["wiki.corp.example.com=wiki.corp.example.com"]
        );
        assert_eq!(
            hosts("CORP.Example.COM."),
            ["CORP.Example.COM=corp.example.com"]
        );
        assert_eq!(
            hosts("wiki.\u{FF43}\u{FF4F}\u{FF52}\u{FF50}.example.com"),
            ["wiki.\u{FF43}\u{FF4F}\u{FF52}\u{FF50}.example.com=wiki.corp.example.com"]
        );
        assert_eq!(
            hosts("wiki.corp\u{3002}example.com"),
            ["wiki.corp\u{3002}example.com=wiki.corp.example.com"]
        );
        assert_eq!(
            hosts("jane@wiki.corp.example.com"),
            ["wiki.corp.example.com=wiki.corp.example.com"]
        );
        assert_eq!(
            hosts("https://wiki%2Ecorp.example.com/"),
            ["wiki%2Ecorp.example.com=wiki.corp.example.com"]
        );
        for innocent in [
            "corp.example.com.evil.test",
            "notcorp.example.com",
            "https://corp.example.community/",
            "example.com and corp",
            "corp-example.com",
        ] {
            assert_eq!(hosts(innocent), Vec::<String>::new(), "{innocent}");
        }
    }

    #[test]
    fn finds_urls_with_and_without_scheme() {
        assert_eq!(
            urls("see https://example.com/a?b=1#c, then"),
            vec!["https://example.com/a?b=1#c"]
        );
        assert_eq!(
            urls("(details: https://example.com/x)"),
            vec!["https://example.com/x"]
        );
        assert_eq!(
            urls("wiki at corp.example.com/page and example.org."),
            vec!["corp.example.com/page", "example.org"]
        );
        assert_eq!(urls("Node.js and e.g. this"), Vec::<&str>::new());
        assert_eq!(urls("test.co alone, test.co/path"), vec!["test.co/path"]);
        assert_eq!(urls("mail jane@example.com"), Vec::<&str>::new());
    }

    /// The straightforward form of `find_urls`: both regexes with capture
    /// groups, no literal pre-scan. The fast form must agree with it.
    fn find_urls_with_captures(text: &str) -> Vec<FoundUrl> {
        let mut found = Vec::new();
        for caps in scheme_regex().captures_iter(text) {
            let whole = caps.get(0).unwrap();
            if text[..whole.start()]
                .ends_with(|c: char| c.is_alphanumeric() || c == '@' || c == '$' || c == '#')
            {
                continue;
            }
            let host_port = &caps[2];
            let host = host_port
                .rsplit_once(':')
                .filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()))
                .map_or(host_port, |(h, _)| h);
            let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
            if let Some(host) = host_to_ascii(host) {
                let end = trim_trailing(text, whole.start(), whole.end());
                found.push(FoundUrl {
                    range: whole.start()..end,
                    scheme: Some(caps[1].to_ascii_lowercase()),
                    host,
                });
            }
        }
        for caps in bare_regex().captures_iter(text) {
            let domain = caps.get(1).unwrap();
            if found.iter().any(|u| u.range.contains(&domain.start())) {
                continue;
            }
            let lower = domain.as_str().to_ascii_lowercase();
            let tld = lower.rsplit('.').next().unwrap_or_default();
            let known = GENERIC_TLDS.contains(&tld) || (tld.len() == 2 && caps.get(3).is_some());
            if let Some(host) = host_to_ascii(&lower).filter(|_| known) {
                let end = trim_trailing(text, domain.start(), caps.get(0).unwrap().end());
                found.push(FoundUrl {
                    range: domain.start()..end,
                    scheme: None,
                    host,
                });
            }
        }
        found.sort_by_key(|u| u.range.start);
        found
    }

    proptest::proptest! {
        #[test]
        fn fast_search_agrees_with_captures(
            text in r"([a-zA-Z0-9 .:/?#@$\-_()\nK\u{212A}\u{017F}é]|https?://|\.com|\.io|www\.)*"
        ) {
            proptest::prop_assert_eq!(find_urls(&text), find_urls_with_captures(&text));
        }
    }

    #[test]
    fn subdomains() {
        assert!(host_within("wiki.corp.example.com", "corp.example.com"));
        assert!(host_within("corp.example.com", "corp.example.com"));
        assert!(!host_within("notcorp.example.com", "corp.example.com"));
    }
}
