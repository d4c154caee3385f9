//! The social media policy (`policies/policy.yaml`): typed, validated and
//! compiled (time zone resolved, dates parsed, regexes built).
//!
//! The serde types ignore keys they do not use (`version`, a client's `note`):
//! the schema has already rejected unknown keys.

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
    disclosure: Option<Disclosure>,
    #[serde(default)]
    platforms: BTreeMap<Platform, PlatformLimits>,
    #[serde(default)]
    limits: LimitsFile,
    #[serde(default)]
    clients: Vec<ClientFile>,
    rules: Vec<RuleFile>,
    #[serde(default)]
    approval: Option<Approval>,
}

#[derive(Debug, Deserialize)]
pub struct Company {
    pub name: String,
    pub timezone: String,
    #[serde(default)]
    pub domains: Vec<String>,
    #[serde(default)]
    pub internal_domains: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DisclosureRequired {
    #[default]
    Product,
    Always,
}

#[derive(Debug, Deserialize)]
pub struct Disclosure {
    #[serde(default)]
    pub required_when: DisclosureRequired,
    pub accepted: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub struct PlatformLimits {
    pub max_length: Option<usize>,
    pub max_hashtags: Option<usize>,
    pub max_links: Option<usize>,
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
    approved_until: Option<String>,
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
    terms: Vec<String>,
    #[serde(default)]
    patterns: Vec<String>,
}

#[derive(Debug)]
pub struct Client {
    pub id: String,
    pub names: Vec<String>,
    /// Exclusive end of the approval; `None`: never approved.
    pub approved_until: Option<Timestamp>,
    /// The date as written, for messages.
    pub approved_until_text: Option<String>,
}

#[derive(Debug)]
pub struct Rule {
    pub id: String,
    pub severity: Severity,
    pub category: String,
    pub message: String,
    pub explain: String,
    pub help: Option<String>,
    pub terms: Vec<String>,
    pub patterns: Vec<Regex>,
}

#[derive(Debug)]
pub struct Policy {
    pub company: Company,
    pub timezone: TimeZone,
    pub disclosure: Option<Disclosure>,
    pub platforms: BTreeMap<Platform, PlatformLimits>,
    pub clients: Vec<Client>,
    pub rules: Vec<Rule>,
    /// Largest post file read, in bytes.
    pub post_bytes: u64,
    /// `None`: the policy has no `approval` section (nothing is judged).
    pub approval: Option<Approval>,
}

/// Largest compiled size of one policy pattern: a bigger one is refused
/// rather than risking memory exhaustion.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

impl Policy {
    /// Parses and compiles the policy file's bytes.
    pub fn parse(bytes: &[u8], builtin_ids: &[&str]) -> Result<Policy, Vec<ConfigError>> {
        let loaded = config::parse::<PolicyFile>(POLICY_PATH, bytes, Schema::Policy)?;
        let (file, doc) = (loaded.value, loaded.doc);
        let mut errors = Vec::new();
        let at = |pointer: &str| doc.value_pos(pointer);

        let timezone = TimeZone::get(&file.company.timezone).unwrap_or_else(|e| {
            errors.push(ConfigError::at(
                POLICY_PATH,
                at("/company/timezone"),
                format!(
                    "unknown time zone `{}` ({e}); use an IANA name such as America/New_York",
                    file.company.timezone
                ),
            ));
            TimeZone::UTC
        });

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
            let approved_until = c.approved_until.as_deref().and_then(|d| {
                parse_moment(d, &timezone, DayBound::End)
                    .map_err(|e| {
                        errors.push(ConfigError::at(
                            POLICY_PATH,
                            at(&format!("/clients/{i}/approved_until")),
                            e,
                        ))
                    })
                    .ok()
            });
            clients.push(Client {
                id: c.id.clone(),
                names: c.names.clone(),
                approved_until,
                approved_until_text: c.approved_until.clone(),
            });
        }

        let mut rules = Vec::with_capacity(file.rules.len());
        let mut rule_ids: HashMap<&str, usize> = HashMap::new();
        for (i, r) in file.rules.iter().enumerate() {
            if builtin_ids.contains(&r.id.as_str()) {
                errors.push(ConfigError::at(
                    POLICY_PATH,
                    at(&format!("/rules/{i}/id")),
                    format!("rule id `{}` is a built-in rule; choose another id", r.id),
                ));
            }
            if let Some(first) = rule_ids.insert(&r.id, i) {
                errors.push(ConfigError::at(
                    POLICY_PATH,
                    at(&format!("/rules/{i}/id")),
                    format!(
                        "rule id `{}` is already used by rule {} (line {})",
                        r.id,
                        first + 1,
                        at(&format!("/rules/{first}/id")).line
                    ),
                ));
            }
            for (j, term) in r.terms.iter().enumerate() {
                if normalize_term(term).is_empty() {
                    errors.push(ConfigError::at(
                        POLICY_PATH,
                        at(&format!("/rules/{i}/terms/{j}")),
                        format!("term `{term}` has no letters or digits to match"),
                    ));
                }
            }
            let mut patterns = Vec::with_capacity(r.patterns.len());
            for (j, pattern) in r.patterns.iter().enumerate() {
                if pattern.len() > MAX_PATTERN_BYTES {
                    errors.push(ConfigError::at(
                        POLICY_PATH,
                        at(&format!("/rules/{i}/patterns/{j}")),
                        format!("pattern is {} bytes long; the limit is {MAX_PATTERN_BYTES} bytes per pattern", pattern.len()),
                    ));
                    continue;
                }
                match regex::RegexBuilder::new(pattern)
                    .size_limit(REGEX_SIZE_LIMIT)
                    .build()
                {
                    Ok(re) => patterns.push(re),
                    Err(e) => errors.push(ConfigError::at(
                        POLICY_PATH,
                        at(&format!("/rules/{i}/patterns/{j}")),
                        format!(
                            "pattern `{pattern}` is not a valid Rust regex: {}",
                            regex_reason(&e)
                        ),
                    )),
                }
            }
            rules.push(Rule {
                id: r.id.clone(),
                severity: r.severity,
                category: r.category.clone(),
                message: r.message.clone(),
                explain: r.explain.clone(),
                help: r.help.clone(),
                terms: r.terms.clone(),
                patterns,
            });
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
            disclosure: file.disclosure,
            platforms: file.platforms,
            clients,
            rules,
            post_bytes: file.limits.post_bytes.unwrap_or(DEFAULT_POST_BYTES),
            approval: file.approval,
        })
    }

    /// A platform's limits: built-in, overridden by the policy's `platforms`.
    pub fn limits(&self, platform: Platform) -> crate::platform::Limits {
        let mut limits = platform.default_limits();
        if let Some(over) = self.platforms.get(&platform) {
            if let Some(n) = over.max_length {
                limits.max_length = n;
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

/// The last line of a regex error is the reason; the lines above repeat the pattern.
fn regex_reason(error: &regex::Error) -> String {
    let text = error.to_string();
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .map(|l| l.trim().trim_start_matches("error: ").to_string())
        .unwrap_or(text)
}
