//! `[connectors.web_search]`: the provider that answers `web_search`, configured like every
//! other service, and the deprecated `[tools.web_search]` + `tools.enabled = ["web_search"]`
//! pair, still accepted (moved under `[connectors]` with a deprecation warning).

use std::ops::Range;

use serde::Deserialize;
use switchboard::core::Secret;
use toml::Spanned;

use super::connectors::ConnectorsConfig;
use super::{Problem, problem};

/// Which web search service answers `web_search`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SearchProvider {
    /// A SearXNG instance (`url` required; JSON output enabled in its settings).
    Searxng,
    /// The Brave Search API (`api_key` required).
    Brave,
    /// The Tavily API (`api_key` required).
    Tavily,
    /// Google Programmable Search through the Custom Search JSON API (`api_key` and `cx`
    /// required; Google closed it to new customers and ends it on 2027-01-01).
    Google,
    /// The Kagi Search API (`api_key` required).
    Kagi,
    /// SerpApi's Google results (`api_key` required; `engine` picks another SerpApi engine).
    Serpapi,
    /// Any endpoint speaking Open WebUI's external web search shape (`url` required; `api_key`
    /// sent as a bearer token when set).
    External,
}

impl SearchProvider {
    /// The name used in the config file.
    pub fn name(self) -> &'static str {
        match self {
            Self::Searxng => "searxng",
            Self::Brave => "brave",
            Self::Tavily => "tavily",
            Self::Google => "google",
            Self::Kagi => "kagi",
            Self::Serpapi => "serpapi",
            Self::External => "external",
        }
    }
}

/// `[connectors.web_search]`.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WebSearchConfig {
    /// The provider.
    pub provider: SearchProvider,
    /// The SearXNG instance or the external endpoint (required for those two), or another base
    /// URL for the other providers (a proxy).
    #[serde(default)]
    pub url: Option<String>,
    /// The provider's API key (use `${VAR}`): required for brave, tavily, google, kagi and
    /// serpapi; optional for external (sent as `Authorization: Bearer`).
    #[serde(default)]
    pub api_key: Option<Secret>,
    /// google: the Programmable Search Engine id.
    #[serde(default)]
    pub cx: Option<String>,
    /// serpapi: the SerpApi engine (default `google`).
    #[serde(default)]
    pub engine: Option<String>,
    /// Which of this service's tools to offer, by name (`web_search`). Unset: `web_search`.
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub tools: Option<Vec<Spanned<String>>>,
    /// Offer only tools that only read (`web_search` only reads).
    #[serde(default)]
    pub read_only: bool,
}

impl std::fmt::Debug for WebSearchConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSearchConfig")
            .field("provider", &self.provider)
            .field(
                "url",
                &self.url.as_deref().map(switchboard::core::redact_url),
            )
            .field("api_key", &self.api_key)
            .field("cx", &self.cx)
            .field("engine", &self.engine)
            .field("tools", &self.tools)
            .field("read_only", &self.read_only)
            .finish()
    }
}

/// Checks a web search section whose keys start with `prefix` (`connectors.web_search`, or
/// `tools.web_search` for the deprecated place): what each provider needs, and only that.
pub(super) fn validate(section: &Spanned<WebSearchConfig>, prefix: &str) -> Result<(), Problem> {
    let span = section.span();
    let ws = section.get_ref();
    let provider = ws.provider.name();
    let missing = |key: &str, what: &str| {
        problem(
            &format!("{prefix}.{key}"),
            span.clone(),
            format!("the {provider} provider needs {what}"),
        )
    };
    let needs_url = matches!(
        ws.provider,
        SearchProvider::Searxng | SearchProvider::External
    );
    if needs_url && ws.url.as_deref().is_none_or(|u| u.trim().is_empty()) {
        return Err(missing(
            "url",
            if ws.provider == SearchProvider::Searxng {
                "the instance `url`"
            } else {
                "the endpoint `url`"
            },
        ));
    }
    let needs_key = !matches!(
        ws.provider,
        SearchProvider::Searxng | SearchProvider::External
    );
    if needs_key
        && ws
            .api_key
            .as_ref()
            .is_none_or(|k| k.expose().trim().is_empty())
    {
        return Err(missing("api_key", "an `api_key`"));
    }
    if ws.provider == SearchProvider::Searxng && ws.api_key.is_some() {
        return Err(problem(
            &format!("{prefix}.api_key"),
            span,
            "the searxng provider takes no `api_key` (an instance behind a proxy is reached through `url`)".into(),
        ));
    }
    match (&ws.cx, ws.provider) {
        (None, SearchProvider::Google) => return Err(missing("cx", "the search engine id `cx`")),
        (Some(cx), SearchProvider::Google) if cx.trim().is_empty() => {
            return Err(missing("cx", "the search engine id `cx`"));
        }
        (Some(_), p) if p != SearchProvider::Google => {
            return Err(problem(
                &format!("{prefix}.cx"),
                span,
                "only the google provider takes `cx`".into(),
            ));
        }
        _ => {}
    }
    if ws.engine.is_some() && ws.provider != SearchProvider::Serpapi {
        return Err(problem(
            &format!("{prefix}.engine"),
            span,
            "only the serpapi provider takes `engine`".into(),
        ));
    }
    if let Some(url) = &ws.url
        && !(url.starts_with("https://") || url.starts_with("http://"))
    {
        return Err(problem(
            &format!("{prefix}.url"),
            span,
            format!(
                "{:?} must be an http:// or https:// URL",
                switchboard::core::redact_url(url)
            ),
        ));
    }
    Ok(())
}

/// The deprecated way to configure web search, as found under `[tools]`.
#[derive(Debug, Default)]
pub(super) struct LegacyWebSearch {
    /// The `tools.enabled` span when it lists `web_search`.
    pub(super) enabled: Option<Range<usize>>,
    /// `[tools.web_search]`.
    pub(super) section: Option<Spanned<WebSearchConfig>>,
}

/// What the deprecation warning says.
pub(super) const DEPRECATED: &str = "`[tools.web_search]` with `web_search` in `tools.enabled` is deprecated: \
     move the section to `[connectors.web_search]` (same keys) and remove `web_search` from \
     `tools.enabled`";

/// Moves a deprecated `[tools.web_search]` (with `web_search` in `tools.enabled`) under
/// `[connectors.web_search]`, returning the deprecation warning to log; refuses half of the
/// old pair, and the old and new places at once.
pub(super) fn migrate(
    connectors: &mut ConnectorsConfig,
    legacy: LegacyWebSearch,
) -> Result<Option<&'static str>, Problem> {
    match (legacy.enabled, legacy.section) {
        (None, None) => Ok(None),
        (enabled, section) if connectors.web_search.is_some() => {
            // The section's line if there is one, else the `tools.enabled` line.
            let (key, span) = match section {
                Some(s) => ("tools.web_search", s.span()),
                None => ("tools.enabled", enabled.unwrap_or_default()),
            };
            Err(problem(
                key,
                span,
                "web search is configured under `[connectors.web_search]`; remove the deprecated `[tools.web_search]` section and `web_search` from `tools.enabled`".into(),
            ))
        }
        (Some(enabled), None) => Err(problem(
            "tools.web_search",
            enabled,
            "`web_search` is enabled but has no provider; configure it under `[connectors.web_search]` with `provider = \"searxng\"` and `url` (and remove `web_search` from `tools.enabled`)".into(),
        )),
        (None, Some(section)) => Err(problem(
            "tools.web_search",
            section.span(),
            "a provider is configured but `web_search` is not in `tools.enabled`; configure it under `[connectors.web_search]` instead".into(),
        )),
        (Some(_), Some(section)) => {
            validate(&section, "tools.web_search")?;
            let ws = section.get_ref();
            if ws.tools.is_some() || ws.read_only {
                return Err(problem(
                    "tools.web_search",
                    section.span(),
                    "`tools` and `read_only` are only read under `[connectors.web_search]`".into(),
                ));
            }
            connectors.web_search = Some(section);
            Ok(Some(DEPRECATED))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{ConfigError, Settings};

    fn parse(text: &str) -> Result<Settings, ConfigError> {
        Settings::parse(text, &|_| None)
    }

    fn invalid(text: &str) -> (String, usize, String) {
        match parse(text).unwrap_err() {
            ConfigError::Invalid { key, line, message } => (key, line, message),
            other => panic!("{other}"),
        }
    }

    #[test]
    fn connectors_web_search_is_read_without_deprecation() {
        let s = parse(
            "[connectors.web_search]\nprovider = \"google\"\napi_key = \"AIza-k\"\ncx = \"0123:abc\"\n",
        )
        .unwrap();
        let ws = s.connectors.web_search.as_ref().unwrap().get_ref();
        assert_eq!(ws.provider, super::SearchProvider::Google);
        assert!(s.deprecations.is_empty());
        assert!(!format!("{:?}", s.connectors).contains("AIza-k"));
    }

    #[test]
    fn tools_web_search_still_works_with_a_deprecation_naming_the_new_key() {
        let s = parse(
            "[tools]\nenabled = [\"calculate\", \"web_search\"]\n\n[tools.web_search]\nprovider = \"searxng\"\nurl = \"http://127.0.0.1:8888\"\n",
        )
        .unwrap();
        let ws = s.connectors.web_search.as_ref().unwrap().get_ref();
        assert_eq!(ws.provider, super::SearchProvider::Searxng);
        assert_eq!(s.tools, ["calculate"], "registered from [connectors]");
        assert_eq!(s.deprecations.len(), 1);
        assert!(
            s.deprecations[0].contains("[connectors.web_search]"),
            "{:?}",
            s.deprecations
        );
    }

    #[test]
    fn both_places_at_once_is_an_error_naming_the_old_section_line() {
        let (key, line, message) = invalid(
            "[tools]\nenabled = [\"web_search\"]\n\n[tools.web_search]\nprovider = \"brave\"\napi_key = \"k\"\n\n[connectors.web_search]\nprovider = \"brave\"\napi_key = \"k\"\n",
        );
        assert_eq!(key, "tools.web_search");
        assert_eq!(line, 4, "the `[tools.web_search]` header");
        assert!(message.contains("[connectors.web_search]"), "{message}");
    }

    #[test]
    fn web_search_in_tools_enabled_beside_the_connectors_section_names_that_line() {
        let (key, line, message) = invalid(
            "[tools]\nenabled = [\"calculate\", \"web_search\"]\n\n[connectors.web_search]\nprovider = \"kagi\"\napi_key = \"k\"\n",
        );
        assert_eq!((key.as_str(), line), ("tools.enabled", 2));
        assert!(message.contains("remove"), "{message}");
    }

    #[test]
    fn google_needs_cx() {
        let (key, line, _) =
            invalid("\n[connectors.web_search]\nprovider = \"google\"\napi_key = \"k\"\n");
        assert_eq!((key.as_str(), line), ("connectors.web_search.cx", 2));
    }

    #[test]
    fn cx_on_another_provider_is_refused() {
        let (key, _, message) = invalid(
            "[connectors.web_search]\nprovider = \"serpapi\"\napi_key = \"k\"\ncx = \"x\"\n",
        );
        assert_eq!(key, "connectors.web_search.cx");
        assert!(message.contains("only the google provider"), "{message}");
    }

    #[test]
    fn external_needs_its_url_but_no_key() {
        let (key, _, _) = invalid("[connectors.web_search]\nprovider = \"external\"\n");
        assert_eq!(key, "connectors.web_search.url");
        parse("[connectors.web_search]\nprovider = \"external\"\nurl = \"https://s.example/search\"\n")
            .unwrap();
    }

    #[test]
    fn an_unknown_tool_in_the_selection_names_its_line() {
        let (key, line, message) = invalid(
            "[connectors.web_search]\nprovider = \"brave\"\napi_key = \"k\"\ntools = [\"web_search\",\n  \"web_fetch\"]\n",
        );
        assert_eq!(key, "connectors.web_search.tools");
        assert_eq!(line, 5);
        assert!(message.contains("web_fetch"), "{message}");
    }
}
