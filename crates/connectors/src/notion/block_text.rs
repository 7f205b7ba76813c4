//! Notion blocks and rich text to Markdown-like plain text, for reading pages: headings,
//! paragraphs, bulleted and numbered lists, to-dos, code, quotes, callouts, toggles, dividers,
//! tables, equations, media, bookmarks, and child pages and databases by title. A block of a
//! type not known here is named (`[type]`, followed by its text if it has any), so nothing is
//! dropped silently.

use serde_json::Value;

/// Renders sibling blocks (a page's or a block's children) as Markdown-like text. A block's
/// own children are read from its `children` array, which the page walk fills in.
///
/// ```
/// use serde_json::json;
/// use switchboard_connectors::notion::blocks_to_text;
/// let blocks = json!([
///     {"type": "heading_2", "heading_2": {"rich_text": [{"plain_text": "Plan"}]}},
///     {"type": "to_do", "to_do": {"checked": true, "rich_text": [{"plain_text": "Draft"}]}},
///     {"type": "to_do", "to_do": {"checked": false, "rich_text": [{"plain_text": "Ship"}]}}]);
/// assert_eq!(blocks_to_text(blocks.as_array().unwrap()), "## Plan\n\n- [x] Draft\n- [ ] Ship");
/// ```
pub fn blocks_to_text(blocks: &[Value]) -> String {
    let mut out = String::new();
    let mut prev = "";
    let mut number = 0;
    for b in blocks {
        let kind = b["type"].as_str().unwrap_or("unknown");
        number = if kind == "numbered_list_item" {
            number + 1
        } else {
            0
        };
        let text = block(b, kind, number);
        let same_list =
            kind == prev && matches!(kind, "bulleted_list_item" | "numbered_list_item" | "to_do");
        if !out.is_empty() {
            out.push_str(if same_list { "\n" } else { "\n\n" });
        }
        out.push_str(&text);
        prev = kind;
    }
    out
}

/// Rich text as Markdown-like text: bold, italic, strikethrough, inline code and links marked.
pub fn rich_text_to_text(rich: &Value) -> String {
    let Some(parts) = rich.as_array() else {
        return String::new();
    };
    parts.iter().map(marked).collect()
}

/// Rich text as plain text, without marks.
pub(crate) fn plain(rich: &Value) -> String {
    let Some(parts) = rich.as_array() else {
        return String::new();
    };
    parts.iter().map(part_text).collect()
}

fn part_text(part: &Value) -> &str {
    part["plain_text"]
        .as_str()
        .or_else(|| part["text"]["content"].as_str())
        .unwrap_or("")
}

fn marked(part: &Value) -> String {
    let text = part_text(part);
    if text.trim().is_empty() {
        return text.to_owned();
    }
    let a = &part["annotations"];
    let on = |name: &str| a[name].as_bool() == Some(true);
    let mut s = text.to_owned();
    if on("code") {
        s = format!("`{s}`");
    }
    if on("bold") {
        s = format!("**{s}**");
    }
    if on("italic") {
        s = format!("*{s}*");
    }
    if on("strikethrough") {
        s = format!("~~{s}~~");
    }
    let href = part["href"]
        .as_str()
        .or_else(|| part["text"]["link"]["url"].as_str());
    match href {
        Some(href) if href != text => format!("[{s}]({href})"),
        _ => s,
    }
}

fn children(b: &Value) -> &[Value] {
    b["children"].as_array().map_or(&[], Vec::as_slice)
}

/// One block with its children.
fn block(b: &Value, kind: &str, number: usize) -> String {
    let data = &b[kind];
    let text = rich_text_to_text(&data["rich_text"]);
    let kids = children(b);
    match kind {
        "paragraph" => nested(text, kids, "  "),
        "heading_1" | "heading_2" | "heading_3" => {
            let hashes = "#".repeat(usize::from(kind.as_bytes()[8] - b'0'));
            nested(format!("{hashes} {text}"), kids, "")
        }
        "bulleted_list_item" => nested(format!("- {text}"), kids, "  "),
        "numbered_list_item" => {
            let marker = format!("{number}. ");
            let pad = " ".repeat(marker.len());
            nested(format!("{marker}{text}"), kids, &pad)
        }
        "to_do" => {
            let mark = if data["checked"].as_bool() == Some(true) {
                "x"
            } else {
                " "
            };
            nested(format!("- [{mark}] {text}"), kids, "      ")
        }
        "toggle" => nested(format!("▸ {text}"), kids, "  "),
        "quote" => quoted(&nested(text, kids, "")),
        "callout" => {
            let icon = data["icon"]["emoji"]
                .as_str()
                .map_or(String::new(), |e| format!("{e} "));
            quoted(&nested(format!("{icon}{text}"), kids, ""))
        }
        "code" => {
            let lang = data["language"].as_str().unwrap_or("");
            let lang = if lang == "plain text" { "" } else { lang };
            format!("```{lang}\n{}\n```", plain(&data["rich_text"]))
        }
        "divider" => "---".to_owned(),
        "table" => table(kids),
        "table_row" => row(b),
        "child_page" => format!("[page: {}]", data["title"].as_str().unwrap_or("")),
        "child_database" => format!("[database: {}]", data["title"].as_str().unwrap_or("")),
        "equation" => format!("$${}$$", data["expression"].as_str().unwrap_or("")),
        "image" | "video" | "audio" | "file" | "pdf" => media(kind, data),
        "bookmark" | "embed" | "link_preview" => {
            let url = data["url"].as_str().unwrap_or("");
            let caption = plain(&data["caption"]);
            if caption.is_empty() {
                url.to_owned()
            } else {
                format!("[{caption}]({url})")
            }
        }
        "column_list" | "column" | "synced_block" => blocks_to_text(kids),
        _ if text.is_empty() => nested(format!("[{kind}]"), kids, "  "),
        _ => nested(format!("[{kind}] {text}"), kids, "  "),
    }
}

/// `head`, then `kids` rendered with every non-empty line indented by `indent`.
fn nested(head: String, kids: &[Value], indent: &str) -> String {
    if kids.is_empty() {
        return head;
    }
    let inner = blocks_to_text(kids);
    let inner: Vec<String> = inner
        .lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("{indent}{l}")
            }
        })
        .collect();
    let sep = if indent.is_empty() { "\n\n" } else { "\n" };
    format!("{head}{sep}{}", inner.join("\n"))
}

/// Every line of `text` prefixed with `> `.
fn quoted(text: &str) -> String {
    text.lines()
        .map(|l| format!("> {l}").trim_end().to_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

fn media(kind: &str, data: &Value) -> String {
    let caption = plain(&data["caption"]);
    let name = data["name"].as_str().unwrap_or("");
    let url = data["external"]["url"]
        .as_str()
        .or_else(|| data["file"]["url"].as_str())
        .unwrap_or("");
    let label = [caption.as_str(), name, url]
        .into_iter()
        .find(|s| !s.is_empty())
        .unwrap_or("");
    if label.is_empty() {
        format!("[{kind}]")
    } else {
        format!("[{kind}: {label}]")
    }
}

fn row(b: &Value) -> String {
    let cells: Vec<String> = b["table_row"]["cells"]
        .as_array()
        .map_or(&[][..], Vec::as_slice)
        .iter()
        .map(|cell| {
            rich_text_to_text(cell)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .replace('|', "\\|")
        })
        .collect();
    format!("| {} |", cells.join(" | "))
}

fn table(rows: &[Value]) -> String {
    let mut lines = Vec::new();
    for r in rows {
        lines.push(row(r));
        if lines.len() == 1 {
            let width = r["table_row"]["cells"].as_array().map_or(0, Vec::len);
            lines.push(format!("|{}", " --- |".repeat(width)));
        }
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn rt(text: &str) -> Value {
        json!([{"type": "text", "plain_text": text, "text": {"content": text}}])
    }

    fn b(kind: &str, data: Value) -> Value {
        json!({"object": "block", "type": kind, kind: data})
    }

    fn render(blocks: &[Value]) -> String {
        blocks_to_text(blocks)
    }

    #[test]
    fn headings_and_paragraphs_are_separated_by_blank_lines() {
        let blocks = [
            b("heading_1", json!({"rich_text": rt("Title")})),
            b("paragraph", json!({"rich_text": rt("Body")})),
            b("heading_3", json!({"rich_text": rt("Small")})),
        ];
        assert_eq!(render(&blocks), "# Title\n\nBody\n\n### Small");
    }

    #[test]
    fn marks_and_links_become_markdown() {
        let rich = json!([
            {"plain_text": "bold", "annotations": {"bold": true}},
            {"plain_text": " and "},
            {"plain_text": "code", "annotations": {"code": true}},
            {"plain_text": " and "},
            {"plain_text": "a link", "href": "https://example.com"}]);
        assert_eq!(
            rich_text_to_text(&rich),
            "**bold** and `code` and [a link](https://example.com)"
        );
    }

    #[test]
    fn numbered_items_count_up_and_nested_items_are_indented() {
        let mut first = b("numbered_list_item", json!({"rich_text": rt("one")}));
        first["children"] = json!([b("bulleted_list_item", json!({"rich_text": rt("detail")}))]);
        let blocks = [
            first,
            b("numbered_list_item", json!({"rich_text": rt("two")})),
            b("paragraph", json!({"rich_text": rt("after")})),
            b("numbered_list_item", json!({"rich_text": rt("again")})),
        ];
        assert_eq!(
            render(&blocks),
            "1. one\n   - detail\n2. two\n\nafter\n\n1. again"
        );
    }

    #[test]
    fn code_keeps_its_language_and_text_unmarked() {
        let code = b(
            "code",
            json!({"language": "rust", "rich_text": [{"plain_text": "let x = 1;",
                   "annotations": {"bold": true}}], "caption": []}),
        );
        assert_eq!(render(&[code]), "```rust\nlet x = 1;\n```");
    }

    #[test]
    fn quotes_and_callouts_are_quoted_with_their_children() {
        let mut callout = b(
            "callout",
            json!({"rich_text": rt("Heads up"), "icon": {"type": "emoji", "emoji": "💡"}}),
        );
        callout["children"] = json!([b("paragraph", json!({"rich_text": rt("inside")}))]);
        let blocks = [
            b(
                "quote",
                json!({"rich_text": rt("Said"), "color": "default"}),
            ),
            callout,
        ];
        assert_eq!(render(&blocks), "> Said\n\n> 💡 Heads up\n>\n> inside");
    }

    #[test]
    fn toggles_show_their_children_indented() {
        let mut toggle = b("toggle", json!({"rich_text": rt("More")}));
        toggle["children"] = json!([b("paragraph", json!({"rich_text": rt("hidden")}))]);
        assert_eq!(
            render(&[toggle, b("divider", json!({}))]),
            "▸ More\n  hidden\n\n---"
        );
    }

    #[test]
    fn tables_are_rendered_from_their_rows() {
        let mut table = b(
            "table",
            json!({"table_width": 2, "has_column_header": true}),
        );
        table["children"] = json!([
            b("table_row", json!({"cells": [rt("Key"), rt("Value")]})),
            b("table_row", json!({"cells": [rt("a|b"), rt("1")]})),
        ]);
        assert_eq!(
            render(&[table]),
            "| Key | Value |\n| --- | --- |\n| a\\|b | 1 |"
        );
    }

    #[test]
    fn child_pages_and_databases_are_named_by_title() {
        let blocks = [
            b("child_page", json!({"title": "Onboarding"})),
            b("child_database", json!({"title": "Tasks"})),
        ];
        assert_eq!(render(&blocks), "[page: Onboarding]\n\n[database: Tasks]");
    }

    #[test]
    fn unknown_blocks_are_named_not_dropped() {
        let blocks = [
            b("table_of_contents", json!({"color": "default"})),
            b("brand_new_block", json!({"rich_text": rt("its text")})),
        ];
        assert_eq!(
            render(&blocks),
            "[table_of_contents]\n\n[brand_new_block] its text"
        );
    }
}
