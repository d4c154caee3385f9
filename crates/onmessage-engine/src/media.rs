//! Facts about the images posts use, which the caller reads from disk
//! before the rules run so that rules stay free of I/O: is the path safe,
//! does the file exist inside `content/`, and does its metadata carry a
//! location (decided here, from the file's bytes).
//!
//! The location check fails closed. It reads every place an image can
//! carry a position, with its own bounds-checked readers (no panics on
//! hostile bytes, no trust in any length or offset):
//!
//! - EXIF: the TIFF structure is walked IFD by IFD, following every chain
//!   (`next IFD` offsets, as Pillow and piexif write them), the Exif, GPS,
//!   Interoperability and SubIFD pointers, and the thumbnail JPEG of IFD1.
//!   A GPS IFD with a latitude, longitude or destination position is a
//!   location. An XMP packet stored in TIFF tag 700 is read as XMP.
//! - XMP: `GPSLatitude`, `GPSLongitude` (and their `GPSDest` forms) of any
//!   namespace prefix, as attribute or element, in UTF-8 or UTF-16.
//! - JPEG: every APPn and COM segment (EXIF in APP1 `Exif\0`, XMP and
//!   extended XMP in APP1, anything else scanned for XMP), and whatever
//!   follows the end marker (MPF secondary images carry EXIF of their own).
//! - PNG: `eXIf`, and `tEXt`/`zTXt`/`iTXt` (XMP under `XML:com.adobe.xmp`,
//!   ImageMagick's hex `Raw profile type exif/APP1`, any other text scanned
//!   for XMP), compressed ones inflated with a size limit.
//! - WebP: `EXIF` and `XMP ` chunks, any unknown chunk scanned for XMP.
//! - HEIF/HEIC/AVIF: the `Exif` items and the XMP (`mime`) items of the
//!   `meta` box, wherever `iloc` puts them (file offsets or `idat`).
//! - TIFF files are walked as EXIF. Any other file is scanned for XMP.
//!
//! A structure that cannot be read (a length or offset past the end, a
//! chunk cut short, a stream that does not inflate) is
//! [`Location::Unreadable`]: nobody can show it carries no location.

pub const CONTENT_DIR: &str = "content";

/// The largest image file read (a full-resolution phone photo is 5-15 MB).
pub const MAX_IMAGE_BYTES: u64 = 32 << 20;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImageFile {
    /// The path itself is unsafe (why), so it was not opened.
    BadPath(&'static str),
    Missing,
    /// It resolves (through a symbolic link) outside `content/`.
    Outside,
    /// The file is there; what its metadata says about where it was taken.
    Found(Location),
}

/// What an image's metadata says about where it was taken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// Every place the format can hold a position was read: none holds one.
    Absent,
    /// A position, and where it was found ("EXIF", "XMP").
    Present(&'static str),
    /// The metadata could not be read (why), so the image cannot be shown
    /// to carry no location.
    Unreadable(String),
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

/// Where an image's metadata puts it, if anywhere (see the module docs).
pub fn location(bytes: &[u8]) -> Location {
    let mut scan = Scan::default();
    let result = if bytes.starts_with(&[0xFF, 0xD8]) {
        jpeg(bytes, &mut scan, 0)
    } else if bytes.starts_with(PNG_SIGNATURE) {
        png(bytes, &mut scan)
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        webp(bytes, &mut scan)
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        tiff(bytes, &mut scan, 0)
    } else if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        isobmff(bytes, &mut scan)
    } else {
        // GIF, SVG and anything else: XMP is the only metadata they share.
        scan.xmp(bytes);
        Ok(())
    };
    match (scan.found, result) {
        (Some(place), _) => Location::Present(place),
        (None, Err(why)) => Location::Unreadable(why),
        (None, Ok(())) => Location::Absent,
    }
}

type Read = Result<(), String>;

#[derive(Default)]
struct Scan {
    found: Option<&'static str>,
}

impl Scan {
    fn found(&mut self, place: &'static str) {
        self.found.get_or_insert(place);
    }

    fn xmp(&mut self, bytes: &[u8]) {
        if xmp_has_position(bytes) {
            self.found("XMP");
        }
    }
}

/// Nested containers (a thumbnail inside EXIF inside a JPEG...) are read
/// this deep at most; deeper is unreadable.
const MAX_DEPTH: u8 = 4;
/// A compressed text chunk inflates to this much at most.
const MAX_INFLATED: usize = 16 << 20;

fn be16(b: &[u8], at: usize) -> Option<usize> {
    Some(usize::from(u16::from_be_bytes(
        b.get(at..at.checked_add(2)?)?.try_into().ok()?,
    )))
}

fn be32(b: &[u8], at: usize) -> Option<usize> {
    usize::try_from(u32::from_be_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
    .ok()
}

fn be64(b: &[u8], at: usize) -> Option<usize> {
    usize::try_from(u64::from_be_bytes(
        b.get(at..at.checked_add(8)?)?.try_into().ok()?,
    ))
    .ok()
}

fn le32(b: &[u8], at: usize) -> Option<usize> {
    usize::try_from(u32::from_le_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
    .ok()
}

/// `b[at..at + len]`, or why not.
fn slice<'a>(b: &'a [u8], at: usize, len: usize, what: &str) -> Result<&'a [u8], String> {
    at.checked_add(len)
        .and_then(|end| b.get(at..end))
        .ok_or_else(|| format!("{what} runs past the end of the file"))
}

// ---------------------------------------------------------------- XMP

const XMP_NAMES: [&[u8]; 4] = [
    b"GPSLatitude",
    b"GPSLongitude",
    b"GPSDestLatitude",
    b"GPSDestLongitude",
];

/// Whether an XMP packet (or any text) sets a GPS position property of any
/// namespace prefix (`exif:GPSLatitude`), as an attribute with a value or
/// an element with content. UTF-16 text is read with its zero bytes
/// dropped.
pub fn xmp_has_position(bytes: &[u8]) -> bool {
    if memfind(bytes, b"GPS").is_none() && memfind(bytes, b"G\0P\0S").is_none() {
        return false;
    }
    if bytes.contains(&0) {
        let narrow: Vec<u8> = bytes.iter().copied().filter(|&b| b != 0).collect();
        if xmp_narrow(&narrow) {
            return true;
        }
    }
    xmp_narrow(bytes)
}

fn xmp_narrow(b: &[u8]) -> bool {
    let mut from = 0;
    while let Some(at) = memfind(&b[from..], b"GPS").map(|i| i + from) {
        from = at + 3;
        let Some(name) = XMP_NAMES.iter().find(|n| b[at..].starts_with(n)) else {
            continue;
        };
        // A qualified name: `prefix:GPSLatitude`, the prefix an XML name.
        let qualified = at >= 2
            && b[at - 1] == b':'
            && (b[at - 2].is_ascii_alphanumeric() || matches!(b[at - 2], b'_' | b'-' | b'.'));
        let after = at + name.len();
        if !qualified || b.get(after).is_some_and(|&c| is_name_byte(c)) {
            continue;
        }
        if property_has_value(&b[after..]) {
            return true;
        }
    }
    false
}

fn is_name_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b':') || c >= 0x80
}

/// After a property name: `="value"` or `>content<` with something in it.
/// A closing tag (`</exif:GPSLatitude>`) is not a value.
fn property_has_value(rest: &[u8]) -> bool {
    let mut i = 0;
    while rest.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    match rest.get(i) {
        Some(b'=') => {
            i += 1;
            while rest.get(i).is_some_and(u8::is_ascii_whitespace) {
                i += 1;
            }
            let Some(&quote) = rest.get(i).filter(|q| matches!(q, b'"' | b'\'')) else {
                return true; // malformed: count it
            };
            let value = &rest[i + 1..];
            let end = value
                .iter()
                .position(|&c| c == quote)
                .unwrap_or(value.len());
            value[..end].iter().any(|c| !c.is_ascii_whitespace())
        }
        Some(b'>') => {
            let content = &rest[i + 1..];
            let end = content
                .iter()
                .position(|&c| c == b'<')
                .unwrap_or(content.len());
            // Text content, or a nested element (rdf:Description, rdf:Seq...).
            content[..end].iter().any(|c| !c.is_ascii_whitespace())
                || (end < content.len() && content.get(end + 1) != Some(&b'/'))
        }
        // `<exif:GPSLatitude/>`, the name in running text, or the end.
        _ => false,
    }
}

fn memfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

// ---------------------------------------------------------------- TIFF / EXIF

#[derive(Clone, Copy)]
enum Ifd {
    /// IFD0, IFD1... and SubIFDs: images.
    Image,
    Exif,
    Gps,
    Interop,
}

const TAG_SUB_IFDS: u16 = 0x014A;
const TAG_EXIF_IFD: u16 = 0x8769;
const TAG_GPS_IFD: u16 = 0x8825;
const TAG_INTEROP_IFD: u16 = 0xA005;
const TAG_XMP: u16 = 0x02BC;
const TAG_THUMBNAIL: u16 = 0x0201;
const TAG_THUMBNAIL_LENGTH: u16 = 0x0202;
const GPS_POSITION_TAGS: [u16; 4] = [0x0002, 0x0004, 0x0014, 0x0016];
/// At most this many IFDs are read in one TIFF structure.
const MAX_IFDS: usize = 256;

/// The EXIF payload of a container: a TIFF structure, with or without the
/// `Exif\0\0` header some writers put before it.
fn exif_payload(b: &[u8], scan: &mut Scan, depth: u8) -> Read {
    let b = if b.starts_with(b"Exif\0") {
        b.get(6..).unwrap_or_default()
    } else {
        b
    };
    tiff(b, scan, depth)
}

/// Walks a TIFF structure (EXIF data, or a TIFF file).
fn tiff(b: &[u8], scan: &mut Scan, depth: u8) -> Read {
    if depth > MAX_DEPTH {
        return Err("its metadata nests too deep".to_string());
    }
    let little = match b.get(..4) {
        Some(b"II*\0") => true,
        Some(b"MM\0*") => false,
        _ => return Err("its EXIF data has no valid TIFF header".to_string()),
    };
    let t = Tiff { b, little };
    let first = t.u32(4).ok_or("its EXIF data is cut short")?;
    let mut queue = vec![(first, Ifd::Image)];
    let mut seen = std::collections::HashSet::new();
    let mut thumbnail: Vec<(usize, usize)> = Vec::new();
    while let Some((offset, kind)) = queue.pop() {
        if !seen.insert(offset) {
            continue; // a loop back to an IFD already read: nothing new
        }
        if seen.len() > MAX_IFDS {
            return Err("its EXIF data has too many IFDs".to_string());
        }
        let count = t
            .u16(offset)
            .ok_or("its EXIF data points to an IFD past its end")?;
        let entries = offset + 2;
        slice(b, entries, count * 12 + 4, "an EXIF IFD")
            .map_err(|_| "its EXIF data has an IFD cut short".to_string())?;
        let (mut thumb_at, mut thumb_len) = (None, None);
        for i in 0..count {
            let e = entries + i * 12;
            let tag = u16::try_from(t.u16(e).unwrap_or_default()).unwrap_or_default();
            let kind_code = t.u16(e + 2).unwrap_or_default();
            let n = t.u32(e + 4).unwrap_or_default();
            let pointer = |t: &Tiff| -> Result<Vec<usize>, String> {
                let broken = || format!("its EXIF data has a broken IFD pointer (tag {tag:#06x})");
                match kind_code {
                    4 | 13 if (1..=MAX_IFDS).contains(&n) => {
                        let at = t.value_at(e, 4 * n).ok_or_else(broken)?;
                        (0..n)
                            .map(|k| t.u32(at + 4 * k))
                            .collect::<Option<Vec<_>>>()
                            .ok_or_else(broken)
                    }
                    3 if n == 1 => t.u16(e + 8).map(|v| vec![v]).ok_or_else(broken),
                    _ => Err(broken()),
                }
            };
            match (kind, tag) {
                (Ifd::Gps, tag) if GPS_POSITION_TAGS.contains(&tag) && n > 0 => {
                    scan.found("EXIF");
                }
                (_, TAG_GPS_IFD) => {
                    queue.extend(pointer(&t)?.into_iter().map(|o| (o, Ifd::Gps)));
                }
                (Ifd::Image, TAG_EXIF_IFD) => {
                    queue.extend(pointer(&t)?.into_iter().map(|o| (o, Ifd::Exif)));
                }
                (Ifd::Image | Ifd::Exif, TAG_INTEROP_IFD) => {
                    queue.extend(pointer(&t)?.into_iter().map(|o| (o, Ifd::Interop)));
                }
                (Ifd::Image, TAG_SUB_IFDS) => {
                    queue.extend(pointer(&t)?.into_iter().map(|o| (o, Ifd::Image)));
                }
                (Ifd::Image, TAG_XMP) if matches!(kind_code, 1 | 2 | 7) => {
                    let at = t
                        .value_at(e, n)
                        .and_then(|at| b.get(at..at.checked_add(n)?))
                        .ok_or("its EXIF data has an XMP packet past its end")?;
                    scan.xmp(at);
                }
                (Ifd::Image, TAG_THUMBNAIL) => {
                    thumb_at = pointer(&t).ok().and_then(|v| v.first().copied())
                }
                (Ifd::Image, TAG_THUMBNAIL_LENGTH) => {
                    thumb_len = pointer(&t).ok().and_then(|v| v.first().copied());
                }
                _ => {}
            }
        }
        if let (Some(at), Some(len)) = (thumb_at, thumb_len) {
            thumbnail.push((at, len));
        }
        let next = t.u32(entries + count * 12).unwrap_or_default();
        if next != 0 && matches!(kind, Ifd::Image) {
            queue.push((next, Ifd::Image));
        }
    }
    for (at, len) in thumbnail {
        let bytes = slice(b, at, len, "an EXIF thumbnail")
            .map_err(|_| "its EXIF thumbnail runs past the end of its EXIF data".to_string())?;
        if bytes.starts_with(&[0xFF, 0xD8]) {
            jpeg(bytes, scan, depth + 1)?;
        }
    }
    Ok(())
}

struct Tiff<'a> {
    b: &'a [u8],
    little: bool,
}

impl Tiff<'_> {
    fn u16(&self, at: usize) -> Option<usize> {
        let raw: [u8; 2] = self.b.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(usize::from(if self.little {
            u16::from_le_bytes(raw)
        } else {
            u16::from_be_bytes(raw)
        }))
    }

    fn u32(&self, at: usize) -> Option<usize> {
        let raw: [u8; 4] = self.b.get(at..at.checked_add(4)?)?.try_into().ok()?;
        usize::try_from(if self.little {
            u32::from_le_bytes(raw)
        } else {
            u32::from_be_bytes(raw)
        })
        .ok()
    }

    /// Where the value of the entry at `e`, `size` bytes long, is: inline
    /// when it fits in four bytes, else at the offset the entry holds.
    fn value_at(&self, e: usize, size: usize) -> Option<usize> {
        if size <= 4 {
            Some(e + 8)
        } else {
            self.u32(e + 8)
        }
    }
}

// ---------------------------------------------------------------- JPEG

fn jpeg(b: &[u8], scan: &mut Scan, depth: u8) -> Read {
    if depth > MAX_DEPTH {
        return Err("its metadata nests too deep".to_string());
    }
    let mut i = 2;
    loop {
        if b.get(i) != Some(&0xFF) {
            return Err("the JPEG structure is broken (a marker was expected)".to_string());
        }
        while b.get(i) == Some(&0xFF) {
            i += 1;
        }
        let marker = *b.get(i).ok_or("the JPEG file ends before its end marker")?;
        i += 1;
        match marker {
            0xD9 => break,
            0xD0..=0xD7 | 0x01 => continue,
            0x00 => {
                return Err("the JPEG structure is broken (0xFF00 outside image data)".to_string());
            }
            _ => {}
        }
        let len = be16(b, i).ok_or("a JPEG segment is cut short")?;
        if len < 2 {
            return Err("a JPEG segment has an impossible length".to_string());
        }
        let body = slice(b, i + 2, len - 2, "a JPEG segment")?;
        match marker {
            0xE1 if body.starts_with(b"Exif\0") => exif_payload(body, scan, depth + 1)?,
            0xE0..=0xEF | 0xFE => scan.xmp(body),
            _ => {}
        }
        i += len;
        if marker == 0xDA {
            // Entropy-coded data runs to the next marker that is neither a
            // stuffed 0xFF00 nor a restart marker.
            loop {
                match (b.get(i), b.get(i + 1)) {
                    (Some(0xFF), Some(&next)) if next != 0 && !(0xD0..=0xD7).contains(&next) => {
                        break;
                    }
                    (Some(_), Some(_)) => i += 1,
                    _ => return Err("the JPEG file ends inside its image data".to_string()),
                }
            }
        }
    }
    trailing(&b[i..], scan, depth)
}

/// Bytes after an image's end (appended previews, MPF secondary images):
/// any JPEG in them is read, any EXIF header walked, any XMP seen.
fn trailing(rest: &[u8], scan: &mut Scan, depth: u8) -> Read {
    if rest.is_empty() {
        return Ok(());
    }
    scan.xmp(rest);
    let mut from = 0;
    while let Some(at) = memfind(&rest[from..], b"Exif\0").map(|i| i + from) {
        from = at + 5;
        if let Some(tiff_bytes) = rest.get(at + 6..)
            && (tiff_bytes.starts_with(b"II*\0") || tiff_bytes.starts_with(b"MM\0*"))
        {
            // A TIFF inside trailing bytes has no known end: read what
            // follows; only a position found counts (a walk past the
            // appended data's own end is no proof of anything).
            let mut inner = Scan::default();
            let _ = tiff(tiff_bytes, &mut inner, depth + 1);
            if let Some(place) = inner.found {
                scan.found(place);
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- PNG

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

fn png(b: &[u8], scan: &mut Scan) -> Read {
    let mut i = PNG_SIGNATURE.len();
    loop {
        let len = be32(b, i).ok_or("the PNG file ends before IEND")?;
        let kind = slice(b, i + 4, 4, "a PNG chunk header")?;
        let data = slice(b, i + 8, len, "a PNG chunk")?;
        slice(b, i + 8 + len, 4, "a PNG chunk's CRC")?;
        match kind {
            b"eXIf" => exif_payload(data, scan, 1)?,
            b"tEXt" | b"zTXt" | b"iTXt" => png_text(kind, data, scan)?,
            b"IEND" => return trailing(&b[i + 12 + len..], scan, 1),
            b"IDAT" | b"fdAT" | b"IHDR" | b"PLTE" => {}
            _ => scan.xmp(data),
        }
        i += 12 + len;
    }
}

fn png_text(kind: &[u8], data: &[u8], scan: &mut Scan) -> Read {
    let keyword_end = data
        .iter()
        .position(|&c| c == 0)
        .ok_or("a PNG text chunk has no keyword")?;
    let keyword = &data[..keyword_end];
    let rest = &data[keyword_end + 1..];
    let inflate = |compressed: &[u8]| {
        miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(compressed, MAX_INFLATED)
            .map_err(|_| "a compressed PNG text chunk does not inflate".to_string())
    };
    let text: std::borrow::Cow<[u8]> = match kind {
        b"tEXt" => rest.into(),
        b"zTXt" => inflate(rest.get(1..).ok_or("a PNG zTXt chunk is cut short")?)?.into(),
        _ => {
            // iTXt: compression flag, method, language\0, translated\0, text.
            let (&flag, after) = rest.split_first().ok_or("a PNG iTXt chunk is cut short")?;
            let after = after.get(1..).ok_or("a PNG iTXt chunk is cut short")?;
            let mut parts = after.splitn(3, |&c| c == 0);
            let (Some(_), Some(_), Some(text)) = (parts.next(), parts.next(), parts.next()) else {
                return Err("a PNG iTXt chunk is cut short".to_string());
            };
            if flag == 0 {
                text.into()
            } else {
                inflate(text)?.into()
            }
        }
    };
    if keyword.starts_with(b"Raw profile type exif")
        || keyword.starts_with(b"Raw profile type APP1")
    {
        // ImageMagick: "\nexif\n    LENGTH\nHEX...".
        let hex: Vec<u8> = text
            .split(|&c| c == b'\n')
            .skip(3)
            .flatten()
            .copied()
            .filter(u8::is_ascii_hexdigit)
            .collect();
        let bytes: Vec<u8> = hex
            .chunks_exact(2)
            .filter_map(|p| u8::from_str_radix(std::str::from_utf8(p).ok()?, 16).ok())
            .collect();
        exif_payload(&bytes, scan, 1)?;
    }
    scan.xmp(&text);
    Ok(())
}

// ---------------------------------------------------------------- WebP

fn webp(b: &[u8], scan: &mut Scan) -> Read {
    let riff_end = le32(b, 4)
        .and_then(|size| size.checked_add(8))
        .ok_or("the WebP header is cut short")?;
    if riff_end > b.len() {
        return Err("the WebP file is shorter than its RIFF size".to_string());
    }
    let mut i = 12;
    while i < riff_end {
        let kind = slice(b, i, 4, "a WebP chunk header")?;
        let len = le32(b, i + 4).ok_or("a WebP chunk header is cut short")?;
        let data = slice(&b[..riff_end], i + 8, len, "a WebP chunk")?;
        match kind {
            b"EXIF" => exif_payload(data, scan, 1)?,
            b"VP8 " | b"VP8L" | b"ALPH" | b"ANMF" => {}
            _ => scan.xmp(data),
        }
        i = i + 8 + len + (len & 1);
    }
    trailing(&b[riff_end..], scan, 1)
}

// ---------------------------------------------------------------- HEIF (ISO BMFF)

/// One box: its type, and its payload's range in the buffer it was read from.
struct Bmff<'a> {
    kind: &'a [u8],
    body: &'a [u8],
}

/// The boxes in `b`, or why they cannot be read.
fn boxes(b: &[u8]) -> Result<Vec<Bmff<'_>>, String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let size = be32(b, i).ok_or("a HEIF box header is cut short")?;
        let kind = slice(b, i + 4, 4, "a HEIF box header")?;
        let (header, size) = match size {
            0 => (8, b.len() - i),
            1 => (16, be64(b, i + 8).ok_or("a HEIF box header is cut short")?),
            n => (8, n),
        };
        if size < header {
            return Err("a HEIF box has an impossible size".to_string());
        }
        let body = slice(b, i + header, size - header, "a HEIF box")?;
        out.push(Bmff { kind, body });
        i += size;
    }
    Ok(out)
}

fn isobmff(b: &[u8], scan: &mut Scan) -> Read {
    let top = boxes(b)?;
    for meta in top.iter().filter(|x| x.kind == b"meta") {
        // A full box: version and flags first.
        let children = boxes(meta.body.get(4..).ok_or("a HEIF meta box is cut short")?)?;
        let mut items: Vec<(usize, &[u8])> = Vec::new(); // (item id, type or content type)
        let mut locations: Vec<ItemLocation> = Vec::new();
        let mut idat: &[u8] = &[];
        for child in &children {
            match child.kind {
                b"iinf" => items = item_infos(child.body)?,
                b"iloc" => locations = item_locations(child.body)?,
                b"idat" => idat = child.body,
                _ => {}
            }
        }
        for (id, what) in items {
            let exif = what == b"Exif";
            let xmp = what == b"application/rdf+xml";
            if !exif && !xmp {
                continue;
            }
            let Some((_, method, base, extents)) = locations.iter().find(|l| l.0 == id) else {
                return Err("a HEIF metadata item has no location".to_string());
            };
            let source = match method {
                0 => b,
                1 => idat,
                _ => {
                    return Err("a HEIF metadata item is stored in a way not read here".to_string());
                }
            };
            let mut data = Vec::new();
            for &(offset, length) in extents {
                let at = base
                    .checked_add(offset)
                    .ok_or("a HEIF item offset overflows")?;
                let length = if length == 0 {
                    source.len().saturating_sub(at)
                } else {
                    length
                };
                data.extend_from_slice(slice(source, at, length, "a HEIF metadata item")?);
            }
            if exif {
                // Exif items start with the offset of the TIFF header.
                let skip = be32(&data, 0).ok_or("a HEIF Exif item is cut short")?;
                let tiff_bytes = data
                    .get(4usize.saturating_add(skip)..)
                    .ok_or("a HEIF Exif item has a bad header offset")?;
                tiff(tiff_bytes, scan, 1)?;
            } else {
                scan.xmp(&data);
            }
        }
    }
    Ok(())
}

/// `iinf`: each item's id and type (`Exif`), or for `mime` items their
/// content type.
fn item_infos(body: &[u8]) -> Result<Vec<(usize, &[u8])>, String> {
    let version = *body.first().ok_or("a HEIF iinf box is cut short")?;
    let start = if version == 0 { 6 } else { 8 };
    let entries = boxes(body.get(start..).ok_or("a HEIF iinf box is cut short")?)?;
    let mut out = Vec::new();
    for infe in entries.iter().filter(|e| e.kind == b"infe") {
        let b = infe.body;
        let version = *b.first().ok_or("a HEIF infe box is cut short")?;
        if version < 2 {
            continue; // no item types before version 2
        }
        let (id, at) = if version == 2 {
            (be16(b, 4), 8)
        } else {
            (be32(b, 4), 10)
        };
        let id = id.ok_or("a HEIF infe box is cut short")?;
        let kind = slice(b, at, 4, "a HEIF infe box")?;
        if kind == b"mime" {
            // item_name\0 content_type\0
            let rest = &b[at + 4..];
            let mut parts = rest.splitn(3, |&c| c == 0);
            let _name = parts.next();
            let content_type = parts.next().unwrap_or_default();
            out.push((id, content_type));
        } else {
            out.push((id, kind));
        }
    }
    Ok(out)
}

/// An item's id, construction method (0: file offsets, 1: `idat`), base
/// offset and extents (offset, length; a length of 0 runs to the end).
type ItemLocation = (usize, usize, usize, Vec<(usize, usize)>);

/// `iloc`: where each item's bytes are.
fn item_locations(body: &[u8]) -> Result<Vec<ItemLocation>, String> {
    let short = || "a HEIF iloc box is cut short".to_string();
    let version = *body.first().ok_or_else(short)?;
    let sizes = be16(body, 4).ok_or_else(short)?;
    let (offset_size, length_size, base_size) = (sizes >> 12, (sizes >> 8) & 15, (sizes >> 4) & 15);
    let index_size = if version >= 1 { sizes & 15 } else { 0 };
    let mut i = 6;
    let read = |at: &mut usize, size: usize| -> Result<usize, String> {
        let v = match size {
            0 => Some(0),
            2 => be16(body, *at),
            4 => be32(body, *at),
            8 => be64(body, *at),
            _ => None,
        }
        .ok_or_else(short)?;
        *at += size;
        Ok(v)
    };
    let wide = if version < 2 { 2 } else { 4 };
    let count = read(&mut i, wide)?;
    let mut out = Vec::new();
    for _ in 0..count {
        let id = read(&mut i, wide)?;
        let method = if version >= 1 {
            read(&mut i, 2)? & 15
        } else {
            0
        };
        read(&mut i, 2)?; // data_reference_index
        let base = read(&mut i, base_size)?;
        let extents = read(&mut i, 2)?;
        let mut list = Vec::new();
        for _ in 0..extents {
            read(&mut i, index_size)?;
            let offset = read(&mut i, offset_size)?;
            let length = read(&mut i, length_size)?;
            list.push((offset, length));
        }
        out.push((id, method, base, list));
    }
    Ok(out)
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

    /// The images `tests/fixtures/images/generate.py` writes with Pillow,
    /// piexif and by hand: each file's name says what it carries.
    fn fixtures() -> Vec<(String, Vec<u8>)> {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/images");
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e != "py"))
            .map(|p| {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                (name, std::fs::read(&p).unwrap())
            })
            .collect();
        files.sort();
        assert!(files.len() >= 20, "{files:?}");
        files
    }

    #[test]
    fn every_fixture_is_judged_as_its_name_says() {
        for (name, bytes) in fixtures() {
            let found = location(&bytes);
            let expected_place = if name.contains("-xmp-clean") || name.contains("-clean") {
                None
            } else if name.contains("-xmp") {
                Some("XMP")
            } else if name.contains("-gps") {
                Some("EXIF")
            } else {
                None
            };
            match found {
                Location::Present(place) => assert_eq!(Some(place), expected_place, "{name}"),
                Location::Absent => assert!(
                    name.contains("-clean"),
                    "{name} should not be judged location-free"
                ),
                Location::Unreadable(why) => {
                    assert!(name.contains("-damaged"), "{name}: {why}");
                }
            }
        }
    }

    #[test]
    fn damaged_metadata_says_why() {
        let damaged = |name: &str| {
            let (_, bytes) = fixtures().into_iter().find(|(n, _)| n == name).unwrap();
            location(&bytes)
        };
        assert_eq!(
            damaged("jpeg-damaged-exif.jpg"),
            Location::Unreadable("its EXIF data points to an IFD past its end".to_string())
        );
        assert_eq!(
            damaged("png-damaged-ztxt.png"),
            Location::Unreadable("a compressed PNG text chunk does not inflate".to_string())
        );
        assert!(matches!(
            damaged("jpeg-damaged-truncated.jpg"),
            Location::Unreadable(_)
        ));
    }

    /// An EXIF block: IFD0 with a GPS pointer, then `extra` bytes.
    fn tiff_with_gps(little: bool, next_ifd: u32) -> Vec<u8> {
        let w16 = |v: u16| {
            if little {
                v.to_le_bytes()
            } else {
                v.to_be_bytes()
            }
        };
        let w32 = |v: u32| {
            if little {
                v.to_le_bytes()
            } else {
                v.to_be_bytes()
            }
        };
        let mut t = if little {
            b"II*\0".to_vec()
        } else {
            b"MM\0*".to_vec()
        };
        t.extend(w32(8));
        t.extend(w16(1)); // IFD0: one entry
        t.extend(w16(0x8825));
        t.extend(w16(4));
        t.extend(w32(1));
        t.extend(w32(26)); // GPS IFD at 26
        t.extend(w32(next_ifd));
        t.extend(w16(1)); // GPS IFD: one entry, GPSLatitude (3 rationals at 44)
        t.extend(w16(2));
        t.extend(w16(5));
        t.extend(w32(3));
        t.extend(w32(44));
        t.extend(w32(0));
        for v in [40u32, 1, 44, 1, 54, 1] {
            t.extend(w32(v));
        }
        t
    }

    #[test]
    fn exif_found_whatever_the_byte_order_and_chain() {
        for little in [true, false] {
            let t = tiff_with_gps(little, 0);
            assert_eq!(location(&t), Location::Present("EXIF"));
            // A next-IFD offset to an IFD1 that exists (piexif, Pillow).
            let mut chained = tiff_with_gps(little, 68);
            chained.extend([0, 0, 0, 0, 0, 0]); // IFD1: no entries, no next
            assert_eq!(location(&chained), Location::Present("EXIF"));
            // A loop back to IFD0 ends the walk; the position is still found.
            assert_eq!(
                location(&tiff_with_gps(little, 8)),
                Location::Present("EXIF")
            );
            // A next-IFD offset past the end: that IFD cannot be read.
            assert!(matches!(
                location(&tiff_with_gps(little, 4000)),
                Location::Present("EXIF") | Location::Unreadable(_)
            ));
        }
        // A GPS IFD reached only through IFD1 of the chain.
        let mut t = b"II*\0\x08\0\0\0".to_vec();
        t.extend([0, 0, 14, 0, 0, 0]); // IFD0: no entries, next at 14
        t.extend([1, 0, 0x25, 0x88, 4, 0, 1, 0, 0, 0, 32, 0, 0, 0, 0, 0, 0, 0]); // IFD1 -> GPS at 32
        t.extend([1, 0, 4, 0, 5, 0, 1, 0, 0, 0, 50, 0, 0, 0, 0, 0, 0, 0]); // GPSLongitude
        t.extend([73, 0, 0, 0, 1, 0, 0, 0]);
        assert_eq!(location(&t), Location::Present("EXIF"));
        // An IFD0 past the end is unreadable, not clean.
        assert!(matches!(
            location(b"II*\0\xff\0\0\0"),
            Location::Unreadable(_)
        ));
        // A GPS IFD without a position (version and a reference only).
        let mut t = b"MM\0*\0\0\0\x08".to_vec();
        t.extend([0, 1, 0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 26, 0, 0, 0, 0]);
        t.extend([0, 1, 0, 1, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(location(&t), Location::Absent);
    }

    #[test]
    fn xmp_positions_as_attribute_or_element_of_any_prefix() {
        for (xmp, found) in [
            (
                &br#"<rdf:Description exif:GPSLatitude="40,44.9N"/>"#[..],
                true,
            ),
            (br#"<rdf:Description e:GPSLongitude = '73,59W'/>"#, true),
            (b"<exif:GPSLatitude>40,44.9N</exif:GPSLatitude>", true),
            (
                b"<exif:GPSDestLatitude>\n 40 \n</exif:GPSDestLatitude>",
                true,
            ),
            (
                b"<exif:GPSLatitude><rdf:Alt>x</rdf:Alt></exif:GPSLatitude>",
                true,
            ),
            (br#"<rdf:Description exif:GPSLatitude=""/>"#, false),
            (b"<exif:GPSLatitude/>", false),
            (b"<exif:GPSLatitude></exif:GPSLatitude>", false),
            (b"<exif:GPSLatitudeRef>N</exif:GPSLatitudeRef>", false),
            (b"a note about GPSLatitude in plain text", false),
            (b"<exif:GPSVersionID>2.3</exif:GPSVersionID>", false),
        ] {
            assert_eq!(
                xmp_has_position(xmp),
                found,
                "{}",
                String::from_utf8_lossy(xmp)
            );
        }
        let utf16: Vec<u8> = "<e:GPSLatitude>40N</e:GPSLatitude>"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert!(xmp_has_position(&utf16));
    }

    #[test]
    fn hostile_bytes_never_panic_and_never_read_as_clean_when_cut() {
        for (name, bytes) in fixtures() {
            for len in 0..bytes.len() {
                let _ = location(&bytes[..len]);
                let mut flipped = bytes.clone();
                flipped[len] ^= 0xFF;
                let _ = location(&flipped);
                flipped[len] = 0;
                let _ = location(&flipped);
            }
            // Cut inside its metadata, a file with a position never reads
            // as clean: a JPEG or PNG cut anywhere before its end marker
            // is unreadable.
            if name.contains("-gps") && (name.ends_with(".jpg") || name.ends_with(".png")) {
                // (Cut inside its signature, it is no longer that format.)
                let signature = if name.ends_with(".png") { 8 } else { 2 };
                for len in signature..bytes.len() - 1 {
                    assert_ne!(
                        location(&bytes[..len]),
                        Location::Absent,
                        "{name} cut at {len}"
                    );
                }
            }
        }
    }
}
