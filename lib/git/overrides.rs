//! Configuration given on git's own command line: `git -c key=value realm …`.
//!
//! git passes `-c` values (and `GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_<n>`/
//! `GIT_CONFIG_VALUE_<n>`) to the programs it runs through the environment; gix does
//! not read them, so every repository git-realm opens gets them as command-line
//! overrides here. Subprocesses of `git` inherit the environment and see them too.

/// `key=value` pairs from `GIT_CONFIG_PARAMETERS` and `GIT_CONFIG_COUNT`, in the
/// order git applies them.
pub fn from_environment() -> Vec<String> {
    let mut out = std::env::var("GIT_CONFIG_PARAMETERS")
        .map(|p| parse_parameters(&p))
        .unwrap_or_default();
    let count: usize = std::env::var("GIT_CONFIG_COUNT")
        .ok()
        .and_then(|c| c.trim().parse().ok())
        .unwrap_or(0);
    for i in 0..count {
        if let (Ok(k), Ok(v)) = (
            std::env::var(format!("GIT_CONFIG_KEY_{i}")),
            std::env::var(format!("GIT_CONFIG_VALUE_{i}")),
        ) {
            out.push(format!("{k}={v}"));
        }
    }
    out
}

/// The last value given to `key` with `git -c` (`Some("true")` for a bare key),
/// for settings read outside any repository. Section and key names compare without
/// case, as in git.
pub fn lookup(key: &str) -> Option<String> {
    last_value(&from_environment(), key)
}

fn last_value(pairs: &[String], key: &str) -> Option<String> {
    pairs.iter().rev().find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, "true"));
        k.eq_ignore_ascii_case(key).then(|| v.to_owned())
    })
}

/// Parse git's `GIT_CONFIG_PARAMETERS`: shell-single-quoted words separated by
/// spaces, either `'key=value'` (older git) or `'key'='value'` (git ≥ 2.31), with
/// `'\''` for a quote inside. A key without a value (`'core.bare'`) means true.
pub fn parse_parameters(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(key) = quoted(&mut chars) else {
            break;
        };
        if chars.peek() == Some(&'=') {
            chars.next();
            let value = quoted(&mut chars).unwrap_or_default();
            out.push(format!("{key}={value}"));
        } else {
            out.push(key);
        }
    }
    out
}

/// One single-quoted word (with `'\''` escapes), or `None` at the end or on
/// something that is not a quoted word.
fn quoted(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<String> {
    if chars.peek() != Some(&'\'') {
        return None;
    }
    let mut word = String::new();
    loop {
        // Inside quotes: up to the closing quote.
        chars.next();
        for c in chars.by_ref() {
            if c == '\'' {
                break;
            }
            word.push(c);
        }
        // `'\''` continues the word with a literal quote.
        if chars.peek() == Some(&'\\') {
            chars.next();
            if let Some(c) = chars.next() {
                word.push(c);
            }
            if chars.peek() == Some(&'\'') {
                continue;
            }
        }
        return Some(word);
    }
}

#[cfg(test)]
mod tests {
    use super::{last_value, parse_parameters};

    #[test]
    fn the_last_value_wins() {
        let pairs = parse_parameters("'color.ui'='always' 'Color.UI'='never' 'core.bare'");
        assert_eq!(last_value(&pairs, "color.ui").as_deref(), Some("never"));
        assert_eq!(last_value(&pairs, "core.bare").as_deref(), Some("true"));
        assert_eq!(last_value(&pairs, "color.realm"), None);
    }

    #[test]
    fn both_of_gits_formats() {
        assert_eq!(
            parse_parameters("'user.name'='X Y' 'user.email'='x@e.com'"),
            vec!["user.name=X Y", "user.email=x@e.com"]
        );
        assert_eq!(parse_parameters("'color.ui=never'"), vec!["color.ui=never"]);
        assert_eq!(
            parse_parameters(r"'user.name'='O'\''Brien'"),
            vec!["user.name=O'Brien"]
        );
        assert_eq!(parse_parameters("'core.bare'"), vec!["core.bare"]);
        assert!(parse_parameters("").is_empty());
    }
}
