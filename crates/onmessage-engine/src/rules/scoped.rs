//! The policy's own rules (first and second edition): terms and patterns
//! that forbid, `require` that asks for something, scopes (`platforms`,
//! `audiences`, `when`, `active_from`/`active_until`), `except` and `near`.
//!
//! Cost per post: the matcher's hits and the pattern matches are grouped
//! once; a rule is looked at only when one of its terms or patterns matched
//! or when it requires something (`Policy::always_judged`), in the
//! dependency order of `when.rules`. A scope is tested only for a rule that
//! is looked at, so a scoped rule costs nothing for a post that gives it no
//! hit and requires nothing.
//!
//! The same judgement runs on a post (with its scopes) and on a rule's
//! `examples` (one default copy whose scopes all hold): see [`View`].

use std::collections::HashMap;
use std::ops::Range;

use jiff::Timestamp;

use super::content::one_line;
use super::{Context, Sink, builtin};
use crate::calendar::Calendar;
use crate::matcher::{Hit, Subject};
use crate::platform::Platform;
use crate::policy::{Activation, Active, Except, LinkTarget, Near, Policy, Require, Rule, When};
use crate::post::{Post, TextUnit};
use crate::urls::FoundUrl;

/// What the matcher and the pattern search found in some text units, grouped
/// for the rules. Units `first_copy..` are copies (sections), the ones
/// before are front matter.
pub(super) struct View<'a> {
    pub units: &'a [TextUnit],
    pub urls: &'a [Vec<FoundUrl>],
    pub first_copy: usize,
    /// The file the unit ranges point into (distances are measured here).
    pub file: &'a str,
    /// Rule index → (unit, file range, matched text, whether from `terms`).
    pub matches: HashMap<usize, Vec<RuleMatch>>,
    /// Phrase set → hits.
    pub phrases: HashMap<usize, Vec<&'a Hit>>,
}

pub(super) struct RuleMatch {
    pub unit: usize,
    pub range: Range<usize>,
    pub text: String,
    pub from_terms: bool,
}

impl<'a> View<'a> {
    pub fn new(
        ctx: &Context,
        units: &'a [TextUnit],
        urls: &'a [Vec<FoundUrl>],
        first_copy: usize,
        file: &'a str,
        hits: &'a [Hit],
    ) -> View<'a> {
        let mut matches: HashMap<usize, Vec<RuleMatch>> = HashMap::new();
        let mut phrases: HashMap<usize, Vec<&Hit>> = HashMap::new();
        for hit in hits {
            match hit.subject {
                Subject::Term { rule } => matches.entry(rule).or_default().push(RuleMatch {
                    unit: hit.unit,
                    range: hit.range.clone(),
                    text: hit.text.clone(),
                    from_terms: true,
                }),
                Subject::Phrase { set } => phrases.entry(set).or_default().push(hit),
                _ => {}
            }
        }
        for (unit_index, unit) in units.iter().enumerate() {
            for (rule, range) in ctx.matcher.pattern_matches(ctx.policy, &unit.text) {
                matches.entry(rule).or_default().push(RuleMatch {
                    unit: unit_index,
                    range: unit.file_range(range.start, range.end),
                    text: unit.text[range].to_string(),
                    from_terms: false,
                });
            }
        }
        for list in matches.values_mut() {
            list.sort_by_key(|m| (m.range.start, std::cmp::Reverse(m.range.end)));
        }
        View {
            units,
            urls,
            first_copy,
            file,
            matches,
            phrases,
        }
    }

    fn is_front(&self, unit: usize) -> bool {
        unit < self.first_copy
    }

    /// Characters between two file ranges' nearer ends (0 if they overlap).
    fn distance(&self, a: &Range<usize>, b: &Range<usize>) -> usize {
        let gap = if a.end <= b.start {
            a.end..b.start
        } else if b.end <= a.start {
            b.end..a.start
        } else {
            return 0;
        };
        self.file.get(gap).map_or(usize::MAX, |t| t.chars().count())
    }

    fn phrase_hits(&self, set: Option<usize>) -> &[&'a Hit] {
        set.and_then(|s| self.phrases.get(&s))
            .map_or(&[], Vec::as_slice)
    }

    /// Whether a match of the rule's terms or patterns (or of its
    /// `when.terms`) still counts after `except` and `near`.
    fn qualified(&self, rule: &Rule, unit: usize, range: &Range<usize>, is_term: bool) -> bool {
        if let Some(except) = &rule.except
            && self.excepted(except, unit, range)
        {
            return false;
        }
        if is_term && let Some(near) = &rule.near {
            return self.is_near(near, unit, range);
        }
        true
    }

    fn excepted(&self, except: &Except, unit: usize, range: &Range<usize>) -> bool {
        let inside_phrase = self
            .phrase_hits(except.phrases)
            .iter()
            .any(|h| h.unit == unit && h.range.start <= range.start && range.end <= h.range.end);
        inside_phrase
            || self.urls[unit].iter().any(|url| {
                let file = self.units[unit].file_range(url.range.start, url.range.end);
                file.start <= range.start
                    && range.end <= file.end
                    && links_to(&except.links_to, url, &self.units[unit].text)
            })
    }

    fn is_near(&self, near: &Near, unit: usize, range: &Range<usize>) -> bool {
        self.phrase_hits(Some(near.terms))
            .iter()
            .any(|h| h.unit == unit && self.distance(&h.range, range) <= near.within)
    }

    /// Whether what `when` says the copy mentions (`terms`, `patterns`,
    /// `links_to`: any one) is in unit `unit`.
    fn mentions_in(&self, rule: Option<&Rule>, when: &When, unit: usize) -> bool {
        let term = self.phrase_hits(when.terms).iter().any(|h| {
            h.unit == unit && rule.is_none_or(|r| self.qualified(r, unit, &h.range, true))
        });
        term || when.patterns.iter().any(|re| {
            re.find_iter(&self.units[unit].text).any(|m| {
                let range = self.units[unit].file_range(m.start(), m.end());
                !m.is_empty() && rule.is_none_or(|r| self.qualified(r, unit, &range, false))
            })
        }) || self.urls[unit]
            .iter()
            .any(|url| links_to(&when.links_to, url, &self.units[unit].text))
    }

    /// Whether `when`'s mentions hold for the copy `copy` (front matter
    /// belongs to every copy); `None`: for front matter alone.
    pub fn mentions(&self, rule: Option<&Rule>, when: &When, copy: Option<usize>) -> bool {
        if !when.mentions() {
            return true;
        }
        (0..self.first_copy).any(|u| self.mentions_in(rule, when, u))
            || copy.is_some_and(|c| self.mentions_in(rule, when, self.first_copy + c))
    }

    /// Whether copy `copy` has what the rule requires.
    fn satisfied(&self, require: &Require, copy: usize, front_link: Option<&str>) -> bool {
        let unit = self.first_copy + copy;
        let text = &self.units[unit].text;
        let lead = text.len() - text.trim_start().len();
        let starts_within = |offset: usize| {
            require
                .within
                .is_none_or(|n| offset < lead || text[lead..offset].chars().count() < n)
        };
        let unit_start = self.units[unit].file_range(0, 0).start;
        let phrase = self
            .phrase_hits(require.phrases)
            .iter()
            .any(|h| h.unit == unit && starts_within(h.range.start.saturating_sub(unit_start)));
        phrase
            || require.patterns.iter().any(|re| {
                re.find_iter(text)
                    .any(|m| !m.is_empty() && starts_within(m.start()))
            })
            || self.urls[unit]
                .iter()
                .any(|url| starts_within(url.range.start) && links_to(&require.links_to, url, text))
            || front_link.is_some_and(|link| {
                crate::urls::find_urls(link)
                    .iter()
                    .any(|url| links_to(&require.links_to, url, link))
            })
    }
}

/// Whether a URL found in `text` goes to one of `targets`.
fn links_to(targets: &[LinkTarget], url: &FoundUrl, text: &str) -> bool {
    !targets.is_empty() && {
        let written = &text[url.range.clone()];
        targets.iter().any(|t| t.matches(&url.host, written))
    }
}

/// The moment an activation stands for (`None`: a product not announced).
pub(crate) fn activation_moment(a: &Activation, calendar: &Calendar) -> Option<Timestamp> {
    match &a.at {
        Active::At(at) => Some(*at),
        Active::Product(id) => calendar.product(id).and_then(|p| p.announce_at),
    }
}

/// Whether the rule is in force at `at`: `active_from` included,
/// `active_until` excluded.
pub(super) fn is_active(rule: &Rule, calendar: &Calendar, at: Option<Timestamp>) -> bool {
    let Some(at) = at else { return true };
    let from_ok = rule
        .active_from
        .as_ref()
        .is_none_or(|a| activation_moment(a, calendar).is_some_and(|from| from <= at));
    let until_ok = rule
        .active_until
        .as_ref()
        .is_none_or(|a| activation_moment(a, calendar).is_none_or(|until| at < until));
    from_ok && until_ok
}

/// The parts of `when` about the post rather than its words: products,
/// clients (declared or named) and tags.
pub(super) fn post_conditions(when: &When, post: &Post, hits: &[Hit], ctx: &Context) -> bool {
    let Some(front) = &post.front else {
        return false;
    };
    if let Some(products) = &when.products {
        let named = hits.iter().filter_map(|h| match h.subject {
            Subject::ProductName { product } => Some(ctx.calendar.products[product].id.as_str()),
            _ => None,
        });
        if !products.holds(front.products.iter().map(String::as_str).chain(named)) {
            return false;
        }
    }
    if let Some(clients) = &when.clients {
        let named = hits.iter().filter_map(|h| match h.subject {
            Subject::ClientName { client } => Some(ctx.policy.clients[client].id.as_str()),
            _ => None,
        });
        if !clients.holds(front.clients.iter().map(String::as_str).chain(named)) {
            return false;
        }
    }
    if let Some(tags) = &when.tags
        && !front.tags.iter().any(|t| tags.contains(t))
    {
        return false;
    }
    true
}

/// Whether an `allow` entry of the post would suppress findings of `rule`.
fn allowed(post: &Post, policy: &Policy, rule: &str) -> bool {
    let allowable = builtin::find(rule).map_or(policy.rule(rule).is_some(), |b| b.allowable);
    allowable
        && post.front.as_ref().is_some_and(|f| {
            f.allow.iter().any(|a| {
                a.rule == rule && a.reason.as_deref().is_some_and(|r| !r.trim().is_empty())
            })
        })
}

pub(super) fn policy_rules(
    ctx: &Context,
    post: &Post,
    view: &View,
    hits: &[Hit],
    at: Option<Timestamp>,
    sink: &mut Sink,
) {
    let policy = ctx.policy;
    let first_copy = view.first_copy;

    let mut candidates: Vec<usize> = view.matches.keys().copied().collect();
    candidates.extend(policy.always_judged.iter().copied());
    candidates.sort_unstable_by_key(|&r| policy.rank[r]);
    candidates.dedup();

    // Each copy's region, for placing other rules' findings (`when.rules`).
    let mut copy_regions: Option<Vec<crate::finding::Region>> = None;

    for r in candidates {
        let rule = &policy.rules[r];
        if !rule.is_scoped() && rule.require.is_none() {
            push_matches(view, rule, &view.matches[&r], sink);
            continue;
        }
        let Some(front) = &post.front else { continue };
        // Scopes about the post as a whole.
        if let Some(audiences) = &rule.audiences
            && front
                .audiences
                .as_ref()
                .is_some_and(|own| !own.iter().any(|a| audiences.contains(a)))
        {
            continue;
        }
        if !is_active(rule, ctx.calendar, at) {
            continue;
        }
        if let Some(when) = &rule.when
            && !post_conditions(when, post, hits, ctx)
        {
            continue;
        }
        // The platforms judged: those the post lists that the rule covers.
        let platforms: Vec<Platform> = front
            .platforms
            .iter()
            .copied()
            .filter(|p| rule.platforms.as_ref().is_none_or(|ps| ps.contains(p)))
            .collect();
        if rule.platforms.is_some() && platforms.is_empty() {
            continue;
        }
        let mut in_scope = vec![rule.platforms.is_none(); post.sections.len()];
        for &p in &platforms {
            if let Some(i) = post.copy_index_for(p) {
                in_scope[i] = true;
            }
        }
        // Copy-level `when`: mentions and other rules' findings.
        let holds = |copy: Option<usize>,
                     regions: &mut Option<Vec<crate::finding::Region>>,
                     sink: &Sink| {
            let Some(when) = &rule.when else { return true };
            if !view.mentions(Some(rule), when, copy) {
                return false;
            }
            when.rules.iter().all(|id| {
                if allowed(post, policy, id) {
                    return false;
                }
                let regions = regions.get_or_insert_with(|| {
                    post.sections
                        .iter()
                        .map(|s| post.lines.region(&post.text, s.range.start, s.range.end))
                        .collect()
                });
                sink.findings.iter().filter(|f| &f.rule == id).any(|f| {
                    let at = (f.region.line, f.region.column);
                    let copy_of = regions
                        .iter()
                        .position(|g| (g.line, g.column) <= at && at <= (g.end_line, g.end_column));
                    copy_of.is_none() || copy_of == copy
                })
            })
        };
        if let Some(require) = &rule.require {
            let mut judged: Vec<(usize, bool)> = Vec::new();
            for &p in &platforms {
                let Some(i) = post.copy_index_for(p) else {
                    continue;
                };
                let ok = match judged.iter().find(|(c, _)| *c == i) {
                    Some(&(_, ok)) => ok,
                    None => {
                        let ok = !holds(Some(i), &mut copy_regions, sink)
                            || view.satisfied(require, i, front.link.as_deref());
                        judged.push((i, ok));
                        ok
                    }
                };
                if ok {
                    continue;
                }
                let section = &post.sections[i];
                let copy = post.copy(section);
                let lead = copy.len() - copy.trim_start().len();
                let range = match copy[lead..].chars().next() {
                    Some(c) => {
                        section.range.start + lead..section.range.start + lead + c.len_utf8()
                    }
                    None => post.front_range("/platforms", true),
                };
                sink.push_each(
                    &rule.id,
                    rule.severity,
                    range,
                    format!(
                        "{}: the {} copy lacks {}",
                        rule.message,
                        p.id(),
                        required_what(rule, require)
                    ),
                    format!(
                        "{} (`cargo xtask explain {}` says why)",
                        require_help(require),
                        rule.id
                    ),
                );
            }
            continue;
        }
        let Some(matches) = view.matches.get(&r) else {
            continue;
        };
        let mut copy_holds: Vec<Option<bool>> = vec![None; post.sections.len()];
        let mut copy_ok =
            |i: usize, regions: &mut Option<Vec<crate::finding::Region>>, sink: &Sink| {
                in_scope[i] && *copy_holds[i].get_or_insert_with(|| holds(Some(i), regions, sink))
            };
        let mut kept = Vec::new();
        for m in matches {
            let counts = if view.is_front(m.unit) {
                if post.sections.is_empty() {
                    holds(None, &mut copy_regions, sink)
                } else {
                    (0..post.sections.len()).any(|i| copy_ok(i, &mut copy_regions, sink))
                }
            } else {
                copy_ok(m.unit - first_copy, &mut copy_regions, sink)
            };
            if counts {
                kept.push(m);
            }
        }
        let kept: Vec<&RuleMatch> = kept;
        push_matches_ref(view, rule, &kept, sink);
    }
}

fn push_matches(view: &View, rule: &Rule, matches: &[RuleMatch], sink: &mut Sink) {
    let refs: Vec<&RuleMatch> = matches.iter().collect();
    push_matches_ref(view, rule, &refs, sink);
}

fn push_matches_ref(view: &View, rule: &Rule, matches: &[&RuleMatch], sink: &mut Sink) {
    for m in matches {
        if !view.qualified(rule, m.unit, &m.range, m.from_terms) {
            continue;
        }
        let help = match &rule.help {
            Some(help) => format!("{help} (`cargo xtask explain {}` says why)", rule.id),
            None => format!(
                "Rephrase or remove '{}'; `cargo xtask explain {}` says why",
                one_line(&m.text),
                rule.id
            ),
        };
        let message = format!(
            "{}: '{}' in {}",
            rule.message,
            one_line(&m.text),
            super::content::describe(view.units[m.unit].field, sink.post)
        );
        sink.push(&rule.id, rule.severity, m.range.clone(), message, help);
    }
}

/// What a requirement asks for, in words: `"See store for details", a
/// match of `(?i)terms`, or a link to example.com/terms`.
pub fn required_list(require: &Require) -> String {
    let mut items: Vec<String> = require
        .phrase_texts
        .iter()
        .map(|p| format!("\"{p}\""))
        .collect();
    items.extend(
        require
            .patterns
            .iter()
            .map(|p| format!("text matching `{}`", p.as_str())),
    );
    items.extend(
        require
            .links_to
            .iter()
            .map(|l| format!("a link to {}", l.text)),
    );
    match items.len() {
        0 => String::new(),
        1 => items.remove(0),
        n => {
            let last = items.remove(n - 1);
            format!("{} or {last}", items.join(", "))
        }
    }
}

fn required_what(_rule: &Rule, require: &Require) -> String {
    let within = require
        .within
        .map(|n| format!(" within its first {n} characters"))
        .unwrap_or_default();
    format!("{}{within}", required_list(require))
}

/// "Add one of … within the first 210 characters".
pub fn require_help(require: &Require) -> String {
    let many = require.phrase_texts.len() + require.patterns.len() + require.links_to.len() > 1;
    let within = require
        .within
        .map(|n| format!(" within the first {n} characters"))
        .unwrap_or_default();
    format!(
        "Add {}{}{within}",
        if many { "one of " } else { "" },
        required_list(require)
    )
}

/// How one example came out.
pub(crate) struct ExampleOutcome {
    pub fires: bool,
    /// What matched (term rules), for messages.
    pub matched: Vec<String>,
}

/// Judges `text` as the default copy of a post that every scope of the
/// rule about the post matches (platforms, audiences, products, clients,
/// tags, `when.rules`, active dates); what `when` says the copy mentions is
/// judged from the text.
pub(crate) fn judge_example(ctx: &Context, rule_index: usize, text: &str) -> ExampleOutcome {
    let rule = &ctx.policy.rules[rule_index];
    let units = [TextUnit::verbatim(
        crate::post::Field::Copy(None),
        text.to_string(),
        0,
    )];
    let hits = ctx.matcher.scan(&units);
    let urls = [crate::urls::find_urls(text)];
    let view = View::new(ctx, &units, &urls, 0, text, &hits);
    let mentioned = rule
        .when
        .as_ref()
        .is_none_or(|w| view.mentions(Some(rule), w, Some(0)));
    if let Some(require) = &rule.require {
        return ExampleOutcome {
            fires: mentioned && !view.satisfied(require, 0, None),
            matched: Vec::new(),
        };
    }
    let matched: Vec<String> = view
        .matches
        .get(&rule_index)
        .into_iter()
        .flatten()
        .filter(|m| view.qualified(rule, m.unit, &m.range, m.from_terms))
        .map(|m| one_line(&m.text))
        .collect();
    ExampleOutcome {
        fires: mentioned && !matched.is_empty(),
        matched,
    }
}

/// Severity override of built-in rules (`builtins:` in the policy).
pub(super) fn builtin_severities(policy: &Policy, sink: &mut Sink) {
    if policy.builtins.is_empty() {
        return;
    }
    for f in &mut sink.findings {
        if let Some(&severity) = policy.builtins.get(&f.rule) {
            f.severity = severity;
        }
    }
}

/// What can be checked only with the calendar and the matcher built: the
/// products that `active_from`/`active_until` and `when.products` name
/// exist, and every rule's `examples` come out as written. Each problem is
/// a policy error at its own line.
pub fn verify(ctx: &Context) -> Vec<crate::config::ConfigError> {
    use crate::config::{ConfigError, POLICY_PATH};
    let at = |line: usize, column: usize, message: String| ConfigError {
        path: POLICY_PATH.to_string(),
        position: Some((line, column)),
        message,
        source_line: None,
    };
    let mut errors = Vec::new();
    let whens = ctx
        .policy
        .rules
        .iter()
        .filter_map(|r| r.when.as_ref().map(|w| (r.id.as_str(), w)));
    let disclosure = ctx
        .policy
        .disclosure
        .as_ref()
        .and_then(|d| match &d.required_when {
            crate::policy::DisclosureRequired::When(w) => Some(("the disclosure", w.as_ref())),
            _ => None,
        });
    for (owner, when) in whens.chain(disclosure) {
        for (id, (line, column)) in &when.product_ids {
            if ctx.calendar.product(id).is_none() {
                errors.push(at(
                    *line,
                    *column,
                    format!("`when.products` of {owner} names `{id}`, which policies/calendar.yaml does not know"),
                ));
            }
        }
    }
    for rule in &ctx.policy.rules {
        for a in [&rule.active_from, &rule.active_until]
            .into_iter()
            .flatten()
        {
            if let Active::Product(id) = &a.at
                && ctx.calendar.product(id).is_none()
            {
                errors.push(at(
                    a.position.0,
                    a.position.1,
                    format!("rule `{}` is timed by product `{id}`, which policies/calendar.yaml does not know", rule.id),
                ));
            }
        }
    }
    if !errors.is_empty() {
        return errors;
    }
    for (index, rule) in ctx.policy.rules.iter().enumerate() {
        for (example, want) in rule
            .examples
            .matches
            .iter()
            .map(|e| (e, true))
            .chain(rule.examples.no_match.iter().map(|e| (e, false)))
        {
            let outcome = judge_example(ctx, index, &example.text);
            if outcome.fires == want {
                continue;
            }
            let text = one_line(&example.text);
            let why = match (&rule.require, want) {
                (Some(require), true) => {
                    if rule.when.as_ref().is_some_and(When::mentions) {
                        format!("the rule does not fire: either the text does not mention what `when` names, or it already has {}", required_list(require))
                    } else {
                        format!("the rule does not fire: the text already has {}", required_list(require))
                    }
                }
                (Some(require), false) => format!(
                    "the rule fires: the text lacks {}{}",
                    required_list(require),
                    require.within.map(|n| format!(" within its first {n} characters")).unwrap_or_default()
                ),
                (None, true) if outcome.matched.is_empty() => {
                    "nothing matched: no term or pattern of the rule is in the text (or `except`/`near` ruled the match out)".to_string()
                }
                (None, true) => format!(
                    "'{}' matched, but the text does not mention what `when` names",
                    outcome.matched.join("', '")
                ),
                (None, false) => format!("'{}' matched", outcome.matched.join("', '")),
            };
            let kind = if want { "match" } else { "no_match" };
            errors.push(at(
                example.line,
                example.column,
                format!(
                    "rule `{}`: the `{kind}` example \"{text}\" fails: {why}",
                    rule.id
                ),
            ));
        }
    }
    errors
}

/// A policy rule's scope, requirement, exceptions and examples in plain
/// words, for `explain` (empty for a first-edition rule without examples).
pub fn describe(rule: &Rule, tz: &jiff::tz::TimeZone) -> String {
    let ids = |ids: &crate::policy::Ids, what: &str| match ids {
        crate::policy::Ids::Any => format!("it is about any {what}"),
        crate::policy::Ids::Some(list) => format!("it is about {}", list.join(" or ")),
    };
    let mut scope = Vec::new();
    if let Some(platforms) = &rule.platforms {
        let names: Vec<&str> = platforms.iter().map(|p| p.id()).collect();
        scope.push(format!("only the copy shared on {}", names.join(", ")));
    }
    if let Some(audiences) = &rule.audiences {
        scope.push(format!(
            "only posts for {} (a post without audiences is for everyone)",
            audiences.join(", ")
        ));
    }
    if let Some(when) = &rule.when {
        if let Some(p) = &when.products {
            scope.push(format!("only when {}", ids(p, "product")));
        }
        if let Some(c) = &when.clients {
            scope.push(format!("only when {}", ids(c, "client")));
        }
        if let Some(tags) = &when.tags {
            scope.push(format!("only posts tagged {}", tags.join(" or ")));
        }
        if !when.rules.is_empty() {
            scope.push(format!(
                "only when {} also fires in the same copy",
                when.rules.join(" or ")
            ));
        }
        if when.mentions() {
            let mut what = Vec::new();
            if when.terms.is_some() {
                what.push("one of the words listed under `when.terms`".to_string());
            }
            what.extend(
                when.patterns
                    .iter()
                    .map(|p| format!("text matching `{}`", p.as_str())),
            );
            what.extend(
                when.links_to
                    .iter()
                    .map(|l| format!("a link to {}", l.text)),
            );
            scope.push(format!("only when the copy mentions {}", what.join(" or ")));
        }
    }
    if let Some(from) = &rule.active_from {
        scope.push(format!(
            "from {} on",
            crate::time::show_written(&from.text, tz)
        ));
    }
    if let Some(until) = &rule.active_until {
        scope.push(format!(
            "until {} (not after)",
            crate::time::show_written(&until.text, tz)
        ));
    }
    let mut out = String::new();
    if !scope.is_empty() {
        out.push_str("\nApplies to: ");
        out.push_str(&scope.join("; "));
        out.push_str(".\n");
    }
    if let Some(require) = &rule.require {
        out.push_str(&format!(
            "Requires: every copy in scope must contain {}{}; one finding per platform copy that lacks it.\n",
            required_list(require),
            require
                .within
                .map(|n| format!(", starting within its first {n} characters"))
                .unwrap_or_default()
        ));
    }
    if !rule.terms.is_empty() || !rule.patterns.is_empty() {
        let mut words: Vec<String> = rule
            .terms
            .iter()
            .map(|t| {
                if t.inside_words {
                    format!("\"{}\" (also inside longer words)", t.text)
                } else {
                    format!("\"{}\"", t.text)
                }
            })
            .collect();
        words.extend(
            rule.patterns
                .iter()
                .map(|p| format!("text matching `{}`", p.as_str())),
        );
        if !scope.is_empty() || rule.except.is_some() || rule.near.is_some() {
            out.push_str(&format!("Finds: {}.\n", words.join(", ")));
        }
    }
    if let Some(near) = &rule.near {
        out.push_str(&format!(
            "A word counts only with another listed under `near.terms` within {} characters.\n",
            near.within
        ));
    }
    if let Some(except) = &rule.except {
        let mut what = Vec::new();
        if except.phrases.is_some() {
            what.push("inside an exception phrase listed under `except.phrases`".to_string());
        }
        what.extend(
            except
                .links_to
                .iter()
                .map(|l| format!("inside a link to {}", l.text)),
        );
        out.push_str(&format!("Does not count: a match {}.\n", what.join(" or ")));
    }
    let examples = &rule.examples;
    if !examples.matches.is_empty() || !examples.no_match.is_empty() {
        let fires = if rule.require.is_some() {
            "fires (lacks what is required)"
        } else {
            "fires"
        };
        out.push_str("\nExamples (checked on every run):\n");
        for e in &examples.matches {
            out.push_str(&format!("  {fires}: \"{}\"\n", one_line(&e.text)));
        }
        for e in &examples.no_match {
            out.push_str(&format!("  does not fire: \"{}\"\n", one_line(&e.text)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::check::Setup;
    use crate::post::Post;

    const CALENDAR: &str =
        "version: 1\nproducts:\n  - {id: widget-pro, name: Widget Pro, announce_at: 2026-12-01}\n";

    fn setup(rules: &str) -> Result<Setup, Vec<crate::config::ConfigError>> {
        let policy = format!(
            "version: 1\ncompany: {{name: Example Corp, timezone: America/New_York, domains: [example.com]}}\nrules:\n{rules}"
        );
        Setup::parse(policy.as_bytes(), CALENDAR.as_bytes())
    }

    fn rules_fired(setup: &Setup, front: &str, body: &str) -> Vec<String> {
        let text = format!(
            "---\ntitle: T\nauthor: a\nstatus: draft\nplatforms: [linkedin, x]\npublish_at: 2027-01-10T15:00:00Z\n{front}---\n{body}\n"
        );
        let post = Post::parse("content/posts/p.md".into(), text.into_bytes());
        let mut rules: Vec<String> =
            crate::rules::evaluate(&setup.context(), &post, &Default::default())
                .into_iter()
                .filter(|f| !f.suppressed)
                .map(|f| f.rule)
                .collect();
        rules.sort();
        rules
    }

    const RULE: &str =
        "  - id: r.one\n    severity: error\n    category: c\n    message: m\n    explain: e\n";

    #[test]
    fn inside_words_terms_match_inside_compounds_only_when_asked() {
        let s = setup(&format!(
            "{RULE}    terms: [{{term: umsatz, inside_words: true}}, gewinn]\n"
        ))
        .unwrap();
        assert_eq!(rules_fired(&s, "", "Der Quartalsumsatz"), ["r.one"]);
        assert!(rules_fired(&s, "", "Ein Gewinnspiel").is_empty());
        assert_eq!(rules_fired(&s, "", "Der Gewinn"), ["r.one"]);
    }

    #[test]
    fn except_and_near_qualify_matches() {
        let s = setup(&format!(
            "{RULE}    terms: [guarantee]\n    except: {{phrases: [Price Match Guarantee], links_to: [example.com/g]}}\n"
        ))
        .unwrap();
        assert!(rules_fired(&s, "", "Our price-match GUARANTEE").is_empty());
        assert!(rules_fired(&s, "", "See https://example.com/g/guarantee").is_empty());
        assert_eq!(rules_fired(&s, "", "We guarantee it"), ["r.one"]);
        let s = setup(&format!(
            "{RULE}    terms: [widget]\n    near: {{terms: [slow], within: 5}}\n"
        ))
        .unwrap();
        assert_eq!(rules_fired(&s, "", "the widget is slow"), ["r.one"]);
        assert!(rules_fired(&s, "", "the widget is fast, not at all slow").is_empty());
    }

    #[test]
    fn require_fires_per_platform_copy_and_honours_within() {
        let s = setup(&format!(
            "{RULE}    platforms: [x]\n    require: {{phrases: [views are my own], within: 20}}\n"
        ))
        .unwrap();
        assert_eq!(rules_fired(&s, "", "Hello there."), ["r.one"]);
        assert!(rules_fired(&s, "", "Views are my own. Hello.").is_empty());
        assert_eq!(
            rules_fired(&s, "", "Hello there, friends: views are my own."),
            ["r.one"]
        );
        // The x copy has it; the linkedin copy is out of scope.
        assert!(rules_fired(&s, "", "Hello.\n\n## x\nViews are my own.").is_empty());
    }

    #[test]
    fn scopes_and_activation() {
        let s = setup(&format!(
            "{RULE}    audiences: [hourly]\n    when: {{products: any}}\n    active_until: {{product: widget-pro}}\n    terms: [overtime]\n"
        ))
        .unwrap();
        // widget-pro is announced 2026-12-01, before the post: the rule has lifted.
        assert!(
            rules_fired(
                &s,
                "products: [widget-pro]\naudiences: [hourly]\n",
                "overtime #employee"
            )
            .is_empty()
        );
        let s = setup(&format!(
            "{RULE}    audiences: [hourly]\n    when: {{products: [widget-pro]}}\n    terms: [overtime]\n"
        ))
        .unwrap();
        assert_eq!(
            rules_fired(
                &s,
                "products: [widget-pro]\naudiences: [hourly]\n",
                "overtime"
            ),
            ["r.one"]
        );
        assert!(
            rules_fired(
                &s,
                "products: [widget-pro]\naudiences: [sales]\n",
                "overtime"
            )
            .is_empty()
        );
        assert!(rules_fired(&s, "audiences: [hourly]\n", "overtime").is_empty());
    }

    #[test]
    fn policy_errors_name_their_position() {
        let cycle = "  - {id: a.b, severity: info, category: c, message: m, explain: e, terms: [alpha], when: {rules: [a.c]}}\n  - {id: a.c, severity: info, category: c, message: m, explain: e, terms: [beta], when: {rules: [a.b]}}\n";
        let errors = setup(cycle).err().expect("a cycle is an error");
        assert!(errors[0].message.contains("circle"), "{errors:?}");
        assert_eq!(errors[0].position.map(|p| p.0), Some(4));
        let unknown = setup(&format!(
            "{RULE}    terms: [x]\n    when: {{products: [widget-ultra]}}\n"
        ))
        .err()
        .unwrap();
        assert!(unknown[0].message.contains("widget-ultra"), "{unknown:?}");
        let example = setup(&format!(
            "{RULE}    terms: [x]\n    examples: {{match: [nothing here]}}\n"
        ))
        .err()
        .unwrap();
        assert!(
            example[0]
                .message
                .contains("`match` example \"nothing here\""),
            "{example:?}"
        );
        assert_eq!(example[0].position.map(|p| p.0), Some(10));
    }
}
