//! `${ENV_VAR}` substitution in config text, escaped for TOML basic strings, line numbers kept.

use super::ConfigError;

/// Replaces every `${NAME}` with the value of environment variable `NAME`, escaped so that it
/// stays one TOML basic-string fragment (quotes, backslashes and control characters escaped; a
/// newline in a value becomes `\n`, so line numbers of the file are unchanged). `$${` is a
/// literal `${`.
///
/// # Errors
/// An unset variable, an unterminated `${` or an invalid name, with its line.
pub(crate) fn substitute(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<String, ConfigError> {
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let (code, comment) = split_comment(line);
        substitute_line(code, i + 1, lookup, &mut out)?;
        out.push_str(comment);
    }
    Ok(out)
}

/// Splits a line at a `#` that is outside any string (comments are left untouched).
/// Multi-line strings are not tracked: a `#` inside one is treated as text only when the
/// line also opens a string before it, which is the common case.
fn split_comment(line: &str) -> (&str, &str) {
    let mut in_basic = false;
    let mut in_literal = false;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_basic => escaped = true,
            '"' if !in_literal => in_basic = !in_basic,
            '\'' if !in_basic => in_literal = !in_literal,
            '#' if !in_basic && !in_literal => return line.split_at(i),
            _ => {}
        }
    }
    (line, "")
}

fn substitute_line(
    line: &str,
    number: usize,
    lookup: &dyn Fn(&str) -> Option<String>,
    out: &mut String,
) -> Result<(), ConfigError> {
    let err = |message: String| ConfigError::Env {
        line: number,
        message,
    };
    let mut rest = line;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos..];
        if let Some(tail) = after.strip_prefix("$${") {
            out.push_str("${");
            rest = tail;
        } else if let Some(tail) = after.strip_prefix("${") {
            let Some(end) = tail.find('}') else {
                return Err(err("unterminated `${`".into()));
            };
            let name = &tail[..end];
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                return Err(err(format!("invalid variable name {name:?}")));
            }
            let Some(value) = lookup(name) else {
                return Err(err(format!("environment variable {name} is not set")));
            };
            escape_into(&value, out);
            rest = &tail[end + 1..];
        } else {
            out.push('$');
            rest = &after[1..];
        }
    }
    out.push_str(rest);
    Ok(())
}

fn escape_into(value: &str, out: &mut String) {
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "TOKEN" => Some("a\"b\\c\nd".into()),
            "PLAIN" => Some("xyz".into()),
            _ => None,
        }
    }

    #[test]
    fn substitutes_and_escapes() {
        let out = substitute("k = \"${PLAIN}-${TOKEN}\"\nx = \"$${HOME}\"", &env).unwrap();
        assert_eq!(out, "k = \"xyz-a\\\"b\\\\c\\nd\"\nx = \"${HOME}\"");
        let parsed: toml::Table = toml::from_str(&out).unwrap();
        assert_eq!(parsed["k"].as_str(), Some("xyz-a\"b\\c\nd"));
    }

    #[test]
    fn unset_variable_names_line() {
        let err = substitute("a = 1\nb = \"${NOPE}\"", &env).unwrap_err();
        assert_eq!(
            err.to_string(),
            "config line 2: environment variable NOPE is not set"
        );
    }

    #[test]
    fn comments_are_left_alone() {
        let out = substitute(
            "# uses ${NOPE}\nk = \"${PLAIN}\" # or ${NOPE}\nh = \"a#${PLAIN}\"\n",
            &env,
        )
        .unwrap();
        assert_eq!(
            out,
            "# uses ${NOPE}\nk = \"xyz\" # or ${NOPE}\nh = \"a#xyz\"\n"
        );
    }

    #[test]
    fn unterminated_and_invalid() {
        assert!(substitute("a = \"${OPEN\"", &env).is_err());
        assert!(substitute("a = \"${A-B}\"", &env).is_err());
        assert_eq!(substitute("cost = \"$5\"", &env).unwrap(), "cost = \"$5\"");
    }
}
