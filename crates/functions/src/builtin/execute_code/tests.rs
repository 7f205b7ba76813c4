//! Unit tests of the pieces without processes: error encoding, limits validation, names.

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
