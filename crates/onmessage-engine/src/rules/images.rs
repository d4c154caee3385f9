//! Rules about images: the file is there, inside `content/`, described for
//! people who cannot see it, and not carrying where it was taken.

use std::collections::HashMap;

use super::Sink;
use crate::finding::Severity;
use crate::media::{ImageFile, Location};
use crate::post::Post;

pub(super) fn check(post: &Post, files: &HashMap<String, ImageFile>, sink: &mut Sink) {
    for image in post.images() {
        if image.alt.as_deref().is_none_or(|alt| alt.trim().is_empty()) {
            sink.push(
                "image.alt",
                Severity::Error,
                image.alt_range.clone(),
                format!("image 'content/{}' has no alt text", image.path),
                "Describe what the image shows in `alt`, for people using screen readers (\"Widget Pro on a desk beside a laptop\")".to_string(),
            );
        }
        let (message, help) = match files.get(&image.path) {
            Some(ImageFile::BadPath(problem)) => (
                format!("image path '{}' {problem}", image.path),
                "Put the image under content/media/ and write its path relative to content/, such as media/photo.png".to_string(),
            ),
            Some(ImageFile::Missing) | None => (
                format!("image 'content/{}' does not exist", image.path),
                "Add the file under content/, or fix the path (it is relative to content/)".to_string(),
            ),
            Some(ImageFile::Outside) => (
                format!("image 'content/{}' is a link to a file outside content/", image.path),
                "Copy the image into content/media/ instead of linking to it".to_string(),
            ),
            Some(ImageFile::Found(location)) => {
                let (message, help) = match location {
                    Location::Absent => continue,
                    Location::Present(place) => (
                        format!("image 'content/{}' carries a GPS position in its {place} data", image.path),
                        "Strip the location before committing (for example `exiftool -gps:all= -xmp:all= FILE`); it can reveal a home, an office or a customer site".to_string(),
                    ),
                    Location::Unreadable(why) => (
                        format!(
                            "image 'content/{}': its metadata could not be read, so it cannot be shown to carry no location ({why})",
                            image.path
                        ),
                        "Re-save the image with an editor, or remove all its metadata (for example `exiftool -all= FILE`), and commit the result".to_string(),
                    ),
                };
                sink.push(
                    "image.location",
                    Severity::Error,
                    image.path_range.clone(),
                    message,
                    help,
                );
                continue;
            }
        };
        sink.push(
            "image.missing",
            Severity::Error,
            image.path_range.clone(),
            message,
            help,
        );
    }
}
