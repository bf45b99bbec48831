//! Git configuration: reads through gix (every scope, as configured); writes to the
//! local scope only, through gix under git's own lock file.
//!
//! Only the local (repository) scope is ever written: git-realm never touches the
//! user's global or system configuration.

use gix::bstr::ByteSlice;

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
    /// Remove every `[section "sub"]` (given as `section.sub`); none is no error.
    RemoveSection(&'a str),
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
                    let (section, subsection) = split_section(section);
                    file.section_mut_or_create_new(section, subsection.map(Into::into))
                        .map_err(|e| failed(&e))?
                        .push(name, Some(value.into()))
                        .map_err(|e| failed(&e))?;
                }
            }
            ConfigEdit::RemoveSection(section) => {
                let (name, sub) = split_section(section);
                while file.remove_section(name, sub.map(Into::into)).is_some() {}
            }
        }
    }
    file.write_to(&mut lock)
        .and_then(|()| lock.flush())
        .map_err(|e| failed(&e))?;
    lock.commit().map_err(|e| failed(&e.error))?;
    Ok(())
}

/// `section.sub` as git names it: the section, then the subsection (which may hold dots).
fn split_section(section: &str) -> (&str, Option<&str>) {
    match section.split_once('.') {
        Some((name, sub)) => (name, Some(sub)),
        None => (section, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::run::Git;

    #[test]
    fn removing_a_section_removes_only_it_and_twice_is_not_an_error() {
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
        // A second [realm "a-b"] section, as a hand edit would leave it.
        let config = dir.path().join("config");
        let mut text = std::fs::read_to_string(&config).unwrap();
        text.push_str("[realm \"a-b\"]\n\tnote = again\n");
        std::fs::write(&config, text).unwrap();
        let keys = |repo: &gix::Repository| {
            let out = Git::in_repo(repo)
                .args(["config", "--local", "--name-only", "--list"])
                .output()
                .unwrap();
            out.stdout
        };
        config_edit(&repo, &[ConfigEdit::RemoveSection("realm.a-b")]).unwrap();
        let left = keys(&repo);
        assert!(!left.contains("realm.a-b."), "{left}");
        assert!(left.contains("realm.a-bc.url"), "only that section: {left}");
        config_edit(&repo, &[ConfigEdit::RemoveSection("realm.a-b")]).unwrap();
        assert_eq!(keys(&repo), left);
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
}
