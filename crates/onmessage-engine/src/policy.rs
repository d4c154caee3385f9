//! The social media policy (`policies/policy.yaml`): typed, validated and
//! compiled (time zone resolved, dates parsed, regexes built).
//!
//! The serde types ignore keys they do not use (`version`): the schema has
//! already rejected unknown keys.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use jiff::tz::TimeZone;
use regex::Regex;
use serde::Deserialize;

use crate::config::{self, ConfigError, POLICY_PATH};
use crate::finding::Severity;
use crate::normalize::normalize_term;
use crate::platform::Platform;
use crate::schema::Schema;
use crate::time::{DayBound, parse_moment};

#[derive(Debug, Deserialize)]
struct PolicyFile {
    company: Company,
    #[serde(default)]
    disclosure: Option<DisclosureFile>,
    #[serde(default)]
    platforms: BTreeMap<Platform, PlatformLimits>,
    #[serde(default)]
    limits: LimitsFile,
    #[serde(default)]
    clients: Vec<ClientFile>,
    rules: Vec<RuleFile>,
    #[serde(default)]
    approval: Option<Approval>,
    #[serde(default)]
    builtins: BTreeMap<String, BuiltinFile>,
}

#[derive(Debug, Deserialize)]
struct BuiltinFile {
    severity: Severity,
}

#[derive(Debug, Deserialize)]
pub struct Company {
    pub name: String,
    pub timezone: String,
    /// BCP 47; the feeds and the hub declare it.
    #[serde(default = "default_language")]
    pub language: String,
    #[serde(default)]
    pub domains: Vec<String>,
    #[serde(default)]
    pub internal_domains: Vec<String>,
    /// Audience id → the name the hub shows (an id without one is shown as is).
    #[serde(default)]
    pub audience_names: BTreeMap<String, String>,
}

fn default_language() -> String {
    "en".to_string()
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum DisclosureKeyword {
    #[default]
    Product,
    Always,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RequiredWhenFile {
    Keyword(DisclosureKeyword),
    When(WhenFile),
}

#[derive(Debug, Deserialize)]
struct DisclosureFile {
    required_when: Option<RequiredWhenFile>,
    accepted: Vec<String>,
    #[serde(default)]
    accepted_patterns: Vec<String>,
    message: Option<String>,
}

/// When a post must carry the disclosure.
#[derive(Debug)]
pub enum DisclosureRequired {
    /// A post that declares or names a product (the first edition's rule).
    Product,
    Always,
    /// The second edition's `when` object, which replaces the product condition.
    When(Box<When>),
}

#[derive(Debug)]
pub struct Disclosure {
    pub required_when: DisclosureRequired,
    pub accepted: Vec<String>,
    /// Regexes whose match counts as a disclosure.
    pub accepted_patterns: Vec<Regex>,
    /// The `disclosure.missing` finding's text, replacing the built-in one.
    pub message: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub struct PlatformLimits {
    pub max_length: Option<usize>,
    pub max_hashtags: Option<usize>,
    pub max_links: Option<usize>,
    /// Characters shown before the network's "see more" fold.
    pub fold: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
struct LimitsFile {
    post_bytes: Option<u64>,
}

/// The largest post read by default: 1 MiB is far beyond any social post.
pub const DEFAULT_POST_BYTES: u64 = 1 << 20;
/// Most names and terms the matcher takes (codenames, product and client
/// names, rule terms together), so a runaway policy fails clearly instead of
/// exhausting memory.
pub const MAX_TERMS: usize = 200_000;
/// Longest policy pattern, in bytes.
pub const MAX_PATTERN_BYTES: usize = 10_000;

#[derive(Debug, Deserialize)]
struct ClientFile {
    id: String,
    names: Vec<String>,
    approved_from: Option<String>,
    approved_until: Option<String>,
    note: Option<String>,
}

#[derive(Debug, Deserialize)]
struct RuleFile {
    id: String,
    severity: Severity,
    category: String,
    message: String,
    explain: String,
    help: Option<String>,
    #[serde(default)]
    terms: Vec<TermFile>,
    #[serde(default)]
    patterns: Vec<String>,
    platforms: Option<Vec<Platform>>,
    audiences: Option<Vec<String>>,
    when: Option<WhenFile>,
    active_from: Option<ActiveFile>,
    active_until: Option<ActiveFile>,
    require: Option<RequireFile>,
    except: Option<ExceptFile>,
    near: Option<NearFile>,
    #[serde(default)]
    examples: ExamplesFile,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum TermFile {
    Plain(String),
    Spelled {
        term: String,
        #[serde(default)]
        inside_words: bool,
    },
}

impl TermFile {
    fn compile(&self) -> Term {
        match self {
            TermFile::Plain(text) => Term {
                text: text.clone(),
                inside_words: false,
            },
            TermFile::Spelled { term, inside_words } => Term {
                text: term.clone(),
                inside_words: *inside_words,
            },
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
enum AnyKeyword {
    Any,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum IdsFile {
    Any(AnyKeyword),
    Ids(Vec<String>),
}

#[derive(Debug, Deserialize)]
struct WhenFile {
    products: Option<IdsFile>,
    clients: Option<IdsFile>,
    tags: Option<Vec<String>>,
    rules: Option<Vec<String>>,
    terms: Option<Vec<TermFile>>,
    patterns: Option<Vec<String>>,
    links_to: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ActiveFile {
    Date(String),
    Product { product: String },
}

#[derive(Debug, Deserialize)]
struct RequireFile {
    #[serde(default)]
    phrases: Vec<String>,
    #[serde(default)]
    patterns: Vec<String>,
    #[serde(default)]
    links_to: Vec<String>,
    within: Option<usize>,
}

#[derive(Debug, Deserialize)]
struct ExceptFile {
    #[serde(default)]
    phrases: Vec<String>,
    #[serde(default)]
    links_to: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct NearFile {
    terms: Vec<TermFile>,
    within: usize,
}

#[derive(Debug, Default, Deserialize)]
struct ExamplesFile {
    #[serde(default, rename = "match")]
    matches: Vec<String>,
    #[serde(default)]
    no_match: Vec<String>,
}

/// A term as the policy spells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub text: String,
    /// Also matches inside a longer word ("Quartalsumsatz" for "Umsatz").
    pub inside_words: bool,
}

/// A list of products or clients: `any`, or some ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ids {
    Any,
    Some(Vec<String>),
}

impl Ids {
    fn compile(file: &IdsFile) -> Ids {
        match file {
            IdsFile::Any(AnyKeyword::Any) => Ids::Any,
            IdsFile::Ids(ids) => Ids::Some(ids.clone()),
        }
    }

    /// Whether any of `present` (ids declared or named) satisfies the list.
    pub fn holds<'a>(&self, mut present: impl Iterator<Item = &'a str>) -> bool {
        match self {
            Ids::Any => present.next().is_some(),
            Ids::Some(ids) => present.any(|p| ids.iter().any(|id| id == p)),
        }
    }
}

/// A host (its subdomains included) with an optional path prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkTarget {
    /// ASCII, lowercase.
    pub host: String,
    /// Starts with `/`, or is empty.
    pub path: String,
    /// As written, for messages.
    pub text: String,
}

impl LinkTarget {
    fn parse(text: &str) -> Option<LinkTarget> {
        let bare = text
            .trim()
            .trim_start_matches("https://")
            .trim_start_matches("http://");
        let (host, path) = match bare.find('/') {
            Some(i) => (&bare[..i], &bare[i..]),
            None => (bare, ""),
        };
        let host = crate::urls::host_to_ascii(host.trim_end_matches('.'))?;
        (!host.is_empty()).then(|| LinkTarget {
            host,
            path: path.trim_end_matches('/').to_string(),
            text: text.to_string(),
        })
    }

    /// Whether a URL (as found in text, with `host` already ASCII) goes here.
    pub fn matches(&self, host: &str, url: &str) -> bool {
        if !crate::urls::host_within(host, &self.host) {
            return false;
        }
        if self.path.is_empty() {
            return true;
        }
        let rest = url.split_once("://").map_or(url, |(_, r)| r);
        let path = rest.find('/').map_or("", |i| &rest[i..]);
        path.starts_with(&self.path)
    }
}

/// Where in the policy a phrase set is matched: its index in
/// [`Policy::phrase_sets`], matched by the [`Matcher`](crate::matcher::Matcher)
/// like terms.
pub type PhraseSet = usize;

/// A rule's `when`, or the disclosure's `required_when` object. All given
/// conditions must hold; each list means "any of". What the copy mentions
/// (`terms`, `patterns`, `links_to`) is one condition: any of those.
#[derive(Debug, Default)]
pub struct When {
    pub products: Option<Ids>,
    pub clients: Option<Ids>,
    pub tags: Option<Vec<String>>,
    /// Rule ids (built-in or the policy's) that must have an unsuppressed
    /// finding in the same copy or in front matter.
    pub rules: Vec<String>,
    pub terms: Option<PhraseSet>,
    pub patterns: Vec<Regex>,
    pub links_to: Vec<LinkTarget>,
    /// Every product id `products` lists, with where it is written, for
    /// checking against the calendar.
    pub product_ids: Vec<(String, (usize, usize))>,
}

impl When {
    /// Whether the copy's words are part of the condition.
    pub fn mentions(&self) -> bool {
        self.terms.is_some() || !self.patterns.is_empty() || !self.links_to.is_empty()
    }
}

/// `active_from` / `active_until`.
#[derive(Debug, Clone)]
pub enum Active {
    At(Timestamp),
    /// A product's `announce_at` (resolved against the calendar when judged).
    Product(String),
}

#[derive(Debug, Clone)]
pub struct Activation {
    pub at: Active,
    /// As written, for messages.
    pub text: String,
    /// Where it is written (line, column).
    pub position: (usize, usize),
}

#[derive(Debug, Default)]
pub struct Require {
    pub phrases: Option<PhraseSet>,
    pub phrase_texts: Vec<String>,
    pub patterns: Vec<Regex>,
    pub links_to: Vec<LinkTarget>,
    /// Must start before this many characters of the copy.
    pub within: Option<usize>,
}

#[derive(Debug, Default)]
pub struct Except {
    pub phrases: Option<PhraseSet>,
    pub links_to: Vec<LinkTarget>,
}

#[derive(Debug)]
pub struct Near {
    pub terms: PhraseSet,
    pub within: usize,
}

/// One example text and where it is written.
#[derive(Debug, Clone)]
pub struct Example {
    pub text: String,
    pub line: usize,
    pub column: usize,
}

#[derive(Debug, Default)]
pub struct Examples {
    pub matches: Vec<Example>,
    pub no_match: Vec<Example>,
}

#[derive(Debug)]
pub struct Client {
    pub id: String,
    pub names: Vec<String>,
    /// Start of the approval (included); `None`: from whenever it was given.
    pub approved_from: Option<Timestamp>,
    /// The date as written, for messages.
    pub approved_from_text: Option<String>,
    /// Exclusive end of the approval; `None`: never approved.
    pub approved_until: Option<Timestamp>,
    /// The date as written, for messages.
    pub approved_until_text: Option<String>,
    /// What the policy owners tell authors about the approval (its scope).
    pub note: Option<String>,
}

impl Client {
    /// Whether the client may be named publicly at `at`: inside its
    /// approval window, `approved_from` included, `approved_until`'s day
    /// included.
    pub fn is_approved_at(&self, at: Timestamp) -> bool {
        self.approved_until.is_some_and(|until| at < until)
            && self.approved_from.is_none_or(|from| from <= at)
    }

    /// The window in which the client may be named: from `approved_from`
    /// (`None`: open) to the exclusive end of `approved_until`; `None` when
    /// it was never approved. Publish's RSS `pubDate` takes the start as
    /// one more moment a post became shareable.
    pub fn approval_window(&self) -> Option<(Option<Timestamp>, Timestamp)> {
        self.approved_until.map(|until| (self.approved_from, until))
    }
}

#[derive(Debug)]
pub struct Rule {
    pub id: String,
    pub severity: Severity,
    pub category: String,
    pub message: String,
    pub explain: String,
    pub help: Option<String>,
    pub terms: Vec<Term>,
    pub patterns: Vec<Regex>,
    /// Scope: only these platforms' copy (front matter counts for every
    /// platform the post lists).
    pub platforms: Option<Vec<Platform>>,
    /// Scope: posts for these audiences (a post without audiences is for everyone).
    pub audiences: Option<Vec<String>>,
    pub when: Option<When>,
    pub active_from: Option<Activation>,
    pub active_until: Option<Activation>,
    pub require: Option<Require>,
    pub except: Option<Except>,
    pub near: Option<Near>,
    pub examples: Examples,
}

impl Rule {
    /// Whether the rule has any scope beyond "every post, every copy".
    pub fn is_scoped(&self) -> bool {
        self.platforms.is_some()
            || self.audiences.is_some()
            || self.when.is_some()
            || self.active_from.is_some()
            || self.active_until.is_some()
    }
}

/// The IANA zone people mean by a common abbreviation (which is either no
/// zone at all or, like `EST`, a fixed offset without daylight saving).
fn zone_for_abbreviation(name: &str) -> Option<&'static str> {
    const ZONES: [(&str, &str); 16] = [
        ("EST", "America/New_York"),
        ("EDT", "America/New_York"),
        ("CST", "America/Chicago"),
        ("CDT", "America/Chicago"),
        ("MST", "America/Denver"),
        ("MDT", "America/Denver"),
        ("PST", "America/Los_Angeles"),
        ("PDT", "America/Los_Angeles"),
        ("AKST", "America/Anchorage"),
        ("HST", "Pacific/Honolulu"),
        ("BST", "Europe/London"),
        ("CEST", "Europe/Paris"),
        ("IST", "Asia/Kolkata"),
        ("JST", "Asia/Tokyo"),
        ("AEST", "Australia/Sydney"),
        ("AEDT", "Australia/Sydney"),
    ];
    let upper = name.trim().to_ascii_uppercase();
    ZONES
        .iter()
        .find(|(a, _)| *a == upper)
        .map(|&(_, zone)| zone)
}

#[derive(Debug)]
pub struct Policy {
    /// The file as data, to compare a change entry by entry (`review`).
    pub source: serde_json::Value,
    pub company: Company,
    pub timezone: TimeZone,
    /// What is accepted but probably not meant (a fixed-offset time zone):
    /// told on stderr, never a finding.
    pub warnings: Vec<ConfigError>,
    pub disclosure: Option<Disclosure>,
    pub platforms: BTreeMap<Platform, PlatformLimits>,
    pub clients: Vec<Client>,
    pub rules: Vec<Rule>,
    /// Largest post file read, in bytes.
    pub post_bytes: u64,
    /// `None`: the policy has no `approval` section (nothing is judged).
    pub approval: Option<Approval>,
    /// Built-in rule id → the severity the policy gives it.
    pub builtins: BTreeMap<String, Severity>,
    /// Lists of phrases matched like terms (`when.terms`, `near.terms`,
    /// `require.phrases`, `except.phrases`, the disclosure's `when.terms`),
    /// each compiled into the matcher once.
    pub phrase_sets: Vec<Vec<Term>>,
    /// Policy rules in an order where every rule comes after the rules its
    /// `when.rules` names (indices into `rules`).
    pub order: Vec<usize>,
    /// Per rule: its place in `order`.
    pub rank: Vec<usize>,
    /// Rules that must be looked at for every post (they require something,
    /// or carry a `when` that other findings feed), not only when one of
    /// their terms or patterns matched.
    pub always_judged: Vec<usize>,
}

/// Built-in rules whose severity a policy cannot lower.
pub const NOT_LOWERABLE: &[&str] = &[
    "product.codename",
    "product.embargo",
    "client.unapproved",
    "history.leak",
    "post.parse",
    "post.schema",
    "quiet-period",
];

/// Largest compiled size of one policy pattern: a bigger one is refused
/// rather than risking memory exhaustion.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

impl Policy {
    /// Parses and compiles the policy file's bytes.
    pub fn parse(bytes: &[u8], builtin_ids: &[&str]) -> Result<Policy, Vec<ConfigError>> {
        Policy::parse_with(bytes, builtin_ids, crate::schema::embedded())
    }

    /// [`Policy::parse`], validated with `schemas` (a base revision's).
    pub fn parse_with(
        bytes: &[u8],
        builtin_ids: &[&str],
        schemas: &crate::schema::Schemas,
    ) -> Result<Policy, Vec<ConfigError>> {
        let loaded = config::parse::<PolicyFile>(POLICY_PATH, bytes, Schema::Policy, schemas)?;
        let (file, doc) = (loaded.value, loaded.doc);
        let mut errors = Vec::new();
        let at = |pointer: &str| doc.value_pos(pointer);

        let named = file.company.timezone.as_str();
        let instead = zone_for_abbreviation(named);
        let timezone = TimeZone::get(named).unwrap_or_else(|e| {
            let message = match instead {
                Some(zone) => format!(
                    "unknown time zone `{named}`: abbreviations are not time zones; write `timezone: {zone}`"
                ),
                None => format!(
                    "unknown time zone `{named}` ({e}); use an IANA name such as America/New_York"
                ),
            };
            errors.push(ConfigError::at(POLICY_PATH, at("/company/timezone"), message));
            TimeZone::UTC
        });
        // `EST`, `MST` and `HST` are zones, but fixed ones: no daylight saving.
        let warnings: Vec<ConfigError> = instead
            .filter(|_| TimeZone::get(named).is_ok())
            .map(|zone| {
                ConfigError::at(
                    POLICY_PATH,
                    at("/company/timezone"),
                    format!(
                        "time zone `{named}` is a fixed offset with no daylight saving: in summer every bare date and time is an hour off; write `timezone: {zone}`"
                    ),
                )
            })
            .into_iter()
            .collect();

        let mut clients = Vec::with_capacity(file.clients.len());
        let mut client_ids: HashMap<&str, usize> = HashMap::new();
        for (i, c) in file.clients.iter().enumerate() {
            if let Some(first) = client_ids.insert(&c.id, i) {
                errors.push(ConfigError::at(
                    POLICY_PATH,
                    at(&format!("/clients/{i}/id")),
                    format!(
                        "client id `{}` is already used by client {} (line {})",
                        c.id,
                        first + 1,
                        at(&format!("/clients/{first}/id")).line
                    ),
                ));
            }
            for (j, name) in c.names.iter().enumerate() {
                if normalize_term(name).is_empty() {
                    errors.push(ConfigError::at(
                        POLICY_PATH,
                        at(&format!("/clients/{i}/names/{j}")),
                        format!("client name `{name}` has no letters or digits to match"),
                    ));
                }
            }
            let mut date = |key: &str, text: Option<&str>, bound: DayBound| {
                text.and_then(|d| {
                    parse_moment(d, &timezone, bound)
                        .map_err(|e| {
                            errors.push(ConfigError::at(
                                POLICY_PATH,
                                at(&format!("/clients/{i}/{key}")),
                                e,
                            ))
                        })
                        .ok()
                })
            };
            let approved_from = date("approved_from", c.approved_from.as_deref(), DayBound::Start);
            let approved_until = date("approved_until", c.approved_until.as_deref(), DayBound::End);
            if let (Some(from), Some(until)) = (approved_from, approved_until)
                && from >= until
            {
                errors.push(ConfigError::at(
                    POLICY_PATH,
                    at(&format!("/clients/{i}/approved_from")),
                    format!(
                        "client `{}`: approved_from ({}) is not before the end of approved_until ({}): the approval would never be valid",
                        c.id,
                        c.approved_from.as_deref().unwrap_or_default(),
                        c.approved_until.as_deref().unwrap_or_default()
                    ),
                ));
            }
            clients.push(Client {
                id: c.id.clone(),
                names: c.names.clone(),
                approved_from,
                approved_from_text: c.approved_from.clone(),
                approved_until,
                approved_until_text: c.approved_until.clone(),
                note: c.note.clone(),
            });
        }

        let mut phrase_sets: Vec<Vec<Term>> = Vec::new();
        let mut compile = Compile {
            doc: &doc,
            errors: &mut errors,
            phrase_sets: &mut phrase_sets,
            timezone: &timezone,
            client_ids: clients.iter().map(|c: &Client| c.id.clone()).collect(),
        };
        let mut rules = Vec::with_capacity(file.rules.len());
        let mut rule_ids: HashMap<&str, usize> = HashMap::new();
        for (i, r) in file.rules.iter().enumerate() {
            let base = format!("/rules/{i}");
            if builtin_ids.contains(&r.id.as_str()) {
                compile.error(
                    &format!("{base}/id"),
                    format!("rule id `{}` is a built-in rule; choose another id", r.id),
                );
            }
            if let Some(first) = rule_ids.insert(&r.id, i) {
                let line = compile.pos(&format!("/rules/{first}/id")).line;
                compile.error(
                    &format!("{base}/id"),
                    format!(
                        "rule id `{}` is already used by rule {} (line {line})",
                        r.id,
                        first + 1,
                    ),
                );
            }
            rules.push(compile.rule(r, &base));
        }

        // What only the whole rule list can say: names in `when.rules`
        // exist, and they form no cycle.
        let index: HashMap<&str, usize> = rules
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.as_str(), i))
            .collect();
        let mut depends: Vec<Vec<usize>> = vec![Vec::new(); rules.len()];
        for (i, r) in rules.iter().enumerate() {
            let Some(when) = &r.when else { continue };
            for (j, id) in when.rules.iter().enumerate() {
                match index.get(id.as_str()) {
                    Some(&k) => depends[i].push(k),
                    None if builtin_ids.contains(&id.as_str()) => {}
                    None => compile.error(
                        &format!("/rules/{i}/when/rules/{j}"),
                        format!("`when.rules` names `{id}`, which is neither a policy rule nor a built-in rule"),
                    ),
                }
            }
        }
        let order = match topological(&depends) {
            Ok(order) => order,
            Err(cycle) => {
                let names: Vec<&str> = cycle.iter().map(|&i| rules[i].id.as_str()).collect();
                compile.error(
                    &format!("/rules/{}/when/rules", cycle[0]),
                    format!(
                        "`when.rules` goes round in a circle ({} -> {}): a rule cannot depend on itself",
                        names.join(" -> "),
                        names[0]
                    ),
                );
                (0..rules.len()).collect()
            }
        };
        let mut rank = vec![0; rules.len()];
        for (place, &i) in order.iter().enumerate() {
            rank[i] = place;
        }
        let always_judged = order
            .iter()
            .copied()
            .filter(|&i| rules[i].require.is_some())
            .collect();

        let disclosure = file.disclosure.as_ref().map(|d| compile.disclosure(d));

        let mut builtins = BTreeMap::new();
        for (id, b) in &file.builtins {
            let pointer = format!("/builtins/{}", id.replace('~', "~0").replace('/', "~1"));
            if !builtin_ids.contains(&id.as_str()) {
                let message = if index.contains_key(id.as_str()) {
                    format!(
                        "`{id}` is a policy rule: set its severity in its own entry under `rules`"
                    )
                } else {
                    format!("`{id}` is not a built-in rule; `cargo xtask explain` lists them")
                };
                compile.key_error(&pointer, message);
                continue;
            }
            if NOT_LOWERABLE.contains(&id.as_str()) && b.severity != Severity::Error {
                compile.error(
                    &format!("{pointer}/severity"),
                    format!(
                        "`{id}` protects confidential information or the check itself and stays an error; it cannot be made {}",
                        b.severity.as_str()
                    ),
                );
                continue;
            }
            builtins.insert(id.clone(), b.severity);
        }

        if let Some(approval) = &file.approval {
            errors.extend(approval.problems(&at));
        }

        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Policy {
            company: file.company,
            timezone,
            warnings,
            disclosure,
            platforms: file.platforms,
            clients,
            rules,
            post_bytes: file.limits.post_bytes.unwrap_or(DEFAULT_POST_BYTES),
            approval: file.approval,
            builtins,
            phrase_sets,
            order,
            rank,
            always_judged,
            source: doc.value.clone(),
        })
    }

    /// A platform's limits: built-in, overridden by the policy's `platforms`.
    pub fn limits(&self, platform: Platform) -> crate::platform::Limits {
        let mut limits = platform.default_limits();
        if let Some(over) = self.platforms.get(&platform) {
            if let Some(n) = over.max_length {
                limits.max_length = n;
            }
            if over.fold.is_some() {
                limits.fold = over.fold;
            }
            if over.max_hashtags.is_some() {
                limits.max_hashtags = over.max_hashtags;
            }
            if over.max_links.is_some() {
                limits.max_links = over.max_links;
            }
        }
        limits
    }

    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }
}

// ---- approval: who may approve a post, and what an approval records ----

/// The policy's `approval` section.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Approval {
    #[serde(default)]
    pub approvers: Vec<Approver>,
    /// An approved post must name its approver and the approval date.
    #[serde(default)]
    pub require: bool,
    /// The approver is never the post's author.
    #[serde(default)]
    pub not_author: bool,
}

/// One person who may approve posts.
#[derive(Debug, Clone, Deserialize)]
pub struct Approver {
    pub id: String,
    pub name: String,
    pub role: Option<String>,
}

impl Approval {
    pub fn approver(&self, id: &str) -> Option<&Approver> {
        self.approvers.iter().find(|a| a.id == id)
    }

    /// Errors the schema cannot see: an approver id used twice.
    fn problems(&self, at: &impl Fn(&str) -> crate::yaml::Pos) -> Vec<ConfigError> {
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let mut errors = Vec::new();
        for (i, a) in self.approvers.iter().enumerate() {
            if let Some(first) = seen.insert(&a.id, i) {
                errors.push(ConfigError::at(
                    POLICY_PATH,
                    at(&format!("/approval/approvers/{i}/id")),
                    format!(
                        "approver id `{}` is already used by approver {} (line {}); each approver needs an id of their own",
                        a.id,
                        first + 1,
                        at(&format!("/approval/approvers/{first}/id")).line
                    ),
                ));
            }
        }
        errors
    }
}

/// Compiles the parts of rules and the disclosure, gathering errors with
/// their positions.
struct Compile<'a> {
    doc: &'a crate::yaml::Document,
    errors: &'a mut Vec<ConfigError>,
    phrase_sets: &'a mut Vec<Vec<Term>>,
    timezone: &'a TimeZone,
    client_ids: Vec<String>,
}

impl Compile<'_> {
    fn pos(&self, pointer: &str) -> crate::yaml::Pos {
        self.doc.value_pos(pointer)
    }

    fn error(&mut self, pointer: &str, message: String) {
        let pos = self.pos(pointer);
        self.errors.push(ConfigError::at(POLICY_PATH, pos, message));
    }

    fn key_error(&mut self, pointer: &str, message: String) {
        let pos = self.doc.key_pos(pointer);
        self.errors.push(ConfigError::at(POLICY_PATH, pos, message));
    }

    fn rule(&mut self, r: &RuleFile, base: &str) -> Rule {
        let terms = self.terms(&r.terms, &format!("{base}/terms"));
        let patterns = self.patterns(&r.patterns, &format!("{base}/patterns"));
        let has_matches = !r.terms.is_empty() || !r.patterns.is_empty();
        if has_matches && r.require.is_some() {
            self.key_error(
                &format!("{base}/require"),
                format!(
                    "rule `{}` has both `terms`/`patterns` and `require`: a rule either forbids words or requires them; split it into two rules",
                    r.id
                ),
            );
        }
        if !has_matches && r.require.is_none() {
            self.error(
                base,
                format!(
                    "rule `{}` has neither `terms`/`patterns` nor `require`, so it can never fire",
                    r.id
                ),
            );
        }
        // `near` qualifies matches of the rule's terms and of its
        // `when.terms`: without either it would have nothing to qualify.
        let when_terms = r
            .when
            .as_ref()
            .is_some_and(|w| w.terms.as_ref().is_some_and(|t| !t.is_empty()));
        if r.near.is_some() && r.terms.is_empty() && !when_terms {
            self.key_error(
                &format!("{base}/near"),
                format!(
                    "rule `{}` has `near` but no `terms` (nor `when.terms`): `near` says how close another word must be to one of the rule's terms",
                    r.id
                ),
            );
        }
        let when = r
            .when
            .as_ref()
            .map(|w| self.when(w, &format!("{base}/when")));
        let require = r.require.as_ref().map(|q| {
            let at = format!("{base}/require");
            if q.phrases.is_empty() && q.patterns.is_empty() && q.links_to.is_empty() {
                self.error(&at, "`require` lists no `phrases`, `patterns` or `links_to`: nothing could satisfy it".to_string());
            }
            let phrases = self.phrase_set(&q.phrases.iter().map(|p| TermFile::Plain(p.clone())).collect::<Vec<_>>(), &format!("{at}/phrases"));
            Require {
                phrases,
                phrase_texts: q.phrases.clone(),
                patterns: self.patterns(&q.patterns, &format!("{at}/patterns")),
                links_to: self.links(&q.links_to, &format!("{at}/links_to")),
                within: q.within,
            }
        });
        let except = r.except.as_ref().map(|e| {
            let at = format!("{base}/except");
            let phrases = self.phrase_set(
                &e.phrases
                    .iter()
                    .map(|p| TermFile::Plain(p.clone()))
                    .collect::<Vec<_>>(),
                &format!("{at}/phrases"),
            );
            Except {
                phrases,
                links_to: self.links(&e.links_to, &format!("{at}/links_to")),
            }
        });
        let near = r.near.as_ref().and_then(|n| {
            let terms = self.phrase_set(&n.terms, &format!("{base}/near/terms"))?;
            Some(Near {
                terms,
                within: n.within,
            })
        });
        let active_from = r
            .active_from
            .as_ref()
            .map(|a| self.active(a, &format!("{base}/active_from")));
        let active_until = r
            .active_until
            .as_ref()
            .map(|a| self.active(a, &format!("{base}/active_until")));
        if let (
            Some(Activation {
                at: Active::At(from),
                ..
            }),
            Some(Activation {
                at: Active::At(until),
                ..
            }),
        ) = (&active_from, &active_until)
            && until <= from
        {
            self.error(
                &format!("{base}/active_until"),
                format!("rule `{}` stops being active before it starts", r.id),
            );
        }
        let example = |kind: &str, list: &[String], this: &Self| -> Vec<Example> {
            list.iter()
                .enumerate()
                .map(|(j, text)| {
                    let pos = this.pos(&format!("{base}/examples/{kind}/{j}"));
                    Example {
                        text: text.clone(),
                        line: pos.line,
                        column: pos.column,
                    }
                })
                .collect()
        };
        let examples = Examples {
            matches: example("match", &r.examples.matches, self),
            no_match: example("no_match", &r.examples.no_match, self),
        };
        Rule {
            id: r.id.clone(),
            severity: r.severity,
            category: r.category.clone(),
            message: r.message.clone(),
            explain: r.explain.clone(),
            help: r.help.clone(),
            terms,
            patterns,
            platforms: r.platforms.clone(),
            audiences: r.audiences.clone(),
            when,
            active_from,
            active_until,
            require,
            except,
            near,
            examples,
        }
    }

    fn when(&mut self, w: &WhenFile, at: &str) -> When {
        let mut product_ids = Vec::new();
        if let Some(IdsFile::Ids(ids)) = &w.products {
            for (j, id) in ids.iter().enumerate() {
                let pos = self.pos(&format!("{at}/products/{j}"));
                product_ids.push((id.clone(), (pos.line, pos.column)));
            }
        }
        if let Some(IdsFile::Ids(ids)) = &w.clients {
            for (j, id) in ids.iter().enumerate() {
                if !self.client_ids.iter().any(|c| c == id) {
                    self.error(
                        &format!("{at}/clients/{j}"),
                        format!(
                            "`when.clients` names `{id}`, which is not a client under `clients`"
                        ),
                    );
                }
            }
        }
        When {
            product_ids,
            products: w.products.as_ref().map(Ids::compile),
            clients: w.clients.as_ref().map(Ids::compile),
            tags: w.tags.clone(),
            rules: w.rules.clone().unwrap_or_default(),
            terms: w
                .terms
                .as_ref()
                .and_then(|t| self.phrase_set(t, &format!("{at}/terms"))),
            patterns: self.patterns(
                w.patterns.as_deref().unwrap_or(&[]),
                &format!("{at}/patterns"),
            ),
            links_to: self.links(
                w.links_to.as_deref().unwrap_or(&[]),
                &format!("{at}/links_to"),
            ),
        }
    }

    fn disclosure(&mut self, d: &DisclosureFile) -> Disclosure {
        let required_when = match &d.required_when {
            None | Some(RequiredWhenFile::Keyword(DisclosureKeyword::Product)) => {
                DisclosureRequired::Product
            }
            Some(RequiredWhenFile::Keyword(DisclosureKeyword::Always)) => {
                DisclosureRequired::Always
            }
            Some(RequiredWhenFile::When(w)) => {
                if w.rules.as_ref().is_some_and(|r| !r.is_empty()) {
                    self.key_error(
                        "/disclosure/required_when/rules",
                        "the disclosure's `required_when` cannot depend on `rules`; name products, clients, tags, terms, patterns or links".to_string(),
                    );
                }
                DisclosureRequired::When(Box::new(self.when(w, "/disclosure/required_when")))
            }
        };
        Disclosure {
            required_when,
            accepted: d.accepted.clone(),
            accepted_patterns: self.patterns(&d.accepted_patterns, "/disclosure/accepted_patterns"),
            message: d.message.clone(),
        }
    }

    fn terms(&mut self, terms: &[TermFile], at: &str) -> Vec<Term> {
        terms
            .iter()
            .enumerate()
            .map(|(j, t)| {
                let term = t.compile();
                if normalize_term(&term.text).is_empty() {
                    let pointer = match t {
                        TermFile::Plain(_) => format!("{at}/{j}"),
                        TermFile::Spelled { .. } => format!("{at}/{j}/term"),
                    };
                    self.error(
                        &pointer,
                        format!("term `{}` has no letters or digits to match", term.text),
                    );
                }
                term
            })
            .collect()
    }

    /// A list matched like terms, registered for the matcher.
    fn phrase_set(&mut self, terms: &[TermFile], at: &str) -> Option<PhraseSet> {
        if terms.is_empty() {
            return None;
        }
        let terms = self.terms(terms, at);
        self.phrase_sets.push(terms);
        Some(self.phrase_sets.len() - 1)
    }

    fn links(&mut self, links: &[String], at: &str) -> Vec<LinkTarget> {
        links
            .iter()
            .enumerate()
            .filter_map(|(j, l)| {
                let target = LinkTarget::parse(l);
                if target.is_none() {
                    self.error(&format!("{at}/{j}"), format!("`{l}` is not a host name with an optional path (for example example.com/terms)"));
                }
                target
            })
            .collect()
    }

    fn active(&mut self, a: &ActiveFile, at: &str) -> Activation {
        let pos = self.pos(at);
        let position = (pos.line, pos.column);
        match a {
            ActiveFile::Date(text) => {
                let moment =
                    parse_moment(text, self.timezone, DayBound::Start).unwrap_or_else(|e| {
                        self.error(at, e);
                        Timestamp::UNIX_EPOCH
                    });
                Activation {
                    at: Active::At(moment),
                    text: text.clone(),
                    position,
                }
            }
            ActiveFile::Product { product } => Activation {
                at: Active::Product(product.clone()),
                text: format!("the announcement of {product}"),
                position,
            },
        }
    }

    fn patterns(&mut self, patterns: &[String], at: &str) -> Vec<Regex> {
        let mut out = Vec::with_capacity(patterns.len());
        for (j, pattern) in patterns.iter().enumerate() {
            if pattern.len() > MAX_PATTERN_BYTES {
                self.error(
                    &format!("{at}/{j}"),
                    format!("pattern is {} bytes long; the limit is {MAX_PATTERN_BYTES} bytes per pattern", pattern.len()),
                );
                continue;
            }
            match regex::RegexBuilder::new(pattern)
                .size_limit(REGEX_SIZE_LIMIT)
                .build()
            {
                Ok(re) => out.push(re),
                Err(e) => self.error(
                    &format!("{at}/{j}"),
                    format!(
                        "pattern `{pattern}` is not a valid Rust regex: {}",
                        regex_reason(&e)
                    ),
                ),
            }
        }
        out
    }
}

/// An order of `0..depends.len()` where each comes after what it depends
/// on, or a cycle.
fn topological(depends: &[Vec<usize>]) -> Result<Vec<usize>, Vec<usize>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    fn visit(
        i: usize,
        depends: &[Vec<usize>],
        marks: &mut [Mark],
        stack: &mut Vec<usize>,
        order: &mut Vec<usize>,
    ) -> Result<(), Vec<usize>> {
        match marks[i] {
            Mark::Done => return Ok(()),
            Mark::Open => {
                let from = stack.iter().position(|&s| s == i).unwrap_or(0);
                return Err(stack[from..].to_vec());
            }
            Mark::New => {}
        }
        marks[i] = Mark::Open;
        stack.push(i);
        for &d in &depends[i] {
            visit(d, depends, marks, stack, order)?;
        }
        stack.pop();
        marks[i] = Mark::Done;
        order.push(i);
        Ok(())
    }
    let mut marks = vec![Mark::New; depends.len()];
    let mut order = Vec::with_capacity(depends.len());
    let mut stack = Vec::new();
    for i in 0..depends.len() {
        visit(i, depends, &mut marks, &mut stack, &mut order)?;
    }
    Ok(order)
}

/// The last line of a regex error is the reason; the lines above repeat the pattern.
fn regex_reason(error: &regex::Error) -> String {
    let text = error.to_string();
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .map(|l| l.trim().trim_start_matches("error: ").to_string())
        .unwrap_or(text)
}
