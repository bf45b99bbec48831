//! A local cache of what a realm tree holds, so reads do not grow with the realm.
//!
//! The realm's large directories — `repos/`, `changes/`, `domains/` — are one git
//! tree each, with an entry per repo, change or domain. Looking up one file under
//! them means decompressing the whole tree; finding the domains a repo is in means
//! reading every domain. This cache holds, for one realm tree:
//!
//! - the entries of those three trees (name, kind, object id), so a lookup under
//!   them reads no tree at all;
//! - for each domain, who it names: the members its `domain.yaml` lists and the
//!   repos that have a binding file, so `Snapshot::domains_of` reads only the
//!   domains that concern a repo;
//! - for each change, the repos it names, so `status` parses only its own.
//!
//! It is *derived* data, never written to the realm: a pure function of the realm
//! tree, stored in the member's git directory (`$GIT_COMMON_DIR/realm/cache/`),
//! one file per realm, keyed by the root tree id inside. It is built only for the
//! local copy of a realm (`refs/realm/<realm>/main`, which moves only to verified
//! states), and updated incrementally: a subtree whose id did not change is
//! copied from the previous cache, and within a changed directory only the
//! entries whose id changed are read again.
//!
//! Exactness: the cache never decides an answer it cannot decide the same way as
//! reading the tree. Anything it did not record with certainty (a file that does
//! not parse, is too large, or is not a blob; a name that is not a valid name) is
//! marked, and the reader falls back to the uncached path for it, which reports
//! the same errors it always did.
//!
//! Safety: the file is written to a temporary file and renamed into place, so
//! readers see the old file or the new one, never half of one, whatever gets
//! killed. It ends with a CRC of its contents and starts with the format and the
//! version of git-realm that wrote it; a file that does not check out is ignored
//! (and rebuilt). `GIT_REALM_CACHE=0` turns the cache off.

use std::borrow::Cow;
use std::cell::{Cell, OnceCell};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use gix::ObjectId;

use super::snapshot::EntryKind;
use crate::model::{self, ChangeFile, DomainFile, Name};

pub mod docs;
pub mod facts;
mod lines;

pub(in crate::store) use lines::tree_order;
use lines::{
    FileBytes, Lines, bisect_line, body_lines, checked_body, fields_of, find_line, hex, kind,
    read_file, seal, split2, tab_fields, write_atomically,
};

/// The first line of a cache file: the format and the build that wrote it.
const FORMAT: &str = concat!("git-realm cache 2 ", env!("CARGO_PKG_VERSION"));

/// The directories of the realm root the cache mirrors, in section order.
pub(super) const DIRS: [&str; 3] = [
    model::paths::REPOS,
    model::paths::CHANGES,
    model::paths::DOMAINS,
];
const REPOS: usize = 0;
const CHANGES: usize = 1;
const DOMAINS: usize = 2;

static OBJECTS_READ: AtomicU64 = AtomicU64::new(0);

/// Count one object read from the object database for realm state (shown by `-v`).
pub(crate) fn count_read() {
    OBJECTS_READ.fetch_add(1, Ordering::Relaxed);
}

/// How many realm objects (trees, blobs, headers) this process has read.
pub fn objects_read() -> u64 {
    OBJECTS_READ.load(Ordering::Relaxed)
}

/// Whether the cache is in use (`GIT_REALM_CACHE=0` turns it off, for comparing).
pub(super) fn enabled() -> bool {
    !matches!(
        std::env::var("GIT_REALM_CACHE").as_deref(),
        Ok("0" | "false" | "no" | "off")
    )
}

/// Where the cache of the realm held in `local_ref` lives.
pub(super) fn path(common_dir: &Path, local_ref: &str) -> PathBuf {
    let key = local_ref.trim_start_matches("refs/").replace('/', "-");
    common_dir
        .join("realm")
        .join("cache")
        .join(format!("{key}.cache"))
}

/// One mirrored directory: its tree, the byte range of its lines, and what the
/// builder found true of all of them (its header line is
/// `@dir tree order largest length`, or `@dir -` for a directory not there).
#[derive(Debug, Clone, Copy)]
struct Section {
    tree: ObjectId,
    start: usize,
    end: usize,
    /// The names strictly increase in git's tree order (header `s`; `u` when not),
    /// so a name is found by bisection. A tree git wrote always does; a
    /// hand-made one may not, and is then scanned as before.
    sorted: bool,
    /// `domains/` only: the largest `domain.yaml` when every line is a valid
    /// domain that parsed (header: the size, or `-`). Then only the lines that
    /// contain a name can concern it, and one search over the section finds them.
    largest: Option<u64>,
}

/// The cache of one realm tree (see the module documentation).
///
/// Lines are `name TAB kind TAB id [TAB fields…]`, in git's tree order:
/// - `repos`: no more fields;
/// - `changes`: `size TAB state TAB repos` (state `+` parsed, `-` not: fall back);
/// - `domains`: `valid TAB size TAB state TAB members TAB bindings`, where `valid`
///   says the entry is a directory with a valid name, `size` is the size of
///   `domain.yaml`, `state` whether it parsed (`-`: read that domain), `members`
///   the names it lists and `bindings` the repos with a binding file.
pub struct RealmCache {
    data: FileBytes,
    root: ObjectId,
    sections: [Option<Section>; 3],
    /// Lookups so far, and once there were many, each section's lines by name
    /// (a few lookups scan the section; a command reading every repo does not).
    lookups: Cell<u32>,
    by_name: [OnceCell<LineMap>; 3],
    /// The lines of the domains `domains_naming` found, by name: the member
    /// looks each of them up next (a bisection of 2,000 lines each time).
    named: std::cell::RefCell<LineMap>,
}

/// The lines of a section by entry name: where each starts and ends.
type LineMap = HashMap<Vec<u8>, (usize, usize)>;

/// Lookups answered by scanning a section before it is mapped by name.
const SCANNED_LOOKUPS: u32 = 16;
/// Lookups answered by bisecting a sorted section before it is mapped by name
/// (a bisection of 10,000 lines costs about what mapping six lines does).
const BISECTED_LOOKUPS: u32 = 1024;

impl RealmCache {
    fn new(data: FileBytes, root: ObjectId, sections: [Option<Section>; 3]) -> Self {
        RealmCache {
            data,
            root,
            sections,
            lookups: Cell::new(0),
            by_name: Default::default(),
            named: Default::default(),
        }
    }

    /// The line of entry `name` in section `i`.
    fn line(&self, i: usize, name: &[u8]) -> Option<&[u8]> {
        let section = self.sections[i]?;
        let lines = &self.data[section.start..section.end];
        if i == DOMAINS
            && let Some(&(start, end)) = self.named.borrow().get(name)
        {
            return Some(&lines[start..end]);
        }
        self.lookups.set(self.lookups.get() + 1);
        if section.sorted
            && self.lookups.get() <= BISECTED_LOOKUPS
            && let Some(found) = bisect_line(lines, name)
        {
            return found;
        }
        if self.lookups.get() <= SCANNED_LOOKUPS {
            return find_line(lines, name);
        }
        let map = self.by_name[i].get_or_init(|| {
            Lines { data: lines, at: 0 }
                .map(|(at, line)| {
                    let name = line.split(|b| *b == b'\t').next().unwrap_or_default();
                    (name.to_vec(), (at, at + line.len()))
                })
                .collect()
        });
        map.get(name).map(|&(start, end)| &lines[start..end])
    }

    /// The root tree this cache describes.
    pub fn root(&self) -> ObjectId {
        self.root
    }

    /// Parse a cache file, checking its format line and its CRC.
    fn parse(data: impl Into<FileBytes>) -> Option<RealmCache> {
        let data = data.into();
        let mut lines = body_lines(&data, FORMAT)?;
        let body_end = lines.data.len();
        let root = hex(lines.next()?.1.strip_prefix(b"root ")?)?;
        let body = lines.data;
        let mut sections = [None; 3];
        // Only the section headers are read: each says how long its lines are,
        // so the 12,000 lines of a large realm are not even searched until asked for.
        let mut at = lines.at;
        while at < body_end {
            let line_end = memchr::memchr(b'\n', &body[at..]).map_or(body_end, |n| at + n);
            let (dir, fields) = split2(body[at..line_end].strip_prefix(b"@")?, b' ')?;
            let i = DIRS.iter().position(|d| d.as_bytes() == dir)?;
            let start = (line_end + 1).min(body_end);
            if fields == b"-" {
                // A directory the cache does not mirror has no lines.
                at = start;
                continue;
            }
            let [tree, order, largest, length] = fields_of::<4>(fields, b' ')?;
            let number = |field: &[u8]| std::str::from_utf8(field).ok()?.parse::<u64>().ok();
            let end = start.checked_add(usize::try_from(number(length)?).ok()?)?;
            // The lines end with a newline, right before the next header.
            if end > body_end || (end > start && body[end - 1] != b'\n') {
                return None;
            }
            sections[i] = Some(Section {
                tree: hex(tree)?,
                start,
                end,
                sorted: match order {
                    b"s" => true,
                    b"u" => false,
                    _ => return None,
                },
                largest: match largest {
                    b"-" => None,
                    n => Some(number(n)?),
                },
            });
            at = end;
        }
        Some(RealmCache::new(data, root, sections))
    }

    /// Read the cache file at `path`, if it is a valid one.
    pub(super) fn load(path: &Path) -> Option<RealmCache> {
        RealmCache::parse(read_file(path)?)
    }

    /// Write the cache to `path`, atomically (a temporary file renamed into place).
    pub(super) fn store(&self, path: &Path) -> std::io::Result<()> {
        write_atomically(path, &self.data)
    }

    fn section(&self, i: usize) -> Option<(ObjectId, &[u8])> {
        self.sections[i].map(|s| (s.tree, &self.data[s.start..s.end]))
    }

    /// The tree of the top-level directory `dir`, when the cache mirrors it.
    pub(super) fn dir(&self, dir: &str) -> Option<ObjectId> {
        let i = DIRS.iter().position(|d| *d == dir)?;
        self.sections[i].map(|s| s.tree)
    }

    /// `Some(entry)` for `name` in the mirrored directory `dir` (`Some(None)`: not
    /// there), `None` when the cache does not mirror `dir`.
    pub(super) fn entry(&self, dir: &str, name: &str) -> Option<Option<(EntryKind, ObjectId)>> {
        let i = DIRS.iter().position(|d| *d == dir)?;
        self.sections[i]?;
        if name.contains(['\t', '\n']) {
            return Some(None);
        }
        let Some(line) = self.line(i, name.as_bytes()) else {
            return Some(None);
        };
        let mut fields = line.split(|b| *b == b'\t').skip(1);
        let kind = kind(fields.next()?)?;
        let id = hex(fields.next()?)?;
        Some(Some((kind, id)))
    }

    /// `Some(name found)`, `None` when the cache does not mirror `dir`.
    pub(super) fn list(&self, dir: &str) -> Option<Vec<(String, EntryKind)>> {
        let i = DIRS.iter().position(|d| *d == dir)?;
        let (_, lines) = self.section(i)?;
        let mut out = Vec::with_capacity(memchr::memchr_iter(b'\n', lines).count());
        let lines = Lines { data: lines, at: 0 }.map(|(_, l)| l);
        for line in lines.filter(|l| !l.is_empty()) {
            let mut fields = line.split(|b| *b == b'\t');
            let name = std::str::from_utf8(fields.next()?).ok()?;
            out.push((name.to_owned(), kind(fields.next()?)?));
        }
        Some(out)
    }

    /// The domains whose answer for `me` in `Snapshot::domains_of` may be
    /// anything but "no binding, not a member", in tree order; `None` when the
    /// cache cannot tell (the caller reads every domain).
    pub(super) fn domains_naming(&self, me: &str, max_size: u64) -> Option<Vec<String>> {
        let section = self.sections[DOMAINS]?;
        let lines = &self.data[section.start..section.end];
        let mut out = Vec::new();
        // Most lines do not name `me` at all: a substring search says so before
        // any list is split (this scan is most of `status` in a 2,000-domain realm).
        let finder = memchr::memmem::Finder::new(me.as_bytes());
        let named = |list: &[u8]| {
            finder.find(list).is_some() && list.split(|b| *b == b',').any(|n| n == me.as_bytes())
        };
        if section.largest.is_some_and(|largest| largest <= max_size) {
            // Every domain is valid, parsed and small enough: only a line that
            // contains `me` somewhere can name it, and one search finds those.
            let mut at = 0;
            while let Some(hit) = finder.find(&lines[at..]) {
                let start = memchr::memrchr(b'\n', &lines[..at + hit]).map_or(0, |n| n + 1);
                let end =
                    memchr::memchr(b'\n', &lines[at + hit..]).map_or(lines.len(), |n| at + hit + n);
                let [name, _, _, _, _, _, members, bindings] = tab_fields::<8>(&lines[start..end])?;
                if named(members) || named(bindings) {
                    out.push(std::str::from_utf8(name).ok()?.to_owned());
                    self.named.borrow_mut().insert(name.to_vec(), (start, end));
                }
                at = end;
            }
            return Some(out);
        }
        let lines = Lines { data: lines, at: 0 }.map(|(_, l)| l);
        for line in lines.filter(|l| !l.is_empty()) {
            let [name, _, _, valid, size, state, members, bindings] = tab_fields::<8>(line)?;
            if valid != b"1" {
                return None;
            }
            let size: u64 = std::str::from_utf8(size).ok()?.parse().ok()?;
            if state != b"+" || size > max_size || named(members) || named(bindings) {
                out.push(std::str::from_utf8(name).ok()?.to_owned());
            }
        }
        Some(out)
    }

    /// The change files (`<id>.yaml`) that name `me` among their repos, in tree
    /// order; `None` when the cache cannot tell (a change that did not parse, or
    /// is over `max_size`: reading them all says what is wrong).
    pub(super) fn changes_naming(&self, me: &str, max_size: u64) -> Option<Vec<String>> {
        let (_, lines) = self.section(CHANGES)?;
        let mut out = Vec::new();
        let lines = Lines { data: lines, at: 0 }.map(|(_, l)| l);
        for line in lines.filter(|l| !l.is_empty()) {
            let [name, _, _, size, state, repos] = tab_fields::<6>(line)?;
            let size: u64 = std::str::from_utf8(size).ok()?.parse().ok()?;
            if state != b"+" || size > max_size {
                return None;
            }
            if repos.split(|b| *b == b',').any(|n| n == me.as_bytes()) {
                out.push(std::str::from_utf8(name).ok()?.to_owned());
            }
        }
        Some(out)
    }

    /// The entries of `domains/` (name, kind, tree), in tree order; `None` when
    /// the cache does not mirror it.
    pub(super) fn domain_entries(&self) -> Option<Vec<(String, EntryKind, ObjectId)>> {
        let (_, lines) = self.section(DOMAINS)?;
        let mut out = Vec::new();
        for (_, line) in (Lines { data: lines, at: 0 }) {
            let mut f = line.split(|b| *b == b'\t');
            let name = std::str::from_utf8(f.next()?).ok()?;
            out.push((name.to_owned(), kind(f.next()?)?, hex(f.next()?)?));
        }
        Some(out)
    }

    /// The lines of section `i` by entry name (for an incremental build).
    fn lines_by_name(&self, i: usize) -> HashMap<&[u8], &[u8]> {
        let mut out = HashMap::new();
        if let Some((_, lines)) = self.section(i) {
            for (_, line) in (Lines { data: lines, at: 0 }).filter(|(_, l)| !l.is_empty()) {
                let name = line.split(|b| *b == b'\t').next().unwrap_or_default();
                out.insert(name, line);
            }
        }
        out
    }
}

/// Build the cache of the realm tree `root`, reusing `previous` (the cache of an
/// earlier tree) for every subtree and entry whose id did not change. `Ok(None)`
/// when the tree holds names the cache cannot represent (it is then not used).
pub(super) fn build(
    repo: &gix::Repository,
    root: ObjectId,
    previous: Option<&RealmCache>,
    max_size: u64,
) -> Result<Option<RealmCache>, String> {
    let reader = Reader { repo, max_size };
    let mut data = Vec::with_capacity(previous.map_or(4096, |p| p.data.len()));
    data.extend_from_slice(FORMAT.as_bytes());
    data.extend_from_slice(format!("\nroot {root}\n").as_bytes());
    let top = reader.entries(root)?;
    let mut sections = [None; 3];
    for (i, dir) in DIRS.iter().enumerate() {
        let tree = top
            .iter()
            .find(|e| e.name == *dir && e.kind == EntryKind::Dir)
            .map(|e| e.id);
        let Some(tree) = tree else {
            data.extend_from_slice(format!("@{dir} -\n").as_bytes());
            continue;
        };
        let before = previous.and_then(|p| Some(p).zip(p.sections[i]));
        let (lines, sorted, largest) = match before {
            // The same tree: its lines, as they are.
            Some((p, s)) if s.tree == tree => {
                (Cow::Borrowed(&p.data[s.start..s.end]), s.sorted, s.largest)
            }
            _ => {
                // A repos line is only its head: nothing to reuse, nothing to look up
                // (10,000 entries in a large realm).
                let old = match before {
                    Some((p, _)) if i != REPOS => p.lines_by_name(i),
                    _ => HashMap::new(),
                };
                let mut lines = Vec::new();
                let mut sorted = true;
                let mut last: Option<Entry> = None;
                let mut head = String::new();
                let mut hex = [0u8; 64];
                for entry in reader.entries(tree)? {
                    if entry.name.contains(['\t', '\n']) || entry.name.starts_with('@') {
                        return Ok(None);
                    }
                    sorted &= last.as_ref().is_none_or(|l| {
                        tree_order(l.name.as_bytes(), l.kind, entry.name.as_bytes(), entry.kind)
                            .is_lt()
                    });
                    head.clear();
                    head.push_str(&entry.name);
                    head.push('\t');
                    head.push(entry.kind_char());
                    head.push('\t');
                    head.push_str(entry.id.hex_to_buf(&mut hex));
                    match old.get(entry.name.as_bytes()) {
                        // Same name, kind and object: the same facts.
                        Some(line) if line.starts_with(head.as_bytes()) => {
                            lines.extend_from_slice(line);
                        }
                        _ => {
                            lines.extend_from_slice(head.as_bytes());
                            match i {
                                REPOS => {}
                                CHANGES => lines.extend(reader.change_facts(&entry).as_bytes()),
                                _ => lines.extend(reader.domain_facts(&entry)?.as_bytes()),
                            }
                        }
                    }
                    lines.push(b'\n');
                    last = Some(entry);
                }
                let largest = if i == DOMAINS {
                    largest_domain(&lines)
                } else {
                    None
                };
                (Cow::Owned(lines), sorted, largest)
            }
        };
        let order = if sorted { 's' } else { 'u' };
        let largest_field = largest.map_or("-".to_owned(), |n| n.to_string());
        let length = lines.len();
        data.extend_from_slice(
            format!("@{dir} {tree} {order} {largest_field} {length}\n").as_bytes(),
        );
        let start = data.len();
        data.extend_from_slice(&lines);
        sections[i] = Some(Section {
            tree,
            start,
            end: data.len(),
            sorted,
            largest,
        });
    }
    Ok(Some(RealmCache::new(seal(data).into(), root, sections)))
}

struct Entry {
    name: String,
    kind: EntryKind,
    id: ObjectId,
}

impl Entry {
    fn kind_char(&self) -> char {
        match self.kind {
            EntryKind::Dir => 'd',
            EntryKind::File => 'f',
        }
    }
}

struct Reader<'a> {
    repo: &'a gix::Repository,
    max_size: u64,
}

impl Reader<'_> {
    /// The entries of a tree, with the names and kinds `GitTree` gives them.
    fn entries(&self, id: ObjectId) -> Result<Vec<Entry>, String> {
        count_read();
        let tree = self
            .repo
            .find_tree(id)
            .map_err(|e| format!("cannot read tree {id}: {e}"))?;
        let mut out = Vec::new();
        for e in tree.iter() {
            let e = e.map_err(|e| format!("cannot decode tree {id}: {e}"))?;
            let name = std::str::from_utf8(e.filename())
                .map_err(|_| format!("tree {id} has a name that is not UTF-8"))?;
            out.push(Entry {
                name: name.to_owned(),
                kind: if e.mode().is_tree() {
                    EntryKind::Dir
                } else {
                    EntryKind::File
                },
                id: e.object_id(),
            });
        }
        Ok(out)
    }

    /// The size and bytes of a blob at most `max_size` long; `None` for anything
    /// else (missing, not a blob, too large: the reader falls back and says why).
    fn blob(&self, entry: &Entry) -> (u64, Option<Vec<u8>>) {
        if entry.kind != EntryKind::File {
            return (0, None);
        }
        count_read();
        let Ok(header) = self.repo.find_header(entry.id) else {
            return (0, None);
        };
        if header.kind() != gix::object::Kind::Blob || header.size() > self.max_size {
            return (header.size(), None);
        }
        count_read();
        match self.repo.find_object(entry.id) {
            Ok(object) if object.kind == gix::object::Kind::Blob => {
                (header.size(), Some(object.detach().data))
            }
            _ => (header.size(), None),
        }
    }

    /// `TAB size TAB state TAB repos` of a change file.
    fn change_facts(&self, entry: &Entry) -> String {
        let parsed = entry
            .name
            .strip_suffix(".yaml")
            .filter(|stem| stem.parse::<Name>().is_ok())
            .map(|_| self.blob(entry));
        let (size, bytes) = parsed.unwrap_or((0, None));
        let path = format!("{}/{}", model::paths::CHANGES, entry.name);
        match bytes.and_then(|b| model::parse::<ChangeFile>(&path, &b).ok()) {
            Some(change) => format!("\t{size}\t+\t{}", names(&change.repos)),
            None => format!("\t{size}\t-\t"),
        }
    }

    /// `TAB valid TAB size TAB state TAB members TAB bindings` of a domain.
    fn domain_facts(&self, entry: &Entry) -> Result<String, String> {
        if entry.kind != EntryKind::Dir || entry.name.parse::<Name>().is_err() {
            return Ok("\t0\t0\t-\t\t".into());
        }
        let inside = self.entries(entry.id)?;
        let (mut size, mut state, mut members) = (0, "+", String::new());
        if let Some(file) = inside
            .iter()
            .find(|e| e.name == "domain.yaml" && e.kind == EntryKind::File)
        {
            let path = model::paths::domain(&entry.name);
            let (n, bytes) = self.blob(file);
            size = n;
            match bytes.and_then(|b| model::parse::<DomainFile>(&path, &b).ok()) {
                Some(domain) => members = names(&domain.members),
                None => state = "-",
            }
        }
        let mut bindings = Vec::new();
        if let Some(dir) = inside
            .iter()
            .find(|e| e.name == "bindings" && e.kind == EntryKind::Dir)
        {
            for file in self.entries(dir.id)? {
                // Only a valid repo name can be asked for (`me` is a `Name`).
                if file.kind == EntryKind::File
                    && let Some(stem) = file.name.strip_suffix(".yaml")
                    && model::check_name(stem).is_ok()
                {
                    bindings.push(stem.to_owned());
                }
            }
        }
        Ok(format!(
            "\t1\t{size}\t{state}\t{members}\t{}",
            bindings.join(",")
        ))
    }
}

fn names(list: &[Name]) -> String {
    list.iter().map(Name::as_str).collect::<Vec<_>>().join(",")
}

/// The largest `domain.yaml` of a domains section when every line is a valid
/// domain that parsed; `None` when some line is not (or does not split).
fn largest_domain(lines: &[u8]) -> Option<u64> {
    let mut largest = 0;
    for (_, line) in (Lines { data: lines, at: 0 }) {
        let [_, _, _, valid, size, state, _, _] = tab_fields::<8>(line)?;
        if valid != b"1" || state != b"+" {
            return None;
        }
        largest = largest.max(std::str::from_utf8(size).ok()?.parse().ok()?);
    }
    Some(largest)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A section of a hand-made cache: its header, then its lines.
    fn section(dir: &str, id: ObjectId, lines: &str) -> String {
        format!("@{dir} {id} s - {}\n{lines}", lines.len())
    }

    fn sealed(body: &str) -> Vec<u8> {
        format!("{body}end {:08x}\n", crc32fast::hash(body.as_bytes())).into_bytes()
    }

    #[test]
    fn a_corrupt_or_foreign_file_is_not_a_cache() {
        let id = ObjectId::empty_tree(gix::hash::Kind::Sha1);
        let a = format!("a\tf\t{id}\n");
        let body = format!(
            "{FORMAT}\nroot {id}\n{}@changes -\n@domains -\n",
            section("repos", id, &a)
        );
        let data = sealed(&body);
        let good = RealmCache::parse(data.clone()).expect("a valid cache");
        assert_eq!(good.root(), id);
        assert_eq!(good.entry("repos", "a"), Some(Some((EntryKind::File, id))));
        assert_eq!(good.entry("repos", "b"), Some(None));
        assert_eq!(good.entry("domains", "a"), None);
        // One flipped byte, a truncation, another version, garbage: ignored.
        let mut flipped = data.clone();
        flipped[FORMAT.len() + 10] ^= 1;
        assert!(RealmCache::parse(flipped).is_none());
        assert!(RealmCache::parse(data[..data.len() - 3].to_vec()).is_none());
        // Another build's file, with a valid checksum of its own.
        let other = body.replacen(FORMAT, "git-realm cache 2 0.0.0-other", 1);
        assert!(RealmCache::parse(sealed(&other)).is_none());
        assert!(RealmCache::parse(b"garbage".to_vec()).is_none());
        assert!(RealmCache::parse(Vec::new()).is_none());
        // Sealed, but not the shape of a cache: an entry under a directory it
        // does not mirror, an entry before any section, an unknown section, a
        // section longer than the file or not ending at a line, a header with a
        // field missing or unknown.
        let b = format!("b\tf\t{id}\n");
        for body in [
            format!("{}@changes -\nx\tf\t{id}\n", section("repos", id, &a)),
            format!("a\tf\t{id}\n{}", section("repos", id, "")),
            section("other", id, ""),
            format!("@repos {id} s - 46\n{a}"),
            format!("@repos {id} s - 44\n{a}"),
            format!("@repos {id} s 45\n{a}"),
            format!("@repos {id} x - 45\n{a}"),
            format!("@repos {id} s - 45 1\n{a}"),
        ] {
            let body = format!("{FORMAT}\nroot {id}\n{body}");
            assert!(RealmCache::parse(sealed(&body)).is_none(), "{body}");
        }
        // Empty sections, and sections in another order, are fine.
        let body = format!(
            "{FORMAT}\nroot {id}\n{}{}@changes -\n",
            section("domains", id, ""),
            section("repos", id, &a)
        );
        let ok = RealmCache::parse(sealed(&body)).expect("a valid cache");
        assert_eq!(ok.entry("repos", "a"), Some(Some((EntryKind::File, id))));
        assert_eq!(ok.entry("domains", "a"), Some(None));
        assert_eq!(ok.entry("changes", "a"), None);
        // Two sections, the first one's lines right before the second's header.
        let body = format!(
            "{FORMAT}\nroot {id}\n{}{}@changes -\n",
            section("repos", id, &a),
            section("domains", id, &b)
        );
        let ok = RealmCache::parse(sealed(&body)).expect("a valid cache");
        assert_eq!(ok.entry("repos", "b"), Some(None));
        assert_eq!(ok.entry("domains", "b"), Some(Some((EntryKind::File, id))));
    }
}
