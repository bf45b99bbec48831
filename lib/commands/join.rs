//! `git realm join`: register this repository in a realm.
//!
//! Idempotent by design: a teammate's fresh clone of an already registered repo
//! only gets its local config and index entry restored, and a second join changes
//! nothing. The registration is an operation re-applied on the newest realm state,
//! so eight repositories joining at once all land.

use std::path::{Path, PathBuf};

use clap::Parser;
use serde::Serialize;

use crate::cli::{Command, EXIT_STATUS, GlobalArgs};
use crate::error::{Error, Exit, Result};
use crate::forge;
use crate::git;
use crate::index;
use crate::membership;
use crate::model::{
    self, Admission, Email, ForgeSlug, MaintainerKey, Name, RepoFile, SigningKey, Url,
};
use crate::ops::{self, Registration, find_registration};
use crate::store::Store;
use crate::ui::{self, Ui};

/// Register this repository in a realm
#[derive(Parser, Debug)]
#[command(
    name = "git-realm-join",
    bin_name = "git realm join",
    version,
    after_help = EXIT_STATUS,
    after_long_help = concat!(
        "Examples:\n",
        "  git realm join ../realm-letemcook\n",
        "  git realm join git@github.com:acme/realm.git --as fungal-image-analysis\n\n",
        crate::exit_status!()
    ),
)]
pub struct JoinArgs {
    /// The realm repository's url (or a local path)
    #[arg(value_name = "REALM-URL")]
    pub realm_url: String,

    /// This repository's name in the realm (default: from its origin url or directory)
    #[arg(long = "as", value_name = "NAME")]
    pub as_name: Option<Name>,

    /// Another maintainer of this repository, besides you (repeatable)
    #[arg(long = "maintainer", value_name = "EMAIL")]
    pub maintainers: Vec<Email>,

    /// The url other members use for this repository (default: remote.origin.url as configured)
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,

    /// Fetch the realm and say what joining would write (the realm commit or
    /// proposal, the git config, the index), and write nothing
    #[arg(short = 'n', long)]
    pub dry_run: bool,

    #[command(flatten)]
    pub global: GlobalArgs,
}

/// Memory for decoded delta bases while reading the realm (git's own default
/// `core.deltaBaseCacheLimit` is 96 MiB).
const PACK_CACHE_BYTES: usize = 64 << 20;

/// What happened, per repository (serialised in kebab-case for `--json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
enum JoinOutcome {
    Registered,
    AlreadyRegistered,
    Proposed,
}

#[derive(Serialize)]
struct JoinReport {
    realm: String,
    realm_url: String,
    repo: String,
    url: String,
    /// registered | already-registered | proposed
    outcome: JoinOutcome,
    commit: Option<String>,
    proposal_branch: Option<String>,
    proposal_pr: Option<String>,
    proposal_error: Option<String>,
    checkout: PathBuf,
}

impl Command for JoinArgs {
    fn global(&self) -> &GlobalArgs {
        &self.global
    }

    fn run(self, ui: &Ui) -> Result<Exit> {
        let mut repo = git::open_current()?;
        // A fresh joiner reads every registration from the pack it just fetched:
        // keep the delta bases decoded, or each blob inflates its whole chain again.
        repo.objects.set_pack_cache(|| {
            Box::new(gix::odb::pack::cache::lru::MemoryCappedHashmap::new(
                PACK_CACHE_BYTES,
            ))
        });
        let checkout = checkout_path(&repo);
        let realm_url = normalize_realm_url(&self.realm_url)?;
        let url = self.member_url(&repo, &checkout)?;
        let guessed_name = match &self.as_name {
            Some(n) => n.clone(),
            None => guess_name(url.as_str(), &checkout)?,
        };

        let (store, realm) = if self.dry_run {
            Store::peek(&repo, &realm_url)?
        } else {
            Store::adopt(&repo, &realm_url)?
        };
        if let Some(only) = &self.global.realm
            && only != &realm.name
        {
            return Err(Error::usage(format!(
                "--realm {only}: {realm_url} is the realm '{}'",
                realm.name
            )));
        }
        // The joiner maintains what it registers (with its signing key, if it has
        // one), plus anyone named with --maintainer.
        let me = crate::changes::identity_email(&repo).ok();
        let mut maintainers: Vec<Email> = me.iter().cloned().collect();
        maintainers.extend(self.maintainers.iter().cloned());
        let keys: Vec<MaintainerKey> = match (
            &me,
            git::signing::user_key(&repo).and_then(|k| k.parse::<SigningKey>().ok()),
        ) {
            (Some(email), Some(key)) => vec![MaintainerKey {
                email: email.clone(),
                key,
            }],
            _ => Vec::new(),
        };
        let joined_at = git::now(&repo)?;
        let explicit = self.as_name.is_some();
        if self.dry_run {
            let file = registration(&guessed_name, &url, &maintainers, &keys, joined_at);
            return self.dry_run(&store, &realm, &realm_url, &url, &checkout, file, ui);
        }
        // `adopt` just fetched: look the repo up once, in the operation itself (an
        // open realm), or before proposing (the others).
        let (name, outcome, commit, proposal) = if realm.governance.admission == Admission::Open {
            let file = registration(&guessed_name, &url, &maintainers, &keys, joined_at);
            let updated = store.update_fetched(&mut ops::Join { file, explicit })?;
            match updated.value {
                Registration::Already(existing) => {
                    (existing, JoinOutcome::AlreadyRegistered, None, None)
                }
                Registration::Registered => (
                    guessed_name.clone(),
                    JoinOutcome::Registered,
                    updated.commit,
                    None,
                ),
            }
        } else {
            let snapshot = store.snapshot()?;
            match find_registration(&snapshot, &guessed_name, &url, explicit)? {
                Some(existing) => (existing, JoinOutcome::AlreadyRegistered, None, None),
                None => {
                    let branch = format!("join/{guessed_name}");
                    let file = registration(&guessed_name, &url, &maintainers, &keys, joined_at);
                    let commit = store.propose(&branch, &mut ops::Join { file, explicit })?;
                    (
                        guessed_name.clone(),
                        JoinOutcome::Proposed,
                        Some(commit),
                        Some(branch),
                    )
                }
            }
        };

        // On a GitHub-hosted realm the proposal also becomes a pull request.
        let (proposal_pr, proposal_error) = match &proposal {
            None => (None, None),
            Some(branch) => {
                let title = format!("{name}: join realm '{}'", realm.name);
                let body = format!(
                    "{name} ({url}) asks to join realm '{}'. Merging this pull request admits it.\n",
                    realm.name
                );
                match forge::realm_proposal_pr(&repo, &realm_url, branch, &title, &body) {
                    Ok(pr) => (pr, None),
                    Err(e) => (None, Some(e.message)),
                }
            }
        };

        membership::record(&repo, &realm.name, &realm_url, &name)?;
        index::modify(|idx| {
            idx.realm_mut(&realm.name, &realm_url)
                .set_checkout(&name, &checkout);
        })?;

        if ui.json {
            ui.json(&JoinReport {
                realm: realm.name.to_string(),
                realm_url,
                repo: name.to_string(),
                url: url.to_string(),
                outcome,
                commit: commit.map(|c| c.to_string()),
                proposal_branch: proposal,
                proposal_pr,
                proposal_error: proposal_error.clone(),
                checkout,
            });
            return Ok(if proposal_error.is_some() {
                Exit::External
            } else {
                Exit::Success
            });
        }
        match (outcome, commit, &proposal) {
            (JoinOutcome::Registered, Some(c), _) => ui.ok(format!(
                "Registered {name} in realm '{}' (repos/{name}.yaml, commit {})",
                realm.name,
                ui::short(&c)
            )),
            (_, _, Some(branch)) => {
                ui.warn(format!(
                    "Realm '{}' admits members by approval: proposed {name} on branch {branch}",
                    realm.name
                ));
                let approvers: Vec<&str> = realm
                    .governance
                    .approvers
                    .iter()
                    .map(Email::as_str)
                    .collect();
                let who = if approvers.is_empty() {
                    "a realm maintainer".to_owned()
                } else {
                    approvers.join(", ")
                };
                ui.line(format!(
                    "  Next: {who} merges {branch} into main of {realm_url}"
                ));
                if let Some(pr) = &proposal_pr {
                    ui.line(format!("  Pull request: {pr}"));
                }
                if let Some(err) = &proposal_error {
                    ui.bad(format!("could not open a pull request for {branch}: {err}"));
                }
                ui.line(format!("  Then run `git realm join {realm_url}` again here (or any `git realm` command after a fetch)"));
            }
            _ => ui.ok(format!(
                "{name} is already registered in realm '{}'; restored local config",
                realm.name
            )),
        }
        ui.ok(format!(
            "Set realm.{0}.url and realm.{0}.member = {name} in the local git config",
            realm.name
        ));
        ui.ok(format!("Recorded {} in the index", checkout.display()));
        Ok(if proposal_error.is_some() {
            Exit::External
        } else {
            Exit::Success
        })
    }
}

impl JoinArgs {
    /// `--dry-run`: the realm commit (or proposal) joining would make, and the
    /// local config and index entry it would set; nothing is written.
    #[allow(clippy::too_many_arguments)]
    fn dry_run(
        &self,
        store: &Store<'_>,
        realm: &model::RealmFile,
        realm_url: &str,
        url: &Url,
        checkout: &Path,
        file: RepoFile,
        ui: &Ui,
    ) -> Result<Exit> {
        let explicit = self.as_name.is_some();
        let guessed = file.name.clone();
        let open = realm.governance.admission == Admission::Open;
        let existing = find_registration(&store.snapshot()?, &guessed, url, explicit)?;
        let (name, preview) = match existing {
            Some(existing) => (existing, None),
            None => {
                let p = store.preview(&mut ops::Join { file, explicit })?;
                (guessed, Some(p))
            }
        };
        let proposal = (!open && preview.is_some()).then(|| format!("join/{name}"));
        let outcome = match (&preview, &proposal) {
            (None, _) => JoinOutcome::AlreadyRegistered,
            (Some(_), Some(_)) => JoinOutcome::Proposed,
            (Some(_), None) => JoinOutcome::Registered,
        };
        let config = [
            (format!("realm.{}.url", realm.name), realm_url.to_owned()),
            (format!("realm.{}.member", realm.name), name.to_string()),
            ("notes.rewriteRef".to_owned(), "refs/notes/realm".to_owned()),
        ];
        let index_path = index::path()?;
        if ui.json {
            ui.json(&serde_json::json!({
                "dry_run": true,
                "realm": realm.name,
                "realm_url": realm_url,
                "repo": name,
                "url": url.as_str(),
                "outcome": outcome,
                "proposal_branch": proposal,
                "preview": preview.as_ref().map(|p| ui::dry_run_json(&p.message, &p.edits)),
                "config": config.iter().map(|(k, v)| serde_json::json!({"key": k, "value": v})).collect::<Vec<_>>(),
                "index": index_path,
                "checkout": checkout,
            }));
            return Ok(Exit::Success);
        }
        match (&preview, &proposal) {
            (None, _) => ui.line(format!(
                "Dry run: nothing was written. {name} is already registered in realm '{}'; joining would only restore the local config",
                realm.name
            )),
            (Some(p), Some(branch)) => {
                ui::dry_run(ui, &p.message, &p.edits);
                ui.line(format!(
                    "Realm '{}' admits members by approval: it would be pushed to the proposal branch {branch} of {realm_url}, not to main",
                    realm.name
                ));
                if let Some(slug) = forge::github_slug(realm_url) {
                    ui.line(format!(
                        "and a pull request from {branch} to main of {slug} would be opened with gh, for an approver to merge"
                    ));
                }
            }
            (Some(p), None) => ui::dry_run(ui, &p.message, &p.edits),
        }
        ui.line("It would set in the local git config:");
        for (k, v) in &config {
            ui.line(format!("    {k} = {v}"));
        }
        ui.line(format!(
            "and record {} as {name}'s checkout in the index {}",
            checkout.display(),
            index_path.display()
        ));
        Ok(Exit::Success)
    }

    /// The url other members see: `--url`, or `remote.origin.url` exactly as
    /// configured (the user's personal `insteadOf` rewriting is not applied).
    fn member_url(&self, repo: &gix::Repository, checkout: &Path) -> Result<Url> {
        let (raw, from) = match &self.url {
            Some(u) => (u.clone(), "--url"),
            None => match git::config_string(repo, "remote.origin.url") {
                Some(u) => (u, "remote.origin.url"),
                None => {
                    return Err(Error::usage(
                        "this repository has no origin remote, so its url is unknown",
                    )
                    .hint("pass the url other members use: `git realm join REALM-URL --url URL`"));
                }
            },
        };
        let resolved = if looks_like_local_path(&raw) {
            git::absolute(checkout, Path::new(&raw))
                .display()
                .to_string()
        } else {
            raw
        };
        resolved
            .parse()
            .map_err(|e| Error::usage(format!("{from}: {e}")))
    }
}

fn registration(
    name: &Name,
    url: &Url,
    maintainers: &[Email],
    keys: &[MaintainerKey],
    joined_at: model::Timestamp,
) -> RepoFile {
    RepoFile {
        name: name.clone(),
        url: url.clone(),
        forge: forge::github_slug(url.as_str()).and_then(|s| s.parse::<ForgeSlug>().ok()),
        maintainers: maintainers.to_vec(),
        keys: keys.to_vec(),
        joined_at,
    }
}

fn looks_like_local_path(s: &str) -> bool {
    !s.contains("://") && (s.starts_with('/') || s.starts_with('.') || !s.contains(':'))
}

/// A realm given as a local path is stored as an absolute path, so it means the
/// same thing from every directory.
fn normalize_realm_url(raw: &str) -> Result<String> {
    if raw.is_empty() || raw.starts_with('-') {
        return Err(Error::usage(format!(
            "REALM-URL: {raw:?} is not a url or path"
        )));
    }
    if looks_like_local_path(raw) {
        let cwd = std::env::current_dir()
            .map_err(|e| Error::usage(format!("cannot read the current directory: {e}")))?;
        let path = git::absolute(&cwd, Path::new(raw));
        if !path.exists() {
            return Err(Error::usage(format!(
                "REALM-URL: {} does not exist",
                path.display()
            )));
        }
        return Ok(path.display().to_string());
    }
    raw.parse::<Url>()
        .map(String::from)
        .map_err(|e| Error::usage(format!("REALM-URL: {e}")))
}

/// The directory a user would `cd` into for this repository.
fn checkout_path(repo: &gix::Repository) -> PathBuf {
    let p = repo.workdir().unwrap_or_else(|| repo.git_dir());
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_owned())
}

/// A kebab-case name from the url's last component, else the directory name.
fn guess_name(url: &str, checkout: &Path) -> Result<Name> {
    let from_url = url
        .trim_end_matches('/')
        .rsplit(['/', ':'])
        .next()
        .unwrap_or_default();
    let from_url = from_url.strip_suffix(".git").unwrap_or(from_url);
    let from_dir = checkout
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    for candidate in [from_url, from_dir.as_str()] {
        let kebab: String = candidate
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        let kebab = kebab.trim_matches('-').to_owned();
        if let Ok(name) = kebab.parse() {
            return Ok(name);
        }
    }
    Err(
        Error::usage(format!("cannot derive a valid repo name from {url:?}"))
            .hint("pass one with `--as NAME`"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_urls() {
        let dir = Path::new("/x/Some_Dir");
        assert_eq!(
            guess_name("git@github.com:o/Fungal_Image.git", dir)
                .unwrap()
                .as_str(),
            "fungal-image"
        );
        assert_eq!(
            guess_name("/srv/aperture.git", dir).unwrap().as_str(),
            "aperture"
        );
        assert_eq!(guess_name("/srv/___", dir).unwrap().as_str(), "some-dir");
    }

    #[test]
    fn url_equality_ignores_dot_git() {
        assert!(ops::same_url(
            "https://github.com/o/n.git",
            "https://github.com/o/n"
        ));
        assert!(!ops::same_url(
            "https://github.com/o/n",
            "https://github.com/o/m"
        ));
        // One repository, as teammates' clones spell it.
        for other in [
            "git@github.com:o/n.git",
            "ssh://git@github.com/o/n.git",
            "ssh://git@GitHub.com:22/o/n",
            "https://user@github.com/o/n/",
            "git://github.com/o/n",
        ] {
            assert!(
                ops::same_url("https://github.com/o/n.git", other),
                "{other}"
            );
        }
        assert!(ops::same_url("/srv/x/a.git", "file:///srv/x/a"));
        assert!(!ops::same_url("git@github.com:o/n", "git@gitlab.com:o/n"));
        assert!(!ops::same_url("/srv/x/a.git", "/srv/y/a.git"));
    }
}
