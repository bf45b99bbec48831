//! What an operation wants changed in the realm tree: whole files written or
//! removed, plus what the realm commit should say about it.
//!
//! Edits are plain data: applying an operation to a snapshot fills them, and only
//! the store turns them into objects. A dry run applies the operation to edits that
//! go nowhere and shows them.

use std::collections::BTreeMap;

use crate::model::{self, Document};

/// Files to write or remove, and refinements of the realm commit message.
#[derive(Debug, Default, Clone)]
pub struct Edits {
    changes: BTreeMap<String, Option<Vec<u8>>>,
    /// A more precise subject than the operation's own, decided while applying
    /// (for example the versions a sync published).
    pub subject: Option<String>,
    /// Free text for the commit body (for example a user's `-m` message).
    pub body: Option<String>,
    /// Extra `Key: value` trailers, after `Realm-Op` and `Realm-Repo`.
    trailers: Vec<(String, String)>,
}

impl Edits {
    /// Edits that go nowhere: for `--dry-run`, which applies an operation to see
    /// what it would do.
    pub fn scratch() -> Self {
        Edits::default()
    }

    /// Write `doc` at `path` in its canonical form.
    pub fn put<T: Document + Clone>(&mut self, path: &str, doc: &T) {
        self.changes
            .insert(path.to_owned(), Some(model::render(doc).into_bytes()));
    }

    /// Write raw bytes at `path` (tests, and files that are not documents).
    pub fn put_bytes(&mut self, path: &str, bytes: Vec<u8>) {
        self.changes.insert(path.to_owned(), Some(bytes));
    }

    /// Remove the file or directory at `path`.
    pub fn remove(&mut self, path: &str) {
        self.changes.insert(path.to_owned(), None);
    }

    /// Add a trailer to the realm commit (`Realm-Change: fix-auth`).
    pub fn trailer(&mut self, key: &str, value: impl Into<String>) {
        let value = value.into();
        if !self.trailers.iter().any(|(k, v)| k == key && *v == value) {
            self.trailers.push((key.to_owned(), value));
        }
    }

    pub fn trailers(&self) -> &[(String, String)] {
        &self.trailers
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// Every path written (`Some`) or removed (`None`), in path order.
    pub fn changes(&self) -> impl Iterator<Item = (&str, Option<&[u8]>)> {
        self.changes.iter().map(|(p, c)| (p.as_str(), c.as_deref()))
    }

    /// The paths this edit touches, for dry runs and ownership checks.
    pub fn paths(&self) -> Vec<String> {
        self.changes.keys().cloned().collect()
    }
}
