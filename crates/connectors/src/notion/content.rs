//! Splitting text into Notion paragraph blocks within the API's size limits.

use serde_json::{Value, json};

/// Most characters (UTF-16 units) in one rich-text `text.content`.
pub const MAX_TEXT_LEN: usize = 2000;
/// Most rich-text elements in one array.
pub const MAX_RICH_TEXT_PER_BLOCK: usize = 100;
/// Most blocks in one `children` array.
pub const MAX_BLOCKS_PER_REQUEST: usize = 100;

/// Rich-text pieces of at most [`MAX_TEXT_LEN`] UTF-16 units, never splitting a character.
pub(crate) fn rich_text(text: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut units = 0;
    for (i, c) in text.char_indices() {
        if units + c.len_utf16() > MAX_TEXT_LEN {
            out.push(json!({"type": "text", "text": {"content": &text[start..i]}}));
            start = i;
            units = 0;
        }
        units += c.len_utf16();
    }
    if start < text.len() {
        out.push(json!({"type": "text", "text": {"content": &text[start..]}}));
    }
    out
}

/// Paragraph blocks for `text`: one per blank-line-separated paragraph (single newlines are
/// kept inside the text), a paragraph longer than 100 pieces continuing in further blocks.
///
/// ```
/// use switchboard_connectors::notion::paragraphs;
/// let blocks = paragraphs(&"x".repeat(10_000));
/// assert_eq!(blocks.len(), 1);
/// assert_eq!(blocks[0]["paragraph"]["rich_text"].as_array().unwrap().len(), 5);
/// ```
pub fn paragraphs(text: &str) -> Vec<Value> {
    let normalized = text.replace("\r\n", "\n");
    let mut blocks = Vec::new();
    for para in normalized.split("\n\n") {
        let para = para.trim_matches('\n');
        if para.trim().is_empty() {
            continue;
        }
        for chunk in rich_text(para).chunks(MAX_RICH_TEXT_PER_BLOCK) {
            blocks.push(json!({
                "object": "block",
                "type": "paragraph",
                "paragraph": {"rich_text": chunk}
            }));
        }
    }
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_utf16_units_without_breaking_characters() {
        // 1999 ASCII then an emoji (2 UTF-16 units): the emoji moves to the next piece.
        let text = format!("{}😀", "a".repeat(1999));
        let pieces = rich_text(&text);
        assert_eq!(pieces.len(), 2);
        assert_eq!(pieces[1]["text"]["content"], "😀");
    }

    #[test]
    fn long_paragraph_continues_in_further_blocks() {
        let blocks = paragraphs(&"b".repeat(MAX_TEXT_LEN * 150));
        assert_eq!(blocks.len(), 2);
        assert_eq!(
            blocks[1]["paragraph"]["rich_text"]
                .as_array()
                .unwrap()
                .len(),
            50
        );
    }
}
