//! The SQLite store's files on disk: the database, `-wal` and `-shm` hold signing secrets, so
//! another local user must not be able to read any of them, whatever the process umask.

#![cfg(all(unix, feature = "sqlite"))]
#![allow(clippy::unwrap_used)]

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::SystemTime;

use switchboard_core::Secret;
use switchboard_webhooks::delivery::store::EndpointStore;
use switchboard_webhooks::delivery::store::{SqliteOptions, SqliteStore};
use switchboard_webhooks::delivery::{Endpoint, EndpointId, EndpointKey, EventFilter};

/// The unprivileged user that plays the other local user (`nobody`).
const NOBODY: u32 = 65534;

fn endpoint() -> Endpoint {
    Endpoint {
        id: EndpointId::generate(),
        name: "modes".to_owned(),
        url: "https://modes.example.com/hook".to_owned(),
        events: EventFilter::All,
        channels: Vec::new(),
        keys: vec![EndpointKey {
            secret: Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
            valid_until: None,
        }],
        headers: vec![("x-api-key".to_owned(), "header-secret".to_owned())],
        enabled: true,
        disabled_reason: None,
        failing_since: None,
        max_in_flight: 4,
        rate_limit: None,
        ordered: false,
        description: None,
        metadata: Default::default(),
        origin: Default::default(),
        created_at: SystemTime::now(),
        updated_at: SystemTime::now(),
    }
}

fn mode(file: &Path) -> u32 {
    std::fs::metadata(file).unwrap().permissions().mode() & 0o777
}

/// Whether `nobody` can read `file` (only answerable when the test runs as root).
fn readable_by_nobody(file: &Path) -> bool {
    Command::new("cat")
        .arg(file)
        .uid(NOBODY)
        .gid(NOBODY)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap()
        .success()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_wal_and_shm_files_are_owner_only_under_umask_022() {
    // The usual umask, which would leave files created with the default mode `-rw-r--r--`.
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o022));
    let dir: PathBuf = std::env::temp_dir().join(format!(
        "sb-sqlite-modes-{}-{}",
        std::process::id(),
        EndpointId::generate()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let db = dir.join("switchboard.db");
    let store = SqliteStore::open(&db, SqliteOptions::default()).unwrap();
    store.insert_endpoint(&endpoint()).await.unwrap();

    let files = [
        db.clone(),
        dir.join("switchboard.db-wal"),
        dir.join("switchboard.db-shm"),
    ];
    for file in &files {
        assert_eq!(mode(file), 0o600, "{}", file.display());
    }
    if rustix::process::geteuid().is_root() {
        let control = dir.join("control");
        std::fs::write(&control, b"public").unwrap();
        assert!(readable_by_nobody(&control), "the check itself works");
        for file in &files {
            assert!(
                !readable_by_nobody(file),
                "{} is readable by nobody",
                file.display()
            );
        }
    }
    drop(store);
    std::fs::remove_dir_all(&dir).unwrap();
}
