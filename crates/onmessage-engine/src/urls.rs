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

/// Lowercase ASCII form of a host name: IDN labels as `xn--` punycode. `None`
/// when it is not a valid domain name (empty label, label over 63 bytes, a
/// character no domain may hold, a single label).
pub fn host_to_ascii(host: &str) -> Option<String> {
    let host = host.strip_suffix('.').unwrap_or(host);
    let mut ascii = String::with_capacity(host.len());
    let mut labels = 0;
    for label in host.split('.') {
        if labels > 0 {
            ascii.push('.');
        }
        let start = ascii.len();
        if label.is_ascii() {
            ascii.extend(label.chars().map(|c| c.to_ascii_lowercase()));
        } else {
            let label: String = label.nfc().flat_map(char::to_lowercase).collect();
            if label.is_ascii() {
                ascii.push_str(&label);
            } else {
                ascii.push_str("xn--");
                ascii.push_str(&punycode_encode(&label)?);
            }
        }
        let label = &ascii[start..];
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
    let (folded, origin) = fold_hosts(text);
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
/// and for each byte of the result the range of the source it came from.
fn fold_hosts(text: &str) -> (String, Vec<Range<usize>>) {
    let mut folded = String::with_capacity(text.len());
    let mut origin = Vec::with_capacity(text.len());
    let mut push = |folded: &mut String, s: &str, from: Range<usize>| {
        folded.push_str(s);
        origin.extend(std::iter::repeat_n(from, s.len()));
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

/// RFC 3492 punycode encoding of one label (without the `xn--` prefix).
fn punycode_encode(input: &str) -> Option<String> {
    const BASE: u32 = 36;
    const TMIN: u32 = 1;
    const TMAX: u32 = 26;
    const SKEW: u32 = 38;
    const DAMP: u32 = 700;
    fn adapt(mut delta: u32, points: u32, first: bool) -> u32 {
        delta = if first { delta / DAMP } else { delta / 2 };
        delta += delta / points;
        let mut k = 0;
        while delta > ((BASE - TMIN) * TMAX) / 2 {
            delta /= BASE - TMIN;
            k += BASE;
        }
        k + (BASE - TMIN + 1) * delta / (delta + SKEW)
    }
    fn digit(d: u32) -> char {
        char::from_u32(if d < 26 {
            'a' as u32 + d
        } else {
            '0' as u32 + d - 26
        })
        .expect("ascii")
    }
    let code_points: Vec<u32> = input.chars().map(|c| c as u32).collect();
    let mut output: String = input.chars().filter(char::is_ascii).collect();
    let basic = output.len() as u32;
    let mut handled = basic;
    if basic > 0 {
        output.push('-');
    }
    let (mut n, mut delta, mut bias) = (128u32, 0u32, 72u32);
    while (handled as usize) < code_points.len() {
        let m = code_points.iter().copied().filter(|&c| c >= n).min()?;
        delta = delta.checked_add((m - n).checked_mul(handled + 1)?)?;
        n = m;
        for &c in &code_points {
            if c < n {
                delta = delta.checked_add(1)?;
            }
            if c == n {
                let mut q = delta;
                let mut k = BASE;
                loop {
                    let t = if k <= bias {
                        TMIN
                    } else if k >= bias + TMAX {
                        TMAX
                    } else {
                        k - bias
                    };
                    if q < t {
                        break;
                    }
                    output.push(digit(t + (q - t) % (BASE - t)));
                    q = (q - t) / (BASE - t);
                    k += BASE;
                }
                output.push(digit(q));
                bias = adapt(delta, handled + 1, handled == basic);
                delta = 0;
                handled += 1;
            }
        }
        delta = delta.checked_add(1)?;
        n += 1;
    }
    Some(output)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(text: &str) -> Vec<&str> {
        find_urls(text)
            .into_iter()
            .map(|u| &text[u.range])
            .collect()
    }

    #[test]
    fn punycode_matches_rfc_3492() {
        assert_eq!(punycode_encode("bücher").as_deref(), Some("bcher-kva"));
        assert_eq!(punycode_encode("münchen").as_deref(), Some("mnchen-3ya"));
        assert_eq!(
            host_to_ascii("Bücher.Example").as_deref(),
            Some("xn--bcher-kva.example")
        );
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
