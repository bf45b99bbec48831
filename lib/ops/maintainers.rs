//! `edit-maintainers`: who maintains a repository, and their signing keys, in
//! `repos/<repo>.yaml` (the file the repository owns), and the realm's
//! `.github/CODEOWNERS` that follows it.

use super::{Actor, OpKind, Operation};
use crate::error::{Error, Result};
use crate::model::{self, Email, MaintainerKey, Name, RepoFile};
use crate::store::{Edits, Snapshot};

/// Add or remove maintainers and keys of the acting repository.
pub struct EditMaintainers {
    pub actor: Name,
    pub add: Vec<Email>,
    pub remove: Vec<Email>,
    pub add_keys: Vec<MaintainerKey>,
    pub remove_keys: Vec<MaintainerKey>,
}

impl Operation for EditMaintainers {
    /// The registration as it stands afterwards.
    type Output = RepoFile;

    fn kind(&self) -> OpKind {
        OpKind::EditMaintainers
    }

    fn actor(&self) -> Actor {
        Actor::Repo(self.actor.clone())
    }

    fn subject(&self) -> String {
        let mut parts = Vec::new();
        for e in &self.add {
            parts.push(format!("add maintainer {e}"));
        }
        for e in &self.remove {
            parts.push(format!("remove maintainer {e}"));
        }
        for k in &self.add_keys {
            parts.push(format!("add a key of {}", k.email));
        }
        for k in &self.remove_keys {
            parts.push(format!("remove a key of {}", k.email));
        }
        if parts.is_empty() {
            "maintainers".to_owned()
        } else {
            parts.join(", ")
        }
    }

    fn apply(&mut self, snapshot: &Snapshot<'_>, edits: &mut Edits) -> Result<RepoFile> {
        let path = model::paths::repo(self.actor.as_str());
        let mut file = snapshot.require::<RepoFile>(&path, &format!("repo '{}'", self.actor))?;
        let before = model::render(&file);
        file.maintainers.extend(self.add.iter().cloned());
        file.maintainers.retain(|m| !self.remove.contains(m));
        file.keys
            .retain(|k| !self.remove_keys.contains(k) && !self.remove.contains(&k.email));
        for k in &self.add_keys {
            if !file.maintainers.contains(&k.email) {
                return Err(Error::usage(format!(
                    "{} is not a maintainer of {}: add them first (`git realm maintainer add {}`)",
                    k.email, self.actor, k.email
                )));
            }
            file.keys.push(k.clone());
        }
        if file.maintainers.is_empty() {
            return Err(Error::usage(format!(
                "{} would have no maintainer left: nobody could change its files any more",
                self.actor
            )));
        }
        if model::render(&file) != before {
            edits.put(&path, &file);
            super::refresh_codeowners(snapshot, edits)?;
        }
        Ok(file)
    }
}
