//! Coordinated changes: `start-change` (or join more repositories to one),
//! `record-commits` and `record-pull-requests` in `changes/<id>.yaml`.

use super::{Actor, OpKind, Operation};
use crate::error::{Error, Result};
use crate::model::{
    self, ChangeFile, ChangeStatus, Email, LinkedCommit, Name, PullRequest, Timestamp,
};
use crate::store::{Edits, Snapshot};

/// Start change `id` on `branch` in `repos` (all registered), or add repositories
/// and domains to it when it exists with the same branch.
pub struct StartChange {
    pub actor: Name,
    pub realm: Name,
    pub id: Name,
    pub branch: String,
    pub base: Option<String>,
    pub repos: Vec<Name>,
    pub domains: Vec<Name>,
    pub created_by: Email,
    pub created_at: Timestamp,
}

impl Operation for StartChange {
    /// The change as recorded (its repositories sorted, without duplicates).
    type Output = ChangeFile;

    fn kind(&self) -> OpKind {
        OpKind::StartChange
    }

    fn actor(&self) -> Actor {
        Actor::Repo(self.actor.clone())
    }

    fn subject(&self) -> String {
        format!("start change {}", self.id)
    }

    fn apply(&mut self, snapshot: &Snapshot<'_>, edits: &mut Edits) -> Result<ChangeFile> {
        let id = &self.id;
        edits.trailer("Realm-Change", id.as_str());
        for r in &self.repos {
            if !snapshot.exists(&model::paths::repo(r.as_str()))? {
                return Err(Error::usage(format!(
                    "'{r}' is not registered in realm '{}'",
                    self.realm
                )));
            }
        }
        let path = model::paths::change(id.as_str());
        let mut wanted = match snapshot.read::<ChangeFile>(&path)? {
            Some(c) => {
                if c.branch != self.branch {
                    return Err(Error::conflict(format!(
                        "change '{id}' already exists with branch {}, not {}",
                        c.branch, self.branch
                    ))
                    .hint("re-run without --branch to complete it, or start another change"));
                }
                c
            }
            None => ChangeFile {
                id: id.clone(),
                branch: self.branch.clone(),
                base: self.base.clone(),
                repos: Vec::new(),
                domains: Vec::new(),
                status: ChangeStatus::Open,
                created_by: self.created_by.clone(),
                created_at: self.created_at,
                commits: Vec::new(),
                prs: Vec::new(),
                merge_order: Vec::new(),
            },
        };
        let before = model::render(&wanted);
        wanted.repos.extend(self.repos.iter().cloned());
        wanted.domains.extend(self.domains.iter().cloned());
        if model::render(&wanted) != before || !snapshot.exists(&path)? {
            edits.put(&path, &wanted);
        }
        let mut normalized = wanted;
        normalized.repos.sort();
        normalized.repos.dedup();
        Ok(normalized)
    }
}

/// Record the linked commits of one `git realm commit` round in the change.
pub struct RecordCommits {
    pub actor: Name,
    pub change: Name,
    pub commits: Vec<LinkedCommit>,
}

impl Operation for RecordCommits {
    /// How many commits were new to the change.
    type Output = usize;

    fn kind(&self) -> OpKind {
        OpKind::RecordCommits
    }

    fn actor(&self) -> Actor {
        Actor::Repo(self.actor.clone())
    }

    fn subject(&self) -> String {
        let repos: Vec<&str> = self.commits.iter().map(|c| c.repo.as_str()).collect();
        format!("commit {} in {}", self.change, repos.join(", "))
    }

    fn apply(&mut self, snapshot: &Snapshot<'_>, edits: &mut Edits) -> Result<usize> {
        edits.trailer("Realm-Change", self.change.as_str());
        let path = model::paths::change(self.change.as_str());
        let mut c = snapshot.require::<ChangeFile>(&path, "the change")?;
        let before = c.commits.len();
        for l in &self.commits {
            if !c.commits.contains(l) {
                c.commits.push(l.clone());
            }
        }
        let added = c.commits.len() - before;
        if added > 0 {
            edits.put(&path, &c);
        }
        Ok(added)
    }
}

/// Record the pull requests of a change and the merge order they follow.
pub struct RecordPullRequests {
    pub actor: Name,
    pub change: Name,
    pub prs: Vec<PullRequest>,
    pub merge_order: Vec<Name>,
}

impl Operation for RecordPullRequests {
    type Output = ();

    fn kind(&self) -> OpKind {
        OpKind::RecordPullRequests
    }

    fn actor(&self) -> Actor {
        Actor::Repo(self.actor.clone())
    }

    fn subject(&self) -> String {
        format!("pull requests for {}", self.change)
    }

    fn apply(&mut self, snapshot: &Snapshot<'_>, edits: &mut Edits) -> Result<()> {
        edits.trailer("Realm-Change", self.change.as_str());
        let path = model::paths::change(self.change.as_str());
        let mut c = snapshot.require::<ChangeFile>(&path, "the change")?;
        let before = model::render(&c);
        for pr in &self.prs {
            c.prs.retain(|k| k.repo != pr.repo);
            c.prs.push(pr.clone());
        }
        c.prs.sort_by(|a, b| a.repo.cmp(&b.repo));
        c.merge_order = self.merge_order.clone();
        if model::render(&c) != before {
            edits.put(&path, &c);
        }
        Ok(())
    }
}
