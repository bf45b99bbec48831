//! The realm's history, for verification: which commits a range holds, who made
//! each, and which files each one changed. Read from the object database only.

use gix::ObjectId;
use gix::bstr::ByteSlice;

use super::git_backend::GitBackend;
use super::snapshot::Snapshot;
use crate::error::{Context, Result};

/// One realm commit, as verification judges it.
#[derive(Debug, Clone)]
pub struct RealmCommit {
    pub id: ObjectId,
    pub parents: Vec<ObjectId>,
    pub author_name: String,
    pub author_email: String,
    pub message: String,
}

/// The commits reachable from `to` and not from `from` (all of its history when
/// `from` is `None`), in no particular order.
pub fn commits(
    repo: &gix::Repository,
    from: Option<ObjectId>,
    to: ObjectId,
) -> Result<Vec<ObjectId>> {
    let walk = repo
        .rev_walk([to])
        .with_hidden(from)
        .all()
        .context(|| format!("cannot walk the realm history from {to}"))?;
    let mut out = Vec::new();
    for info in walk {
        out.push(
            info.context(|| format!("cannot walk the realm history from {to}"))?
                .id,
        );
    }
    Ok(out)
}

/// Whether `ancestor` is `of` or one of its ancestors.
/// (What `ancestor` has that `of` lacks is empty: the walk stops at their merge
/// base, so the cost follows the divergence, not the history.)
pub fn is_ancestor(repo: &gix::Repository, ancestor: ObjectId, of: ObjectId) -> Result<bool> {
    Ok(ancestor == of || commits(repo, Some(of), ancestor)?.is_empty())
}

/// Who made `id`, its parents and message.
pub fn commit(repo: &gix::Repository, id: ObjectId) -> Result<RealmCommit> {
    let c = repo
        .find_commit(id)
        .context(|| format!("cannot read realm commit {id}"))?;
    let author = c
        .author()
        .context(|| format!("cannot read the author of {id}"))?;
    Ok(RealmCommit {
        id,
        parents: c.parent_ids().map(|p| p.detach()).collect(),
        author_name: author.name.to_str_lossy().into_owned(),
        author_email: author.email.to_str_lossy().into_owned(),
        message: c.message_raw_sloppy().to_str_lossy().into_owned(),
    })
}

/// The realm state at `commit`.
pub fn state<'r>(repo: &'r gix::Repository, commit: ObjectId) -> Result<Snapshot<'r>> {
    GitBackend::snapshot_of(repo, Some(commit), format!("realm commit {commit}"))
}

/// The files (blob paths) that differ between the trees of commits `a` and `b`
/// (`a` absent: every file of `b`), sorted.
pub fn changed_files(
    repo: &gix::Repository,
    a: Option<ObjectId>,
    b: ObjectId,
) -> Result<Vec<String>> {
    let tree_of = |c: ObjectId| -> Result<ObjectId> {
        Ok(repo
            .find_commit(c)
            .context(|| format!("cannot read realm commit {c}"))?
            .tree_id()
            .context(|| format!("cannot read the tree of {c}"))?
            .detach())
    };
    let ta = a.map(tree_of).transpose()?;
    let tb = tree_of(b)?;
    crate::git::commits::tree_changes(repo, ta, Some(tb))
}
