//! `create-domain` and `add-member`: coordination contexts between repositories.

use super::{Actor, OpKind, Operation};
use crate::changes::join;
use crate::error::{Error, Result};
use crate::model::{self, DomainFile, Name, Timestamp};
use crate::store::{Edits, Snapshot};

/// Create `domains/<name>/domain.yaml` with its members (all registered).
pub struct CreateDomain {
    pub actor: Name,
    pub name: Name,
    pub members: Vec<Name>,
    pub description: String,
    pub created_at: Timestamp,
}

impl Operation for CreateDomain {
    /// Whether the domain was created (false: it already exists exactly so).
    type Output = bool;

    fn kind(&self) -> OpKind {
        OpKind::CreateDomain
    }

    fn actor(&self) -> Actor {
        Actor::Repo(self.actor.clone())
    }

    fn subject(&self) -> String {
        format!("create domain {}", self.name)
    }

    fn apply(&mut self, snapshot: &Snapshot<'_>, edits: &mut Edits) -> Result<bool> {
        require_registered(snapshot, &self.members)?;
        let path = model::paths::domain(self.name.as_str());
        let name = &self.name;
        if let Some(existing) = snapshot.read::<DomainFile>(&path)? {
            let mut a = existing.members.clone();
            a.sort();
            let mut b = self.members.clone();
            b.sort();
            b.dedup();
            if a == b && existing.description == self.description {
                return Ok(false);
            }
            return Err(Error::conflict(format!(
                "domain '{name}' already exists with members {}",
                join(&existing.members)
            ))
            .hint(format!(
                "add members with `git realm domain add {name} REPO`"
            )));
        }
        // domain.yaml belongs to the maintainers of its members: a repository
        // creates only domains it is in (the others' bindings appear when they
        // export or import there).
        if !self.members.contains(&self.actor) {
            return Err(Error::usage(format!(
                "--repos: {} is not among the members of '{}': a repository creates only domains it takes part in",
                self.actor, self.name
            ))
            .hint(format!("add it: --repos {},…", self.actor)));
        }
        edits.put(
            &path,
            &DomainFile {
                name: name.clone(),
                description: self.description.clone(),
                members: self.members.clone(),
                created_at: self.created_at,
            },
        );
        Ok(true)
    }
}

/// Add a registered repository to an existing domain.
pub struct AddMember {
    pub actor: Name,
    pub domain: Name,
    pub member: Name,
}

impl Operation for AddMember {
    /// Whether the member was added (false: it already was one).
    type Output = bool;

    fn kind(&self) -> OpKind {
        OpKind::AddMember
    }

    fn actor(&self) -> Actor {
        Actor::Repo(self.actor.clone())
    }

    fn subject(&self) -> String {
        format!("add {} to domain {}", self.member, self.domain)
    }

    fn apply(&mut self, snapshot: &Snapshot<'_>, edits: &mut Edits) -> Result<bool> {
        require_registered(snapshot, std::slice::from_ref(&self.member))?;
        let path = model::paths::domain(self.domain.as_str());
        let mut domain =
            snapshot.require::<DomainFile>(&path, &format!("domain '{}'", self.domain))?;
        if domain.members.contains(&self.member) {
            return Ok(false);
        }
        if !domain.members.contains(&self.actor) {
            return Err(Error::usage(format!(
                "{} is not a member of domain '{}': only its members add others",
                self.actor, self.domain
            )));
        }
        domain.members.push(self.member.clone());
        edits.put(&path, &domain);
        Ok(true)
    }
}

/// Every repository named must be registered in the realm.
pub fn require_registered(snapshot: &Snapshot<'_>, repos: &[Name]) -> Result<()> {
    for r in repos {
        if !snapshot.exists(&model::paths::repo(r.as_str()))? {
            return Err(
                Error::usage(format!("--repos: '{r}' is not registered in this realm"))
                    .hint(format!("run `git realm join` in {r} first")),
            );
        }
    }
    Ok(())
}

/// `domain` must exist and `me` must be one of its members.
pub fn require_member(snapshot: &Snapshot<'_>, domain: &Name, me: &Name) -> Result<DomainFile> {
    let d = snapshot.require::<DomainFile>(
        &model::paths::domain(domain.as_str()),
        &format!("--domain {domain}: domain '{domain}'"),
    )?;
    if !d.members.contains(me) {
        return Err(Error::usage(format!(
            "--domain {domain}: {me} is not a member of domain '{domain}'"
        ))
        .hint(format!("add it with `git realm domain add {domain} {me}`")));
    }
    Ok(d)
}
