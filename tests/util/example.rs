//! The example servers as real processes: build them with the test's own
//! profile, start one on a free address, wait for its `listening on ADDR`
//! line, and kill it by PID when the test ends (also on panic).

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use super::DEADLINE;

/// How long building an example may take (a cold build on a busy machine).
const BUILD_DEADLINE: Duration = Duration::from_secs(900);

/// The path of example `name`, built first with the profile this test was
/// built with (`cargo test` has built it already; `cargo test --test X`
/// has not, and a stale binary must not be tested).
///
/// # Panics
///
/// If cargo fails, or runs longer than [`BUILD_DEADLINE`].
pub fn example_binary(name: &str) -> PathBuf {
    static BUILDING: Mutex<()> = Mutex::new(());
    let _one_at_a_time = BUILDING.lock().unwrap_or_else(|e| e.into_inner());
    // The test runs from target/<profile>/deps/<test>-<hash>.
    let exe = std::env::current_exe().expect("current_exe");
    let profile_dir = exe.parent().and_then(Path::parent).expect("test binary outside target/<profile>/deps");
    let mut target_dir = profile_dir.parent().expect("target dir");
    // Built for an explicit target (`CARGO_BUILD_TARGET`, as the sanitizer
    // run does): target/<triple>/<profile>/deps, and the nested build below
    // inherits the variable, so it also writes under <triple>.
    if let Some(triple) = std::env::var_os("CARGO_BUILD_TARGET") {
        if target_dir.file_name() == Some(triple.as_os_str()) {
            target_dir = target_dir.parent().expect("target dir");
        }
    }
    let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") => "dev",
        Some(other) => other,
        None => panic!("odd profile dir {}", profile_dir.display()),
    };
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut build = Command::new(cargo)
        .args(["build", "--quiet", "--example", name, "--profile", profile, "--target-dir"])
        .arg(target_dir)
        .arg("--manifest-path")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
        .stdin(Stdio::null())
        .spawn()
        .expect("cannot run cargo to build the example");
    let status = wait_bounded(&mut build, BUILD_DEADLINE).unwrap_or_else(|| {
        let _ = build.kill();
        let _ = build.wait();
        panic!("building example {name} took longer than {BUILD_DEADLINE:?}");
    });
    assert!(status.success(), "building example {name} failed: {status}");
    let path = profile_dir.join("examples").join(name);
    assert!(path.exists(), "{} missing after the build", path.display());
    path
}

/// Waits for `child` to exit, at most `limit`; `None` if it is still running.
pub fn wait_bounded(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return Some(status);
        }
        if start.elapsed() > limit {
            return None;
        }
        thread::sleep(Duration::from_millis(10));
    }
}

/// Lines read from a child's output by a thread: `next_line` waits with a
/// deadline, and the end of the output is seen as `None`.
#[derive(Debug)]
pub struct Lines {
    rx: Receiver<String>,
}

impl Lines {
    /// Starts reading `output` line by line (lossy UTF-8, without the `\n`).
    pub fn new(output: impl Read + Send + 'static) -> Lines {
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut reader = BufReader::new(output);
            let mut line = Vec::new();
            while let Ok(n) = reader.read_until(b'\n', &mut line) {
                if n == 0 || tx.send(String::from_utf8_lossy(&line).trim_end_matches('\n').to_owned()).is_err() {
                    return;
                }
                line.clear();
            }
        });
        Lines { rx }
    }

    /// The next line; `None` at the end of the output.
    ///
    /// # Panics
    ///
    /// If no line and no end comes within [`DEADLINE`].
    pub fn next_line(&self) -> Option<String> {
        match self.rx.recv_timeout(DEADLINE) {
            Ok(line) => Some(line),
            Err(RecvTimeoutError::Disconnected) => None,
            Err(RecvTimeoutError::Timeout) => panic!("no output within {DEADLINE:?}"),
        }
    }

    /// Skips lines until one contains `what`; returns it.
    ///
    /// # Panics
    ///
    /// At the end of the output or after [`DEADLINE`] without such a line.
    pub fn expect(&self, what: &str) -> String {
        let start = Instant::now();
        let mut seen = Vec::new();
        while start.elapsed() < DEADLINE {
            match self.rx.recv_timeout(DEADLINE.saturating_sub(start.elapsed())) {
                Ok(line) if line.contains(what) => return line,
                Ok(line) => seen.push(line),
                Err(_) => break,
            }
        }
        panic!("no line containing {what:?}; got {seen:?}");
    }

    /// Waits for the end of the output; returns the lines before it.
    ///
    /// # Panics
    ///
    /// If the output does not end within [`DEADLINE`].
    pub fn expect_end(&self) -> Vec<String> {
        let start = Instant::now();
        let mut seen = Vec::new();
        loop {
            match self.rx.recv_timeout(DEADLINE.saturating_sub(start.elapsed())) {
                Ok(line) => seen.push(line),
                Err(RecvTimeoutError::Disconnected) => return seen,
                Err(RecvTimeoutError::Timeout) => panic!("output did not end within {DEADLINE:?}; got {seen:?}"),
            }
        }
    }
}

/// A running child process, killed (by its PID) and reaped when dropped.
#[derive(Debug)]
pub struct Process {
    child: Child,
    /// Its standard output, line by line.
    pub stdout: Lines,
}

impl Process {
    /// Starts `command` with its stdout piped (stdin and stderr as set by the
    /// caller, else inherited).
    ///
    /// # Panics
    ///
    /// If it cannot be started.
    pub fn spawn(command: &mut Command) -> Process {
        let mut child = command.stdout(Stdio::piped()).spawn().unwrap_or_else(|e| panic!("{command:?}: {e}"));
        let stdout: ChildStdout = child.stdout.take().expect("piped stdout");
        Process { child, stdout: Lines::new(stdout) }
    }

    /// Its PID.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The child itself, e.g. to take its stdin.
    pub fn child(&mut self) -> &mut Child {
        &mut self.child
    }

    /// Sends it `signal` (a name for kill(1), e.g. `"TERM"`).
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill").args(["-s", signal, &self.pid().to_string()]).status().expect("kill(1)");
        assert!(status.success(), "kill -s {signal} {} failed", self.pid());
    }

    /// Waits for it to exit.
    ///
    /// # Panics
    ///
    /// If it is still running after [`DEADLINE`].
    pub fn wait(&mut self) -> ExitStatus {
        wait_bounded(&mut self.child, DEADLINE).unwrap_or_else(|| panic!("pid {} still running", self.pid()))
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill(); // SIGKILL to this PID only
        }
        let _ = self.child.wait();
    }
}

/// An example server started on a free address.
#[derive(Debug)]
pub struct ExampleServer {
    /// The process; its `stdout` continues after the listening line.
    pub process: Process,
    /// What it printed after `listening on `.
    pub address: String,
}

impl ExampleServer {
    /// Builds and starts example `name` with `args`, and waits for its
    /// `listening on ADDR` line. Its stderr goes to the test's.
    ///
    /// # Panics
    ///
    /// If it does not print that line within [`DEADLINE`].
    pub fn start(name: &str, args: &[&str]) -> ExampleServer {
        let binary = example_binary(name);
        let process = Process::spawn(Command::new(binary).args(args).stdin(Stdio::null()));
        let line = process.stdout.next_line().unwrap_or_else(|| panic!("{name} exited before listening"));
        let address = line.strip_prefix("listening on ").unwrap_or_else(|| panic!("{name}: unexpected {line:?}"));
        ExampleServer { address: address.to_owned(), process }
    }

    /// Sends SIGTERM and waits for the exit.
    pub fn terminate(&mut self) -> ExitStatus {
        self.process.signal("TERM");
        self.process.wait()
    }
}

/// A `Command` for OpenBSD netcat.
///
/// # Panics
///
/// With instructions if `nc` is missing or is not OpenBSD's (whose `-N` and
/// `-d` the tests use): .ci/run installs it.
pub fn nc() -> Command {
    let help = Command::new("nc").arg("-h").stdin(Stdio::null()).output();
    let ok = match &help {
        Ok(out) => [&out.stdout, &out.stderr].iter().any(|o| String::from_utf8_lossy(o).contains("OpenBSD")),
        Err(_) => false,
    };
    assert!(
        ok,
        "these tests drive the servers with OpenBSD netcat (`nc`), which is not installed here: \
         run .ci/run (it installs the clients the tests need), or `apt-get install netcat-openbsd`"
    );
    Command::new("nc")
}
