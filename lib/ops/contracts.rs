//! `declare-export` and `declare-import`: a repository's binding in a domain.

use serde_json::Value;

use super::domain::require_member;
use super::{Actor, OpKind, Operation};
use crate::contracts;
use crate::error::{Error, Result};
use crate::model::{
    self, BindingFile, ChangelogEntry, CommitId, ContractFile, Export, ExtractRule, Import, Name,
    RelPath, Timestamp,
};
use crate::store::{Edits, Snapshot};
use crate::workspace::Workspace;

/// Declare (or update) an export of `repo` in `domain`; the first declaration
/// publishes the contract at 1.0.0 with `value`, computed at `commit`.
///
/// How the value is computed is not the realm's business: it is declared in the
/// provider's repository (`.realm/exports.yaml`). The realm binding only says that
/// `repo` provides the contract (a source an older version kept there is dropped).
pub struct DeclareExport {
    pub repo: Name,
    pub domain: Name,
    pub contract: Name,
    /// The value the source computes at `commit` (needed for a new contract).
    pub value: Option<Value>,
    /// The provider commit the value was computed from.
    pub commit: Option<CommitId>,
    pub description: Option<String>,
    pub schema: Option<Value>,
    pub keys: Vec<String>,
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
        let export = Export {
            contract: contract.clone(),
            source: None,
            description: None,
            schema: None,
        };
        if !binding.exports.contains(&export) {
            binding.exports.retain(|e| &e.contract != contract);
            binding.exports.push(export);
            edits.put(&binding_path, &binding);
        }
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
            commit: self.commit.clone(),
            description: self.description.clone().unwrap_or_default(),
            schema: self.schema.clone(),
            keys: self.keys.clone(),
            value,
            changelog: vec![ChangelogEntry {
                version: semver::Version::new(1, 0, 0),
                date: self.at.to_zoned(jiff::tz::TimeZone::UTC).date(),
                commit: self.commit.clone(),
                changes: vec!["initial version".to_owned()],
                removed: Vec::new(),
                changed: Vec::new(),
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
    /// The files `verify` reads (globs; the binding file when empty).
    pub verify_files: Vec<String>,
    /// The items the consumer uses (`--uses`).
    pub uses: Vec<String>,
    /// Rules finding used items in the consumer's code (`--uses-extract`).
    pub uses_extract: Vec<ExtractRule>,
    pub at: Timestamp,
    pub workspace: &'w dyn Workspace,
}

impl Operation for DeclareImport<'_> {
    /// The import as written, the contract it imports, and the contract items the
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
            verify_files: self.verify_files.clone(),
            uses: self.uses.clone(),
            uses_extract: self.uses_extract.clone(),
            extracted_uses: Vec::new(),
            resolved_version: previous.as_ref().and_then(|p| p.resolved_version.clone()),
            resolved_commit: previous.as_ref().and_then(|p| p.resolved_commit.clone()),
            resolved_at: previous.as_ref().and_then(|p| p.resolved_at),
            acknowledged_by: previous.as_ref().and_then(|p| p.acknowledged_by.clone()),
        };
        let (uses, extracted) = contracts::current_uses(&import, Some(self.workspace))?;
        import.extracted_uses = extracted.unwrap_or_default();
        // Declaring an import says "my binding implements the current version":
        // resolve it now when the requirement allows and verification agrees.
        let mut missing = Vec::new();
        if self.requirement.matches(&published.version)
            && import.resolved_version.as_ref() != Some(&published.version)
        {
            missing = contracts::verify(self.workspace, &import, &binding_path, &published, &uses)?;
            let gone: Vec<String> = {
                let present = crate::items::item_ids(&published.value, &published.keys);
                uses.iter()
                    .filter(|u| !present.contains(*u))
                    .cloned()
                    .collect()
            };
            if missing.is_empty()
                && gone.is_empty()
                && let Some(head) = self.workspace.head()
            {
                import.resolved_version = Some(published.version.clone());
                import.resolved_commit =
                    Some(head.to_string().parse::<CommitId>().map_err(Error::usage)?);
                import.resolved_at = Some(self.at);
                import.acknowledged_by = None;
            }
        }
        binding.imports.retain(|i| &i.contract != contract);
        binding.imports.push(import.clone());
        edits.put(&binding_path, &binding);
        Ok((import, published, missing))
    }
}
