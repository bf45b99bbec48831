//! Reading the prose of the clap definitions: the titled blocks of a command's
//! `after_long_help` (`Examples:`, `Exit status:`, ...) and the first line of a
//! help text. Shared by the root page, the man pages and the completions.
//!
//! It only reads text: rendering it (roff, shell tables) is for `man.rs` and
//! `completions.rs`.

use clap::Command;

/// A titled block of `after_long_help`: `Title:` on its own line, then the lines
/// up to the next title.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Block {
    pub(super) title: String,
    pub(super) lines: Vec<String>,
}

pub(super) fn parse_blocks(text: &str) -> Vec<Block> {
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

/// The lines of the `Examples:` block of a command's `after_long_help`.
pub(super) fn examples_of(cmd: &Command) -> Vec<String> {
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

/// The first line of a help text, without its final full stop: the short
/// description shown next to a name.
pub(super) fn first_line(s: Option<&clap::builder::StyledStr>) -> String {
    let text = s.map(|s| s.to_string()).unwrap_or_default();
    let line = text.lines().next().unwrap_or("").trim();
    line.strip_suffix('.').unwrap_or(line).to_owned()
}

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
        assert_eq!(blocks[1].lines.len(), 6);
    }
}
