//! `create-realm`: the first commit of a realm, its `realm.yaml` (and, for a realm
//! hosted on GitHub, its `.github/CODEOWNERS` and verify workflow).

use super::{Actor, OpKind, Operation};
use crate::error::{Error, Result};
use crate::model::{self, RealmFile};
use crate::store::{Edits, Snapshot};

/// Write `realm.yaml` into a realm that has no commit yet.
pub struct CreateRealm {
    pub realm: RealmFile,
    /// Also write the files of a realm hosted on GitHub.
    pub github: Option<GithubHosting>,
}

/// What a realm hosted on GitHub gets in its first commit: `.github/CODEOWNERS`
/// (kept current by every write that changes maintainers) and the workflow that
/// runs `git realm verify` on pushes and pull requests.
#[derive(Debug, Clone)]
pub struct GithubHosting {
    /// The command the workflow installs git-realm with.
    pub install: String,
}

impl Operation for CreateRealm {
    type Output = ();

    fn kind(&self) -> OpKind {
        OpKind::CreateRealm
    }

    fn actor(&self) -> Actor {
        Actor::Realm(self.realm.name.clone())
    }

    fn subject(&self) -> String {
        "create realm".to_owned()
    }

    fn apply(&mut self, snapshot: &Snapshot<'_>, edits: &mut Edits) -> Result<()> {
        if snapshot.commit().is_some() {
            return Err(Error::conflict(
                "the repository became a realm while this one was being created",
            ));
        }
        edits.put(model::paths::REALM, &self.realm);
        if let Some(github) = &self.github {
            let (path, workflow) = crate::ci::realm_workflow(&self.realm.name, &github.install);
            edits.put_bytes(&path, workflow.into_bytes());
            super::write_codeowners(snapshot, edits)?;
        }
        Ok(())
    }
}
