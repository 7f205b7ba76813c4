//! Overhead of one sandboxed trivial run against spawning the same interpreter directly.
//!
//! `sandboxed/python` runs `pass` through `Sandbox::run` (work dir, Landlock ruleset, every layer);
//! `direct/python` spawns the same executable on the same file (`-I -B -u main.py`) and waits for it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "benchmark"
)]

use std::process::Stdio;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use switchboard_functions::builtin::execute_code::{
    ExecuteCodeArgs, Language, Sandbox, SandboxConfig,
};

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sandbox = rt
        .block_on(Sandbox::detect(SandboxConfig {
            enabled: true,
            ..SandboxConfig::default()
        }))
        .expect("sandbox detection");
    // The direct runs execute the same file from a plain directory, like the sandbox does.
    let plain = std::env::temp_dir().join(format!("switchboard-bench-{}", std::process::id()));
    std::fs::create_dir_all(&plain).unwrap();
    std::fs::write(plain.join("main.py"), "pass").unwrap();
    std::fs::write(plain.join("main.sh"), ":").unwrap();
    let mut group = c.benchmark_group("execute_code");
    group
        .sample_size(30)
        .measurement_time(Duration::from_secs(4))
        .warm_up_time(Duration::from_secs(1));

    for (language, code, direct_args) in [
        (Language::Python, "pass", vec!["-I", "-B", "-u", "main.py"]),
        (Language::Shell, ":", vec!["main.sh"]),
    ] {
        let Some(executable) = sandbox
            .report()
            .interpreters
            .iter()
            .find(|r| r.language == language)
            .and_then(|r| r.executable.clone())
        else {
            continue;
        };
        group.bench_function(format!("sandboxed/{language}"), |b| {
            b.iter(|| {
                let out = rt
                    .block_on(sandbox.run(ExecuteCodeArgs {
                        language,
                        code: code.to_owned(),
                        timeout_ms: None,
                    }))
                    .unwrap();
                assert_eq!(out.exit_code, Some(0));
            });
        });
        group.bench_function(format!("direct/{language}"), |b| {
            b.iter(|| {
                let status = rt
                    .block_on(async {
                        tokio::process::Command::new(&executable)
                            .args(&direct_args)
                            .current_dir(&plain)
                            .stdin(Stdio::null())
                            .stdout(Stdio::piped())
                            .stderr(Stdio::piped())
                            .output()
                            .await
                    })
                    .unwrap()
                    .status;
                assert!(status.success());
            });
        });
    }
    group.finish();
    std::fs::remove_dir_all(&plain).unwrap();
}

criterion_group!(benches, bench);
criterion_main!(benches);
