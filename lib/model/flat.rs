//! Reading a document of the simplest shape git-realm writes — `key: scalar`
//! lines and `key:` with `- scalar` lines under it — without the YAML parser.
//!
//! A `join` validates every registration of the realm (10,000 of them in a
//! large realm), and libyaml spends about 50,000 instructions on each small
//! file. Registrations are written in this shape, so most are read here, and
//! whatever is not plainly in it is left to the YAML parser, which then gives
//! its own answer and its own errors.
//!
//! The same value, exactly: a scalar is taken only when YAML could read it as
//! nothing but its own characters — plain, from a small alphabet with no
//! spaces, no indicator first, not ending in `:`, not one of YAML's spellings of
//! null — and the types read from it take their value from the scalar's text in
//! either reader (`Document::FLAT` says a type's fields all do). Only a document
//! that deserializes and passes its checks is returned; the YAML parser reads
//! anything else, so an error is always its error. A test compares both readers
//! on generated files full of YAML's traps.

use serde_json::{Map, Value};

use super::Document;

/// The document `text` holds, when it is in the flat shape and valid.
pub(super) fn parse<T: Document>(text: &str, stem: &str) -> Option<T> {
    let fields = fields(text)?;
    let doc: T = serde_json::from_value(Value::Object(fields)).ok()?;
    doc.check(stem).ok()?;
    Some(doc)
}

/// The fields of `text` as JSON strings and lists of strings, when every line
/// is in the flat shape.
fn fields(text: &str) -> Option<Map<String, Value>> {
    let mut out = Map::new();
    let body = text.strip_suffix('\n').unwrap_or(text);
    let mut lines = body.split('\n').peekable();
    while let Some(line) = lines.next() {
        let (key, rest) = line.split_once(':')?;
        if !is_key(key) || out.contains_key(key) {
            return None;
        }
        let value = match rest {
            // `key:` then one `- item` line per element, at the key's column.
            "" => {
                let mut items = Vec::new();
                while let Some(item) = lines.next_if(|l| l.starts_with("- ")) {
                    items.push(Value::String(scalar(&item[2..])?.to_owned()));
                }
                if items.is_empty() {
                    return None; // YAML reads `key:` alone as null
                }
                Value::Array(items)
            }
            " []" => Value::Array(Vec::new()),
            _ => Value::String(scalar(rest.strip_prefix(' ')?)?.to_owned()),
        };
        out.insert(key.to_owned(), value);
    }
    Some(out)
}

/// A key as git-realm writes them: lower-case words joined by `_`.
fn is_key(key: &str) -> bool {
    !key.is_empty()
        && key.as_bytes()[0].is_ascii_lowercase()
        && key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
}

/// `s` when YAML reads it as a plain scalar whose value is `s` itself.
fn scalar(s: &str) -> Option<&str> {
    let first = *s.as_bytes().first()?;
    // No indicator can start it (`-`, `?`, `:`, `&`, `!`, `@`, quotes, …), and
    // with no space and no trailing `:` nothing in it can end it early.
    let starts_plainly = first.is_ascii_alphanumeric() || first == b'/' || first == b'_';
    let plain_chars = s
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"._/@+:-".contains(&b));
    let nulls = ["null", "Null", "NULL"];
    (starts_plainly && plain_chars && !s.ends_with(':') && !nulls.contains(&s)).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RepoFile;

    fn yaml(text: &str, stem: &str) -> Option<RepoFile> {
        // The reader the fast one stands in for, alone.
        let doc: RepoFile = serde_yaml::from_str(text).ok()?;
        doc.check(stem).ok()?;
        Some(doc)
    }

    #[test]
    fn a_registration_as_written_is_read_flat() {
        let text = "name: aperture\nurl: git@github.com:o/aperture.git\nmaintainers:\n- a@example.com\n- b@example.com\njoined_at: 2026-01-24T10:00:00Z\n";
        let doc = parse::<RepoFile>(text, "aperture").expect("flat");
        assert_eq!(Some(&doc), yaml(text, "aperture").as_ref());
        let rendered = crate::model::render(&doc);
        assert_eq!(parse::<RepoFile>(&rendered, "aperture"), Some(doc));
        // Its checks still apply: a name that is not the file's is for YAML to report.
        assert_eq!(parse::<RepoFile>(text, "other"), None);
        // A key with nothing under it is YAML's null, which YAML reads as it
        // likes (here an empty list): the flat reader leaves it to YAML.
        let bare = "name: r1\nurl: /srv/r1.git\nmaintainers:\njoined_at: 2026-01-24T10:00:00Z\n";
        assert_eq!(parse::<RepoFile>(bare, "r1"), None);
        assert!(yaml(bare, "r1").is_some_and(|doc| doc.maintainers.is_empty()));
    }

    /// Whenever the flat reader answers, the YAML reader gives the same
    /// document; generated files mix the shape with YAML's traps (nulls,
    /// numbers, quotes, indicators, comments, continuation lines, flow
    /// collections, tags, anchors, CRLF), and the flat reader must still answer
    /// for a good share of them.
    #[test]
    fn the_flat_reader_agrees_with_yaml_whenever_it_answers() {
        let keys = [
            "name",
            "url",
            "forge",
            "maintainers",
            "keys",
            "joined_at",
            "other",
            "Name",
            "name ",
            "- name",
        ];
        let scalars = [
            "r1",
            "r1",
            "r1",
            "/srv/r1.git",
            "git@github.com:o/r1.git",
            "https://github.com/o/r1",
            "o/r1",
            "a@example.com",
            "2026-01-24T10:00:00Z",
            "2026-01-24",
            "null",
            "Null",
            "~",
            "",
            "123",
            "0x1f",
            "1e3",
            ".inf",
            "yes",
            "true",
            "a:b",
            "a:",
            "a #b",
            "a # b",
            "'r1'",
            "\"r1\"",
            "-r1",
            "- r1",
            "?r1",
            "[r1]",
            "{r1}",
            "&a r1",
            "*a",
            "!!str r1",
            "|",
            ">",
            "%r1",
            "@r1",
            "`r1",
            " r1",
            "r1 ",
            "r1\tx",
            "r1\r",
            "ü",
            "_r1",
            // Traps the fields' own checks let through: a valid value quoted,
            // tagged, anchored, commented or followed by a colon.
            "'a@example.com'",
            "\"a@example.com\"",
            "!!str a@example.com",
            "&x a@example.com",
            "a@example.com#c",
            "a@example.com #c",
            "a@example.com:",
            "'/srv/r1.git'",
            "!!str /srv/r1.git",
            "/srv/r1.git:",
            "'o/r1'",
        ];
        let extra = [
            "  more",
            "# note",
            "---",
            "",
            "- a@example.com",
            "-  a@example.com",
            "...",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let (mut answered, mut changed_answered, mut cases) = (0, 0, 0);
        for _ in 0..20_000 {
            let mut text = String::new();
            // A good registration with up to two lines changed or added.
            let mut lines = vec![
                "name: r1".to_owned(),
                "url: /srv/r1.git".to_owned(),
                "maintainers:".to_owned(),
                "- a@example.com".to_owned(),
                "joined_at: 2026-01-24T10:00:00Z".to_owned(),
            ];
            let changes = next(3);
            for _ in 0..changes {
                let at = next(lines.len() + 1);
                let line = match next(4) {
                    0 => format!(
                        "{}: {}",
                        keys[next(keys.len())],
                        scalars[next(scalars.len())]
                    ),
                    1 => format!("- {}", scalars[next(scalars.len())]),
                    2 => extra[next(extra.len())].to_owned(),
                    _ => format!("{}: []", keys[next(keys.len())]),
                };
                if next(2) == 0 && at < lines.len() {
                    lines[at] = line;
                } else {
                    lines.insert(at, line);
                }
            }
            for line in &lines {
                text.push_str(line);
                text.push('\n');
            }
            if next(10) == 0 {
                text.pop();
            }
            cases += 1;
            if let Some(flat) = parse::<RepoFile>(&text, "r1") {
                answered += 1;
                changed_answered += usize::from(changes > 0);
                assert_eq!(Some(flat), yaml(&text, "r1"), "{text:?}");
            }
        }
        assert!(
            answered > cases / 4 && changed_answered > 100,
            "the flat reader answered {answered} of {cases}, {changed_answered} changed"
        );
    }
}
