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

fn normalized(s: &str) -> &str {
    s.trim_end_matches('/').trim_end_matches(".git")
}

/// Two urls name the same repository (a trailing `/` or `.git` aside).
pub fn same_url(a: &str, b: &str) -> bool {
    normalized(a) == normalized(b)
}
