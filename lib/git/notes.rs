//! The one git notes operation gix does not offer: merging two notes refs with a
//! strategy (`git notes merge`).
//!
//! Reading and writing notes is not here: `crate::notes` does it with gix and a
//! compare-and-swap, because the `git notes` porcelain has none.

use std::path::Path;

use super::run::Git;
use crate::error::Result;

/// Merge the notes of `other` into `notes_ref` in the repository at `dir`, with a
/// `git notes merge` strategy (`cat_sort_uniq` for one-entry-per-line notes).
pub fn merge(dir: &Path, notes_ref: &str, other: &str, strategy: &str) -> Result<()> {
    Git::in_dir(dir)
        .args(["notes", "--ref", notes_ref, "merge", "--quiet"])
        .args(["--strategy", strategy, other])
        .run()
        .map(drop)
}
