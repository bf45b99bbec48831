//! The part of a pull request's body that git-realm owns.
//!
//! A PR body is the author's and the reviewers' text; git-realm adds only the
//! links between the change's pull requests and what must merge first, inside one
//! marked block (as git-spice keeps its stack navigation in a marked comment):
//!
//! ```text
//! <!-- git-realm:begin -->
//! …links…
//! <!-- git-realm:end -->
//! ```
//!
//! Re-running `git realm pr` replaces that block and nothing else; a body without
//! it (written by hand) gets it appended. A body written before git-realm marked
//! its block has the old generated section instead (from "Part of the coordinated
//! change" to its "Linked by git-realm" footnote, after the user's text and a
//! `---` rule): that section is replaced by the block, so the links never appear
//! twice. The markers are HTML comments, so GitHub shows nothing of them.

/// Where git-realm's block starts.
pub const BEGIN: &str = "<!-- git-realm:begin -->";
/// Where it ends.
pub const END: &str = "<!-- git-realm:end -->";

/// `block` between the markers.
pub fn wrap(block: &str) -> String {
    format!("{BEGIN}\n{}\n{END}", block.trim_end())
}

/// The body of a new pull request: the user's text (if any), then the block.
pub fn new_body(text: Option<&str>, block: &str) -> String {
    match text.map(str::trim_end).filter(|t| !t.is_empty()) {
        Some(text) => format!("{text}\n\n{}\n", wrap(block)),
        None => format!("{}\n", wrap(block)),
    }
}

/// `existing` with git-realm's block replaced by `block` (appended when it has
/// none); everything else is kept byte for byte. With `text` (an explicit
/// `--body`), the text outside the block is replaced by it instead.
pub fn update(existing: &str, block: &str, text: Option<&str>) -> String {
    if text.is_some() {
        return new_body(text, block);
    }
    match find(existing) {
        Some((start, end)) => {
            format!("{}{}{}", &existing[..start], wrap(block), &existing[end..])
        }
        None if existing.trim().is_empty() => new_body(None, block),
        None => match find_unmarked(existing) {
            Some((start, end)) => migrate(existing, start, end, block),
            None => format!("{}\n\n{}\n", existing.trim_end(), wrap(block)),
        },
    }
}

/// How the section generated before the markers began (at the start of a line).
const OLD_START: &str = "Part of the coordinated change **";
/// How it ended: a footnote, closed by `</sub>`.
const OLD_END: &str = "<sub>Linked by git-realm.";

/// The byte range of the section an older git-realm generated without markers.
fn find_unmarked(body: &str) -> Option<(usize, usize)> {
    let start = body
        .match_indices(OLD_START)
        .map(|(i, _)| i)
        .find(|&i| i == 0 || body[..i].ends_with('\n'))?;
    let foot = start + body[start..].find(OLD_END)?;
    let end = foot + body[foot..].find("</sub>")? + "</sub>".len();
    Some((start, end))
}

/// `existing` with its old generated section (`start..end`) replaced by the
/// block, and the `---` rule that separated it from the user's text dropped.
fn migrate(existing: &str, start: usize, end: usize, block: &str) -> String {
    let mut text = existing[..start].trim_end();
    if let Some(rest) = text.strip_suffix("---")
        && (rest.is_empty() || rest.ends_with('\n'))
    {
        text = rest.trim_end();
    }
    let after = &existing[end..];
    let after = if after.trim().is_empty() { "\n" } else { after };
    if text.is_empty() {
        format!("{}{after}", wrap(block))
    } else {
        format!("{text}\n\n{}{after}", wrap(block))
    }
}

/// The byte range of the first complete block in `body`, markers included.
fn find(body: &str) -> Option<(usize, usize)> {
    let start = body.find(BEGIN)?;
    let end = start + body[start..].find(END)? + END.len();
    Some((start, end))
}

/// The text of git-realm's block in `body`, without the markers.
pub fn block_of(body: &str) -> Option<&str> {
    let (start, end) = find(body)?;
    Some(body[start + BEGIN.len()..end - END.len()].trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_body_is_the_text_then_the_block() {
        assert_eq!(
            new_body(Some("Why.\n"), "links"),
            format!("Why.\n\n{BEGIN}\nlinks\n{END}\n")
        );
        assert_eq!(
            new_body(None, "links\n"),
            format!("{BEGIN}\nlinks\n{END}\n")
        );
    }

    #[test]
    fn only_the_block_is_replaced() {
        let body = format!("Intro by a human.\r\n\r\n{BEGIN}\nold\n{END}\n\nReviewer notes.\n");
        let new = update(&body, "new", None);
        assert_eq!(
            new,
            format!("Intro by a human.\r\n\r\n{BEGIN}\nnew\n{END}\n\nReviewer notes.\n")
        );
        assert_eq!(update(&new, "new", None), new, "idempotent");
        assert_eq!(block_of(&new), Some("new"));
    }

    #[test]
    fn a_body_without_the_block_gets_it_appended() {
        assert_eq!(
            update("Hand-written.\n", "links", None),
            format!("Hand-written.\n\n{BEGIN}\nlinks\n{END}\n")
        );
        assert_eq!(
            update("", "links", None),
            format!("{BEGIN}\nlinks\n{END}\n")
        );
        // An unterminated marker is not a block: nothing is cut.
        let broken = format!("a\n{BEGIN}\nb\n");
        assert!(update(&broken, "links", None).starts_with(&broken.trim_end().to_owned()));
    }

    /// A body as git-realm wrote it before it marked its block: the user's
    /// text, a rule, then the generated links.
    const OLD: &str = "Part of the coordinated change **ch** (realm `r`, branch `feat/ch`).\n\n\
        Pull requests of this change, in merge order:\n\n\
        1. **app**: this pull request\n2. **web**: https://github.com/o/web/pull/2\n\n\
        Nothing in this change needs to merge before this one.\n\n\
        <sub>Linked by git-realm. `git realm pr status` checks the merge order.</sub>\n";

    #[test]
    fn an_old_unmarked_section_is_replaced_by_the_block() {
        let body = format!("Why we do it.\n\n---\n\n{OLD}");
        let new = update(&body, "links", None);
        assert_eq!(new, format!("Why we do it.\n\n{BEGIN}\nlinks\n{END}\n"));
        assert_eq!(update(&new, "links", None), new, "idempotent");

        // Without text; with CRLF (edited on GitHub); with a reviewer's note after it.
        assert_eq!(
            update(OLD, "links", None),
            format!("{BEGIN}\nlinks\n{END}\n")
        );
        let crlf = format!("Why.\r\n\r\n---\r\n\r\n{}", OLD.replace('\n', "\r\n"));
        assert_eq!(
            update(&crlf, "links", None),
            format!("Why.\n\n{BEGIN}\nlinks\n{END}\n")
        );
        let noted = format!("{OLD}\nLGTM once web merges.\n");
        assert_eq!(
            update(&noted, "links", None),
            format!("{BEGIN}\nlinks\n{END}\n\nLGTM once web merges.\n")
        );

        // A sentence quoting it mid-line, or without its footnote, is the user's.
        let quoted = "We said: Part of the coordinated change **x**.\n";
        assert_eq!(
            update(quoted, "links", None),
            format!("{}\n\n{BEGIN}\nlinks\n{END}\n", quoted.trim_end())
        );
        let cut = "Part of the coordinated change **x** (realm `r`).\n";
        assert!(update(cut, "links", None).starts_with(cut));
    }

    #[test]
    fn an_explicit_text_replaces_the_rest() {
        let body = format!("old text\n\n{BEGIN}\nold\n{END}\n");
        assert_eq!(
            update(&body, "new", Some("new text")),
            format!("new text\n\n{BEGIN}\nnew\n{END}\n")
        );
    }
}
