//! Git plumbing: opening repositories with gix, and the things gix cannot do (push,
//! fetch over every transport the user's git is configured for, config writes with
//! git's own locking, worktrees, commits that run the user's hooks) through the
//! `git` binary.
//!
//! - `run`: the runner every `git` process of the program goes through (an
//!   argument vector, `LC_ALL=C`, a trace line under `-v`); private, so that no
//!   git command line is built outside this module;
//! - `repo`: opening and creating repositories, paths, the commit clock;
//! - `refs`: reading refs and the checked-out branch, compare-and-swap updates,
//!   deletes;
//! - `config`: reading and writing configuration;
//! - `index`: staging a file, and the tree the working tree would commit;
//! - `remotes`: clone, fetch, push with a lease, push of a change's branch,
//!   `ls-remote`, whether a commit is on a remote-tracking branch;
//! - `worktrees`: adding, listing and removing worktrees, and what one holds that
//!   is saved nowhere else;
//! - `commits`: realm commit objects, the user's commits, what commits contain;
//! - `signing`: the user's signing key, signed realm commits, and verifying a
//!   commit's signature against given keys;
//! - `locks`: git's lock files left behind by a killed process, named with their
//!   age (never removed);
//! - `overrides`: `git -c key=value`, which gix does not read by itself.
//!
//! This module knows nothing about realms: callers pass ref names, urls and paths.
//! Where gix reads something cheaply and correctly (a ref, `HEAD`, config) it is
//! used; everything else is a named function here, never a raw command line in a
//! caller.

pub mod commits;
pub mod config;
pub mod index;
pub mod locks;
pub mod overrides;
pub mod refs;
pub mod remotes;
pub mod repo;
mod run;
pub mod signing;
pub mod worktrees;

pub use commits::new_commit;
pub use config::{ConfigEdit, config_edit, config_string};
pub use refs::{cas_ref, delete_ref, ref_target, set_ref};
pub use remotes::{Push, fetch_into, ls_remote, push_with_lease};
pub use repo::{Opened, absolute, discover, now, open_at, open_current, open_early};
