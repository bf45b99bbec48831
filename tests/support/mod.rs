//! GitHub for tests, without a network: the `gh` test double
//! (`tests/support/gh-double`) and the real `gh` driven against a fake GitHub
//! (`tests/support/fake-github.py`) on a Unix socket.
//!
//! Use from an integration test with `mod support;`.
//!
//! - `GhDouble::new(dir)`: a state file in `dir`; `env()` gives `GIT_REALM_GH` and
//!   `GH_DOUBLE_STATE` for `git realm` processes, `gh()` a library client, and
//!   `state()`, `calls()`, `merge()` inspect or change what "GitHub" holds.
//! - `FakeGithub::start(dir)`: the fake server; `env()` gives what the real gh
//!   needs (`GH_CONFIG_DIR` with `http_unix_socket`, `GH_TOKEN`, `GH_HOST`, ...),
//!   `gh()` a library client running the real gh, `state()` and `operations()`
//!   what it received. It is killed when dropped.
#![allow(dead_code)]

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use git_realm::forge::Gh;

/// A file in `tests/support`.
pub fn support_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/support")
        .join(name)
}

/// The real `gh` (Debian package `gh`); its absence fails the test.
pub fn real_gh() -> PathBuf {
    which::which("gh")
        .ok()
        .or_else(|| Some(PathBuf::from("/usr/bin/gh")).filter(|p| p.exists()))
        .unwrap_or_else(|| {
            panic!(
                "the real `gh` is not installed: these tests drive it against a fake GitHub. \
                 .ci/run installs it (Debian package `gh`)"
            )
        })
}

fn read_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not JSON ({e}):\n{text}", path.display()))
}

fn path_var() -> String {
    std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into())
}

/// The `gh` test double and its state file.
pub struct GhDouble {
    pub program: PathBuf,
    pub state: PathBuf,
}

impl GhDouble {
    /// A double whose state lives in `dir/gh-double.json` (created on first call).
    pub fn new(dir: &Path) -> GhDouble {
        GhDouble {
            program: support_file("gh-double"),
            state: dir.join("gh-double.json"),
        }
    }

    /// For `git realm` processes: use the double, with this state.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("GIT_REALM_GH".into(), self.program.display().to_string()),
            ("GH_DOUBLE_STATE".into(), self.state.display().to_string()),
        ]
    }

    /// A library client running the double with an explicit environment.
    pub fn gh(&self) -> Gh {
        Gh::at(&self.program)
            .env_clear()
            .env("PATH", path_var())
            .env("GH_DOUBLE_STATE", &self.state)
    }

    /// Run the double directly with `args` (and extra `env`).
    pub fn command(&self, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut cmd = Command::new(&self.program);
        cmd.env_clear()
            .env("PATH", path_var())
            .env("GH_DOUBLE_STATE", &self.state)
            .envs(env.iter().copied())
            .args(args)
            .stdin(Stdio::null());
        cmd
    }

    /// The whole state (`{"calls": [...], "repos": {...}}`), `null` before any call.
    pub fn state(&self) -> serde_json::Value {
        if self.state.exists() {
            read_json(&self.state)
        } else {
            serde_json::Value::Null
        }
    }

    /// The argv of every call so far.
    pub fn calls(&self) -> Vec<Vec<String>> {
        serde_json::from_value(self.state()["calls"].clone()).unwrap_or_default()
    }

    /// One repository's `{"next", "issues", "pulls"}`.
    pub fn repo(&self, slug: &str) -> serde_json::Value {
        self.state()["repos"][slug].clone()
    }

    /// Mark pull request `number` of `slug` merged (as GitHub would after a merge).
    pub fn merge(&self, slug: &str, number: u64) {
        let out = self
            .command(&["__merge", slug, &number.to_string()], &[])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "gh-double __merge failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// `tests/support/fake-github.py`, running; killed on drop.
pub struct FakeGithub {
    child: Child,
    /// Holds the socket: a short path under /tmp (Unix socket paths are limited
    /// to ~100 bytes, test directories can be deeper).
    sock_dir: tempfile::TempDir,
    pub dir: PathBuf,
    pub state: PathBuf,
    pub log: PathBuf,
    pub config_dir: PathBuf,
}

impl FakeGithub {
    /// Start the fake, with its files (state, request log, gh config) in `dir`.
    pub fn start(dir: &Path) -> FakeGithub {
        let sock_dir = tempfile::Builder::new()
            .prefix("fake-gh-")
            .tempdir_in("/tmp")
            .unwrap();
        let socket = sock_dir.path().join("sock");
        let config_dir = dir.join("gh-config");
        std::fs::create_dir_all(&config_dir).unwrap();
        std::fs::create_dir_all(dir.join("gh-home")).unwrap();
        // What `gh config set http_unix_socket PATH` writes, without running gh.
        std::fs::write(
            config_dir.join("config.yml"),
            format!("http_unix_socket: {}\n", socket.display()),
        )
        .unwrap();
        let state = dir.join("fake-github.json");
        let log = dir.join("fake-github.log");
        let stderr = std::fs::File::create(dir.join("fake-github.stderr")).unwrap();
        let mut child = Command::new("python3")
            .arg(support_file("fake-github.py"))
            .arg("--socket")
            .arg(&socket)
            .arg("--state")
            .arg(&state)
            .arg("--log")
            .arg(&log)
            .args(["--idle", "300"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("cannot start python3 tests/support/fake-github.py");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let fake = FakeGithub {
            child,
            sock_dir,
            dir: dir.to_owned(),
            state,
            log,
            config_dir,
        };
        assert_eq!(
            line.trim(),
            "ready",
            "fake-github.py did not start: {}",
            std::fs::read_to_string(dir.join("fake-github.stderr")).unwrap_or_default()
        );
        fake
    }

    /// What the real gh needs to talk to this fake and nothing else.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("PATH".into(), path_var()),
            (
                "HOME".into(),
                self.dir.join("gh-home").display().to_string(),
            ),
            (
                "GH_CONFIG_DIR".into(),
                self.config_dir.display().to_string(),
            ),
            ("GH_TOKEN".into(), "x".into()),
            ("GH_HOST".into(), "github.com".into()),
            ("GH_PROMPT_DISABLED".into(), "1".into()),
            ("GH_NO_UPDATE_NOTIFIER".into(), "1".into()),
            ("NO_COLOR".into(), "1".into()),
        ]
    }

    /// A library client running the real gh against this fake.
    pub fn gh(&self) -> Gh {
        self.env()
            .into_iter()
            .fold(Gh::at(real_gh()).env_clear(), |gh, (k, v)| gh.env(k, v))
    }

    /// What the fake holds: `{"repos": {"O/R": {"next", "issues", "pulls"}}}`.
    pub fn state(&self) -> serde_json::Value {
        read_json(&self.state)
    }

    /// Every request gh sent: `{"method", "path", "operation", "variables",
    /// "query", "status"}`.
    pub fn requests(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// The GraphQL operation names received, in order.
    pub fn operations(&self) -> Vec<String> {
        self.requests()
            .iter()
            .map(|r| r["operation"].as_str().unwrap_or("<rest>").to_owned())
            .collect()
    }

    /// Requests the fake did not understand, for failure messages.
    pub fn unsupported(&self) -> Vec<serde_json::Value> {
        self.requests()
            .into_iter()
            .filter(|r| r["status"] != 200)
            .collect()
    }
}

impl Drop for FakeGithub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
