//! `git realm maintainer`: who maintains this repository in the realm, and their
//! signing keys (`repos/<repo>.yaml`). In `owners` and `signed` realms only they
//! may change this repository's files; see `git realm verify`.

use clap::Parser;
use serde::Serialize;

use crate::cli::{Command, EXIT_STATUS, GlobalArgs};
use crate::error::{Error, Exit, Result};
use crate::git;
use crate::membership;
use crate::model::{self, Email, MaintainerKey, RepoFile, SigningKey};
use crate::ops;
use crate::store::Store;
use crate::ui::Ui;

/// Add or remove this repository's maintainers and their signing keys
#[derive(Parser, Debug)]
#[command(
    name = "git-realm-maintainer",
    bin_name = "git realm maintainer",
    version,
    after_help = EXIT_STATUS,
    after_long_help = concat!(
        "Examples:\n",
        "  git realm maintainer                                   # list them\n",
        "  git realm maintainer add ana@example.com --key ~/ana.pub\n",
        "  git realm maintainer add me@example.com --my-key       # your user.signingkey\n",
        "  git realm maintainer remove bob@example.com\n\n",
        crate::exit_status!()
    ),
)]
pub struct MaintainerArgs {
    #[command(subcommand)]
    pub action: Option<MaintainerAction>,

    #[command(flatten)]
    pub global: GlobalArgs,
}

#[derive(clap::Subcommand, Debug)]
pub enum MaintainerAction {
    /// List the maintainers and their keys (the default)
    List,
    /// Add a maintainer, or a key of one
    Add {
        /// The maintainer's e-mail, as in their git identity
        #[arg(value_name = "EMAIL")]
        email: Email,
        /// A public signing key: an ssh public key, a file holding one, or an OpenPGP fingerprint
        #[arg(long, value_name = "KEY")]
        key: Option<String>,
        /// Your own signing key (user.signingkey), for your own e-mail
        #[arg(long, conflicts_with = "key")]
        my_key: bool,
        /// Print the realm commit it would make; write nothing
        #[arg(short = 'n', long)]
        dry_run: bool,
    },
    /// Remove a maintainer (with their keys), or only one key with --key
    Remove {
        #[arg(value_name = "EMAIL")]
        email: Email,
        /// Remove only this key
        #[arg(long, value_name = "KEY")]
        key: Option<String>,
        /// Print the realm commit it would make; write nothing
        #[arg(short = 'n', long)]
        dry_run: bool,
    },
}

#[derive(Serialize)]
struct Report {
    realm: String,
    repo: String,
    maintainers: Vec<Email>,
    keys: Vec<MaintainerKey>,
    commit: Option<String>,
    dry_run: bool,
    /// On a dry run, the realm commit it would make.
    #[serde(skip_serializing_if = "Option::is_none")]
    preview: Option<serde_json::Value>,
}

/// A key given on the command line: literally, or the file that holds it.
fn parse_key(arg: &str) -> Result<SigningKey> {
    let text = match std::fs::read_to_string(arg) {
        Ok(t) => t,
        Err(_) => arg.to_owned(),
    };
    let mut words = text.split_whitespace();
    let candidate = match (words.next(), words.next()) {
        (Some(kind), Some(blob)) if !kind.chars().all(|c| c.is_ascii_hexdigit()) => {
            format!("{kind} {blob}")
        }
        (Some(one), _) => one.to_owned(),
        _ => String::new(),
    };
    candidate
        .parse()
        .map_err(|e| Error::usage(format!("--key: {e}")))
}

impl Command for MaintainerArgs {
    fn global(&self) -> &GlobalArgs {
        &self.global
    }

    fn run(self, ui: &Ui) -> Result<Exit> {
        let repo = git::open_current()?;
        let (m, me) = membership::one(&repo, self.global.realm.as_ref())?;
        let store = Store::member(&repo, m.realm.as_str(), &m.url);
        let dry_run = matches!(
            self.action,
            Some(MaintainerAction::Add { dry_run: true, .. })
                | Some(MaintainerAction::Remove { dry_run: true, .. })
        );
        let mut preview = None;
        let (file, commit) = match &self.action {
            None | Some(MaintainerAction::List) => {
                let snapshot = store.snapshot()?;
                let file = snapshot
                    .require::<RepoFile>(&model::paths::repo(me.as_str()), "this repository")?;
                (file, None)
            }
            Some(action) => {
                let mut op = ops::EditMaintainers {
                    actor: me.clone(),
                    add: Vec::new(),
                    remove: Vec::new(),
                    add_keys: Vec::new(),
                    remove_keys: Vec::new(),
                };
                match action {
                    MaintainerAction::Add {
                        email, key, my_key, ..
                    } => {
                        op.add.push(email.clone());
                        let key = match (key, my_key) {
                            (Some(k), _) => Some(parse_key(k)?),
                            (None, true) => Some(
                                git::signing::user_key(&repo)
                                    .ok_or_else(|| {
                                        Error::usage("--my-key: no signing key is configured").hint(
                                            "set user.signingkey (and gpg.format ssh for ssh keys)",
                                        )
                                    })?
                                    .parse()
                                    .map_err(|e| Error::usage(format!("user.signingkey: {e}")))?,
                            ),
                            (None, false) => None,
                        };
                        if let Some(key) = key {
                            op.add_keys.push(MaintainerKey {
                                email: email.clone(),
                                key,
                            });
                        }
                    }
                    MaintainerAction::Remove {
                        email,
                        key: Some(k),
                        ..
                    } => {
                        op.remove_keys.push(MaintainerKey {
                            email: email.clone(),
                            key: parse_key(k)?,
                        });
                    }
                    MaintainerAction::Remove {
                        email, key: None, ..
                    } => op.remove.push(email.clone()),
                    MaintainerAction::List => unreachable!("handled above"),
                }
                let updated = super::realm_write(&store, &mut op, dry_run, ui)?;
                preview = updated.preview;
                (updated.value, updated.commit)
            }
        };
        if ui.json {
            ui.json(&Report {
                realm: m.realm.to_string(),
                repo: me.to_string(),
                maintainers: file.maintainers.clone(),
                keys: file.keys.clone(),
                commit: commit.map(|c| c.to_string()),
                dry_run,
                preview,
            });
            return Ok(Exit::Success);
        }
        if let Some(c) = commit {
            ui.ok(format!(
                "Updated the maintainers of {me} in realm '{}' (commit {})",
                m.realm,
                crate::ui::short(&c)
            ));
        }
        let after = if dry_run {
            " (as it would leave them)"
        } else {
            ""
        };
        ui.line(format!(
            "Maintainers of {me} in realm '{}'{after}:",
            m.realm
        ));
        for e in &file.maintainers {
            let keys: Vec<&str> = file
                .keys
                .iter()
                .filter(|k| &k.email == e)
                .map(|k| k.key.as_str())
                .collect();
            if keys.is_empty() {
                ui.line(format!("  {e} (no signing key)"));
            } else {
                ui.line(format!("  {e}"));
                for k in keys {
                    ui.line(format!("    key: {k}"));
                }
            }
        }
        Ok(Exit::Success)
    }
}
