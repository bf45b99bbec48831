//! Git plumbing: opening repositories with gix, and the few things gix cannot do
//! (push, fetch over every transport the user's git is configured for, config
//! writes with git's own locking) through the `git` binary.
//!
//! External programs are always run with an argument vector, never through a shell.
//! This module knows nothing about realms.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use gix::bstr::ByteSlice;

use crate::error::{Context, Error, Result};

/// Open the repository the user is in, honouring `GIT_DIR`, `GIT_WORK_TREE` and
/// friends (so `git -C DIR realm …` and `GIT_DIR=… git realm …` both work).
pub fn open_current() -> Result<gix::Repository> {
    let cwd = std::env::current_dir().context(|| "cannot read the current directory".into())?;
    gix::discover_with_environment_overrides(&cwd).map_err(|e| {
        Error::usage(format!(
            "not a git repository (or any parent up to the root): {}",
            cwd.display()
        ))
        .hint(format!("git-realm works inside a member repository ({e})"))
    })
}

/// Open the repository at exactly `path`, ignoring the environment's `GIT_DIR`.
pub fn open_at(path: &Path) -> Result<gix::Repository> {
    gix::open(path)
        .map_err(|e| Error::usage(format!("{} is not a git repository: {e}", path.display())))
}

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

/// The raw value of `key` in the repository's configuration (as configured: no
/// `insteadOf` rewriting is applied to urls).
pub fn config_string(repo: &gix::Repository, key: &str) -> Option<String> {
    repo.config_snapshot()
        .string(key)
        .map(|v| v.to_str_lossy().into_owned())
}

/// Set `key = value` in the repository's local config (git does the locking).
pub fn config_set(repo: &gix::Repository, key: &str, value: &str) -> Result<()> {
    Git::in_repo(repo)
        .args(["config", "--local", key, value])
        .run()
        .map(drop)
}

/// Add `value` to the multi-valued `key` unless it is already there.
pub fn config_add_unique(repo: &gix::Repository, key: &str, value: &str) -> Result<()> {
    let out = Git::in_repo(repo)
        .args(["config", "--local", "--get-all", key])
        .output()?;
    if out.stdout.lines().any(|l| l == value) {
        return Ok(());
    }
    Git::in_repo(repo)
        .args(["config", "--local", "--add", key, value])
        .run()
        .map(drop)
}

/// Remove one value of a multi-valued key (no error when absent).
pub fn config_unset_value(repo: &gix::Repository, key: &str, value: &str) -> Result<()> {
    let out = Git::in_repo(repo)
        .args([
            "config",
            "--local",
            "--fixed-value",
            "--unset-all",
            key,
            value,
        ])
        .output()?;
    // Exit 5: the key/value was not there, which is what we wanted.
    if out.success || out.stderr.is_empty() {
        Ok(())
    } else {
        Err(Error::external(out.reason()))
    }
}

/// Remove a whole `[section "sub"]` (no error when absent).
pub fn config_remove_section(repo: &gix::Repository, section: &str) -> Result<()> {
    let out = Git::in_repo(repo)
        .args(["config", "--local", "--remove-section", section])
        .output()?;
    if out.success || out.stderr.contains("no such section") {
        Ok(())
    } else {
        Err(Error::external(out.reason()))
    }
}

/// Resolve `name` to the object id it points at, if the ref exists.
pub fn ref_target(repo: &gix::Repository, name: &str) -> Result<Option<gix::ObjectId>> {
    let found = repo
        .try_find_reference(name)
        .context(|| format!("cannot read ref {name}"))?;
    match found {
        None => Ok(None),
        Some(mut r) => {
            let id = r
                .peel_to_id()
                .context(|| format!("cannot resolve ref {name}"))?;
            Ok(Some(id.detach()))
        }
    }
}

/// Compare-and-swap a ref: set `name` to `new` only if it currently points at
/// `expected` (`None`: only if it does not exist). Returns false when the ref had
/// moved, so callers can re-read and decide.
pub fn cas_ref(
    repo: &gix::Repository,
    name: &str,
    expected: Option<gix::ObjectId>,
    new: gix::ObjectId,
    log: &str,
) -> Result<bool> {
    use gix::refs::transaction::PreviousValue;
    let constraint = match expected {
        Some(old) => PreviousValue::MustExistAndMatch(gix::refs::Target::Object(old)),
        None => PreviousValue::MustNotExist,
    };
    match repo.reference(name, new, constraint, log) {
        Ok(_) => Ok(true),
        Err(e) => {
            // Distinguish "someone else moved it" from real failures by re-reading.
            let now = ref_target(repo, name)?;
            if now != expected {
                Ok(false)
            } else {
                Err(Error::external(format!("cannot update ref {name}: {e}")))
            }
        }
    }
}

/// Write a commit object (no ref moves) signed with the user's git identity,
/// which git-realm never invents: without one, the user is told how to set it.
pub fn new_commit(
    repo: &gix::Repository,
    message: &str,
    tree: gix::ObjectId,
    parents: impl IntoIterator<Item = gix::ObjectId>,
) -> Result<gix::ObjectId> {
    let identity_error = || {
        Error::usage("your git identity is not configured, and realm commits are made with it").hint(
            "run `git config --global user.name \"Your Name\"` and `git config --global user.email you@example.com`",
        )
    };
    let author = repo
        .author()
        .ok_or_else(identity_error)?
        .context(|| "invalid author date".into())?;
    let committer = repo
        .committer()
        .ok_or_else(identity_error)?
        .context(|| "invalid committer date".into())?;
    let commit = repo
        .new_commit_as(committer, author, message, tree, parents)
        .context(|| "cannot write a commit".into())?;
    Ok(commit.id)
}

/// Delete a ref if it still points at `expected`.
pub fn delete_ref(repo: &gix::Repository, name: &str, expected: gix::ObjectId) -> Result<()> {
    use gix::refs::transaction::{Change, PreviousValue, RefEdit, RefLog};
    let edit = RefEdit {
        change: Change::Delete {
            expected: PreviousValue::MustExistAndMatch(gix::refs::Target::Object(expected)),
            log: RefLog::AndReference,
        },
        name: name
            .try_into()
            .map_err(|e| Error::usage(format!("invalid ref name {name}: {e}")))?,
        deref: false,
    };
    repo.edit_reference(edit)
        .context(|| format!("cannot delete ref {name}"))?;
    Ok(())
}

/// The outcome of pushing one ref.
pub enum Push {
    Pushed,
    /// The remote refused the update; `reason` is git's word for why.
    Rejected {
        reason: String,
    },
}

/// Push `commit` to `remote_ref` at `url`, only if the remote still has `expected`
/// there (a lease, so a concurrent writer is never overwritten). The user's pre-push
/// hooks are not run: this pushes realm metadata, not the user's code.
pub fn push_with_lease(
    repo: &gix::Repository,
    url: &str,
    commit: gix::ObjectId,
    remote_ref: &str,
    expected: Option<gix::ObjectId>,
) -> Result<Push> {
    let lease = match expected {
        Some(old) => format!("--force-with-lease={remote_ref}:{old}"),
        // An empty expected value means "the ref must not exist yet".
        None => format!("--force-with-lease={remote_ref}:"),
    };
    let out = Git::in_repo(repo)
        .args(["push", "--porcelain", "--atomic", "--no-verify", "--quiet"])
        .arg(lease)
        .arg("--")
        .arg(url)
        .arg(format!("{commit}:{remote_ref}"))
        .output()?;
    let rejected = out.stdout.lines().find(|l| l.starts_with('!'));
    match (out.success, rejected) {
        (true, _) => Ok(Push::Pushed),
        (false, Some(line)) => {
            let reason = line.split('\t').nth(2).unwrap_or(line).to_owned();
            Ok(Push::Rejected { reason })
        }
        (false, None) => Err(Error::external(format!(
            "git push to {url} failed: {}",
            out.reason()
        ))),
    }
}

/// Fetch `remote_ref` from `url` into the local `local_ref` (forced: the local ref is
/// a mirror of the remote one). Returns git's error text when the remote lacks it.
pub fn fetch_into(
    repo: &gix::Repository,
    url: &str,
    remote_ref: &str,
    local_ref: &str,
) -> Result<()> {
    let out = Git::in_repo(repo)
        .args([
            "fetch",
            "--quiet",
            "--no-tags",
            "--no-write-fetch-head",
            "--no-recurse-submodules",
            "--no-auto-gc",
        ])
        .arg("--")
        .arg(url)
        .arg(format!("+{remote_ref}:{local_ref}"))
        .output()?;
    if out.success {
        Ok(())
    } else if out.stderr.contains("couldn't find remote ref") {
        Err(
            Error::usage(format!("{url} has no {remote_ref}: it is not a realm"))
                .hint("create one with `git realm init PATH --name NAME`"),
        )
    } else {
        Err(Error::external(format!(
            "cannot fetch {url}: {}",
            out.reason()
        )))
    }
}

/// `git ls-remote` of one ref: the cheap way to see whether a remote moved.
pub fn ls_remote(url: &str, remote_ref: &str) -> Result<Option<gix::ObjectId>> {
    let out = Git::bare()
        .args(["ls-remote", "--", url, remote_ref])
        .run()?;
    let first = out.stdout.lines().find(|l| l.ends_with(remote_ref));
    match first.and_then(|l| l.split('\t').next()) {
        Some(hex) => gix::ObjectId::from_hex(hex.as_bytes())
            .map(Some)
            .map_err(|e| Error::external(format!("git ls-remote printed an invalid id: {e}"))),
        None => Ok(None),
    }
}

/// `base.join(p)`, lexically normalised (no filesystem access needed).
pub fn absolute(base: &Path, p: &Path) -> PathBuf {
    let joined = if p.is_absolute() {
        p.to_owned()
    } else {
        base.join(p)
    };
    let mut out = PathBuf::new();
    for part in joined.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The current time as git would stamp a commit (honours `GIT_COMMITTER_DATE`).
pub fn now(repo: &gix::Repository) -> Result<crate::model::Timestamp> {
    let seconds = match repo.committer() {
        Some(Ok(sig)) => sig.seconds(),
        _ => jiff::Timestamp::now().as_second(),
    };
    jiff::Timestamp::from_second(seconds)
        .map_err(|e| Error::usage(format!("invalid commit time: {e}")))
}
