//! `git realm import`: declare that this repository consumes a contract, and
//! where in its code the contract is implemented (the binding file).

use clap::Parser;
use serde::Serialize;

use crate::cli::{Command, EXIT_STATUS, GlobalArgs};
use crate::error::{Error, Exit, Result};
use crate::git;
use crate::membership;
use crate::model::Name;
use crate::notes;
use crate::ops;
use crate::sources;
use crate::store::Store;
use crate::ui::{self, Ui};
use crate::workspace::{WorkingTree, head_commit};

/// Declare that this repository consumes a contract
#[derive(Parser, Debug)]
#[command(
    name = "git-realm-import",
    bin_name = "git realm import",
    version,
    after_help = EXIT_STATUS,
    after_long_help = concat!(
        "Examples:\n",
        "  git realm import s3-permissions --domain s3-access --requires '>=1.0.0' \\\n",
        "      --binding cdk/training_tools_access_stack.py --verify '\"arn:aws:s3:::bucket/([^\"]+)\"'\n\n",
        crate::exit_status!()
    ),
)]
pub struct ImportArgs {
    /// The contract's name
    pub contract: Name,

    /// The domain the contract belongs to
    #[arg(long, value_name = "DOMAIN")]
    pub domain: Name,

    /// The versions this repository accepts (a semver requirement, e.g. '^1.3' or '>=1.0.0')
    #[arg(long = "requires", value_name = "REQ")]
    pub requirement: semver::VersionReq,

    /// The file in this repository that implements the contract
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub binding: String,

    /// Prove the binding satisfies the contract: REGEX extracts what the binding file
    /// (or the --verify-files) provides (group `value`, else every group), and every
    /// value of the items this repository uses (all items when it declares no uses)
    /// must be among it, type included (a number as that number, a boolean as true/false)
    #[arg(long, value_name = "REGEX")]
    pub verify: Option<String>,

    /// The files --verify reads instead of the binding file: gitignore-style patterns
    /// separated by spaces (`!pattern` excludes); repeatable
    #[arg(long, value_name = "GLOB", requires = "verify")]
    pub verify_files: Vec<String>,

    /// An item of the contract this repository uses: a key path (`limits.max`) or a
    /// set element (`read: jobs/*`, or `--port` in a list at the root); repeatable.
    /// A new version breaks this repository only when it removes or changes one
    #[arg(long, value_name = "ITEM")]
    pub uses: Vec<String>,

    /// Find the items this repository uses in its committed code: every match of
    /// REGEX in the files matching GLOB; recomputed at every check and sync; repeatable
    #[arg(long, value_name = "GLOB=REGEX")]
    pub uses_extract: Vec<String>,

    /// Print the realm commit it would make; write nothing
    #[arg(short = 'n', long)]
    pub dry_run: bool,

    #[command(flatten)]
    pub global: GlobalArgs,
}

#[derive(Serialize)]
struct ImportReport {
    realm: String,
    domain: String,
    contract: String,
    requirement: String,
    binding: String,
    resolved_version: Option<String>,
    missing: Vec<String>,
    commit: Option<String>,
    dry_run: bool,
    /// On a dry run, the realm commit it would make.
    #[serde(skip_serializing_if = "Option::is_none")]
    preview: Option<serde_json::Value>,
}

impl Command for ImportArgs {
    const RENAMED: &'static [(&'static str, &'static str)] = &[("--version", "--requires")];

    fn global(&self) -> &GlobalArgs {
        &self.global
    }

    fn run(self, ui: &Ui) -> Result<Exit> {
        let repo = git::open_current()?;
        let workdir = repo.workdir().map(ToOwned::to_owned).ok_or_else(|| {
            Error::usage("import needs a working tree: the binding is a file in it")
        })?;
        let cwd = std::env::current_dir()
            .map_err(|e| Error::usage(format!("cannot read the current directory: {e}")))?;
        let (m, me) = membership::one(&repo, self.global.realm.as_ref())?;
        let binding_file = sources::repo_relative(&self.binding, &workdir, &cwd)
            .map_err(|e| Error::usage(format!("--binding {}: {e}", self.binding)))?;
        if !workdir.join(binding_file.as_str()).is_file() {
            return Err(Error::usage(format!(
                "--binding {}: no such file in this repository",
                self.binding
            ))
            .hint("name the file that implements the contract (create it first if it is new)"));
        }
        if let Some(v) = &self.verify {
            regex::Regex::new(v).map_err(|e| Error::usage(format!("--verify: bad regex: {e}")))?;
        }
        for g in &self.verify_files {
            sources::Globs::new(g)
                .map_err(|e| Error::usage(format!("--verify-files {g:?}: {e}")))?;
        }
        let uses_extract = sources::uses_rules(&self.uses_extract)?;
        let head = head_commit(&repo);
        let at = git::now(&repo)?;
        let (domain, contract) = (self.domain.clone(), self.contract.clone());
        let store = Store::member(&repo, m.realm.as_str(), &m.url);
        let workspace = WorkingTree::new(&repo);
        let updated = crate::commands::realm_write(
            &store,
            &mut ops::DeclareImport {
                repo: me.clone(),
                domain: domain.clone(),
                contract: contract.clone(),
                requirement: self.requirement.clone(),
                binding: binding_file.clone(),
                verify: self.verify.clone(),
                verify_files: self.verify_files.clone(),
                uses: self.uses.clone(),
                uses_extract,
                at,
                workspace: &workspace,
            },
            self.dry_run,
            ui,
        )?;
        let (import, published, missing) = updated.value;
        let resolved_now = import.resolved_version.as_ref() == Some(&published.version)
            && updated.commit.is_some();
        if resolved_now && let Some(head) = head {
            notes::append(
                &repo,
                head,
                &[notes::resolution(
                    m.realm.as_str(),
                    domain.as_str(),
                    contract.as_str(),
                    &published.version,
                )],
            )?;
        }

        if ui.json {
            ui.json(&ImportReport {
                realm: m.realm.to_string(),
                domain: domain.to_string(),
                contract: contract.to_string(),
                requirement: self.requirement.to_string(),
                binding: binding_file.to_string(),
                resolved_version: import.resolved_version.as_ref().map(ToString::to_string),
                missing,
                commit: updated.commit.map(|c| c.to_string()),
                dry_run: self.dry_run,
                preview: updated.preview,
            });
            return Ok(Exit::Success);
        }
        match updated.commit {
            _ if self.dry_run => {}
            Some(c) => ui.ok(format!(
                "Importing {domain}/{contract} {} into {} (commit {})",
                self.requirement,
                binding_file,
                ui::short(&c)
            )),
            None => ui.ok(format!(
                "The import of {domain}/{contract} is already declared this way"
            )),
        }
        match &import.resolved_version {
            Some(v) if v == &published.version => ui.ok(format!("{contract}: current at {v}")),
            _ if !missing.is_empty() => {
                ui.bad(format!(
                    "{contract}@{}: {} does not provide: {}",
                    published.version,
                    binding_file,
                    missing.join(", ")
                ));
                ui.line("  Update the binding, commit, then run `git realm sync`.");
            }
            _ if !self.requirement.matches(&published.version) => ui.bad(format!(
                "{contract}: the newest version {} is outside {}",
                published.version, self.requirement
            )),
            _ => ui.warn(format!(
                "{contract}: {} available; commit your binding, then `git realm sync`",
                published.version
            )),
        }
        Ok(Exit::Success)
    }
}
