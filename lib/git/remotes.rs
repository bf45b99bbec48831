//! Talking to remotes through the `git` binary (every transport, credential helper
//! and `insteadOf` the user's git is configured for): fetch, push with a lease,
//! `ls-remote`.
//!
//! Realm metadata is pushed without the user's pre-push hooks; nothing here ever
//! force-pushes without a lease.

use super::run::Git;
use crate::error::{Error, Result};

/// The outcome of pushing one ref.
pub enum Push {
    Pushed,
    /// The remote refused the update; `reason` is git's word for why.
    Rejected {
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
    let rejected = out.stdout.lines().find(|l| l.starts_with('!'));
    match (out.success, rejected) {
        (true, _) => Ok(Push::Pushed),
        (false, Some(line)) => {
            let reason = line.split('\t').nth(2).unwrap_or(line).to_owned();
            Ok(Push::Rejected { reason })
        }
        (false, None) => Err(Error::external(format!(
            "git push to {url} failed: {}",
            out.reason()
        ))),
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
    let out = Git::in_repo(repo)
        .args([
            "fetch",
            "--quiet",
            "--no-tags",
            "--no-write-fetch-head",
            "--no-recurse-submodules",
            "--no-auto-gc",
        ])
        .arg("--")
        .arg(url)
        .arg(format!("+{remote_ref}:{local_ref}"))
        .output()?;
    if out.success {
        Ok(())
    } else if out.stderr.contains("couldn't find remote ref") {
        Err(
            Error::usage(format!("{url} has no {remote_ref}: it is not a realm"))
                .hint("create one with `git realm init PATH --name NAME`"),
        )
    } else {
        Err(Error::external(format!(
            "cannot fetch {url}: {}",
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
