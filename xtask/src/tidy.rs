//! Tidy checks over the whole tree, run as `#[test]`s so that `cargo test` alone enforces them.
//!
//! Each check walks the tracked source files and reports every offending place at once.

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::{Path, PathBuf};

    use crate::util::workspace_root;

    /// Files bigger than this are suspicious (generated, vendored or a module doing too much).
    const MAX_FILE_BYTES: u64 = 80 * 1024;
    /// Files allowed to exceed the size limit, relative to the root.
    const LARGE_FILES: &[&str] = &["Cargo.lock"];

    fn files(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            // node_modules: the pinned npm packages the MCP peer tests install (not ours).
            if name.starts_with('.') || name == "target" || name == "fuzz" || name == "node_modules"
            {
                continue;
            }
            if path.is_dir() {
                files(&path, out);
            } else {
                out.push(path);
            }
        }
    }

    fn source_files() -> (PathBuf, Vec<PathBuf>) {
        let root = workspace_root().unwrap();
        let mut out = Vec::new();
        files(&root.join("crates"), &mut out);
        files(&root.join("xtask"), &mut out);
        (root, out)
    }

    fn rel(root: &Path, p: &Path) -> String {
        p.strip_prefix(root).unwrap_or(p).display().to_string()
    }

    fn fail_if_any(what: &str, problems: Vec<String>) {
        assert!(problems.is_empty(), "{what}:\n  {}", problems.join("\n  "));
    }

    #[test]
    fn every_module_starts_with_a_doc_comment() {
        let (root, files) = source_files();
        let problems = files
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "rs"))
            .filter(|p| {
                let text = fs::read_to_string(p).unwrap_or_default();
                let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
                !first.starts_with("//!")
            })
            .map(|p| rel(&root, p))
            .collect();
        fail_if_any(
            "these files do not start with a `//!` line saying what they are for",
            problems,
        );
    }

    #[test]
    fn no_stubs_or_debug_leftovers_outside_tests() {
        let (root, files) = source_files();
        let banned = [
            concat!("todo", "!("),
            concat!("unimplemented", "!("),
            concat!("dbg", "!("),
        ];
        let mut problems = Vec::new();
        for p in files
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        {
            let r = rel(&root, p);
            if r.contains("/tests/") || r.contains("/benches/") {
                continue;
            }
            let text = fs::read_to_string(p).unwrap_or_default();
            // Stop at the unit-test module: tests may use what they like.
            let body = text.split("#[cfg(test)]").next().unwrap_or("");
            for (n, line) in body.lines().enumerate() {
                if banned.iter().any(|b| line.contains(b)) {
                    problems.push(format!("{r}:{}: {}", n + 1, line.trim()));
                }
            }
        }
        fail_if_any("stubs or debug leftovers", problems);
    }

    #[test]
    fn every_crate_inherits_the_workspace_lints_and_metadata() {
        let (root, files) = source_files();
        let mut problems = Vec::new();
        for p in files.iter().filter(|p| p.ends_with("Cargo.toml")) {
            let text = fs::read_to_string(p).unwrap_or_default();
            let r = rel(&root, p);
            if !text.contains("[lints]\nworkspace = true") {
                problems.push(format!("{r}: missing `[lints] workspace = true`"));
            }
            let publishable = !text.contains("publish = false");
            for key in [
                "edition.workspace = true",
                "license.workspace = true",
                "rust-version.workspace = true",
            ] {
                if !text.contains(key) {
                    problems.push(format!("{r}: missing `{key}`"));
                }
            }
            if publishable {
                for key in [
                    "description = ",
                    "repository.workspace = true",
                    "version.workspace = true",
                    "readme = \"README.md\"",
                ] {
                    if !text.contains(key) {
                        problems.push(format!("{r}: publishable crate missing `{key}`"));
                    }
                }
                let dir = p.parent().unwrap_or(&root);
                if !dir.join("README.md").is_file() {
                    problems.push(format!("{r}: publishable crate without a README.md"));
                }
                // Libraries are documented on docs.rs with every feature and its `doc(cfg)` badges.
                if dir.join("src/lib.rs").is_file()
                    && !dir.join("src/main.rs").is_file()
                    && !(text.contains("[package.metadata.docs.rs]")
                        && text.contains("all-features = true")
                        && text.contains("rustdoc-args = [\"--cfg\", \"docsrs\"]"))
                {
                    problems.push(format!(
                        "{r}: library without `[package.metadata.docs.rs]` all-features and \
                         `--cfg docsrs`"
                    ));
                }
            }
        }
        fail_if_any("manifest problems", problems);
    }

    #[test]
    fn the_license_files_match_the_declared_license() {
        let root = workspace_root().unwrap();
        let manifest = fs::read_to_string(root.join("Cargo.toml")).unwrap();
        assert!(
            manifest.contains("license = \"MIT OR Apache-2.0\""),
            "[workspace.package] license changed: update LICENSE-* and this test"
        );
        let mit = fs::read_to_string(root.join("LICENSE-MIT")).unwrap_or_default();
        let apache = fs::read_to_string(root.join("LICENSE-APACHE")).unwrap_or_default();
        assert!(
            mit.contains("Permission is hereby granted, free of charge"),
            "LICENSE-MIT is missing or not the MIT text"
        );
        assert!(
            apache.contains("Apache License") && apache.contains("Version 2.0, January 2004"),
            "LICENSE-APACHE is missing or not the Apache-2.0 text"
        );
    }

    #[test]
    fn internal_dependencies_carry_versions() {
        let root = workspace_root().unwrap();
        let text = fs::read_to_string(root.join("Cargo.toml")).unwrap();
        let problems: Vec<String> = text
            .lines()
            .filter(|l| l.starts_with("switchboard") && l.contains("path ="))
            .filter(|l| !l.contains("version ="))
            .map(str::to_owned)
            .collect();
        fail_if_any(
            "internal dependencies without a version (needed to publish)",
            problems,
        );
        // Members must take internal crates from the workspace table, not by their own path.
        let (root, files) = source_files();
        let problems = files
            .iter()
            .filter(|p| p.ends_with("Cargo.toml"))
            .filter(|p| {
                fs::read_to_string(p)
                    .unwrap_or_default()
                    .lines()
                    .any(|l| l.starts_with("switchboard") && l.contains("path ="))
            })
            .map(|p| rel(&root, p))
            .collect();
        fail_if_any(
            "members naming internal crates by path (use `.workspace = true`)",
            problems,
        );
    }

    #[test]
    fn no_oversized_files() {
        let (root, files) = source_files();
        let problems = files
            .iter()
            .filter(|p| p.extension().is_none_or(|e| e != "snap"))
            .filter(|p| !LARGE_FILES.contains(&rel(&root, p).as_str()))
            .filter_map(|p| {
                let len = fs::metadata(p).ok()?.len();
                (len > MAX_FILE_BYTES).then(|| format!("{} ({len} bytes)", rel(&root, p)))
            })
            .collect();
        fail_if_any(
            "files over the size limit (split them, or list them in LARGE_FILES)",
            problems,
        );
    }
}
