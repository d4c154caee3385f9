//! The image facts the rules are given, read from the working tree: the
//! path resolved inside `content/` (never through a link leading out of
//! it), the file read, and its metadata judged by the engine.

use std::path::Path;

use onmessage_engine::media::{self, CONTENT_DIR, ImageFile};

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
    ImageFile::Found {
        gps: std::fs::read(&real).is_ok_and(|bytes| media::has_gps(&bytes)),
    }
}
