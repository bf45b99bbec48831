//! git-realm: coordinate changes across git repositories owned by different teams.
//!
//! Layout, from the bottom up:
//! - `model`: the typed, validated YAML files of a realm (knows neither git nor clap);
//! - `git`: plumbing (gix, and the `git` binary where gix cannot): every git
//!   process of the program is started there, by a named function;
//! - `store`: the only reader and writer of realm state: snapshots, edits, and the
//!   fetch → apply → commit → publish loop over a backend (git, or memory in tests);
//! - `ops`: every kind of realm write, one type each (`Operation::apply`), with the
//!   `Realm-Op`/`Realm-Repo` trailers of the realm commit;
//! - `workspace`: the member repository as contracts and operations see it;
//! - `contracts`, `sources`: surveys, diffs and bumps; computing export values;
//! - `gate`: what `check` judges in a realm, and the pull-request gate
//!   (`check --against`) with its verdict;
//! - `changes`, `notes`, `notify`, `forge`: coordinated changes, realm notes,
//!   consumer notifications, GitHub through `gh`;
//! - `membership`, `index`: this repository's and this user's view of realms;
//! - `parallel`, `ui`, `cli`: the thread pool, output, and the runner shared by
//!   every executable;
//! - `commands`: one module per subcommand (groups as folders), which only parse
//!   arguments and print; `dispatch`: the `git-realm` program; `docs`: man pages
//!   and completions generated from the clap definitions.

pub mod changes;
pub mod ci;
pub mod cli;
pub mod commands;
pub mod contracts;
pub mod dispatch;
pub mod docs;
pub mod error;
pub mod forge;
pub mod gate;
pub mod git;
pub mod index;
pub mod items;
pub mod membership;
pub mod model;
pub mod notes;
pub mod notify;
pub mod ops;
pub mod parallel;
pub mod settings;
pub mod sources;
pub mod store;
pub mod trust;
pub mod ui;
pub mod workspace;

pub use error::{Error, Exit, Result};
