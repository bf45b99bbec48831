//! A read-only view of the realm state at one commit.
//!
//! A snapshot reads through a [`TreeRead`]: the git backend reads the object
//! database (remembering the subtrees it has already walked, so reading many files
//! of one directory does not decompress the parents again), the in-memory backend
//! reads a map. Everything above this module — validation, the domain index of one
//! repository, operations — is the same for both.
//!
//! A snapshot never writes and never touches the network.

use std::any::{Any, TypeId};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use gix::ObjectId;

use super::cache::facts::DomainFacts;

use super::edits::Edits;
use crate::error::{Error, Result};
use crate::model::{self, BindingFile, Document, DomainFile, Name, RealmFile};

/// What is at a path of the realm tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    File,
    Dir,
}

/// The realm tree at one commit, as a backend stores it.
pub trait TreeRead {
    /// What is at `path` (a `/`-separated path from the root), without reading it.
    fn kind(&self, path: &str) -> Result<Option<EntryKind>>;
    /// The bytes of the file at `path` (`None` when absent or a directory).
    fn file(&self, path: &str) -> Result<Option<Vec<u8>>>;
    /// The entries directly in the directory `dir`, in git's tree order.
    fn list(&self, dir: &str) -> Result<Vec<(String, EntryKind)>>;
    /// From a cache, when there is one: the domains (in tree order) that may
    /// concern `me` — every other domain has no binding of `me` and does not list
    /// it as a member. `None`: unknown, look at every domain.
    fn domains_naming(&self, _me: &str) -> Option<Vec<String>> {
        None
    }
    /// From a cache, when there is one: the files of `changes/` (in tree order)
    /// that list `me` among their repos, every change file being valid. `None`:
    /// unknown, read them all.
    fn changes_naming(&self, _me: &str) -> Option<Vec<String>> {
        None
    }
    /// From a cache, when there is one: what domain `name` holds, when reading it
    /// from the tree could not fail (see `cache::facts`). `None`: read it.
    fn domain_facts(&self, _name: &str) -> Option<DomainFacts<'_>> {
        None
    }
    /// From a cache, when there is one: the members of domain `name`, as its
    /// facts hold them, read without the rest. `None`: read the domain.
    fn domain_members(&self, _name: &str) -> Option<Vec<&str>> {
        None
    }
    /// From a cache, when there is one: whether domain `name` has anything to
    /// do with repo `me` (`DomainFacts::concerns`). `None`: read it.
    fn domain_concerns(&self, _name: &str, _me: &str) -> Option<bool> {
        None
    }
    /// From a cache, when there is one: the document at `path` as parsed
    /// earlier as type `kind` (JSON of the value) and the size of its blob;
    /// `Some(None)` when it is not recorded but could be (`remember_doc`), `None`
    /// when it cannot.
    fn cached_doc(&self, _path: &str, _kind: &str) -> Option<Option<(&[u8], u64)>> {
        None
    }
    /// Record the document at `path`, parsed as `kind` from `size` bytes, as
    /// `json`, for `cached_doc` to find.
    fn remember_doc(&self, _path: &str, _kind: &str, _size: u64, _json: &[u8]) {}
    /// From a cache, when there is one: a value derived from domain `domain` as
    /// a whole (any file in it may have changed it), recorded in format `kind`
    /// under `key` for the domain's tree, while the largest blob it
    /// was derived from is within the size limit.
    fn cached_derived(&self, _domain: &str, _key: &str, _kind: &str) -> Option<&[u8]> {
        None
    }
    /// Record a value derived from domain `domain` as a whole, from blobs of
    /// `size` bytes at most, for `cached_derived` to find.
    fn remember_derived(&self, _domain: &str, _key: &str, _kind: &str, _size: u64, _text: &[u8]) {}
}

/// A realm that has no commit yet: nothing in it.
pub(crate) struct EmptyTree;

impl TreeRead for EmptyTree {
    fn kind(&self, _: &str) -> Result<Option<EntryKind>> {
        Ok(None)
    }
    fn file(&self, _: &str) -> Result<Option<Vec<u8>>> {
        Ok(None)
    }
    fn list(&self, _: &str) -> Result<Vec<(String, EntryKind)>> {
        Ok(Vec::new())
    }
}

/// A read-only view of the realm at one commit.
pub struct Snapshot<'r> {
    tree: Box<dyn TreeRead + 'r>,
    commit: Option<ObjectId>,
    /// When the commit was made (seconds since the epoch).
    time: Option<i64>,
    /// For error messages: where this state was read from.
    origin: String,
    /// What was derived from this state, kept while it lives (see [`Snapshot::memo`]).
    memo: RefCell<HashMap<(TypeId, String), Rc<dyn Any>>>,
}

impl<'r> Snapshot<'r> {
    pub(crate) fn new(
        tree: Box<dyn TreeRead + 'r>,
        commit: Option<ObjectId>,
        time: Option<i64>,
        origin: String,
    ) -> Self {
        Snapshot {
            tree,
            commit,
            time,
            origin,
            memo: RefCell::default(),
        }
    }

    /// The value `derive` computes from this state, computed once for `key`
    /// while this snapshot lives (a state never changes). For what a command
    /// asks more than once: a sync reads a domain's bindings for its survey,
    /// and twice again for its notifications. Errors are not kept.
    pub fn memo<T: 'static>(&self, key: &str, derive: impl FnOnce() -> Result<T>) -> Result<Rc<T>> {
        let key = (TypeId::of::<T>(), key.to_owned());
        if let Some(kept) = self.memo.borrow().get(&key)
            && let Ok(value) = Rc::clone(kept).downcast::<T>()
        {
            return Ok(value);
        }
        let value = Rc::new(derive()?);
        self.memo.borrow_mut().insert(key, value.clone());
        Ok(value)
    }

    /// The commit this snapshot shows (`None` for a realm not created yet).
    pub fn commit(&self) -> Option<ObjectId> {
        self.commit
    }

    /// When the realm commit was made (seconds since the epoch).
    pub fn commit_time(&self) -> Result<Option<i64>> {
        Ok(self.time)
    }

    /// Where this state was read from, for messages.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The state `edits` would leave: this snapshot with the edits laid over it.
    /// For what an operation derives from the whole resulting state (the realm's
    /// `.github/CODEOWNERS`); nothing is written.
    pub fn with_edits(&self, edits: &Edits) -> Snapshot<'_> {
        let changes = edits
            .changes()
            .map(|(path, bytes)| (path.to_owned(), bytes.map(<[u8]>::to_vec)))
            .collect();
        Snapshot::new(
            Box::new(super::overlay::Overlay {
                base: &*self.tree,
                changes,
            }),
            self.commit,
            self.time,
            format!("{} (with pending edits)", self.origin),
        )
    }

    /// The raw bytes of the file at `path`, if there is one.
    pub fn read_bytes(&self, path: &str) -> Result<Option<Vec<u8>>> {
        // A file is read with one lookup of its path; only what is not one is
        // looked up again, to tell a directory from nothing.
        if let Some(bytes) = self.tree.file(path)? {
            return Ok(Some(bytes));
        }
        match self.tree.kind(path)? {
            Some(EntryKind::Dir) => Err(Error::invalid(
                path,
                "",
                "expected a file, found a directory",
            )),
            _ => Ok(None),
        }
    }

    /// Whether `path` exists (file or directory), without reading it.
    pub fn exists(&self, path: &str) -> Result<bool> {
        Ok(self.tree.kind(path)?.is_some())
    }

    /// Parse and validate the document at `path`.
    pub fn read<T: Document>(&self, path: &str) -> Result<Option<T>> {
        match self.read_bytes(path)? {
            None => Ok(None),
            Some(bytes) => model::parse(path, &bytes).map(Some),
        }
    }

    /// The first answer `decide` gives for the documents at `paths`, each read as
    /// [`require`](Self::require) reads it (`what` names them when one is missing),
    /// in order: the first error in that order is the answer when it comes before
    /// any decision. The bytes are read in order, since a snapshot is not shared
    /// between threads, and parsed on every core a chunk at a time (a join reads
    /// the 10,000 registrations of a large realm, and YAML is most of its work).
    pub fn find_document<T: Document + Send, R>(
        &self,
        paths: &[String],
        what: &str,
        mut decide: impl FnMut(T) -> Option<R>,
    ) -> Result<Option<R>> {
        const CHUNK: usize = 512;
        // Threads are started for each chunk: beyond a few, starting them costs
        // more than the share of 512 small documents each would parse.
        const MAX_THREADS: usize = 4;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let threads = cores.min(MAX_THREADS);
        for chunk in paths.chunks(CHUNK) {
            let mut read = Vec::with_capacity(chunk.len());
            let mut unread = None;
            for path in chunk {
                match self.read_bytes(path) {
                    Ok(Some(bytes)) => read.push((path, bytes)),
                    Ok(None) => {
                        unread = Some(Error::usage(format!(
                            "{what} does not exist in the realm ({path} is missing)"
                        )));
                        break;
                    }
                    Err(e) => {
                        unread = Some(e);
                        break;
                    }
                }
            }
            let parsed = crate::parallel::parallel(&read, threads, |(path, bytes)| {
                model::parse::<T>(path, bytes)
            });
            for doc in parsed {
                if let Some(answer) = decide(doc?) {
                    return Ok(Some(answer));
                }
            }
            if let Some(e) = unread {
                return Err(e);
            }
        }
        Ok(None)
    }

    /// A text derived from domain `domain` as a whole and recorded with
    /// [`remember_derived`](Self::remember_derived) for this state of it, under
    /// `key` in the format `kind` (a name that changes with the format); `None`
    /// when there is none (or no cache).
    pub(crate) fn derived(&self, domain: &str, (key, kind): (&str, &str)) -> Option<&str> {
        let text = self.tree.cached_derived(domain, key, kind)?;
        std::str::from_utf8(text).ok()
    }

    /// Record `text` (one line, no tab), derived from domain `domain` as a whole
    /// (so kept only for the domain's tree as it is in this state) from blobs of
    /// `size` bytes at most (so not used under a lower size limit), under `key`
    /// as `kind`.
    pub(crate) fn remember_derived(
        &self,
        domain: &str,
        (key, kind): (&str, &str),
        text: &str,
        size: u64,
    ) {
        self.tree
            .remember_derived(domain, key, kind, size, text.as_bytes());
    }

    /// `read`, through the cache of parsed documents when there is one (for the
    /// documents a member reads by the thousand: its bindings, the contracts it
    /// imports).
    pub fn read_cached<T: Document + PartialEq>(&self, path: &str) -> Result<Option<T>> {
        Ok(self.read_cached_sized(path)?.map(|(doc, _)| doc))
    }

    /// `read_cached`, with the size of the blob the document was parsed from.
    pub fn read_cached_sized<T: Document + PartialEq>(
        &self,
        path: &str,
    ) -> Result<Option<(T, u64)>> {
        self.parsed(path, || self.read_bytes(path))
    }

    /// The document `bytes` reads at `path`, from the cache of parsed documents
    /// when it holds it; else parsed, and recorded when its JSON reads back as
    /// the same value.
    fn parsed<T: Document + PartialEq>(
        &self,
        path: &str,
        bytes: impl FnOnce() -> Result<Option<Vec<u8>>>,
    ) -> Result<Option<(T, u64)>> {
        let kind = std::any::type_name::<T>();
        let cached = self.tree.cached_doc(path, kind);
        // Checked as UTF-8 once, not string by string as `from_slice` would.
        if let Some(Some((json, size))) = &cached
            && let Ok(json) = std::str::from_utf8(json)
            && let Ok(doc) = serde_json::from_str::<T>(json)
        {
            return Ok(Some((doc, *size)));
        }
        let Some(bytes) = bytes()? else {
            return Ok(None);
        };
        let doc: T = model::parse(path, &bytes)?;
        if cached.is_some()
            && let Ok(json) = serde_json::to_vec(&doc)
            && serde_json::from_slice::<T>(&json).is_ok_and(|back| back == doc)
        {
            self.tree
                .remember_doc(path, kind, bytes.len() as u64, &json);
        }
        Ok(Some((doc, bytes.len() as u64)))
    }

    /// Parse the document at `path`, which must exist.
    pub fn require<T: Document>(&self, path: &str, what: &str) -> Result<T> {
        self.read(path)?.ok_or_else(|| {
            Error::usage(format!(
                "{what} does not exist in the realm ({path} is missing)"
            ))
        })
    }

    /// The registration of `repo` (`repos/<repo>.yaml`), if it is registered.
    pub fn repo(&self, repo: &str) -> Result<Option<model::RepoFile>> {
        self.read(&model::paths::repo(repo))
    }

    /// The GitHub `owner/name` of a registered repo (see `forge::slug_of`).
    pub fn github_slug(&self, repo: &str) -> Result<Option<String>> {
        Ok(self.repo(repo)?.as_ref().and_then(crate::forge::slug_of))
    }

    /// Refuse a realm whose format is newer than this build reads, naming the
    /// version it needs. The store checks it on every snapshot it hands out, so no
    /// command reads a newer realm as if it were an older one.
    pub fn check_format(&self) -> Result<()> {
        match self.read_bytes(model::paths::REALM) {
            Ok(Some(bytes)) => model::check_format(&bytes),
            // Missing, too large, unreadable: the full read of realm.yaml says so.
            _ => Ok(()),
        }
    }

    /// `realm.yaml`, which every realm has.
    pub fn realm(&self) -> Result<RealmFile> {
        self.check_format()?;
        self.read(model::paths::REALM)?.ok_or_else(|| {
            Error::usage(format!(
                "{}: realm.yaml is missing: this is not a realm",
                self.origin
            ))
        })
    }

    fn entries(&self, dir: &str) -> Result<Vec<(String, EntryKind)>> {
        match self.tree.kind(dir)? {
            None => Ok(Vec::new()),
            Some(EntryKind::File) => Err(Error::invalid(
                dir,
                "",
                "expected a directory, found a file",
            )),
            Some(EntryKind::Dir) => self.tree.list(dir),
        }
    }

    /// Every domain as it concerns `me`, in one pass over `domains/`: its binding
    /// for `me` (if any) and whether `me` is a member. Unrelated domains cost one
    /// lookup of a binding that is not there and, only when their `domain.yaml`
    /// mentions `me` at all, one parse.
    pub fn domains_of(&self, me: &Name) -> Result<Vec<DomainView>> {
        self.domains_of_with(me, &mut |_| None::<()>)
    }

    /// `domains_of`, without reading the binding of a domain for which `known`
    /// gives what the caller needs of it from elsewhere (a domain whose summary
    /// of `me`'s binding is kept: `contracts::current`); its view carries that.
    pub fn domains_of_with<K>(
        &self,
        me: &Name,
        known: &mut dyn FnMut(&Name) -> Option<K>,
    ) -> Result<Vec<DomainView<K>>> {
        let mut out = Vec::new();
        let names = match self.tree.domains_naming(me.as_str()) {
            Some(names) => names
                .into_iter()
                .map(|n| {
                    n.parse().map_err(|e| {
                        Error::invalid(
                            &model::paths::domain_dir(&n),
                            "",
                            format!("bad directory name: {e}"),
                        )
                    })
                })
                .collect::<Result<Vec<Name>>>()?,
            None => self.dir_names(model::paths::DOMAINS)?,
        };
        for name in names {
            if let Some(known) = known(&name) {
                out.push(DomainView {
                    name,
                    binding: None,
                    binding_size: 0,
                    member: true,
                    known: Some(known),
                });
                continue;
            }
            let binding_path = model::paths::binding(name.as_str(), me.as_str());
            let (binding, binding_size) =
                match self.parsed(&binding_path, || self.tree.file(&binding_path))? {
                    Some((b, size)) => (Some(b), size),
                    None => (None, 0),
                };
            let member = match &binding {
                Some(_) => true,
                None => {
                    let path = model::paths::domain(name.as_str());
                    match self.tree.file(&path)? {
                        // Only a domain.yaml that mentions the name at all is worth parsing.
                        Some(bytes) if contains(&bytes, me.as_str().as_bytes()) => {
                            model::parse::<DomainFile>(&path, &bytes)?
                                .members
                                .contains(me)
                        }
                        _ => false,
                    }
                }
            };
            if binding.is_some() || member {
                out.push(DomainView {
                    name,
                    binding,
                    binding_size,
                    member,
                    known: None,
                });
            }
        }
        Ok(out)
    }

    /// What domain `name` holds, from the cache, when reading it from the tree
    /// could not fail; `None`: read it (the errors are the tree's to report).
    pub fn domain_facts(&self, name: &Name) -> Option<DomainFacts<'_>> {
        self.tree.domain_facts(name.as_str())
    }

    /// The members of domain `name`, from the cache, when it has its facts:
    /// what `domain_facts` would give as its members, without the rest.
    pub fn domain_members(&self, name: &Name) -> Option<Vec<&str>> {
        self.tree.domain_members(name.as_str())
    }

    /// Whether domain `name` has anything to do with repo `me` (a member, a
    /// binding, a contract it owns), when the cache knows; `None`: read it.
    pub fn domain_concerns(&self, name: &Name, me: &Name) -> Option<bool> {
        self.tree.domain_concerns(name.as_str(), me.as_str())
    }

    /// What domain `name` holds: from the cache when it has it, else read from
    /// the tree, with its errors (`what` names the domain when it is missing).
    pub fn domain_facts_or_read(&self, name: &Name, what: &str) -> Result<DomainFacts<'_>> {
        match self.domain_facts(name) {
            Some(facts) => Ok(facts),
            None => self.read_domain_facts(name, what),
        }
    }

    /// What domain `name` holds, read from the tree (documents parsed, their
    /// errors reported; `what` names the domain when it is missing).
    pub fn read_domain_facts(&self, name: &Name, what: &str) -> Result<DomainFacts<'static>> {
        let n = name.as_str();
        let domain = self.require::<model::DomainFile>(&model::paths::domain(n), what)?;
        let mut bindings = Vec::new();
        for r in self.doc_names(&model::paths::bindings_dir(n))? {
            let path = model::paths::binding(n, r.as_str());
            bindings.push((
                r.into(),
                self.require::<model::BindingFile>(&path, "binding")?,
            ));
        }
        let mut contracts = Vec::new();
        for c in self.doc_names(&model::paths::contracts_dir(n))? {
            let path = model::paths::contract(n, c.as_str());
            contracts.push(self.require::<model::ContractFile>(&path, "contract")?);
        }
        Ok(DomainFacts::from_documents(&domain, &contracts, &bindings))
    }

    /// The change files that list `me` among their repos, parsed; the same as
    /// reading every change and keeping those, but with a cache only those are read.
    pub fn changes_naming(&self, me: &Name) -> Result<Vec<model::ChangeFile>> {
        let Some(files) = self.tree.changes_naming(me.as_str()) else {
            let mut out = Vec::new();
            for id in self.doc_names(model::paths::CHANGES)? {
                let change: model::ChangeFile =
                    self.require(&model::paths::change(id.as_str()), "change")?;
                if change.repos.contains(me) {
                    out.push(change);
                }
            }
            return Ok(out);
        };
        files
            .iter()
            .map(|file| self.require(&format!("{}/{file}", model::paths::CHANGES), "change"))
            .collect()
    }

    /// The names of the `<name>.yaml` documents directly in `dir`, validated.
    pub fn doc_names(&self, dir: &str) -> Result<Vec<Name>> {
        let entries = self.entries(dir)?;
        let mut names = Vec::with_capacity(entries.len());
        for (mut file, kind) in entries {
            // The path only for an error: a large realm lists 10,000 repos.
            let path = |file: &str| format!("{dir}/{file}");
            if kind != EntryKind::File || !file.ends_with(".yaml") {
                return Err(Error::invalid(
                    &path(&file),
                    "",
                    "unexpected entry (only <name>.yaml files belong here)",
                ));
            }
            let stem = file.len() - ".yaml".len();
            if let Err(e) = model::check_name(&file[..stem]) {
                return Err(Error::invalid(
                    &path(&file),
                    "",
                    format!("bad file name: {e}"),
                ));
            }
            // The listing's own string becomes the name: no copy.
            file.truncate(stem);
            names.push(Name::try_from(file).map_err(|e| Error::invalid(dir, "", e))?);
        }
        Ok(names)
    }

    /// The names of the subdirectories of `dir`, validated.
    pub fn dir_names(&self, dir: &str) -> Result<Vec<Name>> {
        let mut names = Vec::new();
        for (file, kind) in self.entries(dir)? {
            let path = || format!("{dir}/{file}");
            if kind != EntryKind::Dir {
                return Err(Error::invalid(
                    &path(),
                    "",
                    "unexpected file (only directories belong here)",
                ));
            }
            names
                .push(file.parse().map_err(|e| {
                    Error::invalid(&path(), "", format!("bad directory name: {e}"))
                })?);
        }
        Ok(names)
    }
}

/// A domain as it concerns one repository (see `Snapshot::domains_of`).
pub struct DomainView<K = ()> {
    pub name: Name,
    /// The repository's binding in this domain, if it exports or imports there
    /// (and was read: see `known`).
    pub binding: Option<BindingFile>,
    /// The size of the binding's blob.
    pub binding_size: u64,
    /// Whether the repository is a member of the domain.
    pub member: bool,
    /// What the caller of `domains_of_with` knew of the binding from elsewhere,
    /// in place of reading it (the repository has one: it is a member).
    pub known: Option<K>,
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_memo_is_derived_once_per_key_and_type_and_errors_are_not_kept() {
        let s = Snapshot::new(Box::new(EmptyTree), None, None, "test".into());
        let runs = std::cell::Cell::new(0);
        let count = || {
            runs.set(runs.get() + 1);
            Ok(runs.get())
        };
        assert_eq!(*s.memo("a", count).unwrap(), 1);
        assert_eq!(*s.memo("a", count).unwrap(), 1);
        assert_eq!(*s.memo("b", count).unwrap(), 2);
        // The same key for another type is another value.
        assert_eq!(*s.memo("a", || Ok("text")).unwrap(), "text");
        assert_eq!(*s.memo("a", count).unwrap(), 1);
        let failed: Result<Rc<u64>> = s.memo("c", || Err(Error::usage("no")));
        assert!(failed.is_err());
        assert_eq!(*s.memo("c", || Ok(7u64)).unwrap(), 7);
    }
}
