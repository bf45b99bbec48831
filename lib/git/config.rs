//! Git configuration: reads through gix (every scope, as configured). Writes go to
//! the local scope only: setting and adding through gix under git's own lock file,
//! removing through `git config --local`.
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

/// One change to the local configuration.
#[derive(Debug, Clone, Copy)]
pub enum ConfigEdit<'a> {
    /// `key = value`, replacing the last value of `key` (as `git config KEY VALUE`).
    Set(&'a str, &'a str),
    /// Add `value` to the multi-valued `key` unless it is already there.
    AddUnique(&'a str, &'a str),
}

/// Apply `edits` to the repository's local config (`$GIT_COMMON_DIR/config`, what
/// `git config --local` writes) in one read-modify-write under git's own lock
/// (`config.lock`, renamed over the file): one step instead of a `git config`
/// process per key. gix keeps the rest of the file byte for byte and quotes values
/// as git does.
pub fn config_edit(repo: &gix::Repository, edits: &[ConfigEdit<'_>]) -> Result<()> {
    use std::io::Write as _;
    let path = repo.common_dir().join("config");
    let failed = |e: &dyn std::fmt::Display| {
        Error::external(format!("cannot update {}: {e}", path.display()))
    };
    let mut lock = gix::lock::File::acquire_to_update_resource(
        &path,
        gix::lock::acquire::Fail::AfterDurationWithBackoff(std::time::Duration::from_secs(2)),
        None,
        0,
    )
    .map_err(|e| failed(&e))?;
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(failed(&e)),
    };
    let meta = gix::config::file::Metadata::from(gix::config::Source::Local);
    let mut file = gix::config::File::from_bytes_no_includes(&bytes, meta, Default::default())
        .map_err(|e| failed(&e))?;
    for edit in edits {
        match *edit {
            ConfigEdit::Set(key, value) => {
                file.set_raw_value(key, value).map_err(|e| failed(&e))?;
            }
            ConfigEdit::AddUnique(key, value) => {
                let present = file
                    .raw_values(key)
                    .is_ok_and(|values| values.iter().any(|v| v.as_slice() == value.as_bytes()));
                if !present {
                    let (section, name) = key.rsplit_once('.').ok_or_else(|| {
                        Error::internal(format!("config key without a section: {key}"))
                    })?;
                    let (section, subsection) = match section.split_once('.') {
                        Some((s, sub)) => (s, Some(sub)),
                        None => (section, None),
                    };
                    file.section_mut_or_create_new(section, subsection.map(Into::into))
                        .map_err(|e| failed(&e))?
                        .push(name, Some(value.into()))
                        .map_err(|e| failed(&e))?;
                }
            }
        }
    }
    file.write_to(&mut lock)
        .and_then(|()| lock.flush())
        .map_err(|e| failed(&e))?;
    lock.commit().map_err(|e| failed(&e.error))?;
    Ok(())
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
        config_edit(
            &repo,
            &[
                ConfigEdit::Set("realm.a-b.url", "/x"),
                ConfigEdit::Set("realm.a-b.member", "m"),
                ConfigEdit::Set("realm.a-bc.url", "/y"),
            ],
        )
        .unwrap();
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
    fn edits_read_back_through_git_and_keep_the_rest_of_the_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        crate::git::repo::init(dir.path(), dir.path(), false).unwrap();
        let config = dir.path().join(".git/config");
        let mut before = std::fs::read_to_string(&config).unwrap();
        before
            .push_str("# a comment git-realm keeps\n[notes]\n\trewriteRef = refs/notes/commits\n");
        std::fs::write(&config, &before).unwrap();
        let mode = std::fs::metadata(&config).unwrap().permissions().mode();
        let repo = crate::git::open_at(dir.path()).unwrap();
        let odd = r#" /srv/a b#c;d "quoted" back\slash "#;
        let edits = [
            ConfigEdit::Set("realm.r-1.url", odd),
            ConfigEdit::Set("realm.r-1.member", "m"),
            ConfigEdit::AddUnique("notes.rewriteRef", "refs/notes/realm"),
        ];
        config_edit(&repo, &edits).unwrap();
        config_edit(&repo, &[ConfigEdit::Set("realm.r-1.member", "n")]).unwrap();
        config_edit(&repo, &edits[2..]).unwrap();
        let git = |args: &[&str]| {
            let out = Git::in_repo(&repo).args(args).output().unwrap();
            out.stdout
        };
        assert_eq!(
            git(&["config", "--local", "realm.r-1.url"]),
            format!("{odd}\n")
        );
        assert_eq!(
            git(&["config", "--local", "--get-all", "realm.r-1.member"]),
            "n\n"
        );
        assert_eq!(
            git(&["config", "--local", "--get-all", "notes.rewriteRef"]),
            "refs/notes/commits\nrefs/notes/realm\n",
            "added once, after the value that was there"
        );
        let after = std::fs::read_to_string(&config).unwrap();
        assert!(after.starts_with(before.trim_end()), "{after}");
        assert_eq!(
            std::fs::metadata(&config).unwrap().permissions().mode(),
            mode
        );
        assert!(!dir.path().join(".git/config.lock").exists());
    }

    #[test]
    fn a_held_config_lock_is_an_error_that_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        crate::git::repo::init(dir.path(), dir.path(), false).unwrap();
        let config = dir.path().join(".git/config");
        let before = std::fs::read(&config).unwrap();
        std::fs::write(dir.path().join(".git/config.lock"), "").unwrap();
        let repo = crate::git::open_at(dir.path()).unwrap();
        let err = config_edit(&repo, &[ConfigEdit::Set("realm.r.url", "/x")]).unwrap_err();
        assert!(err.to_string().contains("config"), "{err}");
        assert_eq!(std::fs::read(&config).unwrap(), before);
    }

    #[test]
    fn regex_metacharacters_are_escaped() {
        assert_eq!(ere_escape("a-b.c"), "a-b\\.c");
        assert_eq!(ere_escape("x+(y)"), "x\\+\\(y\\)");
    }
}
