//! `claim-notifications` and `record-notifications`: the sending of consumer
//! notifications, made safe against two syncs at once and against a crash.
//!
//! A sync first claims the notifications it is about to send (`claimed_by`,
//! `claimed_at` on the contract's entry), by compare-and-swap like every realm
//! write, so of two syncs at once only one sends; then it records the issue urls
//! (clearing the claim), or releases what it could not send.

use std::collections::BTreeMap;

use semver::Version;

use super::{Actor, OpKind, Operation};
use crate::error::Result;
use crate::model::{self, ContractFile, Name, Notification, Timestamp};
use crate::store::{Edits, Snapshot};

/// Which notification: a consumer, a contract, a version.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct NotificationKey {
    pub domain: String,
    pub contract: String,
    pub repo: String,
    pub version: Version,
}

impl NotificationKey {
    fn matches(&self, n: &Notification) -> bool {
        n.repo == self.repo.as_str() && n.version == self.version
    }

    fn path(&self) -> String {
        model::paths::contract(&self.domain, &self.contract)
    }
}

/// One notification that was sent.
#[derive(Debug, Clone)]
pub struct SentNotification {
    pub domain: String,
    pub contract: String,
    pub repo: String,
    pub version: Version,
    pub url: String,
}

impl SentNotification {
    fn key(&self) -> NotificationKey {
        NotificationKey {
            domain: self.domain.clone(),
            contract: self.contract.clone(),
            repo: self.repo.clone(),
            version: self.version.clone(),
        }
    }
}

/// What claiming found for one notification.
#[derive(Debug, Clone)]
pub enum Claimed {
    /// Ours to send.
    Mine(NotificationKey),
    /// Another sync is sending it (`by`, since `at`).
    Held {
        key: NotificationKey,
        by: String,
        at: Option<Timestamp>,
    },
    /// Sent meanwhile (its url is recorded), or no longer due.
    Done(NotificationKey),
}

/// Claim `keys` for the sync `token`, unless another live sync holds them:
/// `is_stale(by, at)` says whether someone else's claim may be taken over (its
/// process is gone, or the claim is too old).
pub struct ClaimNotifications {
    pub repo: Name,
    pub token: String,
    pub now: Timestamp,
    pub keys: Vec<NotificationKey>,
    pub is_stale: fn(&str, Option<Timestamp>, Timestamp) -> bool,
}

impl Operation for ClaimNotifications {
    type Output = Vec<Claimed>;

    fn kind(&self) -> OpKind {
        OpKind::ClaimNotifications
    }

    fn actor(&self) -> Actor {
        Actor::Repo(self.repo.clone())
    }

    fn subject(&self) -> String {
        "claim notifications".to_owned()
    }

    fn apply(&mut self, snapshot: &Snapshot<'_>, edits: &mut Edits) -> Result<Vec<Claimed>> {
        let mut changed: BTreeMap<String, ContractFile> = BTreeMap::new();
        let mut out = Vec::new();
        for key in &self.keys {
            let path = key.path();
            let mut c = match changed.remove(&path) {
                Some(c) => c,
                None => match snapshot.read::<ContractFile>(&path)? {
                    Some(c) => c,
                    None => {
                        out.push(Claimed::Done(key.clone()));
                        continue;
                    }
                },
            };
            let mut result = Claimed::Done(key.clone());
            let mut dirty = false;
            for entry in c.notifications.iter_mut().filter(|n| key.matches(n)) {
                if entry.url.is_some() {
                    continue;
                }
                match &entry.claimed_by {
                    Some(by)
                        if by != &self.token
                            && !(self.is_stale)(by, entry.claimed_at, self.now) =>
                    {
                        result = Claimed::Held {
                            key: key.clone(),
                            by: by.clone(),
                            at: entry.claimed_at,
                        };
                    }
                    _ => {
                        if entry.claimed_by.as_deref() != Some(self.token.as_str()) {
                            entry.claimed_by = Some(self.token.clone());
                            entry.claimed_at = Some(self.now);
                            dirty = true;
                        }
                        result = Claimed::Mine(key.clone());
                    }
                }
            }
            if dirty {
                edits.put(&path, &c);
            }
            changed.insert(path, c);
            out.push(result);
        }
        Ok(out)
    }
}

/// Record the urls of `sent` notifications in their contracts, and release the
/// claims on `released` ones (not sent: the next sync sends them).
pub struct RecordNotifications {
    pub repo: Name,
    pub sent: Vec<SentNotification>,
    pub released: Vec<NotificationKey>,
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
        let updates = self
            .sent
            .iter()
            .map(|s| (s.key(), Some(s.url.clone())))
            .chain(self.released.iter().map(|k| (k.clone(), None)));
        for (key, url) in updates {
            let path = key.path();
            let mut c = match changed.remove(&path) {
                Some(c) => c,
                None => snapshot.require::<ContractFile>(&path, "contract")?,
            };
            for entry in c.notifications.iter_mut().filter(|n| key.matches(n)) {
                if entry.url.is_none() {
                    if url.is_some() {
                        entry.url = url.clone();
                    }
                    entry.claimed_by = None;
                    entry.claimed_at = None;
                }
            }
            changed.insert(path, c);
        }
        for (path, c) in &changed {
            if snapshot.read::<ContractFile>(path)?.as_ref() != Some(c) {
                edits.put(path, c);
            }
        }
        Ok(())
    }
}
