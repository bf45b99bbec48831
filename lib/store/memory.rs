//! Realm state in memory: a realm "server" shared between threads and the local
//! copies of its members, for testing operations and the store's retry loop
//! without git.
//!
//! It keeps the rules that matter to the store: a publish succeeds only when the
//! realm still holds the base it was built on (compare-and-swap), each member reads
//! its own local copy until it fetches, and commits are immutable.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use gix::ObjectId;

use super::backend::{Backend, Publish};
use super::edits::Edits;
use super::snapshot::{EmptyTree, EntryKind, Snapshot, TreeRead};
use crate::error::{Error, Result};

type Files = Arc<BTreeMap<String, Vec<u8>>>;

/// One commit of an in-memory realm.
#[derive(Debug, Clone)]
pub struct MemoryCommit {
    pub parent: Option<ObjectId>,
    pub message: String,
    pub files: Files,
}

#[derive(Default)]
struct Shared {
    commits: HashMap<ObjectId, MemoryCommit>,
    /// The realm branch and side branches (proposals), by name.
    branches: BTreeMap<String, ObjectId>,
    next_id: u64,
}

const MAIN: &str = "main";

/// An in-memory realm that several members (threads) write to.
#[derive(Clone, Default)]
pub struct MemoryRealm {
    shared: Arc<Mutex<Shared>>,
}

impl MemoryRealm {
    pub fn new() -> Self {
        MemoryRealm::default()
    }

    /// A member's view: its own local copy, fetched from this realm.
    pub fn member(&self) -> MemoryBackend {
        MemoryBackend {
            realm: self.clone(),
            local: Mutex::new(None),
        }
    }

    /// The realm branch's commit.
    pub fn tip(&self) -> Option<ObjectId> {
        self.branch(MAIN)
    }

    pub fn branch(&self, name: &str) -> Option<ObjectId> {
        self.shared
            .lock()
            .expect("realm lock")
            .branches
            .get(name)
            .copied()
    }

    /// The commits of the realm branch, newest first.
    pub fn log(&self) -> Vec<MemoryCommit> {
        let shared = self.shared.lock().expect("realm lock");
        let mut out = Vec::new();
        let mut at = shared.branches.get(MAIN).copied();
        while let Some(id) = at {
            let c = shared.commits[&id].clone();
            at = c.parent;
            out.push(c);
        }
        out
    }

    /// The files of the realm branch.
    pub fn files(&self) -> BTreeMap<String, Vec<u8>> {
        let shared = self.shared.lock().expect("realm lock");
        match shared.branches.get(MAIN) {
            Some(id) => (*shared.commits[id].files).clone(),
            None => BTreeMap::new(),
        }
    }

    fn files_at(&self, id: Option<ObjectId>) -> Result<Files> {
        let Some(id) = id else {
            return Ok(Arc::new(BTreeMap::new()));
        };
        let shared = self.shared.lock().expect("realm lock");
        shared
            .commits
            .get(&id)
            .map(|c| c.files.clone())
            .ok_or_else(|| Error::internal(format!("unknown in-memory commit {id}")))
    }
}

/// One member's copy of a [`MemoryRealm`].
pub struct MemoryBackend {
    realm: MemoryRealm,
    local: Mutex<Option<ObjectId>>,
}

impl<'r> Backend<'r> for MemoryBackend {
    fn local_tip(&self) -> Result<Option<ObjectId>> {
        Ok(*self.local.lock().expect("local lock"))
    }

    fn fetch(&self) -> Result<Option<ObjectId>> {
        let tip = self.realm.tip();
        *self.local.lock().expect("local lock") = tip;
        Ok(tip)
    }

    fn last_fetched(&self) -> Option<SystemTime> {
        None
    }

    fn snapshot(&self, tip: Option<ObjectId>) -> Result<Snapshot<'r>> {
        let origin = "the in-memory realm".to_owned();
        if tip.is_none() {
            return Ok(Snapshot::new(Box::new(EmptyTree), None, None, origin));
        }
        let files = self.realm.files_at(tip)?;
        Ok(Snapshot::new(
            Box::new(MemoryTree { files }),
            tip,
            Some(0),
            origin,
        ))
    }

    fn commit(
        &self,
        base: Option<ObjectId>,
        edits: &Edits,
        message: &str,
        _sign: bool,
    ) -> Result<Option<ObjectId>> {
        let old = self.realm.files_at(base)?;
        let mut files = (*old).clone();
        for (path, content) in edits.changes() {
            match content {
                Some(bytes) => {
                    files.insert(path.to_owned(), bytes.to_vec());
                }
                None => {
                    let prefix = format!("{path}/");
                    files.retain(|p, _| p != path && !p.starts_with(&prefix));
                }
            }
        }
        if files == *old {
            return Ok(None);
        }
        let mut shared = self.realm.shared.lock().expect("realm lock");
        shared.next_id += 1;
        let mut bytes = [0u8; 20];
        bytes[12..].copy_from_slice(&shared.next_id.to_be_bytes());
        let id = ObjectId::from_bytes_or_panic(&bytes);
        shared.commits.insert(
            id,
            MemoryCommit {
                parent: base,
                message: message.to_owned(),
                files: Arc::new(files),
            },
        );
        Ok(Some(id))
    }

    fn publish(&self, base: Option<ObjectId>, commit: ObjectId) -> Result<Publish> {
        let mut shared = self.realm.shared.lock().expect("realm lock");
        let current = shared.branches.get(MAIN).copied();
        if current != base {
            return Ok(Publish::Moved {
                reason: "stale info".to_owned(),
            });
        }
        shared.branches.insert(MAIN.to_owned(), commit);
        drop(shared);
        let mut local = self.local.lock().expect("local lock");
        if *local == base {
            *local = Some(commit);
        }
        Ok(Publish::Published)
    }

    fn publish_branch(&self, branch: &str, commit: ObjectId) -> Result<Publish> {
        let mut shared = self.realm.shared.lock().expect("realm lock");
        shared.branches.insert(branch.to_owned(), commit);
        Ok(Publish::Published)
    }

    fn describe(&self) -> String {
        "the in-memory realm".to_owned()
    }

    fn reference(&self) -> String {
        "memory".to_owned()
    }
}

/// A flat map of paths read as a tree.
struct MemoryTree {
    files: Files,
}

impl TreeRead for MemoryTree {
    fn kind(&self, path: &str) -> Result<Option<EntryKind>> {
        if path.is_empty() {
            return Ok(Some(EntryKind::Dir));
        }
        if self.files.contains_key(path) {
            return Ok(Some(EntryKind::File));
        }
        let prefix = format!("{path}/");
        Ok(self
            .files
            .range(prefix.clone()..)
            .next()
            .filter(|(p, _)| p.starts_with(&prefix))
            .map(|_| EntryKind::Dir))
    }

    fn file(&self, path: &str) -> Result<Option<Vec<u8>>> {
        Ok(self.files.get(path).cloned())
    }

    fn list(&self, dir: &str) -> Result<Vec<(String, EntryKind)>> {
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        let mut out: BTreeMap<String, EntryKind> = BTreeMap::new();
        for (path, _) in self.files.range(prefix.clone()..) {
            let Some(rest) = path.strip_prefix(&prefix) else {
                break;
            };
            match rest.split_once('/') {
                Some((sub, _)) => out.insert(sub.to_owned(), EntryKind::Dir),
                None => out.insert(rest.to_owned(), EntryKind::File),
            };
        }
        Ok(out.into_iter().collect())
    }
}
