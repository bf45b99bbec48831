//! One domain's facts and their line in the facts file: `DomainFacts`, the
//! strings it holds in one buffer (borrowed from the file when the line needs
//! no unescaping), and the line format `write` writes and `parse` reads.

use std::borrow::Cow;

use crate::model::{BindingFile, ContractFile, DomainFile};

/// Between the items of a list, between the fields of an item, between the
/// imports of a binding, between the fields of an import.
const ITEMS: char = '\u{1e}';
const FIELDS: char = '\u{1f}';
const IMPORTS: char = '\u{1d}';
const IMPORT_FIELDS: char = '\u{1c}';

/// What a domain holds, as its readers need it (every string as the parsed
/// document displays it). The strings live in one buffer, read with
/// [`DomainFacts::str`], so reading the facts of every domain allocates little.
#[derive(Debug, Clone, Default)]
pub struct DomainFacts<'a> {
    /// Borrowed from the facts file when the line holds no escape.
    text: Cow<'a, str>,
    /// `name` of `domain.yaml`.
    pub name: Span,
    pub description: Span,
    pub members: Vec<Span>,
    /// In the order of `contracts/`.
    pub contracts: Vec<ContractFacts>,
    /// In the order of `bindings/`.
    pub bindings: Vec<BindingFacts>,
    /// The imports of every binding, binding after binding (see
    /// [`DomainFacts::imports_of`]): one vector for the domain, not one each.
    imports: Vec<ImportFacts>,
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
    /// Where its imports are in the domain's.
    imports: (u32, u32),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportFacts {
    pub contract: Span,
    pub requirement: Span,
    pub resolved_version: Option<Span>,
}

/// Equal when they hold the same strings, wherever in their buffers.
impl PartialEq for DomainFacts<'_> {
    fn eq(&self, other: &Self) -> bool {
        let (mut mine, mut theirs) = (String::new(), String::new());
        self.write(&mut mine);
        other.write(&mut theirs);
        mine == theirs
    }
}

impl Eq for DomainFacts<'_> {}

impl<'a> DomainFacts<'a> {
    /// The string at `span`.
    pub fn str(&self, span: Span) -> &str {
        &self.text[span.0 as usize..span.1 as usize]
    }

    /// Add `s` to the buffer.
    fn push(&mut self, s: &str) -> Span {
        let text = self.text.to_mut();
        let start = text.len() as u32;
        text.push_str(s);
        Span(start, text.len() as u32)
    }

    /// Add an escaped field to the buffer, unescaped.
    fn push_escaped(&mut self, field: &str) -> Span {
        if memchr::memchr(b'\\', field.as_bytes()).is_none() {
            return self.push(field);
        }
        let text = self.text.to_mut();
        let start = text.len() as u32;
        unescape_into(field, text);
        Span(start, text.len() as u32)
    }

    /// The imports of binding `b`, in its order.
    pub fn imports_of(&self, b: &BindingFacts) -> &[ImportFacts] {
        &self.imports[b.imports.0 as usize..b.imports.1 as usize]
    }

    /// Add binding `file`/`repo` whose imports are the ones added since `first`.
    fn push_binding(&mut self, file: Span, repo: Span, first: usize) {
        let imports = (first as u32, self.imports.len() as u32);
        self.bindings.push(BindingFacts {
            file,
            repo,
            imports,
        });
    }

    /// The imports of contract `c`: in the order of the bindings, each binding's
    /// imports of it in their order.
    pub fn consumers<'s>(
        &'s self,
        c: &'s ContractFacts,
    ) -> impl Iterator<Item = (&'s BindingFacts, &'s ImportFacts)> {
        let name = self.str(c.name);
        self.bindings.iter().flat_map(move |b| {
            let mine = self
                .imports_of(b)
                .iter()
                .filter(move |i| same(self.str(i.contract), name));
            mine.map(move |i| (b, i))
        })
    }

    /// What [`consumers`](Self::consumers) gives for every contract in turn, as
    /// (contract, binding, import), found in one pass over the imports: each
    /// import looks its contract up once, instead of every contract scanning
    /// every import (most of `graph`'s own work, 40,000 edges in a large realm).
    pub fn imports_by_contract(&self) -> Vec<(&ContractFacts, &BindingFacts, &ImportFacts)> {
        let names: Vec<&str> = self.contracts.iter().map(|c| self.str(c.name)).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        if sorted.windows(2).any(|w| w[0] == w[1]) {
            // Two contracts of one name (a hand-made realm): each has the imports.
            let each = self.contracts.iter();
            return each
                .flat_map(|c| self.consumers(c).map(move |(b, i)| (c, b, i)))
                .collect();
        }
        let mut found = Vec::with_capacity(self.imports.len());
        for b in &self.bindings {
            for i in self.imports_of(b) {
                let contract = self.str(i.contract);
                if let Some(at) = names.iter().position(|n| same(n, contract)) {
                    found.push((at, b, i));
                }
            }
        }
        // Stable: within a contract, the imports stay in the order of the bindings.
        found.sort_by_key(|(at, _, _)| *at);
        let found = found.into_iter();
        found
            .map(|(at, b, i)| (&self.contracts[at], b, i))
            .collect()
    }

    /// Whether the domain has anything to do with repo `me`: it lists it as a
    /// member, has a binding file for it, or a contract it owns.
    pub fn concerns(&self, me: &str) -> bool {
        self.members.iter().any(|m| self.str(*m) == me)
            || self.bindings.iter().any(|b| self.str(b.file) == me)
            || self.contracts.iter().any(|c| self.str(c.owner) == me)
    }

    /// A line as `write` wrote it. One pass over its bytes: every separator ends
    /// a token, and which separator it is says where the next token belongs.
    /// When the line holds no escape, its buffer is the line itself and the spans
    /// point into it (the usual case: no copying per string).
    pub(super) fn parse(line: &'a str) -> Option<DomainFacts<'a>> {
        let raw = memchr::memchr(b'\\', line.as_bytes()).is_none();
        // Every list sized at once from its separators (no field holds one raw).
        let bytes = line.as_bytes();
        let mut tabs = memchr::memchr_iter(b'\t', bytes);
        let [_, second, third, fourth] = [tabs.next()?, tabs.next()?, tabs.next()?, tabs.next()?];
        let items = |r: &[u8]| match r.is_empty() {
            true => 0,
            false => memchr::memchr_iter(ITEMS as u8, r).count() + 1,
        };
        let members = &bytes[second + 1..third];
        let contracts = &bytes[third + 1..fourth];
        let bindings = &bytes[fourth + 1..];
        let imports = memchr::memchr_iter(IMPORT_FIELDS as u8, bindings).count() / 2;
        let mut f = DomainFacts {
            text: if raw {
                Cow::Borrowed(line)
            } else {
                Cow::Owned(String::with_capacity(line.len()))
            },
            members: Vec::with_capacity(items(members)),
            contracts: Vec::with_capacity(items(contracts)),
            bindings: Vec::with_capacity(items(bindings)),
            imports: Vec::with_capacity(imports),
            ..DomainFacts::default()
        };
        let mut tokens = Tokens { line, at: 0 };
        let mut take = |f: &mut DomainFacts, want: &[u8]| -> Option<(Span, u8)> {
            let (start, end, sep) = tokens.next()?;
            if !want.contains(&sep) {
                return None;
            }
            let span = if raw {
                Span(start as u32, end as u32)
            } else {
                f.push_escaped(&line[start..end])
            };
            Some((span, sep))
        };
        const TAB: u8 = b'\t';
        const END: u8 = 0;
        let (items, fields) = (ITEMS as u8, FIELDS as u8);
        let (imports, import_fields) = (IMPORTS as u8, IMPORT_FIELDS as u8);
        f.name = take(&mut f, &[TAB])?.0;
        f.description = take(&mut f, &[TAB])?.0;
        // A list ends at the separator of the field that holds it; an empty list
        // is one empty token.
        loop {
            let (m, sep) = take(&mut f, &[items, TAB])?;
            if !(sep == TAB && f.members.is_empty() && m.0 == m.1) {
                f.members.push(m);
            }
            if sep == TAB {
                break;
            }
        }
        loop {
            let (name, sep) = take(&mut f, &[fields, TAB])?;
            if sep == TAB {
                // Only an empty list ends here.
                (f.contracts.is_empty() && name.0 == name.1).then_some(())?;
                break;
            }
            let version = take(&mut f, &[fields])?.0;
            let (owner, sep) = take(&mut f, &[items, TAB])?;
            f.contracts.push(ContractFacts {
                name,
                version,
                owner,
            });
            if sep == TAB {
                break;
            }
        }
        loop {
            let (file, sep) = take(&mut f, &[fields, END])?;
            if sep == END {
                (f.bindings.is_empty() && file.0 == file.1).then_some(())?;
                break;
            }
            let repo = take(&mut f, &[fields])?.0;
            let first = f.imports.len();
            let sep = loop {
                let (contract, sep) = take(&mut f, &[import_fields, items, END])?;
                if sep != import_fields {
                    // No imports: one empty token.
                    if contract.0 != contract.1 || f.imports.len() != first {
                        return None;
                    }
                    break sep;
                }
                let requirement = take(&mut f, &[import_fields])?.0;
                let (resolved, sep) = take(&mut f, &[imports, items, END])?;
                f.imports.push(ImportFacts {
                    contract,
                    requirement,
                    resolved_version: (resolved.0 != resolved.1).then_some(resolved),
                });
                if sep != imports {
                    break sep;
                }
            };
            f.push_binding(file, repo, first);
            if sep == END {
                break;
            }
        }
        Some(f)
    }

    /// The members of a line as `write` wrote it, read without parsing the rest
    /// of it (what `graph` needs of every domain before it prints any): what
    /// [`parse`](Self::parse) gives as `members`. `None` when the field holds
    /// an escape or a separator that does not belong in it (names hold
    /// neither): parse the line instead.
    pub(super) fn members_in(line: &str) -> Option<Vec<&str>> {
        let mut fields = line.splitn(4, '\t');
        let (_name, _description) = (fields.next()?, fields.next()?);
        let (members, _rest) = (fields.next()?, fields.next()?);
        let odd = |b: &u8| matches!(*b, b'\\' | 0x1c | 0x1d | 0x1f);
        if members.as_bytes().iter().any(odd) {
            return None;
        }
        if members.is_empty() {
            return Some(Vec::new());
        }
        Some(members.split(ITEMS).collect())
    }

    pub(super) fn write(&self, out: &mut String) {
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
                let imports = self
                    .imports_of(b)
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

/// Whether two short strings (names) are equal, compared in place: `==` calls
/// `memcmp`, which costs more than the comparison itself for a name of a few
/// bytes (`graph` compares 480,000 pairs in a 2,000-domain realm).
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

/// The tokens of a line: each one's start and end, and the separator after it
/// (0 at the end of the line).
struct Tokens<'l> {
    line: &'l str,
    at: usize,
}

impl Tokens<'_> {
    fn next(&mut self) -> Option<(usize, usize, u8)> {
        let bytes = self.line.as_bytes();
        let start = self.at;
        if start > bytes.len() {
            return None;
        }
        let end = separator_from(bytes, start);
        self.at = end + 1;
        Some((start, end, bytes.get(end).copied().unwrap_or(0)))
    }
}

fn is_separator(b: u8) -> bool {
    matches!(b, b'\t' | 0x1c..=0x1f)
}

/// Where the first separator at or after `at` is (the length when none is).
/// Every separator is below 0x20, which a field rarely holds: eight bytes are
/// looked at in one step for one below 0x20 (the least significant byte the
/// test flags is one; bytes above it may be flagged wrongly, so the scan goes
/// on right after it), then checked one by one. `graph` reads 900 KB of lines.
fn separator_from(bytes: &[u8], mut at: usize) -> usize {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_le_bytes([0x80; 8]);
    while let Some(word) = bytes.get(at..at + 8) {
        let x = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        let below = x.wrapping_sub(ONES * 0x20) & !x & HIGH;
        if below == 0 {
            at += 8;
            continue;
        }
        let first = at + (below.trailing_zeros() / 8) as usize;
        if is_separator(bytes[first]) {
            return first;
        }
        at = first + 1;
    }
    while at < bytes.len() && !is_separator(bytes[at]) {
        at += 1;
    }
    at
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

impl DomainFacts<'static> {
    /// The facts of a domain from its parsed documents: `domain.yaml`, the
    /// contracts in the order of `contracts/`, and the bindings with the stems of
    /// their files in the order of `bindings/`.
    pub fn from_documents(
        domain: &DomainFile,
        contracts: &[ContractFile],
        bindings: &[(String, BindingFile)],
    ) -> DomainFacts<'static> {
        let mut f = DomainFacts::default();
        f.name = f.push(domain.name.as_str());
        f.description = f.push(&domain.description);
        for m in &domain.members {
            let span = f.push(m.as_str());
            f.members.push(span);
        }
        for c in contracts {
            let contract = ContractFacts {
                name: f.push(c.name.as_str()),
                version: f.push(&c.version.to_string()),
                owner: f.push(c.owner.as_str()),
            };
            f.contracts.push(contract);
        }
        for (stem, b) in bindings {
            let (file, repo) = (f.push(stem), f.push(b.repo.as_str()));
            let first = f.imports.len();
            for i in &b.imports {
                let contract = f.push(i.contract.as_str());
                let requirement = f.push(&i.version.to_string());
                let resolved = i.resolved_version.as_ref().map(ToString::to_string);
                let resolved_version = resolved.map(|v| f.push(&v));
                f.imports.push(ImportFacts {
                    contract,
                    requirement,
                    resolved_version,
                });
            }
            f.push_binding(file, repo, first);
        }
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_are_found_eight_bytes_at_a_time_as_one_at_a_time() {
        // Every byte below 0x20 and some above, at every offset around a word.
        let alphabet: Vec<u8> = (0u8..0x20)
            .chain([b'a', b'\\', 0x7f, 0x80, 0xc3, 0xff])
            .collect();
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for len in 0..40 {
            for _ in 0..200 {
                let line: Vec<u8> = (0..len)
                    .map(|_| {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        // Mostly plain bytes, as fields are.
                        match seed % 4 {
                            0 => alphabet[(seed >> 8) as usize % alphabet.len()],
                            _ => b'a' + (seed >> 8) as u8 % 26,
                        }
                    })
                    .collect();
                for at in 0..=line.len() {
                    let naive = (at..line.len())
                        .find(|&i| is_separator(line[i]))
                        .unwrap_or(line.len());
                    assert_eq!(separator_from(&line, at), naive, "{line:?} from {at}");
                }
            }
        }
    }

    /// Domain `d` with `description`, `members` and contract `c@1.0.0` of `a`.
    fn domain_d(description: &str, members: &[&str]) -> DomainFacts<'static> {
        let mut f = DomainFacts::default();
        f.name = f.push("d");
        f.description = f.push(description);
        for m in members {
            let span = f.push(m);
            f.members.push(span);
        }
        let contract = ContractFacts {
            name: f.push("c"),
            version: f.push("1.0.0"),
            owner: f.push("a"),
        };
        f.contracts.push(contract);
        f
    }

    #[test]
    fn facts_survive_a_round_trip_whatever_their_strings_hold() {
        let description = "tabs\there, new\nlines, \\x41 and \u{1e}\u{1f}\u{1c}\u{1d}";
        let mut f = domain_d(description, &["a", "b"]);
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
        f.imports.extend([first, second]);
        f.push_binding(file, repo, 0);
        let (file, repo) = (f.push("a"), f.push("a"));
        f.push_binding(file, repo, 2);
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

    /// `members_in` gives what `parse` gives as members, or leaves it to `parse`.
    #[test]
    fn members_read_alone_are_the_parsed_members() {
        let line_with = |members: &[&str], description: &str| {
            let mut line = String::new();
            domain_d(description, members).write(&mut line);
            line
        };
        let cases: [&[&str]; 5] = [&[], &["a"], &["a", "b-2", "c"], &[""], &["a\tb", "c"]];
        for members in cases {
            for description in ["", "tab\there and \u{1e}"] {
                let line = line_with(members, description);
                let parsed = DomainFacts::parse(&line).unwrap();
                let want: Vec<&str> = parsed.members.iter().map(|m| parsed.str(*m)).collect();
                match DomainFacts::members_in(&line) {
                    Some(alone) => assert_eq!(alone, want, "{line:?}"),
                    // Only a member that had to be escaped is left to `parse`.
                    None => assert!(members.iter().any(|m| m.contains('\t')), "{line:?}"),
                }
            }
        }
        assert_eq!(DomainFacts::members_in("d\t"), None);
        assert_eq!(DomainFacts::members_in("d\t\ta\u{1f}b\t\t"), None);
    }

    #[test]
    fn a_line_without_escapes_is_its_own_buffer_and_damage_is_refused() {
        let mut f = DomainFacts::default();
        f.name = f.push("d");
        f.description = f.push("");
        let member = f.push("a");
        f.members.push(member);
        let (file, repo) = (f.push("a"), f.push("a"));
        let import = ImportFacts {
            contract: f.push("c"),
            requirement: f.push("^1"),
            resolved_version: None,
        };
        f.imports.push(import);
        f.push_binding(file, repo, 0);
        let mut line = String::new();
        f.write(&mut line);
        let parsed = DomainFacts::parse(&line).unwrap();
        // Borrowed, not copied: the file's bytes are the buffer.
        assert!(matches!(parsed.text, Cow::Borrowed(text) if std::ptr::eq(text, line.as_str())));
        assert_eq!(parsed, f);
        assert_eq!(DomainFacts::parse(&format!("{line}\t")), None);
        assert_eq!(DomainFacts::parse(&format!("{line}\u{1c}")), None);
        for end in 0..line.len() {
            // Whatever a truncated line gives, it is no panic.
            let _ = DomainFacts::parse(&line[..end]);
        }
    }

    #[test]
    fn imports_by_contract_are_what_consumers_give_contract_by_contract() {
        // Small random domains: imports of known and unknown contracts, bindings
        // without imports, and sometimes two contracts of one name.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut below = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for round in 0..300 {
            let mut f = DomainFacts::default();
            f.name = f.push("d");
            let names = ["a", "b", "c", "dd", "e"];
            for _ in 0..below(5) {
                let contract = ContractFacts {
                    name: f.push(names[below(5) as usize]),
                    version: f.push("1.0.0"),
                    owner: f.push("o"),
                };
                f.contracts.push(contract);
            }
            for b in 0..below(5) {
                let first = f.imports.len();
                for r in 0..below(4) {
                    let import = ImportFacts {
                        contract: f.push(names[below(5) as usize]),
                        requirement: f.push(&format!("^{b}.{r}")),
                        resolved_version: None,
                    };
                    f.imports.push(import);
                }
                let (file, repo) = (f.push(&format!("r{b}")), f.push(&format!("r{b}")));
                f.push_binding(file, repo, first);
            }
            let expected: Vec<_> = f
                .contracts
                .iter()
                .flat_map(|c| f.consumers(c).map(move |(b, i)| (c, b, i)))
                .collect();
            assert_eq!(f.imports_by_contract(), expected, "round {round}: {f:?}");
        }
    }
}
