//! Shell completions: the bash, zsh and fish scripts under `completions/`.
//!
//! clap_complete's bash output is broken for hyphenated names and knows nothing
//! of git's `_git_realm` hook, so each script is one small hand-written engine per
//! shell (`engine.bash`, `engine.zsh`, `engine.fish`, included verbatim) after
//! tables generated here from the clap tree: per command path, its subcommands,
//! its options, which options take a value, and what kind of value (realm names,
//! domains and changes from the local realm copies, a fixed list, files,
//! directories). `--realm` completes the realms configured in the current
//! repository (`realm.<name>.url`).
//!
//! The Rust side writes only the per-command tables (`__git_realm_node`,
//! `__git_realm_value`) and the lines registering the scripts; it does not parse
//! a command line. The engines parse what was typed and know no command: all they
//! know comes from those tables. Man pages are `man.rs`.

use std::path::PathBuf;

use clap::builder::ValueHint;
use clap::{Arg, Command};

use super::help_text::first_line;
use super::{COMPLETIONS_DIR, ROOT, root};
use crate::commands;

/// The engines: parse the words typed so far and complete them from the tables.
const BASH_ENGINE: &str = include_str!("engine.bash");
const ZSH_ENGINE: &str = include_str!("engine.zsh");
const FISH_ENGINE: &str = include_str!("engine.fish");

/// The three completion scripts: `completions/git-realm.bash`,
/// `completions/_git-realm` (zsh) and `completions/git-realm.fish`.
pub fn completions() -> Vec<(PathBuf, Vec<u8>)> {
    let tree = Tree::new();
    let dir = PathBuf::from(COMPLETIONS_DIR);
    vec![
        (dir.join("git-realm.bash"), tree.bash().into_bytes()),
        (dir.join("_git-realm"), tree.zsh().into_bytes()),
        (dir.join("git-realm.fish"), tree.fish().into_bytes()),
    ]
}

/// What an option or positional argument takes.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    /// The realms configured in the current repository.
    Realm,
    /// The domains in the local copies of this repository's realms.
    Domain,
    /// The changes in the local copies of this repository's realms.
    Change,
    /// One of these (value, description).
    Choices(Vec<(String, String)>),
    Files,
    Dirs,
    /// Free text: only the value's name can be shown.
    Other(String),
}

/// A value lookup key: an option spelling (`--realm`), or a positional index
/// (`#0`); `multiple` for the last positional taking any number of values.
#[derive(Debug, Clone)]
struct ValueKey {
    key: String,
    multiple: bool,
}

/// One command of the tree: `path` is the subcommand names after `git realm`
/// (empty for `git-realm` itself).
#[derive(Debug)]
struct Node {
    path: String,
    /// (name, description)
    subs: Vec<(String, String)>,
    /// (spellings, description, value)
    opts: Vec<(Vec<String>, String, Option<Value>)>,
    positionals: Vec<(ValueKey, Value)>,
}

/// Script code completing a value, with the `path|key` lookup keys that use it.
type ValueTable = Vec<(String, Vec<String>)>;

struct Tree {
    nodes: Vec<Node>,
    /// The names of the `git-realm-<sub>` executables.
    executables: Vec<String>,
}

fn value_of(arg: &Arg) -> Value {
    if arg.get_long() == Some("realm") {
        return Value::Realm;
    }
    // Names that exist in the realm: read from the local copy, never the network.
    let value_name = arg
        .get_value_names()
        .and_then(|v| v.first())
        .map(|n| n.as_str());
    if arg.get_long() == Some("domain") || value_name == Some("DOMAIN") {
        return Value::Domain;
    }
    if arg.get_long() == Some("change") || value_name == Some("CHANGE") {
        return Value::Change;
    }
    let choices: Vec<(String, String)> = arg
        .get_possible_values()
        .into_iter()
        .filter(|p| !p.is_hide_set())
        .map(|p| (p.get_name().to_owned(), first_line(p.get_help())))
        .collect();
    if !choices.is_empty() {
        return Value::Choices(choices);
    }
    match arg.get_value_hint() {
        ValueHint::AnyPath | ValueHint::FilePath | ValueHint::ExecutablePath => Value::Files,
        ValueHint::DirPath => Value::Dirs,
        _ => Value::Other(
            arg.get_value_names()
                .and_then(|v| v.first())
                .map(|v| v.to_string())
                .unwrap_or_else(|| arg.get_id().to_string().to_uppercase()),
        ),
    }
}

impl Tree {
    fn new() -> Self {
        let executables = commands::builtins()
            .iter()
            .map(|c| c.get_name().to_owned())
            .collect();
        Self::from_root(root(), executables)
    }

    fn from_root(mut root: Command, executables: Vec<String>) -> Self {
        root.build();
        let mut nodes = Vec::new();
        Self::walk(&root, String::new(), &mut nodes);
        Tree { nodes, executables }
    }

    fn walk(cmd: &Command, path: String, nodes: &mut Vec<Node>) {
        // clap's `help` lists itself among the commands it explains: not useful.
        let subs: Vec<&Command> = cmd
            .get_subcommands()
            .filter(|s| !s.is_hide_set())
            .filter(|s| !(cmd.get_name() == "help" && s.get_name() == "help"))
            .collect();
        let mut opts = Vec::new();
        let mut positionals = Vec::new();
        for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
            if arg.is_positional() {
                let multiple = arg.get_num_args().is_some_and(|n| n.max_values() > 1);
                let key = ValueKey {
                    key: format!("#{}", positionals.len()),
                    multiple,
                };
                positionals.push((key, value_of(arg)));
                continue;
            }
            let mut spellings: Vec<String> = Vec::new();
            for c in arg.get_short_and_visible_aliases().unwrap_or_default() {
                spellings.push(format!("-{c}"));
            }
            for l in arg.get_long_and_visible_aliases().unwrap_or_default() {
                spellings.push(format!("--{l}"));
            }
            let value = arg.get_action().takes_values().then(|| value_of(arg));
            opts.push((spellings, first_line(arg.get_help()), value));
        }
        // Nothing to complete (the `*` case of the scripts): no entry.
        let empty = subs.is_empty() && opts.is_empty() && positionals.is_empty();
        if !empty {
            nodes.push(Node {
                path: path.clone(),
                subs: subs
                    .iter()
                    .map(|s| (s.get_name().to_owned(), first_line(s.get_about())))
                    .collect(),
                opts,
                positionals,
            });
        }
        for sub in subs {
            let child = if path.is_empty() {
                sub.get_name().to_owned()
            } else {
                format!("{path} {}", sub.get_name())
            };
            Self::walk(sub, child, nodes);
        }
    }

    /// Every `path|key` lookup key, grouped by the script code `render` gives
    /// its value (`None`: the script's default, no entry), so each script lists
    /// each piece of code once: the exact keys, then the prefixes of the keys of
    /// positional arguments taking any number of values.
    fn value_table(&self, render: &dyn Fn(&Value) -> Option<String>) -> (ValueTable, ValueTable) {
        let mut exact = ValueTable::new();
        let mut rest = ValueTable::new();
        let add = |table: &mut ValueTable, value: &Value, key: String| {
            let Some(code) = render(value) else {
                return;
            };
            match table.iter_mut().find(|(c, _)| *c == code) {
                Some((_, keys)) => keys.push(key),
                None => table.push((code, vec![key])),
            }
        };
        for node in &self.nodes {
            for (spellings, _, value) in &node.opts {
                if let Some(value) = value {
                    for s in spellings {
                        add(&mut exact, value, format!("{}|{s}", node.path));
                    }
                }
            }
            for (key, value) in &node.positionals {
                if key.multiple {
                    add(&mut rest, value, format!("{}|#", node.path));
                } else {
                    add(&mut exact, value, format!("{}|{}", node.path, key.key));
                }
            }
        }
        (exact, rest)
    }

    // --- bash -------------------------------------------------------------

    fn bash(&self) -> String {
        let mut s = String::new();
        s.push_str(&header("#", "bash"));
        s.push_str(
            "\n# __git_realm_node PATH: the subcommands, options and options taking a value\n\
             # of the command PATH (\"\" for git-realm itself, \"join\", ...).\n\
             __git_realm_node ()\n{\n\tcase \"$1\" in\n",
        );
        for node in &self.nodes {
            let subs: Vec<&str> = node.subs.iter().map(|(n, _)| n.as_str()).collect();
            let opts: Vec<&str> = node
                .opts
                .iter()
                .flat_map(|(sp, _, _)| sp.iter().map(String::as_str))
                .collect();
            let vopts: Vec<&str> = node
                .opts
                .iter()
                .filter(|(_, _, v)| v.is_some())
                .flat_map(|(sp, _, _)| sp.iter().map(String::as_str))
                .collect();
            s.push_str(&format!(
                "\t{})\n\t\t__git_realm_subs={}\n\t\t__git_realm_opts={}\n\t\t__git_realm_vopts={} ;;\n",
                sh_quote(&node.path),
                sh_quote(&subs.join(" ")),
                sh_quote(&opts.join(" ")),
                sh_quote(&vopts.join(" ")),
            ));
        }
        s.push_str(
            "\t*)\n\t\t__git_realm_subs= __git_realm_opts= __git_realm_vopts= ;;\n\tesac\n}\n",
        );

        s.push_str(
            "\n# __git_realm_value PATH OPTION|#N: what the option (or the N-th positional\n\
             # argument) of PATH takes; sets __git_realm_kind and __git_realm_words.\n\
             __git_realm_value ()\n{\n\t__git_realm_words=\n\tcase \"$1|$2\" in\n",
        );
        let bash_value = |v: &Value| match v {
            Value::Realm => Some("__git_realm_kind=realm".to_owned()),
            Value::Domain => Some("__git_realm_kind=domain".to_owned()),
            Value::Change => Some("__git_realm_kind=change".to_owned()),
            Value::Choices(c) => {
                let words: Vec<&str> = c.iter().map(|(n, _)| n.as_str()).collect();
                Some(format!(
                    "__git_realm_kind=words __git_realm_words={}",
                    sh_quote(&words.join(" "))
                ))
            }
            Value::Files => Some("__git_realm_kind=files".to_owned()),
            Value::Dirs => Some("__git_realm_kind=dirs".to_owned()),
            Value::Other(_) => None,
        };
        let (exact, rest) = self.value_table(&bash_value);
        for (code, keys) in &exact {
            let pats: Vec<String> = keys.iter().map(|k| sh_quote(k)).collect();
            s.push_str(&format!("\t{})\n\t\t{code} ;;\n", pats.join("|\\\n\t")));
        }
        s.push_str("\t*)\n\t\tcase \"$1|$2\" in\n");
        for (code, keys) in &rest {
            let pats: Vec<String> = keys.iter().map(|k| format!("{}*", sh_quote(k))).collect();
            s.push_str(&format!("\t\t{}) {code} ;;\n", pats.join("|")));
        }
        s.push_str("\t\t*) __git_realm_kind=none ;;\n\t\tesac ;;\n\tesac\n}\n");
        s.push('\n');
        s.push_str(BASH_ENGINE);
        s.push_str(&format!(
            "\ncomplete -o bashdefault -o default -F _git_realm_main {ROOT} {} 2>/dev/null ||\n\tcomplete -o default -F _git_realm_main {ROOT} {}\n",
            self.executables.join(" "),
            self.executables.join(" ")
        ));
        s
    }

    // --- zsh --------------------------------------------------------------

    fn zsh(&self) -> String {
        let mut s = format!(
            "#compdef {ROOT} {}\n#description {}\n",
            self.executables.join(" "),
            "coordinate changes across repositories owned by different teams"
        );
        s.push_str(&header("#", "zsh"));
        s.push_str(
            "\n# __git_realm_node PATH: the subcommands, options and options taking a value\n\
             # of the command PATH (\"\" for git-realm itself, \"join\", ...).\n\
             __git_realm_node () {\n  case $1 in\n",
        );
        let describe = |name: &str, desc: &str| {
            let name = name.replace('\\', "\\\\").replace(':', "\\:");
            if desc.is_empty() {
                sh_quote(&name)
            } else {
                sh_quote(&format!("{name}:{desc}"))
            }
        };
        for node in &self.nodes {
            let subs: Vec<String> = node.subs.iter().map(|(n, d)| describe(n, d)).collect();
            let opts: Vec<String> = node
                .opts
                .iter()
                .flat_map(|(sp, d, _)| sp.iter().map(move |s| describe(s, d)))
                .collect();
            let vopts: Vec<String> = node
                .opts
                .iter()
                .filter(|(_, _, v)| v.is_some())
                .flat_map(|(sp, _, _)| sp.iter().map(|s| sh_quote(s)))
                .collect();
            s.push_str(&format!(
                "    ({})\n      __git_realm_subs=({})\n      __git_realm_opts=({})\n      __git_realm_vopts=({}) ;;\n",
                sh_quote(&node.path),
                zsh_list(&subs),
                zsh_list(&opts),
                zsh_list(&vopts),
            ));
        }
        s.push_str(
            "    (*)\n      __git_realm_subs=() __git_realm_opts=() __git_realm_vopts=() ;;\n  esac\n}\n",
        );
        s.push_str(
            "\n# __git_realm_value PATH OPTION|#N: complete the value of the option (or of\n\
             # the N-th positional argument) of PATH.\n\
             __git_realm_value () {\n  local -a values\n  case \"$1|$2\" in\n",
        );
        let zsh_value = |v: &Value| {
            Some(match v {
                Value::Realm => "__git_realm_realms".to_owned(),
                Value::Domain => "__git_realm_names domains domain".to_owned(),
                Value::Change => "__git_realm_names changes change".to_owned(),
                Value::Choices(c) => {
                    let items: Vec<String> = c.iter().map(|(n, d)| describe(n, d)).collect();
                    format!(
                        "values=({})\n      _describe -t values value values",
                        zsh_list(&items)
                    )
                }
                Value::Files => "_files".to_owned(),
                Value::Dirs => "_files -/".to_owned(),
                Value::Other(name) => format!("_message -e values {}", sh_quote(name)),
            })
        };
        let (exact, rest) = self.value_table(&zsh_value);
        for (code, keys) in &exact {
            let pats: Vec<String> = keys.iter().map(|k| sh_quote(k)).collect();
            s.push_str(&format!(
                "    ({})\n      {code} ;;\n",
                pats.join("|\\\n     ")
            ));
        }
        s.push_str("    (*)\n      case \"$1|$2\" in\n");
        for (code, keys) in &rest {
            let pats: Vec<String> = keys.iter().map(|k| format!("{}*", sh_quote(k))).collect();
            s.push_str(&format!("        ({}) {code} ;;\n", pats.join("|")));
        }
        s.push_str("        (*) _message -e values value ;;\n      esac ;;\n  esac\n}\n");
        s.push('\n');
        s.push_str(ZSH_ENGINE);
        s.push_str(&format!(
            "\nif [[ $funcstack[1] == _git-realm ]]; then\n  _git-realm \"$@\"\nelse\n  compdef _git-realm {ROOT} {}\nfi\n",
            self.executables.join(" ")
        ));
        s
    }

    // --- fish -------------------------------------------------------------

    fn fish(&self) -> String {
        let mut s = header("#", "fish");
        s.push_str(
            "\n# __git_realm_node PATH: the subcommands, options and options taking a value\n\
             # of the command PATH (\"\" for git-realm itself, \"join\", ...).\n\
             function __git_realm_node -a cmdpath\n    set -g __git_realm_subs\n    set -g __git_realm_opts\n    set -g __git_realm_vopts\n    switch \"$cmdpath\"\n",
        );
        let item = |name: &str, desc: &str| {
            if desc.is_empty() {
                fish_quote(name)
            } else {
                format!("{}\\t{}", fish_quote(name), fish_quote(desc))
            }
        };
        for node in &self.nodes {
            let subs: Vec<String> = node.subs.iter().map(|(n, d)| item(n, d)).collect();
            let opts: Vec<String> = node
                .opts
                .iter()
                .flat_map(|(sp, d, _)| sp.iter().map(move |s| item(s, d)))
                .collect();
            let vopts: Vec<String> = node
                .opts
                .iter()
                .filter(|(_, _, v)| v.is_some())
                .flat_map(|(sp, _, _)| sp.iter().map(|s| fish_quote(s)))
                .collect();
            s.push_str(&format!("        case {}\n", fish_quote(&node.path)));
            for (var, list) in [("subs", subs), ("opts", opts), ("vopts", vopts)] {
                if !list.is_empty() {
                    s.push_str(&format!(
                        "            set __git_realm_{var} {}\n",
                        list.join(" ")
                    ));
                }
            }
        }
        s.push_str("    end\nend\n");
        s.push_str(
            "\n# __git_realm_value PATH OPTION|#N PREFIX CUR: print the candidate values of\n\
             # the option (or of the N-th positional argument) of PATH, each after PREFIX.\n\
             function __git_realm_value -a cmdpath key prefix cur\n    switch \"$cmdpath|$key\"\n",
        );
        let fish_value = |v: &Value| {
            match v {
            Value::Realm => Some("__git_realm_realms $prefix".to_owned()),
            Value::Domain => Some("__git_realm_names domains $prefix".to_owned()),
            Value::Change => Some("__git_realm_names changes $prefix".to_owned()),
            Value::Choices(c) => {
                let items: Vec<String> = c.iter().map(|(n, d)| item(n, d)).collect();
                Some(format!("printf '%s\\n' $prefix{}", items.join(" $prefix")))
            }
            Value::Files => Some(
                "for f in (__fish_complete_path $cur)\n                printf '%s%s\\n' $prefix $f\n            end"
                    .to_owned(),
            ),
            Value::Dirs => Some(
                "for f in (__fish_complete_directories $cur)\n                printf '%s%s\\n' $prefix $f\n            end"
                    .to_owned(),
            ),
            Value::Other(_) => None,
        }
        };
        let (exact, rest) = self.value_table(&fish_value);
        for (code, keys) in &exact {
            let pats: Vec<String> = keys.iter().map(|k| fish_quote(k)).collect();
            s.push_str(&format!(
                "        case {}\n            {code}\n",
                pats.join(" \\\n            ")
            ));
        }
        // In `switch`, `*` matches even when quoted.
        for (code, keys) in &rest {
            let pats: Vec<String> = keys.iter().map(|k| fish_quote(&format!("{k}*"))).collect();
            s.push_str(&format!(
                "        case {}\n            {code}\n",
                pats.join(" ")
            ));
        }
        s.push_str("    end\nend\n");
        s.push('\n');
        s.push_str(FISH_ENGINE);
        s.push('\n');
        for exe in std::iter::once(ROOT.to_owned()).chain(self.executables.iter().cloned()) {
            s.push_str(&format!(
                "complete -c {exe} -f -a '(__git_realm_complete)'\n"
            ));
        }
        s.push_str("complete -c git -f -n __git_realm_using_realm -a '(__git_realm_complete)'\n");
        s
    }
}

fn header(comment: &str, shell: &str) -> String {
    format!(
        "{comment} {shell} completion for git-realm: `git realm ...`, `git-realm ...` and\n\
         {comment} `git-realm-<command> ...`. `--realm` completes the realms of the current\n\
         {comment} repository (git config realm.<name>.url).\n\
         {comment}\n\
         {comment} Generated from the clap definitions of git-realm {}: do not edit.\n\
         {comment} Regenerate with `UPDATE_DOCS=1 cargo test --test docs`.\n",
        env!("CARGO_PKG_VERSION")
    )
}

/// Single-quoted for bash and zsh.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Single-quoted for fish.
fn fish_quote(s: &str) -> String {
    format!("'{}'", s.replace('\\', r"\\").replace('\'', r"\'"))
}

fn zsh_list(items: &[String]) -> String {
    if items.is_empty() {
        String::new()
    } else {
        format!("\n        {}\n      ", items.join("\n        "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_kinds_from_clap() {
        let root = Command::new(ROOT).subcommand(
            Command::new("add")
                .arg(Arg::new("realm").long("realm"))
                .arg(Arg::new("mode").long("mode").value_parser(["fast", "slow"]))
                .arg(Arg::new("dir").long("dir").value_hint(ValueHint::DirPath))
                .arg(Arg::new("first").value_parser(clap::value_parser!(String)))
                .arg(
                    Arg::new("paths")
                        .num_args(1..)
                        .value_parser(clap::value_parser!(PathBuf)),
                ),
        );
        let tree = Tree::from_root(root, vec!["git-realm-add".into()]);
        let bash = tree.bash();
        assert!(bash.contains("'add|--realm')\n\t\t__git_realm_kind=realm ;;"));
        assert!(bash.contains("__git_realm_words='fast slow'"));
        assert!(bash.contains("'add|--dir')\n\t\t__git_realm_kind=dirs ;;"));
        assert!(bash.contains("'add|#'*) __git_realm_kind=files ;;"));
        assert!(!bash.contains("'add|#0'"), "free text needs no entry");
        assert!(bash.contains("git-realm git-realm-add"));
        let zsh = tree.zsh();
        assert!(zsh.contains("('add|#0')\n      _message -e values 'FIRST' ;;"));
        assert!(zsh.contains("('add|#'*) _files ;;"));
        let fish = tree.fish();
        assert!(fish.contains("case 'add|#*'\n"));
        assert!(fish.contains("complete -c git-realm-add -f"));
    }

    #[test]
    fn quoting() {
        assert_eq!(sh_quote("git's"), r"'git'\''s'");
        assert_eq!(fish_quote(r"a'b\c"), r"'a\'b\\c'");
    }
}
