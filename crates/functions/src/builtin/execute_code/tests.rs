//! Unit tests: error encoding, limits validation, names, and errors raised after the PID namespace's forks.

use std::io;

use super::args::Language;
use super::child::decode_spawn_error;
use super::config::Limits;
use super::error::{ExecuteError, SetupStep};
use super::run::signal_name;

#[test]
fn setup_errors_round_trip_through_the_spawn_error_code() {
    for step in [
        SetupStep::Namespaces,
        SetupStep::Rlimits,
        SetupStep::UidDrop,
        SetupStep::NoNewPrivs,
        SetupStep::Landlock,
        SetupStep::LandlockNotEnforced,
        SetupStep::Seccomp,
        SetupStep::WorkdirMount,
        SetupStep::PidNamespace,
    ] {
        let err = io::Error::from_raw_os_error(step.code() * 10_000 + 1);
        match decode_spawn_error(err, Language::Python) {
            ExecuteError::Setup { step: got, source } => {
                assert_eq!(got, step);
                assert_eq!(source.raw_os_error(), Some(1));
            }
            other => panic!("{other:?}"),
        }
    }
    let plain = decode_spawn_error(io::Error::from_raw_os_error(2), Language::Shell);
    assert!(
        matches!(
            plain,
            ExecuteError::Spawn {
                language: Language::Shell,
                ..
            }
        ),
        "{plain:?}"
    );
    assert!(plain.to_string().contains("shell interpreter"), "{plain}");
}

#[test]
fn limits_validation_names_the_field() {
    assert!(Limits::default().validate().is_ok());
    let limits = Limits {
        default_wall_time_ms: 70_000,
        ..Limits::default()
    };
    let err = limits.validate().unwrap_err().to_string();
    assert!(
        err.contains("limits.default_wall_time_ms") && err.contains("60000"),
        "{err}"
    );
    let limits = Limits {
        open_files: 8,
        ..Limits::default()
    };
    assert!(
        limits
            .validate()
            .unwrap_err()
            .to_string()
            .contains("limits.open_files")
    );
    let limits = Limits {
        stdout_max_bytes: 0,
        ..Limits::default()
    };
    assert!(
        limits
            .validate()
            .unwrap_err()
            .to_string()
            .contains("limits.stdout_max_bytes")
    );
}

#[test]
fn signal_names() {
    assert_eq!(signal_name(9), "SIGKILL");
    assert_eq!(signal_name(24), "SIGXCPU");
    assert_eq!(signal_name(64), "signal 64");
}

#[test]
fn unavailable_language_error_lists_the_others() {
    let err = ExecuteError::LanguageUnavailable {
        language: Language::Javascript,
        available: vec![Language::Python, Language::Shell],
    };
    assert_eq!(
        err.to_string(),
        "language `javascript` is not available here; available: python, shell"
    );
    let none = ExecuteError::LanguageUnavailable {
        language: Language::Python,
        available: Vec::new(),
    };
    assert!(none.to_string().ends_with("available: none"));
}

/// A spawn error raised in the program's process (PID 2, two forks below the spawned relay) must reach
/// the parent as promptly as one raised in the spawned process, and a clean run must end with the
/// program's exit code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_after_the_pid_namespace_forks_reach_the_parent() {
    use rustix::process::Resource;
    use rustix::thread::UnshareFlags;

    use super::child::{ChildPlan, Limit};

    let flags = if rustix::process::geteuid().is_root() {
        UnshareFlags::NEWPID
    } else {
        UnshareFlags::NEWUSER | UnshareFlags::NEWPID
    };
    let plan = |limits: Vec<Limit>| ChildPlan {
        unshare: Some(flags),
        limits,
        ..ChildPlan::default()
    };

    let mut cmd = tokio::process::Command::new("/bin/sh");
    cmd.args(["-c", "exit 7"]);
    plan(Vec::new()).install(&mut cmd);
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) => {
            let err = decode_spawn_error(e, Language::Shell);
            // The host does not permit the namespace: nothing after the fork to test here.
            assert!(
                matches!(
                    err,
                    ExecuteError::Setup {
                        step: SetupStep::Namespaces,
                        ..
                    }
                ),
                "{err}"
            );
            return;
        }
    };
    assert_eq!(child.wait().await.unwrap().code(), Some(7));

    let mut cmd = tokio::process::Command::new("/nonexistent/interpreter");
    plan(Vec::new()).install(&mut cmd);
    let err = cmd.spawn().unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::ENOENT), "{err}");

    let mut cmd = tokio::process::Command::new("/bin/sh");
    cmd.args(["-c", ":"]);
    // Soft above hard: setrlimit fails with EINVAL in the program's process.
    plan(vec![Limit {
        resource: Resource::Nofile,
        soft: 10,
        hard: 5,
    }])
    .install(&mut cmd);
    let err = decode_spawn_error(cmd.spawn().unwrap_err(), Language::Shell);
    match err {
        ExecuteError::Setup { step, source } => {
            assert_eq!(step, SetupStep::Rlimits);
            assert_eq!(source.raw_os_error(), Some(libc::EINVAL));
        }
        other => panic!("{other:?}"),
    }
}
