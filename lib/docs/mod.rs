//! Man pages and shell completions, generated from the clap definitions of the
//! built-in commands (`commands::builtins()`), so they can never drift from the
//! real options. Nothing here knows about any particular command.
//!
//! The generated files are committed under `man/` and `completions/`;
//! `tests/docs.rs` fails when they are stale and `UPDATE_DOCS=1 cargo test --test
//! docs` rewrites them.
//!
//! This module builds the `git-realm` command tree that both are generated from
//! (`root()`) and lists every generated file (`generated()`). It does not render
//! anything itself: man pages are `man.rs`, completion scripts `completions.rs`
//! (with one shell engine per shell in `engine.*`), and `help_text.rs` reads the
//! `Examples:`/`Exit status:` blocks they share. Writing the files to disk is for
//! `tests/docs.rs`.

mod completions;
mod help_text;
mod man;

use std::path::PathBuf;

use clap::{Args, Command};

use crate::commands;
use help_text::{examples_of, first_line};

pub use completions::completions;
pub use man::man_pages;

/// The name git runs for `git realm`.
const ROOT: &str = "git-realm";
/// The directory of the man pages, relative to the repository root.
pub const MAN_DIR: &str = "man";
/// The directory of the completion scripts, relative to the repository root.
pub const COMPLETIONS_DIR: &str = "completions";

/// Every generated file: `(path relative to the repository root, contents)`.
pub fn generated() -> Vec<(PathBuf, Vec<u8>)> {
    let mut all = man_pages();
    all.extend(completions());
    all
}

/// The `git-realm` command tree: the dispatcher with every built-in command as a
/// subcommand (named `<sub>`, as typed after `git realm`). Not built.
pub fn root() -> Command {
    let mut root = Command::new(ROOT)
        .bin_name("git realm")
        .version(env!("CARGO_PKG_VERSION"))
        .about("Coordinate changes across git repositories owned by different teams")
        .long_about(ROOT_DESCRIPTION)
        .subcommand_value_name("COMMAND")
        .subcommand_help_heading("COMMANDS")
        .after_long_help(root_after_help());
    for cmd in commands::builtins() {
        // clap names are `&'static str` without its `string` feature; a handful of
        // short names, once per generation.
        let name: &'static str = Box::leak(commands::sub_name(&cmd).to_owned().into_boxed_str());
        root = root.subcommand(cmd.name(name));
    }
    root
}

const ROOT_DESCRIPTION: &str = "\
A realm is an ordinary git repository whose main branch holds the shared state of a \
group of repositories: which repositories take part, the domains (coordination \
contexts) between them, the versioned contracts one repository provides and others \
consume, and the coordinated changes in flight. Members keep a local copy of the \
realm under refs/realm/<realm>/main.

Each command is its own executable, git-realm-<command>; git runs git-realm for \
git realm <command>, which runs git-realm-<command> (found next to itself first, \
then on PATH). Other git-realm-* programs on PATH are extensions: git realm help \
lists them and runs them like the built-in commands.

git realm help <command>, git realm <command> --help and man git-realm-<command> \
describe one command. Every command takes the common options below.";

/// The root page's examples and exit status: the first example of every command,
/// then the same exit-status table as every command.
fn root_after_help() -> String {
    let mut text = String::from("Examples:\n");
    for cmd in commands::builtins() {
        let examples = examples_of(&cmd);
        // The first example, with its continuation lines (`\` at the end).
        let mut lines = examples.iter().skip_while(|l| l.trim().is_empty());
        let mut indent = None;
        for line in lines.by_ref() {
            let body = line.trim_start();
            let own = *indent.get_or_insert(line.len() - body.len());
            let rest = line.get(own..).unwrap_or(body).trim_end();
            text.push_str(&format!("  {rest}\n"));
            if !rest.ends_with('\\') {
                break;
            }
        }
    }
    text.push_str("  git realm help join\n\n");
    text.push_str("Common options:\n");
    let common = crate::cli::GlobalArgs::augment_args(Command::new("common"));
    for arg in common.get_arguments().filter(|a| !a.is_hide_set()) {
        let mut term: Vec<String> = Vec::new();
        if let Some(c) = arg.get_short() {
            term.push(format!("-{c}"));
        }
        if let Some(l) = arg.get_long() {
            term.push(format!("--{l}"));
        }
        let mut term = term.join(", ");
        if arg.get_action().takes_values()
            && let Some(name) = arg.get_value_names().and_then(|v| v.first())
        {
            term.push_str(&format!(" <{name}>"));
        }
        text.push_str(&format!("  {term}  {}\n", first_line(arg.get_help())));
    }
    text.push('\n');
    text.push_str(crate::cli::EXIT_STATUS);
    text
}
