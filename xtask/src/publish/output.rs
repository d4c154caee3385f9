//! Writing the output so that a crash never leaves a half-written site.
//!
//! Every file goes into a fresh directory beside `--out` (same parent, so the
//! same file system), each file synced to disk (the many small pages, one
//! per post, all at once before the swap); then the new directory and
//! the old output trade places in one atomic step (`renameat2` with
//! `RENAME_EXCHANGE` on Linux), and the old output is deleted. Killed before
//! the swap, the previous output is untouched; killed after, the new one is
//! whole. Where the exchange is not available the swap is two renames, and
//! the next run puts the previous output back if a crash fell between them.
//! Leftovers of a crashed run are removed at the start of the next.

use std::collections::BTreeSet;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Each output file's write buffer: feeds are appended an item (a few
/// kilobytes) at a time, and a larger buffer means fewer system calls.
const BUFFER: usize = 256 * 1024;

/// How much of a file is handed to the kernel before it is asked to start
/// writing that part to disk. Left alone, Linux by default waits until a
/// tenth of the memory is dirty, and a large output (gigabytes at 100,000
/// posts) would mostly be written while the final syncs wait.
const WRITEBACK: usize = 16 * 1024 * 1024;

#[derive(Debug)]
pub enum WriteError {
    Io(String),
    /// Stopped on request after creating some files (tests of crash safety).
    Stopped,
}

fn io_error(what: &str, path: &Path, e: io::Error) -> WriteError {
    WriteError::Io(format!("cannot {what} {}: {e}", path.display()))
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

/// The new output, written into a fresh directory beside `out` while it is
/// being built (so it is never held whole in memory), then swapped into
/// place by `commit`. Dropped without
/// `commit` (an error, a crash), it leaves the previous output as it was;
/// the next run removes the half-written directory.
pub struct Staging {
    out: PathBuf,
    new: PathBuf,
    old: PathBuf,
    /// Every directory created in `new`, synced before the swap (a set:
    /// every post has a folder of its own).
    dirs: BTreeSet<PathBuf>,
    /// Every file created in `new`, relative, with `/`: the egress scan
    /// reads them before the swap.
    files: Vec<String>,
    /// Files written but not yet synced: `commit` syncs them all at once.
    unsynced: Vec<PathBuf>,
    created: usize,
    finished: usize,
    bytes: usize,
    /// Stop, as a crash would, instead of creating more than this many files.
    stop_after: Option<usize>,
    /// One publish at a time per output: held until the swap is done.
    _lock: fs::File,
}

/// One file of the new output. Hand it back to `Staging::finish` once
/// written: that flushes it and syncs it to disk.
pub struct File {
    path: PathBuf,
    writer: BufWriter<fs::File>,
    bytes: usize,
    /// Where the part not yet sent to disk starts.
    written_back: usize,
}

impl File {
    pub fn write(&mut self, bytes: &[u8]) -> Result<(), WriteError> {
        self.writer
            .write_all(bytes)
            .map_err(|e| io_error("write", &self.path, e))?;
        self.bytes += bytes.len();
        let in_kernel = self.bytes - self.writer.buffer().len();
        if in_kernel - self.written_back >= WRITEBACK {
            start_writeback(self.writer.get_ref(), self.written_back, in_kernel);
            self.written_back = in_kernel;
        }
        Ok(())
    }
}

/// Asks the kernel to start writing `start..end` of `file` to disk, without
/// waiting. Only an optimisation: `Staging::finish` syncs the whole file.
#[cfg(target_os = "linux")]
fn start_writeback(file: &fs::File, start: usize, end: usize) {
    use std::os::fd::AsRawFd;
    let (Ok(start), Ok(len)) = (i64::try_from(start), i64::try_from(end - start)) else {
        return;
    };
    // SAFETY: sync_file_range on a descriptor `file` owns; no memory is
    // shared. Its result is ignored: a failure leaves the work to the sync.
    unsafe {
        libc::sync_file_range(file.as_raw_fd(), start, len, libc::SYNC_FILE_RANGE_WRITE);
    }
}

#[cfg(not(target_os = "linux"))]
fn start_writeback(_: &fs::File, _: usize, _: usize) {}

/// What `commit` put in place.
pub struct Written {
    pub files: usize,
    pub bytes: usize,
}

impl Staging {
    /// Takes the output's lock (a second publish waits here, so two runs
    /// never write into, or clean up, each other's directories), undoes what
    /// a crashed run left, and creates the empty new directory.
    pub fn begin(out: &Path, stop_after: Option<usize>) -> Result<Staging, WriteError> {
        let new = sibling(out, "new").map_err(WriteError::Io)?;
        let old = sibling(out, "old").map_err(WriteError::Io)?;
        if let Some(parent) = new.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent).map_err(|e| io_error("create", parent, e))?;
        }
        let lock_path = sibling(out, "lock").map_err(WriteError::Io)?;
        let lock = lock(&lock_path).map_err(|e| io_error("lock", &lock_path, e))?;
        recover(out, &new, &old)
            .map_err(|e| io_error("clean up after an earlier run near", out, e))?;
        fs::create_dir(&new).map_err(|e| io_error("create", &new, e))?;
        Ok(Staging {
            out: out.to_path_buf(),
            dirs: BTreeSet::from([new.clone()]),
            files: Vec::new(),
            unsynced: Vec::new(),
            new,
            old,
            created: 0,
            finished: 0,
            bytes: 0,
            stop_after,
            _lock: lock,
        })
    }

    /// Creates `path` (relative to the output, with `/`) in the new output.
    pub fn create(&mut self, path: &str) -> Result<File, WriteError> {
        if self.stop_after == Some(self.created) {
            return Err(WriteError::Stopped);
        }
        let full = self.new.join(path);
        if let Some(dir) = full.parent().filter(|d| !self.dirs.contains(*d)) {
            fs::create_dir_all(dir).map_err(|e| io_error("create", dir, e))?;
            // Every folder created on the way holds a new entry to sync.
            for created in dir.ancestors().take_while(|d| *d != self.new) {
                self.dirs.insert(created.to_path_buf());
            }
        }
        let file = fs::File::create(&full).map_err(|e| io_error("create", &full, e))?;
        self.created += 1;
        self.files.push(path.to_string());
        Ok(File {
            writer: BufWriter::with_capacity(BUFFER, file),
            path: full,
            bytes: 0,
            written_back: 0,
        })
    }

    /// The files created so far (relative to the output, with `/`).
    pub fn files(&self) -> &[String] {
        &self.files
    }

    /// Where the new output is being written (before the swap).
    pub fn new_dir(&self) -> &Path {
        &self.new
    }

    /// Writes a whole file at once.
    pub fn write(&mut self, path: &str, bytes: &[u8]) -> Result<(), WriteError> {
        let mut file = self.create(path)?;
        file.write(bytes)?;
        self.finish(file)
    }

    /// Writes a whole small file, leaving its sync to `commit`, which syncs
    /// every such file at once: a page per post synced one by one costs a
    /// disk flush each (about 5 ms here: 8 minutes at 100,000 posts).
    pub fn write_unsynced(&mut self, path: &str, bytes: &[u8]) -> Result<(), WriteError> {
        let mut file = self.create(path)?;
        file.write(bytes)?;
        self.close(file, false)
    }

    /// Flushes `file` and syncs it to disk.
    pub fn finish(&mut self, file: File) -> Result<(), WriteError> {
        self.close(file, true)
    }

    /// Flushes `file`, then syncs it now or leaves it to `commit`.
    fn close(&mut self, file: File, sync_now: bool) -> Result<(), WriteError> {
        let File {
            path,
            writer,
            bytes,
            ..
        } = file;
        let written = writer
            .into_inner()
            .map_err(|e| io_error("write", &path, e.into_error()))?;
        if sync_now {
            written
                .sync_all()
                .map_err(|e| io_error("write", &path, e))?;
        } else {
            self.unsynced.push(path);
        }
        self.finished += 1;
        self.bytes += bytes;
        Ok(())
    }

    /// Syncs the new directories and swaps the new output into place.
    pub fn commit(self) -> Result<Written, WriteError> {
        debug_assert_eq!(
            self.created, self.finished,
            "every file is finished before the swap"
        );
        if self.stop_after == Some(self.created) {
            return Err(WriteError::Stopped);
        }
        sync_new(&self.new, &self.unsynced, &self.dirs)?;
        swap(&self.out, &self.new, &self.old)?;
        if let Some(parent) = self.out.parent().filter(|p| !p.as_os_str().is_empty()) {
            sync_dir(parent).map_err(|e| io_error("sync", parent, e))?;
        }
        Ok(Written {
            files: self.created,
            bytes: self.bytes,
        })
    }
}

/// An exclusive lock (`flock` on Unix, `LockFileEx` on Windows), held
/// until the file is dropped.
fn lock(path: &Path) -> io::Result<fs::File> {
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)?;
    file.lock()?;
    Ok(file)
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

/// Syncs the new output before the swap: the files written unsynced and
/// every directory created. On Linux one `syncfs` of the new directory's
/// file system writes them all back in one pass (a flush per folder and
/// per page would cost one each); elsewhere each is synced.
#[cfg(target_os = "linux")]
fn sync_new(new: &Path, _: &[PathBuf], _: &BTreeSet<PathBuf>) -> Result<(), WriteError> {
    use std::os::fd::AsRawFd;
    let dir = fs::File::open(new).map_err(|e| io_error("sync", new, e))?;
    // SAFETY: syncfs on a descriptor `dir` owns; no memory is shared.
    if unsafe { libc::syncfs(dir.as_raw_fd()) } != 0 {
        return Err(io_error("sync", new, io::Error::last_os_error()));
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn sync_new(_: &Path, files: &[PathBuf], dirs: &BTreeSet<PathBuf>) -> Result<(), WriteError> {
    for path in files {
        fs::File::open(path)
            .and_then(|file| file.sync_all())
            .map_err(|e| io_error("sync", path, e))?;
    }
    for dir in dirs {
        sync_dir(dir).map_err(|e| io_error("sync", dir, e))?;
    }
    Ok(())
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

    /// Publishes `files` (path, text) to `out` through a `Staging`.
    fn write_all(
        out: &Path,
        files: &[(&str, &str)],
        stop_after: Option<usize>,
    ) -> Result<Written, WriteError> {
        let mut staging = Staging::begin(out, stop_after)?;
        for (path, text) in files {
            staging.write(path, text.as_bytes())?;
        }
        staging.commit()
    }

    #[test]
    fn replaces_and_survives_a_stop() {
        let dir = temp("swap");
        let out = dir.join("public");
        let first = [("feed.json", "1"), ("a/b.txt", "x")];
        let written = write_all(&out, &first, None).unwrap();
        assert_eq!((written.files, written.bytes), (2, 2));
        assert_eq!(fs::read_to_string(out.join("a/b.txt")).unwrap(), "x");

        let second = [("feed.json", "2"), ("c.txt", "y")];
        for stop in [1, 2] {
            assert!(matches!(
                write_all(&out, &second, Some(stop)),
                Err(WriteError::Stopped)
            ));
            assert_eq!(fs::read_to_string(out.join("feed.json")).unwrap(), "1");
            let new = sibling(&out, "new").unwrap();
            assert_eq!(
                fs::read_dir(&new).unwrap().count(),
                stop,
                "left as a crash would"
            );
        }

        write_all(&out, &second, None).unwrap();
        assert_eq!(fs::read_to_string(out.join("feed.json")).unwrap(), "2");
        assert!(!out.join("a").exists());
        assert!(!sibling(&out, "new").unwrap().exists());
        assert!(!sibling(&out, "old").unwrap().exists());
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_file_streamed_in_pieces_is_whole() {
        let dir = temp("stream");
        let out = dir.join("public");
        let mut staging = Staging::begin(&out, None).unwrap();
        let mut file = staging.create("d/feed.json").unwrap();
        let piece = vec![b'x'; 100_000];
        for _ in 0..10 {
            file.write(&piece).unwrap();
        }
        staging.finish(file).unwrap();
        let written = staging.commit().unwrap();
        assert_eq!((written.files, written.bytes), (1, 1_000_000));
        assert_eq!(fs::read(out.join("d/feed.json")).unwrap().len(), 1_000_000);
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
