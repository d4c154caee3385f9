//! An image's size in pixels, read from its header, for the hub's
//! `width` and `height` attributes (the page keeps its layout while images
//! load). Only the formats `strip` publishes: PNG, JPEG, WebP.

use onmessage_feed::strip::Kind;

/// Width and height of the (already stripped) image `bytes` of `kind`.
pub fn dimensions(kind: Kind, bytes: &[u8]) -> Result<(u32, u32), &'static str> {
    let found = match kind {
        Kind::Png => png(bytes),
        Kind::Jpeg => jpeg(bytes),
        Kind::Webp => webp(bytes),
    };
    match found {
        Some((w, h)) if w > 0 && h > 0 => Ok((w, h)),
        _ => Err("its width and height cannot be read"),
    }
}

fn be16(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(u16::from_be_bytes(
        b.get(at..at + 2)?.try_into().ok()?,
    )))
}

fn le16(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(u16::from_le_bytes(
        b.get(at..at + 2)?.try_into().ok()?,
    )))
}

fn le24(b: &[u8], at: usize) -> Option<u32> {
    let p = b.get(at..at + 3)?;
    Some(u32::from(p[0]) | u32::from(p[1]) << 8 | u32::from(p[2]) << 16)
}

/// The IHDR chunk, always first: width and height as 32-bit big-endian.
fn png(b: &[u8]) -> Option<(u32, u32)> {
    if b.get(12..16)? != b"IHDR" {
        return None;
    }
    let word = |at: usize| Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?));
    Some((word(16)?, word(20)?))
}

/// The first start-of-frame segment (SOF0 to SOF15 but DHT, JPG and DAC).
fn jpeg(b: &[u8]) -> Option<(u32, u32)> {
    let mut at = 2;
    loop {
        if *b.get(at)? != 0xFF {
            return None;
        }
        let marker = *b.get(at + 1)?;
        match marker {
            // Fill bytes before a marker.
            0xFF => at += 1,
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                return Some((be16(b, at + 7)?, be16(b, at + 5)?));
            }
            // A second start, the end or scan data before any frame header:
            // not a JPEG we read.
            0xD8..=0xDA => return None,
            _ => at += 2 + usize::try_from(be16(b, at + 2)?).ok()?,
        }
    }
}

/// The first chunk: `VP8X` (canvas), `VP8 ` (lossy) or `VP8L` (lossless).
fn webp(b: &[u8]) -> Option<(u32, u32)> {
    let chunk = b.get(12..16)?;
    let data = 20;
    match chunk {
        b"VP8X" => Some((1 + le24(b, data + 4)?, 1 + le24(b, data + 7)?)),
        b"VP8 " => {
            if b.get(data + 3..data + 6)? != [0x9D, 0x01, 0x2A] {
                return None;
            }
            Some((le16(b, data + 6)? & 0x3FFF, le16(b, data + 8)? & 0x3FFF))
        }
        b"VP8L" => {
            if *b.get(data)? != 0x2F {
                return None;
            }
            let bits = u32::from_le_bytes(b.get(data + 1..data + 5)?.try_into().ok()?);
            Some((1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_sizes_come_from_ihdr() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend(640u32.to_be_bytes());
        png.extend(480u32.to_be_bytes());
        assert_eq!(dimensions(Kind::Png, &png), Ok((640, 480)));
        assert!(dimensions(Kind::Png, &png[..20]).is_err());
        png[12] = b'X';
        assert!(dimensions(Kind::Png, &png).is_err());
    }

    #[test]
    fn jpeg_sizes_come_from_the_first_frame_header() {
        // SOI, an APP0 segment, a DHT (0xC4: not a frame), then SOF2.
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0, 0xFF, 0xC4, 0, 2];
        jpeg.extend([0xFF, 0xFF, 0xC2, 0, 11, 8, 0x01, 0xE0, 0x02, 0x80, 3]);
        assert_eq!(dimensions(Kind::Jpeg, &jpeg), Ok((640, 480)));
        assert!(dimensions(Kind::Jpeg, &[0xFF, 0xD8, 0xFF, 0xDA, 0, 2]).is_err());
        assert!(dimensions(Kind::Jpeg, &jpeg[..14]).is_err());
    }

    #[test]
    fn webp_sizes_come_from_the_first_chunk() {
        let riff = |chunk: &[u8], data: &[u8]| {
            let mut b = b"RIFF\0\0\0\0WEBP".to_vec();
            b.extend(chunk);
            b.extend((data.len() as u32).to_le_bytes());
            b.extend(data);
            b
        };
        let vp8x = riff(b"VP8X", &[0, 0, 0, 0, 0x7F, 0x02, 0, 0xDF, 0x01, 0]);
        assert_eq!(dimensions(Kind::Webp, &vp8x), Ok((640, 480)));
        let vp8 = riff(
            b"VP8 ",
            &[0, 0, 0, 0x9D, 0x01, 0x2A, 0x80, 0x02, 0xE0, 0x01],
        );
        assert_eq!(dimensions(Kind::Webp, &vp8), Ok((640, 480)));
        // 639 and 479 in 14 bits each, after the 0x2F signature.
        let bits: u32 = 639 | 479 << 14;
        let mut data = vec![0x2F];
        data.extend(bits.to_le_bytes());
        assert_eq!(
            dimensions(Kind::Webp, &riff(b"VP8L", &data)),
            Ok((640, 480))
        );
        assert!(dimensions(Kind::Webp, &riff(b"ALPH", &data)).is_err());
    }
}
