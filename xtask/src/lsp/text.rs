//! Open documents and positions: the editor's text kept as it is typed
//! (incremental changes applied in place), and conversions between byte
//! offsets, the engine's 1-based character columns and LSP positions in the
//! negotiated encoding (UTF-16 code units by default, UTF-8 bytes when the
//! client offers them).

use lsp_types::{Position, Range, TextDocumentContentChangeEvent};

use onmessage_engine::finding::Region;

/// How LSP positions count characters within a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

impl Encoding {
    fn units(self, c: char) -> usize {
        match self {
            Encoding::Utf8 => c.len_utf8(),
            Encoding::Utf16 => c.len_utf16(),
        }
    }
}

/// One file's text with the byte offset of every line start.
#[derive(Clone, Debug)]
pub struct Text {
    pub text: String,
    starts: Vec<usize>,
}

const BOM: char = '\u{feff}';

impl Text {
    pub fn new(text: String) -> Text {
        let mut t = Text {
            text,
            starts: Vec::new(),
        };
        t.index();
        t
    }

    fn index(&mut self) {
        self.starts.clear();
        self.starts.push(0);
        self.starts
            .extend(self.text.match_indices('\n').map(|(i, _)| i + 1));
    }

    /// Bytes the engine does not see at the start (a byte order mark: the
    /// engine drops it, so its offsets and line-1 columns start after it).
    pub fn bom_bytes(&self) -> usize {
        if self.text.starts_with(BOM) {
            BOM.len_utf8()
        } else {
            0
        }
    }

    /// The byte range of 0-based line `line`, without its line ending.
    fn line_range(&self, line: usize) -> std::ops::Range<usize> {
        let Some(&start) = self.starts.get(line) else {
            return self.text.len()..self.text.len();
        };
        let end = self
            .starts
            .get(line + 1)
            .copied()
            .unwrap_or(self.text.len());
        let content = self.text[start..end].trim_end_matches(['\n', '\r']);
        start..start + content.len()
    }

    /// The byte offset of an LSP position, clamped to its line (a
    /// character past the end of a line means its end, as LSP says) and to
    /// a character boundary.
    pub fn offset(&self, pos: Position, enc: Encoding) -> usize {
        let line = pos.line as usize;
        if line >= self.starts.len() {
            return self.text.len();
        }
        let range = self.line_range(line);
        let mut units = 0;
        for (i, c) in self.text[range.clone()].char_indices() {
            if units >= pos.character as usize {
                return range.start + i;
            }
            units += enc.units(c);
        }
        range.end
    }

    /// The LSP position of a byte offset (clamped, moved back to a
    /// character boundary).
    pub fn position(&self, offset: usize, enc: Encoding) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let units: usize = self.text[start..offset].chars().map(|c| enc.units(c)).sum();
        Position::new(line as u32, units as u32)
    }

    pub fn range(&self, bytes: std::ops::Range<usize>, enc: Encoding) -> Range {
        Range::new(
            self.position(bytes.start, enc),
            self.position(bytes.end, enc),
        )
    }

    /// The byte offset of the engine's 1-based line and character column
    /// (columns count Unicode scalar values; on line 1 they start after a
    /// byte order mark). Clamped to the line's end.
    pub fn engine_offset(&self, line: usize, column: usize) -> usize {
        let line = line.saturating_sub(1);
        if line >= self.starts.len() {
            return self.text.len();
        }
        let range = self.line_range(line);
        let from = if line == 0 {
            range.start + self.bom_bytes()
        } else {
            range.start
        };
        self.text[from..range.end]
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(range.end, |(i, _)| from + i)
    }

    /// An engine region as an LSP range.
    pub fn region(&self, region: Region, enc: Encoding) -> Range {
        let start = self.engine_offset(region.line, region.column);
        let end = self.engine_offset(region.end_line, region.end_column);
        self.range(start..end.max(start), enc)
    }

    /// Applies one `didChange` change: a range replaced, or the whole text.
    pub fn apply(&mut self, change: TextDocumentContentChangeEvent, enc: Encoding) {
        match change.range {
            Some(range) => {
                let start = self.offset(range.start, enc);
                let end = self.offset(range.end, enc).max(start);
                self.text.replace_range(start..end, &change.text);
            }
            None => self.text = change.text,
        }
        self.index();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_and_utf8_columns() {
        // 🎉 is two UTF-16 units and four UTF-8 bytes; é is one and two.
        let text = Text::new("a\n🎉é x\r\nend".to_string());
        let x = text.text.find('x').unwrap();
        assert_eq!(text.position(x, Encoding::Utf16), Position::new(1, 4));
        assert_eq!(text.position(x, Encoding::Utf8), Position::new(1, 7));
        assert_eq!(text.offset(Position::new(1, 4), Encoding::Utf16), x);
        assert_eq!(text.offset(Position::new(1, 7), Encoding::Utf8), x);
        // Past the end of a line: its end, before the CR LF.
        assert_eq!(text.offset(Position::new(1, 99), Encoding::Utf16), x + 1);
        assert_eq!(
            text.offset(Position::new(9, 0), Encoding::Utf16),
            text.text.len()
        );
        // The engine's columns count characters.
        assert_eq!(text.engine_offset(2, 4), x);
    }

    #[test]
    fn bom_shifts_engine_columns_on_line_one() {
        let text = Text::new("\u{feff}ab\ncd".to_string());
        assert_eq!(text.engine_offset(1, 2), 4);
        assert_eq!(text.engine_offset(2, 2), 7);
    }

    #[test]
    fn incremental_changes() {
        let mut text = Text::new("one 🎉 two\nthree".to_string());
        text.apply(
            TextDocumentContentChangeEvent {
                range: Some(Range::new(Position::new(0, 7), Position::new(1, 2))),
                range_length: None,
                text: "X".to_string(),
            },
            Encoding::Utf16,
        );
        assert_eq!(text.text, "one 🎉 Xree");
        assert_eq!(
            text.position(text.text.len(), Encoding::Utf16),
            Position::new(0, 11)
        );
    }
}
