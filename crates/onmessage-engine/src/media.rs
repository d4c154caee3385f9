//! Facts about the images posts use, which the caller reads from disk
//! before the rules run so that rules stay free of I/O: is the path safe,
//! does the file exist inside `content/`, and does its metadata carry a
//! GPS position (decided here, from the file's bytes).

use std::io::Cursor;

pub const CONTENT_DIR: &str = "content";

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImageFile {
    /// The path itself is unsafe (why), so it was not opened.
    BadPath(&'static str),
    Missing,
    /// It resolves (through a symbolic link) outside `content/`.
    Outside,
    Found {
        gps: bool,
    },
}

/// Why a post's image path is unsafe, if it is. Paths are relative to
/// `content/` with `/` separators and must stay inside it.
pub fn path_problem(path: &str) -> Option<&'static str> {
    if path.trim().is_empty() {
        Some("is empty")
    } else if path.contains('\\') {
        Some("uses backslashes; use `/`")
    } else if path.contains('%') {
        Some("is URL-encoded; write the plain file name")
    } else if path.starts_with('/') || path.contains(':') {
        Some("is absolute or a URL; use a path relative to content/, such as media/photo.png")
    } else if path.split('/').any(|part| part == "..") {
        Some("leaves content/ with `..`")
    } else {
        None
    }
}

/// Whether an image file's EXIF (JPEG, PNG, WebP, HEIF/HEIC, TIFF) has a
/// GPS position.
pub fn has_gps(bytes: &[u8]) -> bool {
    let Ok(exif) = exif::Reader::new().read_from_container(&mut Cursor::new(bytes)) else {
        return false;
    };
    exif.fields()
        .any(|f| matches!(f.tag, exif::Tag::GPSLatitude | exif::Tag::GPSLongitude))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_paths() {
        assert_eq!(path_problem("media/a.png"), None);
        assert!(path_problem("../secrets.png").is_some());
        assert!(path_problem("media/../../x.png").is_some());
        assert!(path_problem("/etc/passwd").is_some());
        assert!(path_problem("media\\a.png").is_some());
        assert!(path_problem("media/%2e%2e/a.png").is_some());
        assert!(path_problem("C:/a.png").is_some());
    }
}
