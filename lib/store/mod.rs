//! The realm state store: the only code that reads or writes realm state.
//!
//! A member repository keeps its copy of a realm's branch under
//! `refs/realm/<realm>/main`. Reads resolve that ref and read only the blobs asked
//! for, straight from the object database (no working tree, no clone, no network).
//!
//! Writes are named *operations* (`crate::ops`), not patches: a value that looks at
//! a snapshot and says what to change. `Store::update` fetches, applies the
//! operation, writes a new tree (unchanged subtrees are reused as-is), commits it
//! with the user's identity and the operation's trailers, and publishes it with a
//! lease on the commit it was built on. If someone else published first, it
//! fetches again and re-applies the *same operation* to the new state, a bounded
//! number of times with jittered backoff. The local state only ever moves by
//! compare-and-swap, after the publish succeeded: a crash at any point leaves
//! either the old state or the new one, and re-running the command finishes the job.
//!
//! The loop is written once, over a [`Backend`]: git for real use, memory for tests.

mod backend;
pub mod cache;
mod edits;
mod git_backend;
pub mod history;
pub mod memory;
mod snapshot;
mod turn;

use std::time::{Duration, SystemTime};

use gix::ObjectId;

pub use backend::{Backend, Publish};
pub use cache::facts::DomainFacts;
pub use edits::Edits;
pub use snapshot::{DomainView, EntryKind, Snapshot, TreeRead};

use crate::error::{Error, Result};
use crate::git;
use crate::model::RealmFile;
use crate::ops::Operation;
use crate::ui;
use git_backend::GitBackend;

/// The branch of the realm repository that holds the state.
pub const REALM_BRANCH: &str = "refs/heads/main";

/// How many times an operation is re-applied when others keep pushing first
/// (with `backoff` between attempts: about 4s of sleep in all, at most).
const MAX_ATTEMPTS: u32 = 24;

/// The local ref holding a member's copy of `realm`.
pub fn local_ref(realm: &str) -> String {
    format!("refs/realm/{realm}/main")
}

/// What an update did.
pub struct Updated<T> {
    /// The new realm commit, or `None` when the operation changed nothing.
    pub commit: Option<ObjectId>,
    pub value: T,
    pub attempts: u32,
}

/// What an operation would do, without doing it (`--dry-run`).
pub struct Preview<T> {
    pub value: T,
    pub edits: Edits,
    /// The realm commit message it would write.
    pub message: String,
}

/// Where a realm's state is read from and written to.
pub struct Store<'r> {
    backend: Box<dyn Backend<'r> + 'r>,
}

impl<'r> Store<'r> {
    /// The store of `realm` as seen from a member repository.
    pub fn member(repo: &'r gix::Repository, realm: &str, url: &str) -> Self {
        Store::with(GitBackend {
            repo,
            local_ref: local_ref(realm),
            url: Some(url.to_owned()),
        })
    }

    /// The store inside the realm repository itself (its `main` branch).
    pub fn realm_repository(repo: &'r gix::Repository) -> Self {
        Store::with(GitBackend {
            repo,
            local_ref: REALM_BRANCH.to_owned(),
            url: None,
        })
    }

    /// A store over any backend (the in-memory one in tests).
    pub fn with(backend: impl Backend<'r> + 'r) -> Self {
        Store {
            backend: Box::new(backend),
        }
    }

    /// The name of the local copy (`refs/realm/<realm>/main`).
    pub fn local_ref(&self) -> String {
        self.backend.reference()
    }

    /// The commit of the local copy, without touching the network.
    pub fn local_tip(&self) -> Result<Option<ObjectId>> {
        self.backend.local_tip()
    }

    /// The local state, without touching the network.
    pub fn snapshot(&self) -> Result<Snapshot<'r>> {
        let tip = self.backend.local_tip()?;
        self.state(tip)
    }

    /// The state at `tip`, refused when the realm's format is newer than this build.
    fn state(&self, tip: Option<ObjectId>) -> Result<Snapshot<'r>> {
        let snapshot = self.backend.snapshot(tip)?;
        snapshot.check_format()?;
        Ok(snapshot)
    }

    /// Bring the local copy up to date with the realm.
    pub fn fetch(&self) -> Result<Option<ObjectId>> {
        self.backend.fetch()
    }

    /// Why the last fetched realm state was refused, if it was (until a fetch is
    /// adopted again).
    pub fn refused(&self) -> Option<String> {
        self.backend.refused()
    }

    /// When the local copy was last fetched from the realm url, if ever.
    pub fn last_fetched(&self) -> Option<SystemTime> {
        self.backend.last_fetched()
    }

    /// Apply `op` to the newest realm state and publish the result.
    ///
    /// `op` may be applied several times (once per attempt), each time on a newer
    /// state; it decides from the snapshot alone, so re-applying it is correct.
    /// An error from `op` aborts the update and nothing is written.
    pub fn update<O: Operation + ?Sized>(&self, op: &mut O) -> Result<Updated<O::Output>> {
        self.update_inner(op, true)
    }

    /// `update`, right after the caller fetched (`adopt`): the first attempt starts
    /// from the local state instead of fetching again. If the realm moved in
    /// between, the publish is refused and the next attempt fetches.
    pub fn update_fetched<O: Operation + ?Sized>(&self, op: &mut O) -> Result<Updated<O::Output>> {
        self.update_inner(op, false)
    }

    fn update_inner<O: Operation + ?Sized>(
        &self,
        op: &mut O,
        fetch_first: bool,
    ) -> Result<Updated<O::Output>> {
        let mut last_reason = String::new();
        let mut last_lock: Option<git::locks::Lock> = None;
        // Writers on this machine take turns instead of racing (see `turn`).
        let _turn = self.backend.take_turn();
        for attempt in 1..=MAX_ATTEMPTS {
            let base = if attempt == 1 && !fetch_first {
                self.backend.local_tip()?
            } else {
                self.backend.fetch()?
            };
            let snapshot = self.state(base)?;
            let mut edits = Edits::default();
            let value = op.apply(&snapshot, &mut edits)?;
            let message = crate::ops::message(op, &edits);
            let sign = must_sign(&snapshot, &edits)?;
            let Some(commit) = self.backend.commit(base, &edits, &message, sign)? else {
                return Ok(Updated {
                    commit: None,
                    value,
                    attempts: attempt,
                });
            };
            match self.backend.publish(base, commit)? {
                Publish::Published => {
                    return Ok(Updated {
                        commit: Some(commit),
                        value,
                        attempts: attempt,
                    });
                }
                // A hook, permissions, a protected branch: retrying cannot help.
                Publish::Refused { reason } => {
                    return Err(Error::conflict(format!(
                        "{} refused the update: {reason}",
                        self.backend.describe()
                    ))
                    .hint("nothing was written"));
                }
                Publish::Moved { reason } => {
                    last_reason = reason;
                    last_lock = None;
                }
                Publish::Locked { reason, lock } => {
                    if let Some(lock) = lock.as_ref().filter(|l| l.is_stale()) {
                        return Err(self.locked(lock));
                    }
                    last_reason = reason;
                    last_lock = lock;
                }
            }
            ui::verbose(&format!(
                "realm moved or busy while writing ({last_reason}); re-applying on the new state (attempt {}/{MAX_ATTEMPTS})",
                attempt + 1
            ));
            std::thread::sleep(backoff(attempt));
        }
        if let Some(lock) = &last_lock {
            return Err(self.locked(lock));
        }
        Err(Error::conflict(format!(
            "the realm kept moving: gave up after {MAX_ATTEMPTS} attempts (last: {last_reason})"
        ))
        .hint("nothing was written; re-run the command"))
    }

    /// The realm's branch is locked by a lock file that does not go away.
    fn locked(&self, lock: &git::locks::Lock) -> Error {
        Error::conflict(format!(
            "{} cannot update its branch: the lock file {} is in the way",
            self.backend.describe(),
            lock.describe()
        ))
        .hint(lock.advice(&self.backend.describe()))
        .hint("nothing was written; re-run the command once the lock file is gone")
    }

    /// What `op` would do to the local realm state, writing nothing anywhere.
    pub fn preview<O: Operation + ?Sized>(&self, op: &mut O) -> Result<Preview<O::Output>> {
        let snapshot = self.snapshot()?;
        let mut edits = Edits::scratch();
        let value = op.apply(&snapshot, &mut edits)?;
        let message = crate::ops::message(op, &edits);
        Ok(Preview {
            value,
            edits,
            message,
        })
    }

    /// Apply `op` to the newest state and push the result to the side branch
    /// `branch` of the realm (a proposal for review) instead of its main branch.
    pub fn propose<O: Operation + ?Sized>(&self, branch: &str, op: &mut O) -> Result<ObjectId> {
        let base = self.backend.fetch()?;
        let snapshot = self.state(base)?;
        let mut edits = Edits::default();
        op.apply(&snapshot, &mut edits)?;
        let message = crate::ops::message(op, &edits);
        let sign = must_sign(&snapshot, &edits)?;
        let commit = self
            .backend
            .commit(base, &edits, &message, sign)?
            .ok_or_else(|| {
                Error::conflict(format!(
                    "nothing to propose on {branch}: the realm already holds it"
                ))
            })?;
        match self.backend.publish_branch(branch, commit)? {
            Publish::Published => Ok(commit),
            Publish::Moved { reason }
            | Publish::Refused { reason }
            | Publish::Locked { reason, .. } => Err(Error::conflict(format!(
                "{} refused the proposal branch {branch}: {reason}",
                self.backend.describe()
            ))),
        }
    }

    /// Read what is at `url` without knowing the realm's name yet: fetch its branch
    /// into a scratch ref, read `realm.yaml`, then move the commit into
    /// `refs/realm/<name>/main` (objects are already here, so this costs one fetch).
    pub fn adopt(repo: &'r gix::Repository, url: &str) -> Result<(Store<'r>, RealmFile)> {
        git_backend::with_fetched(repo, url, |tip| {
            let snapshot =
                GitBackend::snapshot_of(repo, Some(tip), format!("{url} ({REALM_BRANCH})"))?;
            let realm = snapshot.realm()?;
            let backend = GitBackend {
                repo,
                local_ref: local_ref(realm.name.as_str()),
                url: Some(url.to_owned()),
            };
            backend.adopt_verified(tip, url)?;
            backend.mark_fetched();
            Ok((Store::with(backend), realm))
        })
    }

    /// `adopt` for a dry run: fetch what is at `url` into a scratch ref, read and
    /// verify it, and delete the scratch ref again. The local copy is neither
    /// created nor moved; the store reads the fetched state and writes nothing.
    pub fn peek(repo: &'r gix::Repository, url: &str) -> Result<(Store<'r>, RealmFile)> {
        git_backend::with_fetched(repo, url, |tip| {
            let snapshot =
                GitBackend::snapshot_of(repo, Some(tip), format!("{url} ({REALM_BRANCH})"))?;
            snapshot.check_format()?;
            let realm = snapshot.realm()?;
            let local = local_ref(realm.name.as_str());
            // Verified as a fetch would verify it, from the local copy if it has one.
            let from = match git::ref_target(repo, &local)? {
                Some(old) if history::is_ancestor(repo, old, tip)? => Some(old),
                _ => None,
            };
            let violations = crate::trust::verify_range(repo, from, tip)?;
            if !violations.is_empty() {
                return Err(crate::trust::refused(&violations, url));
            }
            let pinned = git_backend::Pinned {
                repo,
                tip,
                url: url.to_owned(),
                local_ref: local,
            };
            Ok((Store::with(pinned), realm))
        })
    }
}

/// Whether the commit of `edits` on `snapshot` must be signed: the realm is
/// `trust: signed`, as its `realm.yaml` says after the edit (so the first commit
/// of a signed realm is signed too).
fn must_sign(snapshot: &Snapshot<'_>, edits: &Edits) -> Result<bool> {
    let edited = edits
        .changes()
        .find(|(path, _)| *path == crate::model::paths::REALM)
        .and_then(|(_, bytes)| bytes);
    let realm = match edited {
        Some(bytes) => Some(crate::model::parse::<RealmFile>(
            crate::model::paths::REALM,
            bytes,
        )?),
        None if snapshot.commit().is_some() => Some(snapshot.realm()?),
        None => None,
    };
    Ok(realm.is_some_and(|r| r.trust == crate::model::Trust::Signed))
}

/// Exponential backoff with jitter: 10ms, 20ms, … doubling up to 160ms, each
/// scaled by a random factor in [0.5, 1.5) so racing writers spread out (so never
/// more than 240ms). A lost race already costs a fetch and a push, which is what
/// spreads writers the most; long sleeps only add idle time (16 concurrent syncs
/// spent most of their extra wall time asleep with a 1.28s ceiling).
fn backoff(attempt: u32) -> Duration {
    use std::hash::{BuildHasher, Hasher};
    let base = 10u64 << attempt.saturating_sub(1).min(4);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.write_u32(attempt);
    let jitter = h.finish() % 1000; // 0..1000 per mille
    Duration::from_millis(base / 2 + base * jitter / 1000)
}

#[cfg(test)]
mod backoff_tests {
    #[test]
    fn backoff_stays_short() {
        for attempt in 1..=super::MAX_ATTEMPTS {
            let d = super::backoff(attempt);
            assert!(d >= std::time::Duration::from_millis(5), "{attempt}: {d:?}");
            assert!(
                d < std::time::Duration::from_millis(240),
                "{attempt}: {d:?}"
            );
        }
    }
}
