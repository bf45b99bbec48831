//! The one way git-realm starts a `git` process: [`Git`], a command line under
//! construction, and its captured [`Output`].
//!
//! Always an argument vector (duct, never a shell); stdin is closed and stdout and
//! stderr are captured. This module knows which `git` to run and how, not what any
//! git command means: named operations live in the sibling modules.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::error::{Error, Result};

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
        }
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
        if self.clear_repo_env {
            for var in [
                "GIT_DIR",
                "GIT_WORK_TREE",
                "GIT_INDEX_FILE",
                "GIT_COMMON_DIR",
                "GIT_PREFIX",
            ] {
                expr = expr.env_remove(var);
            }
        }
        Ok(expr)
    }

    /// Run and capture, whatever the exit status.
    pub fn output(&self) -> Result<Output> {
        let out = self
            .expression()?
            .run()
            .map_err(|e| Error::external(format!("cannot run git: {e}")))?;
        Ok(Output {
            success: out.status.success(),
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
