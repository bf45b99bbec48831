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

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Bump {
    Patch,
    Minor,
    Major,
}

impl std::fmt::Display for Bump {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Bump::Patch => "patch",
            Bump::Minor => "minor",
            Bump::Major => "major",
        })
    }
}

/// The next version after `v` for `bump`; `None` when the number to raise is
/// already the largest a version can hold.
pub fn next_version(v: &Version, bump: Bump) -> Option<Version> {
    Some(match bump {
        Bump::Major => Version::new(v.major.checked_add(1)?, 0, 0),
        Bump::Minor => Version::new(v.major, v.minor.checked_add(1)?, 0),
        Bump::Patch => Version::new(v.major, v.minor, v.patch.checked_add(1)?),
    })
}

/// A value's items, as people read them: `read: jobs/*`, or `jobs/*` at the root.
pub fn items(value: &Value) -> BTreeSet<String> {
    fn walk(path: &str, v: &Value, out: &mut BTreeSet<String>) {
        match v {
            Value::Array(xs) => xs.iter().for_each(|x| walk(path, x, out)),
            Value::Object(map) => {
                for (k, x) in map {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    walk(&p, x, out);
                }
            }
            scalar => {
                let text = match scalar {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                out.insert(if path.is_empty() {
                    text
                } else {
                    format!("{path}: {text}")
                });
            }
        }
    }
    let mut out = BTreeSet::new();
    walk("", value, &mut out);
    out
}

/// Every string in a value (what `--verify` looks for in a binding file).
pub fn strings(value: &Value) -> BTreeSet<String> {
    fn walk(v: &Value, out: &mut BTreeSet<String>) {
        match v {
            Value::String(s) => {
                out.insert(s.clone());
            }
            Value::Array(xs) => xs.iter().for_each(|x| walk(x, out)),
            Value::Object(map) => map.values().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    walk(value, &mut out);
    out
}

/// What changed between a published contract and the value an export computes now
/// (see `crate::items` for what an item is).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Diff {
    /// Items added: `read: jobs/*`, `limits: {"max":3}`.
    pub added: Vec<String>,
    /// Items removed.
    pub removed: Vec<String>,
    /// Items present on both sides with another value: `port: 80 → 81`.
    pub changed: Vec<String>,
    pub description_changed: bool,
    pub schema_changed: bool,
    /// The changes themselves, with their item identities.
    #[serde(skip)]
    pub changes: Vec<items::Change>,
}

impl Diff {
    pub fn between(
        old: &ContractFile,
        value: &Value,
        description: &str,
        schema: Option<&Value>,
        keys: &[String],
    ) -> Diff {
        let mut diff = Diff::of(items::diff(&old.value, value, keys));
        diff.description_changed = old.description != description;
        diff.schema_changed = old.schema.as_ref() != schema;
        diff
    }

    /// The diff made of these item changes (added, then removed, then changed).
    pub fn of(mut changes: Vec<items::Change>) -> Diff {
        changes.sort_by_key(|c| c.kind);
        let texts = |kind: ChangeKind| -> Vec<String> {
            changes
                .iter()
                .filter(|c| c.kind == kind)
                .map(items::Change::text)
                .collect()
        };
        Diff {
            added: texts(ChangeKind::Added),
            removed: texts(ChangeKind::Removed),
            changed: texts(ChangeKind::Changed),
            description_changed: false,
            schema_changed: false,
            changes,
        }
    }

    pub fn bump(&self) -> Option<Bump> {
        if !self.removed.is_empty() || !self.changed.is_empty() || self.schema_changed {
            Some(Bump::Major)
        } else if !self.added.is_empty() {
            Some(Bump::Minor)
        } else if self.description_changed {
            Some(Bump::Patch)
        } else {
            None
        }
    }

    /// The identities of the items removed or changed.
    pub fn breaking_items(&self, kind: ChangeKind) -> Vec<String> {
        self.changes
            .iter()
            .filter(|c| c.kind == kind)
            .map(items::Change::item)
            .collect()
    }

    /// The used items (of `uses`) that this diff removes or changes.
    pub fn broken(&self, uses: &[String]) -> Vec<String> {
        uses.iter()
            .filter(|u| self.changes.iter().any(|c| items::affects(c, u)))
            .cloned()
            .collect()
    }

    /// Changelog lines: `+ item`, `- item`, `~ item: old → new`, `description updated`.
    pub fn lines(&self) -> Vec<String> {
        let mut out: Vec<String> = self.changes.iter().map(items::Change::line).collect();
        if self.schema_changed {
            out.push("schema changed".to_owned());
        }
        if self.description_changed {
            out.push("description updated".to_owned());
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty() && !self.description_changed && !self.schema_changed
    }
}

/// Validate `value` against a JSON Schema; the messages name the failing location.
pub fn schema_errors(schema: &Value, value: &Value) -> Result<Vec<String>> {
    let validator = jsonschema::validator_for(schema)
        .map_err(|e| Error::usage(format!("invalid JSON Schema: {e}")))?;
    Ok(validator
        .iter_errors(value)
        .map(|e| {
            let at = e.instance_path().to_string();
            if at.is_empty() {
                e.to_string()
            } else {
                format!("{at}: {e}")
            }
        })
        .collect())
}

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

/// Every binding of `domain`, in tree order: read once for all of its contracts.
pub fn domain_bindings(snapshot: &Snapshot<'_>, domain: &str) -> Result<Vec<BindingFile>> {
    snapshot
        .doc_names(&model::paths::bindings_dir(domain))?
        .iter()
        .map(|repo| {
            snapshot
                .require::<BindingFile>(&model::paths::binding(domain, repo.as_str()), "binding")
        })
        .collect()
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
#[derive(Debug, Clone, Serialize)]
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
}

/// Survey `me`'s exports (recomputed from the code at `HEAD`) and imports against
/// the realm `snapshot`.
pub fn survey(
    snapshot: &Snapshot<'_>,
    me: &Name,
    ws: Option<&dyn Workspace>,
    scope: Scope,
) -> Result<Survey> {
    survey_of(snapshot, bindings_of(snapshot, me)?, ws, scope)
}

/// `survey`, for bindings already read.
pub fn survey_of(
    snapshot: &Snapshot<'_>,
    bindings: Vec<(Name, BindingFile)>,
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
    for (domain, binding) in bindings {
        let d = domain.as_str();
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
            for import in &binding.imports {
                survey
                    .imports
                    .push(import_status(snapshot, d, import, ws, scope.today, grace)?);
            }
        }
    }
    Ok(survey)
}

/// `.realm/exports.yaml` as read at one state (an error is reported per export).
type ExportsRead = Result<Option<ExportsFile>>;

/// What an export's status is computed with.
struct ExportContext<'a> {
    realm: &'a str,
    ws: Option<&'a dyn Workspace>,
    head_file: Option<&'a Result<Option<ExportsFile>>>,
    uncommitted_file: Option<&'a Result<Option<ExportsFile>>>,
    /// The base commit to compare with, and its `.realm/exports.yaml`.
    base: Option<(gix::ObjectId, &'a Result<Option<ExportsFile>>)>,
}

/// The declaration of `domain/contract`: from `.realm/exports.yaml`, else (older
/// realms) from the realm binding, validated like the command line's.
pub fn declaration(
    file: &Result<Option<ExportsFile>>,
    realm: &str,
    domain: &str,
    export: &Export,
    at: &str,
) -> std::result::Result<Declared, String> {
    let file = file.as_ref().map_err(|e| e.message.clone())?;
    if let Some(d) = file
        .as_ref()
        .and_then(|f| f.find(realm, domain, export.contract.as_str()))
    {
        return Ok(Declared {
            source: d.source.clone(),
            description: d.description.clone(),
            schema: d.schema.clone(),
            keys: d.keys.clone(),
            legacy: false,
        });
    }
    match &export.source {
        Some(source) => {
            sources::validate(source, true).map_err(|e| {
                format!(
                    "the source kept in the realm for {domain}/{} is refused: {}",
                    export.contract, e.message
                )
            })?;
            Ok(Declared {
                source: source.clone(),
                description: export.description.clone(),
                schema: export.schema.clone(),
                keys: Vec::new(),
                legacy: true,
            })
        }
        None => Err(format!(
            "{} has no source for {domain}/{} at {at}: declare it with `git realm export {} --domain {domain} …` and commit {}",
            model::EXPORTS_FILE,
            export.contract,
            export.contract,
            model::EXPORTS_FILE
        )),
    }
}

fn export_status(
    snapshot: &Snapshot<'_>,
    domain: &str,
    export: &Export,
    bindings: &[BindingFile],
    ctx: &ExportContext<'_>,
) -> Result<ExportStatus> {
    let path = model::paths::contract(domain, export.contract.as_str());
    let contract = snapshot.read::<ContractFile>(&path)?;
    let mut status = ExportStatus {
        domain: domain.to_owned(),
        contract: export.contract.to_string(),
        version: contract.as_ref().map(|c| c.version.clone()),
        next_version: None,
        bump: None,
        diff: Diff::default(),
        commit: None,
        uncommitted: Vec::new(),
        error: None,
        consumers: consumers_among(bindings, &export.contract),
        value: None,
        declared: None,
        locations: Vec::new(),
        policy: None,
        notes: Vec::new(),
    };
    let (Some(ws), Some(head_file)) = (ctx.ws, ctx.head_file) else {
        status.error = Some(
            "no commit to compute exports from (a bare repository, or no commit yet)".to_owned(),
        );
        return Ok(status);
    };
    status.commit = ws.head().map(|h| h.to_string());
    let head = declaration(head_file, ctx.realm, domain, export, "HEAD").and_then(|d| {
        match ws.evaluate(At::Head, &d.source) {
            Ok(v) => Ok((d, v)),
            Err(e) => Err(e.message),
        }
    });
    if let Some(file) = ctx.uncommitted_file {
        status.uncommitted = uncommitted(
            ws,
            file,
            ctx.realm,
            domain,
            export,
            &head,
            contract.as_ref(),
        );
    }
    let (declared, value) = match head {
        Ok(x) => x,
        Err(e) => {
            status.error = Some(e);
            return Ok(status);
        }
    };
    let Some(contract) = contract else {
        status.error = Some(format!(
            "{path} is missing: re-declare it with `git realm export`"
        ));
        return Ok(status);
    };
    let description = declared
        .description
        .clone()
        .unwrap_or_else(|| contract.description.clone());
    let schema = declared.schema.as_ref().or(contract.schema.as_ref());
    if let Some(schema) = schema {
        let errors = schema_errors(schema, &value)?;
        if !errors.is_empty() {
            status.error = Some(format!(
                "the value does not match the contract's schema: {}",
                errors.join("; ")
            ));
            return Ok(status);
        }
    }
    let keys = if declared.keys.is_empty() {
        &contract.keys
    } else {
        &declared.keys
    };
    status.diff = Diff::between(&contract, &value, &description, schema, keys);
    // Against a base: what this commit changes relative to the value the base
    // computes (as if that one were published). Nothing pending against the
    // published value means nothing to publish, whatever the base says.
    if let Some((commit, file)) = ctx.base
        && !status.diff.is_empty()
    {
        match base_contract(ws, commit, file, ctx.realm, domain, export, &contract) {
            Ok(baseline) => {
                status.diff = Diff::between(&baseline, &value, &description, schema, keys);
            }
            Err(e) => status.notes.push(format!(
                "the base's value cannot be computed ({e}): compared with the published {}",
                contract.version
            )),
        }
    }
    status.bump = status.diff.bump();
    if let Some(bump) = status.bump {
        match next_version(&contract.version, bump) {
            Some(next) => {
                for c in &mut status.consumers {
                    c.judge(&status.diff, &next);
                }
                status.next_version = Some(next);
            }
            None => {
                status.error = Some(format!(
                    "{path}: version {} cannot take a {bump} bump: that number is already the largest a version can hold",
                    contract.version
                ));
                return Ok(status);
            }
        }
    }
    status.value = Some(value);
    status.declared = Some(declared);
    Ok(status)
}

/// The contract `published` becomes when a sync publishes `value`, declared by
/// `declared`, on `date` (what a provider's branch would publish once merged): the
/// next version with its changelog entry; unchanged when nothing changes.
pub fn proposed(
    published: &ContractFile,
    value: Value,
    declared: &Declared,
    date: jiff::civil::Date,
) -> ContractFile {
    let description = declared
        .description
        .clone()
        .unwrap_or_else(|| published.description.clone());
    let schema = declared.schema.as_ref().or(published.schema.as_ref());
    let keys = if declared.keys.is_empty() {
        &published.keys
    } else {
        &declared.keys
    };
    let diff = Diff::between(published, &value, &description, schema, keys);
    let Some(next) = diff
        .bump()
        .and_then(|b| next_version(&published.version, b))
    else {
        return published.clone();
    };
    let mut c = published.clone();
    c.changelog.push(ChangelogEntry {
        version: next.clone(),
        date,
        commit: None,
        changes: diff.lines(),
        removed: diff.breaking_items(ChangeKind::Removed),
        changed: diff.breaking_items(ChangeKind::Changed),
    });
    c.version = next;
    c.value = value;
    c.description = description;
    c.schema = schema.cloned();
    c.keys = keys.clone();
    c
}

/// The contract as the base commit would have published it: the published one with
/// the base's value, description and schema.
fn base_contract(
    ws: &dyn Workspace,
    commit: gix::ObjectId,
    file: &Result<Option<ExportsFile>>,
    realm: &str,
    domain: &str,
    export: &Export,
    published: &ContractFile,
) -> std::result::Result<ContractFile, String> {
    let declared = declaration(
        file,
        realm,
        domain,
        export,
        &format!("the base {}", crate::ui::short(&commit)),
    )?;
    let value = ws
        .evaluate(At::Commit(commit), &declared.source)
        .map_err(|e| e.message)?;
    let mut base = published.clone();
    base.value = value;
    if let Some(d) = declared.description {
        base.description = d;
    }
    if declared.schema.is_some() {
        base.schema = declared.schema;
    }
    Ok(base)
}

/// What the working tree would change in the value computed at `HEAD` (or, when
/// that fails, in the published one): lines to show, never to publish.
fn uncommitted(
    ws: &dyn Workspace,
    file: &Result<Option<ExportsFile>>,
    realm: &str,
    domain: &str,
    export: &Export,
    head: &std::result::Result<(Declared, Value), String>,
    published: Option<&ContractFile>,
) -> Vec<String> {
    let declared = match declaration(file, realm, domain, export, "the working tree") {
        Ok(d) => d,
        Err(e) => return vec![format!("cannot compute: {e}")],
    };
    let value = match ws.evaluate(At::Uncommitted, &declared.source) {
        Ok(v) => v,
        Err(e) => return vec![format!("cannot compute: {}", e.message)],
    };
    let (base, keys) = match (head, published) {
        (Ok((d, v)), _) => (v, d.keys.clone()),
        (Err(_), Some(c)) => (&c.value, c.keys.clone()),
        (Err(_), None) => return Vec::new(),
    };
    let keys = if declared.keys.is_empty() {
        keys
    } else {
        declared.keys.clone()
    };
    let mut lines: Vec<String> = Diff::of(items::diff(base, &value, &keys)).lines();
    if let Ok((d, _)) = head
        && d.description != declared.description
    {
        lines.push("description updated".to_owned());
    }
    lines
}

/// The items a `--uses-extract` extraction found: strings, and the keys of maps.
pub fn use_items(value: &Value) -> Vec<String> {
    let mut out = BTreeSet::new();
    fn walk(v: &Value, out: &mut BTreeSet<String>) {
        match v {
            Value::String(s) => {
                out.insert(s.clone());
            }
            Value::Array(xs) => xs.iter().for_each(|x| walk(x, out)),
            Value::Object(m) => m.iter().for_each(|(k, x)| {
                out.insert(k.clone());
                if !x.is_string() {
                    walk(x, out);
                }
            }),
            other => {
                out.insert(other.to_string());
            }
        }
    }
    walk(value, &mut out);
    out.into_iter().collect()
}

/// The items `import` uses, with its `--uses-extract` rules recomputed from the code
/// at `HEAD` when there is code (else what the last sync recorded).
pub fn current_uses(
    import: &Import,
    ws: Option<&dyn Workspace>,
) -> Result<(Vec<String>, Option<Vec<String>>)> {
    let mut extracted = None;
    if !import.uses_extract.is_empty()
        && let Some(ws) = ws
    {
        let value = ws.evaluate(
            At::Head,
            &ValueSource::Extract {
                rules: import.uses_extract.clone(),
            },
        )?;
        extracted = Some(use_items(&value));
    }
    let mut all: Vec<String> = import
        .uses
        .iter()
        .chain(extracted.as_ref().unwrap_or(&import.extracted_uses))
        .cloned()
        .collect();
    all.sort();
    all.dedup();
    Ok((all, extracted))
}

fn import_status(
    snapshot: &Snapshot<'_>,
    domain: &str,
    import: &Import,
    ws: Option<&dyn Workspace>,
    today: Option<jiff::civil::Date>,
    grace_days: u32,
) -> Result<ImportStatus> {
    let path = model::paths::contract(domain, import.contract.as_str());
    let contract = snapshot.read::<ContractFile>(&path)?;
    judge_import(domain, import, contract, ws, today, grace_days)
}

/// The state of `import` against `contract` (the published one, or one a
/// provider's branch would publish): current, stale, grace or broken, and why.
pub fn judge_import(
    domain: &str,
    import: &Import,
    contract: Option<ContractFile>,
    ws: Option<&dyn Workspace>,
    today: Option<jiff::civil::Date>,
    grace_days: u32,
) -> Result<ImportStatus> {
    let path = model::paths::contract(domain, import.contract.as_str());
    let mut status = ImportStatus {
        domain: domain.to_owned(),
        contract: import.contract.to_string(),
        requirement: import.version.to_string(),
        binding: import.binding.to_string(),
        provider: contract.as_ref().map(|c| c.owner.to_string()),
        resolved_version: import.resolved_version.clone(),
        latest_version: contract.as_ref().map(|c| c.version.clone()),
        state: ImportState::Current,
        reason: None,
        changes: Vec::new(),
        uses: Vec::new(),
        broken_items: Vec::new(),
        deadline: None,
        missing: Vec::new(),
        extracted_uses: None,
        resolves: None,
        provider_change: None,
    };
    let Some(contract) = contract else {
        status.state = ImportState::Broken;
        status.reason = Some(format!("the contract no longer exists ({path} is missing)"));
        return Ok(status);
    };
    let newer: Vec<&ChangelogEntry> = contract
        .changelog
        .iter()
        .filter(|entry| {
            import
                .resolved_version
                .as_ref()
                .is_none_or(|r| &entry.version > r)
        })
        .collect();
    status.changes = newer
        .iter()
        .flat_map(|entry| {
            entry
                .changes
                .iter()
                .map(move |c| format!("{}: {c}", entry.version))
        })
        .collect();
    let (uses, extracted) = match current_uses(import, ws) {
        Ok(x) => x,
        Err(e) => {
            status.state = ImportState::Broken;
            status.reason = Some(format!("--uses-extract: {}", e.message));
            return Ok(status);
        }
    };
    status.uses = uses;
    status.extracted_uses = extracted;
    let inside = import.version.matches(&contract.version);

    // Which version broke it, if any.
    let mut never_provided: Vec<String> = Vec::new();
    let breaking: Option<&ChangelogEntry> = if import.declares_uses() {
        let present = items::item_ids(&contract.value, &contract.keys);
        let mut broken = BTreeSet::new();
        let mut first: Option<&ChangelogEntry> = None;
        // Versions since the resolved one that removed or changed a used item.
        if import.resolved_version.is_some() {
            for entry in &newer {
                let hit: Vec<&String> = status
                    .uses
                    .iter()
                    .filter(|u| {
                        entry
                            .removed
                            .iter()
                            .chain(&entry.changed)
                            .any(|item| items_overlap(item, u))
                    })
                    .collect();
                if !hit.is_empty() {
                    first.get_or_insert(entry);
                    broken.extend(hit.into_iter().cloned());
                }
            }
        }
        // Used items the newest version does not have at all: removed by some
        // version (its date starts the grace period), or never provided.
        for u in status.uses.iter().filter(|u| !present.contains(*u)) {
            broken.insert(u.clone());
            let removed_by = contract.changelog.iter().find(|e| {
                e.removed
                    .iter()
                    .chain(&e.changed)
                    .any(|item| items_overlap(item, u))
            });
            if removed_by.is_none() {
                never_provided.push(u.clone());
            }
        }
        status.broken_items = broken.into_iter().collect();
        if status.broken_items.is_empty() {
            None
        } else {
            first.or(contract.changelog.last())
        }
    } else if !inside {
        newer
            .iter()
            .copied()
            .find(|e| !import.version.matches(&e.version))
            .or(contract.changelog.last())
    } else {
        None
    };

    let broken = if import.declares_uses() {
        !status.broken_items.is_empty()
    } else {
        !inside
    };
    if broken && let Some(entry) = breaking {
        let deadline = entry
            .date
            .checked_add(jiff::Span::new().days(i64::from(grace_days)))
            .ok();
        // Grace is time to adapt to a removal, not leave to use what never was.
        let in_grace = grace_days > 0
            && never_provided.is_empty()
            && matches!((today, deadline), (Some(t), Some(d)) if t < d);
        let why = if !never_provided.is_empty() {
            format!(
                "{}'s {} does not provide what this repository uses: {}",
                contract.owner,
                contract.version,
                never_provided.join(", ")
            )
        } else if import.declares_uses() {
            format!(
                "{} removes or changes what this repository uses: {}",
                contract.version,
                status.broken_items.join(", ")
            )
        } else {
            format!(
                "the newest version {} is outside the requirement {}",
                contract.version, import.version
            )
        };
        if in_grace {
            status.state = ImportState::Grace;
            status.deadline = deadline;
            status.reason = Some(format!(
                "{why} (grace period: broken from {})",
                deadline.map(|d| d.to_string()).unwrap_or_default()
            ));
        } else {
            status.state = ImportState::Broken;
            status.reason = Some(why);
        }
        return Ok(status);
    }
    if !inside {
        status.state = ImportState::Stale;
        status.reason = Some(format!(
            "{} is outside the requirement {}, but changes nothing this repository uses: widen the requirement (`git realm import {} --domain {domain} --requires …`)",
            contract.version, import.version, import.contract
        ));
        return Ok(status);
    }
    if import.resolved_version.as_ref() != Some(&contract.version) {
        status.state = ImportState::Stale;
        let available = match &import.resolved_version {
            Some(r) => format!("{r} → {} available", contract.version),
            None => format!("{} available, never resolved", contract.version),
        };
        // What the binding still lacks of the newest version, when it can be checked.
        if let (Some(_), Some(ws)) = (&import.verify, ws) {
            status.missing = verify(ws, import, &contract, &status.uses)?;
        }
        status.reason = Some(if status.missing.is_empty() {
            available
        } else {
            format!(
                "{available}; {} does not provide: {}",
                verify_where(import),
                status.missing.join(", ")
            )
        });
        return Ok(status);
    }
    if let (Some(_), Some(ws)) = (&import.verify, ws) {
        status.missing = verify(ws, import, &contract, &status.uses)?;
        if !status.missing.is_empty() {
            status.state = ImportState::Broken;
            status.reason = Some(format!(
                "{} does not provide: {}",
                verify_where(import),
                status.missing.join(", ")
            ));
        }
    }
    Ok(status)
}

/// Whether an item a version removed or changed (as its changelog records it) and
/// a used item overlap: the same item, one inside the other, or the whole value.
pub fn items_overlap(item: &str, used: &str) -> bool {
    if item == used || item == "(value)" || used == "(value)" {
        return true;
    }
    let (ip, ie) = split_item(item);
    let (up, ue) = split_item(used);
    match ie {
        // A set element went away: it breaks whoever uses the set or what holds it.
        Some(_) => ue.is_none() && items::within(ip, up),
        None => items::within(up, ip) || (ue.is_none() && items::within(ip, up)),
    }
}

fn split_item(item: &str) -> (&str, Option<&str>) {
    match item.split_once(": ") {
        Some((p, e)) => (p, Some(e)),
        None => (item, None),
    }
}

/// Where `--verify` looks: the binding file, or the `verify_files` globs.
pub fn verify_where(import: &Import) -> String {
    if import.verify_files.is_empty() {
        import.binding.to_string()
    } else {
        import.verify_files.join(" ")
    }
}

/// The contract items the consumer's files (at `HEAD`) do not provide: every scalar
/// of the items it uses (all items when it declares none) must be among what the
/// verify pattern extracts (group `value`, else every group, else the match), with
/// its type: a number matches the same number, a boolean `true`/`false`.
pub fn verify(
    ws: &dyn Workspace,
    import: &Import,
    contract: &ContractFile,
    uses: &[String],
) -> Result<Vec<String>> {
    let Some(pattern) = &import.verify else {
        return Ok(Vec::new());
    };
    let glob = if import.verify_files.is_empty() {
        sources::Globs::literal(import.binding.as_str())
    } else {
        import.verify_files.join(" ")
    };
    let found = ws.evaluate(
        At::Head,
        &ValueSource::Extract {
            rules: vec![model::ExtractRule {
                key: None,
                glob,
                regex: pattern.clone(),
                by_file: false,
            }],
        },
    )?;
    let provided: Vec<String> = use_items(&found);
    let mut missing = Vec::new();
    for (path, element, leaf) in items::leaves(&contract.value, &contract.keys) {
        let probe = items::Change {
            kind: ChangeKind::Removed,
            path: path.clone(),
            element: element.clone(),
            old: None,
            new: None,
        };
        if !uses.is_empty() && !uses.iter().any(|u| items::affects(&probe, u)) {
            continue;
        }
        if leaf.is_null() {
            continue;
        }
        if !provided.iter().any(|p| same_scalar(&leaf, p)) {
            missing.push(probe.item());
        }
    }
    missing.sort();
    missing.dedup();
    Ok(missing)
}

/// Whether the text `found` in a file is the scalar `v`, type included.
fn same_scalar(v: &Value, found: &str) -> bool {
    match v {
        Value::String(s) => s == found,
        Value::Bool(b) => found.eq_ignore_ascii_case(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            let found = found.trim();
            match (n.as_f64(), found.parse::<f64>()) {
                (Some(a), Ok(b)) => a == b,
                _ => n.to_string() == found,
            }
        }
        _ => false,
    }
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
