//! A realm tree with an operation's edits laid over it: the state a write
//! leaves, read before (`Snapshot::with_edits`) or after (`Store::update_and_read`)
//! it is written, without building a tree or a cache of it.

use std::collections::BTreeMap;

use super::cache::facts::DomainFacts;
use super::snapshot::{EntryKind, TreeRead};
use crate::error::Result;
use crate::model;

/// A tree with edits laid over it, as the store would write them: a written path
/// is a file (and its parents directories), a removed path takes everything under
/// it away.
pub(super) struct Overlay<'a> {
    pub(super) base: &'a dyn TreeRead,
    pub(super) changes: BTreeMap<String, Option<Vec<u8>>>,
}

impl Overlay<'_> {
    /// What the edits say about `path`: `Some(kind)` when they decide it, `None`
    /// when the base tree does.
    fn edited(&self, path: &str) -> Option<Option<EntryKind>> {
        if let Some(Some(_)) = self.changes.get(path) {
            return Some(Some(EntryKind::File));
        }
        // Edits apply in path order, so a file written below a removed directory
        // is there afterwards.
        let below = format!("{path}/");
        if self
            .changes
            .range(below.clone()..)
            .take_while(|(p, _)| p.starts_with(&below))
            .any(|(_, c)| c.is_some())
        {
            return Some(Some(EntryKind::Dir));
        }
        if self.changes.contains_key(path) {
            return Some(None);
        }
        // A parent removed, or replaced by a file, takes this path with it.
        let mut parent = path;
        while let Some((up, _)) = parent.rsplit_once('/') {
            if self.changes.contains_key(up) {
                return Some(None);
            }
            parent = up;
        }
        None
    }

    /// Whether the edits change anything at or below `dir`: only then may what
    /// the base's cache says about `dir` be out of date.
    fn touches(&self, dir: &str) -> bool {
        let below = format!("{dir}/");
        self.edited(dir).is_some()
            || self
                .changes
                .range(below.clone()..)
                .next()
                .is_some_and(|(p, _)| p.starts_with(&below))
    }
}

impl TreeRead for Overlay<'_> {
    fn kind(&self, path: &str) -> Result<Option<EntryKind>> {
        match self.edited(path) {
            Some(kind) => Ok(kind),
            None => self.base.kind(path),
        }
    }

    fn file(&self, path: &str) -> Result<Option<Vec<u8>>> {
        match (self.changes.get(path), self.edited(path)) {
            (Some(bytes), _) => Ok(bytes.clone()),
            (None, Some(_)) => Ok(None),
            (None, None) => self.base.file(path),
        }
    }

    fn list(&self, dir: &str) -> Result<Vec<(String, EntryKind)>> {
        let mut names: BTreeMap<String, EntryKind> = BTreeMap::new();
        let kept = !matches!(self.edited(dir), Some(None | Some(EntryKind::File)));
        if kept && self.base.kind(dir)? == Some(EntryKind::Dir) {
            names.extend(self.base.list(dir)?);
        }
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        for path in self.changes.keys().filter(|p| p.starts_with(&prefix)) {
            let name = path[prefix.len()..].split('/').next().unwrap_or_default();
            names.insert(name.to_owned(), EntryKind::File);
        }
        let mut out = Vec::new();
        for name in names.into_keys() {
            if let Some(kind) = self.kind(&format!("{prefix}{name}"))? {
                out.push((name, kind));
            }
        }
        out.sort_by(|(a, a_kind), (b, b_kind)| {
            super::cache::tree_order(a.as_bytes(), *a_kind, b.as_bytes(), *b_kind)
        });
        Ok(out)
    }

    // The base's cache still answers for whatever the edits leave alone, so
    // reading the state a write left costs no new cache (`Store::update_and_read`).

    fn domains_naming(&self, me: &str) -> Option<Vec<String>> {
        let domains = model::paths::DOMAINS;
        // Removed (even if written again below) or replaced by a file: the
        // base's list says nothing.
        if self.changes.contains_key(domains) {
            return None;
        }
        let mut names = self.base.domains_naming(me)?;
        // A domain the edits touch may name `me` now: look at it too.
        let below = format!("{domains}/");
        let touched = self
            .changes
            .range(below.clone()..)
            .take_while(|(p, _)| p.starts_with(&below))
            .filter_map(|(p, _)| p[below.len()..].split('/').next());
        let mut added = false;
        for name in touched {
            if !names.iter().any(|n| n == name) {
                names.push(name.to_owned());
                added = true;
            }
        }
        if added {
            // Tree order: every domain is a directory.
            names.sort_by_cached_key(|n| format!("{n}/"));
        }
        Some(names)
    }

    fn changes_naming(&self, me: &str) -> Option<Vec<String>> {
        if self.touches(model::paths::CHANGES) {
            return None;
        }
        self.base.changes_naming(me)
    }

    fn domain_facts(&self, name: &str) -> Option<DomainFacts<'_>> {
        if self.touches(&model::paths::domain_dir(name)) {
            return None;
        }
        self.base.domain_facts(name)
    }

    fn domain_members(&self, name: &str) -> Option<Vec<&str>> {
        if self.touches(&model::paths::domain_dir(name)) {
            return None;
        }
        self.base.domain_members(name)
    }

    fn domain_concerns(&self, name: &str, me: &str) -> Option<bool> {
        if self.touches(&model::paths::domain_dir(name)) {
            return None;
        }
        self.base.domain_concerns(name, me)
    }

    // A file the edits leave alone holds the base's bytes, so the base's parsed
    // copy of it is the overlay's too.

    fn cached_doc(&self, path: &str, kind: &str) -> Option<Option<(&[u8], u64)>> {
        if self.edited(path).is_some() {
            return None;
        }
        self.base.cached_doc(path, kind)
    }

    // Derived from the whole domain: the base's holds for the overlay only when
    // the edits leave the domain alone.

    fn cached_derived(&self, domain: &str, key: &str, kind: &str) -> Option<&[u8]> {
        if self.touches(&model::paths::domain_dir(domain)) {
            return None;
        }
        self.base.cached_derived(domain, key, kind)
    }

    fn remember_derived(&self, domain: &str, key: &str, kind: &str, size: u64, json: &[u8]) {
        if !self.touches(&model::paths::domain_dir(domain)) {
            self.base.remember_derived(domain, key, kind, size, json);
        }
    }

    fn remember_doc(&self, path: &str, kind: &str, size: u64, json: &[u8]) {
        if self.edited(path).is_none() {
            self.base.remember_doc(path, kind, size, json);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;
    use crate::store::Edits;

    /// A tree whose "cache" gives fixed answers, to see which of them an overlay
    /// passes on and which it must not.
    #[derive(Default)]
    struct Cached {
        files: BTreeMap<String, Vec<u8>>,
        naming: Vec<String>,
        remembered: RefCell<Vec<String>>,
    }

    impl TreeRead for Cached {
        fn kind(&self, path: &str) -> Result<Option<EntryKind>> {
            let below = format!("{path}/");
            Ok(if self.files.contains_key(path) {
                Some(EntryKind::File)
            } else if self.files.keys().any(|p| p.starts_with(&below)) {
                Some(EntryKind::Dir)
            } else {
                None
            })
        }
        fn file(&self, path: &str) -> Result<Option<Vec<u8>>> {
            Ok(self.files.get(path).cloned())
        }
        fn list(&self, _: &str) -> Result<Vec<(String, EntryKind)>> {
            unreachable!("the overlay answers from the cache")
        }
        fn domains_naming(&self, _: &str) -> Option<Vec<String>> {
            Some(self.naming.clone())
        }
        fn changes_naming(&self, _: &str) -> Option<Vec<String>> {
            Some(vec!["c1.yaml".to_owned()])
        }
        fn domain_concerns(&self, _: &str, _: &str) -> Option<bool> {
            Some(false)
        }
        fn cached_doc(&self, _: &str, _: &str) -> Option<Option<(&[u8], u64)>> {
            Some(Some((b"{}", 1)))
        }
        fn remember_doc(&self, path: &str, _: &str, _: u64, _: &[u8]) {
            self.remembered.borrow_mut().push(path.to_owned());
        }
        fn cached_derived(&self, _: &str, _: &str, _: &str) -> Option<&[u8]> {
            Some(b"{}")
        }
        fn remember_derived(&self, domain: &str, key: &str, _: &str, _: u64, _: &[u8]) {
            self.remembered
                .borrow_mut()
                .push(format!("{domain}: {key}"));
        }
    }

    fn overlay<'a>(base: &'a Cached, edits: &Edits) -> Overlay<'a> {
        Overlay {
            base,
            changes: edits
                .changes()
                .map(|(p, b)| (p.to_owned(), b.map(<[u8]>::to_vec)))
                .collect(),
        }
    }

    #[test]
    fn an_overlay_answers_from_the_base_cache_only_where_the_edits_leave_it_alone() {
        let base = Cached {
            files: BTreeMap::from([
                ("domains/b/domain.yaml".to_owned(), b"b".to_vec()),
                ("domains/z/domain.yaml".to_owned(), b"z".to_vec()),
            ]),
            naming: vec!["b".to_owned(), "z".to_owned()],
            ..Cached::default()
        };
        let mut edits = Edits::default();
        edits.put_bytes("domains/new/bindings/me.yaml", b"n".to_vec());
        edits.put_bytes("domains/b/contracts/x.yaml", b"x".to_vec());
        let after = overlay(&base, &edits);

        // A domain the edits touch may name `me` now; tree order is kept.
        assert_eq!(
            after.domains_naming("me"),
            Some(vec!["b".to_owned(), "new".to_owned(), "z".to_owned()])
        );
        assert_eq!(after.domain_concerns("b", "me"), None, "touched");
        assert_eq!(after.domain_concerns("new", "me"), None, "new");
        assert_eq!(after.domain_concerns("z", "me"), Some(false));
        assert_eq!(after.changes_naming("me"), Some(vec!["c1.yaml".to_owned()]));

        // A written file is parsed from the edits; one left alone keeps the
        // base's parsed copy, even in a domain the edits touch.
        assert_eq!(
            after.cached_doc("domains/b/contracts/x.yaml", "contract"),
            None
        );
        assert_eq!(
            after.cached_doc("domains/b/bindings/other.yaml", "binding"),
            Some(Some((&b"{}"[..], 1)))
        );
        after.remember_doc("domains/b/contracts/x.yaml", "contract", 1, b"{}");
        after.remember_doc("domains/b/domain.yaml", "domain", 1, b"{}");
        assert_eq!(*base.remembered.borrow(), ["domains/b/domain.yaml"]);

        // What is derived from a whole domain holds only where no file of it
        // was edited.
        assert_eq!(after.cached_derived("b", "contracts", "heads"), None);
        assert_eq!(after.cached_derived("new", "contracts", "heads"), None);
        assert_eq!(
            after.cached_derived("z", "contracts", "heads"),
            Some(&b"{}"[..])
        );
        after.remember_derived("b", "contracts", "heads", 1, b"{}");
        after.remember_derived("z", "contracts", "heads", 1, b"{}");
        assert_eq!(
            *base.remembered.borrow(),
            ["domains/b/domain.yaml", "z: contracts"]
        );

        // A change file written, or `domains/` removed: the cache cannot tell.
        edits.put_bytes("changes/c2.yaml", b"c".to_vec());
        assert_eq!(overlay(&base, &edits).changes_naming("me"), None);
        edits.remove("domains");
        let gone = overlay(&base, &edits);
        assert_eq!(gone.domains_naming("me"), None);
        assert_eq!(gone.domain_concerns("z", "me"), None);
        assert_eq!(gone.cached_doc("domains/z/domain.yaml", "domain"), None);
    }
}
