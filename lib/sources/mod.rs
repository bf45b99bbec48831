//! Where an export's value comes from: a literal, a YAML/JSON/TOML file (optionally
//! narrowed by a JSON pointer), every regex match in the files matching
//! gitignore-style globs, or a program's output.
//!
//! Sources are declared in the provider's own repository (`.realm/exports.yaml`)
//! and evaluated over the files of one commit ([`Files`]): tracked, committed
//! content only, never the working tree. This module only parses and computes; the
//! workspace hands it the files (and, for a command, a checkout).

mod command;
mod extract;
mod locate;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::model::{ExtractRule, RelPath, ValueSource};

pub use command::{parse_output, run_command};
use extract::extract;
pub use extract::{Globs, matches};
pub use locate::{Location, locate};

/// How long a `--command` source may run unless its declaration says otherwise.
pub const DEFAULT_TIMEOUT_SECONDS: u64 = 120;

/// The files of one tree (a commit's, or the working tree's): regular files only.
pub trait Files {
    /// Every regular file, as a `/`-separated path from the root, sorted.
    fn list(&self) -> Result<Vec<String>>;
    /// The content of the regular file at `path` (`None`: there is none; a symlink
    /// or a submodule is an error naming it).
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>>;
}

/// Parse `--file PATH[#/json/pointer]` (PATH relative to `cwd`).
pub fn file_source(arg: &str, workdir: &Path, cwd: &Path) -> Result<ValueSource> {
    let (path, pointer) = match arg.split_once('#') {
        Some((p, ptr)) => (p, Some(ptr.to_owned())),
        None => (arg, None),
    };
    let path = repo_relative(path, workdir, cwd)
        .map_err(|e| Error::usage(format!("--file {arg}: {e}")))?;
    let source = ValueSource::File { path, pointer };
    validate(&source, false).map_err(|e| Error::usage(format!("--file {arg}: {}", e.message)))?;
    Ok(source)
}

/// Parse `--extract GLOB=REGEX`, `--extract-key KEY=GLOB=REGEX` and
/// `--extract-by-file GLOB=REGEX` arguments.
pub fn extract_source(
    plain: &[String],
    keyed: &[String],
    by_file: &[String],
) -> Result<ValueSource> {
    if !keyed.is_empty() && (!plain.is_empty() || !by_file.is_empty()) {
        return Err(Error::usage(
            "--extract-key cannot be mixed with --extract or --extract-by-file: a value is a list, a map, or an object of those",
        ));
    }
    let mut rules = Vec::new();
    for (flag, args, per_file) in [
        ("--extract", plain, false),
        ("--extract-by-file", by_file, true),
    ] {
        for arg in args {
            let (glob, regex) = arg
                .split_once('=')
                .ok_or_else(|| Error::usage(format!("{flag} {arg:?}: expected GLOB=REGEX")))?;
            let mut r = rule(None, glob, regex, flag, arg)?;
            r.by_file = per_file;
            rules.push(r);
        }
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

/// Parse `--uses-extract GLOB=REGEX` arguments (what a consumer uses, found in its code).
pub fn uses_rules(args: &[String]) -> Result<Vec<ExtractRule>> {
    args.iter()
        .map(|arg| {
            let (glob, regex) = arg.split_once('=').ok_or_else(|| {
                Error::usage(format!("--uses-extract {arg:?}: expected GLOB=REGEX"))
            })?;
            rule(None, glob, regex, "--uses-extract", arg)
        })
        .collect()
}

/// Parse `--command 'PROGRAM ARGS…'`.
pub fn command_source(arg: &str, timeout_seconds: Option<u64>) -> Result<ValueSource> {
    let source = ValueSource::Command {
        command: arg.to_owned(),
        timeout_seconds,
    };
    validate(&source, false)
        .map_err(|e| Error::usage(format!("--command {arg:?}: {}", e.message)))?;
    Ok(source)
}

fn rule(
    key: Option<String>,
    glob: &str,
    regex: &str,
    flag: &str,
    arg: &str,
) -> Result<ExtractRule> {
    let rule = ExtractRule {
        key,
        glob: glob.to_owned(),
        regex: regex.to_owned(),
        by_file: false,
    };
    check_rule(&rule).map_err(|e| Error::usage(format!("{flag} {arg:?}: {e}")))?;
    Ok(rule)
}

fn check_rule(rule: &ExtractRule) -> std::result::Result<(), String> {
    Globs::new(&rule.glob)?;
    regex::Regex::new(&rule.regex).map_err(|e| format!("bad regex: {e}"))?;
    Ok(())
}

/// Check a source the way the command line does. A source read from a realm
/// (`from_realm`, written by older versions) must pass the same checks and may never
/// run a program: nothing read from a realm makes git-realm run anything.
pub fn validate(source: &ValueSource, from_realm: bool) -> Result<()> {
    match source {
        ValueSource::Value { .. } => Ok(()),
        ValueSource::File { path, pointer } => {
            check_tree_path(path.as_str()).map_err(Error::usage)?;
            match pointer {
                Some(p) if !p.is_empty() && !p.starts_with('/') => Err(Error::usage(format!(
                    "a JSON pointer starts with '/' (e.g. {path}#/read)"
                ))),
                _ => Ok(()),
            }
        }
        ValueSource::Extract { rules } => {
            for r in rules {
                check_rule(r)
                    .map_err(|e| Error::usage(format!("extract rule {:?}: {e}", r.glob)))?;
            }
            Ok(())
        }
        ValueSource::Command { command, .. } => {
            if from_realm {
                return Err(Error::usage(
                    "a command source in the realm is refused: commands are only read from the provider's own .realm/exports.yaml",
                ));
            }
            match shlex::split(command) {
                Some(argv) if !argv.is_empty() => Ok(()),
                _ => Err(Error::usage(
                    "expected a program and its arguments (quoted as a shell would; no shell runs it)",
                )),
            }
        }
    }
}

/// A path inside a tree that git-realm reads: no `.git` component (`RelPath`
/// already refuses `..` and absolute paths).
fn check_tree_path(path: &str) -> std::result::Result<(), String> {
    if path.split('/').any(|c| c.eq_ignore_ascii_case(".git")) {
        return Err(format!("{path}: nothing under .git/ is part of the code"));
    }
    Ok(())
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

/// Compute the value of `source` from `files` (a command needs a checkout: see
/// [`run_command`]).
pub fn evaluate(source: &ValueSource, files: &dyn Files) -> Result<Value> {
    match source {
        ValueSource::Value { value } => Ok(value.clone()),
        ValueSource::File { path, pointer } => read_file(files, path, pointer.as_deref()),
        ValueSource::Extract { rules } => extract(files, rules),
        ValueSource::Command { .. } => Err(Error::usage(
            "a command source runs in a checkout, not over a file listing",
        )),
    }
}

/// Parse a data file: TOML by its `.toml` extension, else YAML (which reads JSON).
pub fn parse_data(path: &str, text: &str) -> Result<Value> {
    if path.ends_with(".toml") {
        let de = toml::Deserializer::parse(text)
            .map_err(|e| Error::invalid(path, "", e.to_string().trim().to_owned()))?;
        return serde_path_to_error::deserialize(de)
            .map_err(|e| Error::invalid(path, &e.path().to_string(), e.into_inner().to_string()));
    }
    // The code of a pull request is read here too (`check --against`).
    crate::model::nesting::refuse_too_deep(path, text)?;
    let de = serde_yaml::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de)
        .map_err(|e| Error::invalid(path, &e.path().to_string(), e.into_inner()))
}

fn read_file(files: &dyn Files, path: &RelPath, pointer: Option<&str>) -> Result<Value> {
    let bytes = files.read(path.as_str())?.ok_or_else(|| {
        Error::usage(format!(
            "export source {path}: no such file in the commit (is it committed?)"
        ))
    })?;
    let text = String::from_utf8(bytes)
        .map_err(|_| Error::invalid(path.as_str(), "", "the file is not UTF-8"))?;
    let value = parse_data(path.as_str(), &text)?;
    match pointer {
        None | Some("") => Ok(value),
        Some(ptr) => value.pointer(ptr).cloned().ok_or_else(|| {
            Error::usage(format!(
                "export source {path}#{ptr}: the JSON pointer {ptr} finds nothing"
            ))
        }),
    }
}

/// Files in memory, for tests.
#[derive(Default)]
pub struct MemoryFiles(pub BTreeMap<String, String>);

impl Files for MemoryFiles {
    fn list(&self) -> Result<Vec<String>> {
        Ok(self.0.keys().cloned().collect())
    }
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>> {
        Ok(self.0.get(path).map(|s| s.clone().into_bytes()))
    }
}
