//! Talking to remotes through the `git` binary (every transport, credential helper
//! and `insteadOf` the user's git is configured for): clone, fetch, push with a
//! lease (realm metadata and notes), push of a change's branch, `ls-remote`; and
//! a remote's default branch as last fetched; an object a partial clone left at
//! its promisor remote.
//!
//! Realm metadata is pushed without the user's pre-push hooks, a change's branch
//! with them; nothing here ever force-pushes without a lease. Push outcomes are
//! read from `--porcelain` output and exit codes, not from git's messages.

use std::path::Path;

use super::run::{Git, Output};
use crate::error::{Error, Result};

/// The outcome of pushing one ref, classified from `git push --porcelain`'s
/// status line for the ref (`!<TAB>from:to<TAB>[rejected] (why)`), never from
/// git's translated messages.
#[derive(Debug)]
pub enum Push {
    Pushed,
    /// The remote's ref is not where we expected (`stale info`, `fetch first`,
    /// `non-fast-forward`): someone else pushed first. Fetch and try again.
    Stale {
        reason: String,
    },
    /// The remote could not lock the ref (`atomic transaction failed`, `failed
    /// to update ref`, `cannot lock ref`): a writer racing us, or a lock file a
    /// killed process left behind (`lock`, when git named it).
    Locked {
        reason: String,
        lock: Option<super::locks::Lock>,
    },
    /// The remote refused for a reason trying again cannot fix: a hook (its
    /// message is in `reason`), a protected branch, permissions, a checked-out
    /// branch.
    Refused {
        reason: String,
    },
}

/// Push `commit` to `remote_ref` at `url`, only if the remote still has `expected`
/// there (a lease, so a concurrent writer is never overwritten). The user's pre-push
/// hooks are not run: this pushes realm metadata, not the user's code.
pub fn push_with_lease(
    repo: &gix::Repository,
    url: &str,
    commit: gix::ObjectId,
    remote_ref: &str,
    expected: Option<gix::ObjectId>,
) -> Result<Push> {
    let lease = match expected {
        Some(old) => format!("--force-with-lease={remote_ref}:{old}"),
        // An empty expected value means "the ref must not exist yet".
        None => format!("--force-with-lease={remote_ref}:"),
    };
    let out = Git::in_repo(repo)
        .args(["push", "--porcelain", "--atomic", "--no-verify", "--quiet"])
        .arg(lease)
        .arg("--")
        .arg(url)
        .arg(format!("{commit}:{remote_ref}"))
        .output()?;
    push_outcome(&out, is_local(url))
        .ok_or_else(|| Error::external(format!("git push to {url} failed: {}", out.reason())))
}

/// Whether `url` names a repository on this machine (a path or `file://`), whose
/// files (a lock file a remote git names, say) can be looked at.
pub fn is_local(url: &str) -> bool {
    if url.starts_with("file://") {
        return true;
    }
    if url.contains("://") {
        return false;
    }
    // scp-like `host:path` has a colon before any slash.
    match (url.find(':'), url.find('/')) {
        (Some(colon), Some(slash)) => slash < colon,
        (Some(_), None) => false,
        _ => true,
    }
}

/// What `git push --porcelain` says about the (first) ref it could not push.
/// `None`: it failed before any ref's fate was decided (no connection, no
/// such repository, ...).
fn push_outcome(out: &Output, local: bool) -> Option<Push> {
    let rejected = out.stdout.lines().find(|l| l.starts_with('!'));
    let line = match (out.success, rejected) {
        (true, _) => return Some(Push::Pushed),
        (false, Some(line)) => line,
        (false, None) => return None,
    };
    // `[rejected] (stale info)`, `[remote rejected] (pre-receive hook declined)`.
    let summary = line.split('\t').nth(2).unwrap_or(line).trim();
    let (flag, why) = match summary.split_once(" (") {
        Some((flag, why)) => (flag.trim(), why.trim_end_matches(')').trim()),
        None => (summary, ""),
    };
    let lock = super::locks::named_in(&out.stderr).map(|p| super::locks::Lock::remote(&p, local));
    let remote_said = remote_lines(&out.stderr);
    Some(match flag {
        "[rejected]" if matches!(why, "stale info" | "fetch first" | "non-fast-forward") => {
            Push::Stale {
                reason: why.to_owned(),
            }
        }
        "[remote rejected]" | "[remote failure]"
            if lock.is_some()
                || why == "atomic transaction failed"
                || why == "failed to update ref"
                || why.contains("cannot lock ref")
                || why.contains("failed to lock") =>
        {
            Push::Locked {
                reason: why.to_owned(),
                lock,
            }
        }
        _ => {
            let mut reason = if why.is_empty() {
                summary.to_owned()
            } else {
                why.to_owned()
            };
            if !remote_said.is_empty() {
                reason.push_str(": ");
                reason.push_str(&remote_said.join("; "));
            }
            Push::Refused { reason }
        }
    })
}

/// What the remote end said (`remote: …` lines: a hook's own words), without
/// git's boilerplate.
fn remote_lines(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(|l| l.strip_prefix("remote:"))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A ref pushed along with a change's branch, in the same `git push`: `local`
/// to `remote_ref`, only if the remote still has `expected` there (a lease).
pub struct Leased<'a> {
    pub local: gix::ObjectId,
    pub remote_ref: &'a str,
    pub expected: Option<gix::ObjectId>,
}

/// What pushing a change's branch (and the ref leased along with it) did.
#[derive(Debug)]
pub struct BranchPush {
    pub branch: Push,
    /// The leased ref's outcome; `None` when nothing was leased or its fate was
    /// not decided.
    pub leased: Option<Push>,
}

/// Push the local `branch` of the repository at `dir` to the same name on
/// `remote` and make that its upstream (`git push --set-upstream`), with `also`
/// (the realm notes, say) in the same push. The user's pre-push hooks run, in the
/// user's locale: it is their code. With `force_with_lease`, a rewritten branch
/// replaces the remote one if the remote still has what was last fetched from it.
/// The refs are not pushed atomically: a stale lease on `also` does not hold the
/// branch back.
pub fn push_branch(
    dir: &Path,
    remote: &str,
    branch: &str,
    force_with_lease: bool,
    also: Option<&Leased<'_>>,
) -> Result<BranchPush> {
    let refspec = format!("refs/heads/{branch}:refs/heads/{branch}");
    let mut args = vec!["push".to_owned(), "--quiet".into(), "--set-upstream".into()];
    if force_with_lease {
        args.push("--force-with-lease".into());
    }
    if let Some(l) = also {
        let expected = l.expected.map(|id| id.to_string()).unwrap_or_default();
        args.push(format!("--force-with-lease={}:{expected}", l.remote_ref));
    }
    let mut git = Git::in_dir(dir)
        .user_locale()
        .args(&args)
        .arg("--porcelain")
        .arg(remote)
        .arg(&refspec);
    if let Some(l) = also {
        git = git.arg(format!("{}:{}", l.local, l.remote_ref));
    }
    let out = git.output()?;
    let local = is_local(remote);
    let branch_push =
        ref_outcome(&out, local, &format!("refs/heads/{branch}")).ok_or_else(|| {
            Error::external(format!(
                "`git {} {remote} {refspec}` failed: {}",
                args.join(" "),
                out.reason()
            ))
        })?;
    Ok(BranchPush {
        branch: branch_push,
        leased: also.and_then(|l| ref_outcome(&out, local, l.remote_ref)),
    })
}

/// The fate of `remote_ref` in a `git push --porcelain` of several refs (under
/// `--quiet`, a successful push lists none). `None`: not decided (the push failed
/// before, a hook refused it all, ...).
fn ref_outcome(out: &Output, local: bool, remote_ref: &str) -> Option<Push> {
    let line = out.stdout.lines().find(|l| {
        l.split('\t')
            .nth(1)
            .is_some_and(|spec| spec.ends_with(&format!(":{remote_ref}")))
    });
    match line {
        Some(l) if l.starts_with('!') => {
            let only = Output {
                success: false,
                code: out.code,
                stdout: l.to_owned(),
                stderr: out.stderr.clone(),
            };
            push_outcome(&only, local)
        }
        Some(_) => Some(Push::Pushed),
        None if out.success => Some(Push::Pushed),
        None => None,
    }
}

/// Fetch `remote_ref` from `url` into the local `local_ref` (forced: the local ref is
/// a mirror of the remote one). Returns git's error text when the remote lacks it.
pub fn fetch_into(
    repo: &gix::Repository,
    url: &str,
    remote_ref: &str,
    local_ref: &str,
) -> Result<()> {
    match fetch_ref(repo, url, remote_ref, local_ref, None)? {
        Fetched::Fetched => Ok(()),
        Fetched::Missing => Err(Error::usage(format!(
            "{url} has no {remote_ref}: it is not a realm"
        ))
        .hint("create one with `git realm init PATH --name NAME`")),
    }
}

/// What a fetch of one ref found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fetched {
    Fetched,
    /// The remote has no such ref (or, for a commit id, will not serve it).
    Missing,
}

/// Fetch `what` (a ref of the remote, or a full commit id) from `remote` (a
/// configured remote's name or a url) into the local `local_ref`, forced, without
/// tags, `FETCH_HEAD` or submodules; with `depth`, only that many commits of its
/// history (`--depth`: never pass it to a complete repository, which it would make
/// shallow).
pub fn fetch_ref(
    repo: &gix::Repository,
    remote: &str,
    what: &str,
    local_ref: &str,
    depth: Option<u32>,
) -> Result<Fetched> {
    let mut git = Git::in_repo(repo).args([
        "fetch",
        "--quiet",
        "--no-tags",
        "--no-write-fetch-head",
        "--no-recurse-submodules",
        "--no-auto-gc",
    ]);
    if let Some(d) = depth {
        git = git.arg(format!("--depth={d}"));
    }
    let out = git
        .arg("--")
        .arg(remote)
        .arg(format!("+{what}:{local_ref}"))
        .output()?;
    if out.success {
        Ok(Fetched::Fetched)
    } else if out.stderr.contains("couldn't find remote ref")
        || out.stderr.contains("not our ref")
        || out.stderr.contains("no such remote ref")
    {
        // Stable text: the runner sets LC_ALL=C, and fetch has no exit code of its
        // own for a missing ref.
        Ok(Fetched::Missing)
    } else {
        Err(Error::external(format!(
            "cannot fetch {what} from {remote}: {}",
            out.reason()
        )))
    }
}

/// `git ls-remote` of one ref: the cheap way to see whether a remote moved.
pub fn ls_remote(url: &str, remote_ref: &str) -> Result<Option<gix::ObjectId>> {
    let out = Git::bare()
        .args(["ls-remote", "--", url, remote_ref])
        .run()?;
    let first = out.stdout.lines().find(|l| l.ends_with(remote_ref));
    match first.and_then(|l| l.split('\t').next()) {
        Some(hex) => gix::ObjectId::from_hex(hex.as_bytes())
            .map(Some)
            .map_err(|e| Error::external(format!("git ls-remote printed an invalid id: {e}"))),
        None => Ok(None),
    }
}

/// Whether `remote` (a remote's name or a url) has the branch `branch`, asked from
/// the repository at `dir` (`git ls-remote --exit-code`: exit 2 means no such ref).
pub fn has_branch(dir: &Path, remote: &str, branch: &str) -> Result<bool> {
    let out = Git::in_dir(dir)
        .args(["ls-remote", "--exit-code", "--heads", remote])
        .arg(format!("refs/heads/{branch}"))
        .output()?;
    match out.code {
        Some(0) => Ok(true),
        Some(2) => Ok(false),
        _ => Err(Error::external(format!(
            "cannot list the branches of {remote}: {}",
            out.reason()
        ))),
    }
}

/// How many commits of the local `branch` at `dir` its remote-tracking copy
/// `refs/remotes/<remote>/<branch>` lacks, and whether there is such a copy;
/// without one, the commits that no remote-tracking ref has (`--not --remotes`).
pub fn ahead_of(dir: &Path, remote: &str, branch: &str) -> Result<(u64, bool)> {
    let tracking = format!("refs/remotes/{remote}/{branch}");
    let tracked = Git::in_dir(dir)
        .args(["rev-parse", "--verify", "--quiet"])
        .arg(&tracking)
        .output()?
        .success;
    let local = format!("refs/heads/{branch}");
    let count = if tracked {
        Git::in_dir(dir)
            .args(["rev-list", "--count"])
            .arg(format!("{tracking}..{local}"))
            .run()?
    } else {
        Git::in_dir(dir)
            .args(["rev-list", "--count"])
            .arg(&local)
            .args(["--not", "--remotes"])
            .run()?
    };
    Ok((count.stdout.trim().parse().unwrap_or(0), tracked))
}

/// Have git fetch the object `id` this partial clone (`--filter=blob:none`,
/// `tree:0`) left at its promisor remote, as any git command that reads it would
/// (`git cat-file -e` fetches it), so that gix finds it next. False when this is
/// no partial clone, or git could not get it.
pub fn fetch_promised(repo: &gix::Repository, id: gix::ObjectId) -> Result<bool> {
    if !is_partial(repo) {
        return Ok(false);
    }
    crate::ui::verbose(&format!("{id} is at the promisor remote: fetching it"));
    let out = Git::in_repo(repo)
        .args(["cat-file", "-e"])
        .arg(id.to_string())
        .output()?;
    Ok(out.success)
}

/// A partial clone: `extensions.partialClone` names its promisor remote, or (as
/// git writes it since 2.4x) a remote has `promisor = true`.
fn is_partial(repo: &gix::Repository) -> bool {
    let config = repo.config_snapshot();
    if config.string("extensions.partialClone").is_some() {
        return true;
    }
    config
        .plumbing()
        .sections_by_name("remote")
        .into_iter()
        .flatten()
        .any(|s| {
            s.value("promisor").is_some_and(|v| {
                gix::config::Boolean::try_from(gix::bstr::BStr::new(&v[..])).is_ok_and(|b| b.0)
            })
        })
}

/// `git clone --quiet URL DEST`.
pub fn clone(url: &str, dest: &Path) -> Result<()> {
    Git::bare()
        .args(["clone", "--quiet", "--"])
        .arg(url)
        .arg(dest)
        .run()
        .map(drop)
}

/// The branch `refs/remotes/<remote>/HEAD` points at in the repository at `dir`
/// (the remote's default branch when it was cloned or last asked), without the
/// `<remote>/` prefix. `None` when that is not known.
pub fn default_branch(dir: &Path, remote: &str) -> Option<String> {
    default_branch_of(&super::open_at(dir).ok()?, remote)
}

/// [`default_branch`] of a repository already open.
pub fn default_branch_of(repo: &gix::Repository, remote: &str) -> Option<String> {
    let head = repo
        .try_find_reference(format!("refs/remotes/{remote}/HEAD").as_str())
        .ok()??;
    match head.target() {
        gix::refs::TargetRef::Symbolic(name) => {
            let full = name.as_bstr().to_string();
            full.strip_prefix(&format!("refs/remotes/{remote}/"))
                .filter(|b| !b.is_empty())
                .map(str::to_owned)
        }
        gix::refs::TargetRef::Object(_) => None,
    }
}

/// Whether `commit` is on any remote-tracking branch (as last fetched; no network).
pub fn on_remote(repo: &gix::Repository, commit: gix::ObjectId) -> Result<bool> {
    // Two answers need no walk of history: no remote-tracking branch at all (a
    // repository with no remote, or never fetched), or one whose tip is the
    // commit (just pulled or pushed). Anything else, or a ref that cannot be
    // read, is left to git, whose `--contains` uses the commit-graph.
    if let Ok(refs) = repo.references()
        && let Ok(iter) = refs.remote_branches().and_then(|i| i.peeled())
    {
        let mut any = false;
        for r in iter {
            any = true;
            if r.ok().and_then(|r| r.try_id().map(|id| id.detach())) == Some(commit) {
                return Ok(true);
            }
        }
        if !any {
            return Ok(false);
        }
    }
    let out = Git::in_repo(repo)
        .args([
            "for-each-ref",
            "--count=1",
            "--format=%(refname)",
            "--contains",
        ])
        .arg(commit.to_string())
        .arg("refs/remotes/")
        .run()?;
    Ok(!out.stdout.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A commit is on a remote when a remote-tracking branch is at it or after
    /// it, with or without asking git; not when there is none or they are behind.
    #[test]
    fn a_commit_is_on_a_remote_branch_at_it_or_after_it() {
        let dir = tempfile::tempdir().unwrap();
        crate::git::repo::init(dir.path(), dir.path(), false).unwrap();
        let repo = crate::git::open_at(dir.path()).unwrap();
        let commit = |parents: Vec<gix::ObjectId>, message: &str| {
            repo.write_object(gix::objs::Commit {
                tree: repo.empty_tree().id,
                parents: parents.into(),
                author: gix::actor::Signature::default(),
                committer: gix::actor::Signature::default(),
                encoding: None,
                message: message.into(),
                extra_headers: Vec::new(),
            })
            .unwrap()
            .detach()
        };
        let first = commit(vec![], "first");
        let second = commit(vec![first], "second");
        let third = commit(vec![second], "third");
        let set = |name: &str, id| crate::git::set_ref(&repo, name, id, "test").unwrap();
        set("refs/heads/main", second);
        assert!(
            !on_remote(&repo, second).unwrap(),
            "no remote-tracking branch"
        );
        set("refs/remotes/origin/main", second);
        assert!(on_remote(&repo, second).unwrap(), "at its tip");
        assert!(on_remote(&repo, first).unwrap(), "behind its tip");
        assert!(!on_remote(&repo, third).unwrap(), "after its tip");
        set("refs/remotes/origin/main", first);
        assert!(!on_remote(&repo, second).unwrap(), "after its tip");
    }

    fn failed(stdout: &str, stderr: &str) -> Output {
        Output {
            success: false,
            code: Some(1),
            stdout: stdout.to_owned(),
            stderr: stderr.to_owned(),
        }
    }

    #[test]
    fn rejections_are_classified_from_the_porcelain_status() {
        let stale = failed(
            "To /r\n!\tabc:refs/heads/main\t[rejected] (stale info)\nDone\n",
            "",
        );
        assert!(matches!(
            push_outcome(&stale, true),
            Some(Push::Stale { .. })
        ));
        let first = failed("!\tabc:refs/heads/main\t[rejected] (fetch first)\n", "");
        assert!(matches!(
            push_outcome(&first, true),
            Some(Push::Stale { .. })
        ));
        let hook = failed(
            "!\tabc:refs/heads/main\t[remote rejected] (pre-receive hook declined)\n",
            "remote: the realm is frozen        \nerror: failed to push some refs to '/r'\n",
        );
        match push_outcome(&hook, true) {
            Some(Push::Refused { reason }) => {
                assert_eq!(reason, "pre-receive hook declined: the realm is frozen")
            }
            other => panic!("{other:?}"),
        }
        let locked = failed(
            "!\tabc:refs/heads/main\t[remote rejected] (atomic transaction failed)\n",
            "remote: error: cannot lock ref 'refs/heads/main': Unable to create '/nowhere/r.git/refs/heads/main.lock': File exists.\n",
        );
        match push_outcome(&locked, true) {
            Some(Push::Locked { lock: Some(l), .. }) => {
                assert_eq!(
                    l.path,
                    std::path::Path::new("/nowhere/r.git/refs/heads/main.lock")
                );
                assert_eq!(l.age, None, "not on this machine");
            }
            other => panic!("{other:?}"),
        }
        let checked_out = failed(
            "!\tabc:refs/heads/main\t[remote rejected] (branch is currently checked out)\n",
            "",
        );
        assert!(matches!(
            push_outcome(&checked_out, true),
            Some(Push::Refused { .. })
        ));
        assert!(push_outcome(&failed("", "fatal: no such repo"), true).is_none());
    }

    #[test]
    fn local_urls_are_paths_and_file_urls() {
        assert!(is_local("/srv/realm.git"));
        assert!(is_local("../realm"));
        assert!(is_local("file:///srv/realm.git"));
        assert!(!is_local("git@github.com:o/r.git"));
        assert!(!is_local("https://github.com/o/r"));
        assert!(is_local("./a:b"));
    }
}
