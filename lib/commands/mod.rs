//! One module per subcommand: its arguments (clap derive) and its `run`.
//! This module only lists them, for the dispatcher, man pages and completions.

pub mod check;
pub mod ci;
pub mod commit;
pub mod domain;
pub mod export;
pub mod graph;
pub mod import;
pub mod init;
pub mod join;
pub mod leave;
pub mod list;
pub mod maintainer;
pub mod pr;
pub mod push;
pub mod remove;
pub mod resolve;
pub mod status;
pub mod sync;
pub mod verify;
pub mod watch;
pub mod worktree;

use clap::CommandFactory;

use crate::error::Result;
use crate::ops::Operation;
use crate::store::Store;
use crate::ui::{self, Ui};

/// A realm write as a command reports it: applied, or with `--dry-run` previewed.
pub struct RealmWrite<T> {
    pub value: T,
    /// The new realm commit; `None` when nothing changed, or on a dry run.
    pub commit: Option<gix::ObjectId>,
    /// On a dry run: `{"message", "writes", "removes"}` of the commit it would make.
    pub preview: Option<serde_json::Value>,
}

/// Apply `op` to the realm, or with `dry_run` only preview it (printing the realm
/// commit it would make, as every `--dry-run` does) and write nothing but the
/// local copy of the realm, refreshed first.
pub fn realm_write<O: Operation>(
    store: &Store<'_>,
    op: &mut O,
    dry_run: bool,
    ui: &Ui,
) -> Result<RealmWrite<O::Output>> {
    if dry_run {
        // Preview against the realm as it is now (only the local copy moves);
        // offline, against the local copy.
        if let Err(e) = store.fetch() {
            ui.warning(format!(
                "cannot fetch the realm ({}): previewing against the local copy",
                e.message
            ));
        }
        let p = store.preview(op)?;
        ui::dry_run(ui, &p.message, &p.edits);
        return Ok(RealmWrite {
            preview: Some(ui::dry_run_json(&p.message, &p.edits)),
            value: p.value,
            commit: None,
        });
    }
    let u = store.update(op)?;
    Ok(RealmWrite {
        value: u.value,
        commit: u.commit,
        preview: None,
    })
}

/// The built-in subcommands, in the order `git realm help` shows them.
pub fn builtins() -> Vec<clap::Command> {
    vec![
        init::InitArgs::command(),
        join::JoinArgs::command(),
        leave::LeaveArgs::command(),
        maintainer::MaintainerArgs::command(),
        domain::DomainArgs::command(),
        remove::RemoveArgs::command(),
        export::ExportArgs::command(),
        import::ImportArgs::command(),
        check::CheckArgs::command(),
        sync::SyncArgs::command(),
        resolve::ResolveArgs::command(),
        status::StatusArgs::command(),
        graph::GraphArgs::command(),
        worktree::WorktreeArgs::command(),
        commit::CommitArgs::command(),
        push::PushArgs::command(),
        pr::PrArgs::command(),
        watch::WatchArgs::command(),
        list::ListArgs::command(),
        ci::CiArgs::command(),
        verify::VerifyArgs::command(),
    ]
}

/// The subcommand name of a `git-realm-<sub>` command.
pub fn sub_name(cmd: &clap::Command) -> &str {
    cmd.get_name()
        .strip_prefix("git-realm-")
        .unwrap_or(cmd.get_name())
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_command_definition_is_valid() {
        for cmd in super::builtins() {
            cmd.debug_assert();
        }
    }
}
