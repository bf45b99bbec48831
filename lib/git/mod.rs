//! Git plumbing: opening repositories with gix, and the things gix cannot do (push,
//! fetch over every transport the user's git is configured for, config writes with
//! git's own locking, worktrees, commits that run the user's hooks) through the
//! `git` binary.
//!
//! - `run`: the runner every `git` process goes through;
//! - `repo`: opening repositories, paths, the commit clock;
//! - `refs`: reading refs, compare-and-swap updates, deletes;
//! - `config`: reading and writing configuration;
//! - `remotes`: fetch, push with a lease, `ls-remote`;
//! - `commits`: writing commit objects.
//!
//! This module knows nothing about realms: callers pass ref names, urls and paths.

pub mod commits;
pub mod config;
pub mod refs;
pub mod remotes;
pub mod repo;
pub mod run;

pub use commits::new_commit;
pub use config::{
    config_add_unique, config_remove_section, config_set, config_string, config_unset_value,
};
pub use refs::{cas_ref, delete_ref, ref_target};
pub use remotes::{Push, fetch_into, ls_remote, push_with_lease};
pub use repo::{absolute, now, open_at, open_current};
pub use run::{Git, Output, git_program};
