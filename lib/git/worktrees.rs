//! Working trees through the `git` binary (gix cannot add or remove worktrees):
//! `git worktree add/remove/prune/list`, and what a working tree holds that is not
//! saved elsewhere (uncommitted paths, commits on no remote).
//!
//! Worktrees are only ever added or removed here, never deleted by hand, so git's
//! own bookkeeping stays right; where they go and what they are named is the
//! caller's business.

use std::path::{Path, PathBuf};

use super::run::Git;
use crate::error::Result;

/// One entry of `git worktree list --porcelain`.
#[derive(Debug)]
pub struct Worktree {
    pub path: PathBuf,
    /// The branch checked out there (`None`: a detached HEAD).
    pub branch: Option<String>,
}

/// The worktrees of the repository at `checkout` (its main one first).
pub fn list(checkout: &Path) -> Result<Vec<Worktree>> {
    let out = Git::in_dir(checkout)
        .args(["worktree", "list", "--porcelain"])
        .run()?;
    let mut found: Vec<Worktree> = Vec::new();
    for line in out.stdout.lines() {
        if let Some(p) = line.strip_prefix("worktree ") {
            found.push(Worktree {
                path: PathBuf::from(p),
                branch: None,
            });
        } else if let Some(b) = line.strip_prefix("branch refs/heads/")
            && let Some(last) = found.last_mut()
        {
            last.branch = Some(b.to_owned());
        }
    }
    Ok(found)
}

/// Forget worktrees whose directory was deleted by hand.
pub fn prune(checkout: &Path) -> Result<()> {
    Git::in_dir(checkout)
        .args(["worktree", "prune"])
        .run()
        .map(drop)
}

/// Add a worktree of `checkout` at `path` on `branch`: the existing branch if there
/// is one, else a new branch started from `base` (default: `HEAD`).
pub fn add(checkout: &Path, path: &Path, branch: &str, base: Option<&str>) -> Result<()> {
    let has_branch = super::refs::has_branch(checkout, branch)?;
    let cmd = Git::in_dir(checkout).args(["worktree", "add", "--quiet"]);
    let cmd = if has_branch {
        cmd.arg("--").arg(path).arg(branch)
    } else {
        let cmd = cmd.args(["-b", branch, "--"]).arg(path);
        match base {
            Some(b) => cmd.arg(b),
            None => cmd,
        }
    };
    cmd.run().map(drop)
}

/// Remove the worktree at `path` (its branch is kept). Without `force`, git
/// refuses when it holds uncommitted changes.
pub fn remove(checkout: &Path, path: &Path, force: bool) -> Result<()> {
    let mut cmd = Git::in_dir(checkout).args(["worktree", "remove"]);
    if force {
        cmd = cmd.arg("--force");
    }
    cmd.arg("--").arg(path).run().map(drop)
}

/// What deleting a merged branch did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BranchDeleted {
    Deleted,
    /// There was no such branch.
    Absent,
    /// git refused: not merged into its upstream or `HEAD` (git's reason).
    Kept(String),
}

/// `git branch -d BRANCH` in the repository at `checkout`: deleted only when it is
/// merged (git's own check, against its upstream or `HEAD`).
pub fn delete_merged_branch(checkout: &Path, branch: &str) -> Result<BranchDeleted> {
    if !super::refs::has_branch(checkout, branch)? {
        return Ok(BranchDeleted::Absent);
    }
    let out = Git::in_dir(checkout)
        .args(["branch", "-d", "--", branch])
        .output()?;
    Ok(if out.success {
        BranchDeleted::Deleted
    } else {
        BranchDeleted::Kept(out.reason())
    })
}

/// How many paths `git status --porcelain` lists in the working tree at `dir`
/// (modified, staged or untracked-and-not-ignored): 0 when it is clean.
pub fn dirty_paths(dir: &Path) -> Result<usize> {
    let status = Git::in_dir(dir).args(["status", "--porcelain"]).run()?;
    Ok(status.stdout.lines().filter(|l| !l.is_empty()).count())
}

/// Commits of `HEAD` at `dir` that no remote has.
pub struct Unpushed {
    pub commits: u64,
    /// The branch's upstream (`origin/x`) they were counted against; `None`: it
    /// has none, and they were counted against every remote-tracking ref.
    pub upstream: Option<String>,
}

/// The commits of `HEAD` at `dir` that are not on its upstream (or, without one,
/// on any remote-tracking ref).
pub fn unpushed(dir: &Path) -> Result<Unpushed> {
    let upstream = Git::in_dir(dir)
        .args([
            "rev-parse",
            "--abbrev-ref",
            "--symbolic-full-name",
            "@{upstream}",
        ])
        .output()?;
    let upstream = upstream.success.then(|| upstream.stdout.trim().to_owned());
    let range: &[&str] = if upstream.is_some() {
        &["@{upstream}..HEAD"]
    } else {
        &["HEAD", "--not", "--remotes"]
    };
    let count = Git::in_dir(dir)
        .args(["rev-list", "--count"])
        .args(range)
        .run()?;
    Ok(Unpushed {
        commits: count.stdout.trim().parse().unwrap_or(0),
        upstream,
    })
}

/// Whether `branch` (short name) is checked out in a working tree of the
/// repository at `path` (its main one, unless bare, or a linked one): git refuses
/// pushes to such a branch, or with `receive.denyCurrentBranch=updateInstead`
/// rewrites that working tree on every push, which concurrent pushes wedge.
pub fn checked_out_anywhere(path: &Path, branch: &str) -> bool {
    // Opened as it is on disk: the caller's GIT_WORK_TREE / GIT_DIR (`git
    // --work-tree=…`) are about the caller's repository, not this one.
    let Ok(repo) = gix::open_opts(path, gix::open::Options::isolated()) else {
        return false;
    };
    let wanted = format!("ref: refs/heads/{branch}");
    let points_here =
        |head: PathBuf| std::fs::read_to_string(head).is_ok_and(|text| text.trim() == wanted);
    if !repo.is_bare() && points_here(repo.git_dir().join("HEAD")) {
        return true;
    }
    let Ok(linked) = std::fs::read_dir(repo.common_dir().join("worktrees")) else {
        return false;
    };
    linked
        .flatten()
        .any(|entry| points_here(entry.path().join("HEAD")))
}
