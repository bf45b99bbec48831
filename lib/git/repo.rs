//! Opening repositories with gix (as the user's git would find them, or at exactly
//! one path), creating one with `git init`, and two small helpers every command
//! needs: normalised paths and the commit clock.
//!
//! Nothing here reads or writes what is inside a repository.

use std::path::{Path, PathBuf};

use super::run::Git;
use crate::error::{Context, Error, Result};

/// Open the repository the user is in, honouring `GIT_DIR`, `GIT_WORK_TREE` and
/// friends (so `git -C DIR realm …` and `GIT_DIR=… git realm …` both work).
pub fn open_current() -> Result<gix::Repository> {
    let cwd = std::env::current_dir().context(|| "cannot read the current directory".into())?;
    if let Some(repo) = take_opened_early(&cwd) {
        return owned(repo);
    }
    let repo = discover(&cwd).map_err(|e| {
        unsupported_format(&cwd).unwrap_or_else(|| {
            Error::usage(format!(
                "not a git repository (or any parent up to the root): {}",
                cwd.display()
            ))
            .hint(format!("git-realm works inside a member repository ({e})"))
        })
    })?;
    owned(repo)
}

/// A repository at `dir` that git reads but gix cannot: one with SHA-256
/// object names (gix is built for SHA-1 here). Said as such, not as "not a
/// git repository". Asked of git only once opening failed.
fn unsupported_format(dir: &Path) -> Option<Error> {
    let out = Git::in_dir(dir)
        .args(["rev-parse", "--show-object-format"])
        .output()
        .ok()?;
    let format = out.stdout.trim();
    (out.success && format != "sha1").then(|| {
        Error::usage(format!(
            "{} uses {format} object names, which git-realm does not support (only sha1)",
            dir.display()
        ))
    })
}

/// `repo`, if the user owns it or lists it in `safe.directory` (in their global
/// or system config), as git requires: a repository someone else owns has a
/// config someone else wrote (its realm url, hooks, helpers), and git-realm would
/// run what it names. gix opens such a repository with reduced trust and leaves
/// the refusal to its caller; git refuses with "detected dubious ownership".
fn owned(repo: gix::Repository) -> Result<gix::Repository> {
    if repo.git_dir_trust() == gix::sec::Trust::Full {
        return Ok(repo);
    }
    let dir = repo.workdir().unwrap_or(repo.git_dir()).to_owned();
    Err(Error::usage(format!(
        "detected dubious ownership in repository at '{}': it is not owned by you",
        dir.display()
    ))
    .hint(format!(
        "if you trust whoever owns it, add an exception as git does: git config --global --add safe.directory '{}'",
        dir.display()
    )))
}

// The repository found by [`open_early`], kept for the first [`open_current`] of
// the same directory: settings read before a command runs (git's colour setting)
// must not cost a second discovery.
thread_local! {
    static OPENED_EARLY: std::cell::RefCell<Option<(PathBuf, gix::Repository)>> =
        const { std::cell::RefCell::new(None) };
}

/// The repository the user is in, opened before the command runs; the command's
/// first [`open_current`] gets the same one instead of discovering it again.
pub fn open_early() -> Option<gix::Repository> {
    let cwd = std::env::current_dir().ok()?;
    // A repository someone else owns lends nothing, not even its colours.
    let repo = discover(&cwd)
        .ok()
        .filter(|r| r.git_dir_trust() == gix::sec::Trust::Full)?;
    OPENED_EARLY.with(|slot| *slot.borrow_mut() = Some((cwd, repo.clone())));
    Some(repo)
}

fn take_opened_early(cwd: &Path) -> Option<gix::Repository> {
    let (dir, repo) = OPENED_EARLY.with(|slot| slot.borrow_mut().take())?;
    (dir == cwd).then_some(repo)
}

/// Open the repository at exactly `path`, ignoring the environment's `GIT_DIR`.
pub fn open_at(path: &Path) -> Result<gix::Repository> {
    let repo =
        gix::open_opts(path, with_overrides(gix::open::Options::default())).map_err(|e| {
            unsupported_format(path).unwrap_or_else(|| {
                Error::usage(format!("{} is not a git repository: {e}", path.display()))
            })
        })?;
    owned(repo)
}

/// The repositories a command visits several times (a change's checkouts: to
/// refuse its default branch, then to find its worktree): each is opened once
/// and shared, since opening (configuration, object database) is most of what
/// such a visit costs. HEAD, refs and objects are still read from disk at each
/// use; the configuration is the one read at the first open, so this is only for
/// repositories whose configuration the command leaves alone. One thread's: gix
/// is built without its thread-safe handles.
#[derive(Default)]
pub struct Opened(std::cell::RefCell<std::collections::HashMap<PathBuf, gix::Repository>>);

impl Opened {
    /// The repository at exactly `path`, as [`open_at`] opens it.
    pub fn open(&self, path: &Path) -> Result<gix::Repository> {
        if let Some(repo) = self.0.borrow().get(path) {
            return Ok(repo.clone());
        }
        let repo = open_at(path)?;
        self.0.borrow_mut().insert(path.to_owned(), repo.clone());
        Ok(repo)
    }
}

/// The repository `dir` is in, found as git finds it (`GIT_DIR`, `GIT_WORK_TREE`,
/// `GIT_CEILING_DIRECTORIES`…), with `git -c` overrides applied.
pub fn discover(dir: &Path) -> gix::Result<gix::Repository> {
    let defaults = gix::sec::trust::Mapping::<gix::open::Options>::default();
    let trust_map = gix::sec::trust::Mapping {
        full: with_overrides(defaults.full),
        reduced: with_overrides(defaults.reduced),
    };
    gix::ThreadSafeRepository::discover_with_environment_overrides_opts(
        dir,
        Default::default(),
        trust_map,
    )
    .map(Into::into)
}

/// `options` with `git -c key=value` (from the environment git passes down) as
/// command-line overrides, the way git applies them: above every config file.
///
/// And room for the packs a command's own fetches add: gix sizes its table of
/// pack indices when it opens a repository (10% over the packs there, at least
/// 32), and a pack beyond it cannot be read through that handle. A realm fetch
/// of 100 objects or more (or any, under `fetch.unpackLimit=1`) adds a pack, and
/// a writer that loses races fetches again on each attempt.
fn with_overrides(options: gix::open::Options) -> gix::open::Options {
    options
        .cli_overrides(super::overrides::from_environment())
        .object_store_slots(gix::odb::store::init::Slots::AsNeededByDiskState {
            multiplier: 1.5,
            minimum: 64,
        })
}

/// `git init --initial-branch=main [--bare] PATH`, run from `cwd`.
pub fn init(cwd: &Path, path: &Path, bare: bool) -> Result<()> {
    // SHA-1 whatever the user's init.defaultObjectFormat: git-realm reads
    // repositories through gix built for SHA-1 only.
    let mut init = Git::in_dir(cwd).args([
        "init",
        "--quiet",
        "--initial-branch=main",
        "--object-format=sha1",
    ]);
    if bare {
        init = init.arg("--bare");
    }
    init.arg("--").arg(path).run().map(drop)
}

/// An empty bare repository in a temporary directory (removed when the
/// directory is dropped), to read the user's configuration as a new repository
/// would see it without creating one where they asked (`init --dry-run`).
pub fn scratch() -> Result<(tempfile::TempDir, gix::Repository)> {
    let dir = tempfile::tempdir().context(|| "cannot create a temporary directory".into())?;
    init(dir.path(), dir.path(), true)?;
    let repo = open_at(dir.path())?;
    Ok((dir, repo))
}

/// A scratch repository whose object database is a new, empty directory that
/// also sees the objects of `alternates` (through `objects/info/alternates`):
/// objects git writes into it (`GIT_OBJECT_DIRECTORY`) are read together with a
/// repository's own, and go away with it. A push's quarantine is seen the same
/// way.
pub struct ObjectView {
    dir: tempfile::TempDir,
    pub repo: gix::Repository,
}

impl ObjectView {
    pub fn new(alternates: &[PathBuf]) -> Result<ObjectView> {
        let io = |e: std::io::Error| Error::internal(format!("cannot set up a scratch view: {e}"));
        let dir = tempfile::Builder::new()
            .prefix("realm-view-")
            .tempdir()
            .map_err(io)?;
        std::fs::create_dir_all(dir.path().join("objects/info")).map_err(io)?;
        std::fs::create_dir_all(dir.path().join("refs/heads")).map_err(io)?;
        std::fs::write(dir.path().join("HEAD"), "ref: refs/heads/main\n").map_err(io)?;
        let list: String = alternates
            .iter()
            .map(|p| {
                format!(
                    "{}\n",
                    std::fs::canonicalize(p)
                        .unwrap_or_else(|_| p.clone())
                        .display()
                )
            })
            .collect();
        std::fs::write(dir.path().join("objects/info/alternates"), list).map_err(io)?;
        let repo = gix::open_opts(dir.path(), with_overrides(gix::open::Options::isolated()))
            .map_err(|e| Error::internal(format!("cannot open a scratch view: {e}")))?;
        Ok(ObjectView { dir, repo })
    }

    /// Where new objects go (`GIT_OBJECT_DIRECTORY` for git).
    pub fn objects_dir(&self) -> PathBuf {
        self.dir.path().join("objects")
    }
}

/// `base.join(p)`, lexically normalised (no filesystem access needed).
pub fn absolute(base: &Path, p: &Path) -> PathBuf {
    let joined = if p.is_absolute() {
        p.to_owned()
    } else {
        base.join(p)
    };
    let mut out = PathBuf::new();
    for part in joined.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The current time as git would stamp a commit (honours `GIT_COMMITTER_DATE`).
pub fn now(repo: &gix::Repository) -> Result<crate::model::Timestamp> {
    // Not `repo.committer()` unless the date is overridden: building gix's identity
    // loads the whole time zone database (a walk of /usr/share/zoneinfo, about a
    // millisecond per command) for a local offset that is never used here.
    let seconds = match std::env::var_os("GIT_COMMITTER_DATE") {
        Some(_) => match repo.committer() {
            Some(Ok(sig)) => sig.seconds(),
            _ => jiff::Timestamp::now().as_second(),
        },
        None => jiff::Timestamp::now().as_second(),
    };
    jiff::Timestamp::from_second(seconds)
        .map_err(|e| Error::usage(format!("invalid commit time: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_opened_repository_is_shared_and_still_reads_its_refs_from_disk() {
        let dir = tempfile::tempdir().unwrap();
        init(dir.path(), dir.path(), true).unwrap();
        let opened = Opened::default();
        let first = opened.open(dir.path()).unwrap();
        assert!(opened.open(&dir.path().join("missing")).is_err());
        // A ref written by another handle (as `git commit` would) is seen by
        // the shared one opened before it.
        let empty = first.empty_tree().id;
        let commit = first
            .write_object(gix::objs::Commit {
                tree: empty,
                parents: Default::default(),
                author: gix::actor::Signature::default(),
                committer: gix::actor::Signature::default(),
                encoding: None,
                message: "x".into(),
                extra_headers: Vec::new(),
            })
            .unwrap()
            .detach();
        let other = open_at(dir.path()).unwrap();
        super::super::set_ref(&other, "refs/heads/main", commit, "test").unwrap();
        let again = opened.open(dir.path()).unwrap();
        assert_eq!(again.git_dir(), first.git_dir());
        let seen = again
            .find_reference("refs/heads/main")
            .unwrap()
            .id()
            .detach();
        assert_eq!(seen, commit);
        assert_eq!(opened.0.borrow().len(), 1, "opened once");
    }
}
