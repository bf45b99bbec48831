//! `git realm export`: declare (or update) a contract this repository provides.
//!
//! How the value is computed (its source) is written to `.realm/exports.yaml` in this
//! repository and staged: it is part of the code, reviewed and committed with it,
//! and `check` and `sync` read it at the commit they publish from. The realm keeps
//! only what was published. A new contract is published at 1.0.0 right away, from
//! the code at `HEAD`; changes to an existing one are published by `git realm sync`
//! once committed, with the semver bump they imply.

use std::path::{Path, PathBuf};

use clap::Parser;
use serde::Serialize;

use crate::cli::{Command, EXIT_STATUS, GlobalArgs};
use crate::contracts;
use crate::error::{Error, Exit, Result};
use crate::git;
use crate::membership;
use crate::model::{self, ExportSource, ExportsFile, Name, ValueSource};
use crate::ops::{self, ExportDeclared};
use crate::sources;
use crate::store::Store;
use crate::ui::{self, Ui};
use crate::workspace::{At, WorkingTree, Workspace};

/// Declare or update a contract this repository provides
#[derive(Parser, Debug)]
#[command(
    name = "git-realm-export",
    bin_name = "git realm export",
    version,
    after_help = EXIT_STATUS,
    after_long_help = concat!(
        "The source is written to .realm/exports.yaml (staged): commit it. Values are\n",
        "always computed from committed code, never from the working tree.\n\n",
        "Examples:\n",
        "  git realm export s3-permissions --domain s3-access \\\n",
        "      --extract-key 'read=models/**/*.py=s3://bucket/(?P<value>[^\"]+)\"  # read' \\\n",
        "      --extract-key 'write=models/**/*.py=s3://bucket/(?P<value>[^\"]+)\"  # write'\n",
        "  git realm export api-version --domain public-api --value '\"2.1\"'\n",
        "  git realm export limits --domain quotas --file config/limits.yaml#/production\n",
        "  git realm export features --domain build --file Cargo.toml#/features\n",
        "  git realm export api --domain rust-api \\\n",
        "      --extract 'src/**/*.rs !src/sys=pub fn (?P<key>\\w+)(?P<value>\\([^)]*\\))'\n",
        "  git realm export api --domain rust-api --command 'cargo public-api --simplified'\n",
        "  git realm export routes --domain http --file openapi.yaml#/paths --key operationId\n\n",
        crate::exit_status!()
    ),
)]
pub struct ExportArgs {
    /// The contract's name
    pub contract: Name,

    /// The domain the contract belongs to
    #[arg(long, value_name = "DOMAIN")]
    pub domain: Name,

    /// A literal JSON value
    #[arg(long, value_name = "JSON", conflicts_with_all = ["file", "extract", "extract_key", "extract_by_file", "command"])]
    pub value: Option<String>,

    /// A YAML, JSON or TOML file in this repository, optionally narrowed by a JSON pointer
    #[arg(long, value_name = "PATH[#/POINTER]", value_hint = clap::ValueHint::FilePath, conflicts_with_all = ["extract", "extract_key", "extract_by_file", "command"])]
    pub file: Option<String>,

    /// Every match of REGEX in the files matching GLOB (gitignore-style patterns
    /// separated by spaces, `!pattern` excludes): group `value`, else every group;
    /// groups `key` and `value` build a map. Repeatable
    #[arg(long, value_name = "GLOB=REGEX", conflicts_with = "command")]
    pub extract: Vec<String>,

    /// Like --extract, collected under KEY, building an object of lists; repeatable
    #[arg(long, value_name = "KEY=GLOB=REGEX", conflicts_with = "command")]
    pub extract_key: Vec<String>,

    /// Like --extract, with the items of each file under its path (an item's identity
    /// includes its file); repeatable
    #[arg(long, value_name = "GLOB=REGEX", conflicts_with = "command")]
    pub extract_by_file: Vec<String>,

    /// A program (and its arguments, quoted as in a shell; no shell runs it) whose
    /// output is the value: run in a clean checkout of the commit, with only PATH
    /// and HOME in its environment. Output: JSON, YAML starting with `---`, or one
    /// item per line
    #[arg(long, value_name = "'PROGRAM ARGS…'")]
    pub command: Option<String>,

    /// How long --command may run, in seconds (default 120)
    #[arg(long, value_name = "SECONDS", requires = "command")]
    pub timeout: Option<u64>,

    /// A field identifying the objects of an array (compared by position otherwise); repeatable
    #[arg(long = "key", value_name = "FIELD")]
    pub keys: Vec<String>,

    /// What the contract means, for its consumers
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,

    /// A JSON Schema (JSON or YAML file) the value must satisfy
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub schema: Option<PathBuf>,

    /// Publish a new contract even though HEAD is not the default branch
    #[arg(long)]
    pub from_branch: bool,

    /// Print the realm commit and the change to .realm/exports.yaml it would make; write nothing
    #[arg(short = 'n', long)]
    pub dry_run: bool,

    #[command(flatten)]
    pub global: GlobalArgs,
}

#[derive(Serialize)]
struct ExportReport {
    realm: String,
    domain: String,
    contract: String,
    version: String,
    created: bool,
    pending_version: Option<String>,
    value: serde_json::Value,
    commit: Option<String>,
    /// The file the source was written to (staged, to be committed).
    exports_file: String,
    /// Whether `.realm/exports.yaml` changed.
    exports_file_changed: bool,
    uncommitted: Vec<String>,
}

impl Command for ExportArgs {
    fn global(&self) -> &GlobalArgs {
        &self.global
    }

    fn run(self, ui: &Ui) -> Result<Exit> {
        let repo = git::open_current()?;
        let workdir = repo.workdir().map(ToOwned::to_owned).ok_or_else(|| {
            Error::usage("export needs a working tree: its source is a file of the repository")
        })?;
        let cwd = std::env::current_dir()
            .map_err(|e| Error::usage(format!("cannot read the current directory: {e}")))?;
        let (m, me) = membership::one(&repo, self.global.realm.as_ref())?;
        let workspace = WorkingTree::new(&repo);
        let Some(head) = workspace.head() else {
            return Err(Error::usage(
                "this repository has no commit yet: export values come from committed code",
            )
            .hint("commit your code first"));
        };

        // The declaration: what was there, updated with what is given now.
        let mut file = read_exports_file(&workdir)?;
        let before = file.clone();
        let (domain, contract) = (self.domain.clone(), self.contract.clone());
        let previous = file
            .find(m.realm.as_str(), domain.as_str(), contract.as_str())
            .cloned();
        let schema = match &self.schema {
            None => None,
            Some(path) => Some(read_schema(&cwd.join(path))?),
        };
        let source = match (self.source(&workdir, &cwd)?, &previous) {
            (Some(s), _) => s,
            (None, Some(p)) => p.source.clone(),
            (None, None) => {
                return Err(Error::usage(format!(
                    "{domain}/{contract} is a new export: give its source with --value, --file, --extract, --extract-key, --extract-by-file or --command"
                )));
            }
        };
        let declared = ExportSource {
            realm: m.realm.clone(),
            domain: domain.clone(),
            contract: contract.clone(),
            source,
            description: self
                .description
                .clone()
                .or_else(|| previous.as_ref().and_then(|p| p.description.clone())),
            schema: schema.or_else(|| previous.as_ref().and_then(|p| p.schema.clone())),
            keys: if self.keys.is_empty() {
                previous
                    .as_ref()
                    .map(|p| p.keys.clone())
                    .unwrap_or_default()
            } else {
                self.keys.clone()
            },
        };

        // The value, from the committed code.
        let store = Store::member(&repo, m.realm.as_str(), &m.url);
        let exists = store
            .snapshot()?
            .exists(&model::paths::contract(domain.as_str(), contract.as_str()))?;
        let value = workspace.evaluate(At::Head, &declared.source);
        if !exists {
            // A new contract is published at once: from committed code, on the default branch.
            let value = value.as_ref().map_err(|e| {
                Error::usage(format!("{domain}/{contract}: {}", e.message))
                    .hint("a new contract is published at 1.0.0 from the code at HEAD: commit what its source reads first")
            })?;
            if let Some(schema) = &declared.schema {
                let errors = contracts::schema_errors(schema, value)?;
                if !errors.is_empty() {
                    return Err(Error::usage(format!(
                        "the value does not match --schema: {}",
                        errors.join("; ")
                    )));
                }
            }
            let publishing = workspace.publishing()?;
            if !publishing.on_default && !self.from_branch {
                return Err(Error::usage(format!(
                    "{domain}/{contract} would be published at 1.0.0 from {}, not the default branch ({})",
                    publishing
                        .branch
                        .as_deref()
                        .map(|b| format!("branch {b}"))
                        .unwrap_or_else(|| "a detached HEAD".into()),
                    publishing.default_described()
                ))
                .hint("export from the default branch, or pass --from-branch"));
            }
        }
        let today = git::now(&repo)?;
        let updated = crate::commands::realm_write(
            &store,
            &mut ops::DeclareExport {
                repo: me.clone(),
                domain: domain.clone(),
                contract: contract.clone(),
                value: value.as_ref().ok().cloned(),
                commit: Some(head.to_string().parse().map_err(Error::usage)?),
                description: declared.description.clone(),
                schema: declared.schema.clone(),
                keys: declared.keys.clone(),
                at: today,
            },
            self.dry_run,
            ui,
        )?;

        // The source goes to the repository once the realm accepted the declaration.
        file.exports
            .retain(|e| !(e.realm == m.realm && e.domain == domain && e.contract == contract));
        file.exports.push(declared.clone());
        // Also when the file is written but not staged (an export killed in
        // between, or unstaged by hand): the next commit must carry it.
        let file_changed = model::render(&file) != model::render(&before)
            || !exports_path(&workdir).exists()
            || !git::index::is_staged(&repo, model::EXPORTS_FILE);
        if self.dry_run {
            if ui.json {
                ui.json(&serde_json::json!({
                    "realm": m.realm,
                    "domain": domain,
                    "contract": contract,
                    "dry_run": true,
                    "created": updated.value == ExportDeclared::Created,
                    "value": value.as_ref().ok().cloned().unwrap_or_default(),
                    "exports_file": model::EXPORTS_FILE,
                    "exports_file_changed": file_changed,
                    "preview": updated.preview,
                }));
            } else if file_changed {
                ui.line(format!(
                    "It would write and stage {} (the export's source).",
                    model::EXPORTS_FILE
                ));
            }
            return Ok(Exit::Success);
        }
        if file_changed {
            write_exports_file(&workdir, &file)?;
        }

        // What a sync would publish now (for an existing contract), and what the
        // staged declaration will change once committed.
        let snapshot = store.snapshot()?;
        let scope = contracts::Scope {
            exports: true,
            imports: false,
            uncommitted: true,
            today: None,
            against: None,
            attention_only: false,
        };
        let survey = contracts::survey(&snapshot, &me, Some(&workspace), scope)?;
        let status = survey
            .exports
            .into_iter()
            .find(|e| e.domain == domain.as_str() && e.contract == contract.as_str())
            .ok_or_else(|| {
                Error::conflict("the export vanished from the realm right after it was written")
            })?;
        let version = status
            .version
            .clone()
            .map(|v| v.to_string())
            .unwrap_or_default();
        if ui.json {
            ui.json(&ExportReport {
                realm: m.realm.to_string(),
                domain: domain.to_string(),
                contract: contract.to_string(),
                version: version.clone(),
                created: updated.value == ExportDeclared::Created,
                pending_version: status.next_version.as_ref().map(ToString::to_string),
                value: value.as_ref().ok().cloned().unwrap_or_default(),
                commit: updated.commit.map(|c| c.to_string()),
                exports_file: model::EXPORTS_FILE.to_owned(),
                exports_file_changed: file_changed,
                uncommitted: status.uncommitted.clone(),
            });
            return Ok(Exit::Success);
        }
        let items = value
            .as_ref()
            .map(|v| contracts::items(v).len())
            .unwrap_or(0);
        match (updated.value, updated.commit) {
            (ExportDeclared::Created, Some(c)) => ui.ok(format!(
                "Exported {domain}/{contract}@1.0.0 ({items} items, commit {})",
                ui::short(&c)
            )),
            (ExportDeclared::Updated, Some(c)) => ui.ok(format!(
                "Declared the export of {domain}/{contract} (commit {})",
                ui::short(&c)
            )),
            (_, None) => ui.ok(format!("{domain}/{contract} is exported by {me}")),
        }
        if file_changed {
            ui.warn(format!(
                "Wrote its source to {} (staged): commit it; check and sync read it at HEAD",
                model::EXPORTS_FILE
            ));
        }
        if items == 0 && updated.value == ExportDeclared::Created {
            ui.warn(format!(
                "{contract}: the value is empty (its sources match nothing yet); consumers see an empty 1.0.0 until the code provides items and `git realm sync` publishes them"
            ));
        }
        if let Some(next) = &status.next_version {
            ui.warn(format!(
                "{contract}: {version} → {next} pending; run `git realm sync` to publish"
            ));
            for line in status.diff.lines() {
                ui.line(format!("    {line}"));
            }
        }
        if !status.uncommitted.is_empty() {
            ui.line(format!("  uncommitted: would change {contract}:"));
            for line in &status.uncommitted {
                ui.line(format!("    {line}"));
            }
        }
        if let Some(err) = &status.error
            && !file_changed
        {
            ui.bad(format!("{contract}: {err}"));
        }
        Ok(Exit::Success)
    }
}

impl ExportArgs {
    fn source(&self, workdir: &Path, cwd: &Path) -> Result<Option<ValueSource>> {
        if let Some(json) = &self.value {
            let value: serde_json::Value = serde_json::from_str(json)
                .map_err(|e| Error::usage(format!("--value: not valid JSON: {e}")))?;
            return Ok(Some(ValueSource::Value { value }));
        }
        if let Some(file) = &self.file {
            return sources::file_source(file, workdir, cwd).map(Some);
        }
        if let Some(command) = &self.command {
            return sources::command_source(command, self.timeout).map(Some);
        }
        if !self.extract.is_empty()
            || !self.extract_key.is_empty()
            || !self.extract_by_file.is_empty()
        {
            return sources::extract_source(
                &self.extract,
                &self.extract_key,
                &self.extract_by_file,
            )
            .map(Some);
        }
        Ok(None)
    }
}

fn exports_path(workdir: &Path) -> PathBuf {
    workdir.join(model::EXPORTS_FILE)
}

/// `.realm/exports.yaml` as it is in the working tree (empty when absent).
fn read_exports_file(workdir: &Path) -> Result<ExportsFile> {
    match std::fs::read(exports_path(workdir)) {
        Ok(bytes) => model::parse(model::EXPORTS_FILE, &bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ExportsFile::default()),
        Err(e) => Err(Error::usage(format!(
            "cannot read {}: {e}",
            model::EXPORTS_FILE
        ))),
    }
}

/// Write `.realm/exports.yaml` and stage it.
fn write_exports_file(workdir: &Path, file: &ExportsFile) -> Result<()> {
    let path = exports_path(workdir);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::usage(format!("cannot create {}: {e}", dir.display())))?;
    }
    let text = format!(
        "# How this repository's exports are computed, read by `git realm check` and\n# `git realm sync` at the commit they publish from. Written by `git realm export`.\n{}",
        model::render(file)
    );
    // Whole or not at all: a reader (or a kill) never meets half a file.
    let dir = path.parent().unwrap_or(workdir);
    let cannot = |e: std::io::Error| Error::usage(format!("cannot write {}: {e}", path.display()));
    let mut scratch = tempfile::NamedTempFile::new_in(dir).map_err(cannot)?;
    std::io::Write::write_all(&mut scratch, text.as_bytes()).map_err(cannot)?;
    scratch.persist(&path).map_err(|e| cannot(e.error))?;
    git::index::stage(workdir, model::EXPORTS_FILE)
}

/// A JSON Schema file, validated as one.
fn read_schema(path: &std::path::Path) -> Result<serde_json::Value> {
    let file = path.display().to_string();
    let text =
        std::fs::read_to_string(path).map_err(|e| Error::usage(format!("--schema {file}: {e}")))?;
    let de = serde_yaml::Deserializer::from_str(&text);
    let schema: serde_json::Value = serde_path_to_error::deserialize(de)
        .map_err(|e| Error::invalid(&file, &e.path().to_string(), e.into_inner()))?;
    jsonschema::validator_for(&schema)
        .map_err(|e| Error::usage(format!("--schema {file}: not a valid JSON Schema: {e}")))?;
    Ok(schema)
}
