//! Where an export's value comes from: a literal, a YAML/JSON/TOML file (optionally
//! narrowed by a JSON pointer), every regex match in the files matching
//! gitignore-style globs, or a program's output.
//!
//! Sources are declared in the provider's own repository (`.realm/exports.yaml`)
//! and evaluated over the files of one commit ([`Files`]): tracked, committed
//! content only, never the working tree. This module only parses and computes; the
//! workspace hands it the files (and, for a command, a checkout).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::error::{Error, Result};
use crate::model::{ExtractRule, RelPath, ValueSource};

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

fn extract(files: &dyn Files, rules: &[ExtractRule]) -> Result<Value> {
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

/// Run `command` (split like a shell would, never run by one) in `dir`, with a
/// cleared environment (only `PATH` and `HOME` kept) and a time limit; its
/// standard output is the value: JSON; YAML when it starts with `---`; otherwise
/// one item per line.
pub fn run_command(dir: &Path, command: &str, timeout: Option<u64>, commit: &str) -> Result<Value> {
    let argv = shlex::split(command)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| {
            Error::usage(format!(
                "command source {command:?}: cannot split it into a program and arguments"
            ))
        })?;
    let limit = Duration::from_secs(timeout.unwrap_or(DEFAULT_TIMEOUT_SECONDS));
    // A program named by a relative path (`./tools/api.sh`) is the checkout's own.
    let program = if argv[0].contains('/') && !argv[0].starts_with('/') {
        dir.join(&argv[0])
    } else {
        std::path::PathBuf::from(&argv[0])
    };
    let expr = duct::cmd(program, &argv[1..])
        .dir(dir)
        .full_env(
            ["PATH", "HOME"]
                .into_iter()
                .filter_map(|k| std::env::var_os(k).map(|v| (k.to_owned(), v))),
        )
        .env("GIT_REALM_SOURCE_COMMIT", commit)
        .stdin_null()
        .stdout_capture()
        .stderr_capture()
        .unchecked();
    let handle = expr.start().map_err(|e| {
        Error::usage(format!(
            "command source {command:?}: cannot start {}: {e}",
            argv[0]
        ))
    })?;
    let started = Instant::now();
    let output = loop {
        match handle.try_wait() {
            Ok(Some(out)) => break out.clone(),
            Ok(None) if started.elapsed() > limit => {
                let _ = handle.kill();
                return Err(Error::usage(format!(
                    "command source {command:?}: still running after {}s: stopped",
                    limit.as_secs()
                )));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => {
                return Err(Error::usage(format!("command source {command:?}: {e}")));
            }
        }
    };
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(Error::usage(format!(
            "command source {command:?} failed ({}): {}",
            output.status,
            stderr.trim().lines().last().unwrap_or("")
        )));
    }
    let text = String::from_utf8(output.stdout).map_err(|_| {
        Error::usage(format!(
            "command source {command:?}: its output is not UTF-8"
        ))
    })?;
    parse_output(&text).map_err(|e| Error::usage(format!("command source {command:?}: {e}")))
}

/// A program's output as a value: JSON; YAML when it starts with `---`; otherwise
/// one item per non-empty line (a set).
pub fn parse_output(text: &str) -> std::result::Result<Value, String> {
    let trimmed = text.trim_start();
    if trimmed.starts_with("---") {
        return serde_yaml::from_str(text).map_err(|e| format!("its YAML output: {e}"));
    }
    if let Ok(v) = serde_json::from_str::<Value>(text) {
        return Ok(v);
    }
    let lines: BTreeSet<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    Ok(Value::Array(lines.into_iter().map(Value::String).collect()))
}

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
fn last_key(path: &str) -> Option<String> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn files(list: &[(&str, &str)]) -> MemoryFiles {
        MemoryFiles(
            list.iter()
                .map(|(p, c)| (p.to_string(), c.to_string()))
                .collect(),
        )
    }

    fn extracted(args: &[&str], fs: &MemoryFiles) -> Value {
        let plain: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        evaluate(&extract_source(&plain, &[], &[]).unwrap(), fs).unwrap()
    }

    #[test]
    fn capture_groups_every_match_every_group() {
        let re = regex::Regex::new(r#"s3://bucket/([^"']+)"#).unwrap();
        assert_eq!(
            matches(&re, "a = 's3://bucket/x/*'\nb = \"s3://bucket/y\""),
            ["x/*", "y"]
        );
        let re = regex::Regex::new(r"(?P<kind>read|write)=(?P<value>\S+)").unwrap();
        assert_eq!(matches(&re, "read=a write=b"), ["a", "b"]);
        let re = regex::Regex::new(r"\d+").unwrap();
        assert_eq!(matches(&re, "1 22"), ["1", "22"]);
        // Items listed together: every group of every match.
        let re = regex::Regex::new(r"use \{(\w+), (\w+)\}").unwrap();
        assert_eq!(matches(&re, "use {A, B}\nuse {C, D}"), ["A", "B", "C", "D"]);
    }

    #[test]
    fn gitignore_style_globs() {
        let g = Globs::new("src/*.rs").unwrap();
        assert!(g.is_match("src/lib.rs"));
        assert!(!g.is_match("src/a/b.rs"), "* stops at /");
        let g = Globs::new("src/**/*.rs !src/sys/**").unwrap();
        assert!(g.is_match("src/a/b.rs"));
        assert!(!g.is_match("src/sys/unix.rs"));
        let g = Globs::new("*.py").unwrap();
        assert!(g.is_match("a/b/c.py"), "no slash: any depth");
        let g = Globs::new("/*.py").unwrap();
        assert!(!g.is_match("a/c.py"));
        let g = Globs::new("!vendor").unwrap();
        assert!(g.is_match("src/x"));
        assert!(!g.is_match("vendor/x/y"));
        assert!(Globs::new("../x").is_err());
        assert!(Globs::new(".git/config").is_err());
        assert!(Globs::new("").is_err());
        assert!(
            Globs::new(&Globs::literal("a[1].txt"))
                .unwrap()
                .is_match("a[1].txt")
        );
    }

    #[test]
    fn extraction_builds_sets_maps_and_per_file_maps() {
        let fs = files(&[
            (
                "src/a.rs",
                "pub fn parse(s: &str)\npub fn run()\npub enum Error {}",
            ),
            (
                "src/b/mod.rs",
                "pub enum Error {}\n#[cfg(feature = \"x\")]\npub fn hidden()",
            ),
            ("src/sys/c.rs", "pub fn private()"),
        ]);
        assert_eq!(
            extracted(&[r"src/**/*.rs !src/sys=pub (?:fn|enum) (\w+)"], &fs),
            json!(["Error", "hidden", "parse", "run"])
        );
        assert_eq!(
            extracted(
                &[r"src/**/*.rs=pub fn (?P<key>\w+)(?P<value>\([^)]*\))"],
                &fs
            ),
            json!({"hidden": "()", "parse": "(s: &str)", "private": "()", "run": "()"})
        );
        let per_file = extract_source(&[], &[], &[r"src/**/*.rs=pub enum (\w+)".into()]).unwrap();
        assert_eq!(
            evaluate(&per_file, &fs).unwrap(),
            json!({"src/a.rs": ["Error"], "src/b/mod.rs": ["Error"]})
        );
        // Multi-line patterns.
        assert_eq!(
            extracted(&[r#"src/**/*.rs=(?m)^pub fn (\w+)"#], &fs),
            json!(["hidden", "parse", "private", "run"])
        );
        // A cfg-gated item is matched whole by the first alternative, which has no
        // `value` group, so it adds nothing.
        let gated = r#"src/**/*.rs=(?m)#\[cfg\([^)]*\)\]\s*pub fn \w+|^pub fn (?P<value>\w+)"#;
        assert_eq!(extracted(&[gated], &fs), json!(["parse", "private", "run"]));
    }

    #[test]
    fn toml_yaml_json_files() {
        let fs = files(&[
            (
                "Cargo.toml",
                "[package]\nname = \"x\"\n[features]\ndefault = [\"a\"]\n",
            ),
            ("c.json", r#"{"port": 80}"#),
        ]);
        let src = ValueSource::File {
            path: "Cargo.toml".parse().unwrap(),
            pointer: Some("/features".into()),
        };
        assert_eq!(evaluate(&src, &fs).unwrap(), json!({"default": ["a"]}));
        let src = ValueSource::File {
            path: "c.json".parse().unwrap(),
            pointer: None,
        };
        assert_eq!(evaluate(&src, &fs).unwrap(), json!({"port": 80}));
        let missing = ValueSource::File {
            path: "nope.yaml".parse().unwrap(),
            pointer: None,
        };
        assert!(
            evaluate(&missing, &fs)
                .unwrap_err()
                .message
                .contains("committed")
        );
    }

    #[test]
    fn realm_sources_pass_the_command_line_checks() {
        let cmd = ValueSource::Command {
            command: "echo hi".into(),
            timeout_seconds: None,
        };
        assert!(validate(&cmd, false).is_ok());
        assert!(validate(&cmd, true).is_err());
        let git = ValueSource::File {
            path: ".git/config".parse().unwrap(),
            pointer: None,
        };
        assert!(validate(&git, true).is_err());
        let rules = ValueSource::Extract {
            rules: vec![ExtractRule {
                key: None,
                glob: "../../etc/*".into(),
                regex: "x".into(),
                by_file: false,
            }],
        };
        assert!(validate(&rules, true).is_err());
    }

    #[test]
    fn command_output_formats() {
        assert_eq!(parse_output("{\"a\": 1}").unwrap(), json!({"a": 1}));
        assert_eq!(parse_output("---\na: [1]\n").unwrap(), json!({"a": [1]}));
        assert_eq!(
            parse_output("pub fn a(x: u32)\n\npub fn b()\npub fn a(x: u32)\n").unwrap(),
            json!(["pub fn a(x: u32)", "pub fn b()"])
        );
    }

    #[test]
    fn items_are_located_where_they_were_found() {
        use crate::items::diff;
        let fs = files(&[
            ("src/a.py", "x = 1\nopen('s3://b/jobs/*')\n"),
            ("src/b.py", "\n\nopen('s3://b/logs/*')\n"),
            (
                "conf.json",
                "{\n  \"port\": 81,\n  \"read\": [\"a\", \"ab\"]\n}\n",
            ),
        ]);
        let extract = extract_source(&[r"src/*.py=s3://b/([^']+)".into()], &[], &[]).unwrap();
        let value = evaluate(&extract, &fs).unwrap();
        let changes = diff(&json!(["jobs/*"]), &value, &[]);
        assert_eq!(
            locate(&extract, &fs, &changes[0]).unwrap(),
            Some(Location {
                file: "src/b.py".into(),
                line: Some(3)
            })
        );
        let file = ValueSource::File {
            path: "conf.json".parse().unwrap(),
            pointer: None,
        };
        let changed = diff(&json!({"port": 80}), &json!({"port": 81}), &[]);
        assert_eq!(
            locate(&file, &fs, &changed[0]).unwrap().unwrap().line,
            Some(2)
        );
        let added = diff(&json!({"read": ["ab"]}), &json!({"read": ["a", "ab"]}), &[]);
        assert_eq!(
            locate(&file, &fs, &added[0]).unwrap().unwrap().line,
            Some(3)
        );
        assert_eq!(last_key("limits.max").as_deref(), Some("max"));
        assert_eq!(last_key("\"a.b\"").as_deref(), Some("a.b"));
        assert_eq!(last_key("routes[path=/a]").as_deref(), Some("/a"));
        assert_eq!(last_key("routes[0]").as_deref(), Some("routes"));
    }

    #[test]
    fn extract_arguments() {
        assert!(extract_source(&["*.py=x".into()], &["k=*.py=y".into()], &[]).is_err());
        assert!(extract_source(&["noequals".into()], &[], &[]).is_err());
        assert!(extract_source(&["*.py=(".into()], &[], &[]).is_err());
        let ValueSource::Extract { rules } =
            extract_source(&[], &["read=src/**/*.py=a=(b)".into()], &[]).unwrap()
        else {
            panic!()
        };
        assert_eq!(rules[0].key.as_deref(), Some("read"));
        assert_eq!(rules[0].glob, "src/**/*.py");
        assert_eq!(rules[0].regex, "a=(b)");
    }
}
