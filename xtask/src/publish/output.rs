//! Writing the output so that a crash never leaves a half-written site.
//!
//! Every file goes into a fresh directory beside `--out` (same parent, so the
//! same file system), each file synced to disk; then the new directory and
//! the old output trade places in one atomic step (`renameat2` with
//! `RENAME_EXCHANGE` on Linux), and the old output is deleted. Killed before
//! the swap, the previous output is untouched; killed after, the new one is
//! whole. Where the exchange is not available the swap is two renames, and
//! the next run puts the previous output back if a crash fell between them.
//! Leftovers of a crashed run are removed at the start of the next.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The files to write: path relative to the output (with `/`) → bytes.
/// Sorted, so files are always written in the same order.
pub type Tree = BTreeMap<String, Vec<u8>>;

#[derive(Debug)]
pub enum WriteError {
    Io(String),
    /// Stopped on request after writing some files (tests of crash safety).
    Stopped,
}

/// The directory beside `out` used for `what` (`new` or `old`).
pub fn sibling(out: &Path, what: &str) -> Result<PathBuf, String> {
    let name = out
        .file_name()
        .ok_or_else(|| format!("--out {} has no directory name", out.display()))?;
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty());
    let file = format!(".{}.publish-{what}", name.to_string_lossy());
    Ok(parent.map_or_else(|| PathBuf::from(&file), |p| p.join(&file)))
}

/// Refuses an `--out` whose replacement would destroy something that is not
/// a previous publish: the repository itself, one of its ancestors, a file,
/// or a non-empty directory without `feed.json`.
pub fn check_target(out: &Path, root: &Path) -> Result<(), String> {
    let shown = out.display();
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let target = match out.canonicalize() {
        Ok(path) => path,
        Err(_) => match (out.parent(), out.file_name()) {
            (Some(parent), Some(name)) => {
                let parent = if parent.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    parent
                };
                parent
                    .canonicalize()
                    .map(|p| p.join(name))
                    .unwrap_or_else(|_| out.to_path_buf())
            }
            _ => out.to_path_buf(),
        },
    };
    if root.starts_with(&target) {
        return Err(format!(
            "--out {shown} is the repository or contains it; choose a directory for the output only, such as public/"
        ));
    }
    match fs::symlink_metadata(out) {
        Err(_) => Ok(()),
        Ok(meta) if !meta.is_dir() => Err(format!(
            "--out {shown} exists and is not a directory; remove it or choose another --out"
        )),
        Ok(_) => {
            let mut entries = fs::read_dir(out)
                .map_err(|e| format!("cannot read --out {shown}: {e}"))?
                .peekable();
            if entries.peek().is_none() || out.join("feed.json").is_file() {
                Ok(())
            } else {
                Err(format!(
                    "--out {shown} is not empty and holds no feed.json, so it is not an earlier publish output; refusing to replace it"
                ))
            }
        }
    }
}

/// Writes `tree` as the new content of `out`, atomically. With
/// `stop_after = Some(n)`, returns `Stopped` after writing `n` files and
/// leaves everything as a crash would.
pub fn write_atomically(
    out: &Path,
    tree: &Tree,
    stop_after: Option<usize>,
) -> Result<(), WriteError> {
    let io = |what: &str, path: &Path, e: io::Error| {
        WriteError::Io(format!("cannot {what} {}: {e}", path.display()))
    };
    let new = sibling(out, "new").map_err(WriteError::Io)?;
    let old = sibling(out, "old").map_err(WriteError::Io)?;
    if let Some(parent) = new.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(|e| io("create", parent, e))?;
    }
    // One publish at a time per output: a second one waits here, so two runs
    // never write into, or clean up, each other's directories.
    let lock_path = sibling(out, "lock").map_err(WriteError::Io)?;
    let _lock = lock(&lock_path).map_err(|e| io("lock", &lock_path, e))?;
    recover(out, &new, &old).map_err(|e| io("clean up after an earlier run near", out, e))?;

    fs::create_dir(&new).map_err(|e| io("create", &new, e))?;
    let mut dirs = vec![new.clone()];
    for (written, (path, bytes)) in tree.iter().enumerate() {
        if stop_after == Some(written) {
            return Err(WriteError::Stopped);
        }
        let full = new.join(path);
        if let Some(dir) = full.parent().filter(|d| !dirs.iter().any(|x| x == d)) {
            fs::create_dir_all(dir).map_err(|e| io("create", dir, e))?;
            dirs.push(dir.to_path_buf());
        }
        let mut file = fs::File::create(&full).map_err(|e| io("create", &full, e))?;
        file.write_all(bytes)
            .and_then(|()| file.sync_all())
            .map_err(|e| io("write", &full, e))?;
    }
    if stop_after == Some(tree.len()) {
        return Err(WriteError::Stopped);
    }
    for dir in &dirs {
        sync_dir(dir).map_err(|e| io("sync", dir, e))?;
    }
    swap(out, &new, &old)?;
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        sync_dir(parent).map_err(|e| io("sync", parent, e))?;
    }
    Ok(())
}

/// An exclusive advisory lock, held until the file is dropped.
#[cfg(unix)]
fn lock(path: &Path) -> io::Result<fs::File> {
    use std::os::fd::AsRawFd;
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)?;
    // SAFETY: flock on a file descriptor this function owns; no memory is shared.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(file)
}

#[cfg(not(unix))]
fn lock(path: &Path) -> io::Result<fs::File> {
    fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
}

/// Undoes what a crashed run left: a previous output moved aside but not
/// replaced is put back; half-written and old directories are removed.
fn recover(out: &Path, new: &Path, old: &Path) -> io::Result<()> {
    if !out.exists() && old.is_dir() {
        fs::rename(old, out)?;
    }
    for leftover in [new, old] {
        if fs::symlink_metadata(leftover).is_ok() {
            fs::remove_dir_all(leftover)?;
        }
    }
    Ok(())
}

fn swap(out: &Path, new: &Path, old: &Path) -> Result<(), WriteError> {
    let err = |what: &str, e: io::Error| {
        WriteError::Io(format!(
            "cannot {what} while replacing {}: {e}",
            out.display()
        ))
    };
    if fs::symlink_metadata(out).is_err() {
        return fs::rename(new, out).map_err(|e| err("move the new output into place", e));
    }
    if exchange(new, out).is_ok() {
        // `new` now holds the previous output.
        return fs::remove_dir_all(new).map_err(|e| err("remove the previous output", e));
    }
    fs::rename(out, old).map_err(|e| err("move the previous output aside", e))?;
    fs::rename(new, out).map_err(|e| err("move the new output into place", e))?;
    fs::remove_dir_all(old).map_err(|e| err("remove the previous output", e))
}

/// Atomically exchanges two directories.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let a = CString::new(a.as_os_str().as_bytes())?;
    let b = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both arguments are valid NUL-terminated paths that outlive the
    // call; renameat2 only reads them.
    let result = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if result == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::ErrorKind::Unsupported.into())
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("onmessage-output-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn tree(files: &[(&str, &str)]) -> Tree {
        files
            .iter()
            .map(|(p, b)| (p.to_string(), b.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn replaces_and_survives_a_stop() {
        let dir = temp("swap");
        let out = dir.join("public");
        let first = tree(&[("feed.json", "1"), ("a/b.txt", "x")]);
        write_atomically(&out, &first, None).unwrap();
        assert_eq!(fs::read_to_string(out.join("a/b.txt")).unwrap(), "x");

        let second = tree(&[("feed.json", "2"), ("c.txt", "y")]);
        assert!(matches!(
            write_atomically(&out, &second, Some(1)),
            Err(WriteError::Stopped)
        ));
        assert_eq!(fs::read_to_string(out.join("feed.json")).unwrap(), "1");
        assert!(
            sibling(&out, "new").unwrap().is_dir(),
            "left as a crash would"
        );

        write_atomically(&out, &second, None).unwrap();
        assert_eq!(fs::read_to_string(out.join("feed.json")).unwrap(), "2");
        assert!(!out.join("a").exists());
        assert!(!sibling(&out, "new").unwrap().exists());
        assert!(!sibling(&out, "old").unwrap().exists());
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_crash_between_two_renames_is_undone() {
        let dir = temp("recover");
        let out = dir.join("public");
        let old = sibling(&out, "old").unwrap();
        fs::create_dir_all(&old).unwrap();
        fs::write(old.join("feed.json"), "previous").unwrap();
        let new = sibling(&out, "new").unwrap();
        fs::create_dir_all(&new).unwrap();
        fs::write(new.join("feed.json"), "half").unwrap();
        recover(&out, &new, &old).unwrap();
        assert_eq!(
            fs::read_to_string(out.join("feed.json")).unwrap(),
            "previous"
        );
        assert!(!new.exists() && !old.exists());
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn refuses_targets_that_are_not_publish_output() {
        let dir = temp("target");
        let root = dir.join("repo");
        fs::create_dir_all(root.join("content")).unwrap();
        fs::write(root.join("content/post.md"), "x").unwrap();
        assert!(check_target(&root, &root).is_err());
        assert!(check_target(&dir, &root).is_err());
        assert!(check_target(&root.join("content"), &root).is_err());
        assert!(check_target(&root.join("content/post.md"), &root).is_err());
        assert!(check_target(&root.join("public"), &root).is_ok());
        fs::create_dir_all(root.join("public")).unwrap();
        assert!(check_target(&root.join("public"), &root).is_ok());
        fs::write(root.join("public/feed.json"), "{}").unwrap();
        assert!(check_target(&root.join("public"), &root).is_ok());
        fs::remove_dir_all(dir).unwrap();
    }
}
