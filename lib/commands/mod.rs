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
