//! A realm tree read from the object database through gix. Each tree is decoded
//! at most once per snapshot and looked up by name afterwards, so reading a
//! hundred files under `domains/` does not decompress `domains/` a hundred
//! times; under `repos/`, `changes/` and `domains/` the local cache
//! (`cache/`) answers first.

use std::cell::{Cell, OnceCell, RefCell};
use std::collections::HashMap;
use std::path::PathBuf;
use std::rc::Rc;

use gix::ObjectId;
use gix::bstr::ByteSlice;

use super::cache::docs::{self, Docs};
use super::cache::facts::{self, DomainFacts, Facts};
use super::cache::{self, RealmCache};
use super::snapshot::{EntryKind, TreeRead};
use crate::error::{Context, Error, Result};
use crate::ui;

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
pub(super) struct GitTree<'r> {
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

impl<'r> GitTree<'r> {
    /// The tree `root` of `repo`, read for `origin` (which names it in errors),
    /// with the local cache at `cache` when there is one and caches are on.
    pub(super) fn new(
        repo: &'r gix::Repository,
        root: ObjectId,
        origin: String,
        max_size: u64,
        cache: Option<PathBuf>,
    ) -> Self {
        GitTree {
            repo,
            root,
            origin,
            trees: RefCell::new(HashMap::new()),
            max_size,
            cache: cache.filter(|_| cache::enabled()).map(|path| CacheSlot {
                docs: Docs::new(docs::path(&path)),
                path,
                loaded: OnceCell::new(),
                missing: Cell::new(false),
                facts: OnceCell::new(),
            }),
        }
    }
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

    fn domain_facts(&self, name: &str) -> Option<DomainFacts<'_>> {
        self.facts()?.domain(name)
    }

    fn domain_members(&self, name: &str) -> Option<Vec<&str>> {
        self.facts()?.members(name)
    }

    fn domain_concerns(&self, name: &str, me: &str) -> Option<bool> {
        self.facts()?.concerns(name, me)
    }

    fn cached_doc(&self, path: &str, kind: &str) -> Option<Option<(&[u8], u64)>> {
        let slot = self.cache.as_ref()?;
        slot.docs
            .lookup(self.cache(false)?, path, kind, self.max_size)
    }

    fn remember_doc(&self, path: &str, kind: &str, size: u64, json: &[u8]) {
        if let (Some(slot), Some(cache)) = (&self.cache, self.cache(false)) {
            slot.docs.remember(cache, path, kind, size, json);
        }
    }

    // Kept in the domain's section of the documents file, which is for one tree
    // of the domain, as a document at `key` (no file has that path and kind)
    // whose size is that of the largest blob it comes from.

    fn cached_derived(&self, domain: &str, key: &str, kind: &str) -> Option<&[u8]> {
        let path = format!("{}/{key}", crate::model::paths::domain_dir(domain));
        Some(self.cached_doc(&path, kind)??.0)
    }

    fn remember_derived(&self, domain: &str, key: &str, kind: &str, size: u64, json: &[u8]) {
        let path = format!("{}/{key}", crate::model::paths::domain_dir(domain));
        self.remember_doc(&path, kind, size, json);
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
