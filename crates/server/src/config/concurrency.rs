//! `[tools] max_concurrent`: how many calls of each expensive tool run at once.
//!
//! A call beyond a tool's cap is answered at once with a `busy` error (HTTP 503 with
//! `Retry-After`), so a caller flooding the gateway cannot make it hold a growing queue.

use std::collections::BTreeMap;
use std::ops::Range;

use toml::Spanned;

use super::KNOWN_TOOLS;

/// The caps that apply when the config sets none for a tool: a code run is a sandboxed
/// process with its own memory allowance, a query holds a database connection, and file reads
/// and listings are bounded scans.
const DEFAULT_MAX_CONCURRENT: &[(&str, usize)] = &[
    ("execute_code", 2),
    ("query_database", 8),
    ("read_file", 16),
    ("list_dir", 16),
];

/// `max_concurrent` as written: tool name → cap, each with its place in the file.
pub(super) type MaxConcurrent = BTreeMap<String, Spanned<usize>>;

/// The caps in force: the defaults, overridden by the config's entries.
///
/// # Errors
/// `(key, span, message)` for a name that is not a built-in tool or a cap of 0.
pub(super) fn max_concurrent(
    config: Option<&Spanned<MaxConcurrent>>,
) -> Result<BTreeMap<String, usize>, (String, Range<usize>, String)> {
    let mut caps: BTreeMap<String, usize> = DEFAULT_MAX_CONCURRENT
        .iter()
        .map(|(name, n)| ((*name).to_owned(), *n))
        .collect();
    let Some(config) = config else {
        return Ok(caps);
    };
    for (name, cap) in config.get_ref() {
        let key = format!("tools.max_concurrent.{name}");
        if !(KNOWN_TOOLS.contains(&name.as_str()) || name == "list_dir") {
            return Err((
                key,
                cap.span(),
                format!(
                    "unknown tool {name:?}; a cap can be set for: {}, list_dir",
                    KNOWN_TOOLS.join(", ")
                ),
            ));
        }
        if *cap.get_ref() == 0 {
            return Err((
                key,
                cap.span(),
                "must be at least 1 (a cap of 0 would refuse every call; remove the tool from `tools.enabled` instead)".into(),
            ));
        }
        caps.insert(name.clone(), *cap.get_ref());
    }
    Ok(caps)
}

#[cfg(test)]
mod tests {
    use super::super::{ConfigError, Settings};

    fn parse(text: &str) -> Result<Settings, ConfigError> {
        Settings::parse(text, &|_| None)
    }

    #[test]
    fn expensive_tools_are_capped_by_default() {
        let caps = parse("").unwrap().tool_concurrency;
        let caps: Vec<(&str, usize)> = caps.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        assert_eq!(
            caps,
            [
                ("execute_code", 2),
                ("list_dir", 16),
                ("query_database", 8),
                ("read_file", 16)
            ]
        );
    }

    #[test]
    fn configured_caps_override_the_defaults_and_add_tools() {
        let s = parse("[tools]\nmax_concurrent = { execute_code = 4, calculate = 32 }\n").unwrap();
        assert_eq!(s.tool_concurrency["execute_code"], 4);
        assert_eq!(s.tool_concurrency["calculate"], 32);
        assert_eq!(s.tool_concurrency["query_database"], 8);
    }

    #[test]
    fn a_cap_of_zero_is_refused_naming_the_key_and_line() {
        let err = parse("[tools]\n\n[tools.max_concurrent]\nread_file = 4\nexecute_code = 0\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(
                "config key `tools.max_concurrent.execute_code` (line 5): must be at least 1"
            ),
            "{err}"
        );
    }

    #[test]
    fn a_cap_for_an_unknown_tool_is_refused() {
        let err = parse("[tools]\nmax_concurrent = { exec_code = 2 }\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(
                "config key `tools.max_concurrent.exec_code` (line 2): unknown tool \"exec_code\""
            ),
            "{err}"
        );
    }
}
