//! Writers of one realm on this machine take turns.
//!
//! Realm writes are optimistic (fetch, build, push with a lease; a loser fetches
//! and re-applies), which is what keeps writers on different machines correct.
//! But writers on one machine racing each other only burn its cores: with 16
//! concurrent syncs, each round of races lands one commit and makes the other 15
//! fetch and push again, so the work grows with the square of the writers (2.3×
//! the time of the same syncs one after another, on 2 cores). So a write first
//! takes this machine's turn for the realm url: an advisory lock (`flock`) on a
//! file next to the index, `locks/<CRC-32 of the url>.lock`. The kernel releases it
//! when its holder exits, even under `kill -9`, so a crashed writer never blocks
//! the next one.
//!
//! The turn is a courtesy, never what correctness rests on: the lease still
//! decides, a writer that cannot take the turn (no index folder, a file system
//! without locks) writes without it, and one that waited too long (a writer stuck
//! on the network) stops waiting and races as before.

use std::fs::{File, OpenOptions};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// How long a writer waits for its turn before racing anyway.
const PATIENCE: Duration = Duration::from_secs(60);

/// How often a waiting writer looks again (it sleeps in between: the cores go
/// to the writer whose turn it is).
const POLL: Duration = Duration::from_millis(4);

/// This machine's turn to write to one realm, held until dropped.
pub struct Turn {
    _file: File,
    /// Whether another writer held the turn first: the realm has most likely
    /// moved since this writer last fetched it.
    pub waited: bool,
}

/// Wait for this machine's turn to write to the realm at `url`. `None` when
/// there is no turn to take (no place for the lock file, no locks on its file
/// system) or after waiting [`PATIENCE`]: the caller writes without it.
pub fn take(url: &str) -> Option<Turn> {
    let path = lock_path(url)?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).ok()?;
    }
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .ok()?;
    let deadline = Instant::now() + PATIENCE;
    let mut waited = false;
    loop {
        match file.try_lock() {
            Ok(()) => {
                return Some(Turn {
                    _file: file,
                    waited,
                });
            }
            Err(std::fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                waited = true;
                std::thread::sleep(POLL);
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                crate::ui::verbose(&format!(
                    "another writer of {url} on this machine held its turn for over {}s; writing anyway",
                    PATIENCE.as_secs()
                ));
                return None;
            }
            Err(std::fs::TryLockError::Error(_)) => return None,
        }
    }
}

/// `locks/<hash>.lock` next to the index (so per user, and per test world).
fn lock_path(url: &str) -> Option<PathBuf> {
    let index = crate::index::path().ok()?;
    // A path names one realm however it is spelled.
    let key = match crate::git::remotes::is_local(url) {
        true => std::fs::canonicalize(url.strip_prefix("file://").unwrap_or(url))
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| url.to_owned()),
        false => url.to_owned(),
    };
    // A stable checksum (every process must name the same file); two realms that
    // happened to share one would only share a turn.
    Some(
        index
            .parent()?
            .join("locks")
            .join(format!("{:08x}.lock", crc32fast::hash(key.as_bytes()))),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_url_one_file() {
        if let Some(a) = super::lock_path("/srv/realm.git") {
            assert_eq!(Some(&a), super::lock_path("/srv/realm.git").as_ref());
            assert_ne!(Some(&a), super::lock_path("/srv/other.git").as_ref());
        }
    }
}
