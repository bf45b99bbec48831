//! `resolve-import`: acknowledge a newer version of an import without touching the
//! consumer's files (nothing in the binding had to change).

use semver::Version;

use super::{Actor, OpKind, Operation};
use crate::error::{Error, Result};
use crate::model::{self, BindingFile, CommitId, ContractFile, Email, Name, Timestamp};
use crate::store::{Edits, Snapshot};

/// Mark `repo`'s import of `domain/contract` resolved at the newest version its
/// requirement accepts, recording who acknowledged it, when, and at which commit.
pub struct ResolveImport {
    pub repo: Name,
    pub domain: Name,
    pub contract: Name,
    pub by: Email,
    pub commit: CommitId,
    pub at: Timestamp,
}

/// What acknowledging did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Acknowledged {
    /// Now resolved at this version.
    Resolved(Version),
    /// Already resolved at the newest accepted version: nothing written.
    Already(Version),
}

impl Operation for ResolveImport {
    type Output = Acknowledged;

    fn kind(&self) -> OpKind {
        OpKind::ResolveImport
    }

    fn actor(&self) -> Actor {
        Actor::Repo(self.repo.clone())
    }

    fn subject(&self) -> String {
        format!("resolve {}/{}", self.domain, self.contract)
    }

    fn apply(&mut self, snapshot: &Snapshot<'_>, edits: &mut Edits) -> Result<Acknowledged> {
        let (me, domain, contract) = (&self.repo, &self.domain, &self.contract);
        let binding_path = model::paths::binding(domain.as_str(), me.as_str());
        let mut binding = snapshot
            .read::<BindingFile>(&binding_path)?
            .filter(|b| b.imports.iter().any(|i| &i.contract == contract))
            .ok_or_else(|| {
                Error::usage(format!("{me} does not import {domain}/{contract}"))
                    .hint("declare it with `git realm import`")
            })?;
        let published = snapshot.require::<ContractFile>(
            &model::paths::contract(domain.as_str(), contract.as_str()),
            "contract",
        )?;
        let import = binding
            .imports
            .iter_mut()
            .find(|i| &i.contract == contract)
            .expect("checked above");
        // The newest version the requirement accepts.
        let newest = std::iter::once(&published.version)
            .chain(published.changelog.iter().map(|e| &e.version))
            .filter(|v| import.version.matches(v))
            .max()
            .cloned()
            .ok_or_else(|| {
                Error::usage(format!(
                    "no published version of {domain}/{contract} is inside the requirement {}",
                    import.version
                ))
                .hint(format!(
                    "widen it: `git realm import {contract} --domain {domain} --version …`"
                ))
            })?;
        if import.resolved_version.as_ref() == Some(&newest) {
            return Ok(Acknowledged::Already(newest));
        }
        import.resolved_version = Some(newest.clone());
        import.resolved_commit = Some(self.commit.clone());
        import.resolved_at = Some(self.at);
        import.acknowledged_by = Some(self.by.clone());
        edits.put(&binding_path, &binding);
        edits.subject = Some(format!(
            "resolve {domain}/{contract}@{newest} (acknowledged by {})",
            self.by
        ));
        edits.trailer("Realm-Contract", format!("{domain}/{contract}@{newest}"));
        Ok(Acknowledged::Resolved(newest))
    }
}
