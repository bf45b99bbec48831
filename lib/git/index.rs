//! The index: staging a file, and the tree the working tree would commit (through a
//! scratch index, so the user's index is never touched).

use std::path::Path;

use super::run::Git;
use crate::error::{Context, Error, Result};

/// The tree the working tree would commit: tracked and untracked files (not
/// ignored), as `git add -A` sees them, written through a scratch index so the
/// user's index is untouched, and into a scratch object database so the
/// repository's is too (an untracked data file is not copied into `.git` by a
/// `check`). The tree is read through the view, which also sees the repository's
/// objects. `None` for a bare repository.
pub fn worktree_tree(
    repo: &gix::Repository,
) -> Result<Option<(gix::ObjectId, super::repo::ObjectView)>> {
    let Some(workdir) = repo.workdir() else {
        return Ok(None);
    };
    let view = super::repo::ObjectView::new(&[repo.common_dir().join("objects")])?;
    let scratch = tempfile::Builder::new()
        .prefix("realm-index-")
        .tempfile_in(repo.git_dir())
        .context(|| "cannot create a scratch index".into())?;
    let index = repo.index_path();
    if index.exists() {
        std::fs::copy(&index, scratch.path()).context(|| "cannot copy the index".into())?;
    }
    let objects = view.objects_dir();
    let git = |args: &[&str]| {
        Git::in_dir(workdir)
            .env("GIT_INDEX_FILE", scratch.path())
            .env("GIT_OBJECT_DIRECTORY", &objects)
            .env(
                "GIT_ALTERNATE_OBJECT_DIRECTORIES",
                repo.common_dir().join("objects"),
            )
            .args(args.iter().copied())
            .run()
    };
    git(&["add", "-A", "--ignore-errors", "--", "."])?;
    let out = git(&["write-tree"])?;
    let tree = gix::ObjectId::from_hex(out.stdout.trim().as_bytes())
        .map_err(|e| Error::external(format!("git write-tree printed an invalid id: {e}")))?;
    Ok(Some((tree, view)))
}

/// Whether the index holds the file at `path` (relative to the working tree's
/// root) exactly as the working tree has it (its bytes hashed as a blob, against
/// `git ls-files --stage`; a file a clean filter changes reads as not staged,
/// which only stages it again).
pub fn is_staged(repo: &gix::Repository, path: &str) -> bool {
    let Some(workdir) = repo.workdir() else {
        return false;
    };
    let Ok(bytes) = std::fs::read(workdir.join(path)) else {
        return false;
    };
    let Ok(id) = gix::objs::compute_hash(repo.object_hash(), gix::objs::Kind::Blob, &bytes) else {
        return false;
    };
    // gix is built without its index support: git reads the entry.
    let Ok(out) = Git::in_dir(workdir)
        .args(["ls-files", "--stage", "--", path])
        .output()
    else {
        return false;
    };
    // `<mode> <id> <stage>\t<path>`
    out.success && out.stdout.split_whitespace().nth(1) == Some(id.to_string().as_str())
}

/// Stage `path` (relative to the working tree's root at `workdir`) with `git add`.
pub fn stage(workdir: &Path, path: &str) -> Result<()> {
    Git::in_dir(workdir)
        .args(["add", "--", path])
        .run()
        .map(drop)
}
