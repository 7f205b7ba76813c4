//! Unit tests: error encoding, limits validation, names, errors raised after the PID namespace's forks,
//! and the rule that keeps the code away from the gateway's processes.

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

mod gateway_isolation {
    use super::super::error::SandboxError;
    use super::super::isolation::{Facts, check};
    use super::super::report::{Layer, LayerReport, LayerStatus};

    fn report(layer: Layer, status: LayerStatus, detail: &str) -> LayerReport {
        LayerReport {
            layer,
            status,
            detail: detail.to_owned(),
        }
    }

    /// A non-root host with namespaces off; each test changes one fact.
    fn non_root_without_namespaces() -> Facts {
        Facts {
            host_uid: 1000,
            code_has_own_uid: false,
            uid_drop: report(
                Layer::UidDrop,
                LayerStatus::NotNeeded,
                "host runs as uid 1000",
            ),
            pid_namespace: report(
                Layer::PidNamespace,
                LayerStatus::Disabled,
                "switched off in configuration (namespaces = false)",
            ),
            landlock_abi: Some(5),
            seccomp: report(Layer::Seccomp, LayerStatus::Active, "EPERM for …"),
        }
    }

    #[test]
    fn a_non_root_gateway_below_landlock_6_without_a_pid_namespace_is_refused() {
        let err = check(&non_root_without_namespaces()).unwrap_err();
        assert!(
            matches!(err, SandboxError::GatewayUnprotected { uid: 1000, .. }),
            "{err}"
        );
        let text = err.to_string();
        for needle in [
            "own uid 1000 (the gateway is not root)",
            "pid_namespace is disabled: switched off in configuration (namespaces = false)",
            "Landlock is ABI 5, without signal scoping",
            "seccomp is active. Fix one of",
            "namespaces = true",
            "kernel.apparmor_restrict_unprivileged_userns=0",
        ] {
            assert!(text.contains(needle), "{needle:?} missing from: {text}");
        }
    }

    #[test]
    fn the_pid_namespace_alone_protects_a_non_root_gateway() {
        let mut facts = non_root_without_namespaces();
        facts.pid_namespace.status = LayerStatus::Active;
        facts.landlock_abi = None;
        facts.seccomp.status = LayerStatus::Unavailable;
        assert!(check(&facts).is_ok());
    }

    #[test]
    fn landlock_signal_scoping_protects_only_together_with_seccomp() {
        let mut facts = non_root_without_namespaces();
        facts.landlock_abi = Some(6);
        assert!(check(&facts).is_ok());
        facts.seccomp = report(
            Layer::Seccomp,
            LayerStatus::Unavailable,
            "no filter support",
        );
        let text = check(&facts).unwrap_err().to_string();
        assert!(
            text.contains("seccomp is unavailable: no filter support"),
            "{text}"
        );
    }

    #[test]
    fn a_root_gateway_whose_uid_drop_failed_is_refused_like_a_non_root_one() {
        let mut facts = non_root_without_namespaces();
        facts.host_uid = 0;
        facts.uid_drop = report(Layer::UidDrop, LayerStatus::Unavailable, "setresuid: EPERM");
        facts.landlock_abi = None;
        let text = check(&facts).unwrap_err().to_string();
        assert!(
            text.contains("own uid 0 (the uid drop is not in force: setresuid: EPERM)"),
            "{text}"
        );
        assert!(text.contains("Landlock is unavailable"), "{text}");
        facts.code_has_own_uid = true;
        assert!(check(&facts).is_ok());
    }
}
