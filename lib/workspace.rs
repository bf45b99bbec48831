//! What a member's own repository says, as contracts and operations need it: its
//! export declarations and the values they compute *at a commit*, its `HEAD`,
//! which branch that is, whether a binding file changed since an import was last
//! resolved.
//!
//! Published values come from committed code only: sources are evaluated over the
//! tree of `HEAD`, read from the object database ([`At::Head`]). What the working
//! tree would change (uncommitted and untracked files) is computed apart
//! ([`At::Uncommitted`]), only to be shown.
//!
//! Surveys and realm operations see the repository only through [`Workspace`], so
//! they can be tested with a fake one and never reach into the file system
//! themselves. [`WorkingTree`] is the real one.

use std::cell::OnceCell;
use std::io::Write;
use std::path::{Path, PathBuf};

use gix::ObjectId;
use serde_json::Value;

use crate::error::{Context, Error, Result};
use crate::model::{self, CommitId, ExportsFile, RelPath, ValueSource};
use crate::sources::{self, Files};

/// Which state of the repository to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    /// The commit `HEAD` points at: what is published.
    Head,
    /// The working tree, with uncommitted and untracked (not ignored) files.
    Uncommitted,
    /// Another commit of the repository: the base a pull request is compared with.
    Commit(ObjectId),
}

/// Where `HEAD` stands, for deciding whether to publish from it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Publishing {
    /// The checked-out branch (`None`: detached `HEAD`).
    pub branch: Option<String>,
    /// The repository's default branch: `origin/HEAD`, else `main`, else `master`.
    pub default_branch: Option<String>,
    /// Whether `HEAD` is the default branch (or its tip, detached).
    pub on_default: bool,
    /// Whether `HEAD` is on a remote-tracking branch (pushed, as last fetched).
    pub on_remote: bool,
}

impl Publishing {
    /// The default branch for a message: its name, or why it is not known.
    pub fn default_described(&self) -> String {
        match &self.default_branch {
            Some(b) => b.clone(),
            None => "not known here: no origin/HEAD, main or master; `git remote set-head origin --auto` records it".to_owned(),
        }
    }
}

/// The member repository, as contracts see it.
pub trait Workspace {
    /// Whether there is code to compute values from (a repository with commits).
    fn has_worktree(&self) -> bool;
    /// The commit `HEAD` points at, if any.
    fn head(&self) -> Option<ObjectId>;
    /// Whether the working tree differs from `HEAD` (uncommitted or untracked files).
    fn has_uncommitted(&self) -> Result<bool>;
    /// The export declarations (`.realm/exports.yaml`) at `at`, if the file exists.
    fn exports_file(&self, at: At) -> Result<Option<ExportsFile>>;
    /// The value `source` computes at `at` (an error names what is wrong with it).
    fn evaluate(&self, at: At, source: &ValueSource) -> Result<Value>;
    /// Whether the binding file at `HEAD` differs from the one at `resolved`
    /// (never resolved: whether it exists at all).
    fn binding_changed(&self, resolved: Option<&CommitId>, binding: &RelPath) -> Result<bool>;
    /// Which branch `HEAD` is, and whether it is pushed.
    fn publishing(&self) -> Result<Publishing>;
    /// Whether `HEAD` is behind `commit`: an ancestor of it, or (in a full
    /// clone) without it at all, as a clone that has not fetched it is. A
    /// `HEAD` that diverged from it (a squash-merged branch) is not behind.
    /// `None`: this repository cannot tell (a shallow clone lacking it).
    fn behind(&self, commit: &CommitId) -> Result<Option<bool>> {
        let _ = commit;
        Ok(Some(false))
    }
    /// Where, in the files `source` reads at `at`, the item of `change` was found
    /// (`None`: nowhere it can say: a literal, a program's output).
    fn locate(
        &self,
        _at: At,
        _source: &ValueSource,
        _change: &crate::items::Change,
    ) -> Result<Option<sources::Location>> {
        Ok(None)
    }
}

/// The real workspace: a repository, its `HEAD` and its working tree.
pub struct WorkingTree<'r> {
    repo: &'r gix::Repository,
    workdir: Option<PathBuf>,
    head: Option<ObjectId>,
    /// The working tree's tree, once written, and the scratch view of the
    /// objects it was written into (see `git::index::worktree_tree`).
    uncommitted: OnceCell<Option<(ObjectId, crate::git::repo::ObjectView)>>,
}

impl<'r> WorkingTree<'r> {
    pub fn new(repo: &'r gix::Repository) -> Self {
        WorkingTree {
            repo,
            workdir: repo.workdir().map(Path::to_owned),
            head: head_commit(repo),
            uncommitted: OnceCell::new(),
        }
    }

    /// A commit of `repo` read as code, without a working tree: `HEAD` is `commit`
    /// (a provider's branch fetched into a scratch repository, say).
    pub fn detached(repo: &'r gix::Repository, commit: ObjectId) -> Self {
        WorkingTree {
            repo,
            workdir: None,
            head: Some(commit),
            uncommitted: OnceCell::new(),
        }
    }

    pub fn workdir(&self) -> Option<&Path> {
        self.workdir.as_deref()
    }

    fn blob_at(&self, commit: ObjectId, path: &RelPath) -> Result<Option<ObjectId>> {
        if self.repo.find_commit(commit).is_err() {
            return Ok(None);
        }
        let tree = self.commit_tree(commit)?;
        Ok(TreeFiles::new(self.repo, tree)
            .entry_at(path.as_str())?
            .map(|(id, _)| id))
    }

    fn head_tree(&self) -> Result<Option<ObjectId>> {
        match self.head {
            Some(head) => self.commit_tree(head).map(Some),
            None => Ok(None),
        }
    }

    fn commit_tree(&self, id: ObjectId) -> Result<ObjectId> {
        let commit = self
            .repo
            .find_commit(id)
            .context(|| format!("cannot read commit {id}"))?;
        Ok(commit
            .tree_id()
            .context(|| format!("cannot read the tree of {id}"))?
            .detach())
    }

    fn worktree_tree(&self) -> Result<Option<ObjectId>> {
        if let Some(t) = self.uncommitted.get() {
            return Ok(t.as_ref().map(|(tree, _)| *tree));
        }
        let tree = match crate::git::index::worktree_tree(self.repo) {
            Ok(tree) => tree,
            // Git could not stage the working tree (a clean filter that is not
            // installed, a file it cannot read): the committed code is still
            // there to check, and the user is told what was left out.
            Err(e) if e.exit == crate::error::Exit::External => {
                let _ = writeln!(
                    crate::ui::stderr(),
                    "warning: the uncommitted files of {} cannot be read, so only committed code is checked: {}",
                    self.workdir
                        .as_deref()
                        .unwrap_or(self.repo.git_dir())
                        .display(),
                    e.message
                );
                None
            }
            Err(e) => return Err(e),
        };
        Ok(self
            .uncommitted
            .get_or_init(|| tree)
            .as_ref()
            .map(|(tree, _)| *tree))
    }

    /// The repository to read the tree of `at` from: the scratch view the
    /// working tree was written into, for `Uncommitted`.
    fn objects(&self, at: At) -> &gix::Repository {
        match (at, self.uncommitted.get()) {
            (At::Uncommitted, Some(Some((_, view)))) => &view.repo,
            _ => self.repo,
        }
    }

    /// The tree to read at `at`.
    fn tree(&self, at: At) -> Result<Option<ObjectId>> {
        match at {
            At::Head => self.head_tree(),
            At::Uncommitted if self.workdir.is_none() => self.head_tree(),
            At::Uncommitted => match self.worktree_tree()? {
                Some(t) => Ok(Some(t)),
                None => self.head_tree(),
            },
            At::Commit(id) => self.commit_tree(id).map(Some),
        }
    }

    fn files(&self, at: At) -> Result<TreeFiles<'_>> {
        let tree = self.tree(at)?.ok_or_else(|| {
            Error::usage(
                "this repository has no commit yet: export values come from committed code",
            )
        })?;
        Ok(TreeFiles::new(self.objects(at), tree))
    }
}

impl Workspace for WorkingTree<'_> {
    fn has_worktree(&self) -> bool {
        self.head.is_some()
    }

    fn head(&self) -> Option<ObjectId> {
        self.head
    }

    fn has_uncommitted(&self) -> Result<bool> {
        if self.workdir.is_none() {
            return Ok(false);
        }
        Ok(match self.worktree_tree()? {
            Some(tree) => Some(tree) != self.head_tree()?,
            None => false,
        })
    }

    fn exports_file(&self, at: At) -> Result<Option<ExportsFile>> {
        let Some(tree) = self.tree(at)? else {
            return Ok(None);
        };
        let files = TreeFiles::new(self.objects(at), tree);
        match files.read(model::EXPORTS_FILE)? {
            None => Ok(None),
            Some(bytes) => model::parse::<ExportsFile>(model::EXPORTS_FILE, &bytes).map(Some),
        }
    }

    fn evaluate(&self, at: At, source: &ValueSource) -> Result<Value> {
        let files = self.files(at)?;
        match source {
            ValueSource::Command {
                command,
                timeout_seconds,
            } => {
                let dir = tempfile::Builder::new()
                    .prefix("realm-source-")
                    .tempdir()
                    .context(|| "cannot create a scratch checkout".into())?;
                files.checkout(dir.path())?;
                sources::run_command(
                    dir.path(),
                    command,
                    *timeout_seconds,
                    &files.tree.to_string(),
                )
            }
            other => sources::evaluate(other, &files),
        }
    }

    fn binding_changed(&self, resolved: Option<&CommitId>, binding: &RelPath) -> Result<bool> {
        let Some(head) = self.head else {
            return Ok(false);
        };
        let now = self.blob_at(head, binding)?;
        let Some(resolved) = resolved else {
            return Ok(now.is_some());
        };
        Ok(now.is_some() && now != self.blob_at(object_id(resolved)?, binding)?)
    }

    fn locate(
        &self,
        at: At,
        source: &ValueSource,
        change: &crate::items::Change,
    ) -> Result<Option<sources::Location>> {
        sources::locate(source, &self.files(at)?, change)
    }

    fn behind(&self, commit: &CommitId) -> Result<Option<bool>> {
        let Some(head) = self.head else {
            return Ok(Some(false));
        };
        let id = object_id(commit)?;
        if id == head {
            return Ok(Some(false));
        }
        if self.repo.find_commit(id).is_err() {
            // Beyond a shallow clone's depth nobody can tell.
            return Ok((!crate::git::refs::is_shallow(self.repo)).then_some(true));
        }
        let dir = self.workdir.as_deref().unwrap_or(self.repo.git_dir());
        crate::git::commits::is_ancestor(dir, head, id).map(Some)
    }

    fn publishing(&self) -> Result<Publishing> {
        let repo = self.repo;
        let branch = repo.head_name().ok().flatten().and_then(|n| {
            n.as_bstr()
                .to_string()
                .strip_prefix("refs/heads/")
                .map(str::to_owned)
        });
        let default_branch = default_branch(repo);
        let on_default = match (&default_branch, self.head) {
            // Not known: no branch is taken for it (publishing from a feature
            // branch by mistake cannot be undone).
            (None, _) => false,
            (Some(d), head) => {
                branch.as_deref() == Some(d.as_str())
                    || head.is_some_and(|h| {
                        [
                            format!("refs/heads/{d}"),
                            format!("refs/remotes/origin/{d}"),
                        ]
                        .iter()
                        .any(|r| crate::git::ref_target(repo, r).ok().flatten() == Some(h))
                    })
            }
        };
        let on_remote = match self.head {
            Some(h) => crate::git::remotes::on_remote(repo, h)?,
            None => false,
        };
        Ok(Publishing {
            branch,
            default_branch,
            on_default,
            on_remote,
        })
    }
}

/// The default branch: where `origin/HEAD` points, else `main`, else `master`,
/// else `init.defaultBranch` when it exists, else the only local branch.
pub fn default_branch(repo: &gix::Repository) -> Option<String> {
    if let Ok(Some(r)) = repo.try_find_reference("refs/remotes/origin/HEAD")
        && let gix::refs::TargetRef::Symbolic(name) = r.target()
    {
        let name = name.as_bstr().to_string();
        if let Some(b) = name.strip_prefix("refs/remotes/origin/") {
            return Some(b.to_owned());
        }
    }
    let exists = |b: &str| {
        [
            format!("refs/heads/{b}"),
            format!("refs/remotes/origin/{b}"),
        ]
        .iter()
        .any(|r| crate::git::ref_target(repo, r).ok().flatten().is_some())
    };
    if let Some(b) = ["main", "master"].into_iter().find(|b| exists(b)) {
        return Some(b.to_owned());
    }
    // The user's own default for new repositories, when this one has it.
    if let Some(b) = crate::git::config_string(repo, "init.defaultBranch").filter(|b| exists(b)) {
        return Some(b);
    }
    // A repository with one branch has no other to be the default.
    let platform = repo.references().ok()?;
    let mut locals = platform.local_branches().ok()?.flatten();
    let only = locals.next()?;
    locals
        .next()
        .is_none()
        .then(|| only.name().shorten().to_string())
}

/// The object a commit id recorded in the realm names.
fn object_id(commit: &CommitId) -> Result<ObjectId> {
    ObjectId::from_hex(commit.as_str().as_bytes()).map_err(|e| Error::usage(e.to_string()))
}

/// `HEAD`'s commit, if the repository has one.
pub fn head_commit(repo: &gix::Repository) -> Option<ObjectId> {
    repo.head_id().ok().map(|id| id.detach())
}

/// `find()`, and once more after git fetched `id` when this is a partial clone
/// that left it at its promisor remote (a CI checkout with `--filter`): the
/// base's files of a pull request are read as a full clone reads them.
fn promised<T, E>(
    repo: &gix::Repository,
    id: ObjectId,
    find: impl Fn() -> std::result::Result<T, E>,
) -> std::result::Result<T, E> {
    match find() {
        Ok(found) => Ok(found),
        Err(e) => match crate::git::remotes::fetch_promised(repo, id) {
            Ok(true) => find(),
            _ => Err(e),
        },
    }
}

/// One entry of a tree listing.
struct Entry {
    path: String,
    id: ObjectId,
    kind: EntryKind,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum EntryKind {
    File,
    Executable,
    Link,
}

/// The files of one tree, read straight from the object database: committed
/// content only (no working tree, nothing under `.git/`, no symlink followed).
pub struct TreeFiles<'r> {
    repo: &'r gix::Repository,
    tree: ObjectId,
    listing: OnceCell<Vec<Entry>>,
}

impl<'r> TreeFiles<'r> {
    pub fn new(repo: &'r gix::Repository, tree: ObjectId) -> Self {
        TreeFiles {
            repo,
            tree,
            listing: OnceCell::new(),
        }
    }

    fn entries(&self) -> Result<&[Entry]> {
        if let Some(l) = self.listing.get() {
            return Ok(l);
        }
        let mut out = Vec::new();
        let mut stack = vec![(String::new(), self.tree)];
        while let Some((prefix, id)) = stack.pop() {
            let tree = self.tree(id)?;
            let decoded = tree
                .decode()
                .context(|| format!("cannot decode tree {id}"))?;
            for e in &decoded.entries {
                let name = e.filename.to_string();
                let path = if prefix.is_empty() {
                    name
                } else {
                    format!("{prefix}/{name}")
                };
                let oid = e.oid.to_owned();
                if e.mode.is_tree() {
                    stack.push((path, oid));
                } else if e.mode.is_link() {
                    out.push(Entry {
                        path,
                        id: oid,
                        kind: EntryKind::Link,
                    });
                } else if e.mode.is_blob() {
                    let kind = if e.mode.is_executable() {
                        EntryKind::Executable
                    } else {
                        EntryKind::File
                    };
                    out.push(Entry {
                        path,
                        id: oid,
                        kind,
                    });
                }
            }
        }
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(self.listing.get_or_init(|| out))
    }

    /// The file or link at `path`, as the listing has it (`None`: no such file,
    /// or a directory or submodule there). Without the listing, only the trees
    /// along the path are read: a repository of 2,000 files was listed in full
    /// to read its one `.realm/exports.yaml`.
    fn entry_at(&self, path: &str) -> Result<Option<(ObjectId, EntryKind)>> {
        if let Some(entries) = self.listing.get() {
            return Ok(entries
                .binary_search_by(|e| e.path.as_str().cmp(path))
                .ok()
                .map(|i| (entries[i].id, entries[i].kind)));
        }
        let mut id = self.tree;
        let mut parts = path.split('/').peekable();
        while let Some(part) = parts.next() {
            let tree = self.tree(id)?;
            let mut found = None;
            for e in tree.iter() {
                let e = e.context(|| format!("cannot decode tree {id}"))?;
                if e.filename() == part.as_bytes() {
                    found = Some((e.object_id(), e.mode()));
                    break;
                }
            }
            let Some(found) = found else {
                return Ok(None);
            };
            if parts.peek().is_some() {
                // A directory on the way; a link or a file there ends it, as a
                // listing never looks behind them.
                match found.1.is_tree() {
                    true => id = found.0,
                    false => return Ok(None),
                }
                continue;
            }
            let kind = match found.1 {
                m if m.is_link() => EntryKind::Link,
                m if m.is_blob() && m.is_executable() => EntryKind::Executable,
                m if m.is_blob() => EntryKind::File,
                _ => return Ok(None),
            };
            return Ok(Some((found.0, kind)));
        }
        Ok(None)
    }

    fn tree(&self, id: ObjectId) -> Result<gix::Tree<'r>> {
        promised(self.repo, id, || self.repo.find_tree(id))
            .context(|| format!("cannot read tree {id}"))
    }

    fn blob(&self, id: ObjectId) -> Result<Vec<u8>> {
        Ok(promised(self.repo, id, || self.repo.find_blob(id))
            .context(|| format!("cannot read blob {id}"))?
            .data
            .clone())
    }

    /// Write the tree's files into `dir` (a clean checkout, for a command source).
    pub fn checkout(&self, dir: &Path) -> Result<()> {
        for e in self.entries()? {
            let target = dir.join(&e.path);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)
                    .context(|| format!("cannot create {}", parent.display()))?;
            }
            let data = self.blob(e.id)?;
            match e.kind {
                EntryKind::Link => {
                    #[cfg(unix)]
                    std::os::unix::fs::symlink(String::from_utf8_lossy(&data).as_ref(), &target)
                        .context(|| format!("cannot create {}", target.display()))?;
                }
                kind => {
                    std::fs::write(&target, &data)
                        .context(|| format!("cannot write {}", target.display()))?;
                    #[cfg(unix)]
                    if kind == EntryKind::Executable {
                        use std::os::unix::fs::PermissionsExt;
                        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o755))
                            .context(|| format!("cannot make {} executable", target.display()))?;
                    }
                }
            }
        }
        Ok(())
    }
}

impl Files for TreeFiles<'_> {
    fn list(&self) -> Result<Vec<String>> {
        Ok(self
            .entries()?
            .iter()
            .filter(|e| e.kind != EntryKind::Link)
            .map(|e| e.path.clone())
            .collect())
    }

    fn read(&self, path: &str) -> Result<Option<Vec<u8>>> {
        match self.entry_at(path)? {
            None => Ok(None),
            Some((_, EntryKind::Link)) => Err(Error::usage(format!(
                "{path} is a symbolic link: only regular committed files are read"
            ))),
            Some((id, _)) => self.blob(id).map(Some),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::Files;

    /// A repository whose one commit holds files, an executable, a link to a
    /// file and a link to a directory.
    fn committed() -> (tempfile::TempDir, ObjectId) {
        let dir = tempfile::tempdir().unwrap();
        let git = |args: &[&str]| {
            let out = std::process::Command::new("git")
                .args(args)
                .current_dir(dir.path())
                .env("HOME", dir.path())
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("GIT_CONFIG_GLOBAL", "/dev/null")
                .env("GIT_AUTHOR_NAME", "t")
                .env("GIT_AUTHOR_EMAIL", "t@example.com")
                .env("GIT_COMMITTER_NAME", "t")
                .env("GIT_COMMITTER_EMAIL", "t@example.com")
                .output()
                .unwrap();
            assert!(out.status.success(), "{out:?}");
            String::from_utf8(out.stdout).unwrap()
        };
        git(&["init", "-q"]);
        let p = dir.path();
        std::fs::create_dir_all(p.join("dir/sub")).unwrap();
        std::fs::write(p.join("a.txt"), "a").unwrap();
        std::fs::write(p.join("dir/sub/b.txt"), "b").unwrap();
        std::fs::write(p.join("dir/c.txt"), "c").unwrap();
        std::fs::write(p.join("exe.sh"), "#!/bin/sh\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(p.join("exe.sh"), std::fs::Permissions::from_mode(0o755))
                .unwrap();
            std::os::unix::fs::symlink("a.txt", p.join("link")).unwrap();
            std::os::unix::fs::symlink("dir", p.join("ld")).unwrap();
        }
        git(&["add", "-A"]);
        git(&["commit", "-q", "-m", "files"]);
        let tree = git(&["rev-parse", "HEAD^{tree}"]);
        (dir, ObjectId::from_hex(tree.trim().as_bytes()).unwrap())
    }

    #[test]
    fn a_file_read_by_its_path_is_what_the_listing_finds() {
        let (dir, tree) = committed();
        let repo = gix::open(dir.path()).unwrap();
        let paths = [
            "a.txt",
            "dir/sub/b.txt",
            "dir/c.txt",
            "exe.sh",
            "link",
            "ld",
            "ld/c.txt",
            "ld/sub/b.txt",
            "dir",
            "dir/sub",
            "dir/sub/",
            "dir//c.txt",
            "/a.txt",
            "./a.txt",
            "a.txt/x",
            "missing",
            "dir/missing",
            "",
        ];
        let shown = |r: Result<Option<Vec<u8>>>| match r {
            Ok(v) => format!("{v:?}"),
            Err(e) => format!("error: {e}"),
        };
        for path in paths {
            let by_path = TreeFiles::new(&repo, tree);
            let listed = TreeFiles::new(&repo, tree);
            listed.list().unwrap();
            assert_eq!(
                shown(by_path.read(path)),
                shown(listed.read(path)),
                "{path:?}"
            );
        }
        let by_path = TreeFiles::new(&repo, tree);
        assert_eq!(
            by_path.read("dir/sub/b.txt").unwrap().as_deref(),
            Some(&b"b"[..])
        );
        #[cfg(unix)]
        assert!(shown(by_path.read("link")).contains("is a symbolic link"));
        // Found without listing the tree.
        assert!(by_path.listing.get().is_none());
    }
}
