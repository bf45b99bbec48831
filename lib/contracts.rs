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
use std::path::Path;

use semver::Version;
use serde::Serialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::model::{self, BindingFile, ContractFile, Export, Import, Name};
use crate::sources;
use crate::store::Snapshot;
use crate::workspace::Workspace;

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

/// What changed between a published contract and the value an export computes now.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Diff {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub description_changed: bool,
    pub schema_changed: bool,
}

impl Diff {
    pub fn between(
        old: &ContractFile,
        value: &Value,
        description: &str,
        schema: Option<&Value>,
    ) -> Diff {
        let before = items(&old.value);
        let after = items(value);
        Diff {
            added: after.difference(&before).cloned().collect(),
            removed: before.difference(&after).cloned().collect(),
            description_changed: old.description != description,
            schema_changed: old.schema.as_ref() != schema,
        }
    }

    pub fn bump(&self) -> Option<Bump> {
        if !self.removed.is_empty() || self.schema_changed {
            Some(Bump::Major)
        } else if !self.added.is_empty() {
            Some(Bump::Minor)
        } else if self.description_changed {
            Some(Bump::Patch)
        } else {
            None
        }
    }

    /// Changelog lines: `+ item`, `- item`, `description updated`.
    pub fn lines(&self) -> Vec<String> {
        let mut out: Vec<String> = self.added.iter().map(|a| format!("+ {a}")).collect();
        out.extend(self.removed.iter().map(|r| format!("- {r}")));
        if self.schema_changed {
            out.push("schema changed".to_owned());
        }
        if self.description_changed {
            out.push("description updated".to_owned());
        }
        out
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
    /// Why the value could not be computed or is invalid (then nothing is published).
    pub error: Option<String>,
    /// Who imports this contract, and with which requirement.
    pub consumers: Vec<Consumer>,
    #[serde(skip)]
    pub value: Option<Value>,
    #[serde(skip)]
    pub export: Option<Export>,
}

/// A repository importing a contract.
#[derive(Debug, Clone, Serialize)]
pub struct Consumer {
    pub repo: String,
    pub requirement: semver::VersionReq,
    pub resolved_version: Option<Version>,
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
    Broken,
}

impl ImportState {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportState::Current => "current",
            ImportState::Stale => "stale",
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
    pub resolved_version: Option<Version>,
    pub latest_version: Option<Version>,
    pub state: ImportState,
    pub reason: Option<String>,
    /// Changelog lines of the versions after the resolved one.
    pub changes: Vec<String>,
    /// Contract strings the binding file lacks (with `--verify`).
    pub missing: Vec<String>,
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
#[derive(Debug, Clone, Copy)]
pub struct Scope {
    pub exports: bool,
    pub imports: bool,
}

/// Survey `me`'s exports (recomputed from the working tree at `workdir`) and
/// imports against the realm `snapshot`.
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
    for (domain, binding) in bindings {
        let d = domain.as_str();
        if scope.exports && !binding.exports.is_empty() {
            let others = domain_bindings(snapshot, d)?;
            for export in &binding.exports {
                survey
                    .exports
                    .push(export_status(snapshot, d, export, &others, ws)?);
            }
        }
        if scope.imports {
            for import in &binding.imports {
                survey.imports.push(import_status(snapshot, d, import, ws)?);
            }
        }
    }
    Ok(survey)
}

fn export_status(
    snapshot: &Snapshot<'_>,
    domain: &str,
    export: &Export,
    bindings: &[BindingFile],
    ws: Option<&dyn Workspace>,
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
        error: None,
        consumers: consumers_among(bindings, &export.contract),
        value: None,
        export: Some(export.clone()),
    };
    let Some(ws) = ws.filter(|w| w.has_worktree()) else {
        status.error =
            Some("a bare repository has no working tree to compute exports from".to_owned());
        return Ok(status);
    };
    let value = match ws.evaluate(&export.source) {
        Ok(v) => v,
        Err(e) if e.exit == crate::Exit::External => return Err(e),
        Err(e) => {
            status.error = Some(e.message);
            return Ok(status);
        }
    };
    let Some(contract) = contract else {
        status.error = Some(format!(
            "{path} is missing: re-declare it with `git realm export`"
        ));
        return Ok(status);
    };
    let description = export
        .description
        .clone()
        .unwrap_or_else(|| contract.description.clone());
    let schema = export.schema.as_ref().or(contract.schema.as_ref());
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
    status.diff = Diff::between(&contract, &value, &description, schema);
    status.bump = status.diff.bump();
    if let Some(bump) = status.bump {
        match next_version(&contract.version, bump) {
            Some(next) => status.next_version = Some(next),
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
    Ok(status)
}

fn import_status(
    snapshot: &Snapshot<'_>,
    domain: &str,
    import: &Import,
    ws: Option<&dyn Workspace>,
) -> Result<ImportStatus> {
    let path = model::paths::contract(domain, import.contract.as_str());
    let contract = snapshot.read::<ContractFile>(&path)?;
    let mut status = ImportStatus {
        domain: domain.to_owned(),
        contract: import.contract.to_string(),
        requirement: import.version.to_string(),
        binding: import.binding.to_string(),
        resolved_version: import.resolved_version.clone(),
        latest_version: contract.as_ref().map(|c| c.version.clone()),
        state: ImportState::Current,
        reason: None,
        changes: Vec::new(),
        missing: Vec::new(),
    };
    let Some(contract) = contract else {
        status.state = ImportState::Broken;
        status.reason = Some(format!("the contract no longer exists ({path} is missing)"));
        return Ok(status);
    };
    status.changes = contract
        .changelog
        .iter()
        .filter(|entry| {
            import
                .resolved_version
                .as_ref()
                .is_none_or(|r| &entry.version > r)
        })
        .flat_map(|entry| {
            entry
                .changes
                .iter()
                .map(move |c| format!("{}: {c}", entry.version))
        })
        .collect();
    if !import.version.matches(&contract.version) {
        status.state = ImportState::Broken;
        status.reason = Some(format!(
            "the newest version {} is outside the requirement {}",
            contract.version, import.version
        ));
        return Ok(status);
    }
    if import.resolved_version.as_ref() != Some(&contract.version) {
        status.state = ImportState::Stale;
        status.reason = Some(match &import.resolved_version {
            Some(r) => format!("{r} → {} available", contract.version),
            None => format!("{} available, never resolved", contract.version),
        });
        return Ok(status);
    }
    if let (Some(pattern), Some(ws)) = (&import.verify, ws.filter(|w| w.has_worktree())) {
        status.missing = ws.verify(&import.binding, pattern, &contract.value)?;
        if !status.missing.is_empty() {
            status.state = ImportState::Broken;
            status.reason = Some(format!(
                "{} does not provide: {}",
                import.binding,
                status.missing.join(", ")
            ));
        }
    }
    Ok(status)
}

/// The contract strings that the binding file does not provide: `pattern` extracts
/// what the file provides (group `value`, else group 1, else the match).
pub fn verify(
    workdir: &Path,
    binding: &model::RelPath,
    pattern: &str,
    value: &Value,
) -> Result<Vec<String>> {
    let re = regex::Regex::new(pattern)
        .map_err(|e| Error::usage(format!("verify pattern {pattern:?}: {e}")))?;
    let text = std::fs::read_to_string(workdir.join(binding.as_str())).unwrap_or_default();
    let provided: BTreeSet<String> = sources::matches(&re, &text).into_iter().collect();
    Ok(strings(value)
        .into_iter()
        .filter(|s| !provided.contains(s))
        .collect())
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
            description: description.to_owned(),
            schema: None,
            value,
            changelog: Vec::new(),
            notifications: Vec::new(),
        }
    }

    fn bump(old: Value, new: Value, old_desc: &str, new_desc: &str) -> Option<Bump> {
        Diff::between(&contract(old, old_desc), &new, new_desc, None).bump()
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
