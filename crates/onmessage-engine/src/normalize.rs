//! Evasion-resistant text normalisation that remembers where every character
//! came from.
//!
//! A text becomes the sequence of its word characters as a reader sees
//! them, each with the byte range of the source it came from and flags
//! saying what stood before it:
//!
//! - **Decoded first**: HTML character references (`&#70;`, `&#x46;`, every
//!   HTML5 named reference such as `&amp;`, `&nbsp;`, `&Kopf;`), Markdown
//!   backslash escapes (`\*` is a literal `*`; `\&` stops a reference),
//!   emphasis and code markers inside a word (`F**alc**on`, ``F`al`con``,
//!   `F~~al~~con` read as one word; `_` is never emphasis inside a word in
//!   CommonMark, so `F_al_con` stays three words), percent-encoding
//!   (`%4Fsprey`, `%C3%A9`) and punycode labels (`xn--…`). A decoded
//!   character's origin is its whole reference, escape or label.
//! - **Folded**: compatibility decomposed (NFKD: full-width and ligature
//!   forms become plain letters), marks dropped, look-alikes mapped to their
//!   UTS #39 prototype *as written* (Greek `Κ`, Cherokee `Ꭺ`, Cyrillic `а`;
//!   a capital whose prototype is `l`, as Greek `Ι`, stands for `i`), then
//!   case folded. ASCII letters are only lowercased (UTS #39 maps `m` to
//!   `rn`, which would make "modem" of "modern"); the ASCII digits `0` and
//!   `1` become `o` and `l`, as UTS #39 maps them.
//! - **Word structure kept**: invisible characters (Default_Ignorable code
//!   points: zero-width space, soft hyphen, bidi controls, Hangul fillers)
//!   vanish without splitting the word; separators (spaces, punctuation,
//!   `#`, line breaks) vanish leaving a *split*; a lower→upper case change
//!   and a letter↔digit change leave an *edge* (a word may start there, as
//!   `Falcon` does in `#ProjectFalcon` or `#Falcon2026`, but nothing is
//!   split).
//!
//! [`accepts`] is the matching rule built on that: a match must start and
//! end on edges, and may cross a split only where the term itself splits
//! words or inside a word spelt one letter at a time (three or more single
//! letters: `F a l c o n`, `F.A.L.C.O.N`); a span of digits only never
//! stands for a term with letters (`101` is not `lol`).

mod entities;

use unicode_normalization::char::{decompose_compatible, is_combining_mark};
use unicode_security::confusable_detection::skeleton;

/// A word may start before this character: the start of the text, a
/// split, a lower→upper case change or a letter↔digit change.
pub const EDGE: u8 = 1;
/// A separator stood before this character (implies [`EDGE`]).
pub const SPLIT: u8 = 2;
/// This character comes from the same source symbol as the one before it
/// (`℀` is `a/c`, `ﬁ` is `fi`): no match may start or end between them.
pub const JOINED: u8 = 4;
/// The source character is a digit.
pub const DIGIT: u8 = 8;
/// In stored flags: a UTF-8 continuation byte of the character before.
pub const CONT: u8 = 16;
/// Flags of the end of a text, as if a separator followed.
pub const END: u8 = EDGE | SPLIT;

/// A normalised text with a map back to the source.
#[derive(Debug, Default)]
pub struct Normalized {
    /// Word characters only, decoded and folded.
    pub text: String,
    /// For each byte of `text`: byte range in the source of the character
    /// (or reference, escape, label) it came from.
    origin: Vec<(u32, u32)>,
    /// For each byte of `text`, and one past the end ([`END`]): the flags
    /// of the character starting there, or [`CONT`].
    flags: Vec<u8>,
}

impl Normalized {
    pub fn new(source: &str) -> Self {
        let mut out = Normalized::default();
        fold_text(source, &mut out);
        out.flags.push(END);
        out
    }

    /// Whether `[start, end)` of `text` starts and ends on word edges (a
    /// script written without spaces, CJK or Thai, needs none) and cuts no
    /// source symbol in two. Says nothing of the splits inside: see
    /// [`Normalized::matches`].
    pub fn is_whole_word(&self, start: usize, end: usize) -> bool {
        let first = self.text[start..].chars().next();
        let last = self.text[..end].chars().next_back();
        let edge_ok = |c: Option<char>, at: usize| {
            c.is_some_and(unspaced_script) || self.flags[at] & EDGE != 0
        };
        let whole = |at: usize| self.flags[at] & JOINED == 0;
        whole(start) && whole(end) && edge_ok(first, start) && edge_ok(last, end)
    }

    /// Whether `needle` matches at `start` by the whole rule: the same
    /// folded text, whole words, and only the splits [`accepts`] allows.
    pub fn matches(&self, start: usize, needle: &Needle) -> bool {
        let end = start + needle.text.len();
        end <= self.text.len()
            && self.text.is_char_boundary(start)
            && self.text[start..end] == needle.text
            && self.is_whole_word(start, end)
            && accepts(
                &needle.splits,
                needle.digits_only,
                (start..=end)
                    .filter(|&at| self.flags[at] & CONT == 0)
                    .map(|at| ((at - start) as u32, self.flags[at])),
            )
    }

    /// Every start in `text` where `needle` matches ([`Normalized::matches`]).
    pub fn find_all(&self, needle: &Needle) -> Vec<usize> {
        if needle.text.is_empty() {
            return Vec::new();
        }
        self.text
            .match_indices(needle.text.as_str())
            .map(|(at, _)| at)
            .chain(overlapping_starts(&self.text, &needle.text))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .filter(|&at| self.matches(at, needle))
            .collect()
    }

    /// Byte range in the source covered by `[start, end)` of `text`.
    pub fn source_range(&self, start: usize, end: usize) -> (usize, usize) {
        let from = self.origin[start].0 as usize;
        let to = self.origin[end - 1].1 as usize;
        (from, to)
    }
}

/// Starts of `needle` in `text` that `match_indices` skips (it does not
/// report overlapping occurrences).
fn overlapping_starts<'a>(text: &'a str, needle: &'a str) -> impl Iterator<Item = usize> + 'a {
    text.char_indices()
        .map(|(at, _)| at)
        .filter(move |&at| text[at..].starts_with(needle))
}

impl FoldSink for Normalized {
    fn push(&mut self, c: char, origin: (u32, u32), flags: u8) {
        let len = c.len_utf8();
        self.text.push(c);
        for i in 0..len {
            self.origin.push(origin);
            self.flags.push(if i == 0 { flags } else { CONT });
        }
    }
}

/// A term from the policy or calendar, folded as text is, with where it
/// splits words itself.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Needle {
    pub text: String,
    /// Byte offsets in `text` where the term has a word edge (a separator,
    /// a case change, a letter↔digit change): a match may cross a split
    /// of the text there.
    pub splits: Vec<u32>,
    /// Whether the term is digits only (`2026`).
    pub digits_only: bool,
}

impl Needle {
    pub fn new(term: &str) -> Needle {
        let norm = Normalized::new(term);
        let len = norm.text.len();
        let flags = &norm.flags[..len];
        let splits = (1..len)
            .filter(|&at| flags[at] & CONT == 0 && flags[at] & EDGE != 0)
            .map(|at| at as u32)
            .collect();
        let digits_only = len > 0 && flags.iter().all(|f| f & (CONT | DIGIT) != 0);
        Needle {
            text: norm.text,
            splits,
            digits_only,
        }
    }
}

/// The rule for the inside of a match. `chars` are the offset (from the
/// match's start) and flags of each character of the match, then of what
/// follows it ([`END`] at the end of the text). A split inside the match
/// must be one of the term's own `splits`, or lie inside a word spelt one
/// letter at a time: between two single-letter words, in a run of three or
/// more such letters within the match. A match of digits only stands only
/// for a term of digits only (`101` is a number, not `lol`).
pub fn accepts(
    splits: &[u32],
    digits_only: bool,
    chars: impl IntoIterator<Item = (u32, u8)>,
) -> bool {
    let mut chars = chars.into_iter();
    let Some((_, first)) = chars.next() else {
        return false;
    };
    let mut previous = first;
    let mut all_digits = first & DIGIT != 0;
    // Singles in the spelling run that the last character belongs to.
    let mut run = 1;
    // The last character crossed into must be a single-letter word: a
    // split must follow it.
    let mut need_split = false;
    let mut chars = chars.peekable();
    while let Some((at, flags)) = chars.next() {
        let split = flags & SPLIT != 0;
        if need_split && !split {
            return false;
        }
        need_split = false;
        if chars.peek().is_none() {
            // What follows the match.
            break;
        }
        all_digits &= flags & DIGIT != 0;
        if split && !splits.contains(&at) {
            // Spelt out: the character before must be a word on its own.
            if previous & SPLIT == 0 {
                return false;
            }
            need_split = true;
            run += 1;
        } else {
            if run == 2 {
                return false;
            }
            run = 1;
        }
        previous = flags;
    }
    run != 2 && all_digits == digits_only
}

/// Where [`fold_text`] sends the normalised text: [`Normalized`] stores
/// it, the matcher feeds it straight to its automaton.
pub trait FoldSink {
    /// One character of normalised text, with the byte range of the source
    /// it came from and its flags ([`EDGE`], [`SPLIT`], [`JOINED`],
    /// [`DIGIT`]).
    fn push(&mut self, c: char, origin: (u32, u32), flags: u8);
}

const LOWER: u8 = 1;
const UPPER: u8 = 2;
const NUMBER: u8 = 4;
/// `x`/`X`: may start a punycode label.
const X: u8 = 8;
const WORD: u8 = LOWER | UPPER | NUMBER;

/// Each ASCII byte's class.
static ASCII_CLASS: [u8; 128] = {
    let mut table = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        table[b] = if c.is_ascii_lowercase() {
            LOWER
        } else if c.is_ascii_uppercase() {
            UPPER
        } else if c.is_ascii_digit() {
            NUMBER
        } else {
            0
        };
        if c == b'x' || c == b'X' {
            table[b] |= X;
        }
        b += 1;
    }
    table
};

/// Each ASCII byte folded: letters lowercased, `0` → `o` and `1` → `l`
/// (UTS #39), other digits kept, anything else 0.
static ASCII_FOLD: [u8; 128] = {
    let mut table = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() {
            table[b] = match c {
                b'0' => b'o',
                b'1' => b'l',
                _ => c.to_ascii_lowercase(),
            };
        }
        b += 1;
    }
    table
};

struct FoldState {
    /// Flags for the next character: [`EDGE`] | [`SPLIT`] after a separator.
    pending: u8,
    /// Whether a word character was emitted since the last split.
    in_word: bool,
    /// Of the last source character emitted: lowercase, a digit.
    previous_lower: bool,
    previous_digit: bool,
}

impl FoldState {
    #[inline(always)]
    fn split(&mut self) {
        self.pending = EDGE | SPLIT;
        self.in_word = false;
        self.previous_lower = false;
    }

    /// The flags of a source character's first emitted character.
    #[inline(always)]
    fn flags_for(&self, upper: bool, digit: bool) -> u8 {
        let mut flags = self.pending;
        if self.in_word && (digit != self.previous_digit || (self.previous_lower && upper)) {
            flags |= EDGE;
        }
        if digit {
            flags |= DIGIT;
        }
        flags
    }
}

/// The normalisation itself, streamed into `sink` a character at a time.
#[inline]
pub fn fold_text(source: &str, sink: &mut impl FoldSink) {
    let mut state = FoldState {
        pending: END,
        in_word: false,
        previous_lower: false,
        previous_digit: false,
    };
    let bytes = source.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        let b = bytes[at];
        // The common case, a byte at a time: one byte in, at most one out.
        if b < 128 {
            let class = ASCII_CLASS[b as usize];
            if class & WORD != 0 && (class & X == 0 || state.pending & SPLIT == 0) {
                emit_ascii(b, (at as u32, at as u32 + 1), 0, &mut state, sink);
                at += 1;
                continue;
            }
        }
        at = fold_slow(source, at, &mut state, sink);
    }
}

#[inline(always)]
fn emit_ascii(
    b: u8,
    origin: (u32, u32),
    extra: u8,
    state: &mut FoldState,
    sink: &mut impl FoldSink,
) {
    let class = ASCII_CLASS[b as usize];
    let digit = class & NUMBER != 0;
    let flags = state.flags_for(class & UPPER != 0, digit) | extra;
    sink.push(ASCII_FOLD[b as usize] as char, origin, flags);
    state.pending = 0;
    state.in_word = true;
    state.previous_lower = class & LOWER != 0;
    state.previous_digit = digit;
}

/// Everything but a plain ASCII letter or digit: non-ASCII characters,
/// references, escapes, markup, percent-encoding, punycode, separators.
/// Returns where the next source character starts. Kept out of line so
/// that the ASCII loop in [`fold_text`] stays small.
#[inline(never)]
fn fold_slow(source: &str, at: usize, state: &mut FoldState, sink: &mut impl FoldSink) -> usize {
    let bytes = source.as_bytes();
    let b = bytes[at];
    if !b.is_ascii() {
        let c = source[at..]
            .chars()
            .next()
            .expect("a character starts here");
        let end = at + c.len_utf8();
        fold_char(c, (at as u32, end as u32), false, state, sink);
        return end;
    }
    match b {
        b'x' | b'X' => {
            if let Some(end) = punycode_label(source, at, state, sink) {
                return end;
            }
            emit_ascii(b, (at as u32, at as u32 + 1), 0, state, sink);
            at + 1
        }
        b'&' => match reference(bytes, at) {
            Some((decoded, end)) => {
                let origin = (at as u32, end as u32);
                match decoded {
                    Decoded::Char(c) => fold_decoded(c, origin, false, state, sink),
                    Decoded::Str(s) => {
                        for (i, c) in s.chars().enumerate() {
                            fold_decoded(c, origin, i > 0, state, sink);
                        }
                    }
                }
                end
            }
            None => {
                state.split();
                at + 1
            }
        },
        b'%' => percent(source, at, state, sink),
        b'\\' => match bytes.get(at + 1) {
            // `\&`, `\%`: a literal character, not the start of a reference.
            Some(b'&' | b'%') => {
                state.split();
                at + 2
            }
            // A backslash escape: the backslash is not shown, the
            // punctuation after it is read as itself.
            // Before a marker inside a word (`K\*\*it\*\*e`), the escape
            // joins as the marker would.
            Some(b'*' | b'`' | b'~') if state.in_word && state.pending & SPLIT == 0 => {
                fold_slow(source, at + 1, state, sink)
            }
            Some(p) if p.is_ascii_punctuation() => at + 1,
            _ => {
                state.split();
                at + 1
            }
        },
        b'*' | b'`' | b'~' => {
            // The run of markers, escaped ones (`\*`) included.
            let marker = |b: Option<&u8>| matches!(b, Some(b'*' | b'`' | b'~'));
            let mut end = at;
            loop {
                if marker(bytes.get(end)) {
                    end += 1;
                } else if bytes.get(end) == Some(&b'\\') && marker(bytes.get(end + 1)) {
                    end += 2;
                } else {
                    break;
                }
            }
            // Emphasis, code or strikethrough markers inside a word are
            // not shown: `F**alc**on` reads as one word.
            let joins = state.in_word
                && state.pending & SPLIT == 0
                && bytes.get(end).is_some_and(|&n| {
                    n.is_ascii_alphanumeric() || n >= 0x80 || n == b'&' || n == b'%'
                });
            if !joins {
                state.split();
            }
            end
        }
        _ => {
            state.split();
            at + 1
        }
    }
}

/// A character that a reference, percent-encoding or punycode label stands
/// for: folded like a source character, but never decoded again.
fn fold_decoded(
    c: char,
    origin: (u32, u32),
    joined: bool,
    state: &mut FoldState,
    sink: &mut impl FoldSink,
) {
    if c.is_ascii() {
        if c.is_ascii_alphanumeric() {
            emit_ascii(
                c as u8,
                origin,
                if joined { JOINED } else { 0 },
                state,
                sink,
            );
        } else {
            state.split();
        }
    } else {
        fold_char(c, origin, joined, state, sink);
    }
}

/// One non-ASCII character: NFKD, marks dropped, the UTS #39 prototype of
/// each part as written, case folded.
fn fold_char<S: FoldSink>(
    c: char,
    origin: (u32, u32),
    joined: bool,
    state: &mut FoldState,
    sink: &mut S,
) {
    if default_ignorable(c) {
        return;
    }
    let upper = c.is_uppercase();
    let digit = c.is_numeric();
    let first_flags = state.flags_for(upper, digit);
    let mut parts = ['\0'; 18];
    let mut n = 0;
    decompose_compatible(c, |d| {
        if n < parts.len() {
            parts[n] = d;
            n += 1;
        }
    });
    let mut emitted = 0;
    let mut emit = |f: char, state: &mut FoldState, sink: &mut S| {
        // A split may come first inside the decomposition (`⑴` is `(1)`).
        let mut flags = if emitted == 0 {
            first_flags | state.pending
        } else {
            state.pending | JOINED
        };
        if joined {
            flags |= JOINED;
        }
        if digit {
            flags |= DIGIT;
        }
        sink.push(f, origin, flags);
        state.pending = 0;
        state.in_word = true;
        emitted += 1;
    };
    for &d in &parts[..n] {
        if is_combining_mark(d) || default_ignorable(d) {
            continue;
        }
        if d.is_ascii() {
            match ASCII_FOLD[d as usize] {
                0 => state.split(),
                f => emit(f as char, state, sink),
            }
            continue;
        }
        let mut buf = [0u8; 4];
        let mut protos = ['\0'; 8];
        let mut m = 0;
        for p in skeleton(d.encode_utf8(&mut buf)) {
            if m < protos.len() && !is_combining_mark(p) {
                protos[m] = p;
                m += 1;
            }
        }
        // Cherokee small letters are the capitals' glyphs, smaller: read
        // them as the capitals look.
        if ('\u{AB70}'..='\u{ABBF}').contains(&d) || ('\u{13F8}'..='\u{13FD}').contains(&d) {
            let capital = d.to_uppercase().next().unwrap_or(d);
            let mut cap = ['\0'; 8];
            let mut k = 0;
            for p in skeleton(capital.encode_utf8(&mut buf)) {
                if k < cap.len() && !is_combining_mark(p) {
                    cap[k] = p;
                    k += 1;
                }
            }
            if cap[..k].iter().all(char::is_ascii) {
                protos = cap;
                m = k;
            }
        }
        let protos = &protos[..m];
        // The prototype of `m` is `rn`; a single character drawn like `m`
        // is an `m`, as ASCII `m` stays one.
        if protos == ['r', 'n'] {
            emit('m', state, sink);
            continue;
        }
        let d_upper = d.is_uppercase();
        for &p in protos {
            if p.is_ascii() {
                match (p, ASCII_FOLD[p as usize]) {
                    (_, 0) => state.split(),
                    // A capital drawn as a bar (Greek `Ι`) is an `I`.
                    ('l', _) if d_upper => emit('i', state, sink),
                    (_, f) => emit(f as char, state, sink),
                }
                continue;
            }
            for f in fold_case(p) {
                if f.is_alphanumeric() {
                    emit(f, state, sink);
                } else {
                    state.split();
                }
            }
        }
    }
    if emitted > 0 {
        state.previous_lower = c.is_lowercase();
        state.previous_digit = digit;
    }
}

/// Default_Ignorable_Code_Point (Unicode's DerivedCoreProperties): drawn
/// as nothing, so they split no word.
fn default_ignorable(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x034F | 0x061C | 0x115F | 0x1160 | 0x17B4 | 0x17B5
        | 0x180B..=0x180F | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F
        | 0x3164 | 0xFE00..=0xFE0F | 0xFEFF | 0xFFA0 | 0xFFF0..=0xFFF8
        | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A | 0xE0000..=0xE0FFF)
}

enum Decoded {
    Char(char),
    Str(&'static str),
}

/// An HTML character reference at `at` (`&`): what it stands for and
/// where it ends. Numeric references decode as browsers do (without `;`
/// too; 0, surrogates and beyond U+10FFFF are U+FFFD; 0x80–0x9F as
/// Windows-1252); named ones need their `;` and are the HTML5 list.
fn reference(bytes: &[u8], at: usize) -> Option<(Decoded, usize)> {
    let rest = &bytes[at + 1..];
    if rest.first() == Some(&b'#') {
        let hex = matches!(rest.get(1), Some(b'x' | b'X'));
        let digits_start = if hex { 2 } else { 1 };
        let radix = if hex { 16 } else { 10 };
        let mut value: u32 = 0;
        let mut end = digits_start;
        while let Some(d) = rest.get(end).and_then(|&b| (b as char).to_digit(radix)) {
            value = value.saturating_mul(radix).saturating_add(d);
            end += 1;
        }
        if end == digits_start {
            return None;
        }
        if rest.get(end) == Some(&b';') {
            end += 1;
        }
        let c = match value {
            0x80..=0x9F => WINDOWS_1252[(value - 0x80) as usize],
            _ => char::from_u32(value)
                .filter(|&c| c != '\0')
                .unwrap_or('\u{FFFD}'),
        };
        return Some((Decoded::Char(c), at + 1 + end));
    }
    let name_len = rest
        .iter()
        .take(33)
        .take_while(|b| b.is_ascii_alphanumeric())
        .count();
    if name_len == 0 || rest.get(name_len) != Some(&b';') {
        return None;
    }
    let name = &rest[..name_len];
    let i = entities::ENTITIES
        .binary_search_by_key(&name, |&(key, _)| key)
        .ok()?;
    Some((Decoded::Str(entities::ENTITIES[i].1), at + 1 + name_len + 1))
}

/// What browsers read `&#128;`–`&#159;` as (HTML's numeric reference
/// table); the five unassigned ones stay C1 controls.
const WINDOWS_1252: [char; 32] = [
    '\u{20AC}', '\u{81}', '\u{201A}', '\u{192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}',
    '\u{2C6}', '\u{2030}', '\u{160}', '\u{2039}', '\u{152}', '\u{8D}', '\u{17D}', '\u{8F}',
    '\u{90}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}',
    '\u{2DC}', '\u{2122}', '\u{161}', '\u{203A}', '\u{153}', '\u{9D}', '\u{17E}', '\u{178}',
];

/// A run of `%XX` at `at`, decoded as UTF-8 as far as it is valid; each
/// character's origin is its own `%XX` triples. Anything else is a `%`.
fn percent(source: &str, at: usize, state: &mut FoldState, sink: &mut impl FoldSink) -> usize {
    let bytes = source.as_bytes();
    let hex = |b: u8| (b as char).to_digit(16);
    let mut decoded = Vec::new();
    let mut end = at;
    while bytes.get(end) == Some(&b'%')
        && let (Some(h), Some(l)) = (
            bytes.get(end + 1).and_then(|&b| hex(b)),
            bytes.get(end + 2).and_then(|&b| hex(b)),
        )
    {
        decoded.push((h * 16 + l) as u8);
        end += 3;
    }
    let valid = match std::str::from_utf8(&decoded) {
        Ok(s) => s.len(),
        Err(e) => e.valid_up_to(),
    };
    if valid == 0 {
        state.split();
        return at + 1;
    }
    let text = std::str::from_utf8(&decoded[..valid]).expect("checked above");
    for (offset, c) in text.char_indices() {
        let from = at + 3 * offset;
        let origin = (from as u32, (from + 3 * c.len_utf8()) as u32);
        fold_decoded(c, origin, false, state, sink);
    }
    at + 3 * valid
}

/// A punycode label (`xn--…`) at `at`, at the start of a word: its
/// characters decoded (RFC 3492), each with the whole label as its origin
/// but a character of its own. `None` if it does not decode to Unicode.
fn punycode_label(
    source: &str,
    at: usize,
    state: &mut FoldState,
    sink: &mut impl FoldSink,
) -> Option<usize> {
    let bytes = source.as_bytes();
    if !bytes.get(at..at + 4)?.eq_ignore_ascii_case(b"xn--") {
        return None;
    }
    let end = at
        + 4
        + bytes[at + 4..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-')
            .count();
    let label = punycode_decode(&source[at + 4..end])?;
    if label.iter().all(char::is_ascii) {
        return None;
    }
    let origin = (at as u32, end as u32);
    for c in label {
        fold_decoded(c, origin, false, state, sink);
    }
    Some(end)
}

/// RFC 3492 decoding of a label's part after `xn--`.
fn punycode_decode(input: &str) -> Option<Vec<char>> {
    const BASE: u32 = 36;
    const T_MIN: u32 = 1;
    const T_MAX: u32 = 26;
    const SKEW: u32 = 38;
    const DAMP: u32 = 700;
    fn adapt(delta: u32, points: u32, first: bool) -> u32 {
        let mut delta = if first { delta / DAMP } else { delta / 2 };
        delta += delta / points;
        let mut k = 0;
        while delta > ((BASE - T_MIN) * T_MAX) / 2 {
            delta /= BASE - T_MIN;
            k += BASE;
        }
        k + (BASE - T_MIN + 1) * delta / (delta + SKEW)
    }
    let (basic, encoded) = match input.rfind('-') {
        Some(p) => (&input[..p], &input[p + 1..]),
        None => ("", input),
    };
    let mut output: Vec<char> = basic.chars().collect();
    let (mut n, mut i, mut bias) = (128u32, 0u32, 72u32);
    let mut digits = encoded.bytes().peekable();
    while digits.peek().is_some() {
        let old_i = i;
        let mut w: u32 = 1;
        let mut k = BASE;
        loop {
            let digit = match digits.next()? {
                b @ b'a'..=b'z' => b - b'a',
                b @ b'A'..=b'Z' => b - b'A',
                b @ b'0'..=b'9' => b - b'0' + 26,
                _ => return None,
            } as u32;
            i = i.checked_add(digit.checked_mul(w)?)?;
            let t = if k <= bias {
                T_MIN
            } else if k >= bias + T_MAX {
                T_MAX
            } else {
                k - bias
            };
            if digit < t {
                break;
            }
            w = w.checked_mul(BASE - t)?;
            k += BASE;
        }
        let points = output.len() as u32 + 1;
        bias = adapt(i - old_i, points, old_i == 0);
        n = n.checked_add(i / points)?;
        i %= points;
        if output.len() >= 63 {
            return None;
        }
        output.insert(i as usize, char::from_u32(n)?);
        i += 1;
    }
    Some(output)
}

/// Normalises a term from the policy or calendar the same way as text.
pub fn normalize_term(term: &str) -> String {
    Normalized::new(term).text
}

/// Lowercase with the few full case foldings that lowercase misses.
fn fold_case(c: char) -> impl Iterator<Item = char> {
    let special: Option<&'static str> = match c {
        'ß' | 'ẞ' => Some("ss"),
        'ς' => Some("σ"),
        _ => None,
    };
    let (a, b) = match special {
        Some(s) => (None, Some(s.chars())),
        None => (Some(c.to_lowercase()), None),
    };
    a.into_iter().flatten().chain(b.into_iter().flatten())
}

/// Scripts whose words are not separated by spaces.
pub fn unspaced_script(c: char) -> bool {
    matches!(c,
        '\u{0E00}'..='\u{0EFF}'   // Thai, Lao
        | '\u{1000}'..='\u{109F}' // Myanmar
        | '\u{1780}'..='\u{17FF}' // Khmer
        | '\u{2E80}'..='\u{9FFF}' // CJK, kana
        | '\u{AC00}'..='\u{D7AF}' // Hangul
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{3FFFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The original text of the first match of `term` in `text`.
    fn find(text: &str, term: &str) -> Option<String> {
        let norm = Normalized::new(text);
        let needle = Needle::new(term);
        norm.find_all(&needle).first().map(|&start| {
            let (a, b) = norm.source_range(start, start + needle.text.len());
            text[a..b].to_string()
        })
    }

    #[test]
    fn evasions_are_found_with_original_spans() {
        for (text, expected) in [
            ("our Project Falcon launch", "Project Falcon"),
            ("see project-falcon soon", "project-falcon"),
            ("#ProjectFalcon is coming", "ProjectFalcon"),
            ("PROJECT  \n FALCON!", "PROJECT  \n FALCON"),
            ("project_falcon.v2", "project_falcon"),
            ("Project F\u{0430}lcon", "Project F\u{0430}lcon"),
            ("Project Fal\u{200B}con", "Project Fal\u{200B}con"),
            ("Project Ｆａｌｃｏｎ", "Project Ｆａｌｃｏｎ"),
            ("Project Fálcon", "Project Fálcon"),
            ("Project F**alc**on", "Project F**alc**on"),
            ("Project F*al*con", "Project F*al*con"),
            ("Project F`al`con", "Project F`al`con"),
            ("Project &#70;alcon", "Project &#70;alcon"),
            ("Project&nbsp;Falcon", "Project&nbsp;Falcon"),
            ("Project F\\*alcon", "Project F\\*alcon"),
            ("Project F\\*\\*alc\\*\\*on", "Project F\\*\\*alc\\*\\*on"),
            ("Project F a l c o n", "Project F a l c o n"),
            ("P.R.O.J.E.C.T F.A.L.C.O.N", "P.R.O.J.E.C.T F.A.L.C.O.N"),
            ("PR0JECT FA1C0N", "PR0JECT FA1C0N"),
        ] {
            assert_eq!(
                find(text, "Project Falcon").as_deref(),
                Some(expected),
                "{text:?}"
            );
        }
    }

    #[test]
    fn references_decode_as_browsers_read_them() {
        for text in [
            "&#75;ite",
            "&#x4B;ite",
            "&#x4b;ite",
            "&#75ite",
            "&Kopf;ite",
            "K&iacute;te",
        ] {
            assert_eq!(find(text, "Kite").as_deref(), Some(text), "{text:?}");
        }
        assert_eq!(
            find("Silver&nbsp;Lantern", "Silver Lantern").as_deref(),
            Some("Silver&nbsp;Lantern")
        );
        // One decoding only, and an escaped `&` starts no reference.
        assert_eq!(find("&amp;#75;ite", "Kite"), None);
        assert_eq!(find("\\&#75;ite", "Kite"), None);
        // A reference is not a word: `&amp;` holds no "amp".
        assert_eq!(find("R&amp;D", "amp"), None);
        assert_eq!(find("R&amp;D", "R&D").as_deref(), Some("R&amp;D"));
        // Unknown names stay text.
        assert_eq!(find("&kite;", "Kite").as_deref(), Some("kite"));
    }

    #[test]
    fn percent_encoding_and_punycode_decode() {
        assert_eq!(
            find("https://example.com/pilots/%4Fsprey-update", "Osprey").as_deref(),
            Some("%4Fsprey")
        );
        assert_eq!(find("a%20Kite", "Kite").as_deref(), Some("Kite"));
        assert_eq!(find("caf%C3%A9", "café").as_deref(), Some("caf%C3%A9"));
        assert_eq!(find("100%Kite", "Kite").as_deref(), Some("Kite"));
        assert_eq!(
            punycode_decode("mnchen-3ya")
                .unwrap()
                .iter()
                .collect::<String>(),
            "münchen"
        );
        assert_eq!(
            punycode_decode("bcher-kva")
                .unwrap()
                .iter()
                .collect::<String>(),
            "bücher"
        );
        assert_eq!(
            punycode_decode("fiqs8s")
                .unwrap()
                .iter()
                .collect::<String>(),
            "中国"
        );
        assert_eq!(punycode_decode("zz!"), None);
        // `fаlcon` with a Cyrillic а, as a host.
        let host = "https://xn--flcon-4ve.example.com/";
        assert_eq!(
            punycode_decode("flcon-4ve")
                .unwrap()
                .iter()
                .collect::<String>(),
            "f\u{0430}lcon"
        );
        assert_eq!(find(host, "Falcon").as_deref(), Some("xn--flcon-4ve"));
    }

    #[test]
    fn confusables_whatever_the_case() {
        assert_eq!(find("ΚΙΤΕ", "Kite").as_deref(), Some("ΚΙΤΕ"));
        assert_eq!(find("KITE", "Kite").as_deref(), Some("KITE"));
        // Cherokee Ꮶ Ꭵ Ꭲ Ꭼ; small letters read as their capitals.
        let cherokee = "\u{13E6}\u{13A5}\u{13A2}\u{13AC}";
        assert_eq!(find(cherokee, "Kite").as_deref(), Some(cherokee));
        assert_eq!(
            find("\u{AB7A}\u{ABAA}", "AS").as_deref(),
            Some("\u{AB7A}\u{ABAA}")
        );
        assert_eq!(find("0SPREY", "Osprey").as_deref(), Some("0SPREY"));
        assert_eq!(find("Fa1con", "Falcon").as_deref(), Some("Fa1con"));
        // ASCII `m` is not `rn`.
        assert_eq!(find("modern", "modem"), None);
    }

    #[test]
    fn words_are_not_joined_across_splits() {
        assert_eq!(find("coffee and a sandwich", "Anda"), None);
        assert_eq!(find("on a roll", "Ona"), None);
        assert_eq!(find("this is a test", "Isa"), None);
        assert_eq!(find("S&P 500", "sp"), None);
        assert_eq!(find("S & P", "sp"), None);
        assert_eq!(find("S&P 500", "S&P").as_deref(), Some("S&P"));
        assert_eq!(find("F_al_con", "Falcon"), None);
        assert_eq!(find("Fal-con", "Falcon"), None);
        assert_eq!(find("I've", "Ive"), None);
        // Spelt one letter at a time: three letters or more.
        assert_eq!(find("O N A", "Ona").as_deref(), Some("O N A"));
        assert_eq!(find("S P", "sp"), None);
        assert_eq!(find("F a lcon", "Falcon"), None);
        assert_eq!(
            find("F-A-L-C-O-N!", "Falcon").as_deref(),
            Some("F-A-L-C-O-N")
        );
        // Invisible characters split nothing.
        assert_eq!(
            find("and\u{200B}a", "Anda").as_deref(),
            Some("and\u{200B}a")
        );
    }

    #[test]
    fn digits_are_letters_only_inside_words() {
        // `101` is a number, not "lol"; `0` inside 2026 starts no word.
        assert_eq!(find("Room 101", "Lol"), None);
        assert_eq!(find("in 2026", "O2"), None);
        assert_eq!(find("202", "O2"), None);
        assert_eq!(find("Q4 2026", "2026").as_deref(), Some("2026"));
        assert_eq!(find("20260sprey", "Osprey"), None);
        assert_eq!(find("2026 0sprey", "Osprey").as_deref(), Some("0sprey"));
        // A letter↔digit change is an edge: `#Falcon2026`.
        assert_eq!(find("#Falcon2026", "Falcon").as_deref(), Some("Falcon"));
        assert_eq!(find("Falcon 2", "Falcon2").as_deref(), Some("Falcon 2"));
    }

    #[test]
    fn whole_words_only() {
        assert_eq!(find("kitesurfing all day", "Kite"), None);
        assert_eq!(find("a kite!", "Kite").as_deref(), Some("kite"));
        assert_eq!(find("#KiteLaunch", "Kite").as_deref(), Some("Kite"));
        assert_eq!(find("skite", "Kite"), None);
        assert_eq!(find("F**alcon**s", "Falcon"), None);
    }

    #[test]
    fn matches_never_cut_through_a_decomposed_character() {
        // `℀` decomposes to `a/c`: "aaaa" ends inside it (found by fuzzing).
        assert_eq!(find("AAA\u{2100}", "aaaa"), None);
        // And `a/c` is two words.
        assert_eq!(find("AAA\u{2100}", "aaaac"), None);
        assert_eq!(
            find("AAA\u{2100}", "aaaa c").as_deref(),
            Some("AAA\u{2100}")
        );
        assert_eq!(
            find("con\u{FB01}dential", "confidential").as_deref(),
            Some("con\u{FB01}dential")
        );
    }

    #[test]
    fn a_split_inside_a_decomposition_splits() {
        // `⑴` is `(1)`: the `l` it holds starts a word of its own.
        let norm = Normalized::new("a\u{2474}");
        assert_eq!(norm.text, "al");
        assert_eq!(norm.flags[1] & SPLIT, SPLIT);
    }

    #[test]
    fn case_folding_beyond_lowercase() {
        assert_eq!(find("STRASSE", "straße").as_deref(), Some("STRASSE"));
    }

    #[test]
    fn unspaced_scripts_match_inside_text() {
        assert_eq!(find("新製品鷹の発表", "鷹").as_deref(), Some("鷹"));
    }

    #[test]
    fn terms_normalise_like_text() {
        assert_eq!(normalize_term("Project  Falcon"), "projectfalcon");
        assert_eq!(normalize_term("profit-margin"), "profitmargin");
        let needle = Needle::new("Project Falcon");
        assert_eq!(needle.splits, vec![7]);
        assert!(!needle.digits_only);
        assert!(Needle::new("2026").digits_only);
        assert_eq!(Needle::new("ProjectFalcon").splits, vec![7]);
    }
}
