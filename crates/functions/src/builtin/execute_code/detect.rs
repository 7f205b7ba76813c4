//! Start-up detection: resolve interpreters, probe each layer in a real child, enforce the minimum.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use rustix::process::Resource;
use rustix::thread::UnshareFlags;
use tokio::process::Command;

use super::args::Language;
use super::child::{self, ChildPlan, Limit};
use super::config::SandboxConfig;
use super::error::SandboxError;
use super::interpreter::{self, Interpreter, Reach};
use super::report::{InterpreterReport, Layer, LayerReport, LayerStatus, SandboxReport};
use super::{SandboxInner, isolation, landlock_rules, pid_namespace, run, seccomp};

const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs every probe and builds the sandbox state.
pub(super) async fn detect(config: SandboxConfig) -> Result<SandboxInner, SandboxError> {
    config.limits.validate()?;
    if config.sandbox_uid == 0 || config.sandbox_gid == 0 {
        return Err(SandboxError::InvalidConfig {
            field: "sandbox_uid",
            reason: "the sandbox uid and gid must not be 0 (root)".to_owned(),
        });
    }
    let is_root = rustix::process::geteuid().is_root();
    let drop_ids = is_root.then_some((config.sandbox_uid, config.sandbox_gid));
    let reach = drop_ids.map(|(uid, gid)| Reach { uid, gid });

    let mut resolved = BTreeMap::new();
    let mut unresolved = BTreeMap::new();
    for language in Language::ALL {
        let configured = match language {
            Language::Python => config.interpreters.python.as_deref(),
            Language::Javascript => config.interpreters.node.as_deref(),
            Language::Shell => config.interpreters.shell.as_deref(),
        };
        match interpreter::resolve(language, configured, reach).await {
            Ok(interp) => {
                resolved.insert(language, interp);
            }
            Err(reason) => {
                unresolved.insert(language, reason);
            }
        }
    }
    let prober = resolved
        .iter()
        .next()
        .map(|(lang, interp)| Prober::new(*lang, interp));

    let limits = rlimits(&config);
    let mut layers = Vec::new();

    layers.push(LayerReport {
        layer: Layer::Rlimits,
        status: LayerStatus::Active,
        detail: describe_limits(&config),
    });

    let uid_report = match drop_ids {
        None => LayerReport {
            layer: Layer::UidDrop,
            status: LayerStatus::NotNeeded,
            detail: format!(
                "host runs as uid {} (not root)",
                rustix::process::geteuid().as_raw()
            ),
        },
        Some((uid, gid)) => {
            let plan = ChildPlan {
                ids: Some((uid, gid)),
                ..ChildPlan::default()
            };
            probe_report(
                prober.as_ref(),
                plan,
                Layer::UidDrop,
                format!("uid {uid}, gid {gid}, no supplementary groups"),
            )
            .await
        }
    };
    let uid_ok = uid_report.status.is_satisfied();
    layers.push(uid_report);
    let ids = if uid_ok { drop_ids } else { None };

    let nnp_plan = ChildPlan {
        no_new_privs: true,
        ..ChildPlan::default()
    };
    let nnp_report = probe_report(
        prober.as_ref(),
        nnp_plan,
        Layer::NoNewPrivs,
        "PR_SET_NO_NEW_PRIVS".to_owned(),
    )
    .await;
    let nnp_ok = nnp_report.status.is_satisfied();
    layers.push(nnp_report);

    let mut seccomp_programs = None;
    let seccomp_report = match seccomp::build() {
        Err(e) => LayerReport {
            layer: Layer::Seccomp,
            status: LayerStatus::Unavailable,
            detail: e.to_string(),
        },
        Ok(programs) => {
            let programs = Arc::new(programs);
            let plan = ChildPlan {
                no_new_privs: true,
                seccomp: Some(Arc::clone(&programs)),
                ..ChildPlan::default()
            };
            let report =
                probe_report(prober.as_ref(), plan, Layer::Seccomp, seccomp::describe()).await;
            if report.status == LayerStatus::Active {
                seccomp_programs = Some(programs);
            }
            report
        }
    };
    layers.push(seccomp_report);

    let (landlock_abi, landlock_report) = match landlock_rules::detect_abi() {
        Ok(abi) => (
            Some(abi),
            LayerReport {
                layer: Layer::Landlock,
                status: LayerStatus::Active,
                detail: landlock_rules::describe(abi),
            },
        ),
        Err(reason) => (
            None,
            LayerReport {
                layer: Layer::Landlock,
                status: LayerStatus::Unavailable,
                detail: reason,
            },
        ),
    };
    layers.push(landlock_report);

    let mut unshare = None;
    let mut workdir_tmpfs = false;
    let ns_report = if config.namespaces {
        let (flags, what) = if is_root {
            (
                UnshareFlags::NEWNET
                    | UnshareFlags::NEWIPC
                    | UnshareFlags::NEWUTS
                    | UnshareFlags::NEWNS,
                "network (no interfaces), IPC, UTS, mount",
            )
        } else {
            (
                UnshareFlags::NEWUSER
                    | UnshareFlags::NEWNET
                    | UnshareFlags::NEWIPC
                    | UnshareFlags::NEWUTS
                    | UnshareFlags::NEWNS,
                "user, network (no interfaces), IPC, UTS, mount",
            )
        };
        // As root, also try making each work dir a private, size-limited tmpfs.
        let mut report = if is_root {
            probe_tmpfs(prober.as_ref(), flags, &config, what).await
        } else {
            None
        };
        if report.is_some() {
            workdir_tmpfs = true;
        }
        if report.is_none() {
            let plan = ChildPlan {
                unshare: Some(flags),
                ..ChildPlan::default()
            };
            report = Some(
                probe_report(
                    prober.as_ref(),
                    plan,
                    Layer::Namespaces,
                    format!("{what}; work dir not size-limited"),
                )
                .await,
            );
        }
        let report = report.unwrap_or_else(|| LayerReport {
            layer: Layer::Namespaces,
            status: LayerStatus::Unavailable,
            detail: "not probed".to_owned(),
        });
        if report.status == LayerStatus::Active {
            unshare = Some(flags);
        }
        report
    } else {
        LayerReport {
            layer: Layer::Namespaces,
            status: LayerStatus::Disabled,
            detail: "switched off in configuration".to_owned(),
        }
    };
    let pid_report = if !config.namespaces {
        LayerReport {
            layer: Layer::PidNamespace,
            status: LayerStatus::Disabled,
            detail: "switched off in configuration (namespaces = false)".to_owned(),
        }
    } else if let Some(flags) = unshare {
        let with_pid = flags | UnshareFlags::NEWPID;
        let plan = ChildPlan {
            unshare: Some(with_pid),
            ..ChildPlan::default()
        };
        let report = probe_report(
            prober.as_ref(),
            plan,
            Layer::PidNamespace,
            "the code runs as PID 2 under a minimal init and sees no host process; every process left \
             in the namespace is killed when the program ends"
                .to_owned(),
        )
        .await;
        if report.status == LayerStatus::Active {
            unshare = Some(with_pid);
        }
        report
    } else {
        LayerReport {
            layer: Layer::PidNamespace,
            status: LayerStatus::Unavailable,
            detail: format!(
                "needs the namespaces layer, which is unavailable: {}",
                ns_report.detail
            ),
        }
    };
    layers.push(ns_report);
    layers.push(pid_report);

    for required in &config.required_layers {
        if let Some(report) = layers.iter().find(|r| r.layer == *required)
            && !report.status.is_satisfied()
        {
            return Err(SandboxError::RequiredLayerUnavailable {
                layer: *required,
                reason: report.detail.clone(),
            });
        }
    }

    let protection = isolation::check(&isolation::Facts {
        host_uid: rustix::process::geteuid().as_raw(),
        code_has_own_uid: ids.is_some(),
        uid_drop: layer(&layers, Layer::UidDrop),
        pid_namespace: layer(&layers, Layer::PidNamespace),
        landlock_abi: landlock_abi.map(landlock_rules::abi_number),
        // The filters are loaded only with no_new_privs (see `seccomp` below).
        seccomp: if nnp_ok {
            layer(&layers, Layer::Seccomp)
        } else {
            layer(&layers, Layer::NoNewPrivs)
        },
    })?;
    tracing::debug!(
        protection,
        "execute_code keeps the code away from the gateway's processes"
    );

    let mut limits = limits;
    if ids.is_none() && unshare.is_some_and(|f| f.contains(UnshareFlags::NEWPID)) {
        // Without the uid drop, the relay and the init count against the same RLIMIT_NPROC.
        widen_nproc(&mut limits, pid_namespace::HELPER_PROCESSES);
    }
    let system_paths = interpreter::system_read_paths();
    let mut inner = SandboxInner {
        config,
        report: SandboxReport {
            layers,
            interpreters: Vec::new(),
        },
        interpreters: BTreeMap::new(),
        limits,
        drop_ids: ids,
        unshare,
        workdir_tmpfs,
        landlock_abi,
        seccomp: seccomp_programs.filter(|_| nnp_ok),
        system_paths,
    };

    // Finally run each interpreter once inside the full sandbox.
    let mut reports = Vec::new();
    let mut working = BTreeMap::new();
    for language in Language::ALL {
        let Some(interp) = resolved.remove(&language) else {
            reports.push(InterpreterReport {
                language,
                executable: None,
                detail: unresolved.remove(&language).unwrap_or_default(),
            });
            continue;
        };
        match sandboxed_hello(&inner, language, &interp).await {
            Ok(()) => {
                reports.push(InterpreterReport {
                    language,
                    executable: Some(interp.executable.display().to_string()),
                    detail: interp.version.clone(),
                });
                working.insert(language, interp);
            }
            Err(reason) => reports.push(InterpreterReport {
                language,
                executable: None,
                detail: format!(
                    "{} does not start inside the sandbox: {reason}",
                    interp.executable.display()
                ),
            }),
        }
    }
    inner.interpreters = working;
    inner.report.interpreters = reports;
    Ok(inner)
}

async fn sandboxed_hello(
    inner: &SandboxInner,
    language: Language,
    interp: &Interpreter,
) -> Result<(), String> {
    let code = match language {
        Language::Python => "print('ok')",
        Language::Javascript => "console.log('ok')",
        Language::Shell => "echo ok",
    };
    let out = run::run(inner, language, interp, code, PROBE_TIMEOUT)
        .await
        .map_err(|e| e.to_string())?;
    if out.exit_code == Some(0) && out.stdout == "ok\n" {
        Ok(())
    } else {
        let mut reason = format!("exit code {:?}, signal {:?}", out.exit_code, out.signal);
        let stderr = out.stderr.trim();
        if !stderr.is_empty() {
            let tail: String = stderr
                .chars()
                .rev()
                .take(300)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            reason.push_str(": ");
            reason.push_str(&tail);
        }
        Err(reason)
    }
}

/// Starts an interpreter with a trivial program under one layer at a time.
#[derive(Debug)]
struct Prober {
    language: Language,
    executable: std::path::PathBuf,
    args: Vec<OsString>,
}

impl Prober {
    fn new(language: Language, interp: &Interpreter) -> Prober {
        let mut args = interp.args.clone();
        match language {
            Language::Python => args.extend(["-c".into(), "pass".into()]),
            Language::Javascript => args.extend(["-e".into(), "0".into()]),
            Language::Shell => args.extend(["-c".into(), ":".into()]),
        }
        Prober {
            language,
            executable: interp.executable.clone(),
            args,
        }
    }

    async fn probe(&self, plan: ChildPlan) -> Result<(), String> {
        let mut cmd = Command::new(&self.executable);
        cmd.args(&self.args)
            .current_dir("/")
            .env_clear()
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        plan.install(&mut cmd);
        let mut child = cmd
            .spawn()
            .map_err(|e| child::decode_spawn_error(e, self.language).to_string())?;
        let status = tokio::time::timeout(PROBE_TIMEOUT, child.wait())
            .await
            .map_err(|_| format!("probe did not finish within {} s", PROBE_TIMEOUT.as_secs()))?
            .map_err(|e| e.to_string())?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("probe program failed under this layer ({status})"))
        }
    }
}

/// Probes namespaces plus a tmpfs work dir; `Some` only when both work.
async fn probe_tmpfs(
    prober: Option<&Prober>,
    flags: UnshareFlags,
    config: &SandboxConfig,
    what: &str,
) -> Option<LayerReport> {
    let dir = tempfile::Builder::new()
        .prefix("switchboard-exec-probe-")
        .tempdir_in(
            config
                .workdir_parent
                .clone()
                .unwrap_or_else(std::env::temp_dir),
        )
        .ok()?;
    let ids = (
        rustix::process::geteuid().as_raw(),
        rustix::process::getegid().as_raw(),
    );
    let tmpfs = run::tmpfs_plan(dir.path(), config.limits.workdir_bytes, ids, "probe", "").ok()?;
    let plan = ChildPlan {
        unshare: Some(flags),
        tmpfs: Some(tmpfs),
        ..ChildPlan::default()
    };
    let detail = format!(
        "{what}; work dir is a private tmpfs of {} bytes",
        config.limits.workdir_bytes
    );
    let report = probe_report(prober, plan, Layer::Namespaces, detail).await;
    (report.status == LayerStatus::Active).then_some(report)
}

async fn probe_report(
    prober: Option<&Prober>,
    plan: ChildPlan,
    layer: Layer,
    detail: String,
) -> LayerReport {
    let Some(prober) = prober else {
        return LayerReport {
            layer,
            status: LayerStatus::Unavailable,
            detail: "no interpreter found to probe with".to_owned(),
        };
    };
    match prober.probe(plan).await {
        Ok(()) => LayerReport {
            layer,
            status: LayerStatus::Active,
            detail,
        },
        Err(reason) => LayerReport {
            layer,
            status: LayerStatus::Unavailable,
            detail: reason,
        },
    }
}

fn rlimits(config: &SandboxConfig) -> Vec<Limit> {
    let l = &config.limits;
    let wanted = [
        (
            Resource::Cpu,
            l.cpu_seconds,
            l.cpu_seconds.saturating_add(1),
        ),
        (Resource::As, l.address_space_bytes, l.address_space_bytes),
        (Resource::Fsize, l.file_size_bytes, l.file_size_bytes),
        (Resource::Nofile, l.open_files, l.open_files),
        (Resource::Nproc, l.processes, l.processes),
        (Resource::Core, 0, 0),
    ];
    wanted
        .into_iter()
        .map(|(resource, soft, hard)| {
            // Never ask for more than the host's hard limit: raising it would fail without privileges.
            let host_hard = rustix::process::getrlimit(resource)
                .maximum
                .unwrap_or(u64::MAX);
            let hard = hard.min(host_hard);
            Limit {
                resource,
                soft: soft.min(hard),
                hard,
            }
        })
        .collect()
}

/// The report of one layer (unavailable if it was never probed).
fn layer(layers: &[LayerReport], layer: Layer) -> LayerReport {
    layers
        .iter()
        .find(|r| r.layer == layer)
        .cloned()
        .unwrap_or_else(|| LayerReport {
            layer,
            status: LayerStatus::Unavailable,
            detail: "not probed".to_owned(),
        })
}

/// Raises the process limit by `extra`, within the host's hard limit.
fn widen_nproc(limits: &mut [Limit], extra: u64) {
    let host_hard = rustix::process::getrlimit(Resource::Nproc)
        .maximum
        .unwrap_or(u64::MAX);
    for limit in limits.iter_mut().filter(|l| l.resource == Resource::Nproc) {
        limit.hard = limit.hard.saturating_add(extra).min(host_hard);
        limit.soft = limit.soft.saturating_add(extra).min(limit.hard);
    }
}

fn describe_limits(config: &SandboxConfig) -> String {
    let l = &config.limits;
    format!(
        "cpu {} s, address space {} bytes, file size {} bytes, open files {}, processes {}, core 0",
        l.cpu_seconds, l.address_space_bytes, l.file_size_bytes, l.open_files, l.processes
    )
}
