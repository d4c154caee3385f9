//! `icon.svg`: the hub's favicon and the feeds' icon, a speech bubble in the
//! hub's accent colour. One small vector file serves every size, and the
//! pages' Content-Security-Policy allows it (`img-src 'self'`).

pub const SVG: &str = concat!(
    "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 64 64\" width=\"64\" height=\"64\">",
    "<rect width=\"64\" height=\"64\" rx=\"14\" fill=\"#0b5cad\"/>",
    "<path d=\"M16 14h32a5 5 0 0 1 5 5v18a5 5 0 0 1-5 5H31l-11 9v-9h-4a5 5 0 0 1-5-5V19a5 5 0 0 1 5-5z\" fill=\"#fff\"/>",
    "<path d=\"M21 24h22M21 32h14\" stroke=\"#0b5cad\" stroke-width=\"4\" stroke-linecap=\"round\"/>",
    "</svg>\n"
);

#[cfg(test)]
mod tests {
    #[test]
    fn the_icon_is_one_self_contained_svg() {
        assert!(super::SVG.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(!super::SVG.contains("href"), "nothing to load");
    }
}
