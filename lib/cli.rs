//! The one runner every `git-realm-<sub>` executable goes through.
//!
//! It owns the options common to all commands, colour, error printing and the exit
//! status; commands return values and never print errors or exit themselves.

use std::ffi::OsString;

use clap::Parser;

use crate::error::{Exit, Result};
use crate::model::Name;
use crate::ui::{ColorWhen, Ui};

/// The exit-code table, shown at the end of every `--help` (a macro so that
/// `concat!` can put examples before it).
#[macro_export]
macro_rules! exit_status {
    () => {
        "Exit status:
  0  success
  1  needs attention (check, status --exit-code; sync: an export not computed)
  2  bad usage or invalid input (the file, field or argument is named)
  3  conflict, remote rejected after retries, or a breaking change refused
  4  a required external program (git, gh) is missing or failed
  5  internal failure (a corrupt repository, an I/O error, a bug)"
    };
}

pub const EXIT_STATUS: &str = exit_status!();

/// Options every command accepts.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct GlobalArgs {
    /// Act on this realm only (default: every realm this repository belongs to)
    #[arg(long, value_name = "NAME", global = true)]
    pub realm: Option<Name>,

    /// Print one JSON document on stdout instead of text
    #[arg(long, global = true)]
    pub json: bool,

    /// When to colour the output (also honours NO_COLOR, CLICOLOR_FORCE and git's color.realm and color.ui)
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto, global = true)]
    pub color: ColorWhen,

    /// Print only errors
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Explain what is happening on stderr (retries, git commands)
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

/// One subcommand: its arguments (a clap parser) and what it does.
pub trait Command: Parser {
    /// Options renamed in this command, `(old, new)`: an old one given with other
    /// arguments is refused with the new name (alone, `--version` is the version).
    const RENAMED: &'static [(&'static str, &'static str)] = &[];

    fn global(&self) -> &GlobalArgs;
    fn run(self, ui: &Ui) -> Result<Exit>;
}

/// git's colour setting for git-realm: `color.realm`, else `color.ui`, from the
/// configuration visible here (`git -c`, repository, global, system).
/// A value git does not accept there is an error naming the key, as in git
/// (`fatal: bad boolean config value 'sometimes' for 'color.ui'`), exit 2.
fn git_color_setting() -> Option<String> {
    let repo = crate::git::open_early();
    let (key, value) = ["color.realm", "color.ui"].into_iter().find_map(|key| {
        let value = match &repo {
            Some(repo) => crate::git::config_string(repo, key),
            None => crate::git::overrides::lookup(key),
        };
        Some((key, value?))
    })?;
    if crate::ui::color_setting(&value).is_none() {
        eprintln!(
            "error: bad config value '{value}' for '{key}' (always, never, auto or a boolean)"
        );
        std::process::exit(Exit::Usage.code());
    }
    Some(value)
}

/// A command line clap did not run: help and version go to stdout, whose write
/// errors count as any other's (a full disk is exit 5, a closed pipe 141);
/// a usage error is also the one JSON document of a `--json` run.
fn refused(e: clap::Error, argv: &[OsString]) -> ! {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        if let Err(err) = e
            .print()
            .and_then(|()| std::io::Write::flush(&mut std::io::stdout()))
        {
            crate::ui::stdout_failed(&err);
        }
        std::process::exit(0);
    }
    if e.use_stderr() {
        let text = e.to_string();
        let message = text
            .lines()
            .next()
            .unwrap_or_default()
            .trim_start_matches("error: ");
        crate::ui::json_usage_error(&argv[1..], message, &[]);
    }
    e.exit()
}

/// Refuse an option `C` renamed, naming its new spelling.
fn renamed_options<C: Command>() {
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    if args.len() < 2 {
        return;
    }
    for arg in args.iter().take_while(|a| *a != "--") {
        for (old, new) in C::RENAMED {
            if arg == old || arg.starts_with(&format!("{old}=")) {
                eprintln!("error: {old} was renamed: use {new}");
                if *old == "--version" {
                    eprintln!("hint: -V/--version alone prints git-realm's version");
                }
                std::process::exit(Exit::Usage.code());
            }
        }
    }
}

/// Options that apply to every subcommand, given before a subcommand's name
/// (`git realm --json pr status`, `git realm worktree -q finish x`), moved after it.
/// A command that also runs without a subcommand refuses any argument before one
/// (clap's `args_conflicts_with_subcommands`), and `--json` there is not the
/// command's own argument but everyone's.
fn globals_after_subcommand(cmd: &clap::Command, mut args: Vec<OsString>) -> Vec<OsString> {
    if !cmd.is_args_conflicts_with_subcommands_set() {
        return args;
    }
    let globals: Vec<&clap::Arg> = cmd.get_arguments().filter(|a| a.is_global_set()).collect();
    // How many words the global option at `word` spans (0: not a global option).
    let global_words = |word: &str| -> usize {
        if let Some(long) = word.strip_prefix("--") {
            let (name, inline_value) = match long.split_once('=') {
                Some((name, _)) => (name, true),
                None => (long, false),
            };
            return match globals.iter().find(|a| a.get_long() == Some(name)) {
                Some(a) if a.get_action().takes_values() && !inline_value => 2,
                Some(_) => 1,
                None => 0,
            };
        }
        let Some(shorts) = word.strip_prefix('-') else {
            return 0;
        };
        let is_flag = |c: char| {
            globals
                .iter()
                .any(|a| a.get_short() == Some(c) && !a.get_action().takes_values())
        };
        usize::from(!shorts.is_empty() && shorts.chars().all(is_flag))
    };
    let mut i = 1;
    while let Some(word) = args.get(i).map(|w| w.to_string_lossy().into_owned()) {
        match global_words(&word) {
            0 => break,
            n => i += n,
        }
    }
    let is_subcommand = args.get(i).is_some_and(|word| {
        let word = word.to_string_lossy();
        cmd.get_subcommands()
            .any(|s| s.get_name() == word || s.get_all_aliases().any(|a| a == word))
    });
    if i > 1 && i < args.len() && is_subcommand {
        let sub = args.remove(i);
        args.insert(1, sub);
    }
    args
}

/// Parse the command line, run the command, print any error, exit.
pub fn main<C: Command>() -> ! {
    renamed_options::<C>();
    let argv: Vec<OsString> = std::env::args_os().collect();
    // Parsed as given first: the common case builds no second parser.
    let args = C::try_parse_from(&argv)
        .or_else(|refused| {
            let moved = globals_after_subcommand(&C::command(), argv.clone());
            if moved == argv {
                Err(refused)
            } else {
                C::try_parse_from(moved)
            }
        })
        .unwrap_or_else(|e| refused(e, &argv));
    let global = args.global().clone();
    let ui = Ui::new(
        global.color,
        git_color_setting,
        global.quiet,
        global.verbose,
        global.json,
    );
    let flush = crate::ui::FlushStdout;
    let code = match args.run(&ui) {
        Ok(exit) => exit.code(),
        Err(err) => {
            ui.error(&err);
            err.exit.code()
        }
    };
    // How much of the realm this command read (tests/scaling.rs compares it).
    let read = crate::store::cache::objects_read();
    if read > 0 {
        crate::ui::verbose(&format!("{read} realm objects read"));
    }
    // `exit` runs no destructors.
    drop(flush);
    std::process::exit(code)
}
