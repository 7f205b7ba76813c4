//! `read_file` and `list_dir` as registrable [`Tool`]s; the blocking work runs on tokio's blocking pool.

use crate::{Tool, ToolAnnotations};

use super::{
    FileRoots, ListDirArgs, ListDirOutput, ReadFileArgs, ReadFileError, ReadFileOutput, ReadLimits,
    list_dir, read_file,
};

/// The `read_file` tool over a set of [`FileRoots`].
///
/// ```no_run
/// use switchboard_functions::ToolRegistry;
/// use switchboard_functions::builtin::read_file::{FileRoots, ListDir, ReadFile, ReadLimits};
///
/// let roots = FileRoots::new().with_root("docs", "/srv/docs").unwrap();
/// let registry = ToolRegistry::new();
/// registry.register(ReadFile::new(roots.clone(), ReadLimits::default())).unwrap();
/// registry.register(ListDir::new(roots, ReadLimits::default())).unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct ReadFile {
    roots: FileRoots,
    limits: ReadLimits,
}

impl ReadFile {
    /// A `read_file` tool reading beneath `roots` within `limits`.
    pub fn new(roots: FileRoots, limits: ReadLimits) -> Self {
        ReadFile { roots, limits }
    }
}

/// The `list_dir` tool over a set of [`FileRoots`].
#[derive(Debug, Clone)]
pub struct ListDir {
    roots: FileRoots,
    limits: ReadLimits,
}

impl ListDir {
    /// A `list_dir` tool listing beneath `roots` within `limits`.
    pub fn new(roots: FileRoots, limits: ReadLimits) -> Self {
        ListDir { roots, limits }
    }
}

impl Tool for ReadFile {
    type Args = ReadFileArgs;
    type Output = ReadFileOutput;
    type Error = ReadFileError;

    fn name(&self) -> &str {
        "read_file"
    }

    fn description(&self) -> &str {
        "Reads a file beneath a configured root. Give `path` relative to the root; optionally a \
         byte `offset` or a line range (`start_line`, `end_line`). Text is returned decoded; \
         binary files are described by type and size. Long files are truncated and say so."
    }

    fn output_schema(&self) -> Option<serde_json::Value> {
        Some(crate::schema::schema_for::<ReadFileOutput>())
    }

    /// Reads beneath the configured roots only; never writes.
    fn annotations(&self) -> ToolAnnotations {
        ToolAnnotations::read_only("Read a file").closed_world()
    }

    async fn call(&self, args: ReadFileArgs) -> Result<ReadFileOutput, ReadFileError> {
        let (roots, limits) = (self.roots.clone(), self.limits.clone());
        crate::concurrency::spawn_blocking(move || read_file(&roots, &limits, &args))
            .await
            .unwrap_or(Err(ReadFileError::Worker))
    }
}

impl Tool for ListDir {
    type Args = ListDirArgs;
    type Output = ListDirOutput;
    type Error = ReadFileError;

    fn name(&self) -> &str {
        "list_dir"
    }

    fn description(&self) -> &str {
        "Lists a directory beneath a configured root (names, kinds and file sizes). Give `path` \
         relative to the root, or omit it for the root itself."
    }

    fn output_schema(&self) -> Option<serde_json::Value> {
        Some(crate::schema::schema_for::<ListDirOutput>())
    }

    /// Lists beneath the configured roots only; never writes.
    fn annotations(&self) -> ToolAnnotations {
        ToolAnnotations::read_only("List a directory").closed_world()
    }

    async fn call(&self, args: ListDirArgs) -> Result<ListDirOutput, ReadFileError> {
        let (roots, limits) = (self.roots.clone(), self.limits.clone());
        crate::concurrency::spawn_blocking(move || list_dir(&roots, &limits, &args))
            .await
            .unwrap_or(Err(ReadFileError::Worker))
    }
}
