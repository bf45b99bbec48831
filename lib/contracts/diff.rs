//! What changed between two values, as items, and which semver bump that is.

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Bump {
    Patch,
    Minor,
    Major,
}

impl std::fmt::Display for Bump {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Bump::Patch => "patch",
            Bump::Minor => "minor",
            Bump::Major => "major",
        })
    }
}

/// The next version after `v` for `bump`; `None` when the number to raise is
/// already the largest a version can hold.
pub fn next_version(v: &Version, bump: Bump) -> Option<Version> {
    Some(match bump {
        Bump::Major => Version::new(v.major.checked_add(1)?, 0, 0),
        Bump::Minor => Version::new(v.major, v.minor.checked_add(1)?, 0),
        Bump::Patch => Version::new(v.major, v.minor, v.patch.checked_add(1)?),
    })
}

/// A value's items, as people read them: `read: jobs/*`, or `jobs/*` at the root.
pub fn items(value: &Value) -> BTreeSet<String> {
    fn walk(path: &str, v: &Value, out: &mut BTreeSet<String>) {
        match v {
            Value::Array(xs) => xs.iter().for_each(|x| walk(path, x, out)),
            Value::Object(map) => {
                for (k, x) in map {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    walk(&p, x, out);
                }
            }
            scalar => {
                let text = match scalar {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                out.insert(if path.is_empty() {
                    text
                } else {
                    format!("{path}: {text}")
                });
            }
        }
    }
    let mut out = BTreeSet::new();
    walk("", value, &mut out);
    out
}

/// Every string in a value (what `--verify` looks for in a binding file).
pub fn strings(value: &Value) -> BTreeSet<String> {
    fn walk(v: &Value, out: &mut BTreeSet<String>) {
        match v {
            Value::String(s) => {
                out.insert(s.clone());
            }
            Value::Array(xs) => xs.iter().for_each(|x| walk(x, out)),
            Value::Object(map) => map.values().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    walk(value, &mut out);
    out
}

/// What changed between a published contract and the value an export computes now
/// (see `crate::items` for what an item is).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Diff {
    /// Items added: `read: jobs/*`, `limits: {"max":3}`.
    pub added: Vec<String>,
    /// Items removed.
    pub removed: Vec<String>,
    /// Items present on both sides with another value: `port: 80 → 81`.
    pub changed: Vec<String>,
    pub description_changed: bool,
    pub schema_changed: bool,
    /// The changes themselves, with their item identities.
    #[serde(skip)]
    pub changes: Vec<items::Change>,
}

impl Diff {
    pub fn between(
        old: &ContractFile,
        value: &Value,
        description: &str,
        schema: Option<&Value>,
        keys: &[String],
    ) -> Diff {
        let mut diff = Diff::of(items::diff(&old.value, value, keys));
        diff.description_changed = old.description != description;
        diff.schema_changed = old.schema.as_ref() != schema;
        diff
    }

    /// The diff made of these item changes (added, then removed, then changed).
    pub fn of(mut changes: Vec<items::Change>) -> Diff {
        changes.sort_by_key(|c| c.kind);
        let texts = |kind: ChangeKind| -> Vec<String> {
            changes
                .iter()
                .filter(|c| c.kind == kind)
                .map(items::Change::text)
                .collect()
        };
        Diff {
            added: texts(ChangeKind::Added),
            removed: texts(ChangeKind::Removed),
            changed: texts(ChangeKind::Changed),
            description_changed: false,
            schema_changed: false,
            changes,
        }
    }

    pub fn bump(&self) -> Option<Bump> {
        if !self.removed.is_empty() || !self.changed.is_empty() || self.schema_changed {
            Some(Bump::Major)
        } else if !self.added.is_empty() {
            Some(Bump::Minor)
        } else if self.description_changed {
            Some(Bump::Patch)
        } else {
            None
        }
    }

    /// The identities of the items removed or changed.
    pub fn breaking_items(&self, kind: ChangeKind) -> Vec<String> {
        self.changes
            .iter()
            .filter(|c| c.kind == kind)
            .map(items::Change::item)
            .collect()
    }

    /// The used items (of `uses`) that this diff removes or changes.
    pub fn broken(&self, uses: &[String]) -> Vec<String> {
        uses.iter()
            .filter(|u| self.changes.iter().any(|c| items::affects(c, u)))
            .cloned()
            .collect()
    }

    /// Changelog lines: `+ item`, `- item`, `~ item: old → new`, `description updated`.
    pub fn lines(&self) -> Vec<String> {
        let mut out: Vec<String> = self.changes.iter().map(items::Change::line).collect();
        if self.schema_changed {
            out.push("schema changed".to_owned());
        }
        if self.description_changed {
            out.push("description updated".to_owned());
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty() && !self.description_changed && !self.schema_changed
    }
}

/// Validate `value` against a JSON Schema; the messages name the failing location.
pub fn schema_errors(schema: &Value, value: &Value) -> Result<Vec<String>> {
    let validator = jsonschema::validator_for(schema)
        .map_err(|e| Error::usage(format!("invalid JSON Schema: {e}")))?;
    Ok(validator
        .iter_errors(value)
        .map(|e| {
            let at = e.instance_path().to_string();
            if at.is_empty() {
                e.to_string()
            } else {
                format!("{at}: {e}")
            }
        })
        .collect())
}
