//! The documents under `domains/` a member's commands parsed, kept parsed, so
//! `status` and `check` of a member with thousands of imports parse no YAML (and
//! read no object) for a domain whose tree did not change.
//!
//! A file of its own next to the realm cache (`<realm>.docs`), holding only what
//! this member's commands asked for (`Snapshot::read_cached`): a member with one
//! import loads a file with one domain in it. A section per domain, keyed by its
//! name and its tree id — which fixes every byte under it, so a section is never
//! stale — holds one line per document: its path in the domain, the type it was
//! parsed as, the size of its blob and the parsed document as JSON.
//!
//! Exactness: only a document that parsed is recorded, and only when its JSON
//! reads back as the very same value. A lookup that finds nothing, or finds a
//! blob now over `realm.maxFileSize`, reads the tree, which reports what it
//! always did.
//!
//! Written when a command parsed something it did not find (after a fetch, or the
//! first time), like the realm cache: atomically, with a format line and a CRC
//! (a file that does not check out is ignored and rewritten), keeping only the
//! sections of domain trees the realm still holds, so it does not grow with the
//! history of the realm.

use std::cell::{OnceCell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use gix::ObjectId;

use super::{
    EntryKind, FileBytes, Lines, RealmCache, body_lines, hex, read_file, seal, write_atomically,
};
use crate::model;

/// The first line of a docs file: the format and the build that wrote it.
const FORMAT: &str = concat!("git-realm docs 1 ", env!("CARGO_PKG_VERSION"));

/// A domain as of one tree: its name and tree id.
type Key = (String, ObjectId);

/// The tree of each domain looked up, by name (`None`: not one the cache knows).
type DomainTrees = HashMap<String, Option<ObjectId>>;

/// Where the documents of the realm cached at `cache_path` live.
pub(crate) fn path(cache_path: &Path) -> PathBuf {
    cache_path.with_extension("docs")
}

/// The parsed documents of one realm's domains: those of the file, and those
/// parsed since, written back when it is dropped.
pub(crate) struct Docs {
    path: PathBuf,
    /// The file's sections, once read (`None`: no valid file).
    file: OnceCell<Option<File>>,
    /// Lines parsed by this process, by domain.
    fresh: RefCell<BTreeMap<Key, Vec<u8>>>,
    /// The tree of every domain of the realm tree the fresh lines were read from
    /// (the sections worth keeping).
    current: OnceCell<HashMap<String, ObjectId>>,
    /// The realm tree of the lookups so far, and the tree of each domain they
    /// looked up in it: a member reads every domain's binding, then each domain's
    /// contracts, and each domain is found in the realm cache once.
    trees: RefCell<Option<(ObjectId, DomainTrees)>>,
}

/// A docs file: its bytes, and the byte range of each section's lines, by
/// domain name (looked up by a borrowed name) and tree.
struct File {
    data: FileBytes,
    sections: HashMap<String, Vec<(ObjectId, Range)>>,
}

/// Where a section's lines are in a file: start and end.
type Range = (usize, usize);

impl File {
    fn parse(data: impl Into<FileBytes>) -> Option<File> {
        let data = data.into();
        let mut lines = body_lines(&data, FORMAT)?;
        let body_end = lines.data.len();
        let mut sections: HashMap<String, Vec<_>> = HashMap::new();
        while let Some((_, line)) = lines.next() {
            // `@name TAB tree TAB length`, then `length` bytes of lines.
            let mut f = line.strip_prefix(b"@")?.split(|b| *b == b'\t');
            let name = std::str::from_utf8(f.next()?).ok()?.to_owned();
            let tree = hex(f.next()?)?;
            let len: usize = std::str::from_utf8(f.next()?).ok()?.parse().ok()?;
            let start = lines.at;
            let end = start.checked_add(len).filter(|e| *e <= body_end)?;
            if len > 0 && data[end - 1] != b'\n' {
                return None;
            }
            let trees = sections.entry(name).or_default();
            match trees.iter_mut().find(|(t, _)| *t == tree) {
                Some((_, range)) => *range = (start, end),
                None => trees.push((tree, (start, end))),
            }
            lines.at = end;
        }
        Some(File { data, sections })
    }

    fn section(&self, name: &str, tree: ObjectId) -> Option<&[u8]> {
        let trees = self.sections.get(name)?;
        let &(_, (start, end)) = trees.iter().find(|(t, _)| *t == tree)?;
        Some(&self.data[start..end])
    }
}

impl Docs {
    pub(crate) fn new(path: PathBuf) -> Docs {
        Docs {
            path,
            file: OnceCell::new(),
            fresh: RefCell::default(),
            current: OnceCell::new(),
            trees: RefCell::default(),
        }
    }

    /// The domain `path` is in (its name and tree), and the path in it; each
    /// domain's tree is looked up once per realm tree. Borrowed: a member with
    /// 2,000 imports looks up 2,200 documents.
    fn key<'p>(&self, cache: &RealmCache, path: &'p str) -> Option<(&'p str, ObjectId, &'p str)> {
        let (name, rel) = domain_and_rel(path)?;
        let mut trees = self.trees.borrow_mut();
        let (root, by_name) = trees.get_or_insert_with(|| (cache.root(), HashMap::new()));
        if *root != cache.root() {
            (*root, *by_name) = (cache.root(), HashMap::new());
        }
        let tree = match by_name.get(name) {
            Some(tree) => *tree,
            None => *by_name
                .entry(name.to_owned())
                .or_insert_with(|| domain_tree(cache, name)),
        };
        Some((name, tree?, rel))
    }

    /// `Some((json, size))` of the document at `path` parsed as `kind` from a blob
    /// of `size` bytes (within `max_size`), `Some(None)` when it is not recorded
    /// (worth recording once parsed), `None` when the path is not one this cache
    /// can hold.
    pub(crate) fn lookup(
        &self,
        cache: &RealmCache,
        path: &str,
        kind: &str,
        max_size: u64,
    ) -> Option<Option<(&[u8], u64)>> {
        let (name, tree, rel) = self.key(cache, path)?;
        let file = self
            .file
            .get_or_init(|| File::parse(read_file(&self.path)?));
        let Some(lines) = file.as_ref().and_then(|f| f.section(name, tree)) else {
            return Some(None);
        };
        let Some(line) = line_of(lines, rel, kind) else {
            return Some(None);
        };
        let mut f = line.splitn(4, |b| *b == b'\t').skip(2);
        let size: Option<u64> = f
            .next()
            .and_then(|s| std::str::from_utf8(s).ok()?.parse().ok());
        match (size, f.next()) {
            (Some(size), Some(json)) if size <= max_size => Some(Some((json, size))),
            _ => Some(None),
        }
    }

    /// Record the document at `path`, parsed as `kind` from a blob of `size`
    /// bytes, as `json` (which must read back as the same document).
    pub(crate) fn remember(
        &self,
        cache: &RealmCache,
        path: &str,
        kind: &str,
        size: u64,
        json: &[u8],
    ) {
        let Some((name, tree, rel)) = self.key(cache, path) else {
            return;
        };
        if memchr::memchr2(b'\n', b'\t', json).is_some() || kind.contains(['\t', '\n']) {
            return;
        }
        self.current.get_or_init(|| {
            cache
                .domain_entries()
                .unwrap_or_default()
                .into_iter()
                .map(|(name, _, tree)| (name, tree))
                .collect()
        });
        let mut fresh = self.fresh.borrow_mut();
        let lines = fresh.entry((name.to_owned(), tree)).or_default();
        lines.extend_from_slice(format!("{rel}\t{kind}\t{size}\t").as_bytes());
        lines.extend_from_slice(json);
        lines.push(b'\n');
    }

    /// Write the file back: its sections for domain trees the realm still
    /// holds (as the file is now: another process may have written it), with
    /// the lines parsed since added.
    fn flush(&self) -> std::io::Result<()> {
        let fresh = self.fresh.take();
        let (Some(current), false) = (self.current.get(), fresh.is_empty()) else {
            return Ok(());
        };
        let on_disk = read_file(&self.path).and_then(File::parse);
        let mut sections: BTreeMap<Key, Vec<u8>> = BTreeMap::new();
        if let Some(file) = &on_disk {
            for (name, trees) in &file.sections {
                for &(tree, (start, end)) in trees {
                    if current.get(name) == Some(&tree) {
                        sections.insert((name.clone(), tree), file.data[start..end].to_vec());
                    }
                }
            }
        }
        for (key, lines) in fresh {
            // `path TAB kind` identifies a line: one parsed now replaces one of
            // the file (which this build may not have read back).
            let section = sections.entry(key).or_default();
            let mut kept = Vec::with_capacity(section.len() + lines.len());
            for (_, line) in (Lines {
                data: section,
                at: 0,
            }) {
                let (rel, kind) = head(line);
                if line_of(&lines, rel, kind).is_none() {
                    kept.extend_from_slice(line);
                    kept.push(b'\n');
                }
            }
            for (_, line) in (Lines {
                data: &lines,
                at: 0,
            }) {
                let (rel, kind) = head(line);
                if line_of(&kept, rel, kind).is_none() {
                    kept.extend_from_slice(line);
                    kept.push(b'\n');
                }
            }
            *section = kept;
        }
        let mut data = Vec::from(format!("{FORMAT}\n").as_bytes());
        for ((name, tree), lines) in sections {
            data.extend_from_slice(format!("@{name}\t{tree}\t{}\n", lines.len()).as_bytes());
            data.extend_from_slice(&lines);
        }
        write_atomically(&self.path, &seal(data))
    }
}

impl Drop for Docs {
    fn drop(&mut self) {
        if let Err(e) = self.flush() {
            crate::ui::verbose(&format!(
                "cannot write the parsed realm documents {}: {e}",
                self.path.display()
            ));
        }
    }
}

/// The path and kind of a line.
fn head(line: &[u8]) -> (&[u8], &[u8]) {
    let mut f = line.split(|b| *b == b'\t');
    (f.next().unwrap_or_default(), f.next().unwrap_or_default())
}

/// The line of `lines` (a section) for the document at `rel` parsed as `kind`.
/// A section holds a few lines: a scan beats building a searcher.
fn line_of(lines: &[u8], rel: impl AsRef<[u8]>, kind: impl AsRef<[u8]>) -> Option<&[u8]> {
    let (rel, kind) = (rel.as_ref(), kind.as_ref());
    Lines { data: lines, at: 0 }
        .map(|(_, line)| line)
        .find(|line| {
            line.strip_prefix(rel)
                .and_then(|l| l.strip_prefix(b"\t"))
                .and_then(|l| l.strip_prefix(kind))
                .is_some_and(|l| l.first() == Some(&b'\t'))
        })
}

/// The domain `name` and the path `rel` in it of `path` (`domains/<name>/<rel>`),
/// when a docs file can hold it.
fn domain_and_rel(path: &str) -> Option<(&str, &str)> {
    let rest = path
        .strip_prefix(model::paths::DOMAINS)?
        .strip_prefix('/')?;
    let (name, rel) = rest.split_once('/')?;
    if name.contains('\t') || rel.contains(['\t', '\n']) || rel.is_empty() {
        return None;
    }
    Some((name, rel))
}

/// The tree of domain `name` as of the realm tree the cache describes; `None`
/// when the cache does not know it.
fn domain_tree(cache: &RealmCache, name: &str) -> Option<ObjectId> {
    match cache.entry(model::paths::DOMAINS, name)?? {
        (EntryKind::Dir, tree) => Some(tree),
        (EntryKind::File, _) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{BindingFile, ContractFile};

    /// The document `yaml` parses as at `path` reads back from its JSON as the
    /// same value.
    fn round_trips<T: model::Document + PartialEq + std::fmt::Debug>(path: &str, yaml: &[u8]) {
        let doc: T = model::parse(path, yaml).expect("a valid document");
        let json = serde_json::to_vec(&doc).unwrap();
        assert_eq!(serde_json::from_slice::<T>(&json).unwrap(), doc, "{path}");
    }

    /// What `Snapshot::read_cached` relies on for the documents `status` reads.
    #[test]
    fn contracts_and_bindings_read_back_from_json_as_the_same_value() {
        round_trips::<ContractFile>(
            "domains/d/contracts/c.yaml",
            b"name: c\nowner: a\nversion: 1.2.0\ndescription: \"tab\\there\"\nvalue:\n  a: [1, 2.5, true, null, \"x\"]\n  b: {c: -3}\nchangelog:\n- version: 1.2.0\n  date: 2026-01-24\n  changes: [\"added: a\"]\n  removed: [x]\n  changed: []\n",
        );
        round_trips::<BindingFile>(
            "domains/d/bindings/b.yaml",
            b"repo: b\nexports: []\nimports:\n- contract: c\n  version: '>=1.0.0, <2.0.0'\n  binding: README.md\n  resolved_version: 1.0.0\n  uses: [a]\n",
        );
    }

    #[test]
    fn a_corrupt_or_foreign_docs_file_is_not_one() {
        let id = ObjectId::empty_tree(gix::hash::Kind::Sha1);
        let body = format!("{FORMAT}\n@d\t{id}\t13\na.yaml\tK\t3\t1\n");
        let good = seal(body.clone().into_bytes());
        let file = File::parse(good.clone()).expect("a valid file");
        assert_eq!(file.section("d", id), Some(&b"a.yaml\tK\t3\t1\n"[..]));
        let mut flipped = good.clone();
        flipped[FORMAT.len() + 3] ^= 1;
        assert!(File::parse(flipped).is_none());
        assert!(File::parse(good[..good.len() - 2].to_vec()).is_none());
        // A section longer than the file, with a valid checksum.
        let long = body.replace("\t13\n", "\t99\n");
        assert!(File::parse(seal(long.into_bytes())).is_none());
        assert!(File::parse(Vec::new()).is_none());
    }

    #[test]
    fn a_document_parsed_again_replaces_its_line_and_gone_domains_go() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.docs");
        let id = ObjectId::empty_tree(gix::hash::Kind::Sha1);
        let lines = "a.yaml\tK\t3\told\nb.yaml\tK\t3\tb\n";
        let body = format!("{FORMAT}\n@d\t{id}\t{}\n{lines}@e\t{id}\t0\n", lines.len());
        std::fs::write(&path, seal(body.into_bytes())).unwrap();
        let docs = Docs::new(path.clone());
        // The realm tree the fresh lines come from holds `d`, not `e`.
        docs.current.set(HashMap::from([("d".into(), id)])).unwrap();
        docs.fresh.borrow_mut().insert(
            ("d".into(), id),
            b"a.yaml\tK\t3\tnew\nc.yaml\tK\t1\tc\n".to_vec(),
        );
        drop(docs);
        let file = File::parse(std::fs::read(&path).unwrap()).expect("a valid file");
        assert_eq!(
            file.section("d", id),
            Some(&b"b.yaml\tK\t3\tb\na.yaml\tK\t3\tnew\nc.yaml\tK\t1\tc\n"[..])
        );
        assert_eq!(file.section("e", id), None);
    }
}
