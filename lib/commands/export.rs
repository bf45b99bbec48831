//! `git realm export`: declare (or update) a contract this repository provides.
//!
//! The value's source is recorded in the binding, so `check` and `sync` recompute
//! it from the code. A new contract is published at 1.0.0 right away; changes to an
//! existing one are published by `git realm sync`, with the semver bump they imply.

use std::path::PathBuf;

use clap::Parser;
use serde::Serialize;

use crate::cli::{Command, EXIT_STATUS, GlobalArgs};
use crate::contracts;
use crate::error::{Error, Exit, Result};
use crate::git;
use crate::membership;
use crate::model::{Name, ValueSource};
use crate::ops::{self, ExportDeclared};
use crate::sources;
use crate::store::Store;
use crate::ui::{self, Ui};
use crate::workspace::WorkingTree;

/// Declare or update a contract this repository provides
#[derive(Parser, Debug)]
#[command(
    name = "git-realm-export",
    bin_name = "git realm export",
    version,
    after_help = EXIT_STATUS,
    after_long_help = concat!(
        "Examples:\n",
        "  git realm export s3-permissions --domain s3-access \\\n",
        "      --extract-key 'read=models/**/*.py=s3://bucket/(?P<value>[^\"]+)\"  # read' \\\n",
        "      --extract-key 'write=models/**/*.py=s3://bucket/(?P<value>[^\"]+)\"  # write'\n",
        "  git realm export api-version --domain public-api --value '\"2.1\"'\n",
        "  git realm export limits --domain quotas --file config/limits.yaml#/production\n\n",
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
    #[arg(long, value_name = "JSON", conflicts_with_all = ["file", "extract", "extract_key"])]
    pub value: Option<String>,

    /// A YAML/JSON file in this repository, optionally narrowed by a JSON pointer
    #[arg(long, value_name = "PATH[#/POINTER]", value_hint = clap::ValueHint::FilePath, conflicts_with_all = ["extract", "extract_key"])]
    pub file: Option<String>,

    /// Every match of REGEX in the files matching GLOB (group `value`, else group 1); repeatable
    #[arg(long, value_name = "GLOB=REGEX")]
    pub extract: Vec<String>,

    /// Like --extract, collected under KEY, building an object of lists; repeatable
    #[arg(long, value_name = "KEY=GLOB=REGEX")]
    pub extract_key: Vec<String>,

    /// What the contract means, for its consumers
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,

    /// A JSON Schema (JSON or YAML file) the value must satisfy
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub schema: Option<PathBuf>,

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
}

impl Command for ExportArgs {
    fn global(&self) -> &GlobalArgs {
        &self.global
    }

    fn run(self, ui: &Ui) -> Result<Exit> {
        let repo = git::open_current()?;
        let workdir = repo.workdir().map(ToOwned::to_owned).ok_or_else(|| {
            Error::usage("export needs a working tree: its value comes from the code")
        })?;
        let cwd = std::env::current_dir()
            .map_err(|e| Error::usage(format!("cannot read the current directory: {e}")))?;
        let (m, me) = membership::one(&repo, self.global.realm.as_ref())?;

        let source = self.source(&workdir, &cwd)?;
        let schema = match &self.schema {
            None => None,
            Some(path) => Some(read_schema(&cwd.join(path))?),
        };
        let store = Store::member(&repo, m.realm.as_str(), &m.url);
        // The new value, from the code as it is now (recomputed by check and sync).
        let value = match &source {
            Some(s) => Some(sources::evaluate(s, &workdir)?),
            None => None,
        };
        if let (Some(schema), Some(value)) = (&schema, &value) {
            let errors = contracts::schema_errors(schema, value)?;
            if !errors.is_empty() {
                return Err(Error::usage(format!(
                    "the value does not match --schema: {}",
                    errors.join("; ")
                )));
            }
        }
        let today = git::now(&repo)?;
        let (domain, contract) = (self.domain.clone(), self.contract.clone());
        let updated = store.update(&mut ops::DeclareExport {
            repo: me.clone(),
            domain: domain.clone(),
            contract: contract.clone(),
            source,
            value,
            description: self.description.clone(),
            schema,
            at: today,
        })?;

        // What a sync would publish now (for an existing contract).
        let snapshot = store.snapshot()?;
        let scope = contracts::Scope {
            exports: true,
            imports: false,
        };
        let workspace = WorkingTree::new(&repo);
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
                value: status.value.clone().unwrap_or_default(),
                commit: updated.commit.map(|c| c.to_string()),
            });
            return Ok(Exit::Success);
        }
        let items = status
            .value
            .as_ref()
            .map(|v| contracts::items(v).len())
            .unwrap_or(0);
        match (updated.value, updated.commit) {
            (ExportDeclared::Created, Some(c)) => ui.ok(format!(
                "Exported {domain}/{contract}@1.0.0 ({items} items, commit {})",
                ui::short(&c)
            )),
            (ExportDeclared::Updated, Some(c)) => ui.ok(format!(
                "Updated the export of {domain}/{contract} (commit {})",
                ui::short(&c)
            )),
            (_, None) => ui.ok(format!(
                "The export of {domain}/{contract} is already declared this way"
            )),
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
        if let Some(err) = &status.error {
            ui.bad(format!("{contract}: {err}"));
        }
        Ok(Exit::Success)
    }
}

impl ExportArgs {
    fn source(
        &self,
        workdir: &std::path::Path,
        cwd: &std::path::Path,
    ) -> Result<Option<ValueSource>> {
        if let Some(json) = &self.value {
            let value: serde_json::Value = serde_json::from_str(json)
                .map_err(|e| Error::usage(format!("--value: not valid JSON: {e}")))?;
            return Ok(Some(ValueSource::Value { value }));
        }
        if let Some(file) = &self.file {
            return sources::file_source(file, workdir, cwd).map(Some);
        }
        if !self.extract.is_empty() || !self.extract_key.is_empty() {
            return sources::extract_source(&self.extract, &self.extract_key).map(Some);
        }
        Ok(None)
    }
}

/// The domain must exist and `me` must be one of its members.
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
