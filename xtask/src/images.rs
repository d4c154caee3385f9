//! The image facts the rules are given, read from the working tree: the
//! path resolved inside `content/` (never through a link leading out of
//! it), the file read, and its metadata judged by the engine.

use std::path::{Path, PathBuf};

use onmessage_engine::media::{self, CONTENT_DIR, ImageFile, Location, MAX_IMAGE_BYTES};

/// Looks at `content/<path>` under `root`.
pub fn inspect(root: &Path, path: &str) -> ImageFile {
    let real = match resolve(root, path) {
        Ok(real) => real,
        Err(problem) => return problem,
    };
    // Fails closed: a file that exists but cannot be read cannot be shown
    // to carry no location.
    ImageFile::Found(match read(&real) {
        Ok(bytes) => media::location(&bytes),
        Err(why) => Location::Unreadable(why),
    })
}

/// The file `content/<path>` names, once its path is safe, it exists, and
/// it stays inside `content/` (links included); else what is wrong (never
/// `ImageFile::Found`).
pub fn resolve(root: &Path, path: &str) -> Result<PathBuf, ImageFile> {
    if let Some(problem) = media::path_problem(path) {
        return Err(ImageFile::BadPath(problem));
    }
    let content = root.join(CONTENT_DIR);
    let full = content.join(path);
    let (Ok(real), Ok(content)) = (full.canonicalize(), content.canonicalize()) else {
        return Err(ImageFile::Missing);
    };
    if !real.starts_with(&content) {
        return Err(ImageFile::Outside);
    }
    if !real.is_file() {
        return Err(ImageFile::Missing);
    }
    Ok(real)
}

/// An image file's bytes, up to the size limit; why not, in words.
pub fn read(path: &Path) -> Result<Vec<u8>, String> {
    match crate::check::read_at_most(path, MAX_IMAGE_BYTES) {
        Ok(Some(bytes)) => Ok(bytes),
        Ok(None) => Err(format!(
            "the file is larger than {MAX_IMAGE_BYTES} bytes, the most an image may be, so it was not read"
        )),
        Err(e) => Err(format!("the file cannot be read ({e})")),
    }
}
