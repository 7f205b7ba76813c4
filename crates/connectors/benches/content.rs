//! CPU cost of the connectors' local work: Markdown to ADF (Jira), splitting long text into
//! Notion blocks, and decoding a full GitHub page of repositories.
#![allow(missing_docs, clippy::unwrap_used)]

use std::{hint::black_box, time::Duration};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::json;
use switchboard_connectors::{github::Repository, jira::text_to_adf, notion::paragraphs};

fn markdown(bytes: usize) -> String {
    let unit = "## Status\n\nThe **deploy** of `api` finished; see [the log](https://example.com/log).\n\
                Second line of the paragraph with *emphasis* and snake_case_names.\n\n\
                - first item\n- second item\n\n1. one\n2. two\n\n```sh\n./run --all\n```\n\n";
    unit.repeat(bytes / unit.len() + 1)[..bytes].to_owned()
}

fn content(c: &mut Criterion) {
    let mut g = c.benchmark_group("content");
    g.measurement_time(Duration::from_secs(3));
    g.warm_up_time(Duration::from_secs(1));
    for size in [10_000, 100_000] {
        let text = markdown(size);
        g.throughput(Throughput::Bytes(size as u64));
        g.bench_function(format!("jira_text_to_adf_{size}"), |b| {
            b.iter(|| text_to_adf(black_box(&text)))
        });
        g.bench_function(format!("notion_paragraphs_{size}"), |b| {
            b.iter(|| paragraphs(black_box(&text)))
        });
    }
    let repo = json!({
        "id": 1296269, "node_id": "MDEwOlJlcG9zaXRvcnkxMjk2MjY5", "name": "Hello-World",
        "full_name": "octocat/Hello-World", "private": false,
        "owner": {"login": "octocat", "id": 1, "type": "User", "site_admin": false,
                  "avatar_url": "https://github.com/images/error/octocat_happy.gif"},
        "html_url": "https://github.com/octocat/Hello-World", "description": "This your first repo!",
        "fork": false, "language": "Rust", "stargazers_count": 80, "watchers_count": 80,
        "default_branch": "master", "visibility": "public", "pushed_at": "2011-01-26T19:06:43Z",
        "topics": ["octocat", "atom", "electron", "api"],
        "permissions": {"admin": false, "push": false, "pull": true}
    });
    let page = serde_json::to_vec(&vec![repo; 100]).unwrap();
    g.throughput(Throughput::Bytes(page.len() as u64));
    g.bench_function("github_decode_page_of_100_repos", |b| {
        b.iter(|| serde_json::from_slice::<Vec<Repository>>(black_box(&page)).unwrap())
    });
    g.finish();
}

criterion_group!(benches, content);
criterion_main!(benches);
