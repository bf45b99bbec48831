//! Git's lock files (`index.lock`, `HEAD.lock`, `refs/heads/<branch>.lock`, …):
//! finding one, saying how old it is, and telling the user how to clear it.
//!
//! A git process creates `<file>.lock` while it rewrites `<file>` and renames it
//! into place when done; a process killed in between (kill -9, a power cut) leaves
//! the lock behind and every later writer fails. Git writes no owner into a lock
//! file, so whether its holder is still alive cannot be proven: git-realm never
//! removes one. It names the file, its age and the safe way to clear it.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// A lock file that exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lock {
    pub path: PathBuf,
    /// How long ago it was last written, when the file is on this machine.
    pub age: Option<Duration>,
}

/// A ref lock older than this is no writer at work: ref updates hold their lock
/// for milliseconds.
pub const STALE_AFTER: Duration = Duration::from_secs(60);

impl Lock {
    /// The lock at `path`, if it exists on this machine.
    pub fn at(path: &Path) -> Option<Lock> {
        let meta = std::fs::symlink_metadata(path).ok()?;
        let age = meta
            .modified()
            .ok()
            .and_then(|m| SystemTime::now().duration_since(m).ok());
        Some(Lock {
            path: path.to_owned(),
            age: Some(age.unwrap_or_default()),
        })
    }

    /// A lock named by a remote git, whose file may not be on this machine.
    pub fn remote(path: &str, local: bool) -> Lock {
        // Git names it as it built it (`/srv/realm.git/./refs/heads/main.lock`).
        let path = super::repo::absolute(Path::new("/"), Path::new(path));
        if local && let Some(found) = Lock::at(&path) {
            return found;
        }
        Lock { path, age: None }
    }

    /// Old enough that no live git process can be holding it.
    pub fn is_stale(&self) -> bool {
        self.age.is_some_and(|a| a >= STALE_AFTER)
    }

    /// `'/srv/realm.git/refs/heads/main.lock' (left 5 minutes ago)`.
    pub fn describe(&self) -> String {
        let age = match self.age {
            Some(a) => format!(" (left {} ago)", human(a)),
            None => String::new(),
        };
        format!("'{}'{age}", self.path.display())
    }

    /// What to tell the user: check for a live git process, then remove the file.
    pub fn advice(&self, repo: &str) -> String {
        format!(
            "a git process killed while writing to {repo} leaves its lock file behind; \
             if no git process is running there now, remove it: rm '{}'",
            self.path.display()
        )
    }
}

/// The lock files that block a commit on `branch` in the worktree whose git
/// directory is `git_dir` (`.git`, or `.git/worktrees/<name>` of a linked one)
/// and whose common directory is `common_dir`.
pub fn blocking_commit(git_dir: &Path, common_dir: &Path, branch: &str) -> Vec<Lock> {
    let mut candidates = vec![git_dir.join("index.lock"), git_dir.join("HEAD.lock")];
    candidates.push(common_dir.join(format!("refs/heads/{branch}.lock")));
    candidates.push(common_dir.join("packed-refs.lock"));
    let mut found: Vec<Lock> = Vec::new();
    for c in candidates {
        if let Some(lock) = Lock::at(&c)
            && !found.iter().any(|f| f.path == lock.path)
        {
            found.push(lock);
        }
    }
    found
}

/// The lock file a git error message names (`Unable to create '<path>.lock': File
/// exists.`), if any. Git prints it in English under `LC_ALL=C`, which every
/// process git-realm starts (and, for a local repository, its receiving end) runs
/// with.
pub fn named_in(text: &str) -> Option<String> {
    let start = text.find("Unable to create '")? + "Unable to create '".len();
    let rest = &text[start..];
    let end = rest.find("': File exists")?;
    let path = &rest[..end];
    path.ends_with(".lock").then(|| path.to_owned())
}

/// `42 seconds`, `5 minutes`, `3 hours`, `2 days`.
fn human(d: Duration) -> String {
    let s = d.as_secs();
    let (n, unit) = match s {
        0..120 => (s, "second"),
        120..7200 => (s / 60, "minute"),
        7200..172_800 => (s / 3600, "hour"),
        _ => (s / 86_400, "day"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_file_is_read_from_gits_message() {
        let msg = "remote: error: cannot lock ref 'refs/heads/main': Unable to create '/tmp/r.git/refs/heads/main.lock': File exists.\n\nAnother git process seems to be running";
        assert_eq!(
            named_in(msg).as_deref(),
            Some("/tmp/r.git/refs/heads/main.lock")
        );
        assert_eq!(named_in("error: failed to push some refs"), None);
    }

    #[test]
    fn ages_read_like_a_person_would_say_them() {
        assert_eq!(human(Duration::from_secs(1)), "1 second");
        assert_eq!(human(Duration::from_secs(300)), "5 minutes");
        assert_eq!(human(Duration::from_secs(3 * 3600)), "3 hours");
    }
}
