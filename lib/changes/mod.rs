//! Coordinated changes on this machine: where each repo's checkout and worktree
//! are, the change the user is working in (`Session`), and the order its pull
//! requests merge in. Shared by `worktree`, `commit`, `push`, `pr` and `watch`;
//! realm writes about changes are operations in `crate::ops::change`.

mod checkouts;
pub mod consistency;
pub mod gate;
mod order;
pub mod pr_body;
pub mod pr_status;
pub mod prs;
pub mod publish;
pub mod round;
mod session;

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::model::{self, ChangeFile, Email, Name};
use crate::store::Snapshot;

pub use checkouts::Checkouts;
pub use order::{Dependency, dependencies, merge_order};
pub use session::Session;

/// The directory, inside each repo's checkout, that holds the worktrees of changes
/// unless `realm.worktreeDir` says otherwise (`crate::settings::worktree_dir`).
pub const WORKTREES_DIR: &str = crate::settings::DEFAULT_WORKTREE_DIR;

/// Names that `git realm worktree` reads as subcommands, so no change may bear them.
pub const RESERVED: [&str; 3] = ["list", "remove", "finish"];

/// `<checkout>/<realm.worktreeDir>/<change>` (`.worktrees` by default).
pub fn worktree_path(checkout: &Path, change: &Name) -> PathBuf {
    checkout
        .join(crate::settings::worktree_dir(checkout))
        .join(change.as_str())
}

/// [`worktree_path`] with the checkout's repository already open (`None`: it
/// cannot be, and the default directory is used).
pub fn worktree_path_of(checkout: &Path, repo: Option<&gix::Repository>, change: &Name) -> PathBuf {
    checkout
        .join(crate::settings::worktree_dir_or_default(repo))
        .join(change.as_str())
}

/// The main working tree of `repo` (the one `.worktrees/` lives in), also when
/// `repo` is one of its linked worktrees; a bare repository's own directory.
pub fn main_checkout(repo: &gix::Repository) -> PathBuf {
    let common = repo.common_dir();
    let common = std::fs::canonicalize(common).unwrap_or_else(|_| common.to_owned());
    match (common.file_name(), common.parent()) {
        (Some(name), Some(parent)) if name == ".git" => parent.to_owned(),
        _ => common,
    }
}

/// The current worktree's directory, canonical.
pub fn current_workdir(repo: &gix::Repository) -> Option<PathBuf> {
    let dir = repo.workdir()?;
    Some(std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_owned()))
}

/// The current branch of `repo`.
fn current_branch(repo: &gix::Repository) -> Option<String> {
    let name = repo.head_name().ok()??;
    let full = name.as_bstr().to_string();
    full.strip_prefix("refs/heads/").map(str::to_owned)
}

/// The user's e-mail, as git would record it in a commit.
pub fn identity_email(repo: &gix::Repository) -> Result<Email> {
    let sig = repo.committer().and_then(|s| s.ok()).ok_or_else(|| {
        Error::usage("your git identity is not configured, and changes are recorded with it")
            .hint("run `git config --global user.email you@example.com`")
    })?;
    sig.email
        .to_string()
        .parse()
        .map_err(|e| Error::usage(format!("git config user.email: {e}")))
}

/// Refuse branch names git would refuse, and ones that read as options.
pub fn check_branch(flag: &str, branch: &str) -> Result<()> {
    crate::model::check_branch_name(branch)
        .map_err(|e| Error::usage(format!("{flag} {branch}: {e}")))
}

/// Refuse a `--base` that is not a revision name, or reads as an option.
pub fn check_base(flag: &str, base: &str) -> Result<()> {
    crate::model::check_base(base).map_err(|e| Error::usage(format!("{flag} {base}: {e}")))
}

/// Refuse a change branch that is the default branch of the repository checked out
/// at `checkout` (what `origin/HEAD` names, or `init.defaultBranch`): `push` would
/// publish the user's unpushed default branch and `pr` open a PR from it.
/// (`checkout` is that repository, opened: `None` when it cannot be, and then
/// there is nothing to refuse.)
pub fn refuse_default_branch(
    repo: &Name,
    checkout: Option<&gix::Repository>,
    branch: &str,
) -> Result<()> {
    let Some(checkout) = checkout else {
        return Ok(());
    };
    let mut defaults: Vec<String> = crate::git::remotes::default_branch_of(checkout, "origin")
        .into_iter()
        .collect();
    defaults.extend(crate::git::config_string(checkout, "init.defaultBranch"));
    if defaults.iter().any(|d| d == branch) {
        return Err(Error::usage(format!(
            "the change's branch {branch} is the default branch of {repo}: a change needs a branch of its own"
        ))
        .hint("if the realm recorded it, the change file is wrong: start the change again under another name"));
    }
    Ok(())
}

/// Refuse to create anything at `path` inside `checkout` when a component of it
/// below `checkout` is a symlink: a repository can commit `.worktrees` as a link
/// to `../..`, and nothing may then be written outside the repository.
pub fn refuse_symlinks(checkout: &Path, path: &Path) -> Result<()> {
    let rel = path.strip_prefix(checkout).map_err(|_| {
        Error::usage(format!(
            "{} is outside the repository {}",
            path.display(),
            checkout.display()
        ))
    })?;
    let mut at = checkout.to_owned();
    for part in rel.components() {
        at.push(part);
        if std::fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(Error::usage(format!(
                "refusing to use {}: {} is a symlink, and nothing is created outside the repository {}",
                path.display(),
                at.display(),
                checkout.display()
            ))
            .hint("remove the symlink (is it committed in the repository?) and re-run"));
        }
    }
    Ok(())
}

/// Every change of the realm.
pub fn all_changes(snapshot: &Snapshot<'_>) -> Result<Vec<ChangeFile>> {
    let mut out = Vec::new();
    for id in snapshot.doc_names(model::paths::CHANGES)? {
        out.push(snapshot.require::<ChangeFile>(&model::paths::change(id.as_str()), "change")?);
    }
    Ok(out)
}

/// The change's repos a command acts on: all, or those `--repos` names.
pub fn select_repos(change: &ChangeFile, only: &[Name]) -> Result<Vec<Name>> {
    for r in only {
        if !change.repos.contains(r) {
            return Err(Error::usage(format!(
                "--repos {r}: '{r}' does not take part in change '{}' (its repos: {})",
                change.id,
                join(&change.repos)
            )));
        }
    }
    Ok(change
        .repos
        .iter()
        .filter(|r| only.is_empty() || only.contains(r))
        .cloned()
        .collect())
}

pub fn join(names: &[Name]) -> String {
    names
        .iter()
        .map(Name::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}
