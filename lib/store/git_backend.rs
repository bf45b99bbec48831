//! Realm state in git: a member's `refs/realm/<realm>/main`, fetched from and
//! pushed to the realm url, or the `main` branch of the realm repository itself.
//!
//! Reads go straight to the object database through gix. Each tree is decoded at
//! most once per snapshot and looked up by name afterwards, so reading a hundred
//! files under `domains/` does not decompress `domains/` a hundred times.
//! Pushing and fetching go through the `git` binary (see `crate::git`).

use std::cell::{Cell, OnceCell, RefCell};
use std::collections::HashMap;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::SystemTime;

use gix::ObjectId;
use gix::bstr::ByteSlice;

use super::REALM_BRANCH;
use super::backend::{Backend, Publish};
use super::cache::docs::{self, Docs};
use super::cache::facts::{self, DomainFacts, Facts};
use super::cache::{self, RealmCache};
use super::edits::Edits;
use super::snapshot::{EmptyTree, EntryKind, Snapshot, TreeRead};
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
            return Err(err);
        }
        let _ = std::fs::remove_file(self.refused_marker());
        git::cas_ref(self.repo, &self.local_ref, current, new, "realm: fetch")?;
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
        let reader = GitTree {
            repo,
            root: tree,
            origin: origin.clone(),
            trees: RefCell::new(HashMap::new()),
            max_size: max_file_size(repo),
            cache: cache.filter(|_| cache::enabled()).map(|path| CacheSlot {
                docs: Docs::new(docs::path(&path)),
                path,
                loaded: OnceCell::new(),
                missing: Cell::new(false),
                facts: OnceCell::new(),
            }),
        };
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
            with_fetched(self.repo, url, |new| {
                self.mark_fetched();
                self.adopt_verified(new, url)
            })?;
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
            return git::signing::signed_commit(self.repo, message, new_tree, base).map(Some);
        }
        git::new_commit(self.repo, message, new_tree, base).map(Some)
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
                // fails harmlessly: the ref holds newer state either way.
                git::cas_ref(self.repo, &self.local_ref, base, commit, "realm: push")?;
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

/// Realm files larger than this are refused before they are read (a realm is a
/// few kilobytes of YAML; a huge file is a mistake or an attack on every `status`).
pub const DEFAULT_MAX_FILE_SIZE: u64 = 1024 * 1024;

/// `git config realm.maxFileSize` (with git's k/m/g suffixes), else 1 MiB.
pub fn max_file_size(repo: &gix::Repository) -> u64 {
    repo.config_snapshot()
        .integer("realm.maxFileSize")
        .and_then(|n| u64::try_from(n).ok())
        .filter(|n| *n > 0)
        .unwrap_or(DEFAULT_MAX_FILE_SIZE)
}

/// Fetch the realm branch at `url` into a scratch ref of this process's own
/// (concurrent fetches in one repository, two syncs or a sync and a status, must
/// not race on one), run `f` on the fetched commit, and delete the scratch ref
/// whatever `f` says: nothing unverified is left behind under a ref.
pub(super) fn with_fetched<T>(
    repo: &gix::Repository,
    url: &str,
    f: impl FnOnce(ObjectId) -> Result<T>,
) -> Result<T> {
    let scratch = format!("refs/realm-incoming/{}", std::process::id());
    git::fetch_into(repo, url, REALM_BRANCH, &scratch)?;
    let tip = git::ref_target(repo, &scratch)?
        .ok_or_else(|| Error::external(format!("fetching {url} did not produce {scratch}")))?;
    let result = f(tip);
    git::delete_ref(repo, &scratch, tip)?;
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

/// The entries of one decoded tree, in tree order.
struct TreeEntries {
    entries: Vec<(String, EntryKind, ObjectId)>,
    /// Lookups so far, and once there were many, where each name is. Most trees
    /// are asked for one name (`repos/` for one registration: 10,000 entries
    /// that a map would copy again), so the first few lookups scan.
    lookups: Cell<u32>,
    by_name: OnceCell<HashMap<String, usize>>,
}

/// Lookups answered by scanning a tree's entries before they are mapped by name.
const SCANNED_LOOKUPS: u32 = 16;

impl TreeEntries {
    /// The entry `name`. A hand-made tree can hold a name twice: the last one
    /// counts, for a lookup and in a listing alike.
    fn get(&self, name: &str) -> Option<(EntryKind, ObjectId)> {
        self.lookups.set(self.lookups.get() + 1);
        let at = if self.lookups.get() <= SCANNED_LOOKUPS {
            self.entries.iter().rposition(|(n, _, _)| n == name)
        } else {
            let by_name = self.by_name.get_or_init(|| {
                let names = self.entries.iter().map(|(n, _, _)| n.clone());
                names.zip(0..).collect()
            });
            by_name.get(name).copied()
        };
        at.map(|i| (self.entries[i].1, self.entries[i].2))
    }

    /// Each entry's name in tree order, with the kind a lookup of it gives.
    fn list(&self) -> Vec<(String, EntryKind)> {
        let mut last = HashMap::with_capacity(self.entries.len());
        for (name, kind, _) in &self.entries {
            last.insert(name.as_str(), *kind);
        }
        let names = self.entries.iter().map(|(name, _, _)| name);
        names.map(|n| (n.clone(), last[n.as_str()])).collect()
    }
}

/// A realm tree read from the object database, each tree decoded at most once.
struct GitTree<'r> {
    repo: &'r gix::Repository,
    root: ObjectId,
    origin: String,
    trees: RefCell<HashMap<ObjectId, Rc<TreeEntries>>>,
    /// Files larger than this are refused from their header, unread.
    max_size: u64,
    /// The local cache of this tree, when reading the local copy of a realm.
    cache: Option<CacheSlot>,
}

/// Where the cache of a tree lives, and the cache once loaded (or built).
struct CacheSlot {
    path: PathBuf,
    loaded: OnceCell<Option<RealmCache>>,
    /// The file held no cache to start from (and none was built yet).
    missing: Cell<bool>,
    /// The facts of every domain (`cache::facts`), once loaded (or built).
    facts: OnceCell<Option<Facts>>,
    /// The documents parsed before and since (`cache::docs`).
    docs: Docs,
}

impl GitTree<'_> {
    /// The facts of every domain (`cache::facts`), loaded or built once.
    fn facts(&self) -> Option<&Facts> {
        let slot = self.cache.as_ref()?;
        slot.facts
            .get_or_init(|| {
                let cache = self.cache(true)?;
                let path = facts::path(&slot.path);
                facts::load_or_build(self.repo, cache, &path, self.max_size)
            })
            .as_ref()
    }

    /// The cache of this tree: loaded from its file, or built (incrementally from
    /// the file's older tree) and written back. `None` when it is off or cannot be
    /// had; every lookup then reads the tree.
    ///
    /// Built from nothing only when `from_scratch` (for the questions only the
    /// cache answers cheaply, about domains and changes): a first build reads every
    /// domain, which a command that only looks up files (a `join`) need not pay.
    fn cache(&self, from_scratch: bool) -> Option<&RealmCache> {
        let slot = self.cache.as_ref()?;
        if let Some(done) = slot.loaded.get() {
            return done.as_ref();
        }
        if slot.missing.get() && !from_scratch {
            return None;
        }
        let previous = RealmCache::load(&slot.path);
        if previous.is_none() && !from_scratch {
            slot.missing.set(true);
            return None;
        }
        slot.loaded
            .get_or_init(|| {
                if previous.as_ref().is_some_and(|c| c.root() == self.root) {
                    return previous;
                }
                match cache::build(self.repo, self.root, previous.as_ref(), self.max_size) {
                    Ok(Some(built)) => {
                        if let Err(e) = built.store(&slot.path) {
                            ui::verbose(&format!(
                                "cannot write the realm cache {}: {e}",
                                slot.path.display()
                            ));
                        }
                        Some(built)
                    }
                    Ok(None) => None,
                    Err(e) => {
                        ui::verbose(&format!("{}: no cache: {e}", self.origin));
                        None
                    }
                }
            })
            .as_ref()
    }

    fn entries(&self, id: ObjectId, path: &str) -> Result<Rc<TreeEntries>> {
        if let Some(found) = self.trees.borrow().get(&id) {
            return Ok(found.clone());
        }
        cache::count_read();
        let tree = self
            .repo
            .find_tree(id)
            .context(|| format!("{}: cannot read {}", self.origin, display(path)))?;
        let mut entries = TreeEntries {
            entries: Vec::new(),
            lookups: Cell::new(0),
            by_name: OnceCell::new(),
        };
        for e in tree.iter() {
            let e = e.context(|| format!("{}: cannot decode {}", self.origin, display(path)))?;
            let name = e.filename().to_str_lossy().into_owned();
            let kind = if e.mode().is_tree() {
                EntryKind::Dir
            } else {
                EntryKind::File
            };
            entries.entries.push((name, kind, e.object_id()));
        }
        let entries = Rc::new(entries);
        self.trees.borrow_mut().insert(id, entries.clone());
        Ok(entries)
    }

    /// The kind and object of `path`, walking from the root through cached trees.
    fn resolve(&self, path: &str) -> Result<Option<(EntryKind, ObjectId)>> {
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        let mut current = (EntryKind::Dir, self.root);
        let mut walked = String::new();
        let mut skip = 0;
        // Under `repos/`, `changes/`, `domains/`: straight to the entry. A file at
        // the root (`realm.yaml`) needs no cache, so none is loaded (or built, for
        // a tree just written) to read it.
        if let Some(top) = parts.first()
            && cache::DIRS.contains(top)
            && let Some(cache) = self.cache(false)
            && let Some(tree) = cache.dir(top)
        {
            match parts.get(1).map(|name| cache.entry(top, name)) {
                None => (current, skip) = ((EntryKind::Dir, tree), 1),
                Some(Some(Some(found))) => (current, skip) = (found, 2),
                Some(Some(None)) => return Ok(None),
                // An entry the cache cannot read: walk the tree.
                Some(None) => {}
            }
            walked = parts[..skip].join("/");
        }
        for part in parts.into_iter().skip(skip) {
            if current.0 != EntryKind::Dir {
                return Ok(None);
            }
            let entries = self.entries(current.1, &walked)?;
            match entries.get(part) {
                None => return Ok(None),
                Some(found) => current = found,
            }
            if !walked.is_empty() {
                walked.push('/');
            }
            walked.push_str(part);
        }
        Ok(Some(current))
    }
}

fn display(path: &str) -> &str {
    if path.is_empty() {
        "the realm tree"
    } else {
        path
    }
}

impl TreeRead for GitTree<'_> {
    fn kind(&self, path: &str) -> Result<Option<EntryKind>> {
        Ok(self.resolve(path)?.map(|(kind, _)| kind))
    }

    fn file(&self, path: &str) -> Result<Option<Vec<u8>>> {
        match self.resolve(path)? {
            Some((EntryKind::File, id)) => {
                cache::count_read();
                let header = self
                    .repo
                    .find_header(id)
                    .context(|| format!("{}: cannot read {path}", self.origin))?;
                if header.size() > self.max_size {
                    return Err(Error::invalid(
                        path,
                        "",
                        format!(
                            "the file is {} bytes, over the limit of {} bytes; refusing to read it (the limit is `git config realm.maxFileSize`)",
                            header.size(),
                            self.max_size
                        ),
                    ));
                }
                cache::count_read();
                let object = self
                    .repo
                    .find_object(id)
                    .context(|| format!("{}: cannot read {path}", self.origin))?;
                if object.kind != gix::object::Kind::Blob {
                    return Err(Error::invalid(path, "", "expected a file"));
                }
                Ok(Some(object.detach().data))
            }
            _ => Ok(None),
        }
    }

    fn list(&self, dir: &str) -> Result<Vec<(String, EntryKind)>> {
        if let Some(listed) = self.cache(false).and_then(|c| c.list(dir)) {
            return Ok(listed);
        }
        match self.resolve(dir)? {
            Some((EntryKind::Dir, id)) => Ok(self.entries(id, dir)?.list()),
            _ => Ok(Vec::new()),
        }
    }

    fn domains_naming(&self, me: &str) -> Option<Vec<String>> {
        self.cache(true)?.domains_naming(me, self.max_size)
    }

    fn changes_naming(&self, me: &str) -> Option<Vec<String>> {
        self.cache(true)?.changes_naming(me, self.max_size)
    }

    fn domain_facts(&self, name: &str) -> Option<&DomainFacts> {
        self.facts()?.domain(name)
    }

    fn domain_concerns(&self, name: &str, me: &str) -> Option<bool> {
        self.facts()?.concerns(name, me)
    }

    fn cached_doc(&self, path: &str, kind: &str) -> Option<Option<Vec<u8>>> {
        let slot = self.cache.as_ref()?;
        slot.docs
            .lookup(self.cache(false)?, path, kind, self.max_size)
    }

    fn remember_doc(&self, path: &str, kind: &str, size: u64, json: &[u8]) {
        if let (Some(slot), Some(cache)) = (&self.cache, self.cache(false)) {
            slot.docs.remember(cache, path, kind, size, json);
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_entries_answer_the_same_scanned_or_mapped_and_the_last_of_a_name_counts() {
        let id = |n: u8| ObjectId::from_bytes_or_panic(&[n; 20]);
        // A hand-made tree can hold a name twice.
        let mut entries: Vec<_> = (0..40u8)
            .map(|i| (format!("e{i:02}"), EntryKind::File, id(i)))
            .collect();
        entries.insert(5, ("twice".into(), EntryKind::Dir, id(100)));
        entries.push(("twice".into(), EntryKind::File, id(101)));
        let tree = TreeEntries {
            entries,
            lookups: Cell::new(0),
            by_name: OnceCell::new(),
        };
        let asked = ["twice", "e00", "e39", "missing", "e17"];
        let mut answers = Vec::new();
        // Past SCANNED_LOOKUPS, the map answers: the same as the scans before it.
        for round in 0..10 {
            let now: Vec<_> = asked.iter().map(|n| tree.get(n)).collect();
            if round == 0 {
                answers = now.clone();
            }
            assert_eq!(now, answers, "round {round}");
        }
        assert!(tree.by_name.get().is_some(), "the map was never built");
        assert_eq!(answers[0], Some((EntryKind::File, id(101))));
        assert_eq!(answers[1], Some((EntryKind::File, id(0))));
        assert_eq!(answers[3], None);
        let listed = tree.list();
        assert_eq!(listed.len(), 42);
        assert_eq!(listed[5], ("twice".to_owned(), EntryKind::File));
        assert_eq!(listed[41], ("twice".to_owned(), EntryKind::File));
    }
}
