//! One module per subcommand: its arguments (clap derive) and its `run`.
//! This module only lists them, for the dispatcher, man pages and completions.

pub mod init;
pub mod join;
pub mod leave;
pub mod list;
pub mod status;

use clap::CommandFactory;

/// The built-in subcommands, in the order `git realm help` shows them.
pub fn builtins() -> Vec<clap::Command> {
    vec![
        init::InitArgs::command(),
        join::JoinArgs::command(),
        leave::LeaveArgs::command(),
        status::StatusArgs::command(),
        list::ListArgs::command(),
    ]
}

/// The subcommand name of a `git-realm-<sub>` command.
pub fn sub_name(cmd: &clap::Command) -> &str {
    cmd.get_name()
        .strip_prefix("git-realm-")
        .unwrap_or(cmd.get_name())
}
