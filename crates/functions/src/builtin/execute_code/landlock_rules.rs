//! Landlock: ABI detection at start-up, and the per-run ruleset created before `fork`.
//!
//! The ruleset is built in the parent with `CompatLevel::HardRequirement` for every right the detected
//! ABI knows, so a ruleset that cannot be fully enforced is an error here rather than a silent downgrade;
//! the child only calls `restrict_self` and still checks that the result is `FullyEnforced`.

use std::path::{Path, PathBuf};

use landlock::{
    ABI, Access, AccessFs, AccessNet, CompatLevel, Compatible, PathBeneath, PathFd, Ruleset,
    RulesetAttr, RulesetCreated, RulesetCreatedAttr, RulesetError, Scope, make_bitflags,
};

/// ABIs the crate knows, newest first.
const ABIS: [ABI; 10] = [
    ABI::V10,
    ABI::V9,
    ABI::V8,
    ABI::V7,
    ABI::V6,
    ABI::V5,
    ABI::V4,
    ABI::V3,
    ABI::V2,
    ABI::V1,
];

/// The newest Landlock ABI both the kernel and the crate support, found by creating probe rulesets.
pub(super) fn detect_abi() -> Result<ABI, String> {
    let mut last = String::from("no ABI tried");
    for abi in ABIS {
        let probe = Ruleset::default()
            .set_compatibility(CompatLevel::HardRequirement)
            .handle_access(AccessFs::from_all(abi))
            .and_then(Ruleset::create);
        match probe {
            Ok(_) => return Ok(abi),
            Err(e) => last = e.to_string(),
        }
    }
    Err(format!("Landlock is not supported by this kernel ({last})"))
}

/// The ABI number, for reports.
pub(super) fn abi_number(abi: ABI) -> u8 {
    ABIS.iter()
        .position(|a| *a == abi)
        .and_then(|i| u8::try_from(ABIS.len() - i).ok())
        .unwrap_or(0)
}

/// What the ruleset restricts at this ABI, for reports.
pub(super) fn describe(abi: ABI) -> String {
    let n = abi_number(abi);
    let mut detail = format!(
        "ABI {n}; filesystem: read/execute on interpreter and system paths, read-write on the work dir"
    );
    if n >= 4 {
        detail.push_str("; TCP bind/connect denied");
    } else {
        detail.push_str("; TCP not covered (needs ABI 4)");
    }
    if n >= 6 {
        detail.push_str("; abstract UNIX sockets and signals scoped to the sandbox");
    }
    detail
}

/// Creates the ruleset for one run. Paths that do not exist are skipped.
///
/// `workdir` is `None` when the work dir becomes a tmpfs in the child: its rule must name the mounted
/// tmpfs, so the child adds it (with [`workdir_access`]) after mounting.
pub(super) fn build_ruleset(
    abi: ABI,
    read_exec: &[PathBuf],
    workdir: Option<&Path>,
) -> Result<RulesetCreated, String> {
    build(abi, read_exec, workdir).map_err(|e| format!("cannot build the Landlock ruleset: {e}"))
}

#[derive(Debug, thiserror::Error)]
enum BuildError {
    #[error(transparent)]
    Ruleset(#[from] RulesetError),
    #[error(transparent)]
    Path(#[from] landlock::PathFdError),
}

fn build(
    abi: ABI,
    read_exec: &[PathBuf],
    workdir: Option<&Path>,
) -> Result<RulesetCreated, BuildError> {
    let n = abi_number(abi);
    let mut ruleset = Ruleset::default()
        .set_compatibility(CompatLevel::HardRequirement)
        .handle_access(AccessFs::from_all(abi))?;
    if n >= 4 {
        ruleset = ruleset.handle_access(AccessNet::from_all(abi))?;
    }
    if n >= 6 {
        ruleset = ruleset.scope(Scope::from_all(abi))?;
    }
    let mut created = ruleset.create()?;
    let read = AccessFs::from_read(abi);
    for path in read_exec {
        if let Ok(fd) = PathFd::new(path) {
            let access = if path.is_dir() {
                read
            } else {
                read & file_access(abi)
            };
            created = created.add_rule(PathBeneath::new(fd, access))?;
        }
    }
    // Device files the interpreters open: read on the random sources, read-write on /dev/null.
    for dev in ["/dev/urandom", "/dev/random", "/dev/zero"] {
        if let Ok(fd) = PathFd::new(dev) {
            created =
                created.add_rule(PathBeneath::new(fd, make_bitflags!(AccessFs::{ReadFile})))?;
        }
    }
    if let Ok(fd) = PathFd::new("/dev/null") {
        created = created.add_rule(PathBeneath::new(
            fd,
            make_bitflags!(AccessFs::{ReadFile | WriteFile}),
        ))?;
    }
    if let Some(workdir) = workdir {
        let workdir_fd = PathFd::new(workdir)?;
        created = created.add_rule(PathBeneath::new(workdir_fd, workdir_access(abi)))?;
    }
    Ok(created)
}

/// Rights on the work directory: everything the ABI knows.
pub(super) fn workdir_access(abi: ABI) -> landlock::BitFlags<AccessFs> {
    AccessFs::from_all(abi)
}

/// Rights that apply to a regular file (not a directory) at this ABI.
fn file_access(abi: ABI) -> landlock::BitFlags<AccessFs> {
    AccessFs::from_file(abi)
}
