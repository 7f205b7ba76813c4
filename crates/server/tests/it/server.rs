//! Starts the real binary and stops it when dropped.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};

pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_switchboard");

pub(crate) struct Server {
    child: Child,
    stdout: BufReader<ChildStdout>,
    pub(crate) base: String,
    dir: Option<tempfile::TempDir>,
}

impl Server {
    /// Starts `switchboard serve` in a fresh temp dir, with `config` written to `switchboard.toml`
    /// when given, on a free port.
    pub(crate) fn start(config: Option<&str>) -> Server {
        let dir = tempfile::tempdir().unwrap();
        Self::start_in(dir, config)
    }

    pub(crate) fn start_in(dir: tempfile::TempDir, config: Option<&str>) -> Server {
        Self::spawn(dir, config, Stdio::null())
    }

    /// Like [`Server::start_in`], with the gateway's log (stderr) going to `stderr.log` in
    /// `dir`, read by [`Server::log`].
    #[allow(dead_code, reason = "used by some test modules")]
    pub(crate) fn start_logged(dir: tempfile::TempDir, config: &str) -> Server {
        let log = std::fs::File::create(dir.path().join("stderr.log")).unwrap();
        Self::spawn(dir, Some(config), Stdio::from(log))
    }

    fn spawn(dir: tempfile::TempDir, config: Option<&str>, stderr: Stdio) -> Server {
        let mut cmd = Command::new(BIN);
        cmd.current_dir(dir.path());
        if let Some(text) = config {
            std::fs::write(dir.path().join("switchboard.toml"), text).unwrap();
            cmd.args(["--config", "switchboard.toml"]);
        }
        cmd.args(["serve", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(stderr);
        let mut child = cmd.spawn().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let base = line
            .trim()
            .strip_prefix("switchboard listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        Server {
            child,
            stdout,
            base,
            dir: Some(dir),
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    #[allow(dead_code, reason = "used by some test modules")]
    pub(crate) fn path(&self) -> &Path {
        self.dir.as_ref().unwrap().path()
    }

    /// What the gateway has logged so far (started by [`Server::start_logged`]).
    #[allow(dead_code, reason = "used by some test modules")]
    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(self.path().join("stderr.log")).unwrap()
    }

    /// The next line the server printed on stdout.
    #[allow(dead_code, reason = "used by some test modules")]
    pub(crate) fn next_line(&mut self) -> String {
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        line
    }

    /// Sends SIGTERM and waits for a clean exit.
    pub(crate) fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        self.child.wait().unwrap()
    }
}

impl Server {
    /// Like [`Server::terminate`], returning the temp dir so its files outlive the process.
    pub(crate) fn terminate_keep_dir(mut self) -> (std::process::ExitStatus, tempfile::TempDir) {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let status = self.child.wait().unwrap();
        (status, self.dir.take().unwrap())
    }
}

impl Server {
    /// SIGKILL (no shutdown path runs), returning the temp dir so the store outlives the process.
    #[allow(dead_code, reason = "used by some test modules")]
    pub(crate) fn kill_keep_dir(mut self) -> tempfile::TempDir {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        self.dir.take().unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder().build().unwrap()
}
