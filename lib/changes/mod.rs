//! Coordinated changes on this machine: where each repo's checkout and worktree
//! are, the change the user is working in (`Session`), and the order its pull
//! requests merge in. Shared by `worktree`, `commit`, `push`, `pr` and `watch`;
//! realm writes about changes are operations in `crate::ops::change`.

mod checkouts;
pub mod gate;
mod order;
mod session;

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::model::{self, ChangeFile, Email, Name};
use crate::store::Snapshot;

pub use checkouts::Checkouts;
pub use order::{Dependency, dependencies, merge_order};
pub use session::Session;

/// The directory, inside each repo's checkout, that holds the worktrees of changes.
pub const WORKTREES_DIR: &str = ".worktrees";

/// Names that `git realm worktree` reads as subcommands, so no change may bear them.
pub const RESERVED: [&str; 3] = ["list", "remove", "finish"];

/// `<checkout>/.worktrees/<change>`.
pub fn worktree_path(checkout: &Path, change: &Name) -> PathBuf {
    checkout.join(WORKTREES_DIR).join(change.as_str())
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
    if branch.starts_with('-')
        || branch.starts_with("refs/")
        || gix::validate::reference::name_partial(branch.into()).is_err()
    {
        return Err(Error::usage(format!(
            "{flag} {branch}: not a valid branch name"
        )));
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
