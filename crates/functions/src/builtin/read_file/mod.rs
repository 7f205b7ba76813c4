//! The `read_file` and `list_dir` tools: read beneath configured roots, resolved by the kernel.
//!
//! Paths are relative to a named root ([`FileRoots`]). Resolution happens relative to the root's
//! directory handle (cap-std: `openat2(RESOLVE_BENEATH)` on Linux), so `..`, absolute paths,
//! links out of the root and prefix twins (`/data` vs `/data-secret`) cannot escape, and swapping
//! a directory for a link during a call does not help. Only regular files are read (FIFOs and
//! devices are opened non-blocking and refused after `fstat`). Reads are capped; truncation is
//! reported. Text is decoded (UTF-8, UTF-16 with a BOM); binary content is described, not dumped.
//!
//! Not guarded against: hard links and bind mounts that already exist inside a root (they are
//! part of the root as far as the kernel is concerned) — keep roots unwritable by the agent.

mod content;
mod error;
mod roots;
mod tool;

use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};

use cap_fs_ext::OpenOptionsSyncExt;
use cap_std::fs::OpenOptions;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use error::ReadFileError;
pub use roots::FileRoots;
pub use tool::{ListDir, ReadFile};

use content::Decoded;
use roots::{io_error, relative_path};

/// Caps on what one call may read.
#[derive(Debug, Clone)]
pub struct ReadLimits {
    /// Default and maximum bytes returned by one `read_file` call.
    pub max_bytes: u64,
    /// Most bytes scanned to find a line range before giving up (reported as truncated).
    pub max_scan_bytes: u64,
    /// Most entries returned by one `list_dir` call.
    pub max_entries: usize,
}

impl Default for ReadLimits {
    fn default() -> Self {
        ReadLimits {
            max_bytes: 256 * 1024,
            max_scan_bytes: 64 * 1024 * 1024,
            max_entries: 1000,
        }
    }
}

/// Arguments of the `read_file` tool.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadFileArgs {
    /// Name of the root to read from; may be omitted when only one root is configured.
    #[serde(default)]
    pub root: Option<String>,
    /// Path of the file, relative to the root (e.g. `reports/2024.csv`).
    pub path: String,
    /// Byte offset to start reading at (not with a line range).
    #[serde(default)]
    pub offset: Option<u64>,
    /// First line to return, counting from 1.
    #[serde(default)]
    #[schemars(range(min = 1))]
    pub start_line: Option<u64>,
    /// Last line to return, inclusive.
    #[serde(default)]
    #[schemars(range(min = 1))]
    pub end_line: Option<u64>,
    /// Most bytes to return; capped by the server's limit.
    #[serde(default)]
    #[schemars(range(min = 1))]
    pub max_bytes: Option<u64>,
}

/// What `read_file` returns.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct ReadFileOutput {
    /// The root read from.
    pub root: String,
    /// The path as given.
    pub path: String,
    /// Size of the whole file in bytes.
    pub size: u64,
    /// `text` or `binary`.
    pub kind: ContentKind,
    /// The text encoding it was decoded from (`utf-8`, `utf-16le`, `utf-16be`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<&'static str>,
    /// The MIME type of binary content, when recognised.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mime: Option<&'static str>,
    /// The text read; absent for binary content.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Byte offset the content starts at.
    pub offset: u64,
    /// The line range returned, when one was asked for: `[first, last]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lines: Option<[u64; 2]>,
    /// Whether more of the file (or of the asked range) remains beyond what was returned.
    pub truncated: bool,
}

/// Whether a file holds text or binary content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ContentKind {
    /// Decodable text.
    Text,
    /// Anything else.
    Binary,
}

/// Arguments of the `list_dir` tool.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListDirArgs {
    /// Name of the root; may be omitted when only one root is configured.
    #[serde(default)]
    pub root: Option<String>,
    /// Directory relative to the root; empty or omitted for the root itself.
    #[serde(default)]
    pub path: String,
}

/// What `list_dir` returns.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct ListDirOutput {
    /// The root listed.
    pub root: String,
    /// The directory as given.
    pub path: String,
    /// Entries sorted by name.
    pub entries: Vec<DirEntryInfo>,
    /// Whether entries were left out because of the entry limit.
    pub truncated: bool,
}

/// One directory entry.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct DirEntryInfo {
    /// The entry's name (lossy UTF-8).
    pub name: String,
    /// `file`, `dir`, `symlink` or `other`.
    pub kind: &'static str,
    /// Size in bytes, for regular files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
}

fn file_kind(ft: &cap_std::fs::FileType) -> &'static str {
    use cap_std::fs::FileTypeExt;
    if ft.is_file() {
        "regular file"
    } else if ft.is_dir() {
        "directory"
    } else if ft.is_symlink() {
        "symbolic link"
    } else if ft.is_fifo() {
        "FIFO"
    } else if ft.is_socket() {
        "socket"
    } else if ft.is_block_device() || ft.is_char_device() {
        "device"
    } else {
        "special file"
    }
}

/// Reads a file beneath a root. Blocking: call it from `spawn_blocking` in async code.
pub fn read_file(
    roots: &FileRoots,
    limits: &ReadLimits,
    args: &ReadFileArgs,
) -> Result<ReadFileOutput, ReadFileError> {
    let (root, dir) = roots.pick(args.root.as_deref())?;
    let rel = relative_path(&args.path)?;
    if rel.as_os_str().is_empty() {
        return Err(ReadFileError::InvalidPath {
            path: args.path.clone(),
            reason: "names the root itself, not a file",
        });
    }
    if args.path.ends_with('/') {
        return Err(ReadFileError::InvalidPath {
            path: args.path.clone(),
            reason: "a file path cannot end with `/`",
        });
    }
    let line_range = match (args.start_line, args.end_line) {
        (None, None) => None,
        (start, end) => {
            let start = start.unwrap_or(1);
            let end = end.unwrap_or(u64::MAX);
            if start == 0 || end < start {
                return Err(ReadFileError::InvalidArguments(format!(
                    "line range {start}..={end} is empty or starts before line 1"
                )));
            }
            if args.offset.is_some() {
                return Err(ReadFileError::InvalidArguments(
                    "give either `offset` or a line range, not both".into(),
                ));
            }
            Some((start, end))
        }
    };
    let max_bytes = args
        .max_bytes
        .unwrap_or(limits.max_bytes)
        .clamp(1, limits.max_bytes);
    let err = |e: std::io::Error| io_error(root, &args.path, &e);

    let mut options = OpenOptions::new();
    options.read(true).nonblock(true);
    let mut file = dir.open_with(&rel, &options).map_err(err)?;
    let meta = file.metadata().map_err(err)?;
    if !meta.is_file() {
        return Err(ReadFileError::WrongType {
            root: root.to_owned(),
            path: args.path.clone(),
            found: file_kind(&meta.file_type()),
            wanted: "regular file",
        });
    }
    let size = meta.len();
    let offset = args.offset.unwrap_or(0);

    let (bytes, truncated, lines) = match line_range {
        None => {
            file.seek(SeekFrom::Start(offset)).map_err(err)?;
            let mut buf = Vec::new();
            // Read one byte more than allowed: the file may have grown since fstat.
            file.by_ref()
                .take(max_bytes + 1)
                .read_to_end(&mut buf)
                .map_err(err)?;
            let truncated = buf.len() as u64 > max_bytes;
            buf.truncate(max_bytes as usize);
            (buf, truncated, None)
        }
        Some((start, end)) => {
            let mut reader = BufReader::new(file.by_ref().take(limits.max_scan_bytes));
            let mut buf = Vec::new();
            let mut line = Vec::new();
            let (mut n, mut last) = (0u64, 0u64);
            let mut truncated = false;
            loop {
                line.clear();
                let read = reader.read_until(b'\n', &mut line).map_err(err)?;
                if read == 0 {
                    // End of file, or of the scan budget with more left.
                    truncated = n < end && reader.into_inner().limit() == 0;
                    break;
                }
                n += 1;
                if n < start {
                    continue;
                }
                if n > end {
                    break;
                }
                if (buf.len() + line.len()) as u64 > max_bytes {
                    truncated = true;
                    break;
                }
                buf.extend_from_slice(&line);
                last = n;
            }
            let lines = (last >= start).then_some([start, last]);
            (buf, truncated, lines)
        }
    };

    let (kind, encoding, mime, content) = match content::decode(&bytes, truncated) {
        Decoded::Text { text, encoding } => (ContentKind::Text, Some(encoding), None, Some(text)),
        Decoded::Binary { mime } => (ContentKind::Binary, None, mime, None),
    };
    Ok(ReadFileOutput {
        root: root.to_owned(),
        path: args.path.clone(),
        size,
        kind,
        encoding,
        mime,
        content,
        offset,
        lines,
        truncated,
    })
}

/// Lists a directory beneath a root, without following links. Blocking, like [`read_file`].
pub fn list_dir(
    roots: &FileRoots,
    limits: &ReadLimits,
    args: &ListDirArgs,
) -> Result<ListDirOutput, ReadFileError> {
    let (root, dir) = roots.pick(args.root.as_deref())?;
    let rel = relative_path(&args.path)?;
    let err = |e: std::io::Error| io_error(root, &args.path, &e);
    let sub = if rel.as_os_str().is_empty() {
        dir.try_clone().map_err(err)?
    } else {
        dir.open_dir(&rel).map_err(err)?
    };
    let mut entries = Vec::new();
    let mut truncated = false;
    for entry in sub.entries().map_err(err)? {
        let entry = entry.map_err(err)?;
        if entries.len() >= limits.max_entries {
            truncated = true;
            break;
        }
        let ft = entry.file_type().map_err(err)?;
        let kind = if ft.is_file() {
            "file"
        } else if ft.is_dir() {
            "dir"
        } else if ft.is_symlink() {
            "symlink"
        } else {
            "other"
        };
        let size = if ft.is_file() {
            entry.metadata().ok().map(|m| m.len())
        } else {
            None
        };
        entries.push(DirEntryInfo {
            name: entry.file_name().to_string_lossy().into_owned(),
            kind,
            size,
        });
    }
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(ListDirOutput {
        root: root.to_owned(),
        path: args.path.clone(),
        entries,
        truncated,
    })
}
