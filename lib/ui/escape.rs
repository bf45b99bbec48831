//! Realm content printed for humans: every character that would steer a
//! terminal instead of being shown is written as a visible escape.

/// Whether the character starting with byte `b`, followed by `next`, may be one
/// [`unsafe_char`] refuses: a C0 control but newline and tab, DEL, a C1 control
/// (0xc2 0x80–0x9f), U+061C (0xd8 0x9c), or U+2000–207F (0xe2 0x80–0x81), where
/// the marks and overrides are. Written without branches, so that a whole
/// chunk of bytes is tested at once.
fn suspect(b: u8, next: u8) -> bool {
    (b < 0x20) & (b != b'\n') & (b != b'\t')
        | (b == 0x7f)
        | (b == 0xc2) & (next.wrapping_sub(0x80) < 0x20)
        | (b == 0xd8) & (next == 0x9c)
        | (b == 0xe2) & (next & 0xfe == 0x80)
}

/// The first byte at or after `from` that may start an unsafe character. Safe
/// text (1.3 MB of `graph`, with three non-ASCII characters a line) is skipped
/// 32 bytes at a time.
fn next_suspect(bytes: &[u8], from: usize) -> Option<usize> {
    const CHUNK: usize = 32;
    let mut at = from;
    // Each chunk with the byte after it, which a pair test may look at.
    while let Some(chunk) = bytes.get(at..at + CHUNK + 1) {
        let mut any = false;
        for i in 0..CHUNK {
            any |= suspect(chunk[i], chunk[i + 1]);
        }
        if any {
            break;
        }
        at += CHUNK;
    }
    let rest = bytes.get(at..)?;
    let next = |i: usize| rest.get(i + 1).copied().unwrap_or(0);
    (0..rest.len())
        .find(|&i| suspect(rest[i], next(i)))
        .map(|i| at + i)
}

/// Whether `c` would steer a terminal instead of being shown (see [`escape`]).
fn unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
}

/// `text` made safe for a terminal: every character that would steer it instead
/// of being shown — C0 and C1 controls (ANSI and OSC escapes start with ESC or
/// CSI), DEL, and the bidirectional overrides and isolates that reorder what is
/// shown (U+202A–202E, U+2066–2069, U+200E/200F, U+061C) — is written as a visible
/// `\x1b` or `\u{202e}`. Newlines and tabs stay. Every line printed for humans
/// goes through it, since realm content (names, descriptions, messages, urls)
/// is written by others. Colour is added after escaping, by git-realm itself.
pub fn escape(text: &str) -> std::borrow::Cow<'_, str> {
    replace_unsafe(text, |out, c| {
        if (c as u32) < 0x80 {
            out.push_str(&format!("\\x{:02x}", c as u32));
        } else {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        }
    })
}

/// A JSON document made safe for a terminal while it stays the same document:
/// each character [`escape`] would escape is written as JSON's `\uXXXX`, which
/// reads back as that very character. (serde_json escapes only the C0 controls;
/// outside its strings a JSON text holds nothing but ASCII, so every such
/// character is inside a string, and all of them are in the first plane.)
pub fn escape_json(json: &str) -> std::borrow::Cow<'_, str> {
    replace_unsafe(json, |out, c| out.push_str(&format!("\\u{:04x}", c as u32)))
}

/// `text` with every character that would steer a terminal written by `write`.
fn replace_unsafe(text: &str, write: impl Fn(&mut String, char)) -> std::borrow::Cow<'_, str> {
    let bytes = text.as_bytes();
    // Printable ASCII alone, as most lines are: tested without a branch per
    // byte (a member with 2,000 imports prints as many lines).
    let outside = bytes
        .iter()
        .fold(false, |any, &b| any | !(0x20..0x7f).contains(&b));
    if !outside {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut from = 0;
    let first_unsafe = loop {
        let Some(at) = next_suspect(bytes, from) else {
            break None;
        };
        if text[at..].chars().next().is_some_and(unsafe_char) {
            break Some(at);
        }
        from = at + 1;
    };
    let Some(first_unsafe) = first_unsafe else {
        return std::borrow::Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len() + 8);
    out.push_str(&text[..first_unsafe]);
    for c in text[first_unsafe..].chars() {
        if unsafe_char(c) {
            write(&mut out, c);
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_would_steer_the_terminal() {
        assert_eq!(escape("plain ✓ text\n\tnext"), "plain ✓ text\n\tnext");
        assert_eq!(escape("a\u{1b}[31mred"), "a\\x1b[31mred");
        assert_eq!(escape("\u{1b}]8;;http://x\u{7}"), "\\x1b]8;;http://x\\x07");
        assert_eq!(escape("\u{9b}2J"), "\\u{9b}2J");
        assert_eq!(escape("abc\u{202e}def"), "abc\\u{202e}def");
        assert_eq!(escape("\u{2066}x\u{2069}\r"), "\\u{2066}x\\u{2069}\\x0d");
        assert_eq!(escape("x\u{7f}"), "x\\x7f");
    }

    #[test]
    fn json_keeps_its_strings_and_escapes_what_would_steer_the_terminal() {
        let value = serde_json::json!({"a\u{9b}": ["x\u{202e}y", "\u{1b}[2J", "\u{7f}", "✓ é\n"]});
        let text = serde_json::to_string_pretty(&value).unwrap();
        let safe = escape_json(&text);
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&safe).unwrap(),
            value
        );
        assert_eq!(escape(&safe), safe, "nothing left that steers: {safe}");
        assert!(
            safe.contains("x\\u202ey") && safe.contains("\\u007f"),
            "{safe}"
        );
        assert!(safe.contains("✓ é"), "{safe}");
        assert!(matches!(
            escape_json("{\"a\": \"b\"}"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn the_quick_scan_finds_every_character_that_steers() {
        // The scan decodes only characters whose first byte could start an unsafe
        // one: check it against the rule for every character of the first planes.
        // Short, and inside the chunks the scan tests at once.
        let long = "a realm line ──▶ past the first chunk: ";
        for c in (0..0x3_0000).filter_map(char::from_u32) {
            for text in [format!("ok ──▶ {c} ok"), format!("{long}{c}{long}")] {
                let escaped = escape(&text);
                assert_eq!(
                    matches!(escaped, std::borrow::Cow::Owned(_)),
                    unsafe_char(c),
                    "U+{:04X}",
                    c as u32
                );
                assert_eq!(escaped.contains(c), !unsafe_char(c), "U+{:04X}", c as u32);
            }
        }
        // Wherever it falls.
        let some = [
            '\u{1b}', '\u{7f}', '\u{9b}', '\u{202e}', '\u{2069}', '\u{061c}', '─', 'é', '\n',
        ];
        for c in some {
            // Across the 32-byte chunks of the scan, and at the end of the text.
            for before in 0..100 {
                for after in [0, 1, 9, 40] {
                    let text = format!("{}{c}{}", "a".repeat(before), "b".repeat(after));
                    let escaped = escape(&text);
                    assert_eq!(
                        escaped.contains(c),
                        !unsafe_char(c),
                        "{c:?} after {before}, before {after}"
                    );
                }
            }
        }
    }
}
