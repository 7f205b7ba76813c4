//! Generated documentation, checked by `cargo test` (like rust-analyzer's sourcegen).
//!
//! Each test renders a file from the code that owns the data and compares it with the copy
//! checked in under `docs/`. A stale file fails the test, naming the file and showing a short
//! diff. With `UPDATE_CODEGEN=1` in the environment the file is rewritten instead:
//! `cargo xtask codegen` runs these tests that way, `cargo xtask codegen --check` without it.
//!
//! - `docs/tools.md`: every built-in and connector tool, with its title, effect, description and
//!   input schema;
//! - `docs/connectors.md`: each connector's tools, read or write, in the table under its
//!   section (only the text between the markers is generated);
//! - `docs/openapi.json`: the gateway's OpenAPI document for [`OPENAPI_CONFIG`];
//! - `docs/admin-openapi.json`: the admin API's OpenAPI document (`GET /admin/openapi.json`);
//! - `docs/config-reference.md`: every key of the gateway's TOML config, from its types.

#![allow(
    clippy::unwrap_used,
    clippy::print_stderr,
    reason = "test code: a failure is the test failing; a rewrite is reported on stderr"
)]

#[path = "codegen/config_reference.rs"]
mod config_reference;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;
use switchboard::connectors::fetch_url::{FetchUrl, register_fetch_url};
use switchboard::connectors::github::GitHub;
use switchboard::connectors::google_calendar::GoogleCalendar;
use switchboard::connectors::ifttt::Ifttt;
use switchboard::connectors::jira::Jira;
use switchboard::connectors::notion::Notion;
use switchboard::connectors::openweathermap::OpenWeatherMap;
use switchboard::connectors::search::{self, SearxNg};
use switchboard::connectors::slack::Slack;
use switchboard::connectors::zapier::CatchHook;
use switchboard::connectors::{
    ToolOptions, WebhookUrl, github, google_calendar, ifttt, jira, notion,
};
use switchboard::connectors::{openweathermap, slack, zapier};
use switchboard::core::Auth;
use switchboard::functions::builtin::calculate::Calculate;
use switchboard::functions::builtin::execute_code::{ExecuteCode, Sandbox, SandboxConfig};
use switchboard::functions::builtin::query_database::{DatabaseConfig, Databases, QueryDatabase};
use switchboard::functions::builtin::read_file::{FileRoots, ListDir, ReadFile, ReadLimits};
use switchboard::functions::{ToolAnnotations, ToolRegistry};
use switchboard_server::config::Settings;

/// The environment variable that turns checking into rewriting.
const UPDATE_VAR: &str = "UPDATE_CODEGEN";

/// The gateway config `docs/openapi.json` is generated for: every tool that needs no outside
/// service and does not depend on the host (`execute_code` needs the host's sandbox layers).
/// `${DOCS}` is the `docs/` folder (read_file roots must exist); the SQLite file is never opened.
const OPENAPI_CONFIG: &str = r#"[tools]
enabled = ["calculate", "read_file", "query_database"]

[tools.read_file]
roots = { docs = "${DOCS}" }

[[tools.query_database.databases]]
name = "example"
url = "sqlite:/srv/data/example.db"
description = "an example SQLite database"
"#;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Compares `path` (relative to the workspace root) with `contents`; rewrites it when
/// `UPDATE_CODEGEN` is set, fails with a short diff otherwise.
fn ensure_file(path: &str, contents: &str) {
    let file = root().join(path);
    let old = std::fs::read_to_string(&file).unwrap_or_default();
    if old == contents {
        return;
    }
    if std::env::var_os(UPDATE_VAR).is_some_and(|v| !v.is_empty() && v != "0") {
        std::fs::write(&file, contents).unwrap();
        eprintln!("codegen: updated {path}");
        return;
    }
    panic!(
        "{path} is stale: run `cargo xtask codegen` and commit the result.\n{}",
        short_diff(&old, contents)
    );
}

/// A short diff of `old` and `new`: the changed lines side by side when the line counts match,
/// otherwise the changed region; at most 10 lines from each side.
fn short_diff(old: &str, new: &str) -> String {
    let (old, new): (Vec<&str>, Vec<&str>) = (old.lines().collect(), new.lines().collect());
    let mut out = format!(
        "checked-in: {} lines, generated: {} lines\n",
        old.len(),
        new.len()
    );
    if old.len() == new.len() {
        let changed: Vec<usize> = (0..old.len()).filter(|&i| old[i] != new[i]).collect();
        for &i in changed.iter().take(10) {
            let _ = write!(out, "@@ line {} @@\n- {}\n+ {}\n", i + 1, old[i], new[i]);
        }
        if changed.len() > 10 {
            let _ = writeln!(out, "… and {} more changed lines", changed.len() - 10);
        }
        return out;
    }
    let first = old
        .iter()
        .zip(&new)
        .position(|(a, b)| a != b)
        .unwrap_or(old.len().min(new.len()));
    // Skip the common tail so the hunk covers only the changed region.
    let mut tail = 0;
    while tail < old.len() - first
        && tail < new.len() - first
        && old[old.len() - 1 - tail] == new[new.len() - 1 - tail]
    {
        tail += 1;
    }
    let _ = writeln!(out, "@@ line {} @@", first + 1);
    for (sign, lines) in [
        ("-", &old[first..old.len() - tail]),
        ("+", &new[first..new.len() - tail]),
    ] {
        for line in lines.iter().take(10) {
            let _ = writeln!(out, "{sign} {line}");
        }
        if lines.len() > 10 {
            let _ = writeln!(out, "{sign} … ({} more lines)", lines.len() - 10);
        }
    }
    out
}

/// One group of tools in `docs/tools.md`: the crate and feature that provide them.
struct Group {
    krate: &'static str,
    feature: &'static str,
    /// How the tool is set up, in one sentence.
    setup: &'static str,
    names: Vec<String>,
}

/// Registers every tool Switchboard ships into one registry and records which group each
/// belongs to. Connector clients get dummy credentials; nothing is called.
async fn all_tools() -> (ToolRegistry, Vec<Group>) {
    let registry = ToolRegistry::new();
    let mut groups = Vec::new();
    let mut group = |krate, feature, setup, register: &dyn Fn(&ToolRegistry)| {
        let before = registry.names();
        register(&registry);
        let names = registry
            .names()
            .into_iter()
            .filter(|n| !before.contains(n))
            .collect();
        groups.push(Group {
            krate,
            feature,
            setup,
            names,
        });
    };
    let functions = "switchboard-functions";
    let connectors = "switchboard-connectors";
    group(
        functions,
        "calculate",
        "`Calculate::default()`; no settings.",
        &|r| r.register(Calculate::default()).unwrap(),
    );
    let docs = root().join("docs");
    group(
        functions,
        "read_file",
        "`ReadFile::new(roots, limits)` and `ListDir::new(roots, limits)` over named root directories.",
        &|r| {
            let roots = FileRoots::new().with_root("docs", &docs).unwrap();
            r.register(ReadFile::new(roots.clone(), ReadLimits::default()))
                .unwrap();
            r.register(ListDir::new(roots, ReadLimits::default()))
                .unwrap();
        },
    );
    group(
        functions,
        "query_database",
        "`QueryDatabase::new(databases)`; the description lists the configured databases (here one named `example`).",
        &|r| {
            let db = DatabaseConfig::sqlite("example", "/srv/data/example.db")
                .unwrap()
                .with_description("an example SQLite database");
            r.register(QueryDatabase::new(Databases::new([db]).unwrap()))
                .unwrap();
        },
    );
    // Detection with no required layer succeeds on any Linux host; the definition does not
    // depend on what it finds.
    let config = SandboxConfig {
        enabled: true,
        required_layers: Default::default(),
        ..SandboxConfig::default()
    };
    let sandbox = Sandbox::detect(config).await.unwrap();
    group(
        functions,
        "execute_code",
        "`ExecuteCode::new(Sandbox::detect(config).await?)`; Linux only.",
        &|r| r.register(ExecuteCode::new(sandbox.clone())).unwrap(),
    );
    group(
        connectors,
        "github",
        "`github::register_tools(&registry, &client, &ToolOptions::default())`; `attribute_caller` credits the user the call is made for.",
        &|r| {
            let client = GitHub::builder("switchboard-docs")
                .token("dummy")
                .build()
                .unwrap();
            github::register_tools(r, &client, &ToolOptions::default()).unwrap();
        },
    );
    group(
        connectors,
        "slack",
        "`slack::register_tools(&registry, &client, &ToolOptions::default())`; `attribute_caller` credits the user the call is made for.",
        &|r| {
            let client = Slack::builder("xoxb-dummy").build().unwrap();
            slack::register_tools(r, &client, &ToolOptions::default()).unwrap();
        },
    );
    group(
        connectors,
        "notion",
        "`notion::register_tools(&registry, &client, &ToolOptions::default())`; `attribute_caller` credits the user the call is made for.",
        &|r| {
            let client = Notion::builder("dummy").build().unwrap();
            notion::register_tools(r, &client, &ToolOptions::default()).unwrap();
        },
    );
    group(
        connectors,
        "jira",
        "`jira::register_tools(&registry, &client, &ToolOptions::default())`; `attribute_caller` credits the user the call is made for.",
        &|r| {
            let client = Jira::builder("https://example.atlassian.net", "me@example.com", "dummy")
                .build()
                .unwrap();
            jira::register_tools(r, &client, &ToolOptions::default()).unwrap();
        },
    );
    group(
        connectors,
        "google_calendar",
        "`google_calendar::register_tools(&registry, &client, &ToolOptions::default())`.",
        &|r| {
            let client = GoogleCalendar::builder()
                .auth(Auth::bearer("dummy"))
                .build()
                .unwrap();
            google_calendar::register_tools(r, &client, &ToolOptions::default()).unwrap();
        },
    );
    group(
        connectors,
        "openweathermap",
        "`openweathermap::register_tools(&registry, &client, &ToolOptions::default())`.",
        &|r| {
            let client = OpenWeatherMap::builder("dummy").build().unwrap();
            openweathermap::register_tools(r, &client, &ToolOptions::default()).unwrap();
        },
    );
    group(
        connectors,
        "zapier",
        "`zapier::register_tools(&registry, &hook, &ToolOptions::default())` with one Catch Hook URL.",
        &|r| {
            let url = WebhookUrl::parse("https://hooks.zapier.com/hooks/catch/1/dummy/").unwrap();
            let hook = CatchHook::builder(url).build().unwrap();
            zapier::register_tools(r, &hook, &ToolOptions::default()).unwrap();
        },
    );
    group(
        connectors,
        "ifttt",
        "`ifttt::register_tools(&registry, &client, &ToolOptions::default())`; the description lists the events the client allows (`Ifttt::builder(key).allowed_events([…])`, here `example_event`).",
        &|r| {
            let client = Ifttt::builder("dummy")
                .allowed_events(["example_event"])
                .build()
                .unwrap();
            ifttt::register_tools(r, &client, &ToolOptions::default()).unwrap();
        },
    );
    group(
        connectors,
        "web_search",
        "`search::register_tools(&registry, &provider, &ToolOptions::default())` with SearXNG, Brave, Tavily, Google, Kagi, SerpApi or an external endpoint; in the gateway, `[connectors.web_search]`.",
        &|r| {
            let provider: std::sync::Arc<dyn search::WebSearch> = std::sync::Arc::new(
                SearxNg::builder("https://searx.example.org")
                    .build()
                    .unwrap(),
            );
            search::register_tools(r, &provider, &ToolOptions::default()).unwrap();
        },
    );
    group(
        connectors,
        "fetch_url",
        "`fetch_url::register_fetch_url(&registry, FetchUrl::builder().build()?)`; in the gateway, `[tools] enabled = [\"fetch_url\"]` with `[tools.fetch_url]`.",
        &|r| {
            register_fetch_url(r, FetchUrl::builder().build().unwrap()).unwrap();
        },
    );
    (registry, groups)
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap()
}

/// The text up to the first ". " that starts a new sentence (not "e.g. x").
fn first_sentence(text: &str) -> &str {
    let mut from = 0;
    while let Some(i) = text[from..].find(". ") {
        let end = from + i;
        let abbreviation = text[..end].ends_with("e.g") || text[..end].ends_with("i.e");
        if !abbreviation && text[end + 2..].starts_with(|c: char| c.is_uppercase()) {
            return &text[..end];
        }
        from = end + 2;
    }
    text.trim_end_matches('.')
}

/// A tool's annotations in words: what it does to the world, then how far its world reaches.
fn effect(a: &ToolAnnotations) -> String {
    let class = match (a.read_only, a.destructive, a.idempotent) {
        (true, _, _) => "read-only",
        (false, false, true) => "additive, idempotent",
        (false, false, false) => "additive",
        (false, true, true) => "destructive, idempotent",
        (false, true, false) => "destructive",
    };
    let world = if a.open_world {
        "open world"
    } else {
        "closed world"
    };
    format!("{class}; {world}")
}

fn render_tools_md(registry: &ToolRegistry, groups: &[Group]) -> String {
    let mut out = String::new();
    out.push_str(
        "<!-- Generated by `cargo xtask codegen` from the tool definitions \
         (crates/server/tests/codegen.rs). Do not edit by hand. -->\n\n",
    );
    out.push_str("# Tools\n\n");
    out.push_str(
        "Every tool Switchboard ships: its name, the crate feature that provides it, the \
         description the model sees and the input schema arguments are validated against \
         (JSON Schema draft 2020-12, as `ToolDefinition::parameters` exports it; each provider \
         format is derived from it).\n\
         Connector tools are registered with a client you build; the gateway offers the tools \
         its config enables (see [gateway.md](gateway.md)).\n\n\
         Each tool's title and effect come from its `ToolAnnotations` and reach MCP clients as \
         `title` and `annotations` (`readOnlyHint`, `destructiveHint`, `idempotentHint`, \
         `openWorldHint`, every one stated) and the OpenAPI document as `summary` and \
         `x-tool-annotations`. A tool that is not read-only is *additive* when it only adds (a \
         message, an issue) and *destructive* when it may change or delete; *idempotent* when \
         a repeat has no further effect; an *open world* is a service outside the deployment.\n\n",
    );
    out.push_str(
        "| tool | title | effect | crate | feature | summary |\n|---|---|---|---|---|---|\n",
    );
    for g in groups {
        for name in &g.names {
            let def = registry.definition(name).unwrap();
            let summary = first_sentence(def.description());
            let a = def.annotations();
            let _ = writeln!(
                out,
                "| [`{name}`](#{name}) | {} | {} | `{}` | `{}` | {} |",
                a.title.as_deref().unwrap_or(""),
                effect(a),
                g.krate,
                g.feature,
                summary.replace('|', "\\|")
            );
        }
    }
    let mut section = "";
    for g in groups {
        let heading = if g.krate == "switchboard-functions" {
            "Built-in tools"
        } else {
            "Connector tools"
        };
        if heading != section {
            let _ = write!(out, "\n## {heading} (`{}`)\n", g.krate);
            section = heading;
        }
        for name in &g.names {
            let def = registry.definition(name).unwrap();
            let a = def.annotations();
            let _ = write!(
                out,
                "\n### `{name}`\n\n**{}** ({}).\n\n{}\n\nCrate `{}`, feature `{}`. Registered with {}\n",
                a.title.as_deref().unwrap_or(name),
                effect(a),
                def.description(),
                g.krate,
                g.feature,
                g.setup
            );
            let _ = write!(
                out,
                "\nInput schema:\n\n```json\n{}\n```\n",
                pretty(def.parameters())
            );
            if let Some(output) = def.output_schema() {
                let _ = write!(
                    out,
                    "\n<details><summary>Output schema</summary>\n\n```json\n{}\n```\n\n</details>\n",
                    pretty(output)
                );
            }
        }
    }
    out.push('\n');
    out.push_str(include_str!("codegen/tools_authoring.md"));
    out.push_str("\n## The gateway's OpenAPI document\n\n");
    out.push_str(
        "[openapi.json](openapi.json) is what `GET /openapi.json` serves for this config \
         (`${DOCS}` is this folder):\n\n```toml\n",
    );
    out.push_str(OPENAPI_CONFIG);
    out.push_str("```\n");
    out
}

#[tokio::test]
async fn tools_md_is_fresh() {
    let (registry, groups) = all_tools().await;
    // Every registered tool belongs to exactly one group.
    let grouped: usize = groups.iter().map(|g| g.names.len()).sum();
    assert_eq!(grouped, registry.names().len());
    ensure_file("docs/tools.md", &render_tools_md(&registry, &groups));
}

/// The opening line of a generated tool table in `docs/connectors.md`, for one feature.
fn tools_marker(feature: &str) -> String {
    format!("<!-- tools of `{feature}`: generated by `cargo xtask codegen` -->")
}

/// The closing line of a generated tool table.
const TOOLS_END: &str = "<!-- end of tools -->";

/// A connector's tools as a table: name, read or write (and how), and what it does.
fn connector_tool_table(registry: &ToolRegistry, group: &Group) -> String {
    let mut out = String::from("| tool | class | what it does |\n|---|---|---|\n");
    for name in &group.names {
        let def = registry.definition(name).unwrap();
        let a = def.annotations();
        let class = match (a.read_only, a.destructive, a.idempotent) {
            (true, _, _) => "read",
            (false, false, true) => "write (additive, idempotent)",
            (false, false, false) => "write (additive)",
            (false, true, true) => "write (destructive, idempotent)",
            (false, true, false) => "write (destructive)",
        };
        let _ = writeln!(
            out,
            "| [`{name}`](tools.md#{name}) | {class} | {} |",
            first_sentence(def.description()).replace('|', "\\|")
        );
    }
    out
}

/// `docs/connectors.md` with each connector's table (between its marker and [`TOOLS_END`])
/// written from the tool definitions; panics naming a connector that has no marker.
fn render_connectors_md(doc: &str, registry: &ToolRegistry, groups: &[Group]) -> String {
    let mut out = doc.to_owned();
    for g in groups
        .iter()
        .filter(|g| g.krate == "switchboard-connectors")
    {
        let marker = tools_marker(g.feature);
        let start = out
            .find(&marker)
            .unwrap_or_else(|| panic!("docs/connectors.md has no `{marker}` line"))
            + marker.len();
        let end = start
            + out[start..]
                .find(TOOLS_END)
                .unwrap_or_else(|| panic!("`{marker}` is not closed by `{TOOLS_END}`"));
        out.replace_range(
            start..end,
            &format!("\n{}", connector_tool_table(registry, g)),
        );
    }
    out
}

#[tokio::test]
async fn connectors_md_lists_every_connector_tool_with_its_class() {
    let (registry, groups) = all_tools().await;
    let doc = std::fs::read_to_string(root().join("docs/connectors.md")).unwrap();
    ensure_file(
        "docs/connectors.md",
        &render_connectors_md(&doc, &registry, &groups),
    );
}

/// No tool Switchboard ships is left on the cautious defaults by oversight: each declares a
/// title (and with it, deliberately, its hints).
#[tokio::test]
async fn every_shipped_tool_declares_a_title() {
    let (registry, _) = all_tools().await;
    let untitled: Vec<String> = registry
        .definitions()
        .iter()
        .filter(|d| d.annotations().title.is_none())
        .map(|d| d.name().to_owned())
        .collect();
    assert!(untitled.is_empty(), "tools without a title: {untitled:?}");
}

#[tokio::test]
async fn openapi_json_is_fresh() {
    let docs = root().join("docs").canonicalize().unwrap();
    let lookup = |name: &str| (name == "DOCS").then(|| docs.display().to_string());
    let settings = Settings::parse(OPENAPI_CONFIG, &lookup).unwrap();
    let registry = switchboard_server::tools::build_registry(&settings)
        .await
        .unwrap();
    let document = switchboard_server::http::openapi::document(
        &registry.definitions(),
        settings.tools_token.is_some(),
    );
    ensure_file("docs/openapi.json", &format!("{}\n", pretty(&document)));
}

#[test]
fn admin_openapi_json_is_fresh() {
    // What aide could not document (a duplicate parameter or body, …) fails here, not silently.
    aide::generate::on_error(|error| panic!("admin OpenAPI document: {error}"));
    let document = switchboard_server::http::admin_openapi();
    ensure_file(
        "docs/admin-openapi.json",
        &format!("{}\n", pretty(&document)),
    );
}

#[test]
fn config_reference_is_fresh() {
    let schema = schemars::schema_for!(switchboard_server::config::Config);
    let schema = serde_json::to_value(&schema).unwrap();
    ensure_file(
        "docs/config-reference.md",
        &config_reference::render(&schema),
    );
}

#[test]
fn short_diff_shows_the_changed_lines() {
    let diff = short_diff("a\nb\nc\nd\n", "a\nb\nX\nd\n");
    assert_eq!(
        diff,
        "checked-in: 4 lines, generated: 4 lines\n@@ line 3 @@\n- c\n+ X\n"
    );
    let diff = short_diff("a\nb\nd\n", "a\nb\nc\nd\n");
    assert_eq!(
        diff,
        "checked-in: 3 lines, generated: 4 lines\n@@ line 3 @@\n+ c\n"
    );
}

#[test]
fn summaries_stop_at_the_first_sentence() {
    assert_eq!(
        first_sentence("Creates it and returns its key, e.g. PROJ-42. More."),
        "Creates it and returns its key, e.g. PROJ-42"
    );
    assert_eq!(first_sentence("One sentence."), "One sentence");
}
