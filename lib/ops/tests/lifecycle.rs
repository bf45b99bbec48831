//! Leaving, removing imports, exports and domains, closing a change.

use super::*;

#[test]
fn leave_is_refused_while_others_import_and_forced_removes_everything_of_the_repo() {
    let realm = story();
    let store = Store::with(realm.member());
    let mut leave = Leave {
        repo: name("aperture"),
        realm: name("letemcook"),
        force: false,
    };
    let err = store.update(&mut leave).err().unwrap();
    assert_eq!(err.exit, Exit::Conflict);
    leave.force = true;
    let left = store.update(&mut leave).unwrap();
    assert_eq!(left.value.dependents.len(), 1);
    assert_eq!(left.value.dependents[0].repo, "fungal");
    assert_eq!(left.value.domains, ["s3-access"]);
    let files = realm.files();
    assert!(!files.contains_key("repos/aperture.yaml"));
    assert!(!files.contains_key("domains/s3-access/bindings/aperture.yaml"));
}
#[test]
fn an_export_is_removed_only_once_nobody_imports_it_and_a_domain_only_when_empty() {
    let realm = story();
    let store = Store::with(realm.member());
    let mut remove_export = RemoveExport {
        repo: name("aperture"),
        domain: name("s3-access"),
        contract: name("paths"),
        force: false,
    };
    let err = store.update(&mut remove_export).err().unwrap();
    assert_eq!(err.exit, Exit::Conflict);
    assert!(err.hints.iter().any(|h| h.contains("fungal imports it")));
    let mut remove_domain = RemoveDomain {
        actor: name("fungal"),
        domain: name("s3-access"),
        force: false,
    };
    assert_eq!(
        store.update(&mut remove_domain).err().unwrap().exit,
        Exit::Conflict
    );

    // Someone else's export cannot be removed.
    let mut not_mine = RemoveExport {
        repo: name("fungal"),
        ..remove_export
    };
    assert_eq!(store.update(&mut not_mine).err().unwrap().exit, Exit::Usage);

    store
        .update(&mut RemoveImport {
            repo: name("fungal"),
            domain: name("s3-access"),
            contract: name("paths"),
        })
        .unwrap();
    assert!(
        !realm
            .files()
            .contains_key("domains/s3-access/bindings/fungal.yaml")
    );
    let mut remove_export = RemoveExport {
        repo: name("aperture"),
        domain: name("s3-access"),
        contract: name("paths"),
        force: false,
    };
    let removed = store.update(&mut remove_export).unwrap();
    assert!(removed.value.is_empty());
    assert!(
        !realm
            .files()
            .contains_key("domains/s3-access/contracts/paths.yaml")
    );
    let gone = store.update(&mut remove_domain).unwrap();
    assert_eq!(gone.value, DomainContents::default());
    assert!(
        realm
            .files()
            .keys()
            .all(|p| !p.starts_with("domains/s3-access"))
    );
}

#[test]
fn forced_removals_report_what_they_break_or_take() {
    let realm = story();
    let store = Store::with(realm.member());
    let removed = store
        .update(&mut RemoveExport {
            repo: name("aperture"),
            domain: name("s3-access"),
            contract: name("paths"),
            force: true,
        })
        .unwrap();
    assert_eq!(removed.value[0].repo, "fungal");
    let gone = store
        .update(&mut RemoveDomain {
            actor: name("aperture"),
            domain: name("s3-access"),
            force: true,
        })
        .unwrap();
    assert_eq!(gone.value.bindings, ["fungal"]);
}

#[test]
fn closing_a_change_sets_its_status_once() {
    let realm = story();
    let store = Store::with(realm.member());
    store
        .update(&mut StartChange {
            actor: name("aperture"),
            realm: name("letemcook"),
            id: name("fix-auth"),
            branch: "feat/fix-auth".to_owned(),
            base: None,
            repos: vec![name("fungal"), name("aperture")],
            domains: vec![name("s3-access")],
            created_by: "a@example.com".parse::<Email>().unwrap(),
            created_at: at(),
        })
        .unwrap();
    let mut close = CloseChange {
        actor: name("fungal"),
        change: name("fix-auth"),
        status: model::ChangeStatus::Merged,
    };
    let first = store.update(&mut close).unwrap();
    assert_eq!(first.value, model::ChangeStatus::Open);
    assert!(first.commit.is_some());
    let again = store.update(&mut close).unwrap();
    assert!(again.commit.is_none(), "already closed: no commit");
    let preview = store.preview(&mut close).unwrap();
    assert!(preview.edits.is_empty());
    let mut missing = CloseChange {
        actor: name("fungal"),
        change: name("nope"),
        status: model::ChangeStatus::Abandoned,
    };
    assert_eq!(store.update(&mut missing).err().unwrap().exit, Exit::Usage);
}
