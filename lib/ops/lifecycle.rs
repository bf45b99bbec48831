//! Taking things apart: `remove-import`, `remove-export`, `remove-domain` and
//! `close-change`. Each refuses to drop what another repository depends on unless
//! forced, and says what it removed.

use serde::Serialize;

use super::domain::require_member;
use super::{Actor, OpKind, Operation};
use crate::error::{Error, Result};
use crate::model::{self, BindingFile, ChangeFile, ChangeStatus, ContractFile, Name};
use crate::store::{Edits, Snapshot};

/// A repository's import of a contract, named for reports.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Consumer {
    pub repo: String,
    pub domain: String,
    pub contract: String,
    pub requirement: String,
}

/// Every repository other than `owner` importing `domain/contract`.
fn consumers_of(
    snapshot: &Snapshot<'_>,
    domain: &str,
    contract: &str,
    owner: &Name,
) -> Result<Vec<Consumer>> {
    let mut out = Vec::new();
    for repo in snapshot.doc_names(&model::paths::bindings_dir(domain))? {
        if &repo == owner {
            continue;
        }
        let b = snapshot
            .require::<BindingFile>(&model::paths::binding(domain, repo.as_str()), "binding")?;
        for i in b.imports.iter().filter(|i| i.contract.as_str() == contract) {
            out.push(Consumer {
                repo: repo.to_string(),
                domain: domain.to_owned(),
                contract: contract.to_owned(),
                requirement: i.version.to_string(),
            });
        }
    }
    Ok(out)
}

/// Write `binding` back, or remove its file when nothing is left in it.
fn put_binding(edits: &mut Edits, path: &str, binding: &BindingFile) {
    if binding.exports.is_empty() && binding.imports.is_empty() {
        edits.remove(path);
    } else {
        edits.put(path, binding);
    }
}

/// Stop importing `domain/contract`.
pub struct RemoveImport {
    pub repo: Name,
    pub domain: Name,
    pub contract: Name,
}

impl Operation for RemoveImport {
    type Output = ();

    fn kind(&self) -> OpKind {
        OpKind::RemoveImport
    }

    fn actor(&self) -> Actor {
        Actor::Repo(self.repo.clone())
    }

    fn subject(&self) -> String {
        format!("remove import {}/{}", self.domain, self.contract)
    }

    fn apply(&mut self, snapshot: &Snapshot<'_>, edits: &mut Edits) -> Result<()> {
        let (me, domain, contract) = (&self.repo, &self.domain, &self.contract);
        let path = model::paths::binding(domain.as_str(), me.as_str());
        let mut binding = snapshot.read::<BindingFile>(&path)?.unwrap_or(BindingFile {
            repo: me.clone(),
            exports: Vec::new(),
            imports: Vec::new(),
        });
        if !binding.imports.iter().any(|i| &i.contract == contract) {
            return Err(
                Error::usage(format!("{me} does not import {domain}/{contract}")).hint(format!(
                    "`git realm domain show {domain}` lists who imports what"
                )),
            );
        }
        binding.imports.retain(|i| &i.contract != contract);
        put_binding(edits, &path, &binding);
        Ok(())
    }
}

/// Stop providing `domain/contract`: its declaration and the contract itself go.
/// Refused while another repository imports it, unless `force`.
pub struct RemoveExport {
    pub repo: Name,
    pub domain: Name,
    pub contract: Name,
    pub force: bool,
}

impl Operation for RemoveExport {
    /// The consumers left without a provider (only with `force`).
    type Output = Vec<Consumer>;

    fn kind(&self) -> OpKind {
        OpKind::RemoveExport
    }

    fn actor(&self) -> Actor {
        Actor::Repo(self.repo.clone())
    }

    fn subject(&self) -> String {
        format!("remove export {}/{}", self.domain, self.contract)
    }

    fn apply(&mut self, snapshot: &Snapshot<'_>, edits: &mut Edits) -> Result<Vec<Consumer>> {
        let (me, domain, contract) = (&self.repo, &self.domain, &self.contract);
        let contract_path = model::paths::contract(domain.as_str(), contract.as_str());
        let binding_path = model::paths::binding(domain.as_str(), me.as_str());
        let published = snapshot.read::<ContractFile>(&contract_path)?;
        let mut binding = snapshot.read::<BindingFile>(&binding_path)?;
        let declared = binding
            .as_ref()
            .is_some_and(|b| b.exports.iter().any(|e| &e.contract == contract));
        match &published {
            Some(c) if &c.owner != me => {
                return Err(Error::usage(format!(
                    "{domain}/{contract} is provided by {}, not {me}",
                    c.owner
                )));
            }
            None if !declared => {
                return Err(Error::usage(format!(
                    "{me} does not export {domain}/{contract}"
                )));
            }
            _ => {}
        }
        let consumers = consumers_of(snapshot, domain.as_str(), contract.as_str(), me)?;
        if !consumers.is_empty() && !self.force {
            let mut err = Error::conflict(format!(
                "refusing to remove {domain}/{contract}: other repositories import it"
            ));
            for c in &consumers {
                err = err.hint(format!("{} imports it ({})", c.repo, c.requirement));
            }
            return Err(err.hint(format!(
                "they can stop with `git realm remove import {contract} --domain {domain}`; or remove it anyway with --force"
            )));
        }
        if published.is_some() {
            edits.remove(&contract_path);
        }
        if let Some(b) = binding.as_mut() {
            b.exports.retain(|e| &e.contract != contract);
            put_binding(edits, &binding_path, b);
        }
        Ok(consumers)
    }
}

/// Remove a domain with everything in it. Refused unless it holds no contract and
/// no binding, or `force`.
pub struct RemoveDomain {
    pub actor: Name,
    pub domain: Name,
    pub force: bool,
}

/// What removing a domain took with it.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct DomainContents {
    pub contracts: Vec<String>,
    pub bindings: Vec<String>,
}

impl Operation for RemoveDomain {
    type Output = DomainContents;

    fn kind(&self) -> OpKind {
        OpKind::RemoveDomain
    }

    fn actor(&self) -> Actor {
        Actor::Repo(self.actor.clone())
    }

    fn subject(&self) -> String {
        format!("remove domain {}", self.domain)
    }

    fn apply(&mut self, snapshot: &Snapshot<'_>, edits: &mut Edits) -> Result<DomainContents> {
        let d = self.domain.as_str();
        require_member(snapshot, &self.domain, &self.actor)?;
        let contents = DomainContents {
            contracts: snapshot
                .doc_names(&model::paths::contracts_dir(d))?
                .iter()
                .map(ToString::to_string)
                .collect(),
            bindings: snapshot
                .doc_names(&model::paths::bindings_dir(d))?
                .iter()
                .map(ToString::to_string)
                .collect(),
        };
        if !self.force && (!contents.contracts.is_empty() || !contents.bindings.is_empty()) {
            let mut err =
                Error::conflict(format!("refusing to remove domain '{d}': it is not empty"));
            if !contents.contracts.is_empty() {
                err = err.hint(format!("contracts: {}", contents.contracts.join(", ")));
            }
            if !contents.bindings.is_empty() {
                err = err.hint(format!("bindings of: {}", contents.bindings.join(", ")));
            }
            return Err(
                err.hint("remove its exports and imports first, or the whole domain with --force")
            );
        }
        edits.remove(&model::paths::domain_dir(d));
        Ok(contents)
    }
}

/// Close a change: merged (its work landed) or abandoned.
pub struct CloseChange {
    pub actor: Name,
    pub change: Name,
    pub status: ChangeStatus,
}

impl Operation for CloseChange {
    /// The status it had before.
    type Output = ChangeStatus;

    fn kind(&self) -> OpKind {
        OpKind::CloseChange
    }

    fn actor(&self) -> Actor {
        Actor::Repo(self.actor.clone())
    }

    fn subject(&self) -> String {
        let how = match self.status {
            ChangeStatus::Abandoned => "abandon",
            _ => "close",
        };
        format!("{how} change {}", self.change)
    }

    fn apply(&mut self, snapshot: &Snapshot<'_>, edits: &mut Edits) -> Result<ChangeStatus> {
        let path = model::paths::change(self.change.as_str());
        let mut change =
            snapshot.require::<ChangeFile>(&path, &format!("change '{}'", self.change))?;
        let before = change.status;
        if before != self.status {
            change.status = self.status;
            edits.put(&path, &change);
            edits.trailer("Realm-Change", self.change.to_string());
        }
        Ok(before)
    }
}
