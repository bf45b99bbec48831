//! What a member's own repository says, as contracts and operations need it: export
//! values computed from its code, whether a binding file provides a contract, its
//! `HEAD`, whether a binding file changed since an import was last resolved.
//!
//! Surveys and realm operations see the repository only through [`Workspace`], so
//! they can be tested with a fake one and never reach into the file system
//! themselves. [`WorkingTree`] is the real one.

use std::path::{Path, PathBuf};

use gix::ObjectId;
use serde_json::Value;

use crate::error::{Context, Error, Result};
use crate::model::{CommitId, RelPath, ValueSource};

/// The member repository, as contracts see it.
pub trait Workspace {
    /// Whether there are files to compute values from (a bare repository has none).
    fn has_worktree(&self) -> bool;
    /// The export value `source` computes (an error names what is wrong with it).
    fn evaluate(&self, source: &ValueSource) -> Result<Value>;
    /// The strings of `value` that the binding file does not provide (see
    /// `contracts::verify`).
    fn verify(&self, binding: &RelPath, pattern: &str, value: &Value) -> Result<Vec<String>>;
    /// The commit `HEAD` points at, if any.
    fn head(&self) -> Option<ObjectId>;
    /// Whether the binding file at `HEAD` differs from the one at `resolved`
    /// (never resolved: whether it exists at all).
    fn binding_changed(&self, resolved: Option<&CommitId>, binding: &RelPath) -> Result<bool>;
}

/// The real workspace: a repository and its working tree, if it has one.
pub struct WorkingTree<'r> {
    repo: &'r gix::Repository,
    workdir: Option<PathBuf>,
    head: Option<ObjectId>,
}

impl<'r> WorkingTree<'r> {
    pub fn new(repo: &'r gix::Repository) -> Self {
        WorkingTree {
            repo,
            workdir: repo.workdir().map(Path::to_owned),
            head: head_commit(repo),
        }
    }

    pub fn workdir(&self) -> Option<&Path> {
        self.workdir.as_deref()
    }

    fn require_workdir(&self) -> Result<&Path> {
        self.workdir.as_deref().ok_or_else(|| {
            Error::usage("a bare repository has no working tree to compute exports from")
        })
    }

    fn blob_at(&self, commit: ObjectId, path: &RelPath) -> Result<Option<ObjectId>> {
        let Ok(c) = self.repo.find_commit(commit) else {
            return Ok(None);
        };
        let tree = c
            .tree()
            .context(|| format!("cannot read the tree of {commit}"))?;
        Ok(tree
            .lookup_entry_by_path(path.as_str())
            .context(|| format!("cannot look up {path} in {commit}"))?
            .map(|e| e.object_id()))
    }
}

impl Workspace for WorkingTree<'_> {
    fn has_worktree(&self) -> bool {
        self.workdir.is_some()
    }

    fn evaluate(&self, source: &ValueSource) -> Result<Value> {
        crate::sources::evaluate(source, self.require_workdir()?)
    }

    fn verify(&self, binding: &RelPath, pattern: &str, value: &Value) -> Result<Vec<String>> {
        crate::contracts::verify(self.require_workdir()?, binding, pattern, value)
    }

    fn head(&self) -> Option<ObjectId> {
        self.head
    }

    fn binding_changed(&self, resolved: Option<&CommitId>, binding: &RelPath) -> Result<bool> {
        let Some(head) = self.head else {
            return Ok(false);
        };
        let now = self.blob_at(head, binding)?;
        let Some(resolved) = resolved else {
            return Ok(now.is_some());
        };
        let then_id = ObjectId::from_hex(resolved.as_str().as_bytes())
            .map_err(|e| Error::usage(e.to_string()))?;
        Ok(now.is_some() && now != self.blob_at(then_id, binding)?)
    }
}

/// `HEAD`'s commit, if the repository has one.
pub fn head_commit(repo: &gix::Repository) -> Option<ObjectId> {
    repo.head_id().ok().map(|id| id.detach())
}
