//! Honest use: ordinary programs work, with the output shape pinned by snapshots.

use switchboard_functions::builtin::execute_code::{ExecuteCodeOutput, Language};

use super::support::{has_language, run, sandbox};

/// Snapshots the output with the machine-dependent fields redacted.
fn snapshot(name: &str, out: &ExecuteCodeOutput) {
    let mut out = out.clone();
    out.stdout = redact_workdir(&out.stdout);
    out.stderr = redact_workdir(&out.stderr);
    insta::assert_yaml_snapshot!(name, out, {
        ".duration_ms" => "[duration]",
        ".sandbox" => "[active layers]",
    });
}

/// Replaces the random part of `switchboard-exec-XXXXXX` work directory names.
fn redact_workdir(text: &str) -> String {
    const PREFIX: &str = "switchboard-exec-";
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find(PREFIX) {
        out.push_str(&rest[..i + PREFIX.len()]);
        rest = &rest[i + PREFIX.len()..];
        let end = rest
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(rest.len());
        out.push_str("[random]");
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_hello_world() {
    let sb = sandbox().await;
    let out = run(sb, Language::Python, "print('hello, world')", None).await;
    snapshot("python_hello_world", &out);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn javascript_hello_world() {
    let sb = sandbox().await;
    if !has_language(sb, "javascript_hello_world", Language::Javascript) {
        return;
    }
    let out = run(
        sb,
        Language::Javascript,
        "console.log('hello, world')",
        None,
    )
    .await;
    snapshot("javascript_hello_world", &out);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shell_hello_world() {
    let sb = sandbox().await;
    let out = run(sb, Language::Shell, "echo 'hello, world'", None).await;
    snapshot("shell_hello_world", &out);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_computation() {
    let sb = sandbox().await;
    let code = "import math, json\nprint(sum(range(1_000_000)), math.factorial(20), json.dumps({'a': [1, 2]}))";
    let out = run(sb, Language::Python, code, None).await;
    snapshot("python_computation", &out);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_writes_and_reads_a_file_in_its_work_dir() {
    let sb = sandbox().await;
    let code = "import os\nwith open('data.txt', 'w') as f:\n    f.write('kept')\nos.mkdir('sub')\nos.rename('data.txt', 'sub/data.txt')\nprint(open('sub/data.txt').read(), sorted(os.listdir('.')))";
    let out = run(sb, Language::Python, code, None).await;
    snapshot("python_work_dir_file", &out);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shell_pipeline_in_its_work_dir() {
    let sb = sandbox().await;
    let out = run(
        sb,
        Language::Shell,
        "printf 'b\\na\\nc\\n' > list\nsort list | tr a-z A-Z\n",
        None,
    )
    .await;
    snapshot("shell_pipeline", &out);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_non_zero_exit_and_stderr() {
    let sb = sandbox().await;
    let code =
        "import sys\nprint('partial')\nprint('something went wrong', file=sys.stderr)\nsys.exit(3)";
    let out = run(sb, Language::Python, code, None).await;
    snapshot("python_non_zero_exit", &out);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_exception_traceback_on_stderr() {
    let sb = sandbox().await;
    let out = run(sb, Language::Python, "1 / 0", None).await;
    snapshot("python_exception", &out);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn javascript_throw_gives_exit_code_one() {
    let sb = sandbox().await;
    if !has_language(sb, "javascript_throw", Language::Javascript) {
        return;
    }
    let out = run(
        sb,
        Language::Javascript,
        "console.error('bad'); process.exit(5)",
        None,
    )
    .await;
    snapshot("javascript_exit_code", &out);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_killed_by_a_signal_reports_it() {
    let sb = sandbox().await;
    let out = run(
        sb,
        Language::Python,
        "import os, signal\nos.kill(os.getpid(), signal.SIGTERM)",
        None,
    )
    .await;
    snapshot("python_signal", &out);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn work_dir_is_fresh_and_deleted_after_the_run() {
    let sb = sandbox().await;
    let code = "import os\nprint(os.getcwd())\nprint(sorted(os.listdir('.')))\nopen('left-behind', 'w').write('x')";
    let first = run(sb, Language::Python, code, None).await;
    let second = run(sb, Language::Python, code, None).await;
    let mut lines = first.stdout.lines();
    let dir = lines.next().unwrap();
    assert_eq!(lines.next(), Some("['main.py']"));
    assert!(!std::path::Path::new(dir).exists(), "{dir} still exists");
    let other = second.stdout.lines().next().unwrap();
    assert_ne!(dir, other);
    assert_eq!(second.stdout.lines().nth(1), Some("['main.py']"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdin_is_closed() {
    let sb = sandbox().await;
    let out = run(
        sb,
        Language::Python,
        "import sys\nprint(repr(sys.stdin.read()))",
        Some(5000),
    )
    .await;
    assert_eq!(out.stdout, "''\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_runs_do_not_interfere() {
    let sb = sandbox().await;
    let handles: Vec<_> = (0..6_u32)
        .map(|i| {
            tokio::spawn(async move {
                (
                    i,
                    run(sb, Language::Python, &format!("print({i} * {i})"), None).await,
                )
            })
        })
        .collect();
    for handle in handles {
        let (i, out) = handle.await.unwrap();
        assert_eq!(out.stdout, format!("{}\n", i * i));
    }
}
