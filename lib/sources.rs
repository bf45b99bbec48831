//! Where an export's value comes from: a literal, a YAML/JSON file (optionally
//! narrowed by a JSON pointer), or every regex match in the files matching a glob.
//!
//! The source is recorded in the binding, so `check` and `sync` recompute the value
//! from the provider's working tree each time: the value follows the code.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::{Error, Result};
use crate::model::{ExtractRule, RelPath, ValueSource};

/// Parse `--file PATH[#/json/pointer]` (PATH relative to `cwd`).
pub fn file_source(arg: &str, workdir: &Path, cwd: &Path) -> Result<ValueSource> {
    let (path, pointer) = match arg.split_once('#') {
        Some((p, ptr)) => (p, Some(ptr.to_owned())),
        None => (arg, None),
    };
    if let Some(ptr) = &pointer
        && !ptr.is_empty()
        && !ptr.starts_with('/')
    {
        return Err(Error::usage(format!(
            "--file {arg}: a JSON pointer starts with '/' (e.g. {path}#/read)"
        )));
    }
    let path = repo_relative(path, workdir, cwd)
        .map_err(|e| Error::usage(format!("--file {arg}: {e}")))?;
    Ok(ValueSource::File { path, pointer })
}

/// Parse `--extract GLOB=REGEX` and `--extract-key KEY=GLOB=REGEX` arguments.
pub fn extract_source(plain: &[String], keyed: &[String]) -> Result<ValueSource> {
    if !plain.is_empty() && !keyed.is_empty() {
        return Err(Error::usage(
            "--extract and --extract-key cannot be mixed: a value is a list or an object of lists",
        ));
    }
    let mut rules = Vec::new();
    for arg in plain {
        let (glob, regex) = arg
            .split_once('=')
            .ok_or_else(|| Error::usage(format!("--extract {arg:?}: expected GLOB=REGEX")))?;
        rules.push(rule(None, glob, regex, "--extract", arg)?);
    }
    for arg in keyed {
        let mut parts = arg.splitn(3, '=');
        let (Some(key), Some(glob), Some(regex)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(Error::usage(format!(
                "--extract-key {arg:?}: expected KEY=GLOB=REGEX"
            )));
        };
        if key.is_empty() {
            return Err(Error::usage(format!(
                "--extract-key {arg:?}: the key is empty"
            )));
        }
        rules.push(rule(
            Some(key.to_owned()),
            glob,
            regex,
            "--extract-key",
            arg,
        )?);
    }
    Ok(ValueSource::Extract { rules })
}

fn rule(
    key: Option<String>,
    glob: &str,
    regex: &str,
    flag: &str,
    arg: &str,
) -> Result<ExtractRule> {
    globset::Glob::new(glob).map_err(|e| Error::usage(format!("{flag} {arg:?}: bad glob: {e}")))?;
    regex::Regex::new(regex)
        .map_err(|e| Error::usage(format!("{flag} {arg:?}: bad regex: {e}")))?;
    Ok(ExtractRule {
        key,
        glob: glob.to_owned(),
        regex: regex.to_owned(),
    })
}

/// A path given on the command line (relative to `cwd`), as a path inside the
/// repository at `workdir`.
pub fn repo_relative(
    arg: &str,
    workdir: &Path,
    cwd: &Path,
) -> std::result::Result<RelPath, String> {
    let abs = crate::git::absolute(cwd, Path::new(arg));
    let root = std::fs::canonicalize(workdir).unwrap_or_else(|_| workdir.to_owned());
    // Canonicalise the deepest existing ancestor so symlinked temp dirs compare equal.
    let mut existing = abs.clone();
    let mut tail = Vec::new();
    while !existing.exists() {
        match (existing.file_name(), existing.parent()) {
            (Some(name), Some(parent)) => {
                tail.push(name.to_owned());
                existing = parent.to_owned();
            }
            _ => break,
        }
    }
    let mut full = std::fs::canonicalize(&existing).unwrap_or(existing);
    full.extend(tail.iter().rev());
    let rel = full.strip_prefix(&root).map_err(|_| {
        format!(
            "{} is outside the repository {}",
            full.display(),
            root.display()
        )
    })?;
    rel.to_string_lossy().replace('\\', "/").parse()
}

/// Compute the value of `source` from the working tree at `workdir`.
pub fn evaluate(source: &ValueSource, workdir: &Path) -> Result<Value> {
    match source {
        ValueSource::Value { value } => Ok(value.clone()),
        ValueSource::File { path, pointer } => read_file(workdir, path, pointer.as_deref()),
        ValueSource::Extract { rules } => extract(workdir, rules),
    }
}

/// Check a source path wherever it came from (the command line, or a binding read
/// from the realm, which others can write): relative without `..` (the `RelPath`
/// type), nothing under `.git/`, tracked in the repository, and not leaving it
/// through a symlink. Returns the file to read.
pub fn check_source_path(
    workdir: &Path,
    path: &str,
    tracked: &BTreeSet<String>,
) -> Result<PathBuf> {
    let refuse = |why: &str| Error::usage(format!("export source {path}: {why}"));
    let rel: RelPath = path.parse().map_err(|e: String| refuse(&e))?;
    if rel
        .as_str()
        .split('/')
        .any(|c| c.eq_ignore_ascii_case(".git"))
    {
        return Err(refuse("files under .git/ are never a source"));
    }
    if !tracked.contains(rel.as_str()) {
        return Err(refuse(
            "not a tracked file of this repository (only committed files are sources)",
        ));
    }
    inside(workdir, rel.as_str()).map_err(|e| refuse(&e))
}

/// `workdir/rel` with every symlink resolved, if it stays inside `workdir`.
fn inside(workdir: &Path, rel: &str) -> std::result::Result<PathBuf, String> {
    let root = std::fs::canonicalize(workdir).map_err(|e| format!("{}: {e}", workdir.display()))?;
    let full = std::fs::canonicalize(root.join(rel)).map_err(|e| format!("cannot read it: {e}"))?;
    if !full.starts_with(&root)
        || full
            .strip_prefix(&root)
            .is_ok_and(|r| r.starts_with(".git"))
    {
        return Err(format!(
            "it leads outside the repository (to {}) through a symlink",
            full.display()
        ));
    }
    Ok(full)
}

/// The files tracked in the repository at `workdir` (git's index), as `/` paths.
pub fn tracked_files(workdir: &Path) -> Result<BTreeSet<String>> {
    Ok(crate::git::worktrees::tracked_files(workdir)?
        .into_iter()
        .collect())
}

fn read_file(workdir: &Path, path: &RelPath, pointer: Option<&str>) -> Result<Value> {
    let full = check_source_path(workdir, path.as_str(), &tracked_files(workdir)?)?;
    let text = std::fs::read_to_string(&full).map_err(|e| {
        Error::usage(format!(
            "export source {path}: cannot read {}: {e}",
            full.display()
        ))
    })?;
    let de = serde_yaml::Deserializer::from_str(&text);
    let value: Value = serde_path_to_error::deserialize(de)
        .map_err(|e| Error::invalid(path.as_str(), &e.path().to_string(), e.into_inner()))?;
    match pointer {
        None | Some("") => Ok(value),
        Some(ptr) => value.pointer(ptr).cloned().ok_or_else(|| {
            Error::usage(format!(
                "export source {path}#{ptr}: the JSON pointer {ptr} finds nothing"
            ))
        }),
    }
}

fn extract(workdir: &Path, rules: &[ExtractRule]) -> Result<Value> {
    // Only tracked files, each one checked: a rule written by someone else (the
    // realm) must not reach ignored secrets, .git/ or, through a symlink, anything
    // outside the repository.
    let files: Vec<String> = tracked_files(workdir)?.into_iter().collect();
    let mut keyed: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut plain: BTreeSet<String> = BTreeSet::new();
    for rule in rules {
        let glob = globset::Glob::new(&rule.glob)
            .map_err(|e| Error::usage(format!("extract rule {:?}: bad glob: {e}", rule.glob)))?
            .compile_matcher();
        let re = regex::Regex::new(&rule.regex)
            .map_err(|e| Error::usage(format!("extract rule {:?}: bad regex: {e}", rule.regex)))?;
        let target = match &rule.key {
            Some(k) => keyed.entry(k.clone()).or_default(),
            None => &mut plain,
        };
        for file in files.iter().filter(|f| glob.is_match(f)) {
            let Ok(full) = inside(workdir, file) else {
                crate::ui::verbose(&format!(
                    "extract: skipping {file}: it leads outside the repository"
                ));
                continue;
            };
            if file.split('/').any(|c| c.eq_ignore_ascii_case(".git")) {
                continue;
            }
            let Ok(bytes) = std::fs::read(full) else {
                continue;
            };
            let text = String::from_utf8_lossy(&bytes);
            target.extend(matches(&re, &text));
        }
    }
    if rules.iter().any(|r| r.key.is_some()) {
        Ok(Value::Object(
            keyed
                .into_iter()
                .map(|(k, v)| (k, Value::Array(v.into_iter().map(Value::String).collect())))
                .collect(),
        ))
    } else {
        Ok(Value::Array(plain.into_iter().map(Value::String).collect()))
    }
}

/// Every match of `re` in `text`: the group named `value`, else group 1, else the
/// whole match.
pub fn matches(re: &regex::Regex, text: &str) -> Vec<String> {
    let named = re.capture_names().any(|n| n == Some("value"));
    re.captures_iter(text)
        .filter_map(|c| {
            let m = if named {
                c.name("value")
            } else {
                c.get(1).or_else(|| c.get(0))
            };
            m.map(|m| m.as_str().to_owned())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capture_groups() {
        let re = regex::Regex::new(r#"s3://bucket/([^"']+)"#).unwrap();
        assert_eq!(
            matches(&re, "a = 's3://bucket/x/*'\nb = \"s3://bucket/y\""),
            ["x/*", "y"]
        );
        let re = regex::Regex::new(r"(?P<kind>read|write)=(?P<value>\S+)").unwrap();
        assert_eq!(matches(&re, "read=a write=b"), ["a", "b"]);
        let re = regex::Regex::new(r"\d+").unwrap();
        assert_eq!(matches(&re, "1 22"), ["1", "22"]);
    }

    #[test]
    fn extract_arguments() {
        assert!(extract_source(&["*.py=x".into()], &["k=*.py=y".into()]).is_err());
        assert!(extract_source(&["noequals".into()], &[]).is_err());
        assert!(extract_source(&["*.py=(".into()], &[]).is_err());
        let ValueSource::Extract { rules } =
            extract_source(&[], &["read=src/**/*.py=a=(b)".into()]).unwrap()
        else {
            panic!()
        };
        assert_eq!(rules[0].key.as_deref(), Some("read"));
        assert_eq!(rules[0].glob, "src/**/*.py");
        assert_eq!(rules[0].regex, "a=(b)");
    }
}
