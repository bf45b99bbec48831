//! Man pages: one for `git-realm` (listing the commands) and one per command and
//! nested subcommand, rendered by clap_mangen, with the `Examples:` and `Exit
//! status:` blocks of a command's `after_long_help` turned into real EXAMPLES and
//! EXIT STATUS sections.
//!
//! It renders what the clap definitions say and adds nothing of its own: no
//! command-specific text lives here, and it never calls `Command::build` (clap_mangen
//! does, on the unbuilt command, so nested pages keep their own names).

use std::path::PathBuf;

use clap::{Arg, Command};
use clap_mangen::Man;
use clap_mangen::roff::{Roff, bold, roman};

use super::help_text::{Block, examples_of, parse_blocks};
use super::{MAN_DIR, ROOT, root};
use crate::commands;

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
