//! This repository's realm memberships, kept in its local git config:
//! `realm.<realm>.url` and `realm.<realm>.member` (this repo's name in that realm).
//! A repository may belong to several realms; commands act on all of them unless
//! `--realm NAME` narrows it.

use gix::bstr::ByteSlice;

use crate::error::{Error, Exit, RealmFailure, Result};
use crate::git;
use crate::model::Name;
use crate::ui::Ui;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub realm: Name,
    pub url: String,
    /// This repo's name in the realm (absent only in a hand-edited config).
    pub member: Option<Name>,
}

impl Membership {
    /// This repo's name in the realm, which every command that acts needs.
    pub fn me(&self) -> Result<Name> {
        self.member.clone().ok_or_else(|| {
            Error::usage(format!("git config realm.{}.member is not set", self.realm))
                .hint("re-run `git realm join` to restore it")
        })
    }
}

/// Every `[realm "<name>"]` section of the repository-local config.
pub fn all(repo: &gix::Repository) -> Result<Vec<Membership>> {
    let snapshot = repo.config_snapshot();
    let file = snapshot.plumbing();
    let mut out: Vec<Membership> = Vec::new();
    let Some(sections) = file.sections_by_name("realm") else {
        return Ok(out);
    };
    for section in sections {
        if !matches!(
            section.meta().source,
            gix::config::Source::Local | gix::config::Source::Worktree
        ) {
            continue;
        }
        let Some(sub) = section.header().subsection_name() else {
            continue;
        };
        let key = format!("realm.{}", sub.to_str_lossy());
        let realm: Name = sub.to_str_lossy().parse().map_err(|e| {
            Error::usage(format!("invalid git config section [realm \"{sub}\"]: {e}"))
        })?;
        let url = section.value("url").map(|v| v.to_str_lossy().into_owned());
        let member = match section.value("member") {
            None => None,
            Some(v) => Some(
                v.to_str_lossy()
                    .parse()
                    .map_err(|e| Error::usage(format!("invalid git config {key}.member: {e}")))?,
            ),
        };
        match out.iter_mut().find(|m| m.realm == realm) {
            // A realm split over several sections: later values win, as in git.
            Some(existing) => {
                if let Some(url) = url {
                    existing.url = url;
                }
                if member.is_some() {
                    existing.member = member;
                }
            }
            None => out.push(Membership {
                realm,
                url: url.unwrap_or_default(),
                member,
            }),
        }
    }
    for m in &out {
        if m.url.is_empty() {
            return Err(
                Error::usage(format!("git config realm.{}.url is not set", m.realm)).hint(format!(
                    "re-run `git realm join <url>` or `git config --unset-all realm.{}.member`",
                    m.realm
                )),
            );
        }
    }
    out.sort_by(|a, b| a.realm.cmp(&b.realm));
    Ok(out)
}

/// The memberships a command acts on: all of them, or the one `--realm` names.
pub fn selected(repo: &gix::Repository, only: Option<&Name>) -> Result<Vec<Membership>> {
    let all = all(repo)?;
    match only {
        None => Ok(all),
        Some(name) => {
            let found: Vec<_> = all.into_iter().filter(|m| &m.realm == name).collect();
            if found.is_empty() {
                Err(Error::usage(format!(
                    "--realm {name}: this repository is not a member of realm '{name}'"
                ))
                .hint("see `git realm status` for the realms it belongs to"))
            } else {
                Ok(found)
            }
        }
    }
}

/// Like `selected`, but at least one: a command that acts on realms has nothing
/// to do in a repository that is in none.
pub fn at_least_one(repo: &gix::Repository, only: Option<&Name>) -> Result<Vec<Membership>> {
    let found = selected(repo, only)?;
    if found.is_empty() {
        return Err(Error::usage("this repository is not a member of any realm")
            .hint("join one with `git realm join REALM-URL`"));
    }
    Ok(found)
}

/// The one realm a writing command acts on: the only membership, or `--realm`.
pub fn one(repo: &gix::Repository, only: Option<&Name>) -> Result<(Membership, Name)> {
    let mut found = selected(repo, only)?;
    match found.len() {
        0 => Err(Error::usage("this repository is not a member of any realm")
            .hint("join one with `git realm join REALM-URL`")),
        1 => {
            let m = found.remove(0);
            let me = m.me()?;
            Ok((m, me))
        }
        _ => {
            let names: Vec<&str> = found.iter().map(|m| m.realm.as_str()).collect();
            Err(Error::usage(format!(
                "this repository is in several realms ({}): say which with --realm NAME",
                names.join(", ")
            )))
        }
    }
}

/// Record membership in the local config, and make notes follow amend/rebase.
pub fn record(repo: &gix::Repository, realm: &Name, url: &str, member: &Name) -> Result<()> {
    use git::ConfigEdit::{AddUnique, Set};
    git::config_edit(
        repo,
        &[
            Set(&format!("realm.{realm}.url"), url),
            Set(&format!("realm.{realm}.member"), member.as_str()),
            AddUnique("notes.rewriteRef", "refs/notes/realm"),
        ],
    )
}

/// Forget a membership.
pub fn forget(repo: &gix::Repository, realm: &Name) -> Result<()> {
    git::config_edit(
        repo,
        &[git::ConfigEdit::RemoveSection(&format!("realm.{realm}"))],
    )
}

/// What a command acting on several realms did with each.
pub struct EachRealm<T> {
    pub done: Vec<T>,
    /// The realms that failed (each already reported on stderr).
    pub failed: Vec<RealmFailure>,
    /// The worst exit code among the failures (`Success` when none failed).
    pub exit: Exit,
}

/// Run `f` for every membership. With one realm its error is the command's
/// error, as usual; with several, a failing realm is reported at once on stderr
/// (`error: realm 'x': …`) and the others still run, so every realm is
/// reported and the command can exit with the worst code.
pub fn each<T>(
    ui: &Ui,
    memberships: &[Membership],
    mut f: impl FnMut(&Membership) -> Result<T>,
) -> Result<EachRealm<T>> {
    let mut out = EachRealm {
        done: Vec::new(),
        failed: Vec::new(),
        exit: Exit::Success,
    };
    if let [only] = memberships {
        out.done.push(f(only)?);
        return Ok(out);
    }
    for m in memberships {
        match f(m) {
            Ok(t) => out.done.push(t),
            Err(e) => {
                ui.realm_error(m.realm.as_str(), &e);
                out.exit = out.exit.worst(e.exit);
                out.failed.push(RealmFailure::new(m.realm.as_str(), &e));
            }
        }
    }
    Ok(out)
}
