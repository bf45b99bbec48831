//! Realm state in git: a member's `refs/realm/<realm>/main`, fetched from and
//! pushed to the realm url, or the `main` branch of the realm repository itself.
//!
//! Reads go straight to the object database through gix (`git_tree.rs`).
//! Pushing and fetching go through the `git` binary (see `crate::git`).

use std::io::Write;
use std::path::PathBuf;
use std::time::SystemTime;

use gix::ObjectId;

use super::REALM_BRANCH;
use super::backend::{Backend, Publish};
use super::cache;
use super::edits::Edits;
use super::git_tree::GitTree;
use super::snapshot::{EmptyTree, Snapshot};
use crate::error::{Context, Error, Result};
use crate::git;
use crate::ui;

/// The realm's state in a git repository.
pub struct GitBackend<'r> {
    pub(super) repo: &'r gix::Repository,
    /// The ref holding the state locally.
    pub(super) local_ref: String,
    /// The realm url; `None` when `repo` is the realm repository itself.
    pub(super) url: Option<String>,
}

impl<'r> GitBackend<'r> {
    fn origin(&self) -> String {
        match &self.url {
            Some(url) => format!("{} (from {url})", self.local_ref),
            None => self.local_ref.clone(),
        }
    }

    /// A file whose mtime is the time of the last fetch. It lives in
    /// `$GIT_COMMON_DIR/realm/`, outside `refs/`, where git never looks.
    fn fetched_marker(&self) -> PathBuf {
        let key = self.local_ref.trim_start_matches("refs/").replace('/', "-");
        self.repo
            .common_dir()
            .join("realm")
            .join(format!("{key}.fetched"))
    }

    /// The last fetched state that was refused: `refs/realm/<realm>/incoming`.
    pub(super) fn incoming_ref(&self) -> String {
        match self.local_ref.strip_suffix("/main") {
            Some(base) => format!("{base}/incoming"),
            None => format!("{}-incoming", self.local_ref),
        }
    }

    /// A file holding why the last fetched state was refused (for `status`).
    pub(super) fn refused_marker(&self) -> PathBuf {
        self.fetched_marker().with_extension("refused")
    }

    /// Move the local copy to `new` if the commits it adds verify; otherwise leave
    /// it, remember why (for `status`), and fail with exit 3.
    pub(super) fn adopt_verified(&self, new: ObjectId, url: &str) -> Result<()> {
        let current = git::ref_target(self.repo, &self.local_ref)?;
        if current == Some(new) {
            let _ = std::fs::remove_file(self.refused_marker());
            self.mark_fetched();
            return Ok(());
        }
        let mut violations = Vec::new();
        if let Some(old) = current
            && !super::history::is_ancestor(self.repo, old, new)?
            && crate::trust::level_at(self.repo, old) != crate::model::Trust::Open
        {
            violations.push(crate::trust::Violation {
                commit: new.to_string(),
                author: "?".into(),
                file: "(history)".into(),
                rule: format!("the realm's history was rewritten: {old} is no longer in it"),
            });
        }
        violations.extend(crate::trust::verify_range(self.repo, current, new)?);
        if !violations.is_empty() {
            let err = crate::trust::refused(&violations, url);
            let _ = std::fs::write(self.refused_marker(), &err.message);
            // Kept for `git realm verify`, which shows what the realm holds.
            // Best effort: two refusing fetches racing on it show the same state.
            let _ = git::set_ref(self.repo, &self.incoming_ref(), new, "realm: refused fetch");
            // Fetched, and what it holds is known (refused): `status` says both.
            self.mark_fetched();
            return Err(err);
        }
        let _ = std::fs::remove_file(self.refused_marker());
        git::cas_ref(self.repo, &self.local_ref, current, new, "realm: fetch")?;
        // Only once the local copy holds what was fetched (a locked ref leaves it
        // where it was, and `status` must not call it fresh).
        self.mark_fetched();
        Ok(())
    }

    pub(super) fn mark_fetched(&self) {
        // Best effort: only `status` reads it, to say how old the local copy is.
        let path = self.fetched_marker();
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = std::fs::write(&path, b"");
    }

    /// A snapshot of any commit of this repository (used while adopting a realm),
    /// read without the local cache.
    pub(super) fn snapshot_of(
        repo: &'r gix::Repository,
        commit: Option<ObjectId>,
        origin: String,
    ) -> Result<Snapshot<'r>> {
        Self::snapshot_cached(repo, commit, origin, None)
    }

    /// A snapshot of `commit`, looking things up through the cache file `cache`
    /// (built or updated there when it is not for this commit's tree). Only for
    /// states the local ref holds: they are verified.
    fn snapshot_cached(
        repo: &'r gix::Repository,
        commit: Option<ObjectId>,
        origin: String,
        cache: Option<PathBuf>,
    ) -> Result<Snapshot<'r>> {
        let Some(id) = commit else {
            return Ok(Snapshot::new(Box::new(EmptyTree), None, None, origin));
        };
        let found = repo
            .find_commit(id)
            .context(|| format!("{origin}: cannot read realm commit {id}"))?;
        let tree = found
            .tree_id()
            .context(|| format!("{origin}: cannot read the tree of {id}"))?
            .detach();
        let time = found
            .time()
            .context(|| format!("{origin}: cannot read the time of {id}"))?
            .seconds;
        let limit = crate::settings::max_file_size(repo)?;
        let reader = GitTree::new(repo, tree, origin.clone(), limit, cache);
        Ok(Snapshot::new(
            Box::new(reader),
            Some(id),
            Some(time),
            origin,
        ))
    }

    fn write_tree(&self, base: Option<ObjectId>, edits: &Edits) -> Result<ObjectId> {
        let empty = ObjectId::empty_tree(self.repo.object_hash());
        let mut editor = self
            .repo
            .edit_tree(base.unwrap_or(empty))
            .context(|| "cannot edit the realm tree".into())?;
        for (path, content) in edits.changes() {
            match content {
                Some(bytes) => {
                    let blob = self
                        .repo
                        .write_blob(bytes)
                        .context(|| format!("cannot write {path}"))?;
                    editor
                        .upsert(path, gix::object::tree::EntryKind::Blob, blob.detach())
                        .context(|| format!("cannot place {path} in the realm tree"))?;
                }
                None => {
                    editor
                        .remove(path)
                        .context(|| format!("cannot remove {path} from the realm tree"))?;
                }
            }
        }
        Ok(editor
            .write()
            .context(|| "cannot write the realm tree".into())?
            .detach())
    }

    fn tree_of(&self, commit: Option<ObjectId>) -> Result<Option<ObjectId>> {
        match commit {
            None => Ok(None),
            Some(id) => Ok(Some(
                self.repo
                    .find_commit(id)
                    .context(|| format!("cannot read realm commit {id}"))?
                    .tree_id()
                    .context(|| format!("cannot read the tree of {id}"))?
                    .detach(),
            )),
        }
    }
}

impl<'r> Backend<'r> for GitBackend<'r> {
    fn local_tip(&self) -> Result<Option<ObjectId>> {
        git::ref_target(self.repo, &self.local_ref)
    }

    fn take_turn(&self) -> Option<super::turn::Turn> {
        super::turn::take(self.url.as_deref()?)
    }

    fn fetch(&self) -> Result<Option<ObjectId>> {
        if let Some(url) = &self.url {
            ui::progress(&format!("Fetching the realm from {url}…"));
            // The local copy moves only to a state that passes the realm's trust
            // rules (verified incrementally, from the local copy, which only ever
            // holds verified states).
            with_fetched(self.repo, url, |new| self.adopt_verified(new, url))?;
        }
        self.local_tip()
    }

    fn last_fetched(&self) -> Option<SystemTime> {
        std::fs::metadata(self.fetched_marker())
            .and_then(|m| m.modified())
            .ok()
    }

    fn refused(&self) -> Option<String> {
        std::fs::read_to_string(self.refused_marker()).ok()
    }

    fn snapshot(&self, tip: Option<ObjectId>) -> Result<Snapshot<'r>> {
        let cache = cache::path(self.repo.common_dir(), &self.local_ref);
        Self::snapshot_cached(self.repo, tip, self.origin(), Some(cache))
    }

    fn commit(
        &self,
        base: Option<ObjectId>,
        edits: &Edits,
        message: &str,
        sign: bool,
    ) -> Result<Option<ObjectId>> {
        let base_tree = self.tree_of(base)?;
        let new_tree = self.write_tree(base_tree, edits)?;
        if Some(new_tree) == base_tree || (base_tree.is_none() && edits.is_empty()) {
            return Ok(None);
        }
        // Signed when the realm requires it, and when the user signs every commit.
        if sign || git::signing::signs_commits(self.repo) {
            return git::signing::signed_commit(self.repo, sign, message, new_tree, base).map(Some);
        }
        git::new_commit(self.repo, message, new_tree, base).map(Some)
    }

    fn violations(&self, base: ObjectId, commit: ObjectId) -> Result<Vec<crate::trust::Violation>> {
        crate::trust::verify_range(self.repo, Some(base), commit)
    }

    fn publish(&self, base: Option<ObjectId>, commit: ObjectId) -> Result<Publish> {
        let Some(url) = &self.url else {
            return Ok(
                if git::cas_ref(self.repo, &self.local_ref, base, commit, "realm: update")? {
                    Publish::Published
                } else {
                    Publish::Moved {
                        reason: format!("{} moved", self.local_ref),
                    }
                },
            );
        };
        if let Some(refusal) = non_bare_realm(url) {
            return Ok(Publish::Refused { reason: refusal });
        }
        ui::progress(&format!("Pushing {} to {url}…", ui::short(&commit)));
        match git::push_with_lease(self.repo, url, commit, REALM_BRANCH, base)? {
            git::Push::Pushed => {
                // If a concurrent fetch already moved the local ref past us, the CAS
                // fails harmlessly: the ref holds newer state either way. A local
                // ref that cannot be moved (a lock left behind) does not undo what
                // landed: the next fetch brings it, so it is only a warning.
                if let Err(e) =
                    git::cas_ref(self.repo, &self.local_ref, base, commit, "realm: push")
                {
                    let _ = writeln!(
                        ui::stderr(),
                        "warning: the realm was updated at {url}, but the local copy was not: {}",
                        e.message
                    );
                }
                Ok(Publish::Published)
            }
            git::Push::Stale { reason } => Ok(Publish::Moved { reason }),
            git::Push::Locked { reason, lock } => Ok(Publish::Locked { reason, lock }),
            git::Push::Refused { reason } => Ok(Publish::Refused {
                reason: explain_refusal(reason),
            }),
        }
    }

    fn publish_branch(&self, branch: &str, commit: ObjectId) -> Result<Publish> {
        let url = self
            .url
            .as_deref()
            .ok_or_else(|| Error::usage("proposals are made from a member repository"))?;
        let remote_ref = format!("refs/heads/{branch}");
        let current = git::ls_remote(url, &remote_ref)?;
        Ok(
            match git::push_with_lease(self.repo, url, commit, &remote_ref, current)? {
                git::Push::Pushed => Publish::Published,
                git::Push::Stale { reason }
                | git::Push::Locked { reason, .. }
                | git::Push::Refused { reason } => Publish::Refused { reason },
            },
        )
    }

    fn reference(&self) -> String {
        self.local_ref.clone()
    }

    fn describe(&self) -> String {
        match &self.url {
            Some(url) => format!("the realm at {url}"),
            None => format!("{} of the realm repository", self.local_ref),
        }
    }
}

/// Where each process fetches the realm to before verifying it, by its pid.
const SCRATCH_PREFIX: &str = "refs/realm-incoming/";

/// Fetch the realm branch at `url` into a scratch ref of this process's own
/// (concurrent fetches in one repository, two syncs or a sync and a status, must
/// not race on one), run `f` on the fetched commit, and delete the scratch ref
/// whatever `f` says: nothing unverified is left behind under a ref (nor by a
/// process killed in between: the next fetch deletes what it left).
pub(super) fn with_fetched<T>(
    repo: &gix::Repository,
    url: &str,
    f: impl FnOnce(ObjectId) -> Result<T>,
) -> Result<T> {
    let scratch = format!("{SCRATCH_PREFIX}{}", std::process::id());
    git::fetch_into(repo, url, REALM_BRANCH, &scratch)?;
    let tip = git::ref_target(repo, &scratch)?
        .ok_or_else(|| Error::external(format!("fetching {url} did not produce {scratch}")))?;
    let result = f(tip);
    git::delete_ref(repo, &scratch, tip)?;
    git::refs::delete_orphaned_scratch(repo, SCRATCH_PREFIX);
    result
}

/// A realm on this machine whose `main` is checked out in a working tree: a push
/// would be refused, or (with `receive.denyCurrentBranch=updateInstead`, what
/// older versions of `git realm init` set up) rewrite that working tree, which
/// concurrent writers leave half-updated and every later push refused. Refuse
/// before pushing, saying how to convert it.
fn non_bare_realm(url: &str) -> Option<String> {
    if !git::remotes::is_local(url) {
        return None;
    }
    let path = std::path::Path::new(url.strip_prefix("file://").unwrap_or(url));
    let branch = REALM_BRANCH.trim_start_matches("refs/heads/");
    git::worktrees::checked_out_anywhere(path, branch).then(|| {
        explain_refusal(format!(
            "its {branch} branch is checked out in a working tree"
        ))
    })
}

/// A refusal, with how to fix it when the realm is a repository with a working
/// tree (pushes to a checked-out branch are refused or, with `updateInstead`,
/// fail as soon as its working tree is not clean).
fn explain_refusal(reason: String) -> String {
    let working_tree = [
        "checked out",
        "Working directory has",
        "Could not update working tree",
        "Up-to-date check failed",
    ];
    if !working_tree.iter().any(|w| reason.contains(w)) {
        return reason;
    }
    format!(
        "{reason}. A realm is a shared remote and must be a bare repository: convert it, in the realm repository, with \
         `git config --bool core.bare true && git config --unset receive.denyCurrentBranch` \
         (its working-tree files are then unused and can be deleted), or create a new one with `git realm init PATH.git --name NAME`"
    )
}

/// A realm state fetched for a dry run (`Store::peek`): reads the commit it was
/// given, and refuses to write. No ref holds it.
pub struct Pinned<'r> {
    pub(super) repo: &'r gix::Repository,
    pub(super) tip: ObjectId,
    pub(super) url: String,
    pub(super) local_ref: String,
}

impl<'r> Backend<'r> for Pinned<'r> {
    fn local_tip(&self) -> Result<Option<ObjectId>> {
        Ok(Some(self.tip))
    }

    fn fetch(&self) -> Result<Option<ObjectId>> {
        Ok(Some(self.tip))
    }

    fn last_fetched(&self) -> Option<SystemTime> {
        None
    }

    fn snapshot(&self, tip: Option<ObjectId>) -> Result<Snapshot<'r>> {
        GitBackend::snapshot_of(self.repo, tip, format!("{} ({REALM_BRANCH})", self.url))
    }

    fn commit(&self, _: Option<ObjectId>, _: &Edits, _: &str, _: bool) -> Result<Option<ObjectId>> {
        Err(Error::internal("a dry run cannot write to the realm"))
    }

    fn publish(&self, _: Option<ObjectId>, _: ObjectId) -> Result<Publish> {
        Err(Error::internal("a dry run cannot write to the realm"))
    }

    fn publish_branch(&self, _: &str, _: ObjectId) -> Result<Publish> {
        Err(Error::internal("a dry run cannot write to the realm"))
    }

    fn describe(&self) -> String {
        format!("the realm at {}", self.url)
    }

    fn reference(&self) -> String {
        self.local_ref.clone()
    }
}
