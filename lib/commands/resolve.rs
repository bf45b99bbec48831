//! `git realm resolve`: acknowledge a newer version of an import when nothing in
//! this repository had to change for it, instead of committing a dummy edit to
//! the binding file. Recorded in the realm (who, when, at which commit) and noted
//! on `HEAD`.

use clap::Parser;
use serde::Serialize;

use crate::cli::{Command, EXIT_STATUS, GlobalArgs};
use crate::contracts::{self, ImportState, Scope};
use crate::error::{Error, Exit, Result};
use crate::git;
use crate::membership;
use crate::model::Name;
use crate::notes;
use crate::ops::{self, Acknowledged};
use crate::store::Store;
use crate::ui::{self, Ui};
use crate::workspace::{WorkingTree, Workspace};

/// Acknowledge a stale import without changing files
#[derive(Parser, Debug)]
#[command(
    name = "git-realm-resolve",
    bin_name = "git realm resolve",
    version,
    after_help = EXIT_STATUS,
    after_long_help = concat!(
        "Marks a stale import resolved at the newest version its requirement accepts,\n",
        "recording who acknowledged it and when in the realm, and a note on HEAD.\n",
        "A broken import (a version removed or changed an item it uses) cannot be\n",
        "acknowledged: update the code, or what it declares it uses.\n\n",
        "Examples:\n",
        "  git realm resolve s3-access/s3-permissions\n\n",
        crate::exit_status!()
    ),
)]
pub struct ResolveArgs {
    /// The import to acknowledge, as DOMAIN/CONTRACT
    #[arg(value_name = "DOMAIN/CONTRACT")]
    pub import: String,

    /// Print the realm commit it would make; write nothing (no note either)
    #[arg(short = 'n', long)]
    pub dry_run: bool,

    #[command(flatten)]
    pub global: GlobalArgs,
}

#[derive(Serialize)]
struct ResolveReport {
    realm: String,
    domain: String,
    contract: String,
    version: String,
    acknowledged_by: String,
    already: bool,
    commit: Option<String>,
    dry_run: bool,
    /// On a dry run, the realm commit it would make.
    #[serde(skip_serializing_if = "Option::is_none")]
    preview: Option<serde_json::Value>,
}

impl Command for ResolveArgs {
    fn global(&self) -> &GlobalArgs {
        &self.global
    }

    fn run(self, ui: &Ui) -> Result<Exit> {
        let (domain, contract) = self
            .import
            .split_once('/')
            .ok_or_else(|| Error::usage(format!("{:?}: expected DOMAIN/CONTRACT", self.import)))?;
        let domain: Name = domain
            .parse()
            .map_err(|e| Error::usage(format!("{}: {e}", self.import)))?;
        let contract: Name = contract
            .parse()
            .map_err(|e| Error::usage(format!("{}: {e}", self.import)))?;
        let repo = git::open_current()?;
        let (m, me) = membership::one(&repo, self.global.realm.as_ref())?;
        let workspace = WorkingTree::new(&repo);
        let head = workspace.head().ok_or_else(|| {
            Error::usage("this repository has no commit yet: a resolution is recorded at HEAD")
        })?;
        let by = crate::changes::identity_email(&repo)?;
        let store = Store::member(&repo, m.realm.as_str(), &m.url);
        store.fetch()?;

        // A broken import is not acknowledged away.
        let snapshot = store.snapshot()?;
        let today = git::now(&repo)?.to_zoned(jiff::tz::TimeZone::UTC).date();
        let scope = Scope {
            imports: true,
            today: Some(today),
            ..Scope::default()
        };
        let survey = contracts::survey(&snapshot, &me, Some(&workspace), scope)?;
        if let Some(i) = survey
            .imports
            .iter()
            .find(|i| i.domain == domain.as_str() && i.contract == contract.as_str())
            && matches!(i.state, ImportState::Broken | ImportState::Grace)
            && !i.broken_items.is_empty()
        {
            return Err(Error::usage(format!(
                "{domain}/{contract} is {}: {}",
                if i.state == ImportState::Grace { "in grace" } else { "broken" },
                i.reason.as_deref().unwrap_or("")
            ))
            .hint("update the code that uses these items (or what it declares with --uses), commit, and sync"));
        }

        let at = git::now(&repo)?;
        let updated = crate::commands::realm_write(
            &store,
            &mut ops::ResolveImport {
                repo: me.clone(),
                domain: domain.clone(),
                contract: contract.clone(),
                by: by.clone(),
                commit: head.to_string().parse().map_err(Error::usage)?,
                at,
            },
            self.dry_run,
            ui,
        )?;
        let (version, already) = match &updated.value {
            Acknowledged::Resolved(v) => (v.clone(), false),
            Acknowledged::Already(v) => (v.clone(), true),
        };
        if !already && !self.dry_run {
            notes::append(
                &repo,
                head,
                &[notes::acknowledgement(
                    m.realm.as_str(),
                    domain.as_str(),
                    contract.as_str(),
                    &version,
                    by.as_str(),
                )],
            )?;
        }
        if ui.json {
            ui.json(&ResolveReport {
                realm: m.realm.to_string(),
                domain: domain.to_string(),
                contract: contract.to_string(),
                version: version.to_string(),
                acknowledged_by: by.to_string(),
                already,
                commit: updated.commit.map(|c| c.to_string()),
                dry_run: self.dry_run,
                preview: updated.preview,
            });
            return Ok(Exit::Success);
        }
        match updated.commit {
            _ if self.dry_run && !already => ui.line(format!(
                "{domain}/{contract} would be resolved at {version}, acknowledged by {by}, with a note on HEAD"
            )),
            Some(c) if !already => ui.ok(format!(
                "{domain}/{contract}: resolved at {version}, acknowledged by {by} (commit {})",
                ui::short(&c)
            )),
            _ => ui.ok(format!(
                "{domain}/{contract} is already resolved at {version}"
            )),
        }
        Ok(Exit::Success)
    }
}
