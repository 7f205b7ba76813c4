//! Atlassian Document Format (ADF) to Markdown-like plain text, for reading descriptions and
//! comments: paragraphs, headings, lists, task lists, code blocks, quotes, panels, rules,
//! tables, mentions, emoji, dates, statuses, links and cards. A node of a type not known here
//! keeps its text and is named (`[type]` when it has none), so nothing is dropped silently.

use serde_json::Value;

/// Renders an ADF document (or any ADF node) as Markdown-like text.
///
/// ```
/// use serde_json::json;
/// use switchboard_connectors::jira::adf_to_text;
/// let doc = json!({"type": "doc", "version": 1, "content": [
///     {"type": "paragraph", "content": [
///         {"type": "text", "text": "Hello "},
///         {"type": "text", "text": "world", "marks": [{"type": "strong"}]}]}]});
/// assert_eq!(adf_to_text(&doc), "Hello **world**");
/// ```
pub fn adf_to_text(node: &Value) -> String {
    let mut out = String::new();
    block(node, "", &mut out);
    out.trim_end().to_owned()
}

fn children(node: &Value) -> &[Value] {
    node["content"].as_array().map_or(&[], Vec::as_slice)
}

fn attr<'a>(node: &'a Value, name: &str) -> Option<&'a str> {
    node["attrs"][name].as_str()
}

/// Appends `node` as blocks, each line after the first prefixed with `indent`, ending with a
/// blank line.
fn block(node: &Value, indent: &str, out: &mut String) {
    let kind = node["type"].as_str().unwrap_or("");
    match kind {
        "doc" | "mediaSingle" | "mediaGroup" | "layoutSection" | "layoutColumn" | "extension" => {
            for c in children(node) {
                block(c, indent, out);
            }
        }
        "paragraph" => line(indent, &inlines(node), out),
        "heading" => {
            let level = node["attrs"]["level"].as_u64().unwrap_or(1).clamp(1, 6);
            let hashes = "#".repeat(usize::try_from(level).unwrap_or(1));
            line(indent, &format!("{hashes} {}", inlines(node)), out);
        }
        "bulletList" | "orderedList" | "taskList" => list(node, kind, indent, out),
        "codeBlock" => {
            let lang = attr(node, "language").unwrap_or("");
            let code: String = children(node)
                .iter()
                .filter_map(|c| c["text"].as_str())
                .collect();
            line(indent, &format!("```{lang}\n{code}\n```"), out);
        }
        "blockquote" => quoted(node, "> ", indent, out),
        "panel" => {
            let panel = attr(node, "panelType").unwrap_or("info");
            line(indent, &format!("> **{panel}:**"), out);
            out.truncate(out.trim_end().len());
            out.push('\n');
            quoted(node, "> ", indent, out);
        }
        "expand" | "nestedExpand" => {
            let title = attr(node, "title").unwrap_or("Details");
            line(indent, &format!("**{title}**"), out);
            for c in children(node) {
                block(c, indent, out);
            }
        }
        "rule" => line(indent, "---", out),
        "table" => table(node, indent, out),
        "media" => line(indent, "[attachment]", out),
        _ if node.get("text").is_some() || is_inline(kind) => line(indent, &inline(node), out),
        _ => {
            if children(node).is_empty() {
                line(indent, &format!("[{kind}]"), out);
            }
            for c in children(node) {
                block(c, indent, out);
            }
        }
    }
}

fn is_inline(kind: &str) -> bool {
    matches!(
        kind,
        "text" | "hardBreak" | "mention" | "emoji" | "date" | "status" | "inlineCard"
    )
}

/// `text` as a block: every line after the first indented, then a blank line.
fn line(indent: &str, text: &str, out: &mut String) {
    let mut lines = text.lines();
    if let Some(first) = lines.next() {
        out.push_str(first);
    }
    for l in lines {
        out.push('\n');
        out.push_str(indent);
        out.push_str(l);
    }
    out.push_str("\n\n");
    out.push_str(indent);
}

fn quoted(node: &Value, prefix: &str, indent: &str, out: &mut String) {
    let mut inner = String::new();
    for c in children(node) {
        block(c, "", &mut inner);
    }
    let text: Vec<String> = inner
        .trim_end()
        .lines()
        .map(|l| format!("{prefix}{l}").trim_end().to_owned())
        .collect();
    line(indent, &text.join("\n"), out);
}

fn list(node: &Value, kind: &str, indent: &str, out: &mut String) {
    let start = node["attrs"]["order"].as_u64().unwrap_or(1);
    let mut text = String::new();
    for (i, item) in children(node).iter().enumerate() {
        let marker = match kind {
            "orderedList" => format!("{}. ", start + i as u64),
            "taskList" if attr(item, "state") == Some("DONE") => "- [x] ".to_owned(),
            "taskList" => "- [ ] ".to_owned(),
            _ => "- ".to_owned(),
        };
        let pad = " ".repeat(marker.len());
        let mut inner = String::new();
        if item["type"] == "taskItem" {
            inner = inlines(item);
        } else {
            for c in children(item) {
                block(c, "", &mut inner);
            }
        }
        let body: Vec<&str> = inner.trim_end().lines().filter(|l| !l.is_empty()).collect();
        text.push_str(&marker);
        text.push_str(&body.join(&format!("\n{pad}")));
        text.push('\n');
    }
    line(indent, text.trim_end(), out);
}

fn table(node: &Value, indent: &str, out: &mut String) {
    let mut rows = Vec::new();
    for row in children(node) {
        let cells: Vec<String> = children(row)
            .iter()
            .map(|cell| {
                let mut inner = String::new();
                for c in children(cell) {
                    block(c, "", &mut inner);
                }
                inner
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .replace('|', "\\|")
            })
            .collect();
        rows.push(format!("| {} |", cells.join(" | ")));
        if rows.len() == 1 {
            rows.push(format!("|{}", " --- |".repeat(cells.len())));
        }
    }
    line(indent, &rows.join("\n"), out);
}

fn inlines(node: &Value) -> String {
    children(node).iter().map(inline).collect()
}

fn inline(node: &Value) -> String {
    match node["type"].as_str().unwrap_or("") {
        "text" => marked(node["text"].as_str().unwrap_or(""), node),
        "hardBreak" => "\n".to_owned(),
        "mention" => attr(node, "text").map_or_else(|| "@someone".to_owned(), str::to_owned),
        "emoji" => attr(node, "text")
            .or_else(|| attr(node, "shortName"))
            .unwrap_or("")
            .to_owned(),
        "date" => attr(node, "timestamp").map_or_else(String::new, date),
        "status" => format!("[{}]", attr(node, "text").unwrap_or("")),
        "inlineCard" | "blockCard" => attr(node, "url").unwrap_or("").to_owned(),
        other if children(node).is_empty() => format!("[{other}]"),
        _ => inlines(node),
    }
}

/// A date node's millisecond timestamp as `YYYY-MM-DD` (UTC).
fn date(ms: &str) -> String {
    let Ok(ms) = ms.parse::<i64>() else {
        return ms.to_owned();
    };
    let (y, m, d) = crate::common::civil_from_days(ms.div_euclid(86_400_000));
    format!("{y:04}-{m:02}-{d:02}")
}

fn marked(text: &str, node: &Value) -> String {
    let mut s = text.to_owned();
    for mark in node["marks"].as_array().map_or(&[][..], Vec::as_slice) {
        s = match mark["type"].as_str().unwrap_or("") {
            "strong" => format!("**{s}**"),
            "em" => format!("*{s}*"),
            "code" => format!("`{s}`"),
            "strike" => format!("~~{s}~~"),
            "link" => match mark["attrs"]["href"].as_str() {
                Some(href) => format!("[{s}]({href})"),
                None => s,
            },
            _ => s,
        };
    }
    s
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::jira::text_to_adf;

    #[test]
    fn markdown_written_as_adf_reads_back_the_same() {
        let text = "# Steps\n\nRotate **the keys** and see [docs](https://example.com).\n\n\
                    - one\n- two\n\n1. first\n2. second\n\n> quoted\n\n```sh\n./run\n```\n\n---";
        assert_eq!(adf_to_text(&text_to_adf(text)), text);
    }

    #[test]
    fn mentions_tasks_tables_and_unknown_nodes_are_rendered() {
        let doc = json!({"type": "doc", "version": 1, "content": [
            {"type": "paragraph", "content": [
                {"type": "mention", "attrs": {"id": "1", "text": "@Ada"}},
                {"type": "text", "text": " see "},
                {"type": "status", "attrs": {"text": "IN REVIEW", "color": "blue"}},
                {"type": "text", "text": " by "},
                {"type": "date", "attrs": {"timestamp": "1700000000000"}}]},
            {"type": "taskList", "attrs": {"localId": "t"}, "content": [
                {"type": "taskItem", "attrs": {"localId": "a", "state": "DONE"},
                 "content": [{"type": "text", "text": "write"}]},
                {"type": "taskItem", "attrs": {"localId": "b", "state": "TODO"},
                 "content": [{"type": "text", "text": "ship"}]}]},
            {"type": "table", "content": [
                {"type": "tableRow", "content": [
                    {"type": "tableHeader", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "Key"}]}]},
                    {"type": "tableHeader", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "Value"}]}]}]},
                {"type": "tableRow", "content": [
                    {"type": "tableCell", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "a|b"}]}]},
                    {"type": "tableCell", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "1"}]}]}]}]},
            {"type": "panel", "attrs": {"panelType": "warning"}, "content": [
                {"type": "paragraph", "content": [{"type": "text", "text": "Careful"}]}]},
            {"type": "someFutureNode"}
        ]});
        assert_eq!(
            adf_to_text(&doc),
            "@Ada see [IN REVIEW] by 2023-11-14\n\n- [x] write\n- [ ] ship\n\n\
             | Key | Value |\n| --- | --- |\n| a\\|b | 1 |\n\n> **warning:**\n> Careful\n\n[someFutureNode]"
        );
    }
}
