//! Work on many repositories at once: a small scoped thread pool that keeps
//! results in input order.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// At most this many repos are worked on at once (each runs git processes).
const MAX_PARALLEL: usize = 16;

/// Run `f` on every item, several at once, and return the results in item order.
/// Workers are scoped threads: `f` may borrow, but must not share a
/// `gix::Repository` (open one per item instead).
pub fn parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..items.len().clamp(1, MAX_PARALLEL) {
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
            parallel(&items, |i| i * 2),
            (0..40).map(|i| i * 2).collect::<Vec<_>>()
        );
    }
}
