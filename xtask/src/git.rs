//! What `check --base REV` needs from history, read with libgit2 (no
//! checkout, no `git` process): the merge base, the files changed since it,
//! every line each branch commit added under `content/`, and the base
//! revision's version of the files the review compares.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use git2::{Commit, DiffOptions, Oid, Repository, Sort, Tree};

use onmessage_engine::config::{CALENDAR_PATH, POLICY_PATH};
use onmessage_engine::review::{AddedLine, BaseComparison, SCHEMA_PATHS};

/// Where history is scanned for leaks: the content marketing writes (the
/// policy itself names every codename, and the tool's fixtures do too).
pub const SCANNED_DIR: &str = "content/";

/// Compares HEAD (and uncommitted changes) under `root` with `rev`.
pub fn compare(root: &Path, rev: &str) -> Result<BaseComparison, String> {
    let repo = Repository::discover(root).map_err(|e| {
        format!(
            "--base needs a git repository at {}: {}",
            root.display(),
            e.message()
        )
    })?;
    let prefix = root_prefix(&repo, root)?;
    let fetch_hint = "fetch the base branch's history (in GitHub Actions: actions/checkout with `fetch-depth: 0`)";
    let base_commit = repo
        .revparse_single(rev)
        .and_then(|o| o.peel_to_commit())
        .map_err(|e| format!("cannot find `{rev}` ({}): {fetch_hint}", e.message()))?;
    let head = repo
        .head()
        .and_then(|h| h.peel_to_commit())
        .map_err(|e| format!("cannot read HEAD: {}", e.message()))?;
    let merge_base = repo.merge_base(head.id(), base_commit.id()).map_err(|_| {
        let shallow = if repo.is_shallow() {
            " (this is a shallow clone)"
        } else {
            ""
        };
        format!("HEAD and `{rev}` have no common ancestor in this clone{shallow}: {fetch_hint}")
    })?;
    let base_tree = repo
        .find_commit(merge_base)
        .and_then(|c| c.tree())
        .map_err(|e| e.message().to_string())?;

    let changed = changed_since(&repo, &base_tree, &prefix)?;
    let added = added_lines(&repo, head.id(), merge_base, &prefix)?;
    let mut base_files = HashMap::new();
    let wanted = changed
        .iter()
        .filter(|p| p.starts_with(SCANNED_DIR))
        .map(String::as_str)
        .chain([POLICY_PATH, CALENDAR_PATH])
        .chain(SCHEMA_PATHS);
    for path in wanted {
        if let Some(bytes) = file_in_tree(&repo, &base_tree, &prefix.join(path)) {
            base_files.insert(path.to_string(), bytes);
        }
    }
    Ok(BaseComparison {
        merge_base: short(merge_base),
        changed,
        added,
        base_files,
    })
}

/// `root` relative to the repository's working directory.
pub(crate) fn root_prefix(repo: &Repository, root: &Path) -> Result<PathBuf, String> {
    let workdir = repo
        .workdir()
        .ok_or("--base needs a repository with a working tree, not a bare one")?;
    let (Ok(workdir), Ok(root)) = (workdir.canonicalize(), root.canonicalize()) else {
        return Err(format!("cannot resolve {}", root.display()));
    };
    root.strip_prefix(&workdir)
        .map(Path::to_path_buf)
        .map_err(|_| format!("{} is outside the repository", root.display()))
}

/// A repository path made relative to the root, or `None` outside it.
pub(crate) fn relative(prefix: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(prefix).ok()?;
    Some(
        rel.components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
    )
}

fn changed_since(
    repo: &Repository,
    base_tree: &Tree,
    prefix: &Path,
) -> Result<BTreeSet<String>, String> {
    let mut options = DiffOptions::new();
    options.include_untracked(true).recurse_untracked_dirs(true);
    let diff = repo
        .diff_tree_to_workdir_with_index(Some(base_tree), Some(&mut options))
        .map_err(|e| format!("cannot compare with the merge base: {}", e.message()))?;
    let mut changed = BTreeSet::new();
    for delta in diff.deltas() {
        for file in [delta.old_file(), delta.new_file()] {
            if let Some(path) = file.path().and_then(|p| relative(prefix, p)) {
                changed.insert(path);
            }
        }
    }
    Ok(changed)
}

/// Every line added under `content/` by the commits in `merge_base..head`,
/// oldest commit first. Merge commits add nothing of their own.
fn added_lines(
    repo: &Repository,
    head: Oid,
    merge_base: Oid,
    prefix: &Path,
) -> Result<Vec<AddedLine>, String> {
    let error = |e: git2::Error| format!("cannot read the branch's history: {}", e.message());
    let mut walk = repo.revwalk().map_err(error)?;
    walk.push(head).map_err(error)?;
    walk.hide(merge_base).map_err(error)?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)
        .map_err(error)?;
    let scanned = prefix.join(SCANNED_DIR);
    let mut lines = Vec::new();
    for oid in walk {
        let commit = repo.find_commit(oid.map_err(error)?).map_err(error)?;
        if commit.parent_count() > 1 {
            continue;
        }
        lines.extend(commit_added_lines(repo, &commit, &scanned, prefix).map_err(error)?);
    }
    Ok(lines)
}

fn commit_added_lines(
    repo: &Repository,
    commit: &Commit,
    scanned: &Path,
    prefix: &Path,
) -> Result<Vec<AddedLine>, git2::Error> {
    let tree = commit.tree()?;
    let parent_tree = match commit.parent(0) {
        Ok(parent) => Some(parent.tree()?),
        Err(_) => None,
    };
    let mut options = DiffOptions::new();
    options.pathspec(scanned).context_lines(0);
    let diff = repo.diff_tree_to_tree(parent_tree.as_ref(), Some(&tree), Some(&mut options))?;
    let id = short(commit.id());
    let mut lines = Vec::new();
    diff.foreach(
        &mut |_, _| true,
        None,
        None,
        Some(&mut |delta, _, line| {
            if line.origin() == '+' {
                let path = delta.new_file().path().and_then(|p| relative(prefix, p));
                if let (Some(path), Some(number)) = (path, line.new_lineno()) {
                    let text = String::from_utf8_lossy(line.content())
                        .trim_end_matches(['\n', '\r'])
                        .to_string();
                    lines.push(AddedLine {
                        commit: id.clone(),
                        path,
                        line: number as usize,
                        text,
                    });
                }
            }
            true
        }),
    )?;
    Ok(lines)
}

pub(crate) fn file_in_tree(repo: &Repository, tree: &Tree, path: &Path) -> Option<Vec<u8>> {
    let entry = tree.get_path(path).ok()?;
    let blob = entry.to_object(repo).ok()?.peel_to_blob().ok()?;
    Some(blob.content().to_vec())
}

fn short(oid: Oid) -> String {
    oid.to_string()[..10].to_string()
}
