//! `join`: register a repository in the realm (`repos/<repo>.yaml`, and the
//! realm's `.github/CODEOWNERS` when it has one).

use super::{Actor, OpKind, Operation};
use crate::error::{Error, Result};
use crate::model::{self, Name, RepoFile, Url};
use crate::store::{Edits, Snapshot};

/// Register `file.name` at `file.url`, unless the realm already has it.
pub struct Join {
    pub file: RepoFile,
    /// The name was asked for (`--as`): do not look the url up under other names.
    pub explicit: bool,
}

/// What joining found or did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Registration {
    /// The registration was written.
    Registered,
    /// The realm already had this repo (same url), under this name.
    Already(Name),
}

impl Operation for Join {
    type Output = Registration;

    fn kind(&self) -> OpKind {
        OpKind::Join
    }

    fn actor(&self) -> Actor {
        Actor::Repo(self.file.name.clone())
    }

    fn subject(&self) -> String {
        "join realm".to_owned()
    }

    fn apply(&mut self, snapshot: &Snapshot<'_>, edits: &mut Edits) -> Result<Registration> {
        // Re-decided on every attempt: someone may have registered meanwhile.
        match find_registration(snapshot, &self.file.name, &self.file.url, self.explicit)? {
            Some(existing) => Ok(Registration::Already(existing)),
            None => {
                edits.put(&model::paths::repo(self.file.name.as_str()), &self.file);
                super::refresh_codeowners(snapshot, edits)?;
                Ok(Registration::Registered)
            }
        }
    }
}

/// Is this repo already in the realm? By name (same url: yes; other url: a
/// conflict), or, when no name was asked for, by url under another name.
pub fn find_registration(
    snapshot: &Snapshot<'_>,
    name: &Name,
    url: &Url,
    explicit: bool,
) -> Result<Option<Name>> {
    if let Some(existing) = snapshot.read::<RepoFile>(&model::paths::repo(name.as_str()))? {
        if same_url(existing.url.as_str(), url.as_str()) {
            return Ok(Some(existing.name));
        }
        return Err(Error::conflict(format!(
            "the name '{name}' is already registered in this realm for {}",
            existing.url
        ))
        .hint(format!(
            "this repository is {url}; choose another name with `--as NAME`"
        )));
    }
    if !explicit {
        // Every registration is read and validated (a bad file is an error even
        // when it is not ours), once per attempt.
        let names = snapshot.doc_names(model::paths::REPOS)?;
        let paths: Vec<String> = names
            .iter()
            .map(|n| model::paths::repo(n.as_str()))
            .collect();
        let found = snapshot.find_document(&paths, "repo", |file: RepoFile| {
            same_url(file.url.as_str(), url.as_str()).then_some(file.name)
        })?;
        if found.is_some() {
            return Ok(found);
        }
    }
    Ok(None)
}

/// A url reduced to what names the repository: `host/path` for the network
/// forms (`https://`, `ssh://`, `git://` and scp-like `user@host:path`, which
/// teammates' clones of one repository mix), the path for a local one (`/x`,
/// `file:///x`); the user, the port, a trailing `/` and `.git` aside, the host in
/// lower case.
fn normalized(s: &str) -> String {
    let s = s.trim_end_matches('/');
    let s = s.strip_suffix(".git").unwrap_or(s).trim_end_matches('/');
    if let Some(path) = s.strip_prefix("file://") {
        return path.to_owned();
    }
    let (authority, path) = match s.split_once("://") {
        Some((_, rest)) => match rest.split_once('/') {
            Some((authority, path)) => (authority, path),
            None => (rest, ""),
        },
        None if s.starts_with('/') => return s.to_owned(),
        None => match s.split_once(':') {
            Some((authority, path)) => (authority, path),
            None => return s.to_owned(),
        },
    };
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = host.split_once(':').map_or(host, |(h, _)| h);
    let path = path.trim_start_matches("~/").trim_start_matches('/');
    format!("{}/{path}", host.to_ascii_lowercase())
}

/// Two urls name the same repository: `git@github.com:o/n.git`,
/// `https://github.com/o/n` and `ssh://git@github.com/o/n` do (see
/// [`normalized`]).
pub fn same_url(a: &str, b: &str) -> bool {
    normalized(a) == normalized(b)
}
