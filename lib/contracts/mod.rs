//! Contracts between repositories: what changed in an export and which semver bump
//! that is, and whether an import is current, stale or broken.
//!
//! The rules, on the items of a value (array elements are a set; object keys are
//! part of an item's path; scalars are items at their path):
//! items added → minor; items removed or changed → major; only the description
//! changed → patch; nothing changed → no new version at all.
//!
//! `survey` is what `check`, `status` and `sync` share: it reads only this repo's
//! bindings and the contracts they touch.

use std::collections::BTreeSet;
use std::rc::Rc;

use semver::Version;
use serde::Serialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::items::{self, ChangeKind};
use crate::model::{
    self, BindingFile, ChangelogEntry, ContractFile, Export, ExportsFile, Import, Name, ValueSource,
};
use crate::sources;
use crate::store::Snapshot;
use crate::workspace::{At, Workspace};

mod current;
mod diff;
mod exports;
mod heads;
mod imports;

pub use current::CurrentImports;
pub use diff::*;
pub use exports::*;
pub use imports::*;

/// The stable `--json` document of `git realm check` (documented in the README).
#[derive(Serialize)]
pub struct CheckReport {
    pub ok: bool,
    pub realms: Vec<RealmCheck>,
    /// Realms that could not be checked (each also reported on stderr).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<crate::error::RealmFailure>,
}

#[derive(Serialize)]
pub struct RealmCheck {
    pub realm: String,
    pub repo: String,
    pub exports: Vec<ExportStatus>,
    pub imports: Vec<ImportStatus>,
    /// The coordinated change the checked branch belongs to, and the provider
    /// pull requests that must merge before this one (`null`: no change).
    pub change: Option<crate::changes::gate::ChangeGate>,
    /// With `--against`: the base compared with, and the gate's verdict.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub against: Option<crate::gate::Against>,
}

/// One export of this repository, as it stands against the realm.
#[derive(Debug, Clone, Serialize)]
pub struct ExportStatus {
    pub domain: String,
    pub contract: String,
    pub version: Option<Version>,
    /// The version a sync would publish (`null`: nothing to publish).
    pub next_version: Option<Version>,
    pub bump: Option<Bump>,
    pub diff: Diff,
    /// The provider commit the value was computed from (`HEAD`).
    pub commit: Option<String>,
    /// What uncommitted or untracked files would change (never published as they are).
    pub uncommitted: Vec<String>,
    /// Why the value could not be computed or is invalid (then nothing is published).
    pub error: Option<String>,
    /// Who imports this contract, and whether the pending version breaks them.
    pub consumers: Vec<Consumer>,
    #[serde(skip)]
    pub value: Option<Value>,
    /// The declaration the value was computed from.
    #[serde(skip)]
    pub declared: Option<Declared>,
    /// `check --against`: where each changed item was found in the code.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<ItemLocation>,
    /// `check --against`: why the realm's policy refuses this change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// How the change was computed, when not as asked (the base's value could not
    /// be computed, say).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Where a changed item of an export was found: the file and line of the commit
/// it is in (`HEAD`, or the base for a removed item).
#[derive(Debug, Clone, Serialize)]
pub struct ItemLocation {
    pub item: String,
    pub kind: ChangeKind,
    pub file: String,
    pub line: Option<u32>,
    /// `head` or `base`: the commit the file and line are in.
    pub at: &'static str,
}

/// How an export is declared: its source and what is published with its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Declared {
    pub source: ValueSource,
    pub description: Option<String>,
    pub schema: Option<Value>,
    pub keys: Vec<String>,
    /// Read from the realm binding (written by an older version), not from the
    /// repository's `.realm/exports.yaml`.
    pub legacy: bool,
}

/// A repository importing a contract.
#[derive(Debug, Clone, Serialize)]
pub struct Consumer {
    pub repo: String,
    pub requirement: semver::VersionReq,
    pub resolved_version: Option<Version>,
    /// The items it says it uses (empty: it did not say; then its requirement decides).
    pub uses: Vec<String>,
    /// Whether the pending version breaks it: removes or changes an item it uses
    /// (or, when it declares no uses, falls outside its requirement).
    pub breaks: bool,
    /// The items (it uses) that the pending version removes or changes.
    pub broken_items: Vec<String>,
    /// When it takes part in the coordinated change being checked: its branch of
    /// the change, whose code said what it uses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_branch: Option<crate::changes::consistency::ConsumerBranch>,
    #[serde(skip)]
    pub declares_uses: bool,
}

impl Consumer {
    /// Decide whether `diff`, published as `next`, breaks this consumer.
    pub fn judge(&mut self, diff: &Diff, next: &Version) {
        if self.declares_uses {
            self.broken_items = diff.broken(&self.uses);
        } else if !self.requirement.matches(next) {
            self.broken_items = diff
                .changes
                .iter()
                .filter(|c| c.kind != ChangeKind::Added)
                .map(items::Change::item)
                .collect();
        }
        self.breaks = if self.declares_uses {
            !self.broken_items.is_empty()
        } else {
            !self.requirement.matches(next)
        };
    }
}

/// Every importer of `domain/contract`.
pub fn consumers(snapshot: &Snapshot<'_>, domain: &str, contract: &Name) -> Result<Vec<Consumer>> {
    Ok(consumers_among(
        &domain_bindings(snapshot, domain)?,
        contract,
    ))
}

/// Every binding of `domain`, in tree order: read once for all of its contracts
/// (and once per state: see [`Snapshot::memo`]).
pub fn domain_bindings(snapshot: &Snapshot<'_>, domain: &str) -> Result<Rc<Vec<BindingFile>>> {
    snapshot.memo(&model::paths::bindings_dir(domain), || {
        snapshot
            .doc_names(&model::paths::bindings_dir(domain))?
            .iter()
            .map(|repo| {
                snapshot.require::<BindingFile>(
                    &model::paths::binding(domain, repo.as_str()),
                    "binding",
                )
            })
            .collect()
    })
}

/// The importers of `contract` among the `bindings` of its domain.
pub fn consumers_among(bindings: &[BindingFile], contract: &Name) -> Vec<Consumer> {
    let mut out = Vec::new();
    for b in bindings {
        for i in b.imports.iter().filter(|i| &i.contract == contract) {
            out.push(Consumer {
                repo: b.repo.to_string(),
                requirement: i.version.clone(),
                resolved_version: i.resolved_version.clone(),
                uses: i.used_items(),
                breaks: false,
                broken_items: Vec::new(),
                change_branch: None,
                declares_uses: i.declares_uses(),
            });
        }
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ImportState {
    Current,
    Stale,
    /// Broken by a version published less than the realm's grace period ago.
    Grace,
    Broken,
}

impl ImportState {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportState::Current => "current",
            ImportState::Stale => "stale",
            ImportState::Grace => "grace",
            ImportState::Broken => "broken",
        }
    }
}

/// One import of this repository, as it stands against the realm.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportStatus {
    pub domain: String,
    pub contract: String,
    pub requirement: String,
    pub binding: String,
    /// The repository that provides the contract.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    pub resolved_version: Option<Version>,
    pub latest_version: Option<Version>,
    pub state: ImportState,
    pub reason: Option<String>,
    /// Changelog lines of the versions after the resolved one.
    pub changes: Vec<String>,
    /// The items this repository uses (declared and extracted from its code).
    pub uses: Vec<String>,
    /// The used items that newer versions removed or changed, or that are gone.
    pub broken_items: Vec<String>,
    /// In `grace`: the day the import becomes `broken`.
    pub deadline: Option<jiff::civil::Date>,
    /// Contract items the binding files lack (with `--verify`).
    pub missing: Vec<String>,
    /// What `--uses-extract` finds in the code at `HEAD` (stored by sync for providers).
    #[serde(skip)]
    pub extracted_uses: Option<Vec<String>>,
    /// `check --against`: the newest version that this commit's binding now
    /// satisfies, having changed since the base (the next sync after the merge
    /// records it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolves: Option<Version>,
    /// When the checked branch belongs to a coordinated change: the provider's
    /// value on the change's branch, which this import was judged against.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider_change: Option<crate::changes::consistency::ProviderValue>,
}

/// This repo's exports and imports across the domains of one realm.
#[derive(Debug, Default, Serialize)]
pub struct Survey {
    pub exports: Vec<ExportStatus>,
    pub imports: Vec<ImportStatus>,
}

impl Survey {
    pub fn all_current(&self) -> bool {
        self.exports
            .iter()
            .all(|e| e.next_version.is_none() && e.error.is_none())
            && self.imports.iter().all(|i| i.state == ImportState::Current)
    }
}

/// The domains in which `me` has a binding, with the binding.
pub fn bindings_of(snapshot: &Snapshot<'_>, me: &Name) -> Result<Vec<(Name, BindingFile)>> {
    Ok(snapshot
        .domains_of(me)?
        .into_iter()
        .filter_map(|d| d.binding.map(|b| (d.name, b)))
        .collect())
}

/// `me`'s binding in one domain, as a survey needs it.
#[derive(Debug)]
pub enum Bound {
    /// Read, from a blob of this size.
    File(BindingFile, u64),
    /// Imports only, all plain and current, as kept from an earlier survey
    /// (see `current`): the binding was not read.
    Current(CurrentImports),
}

impl Bound {
    /// The contracts it exports.
    pub fn exports(&self) -> Vec<String> {
        match self {
            Bound::File(b, _) => b.exports.iter().map(|e| e.contract.to_string()).collect(),
            Bound::Current(_) => Vec::new(),
        }
    }

    /// The contracts it imports.
    pub fn imports(&self) -> Vec<String> {
        match self {
            Bound::File(b, _) => b.imports.iter().map(|i| i.contract.to_string()).collect(),
            Bound::Current(c) => c.contracts().map(str::to_owned).collect(),
        }
    }
}

/// Every domain that concerns `me`, with its binding (`None`: a member without
/// one), as a survey needs them: a binding whose imports an earlier survey found
/// all plain and current is not read again, unless its domain changed.
pub fn domains_bound(snapshot: &Snapshot<'_>, me: &Name) -> Result<Vec<(Name, Option<Bound>)>> {
    let views = snapshot.domains_of_with(me, &mut |domain| {
        CurrentImports::of(snapshot, domain.as_str(), me.as_str())
    })?;
    Ok(views
        .into_iter()
        .map(|v| {
            let bound = match v.known {
                Some(current) => Some(Bound::Current(current)),
                None => v.binding.map(|b| Bound::File(b, v.binding_size)),
            };
            (v.name, bound)
        })
        .collect())
}

/// What to look at.
#[derive(Debug, Clone, Copy, Default)]
pub struct Scope {
    pub exports: bool,
    pub imports: bool,
    /// Also compute what uncommitted files would change (costs a `git add` into a
    /// scratch index).
    pub uncommitted: bool,
    /// Today, for grace periods (`None`: no grace, broken is broken).
    pub today: Option<jiff::civil::Date>,
    /// Compare exports with the value computed at this commit (the base of a pull
    /// request) rather than with the published one: what merging `HEAD` changes.
    pub against: Option<gix::ObjectId>,
    /// Leave out the imports that are current (what `status` shows needs
    /// attention only; a member with 2,000 imports builds none of theirs).
    pub attention_only: bool,
}

/// Survey `me`'s exports (recomputed from the code at `HEAD`) and imports against
/// the realm `snapshot`.
pub fn survey(
    snapshot: &Snapshot<'_>,
    me: &Name,
    ws: Option<&dyn Workspace>,
    scope: Scope,
) -> Result<Survey> {
    let bound = domains_bound(snapshot, me)?
        .into_iter()
        .filter_map(|(d, b)| Some((d, b?)))
        .collect();
    survey_of(snapshot, bound, ws, scope)
}

/// `survey`, for bindings already read.
pub fn survey_of(
    snapshot: &Snapshot<'_>,
    bindings: Vec<(Name, Bound)>,
    ws: Option<&dyn Workspace>,
    scope: Scope,
) -> Result<Survey> {
    let mut survey = Survey::default();
    if bindings.is_empty() {
        return Ok(survey);
    }
    let realm = snapshot.realm()?;
    let grace = realm.governance.breaking_changes.grace_period_days;
    let ws = ws.filter(|w| w.has_worktree());
    let mut files: Option<(ExportsRead, Option<ExportsRead>, Option<ExportsRead>)> = None;
    let judging = Judging { ws, scope, grace };
    let mut shown = Requirements::default();
    for (domain, bound) in bindings {
        let d = domain.as_str();
        let (binding, size) = match bound {
            Bound::File(binding, size) => (binding, size),
            Bound::Current(current) => {
                if scope.imports && !scope.attention_only {
                    current.statuses(d, &mut survey.imports);
                }
                continue;
            }
        };
        if scope.exports && !binding.exports.is_empty() {
            let others = domain_bindings(snapshot, d)?;
            for export in &binding.exports {
                if files.is_none()
                    && let Some(ws) = ws
                {
                    let uncommitted = (scope.uncommitted && ws.has_uncommitted()?)
                        .then(|| ws.exports_file(At::Uncommitted));
                    let base = scope.against.map(|c| ws.exports_file(At::Commit(c)));
                    files = Some((ws.exports_file(At::Head), uncommitted, base));
                }
                let ctx = ExportContext {
                    realm: realm.name.as_str(),
                    ws,
                    head_file: files.as_ref().map(|f| &f.0),
                    uncommitted_file: files.as_ref().and_then(|f| f.1.as_ref()),
                    base: scope.against.zip(files.as_ref().and_then(|f| f.2.as_ref())),
                };
                survey
                    .exports
                    .push(export_status(snapshot, d, export, &others, &ctx)?);
            }
        }
        if scope.imports {
            judging.imports(snapshot, d, &binding, size, &mut shown, &mut survey.imports)?;
        }
    }
    Ok(survey)
}

/// How the imports of a survey are judged.
struct Judging<'a> {
    ws: Option<&'a dyn Workspace>,
    scope: Scope,
    grace: u32,
}

impl Judging<'_> {
    /// The status of each import of `binding` (in domain `d`), added to `out`:
    /// a plain import from its contract's head when the head says it is current,
    /// any other from its contract, whose head is then kept for the next time.
    fn imports(
        &self,
        snapshot: &Snapshot<'_>,
        d: &str,
        binding: &BindingFile,
        size: u64,
        shown: &mut Requirements,
        out: &mut Vec<ImportStatus>,
    ) -> Result<()> {
        if binding.imports.is_empty() {
            return Ok(());
        }
        let attention_only = self.scope.attention_only;
        let mut heads = heads::ContractHeads::of(snapshot, d);
        let mut learning = current::Learning::new(binding, size);
        for import in &binding.imports {
            if let Some((provider, latest)) = heads.current(import) {
                if !attention_only || learning.may_keep() {
                    let requirement = shown.of(&import.version);
                    learning.current(import, &requirement, provider, &latest);
                    if !attention_only {
                        let provider = Some(provider.to_owned());
                        out.push(unjudged(d, import, requirement, provider, Some(latest)));
                    }
                }
                continue;
            }
            let path = model::paths::contract(d, import.contract.as_str());
            let contract = snapshot.read_cached_sized::<ContractFile>(&path)?;
            if let Some((c, size)) = &contract {
                heads.learn(import, c, *size);
                learning.read(*size);
            }
            let contract = contract.map(|(c, _)| c);
            let binding_file = model::paths::binding(d, binding.repo.as_str());
            let status = judge_import(
                d,
                import,
                &binding_file,
                contract,
                self.ws,
                self.scope.today,
                self.grace,
            )?;
            learning.judged(d, import, &status);
            if !(attention_only && status.state == ImportState::Current) {
                out.push(status);
            }
        }
        learning.read(heads.size());
        heads.save(snapshot, d);
        learning.save(snapshot, d);
        Ok(())
    }
}

/// Requirements as they display, each computed once: most imports share a few.
#[derive(Default)]
struct Requirements(Option<(semver::VersionReq, String)>);

impl Requirements {
    fn of(&mut self, req: &semver::VersionReq) -> String {
        match &self.0 {
            Some((last, text)) if last == req => text.clone(),
            _ => self.0.insert((req.clone(), req.to_string())).1.clone(),
        }
    }
}

/// The parts of `text` between `sep`s (an ASCII byte), for the lines this
/// module keeps in the cache: a member reads thousands of short fields of them
/// for each `status`.
fn split(text: &str, sep: u8) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let r = rest?;
        match r.bytes().position(|b| b == sep) {
            Some(at) => {
                rest = Some(&r[at + 1..]);
                Some(&r[..at])
            }
            None => {
                rest = None;
                Some(r)
            }
        }
    })
}

/// `.realm/exports.yaml` as read at one state (an error is reported per export).
type ExportsRead = Result<Option<ExportsFile>>;

/// What an export's status is computed with.
pub(super) struct ExportContext<'a> {
    realm: &'a str,
    ws: Option<&'a dyn Workspace>,
    head_file: Option<&'a Result<Option<ExportsFile>>>,
    uncommitted_file: Option<&'a Result<Option<ExportsFile>>>,
    /// The base commit to compare with, and its `.realm/exports.yaml`.
    base: Option<(gix::ObjectId, &'a Result<Option<ExportsFile>>)>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn contract(value: Value, description: &str) -> ContractFile {
        ContractFile {
            name: "c".parse().unwrap(),
            owner: "o".parse().unwrap(),
            version: Version::new(1, 3, 0),
            commit: None,
            description: description.to_owned(),
            schema: None,
            keys: Vec::new(),
            value,
            changelog: Vec::new(),
            notifications: Vec::new(),
        }
    }

    fn bump(old: Value, new: Value, old_desc: &str, new_desc: &str) -> Option<Bump> {
        Diff::between(&contract(old, old_desc), &new, new_desc, None, &[]).bump()
    }

    #[test]
    fn the_semver_table() {
        let base = json!({"read": ["a", "b"], "write": ["a"]});
        // Items added → minor.
        assert_eq!(
            bump(
                base.clone(),
                json!({"read": ["a", "b", "c"], "write": ["a"]}),
                "",
                ""
            ),
            Some(Bump::Minor)
        );
        // Items removed → major.
        assert_eq!(
            bump(base.clone(), json!({"read": ["a"], "write": ["a"]}), "", ""),
            Some(Bump::Major)
        );
        // Items changed (one replaced by another) → major.
        assert_eq!(
            bump(
                base.clone(),
                json!({"read": ["a", "x"], "write": ["a"]}),
                "",
                ""
            ),
            Some(Bump::Major)
        );
        // A scalar changed → major.
        assert_eq!(
            bump(json!({"port": 80}), json!({"port": 81}), "", ""),
            Some(Bump::Major)
        );
        // Description only → patch.
        assert_eq!(
            bump(base.clone(), base.clone(), "old", "new"),
            Some(Bump::Patch)
        );
        // Nothing → nothing; order in arrays is not a change.
        assert_eq!(
            bump(
                base.clone(),
                json!({"write": ["a"], "read": ["b", "a"]}),
                "",
                ""
            ),
            None
        );
    }

    #[test]
    fn versions_follow_the_bump() {
        let v = Version::new(1, 3, 2);
        assert_eq!(next_version(&v, Bump::Major), Some(Version::new(2, 0, 0)));
        assert_eq!(next_version(&v, Bump::Minor), Some(Version::new(1, 4, 0)));
        assert_eq!(next_version(&v, Bump::Patch), Some(Version::new(1, 3, 3)));
        let top = Version::new(u64::MAX, u64::MAX, u64::MAX);
        for bump in [Bump::Major, Bump::Minor, Bump::Patch] {
            assert_eq!(next_version(&top, bump), None);
        }
    }

    #[test]
    fn items_read_like_paths() {
        let i = items(&json!({"read": ["x"], "limits": {"max": 3}}));
        assert_eq!(
            i.into_iter().collect::<Vec<_>>(),
            ["limits.max: 3", "read: x"]
        );
        assert_eq!(items(&json!(["a", "b"])).len(), 2);
    }

    #[test]
    fn schemas_are_enforced() {
        let schema = json!({"type": "array", "items": {"type": "string"}});
        assert!(schema_errors(&schema, &json!(["a"])).unwrap().is_empty());
        assert!(!schema_errors(&schema, &json!([1])).unwrap().is_empty());
        assert!(schema_errors(&json!({"type": 12}), &json!(1)).is_err());
    }
}
