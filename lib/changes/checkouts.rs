//! Where the member repos of a realm are checked out on this machine.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::main_checkout;
use crate::error::Result;
use crate::index;
use crate::model::Name;

/// Where the member repos of one realm are checked out on this machine: the
/// index (kept by `join` and `worktree --clone`), and this repository itself.
#[derive(Debug, Clone)]
pub struct Checkouts {
    me: Name,
    mine: PathBuf,
    recorded: BTreeMap<Name, PathBuf>,
}

impl Checkouts {
    pub fn load(repo: &gix::Repository, realm: &Name, me: &Name) -> Result<Checkouts> {
        let idx = index::load()?;
        let recorded = idx
            .realm(realm.as_str())
            .map(|r| {
                r.checkouts
                    .iter()
                    .map(|c| (c.repo.clone(), c.path.clone()))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Checkouts {
            me: me.clone(),
            mine: main_checkout(repo),
            recorded,
        })
    }

    /// The checkout of `repo`, if there is one on disk.
    pub fn get(&self, repo: &Name) -> Option<PathBuf> {
        if repo == &self.me {
            return Some(self.mine.clone());
        }
        self.recorded.get(repo).filter(|p| p.is_dir()).cloned()
    }

    /// Why `repo` has no checkout, for messages.
    pub fn missing_reason(&self, repo: &Name) -> String {
        match self.recorded.get(repo) {
            Some(p) => format!(
                "no local checkout (the index says {}, which no longer exists)",
                p.display()
            ),
            None => "no local checkout known to the index".to_owned(),
        }
    }

    /// This repository's own checkout.
    pub fn mine(&self) -> &Path {
        &self.mine
    }

    pub fn set(&mut self, repo: &Name, path: &Path) {
        self.recorded.insert(repo.clone(), path.to_owned());
    }
}
