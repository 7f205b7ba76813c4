//! `read_file` and `list_dir` against a real directory tree: honest reads, and an attack table
//! in which every case is refused and no byte of the secrets outside the root comes back.

#![allow(
    clippy::unwrap_used,
    reason = "test fixtures: a failed setup step should fail the test"
)]
#![cfg(feature = "read_file")]

use std::os::unix::fs::symlink;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use switchboard_functions::builtin::read_file::{
    ContentKind, FileRoots, ListDirArgs, ReadFileArgs, ReadFileError, ReadLimits, list_dir,
    read_file,
};

const SECRET: &str = "TOPSECRET-7f3a";

struct Tree {
    _tmp: tempfile::TempDir,
    base: std::path::PathBuf,
    roots: FileRoots,
}

fn tree() -> Tree {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().to_path_buf();
    let data = base.join("data");
    let w = |p: &Path, c: &[u8]| std::fs::write(p, c).unwrap();
    std::fs::create_dir_all(data.join("notes/deep")).unwrap();
    std::fs::create_dir_all(base.join("secret")).unwrap();
    std::fs::create_dir_all(base.join("data-secret")).unwrap();
    std::fs::create_dir_all(data.join("swap_real")).unwrap();
    w(&base.join("secret/passwd"), SECRET.as_bytes());
    w(&base.join("data-secret/secret.txt"), SECRET.as_bytes());
    w(&data.join("ok.txt"), b"line 1\nline 2\nline 3\nline 4\n");
    w(&data.join("notes/a.md"), "# Notes\nüñíçødé\n".as_bytes());
    w(&data.join("swap_real/passwd"), b"harmless");
    let mut utf16 = vec![0xFF, 0xFE];
    for u in "hello, wörld".encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    w(&data.join("utf16.txt"), &utf16);
    w(
        &data.join("image.png"),
        &[
            0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R',
        ],
    );
    w(&data.join("blob.bin"), &[1, 2, 0, 4, 5, 0, 7]);
    w(&data.join("big.txt"), "x".repeat(1_000_000).as_bytes());
    symlink("ok.txt", data.join("link_in")).unwrap();
    symlink("notes", data.join("dirlink_in")).unwrap();
    symlink("../secret/passwd", data.join("link_out")).unwrap();
    symlink("/etc/passwd", data.join("link_abs")).unwrap();
    symlink(data.join("ok.txt"), data.join("link_abs_in")).unwrap();
    symlink("chain2", data.join("chain1")).unwrap();
    symlink("notes/../../secret/passwd", data.join("chain2")).unwrap();
    symlink("../secret", data.join("dirlink_out")).unwrap();
    symlink("/proc/self/root/etc/passwd", data.join("proc_link")).unwrap();
    symlink("/dev/zero", data.join("dev_link")).unwrap();
    symlink("loop2", data.join("loop1")).unwrap();
    symlink("loop1", data.join("loop2")).unwrap();
    symlink("../../../secret", data.join("notes/deep/up")).unwrap();
    let fifo = std::ffi::CString::new(data.join("fifo").to_str().unwrap()).unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(data.join("fifo"))
        .status()
        .unwrap();
    assert!(status.success(), "mkfifo {fifo:?}");
    let roots = FileRoots::new().with_root("data", &data).unwrap();
    Tree {
        _tmp: tmp,
        base,
        roots,
    }
}

fn args(path: &str) -> ReadFileArgs {
    ReadFileArgs {
        root: None,
        path: path.into(),
        offset: None,
        start_line: None,
        end_line: None,
        max_bytes: None,
    }
}

#[test]
fn honest_reads() {
    let t = tree();
    let l = ReadLimits::default();
    let out = read_file(&t.roots, &l, &args("ok.txt")).unwrap();
    assert_eq!(
        out.content.as_deref(),
        Some("line 1\nline 2\nline 3\nline 4\n")
    );
    assert_eq!(
        (out.kind, out.encoding, out.size, out.truncated),
        (ContentKind::Text, Some("utf-8"), 28, false)
    );

    let out = read_file(
        &t.roots,
        &l,
        &ReadFileArgs {
            start_line: Some(2),
            end_line: Some(3),
            ..args("ok.txt")
        },
    )
    .unwrap();
    assert_eq!(out.content.as_deref(), Some("line 2\nline 3\n"));
    assert_eq!(out.lines, Some([2, 3]));

    let out = read_file(
        &t.roots,
        &l,
        &ReadFileArgs {
            offset: Some(7),
            max_bytes: Some(6),
            ..args("ok.txt")
        },
    )
    .unwrap();
    assert_eq!(
        (out.content.as_deref(), out.truncated),
        (Some("line 2"), true)
    );

    let out = read_file(&t.roots, &l, &args("utf16.txt")).unwrap();
    assert_eq!(
        (out.content.as_deref(), out.encoding),
        (Some("hello, wörld"), Some("utf-16le"))
    );

    let out = read_file(&t.roots, &l, &args("image.png")).unwrap();
    assert_eq!(
        (out.kind, out.mime, out.content),
        (ContentKind::Binary, Some("image/png"), None)
    );
    let out = read_file(&t.roots, &l, &args("blob.bin")).unwrap();
    assert_eq!((out.kind, out.size), (ContentKind::Binary, 7));

    let out = read_file(&t.roots, &l, &args("big.txt")).unwrap();
    assert!(out.truncated);
    assert_eq!(out.content.unwrap().len() as u64, l.max_bytes);

    // Multi-byte characters cut by the byte cap do not turn text into "binary".
    let out = read_file(
        &t.roots,
        &l,
        &ReadFileArgs {
            max_bytes: Some(10),
            ..args("notes/a.md")
        },
    )
    .unwrap();
    assert_eq!(out.kind, ContentKind::Text);

    // Links that stay inside the root are followed.
    assert_eq!(read_file(&t.roots, &l, &args("link_in")).unwrap().size, 28);
    assert!(
        read_file(&t.roots, &l, &args("dirlink_in/a.md"))
            .unwrap()
            .content
            .unwrap()
            .starts_with("# Notes")
    );
    assert!(read_file(&t.roots, &l, &args("./notes/a.md")).is_ok());

    // The output shapes, as the model sees them.
    let lines = ReadFileArgs {
        start_line: Some(2),
        end_line: Some(3),
        ..args("ok.txt")
    };
    let cut = ReadFileArgs {
        max_bytes: Some(12),
        ..args("notes/a.md")
    };
    let notes = ListDirArgs {
        root: None,
        path: "notes".into(),
    };
    let shapes = serde_json::json!({
        "text": read_file(&t.roots, &l, &lines).unwrap(),
        "utf16": read_file(&t.roots, &l, &args("utf16.txt")).unwrap(),
        "binary": read_file(&t.roots, &l, &args("image.png")).unwrap(),
        "truncated": read_file(&t.roots, &l, &cut).unwrap(),
        "listing": list_dir(&t.roots, &l, &notes).unwrap(),
    });
    insta::assert_json_snapshot!(shapes);

    let listing = list_dir(
        &t.roots,
        &l,
        &ListDirArgs {
            root: None,
            path: String::new(),
        },
    )
    .unwrap();
    let names: Vec<_> = listing
        .entries
        .iter()
        .map(|e| (e.name.as_str(), e.kind))
        .collect();
    assert!(
        names.contains(&("ok.txt", "file"))
            && names.contains(&("notes", "dir"))
            && names.contains(&("link_out", "symlink"))
    );
}

#[test]
fn attack_table() {
    let t = tree();
    let l = ReadLimits::default();
    let abs_secret = t.base.join("secret/passwd");
    let abs_secret = abs_secret.to_str().unwrap();
    let cases: Vec<(&str, String)> = vec![
        ("dot-dot", "../secret/passwd".into()),
        ("dot-dot after a dir", "notes/../../secret/passwd".into()),
        ("dot-dot after cur dir", "./../secret/passwd".into()),
        ("prefix twin", "../data-secret/secret.txt".into()),
        (
            "prefix twin via dir",
            "notes/./../../data-secret/secret.txt".into(),
        ),
        ("absolute system path", "/etc/passwd".into()),
        ("absolute path of the secret", abs_secret.into()),
        ("/proc/self/root", "/proc/self/root/etc/passwd".into()),
        ("symlink out (relative)", "link_out".into()),
        ("symlink out (absolute)", "link_abs".into()),
        (
            "absolute symlink pointing inside is refused too",
            "link_abs_in".into(),
        ),
        ("symlink chain out", "chain1".into()),
        ("dir symlink out", "dirlink_out/passwd".into()),
        ("deep dir symlink out", "notes/deep/up/passwd".into()),
        ("symlink to /proc/self/root", "proc_link".into()),
        ("symlink to a device", "dev_link".into()),
        ("symlink loop", "loop1".into()),
        ("FIFO", "fifo".into()),
        ("directory", "notes".into()),
        ("root itself", "".into()),
        ("root itself via dot", ".".into()),
        ("NUL byte", "ok.txt\0../../secret/passwd".into()),
        (
            "percent-encoded dot-dot is not decoded",
            "%2e%2e/secret/passwd".into(),
        ),
        ("tilde is not expanded", "~/secret/passwd".into()),
        ("trailing slash on a file", "ok.txt/".into()),
        (
            "backslashes are not separators",
            "..\\secret\\passwd".into(),
        ),
        ("very long path", "a/".repeat(3000)),
    ];
    assert!(cases.len() >= 25);
    for (name, path) in &cases {
        let start = Instant::now();
        let res = read_file(&t.roots, &l, &args(path));
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{name}: took too long (a FIFO must not block)"
        );
        match res {
            Ok(out) => panic!("{name}: `{path}` was read: {out:?}"),
            Err(e) => {
                let text = format!("{e} {e:?}");
                assert!(!text.contains(SECRET), "{name}: secret leaked in error");
                if !path.contains(t.base.to_str().unwrap()) {
                    assert!(
                        !text.contains(t.base.to_str().unwrap()),
                        "{name}: host path leaked: {text}"
                    );
                }
            }
        }
    }
    // Root names are checked too.
    let err = read_file(
        &t.roots,
        &l,
        &ReadFileArgs {
            root: Some("data-secret".into()),
            ..args("secret.txt")
        },
    )
    .unwrap_err();
    assert!(matches!(err, ReadFileError::UnknownRoot { .. }), "{err}");
    // list_dir obeys the same rules.
    for path in [
        "..",
        "dirlink_out",
        "notes/deep/up",
        "/etc",
        "../data-secret",
    ] {
        let res = list_dir(
            &t.roots,
            &l,
            &ListDirArgs {
                root: None,
                path: path.into(),
            },
        );
        assert!(res.is_err(), "list_dir {path} was allowed: {res:?}");
    }
    // The secrets are untouched.
    assert_eq!(
        std::fs::read_to_string(t.base.join("secret/passwd")).unwrap(),
        SECRET
    );
}

#[test]
fn specific_errors_say_what_happened() {
    let t = tree();
    let l = ReadLimits::default();
    let e = read_file(&t.roots, &l, &args("../secret/passwd")).unwrap_err();
    assert!(matches!(e, ReadFileError::InvalidPath { .. }), "{e}");
    let e = read_file(&t.roots, &l, &args("link_out")).unwrap_err();
    assert!(matches!(e, ReadFileError::Escape { .. }), "{e}");
    let e = read_file(&t.roots, &l, &args("fifo")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "`fifo` in root `data` is a FIFO, not a regular file"
    );
    let e = read_file(&t.roots, &l, &args("missing.txt")).unwrap_err();
    assert_eq!(e.to_string(), "`missing.txt` not found in root `data`");
}

/// Hard links made inside a root before the call are part of the root: documented, not guarded.
#[test]
fn hard_links_inside_the_root_are_readable_as_documented() {
    let t = tree();
    std::fs::hard_link(t.base.join("secret/passwd"), t.base.join("data/hard")).unwrap();
    let out = read_file(&t.roots, &ReadLimits::default(), &args("hard")).unwrap();
    assert_eq!(out.content.as_deref(), Some(SECRET));
}

#[test]
fn swapping_a_directory_for_a_link_during_reads_never_escapes() {
    let t = tree();
    let data = t.base.join("data");
    let stop = Arc::new(AtomicBool::new(false));
    let swapper = {
        let stop = stop.clone();
        let data = data.clone();
        std::thread::spawn(move || {
            let mut swaps = 0u32;
            while !stop.load(Ordering::Relaxed) && swaps < 200_000 {
                // `swap` is the real directory, then a link to the secret directory.
                let _ = std::fs::rename(data.join("swap_real"), data.join("swap"));
                let _ = std::fs::rename(data.join("swap"), data.join("swap_real"));
                let _ = symlink("../secret", data.join("swap"));
                let _ = std::fs::remove_file(data.join("swap"));
                swaps += 1;
            }
            swaps
        })
    };
    let l = ReadLimits::default();
    let deadline = Instant::now() + Duration::from_millis(700);
    let (mut reads, mut ok) = (0u32, 0u32);
    while Instant::now() < deadline {
        reads += 1;
        if let Ok(out) = read_file(&t.roots, &l, &args("swap/passwd")) {
            assert_eq!(
                out.content.as_deref(),
                Some("harmless"),
                "escaped through a swapped link"
            );
            ok += 1;
        }
    }
    stop.store(true, Ordering::Relaxed);
    let swaps = swapper.join().unwrap();
    assert!(
        reads > 100 && swaps > 100,
        "the race ran ({reads} reads, {swaps} swaps)"
    );
    eprintln!("race: {reads} reads ({ok} of the real file), {swaps} swaps");
}
