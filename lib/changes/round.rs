//! One round of `git realm commit`: a commit in each worktree of a change, made by
//! `git commit` (so hooks and signing apply), and what the round knows to finish
//! after an interruption.
//!
//! A round is identified by an id (`round` in every note and in the change's
//! record), never by its message: the round in progress is journaled in
//! `$GIT_COMMON_DIR/realm/rounds/<realm>--<change>.json` (its id, its message and
//! every repo's HEAD before it) until it completes. A repo whose HEAD carries the
//! round's note, or was committed on top of the journaled HEAD (a run killed
//! between `git commit` and its note), is linked without committing again. A
//! finished round leaves no journal, so a later round with the same message
//! (`-m wip`) never re-links old commits.

use std::path::PathBuf;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::git::{self, commits::CommitOptions};
use crate::model::Name;
use crate::notes;

/// What happened, per repository (serialised in kebab-case for `--json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CommitOutcome {
    Skipped,
    Failed,
    Committed,
    AlreadyCommitted,
    NothingToCommit,
}

/// What every repository's commit of one round needs to know (shared by the
/// threads that commit in parallel).
pub struct Round<'a> {
    pub branch: &'a str,
    pub change: &'a str,
    pub realm: &'a str,
}

#[derive(Debug, Clone, Serialize)]
pub struct RepoCommit {
    pub repo: String,
    pub worktree: Option<PathBuf>,
    /// committed | already-committed | nothing-to-commit | skipped | failed
    pub outcome: CommitOutcome,
    pub commit: Option<String>,
    pub files: Vec<String>,
    pub error: Option<String>,
}

/// The JSON line noted on each commit of a round.
#[derive(Debug, Serialize, serde::Deserialize)]
pub struct CommitNote {
    pub change: String,
    pub commits: Vec<String>,
    pub domains: Vec<String>,
    pub message: String,
    pub realm: String,
    pub repo: String,
    /// The round's id (absent in notes written before rounds had ids).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub round: Option<String>,
}

/// The round in progress, journaled until it completes.
#[derive(Debug, Serialize, serde::Deserialize)]
pub struct Journal {
    pub round: String,
    pub message: String,
    /// Each repo's HEAD before the round committed in it.
    pub before: std::collections::BTreeMap<String, String>,
}

impl Journal {
    pub fn path(repo: &gix::Repository, realm: &Name, change: &Name) -> PathBuf {
        repo.common_dir()
            .join("realm")
            .join("rounds")
            .join(format!("{realm}--{change}.json"))
    }

    /// The interrupted round with this message, else a new one.
    pub fn open(path: &std::path::Path, message: &str) -> Journal {
        std::fs::read_to_string(path)
            .ok()
            .and_then(|text| serde_json::from_str::<Journal>(&text).ok())
            .filter(|j| j.message == message)
            .unwrap_or_else(|| Journal {
                round: new_round_id(),
                message: message.to_owned(),
                before: Default::default(),
            })
    }

    pub fn save(&self, path: &std::path::Path) -> Result<()> {
        let text = serde_json::to_string_pretty(self).expect("a journal always serialises");
        let tmp = path.with_extension("json.tmp");
        let write = || -> std::io::Result<()> {
            std::fs::create_dir_all(path.parent().expect("a journal has a folder"))?;
            std::fs::write(&tmp, text)?;
            std::fs::rename(&tmp, path)
        };
        write().map_err(|e| Error::internal(format!("cannot write {}: {e}", path.display())))
    }
}

/// 16 hex digits, different for every round.
pub fn new_round_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    format!("{:016x}", h.finish())
}

pub fn commit_one(
    options: &CommitOptions<'_>,
    s: &Round<'_>,
    repo: &Name,
    dir: &std::result::Result<PathBuf, String>,
    journal: &Journal,
) -> RepoCommit {
    let mut out = RepoCommit {
        repo: repo.to_string(),
        worktree: None,
        outcome: CommitOutcome::Skipped,
        commit: None,
        files: Vec::new(),
        error: None,
    };
    let dir = match dir {
        Ok(d) => d.clone(),
        Err(why) => {
            out.error = Some(why.clone());
            return out;
        }
    };
    out.worktree = Some(dir.clone());
    match try_commit(options, s, repo, &dir, journal, &mut out) {
        Ok(()) => out,
        Err(e) => {
            out.outcome = CommitOutcome::Failed;
            out.error = Some(e.message);
            out
        }
    }
}

fn try_commit(
    options: &CommitOptions<'_>,
    s: &Round<'_>,
    repo: &Name,
    dir: &std::path::Path,
    journal: &Journal,
    out: &mut RepoCommit,
) -> Result<()> {
    // Opened once: HEAD and refs are read from disk at each use, so it sees
    // the commit `git commit` makes below.
    let target = git::open_at(dir)?;
    match git::refs::branch_of(&target) {
        Some(b) if b == s.branch => {}
        other => {
            out.outcome = CommitOutcome::Skipped;
            out.error = Some(format!(
                "{} is on {}, not on the change's branch {}",
                dir.display(),
                other.map_or_else(|| "a detached HEAD".to_owned(), |b| format!("branch {b}")),
                s.branch
            ));
            return Ok(());
        }
    }
    if options.amend {
        // Only a commit of this change is amended: never the base it started from.
        if !head_in_change(s, dir)? {
            out.outcome = CommitOutcome::Skipped;
            out.error = Some(format!(
                "the tip of {} is not a commit of change '{}': nothing to amend",
                s.branch, s.change
            ));
            return Ok(());
        }
        refuse_locked(s, dir)?;
        commit_checked(options, s, dir)?;
        out.outcome = CommitOutcome::Committed;
    } else if commit_if_changed(options, s, &target, dir)? {
        out.outcome = CommitOutcome::Committed;
    } else if committed_this_round(options, repo, dir, journal)? {
        out.outcome = CommitOutcome::AlreadyCommitted;
    } else {
        out.outcome = CommitOutcome::NothingToCommit;
        return Ok(());
    }
    let head = git::commits::head_of(&target)?;
    out.commit = Some(head.to_string());
    out.files = git::commits::changed_files(&target, head)?;
    Ok(())
}

/// Commit what there is to commit at `dir`; `false` when there was nothing.
///
/// Usually `git commit` is simply tried (one process, not two): when it fails,
/// `git diff --quiet` tells "nothing to commit" from a failure. But `git commit`
/// runs the `pre-commit` hook before it finds there is nothing to commit, so in a
/// repository that may have one (and without `--no-verify`), the diff is asked
/// first and a repository with nothing to commit never runs the hook.
fn commit_if_changed(
    options: &CommitOptions<'_>,
    s: &Round<'_>,
    target: &gix::Repository,
    dir: &std::path::Path,
) -> Result<bool> {
    if !options.no_verify && git::commits::may_run_pre_commit_hook(target)? {
        if !git::commits::has_changes(dir, options.all)? {
            return Ok(false);
        }
        refuse_locked(s, dir)?;
        commit_checked(options, s, dir)?;
        return Ok(true);
    }
    match git::commits::commit(dir, options) {
        Ok(()) => Ok(true),
        Err(_) if !git::commits::has_changes(dir, options.all)? => Ok(false),
        Err(e) => {
            refuse_locked(s, dir)?;
            Err(e)
        }
    }
}

/// `git commit`; when git fails, a lock file it could not take says more than
/// git's words.
fn commit_checked(options: &CommitOptions<'_>, s: &Round<'_>, dir: &std::path::Path) -> Result<()> {
    let committed = git::commits::commit(dir, options);
    if committed.is_err() {
        refuse_locked(s, dir)?;
    }
    committed
}

/// Whether HEAD at `dir` is a commit of this change (it carries its note).
pub fn head_in_change(s: &Round<'_>, dir: &std::path::Path) -> Result<bool> {
    let repo = git::open_at(dir)?;
    let Ok(head) = repo.head_id() else {
        return Ok(false);
    };
    Ok(notes::read(&repo, head.detach())?.iter().any(|line| {
        serde_json::from_str::<CommitNote>(line)
            .is_ok_and(|n| n.change == s.change && n.realm == s.realm)
    }))
}

/// Whether HEAD at `dir` was committed by this round already (an earlier run
/// that stopped at another repo, or was killed before writing its notes): it
/// carries a note of this round, or it is a commit with this round's message
/// on top of the HEAD journaled before the round.
fn committed_this_round(
    options: &CommitOptions<'_>,
    repo: &Name,
    dir: &std::path::Path,
    journal: &Journal,
) -> Result<bool> {
    let target = git::open_at(dir)?;
    let Ok(head) = target.head_id() else {
        return Ok(false);
    };
    let head = head.detach();
    let noted = notes::read(&target, head)?.iter().any(|line| {
        serde_json::from_str::<CommitNote>(line)
            .is_ok_and(|n| n.round.as_deref() == Some(journal.round.as_str()))
    });
    if noted {
        return Ok(true);
    }
    let Some(before) = journal.before.get(repo.as_str()) else {
        return Ok(false);
    };
    if before == &head.to_string() {
        return Ok(false);
    }
    let on_top = git::commits::first_parent(dir, head)?.map(|p| p.to_string());
    let subject = git::commits::subject(dir, "HEAD")?;
    Ok(on_top.as_ref() == Some(before) && subject.as_deref() == options.message.lines().next())
}

/// A lock file that blocks committing in the worktree at `dir` (left by a git
/// killed while writing, or held by one at work): named, with its age and how to
/// clear it, never removed.
pub fn refuse_locked(s: &Round<'_>, dir: &std::path::Path) -> Result<()> {
    let target = git::open_at(dir)?;
    let locks = git::locks::blocking_commit(target.git_dir(), target.common_dir(), s.branch);
    let Some(lock) = locks.first() else {
        return Ok(());
    };
    Err(Error::conflict(format!(
        "{} is locked by {}: {}",
        dir.display(),
        lock.describe(),
        lock.advice(&dir.display().to_string())
    )))
}
