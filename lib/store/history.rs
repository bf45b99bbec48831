//! The realm's history, for verification: which commits a range holds, who made
//! each, and which files each one changed. Read from the object database only.

use std::collections::BTreeSet;

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
    let mut out = Vec::new();
    diff(repo, ta, Some(tb), "", &mut out)?;
    out.sort();
    Ok(out)
}

type Entries = std::collections::BTreeMap<String, (bool, ObjectId)>;

fn entries(repo: &gix::Repository, tree: Option<ObjectId>) -> Result<Entries> {
    let mut out = Entries::new();
    let Some(id) = tree else {
        return Ok(out);
    };
    let t = repo
        .find_tree(id)
        .context(|| format!("cannot read realm tree {id}"))?;
    for e in t.iter() {
        let e = e.context(|| format!("cannot decode realm tree {id}"))?;
        out.insert(
            e.filename().to_str_lossy().into_owned(),
            (e.mode().is_tree(), e.object_id()),
        );
    }
    Ok(out)
}

fn diff(
    repo: &gix::Repository,
    a: Option<ObjectId>,
    b: Option<ObjectId>,
    prefix: &str,
    out: &mut Vec<String>,
) -> Result<()> {
    if a == b {
        return Ok(());
    }
    let ea = entries(repo, a)?;
    let eb = entries(repo, b)?;
    let names: BTreeSet<&String> = ea.keys().chain(eb.keys()).collect();
    for name in names {
        let path = format!("{prefix}{name}");
        let x = ea.get(name);
        let y = eb.get(name);
        if x == y {
            continue;
        }
        let sub = |e: Option<&(bool, ObjectId)>| e.filter(|(dir, _)| *dir).map(|(_, id)| *id);
        let blob = |e: Option<&(bool, ObjectId)>| e.is_some_and(|(dir, _)| !*dir);
        if blob(x) || blob(y) {
            out.push(path.clone());
        }
        if sub(x).is_some() || sub(y).is_some() {
            diff(repo, sub(x), sub(y), &format!("{path}/"), out)?;
        }
    }
    Ok(())
}
