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
//! are joined by separators no field holds (fields are escaped, see `escape`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use gix::ObjectId;

use super::{Entry, Reader, RealmCache, checked_body, hex, seal, write_atomically};
use crate::model::{self, BindingFile, ContractFile, DomainFile, Name};

/// The first line of a facts file: the format and the build that wrote it.
const FORMAT: &str = concat!("git-realm facts 1 ", env!("CARGO_PKG_VERSION"));

/// Between the items of a list, between the fields of an item, between the
/// imports of a binding, between the fields of an import.
const ITEMS: char = '\u{1e}';
const FIELDS: char = '\u{1f}';
const IMPORTS: char = '\u{1d}';
const IMPORT_FIELDS: char = '\u{1c}';

/// What a domain holds, as its readers need it (every string as the parsed
/// document displays it). The strings live in one buffer, read with
/// [`DomainFacts::str`], so reading the facts of every domain allocates little.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DomainFacts {
    text: String,
    /// `name` of `domain.yaml`.
    pub name: Span,
    pub description: Span,
    pub members: Vec<Span>,
    /// In the order of `contracts/`.
    pub contracts: Vec<ContractFacts>,
    /// In the order of `bindings/`.
    pub bindings: Vec<BindingFacts>,
}

/// A string of a [`DomainFacts`]: where it is in its buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span(u32, u32);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractFacts {
    pub name: Span,
    pub version: Span,
    pub owner: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindingFacts {
    /// The stem of the file (`bindings/<file>.yaml`).
    pub file: Span,
    /// `repo` of the binding.
    pub repo: Span,
    pub imports: Vec<ImportFacts>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportFacts {
    pub contract: Span,
    pub requirement: Span,
    pub resolved_version: Option<Span>,
}

impl DomainFacts {
    /// The string at `span`.
    pub fn str(&self, span: Span) -> &str {
        &self.text[span.0 as usize..span.1 as usize]
    }

    /// Add `s` to the buffer.
    fn push(&mut self, s: &str) -> Span {
        let start = self.text.len() as u32;
        self.text.push_str(s);
        Span(start, self.text.len() as u32)
    }

    /// Add an escaped field to the buffer, unescaped.
    fn push_escaped(&mut self, field: &str) -> Span {
        if memchr::memchr(b'\\', field.as_bytes()).is_none() {
            return self.push(field);
        }
        let start = self.text.len() as u32;
        unescape_into(field, &mut self.text);
        Span(start, self.text.len() as u32)
    }

    /// Whether the domain has anything to do with repo `me`: it lists it as a
    /// member, has a binding file for it, or a contract it owns.
    pub fn concerns(&self, me: &str) -> bool {
        self.members.iter().any(|m| self.str(*m) == me)
            || self.bindings.iter().any(|b| self.str(b.file) == me)
            || self.contracts.iter().any(|c| self.str(c.owner) == me)
    }

    fn parse(line: &str) -> Option<DomainFacts> {
        let mut f = DomainFacts {
            text: String::with_capacity(line.len()),
            ..DomainFacts::default()
        };
        let mut fields = line.split('\t');
        f.name = f.push_escaped(fields.next()?);
        f.description = f.push_escaped(fields.next()?);
        for m in list(fields.next()?, ITEMS) {
            let span = f.push_escaped(m);
            f.members.push(span);
        }
        for item in list(fields.next()?, ITEMS) {
            let mut c = item.split(FIELDS);
            let contract = ContractFacts {
                name: f.push_escaped(c.next()?),
                version: f.push_escaped(c.next()?),
                owner: f.push_escaped(c.next()?),
            };
            f.contracts.push(contract);
        }
        for item in list(fields.next()?, ITEMS) {
            let mut b = item.split(FIELDS);
            let (file, repo) = (f.push_escaped(b.next()?), f.push_escaped(b.next()?));
            let mut imports = Vec::new();
            for import in list(b.next()?, IMPORTS) {
                let mut i = import.split(IMPORT_FIELDS);
                let contract = f.push_escaped(i.next()?);
                let requirement = f.push_escaped(i.next()?);
                let resolved = i.next()?;
                imports.push(ImportFacts {
                    contract,
                    requirement,
                    resolved_version: (!resolved.is_empty()).then(|| f.push_escaped(resolved)),
                });
            }
            f.bindings.push(BindingFacts {
                file,
                repo,
                imports,
            });
        }
        if fields.next().is_some() {
            return None;
        }
        Some(f)
    }

    fn write(&self, out: &mut String) {
        let field = |s: Span| escape(self.str(s));
        let join = |items: Vec<String>, sep: char| items.join(&sep.to_string());
        out.push_str(&field(self.name));
        out.push('\t');
        out.push_str(&field(self.description));
        out.push('\t');
        out.push_str(&join(
            self.members.iter().map(|m| field(*m)).collect(),
            ITEMS,
        ));
        out.push('\t');
        let contracts = self
            .contracts
            .iter()
            .map(|c| join([c.name, c.version, c.owner].map(field).to_vec(), FIELDS))
            .collect();
        out.push_str(&join(contracts, ITEMS));
        out.push('\t');
        let bindings = self
            .bindings
            .iter()
            .map(|b| {
                let imports = b
                    .imports
                    .iter()
                    .map(|i| {
                        let resolved = i.resolved_version.map(field).unwrap_or_default();
                        let f = [field(i.contract), field(i.requirement), resolved];
                        join(f.to_vec(), IMPORT_FIELDS)
                    })
                    .collect();
                let f = [field(b.file), field(b.repo), join(imports, IMPORTS)];
                join(f.to_vec(), FIELDS)
            })
            .collect();
        out.push_str(&join(bindings, ITEMS));
    }
}

/// The items of a list field (none when it is empty).
fn list(field: &str, sep: char) -> impl Iterator<Item = &str> {
    field.split(sep).filter(|_| !field.is_empty())
}

/// A field with no tab, newline, separator or lone backslash: each such byte is
/// written `\xx` (two hex digits). An empty resolved version is "none", and no
/// version displays as the empty string.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c == '\\' || c == '\t' || c == '\n' || c == '\r' || ('\u{1c}'..='\u{1f}').contains(&c) {
            out.push_str(&format!("\\{:02x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

fn unescape_into(s: &str, out: &mut String) {
    let mut rest = s;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        let code = rest
            .get(at + 1..at + 3)
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match code {
            Some(b) => {
                out.push(char::from(b));
                rest = &rest[at + 3..];
            }
            None => {
                out.push('\\');
                rest = &rest[at + 1..];
            }
        }
    }
    out.push_str(rest);
}

/// The facts of every domain of one realm tree.
pub struct Facts {
    root: ObjectId,
    /// By domain name: its tree and its facts (`None`: read it from the tree).
    domains: HashMap<String, (ObjectId, Option<DomainFacts>)>,
}

impl Facts {
    /// The facts of domain `name`, when they are known.
    pub fn domain(&self, name: &str) -> Option<&DomainFacts> {
        self.domains.get(name)?.1.as_ref()
    }

    fn parse(data: &[u8]) -> Option<Facts> {
        let body = std::str::from_utf8(checked_body(data)?).ok()?;
        let mut lines = body.lines();
        if lines.next()? != FORMAT {
            return None;
        }
        let root = hex(lines.next()?.strip_prefix("root ")?.as_bytes())?;
        let mut domains = HashMap::new();
        for line in lines {
            let mut f = line.splitn(4, '\t');
            let (name, tree) = (f.next()?, hex(f.next()?.as_bytes())?);
            let facts = match (f.next()?, f.next()) {
                ("-", None) => None,
                ("+", Some(rest)) => Some(DomainFacts::parse(rest)?),
                _ => return None,
            };
            domains.insert(name.to_owned(), (tree, facts));
        }
        Some(Facts { root, domains })
    }

    /// What this file knows of domain `name` at `tree`: `Some(facts or none)`
    /// when it has a line for them.
    fn known(&self, name: &str, tree: ObjectId) -> Option<Option<&DomainFacts>> {
        let (id, facts) = self.domains.get(name)?;
        (*id == tree).then_some(facts.as_ref())
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
    let previous = std::fs::read(path).ok().and_then(|d| Facts::parse(&d));
    if previous.as_ref().is_some_and(|f| f.root == cache.root()) {
        return previous;
    }
    let reader = Reader { repo, max_size };
    let mut text = format!("{FORMAT}\nroot {}\n", cache.root());
    for (name, kind, tree) in cache.domain_entries()? {
        text.push_str(&format!("{name}\t{tree}\t"));
        // A domain whose tree did not change: the same facts.
        let built;
        let facts = match previous.as_ref().and_then(|p| p.known(&name, tree)) {
            Some(known) => known,
            None => {
                let entry = Entry {
                    name,
                    kind,
                    id: tree,
                };
                built = domain_facts(&reader, &entry);
                built.as_ref()
            }
        };
        match facts {
            Some(facts) => {
                text.push_str("+\t");
                facts.write(&mut text);
            }
            None => text.push('-'),
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
    Facts::parse(&data)
}

/// The facts of one domain, when reading it through the tree could not fail.
fn domain_facts(reader: &Reader<'_>, entry: &Entry) -> Option<DomainFacts> {
    let name = entry.name.as_str();
    if entry.kind != super::EntryKind::Dir || name.parse::<Name>().is_err() {
        return None;
    }
    let inside = reader.entries(entry.id).ok()?;
    let file = |n: &str| inside.iter().find(|e| e.name == n);
    let domain_yaml = file("domain.yaml")?;
    let domain: DomainFile = parse(reader, domain_yaml, &model::paths::domain(name))?;
    let mut f = DomainFacts::default();
    f.name = f.push(domain.name.as_str());
    f.description = f.push(&domain.description);
    for m in &domain.members {
        let span = f.push(m.as_str());
        f.members.push(span);
    }
    for (stem, e) in docs(reader, file("contracts"))? {
        let c: ContractFile = parse(reader, &e, &model::paths::contract(name, &stem))?;
        let contract = ContractFacts {
            name: f.push(c.name.as_str()),
            version: f.push(&c.version.to_string()),
            owner: f.push(c.owner.as_str()),
        };
        f.contracts.push(contract);
    }
    for (stem, e) in docs(reader, file("bindings"))? {
        let b: BindingFile = parse(reader, &e, &model::paths::binding(name, &stem))?;
        let (file, repo) = (f.push(&stem), f.push(b.repo.as_str()));
        let mut imports = Vec::new();
        for i in &b.imports {
            let contract = f.push(i.contract.as_str());
            let requirement = f.push(&i.version.to_string());
            let resolved = i.resolved_version.as_ref().map(ToString::to_string);
            imports.push(ImportFacts {
                contract,
                requirement,
                resolved_version: resolved.map(|v| f.push(&v)),
            });
        }
        f.bindings.push(BindingFacts {
            file,
            repo,
            imports,
        });
    }
    Some(f)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_survive_a_round_trip_whatever_their_strings_hold() {
        let mut f = DomainFacts::default();
        f.name = f.push("d");
        f.description = f.push("tabs\there, new\nlines, \\x41 and \u{1e}\u{1f}\u{1c}\u{1d}");
        for m in ["a", "b"] {
            let span = f.push(m);
            f.members.push(span);
        }
        let contract = ContractFacts {
            name: f.push("c"),
            version: f.push("1.0.0"),
            owner: f.push("a"),
        };
        f.contracts.push(contract);
        let (file, repo) = (f.push("b"), f.push("b"));
        let first = ImportFacts {
            contract: f.push("c"),
            requirement: f.push(">=1.0.0, <2.0.0"),
            resolved_version: Some(f.push("1.0.0")),
        };
        let second = ImportFacts {
            contract: f.push("e"),
            requirement: f.push("^1"),
            resolved_version: None,
        };
        f.bindings.push(BindingFacts {
            file,
            repo,
            imports: vec![first, second],
        });
        let (file, repo) = (f.push("a"), f.push("a"));
        f.bindings.push(BindingFacts {
            file,
            repo,
            imports: Vec::new(),
        });
        let mut line = String::new();
        f.write(&mut line);
        assert!(!line.contains('\n'));
        assert_eq!(DomainFacts::parse(&line), Some(f));
        let mut empty = DomainFacts::default();
        empty.name = empty.push("e");
        empty.description = empty.push("");
        let mut line = String::new();
        empty.write(&mut line);
        assert_eq!(DomainFacts::parse(&line), Some(empty));
    }
}
