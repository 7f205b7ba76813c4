//! A fetched body as text a model can read, by content type.
//!
//! HTML goes through `html2text` (html5ever's parser, the browser's error recovery) into
//! Markdown-like text (`# Heading`, `**bold**`, `* item`): scripts,
//! styles and `<noscript>` never reach the text, the page's navigation, header-less chrome
//! (`<nav>`, `<aside>`, `<footer>`) and forms are dropped as boilerplate, and links become
//! numbered footnotes with absolute URLs, so the model can pass one to `fetch_url` again. JSON is
//! pretty-printed; other text is passed as it is. Anything else is refused by its type.

use std::rc::Rc;

use html2text::{Element, Handle};
use url::Url;

/// Output columns: wide enough that prose is rarely wrapped, narrow enough for tables.
const WIDTH: usize = 120;

/// How far into an HTML document `<title>` is looked for.
const TITLE_WINDOW: usize = 64 * 1024;

/// Elements whose content is page chrome rather than the page's content.
const BOILERPLATE: [&str; 4] = ["nav", "aside", "footer", "form"];

/// How a body is turned into text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Html,
    Json,
    Text,
}

/// The kind for a `Content-Type`, or the media type when it is none this tool reads. No header
/// reads as text: the body is still checked to be text when it is decoded.
pub(super) fn kind_of(content_type: Option<&str>) -> Result<Kind, String> {
    let Some(content_type) = content_type else {
        return Ok(Kind::Text);
    };
    let media = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match media.as_str() {
        "text/html" | "application/xhtml+xml" => Ok(Kind::Html),
        "application/json" | "text/json" => Ok(Kind::Json),
        m if m.ends_with("+json") => Ok(Kind::Json),
        "application/xml"
        | "application/javascript"
        | "application/x-yaml"
        | "application/yaml"
        | "application/toml" => Ok(Kind::Text),
        m if m.starts_with("text/") || m.ends_with("+xml") => Ok(Kind::Text),
        _ => Err(media),
    }
}

/// A page's title and readable text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Page {
    pub(super) title: Option<String>,
    pub(super) text: String,
}

/// Renders an HTML document; relative links resolve against `base` (the final URL).
pub(super) fn html(body: &[u8], base: &Url) -> Result<Page, String> {
    let config = html2text::config::plain().link_footnotes(true);
    let dom = config
        .parse_html(body)
        .map_err(|e| format!("the HTML could not be parsed: {e}"))?;
    prune(&dom.document, base);
    let tree = config
        .dom_to_render_tree(&dom)
        .map_err(|e| format!("the HTML could not be rendered: {e}"))?;
    let text = config
        .render_to_string(tree, WIDTH)
        .map_err(|e| format!("the HTML could not be rendered: {e}"))?;
    Ok(Page {
        title: title(body),
        text: tidy(&text),
    })
}

/// Pretty JSON when the body parses (it may not when it was cut at the size limit), else the
/// text as it is.
pub(super) fn json(body: &[u8]) -> String {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(value) => serde_json::to_string_pretty(&value).unwrap_or_else(|_| text(body)),
        Err(_) => text(body),
    }
}

/// The body as UTF-8 text, invalid sequences replaced.
pub(super) fn text(body: &[u8]) -> String {
    String::from_utf8_lossy(body).into_owned()
}

/// Whether a body said to be text is binary after all (a NUL byte in its first 8 KiB, the test
/// `file` and git use).
pub(super) fn looks_binary(body: &[u8]) -> bool {
    body.iter().take(8192).any(|&b| b == 0)
}

/// Drops boilerplate elements and makes every link absolute, in place.
fn prune(node: &Handle, base: &Url) {
    node.children
        .borrow_mut()
        .retain(|child| !is_boilerplate(child));
    if let Element { name, attrs, .. } = &node.data
        && &*name.local == "a"
    {
        for attr in attrs.borrow_mut().iter_mut() {
            if &*attr.name.local == "href"
                && let Ok(absolute) = base.join(&attr.value)
            {
                attr.value = String::from(absolute).into();
            }
        }
    }
    let children: Vec<Handle> = node.children.borrow().iter().map(Rc::clone).collect();
    for child in &children {
        prune(child, base);
    }
}

fn is_boilerplate(node: &Handle) -> bool {
    matches!(&node.data, Element { name, .. } if BOILERPLATE.contains(&&*name.local))
}

/// The document's `<title>`: its content is raw text up to the first `</title` (the HTML
/// tokenizer's rule), with character references decoded and whitespace collapsed.
fn title(body: &[u8]) -> Option<String> {
    let head = String::from_utf8_lossy(&body[..body.len().min(TITLE_WINDOW)]);
    let lower = head.to_ascii_lowercase();
    let open = lower.find("<title")?;
    let start = open + lower[open..].find('>')? + 1;
    let end = start + lower[start..].find("</title")?;
    // `<` is literal inside a title; escape it so only character references are decoded.
    let escaped = head[start..end].replace('<', "&lt;");
    let decoded = html2text::config::plain()
        .string_from_read(format!("<p>{escaped}</p>").as_bytes(), usize::MAX / 4)
        .ok()?;
    let title = decoded.split_whitespace().collect::<Vec<_>>().join(" ");
    (!title.is_empty()).then_some(title)
}

/// Trailing spaces off every line and runs of blank lines collapsed to one.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines().map(str::trim_end) {
        if line.is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://example.com/docs/page.html").unwrap()
    }

    #[test]
    fn html_drops_scripts_styles_and_chrome_and_keeps_the_content() {
        let page = html(
            br#"<html><head><title>Guide &amp; notes</title><style>p{color:red}</style>
            <script>alert("x")</script></head><body><nav>Home | About</nav>
            <main><h1>Install</h1><p>Run the <b>installer</b>.</p></main>
            <footer>Copyright</footer></body></html>"#,
            &base(),
        )
        .unwrap();
        assert_eq!(page.title.as_deref(), Some("Guide & notes"));
        assert!(page.text.contains("Install"), "{}", page.text);
        assert!(
            page.text.contains("Run the **installer**."),
            "{}",
            page.text
        );
        for gone in ["alert", "color:red", "Home | About", "Copyright"] {
            assert!(!page.text.contains(gone), "{gone} in {}", page.text);
        }
    }

    #[test]
    fn links_are_footnotes_with_absolute_urls() {
        let page = html(
            br#"<p>See <a href="../api/">the API</a> and <a href="https://other.test/x">this</a>.</p>"#,
            &base(),
        )
        .unwrap();
        assert!(
            page.text.contains("https://example.com/api/"),
            "{}",
            page.text
        );
        assert!(page.text.contains("https://other.test/x"), "{}", page.text);
    }

    #[test]
    fn a_title_with_a_literal_angle_bracket_is_kept() {
        assert_eq!(
            title(b"<TITLE>a < b &lt; c</TITLE>").as_deref(),
            Some("a < b < c")
        );
    }

    #[test]
    fn json_is_pretty_printed_and_cut_json_is_kept_as_text() {
        assert_eq!(json(br#"{"a":1}"#), "{\n  \"a\": 1\n}");
        assert_eq!(json(br#"{"a":"#), "{\"a\":");
    }

    #[test]
    fn content_types_map_to_kinds_and_others_are_named() {
        assert_eq!(kind_of(Some("text/html; charset=utf-8")), Ok(Kind::Html));
        assert_eq!(kind_of(Some("application/problem+json")), Ok(Kind::Json));
        assert_eq!(kind_of(Some("text/markdown")), Ok(Kind::Text));
        assert_eq!(kind_of(Some("image/png")), Err("image/png".into()));
    }
}
