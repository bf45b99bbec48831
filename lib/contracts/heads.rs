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

use serde::{Deserialize, Serialize};

use super::*;

/// Under which key of a domain the heads are kept, and in which format (a new
/// name for a new format: the old one is then never read).
const AT: (&str, &str) = ("contracts", "contract-heads-1");

/// The heads known for one domain, in the order of their contracts' names. Read
/// in place from the cache (a member reads 2,000 of them for each `status`).
#[derive(Debug, Default, Serialize, Deserialize)]
pub(super) struct ContractHeads<'a> {
    #[serde(borrow)]
    heads: Vec<ContractHead<'a>>,
    /// The largest of their contracts' blobs: the heads are not used under a
    /// size limit that would refuse it.
    size: u64,
    #[serde(skip)]
    learned: bool,
}

/// The name imports give a contract (its file is `contracts/<name>.yaml`), its
/// owner and its version (parsed only for the imports that ask). Written as a
/// JSON array: no keys to match, 2,000 times over.
#[derive(Debug, Serialize, Deserialize)]
struct ContractHead<'a>(
    #[serde(borrow)] Cow<'a, str>,
    #[serde(borrow)] Cow<'a, str>,
    #[serde(borrow)] Cow<'a, str>,
);

impl ContractHead<'_> {
    fn name(&self) -> &str {
        &self.0
    }
    fn owner(&self) -> &str {
        &self.1
    }
    fn version(&self) -> &str {
        &self.2
    }
}

impl<'a> ContractHeads<'a> {
    /// The heads recorded for `domain` in the state `snapshot` shows (none when
    /// there is no cache, or it holds none).
    pub(super) fn of(snapshot: &'a Snapshot<'_>, domain: &str) -> ContractHeads<'a> {
        let mut heads: ContractHeads = snapshot.derived(domain, AT).unwrap_or_default();
        // Looked up by bisection: a list out of order is not one we wrote.
        if !heads.heads.is_sorted_by(|a, b| a.name() < b.name()) {
            heads.heads.clear();
        }
        heads
    }

    /// The provider and newest version of `import`'s contract, when its head
    /// says the import is current; `None`: judge it from its contract.
    pub(super) fn current(&self, import: &Import) -> Option<(&str, Version)> {
        if !plain(import) {
            return None;
        }
        let name = import.contract.as_str();
        let at = self.heads.binary_search_by(|h| h.name().cmp(name)).ok()?;
        let head = &self.heads[at];
        let version: Version = head.version().parse().ok()?;
        let current =
            import.version.matches(&version) && import.resolved_version.as_ref() == Some(&version);
        current.then_some((head.owner(), version))
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
        let Err(at) = self.heads.binary_search_by(|h| h.name().cmp(name)) else {
            return;
        };
        let head = ContractHead(
            Cow::Owned(name.to_owned()),
            Cow::Owned(contract.owner.as_str().to_owned()),
            Cow::Owned(contract.version.to_string()),
        );
        self.heads.insert(at, head);
        self.size = self.size.max(size);
        self.learned = true;
    }

    /// Keep what was learned for the next command.
    pub(super) fn save(&self, snapshot: &Snapshot<'_>, domain: &str) {
        if self.learned {
            snapshot.remember_derived(domain, AT, self, self.size);
        }
    }
}

/// Whether `import` is judged from its requirement and resolved version alone.
fn plain(import: &Import) -> bool {
    import.uses.is_empty()
        && import.uses_extract.is_empty()
        && import.extracted_uses.is_empty()
        && import.verify.is_none()
}
