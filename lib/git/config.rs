//! Git configuration: reads through gix (every scope, as configured), writes
//! through `git config --local` so that git does the locking and the file format.
//!
//! Only the local (repository) scope is ever written: git-realm never touches the
//! user's global or system configuration.

use gix::bstr::ByteSlice;

use super::run::Git;
use crate::error::{Error, Result};

/// The raw value of `key` in the repository's configuration (as configured: no
/// `insteadOf` rewriting is applied to urls).
pub fn config_string(repo: &gix::Repository, key: &str) -> Option<String> {
    repo.config_snapshot()
        .string(key)
        .map(|v| v.to_str_lossy().into_owned())
}

/// Set `key = value` in the repository's local config (git does the locking).
pub fn config_set(repo: &gix::Repository, key: &str, value: &str) -> Result<()> {
    Git::in_repo(repo)
        .args(["config", "--local", key, value])
        .run()
        .map(drop)
}

/// Add `value` to the multi-valued `key` unless it is already there.
pub fn config_add_unique(repo: &gix::Repository, key: &str, value: &str) -> Result<()> {
    let out = Git::in_repo(repo)
        .args(["config", "--local", "--get-all", key])
        .output()?;
    if out.stdout.lines().any(|l| l == value) {
        return Ok(());
    }
    Git::in_repo(repo)
        .args(["config", "--local", "--add", key, value])
        .run()
        .map(drop)
}

/// Remove one value of a multi-valued key (no error when absent).
pub fn config_unset_value(repo: &gix::Repository, key: &str, value: &str) -> Result<()> {
    let out = Git::in_repo(repo)
        .args([
            "config",
            "--local",
            "--fixed-value",
            "--unset-all",
            key,
            value,
        ])
        .output()?;
    // Exit 5: the key/value was not there, which is what we wanted.
    if out.success || out.stderr.is_empty() {
        Ok(())
    } else {
        Err(Error::external(out.reason()))
    }
}

/// Remove a whole `[section "sub"]` (no error when absent).
pub fn config_remove_section(repo: &gix::Repository, section: &str) -> Result<()> {
    let out = Git::in_repo(repo)
        .args(["config", "--local", "--remove-section", section])
        .output()?;
    if out.success || out.stderr.contains("no such section") {
        Ok(())
    } else {
        Err(Error::external(out.reason()))
    }
}
