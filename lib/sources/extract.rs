//! Extraction: every regex match in the committed files that gitignore-style globs
//! select, grouped into a list or a map by the capture groups.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::Files;
use crate::error::{Error, Result};
use crate::model::ExtractRule;

/// Gitignore-style patterns, separated by spaces: `*` stays within a directory,
/// `**` crosses directories, a pattern without `/` matches at any depth, a leading
/// `/` anchors at the root, a pattern also matches everything under a directory it
/// names, and `!pattern` excludes. A file is selected when a pattern selects it and
/// no `!pattern` excludes it (with only exclusions, every other file is selected).
pub struct Globs {
    include: Option<globset::GlobSet>,
    exclude: globset::GlobSet,
}

impl Globs {
    pub fn new(spec: &str) -> std::result::Result<Globs, String> {
        let mut include = globset::GlobSetBuilder::new();
        let mut exclude = globset::GlobSetBuilder::new();
        let mut any_include = false;
        for raw in spec.split_whitespace() {
            let (negated, pattern) = match raw.strip_prefix('!') {
                Some(p) => (true, p),
                None => (false, raw),
            };
            if pattern.split('/').any(|c| c == "..") {
                return Err(format!(
                    "{raw}: a pattern cannot leave the repository (`..`)"
                ));
            }
            if pattern.split('/').any(|c| c.eq_ignore_ascii_case(".git")) {
                return Err(format!("{raw}: nothing under .git/ is part of the code"));
            }
            let trimmed = pattern.trim_end_matches('/');
            if trimmed.is_empty() {
                return Err(format!("{raw}: empty pattern"));
            }
            let anchored = trimmed.starts_with('/') || trimmed.contains('/');
            let body = trimmed.trim_start_matches('/');
            let base = if anchored {
                body.to_owned()
            } else {
                format!("**/{body}")
            };
            let target = if negated { &mut exclude } else { &mut include };
            for p in [base.clone(), format!("{base}/**")] {
                let glob = globset::GlobBuilder::new(&p)
                    .literal_separator(true)
                    .backslash_escape(true)
                    .build()
                    .map_err(|e| format!("bad glob {raw:?}: {e}"))?;
                target.add(glob);
            }
            any_include |= !negated;
        }
        if spec.split_whitespace().next().is_none() {
            return Err("the glob is empty".to_owned());
        }
        let build = |b: globset::GlobSetBuilder| b.build().map_err(|e| format!("bad glob: {e}"));
        Ok(Globs {
            include: if any_include {
                Some(build(include)?)
            } else {
                None
            },
            exclude: build(exclude)?,
        })
    }

    /// A glob that selects exactly one path.
    pub fn literal(path: &str) -> String {
        format!("/{}", globset::escape(path))
    }

    pub fn is_match(&self, path: &str) -> bool {
        self.include.as_ref().is_none_or(|i| i.is_match(path)) && !self.exclude.is_match(path)
    }
}

/// What one target of an extraction collects.
#[derive(Debug, Default)]
enum Node {
    #[default]
    Empty,
    /// A set of items (group `value`, else every numbered group, else the match).
    Items(BTreeSet<String>),
    /// `key → values` (named groups `key` and `value`).
    Pairs(BTreeMap<String, BTreeSet<String>>),
    /// Per file (`--extract-by-file`).
    Files(BTreeMap<String, Node>),
}

impl Node {
    fn merge(&mut self, other: Node) -> std::result::Result<(), String> {
        match (&mut *self, other) {
            (_, Node::Empty) => {}
            (Node::Empty, o) => *self = o,
            (Node::Items(a), Node::Items(b)) => a.extend(b),
            (Node::Pairs(a), Node::Pairs(b)) => {
                for (k, v) in b {
                    a.entry(k).or_default().extend(v);
                }
            }
            (Node::Files(a), Node::Files(b)) => {
                for (k, v) in b {
                    a.entry(k).or_default().merge(v)?;
                }
            }
            _ => {
                return Err(
                    "rules that fill the same value must all build lists, all build maps (groups `key` and `value`), or all be --extract-by-file".to_owned(),
                );
            }
        }
        Ok(())
    }

    fn into_value(self) -> Value {
        match self {
            Node::Empty => Value::Array(Vec::new()),
            Node::Items(set) => Value::Array(set.into_iter().map(Value::String).collect()),
            Node::Pairs(map) => Value::Object(
                map.into_iter()
                    .map(|(k, vs)| {
                        let v = if vs.len() == 1 {
                            Value::String(vs.into_iter().next().unwrap_or_default())
                        } else {
                            Value::Array(vs.into_iter().map(Value::String).collect())
                        };
                        (k, v)
                    })
                    .collect(),
            ),
            Node::Files(map) => {
                Value::Object(map.into_iter().map(|(k, n)| (k, n.into_value())).collect())
            }
        }
    }
}

/// What one regex found in one text.
fn collect(re: &regex::Regex, text: &str) -> Node {
    let names: Vec<&str> = re.capture_names().flatten().collect();
    if names.contains(&"key") {
        let mut pairs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for c in re.captures_iter(text) {
            if let Some(k) = c.name("key") {
                let v = c.name("value").map(|m| m.as_str()).unwrap_or("");
                pairs
                    .entry(k.as_str().trim().to_owned())
                    .or_default()
                    .insert(v.trim().to_owned());
            }
        }
        return if pairs.is_empty() {
            Node::Empty
        } else {
            Node::Pairs(pairs)
        };
    }
    let items: BTreeSet<String> = matches(re, text).into_iter().collect();
    if items.is_empty() {
        Node::Empty
    } else {
        Node::Items(items)
    }
}

pub(super) fn extract(files: &dyn Files, rules: &[ExtractRule]) -> Result<Value> {
    let listing = files.list()?;
    let mut keyed: BTreeMap<String, Node> = BTreeMap::new();
    let mut plain = Node::Empty;
    for rule in rules {
        let bad = |e: String| Error::usage(format!("extract rule {:?}: {e}", rule.glob));
        let globs = Globs::new(&rule.glob).map_err(bad)?;
        let re = regex::Regex::new(&rule.regex).map_err(|e| bad(format!("bad regex: {e}")))?;
        let mut found = if rule.by_file {
            Node::Files(BTreeMap::new())
        } else {
            Node::Empty
        };
        for file in listing.iter().filter(|f| globs.is_match(f)) {
            let Some(bytes) = files.read(file)? else {
                continue;
            };
            let text = String::from_utf8_lossy(&bytes);
            let node = collect(&re, &text);
            if rule.by_file {
                if !matches!(node, Node::Empty) {
                    let mut per = BTreeMap::new();
                    per.insert(file.clone(), node);
                    found.merge(Node::Files(per)).map_err(bad)?;
                }
            } else {
                found.merge(node).map_err(bad)?;
            }
        }
        let target = match &rule.key {
            Some(k) => keyed.entry(k.clone()).or_default(),
            None => &mut plain,
        };
        target.merge(found).map_err(bad)?;
    }
    if rules.iter().any(|r| r.key.is_some()) {
        Ok(Value::Object(
            keyed
                .into_iter()
                .map(|(k, n)| (k, n.into_value()))
                .collect(),
        ))
    } else {
        Ok(plain.into_value())
    }
}

/// Every item `re` finds in `text`, over every match: the group named `value`;
/// else every numbered group that took part; else the whole match.
pub fn matches(re: &regex::Regex, text: &str) -> Vec<String> {
    let named = re.capture_names().any(|n| n == Some("value"));
    let mut out = Vec::new();
    for c in re.captures_iter(text) {
        if named {
            out.extend(c.name("value").map(|m| m.as_str().to_owned()));
        } else if c.len() > 1 {
            out.extend(
                (1..c.len())
                    .filter(|i| re.capture_names().nth(*i).flatten().is_none())
                    .filter_map(|i| c.get(i))
                    .map(|m| m.as_str().to_owned()),
            );
        } else {
            out.extend(c.get(0).map(|m| m.as_str().to_owned()));
        }
    }
    out
}
