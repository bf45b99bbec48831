//! Work on many repositories at once: a small scoped thread pool that keeps
//! results in input order, and how many at once (`--jobs N`, `git config
//! realm.jobs`, else 8: every job may open a connection to the same host, and a
//! default sshd drops connections beyond 10 unauthenticated at once).

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::{Error, Result};

/// How many repos are worked on at once unless `--jobs` or `realm.jobs` says.
pub const DEFAULT_JOBS: usize = 8;

/// `-j/--jobs N`, for the commands that work on several repos at once.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct JobsArg {
    /// Work on at most N repos at once (default: `git config realm.jobs`, else 8)
    #[arg(
        short = 'j',
        long = "jobs",
        value_name = "N",
        global = true,
        value_parser = clap::value_parser!(u16).range(1..)
    )]
    pub jobs: Option<u16>,
}

impl JobsArg {
    /// `--jobs`, else `git config realm.jobs` (of `repo`), else [`DEFAULT_JOBS`].
    pub fn limit(&self, repo: &gix::Repository) -> Result<usize> {
        if let Some(n) = self.jobs {
            return Ok(usize::from(n));
        }
        match crate::git::config_string(repo, "realm.jobs") {
            None => Ok(DEFAULT_JOBS),
            Some(v) => match v.trim().parse::<u16>() {
                Ok(n) if n > 0 => Ok(usize::from(n)),
                _ => Err(Error::usage(format!(
                    "git config realm.jobs: `{}` is not a number of jobs (a whole number from 1)",
                    v.trim()
                ))
                .hint("fix it with `git config realm.jobs 4`, or unset it for the default of 8")),
            },
        }
    }
}

/// Run `f` on every item, at most `limit` at once, and return the results in
/// item order. Workers are scoped threads: `f` may borrow, but must not share a
/// `gix::Repository` (open one per item instead).
pub fn parallel<T: Sync, R: Send>(items: &[T], limit: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..items.len().min(limit).max(1) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let result = f(item);
                    results.lock().expect("no worker panicked")[i] = Some(result);
                }
            });
        }
    });
    results
        .into_inner()
        .expect("no worker panicked")
        .into_iter()
        .map(|r| r.expect("every item was worked on"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::parallel;

    #[test]
    fn parallel_keeps_the_order() {
        let items: Vec<u32> = (0..40).collect();
        assert_eq!(
            parallel(&items, 3, |i| i * 2),
            (0..40).map(|i| i * 2).collect::<Vec<_>>()
        );
    }

    #[test]
    fn no_more_than_the_limit_run_at_once() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let running = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        let items: Vec<u32> = (0..12).collect();
        parallel(&items, 3, |_| {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(std::time::Duration::from_millis(20));
            running.fetch_sub(1, Ordering::SeqCst);
        });
        assert!(most.load(Ordering::SeqCst) <= 3);
    }
}
