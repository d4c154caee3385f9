//! Removing metadata from published images without touching their pixels.
//!
//! Photos carry EXIF (camera serial numbers, GPS positions, dates), XMP and
//! IPTC (names, locations, editing history) and comments. Published copies
//! keep only what decoding and colour need; the compressed image data is
//! copied byte for byte, so nothing is re-encoded and nothing is lost.
//!
//! - JPEG: APP1..APP15 and COM segments are dropped, except an APP2 ICC
//!   profile (colours) and an APP14 Adobe segment (how CMYK/YCCK data is
//!   decoded); APP0 is kept only as JFIF. Anything after EOI (appended
//!   previews, MPF images) is dropped.
//! - PNG: critical chunks and the ancillary chunks that affect how pixels
//!   look (transparency, gamma, colour space, animation) are kept; `eXIf`,
//!   `tEXt`, `iTXt`, `zTXt`, `tIME` and any unknown chunk are dropped.
//! - WebP: `EXIF`, `XMP ` and unknown chunks are dropped, the RIFF size is
//!   recomputed and the VP8X EXIF/XMP flags cleared.
//!
//! Other formats (GIF, SVG, HEIC, TIFF...) are refused: a post with such an
//! image is withheld with a reason rather than published with its metadata.

/// The image formats that can be published.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Jpeg,
    Png,
    Webp,
}

impl Kind {
    pub fn extension(self) -> &'static str {
        match self {
            Kind::Jpeg => "jpg",
            Kind::Png => "png",
            Kind::Webp => "webp",
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            Kind::Jpeg => "image/jpeg",
            Kind::Png => "image/png",
            Kind::Webp => "image/webp",
        }
    }
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// The format of `bytes`, read from its first bytes (never the file name).
pub fn sniff(bytes: &[u8]) -> Result<Kind, String> {
    let unsupported = |what: &str| {
        Err(format!(
            "{what} images are not supported, as their metadata cannot be removed safely; convert it to PNG, JPEG or WebP"
        ))
    };
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok(Kind::Jpeg)
    } else if bytes.starts_with(PNG_SIGNATURE) {
        Ok(Kind::Png)
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Ok(Kind::Webp)
    } else if bytes.starts_with(b"GIF8") {
        unsupported("GIF")
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        unsupported("TIFF")
    } else if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        unsupported("HEIF/AVIF")
    } else if String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).contains("<svg") {
        unsupported("SVG")
    } else {
        Err("the file is not a PNG, JPEG or WebP image".to_string())
    }
}

/// `bytes` without metadata, and its format.
pub fn strip(bytes: &[u8]) -> Result<(Kind, Vec<u8>), String> {
    let kind = sniff(bytes)?;
    let stripped = match kind {
        Kind::Jpeg => jpeg(bytes),
        Kind::Png => png(bytes),
        Kind::Webp => webp(bytes),
    }
    .map_err(|e| format!("the {} file is damaged: {e}", kind.extension()))?;
    Ok((kind, stripped))
}

fn be16(b: &[u8], at: usize) -> Option<usize> {
    Some(usize::from(u16::from_be_bytes(
        b.get(at..at + 2)?.try_into().ok()?,
    )))
}

fn be32(b: &[u8], at: usize) -> Option<usize> {
    usize::try_from(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?)).ok()
}

fn le32(b: &[u8], at: usize) -> Option<usize> {
    usize::try_from(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?)).ok()
}

const SOS: u8 = 0xDA;
const EOI: u8 = 0xD9;

fn jpeg(b: &[u8]) -> Result<Vec<u8>, &'static str> {
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&b[..2]);
    let mut i = 2;
    loop {
        if b.get(i) != Some(&0xFF) {
            return Err("expected a marker");
        }
        while b.get(i) == Some(&0xFF) {
            i += 1; // fill bytes
        }
        let marker = *b.get(i).ok_or("ends before its end marker")?;
        i += 1;
        match marker {
            EOI => {
                out.extend_from_slice(&[0xFF, EOI]);
                return Ok(out);
            }
            0xD0..=0xD7 | 0x01 => {
                out.extend_from_slice(&[0xFF, marker]);
                continue;
            }
            0x00 => return Err("stray 0x00 after 0xFF"),
            _ => {}
        }
        let len = be16(b, i).ok_or("segment length cut short")?;
        let end = i + len;
        if len < 2 || end > b.len() {
            return Err("segment runs past the end of the file");
        }
        let body = &b[i + 2..end];
        let keep = match marker {
            0xE0 => body.starts_with(b"JFIF\0"),
            0xE2 => body.starts_with(b"ICC_PROFILE\0"),
            0xEE => body.starts_with(b"Adobe"),
            0xE1..=0xEF | 0xFE => false,
            _ => true,
        };
        if keep {
            out.extend_from_slice(&[0xFF, marker]);
            out.extend_from_slice(&b[i..end]);
        }
        i = end;
        if marker == SOS {
            // Entropy-coded data runs to the next marker that is neither a
            // stuffed 0xFF00 nor a restart marker.
            let start = i;
            loop {
                match (b.get(i), b.get(i + 1)) {
                    (Some(0xFF), Some(&next)) if next != 0 && !(0xD0..=0xD7).contains(&next) => {
                        break;
                    }
                    (Some(_), Some(_)) => i += 1,
                    _ => return Err("ends inside the image data"),
                }
            }
            out.extend_from_slice(&b[start..i]);
        }
    }
}

/// Ancillary PNG chunks that change how the pixels look or move.
const PNG_KEEP: [&[u8; 4]; 13] = [
    b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT", b"pHYs", b"bKGD", b"cICP", b"mDCv",
    b"cLLi", b"acTL", b"fcTL",
];

fn png(b: &[u8]) -> Result<Vec<u8>, &'static str> {
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(PNG_SIGNATURE);
    let mut i = PNG_SIGNATURE.len();
    let mut first = true;
    loop {
        let len = be32(b, i).ok_or("ends before IEND")?;
        let kind: &[u8; 4] = b
            .get(i + 4..i + 8)
            .and_then(|k| k.try_into().ok())
            .ok_or("ends before IEND")?;
        let end = (i + 12).checked_add(len).ok_or("chunk too long")?;
        if end > b.len() {
            return Err("a chunk runs past the end of the file");
        }
        if first && kind != b"IHDR" {
            return Err("the first chunk is not IHDR");
        }
        first = false;
        let critical = kind[0].is_ascii_uppercase();
        if critical || kind == b"fdAT" || PNG_KEEP.contains(&kind) {
            out.extend_from_slice(&b[i..end]);
        }
        i = end;
        if kind == b"IEND" {
            return Ok(out);
        }
    }
}

/// WebP chunks that hold pixels, animation or colour.
const WEBP_KEEP: [&[u8; 4]; 7] = [
    b"VP8X", b"VP8 ", b"VP8L", b"ALPH", b"ANIM", b"ANMF", b"ICCP",
];
const VP8X_EXIF: u8 = 0x08;
const VP8X_XMP: u8 = 0x04;

fn webp(b: &[u8]) -> Result<Vec<u8>, &'static str> {
    let riff_end = le32(b, 4)
        .and_then(|size| size.checked_add(8))
        .ok_or("RIFF header cut short")?;
    if riff_end > b.len() {
        return Err("the RIFF size is larger than the file");
    }
    let mut chunks = Vec::with_capacity(b.len());
    let mut i = 12;
    while i < riff_end {
        let len = le32(b, i + 4).ok_or("chunk header cut short")?;
        let kind: &[u8; 4] = b[i..i + 4]
            .try_into()
            .map_err(|_| "chunk header cut short")?;
        let end = (i + 8).checked_add(len).ok_or("chunk too long")?;
        if end > riff_end {
            return Err("a chunk runs past the RIFF size");
        }
        let padded = (end + (len & 1)).min(riff_end);
        if WEBP_KEEP.contains(&kind) {
            let at = chunks.len();
            chunks.extend_from_slice(&b[i..padded]);
            if len & 1 == 1 && padded == end {
                chunks.push(0);
            }
            if kind == b"VP8X" && len > 0 {
                chunks[at + 8] &= !(VP8X_EXIF | VP8X_XMP);
            }
        }
        i = padded;
    }
    let size = u32::try_from(chunks.len() + 4).map_err(|_| "too large")?;
    let mut out = Vec::with_capacity(chunks.len() + 12);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(b"WEBP");
    out.extend_from_slice(&chunks);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        c.extend_from_slice(kind);
        c.extend_from_slice(data);
        let mut crc_input = kind.to_vec();
        crc_input.extend_from_slice(data);
        c.extend_from_slice(&crc32(&crc_input).to_be_bytes());
        c
    }

    /// An EXIF block (TIFF header + one IFD) carrying a GPS IFD pointer.
    fn exif_with_gps() -> Vec<u8> {
        let mut t = b"MM\0\x2a\0\0\0\x08".to_vec();
        t.extend_from_slice(&[0, 1]); // one entry
        t.extend_from_slice(&[0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 26]); // GPSInfo IFD at 26
        t.extend_from_slice(&[0, 0, 0, 0]); // no next IFD
        t.extend_from_slice(&[0, 1]); // GPS IFD: one entry
        t.extend_from_slice(&[0, 1, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0]); // GPSLatitudeRef = "N"
        t.extend_from_slice(&[0, 0, 0, 0]);
        t
    }

    fn png_with_metadata() -> Vec<u8> {
        let mut f = PNG_SIGNATURE.to_vec();
        f.extend(png_chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]));
        f.extend(png_chunk(b"tIME", &[7, 234, 1, 1, 0, 0, 0]));
        f.extend(png_chunk(b"gAMA", &[0, 0, 177, 143]));
        f.extend(png_chunk(b"eXIf", &exif_with_gps()));
        f.extend(png_chunk(b"tEXt", b"Author\0Jane Doe, 12 Elm St"));
        f.extend(png_chunk(b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0<x/>"));
        f.extend(png_chunk(b"zTXt", b"Comment\0\0x"));
        f.extend(png_chunk(b"prIv", b"private"));
        // zlib stored block: one row, filter 0, one grey pixel.
        f.extend(png_chunk(
            b"IDAT",
            &[
                0x78, 0x01, 0x01, 0x02, 0x00, 0xFD, 0xFF, 0x00, 0x80, 0x00, 0x82, 0x00, 0x81,
            ],
        ));
        f.extend(png_chunk(b"IEND", &[]));
        f.extend_from_slice(b"trailing secrets");
        f
    }

    fn png_chunk_types(f: &[u8]) -> Vec<String> {
        let mut i = 8;
        let mut kinds = Vec::new();
        while i + 8 <= f.len() {
            let len = be32(f, i).unwrap();
            kinds.push(String::from_utf8_lossy(&f[i + 4..i + 8]).into_owned());
            i += 12 + len;
        }
        kinds
    }

    fn has_exif(bytes: &[u8]) -> bool {
        exif::Reader::new()
            .read_from_container(&mut std::io::Cursor::new(bytes))
            .is_ok()
    }

    #[test]
    fn png_keeps_pixels_and_colour_drops_metadata() {
        let original = png_with_metadata();
        assert!(has_exif(&original), "the fixture carries EXIF");
        let (kind, out) = strip(&original).unwrap();
        assert_eq!(kind, Kind::Png);
        assert_eq!(png_chunk_types(&out), ["IHDR", "gAMA", "IDAT", "IEND"]);
        assert!(!has_exif(&out));
        let text = String::from_utf8_lossy(&out);
        assert!(!text.contains("Jane") && !text.contains("secrets"));
        // Kept chunks are byte-identical (their CRCs still hold).
        let idat = png_chunk(
            b"IDAT",
            &[
                0x78, 0x01, 0x01, 0x02, 0x00, 0xFD, 0xFF, 0x00, 0x80, 0x00, 0x82, 0x00, 0x81,
            ],
        );
        assert!(out.windows(idat.len()).any(|w| w == idat.as_slice()));
        assert_eq!(strip(&out).unwrap().1, out, "stripping is idempotent");
    }

    fn jpeg_segment(marker: u8, body: &[u8]) -> Vec<u8> {
        let mut s = vec![0xFF, marker];
        s.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
        s.extend_from_slice(body);
        s
    }

    #[test]
    fn jpeg_drops_app_and_comment_segments() {
        let jfif = jpeg_segment(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        let mut exif = b"Exif\0\0".to_vec();
        exif.extend(exif_with_gps());
        let icc = jpeg_segment(0xE2, b"ICC_PROFILE\0\x01\x01profile");
        let dqt = jpeg_segment(0xDB, &[0; 65]);
        let sof = jpeg_segment(0xC0, &[8, 0, 1, 0, 1, 1, 1, 0x11, 0]);
        let dht = jpeg_segment(0xC4, &[0; 17]);
        let sos = jpeg_segment(0xDA, &[1, 1, 0, 0, 63, 0]);
        // Entropy data with a stuffed 0xFF00 and a restart marker inside.
        let scan = [0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56];
        let mut f = vec![0xFF, 0xD8];
        f.extend(&jfif);
        f.extend(jpeg_segment(0xE1, &exif));
        f.extend(jpeg_segment(
            0xE1,
            b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>",
        ));
        f.extend(&icc);
        f.extend(jpeg_segment(0xED, b"Photoshop 3.0\0IPTC: Jane Doe"));
        f.extend(jpeg_segment(0xFE, b"shot at 12 Elm St"));
        f.extend(&dqt);
        f.extend(&sof);
        f.extend(&dht);
        f.extend(&sos);
        f.extend(scan);
        f.extend([0xFF, 0xD9]);
        f.extend(b"appended preview");
        assert!(has_exif(&f), "the fixture carries EXIF");

        let (kind, out) = strip(&f).unwrap();
        assert_eq!(kind, Kind::Jpeg);
        let mut expected = vec![0xFF, 0xD8];
        for part in [&jfif, &icc, &dqt, &sof, &dht, &sos] {
            expected.extend(part);
        }
        expected.extend(scan);
        expected.extend([0xFF, 0xD9]);
        assert_eq!(out, expected);
        assert!(!has_exif(&out));
    }

    #[test]
    fn webp_drops_exif_and_xmp_and_fixes_header() {
        let chunk = |kind: &[u8; 4], data: &[u8]| {
            let mut c = kind.to_vec();
            c.extend_from_slice(&(data.len() as u32).to_le_bytes());
            c.extend_from_slice(data);
            if data.len() % 2 == 1 {
                c.push(0);
            }
            c
        };
        let mut exif = b"".to_vec();
        exif.extend(exif_with_gps());
        let flags = 0x20 | VP8X_EXIF | VP8X_XMP; // ICC + EXIF + XMP
        let vp8x = chunk(b"VP8X", &[flags, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let iccp = chunk(b"ICCP", b"profile");
        let vp8l = chunk(b"VP8L", &[0x2F, 0, 0, 0, 0]);
        let mut body = b"WEBP".to_vec();
        for part in [
            vp8x.clone(),
            iccp.clone(),
            vp8l.clone(),
            chunk(b"EXIF", &exif),
            chunk(b"XMP ", b"<x:xmpmeta/>"),
            chunk(b"UNKN", b"?"),
        ] {
            body.extend(part);
        }
        let mut f = b"RIFF".to_vec();
        f.extend_from_slice(&(body.len() as u32).to_le_bytes());
        f.extend(body);

        let (kind, out) = strip(&f).unwrap();
        assert_eq!(kind, Kind::Webp);
        let mut expected_vp8x = vp8x.clone();
        expected_vp8x[8] = 0x20;
        let mut expected = b"WEBP".to_vec();
        expected.extend(expected_vp8x);
        expected.extend(iccp);
        expected.extend(vp8l);
        assert_eq!(le32(&out, 4).unwrap(), expected.len());
        assert_eq!(&out[..4], b"RIFF");
        assert_eq!(&out[8..], expected.as_slice());
        assert!(!has_exif(&out));
    }

    #[test]
    fn truncated_and_corrupted_files_never_panic() {
        let mut jpeg = vec![0xFF, 0xD8];
        jpeg.extend(jpeg_segment(0xE1, b"Exif\0\0MM"));
        jpeg.extend(jpeg_segment(0xDA, &[1, 1, 0, 0, 63, 0]));
        jpeg.extend([0x12, 0xFF, 0x00, 0xFF, 0xD9]);
        for file in [png_with_metadata(), jpeg] {
            for len in 0..file.len() {
                let _ = strip(&file[..len]);
                let mut flipped = file.clone();
                flipped[len] ^= 0xFF;
                let _ = strip(&flipped);
            }
        }
    }

    /// Every fixture image that the engine's `image.location` reads a
    /// position in (EXIF in any chain, XMP in JPEG APP1, PNG iTXt/tEXt/zTXt,
    /// WebP `XMP `...) is location-free once stripped; HEIF is refused.
    #[test]
    fn stripped_fixtures_are_judged_location_free() {
        use onmessage_engine::media::{Location, location};
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/images");
        let mut stripped = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.ends_with(".py") {
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            match strip(&bytes) {
                Ok((_, out)) => {
                    assert_eq!(location(&out), Location::Absent, "{name}");
                    stripped += 1;
                }
                // Damaged files and HEIF are refused, never published.
                Err(_) => assert!(
                    name.contains("-damaged") || name.ends_with(".heic"),
                    "{name} was refused"
                ),
            }
        }
        assert!(stripped >= 15, "{stripped}");
        assert_ne!(location(&png_with_metadata()), Location::Absent);
        assert_eq!(
            location(&strip(&png_with_metadata()).unwrap().1),
            Location::Absent
        );
    }

    #[test]
    fn other_and_damaged_files_are_refused() {
        for (bytes, needle) in [
            (&b"GIF89a...."[..], "GIF"),
            (&b"<?xml version=\"1.0\"?><svg xmlns=\"\"/>"[..], "SVG"),
            (&b"\0\0\0\x18ftypheic...."[..], "HEIF"),
            (&b"II*\0...."[..], "TIFF"),
            (&b"hello"[..], "not a PNG"),
            (&b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR"[..], "damaged"),
            (&[0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF][..], "damaged"),
            (&b"RIFF\xff\0\0\0WEBP"[..], "damaged"),
        ] {
            let e = strip(bytes).unwrap_err();
            assert!(e.contains(needle), "{e}");
        }
    }
}
