//! Deterministic synthetic repositories: a policy and calendar with a chosen
//! number of client names and terms, and posts that look like the real thing
//! (front matter, several platforms with `## x`-style sections, links to
//! example.com, hashtags, lists, some non-ASCII text, some CRLF files, some
//! images) of which about 1% carry exactly one planted leak, recorded with
//! its place.
//!
//! Everything else is clean under every built-in rule by construction, so a
//! check must report exactly the planted leaks as errors:
//!
//! - Every generated name and term holds a `q` (`Baqoriven`), and no filler
//!   word does, so filler text can never match a name or a term, however the
//!   normaliser joins words. The few realistic terms (`revenue`, `roadmap`)
//!   are kept out of the filler by hand, which `filler_is_clean` tests.
//! - Every copy carries an accepted disclosure in its first sentence, so a
//!   planted product name does not also trip `disclosure.missing`.
//! - Every copy is measured with the tool's own counters (`measure`,
//!   `share`) while it is built, so no platform limit is ever exceeded.
//! - Links go to example.com and its subdomains only.
//!
//! Names and terms are numbered: the policy with 10,000 is a superset of the
//! one with 100, and posts use only the first ones, so one set of posts
//! serves both policies (hard links) and the comparison is like for like.

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::prng::Prng;
use onmessage_engine::measure;
use onmessage_engine::platform::Platform;
use onmessage_engine::share::{Reader, SharedCopy, shared_text};
use onmessage_engine::urls::find_urls;

/// Bump when the generated text changes, so cached corpora are rebuilt.
pub const GENERATOR_VERSION: u32 = 3;

/// The moment `publish` runs at: after every generated `publish_at`.
pub const NOW: &str = "2027-01-15T12:00:00Z";

/// Client names and terms that posts use: the smallest policy's.
const BASE_TERMS: usize = 100;

/// What a planted leak is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LeakKind {
    Codename,
    UnannouncedProduct,
    UnapprovedClient,
    ErrorTerm,
}

impl LeakKind {
    const ALL: [LeakKind; 4] = [
        LeakKind::Codename,
        LeakKind::UnannouncedProduct,
        LeakKind::UnapprovedClient,
        LeakKind::ErrorTerm,
    ];
}

/// One planted leak: where it is and what `check` must say about it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plant {
    pub path: String,
    /// 1-based; the column counts characters, as findings do.
    pub line: usize,
    pub column: usize,
    pub kind: LeakKind,
    pub text: String,
    /// Which part of the post: title, tag, default copy or a platform's copy.
    pub field: String,
    /// The error finding expected at this place.
    pub rule: String,
    /// A warning expected at the same place, if any (`product.undeclared`).
    pub warning: Option<String>,
}

/// A generated set of posts.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Content {
    pub posts: usize,
    pub bytes: u64,
    pub crlf_files: usize,
    pub non_ascii_files: usize,
    pub plants: Vec<Plant>,
}

// ---------------------------------------------------------------------------
// Names and terms

const CONSONANTS: &[u8] = b"bcdfghjklmnprstvwz";
const VOWELS: &[u8] = b"aeiou";
const SYLLABLES: usize = 18 * 5;

#[derive(Clone, Copy)]
enum Category {
    Client = 0,
    Term = 1,
    Product = 2,
    Codename = 3,
}

/// The `index`-th word of a category: syllable, `q` + the category's vowel,
/// two syllables, a consonant (`baqoriven`). Fixed length and a fixed
/// layout make every (category, index) a different word, and the `q` keeps
/// it out of any filler text.
fn token(category: Category, index: usize) -> String {
    let cat = category as usize;
    let space = SYLLABLES * SYLLABLES * SYLLABLES;
    assert!(index < space, "more names than the generator can spell");
    // A bijection on 0..space (7919 is prime, coprime to 90), so that
    // consecutive indices do not look alike.
    let mut x = (index * 7919 + cat * 104_729) % space;
    let mut syllable = || {
        let s = x % SYLLABLES;
        x /= SYLLABLES;
        let mut out = String::new();
        out.push(CONSONANTS[s / 5] as char);
        out.push(VOWELS[s % 5] as char);
        out
    };
    let first = syllable();
    let second = syllable();
    let third = syllable();
    let last = CONSONANTS[(index * 31 + cat) % CONSONANTS.len()] as char;
    format!("{first}q{}{second}{third}{last}", ["a", "e", "i", "o"][cat])
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or(String::new(), |c| {
        c.to_ascii_uppercase().to_string() + chars.as_str()
    })
}

struct ProductDef {
    id: String,
    name: String,
    codenames: Vec<String>,
    announce_at: Option<&'static str>,
}

struct ClientDef {
    id: String,
    /// Full name, then the short one.
    names: [String; 2],
    approved_until: Option<&'static str>,
}

impl ClientDef {
    fn approved(&self) -> bool {
        self.approved_until == Some(APPROVED_UNTIL)
    }
}

struct RuleDef {
    id: &'static str,
    severity: &'static str,
    category: &'static str,
    message: &'static str,
    help: &'static str,
    realistic: &'static [&'static str],
    patterns: &'static [&'static str],
    terms: Vec<String>,
}

const APPROVED_UNTIL: &str = "2030-12-31";
const EXPIRED: &str = "2025-06-30";
const PRODUCTS: usize = 8;
const PRODUCT_SUFFIXES: [&str; PRODUCTS] = [
    "Studio", "Cloud", "Sync", "Mobile", "Insights", "Edge", "Connect", "Flow",
];
const CLIENT_SUFFIXES: [&str; 6] = ["Logistics", "Health", "Foods", "Energy", "Bank", "Labs"];
const TERM_SUFFIXES: [&str; 6] = ["plan", "figures", "memo", "deal", "budget", "numbers"];

/// Products 0-4 are announced (posts may name them), 5 is announced in
/// 2030, 6 and 7 have no date.
fn products() -> Vec<ProductDef> {
    (0..PRODUCTS)
        .map(|p| {
            let token = token(Category::Product, p);
            let mut codenames = vec![capitalise(&token_codename(2 * p))];
            if p % 3 == 0 {
                codenames.push(format!(
                    "Project {}",
                    capitalise(&token_codename(2 * p + 1))
                ));
            }
            ProductDef {
                id: format!("{token}-{}", PRODUCT_SUFFIXES[p].to_ascii_lowercase()),
                name: format!("{} {}", capitalise(&token), PRODUCT_SUFFIXES[p]),
                codenames,
                announce_at: match p {
                    0 => Some("2025-02-15T13:00:00Z"),
                    1 => Some("2025-03-15T13:00:00Z"),
                    2 => Some("2025-04-15"),
                    3 => Some("2025-06-15T13:00:00Z"),
                    4 => Some("2025-09-15T13:00:00Z"),
                    5 => Some("2030-06-01T16:00:00Z"),
                    _ => None,
                },
            }
        })
        .collect()
}

fn token_codename(i: usize) -> String {
    token(Category::Codename, i)
}

/// `names / 4` clients of two names each: a quarter without approval, a
/// quarter with an expired one, half approved until 2030.
fn clients(names: usize) -> Vec<ClientDef> {
    (0..names / 2 / 2)
        .map(|c| {
            let token = token(Category::Client, c);
            ClientDef {
                id: token.clone(),
                names: [
                    format!(
                        "{} {}",
                        capitalise(&token),
                        CLIENT_SUFFIXES[c % CLIENT_SUFFIXES.len()]
                    ),
                    capitalise(&token),
                ],
                approved_until: match c % 4 {
                    0 => None,
                    1 => Some(EXPIRED),
                    _ => Some(APPROVED_UNTIL),
                },
            }
        })
        .collect()
}

/// The policy's rules with `names / 2` terms in all: realistic ones first,
/// then generated ones dealt round-robin (two error rules, two warning rules).
fn rules(names: usize) -> Vec<RuleDef> {
    let mut rules = vec![
        RuleDef {
            id: "confidential.financials",
            severity: "error",
            category: "financial",
            message: "Company financial information stays inside the company",
            help: "Remove the figure or the financial topic.",
            realistic: &[
                "revenue",
                "EBITDA",
                "profit margin",
                "quarterly results",
                "share price",
                "funding round",
                "IPO",
            ],
            patterns: &[
                r"(?i)\$\s?\d+(\.\d+)?\s?(m|bn|k|million|billion)\b",
                r"(?i)\b\d+(\.\d+)?\s?%\s+(growth|increase|decline|drop|rise)\b",
                r"(?i)\b(q[1-4]|fy\s?\d{2,4}|h[12])\s+(results|numbers|revenue|earnings|bookings|targets?)\b",
            ],
            terms: Vec::new(),
        },
        RuleDef {
            id: "internal.confidential",
            severity: "error",
            category: "confidential",
            message: "Confidential or internal-only information must not be shared",
            help: "Remove the internal detail; share only what is public.",
            realistic: &[
                "confidential",
                "roadmap",
                "sneak peek",
                "under NDA",
                "do not share",
                "internal only",
            ],
            patterns: &[r"\b(ENG|OPS|LEGAL|FIN|SEC|PROD)-\d{1,6}\b"],
            terms: Vec::new(),
        },
        RuleDef {
            id: "tone.negative",
            severity: "warning",
            category: "tone",
            message: "This wording reads as negative; check the tone before sharing",
            help: "Keep it positive.",
            realistic: &["worst", "terrible", "lawsuit", "scam"],
            patterns: &[],
            terms: Vec::new(),
        },
        RuleDef {
            id: "personnel.news",
            severity: "warning",
            category: "personnel",
            message: "Personnel news can reveal company plans; have it reviewed first",
            help: "Ask Communications to review it.",
            realistic: &["headcount", "hiring freeze", "stepping down"],
            patterns: &[],
            terms: Vec::new(),
        },
    ];
    let realistic: usize = rules.iter().map(|r| r.realistic.len()).sum();
    rules.push(RuleDef {
        id: "bench.near-miss",
        severity: "error",
        category: "confidential",
        message: "A term that neighbouring words of the filler spell together",
        help: "The matcher joined two words, which is a false match.",
        realistic: NEAR_MISS_TERMS,
        patterns: &[],
        terms: Vec::new(),
    });
    for r in &mut rules {
        r.terms = r.realistic.iter().map(|t| t.to_string()).collect();
    }
    for j in 0..(names / 2).saturating_sub(realistic) {
        let token = token(Category::Term, j);
        let term = if j % 3 == 0 {
            format!("{token} {}", TERM_SUFFIXES[j % TERM_SUFFIXES.len()])
        } else {
            token
        };
        rules[j % 4].terms.push(term);
    }
    rules
}

/// Every spelling the matcher looks for: rule terms, client names, product
/// names and codenames (what ripgrep and gitleaks are given).
pub fn spellings(names: usize) -> Vec<String> {
    let mut out = Vec::new();
    for r in rules(names) {
        out.extend(r.terms);
    }
    for c in clients(names) {
        out.extend(c.names);
    }
    for p in products() {
        out.push(p.name);
        out.extend(p.codenames);
    }
    out
}

/// The second edition's `except` on the financial rule: judged at every
/// planted financial term (which none of the phrases holds, so each plant
/// is still an error).
const FINANCIALS_EXCEPT: &str = "    except:\n      phrases: [Revenue Operations team, funding round table]\n      links_to: [docs.example.com/investors]\n";

/// Second-edition rules that every post exercises and no post trips, so
/// recall stays exact: a `require` judged on every copy (each carries its
/// disclosure in its first sentence), and a rule scoped by platform, tags
/// and time whose terms are the filler's own topics, so its scopes are
/// tested on most posts and never hold (no post is tagged `offer`).
const SECOND_EDITION_RULES: &str = "  - id: bench.disclosure-early
    severity: error
    category: legal
    message: The disclosure comes before the fold
    help: Start the copy with your disclosure.
    explain: Readers see the first lines only.
    require:
      phrases: [\"#employee\", \"#ExampleCorpEmployee\", I work at Example Corp]
      within: 200
  - id: bench.offer-terms
    severity: error
    category: legal
    message: An offer about our engineering practice needs its terms
    help: Link the offer's terms.
    explain: Offers need their terms.
    platforms: [x, linkedin]
    when:
      tags: [offer]
    active_from: 2024-01-01
    terms: [observability, accessibility, code review, feature flags, onboarding, caching]
";

/// Writes `policies/policy.yaml` and `policies/calendar.yaml` under `root`
/// with `names` client names and terms (half each).
pub fn write_policies(root: &Path, names: usize) -> io::Result<()> {
    let dir = root.join("policies");
    fs::create_dir_all(&dir)?;
    let (policy, calendar) = policy_texts(names);
    fs::write(dir.join("policy.yaml"), policy)?;
    fs::write(dir.join("calendar.yaml"), calendar)
}

/// The texts of the policy and calendar `write_policies` writes.
pub fn policy_texts(names: usize) -> (String, String) {
    let mut p = String::new();
    p.push_str(
        "# Generated by `cargo xtask bench`.\nversion: 1\n\ncompany:\n  name: Example Corp\n  timezone: America/New_York\n  domains: [example.com, careers.example.com, docs.example.com, events.example.com]\n  internal_domains: [corp.example.com, example.atlassian.net]\n\ndisclosure:\n  required_when: product\n  accepted: [\"#employee\", \"#ExampleCorpEmployee\", \"I work at Example Corp\"]\n\nplatforms:\n  x: {max_length: 280}\n  instagram: {max_length: 2200, max_hashtags: 5}\n\nclients:\n",
    );
    for c in clients(names) {
        let _ = writeln!(
            p,
            "  - id: {}\n    names: [{}, {}]",
            c.id, c.names[0], c.names[1]
        );
        if let Some(until) = c.approved_until {
            let _ = writeln!(
                p,
                "    approved_until: {until}\n    note: Written approval filed with Legal."
            );
        }
    }
    p.push_str("\nrules:\n");
    for r in rules(names) {
        let _ = writeln!(
            p,
            "  - id: {}\n    severity: {}\n    category: {}\n    message: {}\n    help: {}\n    explain: |\n      Why this rule exists\n        {}\n\n      How to fix a post\n        {}",
            r.id, r.severity, r.category, r.message, r.help, r.message, r.help
        );
        p.push_str("    terms:\n");
        for t in &r.terms {
            let _ = writeln!(p, "      - {t}");
        }
        if !r.patterns.is_empty() {
            p.push_str("    patterns:\n");
            for pattern in r.patterns {
                let _ = writeln!(p, "      - '{}'", pattern.replace('\'', "''"));
            }
        }
        if r.id == "confidential.financials" {
            p.push_str(FINANCIALS_EXCEPT);
        }
    }
    p.push_str(SECOND_EDITION_RULES);
    let mut c = String::from("# Generated by `cargo xtask bench`.\nversion: 1\n\nproducts:\n");
    for product in products() {
        let _ = writeln!(
            c,
            "  - id: {}\n    name: {}\n    codenames: [{}]",
            product.id,
            product.name,
            product.codenames.join(", ")
        );
        if let Some(at) = product.announce_at {
            let _ = writeln!(c, "    announce_at: {at}");
        }
    }
    c.push_str("\nquiet_periods:\n  - name: Q4 FY2024 earnings\n    start: 2024-12-15\n    end: 2025-01-28\n    categories: [financial]\n");
    (p, c)
}

// ---------------------------------------------------------------------------
// Posts

const TOPICS: &[&str] = &[
    "observability",
    "accessibility",
    "incident reviews",
    "code review",
    "pair programming",
    "feature flags",
    "load testing",
    "dark mode",
    "API design",
    "onboarding",
    "mentoring",
    "on-call rotations",
    "distributed tracing",
    "caching",
    "data modelling",
    "error budgets",
    "release notes",
    "design systems",
    "customer interviews",
    "field service",
    "offline sync",
    "search relevance",
    "localisation",
    "test automation",
    "platform engineering",
    "developer experience",
    "documentation",
    "database migrations",
    "schema design",
    "continuous delivery",
    "usability testing",
    "performance budgets",
];
const TEAMS: &[&str] = &[
    "platform",
    "mobile",
    "design",
    "support",
    "sales engineering",
    "data",
    "security",
    "customer success",
    "web",
    "infrastructure",
];
const EVENTS: &[&str] = &[
    "DevFest Lyon",
    "the Cascade meetup",
    "RustConf",
    "a local user group",
    "our spring hackathon",
    "the Harbor City tech fair",
    "KubeCon",
    "the accessibility summit",
];
const CITIES: &[&str] = &[
    "Lyon",
    "Zürich",
    "Málaga",
    "Osaka",
    "Toronto",
    "Nairobi",
    "Melbourne",
    "Harbor City",
];
const OPENERS: &[&str] = &[
    "I work at Example Corp, and this is one of the things I am proudest of this year.",
    "Proud #employee here, passing along something our teams built together.",
    "#employee post, but I mean every word of it.",
    "As an #employee I get to see this work up close, and it is worth passing on.",
    "I work at Example Corp and wanted to pass this along.",
    "A note from a proud #ExampleCorpEmployee.",
];
const SHORT_OPENERS: &[&str] = &[
    "Proud #employee here:",
    "#employee post:",
    "I work at Example Corp:",
    "From a happy #employee:",
];
const SENTENCES: &[&str] = &[
    "Spent the week digging into {topic} with the {team} team, and I learned more than I expected.",
    "The best part was seeing how small changes to {topic} made everyday work calmer for everyone.",
    "If you are new to {topic}, start small: pick one service, measure it, and improve one thing at a time.",
    "We wrote down everything we learned so other teams can reuse it.",
    "I gave a short talk about {topic} at {event} in {city}, and the hallway conversations afterwards were the highlight.",
    "Huge thanks to everyone on the {team} team who reviewed the drafts and pushed back where it mattered.",
    "It took {n} iterations to get right, and every one of them taught us something.",
    "My favourite tip: write the checklist before you need it, not during the incident.",
    "Customers told us they wanted fewer surprises, so we focused on {topic} first.",
    "There is no magic here, just steady work and good habits.",
    "Our guide walks through the whole setup step by step, with examples you can copy.",
    "I'm still amazed by how much a good default can change how people work.",
    "Next month we are running a free workshop on {topic} for anyone who wants to join.",
    "We're hiring for the {team} team, and this is the kind of work you would do every day.",
    "Ask me anything about {topic} in the comments; I will answer every one.",
    "Pairing with colleagues from {city} made this a lot more fun.",
    // Near misses (`NEAR_MISS_TERMS`): two words that spell a term together.
    "We planned it over coffee and a sandwich, and the {team} team is on a roll.",
    "This is a small step, and even the S&P 500 crowd noticed.",
];

/// Terms of an error rule that the filler spells across two words ("and
/// a", "on a", "is a", "S&P"): any finding of them is a false match.
const NEAR_MISS_TERMS: &[&str] = &["Anda", "Ona", "Isa", "sp", "Teamis"];
const SHORT_SENTENCES: &[&str] = &[
    "A short guide to {topic} that saved us hours.",
    "Notes from our {team} team on {topic}.",
    "What we learned about {topic} this month.",
    "Slides from my {event} talk on {topic}.",
    "Small habits, big wins for {topic}.",
    "Free workshop on {topic} next month.",
    "Ten minutes well spent if you care about {topic}.",
];
const LIST_ITEMS: &[&str] = &[
    "Measure before you change anything",
    "Write the runbook while it is fresh",
    "Celebrate the boring wins",
    "Pair on the hard parts",
    "Keep the feedback loop short",
    "Make the safe path the easy path",
];
const NON_ASCII: &[&str] = &[
    "Grüße aus München und bis bald in Zürich!",
    "Merci à toutes et à tous, à bientôt à Lyon !",
    "¡Muchas gracias, nos vemos en Málaga!",
    "東京オフィスから、こんにちは。",
    "Straße, façade, naïve, café: Unicode works everywhere now ✨",
    "🚀🎉 Shipped!",
];
const HASHTAGS: &[&str] = &[
    "#Engineering",
    "#Accessibility",
    "#DevOps",
    "#OpenSource",
    "#Hiring",
    "#Community",
    "#Testing",
    "#Observability",
    "#Design",
    "#CloudNative",
    "#RustLang",
    "#Learning",
];
const PRODUCT_SENTENCES: &[&str] = &[
    "{product} now makes {topic} simpler for every team.",
    "The latest {product} update is out, with better {topic} built in.",
];
const CLIENT_SENTENCES: &[&str] = &[
    "Thanks to our friends at {client} for working with us on {topic}.",
    "Our work with {client} shaped much of this.",
];
const AUTHORS: &[&str] = &[
    "jane.doe",
    "luis.moreno",
    "amara.okafor",
    "chen.wei",
    "sofia.rossi",
    "tom.becker",
];
const AUDIENCES: &[&str] = &["engineering", "sales", "marketing", "customer-success"];
const OTHER_PLATFORMS: [(Platform, usize); 6] = [
    (Platform::X, 70),
    (Platform::Facebook, 30),
    (Platform::Instagram, 30),
    (Platform::Threads, 15),
    (Platform::Bluesky, 15),
    (Platform::Mastodon, 10),
];

/// Where a planted leak goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Spot {
    Title,
    Tag,
    Default,
    Section,
}

struct Leak {
    kind: LeakKind,
    text: String,
    rule: String,
    warning: Option<String>,
    spot: Spot,
}

/// The leaks posts may carry, by kind: only names and terms that every
/// generated policy has.
struct LeakPool {
    codenames: Vec<String>,
    unannounced: Vec<String>,
    unapproved: Vec<String>,
    terms: Vec<(String, String)>,
}

impl LeakPool {
    fn new() -> LeakPool {
        let products = products();
        let clients = clients(BASE_TERMS);
        LeakPool {
            // Multi-word codenames are planted hyphenated too
            // (`project-zaqo`): a split the name itself has, so it counts.
            codenames: products
                .iter()
                .flat_map(|p| p.codenames.clone())
                .flat_map(|c| {
                    let hyphenated = c.contains(' ').then(|| c.replace(' ', "-").to_lowercase());
                    std::iter::once(c).chain(hyphenated)
                })
                .collect(),
            unannounced: products
                .iter()
                .filter(|p| p.announce_at.is_none_or(|at| at > "2027"))
                .map(|p| p.name.clone())
                .collect(),
            unapproved: clients
                .iter()
                .filter(|c| !c.approved())
                .flat_map(|c| c.names.clone())
                .collect(),
            terms: rules(BASE_TERMS)
                .into_iter()
                .filter(|r| r.severity == "error" && r.id != "bench.near-miss")
                .flat_map(|r| {
                    r.terms
                        .into_iter()
                        .map(move |t| (t, r.id.to_string()))
                        .collect::<Vec<_>>()
                })
                .collect(),
        }
    }

    fn leak(&self, (kind, spot): (LeakKind, Spot), rng: &mut Prng) -> Leak {
        let (text, rule, warning) = match kind {
            LeakKind::Codename => (
                rng.pick_ref(&self.codenames).clone(),
                "product.codename".to_string(),
                None,
            ),
            LeakKind::UnannouncedProduct => (
                rng.pick_ref(&self.unannounced).clone(),
                "product.embargo".to_string(),
                Some("product.undeclared".to_string()),
            ),
            LeakKind::UnapprovedClient => (
                rng.pick_ref(&self.unapproved).clone(),
                "client.unapproved".to_string(),
                None,
            ),
            LeakKind::ErrorTerm => {
                let (t, r) = rng.pick_ref(&self.terms).clone();
                (t, r, None)
            }
        };
        Leak {
            kind,
            text,
            rule,
            warning,
            spot,
        }
    }
}

fn leak_sentence(leak: &Leak) -> String {
    let template = match leak.kind {
        LeakKind::Codename => "This started as part of {leak}.",
        LeakKind::UnannouncedProduct => "I can't wait for {leak} to ship.",
        LeakKind::UnapprovedClient => "Big thanks to {leak} for trusting us.",
        LeakKind::ErrorTerm => "We also talked about {leak} over lunch.",
    };
    template.replace("{leak}", &leak.text)
}

/// Fills `{topic}`, `{team}`, `{event}`, `{city}`, `{n}`.
fn fill(template: &str, topic: &str, rng: &mut Prng) -> String {
    let mut out = template.replace("{topic}", topic);
    if out.contains("{team}") {
        out = out.replace("{team}", rng.pick(TEAMS));
    }
    if out.contains("{event}") {
        out = out.replace("{event}", rng.pick(EVENTS));
    }
    if out.contains("{city}") {
        out = out.replace("{city}", rng.pick(CITIES));
    }
    if out.contains("{n}") {
        out = out.replace("{n}", &rng.range(3, 12).to_string());
    }
    out
}

fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// Whether `copy` fits `platform` as the share button would send it.
fn fits(platform: Platform, copy: &str, link: &str, id: &str) -> bool {
    let limits = platform.default_limits();
    let shared = shared_text(
        &SharedCopy::new(copy),
        Some(link),
        Reader::Network(platform),
        id,
    );
    measure::length(platform, &shared) <= limits.max_length
        && limits.max_bytes.is_none_or(|max| shared.len() <= max)
        && limits
            .max_hashtags
            .is_none_or(|max| measure::hashtags(copy).len() <= max)
        && limits
            .max_links
            .is_none_or(|max| find_urls(&shared).len() <= max)
}

/// Joins `mandatory` parts, then adds `optional` ones while the copy fits.
fn build_copy(
    platform: Platform,
    mandatory: &[String],
    optional: &[String],
    link: &str,
    id: &str,
) -> String {
    let mut copy = mandatory.join(" ");
    assert!(
        fits(platform, &copy, link, id),
        "generator: mandatory {} copy does not fit: {copy}",
        platform.id()
    );
    for part in optional {
        let candidate = format!("{copy} {part}");
        if fits(platform, &candidate, link, id) {
            copy = candidate;
        }
    }
    copy
}

struct Post {
    path: String,
    text: String,
    plant: Option<Plant>,
    non_ascii: bool,
    crlf: bool,
}

/// One post, from its own random stream.
fn post(index: usize, seed: u64, leak_kind: Option<(LeakKind, Spot)>, pool: &LeakPool) -> Post {
    let mut rng = Prng::new(seed).fork(index as u64 + 1);
    let topic = rng.pick(TOPICS);
    let month = rng.range(1, 12);
    let day = rng.range(1, 28);
    let leak = leak_kind.map(|kind| pool.leak(kind, &mut rng));
    let products = products();
    let clients = clients(BASE_TERMS);
    let product = rng
        .chance(30)
        .then(|| &products[rng.below(5)])
        .map(|p| (p.id.clone(), p.name.clone()));
    let approved: Vec<&ClientDef> = clients.iter().filter(|c| c.approved()).collect();
    let client = rng
        .chance(10)
        .then(|| rng.pick(&approved))
        .map(|c| (c.id.clone(), c.names[rng.below(2)].clone()));

    // Title and file name.
    let (title_template, quoted) = rng.pick(&[
        ("Notes on {topic}", false),
        ("What we learned about {topic}", false),
        ("{Topic} tips from the {team} team", false),
        ("A short guide to {topic}", false),
        ("Talk recap: {topic} at {event}", true),
        ("Hiring: join the {team} team", true),
        ("Café chats about {topic}", true),
    ]);
    let mut title = fill(
        &title_template.replace("{Topic}", &capitalise(topic)),
        topic,
        &mut rng,
    );
    if let Some(leak) = leak.as_ref().filter(|l| l.spot == Spot::Title) {
        title = format!("{title} and {}", leak.text);
    }
    let id = format!(
        "{}-{index:06}",
        slug(
            &title_template
                .replace("{Topic}", topic)
                .replace("{topic}", topic)
                .replace(['{', '}'], "")
        )
    );
    let path = format!("content/posts/2026/{month:02}/{id}.md");
    let link_host = rng.pick(&[
        "example.com/blog",
        "docs.example.com/guides",
        "careers.example.com/teams",
    ]);
    let link = format!("https://{link_host}/{}", slug(topic));

    // Platforms: LinkedIn always (it reads the default copy), others by chance.
    let mut platforms = vec![Platform::Linkedin];
    for (p, percent) in OTHER_PLATFORMS {
        if rng.chance(percent) {
            platforms.push(p);
        }
    }
    let sectioned: Vec<Platform> = platforms
        .iter()
        .copied()
        .filter(|p| !matches!(p, Platform::Linkedin | Platform::Facebook))
        .collect();
    let leak_section = match &leak {
        Some(l) if l.spot == Spot::Section && !sectioned.is_empty() => Some(rng.pick(&sectioned)),
        _ => None,
    };
    let leak_in_default = leak.as_ref().is_some_and(|l| {
        l.spot == Spot::Default || (l.spot == Spot::Section && leak_section.is_none())
    });

    let non_ascii = rng.chance(15);
    let mut extra = Vec::new();
    if let Some((_, name)) = &product {
        extra.push(fill(rng.pick(PRODUCT_SENTENCES), topic, &mut rng).replace("{product}", name));
    }
    if let Some((_, name)) = &client {
        extra.push(fill(rng.pick(CLIENT_SENTENCES), topic, &mut rng).replace("{client}", name));
    }

    // Default copy: an opener with the disclosure, paragraphs, maybe a list,
    // a link, hashtags.
    let mut body = String::new();
    body.push_str(rng.pick(OPENERS));
    if leak_in_default {
        body.push(' ');
        body.push_str(&leak_sentence(leak.as_ref().expect("leak")));
    }
    let paragraphs = rng.range(2, 4);
    for p in 0..paragraphs {
        body.push_str(if p == 0 { " " } else { "\n\n" });
        let sentences = rng.range(1, 3);
        let mut parts = Vec::new();
        for _ in 0..sentences {
            parts.push(fill(rng.pick(SENTENCES), topic, &mut rng));
        }
        if p == 0 {
            parts.append(&mut extra.clone());
        }
        if non_ascii && p == 1 {
            parts.push(rng.pick(NON_ASCII).to_string());
        }
        body.push_str(&parts.join(" "));
    }
    if rng.chance(30) {
        body.push_str("\n\nThree things that helped:\n");
        for _ in 0..3 {
            let _ = writeln!(body, "- {}", rng.pick(LIST_ITEMS));
        }
        body.pop();
    }
    if rng.chance(25) {
        let _ = write!(body, "\n\nRead [the write-up]({link}) for the details.");
    } else {
        let _ = write!(body, "\n\nMore here: {link}");
    }
    let tags: Vec<&str> = (0..rng.range(1, 3)).map(|_| rng.pick(HASHTAGS)).collect();
    let _ = write!(body, "\n\n{}", dedup(&tags).join(" "));
    assert!(fits(Platform::Linkedin, &body, &link, &id));

    // Platform sections.
    for &platform in &sectioned {
        let mut mandatory = vec![rng.pick(SHORT_OPENERS).to_string()];
        if leak_section == Some(platform) {
            mandatory.push(leak_sentence(leak.as_ref().expect("leak")));
        }
        let mut optional: Vec<String> = (0..3)
            .map(|_| fill(rng.pick(SHORT_SENTENCES), topic, &mut rng))
            .collect();
        if non_ascii && rng.chance(50) {
            optional.insert(1, rng.pick(NON_ASCII).to_string());
        }
        if platform == Platform::Instagram {
            optional.push("Link in bio.".to_string());
            optional.extend(
                dedup(&(0..4).map(|_| rng.pick(HASHTAGS)).collect::<Vec<_>>())
                    .into_iter()
                    .map(str::to_string),
            );
        } else {
            mandatory.push(link.clone());
            optional.push(rng.pick(HASHTAGS).to_string());
        }
        // Keep the link last but for hashtags: the optional sentences go before it.
        let copy = if platform == Platform::Instagram {
            build_copy(platform, &mandatory, &optional, &link, &id)
        } else {
            let link_part = mandatory.pop().expect("link");
            let (sentences, hashtag) = optional.split_at(optional.len() - 1);
            let mut copy = build_copy(platform, &mandatory, sentences, &link, &id);
            for part in std::iter::once(&link_part).chain(hashtag) {
                let candidate = format!("{copy} {part}");
                if fits(platform, &candidate, &link, &id) {
                    copy = candidate;
                }
            }
            copy
        };
        let _ = write!(body, "\n\n## {}\n{copy}", platform.id());
    }
    body.push('\n');

    // Front matter.
    let mut text = String::from("---\n");
    if quoted || title.contains(':') {
        let _ = writeln!(text, "title: \"{title}\"");
    } else {
        let _ = writeln!(text, "title: {title}");
    }
    let _ = writeln!(text, "author: {}", rng.pick(AUTHORS));
    let status = match rng.below(20) {
        0 => "draft",
        1 | 2 => "review",
        _ => "approved",
    };
    let _ = writeln!(text, "status: {status}");
    let ids: Vec<&str> = platforms.iter().map(|p| p.id()).collect();
    let _ = writeln!(text, "platforms: [{}]", ids.join(", "));
    if rng.chance(50) {
        let _ = writeln!(
            text,
            "publish_at: 2026-{month:02}-{day:02}T{:02}:00:00Z",
            rng.range(13, 17)
        );
    } else {
        let _ = writeln!(text, "publish_at: 2026-{month:02}-{day:02}");
    }
    match rng.below(20) {
        0 => text.push_str("expires_at: 2026-12-31\n"),
        1..=6 => text.push_str("expires_at: 2027-12-31T23:00:00Z\n"),
        _ => {}
    }
    if let Some((id, _)) = &product {
        let _ = writeln!(text, "products: [{id}]");
    }
    if let Some((id, _)) = &client {
        let _ = writeln!(text, "clients: [{id}]");
    }
    if rng.chance(40) {
        let first = rng.below(AUDIENCES.len());
        let second = (first + 1 + rng.below(AUDIENCES.len() - 1)) % AUDIENCES.len();
        let _ = writeln!(
            text,
            "audiences: [{}, {}]",
            AUDIENCES[first], AUDIENCES[second]
        );
    }
    let _ = writeln!(text, "link: {link}");
    if rng.chance(20) {
        let _ = writeln!(
            text,
            "image: {{path: media/photo-{}.png, alt: \"Colleagues at a whiteboard sketching ideas about {topic}\"}}",
            rng.below(MEDIA)
        );
    }
    let mut tag_list = vec![slug(topic)];
    if rng.chance(50) {
        tag_list.push(
            rng.pick(&["engineering", "community", "learning", "hiring"])
                .to_string(),
        );
    }
    if let Some(leak) = leak.as_ref().filter(|l| l.spot == Spot::Tag) {
        tag_list.push(leak.text.clone());
    }
    let _ = writeln!(text, "tags: [{}]", tag_list.join(", "));
    text.push_str("---\n");
    text.push_str(&body);

    let plant = leak.map(|leak| {
        let at = text
            .find(&leak.text)
            .expect("the planted text is in the post");
        debug_assert_eq!(text.matches(&leak.text).count(), 1);
        let line = text[..at].matches('\n').count() + 1;
        let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        let column = text[line_start..at].chars().count() + 1;
        let field = match leak.spot {
            Spot::Title => "title".to_string(),
            Spot::Tag => "tag".to_string(),
            _ => match leak_section {
                Some(p) => format!("{} copy", p.id()),
                None => "default copy".to_string(),
            },
        };
        Plant {
            path: path.clone(),
            line,
            column,
            kind: leak.kind,
            text: leak.text,
            field,
            rule: leak.rule,
            warning: leak.warning,
        }
    });
    let crlf = rng.chance(5);
    if crlf {
        text = text.replace('\n', "\r\n");
    }
    Post {
        path,
        text,
        plant,
        non_ascii,
        crlf,
    }
}

fn dedup<'a>(items: &[&'a str]) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for &item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

const MEDIA: usize = 8;

/// A valid 1×1 PNG without metadata.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

/// Which posts carry a leak, of which kind and where: `per_mille` of them,
/// kinds and places in turn (4 kinds, 5 places: every pairing comes up).
fn leak_plan(posts: usize, per_mille: usize, seed: u64) -> Vec<Option<(LeakKind, Spot)>> {
    const SPOTS: [Spot; 5] = [
        Spot::Default,
        Spot::Section,
        Spot::Title,
        Spot::Default,
        Spot::Tag,
    ];
    let mut rng = Prng::new(seed).fork(0);
    let mut count = 0;
    (0..posts)
        .map(|_| {
            (rng.below(1000) < per_mille).then(|| {
                count += 1;
                (
                    LeakKind::ALL[(count - 1) % LeakKind::ALL.len()],
                    SPOTS[(count - 1) % SPOTS.len()],
                )
            })
        })
        .collect()
}

/// Writes `content/posts/**` and `content/media/` under `root`: `posts`
/// posts, `per_mille` of them with one planted leak.
pub fn write_content(
    root: &Path,
    posts: usize,
    per_mille: usize,
    seed: u64,
) -> io::Result<Content> {
    let content = root.join("content");
    if content.exists() {
        fs::remove_dir_all(&content)?;
    }
    let media = content.join("media");
    fs::create_dir_all(&media)?;
    for i in 0..MEDIA {
        fs::write(media.join(format!("photo-{i}.png")), PNG)?;
    }
    for month in 1..=12 {
        fs::create_dir_all(content.join(format!("posts/2026/{month:02}")))?;
    }
    let plan = leak_plan(posts, per_mille, seed);
    let pool = LeakPool::new();
    type Written = io::Result<(u64, Option<Plant>, bool, bool)>;
    let written: Vec<Written> = plan
        .into_par_iter()
        .enumerate()
        .map(|(i, leak)| {
            let post = post(i, seed, leak, &pool);
            fs::write(root.join(&post.path), &post.text)?;
            Ok((
                post.text.len() as u64,
                post.plant,
                post.non_ascii,
                post.crlf,
            ))
        })
        .collect();
    let mut out = Content {
        posts,
        bytes: 0,
        crlf_files: 0,
        non_ascii_files: 0,
        plants: Vec::new(),
    };
    for result in written {
        let (bytes, plant, non_ascii, crlf) = result?;
        out.bytes += bytes;
        out.non_ascii_files += usize::from(non_ascii);
        out.crlf_files += usize::from(crlf);
        out.plants.extend(plant);
    }
    out.plants
        .sort_by(|a, b| (&a.path, a.line, a.column).cmp(&(&b.path, b.line, b.column)));
    Ok(out)
}

/// The texts of the first `posts` posts `write_content` writes (for tests
/// of the readers the corpus exercises).
pub fn post_texts(posts: usize, per_mille: usize, seed: u64) -> Vec<String> {
    let pool = LeakPool::new();
    leak_plan(posts, per_mille, seed)
        .into_iter()
        .enumerate()
        .map(|(i, leak)| post(i, seed, leak, &pool).text)
        .collect()
}

/// Mirrors the regular files under `from` into `to` with hard links (no
/// copy, no symbolic link: the check refuses those).
pub fn link_tree(from: &Path, to: &Path) -> io::Result<()> {
    if to.exists() {
        fs::remove_dir_all(to)?;
    }
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.map_err(io::Error::other)?;
        let rel = entry.path().strip_prefix(from).expect("inside");
        let target: PathBuf = to.join(rel);
        if entry.file_type().is_dir() {
            fs::create_dir_all(&target)?;
        } else {
            fs::hard_link(entry.path(), &target)
                .or_else(|_| fs::copy(entry.path(), &target).map(|_| ()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filler_is_clean() {
        let realistic: Vec<String> = rules(BASE_TERMS)
            .iter()
            .flat_map(|r| r.realistic.iter().map(|t| t.to_lowercase()))
            .collect();
        let pools: [&[&str]; 11] = [
            TOPICS,
            TEAMS,
            EVENTS,
            CITIES,
            OPENERS,
            SHORT_OPENERS,
            SENTENCES,
            SHORT_SENTENCES,
            LIST_ITEMS,
            NON_ASCII,
            HASHTAGS,
        ];
        for text in pools.iter().flat_map(|p| p.iter()) {
            assert!(!text.to_lowercase().contains('q'), "{text}");
            // As the matcher sees it: normalised, whole words, splits
            // crossed only where the term has them.
            let norm = onmessage_engine::normalize::Normalized::new(text);
            for term in &realistic {
                let needle = onmessage_engine::normalize::Needle::new(term);
                assert!(norm.find_all(&needle).is_empty(), "{text} holds {term}");
            }
        }
    }

    #[test]
    fn near_misses_are_in_the_filler() {
        // Each near-miss term is spelt by two neighbouring words of the
        // filler, so a matcher that joins words fails the corpus.
        let filler: Vec<String> = SENTENCES
            .iter()
            .map(|s| onmessage_engine::normalize::normalize_term(s))
            .collect();
        for term in NEAR_MISS_TERMS {
            let needle = onmessage_engine::normalize::normalize_term(term);
            assert!(filler.iter().any(|f| f.contains(&needle)), "{term}");
        }
    }

    #[test]
    fn names_are_distinct_and_hold_a_q() {
        let all = spellings(10_000);
        let mut normal: Vec<String> = all
            .iter()
            .map(|s| onmessage_engine::normalize::normalize_term(s))
            .collect();
        normal.sort();
        let n = normal.len();
        normal.dedup();
        assert_eq!(normal.len(), n);
        assert!(all.len() >= 10_000);
        let small = spellings(100);
        assert!(small.iter().all(|s| all.contains(s)), "superset");
        assert!(token(Category::Client, 0).contains('q'));
    }

    #[test]
    fn posts_are_deterministic() {
        let pool = LeakPool::new();
        let a = post(7, 1, Some((LeakKind::Codename, Spot::Default)), &pool);
        let b = post(7, 1, Some((LeakKind::Codename, Spot::Default)), &pool);
        assert_eq!(a.text, b.text);
        assert_eq!(a.plant, b.plant);
        let plant = a.plant.unwrap();
        let text = a.text.replace("\r\n", "\n");
        let line = text.lines().nth(plant.line - 1).unwrap();
        let rest: String = line.chars().skip(plant.column - 1).collect();
        assert!(rest.starts_with(&plant.text), "{line} / {plant:?}");
    }
}
