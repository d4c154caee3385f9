//! The release calendar (`policies/calendar.yaml`): products with their
//! codenames and announcement dates, and quiet periods.

use std::collections::HashMap;

use jiff::Timestamp;
use serde::Deserialize;

use crate::config::{self, CALENDAR_PATH, ConfigError};
use crate::normalize::normalize_term;
use crate::policy::Policy;
use crate::rules::builtin;
use crate::schema::Schema;
use crate::time::{DayBound, parse_moment};

#[derive(Debug, Deserialize)]
struct CalendarFile {
    products: Vec<ProductFile>,
    #[serde(default)]
    quiet_periods: Vec<QuietPeriodFile>,
}

#[derive(Debug, Deserialize)]
struct ProductFile {
    id: String,
    name: String,
    #[serde(default)]
    codenames: Vec<CodenameFile>,
    #[serde(default)]
    aliases: Vec<String>,
    announce_at: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum CodenameFile {
    Name(String),
    Dated { name: String, public_at: String },
}

impl CodenameFile {
    fn name(&self) -> &str {
        match self {
            CodenameFile::Name(name) | CodenameFile::Dated { name, .. } => name,
        }
    }
}

#[derive(Debug, Deserialize)]
struct QuietPeriodFile {
    name: String,
    start: String,
    end: String,
    categories: Vec<String>,
}

#[derive(Debug)]
pub struct Product {
    pub id: String,
    pub name: String,
    pub codenames: Vec<String>,
    /// Per codename: from when it may be named (`public_at`); `None`: never.
    pub codenames_public_at: Vec<Option<Timestamp>>,
    /// Per codename: `public_at` as written, for messages.
    pub codenames_public_text: Vec<Option<String>>,
    /// More public names, gated like `name`.
    pub aliases: Vec<String>,
    /// `None`: not announced, embargoed indefinitely.
    pub announce_at: Option<Timestamp>,
    pub announce_text: Option<String>,
}

impl Product {
    pub fn is_announced_at(&self, at: Timestamp) -> bool {
        self.announce_at.is_some_and(|a| a <= at)
    }

    /// Whether the codename spelt `spelling` (one of `codenames`) may be
    /// named at `at`: its `public_at` has come (that moment included). A
    /// public codename does not announce its product.
    pub fn codename_is_public_at(&self, spelling: &str, at: Timestamp) -> bool {
        self.codenames
            .iter()
            .zip(&self.codenames_public_at)
            .any(|(name, public)| name == spelling && public.is_some_and(|p| p <= at))
    }

    /// The public name and every alias.
    pub fn public_names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.name.as_str()).chain(self.aliases.iter().map(String::as_str))
    }
}

/// The category that, listed in a quiet period, blocks every post inside it.
pub const ALL_CATEGORIES: &str = "all";

#[derive(Debug)]
pub struct QuietPeriod {
    pub name: String,
    pub start: Timestamp,
    /// Exclusive: a bare end date includes that whole day.
    pub end: Timestamp,
    pub categories: Vec<String>,
    /// The dates as written, for messages.
    pub start_text: String,
    pub end_text: String,
}

impl QuietPeriod {
    pub fn contains(&self, at: Timestamp) -> bool {
        self.start <= at && at < self.end
    }

    pub fn blocks_category(&self, category: &str) -> bool {
        self.categories
            .iter()
            .any(|c| c == category || c == ALL_CATEGORIES)
    }
}

#[derive(Debug)]
pub struct Calendar {
    /// The file as data, to compare a change entry by entry (`review`).
    pub source: serde_json::Value,
    pub products: Vec<Product>,
    pub quiet_periods: Vec<QuietPeriod>,
}

impl Calendar {
    /// Parses the calendar; dates use the policy's time zone and quiet period
    /// categories must be categories of policy rules.
    pub fn parse(bytes: &[u8], policy: &Policy) -> Result<Calendar, Vec<ConfigError>> {
        Calendar::parse_with(bytes, policy, crate::schema::embedded())
    }

    /// [`Calendar::parse`], validated with `schemas` (a base revision's).
    pub fn parse_with(
        bytes: &[u8],
        policy: &Policy,
        schemas: &crate::schema::Schemas,
    ) -> Result<Calendar, Vec<ConfigError>> {
        let loaded =
            config::parse::<CalendarFile>(CALENDAR_PATH, bytes, Schema::Calendar, schemas)?;
        let (file, doc) = (loaded.value, loaded.doc);
        let at = |pointer: &str| doc.value_pos(pointer);
        let mut errors = Vec::new();
        let moment =
            |text: &str, pointer: String, bound: DayBound, errors: &mut Vec<ConfigError>| {
                parse_moment(text, &policy.timezone, bound)
                    .map_err(|e| errors.push(ConfigError::at(CALENDAR_PATH, at(&pointer), e)))
                    .ok()
            };

        let mut products = Vec::with_capacity(file.products.len());
        let mut ids: HashMap<&str, usize> = HashMap::new();
        // normalised name or codename → (product index, pointer)
        let mut names: HashMap<String, (usize, String)> = HashMap::new();
        for (i, p) in file.products.iter().enumerate() {
            if let Some(first) = ids.insert(&p.id, i) {
                errors.push(ConfigError::at(
                    CALENDAR_PATH,
                    at(&format!("/products/{i}/id")),
                    format!(
                        "product id `{}` is already used by product {} (line {})",
                        p.id,
                        first + 1,
                        at(&format!("/products/{first}/id")).line
                    ),
                ));
            }
            let spellings = std::iter::once((p.name.as_str(), format!("/products/{i}/name")))
                .chain(
                    p.aliases
                        .iter()
                        .enumerate()
                        .map(|(j, a)| (a.as_str(), format!("/products/{i}/aliases/{j}"))),
                )
                .chain(p.codenames.iter().enumerate().map(|(j, c)| {
                    let pointer = match c {
                        CodenameFile::Name(_) => format!("/products/{i}/codenames/{j}"),
                        CodenameFile::Dated { .. } => format!("/products/{i}/codenames/{j}/name"),
                    };
                    (c.name(), pointer)
                }));
            for (spelling, pointer) in spellings {
                let key = normalize_term(spelling);
                if key.is_empty() {
                    errors.push(ConfigError::at(
                        CALENDAR_PATH,
                        at(&pointer),
                        format!("`{spelling}` has no letters or digits to match"),
                    ));
                    continue;
                }
                match names.get(&key) {
                    Some((other, other_pointer)) if *other != i => errors.push(ConfigError::at(
                        CALENDAR_PATH,
                        at(&pointer),
                        format!(
                            "`{spelling}` is also a name or codename of product `{}` (line {}); every name must point at one product",
                            file.products[*other].id,
                            at(other_pointer).line
                        ),
                    )),
                    Some(_) => {}
                    None => {
                        names.insert(key, (i, pointer));
                    }
                }
            }
            let announce_at = p.announce_at.as_deref().and_then(|d| {
                moment(
                    d,
                    format!("/products/{i}/announce_at"),
                    DayBound::Start,
                    &mut errors,
                )
            });
            let mut codenames_public_at = Vec::with_capacity(p.codenames.len());
            let mut codenames_public_text = Vec::with_capacity(p.codenames.len());
            for (j, c) in p.codenames.iter().enumerate() {
                let (at, text) = match c {
                    CodenameFile::Name(_) => (None, None),
                    CodenameFile::Dated { public_at, .. } => (
                        moment(
                            public_at,
                            format!("/products/{i}/codenames/{j}/public_at"),
                            DayBound::Start,
                            &mut errors,
                        ),
                        Some(public_at.clone()),
                    ),
                };
                codenames_public_at.push(at);
                codenames_public_text.push(text);
            }
            products.push(Product {
                id: p.id.clone(),
                name: p.name.clone(),
                codenames: p.codenames.iter().map(|c| c.name().to_string()).collect(),
                codenames_public_at,
                codenames_public_text,
                aliases: p.aliases.clone(),
                announce_at,
                announce_text: p.announce_at.clone(),
            });
        }

        let mut known: std::collections::BTreeSet<&str> =
            policy.rules.iter().map(|r| r.category.as_str()).collect();
        for category in builtin::categories() {
            known.insert(category);
        }
        let mut quiet_periods = Vec::with_capacity(file.quiet_periods.len());
        for (i, q) in file.quiet_periods.iter().enumerate() {
            for (j, category) in q.categories.iter().enumerate() {
                if category != ALL_CATEGORIES && !known.contains(category.as_str()) {
                    let known: Vec<&str> = known.iter().copied().collect();
                    errors.push(ConfigError::at(
                        CALENDAR_PATH,
                        at(&format!("/quiet_periods/{i}/categories/{j}")),
                        format!("category `{category}` is not the category of any rule; expected `all` or one of: {}", known.join(", ")),
                    ));
                }
            }
            let start = moment(
                &q.start,
                format!("/quiet_periods/{i}/start"),
                DayBound::Start,
                &mut errors,
            );
            let end = moment(
                &q.end,
                format!("/quiet_periods/{i}/end"),
                DayBound::End,
                &mut errors,
            );
            if let (Some(start), Some(end)) = (start, end) {
                if end <= start {
                    errors.push(ConfigError::at(
                        CALENDAR_PATH,
                        at(&format!("/quiet_periods/{i}/end")),
                        format!("quiet period `{}` ends before it starts", q.name),
                    ));
                }
                quiet_periods.push(QuietPeriod {
                    name: q.name.clone(),
                    start,
                    end,
                    categories: q.categories.clone(),
                    start_text: q.start.clone(),
                    end_text: q.end.clone(),
                });
            }
        }

        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Calendar {
            products,
            quiet_periods,
            source: doc.value.clone(),
        })
    }

    pub fn product(&self, id: &str) -> Option<&Product> {
        self.products.iter().find(|p| p.id == id)
    }
}
