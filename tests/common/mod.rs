//! Test fixtures: a sandboxed world of git repositories, driven through the real
//! `git` binary so that `git realm …` dispatch is part of every test.
//!
//! Every process runs with a cleared environment: its own `HOME`,
//! `GIT_CONFIG_GLOBAL`, `XDG_CONFIG_HOME`, `GIT_CONFIG_NOSYSTEM=1`, fixed author
//! and committer dates, `TZ=UTC`, and the freshly built executables first on `PATH`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub const DATE: &str = "2026-01-24 10:00:00 +0000";

pub struct World {
    pub root: tempfile::TempDir,
}

/// What a command did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn ok(self) -> Self {
        assert_eq!(
            self.code, 0,
            "expected success\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
    pub fn code(self, code: i32) -> Self {
        assert_eq!(
            self.code, code,
            "expected exit {code}\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", self.stdout))
    }
}

fn bin_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_git-realm"))
        .parent()
        .unwrap()
        .to_owned()
}

impl World {
    pub fn new() -> Self {
        let root = tempfile::Builder::new()
            .prefix("realm-test-")
            .tempdir()
            .unwrap();
        let w = World { root };
        std::fs::create_dir_all(w.path("home")).unwrap();
        std::fs::create_dir_all(w.path("bin")).unwrap();
        std::fs::write(
            w.path("home/gitconfig"),
            "[user]\n\tname = Test User\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n",
        )
        .unwrap();
        w
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.path().join(rel)
    }

    /// The isolated environment, for processes started outside `run`.
    pub fn env(&self) -> Vec<(String, String)> {
        let path = format!(
            "{}:{}:{}",
            self.path("bin").display(),
            bin_dir().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        vec![
            ("PATH".into(), path),
            ("HOME".into(), self.path("home").display().to_string()),
            (
                "GIT_CONFIG_GLOBAL".into(),
                self.path("home/gitconfig").display().to_string(),
            ),
            ("GIT_CONFIG_NOSYSTEM".into(), "1".into()),
            (
                "XDG_CONFIG_HOME".into(),
                self.path("home/.config").display().to_string(),
            ),
            ("GIT_AUTHOR_DATE".into(), DATE.into()),
            ("GIT_COMMITTER_DATE".into(), DATE.into()),
            ("TZ".into(), "UTC".into()),
            // A UTF-8 locale, as on a user's terminal: ✓ ⚠ ❌ markers (LANG=C
            // gives plain ones). git-realm runs git itself with LC_ALL=C.
            ("LANG".into(), "C.UTF-8".into()),
        ]
    }

    pub fn command(&self, dir: &Path, program: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .envs(self.env())
            .current_dir(dir)
            .args(args)
            .stdin(Stdio::null());
        cmd
    }

    /// Run `git ARGS` in `dir` (relative to the world's root).
    pub fn git(&self, dir: &str, args: &[&str]) -> Run {
        self.run_cmd(self.command(&self.path(dir), "git", args))
    }

    /// Run `git realm ARGS` in `dir`.
    pub fn realm(&self, dir: &str, args: &[&str]) -> Run {
        self.realm_env(dir, args, &[])
    }

    /// Run `git realm ARGS` in `dir` with `env` added (a gh double, say).
    pub fn realm_env(&self, dir: &str, args: &[&str], env: &[(String, String)]) -> Run {
        let mut all = vec!["realm"];
        all.extend_from_slice(args);
        let mut cmd = self.command(&self.path(dir), "git", &all);
        cmd.envs(env.iter().map(|(k, v)| (k, v)));
        self.run_cmd(cmd)
    }

    /// Write `content` to `path` inside `dir`, creating folders.
    pub fn write(&self, dir: &str, path: &str, content: &str) {
        let full = self.path(dir).join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, content).unwrap();
    }

    pub fn run_cmd(&self, mut cmd: Command) -> Run {
        let out = cmd.output().expect("cannot start process");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// A bare "origin" and a clone of it with one commit: a member repository.
    pub fn member(&self, name: &str) -> String {
        let bare = format!("remotes/{name}.git");
        std::fs::create_dir_all(self.path("remotes")).unwrap();
        self.git(".", &["init", "-q", "--bare", &bare]).ok();
        self.git(".", &["clone", "-q", &bare, name]).ok();
        std::fs::write(self.path(name).join("README.md"), format!("# {name}\n")).unwrap();
        self.git(name, &["add", "README.md"]).ok();
        self.git(name, &["commit", "-q", "-m", "initial"]).ok();
        self.git(name, &["push", "-q", "origin", "HEAD"]).ok();
        name.to_owned()
    }

    /// A bare realm created by `git realm init`.
    pub fn bare_realm(&self, name: &str) -> String {
        let path = format!("{name}.git");
        self.realm(".", &["init", &path, "--bare", "--name", name])
            .ok();
        self.path(&path).display().to_string()
    }

    /// `git rev-parse REV` in `dir`.
    pub fn rev(&self, dir: &str, rev: &str) -> String {
        self.git(dir, &["rev-parse", "--verify", "-q", rev])
            .stdout
            .trim()
            .to_owned()
    }

    /// The files on the realm's main branch (in a bare realm at `realm_dir`).
    pub fn realm_files(&self, realm_dir: &str) -> Vec<String> {
        let out = self
            .git(realm_dir, &["ls-tree", "-r", "--name-only", "main"])
            .ok();
        out.stdout.lines().map(str::to_owned).collect()
    }

    pub fn realm_log(&self, realm_dir: &str) -> Vec<String> {
        let out = self.git(realm_dir, &["log", "--format=%s", "main"]).ok();
        out.stdout.lines().map(str::to_owned).collect()
    }

    /// Commit `files` (path, content) straight onto the realm's main branch, as a
    /// hand edit would: the way to plant malformed state.
    pub fn edit_realm(&self, realm_dir: &str, files: &[(impl AsRef<str>, impl AsRef<str>)]) {
        let work = format!("edit-{}", std::process::id());
        let _ = std::fs::remove_dir_all(self.path(&work));
        self.git(".", &["clone", "-q", realm_dir, &work]).ok();
        for (path, content) in files {
            let full = self.path(&work).join(path.as_ref());
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, content.as_ref()).unwrap();
        }
        self.git(&work, &["add", "-A"]).ok();
        self.git(&work, &["commit", "-q", "-m", "hand edit"]).ok();
        self.git(&work, &["push", "-q", "origin", "main"]).ok();
        std::fs::remove_dir_all(self.path(&work)).unwrap();
    }

    pub fn write_exe(&self, rel: &str, script: &str) {
        use std::os::unix::fs::PermissionsExt;
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, script).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}
