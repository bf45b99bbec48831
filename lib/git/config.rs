//! Git configuration: reads through gix (every scope, as configured), writes
//! through `git config --local` so that git does the locking and the file format.
//!
//! Only the local (repository) scope is ever written: git-realm never touches the
//! user's global or system configuration. Whether a write found what it removes is
//! read from `git config`'s exit codes, not from its messages.

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
    match out.code {
        Some(0 | 5) => Ok(()),
        _ => Err(Error::external(out.reason())),
    }
}

/// Remove a whole `[section "sub"]` (no error when absent).
pub fn config_remove_section(repo: &gix::Repository, section: &str) -> Result<()> {
    let out = Git::in_repo(repo)
        .args(["config", "--local", "--remove-section", section])
        .output()?;
    // git dies (exit 128) both when the section is absent and on real failures
    // (a locked file exits 255, but not every failure has its own code): ask
    // whether the section has any key left, which `--get-regexp` answers with an
    // exit code (1: no match).
    if out.success || !has_section(repo, section)? {
        Ok(())
    } else {
        Err(Error::external(out.reason()))
    }
}

/// Whether the local config has a key in `section` (`realm.foo`: a key
/// `realm.foo.<name>`).
fn has_section(repo: &gix::Repository, section: &str) -> Result<bool> {
    // Section names are case-insensitive (git prints them lowercased), subsection
    // names are not.
    let (name, sub) = match section.split_once('.') {
        Some((name, sub)) => (name.to_ascii_lowercase(), Some(sub)),
        None => (section.to_ascii_lowercase(), None),
    };
    let mut pattern = format!("^{}", ere_escape(&name));
    if let Some(sub) = sub {
        pattern.push_str(&format!("\\.{}", ere_escape(sub)));
    }
    pattern.push_str("\\.[^.]*$");
    let out = Git::in_repo(repo)
        .args(["config", "--local", "--name-only", "--get-regexp"])
        .arg(pattern)
        .output()?;
    match out.code {
        Some(0) => Ok(true),
        Some(1) => Ok(false),
        _ => Err(Error::external(out.reason())),
    }
}

/// `text` matched literally in a POSIX extended regular expression.
fn ere_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if ".[]()*+?{}|^$\\".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removing_a_section_twice_is_not_an_error() {
        let dir = tempfile::tempdir().unwrap();
        crate::git::repo::init(dir.path(), dir.path(), true).unwrap();
        let repo = crate::git::open_at(dir.path()).unwrap();
        config_set(&repo, "realm.a-b.url", "/x").unwrap();
        config_set(&repo, "realm.a-b.member", "m").unwrap();
        config_set(&repo, "realm.a-bc.url", "/y").unwrap();
        assert!(has_section(&repo, "realm.a-b").unwrap());
        config_remove_section(&repo, "realm.a-b").unwrap();
        assert!(!has_section(&repo, "realm.a-b").unwrap());
        assert!(
            has_section(&repo, "realm.a-bc").unwrap(),
            "only that section"
        );
        config_remove_section(&repo, "realm.a-b").unwrap();
        config_unset_value(&repo, "notes.rewriteRef", "refs/notes/realm").unwrap();
    }

    #[test]
    fn regex_metacharacters_are_escaped() {
        assert_eq!(ere_escape("a-b.c"), "a-b\\.c");
        assert_eq!(ere_escape("x+(y)"), "x\\+\\(y\\)");
    }
}
