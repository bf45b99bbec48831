//! The head of each contract a member imports from a domain (its owner and newest
//! version), kept with the domain's parsed documents, so that the member's plain
//! imports are judged without reading their contracts again: a member with 2,000
//! imports read and deserialized 2,000 contracts for every `status` and `check`.
//!
//! A plain import (no used items, no extraction, no `--verify`) is judged from its
//! requirement, its resolved version, and its contract's version and changelog
//! alone, and is current when the requirement holds the newest version and that
//! version is the one resolved. A head is recorded only for a contract whose
//! changelog has no entry newer than its version (such an entry's changes would be
//! listed), so for a plain import the head answers "current" exactly as the
//! contract would. Every other import, and an import of a contract without a
//! head, is judged from its contract.
//!
//! The heads are derived from the domain as a whole (`Snapshot::derived`): kept
//! for its tree, never read for another tree nor under edits to the domain.

use std::borrow::Cow;

use super::*;

/// Under which key of a domain the heads are kept, and in which format (a new
/// name for a new format: the old one is then never read).
const AT: (&str, &str) = ("contracts", "contract-heads-3");

/// The heads known for one domain, in the order of their contracts' names: the
/// name imports give a contract (its file is `contracts/<name>.yaml`), its owner
/// and its version (parsed only for the imports that ask). Read in place from
/// the cache: a member reads 2,000 of them for each `status`.
#[derive(Debug, Default)]
pub(super) struct ContractHeads<'a> {
    heads: Vec<[Cow<'a, str>; 3]>,
    /// The largest of their contracts' blobs: the heads are not used under a
    /// size limit that would refuse it.
    size: u64,
    learned: bool,
}

impl<'a> ContractHeads<'a> {
    /// The heads recorded for `domain` in the state `snapshot` shows (none when
    /// there is no cache, or it holds none, or none we could have written).
    pub(super) fn of(snapshot: &'a Snapshot<'_>, domain: &str) -> ContractHeads<'a> {
        let heads = snapshot.derived(domain, AT).and_then(|text| {
            let (size, heads) = text.split_once(';')?;
            Some(ContractHeads {
                heads: Self::parse(heads)?,
                size: size.parse().ok()?,
                learned: false,
            })
        });
        heads.unwrap_or_default()
    }

    /// The heads as the cache keeps them, after the largest size and `;`:
    /// `name owner version` for each contract, separated by commas (names and
    /// versions hold neither).
    fn parse(text: &'a str) -> Option<Vec<[Cow<'a, str>; 3]>> {
        if text.is_empty() {
            return Some(Vec::new());
        }
        let mut heads = Vec::with_capacity(text.len() / 16 + 1);
        for head in split(text, b',') {
            let mut f = split(head, b' ');
            let head = [f.next()?, f.next()?, f.next()?];
            if f.next().is_some() || head.iter().any(|v| v.is_empty()) {
                return None;
            }
            heads.push(head.map(Cow::Borrowed));
        }
        // Looked up by bisection: a list out of order is not one we wrote.
        heads.is_sorted_by(|a, b| a[0] < b[0]).then_some(heads)
    }

    /// The provider and newest version of `import`'s contract, when its head
    /// says the import is current; `None`: judge it from its contract.
    pub(super) fn current(&self, import: &Import) -> Option<(&str, Version)> {
        if !plain(import) {
            return None;
        }
        let name = import.contract.as_str();
        let at = self.heads.binary_search_by(|h| (*h[0]).cmp(name)).ok()?;
        let [_, owner, version] = &self.heads[at];
        let version: Version = version.parse().ok()?;
        let current =
            import.version.matches(&version) && import.resolved_version.as_ref() == Some(&version);
        current.then_some((&**owner, version))
    }

    /// The largest blob the heads come from.
    pub(super) fn size(&self) -> u64 {
        self.size
    }

    /// Learn the head of `contract`, read for `import` from a blob of `size` bytes.
    pub(super) fn learn(&mut self, import: &Import, contract: &ContractFile, size: u64) {
        if contract
            .changelog
            .iter()
            .any(|e| e.version > contract.version)
        {
            return;
        }
        let name = import.contract.as_str();
        let Err(at) = self.heads.binary_search_by(|h| (*h[0]).cmp(name)) else {
            return;
        };
        let head = [
            Cow::Owned(name.to_owned()),
            Cow::Owned(contract.owner.as_str().to_owned()),
            Cow::Owned(contract.version.to_string()),
        ];
        self.heads.insert(at, head);
        self.size = self.size.max(size);
        self.learned = true;
    }

    /// Keep what was learned for the next command.
    pub(super) fn save(&self, snapshot: &Snapshot<'_>, domain: &str) {
        if self.learned {
            let heads: Vec<String> = self.heads.iter().map(|h| h.join(" ")).collect();
            let text = format!("{};{}", self.size, heads.join(","));
            snapshot.remember_derived(domain, AT, &text, self.size);
        }
    }
}

/// Whether `import` is judged from its requirement and resolved version alone.
pub(super) fn plain(import: &Import) -> bool {
    import.uses.is_empty()
        && import.uses_extract.is_empty()
        && import.extracted_uses.is_empty()
        && import.verify.is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_read_back_as_written_and_nothing_else_reads() {
        let heads = ContractHeads::parse("a r 1.0.0,b s 2.1.0-rc.1+x").unwrap();
        let joined: Vec<String> = heads.iter().map(|h| h.join(" ")).collect();
        assert_eq!(joined.join(","), "a r 1.0.0,b s 2.1.0-rc.1+x");
        assert_eq!(ContractHeads::parse("").unwrap().len(), 0);
        for bad in [
            "b r 1.0.0,a r 1.0.0",
            "a r",
            "a r 1.0.0 x",
            "a r 1.0.0,",
            "a r 1.0.0,a r 1.0.0",
            "a  r 1.0.0",
            ",a r 1.0.0",
            "a r 1.0.0,,b r 1.0.0",
            " ",
        ] {
            assert!(ContractHeads::parse(bad).is_none(), "{bad:?}");
        }
    }
}
