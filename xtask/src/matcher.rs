//! Every name the policy and calendar care about, compiled once per run into
//! one Aho-Corasick automaton over normalised text, and the policy's regexes
//! into one `RegexSet`. Scanning a post is then one pass per text unit.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;

use aho_corasick::{AhoCorasick, MatchKind};
use regex::RegexSetBuilder;

use crate::config::{ConfigError, POLICY_PATH};

use crate::calendar::Calendar;
use crate::normalize::{Normalized, normalize_term};
use crate::policy::{MAX_TERMS, Policy};
use crate::post::TextUnit;

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
    automaton: AhoCorasick,
    /// Per automaton pattern: every (subject, spelling) with that normal form.
    subjects: Vec<Vec<(Subject, String)>>,
    patterns: regex::RegexSet,
    /// Per `patterns` entry: (policy rule, index in that rule's patterns).
    pattern_owners: Vec<(usize, usize)>,
}

impl Matcher {
    pub fn new(policy: &Policy, calendar: &Calendar) -> Result<Matcher, ConfigError> {
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut needles: Vec<String> = Vec::new();
        let mut subjects: Vec<Vec<(Subject, String)>> = Vec::new();
        let mut add = |spelling: &str, subject: Subject| {
            let needle = normalize_term(spelling);
            if needle.is_empty() {
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
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&needles)
            .expect("automaton over validated, non-empty terms");

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
            subjects,
            patterns,
            pattern_owners,
        })
    }

    /// Finds every whole-word occurrence of every name in `units`.
    pub fn scan(&self, units: &[TextUnit]) -> Vec<Hit> {
        thread_local! {
            static NORMALIZED: RefCell<Normalized> = RefCell::new(Normalized::default());
        }
        NORMALIZED.with(|cell| match cell.try_borrow_mut() {
            Ok(mut norm) => self.scan_with(units, &mut norm),
            Err(_) => self.scan_with(units, &mut Normalized::default()),
        })
    }

    fn scan_with(&self, units: &[TextUnit], norm: &mut Normalized) -> Vec<Hit> {
        let mut hits = Vec::new();
        for (unit_index, unit) in units.iter().enumerate() {
            norm.refill(&unit.text);
            for m in self.automaton.find_overlapping_iter(&norm.text) {
                if !norm.is_whole_word(m.start(), m.end()) {
                    continue;
                }
                let (start, end) = norm.source_range(m.start(), m.end());
                for (subject, spelling) in &self.subjects[m.pattern().as_usize()] {
                    hits.push(Hit {
                        subject: *subject,
                        spelling: spelling.clone(),
                        unit: unit_index,
                        range: unit.file_range(start, end),
                        text: unit.text[start..end].to_string(),
                    });
                }
            }
        }
        hits
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
