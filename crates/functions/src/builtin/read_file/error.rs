//! Errors of the `read_file` and `list_dir` tools; messages are safe to show to the model.

/// Why a file or directory could not be read.
///
/// Messages name the root and the relative path as given, never the host path of the root.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadFileError {
    /// The root name is not configured.
    #[error("unknown root `{name}` (configured: {known})")]
    UnknownRoot {
        /// The name asked for.
        name: String,
        /// The configured root names.
        known: String,
    },
    /// Several roots are configured and none was named.
    #[error("several roots are configured ({known}); name one with `root`")]
    RootRequired {
        /// The configured root names.
        known: String,
    },
    /// The path is not acceptable before any file system access (absolute, NUL byte, empty…).
    #[error("invalid path `{path}`: {reason}")]
    InvalidPath {
        /// The path as given (NUL bytes shown escaped).
        path: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// The path leads outside the root (through `..` or a symbolic link).
    #[error("`{path}` is outside root `{root}`")]
    Escape {
        /// The root name.
        root: String,
        /// The path as given.
        path: String,
    },
    /// Nothing exists at the path.
    #[error("`{path}` not found in root `{root}`")]
    NotFound {
        /// The root name.
        root: String,
        /// The path as given.
        path: String,
    },
    /// The path names something that is not a regular file (or not a directory for `list_dir`).
    #[error("`{path}` in root `{root}` is a {found}, not a {wanted}")]
    WrongType {
        /// The root name.
        root: String,
        /// The path as given.
        path: String,
        /// What it is.
        found: &'static str,
        /// What was needed.
        wanted: &'static str,
    },
    /// Permission denied by the operating system.
    #[error("permission denied for `{path}` in root `{root}`")]
    PermissionDenied {
        /// The root name.
        root: String,
        /// The path as given.
        path: String,
    },
    /// A root could not be configured (operator error, not model input).
    #[error("root `{name}`: {reason}")]
    BadRoot {
        /// The root name.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// Arguments out of range (line range reversed, limits over the maximum).
    #[error("invalid arguments: {0}")]
    InvalidArguments(String),
    /// The blocking worker thread failed before answering.
    #[error("the read could not complete (worker thread failed)")]
    Worker,
    /// Any other I/O error, with its kind.
    #[error("could not read `{path}` in root `{root}`: {kind}")]
    Io {
        /// The root name.
        root: String,
        /// The path as given.
        path: String,
        /// The I/O error kind.
        kind: std::io::ErrorKind,
    },
}
