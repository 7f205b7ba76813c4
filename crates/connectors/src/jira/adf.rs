//! Plain text and common Markdown to Atlassian Document Format (ADF), which Jira Cloud REST v3
//! requires for rich-text fields such as `description`.
//!
//! Blocks: paragraphs (blank-line separated; single newlines become `hardBreak`), `#` headings,
//! `-`/`*`/`+` bullet lists, `1.` ordered lists, `>` quotes, fenced code blocks and `---` rules.
//! Inline: `**strong**`, `*em*`/`_em_`, `` `code` `` and `[text](https://…)` links. Anything
//! else is kept as literal text, so no input is lost.

use serde_json::{Value, json};

/// Converts `text` to an ADF document (`{"type":"doc","version":1,"content":[…]}`).
///
/// ```
/// use switchboard_connectors::jira::text_to_adf;
/// let doc = text_to_adf("Hello **world**");
/// assert_eq!(doc["content"][0]["content"][1]["marks"][0]["type"], "strong");
/// ```
pub fn text_to_adf(text: &str) -> Value {
    json!({"type": "doc", "version": 1, "content": blocks(text)})
}

enum List {
    Bullet,
    Ordered(u64),
}

fn blocks(text: &str) -> Vec<Value> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut para: Vec<&str> = Vec::new();
    let mut i = 0;
    let flush = |para: &mut Vec<&str>, out: &mut Vec<Value>| {
        if !para.is_empty() {
            out.push(json!({"type": "paragraph", "content": lines_inline(para)}));
            para.clear();
        }
    };
    while i < lines.len() {
        let line = lines[i];
        let trimmed = line.trim_start();
        if trimmed.is_empty() {
            flush(&mut para, &mut out);
            i += 1;
        } else if let Some(lang) = trimmed.strip_prefix("```") {
            flush(&mut para, &mut out);
            let mut code = Vec::new();
            i += 1;
            while i < lines.len() && !lines[i].trim_start().starts_with("```") {
                code.push(lines[i]);
                i += 1;
            }
            i += 1; // the closing fence (or the end)
            let mut block = json!({"type": "codeBlock"});
            if !lang.trim().is_empty() {
                block["attrs"] = json!({"language": lang.trim()});
            }
            let body = code.join("\n");
            if !body.is_empty() {
                block["content"] = json!([{"type": "text", "text": body}]);
            }
            out.push(block);
        } else if let Some((level, rest)) = heading(trimmed) {
            flush(&mut para, &mut out);
            out.push(
                json!({"type": "heading", "attrs": {"level": level}, "content": inline(rest)}),
            );
            i += 1;
        } else if matches!(trimmed.trim_end(), "---" | "***" | "___") {
            flush(&mut para, &mut out);
            out.push(json!({"type": "rule"}));
            i += 1;
        } else if trimmed.starts_with('>') {
            flush(&mut para, &mut out);
            let mut quoted = Vec::new();
            while i < lines.len() && lines[i].trim_start().starts_with('>') {
                let l = lines[i].trim_start().trim_start_matches('>');
                quoted.push(l.strip_prefix(' ').unwrap_or(l));
                i += 1;
            }
            out.push(json!({"type": "blockquote", "content": blocks(&quoted.join("\n"))}));
        } else if let Some((kind, _)) = list_item(trimmed) {
            flush(&mut para, &mut out);
            let mut items = Vec::new();
            while i < lines.len() {
                let Some((k, rest)) = list_item(lines[i].trim_start()) else {
                    break;
                };
                if std::mem::discriminant(&k) != std::mem::discriminant(&kind) {
                    break;
                }
                items.push(json!({"type": "listItem", "content": [
                    {"type": "paragraph", "content": inline(rest)}
                ]}));
                i += 1;
            }
            out.push(match kind {
                List::Bullet => json!({"type": "bulletList", "content": items}),
                List::Ordered(start) => {
                    json!({"type": "orderedList", "attrs": {"order": start}, "content": items})
                }
            });
        } else {
            para.push(line);
            i += 1;
        }
    }
    flush(&mut para, &mut out);
    out
}

fn heading(line: &str) -> Option<(usize, &str)> {
    let level = line.bytes().take_while(|b| *b == b'#').count();
    let rest = line[level..].strip_prefix(' ')?;
    (1..=6).contains(&level).then_some((level, rest.trim()))
}

fn list_item(line: &str) -> Option<(List, &str)> {
    for bullet in ["- ", "* ", "+ "] {
        if let Some(rest) = line.strip_prefix(bullet) {
            return Some((List::Bullet, rest));
        }
    }
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 && digits < 10 {
        let rest = line[digits..].strip_prefix(". ")?;
        let n = line[..digits].parse().ok()?;
        return Some((List::Ordered(n), rest));
    }
    None
}

fn lines_inline(lines: &[&str]) -> Vec<Value> {
    let mut out = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        if n > 0 {
            out.push(json!({"type": "hardBreak"}));
        }
        out.extend(inline(line.trim_end()));
    }
    out
}

fn text(s: &str, mark: Option<Value>) -> Option<Value> {
    if s.is_empty() {
        return None;
    }
    let mut node = json!({"type": "text", "text": s});
    if let Some(m) = mark {
        node["marks"] = json!([m]);
    }
    Some(node)
}

fn inline(s: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut plain = String::new();
    let mut rest = s;
    let flush = |plain: &mut String, out: &mut Vec<Value>| {
        out.extend(text(plain, None));
        plain.clear();
    };
    while let Some(c) = rest.chars().next() {
        let prev_alnum = plain.chars().last().is_some_and(char::is_alphanumeric);
        let found: Option<(Value, usize)> = match c {
            '`' => rest[1..].find('`').filter(|e| *e > 0).map(|e| {
                (
                    json!({"type": "text", "text": &rest[1..=e], "marks": [{"type": "code"}]}),
                    e + 2,
                )
            }),
            '*' if rest.starts_with("**") => rest[2..]
                .find("**")
                .filter(|e| *e > 0)
                .map(|e| (mark_node(&rest[2..2 + e], "strong"), e + 4)),
            '*' | '_' if !prev_alnum => emphasis(rest, c),
            '[' => link(rest),
            _ => None,
        };
        match found {
            Some((node, len)) => {
                flush(&mut plain, &mut out);
                out.push(node);
                rest = &rest[len..];
            }
            None => {
                plain.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    flush(&mut plain, &mut out);
    out
}

fn mark_node(s: &str, mark: &str) -> Value {
    json!({"type": "text", "text": s, "marks": [{"type": mark}]})
}

fn emphasis(rest: &str, delim: char) -> Option<(Value, usize)> {
    let body = &rest[1..];
    if body.starts_with(char::is_whitespace) {
        return None;
    }
    let end = body.find(delim).filter(|e| *e > 0)?;
    let after = body[end + 1..].chars().next();
    if after.is_some_and(char::is_alphanumeric) || body[..end].ends_with(char::is_whitespace) {
        return None;
    }
    Some((mark_node(&body[..end], "em"), end + 2))
}

fn link(rest: &str) -> Option<(Value, usize)> {
    let close = rest.find("](")?;
    let label = &rest[1..close];
    let end = rest[close + 2..].find(')')?;
    let href = &rest[close + 2..close + 2 + end];
    let ok =
        href.starts_with("https://") || href.starts_with("http://") || href.starts_with("mailto:");
    if label.is_empty() || !ok || href.contains(char::is_whitespace) {
        return None;
    }
    Some((
        json!({"type": "text", "text": label, "marks": [{"type": "link", "attrs": {"href": href}}]}),
        close + 3 + end,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_and_lone_stars_stay_text() {
        let doc = text_to_adf("call my_func_name with 2 * 3 and a*b");
        assert_eq!(
            doc["content"][0]["content"],
            json!([{"type": "text", "text": "call my_func_name with 2 * 3 and a*b"}])
        );
    }

    #[test]
    fn unsafe_links_stay_text() {
        let doc = text_to_adf("[x](javascript:alert(1))");
        assert_eq!(doc["content"][0]["content"][0]["type"], "text");
        assert!(doc["content"][0]["content"][0].get("marks").is_none());
    }

    #[test]
    fn empty_input_is_an_empty_doc() {
        assert_eq!(
            text_to_adf(""),
            json!({"type": "doc", "version": 1, "content": []})
        );
    }
}
