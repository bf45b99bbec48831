//! Commits: realm commits written as objects with gix (no working tree, no hooks),
//! and the user's own commits, which go through the `git` binary so that their
//! hooks, signing and configuration apply.
//!
//! No ref is moved here for realm commits: callers publish them with a
//! compare-and-swap (see `refs`).

use crate::error::{Context, Error, Result};

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
