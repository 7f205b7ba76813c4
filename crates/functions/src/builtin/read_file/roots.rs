//! The configured roots: named directory handles that every path is resolved beneath.

use std::fmt;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use cap_std::ambient_authority;
use cap_std::fs::Dir;

use super::error::ReadFileError;

/// One named root: a directory handle opened once, by the operator.
struct Root {
    name: String,
    dir: Dir,
}

/// The set of directories the `read_file` and `list_dir` tools may read beneath.
///
/// Each root is opened once as a directory handle; every later lookup is resolved by the kernel
/// relative to that handle (`openat2` with `RESOLVE_BENEATH` on Linux, via cap-std), so `..`,
/// absolute paths and symbolic links that lead out are refused, even if a directory inside the
/// root is swapped for a link while a call runs.
#[derive(Clone, Default)]
pub struct FileRoots {
    roots: Arc<Vec<Root>>,
}

impl fmt::Debug for FileRoots {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileRoots")
            .field("roots", &self.names())
            .finish()
    }
}

impl FileRoots {
    /// No roots: every call fails until one is added.
    pub fn new() -> Self {
        FileRoots::default()
    }

    /// Adds a root named `name` (1–64 characters of `[A-Za-z0-9_-]`) at `path`.
    ///
    /// The directory is opened now; it must exist. Names are unique.
    pub fn with_root(mut self, name: &str, path: impl AsRef<Path>) -> Result<Self, ReadFileError> {
        let bad = |reason: String| ReadFileError::BadRoot {
            name: name.to_owned(),
            reason,
        };
        let valid_name = !name.is_empty()
            && name.len() <= 64
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !valid_name {
            return Err(bad(
                "a name is 1–64 characters of A-Z, a-z, 0-9, _ and -".into()
            ));
        }
        if self.roots.iter().any(|r| r.name == name) {
            return Err(bad("a root with this name is already configured".into()));
        }
        let dir = Dir::open_ambient_dir(path.as_ref(), ambient_authority())
            .map_err(|e| bad(format!("cannot open {}: {e}", path.as_ref().display())))?;
        let mut roots: Vec<Root> = match Arc::try_unwrap(self.roots) {
            Ok(v) => v,
            Err(shared) => shared
                .iter()
                .map(|r| {
                    r.dir.try_clone().map(|dir| Root {
                        name: r.name.clone(),
                        dir,
                    })
                })
                .collect::<io::Result<_>>()
                .map_err(|e| bad(format!("cannot duplicate a root handle: {e}")))?,
        };
        roots.push(Root {
            name: name.to_owned(),
            dir,
        });
        self.roots = Arc::new(roots);
        Ok(self)
    }

    /// The configured root names, in the order they were added.
    pub fn names(&self) -> Vec<&str> {
        self.roots.iter().map(|r| r.name.as_str()).collect()
    }

    /// Picks the root named `name`, or the only root when `name` is `None`.
    pub(super) fn pick(&self, name: Option<&str>) -> Result<(&str, &Dir), ReadFileError> {
        let known = || {
            if self.roots.is_empty() {
                "none".to_owned()
            } else {
                self.names().join(", ")
            }
        };
        let root = match name {
            Some(n) => self.roots.iter().find(|r| r.name == n),
            None if self.roots.len() == 1 => self.roots.first(),
            None if self.roots.is_empty() => None,
            None => return Err(ReadFileError::RootRequired { known: known() }),
        };
        root.map(|r| (r.name.as_str(), &r.dir))
            .ok_or_else(|| ReadFileError::UnknownRoot {
                name: name.unwrap_or("").to_owned(),
                known: known(),
            })
    }
}

/// Checks a model-supplied path before any file system access and returns it relative.
///
/// Absolute paths, NUL bytes and (for clarity) `..` components are refused here; the kernel
/// enforces the same boundary again on resolution, so this is a first line, not the only one.
pub(super) fn relative_path(path: &str) -> Result<PathBuf, ReadFileError> {
    let invalid = |reason| ReadFileError::InvalidPath {
        path: path.escape_debug().to_string(),
        reason,
    };
    if path.contains('\0') {
        return Err(invalid("contains a NUL byte"));
    }
    if path.len() > 4096 {
        return Err(invalid("longer than 4096 bytes"));
    }
    let p = Path::new(path);
    let mut out = PathBuf::new();
    for component in p.components() {
        match component {
            Component::Normal(c) => out.push(c),
            Component::CurDir => {}
            Component::ParentDir => return Err(invalid("`..` is not allowed")),
            Component::RootDir | Component::Prefix(_) => {
                return Err(invalid(
                    "absolute paths are not allowed; give a path relative to the root",
                ));
            }
        }
    }
    Ok(out)
}

/// Maps an I/O error on `path` in `root` to the tool's error, telling escapes from other denials.
pub(super) fn io_error(root: &str, path: &str, e: &io::Error) -> ReadFileError {
    let root = root.to_owned();
    let path = path.to_owned();
    match e.kind() {
        io::ErrorKind::NotFound => ReadFileError::NotFound { root, path },
        // cap-std reports an escape as a custom PermissionDenied error (no OS error code);
        // the kernel's own EXDEV from RESOLVE_BENEATH surfaces as CrossesDevices.
        io::ErrorKind::PermissionDenied if e.raw_os_error().is_none() => {
            ReadFileError::Escape { root, path }
        }
        io::ErrorKind::CrossesDevices => ReadFileError::Escape { root, path },
        io::ErrorKind::PermissionDenied => ReadFileError::PermissionDenied { root, path },
        io::ErrorKind::NotADirectory => ReadFileError::WrongType {
            root,
            path,
            found: "file",
            wanted: "directory",
        },
        io::ErrorKind::IsADirectory => ReadFileError::WrongType {
            root,
            path,
            found: "directory",
            wanted: "regular file",
        },
        kind => ReadFileError::Io { root, path, kind },
    }
}
