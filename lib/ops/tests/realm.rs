//! The realm, its members and maintainers: init, join, trailers, domains, CODEOWNERS.

use super::*;

#[test]
fn create_realm_writes_realm_yaml_once() {
    let realm = new_realm();
    assert!(realm.files().contains_key("realm.yaml"));
    let again = Store::with(realm.member()).update(&mut CreateRealm {
        realm: realm_file(),
        github: None,
    });
    assert_eq!(again.err().unwrap().exit, Exit::Conflict);
    assert_eq!(realm.log().len(), 1);
    assert_eq!(kind_of(&realm.log()[0].message), Some(OpKind::CreateRealm));
}

#[test]
fn join_registers_once_and_finds_the_same_url_under_another_name() {
    let realm = new_realm();
    let store = Store::with(realm.member());
    let first = store.update(&mut join_op("aperture")).unwrap();
    assert_eq!(first.value, Registration::Registered);
    assert!(first.commit.is_some());
    let again = store.update(&mut join_op("aperture")).unwrap();
    assert_eq!(again.value, Registration::Already(name("aperture")));
    assert!(again.commit.is_none(), "a re-join writes nothing");

    let mut other_name = join_op("aperture");
    other_name.file.name = name("renamed");
    let found = store.update(&mut other_name).unwrap();
    assert_eq!(found.value, Registration::Already(name("aperture")));

    let mut clash = join_op("aperture");
    clash.file.url = "/srv/elsewhere.git".parse().unwrap();
    let err = store.update(&mut clash).err().unwrap();
    assert_eq!(err.exit, Exit::Conflict);
    assert!(
        err.message.contains("already registered"),
        "{}",
        err.message
    );
}

#[test]
fn realm_commits_carry_their_operation_and_repo_as_trailers() {
    let realm = new_realm();
    Store::with(realm.member())
        .update(&mut join_op("aperture"))
        .unwrap();
    let message = &realm.log()[0].message;
    assert!(message.starts_with("aperture: join realm\n"), "{message}");
    assert_eq!(kind_of(message), Some(OpKind::Join));
    assert!(trailers(message).contains(&("Realm-Repo".to_owned(), "aperture".to_owned())));
}

#[test]
fn a_newline_in_a_subject_cannot_forge_trailers() {
    let realm = story();
    let ws = FakeWorkspace::new();
    *ws.code.borrow_mut() = Some(json!(["a", "b"]));
    let mut op = SyncPlan::new(
        name("aperture"),
        Some("ok\n\nRealm-Op: leave".to_owned()),
        false,
        at(),
        &ws,
    );
    Store::with(realm.member()).update(&mut op).unwrap();
    let message = &realm.log()[0].message;
    assert_eq!(kind_of(message), Some(OpKind::Sync), "{message}");
}

#[test]
fn op_kinds_round_trip_through_their_names() {
    for kind in OpKind::ALL {
        assert_eq!(kind.as_str().parse::<OpKind>().unwrap(), *kind);
    }
    assert!("drop-table".parse::<OpKind>().is_err());
}

#[test]
fn domains_need_registered_members_and_are_idempotent() {
    let realm = new_realm();
    let store = Store::with(realm.member());
    store.update(&mut join_op("aperture")).unwrap();
    let err = store
        .update(&mut domain_op("aperture", "s3", &["aperture", "ghost"]))
        .err()
        .unwrap();
    assert_eq!(err.exit, Exit::Usage);
    assert!(err.message.contains("ghost"));

    assert!(
        store
            .update(&mut domain_op("aperture", "s3", &["aperture"]))
            .unwrap()
            .value
    );
    let same = store
        .update(&mut domain_op("aperture", "s3", &["aperture"]))
        .unwrap();
    assert!(!same.value && same.commit.is_none());
    let clash = store
        .update(&mut domain_op("aperture", "s3", &[]))
        .err()
        .unwrap();
    assert_eq!(clash.exit, Exit::Conflict);

    store.update(&mut join_op("fungal")).unwrap();
    let mut add = AddMember {
        actor: name("aperture"),
        domain: name("s3"),
        member: name("fungal"),
    };
    assert!(store.update(&mut add).unwrap().value);
    assert!(!store.update(&mut add).unwrap().value);
    let bytes = realm.files()["domains/s3/domain.yaml"].clone();
    let d: DomainFile = model::parse("domains/s3/domain.yaml", &bytes).unwrap();
    assert_eq!(d.members, vec![name("aperture"), name("fungal")]);
}
#[test]
fn maintainers_and_keys_are_edited_by_their_repository_only() {
    let realm = new_realm();
    let store = Store::with(realm.member());
    store.update(&mut join_op("aperture")).unwrap();
    let key: model::SigningKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleExampleExample"
        .parse()
        .unwrap();
    let bob: Email = "bob@example.com".parse().unwrap();
    let mut add = EditMaintainers {
        actor: name("aperture"),
        add: vec![bob.clone()],
        remove: Vec::new(),
        add_keys: vec![model::MaintainerKey {
            email: bob.clone(),
            key: key.clone(),
        }],
        remove_keys: Vec::new(),
    };
    let updated = store.update(&mut add).unwrap();
    assert!(updated.commit.is_some());
    assert_eq!(updated.value.keys.len(), 1);
    // Re-applying changes nothing.
    assert!(store.update(&mut add).unwrap().commit.is_none());
    let text = String::from_utf8(realm.files()["repos/aperture.yaml"].clone()).unwrap();
    assert!(
        text.contains("bob@example.com") && text.contains("ssh-ed25519"),
        "{text}"
    );

    // Removing a maintainer removes their keys; the last one cannot go.
    let mut remove = EditMaintainers {
        actor: name("aperture"),
        add: Vec::new(),
        remove: vec![bob],
        add_keys: Vec::new(),
        remove_keys: Vec::new(),
    };
    assert!(store.update(&mut remove).unwrap().value.keys.is_empty());
    let mut last = EditMaintainers {
        actor: name("aperture"),
        add: Vec::new(),
        remove: vec!["aperture@example.com".parse().unwrap()],
        add_keys: Vec::new(),
        remove_keys: Vec::new(),
    };
    assert_eq!(store.update(&mut last).err().unwrap().exit, Exit::Usage);
    // A key for someone who is not a maintainer is refused.
    let mut stranger = EditMaintainers {
        actor: name("aperture"),
        add: Vec::new(),
        remove: Vec::new(),
        add_keys: vec![model::MaintainerKey {
            email: "eve@example.com".parse().unwrap(),
            key,
        }],
        remove_keys: Vec::new(),
    };
    assert_eq!(store.update(&mut stranger).err().unwrap().exit, Exit::Usage);
}

#[test]
fn a_repository_creates_only_domains_it_is_in() {
    let realm = new_realm();
    let store = Store::with(realm.member());
    for r in ["aperture", "fungal", "other"] {
        store.update(&mut join_op(r)).unwrap();
    }
    let err = store
        .update(&mut domain_op("other", "s3", &["aperture", "fungal"]))
        .err()
        .unwrap();
    assert_eq!(err.exit, Exit::Usage);
    store
        .update(&mut domain_op("aperture", "s3", &["aperture", "fungal"]))
        .unwrap();
    // Only the domain's members add others; no binding is written for anyone.
    let mut add = AddMember {
        actor: name("other"),
        domain: name("s3"),
        member: name("other"),
    };
    assert_eq!(store.update(&mut add).err().unwrap().exit, Exit::Usage);
    assert!(realm.files().keys().all(|p| !p.contains("/bindings/")));
}

#[test]
fn codeowners_follows_every_write_that_changes_maintainers_and_only_when_the_realm_has_one() {
    let codeowners = |realm: &MemoryRealm| {
        realm
            .files()
            .get(model::paths::CODEOWNERS)
            .map(|b| String::from_utf8(b.clone()).unwrap())
    };
    // Without --github: never written.
    let plain = new_realm();
    Store::with(plain.member())
        .update(&mut join_op("aperture"))
        .unwrap();
    assert_eq!(codeowners(&plain), None);

    let realm = MemoryRealm::new();
    let store = Store::with(realm.member());
    let mut file = realm_file();
    file.governance.approvers = vec!["lead@example.com".parse().unwrap()];
    store
        .update(&mut CreateRealm {
            realm: file,
            github: Some(GithubHosting {
                install: "cargo install --locked git-realm".into(),
            }),
        })
        .unwrap();
    assert!(realm.files().contains_key(model::paths::VERIFY_WORKFLOW));
    let first = codeowners(&realm).unwrap();
    assert!(first.contains("\n* lead@example.com\n"), "{first}");
    assert!(first.contains("\n/.github/ lead@example.com\n"), "{first}");
    assert!(!first.contains("/repos/"), "{first}");

    store.update(&mut join_op("aperture")).unwrap();
    store.update(&mut join_op("fungal")).unwrap();
    let joined = codeowners(&realm).unwrap();
    assert!(
        joined.contains("\n/repos/aperture.yaml aperture@example.com\n")
            && joined.contains("\n/domains/*/bindings/fungal.yaml fungal@example.com\n"),
        "{joined}"
    );
    // A write that changes no maintainer leaves it alone; so does a no-op.
    store
        .update(&mut domain_op("aperture", "s3", &["aperture", "fungal"]))
        .unwrap();
    assert!(
        store
            .update(&mut join_op("aperture"))
            .unwrap()
            .commit
            .is_none()
    );
    assert_eq!(codeowners(&realm).unwrap(), joined);

    let mut add = EditMaintainers {
        actor: name("aperture"),
        add: vec!["bob@example.com".parse().unwrap()],
        remove: Vec::new(),
        add_keys: Vec::new(),
        remove_keys: Vec::new(),
    };
    store.update(&mut add).unwrap();
    let added = codeowners(&realm).unwrap();
    assert!(
        added.contains("\n/repos/aperture.yaml aperture@example.com bob@example.com\n"),
        "{added}"
    );

    store
        .update(&mut Leave {
            repo: name("fungal"),
            realm: name("letemcook"),
            force: false,
        })
        .unwrap();
    let left = codeowners(&realm).unwrap();
    assert!(!left.contains("fungal"), "{left}");
    assert!(left.contains("/repos/aperture.yaml"), "{left}");
    // Always exactly what the state renders to.
    let snapshot = store.snapshot().unwrap();
    assert_eq!(crate::trust::codeowners::render(&snapshot).unwrap(), left);
}

#[test]
fn a_snapshot_with_edits_reads_as_the_state_they_leave() {
    let realm = story();
    let store = Store::with(realm.member());
    store.fetch().unwrap();
    let snapshot = store.snapshot().unwrap();
    let mut edits = crate::store::Edits::default();
    edits.remove("repos/aperture.yaml");
    edits.put_bytes("repos/zeta.yaml", b"x".to_vec());
    edits.remove("domains");
    edits.put_bytes("domains/new/domain.yaml", b"y".to_vec());
    let after = snapshot.with_edits(&edits);
    let repos: Vec<String> = after
        .doc_names(model::paths::REPOS)
        .unwrap()
        .iter()
        .map(|n| n.to_string())
        .collect();
    assert_eq!(repos, ["fungal", "zeta"]);
    assert_eq!(
        after.read_bytes("repos/zeta.yaml").unwrap(),
        Some(b"x".to_vec())
    );
    assert!(!after.exists("repos/aperture.yaml").unwrap());
    assert!(!after.exists("domains/s3-access/domain.yaml").unwrap());
    let domains: Vec<String> = after
        .dir_names(model::paths::DOMAINS)
        .unwrap()
        .iter()
        .map(|n| n.to_string())
        .collect();
    assert_eq!(domains, ["new"]);
    // The snapshot itself is untouched.
    assert!(snapshot.exists("repos/aperture.yaml").unwrap());
}
