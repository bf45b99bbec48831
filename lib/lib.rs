//! git-realm: coordinate changes across git repositories owned by different teams.
//!
//! Layout, from the bottom up:
//! - `model`: the typed, validated YAML files of a realm (knows nothing of git);
//! - `git`: plumbing (gix, and the `git` binary where gix cannot): every git
//!   process of the program is started there, by a named function;
//! - `store`: the only reader and writer of realm state (refs, trees, commits, push);
//! - `membership`, `index`: this repository's and this user's view of realms;
//! - `forge`: GitHub slugs for `gh`;
//! - `ui`, `cli`: output and the runner shared by every executable;
//! - `commands`: one module per subcommand; `dispatch`: the `git-realm` program.

pub mod changes;
pub mod cli;
pub mod commands;
pub mod contracts;
pub mod dispatch;
pub mod docs;
pub mod error;
pub mod forge;
pub mod git;
pub mod index;
pub mod membership;
pub mod model;
pub mod notes;
pub mod notify;
pub mod ops;
pub mod parallel;
pub mod sources;
pub mod store;
pub mod ui;
pub mod workspace;

pub use error::{Error, Exit, Result};
