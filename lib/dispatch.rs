//! The `git-realm` program: git runs it for `git realm …`, and it runs
//! `git-realm-<sub>` (next to itself first, then on `PATH`), the way git and cargo
//! dispatch to their subcommands. Other `git-realm-*` programs on `PATH` are
//! extensions: listed by `git realm help` and run like built-ins.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;

use crate::commands;
use crate::error::Exit;

fn sibling(program: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let candidate = exe.parent()?.join(program);
    candidate.is_file().then_some(candidate)
}

/// Find `git-realm-<sub>`: next to this executable, then on `PATH`.
pub fn find_subcommand(sub: &str) -> Option<PathBuf> {
    if sub.is_empty() || sub.contains(['/', '\\']) || sub.starts_with('-') {
        return None;
    }
    let program = format!("git-realm-{sub}");
    sibling(&program).or_else(|| which::which(&program).ok())
}

/// `git-realm-*` programs on `PATH` that are not built in.
pub fn extensions() -> Vec<String> {
    let builtin: Vec<String> = commands::builtins()
        .iter()
        .map(|c| commands::sub_name(c).to_owned())
        .collect();
    let mut found = Vec::new();
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(sub) = name.strip_prefix("git-realm-") else {
                continue;
            };
            let executable = {
                use std::os::unix::fs::PermissionsExt;
                entry
                    .metadata()
                    .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
                    .unwrap_or(false)
            };
            if executable
                && !sub.is_empty()
                && !builtin.iter().any(|b| b == sub)
                && !found.contains(&sub.to_owned())
            {
                found.push(sub.to_owned());
            }
        }
    }
    found.sort();
    found
}

/// The overview printed by `git realm` and `git realm help`.
pub fn overview() -> String {
    let mut text = String::from(
        "usage: git realm [--version] [--realm NAME] [--json] [--color WHEN] [-q | -v]\n                 [help] <command> [<args>]\n\n\
         Coordinate changes across git repositories owned by different teams.\n\n\
         Commands:\n",
    );
    for cmd in commands::builtins() {
        let about = cmd.get_about().map(|a| a.to_string()).unwrap_or_default();
        text.push_str(&format!("  {:<10} {about}\n", commands::sub_name(&cmd)));
    }
    let ext = extensions();
    if !ext.is_empty() {
        text.push_str("\nExtensions (git-realm-* on PATH):\n");
        for e in ext {
            text.push_str(&format!("  {e}\n"));
        }
    }
    text.push_str("\n'git realm help <command>' or 'git realm <command> --help' tells more about a command.\n\n");
    text.push_str(crate::cli::EXIT_STATUS);
    text.push('\n');
    text
}

/// The closest known subcommand to a mistyped one.
pub fn suggest(typed: &str) -> Option<String> {
    let mut names: Vec<String> = commands::builtins()
        .iter()
        .map(|c| commands::sub_name(c).to_owned())
        .collect();
    names.extend(extensions());
    names
        .into_iter()
        .map(|n| (strsim::damerau_levenshtein(typed, &n), n))
        .filter(|(d, n)| *d <= 2.max(n.len() / 3) || n.starts_with(typed))
        .min()
        .map(|(_, n)| n)
}

fn exec(program: PathBuf, args: &[OsString]) -> ! {
    let err = std::process::Command::new(&program).args(args).exec();
    eprintln!("error: cannot run {}: {err}", program.display());
    std::process::exit(Exit::External.code())
}

/// Split the options common to every command that come before the subcommand
/// (`git realm -q --realm r status`) from the rest: they are handed on to
/// `git-realm-<sub>`, whose parser knows them. Anything else starting with `-` is
/// returned as the first word, for the caller to refuse.
pub fn leading_globals(args: &[OsString]) -> (Vec<OsString>, &[OsString]) {
    let mut globals = Vec::new();
    let mut i = 0;
    while let Some(arg) = args.get(i).map(|a| a.to_string_lossy()) {
        let takes_value = matches!(arg.as_ref(), "--realm" | "--color");
        let flag = matches!(arg.as_ref(), "--json" | "--quiet" | "--verbose")
            || arg.starts_with("--realm=")
            || arg.starts_with("--color=")
            || (arg.len() > 1
                && arg.starts_with('-')
                && !arg.starts_with("--")
                && arg[1..].chars().all(|c| c == 'q' || c == 'v'));
        if takes_value && i + 1 < args.len() {
            globals.extend_from_slice(&args[i..i + 2]);
            i += 2;
        } else if flag {
            globals.push(args[i].clone());
            i += 1;
        } else {
            break;
        }
    }
    (globals, &args[i..])
}

pub fn main() -> ! {
    let all: Vec<OsString> = std::env::args_os().skip(1).collect();
    let (globals, args) = leading_globals(&all);
    let first = args.first().map(|a| a.to_string_lossy().into_owned());
    match first.as_deref() {
        None | Some("-h" | "--help") => {
            crate::ui::stdout_raw(&overview());
            std::process::exit(0)
        }
        // Options after `help` (`git realm help -q join`) are common options,
        // not topics: the topic is the first word that is not one.
        Some("help") => match args[1..]
            .iter()
            .find(|a| !a.to_string_lossy().starts_with('-'))
        {
            None => {
                crate::ui::stdout_raw(&overview());
                std::process::exit(0)
            }
            Some(topic) => run_sub(&topic.to_string_lossy(), &[OsString::from("--help")]),
        },
        Some("-V" | "--version") => {
            crate::ui::stdout_raw(&format!("git-realm {}\n", env!("CARGO_PKG_VERSION")));
            std::process::exit(0)
        }
        Some(option) if option.starts_with('-') => {
            crate::ui::json_usage_error(&globals, &format!("unknown option '{option}'"), &[]);
            eprintln!("error: unknown option '{option}'");
            eprintln!(
                "usage: git realm [--realm NAME] [--json] [--color WHEN] [-q | -v] <command> [<args>]"
            );
            std::process::exit(Exit::Usage.code())
        }
        Some(sub) => {
            let mut rest = globals;
            rest.extend_from_slice(&args[1..]);
            run_sub(sub, &rest)
        }
    }
}

fn run_sub(sub: &str, rest: &[OsString]) -> ! {
    match find_subcommand(sub) {
        Some(program) => exec(program, rest),
        None => {
            let similar = suggest(sub);
            let hints: Vec<String> = similar
                .iter()
                .map(|s| format!("the most similar command is {s}"))
                .collect();
            crate::ui::json_usage_error(
                rest,
                &format!("'{sub}' is not a git-realm command"),
                &hints,
            );
            eprintln!("git realm: '{sub}' is not a git-realm command. See 'git realm help'.");
            if let Some(s) = similar {
                eprintln!("\nThe most similar command is\n\t{s}");
            }
            std::process::exit(Exit::Usage.code())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::leading_globals;
    use std::ffi::OsString;

    fn words(s: &str) -> Vec<OsString> {
        s.split_whitespace().map(OsString::from).collect()
    }

    #[test]
    fn options_before_the_subcommand_are_split_off() {
        let args = words("-q --realm r --color=never --json status --short");
        let (globals, rest) = leading_globals(&args);
        assert_eq!(globals, words("-q --realm r --color=never --json"));
        assert_eq!(rest, words("status --short"));
        let args = words("-vq status");
        assert_eq!(leading_globals(&args).0, words("-vq"));
        let args = words("--bogus status");
        let (globals, rest) = leading_globals(&args);
        assert!(globals.is_empty());
        assert_eq!(rest, words("--bogus status"));
        let args = words("--version");
        assert_eq!(leading_globals(&args).1, words("--version"));
    }
}
