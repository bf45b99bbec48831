//! `git realm init`: create a realm repository with its first `realm.yaml`.

use std::path::{Path, PathBuf};

use clap::Parser;
use serde::Serialize;

use crate::cli::{Command, EXIT_STATUS, GlobalArgs};
use crate::error::{Error, Exit, Result};
use crate::git;
use crate::index;
use crate::model::{
    self, Admission, BreakingChanges, Email, Governance, MaintainerKey, Name, RealmFile,
    SigningKey, Trust,
};
use crate::ops;
use crate::store::{REALM_BRANCH, Store};
use crate::ui::{self, Ui};

/// Create a realm: a bare git repository whose main branch holds the shared state
#[derive(Parser, Debug)]
#[command(
    name = "git-realm-init",
    bin_name = "git realm init",
    version,
    after_help = EXIT_STATUS,
    after_long_help = concat!(
        "A realm is a shared remote that every member pushes to, so PATH becomes a\n",
        "bare repository (like `git init --bare`). An existing repository is used as\n",
        "it is, unless its main branch is checked out in a working tree: pushes to a\n",
        "checked-out branch are refused (or, with receive.denyCurrentBranch=updateInstead,\n",
        "wedge under concurrent writers), so init refuses it and says how to convert\n",
        "it (`git config --bool core.bare true`). Nothing in an existing working tree or\n",
        "index is touched.\n\n",
        "Examples:\n",
        "  git realm init ../realm-letemcook.git --name letemcook\n",
        "  git realm init /srv/git/realm.git --name letemcook --admission approval --approver lead@example.com\n\n",
        crate::exit_status!()
    ),
)]
pub struct InitArgs {
    /// Where to create the realm repository (default: the current directory)
    #[arg(value_name = "PATH", value_hint = clap::ValueHint::DirPath)]
    pub path: Option<PathBuf>,

    /// The realm's name (lowercase letters, digits and '-')
    #[arg(long, value_name = "NAME")]
    pub name: Name,

    /// Accepted for compatibility: a new realm is always a bare repository
    #[arg(long)]
    pub bare: bool,

    /// Who may join: open (push directly), approval or invite-only (proposal branch)
    #[arg(long, value_name = "POLICY", value_parser = admission_parser(), default_value_t = Admission::Open)]
    pub admission: Admission,

    /// An approver for joins and breaking changes (repeatable)
    #[arg(long = "approver", value_name = "EMAIL")]
    pub approvers: Vec<Email>,

    /// Breaking contract changes go to a proposal branch instead of being pushed
    #[arg(long)]
    pub require_approval: bool,

    /// Who may write what: open (anyone with push access), owners (each file by its
    /// maintainers), signed (owners, and every commit signed by a recorded key)
    #[arg(long, value_name = "LEVEL", value_parser = trust_parser(), default_value_t = Trust::Owners)]
    pub trust: Trust,

    /// Install the pre-receive hook that runs `git realm verify` (a bare realm on a server)
    #[arg(long)]
    pub hooks: bool,

    /// Days consumers get to adapt to a breaking change
    #[arg(long, value_name = "N", default_value_t = 14)]
    pub grace_days: u32,

    #[command(flatten)]
    pub global: GlobalArgs,
}

/// `--admission`: the policies and what they mean, for `--help`, the man page and
/// the completions; the name is then parsed by `Admission`'s `FromStr`.
fn admission_parser() -> impl clap::builder::TypedValueParser<Value = Admission> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new([
        PossibleValue::new("open").help("Any repo may join by pushing its registration"),
        PossibleValue::new("approval")
            .help("Joining pushes a proposal branch that an approver merges"),
        PossibleValue::new("invite-only")
            .help("Like approval; the realm does not advertise itself as open"),
    ])
    .try_map(|s| s.parse::<Admission>())
}

/// `--trust`: the levels and what they mean, for `--help`, man page and completions.
fn trust_parser() -> impl clap::builder::TypedValueParser<Value = Trust> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new([
        PossibleValue::new("open").help("Anyone who can push to the realm may change anything"),
        PossibleValue::new("owners")
            .help("Each realm commit is authored by a maintainer of every file it changes"),
        PossibleValue::new("signed")
            .help("Like owners, and every commit is signed by a key recorded for its author"),
    ])
    .try_map(|s| s.parse::<Trust>())
}

#[derive(Serialize)]
struct InitReport {
    realm: String,
    path: PathBuf,
    url: String,
    bare: bool,
    commit: String,
    index: PathBuf,
}

impl Command for InitArgs {
    fn global(&self) -> &GlobalArgs {
        &self.global
    }

    fn run(self, ui: &Ui) -> Result<Exit> {
        let cwd = std::env::current_dir()
            .map_err(|e| Error::usage(format!("cannot read the current directory: {e}")))?;
        let path = git::absolute(&cwd, self.path.as_deref().unwrap_or(Path::new(".")));

        if gix::open(&path).is_err() {
            if path.exists()
                && path
                    .read_dir()
                    .map(|mut d| d.next().is_some())
                    .unwrap_or(true)
            {
                return Err(Error::usage(format!(
                    "{}: directory is not empty and not a git repository; a realm is a bare repository and needs an empty directory",
                    path.display()
                )));
            }
            git::repo::init(&cwd, &path, true)?;
        }
        let repo = git::open_at(&path)?;
        let store = Store::realm_repository(&repo);
        refuse_existing(&store, &path)?;
        refuse_checked_out_main(&path)?;

        // Someone must own realm.yaml and approve merges: without --approver, the
        // person creating the realm (with their signing key, if they have one).
        let mut approvers = self.approvers.clone();
        if approvers.is_empty()
            && let Ok(me) = crate::changes::identity_email(&repo)
        {
            approvers.push(me);
        }
        let keys = match (
            crate::changes::identity_email(&repo),
            git::signing::user_key(&repo).and_then(|k| k.parse::<SigningKey>().ok()),
        ) {
            (Ok(email), Some(key)) if approvers.contains(&email) => {
                vec![MaintainerKey { email, key }]
            }
            _ => Vec::new(),
        };
        if self.trust == Trust::Signed && keys.is_empty() {
            return Err(Error::usage(
                "--trust signed: your signing key is needed to sign the realm's first commit, and none is configured",
            )
            .hint("set up signing as git documents it (`git config user.signingkey ~/.ssh/id_ed25519.pub` and `git config gpg.format ssh`), with user.email among the approvers"));
        }
        let realm = RealmFile {
            format: model::FORMAT,
            name: self.name.clone(),
            created_at: git::now(&repo)?,
            trust: self.trust,
            governance: Governance {
                admission: self.admission,
                approvers,
                keys,
                breaking_changes: BreakingChanges {
                    require_approval: self.require_approval,
                    grace_period_days: self.grace_days,
                },
            },
        };
        if self.hooks {
            // Before anything is written: a foreign hook refuses the whole init.
            refuse_foreign_hook(&repo)?;
        }
        let updated = store.update(&mut ops::CreateRealm { realm })?;
        let commit = updated
            .commit
            .expect("a new realm always gets its first commit");

        if self.hooks {
            install_hook(&repo)?;
        }

        let url = path.display().to_string();
        let index_path = index::path()?;
        index::modify(|idx| {
            idx.realm_mut(&self.name, &url);
        })?;

        if ui.json {
            ui.json(&InitReport {
                realm: self.name.to_string(),
                path: path.clone(),
                url: url.clone(),
                bare: repo.is_bare(),
                commit: commit.to_string(),
                index: index_path,
            });
            return Ok(Exit::Success);
        }
        let kind = if repo.is_bare() {
            "bare repository"
        } else {
            "repository"
        };
        ui.ok(format!(
            "Created realm '{}' in {kind} {}",
            self.name,
            path.display()
        ));
        ui.ok(format!(
            "Committed realm.yaml (commit {}, admission {})",
            ui::short(&commit),
            self.admission
        ));
        ui.ok(format!(
            "Added realm '{}' to the index {}",
            self.name,
            index_path.display()
        ));
        ui.line(format!(
            "Next: in each member repository, run `git realm join {url}`"
        ));
        Ok(Exit::Success)
    }
}

/// The realm server's `pre-receive` hook: every push to the realm branch is
/// verified against the realm's trust level before it is accepted.
const PRE_RECEIVE: &str = "#!/bin/sh\n# Installed by `git realm init --hooks`: refuse pushes that break the realm's trust rules.\nexec git realm verify --pre-receive\n";

fn hook_path(repo: &gix::Repository) -> PathBuf {
    repo.common_dir().join("hooks").join("pre-receive")
}

fn refuse_foreign_hook(repo: &gix::Repository) -> Result<()> {
    let path = hook_path(repo);
    if let Ok(existing) = std::fs::read_to_string(&path)
        && existing != PRE_RECEIVE
    {
        return Err(Error::conflict(format!(
            "{} exists: refusing to replace someone's hook",
            path.display()
        ))
        .hint("add `git realm verify --pre-receive` to it yourself (it reads the hook's stdin)"));
    }
    Ok(())
}

fn install_hook(repo: &gix::Repository) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    refuse_foreign_hook(repo)?;
    let path = hook_path(repo);
    let hooks = path.parent().expect("a hook lives in a directory");
    std::fs::create_dir_all(hooks)
        .and_then(|()| std::fs::write(&path, PRE_RECEIVE))
        .and_then(|()| std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)))
        .map_err(|e| Error::internal(format!("cannot write {}: {e}", path.display())))
}

/// Refuse a repository whose `main` is checked out in a working tree: members'
/// pushes would be refused, or, with `receive.denyCurrentBranch=updateInstead`,
/// rewrite that working tree and wedge it as soon as two of them race. Nothing is
/// written, so the working tree and the index stay as they are.
fn refuse_checked_out_main(path: &Path) -> Result<()> {
    let branch = REALM_BRANCH.trim_start_matches("refs/heads/");
    if !git::worktrees::checked_out_anywhere(path, branch) {
        return Ok(());
    }
    Err(Error::usage(format!(
        "{} is a repository with {branch} checked out in a working tree; a realm is a shared remote that members push {branch} to, so it must be bare",
        path.display()
    ))
    .hint(format!(
        "create the realm in a new directory: `git realm init {}.git --name NAME`",
        path.display()
    ))
    .hint(format!(
        "or convert this repository (its working-tree files are then unused): `git -C {} config --bool core.bare true`",
        ui::shell_quote(&path.display().to_string())
    )))
}

/// Refuse to initialise over an existing realm or over unrelated history.
fn refuse_existing(store: &Store<'_>, path: &Path) -> Result<()> {
    let snapshot = store.snapshot()?;
    if snapshot.commit().is_none() {
        return Ok(());
    }
    if snapshot.exists(model::paths::REALM)? {
        let name = snapshot
            .realm()
            .map(|r| format!(" '{}'", r.name))
            .unwrap_or_default();
        return Err(Error::conflict(format!(
            "{} is already a realm{name}; refusing to re-initialise it",
            path.display()
        ))
        .hint(format!(
            "members join it with `git realm join {}`",
            path.display()
        )));
    }
    Err(Error::conflict(format!(
        "{} already has commits on main that are not a realm; a realm needs a repository of its own",
        path.display()
    )))
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn every_admission_policy_is_offered_and_parses_back() {
        let cmd = InitArgs::command();
        let arg = cmd
            .get_arguments()
            .find(|a| a.get_id() == "admission")
            .expect("--admission");
        let offered: Vec<String> = arg
            .get_possible_values()
            .iter()
            .map(|p| p.get_name().to_owned())
            .collect();
        for policy in [Admission::Open, Admission::Approval, Admission::InviteOnly] {
            // A new policy must be offered too: this match stops compiling without it.
            match policy {
                Admission::Open | Admission::Approval | Admission::InviteOnly => {}
            }
            assert!(offered.contains(&policy.to_string()), "{policy} offered");
        }
        for name in &offered {
            let policy: Admission = name.parse().expect("an offered name parses");
            assert_eq!(&policy.to_string(), name);
        }
    }
}
