//! `leave`: unregister a repository, its bindings and its domain memberships.

use serde::Serialize;

use super::{Actor, OpKind, Operation};
use crate::error::{Error, Result};
use crate::model::{self, BindingFile, ContractFile, DomainFile, Name};
use crate::store::{Edits, Snapshot};

/// Remove `repo` from the realm; refused while others import its exports, unless
/// `force`.
pub struct Leave {
    pub repo: Name,
    pub realm: Name,
    pub force: bool,
}

/// A repository that imports a contract the leaving one provides.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Dependent {
    pub repo: String,
    pub domain: String,
    pub contract: String,
    pub version: String,
}

/// What leaving removed: the repository's imports and exports (`domain/contract`),
/// the domains it was a member of, and the dependents left behind (only with
/// `force`).
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Left {
    pub imports: Vec<String>,
    pub exports: Vec<String>,
    pub domains: Vec<String>,
    pub dependents: Vec<Dependent>,
    /// The open changes that still list the repository (leaving leaves them as
    /// they are): read from the state it left, which leaving does not change.
    #[serde(skip)]
    pub open_changes: Vec<String>,
}

impl Operation for Leave {
    type Output = Left;

    fn kind(&self) -> OpKind {
        OpKind::Leave
    }

    fn actor(&self) -> Actor {
        Actor::Repo(self.repo.clone())
    }

    fn subject(&self) -> String {
        "leave realm".to_owned()
    }

    fn apply(&mut self, snapshot: &Snapshot<'_>, edits: &mut Edits) -> Result<Left> {
        let me = &self.repo;
        let domains = concerning(snapshot, me)?;
        let dependents = dependents_in(snapshot, me, &domains)?;
        if !dependents.is_empty() && !self.force {
            let mut err = Error::conflict(format!(
                "{me} cannot leave realm '{}': other repositories import its exports",
                self.realm
            ));
            for d in &dependents {
                err = err.hint(format!(
                    "{} imports {}/{} ({})",
                    d.repo, d.domain, d.contract, d.version
                ));
            }
            return Err(err.hint(
                "they can drop them with `git realm remove import CONTRACT --domain DOMAIN`, or leave anyway with --force",
            ));
        }
        let open_changes = snapshot
            .changes_naming(me)?
            .into_iter()
            .filter(|c| c.status == model::ChangeStatus::Open)
            .map(|c| c.id.to_string())
            .collect();
        let mut left = Left {
            dependents,
            open_changes,
            ..Left::default()
        };
        if snapshot.exists(&model::paths::repo(me.as_str()))? {
            edits.remove(&model::paths::repo(me.as_str()));
        }
        for domain in domains {
            let path = model::paths::domain(domain.as_str());
            if let Some(mut d) = snapshot.read::<DomainFile>(&path)?
                && d.members.contains(me)
            {
                d.members.retain(|x| x != me);
                edits.put(&path, &d);
                left.domains.push(domain.to_string());
            }
            let binding = model::paths::binding(domain.as_str(), me.as_str());
            if let Some(b) = snapshot.read::<BindingFile>(&binding)? {
                left.imports
                    .extend(b.imports.iter().map(|i| format!("{domain}/{}", i.contract)));
                left.exports
                    .extend(b.exports.iter().map(|e| format!("{domain}/{}", e.contract)));
                edits.remove(&binding);
            }
        }
        super::refresh_codeowners(snapshot, edits)?;
        Ok(left)
    }
}

/// The domains that may concern `me`: all of them, but for those the cache knows
/// name it nowhere (not a member, no binding, no contract it owns) and would
/// read without an error, which leaving leaves as they are.
fn concerning(snapshot: &Snapshot<'_>, me: &Name) -> Result<Vec<Name>> {
    let mut all = snapshot.dir_names(model::paths::DOMAINS)?;
    all.retain(|d| snapshot.domain_concerns(d, me).unwrap_or(true));
    Ok(all)
}

/// Every other repo importing a contract that `me` provides in one of `domains`
/// (those [`concerning`] it).
fn dependents_in(snapshot: &Snapshot<'_>, me: &Name, domains: &[Name]) -> Result<Vec<Dependent>> {
    let mut out = Vec::new();
    for domain in domains {
        let d = domain.as_str();
        let mut ours: Vec<Name> = Vec::new();
        for contract in snapshot.doc_names(&model::paths::contracts_dir(d))? {
            let c = snapshot.require::<ContractFile>(
                &model::paths::contract(d, contract.as_str()),
                "contract",
            )?;
            if &c.owner == me {
                ours.push(c.name);
            }
        }
        if let Some(b) = snapshot.read::<BindingFile>(&model::paths::binding(d, me.as_str()))? {
            ours.extend(b.exports.into_iter().map(|e| e.contract));
        }
        if ours.is_empty() {
            continue;
        }
        for consumer in snapshot.doc_names(&model::paths::bindings_dir(d))? {
            if &consumer == me {
                continue;
            }
            let b = snapshot
                .require::<BindingFile>(&model::paths::binding(d, consumer.as_str()), "binding")?;
            for import in b.imports.iter().filter(|i| ours.contains(&i.contract)) {
                out.push(Dependent {
                    repo: consumer.to_string(),
                    domain: d.to_owned(),
                    contract: import.contract.to_string(),
                    version: import.version.to_string(),
                });
            }
        }
    }
    out.sort_by(|a, b| (&a.repo, &a.domain, &a.contract).cmp(&(&b.repo, &b.domain, &b.contract)));
    out.dedup_by(|a, b| a.repo == b.repo && a.domain == b.domain && a.contract == b.contract);
    Ok(out)
}
