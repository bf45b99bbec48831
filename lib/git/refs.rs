//! Refs: reading where a ref points (and which branch is checked out), and moving
//! or deleting one only if it still points where the caller last saw it
//! (compare-and-swap), through gix; resolving a revision expression (`HEAD~1`,
//! `origin/main`) is git's own `rev-parse`.
//!
//! No ref is ever updated unconditionally here, and nothing talks to a remote.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::error::{Context, Error, Result};

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
                Err(update_failed(repo, "update", name, e))
            }
        }
    }
}

/// Point `name` at `new`, whatever it held before.
pub fn set_ref(repo: &gix::Repository, name: &str, new: gix::ObjectId, log: &str) -> Result<()> {
    use gix::refs::transaction::PreviousValue;
    repo.reference(name, new, PreviousValue::Any, log)
        .map_err(|e| update_failed(repo, "update", name, e))?;
    Ok(())
}

/// Why updating or deleting `name` failed. A lock file a killed git (or git-realm)
/// left behind is named with its age and how to clear it (exit 3), since gix's own
/// message ("Could not prepare reference edit") names neither.
fn update_failed(
    repo: &gix::Repository,
    what: &str,
    name: &str,
    err: impl std::fmt::Display,
) -> Error {
    let candidates = [
        repo.common_dir().join(format!("{name}.lock")),
        repo.git_dir().join(format!("{name}.lock")),
        repo.common_dir().join("packed-refs.lock"),
    ];
    match candidates.iter().find_map(|c| super::locks::Lock::at(c)) {
        Some(lock) => Error::conflict(format!(
            "cannot {what} ref {name}: it is locked by {}: {}",
            lock.describe(),
            lock.advice(&repo.common_dir().display().to_string())
        )),
        None => Error::external(format!("cannot {what} ref {name}: {err}")),
    }
}

/// Delete a ref if it still points at `expected`.
///
/// Tried again for up to two seconds while the ref is still there: another git
/// process holding `packed-refs.lock` for a moment (a `git commit` or `git
/// maintenance` in the same repository) makes gix's deletion of a loose ref fail
/// once that lock is released when there is no `packed-refs` file (it removes the
/// file it did not write, and reports that as a failed packed-refs transaction).
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
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut pause = Duration::from_millis(2);
    loop {
        match repo.edit_reference(edit.clone()) {
            Ok(_) => return Ok(()),
            Err(e) if Instant::now() < deadline && ref_target(repo, name)? == Some(expected) => {
                crate::ui::verbose(&format!("deleting {name}: {e}; trying again"));
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(100));
            }
            Err(e) => return Err(update_failed(repo, "delete", name, e)),
        }
    }
}

/// Delete the scratch refs `<prefix><pid>` (`refs/realm-incoming/4242`) whose
/// process is gone: killed between its fetch and its clean-up, it left a ref that
/// would keep what it fetched alive forever. Only where `/proc` says which
/// processes run; best effort, as a clean-up never fails a command.
pub fn delete_orphaned_scratch(repo: &gix::Repository, prefix: &str) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(platform) = repo.references() else {
        return;
    };
    let Ok(refs) = platform.prefixed(prefix) else {
        return;
    };
    let orphans: Vec<(String, gix::ObjectId)> = refs
        .flatten()
        .filter_map(|r| {
            let name = r.name().as_bstr().to_string();
            let pid: u32 = name.strip_prefix(prefix)?.parse().ok()?;
            let alive = pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists();
            (!alive).then(|| Some((name, r.try_id()?.detach())))?
        })
        .collect();
    for (name, id) in orphans {
        crate::ui::verbose(&format!("deleting {name}, left by a process that is gone"));
        let _ = delete_ref(repo, &name, id);
    }
}

/// The commit a revision names (`origin/main`, a commit id, `HEAD~1`) in this
/// repository, if it has it (`git rev-parse --verify`; `None`: unknown here, which
/// in a shallow clone includes what lies beyond its depth). The caller refuses
/// revisions that read as options.
pub fn resolve_commit(repo: &gix::Repository, rev: &str) -> Result<Option<gix::ObjectId>> {
    let out = super::run::Git::in_repo(repo)
        .args(["rev-parse", "--verify", "--quiet", "--end-of-options"])
        .arg(format!("{rev}^{{commit}}"))
        .output()?;
    if !out.success {
        return Ok(None);
    }
    gix::ObjectId::from_hex(out.stdout.trim().as_bytes())
        .map(Some)
        .map_err(|e| Error::external(format!("git rev-parse printed an invalid id: {e}")))
}

/// Whether the repository is a shallow clone (history cut at some depth).
pub fn is_shallow(repo: &gix::Repository) -> bool {
    repo.is_shallow().unwrap_or(false)
}

/// Whether the repository at `dir` has the local branch `branch`.
pub fn has_branch(dir: &Path, branch: &str) -> Result<bool> {
    branch_exists(&super::open_at(dir)?, branch)
}

/// `has_branch` of a repository already open.
pub fn branch_exists(repo: &gix::Repository, branch: &str) -> Result<bool> {
    Ok(ref_target(repo, &format!("refs/heads/{branch}"))?.is_some())
}

/// The branch checked out in the repository (or worktree) at `dir`, short
/// (`main`, not `refs/heads/main`), also when it has no commit yet. `None`: a
/// detached HEAD, or no repository there.
pub fn current_branch(dir: &Path) -> Result<Option<String>> {
    let Ok(repo) = super::open_at(dir) else {
        return Ok(None);
    };
    Ok(branch_of(&repo))
}

/// `current_branch` of a repository already open.
pub fn branch_of(repo: &gix::Repository) -> Option<String> {
    repo.head_name()
        .ok()
        .flatten()
        .map(|name| name.shorten().to_string())
        .filter(|b| !b.is_empty())
}
