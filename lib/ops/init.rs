//! `create-realm`: the first commit of a realm, its `realm.yaml`.

use super::{Actor, OpKind, Operation};
use crate::error::{Error, Result};
use crate::model::{self, RealmFile};
use crate::store::{Edits, Snapshot};

/// Write `realm.yaml` into a realm that has no commit yet.
pub struct CreateRealm {
    pub realm: RealmFile,
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
        Ok(())
    }
}
