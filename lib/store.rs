//! The realm state store: the only code that reads or writes realm state.
//!
//! A member repository keeps its copy of a realm's branch under
//! `refs/realm/<realm>/main`. Reads resolve that ref and read only the blobs asked
//! for, straight from the object database (no working tree, no clone, no network).
//!
//! Writes are *operations*, not patches: a closure that looks at a snapshot and says
//! what to change. `Store::update` fetches, applies the operation, writes a new tree
//! (unchanged subtrees are reused as-is), commits it with the user's identity, and
//! pushes it with a lease on the commit it was built on. If someone else pushed
//! first, it fetches again and re-applies the *same operation* to the new state, a
//! bounded number of times with jittered backoff. The local ref only ever moves by
//! compare-and-swap, after the push succeeded: a crash at any point leaves either the
//! old state or the new one, and re-running the command finishes the job.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use gix::ObjectId;
use gix::bstr::ByteSlice;

use crate::error::{Context, Error, Result};
use crate::git;
use crate::model::{self, BindingFile, Document, DomainFile, Name, RealmFile};
use crate::ui;

/// The branch of the realm repository that holds the state.
pub const REALM_BRANCH: &str = "refs/heads/main";

/// How many times an operation is re-applied when others keep pushing first.
const MAX_ATTEMPTS: u32 = 16;

/// The local ref holding a member's copy of `realm`.
pub fn local_ref(realm: &str) -> String {
    format!("refs/realm/{realm}/main")
}

/// A read-only view of the realm at one commit.
pub struct Snapshot<'r> {
    repo: &'r gix::Repository,
    commit: Option<ObjectId>,
    tree: Option<gix::Tree<'r>>,
    /// For error messages: where this state was read from.
    origin: String,
}

impl<'r> Snapshot<'r> {
    fn at(repo: &'r gix::Repository, commit: Option<ObjectId>, origin: String) -> Result<Self> {
        let tree = match commit {
            None => None,
            Some(id) => {
                let commit = repo
                    .find_commit(id)
                    .context(|| format!("{origin}: cannot read realm commit {id}"))?;
                Some(
                    commit
                        .tree()
                        .context(|| format!("{origin}: cannot read the tree of {id}"))?,
                )
            }
        };
        Ok(Snapshot {
            repo,
            commit,
            tree,
            origin,
        })
    }

    /// The commit this snapshot shows (`None` for a realm not created yet).
    pub fn commit(&self) -> Option<ObjectId> {
        self.commit
    }

    /// When the realm commit was made (seconds since the epoch).
    pub fn commit_time(&self) -> Result<Option<i64>> {
        match self.commit {
            None => Ok(None),
            Some(id) => {
                let c = self
                    .repo
                    .find_commit(id)
                    .context(|| format!("cannot read commit {id}"))?;
                let t = c
                    .time()
                    .context(|| format!("cannot read the time of {id}"))?;
                Ok(Some(t.seconds))
            }
        }
    }

    fn entry(&self, path: &str) -> Result<Option<gix::object::tree::Entry<'r>>> {
        match &self.tree {
            None => Ok(None),
            Some(tree) => tree
                .lookup_entry_by_path(path)
                .context(|| format!("{}: cannot look up {path}", self.origin)),
        }
    }

    /// The raw bytes of the file at `path`, if there is one.
    pub fn read_bytes(&self, path: &str) -> Result<Option<Vec<u8>>> {
        let Some(entry) = self.entry(path)? else {
            return Ok(None);
        };
        if !entry.mode().is_blob() {
            return Err(Error::invalid(
                path,
                "",
                "expected a file, found a directory",
            ));
        }
        let obj = entry
            .object()
            .context(|| format!("{}: cannot read {path}", self.origin))?;
        Ok(Some(obj.detach().data))
    }

    /// Whether `path` exists (file or directory), without reading it.
    pub fn exists(&self, path: &str) -> Result<bool> {
        Ok(self.entry(path)?.is_some())
    }

    /// Parse and validate the document at `path`.
    pub fn read<T: Document>(&self, path: &str) -> Result<Option<T>> {
        match self.read_bytes(path)? {
            None => Ok(None),
            Some(bytes) => model::parse(path, &bytes).map(Some),
        }
    }

    /// Parse the document at `path`, which must exist.
    pub fn require<T: Document>(&self, path: &str, what: &str) -> Result<T> {
        self.read(path)?.ok_or_else(|| {
            Error::usage(format!(
                "{what} does not exist in the realm ({path} is missing)"
            ))
        })
    }

    /// `realm.yaml`, which every realm has.
    pub fn realm(&self) -> Result<RealmFile> {
        self.read(model::paths::REALM)?.ok_or_else(|| {
            Error::usage(format!(
                "{}: realm.yaml is missing: this is not a realm",
                self.origin
            ))
        })
    }

    /// The tree at `dir`, if there is one (a file there is an error naming it).
    fn subtree(&self, dir: &str) -> Result<Option<gix::Tree<'r>>> {
        let Some(entry) = self.entry(dir)? else {
            return Ok(None);
        };
        if !entry.mode().is_tree() {
            return Err(Error::invalid(
                dir,
                "",
                "expected a directory, found a file",
            ));
        }
        Ok(Some(
            entry
                .object()
                .context(|| format!("{}: cannot read {dir}", self.origin))?
                .into_tree(),
        ))
    }

    fn entries(&self, dir: &str) -> Result<Vec<(String, bool)>> {
        let Some(tree) = self.subtree(dir)? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for e in tree.iter() {
            let e = e.context(|| format!("{}: cannot decode {dir}", self.origin))?;
            out.push((e.filename().to_str_lossy().into_owned(), e.mode().is_tree()));
        }
        Ok(out)
    }

    /// Every domain as it concerns `me`, in one pass over `domains/`: its binding
    /// for `me` (if any) and whether `me` is a member. Unrelated domains cost one
    /// small tree read each and no YAML parsing, so status and check stay cheap in
    /// large realms.
    pub fn domains_of(&self, me: &Name) -> Result<Vec<DomainView>> {
        let dir = model::paths::DOMAINS;
        let Some(tree) = self.subtree(dir)? else {
            return Ok(Vec::new());
        };
        let binding_file = format!("bindings/{me}.yaml");
        let mut out = Vec::new();
        for e in tree.iter() {
            let e = e.context(|| format!("{}: cannot decode {dir}", self.origin))?;
            let file = e.filename().to_str_lossy().into_owned();
            let path = format!("{dir}/{file}");
            if !e.mode().is_tree() {
                return Err(Error::invalid(
                    &path,
                    "",
                    "unexpected file (only directories belong here)",
                ));
            }
            let name: Name = file
                .parse()
                .map_err(|err| Error::invalid(&path, "", format!("bad directory name: {err}")))?;
            let sub = self
                .repo
                .find_tree(e.object_id())
                .context(|| format!("{}: cannot read {path}", self.origin))?;
            let blob = |rel: &str| -> Result<Option<Vec<u8>>> {
                let found = sub
                    .lookup_entry_by_path(rel)
                    .context(|| format!("{}: cannot look up {path}/{rel}", self.origin))?;
                match found {
                    Some(entry) if entry.mode().is_blob() => Ok(Some(
                        entry
                            .object()
                            .context(|| format!("{}: cannot read {path}/{rel}", self.origin))?
                            .detach()
                            .data,
                    )),
                    _ => Ok(None),
                }
            };
            let binding = match blob(&binding_file)? {
                Some(bytes) => Some(model::parse::<BindingFile>(
                    &format!("{path}/{binding_file}"),
                    &bytes,
                )?),
                None => None,
            };
            let member = match (&binding, blob("domain.yaml")?) {
                (Some(_), _) => true,
                // Only a domain.yaml that mentions the name at all is worth parsing.
                (None, Some(bytes)) if contains(&bytes, me.as_str().as_bytes()) => {
                    model::parse::<DomainFile>(&model::paths::domain(name.as_str()), &bytes)?
                        .members
                        .contains(me)
                }
                _ => false,
            };
            if binding.is_some() || member {
                out.push(DomainView {
                    name,
                    binding,
                    member,
                });
            }
        }
        Ok(out)
    }

    /// The names of the `<name>.yaml` documents directly in `dir`, validated.
    pub fn doc_names(&self, dir: &str) -> Result<Vec<Name>> {
        let mut names = Vec::new();
        for (file, is_dir) in self.entries(dir)? {
            let path = format!("{dir}/{file}");
            let stem = file
                .strip_suffix(".yaml")
                .filter(|_| !is_dir)
                .ok_or_else(|| {
                    Error::invalid(
                        &path,
                        "",
                        "unexpected entry (only <name>.yaml files belong here)",
                    )
                })?;
            names.push(
                stem.parse()
                    .map_err(|e| Error::invalid(&path, "", format!("bad file name: {e}")))?,
            );
        }
        Ok(names)
    }

    /// The names of the subdirectories of `dir`, validated.
    pub fn dir_names(&self, dir: &str) -> Result<Vec<Name>> {
        let mut names = Vec::new();
        for (file, is_dir) in self.entries(dir)? {
            let path = format!("{dir}/{file}");
            if !is_dir {
                return Err(Error::invalid(
                    &path,
                    "",
                    "unexpected file (only directories belong here)",
                ));
            }
            names.push(
                file.parse()
                    .map_err(|e| Error::invalid(&path, "", format!("bad directory name: {e}")))?,
            );
        }
        Ok(names)
    }
}

/// A domain as it concerns one repository (see `Snapshot::domains_of`).
pub struct DomainView {
    pub name: Name,
    /// The repository's binding in this domain, if it exports or imports there.
    pub binding: Option<BindingFile>,
    /// Whether the repository is a member of the domain.
    pub member: bool,
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// What an operation wants changed: whole files written or removed.
pub struct Edits {
    changes: BTreeMap<String, Option<Vec<u8>>>,
    /// The realm commit message, `<repo>: <what>`; an operation may refine it.
    pub message: String,
}

impl Edits {
    fn new(message: &str) -> Self {
        Edits {
            changes: BTreeMap::new(),
            message: message.to_owned(),
        }
    }

    /// Edits that go nowhere: for `--dry-run`, which runs an operation to see
    /// what it would do.
    pub fn scratch() -> Self {
        Edits::new("")
    }

    /// Write `doc` at `path` in its canonical form.
    pub fn put<T: Document + Clone>(&mut self, path: &str, doc: &T) {
        self.changes
            .insert(path.to_owned(), Some(model::render(doc).into_bytes()));
    }

    /// Remove the file or directory at `path`.
    pub fn remove(&mut self, path: &str) {
        self.changes.insert(path.to_owned(), None);
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

/// What an update did.
pub struct Updated<T> {
    /// The new realm commit, or `None` when the operation changed nothing.
    pub commit: Option<ObjectId>,
    pub value: T,
    pub attempts: u32,
}

/// Where a realm's state is read from and written to.
pub struct Store<'r> {
    repo: &'r gix::Repository,
    /// The ref holding the state locally.
    local_ref: String,
    /// The realm url; `None` when `repo` is the realm repository itself.
    url: Option<String>,
}

impl<'r> Store<'r> {
    /// The store of `realm` as seen from a member repository.
    pub fn member(repo: &'r gix::Repository, realm: &str, url: &str) -> Self {
        Store {
            repo,
            local_ref: local_ref(realm),
            url: Some(url.to_owned()),
        }
    }

    /// The store inside the realm repository itself (its `main` branch).
    pub fn realm_repository(repo: &'r gix::Repository) -> Self {
        Store {
            repo,
            local_ref: REALM_BRANCH.to_owned(),
            url: None,
        }
    }

    pub fn local_ref(&self) -> &str {
        &self.local_ref
    }

    /// The local state, without touching the network.
    pub fn snapshot(&self) -> Result<Snapshot<'r>> {
        let tip = git::ref_target(self.repo, &self.local_ref)?;
        Snapshot::at(self.repo, tip, self.origin())
    }

    fn origin(&self) -> String {
        match &self.url {
            Some(url) => format!("{} (from {url})", self.local_ref),
            None => self.local_ref.clone(),
        }
    }

    /// Bring the local copy up to date with the realm url.
    pub fn fetch(&self) -> Result<Option<ObjectId>> {
        if let Some(url) = &self.url {
            ui::progress(&format!("Fetching the realm from {url}…"));
            git::fetch_into(self.repo, url, REALM_BRANCH, &self.local_ref)?;
            self.mark_fetched();
        }
        git::ref_target(self.repo, &self.local_ref)
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

    fn mark_fetched(&self) {
        // Best effort: only `status` reads it, to say how old the local copy is.
        let path = self.fetched_marker();
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = std::fs::write(&path, b"");
    }

    /// When the local copy was last fetched from the realm url, if ever.
    pub fn last_fetched(&self) -> Option<std::time::SystemTime> {
        std::fs::metadata(self.fetched_marker())
            .and_then(|m| m.modified())
            .ok()
    }

    /// Apply `op` to the newest realm state and publish the result.
    ///
    /// `op` may run several times (once per attempt), each time on a newer state;
    /// it must decide from the snapshot alone, so that re-applying it is correct.
    /// Returning an error aborts the update and nothing is written.
    pub fn update<T>(
        &self,
        message: &str,
        mut op: impl FnMut(&Snapshot<'r>, &mut Edits) -> Result<T>,
    ) -> Result<Updated<T>> {
        let mut previous_base: Option<Option<ObjectId>> = None;
        let mut last_reason = String::new();
        for attempt in 1..=MAX_ATTEMPTS {
            let base = self.fetch()?;
            if let Some(prev) = previous_base
                && prev == base
                && self.url.is_some()
            {
                // The push was refused but nobody else wrote: a real rejection (a hook,
                // permissions, a protected branch). Retrying cannot help.
                return Err(Error::conflict(format!(
                    "the realm at {} refused the update: {last_reason}",
                    self.url.as_deref().unwrap_or_default()
                )));
            }
            let snapshot = Snapshot::at(self.repo, base, self.origin())?;
            let mut edits = Edits::new(message);
            let value = op(&snapshot, &mut edits)?;
            let base_tree = snapshot.tree.as_ref().map(|t| t.id);
            let new_tree = self.write_tree(base_tree, &edits)?;
            if Some(new_tree) == base_tree || (base_tree.is_none() && edits.is_empty()) {
                return Ok(Updated {
                    commit: None,
                    value,
                    attempts: attempt,
                });
            }
            let commit = self.commit(&edits.message, new_tree, base)?;
            let published = match &self.url {
                None => git::cas_ref(self.repo, &self.local_ref, base, commit, &edits.message)?,
                Some(url) => {
                    ui::progress(&format!("Pushing {} to {url}…", ui::short(&commit)));
                    match git::push_with_lease(self.repo, url, commit, REALM_BRANCH, base)? {
                        git::Push::Pushed => {
                            // If a concurrent fetch already moved the local ref past us, the
                            // CAS fails harmlessly: the ref holds newer state either way.
                            git::cas_ref(self.repo, &self.local_ref, base, commit, &edits.message)?;
                            true
                        }
                        git::Push::Rejected { reason } => {
                            last_reason = reason;
                            false
                        }
                    }
                }
            };
            if published {
                return Ok(Updated {
                    commit: Some(commit),
                    value,
                    attempts: attempt,
                });
            }
            ui::verbose(&format!(
                "realm moved while writing ({last_reason}); re-applying on the new state (attempt {}/{MAX_ATTEMPTS})",
                attempt + 1
            ));
            previous_base = Some(base);
            std::thread::sleep(backoff(attempt));
        }
        Err(Error::conflict(format!(
            "the realm kept moving: gave up after {MAX_ATTEMPTS} attempts (last: {last_reason})"
        ))
        .hint("nothing was written; re-run the command"))
    }

    /// Push `commit`'s state to a side branch of the realm (a proposal for review).
    pub fn propose(
        &self,
        branch: &str,
        message: &str,
        op: impl FnOnce(&Snapshot<'r>, &mut Edits) -> Result<()>,
    ) -> Result<ObjectId> {
        let url = self
            .url
            .as_deref()
            .ok_or_else(|| Error::usage("proposals are made from a member repository"))?;
        let base = self.fetch()?;
        let snapshot = Snapshot::at(self.repo, base, self.origin())?;
        let mut edits = Edits::new(message);
        op(&snapshot, &mut edits)?;
        let new_tree = self.write_tree(snapshot.tree.as_ref().map(|t| t.id), &edits)?;
        let commit = self.commit(&edits.message, new_tree, base)?;
        let remote_ref = format!("refs/heads/{branch}");
        let current = git::ls_remote(url, &remote_ref)?;
        match git::push_with_lease(self.repo, url, commit, &remote_ref, current)? {
            git::Push::Pushed => Ok(commit),
            git::Push::Rejected { reason } => Err(Error::conflict(format!(
                "the realm at {url} refused the proposal branch {branch}: {reason}"
            ))),
        }
    }

    fn write_tree(&self, base: Option<ObjectId>, edits: &Edits) -> Result<ObjectId> {
        let empty = ObjectId::empty_tree(self.repo.object_hash());
        let mut editor = self
            .repo
            .edit_tree(base.unwrap_or(empty))
            .context(|| "cannot edit the realm tree".into())?;
        for (path, content) in &edits.changes {
            match content {
                Some(bytes) => {
                    let blob = self
                        .repo
                        .write_blob(bytes)
                        .context(|| format!("cannot write {path}"))?;
                    editor
                        .upsert(
                            path.as_str(),
                            gix::object::tree::EntryKind::Blob,
                            blob.detach(),
                        )
                        .context(|| format!("cannot place {path} in the realm tree"))?;
                }
                None => {
                    editor
                        .remove(path.as_str())
                        .context(|| format!("cannot remove {path} from the realm tree"))?;
                }
            }
        }
        Ok(editor
            .write()
            .context(|| "cannot write the realm tree".into())?
            .detach())
    }

    fn commit(&self, message: &str, tree: ObjectId, parent: Option<ObjectId>) -> Result<ObjectId> {
        git::new_commit(self.repo, message, tree, parent)
    }

    /// Read what is at `url` without knowing the realm's name yet: fetch its branch
    /// into a scratch ref, read `realm.yaml`, then move the commit into
    /// `refs/realm/<name>/main` (objects are already here, so this costs one fetch).
    pub fn adopt(repo: &'r gix::Repository, url: &str) -> Result<(Store<'r>, RealmFile)> {
        let scratch = format!("refs/realm-incoming/{}", std::process::id());
        git::fetch_into(repo, url, REALM_BRANCH, &scratch)?;
        let tip = git::ref_target(repo, &scratch)?
            .ok_or_else(|| Error::external(format!("fetching {url} did not produce {scratch}")))?;
        let result = (|| {
            let snapshot = Snapshot::at(repo, Some(tip), format!("{url} ({REALM_BRANCH})"))?;
            let realm = snapshot.realm()?;
            let store = Store::member(repo, realm.name.as_str(), url);
            let current = git::ref_target(repo, &store.local_ref)?;
            if current != Some(tip) {
                git::cas_ref(repo, &store.local_ref, current, tip, "realm: fetch")?;
            }
            store.mark_fetched();
            Ok((store, realm))
        })();
        git::delete_ref(repo, &scratch, tip)?;
        result
    }
}

/// Exponential backoff with jitter: 20ms, 40ms, … capped at ~1s, each scaled by a
/// random factor in [0.5, 1.5) so racing writers spread out.
fn backoff(attempt: u32) -> Duration {
    use std::hash::{BuildHasher, Hasher};
    let base = 20u64 << attempt.min(6);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.write_u32(attempt);
    let jitter = h.finish() % 1000; // 0..1000 per mille
    Duration::from_millis(base / 2 + base * jitter / 1000)
}
