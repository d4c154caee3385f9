//! The built-in rules: ids, default severities, categories and the teaching
//! text that `cargo xtask explain` prints. The check doubles as onboarding
//! training, so every entry says why the rule exists and how to fix a post.

use crate::finding::Severity;

pub struct Builtin {
    pub id: &'static str,
    pub severity: Severity,
    /// Quiet periods can block rules by category, built-in ones included.
    pub category: &'static str,
    pub summary: &'static str,
    pub explain: &'static str,
    /// Whether a post's `allow` entry may suppress it.
    pub allowable: bool,
}

pub fn find(id: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.id == id)
}

pub fn ids() -> Vec<&'static str> {
    BUILTINS.iter().map(|b| b.id).collect()
}

pub fn categories() -> impl Iterator<Item = &'static str> {
    BUILTINS.iter().map(|b| b.category)
}

pub static BUILTINS: &[Builtin] = &[
    Builtin {
        id: "post.parse",
        severity: Severity::Error,
        category: "post",
        summary: "The post file cannot be read as a post",
        explain: "A post is a UTF-8 Markdown file that starts with YAML front matter between two `---` lines:

    ---
    title: Widget Pro is here
    author: jane.doe
    status: draft
    platforms: [linkedin, x]
    publish_at: 2026-12-01T16:00:00Z
    ---
    The copy people will share.

The check reports a file that is not UTF-8, has no front matter, whose front matter never closes, or whose YAML does not parse, with the line of the problem and the fix in plain words. A front matter block the YAML reader cannot read is left out (and still searched for names that must not leak); the other keys are read and judged. `cargo xtask new \"Title\"` writes a valid skeleton.",
        allowable: false,
    },
    Builtin {
        id: "post.too-large",
        severity: Severity::Error,
        category: "post",
        summary: "The post file is larger than the policy's limit",
        explain: "A social post is a few kilobytes. A file larger than `limits.post_bytes` in policies/policy.yaml (1 MiB unless set) is not read at all, so that a runaway or hostile file cannot slow every check down or exhaust memory; nothing in it is checked or published.

Fix: shorten or split the post; keep images and other files under content/media/.",
        allowable: false,
    },
    Builtin {
        id: "post.schema",
        severity: Severity::Error,
        category: "post",
        summary: "The front matter does not follow schemas/post.schema.json",
        explain: "Front matter keys and values are fixed by schemas/post.schema.json: required keys (title, author, status, platforms, publish_at), allowed values (status is draft, review or approved; platforms are linkedin, x, facebook, instagram, threads, bluesky, mastodon, in any case, with twitter for x), and dates in RFC 3339 (2026-12-01T16:00:00Z) or as a bare date (2026-12-01, midnight in the company's time zone). Unknown keys are errors, so a misspelt `expires_on` cannot silently do nothing (the message suggests `expires_at`). A key that breaks the schema is left out and every other key is still judged: one mistake, one finding. A post without `id` takes its file name as its id, so the file name must be an id too (lowercase letters, digits and hyphens): it names the feed item and the post's own page.

Editors that understand JSON Schema (VS Code with the YAML extension) complete and check the keys as you type; the finding points at the key or value to fix.",
        allowable: false,
    },
    Builtin {
        id: "post.duplicate-id",
        severity: Severity::Error,
        category: "post",
        summary: "Two posts have the same id",
        explain: "A post's id is its `id` key or, without one, its file name without `.md`. The id becomes the feed item id that advocacy tools and feed readers remember forever, so two posts sharing one would overwrite each other or be shown as one. Rename one file, or give one post an explicit `id`.",
        allowable: false,
    },
    Builtin {
        id: "post.heading",
        severity: Severity::Error,
        category: "post",
        summary: "A heading that is not a platform section",
        explain: "Social posts have no headings. The only headings a post may contain are level-2 headings naming a platform (`## x`, `## linkedin`, ...) that start that platform's own copy; the text before the first one is the default copy for every other platform. A platform section must be for a platform the post lists in `platforms`, and appear once.

A line starting with `# ` (hash and space) is a heading in Markdown; write hashtags without the space (`#launch`), or put them after some text.",
        allowable: true,
    },
    Builtin {
        id: "post.placeholder",
        severity: Severity::Error,
        category: "post",
        summary: "The placeholder copy `cargo xtask new` wrote is still in a post past draft",
        explain: "`cargo xtask new` starts a post with sentences that say what to write (\"Write the copy people will share here: ...\", and for X \"A shorter version for X ...\"). While the post is a `draft` that is fine; once it is in `review` or `approved`, a placeholder left in any section would be shared word for word, so it is an error.

Fix: replace the placeholder with the copy people will share, or keep `status: draft` until it is written.",
        allowable: false,
    },
    Builtin {
        id: "post.unknown-product",
        severity: Severity::Error,
        category: "post",
        summary: "`products` lists an id the release calendar does not know",
        explain: "Every id under `products` must be a product in policies/calendar.yaml, because the calendar says when the product may be talked about. Fix a typo, or ask the policy owners to add the product to the calendar first.",
        allowable: false,
    },
    Builtin {
        id: "post.unknown-client",
        severity: Severity::Error,
        category: "post",
        summary: "`clients` lists an id the policy does not know",
        explain: "Every id under `clients` must be a client in policies/policy.yaml, where the written approval to name that client publicly is recorded. Fix a typo, or ask the policy owners to record the client and its approval.",
        allowable: false,
    },
    Builtin {
        id: "product.codename",
        severity: Severity::Error,
        category: "product",
        summary: "An internal codename appears in a post",
        explain: "Codenames are internal. Seen in public, a codename links an unannounced product to the company, gives competitors and journalists a thread to pull, and can break an embargo or a securities disclosure rule. The check finds codenames anywhere in a post (title, tags, alt text, link, image file name and every copy), however they are written: any case, with hyphens, dots or no spaces (#ProjectFalcon), with look-alike letters or invisible characters.

Fix: use the product's public name, and only once it is announced (the finding says when). This rule cannot be allowed.",
        allowable: false,
    },
    Builtin {
        id: "product.embargo",
        severity: Severity::Error,
        category: "product",
        summary: "A product appears in a post scheduled before its announcement",
        explain: "Until a product is announced, its name, its existence and its date are confidential: an early post can break a launch, a partner agreement or a securities rule. A post that lists a product under `products`, or names it, must have `publish_at` at or after the product's `announce_at` in policies/calendar.yaml; a product without `announce_at` cannot be mentioned at all.

Fix: move `publish_at` to the announcement or later, or remove the product. If the launch date moves, the calendar is updated and every post is checked again. This rule cannot be allowed.",
        allowable: false,
    },
    Builtin {
        id: "product.undeclared",
        severity: Severity::Warning,
        category: "product",
        summary: "A product's public name appears but `products` does not list it",
        explain: "Posts list the products they talk about under `products`, so that they are held back until the launch, carry the employee disclosure, and show up in the right place in the feed. A post that names a product without listing it is still gated on the product's announcement, but reviewers and tools cannot see what it is about.

Fix: add the product id to `products`.",
        allowable: true,
    },
    Builtin {
        id: "client.unapproved",
        severity: Severity::Error,
        category: "client",
        summary: "A client is named without a written approval valid at publish time",
        explain: "Naming a client publicly implies a relationship that the client may not want known; most contracts require written approval. The policy records each client's approval in policies/policy.yaml (`approved_until`, its last day, and `approved_from`, its first, when it starts later; a `note` says what it covers). A post may name a client (any of its names, however written) only inside that window at the post's `publish_at`; publish judges the window again when it runs.

Fix: remove the client's name, or ask the account team to obtain (or renew) the approval and the policy owners to record it. This rule cannot be allowed.",
        allowable: false,
    },
    Builtin {
        id: "quiet-period",
        severity: Severity::Error,
        category: "calendar",
        summary: "A post scheduled inside a quiet period trips a rule of a blocked category",
        explain: "Before earnings, during an acquisition and at other sensitive times, the company keeps a quiet period: some topics, or all posts, must wait. policies/calendar.yaml lists each period with the rule categories it blocks ([all] blocks every post). A post scheduled inside a period that trips a rule of a blocked category is an error, whatever that rule's own severity. While a period lasts, publish withdraws the posts it covers from the feed (with [all], every post: the feeds say why and until when) and brings them back after it.

Fix: reschedule the post after the period ends, or remove the text the finding points at.",
        allowable: true,
    },
    Builtin {
        id: "disclosure.missing",
        severity: Severity::Error,
        category: "disclosure",
        summary: "A post about a product does not say the author works here",
        explain: "When employees promote their employer's products, readers must be told of the connection (the FTC's Endorsement Guides in the US, and similar rules elsewhere): a recommendation from someone paid by the maker means something different. A post that lists or names a product must carry one of the policy's accepted disclosures (for example #employee or \"I work at Example Corp\") in the copy of every platform it targets, because each platform's copy is shared on its own.

Fix: add a disclosure to the copy the finding names, early and in plain sight.",
        allowable: true,
    },
    Builtin {
        id: "disclosure.buried",
        severity: Severity::Warning,
        category: "disclosure",
        summary: "The disclosure is there but hard to see",
        explain: "A disclosure must be clear and conspicuous. LinkedIn shows about the first 210 characters of a post and Facebook about 477 before \"see more\"; a disclosure after the fold, or one hidden in a run of hashtags at the end, is one most readers never see.

Fix: put the disclosure in the first sentence, or say it in words (\"I work at Example Corp\").",
        allowable: true,
    },
    Builtin {
        id: "platform.length",
        severity: Severity::Error,
        category: "platform",
        summary: "The copy is longer than the network allows",
        explain: "Each network rejects or cuts copy over its limit, and each counts differently: X weighs text as twitter-text does (every link 23, emoji and most non-Latin characters 2); Bluesky counts grapheme clusters (300) and UTF-8 bytes (3000); Mastodon counts links as 23; LinkedIn (3000), Instagram (2200), Threads (500) and Facebook (63206) count characters. The check measures the text as it will be shared: with tracking parameters on links and, where the share button puts it in the text, the post's link. The policy's `platforms` section can set other limits.

Fix: shorten the copy, or give the platform its own shorter `## <platform>` section.",
        allowable: true,
    },
    Builtin {
        id: "platform.hashtags",
        severity: Severity::Error,
        category: "platform",
        summary: "More hashtags than the network allows",
        explain: "Instagram allows at most 5 hashtags in a caption (and the policy may set limits for other networks); more looks like spam and can hide the post. Fix: keep the few that matter.",
        allowable: true,
    },
    Builtin {
        id: "platform.links",
        severity: Severity::Error,
        category: "platform",
        summary: "More links than the network allows, or links where they do not work",
        explain: "Threads allows at most 5 links in a post, and the policy may set limits for other networks (an error). Instagram captions do not make links clickable (a warning): readers cannot follow them.

Fix: keep the most important link; on Instagram point to the link in the profile instead.",
        allowable: true,
    },
    Builtin {
        id: "link.internal",
        severity: Severity::Error,
        category: "link",
        summary: "A link to an internal host",
        explain: "Links to the intranet, wiki, tracker or chat (the policy's `internal_domains` and their subdomains) reveal internal host names, project names and paths, and do not work for readers anyway. The check finds them anywhere in a post, written with or without https://, in any case and in punycode or Unicode form.

Fix: link to a public page on one of our public domains instead.",
        allowable: false,
    },
    Builtin {
        id: "link.domain",
        severity: Severity::Warning,
        category: "link",
        summary: "A link the reader cannot trust at a glance",
        explain: "Links to our own public domains (the policy's `domains` and their subdomains) need no second look. Others might: a link to a domain that is not ours (is the page public, and one we want to send people to?), plain http:// (readers' browsers warn), and link shorteners (nobody can see where they lead, including this check).

Fix: use the full https:// link; if the domain is ours, ask the policy owners to add it.",
        allowable: true,
    },
    Builtin {
        id: "link.scheme",
        severity: Severity::Error,
        category: "link",
        summary: "A javascript:, vbscript:, data: or file: link",
        explain: "These schemes do not open a page: `javascript:` and `vbscript:` run code in the reader's browser, `data:` can carry a whole page or script, `file:` opens files on the reader's own machine. In a post's `link` or a Markdown link they would reach every employee who shares it, and the hub that publishes it.

Fix: link to an https:// page on one of our domains. This rule cannot be allowed.",
        allowable: false,
    },
    Builtin {
        id: "text.bidi",
        severity: Severity::Error,
        category: "text",
        summary: "Invisible or direction-changing characters that make text read differently than it is",
        explain: "Unicode bidirectional controls (embeddings, overrides, isolates) reorder how text is displayed, and invisible characters (zero-width space, word joiner, a zero-width joiner between letters) split words without showing it. Together they let text look harmless while saying something else (the \"Trojan Source\" technique), and let a codename hide from search. The check flags them in every part of a post; joiners inside emoji sequences and in scripts that need them are fine.

Fix: delete the character (retype the words around it if your editor does not show it).",
        allowable: false,
    },
    Builtin {
        id: "text.strikethrough",
        severity: Severity::Warning,
        category: "text",
        summary: "Struck-through text, which networks show as plain words",
        explain: "Networks take plain text: the shared copy drops Markdown's markers, and `~~was $20~~ now $10` is shared as \"was $20 now $10\", the struck words reading as if they stood. Only the markers go; the meaning would change silently, so the check warns.

Fix: delete the struck words, or say in words what changed (\"was $20, now $10\").",
        allowable: true,
    },
    Builtin {
        id: "image.in-copy",
        severity: Severity::Error,
        category: "image",
        summary: "An image written in the copy, which is never shared",
        explain: "A post's image is its front matter's `image: {path: ..., alt: ...}`: publish strips its metadata, the hub offers it for download and the networks get it with the post. An image written in the copy in Markdown (`![alt](media/x.png)`) is removed from the shared text, so nobody would see it.

Fix: remove it from the copy and give it in the front matter: `image: {path: media/x.png, alt: \"What the image shows\"}`.",
        allowable: false,
    },
    Builtin {
        id: "image.missing",
        severity: Severity::Error,
        category: "image",
        summary: "The image file is absent, or its path leaves content/",
        explain: "Images live under content/ (usually content/media/) and are published with the post. A path is relative to content/ with `/` separators; absolute paths, URLs, `..`, backslashes, URL-encoding and symbolic links that lead outside content/ are refused, so that publishing never copies a file from elsewhere on the machine.

Fix: add the file under content/media/ and refer to it as media/<name>.",
        allowable: false,
    },
    Builtin {
        id: "image.alt",
        severity: Severity::Error,
        category: "image",
        summary: "The image has no alt text",
        explain: "Alt text is what people using screen readers hear instead of the image, and what shows when it does not load. Every network lets the sharer add it; the hub offers it with the copy.

Fix: add `alt:` describing what the image shows and why it matters to the post.",
        allowable: true,
    },
    Builtin {
        id: "image.location",
        severity: Severity::Error,
        category: "image",
        summary: "The image file carries a GPS position",
        explain: "Photos from phones record where they were taken. Published as is, they can reveal a colleague's home, an unannounced office or a customer's site. The check reads the EXIF data of JPEG, PNG, WebP, HEIC and TIFF files and refuses any GPS position (publishing also strips metadata, but the file in the repository is public to everyone with access).

Fix: strip the location, for example `exiftool -gps:all= content/media/photo.jpg`, and commit the cleaned file.",
        allowable: false,
    },
    Builtin {
        id: "history.leak",
        severity: Severity::Error,
        category: "history",
        summary: "A commit on the branch added blocked text, even if a later commit removed it",
        explain: "With `check --base`, every commit between the base and the branch head is read, not only the final files. A codename, an unannounced product's name, an unapproved client's name or a term of an error rule that one commit added under content/ stays in the repository's history after a later commit deletes it: merged, it is in every clone and fork for good.

Fix: rewrite the branch before merging (interactive rebase: edit or drop the commit the finding names), then force-push. This rule cannot be allowed.",
        allowable: false,
    },
    Builtin {
        id: "approval.edited",
        severity: Severity::Error,
        category: "history",
        summary: "An approved post's text changed after approval",
        explain: "With `check --base`: a post that was already `status: approved` at the base revision has changed text (copy, title, tags, link or alt text) in this change, and the change neither sends it back to review nor records a new approval. The approval was given for the old text; merged as it is, the new text would be published as approved without anyone approving it.

Fix: set `status: review` in the same change and ask the approver to look again (they approve it in a later change), record the new approval (`approved_by` / `approved_at`) if the approver has reviewed this text, or revert the change. A policy that does not need this can lower the rule with `builtins: {approval.edited: {severity: warning}}`.",
        allowable: false,
    },
    Builtin {
        id: "approval.missing",
        severity: Severity::Error,
        category: "approval",
        summary: "An approved post does not record who approved it and when",
        explain: "In a regulated company (a broker-dealer under FINRA Rule 2210, a drug company under its promotional code) a post may be used only after a qualified person approved it, and the firm must keep a record: who approved which text, and when. When the policy's `approval.require` is true, a post with `status: approved` must say so in its front matter:

    status: approved
    approved_by: jane.roe        # an id from approval.approvers in policies/policy.yaml
    approved_at: 2026-11-30      # the day (or RFC 3339 moment) of the approval

`cargo xtask register` turns these, with the commit that set them, into the communications register. Fix: add both keys, written by (or for) the approver who reviewed this exact text. This rule cannot be allowed.",
        allowable: false,
    },
    Builtin {
        id: "approval.invalid",
        severity: Severity::Error,
        category: "approval",
        summary: "The approver is not one the policy lists, or approved their own post",
        explain: "An approval counts only when it comes from someone the policy names under `approval.approvers` (policy owners keep that list, with each person's name and role, for the register). When `approval.not_author` is true, the approver must also be someone other than the post's `author`: nobody approves their own communication.

Fix: put the id of a listed approver in `approved_by` (ask them to review the text first), or ask the policy owners to add the approver to policies/policy.yaml. This rule cannot be allowed.",
        allowable: false,
    },
    Builtin {
        id: "allow.unknown",
        severity: Severity::Error,
        category: "post",
        summary: "An `allow` entry that names no known rule, or has no reason",
        explain: "An `allow` entry turns a post's findings of one rule into suppressed ones: still reported, no longer failing. It is a reviewed exception, so it must name a real rule (a policy rule id or a built-in id; see `cargo xtask explain`) and give a reason reviewers can judge:

    allow:
      - {rule: tone.negative, reason: \"quotes the customer's problem that we solved\"}

product.codename, product.embargo and client.unapproved protect confidential information and cannot be allowed, nor can the checks of the post's own structure.",
        allowable: false,
    },
    Builtin {
        id: "allow.unused",
        severity: Severity::Warning,
        category: "post",
        summary: "An `allow` entry that suppresses nothing",
        explain: "An `allow` entry is a reviewed exception for one rule in one post. When the post no longer has a finding of that rule (the text was fixed, or the policy changed), the entry suppresses nothing, but it would silently suppress a future finding that nobody reviewed.

Fix: delete the `allow` entry. If the exception is still needed, the finding it was written for will come back and say so.

This warning cannot itself be allowed.",
        allowable: false,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_texts_present() {
        let mut ids = ids();
        ids.sort_unstable();
        let len = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), len);
        for b in BUILTINS {
            assert!(b.explain.len() > 100, "{} needs teaching text", b.id);
            assert!(!b.summary.ends_with('.'), "{}", b.id);
        }
    }
}
