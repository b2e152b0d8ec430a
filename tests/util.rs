//! Runs the built `crampcare` binary with arguments and stdin, and checks what it did.

use std::io::Write;
use std::process::{Command, Stdio};

/// What a run of the binary produced.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// A command line to run, built fluently: `Cmd::new(["ask", "hi"]).run()`.
pub struct Cmd {
    args: Vec<String>,
    stdin: Option<String>,
    envs: Vec<(String, String)>,
    dir: Option<std::path::PathBuf>,
}

impl Cmd {
    pub fn new<I, S>(args: I) -> Cmd
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        Cmd {
            args: args.into_iter().map(|a| a.as_ref().to_owned()).collect(),
            stdin: None,
            envs: Vec::new(),
            dir: None,
        }
    }

    pub fn stdin(mut self, text: impl Into<String>) -> Cmd {
        self.stdin = Some(text.into());
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Cmd {
        self.envs.push((key.to_owned(), value.to_owned()));
        self
    }

    pub fn current_dir(mut self, dir: &std::path::Path) -> Cmd {
        self.dir = Some(dir.to_owned());
        self
    }

    pub fn run(self) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_crampcare"));
        cmd.args(&self.args)
            .env_remove("TELOXIDE_TOKEN")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in &self.envs {
            cmd.env(k, v);
        }
        if let Some(d) = &self.dir {
            cmd.current_dir(d);
        }
        let mut child = cmd.spawn().expect("the crampcare binary runs");
        let input = self.stdin.unwrap_or_default();
        let mut pipe = child.stdin.take().expect("stdin is piped");
        let writer = std::thread::spawn(move || {
            // The binary may exit before reading everything (e.g. on a usage error).
            let _ = pipe.write_all(input.as_bytes());
        });
        let out = child.wait_with_output().expect("the binary finishes");
        writer.join().expect("stdin writer");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Runs and asserts exit code 0.
    pub fn ok(self) -> Run {
        let args = self.args.join(" ");
        let r = self.run();
        assert_eq!(r.code, 0, "crampcare {args} failed:\n{}", r.stderr);
        r
    }
}

/// The shipped see-a-doctor line's opening words: every reply must carry the doctor line.
pub const DOCTOR_LINE: &str = "See your child's doctor if cramps keep coming back";

/// A copy of the shipped knowledge folder in a temporary directory, to break on purpose.
pub fn knowledge_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge/en");
    for entry in std::fs::read_dir(src).expect("knowledge folder") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "toml") {
            std::fs::copy(&path, dir.path().join(path.file_name().expect("name"))).expect("copy");
        }
    }
    dir
}

/// A running `crampcare` process; killed if the test ends early (a failed assertion, a timeout).
pub struct Running(pub std::process::Child);

impl Running {
    /// Sends SIGTERM: the bot drains and exits.
    pub fn terminate(&self) {
        let killed = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(killed.success());
    }

    /// Sends SIGTERM and waits for the bot to exit.
    pub fn stop(mut self) -> std::process::ExitStatus {
        self.terminate();
        self.0.wait().expect("the bot stops")
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// A `kB` field of `/proc/<pid>/status` (VmRSS, VmHWM).
pub fn status_kb(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
}
