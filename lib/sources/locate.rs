//! Where an item of a value comes from in the provider's files (file and line), for
//! reports that point at the code.

use serde_json::Value;

use super::Files;
use super::extract::Globs;
use crate::error::Result;
use crate::model::{ExtractRule, ValueSource};

/// Where an item of a value was found: a file of the commit, and the line when it
/// can be told (1-based).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Location {
    pub file: String,
    pub line: Option<u32>,
}

/// Where, in the files `source` reads, the item of `change` comes from: for an
/// extraction, the match that produced it; for a data file (or a literal, kept in
/// `.realm/exports.yaml`), the first line that names its key or holds its value.
/// A program's output has no place in the files: `None`. Removed items are looked
/// for in the files they were removed from (the caller passes those).
pub fn locate(
    source: &ValueSource,
    files: &dyn Files,
    change: &crate::items::Change,
) -> Result<Option<Location>> {
    let needles = needles(change);
    match source {
        ValueSource::Command { .. } => Ok(None),
        ValueSource::Value { .. } => Ok(Some(locate_in_file(
            files,
            crate::model::EXPORTS_FILE,
            &needles,
        )?)),
        ValueSource::File { path, .. } => Ok(Some(locate_in_file(files, path.as_str(), &needles)?)),
        ValueSource::Extract { rules } => locate_match(files, rules, change, &needles),
    }
}

/// The texts that stand for a changed item in the code, most specific first: its
/// scalar value (old when removed, new otherwise), then the last key of its path.
fn needles(change: &crate::items::Change) -> Vec<String> {
    let value = match change.kind {
        crate::items::ChangeKind::Removed => change.old.as_ref(),
        _ => change.new.as_ref(),
    };
    let mut out = Vec::new();
    if let Some(v) = value.filter(|v| !matches!(v, Value::Array(_) | Value::Object(_))) {
        let text = match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if !text.trim().is_empty() {
            out.push(text);
        }
    }
    if change.element.is_none()
        && let Some(k) = last_key(&change.path)
        && !out.contains(&k)
    {
        out.push(k);
    }
    out
}

/// The last key of an item path (`limits.max` → `max`, `"a.b"` → `a.b`,
/// `routes[path=/a]` → `/a`, `routes[0]` → `routes`).
pub(super) fn last_key(path: &str) -> Option<String> {
    let mut segments = Vec::new();
    let (mut current, mut quoted, mut bracket) = (String::new(), false, 0u32);
    let mut escaped = false;
    for c in path.chars() {
        if quoted {
            current.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                quoted = false;
            }
            continue;
        }
        match c {
            '"' => {
                quoted = true;
                current.push(c);
            }
            '[' => {
                bracket += 1;
                current.push(c);
            }
            ']' => {
                bracket = bracket.saturating_sub(1);
                current.push(c);
            }
            '.' if bracket == 0 => segments.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    segments.push(current);
    let last = segments.pop().filter(|s| !s.is_empty())?;
    if let Some(open) = last.rfind('[')
        && last.ends_with(']')
    {
        let inside = &last[open + 1..last.len() - 1];
        return match inside.split_once('=') {
            Some((_, id)) => Some(id.to_owned()),
            None => last_key(&last[..open]),
        };
    }
    if last.starts_with('"') {
        return serde_json::from_str::<String>(&last).ok();
    }
    Some(last)
}

/// `path` in `files`, at the first line holding the first needle found there.
fn locate_in_file(files: &dyn Files, path: &str, needles: &[String]) -> Result<Location> {
    let line = match files.read(path) {
        Ok(Some(bytes)) => {
            let text = String::from_utf8_lossy(&bytes);
            needles.iter().find_map(|n| {
                text.lines()
                    .position(|l| holds(l, n))
                    .map(|i| u32::try_from(i + 1).unwrap_or(u32::MAX))
            })
        }
        _ => None,
    };
    Ok(Location {
        file: path.to_owned(),
        line,
    })
}

/// Whether a line of a data file holds `needle` as a whole token (not inside a
/// longer word: `a` is not found in `ab`).
fn holds(line: &str, needle: &str) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == '-';
    line.match_indices(needle).any(|(i, _)| {
        let before = line[..i].chars().next_back();
        let after = line[i + needle.len()..].chars().next();
        let starts_word = needle.chars().next().is_some_and(word);
        let ends_word = needle.chars().next_back().is_some_and(word);
        let glued_before = starts_word && before.is_some_and(word);
        let glued_after = ends_word && after.is_some_and(word);
        !glued_before && !glued_after
    })
}

/// The match of an extraction rule that produced one of `needles`.
fn locate_match(
    files: &dyn Files,
    rules: &[ExtractRule],
    change: &crate::items::Change,
    needles: &[String],
) -> Result<Option<Location>> {
    let listing = files.list()?;
    let top = change.path.split(['.', '[']).next().unwrap_or("");
    for needle in needles {
        for rule in rules {
            if rule.key.as_deref().is_some_and(|k| k != top) {
                continue;
            }
            let (Ok(globs), Ok(re)) = (Globs::new(&rule.glob), regex::Regex::new(&rule.regex))
            else {
                continue;
            };
            for file in listing.iter().filter(|f| globs.is_match(f)) {
                let Some(bytes) = files.read(file)? else {
                    continue;
                };
                let text = String::from_utf8_lossy(&bytes);
                for c in re.captures_iter(&text) {
                    let hit = c
                        .iter()
                        .flatten()
                        .find(|m| m.as_str().trim() == needle.as_str());
                    if let Some(m) = hit {
                        let line = text[..m.start()].matches('\n').count() + 1;
                        return Ok(Some(Location {
                            file: file.clone(),
                            line: Some(u32::try_from(line).unwrap_or(u32::MAX)),
                        }));
                    }
                }
            }
        }
    }
    Ok(None)
}
