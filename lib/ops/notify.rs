//! `record-notifications`: the issue urls of notifications sent to consumers, so
//! no later sync sends them again.

use std::collections::BTreeMap;

use semver::Version;

use super::{Actor, OpKind, Operation};
use crate::error::Result;
use crate::model::{self, ContractFile, Name};
use crate::store::{Edits, Snapshot};

/// One notification that was sent.
#[derive(Debug, Clone)]
pub struct SentNotification {
    pub domain: String,
    pub contract: String,
    pub repo: String,
    pub version: Version,
    pub url: String,
}

/// Record the urls of `sent` notifications in their contracts.
pub struct RecordNotifications {
    pub repo: Name,
    pub sent: Vec<SentNotification>,
}

impl Operation for RecordNotifications {
    type Output = ();

    fn kind(&self) -> OpKind {
        OpKind::RecordNotifications
    }

    fn actor(&self) -> Actor {
        Actor::Repo(self.repo.clone())
    }

    fn subject(&self) -> String {
        "record notifications".to_owned()
    }

    fn apply(&mut self, snapshot: &Snapshot<'_>, edits: &mut Edits) -> Result<()> {
        let mut changed: BTreeMap<String, ContractFile> = BTreeMap::new();
        for n in &self.sent {
            let path = model::paths::contract(&n.domain, &n.contract);
            let mut c = match changed.remove(&path) {
                Some(c) => c,
                None => snapshot.require::<ContractFile>(&path, "contract")?,
            };
            for entry in c.notifications.iter_mut() {
                if entry.repo == n.repo.as_str()
                    && entry.version == n.version
                    && entry.url.is_none()
                {
                    entry.url = Some(n.url.clone());
                }
            }
            changed.insert(path, c);
        }
        for (path, c) in &changed {
            edits.put(path, c);
        }
        Ok(())
    }
}
