//! git-realm's preferences in git's configuration (any scope, or `git -c`):
//! `realm.branchPrefix`, `realm.worktreeDir`, `realm.notify`, `realm.maxFileSize` here, `realm.jobs` in
//! `crate::parallel`, `realm.gh` in `crate::forge`, `color.realm` in `crate::cli`.
//!
//! Each reader falls back to the built-in default when the key is unset, and a
//! value git-realm cannot use is a usage error naming the key (exit 2), never a
//! silent default.

use std::path::{Component, Path};

use crate::error::{Error, Result};

/// `realm.branchPrefix`'s default.
pub const DEFAULT_BRANCH_PREFIX: &str = "feat/";
/// `realm.worktreeDir`'s default.
pub const DEFAULT_WORKTREE_DIR: &str = ".worktrees";

/// `realm.branchPrefix`: what `git realm worktree CHANGE` puts before the change's
/// name to make its branch (`feat/` by default; an empty value means none).
pub fn branch_prefix(repo: &gix::Repository) -> String {
    crate::git::config_string(repo, "realm.branchPrefix")
        .map(|v| v.trim().to_owned())
        .unwrap_or_else(|| DEFAULT_BRANCH_PREFIX.to_owned())
}

/// `realm.worktreeDir` of the checkout at `checkout`: the directory, relative to
/// a checkout, that holds the worktrees of changes (`.worktrees` by default). A
/// value that is not a plain relative path reads as the default here;
/// [`check_worktree_dir`] is what refuses it.
pub fn worktree_dir(checkout: &Path) -> String {
    worktree_dir_or_default(crate::git::open_at(checkout).ok().as_ref())
}

/// [`worktree_dir`] of a checkout already open (`None`: it cannot be).
pub fn worktree_dir_or_default(checkout: Option<&gix::Repository>) -> String {
    checkout
        .and_then(|r| worktree_dir_of(r).ok())
        .unwrap_or_else(|| DEFAULT_WORKTREE_DIR.to_owned())
}

/// `realm.worktreeDir` of `repo`, checked: a relative path inside the checkout.
pub fn worktree_dir_of(repo: &gix::Repository) -> Result<String> {
    match crate::git::config_string(repo, "realm.worktreeDir") {
        None => Ok(DEFAULT_WORKTREE_DIR.to_owned()),
        Some(v) => check_worktree_dir(v.trim()).map(|()| v.trim().trim_end_matches('/').to_owned()),
    }
}

fn check_worktree_dir(value: &str) -> Result<()> {
    let path = Path::new(value);
    let plain = !value.is_empty()
        && path
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
        && path.components().any(|c| matches!(c, Component::Normal(_)));
    if plain {
        return Ok(());
    }
    Err(Error::usage(format!(
        "git config realm.worktreeDir: `{value}` is not a directory inside the checkout (a relative path without `..`)"
    ))
    .hint("fix it with `git config realm.worktreeDir .worktrees`, or unset it for the default"))
}

/// `realm.notify`: whether `git realm sync` notifies consumers by default (`true`
/// unless configured; `--notify`/`--no-notify` win). Read as git reads booleans.
pub fn notify(repo: &gix::Repository) -> Result<bool> {
    match crate::git::config_string(repo, "realm.notify") {
        None => Ok(true),
        Some(v) => parse_bool(&v).ok_or_else(|| {
            Error::usage(format!(
                "git config realm.notify: `{}` is not a boolean (true or false)",
                v.trim()
            ))
            .hint("fix it with `git config realm.notify false`, or unset it for the default (true)")
        }),
    }
}

/// A git boolean: true/yes/on/1 (and a bare key, read as ""), false/no/off/0.
fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "1" | "" => Some(true),
        "false" | "no" | "off" | "0" => Some(false),
        _ => None,
    }
}

/// `realm.maxFileSize`'s default: realm files larger than this are refused before
/// they are read (a realm is a few kilobytes of YAML; a huge file is a mistake or
/// an attack on every `status`).
pub const DEFAULT_MAX_FILE_SIZE: u64 = 1024 * 1024;

/// `realm.maxFileSize`: the largest realm file read, in bytes, with git's `k`,
/// `m` and `g` suffixes (1 MiB by default).
pub fn max_file_size(repo: &gix::Repository) -> Result<u64> {
    let value = match repo.config_snapshot().try_integer("realm.maxFileSize") {
        Ok(None) => return Ok(DEFAULT_MAX_FILE_SIZE),
        Ok(Some(n)) => u64::try_from(n).ok(),
        Err(_) => None,
    };
    let shown = crate::git::config_string(repo, "realm.maxFileSize").unwrap_or_default();
    match value {
        Some(n) if n > 0 => Ok(n),
        _ => Err(Error::usage(format!(
            "git config realm.maxFileSize: `{}` is not a size (a whole number of bytes from 1, with git's k, m or g suffix)",
            shown.trim()
        ))
        .hint("fix it with `git config realm.maxFileSize 4m`, or unset it for the default of 1m")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worktree_dirs_stay_inside_the_checkout() {
        for ok in [".worktrees", "wt", "build/wt", "./wt"] {
            assert!(check_worktree_dir(ok).is_ok(), "{ok}");
        }
        for bad in ["", "/tmp/wt", "../wt", "a/../../b", "."] {
            assert!(check_worktree_dir(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn booleans_as_git_reads_them() {
        assert_eq!(parse_bool("Yes"), Some(true));
        assert_eq!(parse_bool("off"), Some(false));
        assert_eq!(parse_bool("maybe"), None);
    }
}
