//! Byte offsets ↔ 1-based line and character column, for one file's text.

use crate::finding::Region;

#[derive(Clone, Debug)]
pub struct LineIndex {
    /// Byte offset at which each line starts.
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// 1-based (line, column in characters) of a byte offset. The offset is
    /// clamped to the text and moved back to a character boundary.
    pub fn position(&self, text: &str, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let column = text[self.starts[line]..offset].chars().count() + 1;
        (line + 1, column)
    }

    /// Byte offset of a 1-based line and column (clamped to the line).
    pub fn offset(&self, text: &str, line: usize, column: usize) -> usize {
        let Some(&start) = self.starts.get(line.saturating_sub(1)) else {
            return text.len();
        };
        let end = self.starts.get(line).copied().unwrap_or(text.len());
        text[start..end]
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(end, |(i, _)| start + i)
    }

    pub fn region(&self, text: &str, start: usize, end: usize) -> Region {
        let (line, column) = self.position(text, start);
        let (end_line, end_column) = self.position(text, end.max(start));
        Region {
            line,
            column,
            end_line,
            end_column,
        }
    }

    /// The text of a 1-based line, without its line ending.
    pub fn line_text<'t>(&self, text: &'t str, line: usize) -> &'t str {
        let Some(&start) = self.starts.get(line.saturating_sub(1)) else {
            return "";
        };
        let end = self.starts.get(line).copied().unwrap_or(text.len());
        text[start..end].trim_end_matches(['\n', '\r'])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters() {
        let text = "ab\nçé Falcon\r\nlast";
        let index = LineIndex::new(text);
        let falcon = text.find("Falcon").unwrap();
        assert_eq!(index.position(text, falcon), (2, 4));
        assert_eq!(index.offset(text, 2, 4), falcon);
        assert_eq!(index.line_text(text, 2), "çé Falcon");
        assert_eq!(index.position(text, text.len()), (3, 5));
        let region = index.region(text, falcon, falcon + 6);
        assert_eq!((region.end_line, region.end_column), (2, 10));
    }
}
