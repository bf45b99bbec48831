//! The one way git-realm starts a `git` process: [`Git`], a command line under
//! construction, and its captured [`Output`].
//!
//! Always an argument vector (duct, never a shell); stdin is closed and stdout and
//! stderr are captured. Every process runs with `LC_ALL=C` (and an empty
//! `LANGUAGE`) so that the text callers parse is git's untranslated English,
//! unless the command opts into the user's locale with [`Git::user_locale`]
//! (commands that run the user's own hooks and signing programs, whose output is
//! shown, never parsed). Under `-v`, each process leaves one trace line on stderr:
//! its command line and how long it ran.
//!
//! This module knows which `git` to run and how, not what any git command means:
//! named operations live in the sibling modules, and nothing outside `git` builds
//! a git command line.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Instant;

use crate::error::{Error, Result};
use crate::ui;

/// The `git` program (found on `PATH` once per process).
pub fn git_program() -> Result<&'static Path> {
    static GIT: OnceLock<std::result::Result<PathBuf, String>> = OnceLock::new();
    GIT.get_or_init(|| which::which("git").map_err(|e| e.to_string()))
        .as_ref()
        .map(PathBuf::as_path)
        .map_err(|e| Error::external(format!("git is not installed or not on PATH ({e})")))
}

/// The captured result of a `git` invocation.
pub struct Output {
    pub success: bool,
    /// The exit code (`None`: killed by a signal).
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// Git's own last words, for error messages.
    pub fn reason(&self) -> String {
        let text = if self.stderr.trim().is_empty() {
            &self.stdout
        } else {
            &self.stderr
        };
        text.trim()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// A `git` command line under construction.
pub struct Git {
    args: Vec<OsString>,
    dir: Option<PathBuf>,
    clear_repo_env: bool,
    user_locale: bool,
    env: Vec<(OsString, OsString)>,
}

impl Git {
    /// `git --git-dir=<repo's git dir> …`: acts on exactly this repository.
    pub fn in_repo(repo: &gix::Repository) -> Self {
        let mut g = Git::bare();
        g.args.push(OsString::from("--git-dir"));
        g.args.push(repo.git_dir().as_os_str().to_owned());
        g
    }

    /// `git -C <dir> …`, with the caller's `GIT_DIR`/`GIT_WORK_TREE` removed so the
    /// command acts on `dir` and not on the repository the user happens to be in.
    pub fn in_dir(dir: &Path) -> Self {
        let mut g = Git::bare();
        g.dir = Some(dir.to_owned());
        g.clear_repo_env = true;
        g
    }

    /// `git …` in the current directory and environment.
    pub fn bare() -> Self {
        Git {
            args: Vec::new(),
            dir: None,
            clear_repo_env: false,
            user_locale: false,
            env: Vec::new(),
        }
    }

    /// Keep the user's locale instead of `LC_ALL=C`: for a command that runs the
    /// user's own programs (hooks, commit signing) and whose words are only shown
    /// to the user. Its outcome must then be read from the exit status or
    /// `--porcelain` output, never from its messages.
    pub fn user_locale(mut self) -> Self {
        self.user_locale = true;
        self
    }

    /// Set an environment variable for this command only (after the repository
    /// variables `in_dir` removes, so it may set one of them).
    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    pub fn arg(mut self, arg: impl Into<OsString>) -> Self {
        self.args.push(arg.into());
        self
    }

    pub fn args<I: IntoIterator<Item = S>, S: Into<OsString>>(mut self, args: I) -> Self {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    fn expression(&self) -> Result<duct::Expression> {
        let mut expr = duct::cmd(git_program()?, &self.args)
            .stdout_capture()
            .stderr_capture()
            .stdin_null()
            .unchecked();
        if let Some(dir) = &self.dir {
            expr = expr.dir(dir);
        }
        // duct applies the first setting of a variable last (the innermost
        // expression wins), so a variable this command sets is never also
        // removed or defaulted: `worktree_tree`'s scratch GIT_INDEX_FILE was
        // removed that way, and `git add -A` staged into the user's index.
        let explicit = |var: &str| self.env.iter().any(|(k, _)| k == var);
        for (k, v) in &self.env {
            expr = expr.env(k, v);
        }
        if !self.user_locale {
            for (var, value) in [("LC_ALL", "C"), ("LANGUAGE", "")] {
                if !explicit(var) {
                    expr = expr.env(var, value);
                }
            }
        }
        if self.clear_repo_env {
            for var in [
                "GIT_DIR",
                "GIT_WORK_TREE",
                "GIT_INDEX_FILE",
                "GIT_COMMON_DIR",
                "GIT_PREFIX",
            ] {
                if !explicit(var) {
                    expr = expr.env_remove(var);
                }
            }
        }
        Ok(expr)
    }

    /// Run and capture, whatever the exit status.
    pub fn output(&self) -> Result<Output> {
        let expr = self.expression()?;
        let started = Instant::now();
        let result = expr.run();
        if ui::is_verbose() {
            ui::trace_process(
                "git",
                &self.traced_args(),
                started.elapsed(),
                result.as_ref().ok().map(|o| o.status),
            );
        }
        let out = result.map_err(|e| Error::external(format!("cannot run git: {e}")))?;
        Ok(Output {
            success: out.status.success(),
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }

    /// Run; a non-zero exit is an external failure naming the command.
    pub fn run(&self) -> Result<Output> {
        let out = self.output()?;
        if out.success {
            Ok(out)
        } else {
            Err(Error::external(format!(
                "`git {}` failed: {}",
                self.display_args(),
                out.reason()
            )))
        }
    }

    /// The arguments as a trace shows them: `-C DIR` first when run in a directory.
    fn traced_args(&self) -> Vec<OsString> {
        let mut shown = Vec::with_capacity(self.args.len() + 2);
        if let Some(dir) = &self.dir {
            shown.push(OsString::from("-C"));
            shown.push(dir.as_os_str().to_owned());
        }
        shown.extend(self.args.iter().cloned());
        shown
    }

    fn display_args(&self) -> String {
        let mut skip = false;
        let mut shown = Vec::new();
        for a in &self.args {
            if skip {
                skip = false;
                continue;
            }
            if a == "--git-dir" {
                skip = true;
                continue;
            }
            shown.push(a.to_string_lossy().into_owned());
        }
        shown.join(" ")
    }
}
