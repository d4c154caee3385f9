//! The image facts the rules are given, read from the working tree: the
//! path resolved inside `content/` (never through a link leading out of
//! it), the file read, and its metadata judged by the engine.

use std::path::Path;

use onmessage_engine::media::{self, CONTENT_DIR, ImageFile, Location};

/// Looks at `content/<path>` under `root`.
pub fn inspect(root: &Path, path: &str) -> ImageFile {
    if let Some(problem) = media::path_problem(path) {
        return ImageFile::BadPath(problem);
    }
    let content = root.join(CONTENT_DIR);
    let full = content.join(path);
    let (Ok(real), Ok(content)) = (full.canonicalize(), content.canonicalize()) else {
        return ImageFile::Missing;
    };
    if !real.starts_with(&content) {
        return ImageFile::Outside;
    }
    if !real.is_file() {
        return ImageFile::Missing;
    }
    // Fails closed: a file that exists but cannot be read cannot be shown
    // to carry no location.
    ImageFile::Found(match std::fs::read(&real) {
        Ok(bytes) => media::location(&bytes),
        Err(e) => Location::Unreadable(format!("the file cannot be read ({e})")),
    })
}
