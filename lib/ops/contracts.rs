//! `declare-export` and `declare-import`: a repository's binding in a domain.

use serde_json::Value;

use super::domain::require_member;
use super::{Actor, OpKind, Operation};
use crate::error::{Error, Result};
use crate::model::{
    self, BindingFile, ChangelogEntry, CommitId, ContractFile, Export, Import, Name, RelPath,
    Timestamp, ValueSource,
};
use crate::store::{Edits, Snapshot};
use crate::workspace::Workspace;

/// Declare (or update) an export of `repo` in `domain`; the first declaration
/// publishes the contract at 1.0.0 with `value`.
pub struct DeclareExport {
    pub repo: Name,
    pub domain: Name,
    pub contract: Name,
    /// The new source (`None`: keep the declared one).
    pub source: Option<ValueSource>,
    /// The value the source computes now (needed for a new contract).
    pub value: Option<Value>,
    pub description: Option<String>,
    pub schema: Option<Value>,
    pub at: Timestamp,
}

/// What declaring an export did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportDeclared {
    /// A new contract, published at 1.0.0.
    Created,
    /// The declaration of an existing contract (sync publishes its changes).
    Updated,
}

fn binding_or_new(snapshot: &Snapshot<'_>, path: &str, me: &Name) -> Result<BindingFile> {
    Ok(snapshot
        .read::<BindingFile>(path)?
        .unwrap_or_else(|| BindingFile {
            repo: me.clone(),
            exports: Vec::new(),
            imports: Vec::new(),
        }))
}

impl Operation for DeclareExport {
    type Output = ExportDeclared;

    fn kind(&self) -> OpKind {
        OpKind::DeclareExport
    }

    fn actor(&self) -> Actor {
        Actor::Repo(self.repo.clone())
    }

    fn subject(&self) -> String {
        format!("export {}/{}", self.domain, self.contract)
    }

    fn apply(&mut self, snapshot: &Snapshot<'_>, edits: &mut Edits) -> Result<ExportDeclared> {
        let (me, domain, contract) = (&self.repo, &self.domain, &self.contract);
        let contract_path = model::paths::contract(domain.as_str(), contract.as_str());
        let binding_path = model::paths::binding(domain.as_str(), me.as_str());
        require_member(snapshot, domain, me)?;
        let existing = snapshot.read::<ContractFile>(&contract_path)?;
        if let Some(c) = &existing
            && &c.owner != me
        {
            return Err(Error::conflict(format!(
                "{domain}/{contract} is provided by {}, not {me}",
                c.owner
            ))
            .hint(
                "a contract has exactly one provider; import it instead, or choose another name",
            ));
        }
        let mut binding = binding_or_new(snapshot, &binding_path, me)?;
        let previous = binding
            .exports
            .iter()
            .find(|e| &e.contract == contract)
            .cloned();
        let source = match (&self.source, &previous) {
            (Some(s), _) => s.clone(),
            (None, Some(p)) => p.source.clone(),
            (None, None) => {
                return Err(Error::usage(format!(
                    "{domain}/{contract} is a new export: give its value with --value, --file, --extract or --extract-key"
                )));
            }
        };
        let export = Export {
            contract: contract.clone(),
            source,
            description: self
                .description
                .clone()
                .or_else(|| previous.as_ref().and_then(|p| p.description.clone())),
            schema: self
                .schema
                .clone()
                .or_else(|| previous.as_ref().and_then(|p| p.schema.clone())),
        };
        binding.exports.retain(|e| &e.contract != contract);
        binding.exports.push(export.clone());
        edits.put(&binding_path, &binding);
        if existing.is_some() {
            return Ok(ExportDeclared::Updated);
        }
        let value = self.value.clone().ok_or_else(|| {
            Error::usage(format!(
                "{domain}/{contract} is a new export: its value could not be computed"
            ))
        })?;
        let file = ContractFile {
            name: contract.clone(),
            owner: me.clone(),
            version: semver::Version::new(1, 0, 0),
            description: export.description.clone().unwrap_or_default(),
            schema: export.schema.clone(),
            value,
            changelog: vec![ChangelogEntry {
                version: semver::Version::new(1, 0, 0),
                date: self.at.to_zoned(jiff::tz::TimeZone::UTC).date(),
                changes: vec!["initial version".to_owned()],
            }],
            notifications: Vec::new(),
        };
        edits.put(&contract_path, &file);
        edits.subject = Some(format!("export {domain}/{contract}@1.0.0"));
        edits.trailer("Realm-Contract", format!("{domain}/{contract}@1.0.0"));
        Ok(ExportDeclared::Created)
    }
}

/// Declare (or update) an import of `repo`; when the requirement accepts the
/// published version and the binding verifies, it is resolved at once.
pub struct DeclareImport<'w> {
    pub repo: Name,
    pub domain: Name,
    pub contract: Name,
    pub requirement: semver::VersionReq,
    pub binding: RelPath,
    pub verify: Option<String>,
    pub at: Timestamp,
    pub workspace: &'w dyn Workspace,
}

impl Operation for DeclareImport<'_> {
    /// The import as written, the contract it imports, and the contract strings the
    /// binding does not provide.
    type Output = (Import, ContractFile, Vec<String>);

    fn kind(&self) -> OpKind {
        OpKind::DeclareImport
    }

    fn actor(&self) -> Actor {
        Actor::Repo(self.repo.clone())
    }

    fn subject(&self) -> String {
        format!("import {}/{}", self.domain, self.contract)
    }

    fn apply(&mut self, snapshot: &Snapshot<'_>, edits: &mut Edits) -> Result<Self::Output> {
        let (me, domain, contract) = (&self.repo, &self.domain, &self.contract);
        let contract_path = model::paths::contract(domain.as_str(), contract.as_str());
        let binding_path = model::paths::binding(domain.as_str(), me.as_str());
        require_member(snapshot, domain, me)?;
        let published = snapshot
            .read::<ContractFile>(&contract_path)?
            .ok_or_else(|| {
                Error::usage(format!(
                    "{domain}/{contract} does not exist: nobody exports it yet"
                ))
                .hint(format!(
                    "see `git realm domain show {domain}` for its contracts"
                ))
            })?;
        if &published.owner == me {
            return Err(Error::usage(format!(
                "{me} provides {domain}/{contract}; a repository cannot import its own export"
            )));
        }
        let mut binding = binding_or_new(snapshot, &binding_path, me)?;
        let previous = binding
            .imports
            .iter()
            .find(|i| &i.contract == contract)
            .cloned();
        let mut import = Import {
            contract: contract.clone(),
            version: self.requirement.clone(),
            binding: self.binding.clone(),
            verify: self.verify.clone(),
            resolved_version: previous.as_ref().and_then(|p| p.resolved_version.clone()),
            resolved_commit: previous.as_ref().and_then(|p| p.resolved_commit.clone()),
            resolved_at: previous.as_ref().and_then(|p| p.resolved_at),
        };
        // Declaring an import says "my binding implements the current version":
        // resolve it now when the requirement allows and verification agrees.
        let mut missing = Vec::new();
        if self.requirement.matches(&published.version)
            && import.resolved_version.as_ref() != Some(&published.version)
        {
            if let Some(pattern) = &self.verify {
                missing = self
                    .workspace
                    .verify(&self.binding, pattern, &published.value)?;
            }
            if missing.is_empty()
                && let Some(head) = self.workspace.head()
            {
                import.resolved_version = Some(published.version.clone());
                import.resolved_commit =
                    Some(head.to_string().parse::<CommitId>().map_err(Error::usage)?);
                import.resolved_at = Some(self.at);
            }
        }
        binding.imports.retain(|i| &i.contract != contract);
        binding.imports.push(import.clone());
        edits.put(&binding_path, &binding);
        Ok((import, published, missing))
    }
}
