//! The parsed facts of every domain, for the commands that look at all of them
//! (`graph`, `domain list`, `leave`): its members, its contracts (name, version,
//! owner) and its bindings (repo, imports with their requirement and resolved
//! version), so they parse no YAML for a domain whose tree did not change.
//!
//! A file of its own next to the realm cache (`<realm>.facts`), so the commands
//! that never need it (`status`) do not read a bigger file. Same rules as the
//! realm cache: keyed by the root tree, built only from the local copy of a realm,
//! updated incrementally (a domain whose name and tree id did not change keeps its
//! line), written atomically, checked by a format line and a CRC.
//!
//! Exactness: a domain gets facts only when reading it through the tree could not
//! fail — `domain.yaml` is there and parses, every entry of `contracts/` and
//! `bindings/` is a `<name>.yaml` file that parses, none is over the size limit.
//! Any other domain is marked `-` and its readers read it from the tree, so they
//! report what they always did.
//!
//! A line is `name TAB tree TAB -` or `name TAB tree TAB + TAB facts`, the facts
//! being `name TAB description TAB members TAB contracts TAB bindings` where lists
//! are joined by separators no field holds (fields are escaped; the line format
//! is `domain`'s).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use gix::ObjectId;

use super::{
    Entry, FileBytes, Reader, RealmCache, checked_body, hex, read_file, seal, write_atomically,
};
use crate::model::{self, DomainFile, Name};

mod domain;

pub use domain::DomainFacts;

/// The first line of a facts file: the format and the build that wrote it.
const FORMAT: &str = concat!("git-realm facts 1 ", env!("CARGO_PKG_VERSION"));

/// The facts of every domain of one realm tree.
pub struct Facts {
    root: ObjectId,
    /// The file's bytes, mapped when large; a domain's facts are checked as
    /// UTF-8 when the file is parsed, and again (a line) when they are read.
    data: FileBytes,
    /// By domain name: what the file says of it.
    domains: HashMap<String, Known>,
}

/// One domain's line of the file.
struct Known {
    tree: ObjectId,
    /// Where its facts are in `body`; `None`: read it from the tree.
    facts: Option<std::ops::Range<usize>>,
}

impl Facts {
    /// The facts of domain `name`, when they are known (`None` too when its
    /// line does not parse: read it from the tree). Parsed at each call and
    /// not kept, borrowing the file's bytes: a reader of every domain (`graph`)
    /// holds one domain at a time, and the file is not copied.
    pub fn domain(&self, name: &str) -> Option<DomainFacts<'_>> {
        DomainFacts::parse(self.facts_of(name)?)
    }

    /// The members of domain `name`, when its facts are known, read from its
    /// line without parsing the rest (see [`DomainFacts::members_in`]).
    pub fn members(&self, name: &str) -> Option<Vec<&str>> {
        DomainFacts::members_in(self.facts_of(name)?)
    }

    /// Whether domain `name` has anything to do with repo `me` (see
    /// [`DomainFacts::concerns`]), when its facts are known. A line that does
    /// not hold `me` anywhere is answered without parsing it (names are never
    /// escaped).
    pub fn concerns(&self, name: &str, me: &str) -> Option<bool> {
        let line = self.facts_of(name)?;
        if memchr::memmem::find(line.as_bytes(), me.as_bytes()).is_none() {
            return Some(false);
        }
        Some(DomainFacts::parse(line)?.concerns(me))
    }

    /// The facts of domain `name` as written, when they are known.
    fn facts_of(&self, name: &str) -> Option<&str> {
        self.line(self.domains.get(name)?.facts.clone()?)
    }

    /// The header and the lines of a file, each line split only as far as its
    /// name and tree (the file's bytes are kept as they are, for the facts).
    fn parse(data: impl Into<FileBytes>) -> Option<Facts> {
        let data = data.into();
        let all = std::str::from_utf8(checked_body(&data)?).ok()?;
        let (format, text) = all.split_once('\n')?;
        let (root, body) = text.split_once('\n')?;
        if format != FORMAT {
            return None;
        }
        let root = hex(root.strip_prefix("root ")?.as_bytes())?;
        let mut domains =
            HashMap::with_capacity(memchr::memchr_iter(b'\n', body.as_bytes()).count());
        let mut at = all.len() - body.len();
        for line in body.split_terminator('\n') {
            let start = at;
            at += line.len() + 1;
            let mut f = line.splitn(4, '\t');
            let (name, tree) = (f.next()?, hex(f.next()?.as_bytes())?);
            let facts = match (f.next()?, f.next()) {
                ("-", None) => None,
                ("+", Some(rest)) => Some(start + line.len() - rest.len()..start + line.len()),
                _ => return None,
            };
            let known = Known { tree, facts };
            domains.insert(name.to_owned(), known);
        }
        Some(Facts {
            root,
            data,
            domains,
        })
    }

    /// What this file knows of domain `name` at `tree`: `Some(its facts as
    /// written, or none)` when it has a line for them.
    fn known(&self, name: &str, tree: ObjectId) -> Option<Option<&str>> {
        let known = self.domains.get(name)?;
        let facts = known.facts.clone();
        (known.tree == tree).then(|| facts.and_then(|line| self.line(line)))
    }

    /// The text of a domain's facts (the file was checked as UTF-8 when parsed,
    /// and the line ends at a separator, so this only fails on a changed file).
    fn line(&self, line: std::ops::Range<usize>) -> Option<&str> {
        std::str::from_utf8(&self.data[line]).ok()
    }
}

/// Where the facts of the realm cached at `cache_path` live.
pub(crate) fn path(cache_path: &Path) -> PathBuf {
    cache_path.with_extension("facts")
}

/// The facts of the tree `cache` describes: from the file at `path` when it is
/// for that tree, else built (reusing the file's lines for unchanged domains)
/// and written back. `None` when the cache does not mirror `domains/`.
pub(crate) fn load_or_build(
    repo: &gix::Repository,
    cache: &RealmCache,
    path: &Path,
    max_size: u64,
) -> Option<Facts> {
    let previous = read_file(path).and_then(Facts::parse);
    if previous.as_ref().is_some_and(|f| f.root == cache.root()) {
        return previous;
    }
    let reader = Reader { repo, max_size };
    let mut text = format!("{FORMAT}\nroot {}\n", cache.root());
    for (name, kind, tree) in cache.domain_entries()? {
        text.push_str(&format!("{name}\t{tree}\t"));
        // A domain whose tree did not change: the same facts, as written.
        match previous.as_ref().and_then(|p| p.known(&name, tree)) {
            Some(Some(written)) => {
                text.push_str("+\t");
                text.push_str(written);
            }
            Some(None) => text.push('-'),
            None => {
                let entry = Entry {
                    name,
                    kind,
                    id: tree,
                };
                match domain_facts(&reader, &entry) {
                    Some(facts) => {
                        text.push_str("+\t");
                        facts.write(&mut text);
                    }
                    None => text.push('-'),
                }
            }
        }
        text.push('\n');
    }
    let data = seal(text.into_bytes());
    if let Err(e) = write_atomically(path, &data) {
        crate::ui::verbose(&format!(
            "cannot write the realm facts {}: {e}",
            path.display()
        ));
    }
    Facts::parse(data)
}

/// The facts of one domain, when reading it through the tree could not fail.
fn domain_facts(reader: &Reader<'_>, entry: &Entry) -> Option<DomainFacts<'static>> {
    let name = entry.name.as_str();
    if entry.kind != super::EntryKind::Dir || name.parse::<Name>().is_err() {
        return None;
    }
    let inside = reader.entries(entry.id).ok()?;
    let file = |n: &str| inside.iter().find(|e| e.name == n);
    let domain_yaml = file("domain.yaml")?;
    let domain: DomainFile = parse(reader, domain_yaml, &model::paths::domain(name))?;
    let mut contracts = Vec::new();
    for (stem, e) in docs(reader, file("contracts"))? {
        contracts.push(parse(reader, &e, &model::paths::contract(name, &stem))?);
    }
    let mut bindings = Vec::new();
    for (stem, e) in docs(reader, file("bindings"))? {
        let b = parse(reader, &e, &model::paths::binding(name, &stem))?;
        bindings.push((stem, b));
    }
    Some(DomainFacts::from_documents(&domain, &contracts, &bindings))
}

/// The `<name>.yaml` files of a directory entry (none when it is absent), when
/// every entry is one (as `Snapshot::doc_names` requires).
fn docs(reader: &Reader<'_>, dir: Option<&Entry>) -> Option<Vec<(String, Entry)>> {
    let Some(dir) = dir else {
        return Some(Vec::new());
    };
    if dir.kind != super::EntryKind::Dir {
        return None;
    }
    let mut out = Vec::new();
    for e in reader.entries(dir.id).ok()? {
        if e.kind != super::EntryKind::File {
            return None;
        }
        let stem = e.name.strip_suffix(".yaml")?.parse::<Name>().ok()?;
        out.push((stem.to_string(), e));
    }
    Some(out)
}

/// The document in `entry`, when it is a blob within the limit that parses.
fn parse<T: model::Document>(reader: &Reader<'_>, entry: &Entry, path: &str) -> Option<T> {
    if entry.kind != super::EntryKind::File {
        return None;
    }
    model::parse(path, &reader.blob(entry).1?).ok()
}
