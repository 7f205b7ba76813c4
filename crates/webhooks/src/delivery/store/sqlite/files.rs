//! The database files' modes: created owner-only, and a warning when existing ones are not.
//!
//! The database holds endpoint signing secrets and custom header values in plain text: anyone
//! who can read it can forge our outgoing webhooks. SQLite creates the `-wal` and `-shm` files
//! with the mode of the database file, so creating that one `0600` covers all three.

use std::io;
use std::path::{Path, PathBuf};

/// Permission bits that let the group or other users at a file.
const SHARED_BITS: u32 = 0o077;

/// Creates `path` empty with mode `0600` when it does not exist yet, so SQLite never creates it
/// with the process umask. An empty file is a valid empty SQLite database.
///
/// In-memory and URI names (`:memory:`, `""`, `file:…`) are left to SQLite.
pub(super) fn create_owner_only(path: &Path) -> io::Result<()> {
    if !is_plain_file_name(path) {
        return Ok(());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let created = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path);
        match created {
            Err(e) if e.kind() != io::ErrorKind::AlreadyExists => return Err(e),
            _ => {}
        }
    }
    Ok(())
}

/// Logs a warning for each of the database, `-wal` and `-shm` files that exists and that the
/// group or other users may access, with the command that fixes it.
pub(super) fn warn_if_shared(path: &Path) {
    for (file, mode) in shared_files(path) {
        tracing::warn!(
            file = %file.display(),
            mode = format_args!("{mode:04o}"),
            "the webhook database file {} has mode {mode:04o}: other local users can read its \
             endpoint signing secrets and forge webhooks; run `chmod 600 {}`",
            file.display(),
            file.display(),
        );
    }
}

/// The database, `-wal` and `-shm` files that exist with group or other permission bits set,
/// with their permission bits.
fn shared_files(path: &Path) -> Vec<(PathBuf, u32)> {
    if !is_plain_file_name(path) {
        return Vec::new();
    }
    let mut files = vec![path.to_path_buf()];
    for suffix in ["-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        files.push(PathBuf::from(name));
    }
    files
        .into_iter()
        .filter_map(|file| {
            let mode = permission_bits(&file)?;
            (mode & SHARED_BITS != 0).then_some((file, mode))
        })
        .collect()
}

#[cfg(unix)]
fn permission_bits(file: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    Some(std::fs::metadata(file).ok()?.permissions().mode() & 0o777)
}

#[cfg(not(unix))]
fn permission_bits(_file: &Path) -> Option<u32> {
    None
}

fn is_plain_file_name(path: &Path) -> bool {
    let name = path.as_os_str();
    !(name.is_empty() || name == ":memory:" || path.to_string_lossy().starts_with("file:"))
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "sb-sqlite-files-{name}-{}-{:?}",
            std::process::id(),
            std::time::SystemTime::now()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn chmod(file: &Path, mode: u32) {
        std::fs::set_permissions(file, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn a_new_database_file_is_created_owner_only() {
        let dir = scratch("new");
        let db = dir.join("x.db");
        create_owner_only(&db).unwrap();
        assert_eq!(permission_bits(&db), Some(0o600));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_existing_database_file_is_left_as_it_is() {
        let dir = scratch("existing");
        let db = dir.join("x.db");
        std::fs::write(&db, b"").unwrap();
        chmod(&db, 0o640);
        create_owner_only(&db).unwrap();
        assert_eq!(permission_bits(&db), Some(0o640));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn group_or_world_accessible_database_wal_and_shm_files_are_reported() {
        let dir = scratch("shared");
        let db = dir.join("x.db");
        let wal = dir.join("x.db-wal");
        let shm = dir.join("x.db-shm");
        for (file, mode) in [(&db, 0o644), (&wal, 0o600), (&shm, 0o620)] {
            std::fs::write(file, b"").unwrap();
            chmod(file, mode);
        }
        assert_eq!(shared_files(&db), vec![(db.clone(), 0o644), (shm, 0o620)]);
        chmod(&db, 0o600);
        std::fs::remove_file(dir.join("x.db-shm")).unwrap();
        assert_eq!(shared_files(&db), vec![]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn in_memory_and_uri_names_are_not_files() {
        for name in ["", ":memory:", "file:x.db?mode=memory"] {
            create_owner_only(Path::new(name)).unwrap();
            assert!(shared_files(Path::new(name)).is_empty(), "{name:?}");
        }
    }
}
