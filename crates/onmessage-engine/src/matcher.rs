//! Every name the policy and calendar care about, compiled once per run into
//! one Aho-Corasick DFA over normalised text, and the policy's regexes into
//! one `RegexSet`. Scanning a text unit is one pass: each character is
//! normalised and fed to the DFA as it is read, and the normalised text is
//! never stored.

use std::collections::HashMap;
use std::ops::Range;

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::dfa::DFA;
use aho_corasick::{Anchored, MatchKind, PatternID};
use regex::RegexSetBuilder;

use crate::config::{ConfigError, POLICY_PATH};

use crate::calendar::Calendar;
use crate::normalize::{
    CONT, EDGE, END, FoldSink, JOINED, Needle, accepts, fold_text, unspaced_script,
};
use crate::policy::{MAX_TERMS, Policy};
use crate::post::{Field, TextUnit};

/// What a matched spelling stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    /// A `terms` entry of policy rule `rule`.
    Term {
        rule: usize,
    },
    Codename {
        product: usize,
    },
    ProductName {
        product: usize,
    },
    ClientName {
        client: usize,
    },
}

/// One match in one text unit of a post.
#[derive(Clone, Debug)]
pub struct Hit {
    pub subject: Subject,
    /// The spelling from the policy or calendar that matched.
    pub spelling: String,
    /// Index of the text unit it was found in.
    pub unit: usize,
    /// Which part of the post that unit is.
    pub field: Field,
    /// Byte range in the post file.
    pub range: Range<usize>,
    /// The original text matched.
    pub text: String,
}

/// Up to this many policy patterns, each searches on its own (see
/// `pattern_matches`).
const SEPARATE_PATTERNS: usize = 32;

/// Compiled size limit of all policy patterns together.
const PATTERN_SET_SIZE_LIMIT: usize = 64 << 20;

pub struct Matcher {
    automaton: DFA,
    /// Per automaton pattern: the needle (its folded text, where the term
    /// splits words, whether it is digits only).
    needles: Vec<Needle>,
    /// Per automaton pattern: whether its first and its last character are
    /// of a script written without spaces (they need no word boundary).
    unspaced_edges: Vec<(bool, bool)>,
    /// Per automaton pattern: every (subject, spelling) with that normal form.
    subjects: Vec<Vec<(Subject, String)>>,
    patterns: regex::RegexSet,
    /// Per `patterns` entry: (policy rule, index in that rule's patterns).
    pattern_owners: Vec<(usize, usize)>,
}

impl Matcher {
    pub fn new(policy: &Policy, calendar: &Calendar) -> Result<Matcher, ConfigError> {
        // Spellings with one folded text but different word splits
        // (`Anda`, `And A`) are different patterns: which splits a match
        // may cross depends on the spelling.
        let mut index: HashMap<Needle, usize> = HashMap::new();
        let mut needles: Vec<Needle> = Vec::new();
        let mut subjects: Vec<Vec<(Subject, String)>> = Vec::new();
        let mut add = |spelling: &str, subject: Subject| {
            let needle = Needle::new(spelling);
            if needle.text.is_empty() {
                return;
            }
            let slot = *index.entry(needle.clone()).or_insert_with(|| {
                needles.push(needle);
                subjects.push(Vec::new());
                subjects.len() - 1
            });
            if !subjects[slot].iter().any(|(s, _)| *s == subject) {
                subjects[slot].push((subject, spelling.to_string()));
            }
        };
        for (rule, r) in policy.rules.iter().enumerate() {
            for term in &r.terms {
                add(term, Subject::Term { rule });
            }
        }
        for (product, p) in calendar.products.iter().enumerate() {
            add(&p.name, Subject::ProductName { product });
            for codename in &p.codenames {
                add(codename, Subject::Codename { product });
            }
        }
        for (client, c) in policy.clients.iter().enumerate() {
            for name in &c.names {
                add(name, Subject::ClientName { client });
            }
        }
        if needles.len() > MAX_TERMS {
            return Err(ConfigError::file(
                POLICY_PATH,
                format!(
                    "the policy and calendar list {} distinct names and terms; the limit is {MAX_TERMS}",
                    needles.len()
                ),
            ));
        }
        // A DFA, not the default NFA: building it for 10,000 terms costs
        // about 60 ms once, and every byte of every post then takes one
        // table lookup instead of a walk along failure links (2.5 times the
        // instructions).
        let automaton = DFA::builder()
            .match_kind(MatchKind::Standard)
            .build(needles.iter().map(|n| n.text.as_str()))
            .expect("automaton over validated, non-empty terms");
        let unspaced_edges = needles
            .iter()
            .map(|n| {
                let edge = |c: Option<char>| c.is_some_and(unspaced_script);
                (
                    edge(n.text.chars().next()),
                    edge(n.text.chars().next_back()),
                )
            })
            .collect();

        let mut sources = Vec::new();
        let mut pattern_owners = Vec::new();
        for (rule, r) in policy.rules.iter().enumerate() {
            for (i, p) in r.patterns.iter().enumerate() {
                sources.push(p.as_str().to_string());
                pattern_owners.push((rule, i));
            }
        }
        let patterns = RegexSetBuilder::new(&sources)
            .size_limit(PATTERN_SET_SIZE_LIMIT)
            .build()
            .map_err(|e| ConfigError::file(POLICY_PATH, format!("the rules' patterns together are too large to compile ({e}); simplify or merge patterns")))?;
        Ok(Matcher {
            automaton,
            needles,
            unspaced_edges,
            subjects,
            patterns,
            pattern_owners,
        })
    }

    /// Finds every whole-word occurrence of every name in `units`.
    pub fn scan(&self, units: &[TextUnit]) -> Vec<Hit> {
        let mut hits = Vec::new();
        let mut scan = UnitScan::new(self);
        for (unit_index, unit) in units.iter().enumerate() {
            for m in scan.run(&unit.text) {
                let (start, end) = (m.source.0 as usize, m.source.1 as usize);
                for (subject, spelling) in &self.subjects[m.pattern.as_usize()] {
                    hits.push(Hit {
                        subject: *subject,
                        spelling: spelling.clone(),
                        unit: unit_index,
                        field: unit.field,
                        range: unit.file_range(start, end),
                        text: unit.text[start..end].to_string(),
                    });
                }
            }
        }
        hits
    }

    fn start_state(&self) -> StateID {
        self.automaton
            .start_state(Anchored::No)
            .expect("an unanchored DFA has an unanchored start")
    }

    /// Policy `patterns` matches: (rule index, byte range in the unit text),
    /// by pattern in policy order, then by position.
    ///
    /// With few patterns each one searches on its own: every regex keeps its
    /// literal prefilter and lazy DFA, where the combined set must fall back
    /// to the (much slower) PikeVM on any text that defeats its DFA (a
    /// Unicode `\b` meeting non-ASCII text, or too many DFA states). With
    /// many patterns, one pass of the set first picks the patterns to run.
    /// Both give the same matches in the same order.
    pub fn pattern_matches<'a>(
        &'a self,
        policy: &'a Policy,
        text: &'a str,
    ) -> impl Iterator<Item = (usize, Range<usize>)> + 'a {
        let selected: Box<dyn Iterator<Item = usize>> =
            if self.pattern_owners.len() <= SEPARATE_PATTERNS {
                Box::new(0..self.pattern_owners.len())
            } else {
                Box::new(self.patterns.matches(text).into_iter())
            };
        selected.flat_map(move |i| {
            let (rule, pattern) = self.pattern_owners[i];
            policy.rules[rule].patterns[pattern]
                .find_iter(text)
                .filter(|m| !m.is_empty())
                .map(move |m| (rule, m.range()))
        })
    }
}

/// What the scan remembers of one byte of normalised text.
#[derive(Clone, Copy, Default)]
struct Slot {
    /// Byte range in the source of the character the byte came from.
    origin: (u32, u32),
    /// The flags of the character starting at this byte (`normalize::EDGE`
    /// and the others), or `CONT` for a continuation byte.
    flags: u8,
}

/// A pattern found in the normalised text whose start is a whole-word
/// start; whether its end is one is known only when the next character
/// (or the end of the text) is read.
struct Candidate {
    pattern: PatternID,
    /// Where it starts in the normalised text.
    start: usize,
    /// Byte range in the unit's text.
    source: (u32, u32),
    /// Whether its last character needs no word boundary after it.
    unspaced_end: bool,
}

/// The state of one scan, kept across text units so they share buffers.
struct UnitScan<'m> {
    matcher: &'m Matcher,
    state: StateID,
    /// Bytes of normalised text read so far in this unit.
    len: usize,
    /// The last `window.len()` bytes of normalised text, by position modulo
    /// the length (a power of two longer than the longest pattern, so a
    /// match and the byte before it are always still here).
    window: Vec<Slot>,
    /// Matches that start a word, waiting to learn whether they end one.
    candidates: Vec<Candidate>,
    /// Whole-word matches of the unit, in text order.
    found: Vec<Candidate>,
}

impl<'m> UnitScan<'m> {
    fn new(matcher: &'m Matcher) -> UnitScan<'m> {
        let window_len = (matcher.automaton.max_pattern_len() + 1).next_power_of_two();
        UnitScan {
            matcher,
            state: matcher.start_state(),
            len: 0,
            window: vec![Slot::default(); window_len],
            candidates: Vec::new(),
            found: Vec::new(),
        }
    }

    /// Streams `text` through the normaliser into the automaton; returns its
    /// whole-word matches in text order.
    fn run(&mut self, text: &str) -> std::vec::Drain<'_, Candidate> {
        self.state = self.matcher.start_state();
        self.len = 0;
        self.found.clear();
        fold_text(text, self);
        // The end of the text is a word boundary.
        if !self.candidates.is_empty() {
            self.end_candidates(END);
        }
        self.found.drain(..)
    }

    /// Each pattern ending here (the automaton being in a match state) that
    /// starts a whole word becomes a candidate.
    #[inline(never)]
    fn start_candidates(&mut self, origin: (u32, u32)) {
        let dfa = &self.matcher.automaton;
        let mask = self.window.len() - 1;
        for index in 0..dfa.match_len(self.state) {
            let pattern = dfa.match_pattern(self.state, index);
            let start = self.len - dfa.pattern_len(pattern);
            let first = self.window[start & mask];
            let (unspaced_start, unspaced_end) = self.matcher.unspaced_edges[pattern.as_usize()];
            // A match must not start inside one source character's letters
            // (`℀` is `a/c`), and must begin a word unless its script is
            // written without spaces.
            let whole_start = first.flags & JOINED == 0;
            if whole_start && (unspaced_start || first.flags & EDGE != 0) {
                self.candidates.push(Candidate {
                    pattern,
                    start,
                    source: (first.origin.0, origin.1),
                    unspaced_end,
                });
            }
        }
    }

    /// The candidates end a whole word if the character after them, with
    /// `flags`, is another source symbol after an edge; they are matches
    /// if they cross no split that their term does not allow.
    #[inline(never)]
    fn end_candidates(&mut self, flags: u8) {
        let mask = self.window.len() - 1;
        let mut candidates = std::mem::take(&mut self.candidates);
        for candidate in candidates.drain(..) {
            if flags & JOINED != 0 || !(candidate.unspaced_end || flags & EDGE != 0) {
                continue;
            }
            let needle = &self.matcher.needles[candidate.pattern.as_usize()];
            let window = &self.window;
            let inside = (candidate.start..self.len)
                .map(|at| (at, window[at & mask].flags))
                .filter(|&(_, f)| f & CONT == 0)
                .map(|(at, f)| ((at - candidate.start) as u32, f));
            let after = std::iter::once(((self.len - candidate.start) as u32, flags));
            if accepts(&needle.splits, needle.digits_only, inside.chain(after)) {
                self.found.push(candidate);
            }
        }
        self.candidates = candidates;
    }

    #[inline(always)]
    fn feed(&mut self, byte: u8, origin: (u32, u32), flags: u8) {
        let mask = self.window.len() - 1;
        self.window[self.len & mask] = Slot { origin, flags };
        self.len += 1;
        let dfa = &self.matcher.automaton;
        self.state = dfa.next_state(Anchored::No, self.state, byte);
        if dfa.is_special(self.state) && dfa.is_match(self.state) {
            self.start_candidates(origin);
        }
    }
}

impl FoldSink for UnitScan<'_> {
    #[inline(always)]
    fn push(&mut self, c: char, origin: (u32, u32), flags: u8) {
        if !self.candidates.is_empty() {
            self.end_candidates(flags);
        }
        if c.is_ascii() {
            self.feed(c as u8, origin, flags);
        } else {
            let mut utf8 = [0u8; 4];
            for (i, &byte) in c.encode_utf8(&mut utf8).as_bytes().iter().enumerate() {
                self.feed(byte, origin, if i == 0 { flags } else { CONT });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::check::Setup;
    use crate::normalize::Normalized;

    /// The example repository's names and terms, compiled once.
    fn example_matcher() -> &'static Matcher {
        static MATCHER: std::sync::LazyLock<Matcher> = std::sync::LazyLock::new(|| {
            let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
            let read = |path: &str| std::fs::read(root.join(path)).expect("example policy files");
            Setup::parse(
                &read(crate::config::POLICY_PATH),
                &read(crate::config::CALENDAR_PATH),
            )
            .unwrap_or_else(|e| panic!("{e:?}"))
            .matcher
        });
        &MATCHER
    }

    /// (start, end, spelling) of every hit of one text, sorted.
    fn streamed(matcher: &Matcher, text: &str) -> Vec<(usize, usize, String)> {
        let unit = TextUnit::verbatim(Field::Title, text.to_string(), 0);
        let mut hits: Vec<_> = matcher
            .scan(&[unit])
            .into_iter()
            .map(|h| (h.range.start, h.range.end, h.spelling))
            .collect();
        hits.sort();
        hits
    }

    /// The same from the stored normalised text: every occurrence of every
    /// spelling's needle (overlapping ones too), kept where
    /// `Normalized::matches` says so.
    fn stored(matcher: &Matcher, text: &str) -> Vec<(usize, usize, String)> {
        let norm = Normalized::new(text);
        let mut hits = Vec::new();
        for subjects in &matcher.subjects {
            for (_, spelling) in subjects {
                let needle = Needle::new(spelling);
                for start in norm.find_all(&needle) {
                    let (a, b) = norm.source_range(start, start + needle.text.len());
                    hits.push((a, b, spelling.clone()));
                }
            }
        }
        hits.sort();
        hits
    }

    #[test]
    fn streaming_finds_what_the_stored_text_holds() {
        let matcher = example_matcher();
        for text in [
            "Project Falcon, project-falcon and #ProjectFalcon",
            "kitesurfing is not Kite; KITE is",
            "AAA\u{2100} Ｆａｌｃｏｎ F\u{0430}lcon Fal\u{200B}con",
            "Falcon",
            "",
        ] {
            assert_eq!(streamed(matcher, text), stored(matcher, text), "{text:?}");
        }
        assert_eq!(streamed(matcher, "Falcon").len(), 1);
    }

    proptest! {
        #[test]
        fn streaming_agrees_with_the_stored_text(
            pieces in proptest::collection::vec(
                prop::sample::select(vec![
                    "Falcon", "falcon", "FALCON", "Project", "project", "Kite", "kite", "surf",
                    "Sparrow", "Widget", "Pro", " ", "-", "#", "\n", "a", "A", "\u{2100}",
                    "\u{FB01}", "\u{200B}", "\u{0430}", "鷹", "ß", "\u{301}", "Ｆａｌｃｏｎ",
                ]),
                0..12,
            )
        ) {
            let matcher = example_matcher();
            let text = pieces.concat();
            prop_assert_eq!(streamed(matcher, &text), stored(matcher, &text));
        }
    }
}
