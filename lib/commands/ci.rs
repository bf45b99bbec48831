//! `git realm ci init`: write a CI workflow that gates pull requests on the realm.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use serde::Serialize;

use crate::ci::{self, Member, Options, Provider};
use crate::cli::{Command, EXIT_STATUS, GlobalArgs};
use crate::error::{Error, Exit, Result};
use crate::git;
use crate::membership;

/// Set up continuous integration for this repository's realms
#[derive(Parser, Debug)]
#[command(
    name = "git-realm-ci",
    bin_name = "git realm ci",
    version,
    after_help = EXIT_STATUS,
    after_long_help = concat!(
        "The workflow joins the realm read-only in the CI checkout and runs\n",
        "`git realm check --fetch --against <the pull request's base commit>` on every\n",
        "pull request (exit 0: no consumer breaks; 1: one would; 3: the realm's policy\n",
        "refuses it); with --verify it also runs `git realm verify`; with\n",
        "--sync-on-merge it also runs `git realm sync` on pushes to the default branch.\n\n",
        "Examples:\n",
        "  git realm ci init --github\n",
        "  git realm ci init --gitlab --sync-on-merge\n",
        "  git realm ci init --github --install 'cargo install --locked --git https://example.com/git-realm'\n\n",
        crate::exit_status!()
    ),
)]
pub struct CiArgs {
    #[command(subcommand)]
    pub action: CiAction,

    #[command(flatten)]
    pub global: GlobalArgs,
}

#[derive(Subcommand, Debug)]
pub enum CiAction {
    /// Write the workflow file (GitHub Actions or GitLab CI)
    Init {
        /// A GitHub Actions workflow under .github/workflows/
        #[arg(long, conflicts_with = "gitlab", required_unless_present = "gitlab")]
        github: bool,
        /// A GitLab CI file under .gitlab/, to include from .gitlab-ci.yml
        #[arg(long)]
        gitlab: bool,
        /// Also publish with `git realm sync` after a merge to the default branch
        #[arg(long)]
        sync_on_merge: bool,
        /// Also run `git realm verify` in the gate (the realm's files and history
        /// against its trust level)
        #[arg(long)]
        verify: bool,
        /// The command that installs git-realm on the CI runner
        #[arg(
            long,
            value_name = "COMMAND",
            default_value = ci::DEFAULT_INSTALL
        )]
        install: String,
        /// Overwrite an existing workflow file
        #[arg(long)]
        force: bool,
        /// Print what would be written; write nothing
        #[arg(short = 'n', long)]
        dry_run: bool,
    },
}

#[derive(Serialize)]
struct Written {
    realm: String,
    path: PathBuf,
    written: bool,
    contents: String,
}

impl Command for CiArgs {
    fn global(&self) -> &GlobalArgs {
        &self.global
    }

    fn run(self, ui: &crate::ui::Ui) -> Result<Exit> {
        let CiAction::Init {
            github,
            gitlab: _,
            sync_on_merge,
            verify,
            install,
            force,
            dry_run,
        } = self.action;
        let provider = if github {
            Provider::Github
        } else {
            Provider::Gitlab
        };
        let repo = git::open_current()?;
        let workdir = repo.workdir().map(ToOwned::to_owned).ok_or_else(|| {
            Error::usage("ci init needs a working tree to write the workflow into")
        })?;
        let default_branch =
            git::remotes::default_branch(&workdir, "origin").unwrap_or_else(|| "main".into());
        let mut written = Vec::new();
        for m in membership::at_least_one(&repo, self.global.realm.as_ref())? {
            let me = m.me()?;
            let store = crate::store::Store::member(&repo, m.realm.as_str(), &m.url);
            let url = store
                .snapshot()?
                .repo(me.as_str())?
                .map(|r| r.url.to_string())
                .ok_or_else(|| {
                    Error::usage(format!("{me} is not registered in realm '{}'", m.realm))
                        .hint("run `git realm join` first")
                })?;
            let member = Member {
                realm: m.realm.clone(),
                realm_url: m.url.clone(),
                repo: me,
                url,
                default_branch: default_branch.clone(),
            };
            let options = Options {
                install: install.clone(),
                sync_on_merge,
                verify,
            };
            let (rel, contents) = ci::workflow(provider, &member, &options);
            let path = workdir.join(&rel);
            if path.exists() && !force && !dry_run {
                return Err(Error::conflict(format!("{rel} already exists"))
                    .hint("overwrite it with `git realm ci init --force`"));
            }
            if !dry_run {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        Error::internal(format!("cannot create {}: {e}", dir.display()))
                    })?;
                }
                std::fs::write(&path, &contents)
                    .map_err(|e| Error::internal(format!("cannot write {rel}: {e}")))?;
            }
            written.push(Written {
                realm: m.realm.to_string(),
                path: PathBuf::from(rel),
                written: !dry_run,
                contents,
            });
        }
        if ui.json {
            #[derive(Serialize)]
            struct Report {
                workflows: Vec<Written>,
            }
            ui.json(&Report { workflows: written });
            return Ok(Exit::Success);
        }
        for w in &written {
            if dry_run {
                ui.line(format!("Would write {}:", w.path.display()));
                ui.line(&w.contents);
            } else {
                ui.ok(format!("Wrote {} (realm '{}')", w.path.display(), w.realm));
            }
        }
        if !dry_run {
            ui.line("  Next: commit it, then make the gate a required status check of the default branch.");
        }
        Ok(Exit::Success)
    }
}
