//! Publishing a change's branch: `git push -u origin <branch>` and the realm notes
//! (`refs/notes/realm`), shared by `git realm push` and `git realm pr` (which
//! pushes a branch that is ahead of origin before it opens or edits a PR).
//!
//! The branch goes to `origin` with `git push -u` (the user's pre-push hooks run:
//! it is their code), and the notes with it, in the same push, leased on origin's
//! notes as last fetched or pushed: one process per repo when no other machine
//! pushed notes meanwhile. Notes are metadata and may have diverged from another
//! machine's: then (a stale lease) they are fetched under `refs/notes/remotes/origin/realm` with a
//! wildcard refspec (a remote without notes is not an error), merged in-process
//! (one JSON object per line, so the union of lines is the right merge, as
//! `git notes merge -s cat_sort_uniq` would do) with a compare-and-swap of
//! `refs/notes/realm`, and pushed with a lease; a lost race starts over.

use std::path::Path;

use crate::error::{Error, Result};
use crate::git;
use crate::notes::{self, NOTES_REF};

/// The remote every change is pushed to.
pub const REMOTE: &str = "origin";

/// Where the remote's notes are fetched to.
const REMOTE_NOTES: &str = "refs/notes/remotes/origin/realm";

/// How often a notes push that lost a race is retried.
const NOTES_ATTEMPTS: u32 = 5;

/// How far the local branch is from origin's copy of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ahead {
    /// Commits of the local branch that origin's copy lacks (without a copy on
    /// origin: that no remote-tracking branch has).
    pub commits: u64,
    /// Whether origin has the branch at all (as last fetched or pushed).
    pub on_origin: bool,
}

impl Ahead {
    /// Whether a push would publish anything.
    pub fn needs_push(&self) -> bool {
        self.commits > 0 || !self.on_origin
    }
}

/// How far `branch` of the repository at `dir` is ahead of origin, from the
/// remote-tracking ref (no network). `None` when there is no such local branch.
pub fn ahead(dir: &Path, branch: &str) -> Result<Option<Ahead>> {
    if !git::refs::has_branch(dir, branch)? {
        return Ok(None);
    }
    let (commits, tracked) = git::remotes::ahead_of(dir, REMOTE, branch)?;
    Ok(Some(Ahead {
        commits,
        on_origin: tracked,
    }))
}

/// What [`push`] did: the branch's outcome, and the notes' (`none`,
/// `up-to-date`, `pushed`, `merged`), each an error that says what to do.
pub struct Pushed {
    pub branch: Result<()>,
    pub notes: Result<&'static str>,
}

/// Push `branch` of the repository at `dir` to origin (making it its upstream)
/// and `refs/notes/realm`, in one `git push` when it can: the notes go along
/// with a lease on origin's notes as last fetched or pushed. Only when that
/// lease is stale (notes were pushed from elsewhere) are origin's notes fetched
/// and merged ([`push_notes`]). Without local notes, the branch goes alone and
/// origin's notes are fetched for later reads, as `push_notes` does.
pub fn push(dir: &Path, branch: &str, force_with_lease: bool) -> Pushed {
    let failed = |e| Pushed {
        branch: Err(e),
        notes: Ok("failed"),
    };
    // One open for the branch check, the lease and the notes' ref after the push.
    let (repo, notes) = match git::open_at(dir).and_then(|repo| {
        let local = git::ref_target(&repo, NOTES_REF)?;
        let remote = git::ref_target(&repo, REMOTE_NOTES)?;
        Ok((repo, local.map(|local| (local, remote))))
    }) {
        Ok(opened) => opened,
        Err(e) => return failed(e),
    };
    let also = notes.map(|(local, remote)| git::remotes::Leased {
        local,
        remote_ref: NOTES_REF,
        expected: remote,
    });
    let (branch_done, leased) =
        match push_branch(&repo, dir, branch, force_with_lease, also.as_ref()) {
            Ok(pushed) => pushed,
            Err(e) => return failed(e),
        };
    if branch_done.is_err() && leased.is_none() {
        return Pushed {
            branch: branch_done,
            notes: Ok("failed"),
        };
    }
    let notes = match (notes, leased) {
        // The lease held: origin had what we expected, so if that was ours,
        // there was nothing to push.
        (Some((local, remote)), Some(git::Push::Pushed)) if remote == Some(local) => {
            Ok("up-to-date")
        }
        (Some((local, remote)), Some(git::Push::Pushed)) => {
            // git push does not move the remote-tracking notes: the next lease
            // starts from what origin has now.
            git::cas_ref(&repo, REMOTE_NOTES, remote, local, "notes: pushed").map(|_| "pushed")
        }
        // Stale, or not decided: fetch, merge and push on their own.
        _ => push_notes(dir),
    };
    Pushed {
        branch: branch_done,
        notes,
    }
}

/// What became of the ref pushed along with a branch (`None`: not decided).
type Leased = Option<git::Push>;

/// Push `branch` of the repository at `dir` to origin and make it its upstream,
/// with `also` in the same push: the branch's outcome (a rejection is an error
/// that says what to do), and `also`'s.
fn push_branch(
    repo: &gix::Repository,
    dir: &Path,
    branch: &str,
    force_with_lease: bool,
    also: Option<&git::remotes::Leased<'_>>,
) -> Result<(Result<()>, Leased)> {
    if !git::refs::branch_exists(repo, branch)? {
        return Err(Error::usage(format!(
            "{} has no branch {branch} (run `git realm worktree` to make it)",
            dir.display()
        )));
    }
    let pushed = git::remotes::push_branch(dir, REMOTE, branch, force_with_lease, also)?;
    let done = match pushed.branch {
        git::Push::Pushed => Ok(()),
        git::Push::Stale { reason } => {
            let mut message = format!("{REMOTE} rejected {branch}: {reason}");
            if !force_with_lease && reason == "non-fast-forward" {
                message
                    .push_str(" (if you rebased the change: `git realm push --force-with-lease`)");
            }
            Err(Error::external(message))
        }
        git::Push::Locked { reason, lock } => Err(match lock {
            Some(lock) => Error::external(format!(
                "{REMOTE} cannot update {branch}: the lock file {} is in the way",
                lock.describe()
            ))
            .hint(lock.advice(REMOTE)),
            None => Error::external(format!("{REMOTE} rejected {branch}: {reason}")),
        }),
        git::Push::Refused { reason } => Err(Error::external(format!(
            "{REMOTE} rejected {branch}: {reason}"
        ))),
    };
    Ok((done, pushed.leased))
}

/// Bring `refs/notes/realm` and origin's together, and push. Returns what it did.
pub fn push_notes(dir: &Path) -> Result<&'static str> {
    let repo = git::open_at(dir)?;
    let mut merged = false;
    for _ in 0..NOTES_ATTEMPTS {
        git::fetch_into(&repo, REMOTE, "refs/notes/*", "refs/notes/remotes/origin/*")?;
        let local = git::ref_target(&repo, NOTES_REF)?;
        let remote = git::ref_target(&repo, REMOTE_NOTES)?;
        let Some(mut local) = local else {
            // Nothing noted here; keep what origin has for later reads.
            if let Some(remote) = remote {
                git::cas_ref(&repo, NOTES_REF, None, remote, "notes: from origin")?;
            }
            return Ok("none");
        };
        if Some(local) == remote {
            return Ok(if merged { "merged" } else { "up-to-date" });
        }
        if let Some(remote) = remote {
            if git::commits::is_ancestor(dir, local, remote)? {
                // Only origin has news: take them, nothing to push.
                git::cas_ref(&repo, NOTES_REF, Some(local), remote, "notes: fast-forward")?;
                return Ok("up-to-date");
            }
            if !git::commits::is_ancestor(dir, remote, local)? {
                match notes::merge(&repo, local, remote)? {
                    Some(commit) => local = commit,
                    // A note was added meanwhile: start over from the new notes.
                    None => continue,
                }
                merged = true;
            }
        }
        match git::push_with_lease(&repo, REMOTE, local, NOTES_REF, remote)? {
            git::Push::Pushed => {
                // The next push's lease starts from what origin has now.
                git::cas_ref(&repo, REMOTE_NOTES, remote, local, "notes: pushed")?;
                return Ok(if merged { "merged" } else { "pushed" });
            }
            // Someone pushed notes meanwhile: fetch and merge again.
            git::Push::Stale { .. } | git::Push::Locked { lock: None, .. } => continue,
            git::Push::Locked {
                lock: Some(lock), ..
            } => {
                return Err(Error::conflict(format!(
                    "{REMOTE} cannot update {NOTES_REF}: the lock file {} is in the way",
                    lock.describe()
                ))
                .hint(lock.advice(REMOTE)));
            }
            git::Push::Refused { reason } => {
                return Err(Error::conflict(format!(
                    "{REMOTE} refused {NOTES_REF}: {reason}"
                )));
            }
        }
    }
    Err(Error::conflict(format!(
        "{NOTES_REF} on {REMOTE} kept moving: gave up after {NOTES_ATTEMPTS} attempts"
    ))
    .hint("re-run `git realm push`"))
}
