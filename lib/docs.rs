//! Man pages and shell completions, generated from the clap definitions of the
//! built-in commands (`commands::builtins()`), so they can never drift from the
//! real options. Nothing here knows about any particular command.
//!
//! The generated files are committed under `man/` and `completions/`;
//! `tests/docs.rs` fails when they are stale and `UPDATE_DOCS=1 cargo test --test
//! docs` rewrites them.
//!
//! Man pages: one for `git-realm` (listing the commands) and one per command and
//! nested subcommand, rendered by clap_mangen, with the `Examples:` and `Exit
//! status:` blocks of a command's `after_long_help` turned into real EXAMPLES and
//! EXIT STATUS sections.
//!
//! Completions: clap_complete's bash output is broken for hyphenated names and
//! knows nothing of git's `_git_realm` hook, so the three scripts (bash, zsh,
//! fish) share one small hand-written engine per shell, fed with tables generated
//! here from the clap tree: per command path, its subcommands, its options, which
//! options take a value, and what kind of value (realm names, a fixed list, files,
//! directories). `--realm` completes the realms configured in the current
//! repository (`realm.<name>.url`).

use std::path::PathBuf;

use clap::builder::ValueHint;
use clap::{Arg, Args, Command};
use clap_mangen::Man;
use clap_mangen::roff::{Roff, bold, roman};

use crate::commands;

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
        let after = cmd
            .get_after_long_help()
            .map(|s| s.to_string())
            .unwrap_or_default();
        let examples = parse_blocks(&after)
            .into_iter()
            .find(|b| b.title == "Examples")
            .map(|b| b.lines)
            .unwrap_or_default();
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

// ---------------------------------------------------------------------------
// Man pages

/// Every man page: `man/man1/git-realm.1`, `man/man1/git-realm-<sub>.1`, and
/// `man/man1/git-realm-<sub>-<nested>.1` for commands with subcommands.
pub fn man_pages() -> Vec<(PathBuf, Vec<u8>)> {
    let mut pages = Vec::new();
    // No `help` subcommand: it would be listed as a page that does not exist.
    let root = root().disable_help_subcommand(true);
    pages.push(man_page(root.clone(), &[], &["git(1)".to_owned()]));
    for cmd in commands::builtins() {
        let parent_examples = Vec::new();
        add_pages(
            &mut pages,
            cmd.disable_help_subcommand(true),
            &parent_examples,
            &[],
            &[format!("{ROOT}(1)")],
        );
    }
    pages
}

/// The page of `cmd` (a `git-realm-…` command, not built), then those of its
/// subcommands. Subcommands get their display and bin names and the global
/// options of their ancestors here, as `Command::build` would give them.
fn add_pages(
    pages: &mut Vec<(PathBuf, Vec<u8>)>,
    cmd: Command,
    parent_examples: &[String],
    globals: &[Arg],
    see_also: &[String],
) {
    let display = cmd.get_display_name().unwrap_or(cmd.get_name()).to_owned();
    let bin = cmd
        .get_bin_name()
        .map(str::to_owned)
        .unwrap_or_else(|| display.replacen('-', " ", 1));
    let own_examples = examples_of(&cmd);
    // A nested subcommand without examples of its own shows its parent's that use it.
    let examples = if own_examples.is_empty() {
        parent_examples
            .iter()
            .filter(|l| {
                let l = l.trim();
                l == bin || l.starts_with(&format!("{bin} "))
            })
            .cloned()
            .collect()
    } else {
        own_examples
    };
    let mut globals = globals.to_vec();
    globals.extend(cmd.get_arguments().filter(|a| a.is_global_set()).cloned());
    let subs: Vec<Command> = cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .cloned()
        .collect();
    pages.push(man_page(cmd, &examples, see_also));
    for sub in subs {
        let name = sub.get_name().to_owned();
        let mut sub = sub
            .display_name(format!("{display}-{name}"))
            .bin_name(format!("{bin} {name}"))
            .disable_help_subcommand(true);
        for g in &globals {
            if !sub.get_arguments().any(|a| a.get_id() == g.get_id()) {
                sub = sub.arg(g.clone());
            }
        }
        add_pages(pages, sub, &examples, &globals, &[format!("{display}(1)")]);
    }
}

fn examples_of(cmd: &Command) -> Vec<String> {
    let after = cmd
        .get_after_long_help()
        .map(|s| s.to_string())
        .unwrap_or_default();
    parse_blocks(&after)
        .into_iter()
        .find(|b| b.title == "Examples")
        .map(|b| b.lines)
        .unwrap_or_default()
}

/// One page. `examples` overrides the ones in `after_long_help` (for nested
/// subcommands) when `after_long_help` has none. Never calls `Command::build`
/// itself: `Man::new` does, on the unbuilt command.
fn man_page(cmd: Command, examples: &[String], see_also: &[String]) -> (PathBuf, Vec<u8>) {
    let after = cmd
        .get_after_long_help()
        .or_else(|| cmd.get_after_help())
        .map(|s| s.to_string())
        .unwrap_or_default();
    let has_subcommands = cmd.get_subcommands().any(|s| !s.is_hide_set());
    let has_version = cmd.get_version().or(cmd.get_long_version()).is_some();
    let man = Man::new(cmd)
        .source(format!("{ROOT} {}", env!("CARGO_PKG_VERSION")))
        .manual("git-realm Manual");
    let file = PathBuf::from(MAN_DIR).join("man1").join(man.get_filename());

    let preamble = Roff::new().render();
    let mut out = String::new();
    let mut push = |bytes: Vec<u8>| {
        let text = String::from_utf8(bytes).expect("man pages are UTF-8");
        // Every rendered piece starts with the same preamble: keep the first only.
        match text.strip_prefix(&preamble) {
            Some(rest) if !out.is_empty() => out.push_str(rest),
            _ => out.push_str(&text),
        }
    };
    let section = |f: &dyn Fn(&mut Vec<u8>) -> std::io::Result<()>| {
        let mut buf = Vec::new();
        f(&mut buf).expect("rendering to memory cannot fail");
        buf
    };
    push(section(&|w| man.render_title(w)));
    push(section(&|w| man.render_name_section(w)));
    push(section(&|w| man.render_synopsis_section(w)));
    push(section(&|w| man.render_description_section(w)));
    push(section(&|w| man.render_options_section(w)));
    if has_subcommands {
        push(section(&|w| man.render_subcommands_section(w)));
    }

    let mut roff = Roff::new();
    let mut blocks = parse_blocks(&after);
    if !examples.is_empty() && !blocks.iter().any(|b| b.title == "Examples") {
        blocks.insert(
            0,
            Block {
                title: "Examples".into(),
                lines: examples.to_vec(),
            },
        );
    }
    if !blocks.iter().any(|b| b.title == "Exit status") {
        let table = parse_blocks(crate::cli::EXIT_STATUS);
        blocks.extend(table);
    }
    for block in &blocks {
        render_block(&mut roff, block);
    }
    if !see_also.is_empty() {
        roff.control("SH", ["SEE ALSO"]);
        roff.text([roman(see_also.join(", "))]);
    }
    push(roff.render().into_bytes());
    if has_version {
        push(section(&|w| man.render_version_section(w)));
    }
    (file, roff_ascii(&out).into_bytes())
}

/// Non-ASCII characters as roff escapes (`→` is `\[u2192]`): every formatter
/// reads them, whatever its input encoding.
fn roff_ascii(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            out.push_str(&format!("\\[u{:04X}]", c as u32));
        }
    }
    out
}

/// A titled block of `after_long_help`: `Title:` on its own line, then the lines
/// up to the next title.
#[derive(Debug, Clone, PartialEq)]
struct Block {
    title: String,
    lines: Vec<String>,
}

fn parse_blocks(text: &str) -> Vec<Block> {
    let mut blocks: Vec<Block> = Vec::new();
    for line in text.lines() {
        let is_title = !line.starts_with(char::is_whitespace)
            && line.ends_with(':')
            && !line.trim().is_empty()
            && !line.contains("  ");
        if is_title {
            blocks.push(Block {
                title: line.trim_end_matches(':').to_owned(),
                lines: Vec::new(),
            });
        } else {
            match blocks.last_mut() {
                Some(b) => b.lines.push(line.to_owned()),
                None => blocks.push(Block {
                    title: "Notes".into(),
                    lines: vec![line.to_owned()],
                }),
            }
        }
    }
    for b in &mut blocks {
        while b.lines.last().is_some_and(|l| l.trim().is_empty()) {
            b.lines.pop();
        }
        while b.lines.first().is_some_and(|l| l.trim().is_empty()) {
            b.lines.remove(0);
        }
    }
    blocks.retain(|b| !b.lines.is_empty());
    blocks
}

/// An indented `term  meaning` line (two or more spaces between them).
fn table_row(line: &str) -> Option<(&str, &str)> {
    if !line.starts_with(char::is_whitespace) {
        return None;
    }
    let trimmed = line.trim();
    let at = trimmed.find("  ")?;
    let (term, meaning) = trimmed.split_at(at);
    Some((term, meaning.trim()))
}

fn render_block(roff: &mut Roff, block: &Block) {
    let title = block.title.to_uppercase();
    roff.control("SH", [title.as_str()]);
    match block.title.as_str() {
        "Examples" => {
            // Literal command lines, as git's own pages show them.
            let indent = block
                .lines
                .iter()
                .filter(|l| !l.trim().is_empty())
                .map(|l| l.len() - l.trim_start().len())
                .min()
                .unwrap_or(0);
            roff.control("PP", []);
            roff.control("RS", ["4"]);
            roff.control("nf", []);
            for line in &block.lines {
                let line = line.get(indent..).unwrap_or("").trim_end();
                roff.text([roman(line)]);
            }
            roff.control("fi", []);
            roff.control("RE", []);
        }
        _ => {
            for line in &block.lines {
                let trimmed = line.trim();
                match table_row(line) {
                    // `  0  success`, `  --json  Print one JSON document`
                    Some((term, meaning)) => {
                        roff.control("TP", []);
                        roff.text([bold(term)]);
                        roff.text([roman(meaning)]);
                    }
                    None if trimmed.is_empty() => {
                        roff.control("PP", []);
                    }
                    None => {
                        roff.text([roman(trimmed)]);
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Completions

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

fn first_line(s: Option<&clap::builder::StyledStr>) -> String {
    let text = s.map(|s| s.to_string()).unwrap_or_default();
    let line = text.lines().next().unwrap_or("").trim();
    line.strip_suffix('.').unwrap_or(line).to_owned()
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
        s.push_str(FISH_ENGINE);
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

const BASH_ENGINE: &str = r##"
# The names under DIR (domains, changes) in the local copies of the realms
# (refs/realm/<realm>/main): offline, and cheap.
__git_realm_names ()
{
	local ref
	for ref in $(git for-each-ref --format='%(refname)' 'refs/realm/*/main' 2>/dev/null); do
		git ls-tree --name-only "$ref" "$1/" 2>/dev/null
	done | sed -e "s|^$1/||" -e 's|\.yaml$||' | sort -u
}

# The realms configured in the current repository (realm.<name>.url).
__git_realm_realms ()
{
	local key _
	if declare -F __git >/dev/null; then
		__git config --get-regexp '^realm\..*\.url$'
	else
		git config --get-regexp '^realm\..*\.url$' 2>/dev/null
	fi | while read -r key _; do
		key=${key#realm.}
		printf '%s\n' "${key%.url}"
	done
}

# __git_realm_complete PATH CUR WORD...: what to offer for CUR, after the WORDs
# typed after the command PATH. Sets __git_realm_kind (words, realm, files, dirs
# or none), __git_realm_words, and __git_realm_cur (the part of CUR to complete).
__git_realm_complete ()
{
	local cmdpath=$1 cur=$2 w expect= dashdash= npos=0
	shift 2
	__git_realm_node "$cmdpath"
	for w; do
		if [[ -n $expect ]]; then
			expect=
			continue
		fi
		if [[ -z $dashdash ]]; then
			case "$w" in
			--) dashdash=1; continue ;;
			--*=*) continue ;;
			-?*)
				[[ " $__git_realm_vopts " == *" $w "* ]] && expect=$w
				continue ;;
			esac
		fi
		if (( npos == 0 )) && [[ -z $dashdash && " $__git_realm_subs " == *" $w "* ]]; then
			cmdpath=${cmdpath:+$cmdpath }$w
			__git_realm_node "$cmdpath"
			continue
		fi
		npos=$((npos + 1))
	done
	__git_realm_cur=$cur
	if [[ -n $expect ]]; then
		__git_realm_value "$cmdpath" "$expect"
	elif [[ -z $dashdash && $cur == --*=* ]]; then
		__git_realm_cur=${cur#*=}
		__git_realm_value "$cmdpath" "${cur%%=*}"
	elif [[ -z $dashdash && $cur == -* ]]; then
		__git_realm_kind=words __git_realm_words=$__git_realm_opts
	elif (( npos == 0 )) && [[ -n $__git_realm_subs ]]; then
		__git_realm_kind=words __git_realm_words=$__git_realm_subs
	else
		__git_realm_value "$cmdpath" "#$npos"
	fi
}

# `git realm ...`: git's completion calls _git_realm, with words, cword and cur set.
_git_realm ()
{
	local i=${__git_cmd_idx:-0}
	if (( i == 0 )); then
		for (( i = 1; i < cword; i++ )); do
			[[ ${words[i]} == realm ]] && break
		done
	fi
	__git_realm_complete "" "$cur" "${words[@]:i+1:cword-i-1}"
	case $__git_realm_kind in
	words) __gitcomp "$__git_realm_words" "" "$__git_realm_cur" ;;
	realm) __gitcomp_nl "$(__git_realm_realms)" "" "$__git_realm_cur" ;;
	domain) __gitcomp_nl "$(__git_realm_names domains)" "" "$__git_realm_cur" ;;
	change) __gitcomp_nl "$(__git_realm_names changes)" "" "$__git_realm_cur" ;;
	dirs) compopt -o dirnames 2>/dev/null ;;
	esac
}

# `git-realm ...` and `git-realm-<command> ...`.
_git_realm_main ()
{
	local cur words cword prev
	if declare -F _get_comp_words_by_ref >/dev/null; then
		_get_comp_words_by_ref -n =: cur words cword prev
	else
		words=("${COMP_WORDS[@]}") cword=$COMP_CWORD cur=${COMP_WORDS[COMP_CWORD]}
	fi
	local cmdpath= cmd=${words[0]##*/}
	[[ $cmd == git-realm-?* ]] && cmdpath=${cmd#git-realm-}
	__git_realm_complete "$cmdpath" "$cur" "${words[@]:1:cword-1}"
	COMPREPLY=()
	case $__git_realm_kind in
	words) COMPREPLY=($(compgen -W "$__git_realm_words" -- "$__git_realm_cur")) ;;
	realm) COMPREPLY=($(compgen -W "$(__git_realm_realms)" -- "$__git_realm_cur")) ;;
	domain) COMPREPLY=($(compgen -W "$(__git_realm_names domains)" -- "$__git_realm_cur")) ;;
	change) COMPREPLY=($(compgen -W "$(__git_realm_names changes)" -- "$__git_realm_cur")) ;;
	dirs) compopt -o dirnames 2>/dev/null ;;
	esac
}
"##;

const ZSH_ENGINE: &str = r##"
# The names under DIR (domains, changes) in the local copies of the realms
# (refs/realm/<realm>/main), described as WHAT.
__git_realm_names () {
  local dir=$1 what=$2 ref
  local -a names
  for ref in ${(f)"$(_call_program refs git for-each-ref --format='%\(refname\)' "'refs/realm/*/main'" 2>/dev/null)"}; do
    names+=(${${${(f)"$(_call_program names git ls-tree --name-only $ref $dir/ 2>/dev/null)"}#$dir/}%.yaml})
  done
  _describe -t ${what}s $what names
}

# The realms configured in the current repository (realm.<name>.url).
__git_realm_realms () {
  local expl
  local -a realms
  realms=(${${(f)"$(_call_program realms git config --get-regexp "'^realm\..*\.url$'" 2>/dev/null)"}%% *})
  realms=(${${realms#realm.}%.url})
  _wanted realms expl realm compadd -a realms
}

_git-realm () {
  local cmdpath= cur=$words[CURRENT] w expect= dashdash=
  integer npos=0
  local -a __git_realm_subs __git_realm_opts __git_realm_vopts names
  [[ ${words[1]:t} == git-realm-?* ]] && cmdpath=${${words[1]:t}#git-realm-}
  __git_realm_node "$cmdpath"
  for w in "${(@)words[2,CURRENT-1]}"; do
    if [[ -n $expect ]]; then
      expect=
      continue
    fi
    if [[ -z $dashdash ]]; then
      case $w in
        (--) dashdash=1; continue ;;
        (--*=*) continue ;;
        (-?*)
          (( ${__git_realm_vopts[(Ie)$w]} )) && expect=$w
          continue ;;
      esac
    fi
    names=(${__git_realm_subs%%:*})
    if (( npos == 0 )) && [[ -z $dashdash ]] && (( ${names[(Ie)$w]} )); then
      cmdpath=${cmdpath:+$cmdpath }$w
      __git_realm_node "$cmdpath"
      continue
    fi
    (( npos++ ))
  done
  if [[ -n $expect ]]; then
    __git_realm_value "$cmdpath" "$expect"
  elif [[ -z $dashdash && $cur == --*=* ]]; then
    compset -P '*='
    __git_realm_value "$cmdpath" "${cur%%=*}"
  elif [[ -z $dashdash && $cur == -* ]]; then
    _describe -t options option __git_realm_opts
  elif (( npos == 0 && $#__git_realm_subs )); then
    _describe -t commands 'git realm command' __git_realm_subs
  else
    __git_realm_value "$cmdpath" "#$npos"
  fi
}
"##;

const FISH_ENGINE: &str = r##"
# The names under DIR (domains, changes) in the local copies of the realms
# (refs/realm/<realm>/main), after PREFIX.
function __git_realm_names -a dir prefix
    for ref in (git for-each-ref --format='%(refname)' 'refs/realm/*/main' 2>/dev/null)
        for name in (git ls-tree --name-only $ref $dir/ 2>/dev/null)
            printf '%s%s\n' "$prefix" (string replace -r '\.yaml$' '' -- (string replace -- "$dir/" '' $name))
        end
    end
end

# The realms configured in the current repository (realm.<name>.url), after PREFIX.
function __git_realm_realms -a prefix
    for line in (git config --get-regexp '^realm\..*\.url$' 2>/dev/null)
        set -l key (string split -m1 ' ' -- $line)[1]
        printf '%s%s\n' "$prefix" (string replace -r '^realm\.(.*)\.url$' '$1' -- $key)
    end
end

# The words after `realm` in `git [options] realm ...`; fails for any other git command.
function __git_realm_git_args
    set -l tokens (commandline -opc)
    set -l i 2
    while test $i -le (count $tokens)
        switch $tokens[$i]
            case -C -c --git-dir --work-tree --namespace --config-env
                set i (math $i + 2)
            case '-*'
                set i (math $i + 1)
            case realm
                set i (math $i + 1)
                while test $i -le (count $tokens)
                    printf '%s\n' $tokens[$i]
                    set i (math $i + 1)
                end
                return 0
            case '*'
                return 1
        end
    end
    return 1
end

function __git_realm_using_realm
    __git_realm_git_args >/dev/null
end

function __git_realm_complete
    set -l tokens (commandline -opc)
    set -l cur (commandline -ct)
    set -l cmdpath ''
    set -l cmd (string replace -r '.*/' '' -- $tokens[1])
    set -l args
    if test "$cmd" = git
        set args (__git_realm_git_args); or return
    else
        set -e tokens[1]
        set args $tokens
        if string match -qr '^git-realm-.' -- $cmd
            set cmdpath (string replace git-realm- '' -- $cmd)
        end
    end
    __git_realm_node $cmdpath
    set -l expect ''
    set -l dashdash ''
    set -l npos 0
    for w in $args
        if test -n "$expect"
            set expect ''
            continue
        end
        if test -z "$dashdash"
            switch $w
                case --
                    set dashdash 1
                    continue
                case '--*=*'
                    continue
                case '-*'
                    if test "$w" != -
                        contains -- $w $__git_realm_vopts; and set expect $w
                        continue
                    end
            end
        end
        if test $npos -eq 0 -a -z "$dashdash"; and contains -- $w (string replace -r '\t.*' '' -- $__git_realm_subs)
            set cmdpath (string trim -- "$cmdpath $w")
            __git_realm_node $cmdpath
            continue
        end
        set npos (math $npos + 1)
    end
    if test -n "$expect"
        __git_realm_value $cmdpath $expect '' $cur
    else if test -z "$dashdash"; and string match -q -- '--*=*' $cur
        set -l opt (string replace -r '=.*' '' -- $cur)
        __git_realm_value $cmdpath $opt "$opt=" (string replace -r '^[^=]*=' '' -- $cur)
    else if test -z "$dashdash"; and string match -q -- '-*' $cur
        printf '%s\n' $__git_realm_opts
    else if test $npos -eq 0; and set -q __git_realm_subs[1]
        printf '%s\n' $__git_realm_subs
    else
        __git_realm_value $cmdpath "#$npos" '' $cur
    end
end

"##;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_of_after_long_help() {
        let text = concat!(
            "Examples:\n  git realm join ../r\n  git realm join x --as y\n\n",
            crate::exit_status!()
        );
        let blocks = parse_blocks(text);
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].title, "Examples");
        assert_eq!(blocks[0].lines.len(), 2);
        assert_eq!(blocks[1].title, "Exit status");
        assert_eq!(blocks[1].lines.len(), 5);
    }

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
