//! Where realm state lives: the interface the store writes through.
//!
//! Two implementations: `git` (a member's `refs/realm/<realm>/main`, fetched from and
//! pushed to the realm url, or the realm repository's own branch) and `memory` (a
//! map shared between threads, for tests of operations and of the retry loop
//! without git). The store's loop — fetch, apply, commit, publish with a lease,
//! re-apply on contention — is written once, above this trait.

use std::time::SystemTime;

use gix::ObjectId;

use super::edits::Edits;
use super::snapshot::Snapshot;
use crate::error::Result;

/// What publishing a commit did.
#[derive(Debug)]
pub enum Publish {
    /// The realm branch now holds the commit.
    Published,
    /// The realm branch did not hold the expected base: someone else wrote first.
    Moved { reason: String },
    /// The realm could not lock its branch: a writer racing us (try again), or a
    /// lock file a killed process left behind (`lock`, when known).
    Locked {
        reason: String,
        lock: Option<crate::git::locks::Lock>,
    },
    /// The realm refused the update for a reason retrying cannot fix (a hook,
    /// permissions, a protected branch).
    Refused { reason: String },
}

/// A place realm state is read from and written to.
pub trait Backend<'r> {
    /// The local state's commit, without touching the network.
    fn local_tip(&self) -> Result<Option<ObjectId>>;
    /// This machine's turn to write (held until dropped), for a backend that
    /// writers on this machine share; `None` when there is nothing to take.
    fn take_turn(&self) -> Option<super::turn::Turn> {
        None
    }
    /// Bring the local state up to date with the realm; the new local tip.
    fn fetch(&self) -> Result<Option<ObjectId>>;
    /// When the local state was last fetched, if that is tracked.
    fn last_fetched(&self) -> Option<SystemTime>;
    /// Why the last fetched state was refused by verification, if it was.
    fn refused(&self) -> Option<String> {
        None
    }
    /// A read-only view of the state at `tip`.
    fn snapshot(&self, tip: Option<ObjectId>) -> Result<Snapshot<'r>>;
    /// Write a commit of `edits` applied to `base` (no ref moves), signed with the
    /// user's key when `sign` (a `trust: signed` realm). `None` when the edits
    /// leave the tree as it was.
    fn commit(
        &self,
        base: Option<ObjectId>,
        edits: &Edits,
        message: &str,
        sign: bool,
    ) -> Result<Option<ObjectId>>;
    /// What the realm's trust rules say of `commit` on top of `base`: the
    /// violations every member that fetches it would refuse it for.
    fn violations(&self, base: ObjectId, commit: ObjectId) -> Result<Vec<crate::trust::Violation>> {
        let _ = (base, commit);
        Ok(Vec::new())
    }
    /// Make `commit` the realm state if the realm still holds `base`; on success the
    /// local state follows.
    fn publish(&self, base: Option<ObjectId>, commit: ObjectId) -> Result<Publish>;
    /// Push `commit` to the side branch `branch` of the realm (a proposal).
    fn publish_branch(&self, branch: &str, commit: ObjectId) -> Result<Publish>;
    /// Where the state lives, for messages.
    fn describe(&self) -> String;
    /// The name of the local copy (a ref name for git).
    fn reference(&self) -> String;
}
