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
mod git_tree;
pub mod history;
pub mod memory;
mod overlay;
mod snapshot;
mod turn;

use std::time::{Duration, Instant, SystemTime};

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
/// (with `backoff` between attempts: 2 + 22 × 4 = 90 slots of sleep in all, at
/// most, so 45s with the longest slot; half that on average).
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
        Ok(self.update_inner(op, true, |_, _| Ok(()))?.0)
    }

    /// `update`, then `read` the state it left (the state it started from with
    /// the edits laid over it, which is what it published) along with the
    /// operation's output. Reading it this way needs no snapshot of the new realm
    /// commit, and so no cache of it: what the write did not touch is read as
    /// the state it started from was.
    pub fn update_and_read<O: Operation + ?Sized, R>(
        &self,
        op: &mut O,
        read: impl FnOnce(&Snapshot<'_>, &O::Output) -> Result<R>,
    ) -> Result<(Updated<O::Output>, R)> {
        self.update_inner(op, true, read)
    }

    /// `update`, right after the caller fetched (`adopt`): the first attempt starts
    /// from the local state instead of fetching again. If the realm moved in
    /// between, the publish is refused and the next attempt fetches.
    pub fn update_fetched<O: Operation + ?Sized>(&self, op: &mut O) -> Result<Updated<O::Output>> {
        Ok(self.update_inner(op, false, |_, _| Ok(()))?.0)
    }

    fn update_inner<O: Operation + ?Sized, R>(
        &self,
        op: &mut O,
        fetch_first: bool,
        read: impl FnOnce(&Snapshot<'_>, &O::Output) -> Result<R>,
    ) -> Result<(Updated<O::Output>, R)> {
        let mut last_reason = String::new();
        let mut last_lock: Option<git::locks::Lock> = None;
        // The commit's time stamp reads the local time zone, and finding it walks
        // the time zone database (0.7 ms): done on the side while this writer
        // waits for its turn and its fetch, not inside its turn.
        std::thread::spawn(jiff::Zoned::now);
        // Writers on this machine take turns instead of racing (see `turn`).
        let turn = self.backend.take_turn();
        // A writer that waited for its turn starts from a fetch, whatever its
        // caller fetched before: the writers ahead of it have moved the realm.
        let fetch_first = fetch_first || turn.as_ref().is_some_and(|t| t.waited);
        for attempt in 1..=MAX_ATTEMPTS {
            let started = Instant::now();
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
                let read = read(&snapshot, &value)?;
                let updated = Updated {
                    commit: None,
                    value,
                    attempts: attempt,
                };
                return Ok((updated, read));
            };
            if let Some(base) = base {
                self.refuse_unverifiable(&snapshot, base, commit)?;
            }
            match self.backend.publish(base, commit)? {
                Publish::Published => {
                    // What is read after the write is read from what we wrote:
                    // the next writer need not wait for it.
                    drop(turn);
                    let read = read(&snapshot.with_edits(&edits), &value)?;
                    let updated = Updated {
                        commit: Some(commit),
                        value,
                        attempts: attempt,
                    };
                    return Ok((updated, read));
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
            let took = started.elapsed();
            let wait = backoff(attempt, took);
            ui::verbose(&format!(
                "realm moved or busy while writing ({last_reason}); re-applying on the new state in {} ms (attempt {}/{MAX_ATTEMPTS}; this one took {} ms)",
                wait.as_millis(),
                attempt + 1,
                took.as_millis()
            ));
            std::thread::sleep(wait);
        }
        if let Some(lock) = &last_lock {
            return Err(self.locked(lock));
        }
        Err(Error::conflict(format!(
            "the realm kept moving: gave up after {MAX_ATTEMPTS} attempts (last: {last_reason})"
        ))
        .hint("nothing was written; re-run the command"))
    }

    /// Refuse to publish `commit` when the realm's trust rules, as of `base`,
    /// would make every member refuse it (a CI bot's identity, an email that is
    /// not among the maintainers): published, it would stop the realm for all.
    fn refuse_unverifiable(
        &self,
        snapshot: &Snapshot<'_>,
        base: ObjectId,
        commit: ObjectId,
    ) -> Result<()> {
        if snapshot.realm()?.trust == crate::model::Trust::Open {
            return Ok(());
        }
        let violations = self.backend.violations(base, commit)?;
        let Some(first) = violations.first() else {
            return Ok(());
        };
        Err(Error::conflict(format!(
            "refusing to write to {}: every member would refuse this commit under the realm's trust rules\n{}",
            self.backend.describe(),
            violations
                .iter()
                .map(|v| format!("  {}: {}", v.file, v.rule))
                .collect::<Vec<_>>()
                .join("\n")
        ))
        .hint(format!(
            "commit as one of the owners the rules name (git's user.email is {}), or have them record this identity among the repository's maintainers",
            first.author
        ))
        .hint("nothing was written"))
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

/// The shortest and the longest a slot of [`backoff`] can be, whatever an attempt
/// took: writers of a fast local realm still spread over tens of milliseconds, and
/// one slow fetch does not make a writer sleep for long.
const SLOT_MIN: Duration = Duration::from_millis(20);
const SLOT_MAX: Duration = Duration::from_millis(500);

/// The window of [`backoff`] stops doubling after this many lost races: 2^2 = 4
/// slots. The slot already grows with the number of writers racing (they share the
/// realm's server and, in the benchmark, two cores), so a window that doubled on to
/// 16 slots would count the writers twice: with 16 syncs racing on one machine, caps
/// of 3 and 4 left more time asleep than they saved in lost races.
const WINDOW_CAP: u32 = 2;

/// Binary exponential backoff, as Ethernet's: after the `lost`-th lost race, wait
/// a uniformly random time in [0, 2^lost) slots (the window stops doubling at
/// 2^[`WINDOW_CAP`] slots), where a slot is how long the lost attempt took here,
/// from its fetch to the refused push, clamped to [`SLOT_MIN`]..[`SLOT_MAX`]. An
/// attempt is the time in which another writer's push makes ours lose, so racing
/// writers spread over a few of them instead of racing again in step. The fixed
/// sleep this replaces (10ms doubling to 160ms, ±50%) could not spread 16 writers
/// whose attempts took 80ms and more: they raced in rounds, each landing one commit
/// and making the others fetch and push again. Never more than 4 × 500ms = 2s.
fn backoff(lost: u32, attempt: Duration) -> Duration {
    use std::hash::{BuildHasher, Hasher};
    let slot = attempt.clamp(SLOT_MIN, SLOT_MAX);
    let slots = 1u64 << lost.clamp(1, WINDOW_CAP);
    // RandomState is seeded from the OS once per process (then stepped per thread):
    // two writers never draw the same sequence.
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.write_u32(lost);
    let draw = h.finish() % 1_000_000; // [0, 1) in millionths
    let window = slot.as_micros() as u64 * slots;
    Duration::from_micros(window * draw / 1_000_000)
}

#[cfg(test)]
mod backoff_tests {
    use super::{MAX_ATTEMPTS, SLOT_MAX, SLOT_MIN, WINDOW_CAP, backoff};
    use std::time::Duration;

    /// Each sleep stays inside its window: [0, 2^lost slots), the slot clamped, the
    /// window capped; so all the sleeps of one update stay under 46 seconds.
    #[test]
    fn backoff_stays_in_its_window() {
        for took in [
            Duration::ZERO,
            Duration::from_millis(5),
            Duration::from_millis(150),
            Duration::from_secs(30),
        ] {
            let slot = took.clamp(SLOT_MIN, SLOT_MAX);
            let mut windows = Duration::ZERO;
            for lost in 1..MAX_ATTEMPTS {
                let window = slot * (1 << lost.min(WINDOW_CAP));
                let d = backoff(lost, took);
                assert!(d < window, "lost {lost}, took {took:?}: {d:?} ≥ {window:?}");
                windows += window;
            }
            assert!(
                windows <= Duration::from_secs(45),
                "took {took:?}: {windows:?}"
            );
        }
        assert!(backoff(WINDOW_CAP + 10, Duration::from_secs(3600)) < Duration::from_secs(2));
    }

    /// The draws are spread over the window, not stuck at one end of it.
    #[test]
    fn backoff_spreads() {
        let took = Duration::from_millis(100);
        let draws: Vec<Duration> = (0..200).map(|_| backoff(WINDOW_CAP, took)).collect();
        let window = took * (1 << WINDOW_CAP);
        assert!(draws.iter().any(|d| *d < window / 4), "{draws:?}");
        assert!(draws.iter().any(|d| *d > window * 3 / 4), "{draws:?}");
    }
}
