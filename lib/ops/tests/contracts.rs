//! Exports, imports and sync: versions, bumps, breakage per consumer, acknowledgements.

use super::*;

#[test]
fn a_new_export_publishes_1_0_0_and_only_its_provider_may_declare_it() {
    let realm = story();
    let c = contract(&realm, "s3-access", "paths");
    assert_eq!(c.version.to_string(), "1.0.0");
    assert_eq!(c.owner, name("aperture"));
    assert_eq!(c.value, json!(["a"]));
    let export_commit = &realm.log()[1].message;
    assert!(export_commit.starts_with("aperture: export s3-access/paths@1.0.0"));
    assert!(trailers(export_commit).contains(&(
        "Realm-Contract".to_owned(),
        "s3-access/paths@1.0.0".to_owned()
    )));

    let store = Store::with(realm.member());
    let err = store
        .update(&mut export_op("fungal", "s3-access", "paths", json!(["x"])))
        .err()
        .unwrap();
    assert_eq!(err.exit, Exit::Conflict);
    let err = store
        .update(&mut export_op("aperture", "nowhere", "paths", json!(["x"])))
        .err()
        .unwrap();
    assert_eq!(err.exit, Exit::Usage);
}

#[test]
fn an_import_is_resolved_when_declared_against_a_matching_version() {
    let realm = story();
    let bytes = realm.files()["domains/s3-access/bindings/fungal.yaml"].clone();
    let b: model::BindingFile =
        model::parse("domains/s3-access/bindings/fungal.yaml", &bytes).unwrap();
    assert_eq!(
        b.imports[0].resolved_version.as_ref().unwrap().to_string(),
        "1.0.0"
    );

    let ws = FakeWorkspace::new();
    let store = Store::with(realm.member());
    let err = store
        .update(&mut import_op("aperture", "s3-access", "paths", "^1", &ws))
        .err()
        .unwrap();
    assert!(err.message.contains("cannot import its own export"));
}

#[test]
fn sync_publishes_an_addition_as_a_minor_and_resolves_nothing_twice() {
    let realm = story();
    let store = Store::with(realm.member());
    let ws = FakeWorkspace::new();
    *ws.code.borrow_mut() = Some(json!(["a", "b"]));
    let mut op = SyncPlan::new(name("aperture"), None, false, at(), &ws);
    let done = store.update(&mut op).unwrap();
    assert_eq!(done.value.published.len(), 1);
    assert_eq!(done.value.published[0].to.to_string(), "1.1.0");
    assert_eq!(
        contract(&realm, "s3-access", "paths").value,
        json!(["a", "b"])
    );
    assert_eq!(kind_of(&realm.log()[0].message), Some(OpKind::Sync));

    // Nothing changed since: a second sync writes nothing.
    let mut op = SyncPlan::new(name("aperture"), None, false, at(), &ws);
    let again = store.update(&mut op).unwrap();
    assert!(again.commit.is_none() && again.value.published.is_empty());
}

#[test]
fn sync_refuses_a_breaking_change_a_consumer_relies_on_unless_forced() {
    let realm = story();
    let store = Store::with(realm.member());
    let ws = FakeWorkspace::new();
    *ws.code.borrow_mut() = Some(json!(["b"]));
    let before = realm.tip();
    let mut op = SyncPlan::new(name("aperture"), None, false, at(), &ws);
    let err = store.update(&mut op).err().unwrap();
    assert_eq!(err.exit, Exit::Conflict);
    assert!(err.hints.iter().any(|h| h.contains("fungal imports")));
    assert_eq!(realm.tip(), before, "a refused sync writes nothing");

    let mut forced = SyncPlan::new(name("aperture"), None, true, at(), &ws);
    let done = store.update(&mut forced).unwrap();
    assert_eq!(done.value.published[0].to.to_string(), "2.0.0");
}

#[test]
fn a_dry_run_shows_the_edits_and_writes_nothing() {
    let realm = story();
    let store = Store::with(realm.member());
    store.fetch().unwrap();
    let ws = FakeWorkspace::new();
    *ws.code.borrow_mut() = Some(json!(["a", "c"]));
    let before = realm.tip();
    let mut op = SyncPlan::new(name("aperture"), None, false, at(), &ws);
    let preview = store.preview(&mut op).unwrap();
    assert_eq!(
        preview.edits.paths(),
        vec!["domains/s3-access/contracts/paths.yaml"]
    );
    assert!(
        preview
            .message
            .starts_with("aperture: sync s3-access/paths@1.1.0")
    );
    assert_eq!(realm.tip(), before);
}
#[test]
fn sync_holds_exports_on_a_feature_branch_and_records_the_commit_otherwise() {
    let realm = story();
    let store = Store::with(realm.member());
    let ws = FakeWorkspace::new();
    *ws.code.borrow_mut() = Some(json!(["a", "b"]));
    ws.publishing.borrow_mut().on_default = false;
    ws.publishing.borrow_mut().branch = Some("feat/x".into());
    let mut op = SyncPlan::new(name("aperture"), None, false, at(), &ws);
    let plan = store.update(&mut op).unwrap();
    assert!(plan.commit.is_none());
    assert!(plan.value.held[0].reason.contains("branch feat/x"));

    ws.publishing.borrow_mut().on_remote = false;
    let mut op = SyncPlan::new(name("aperture"), None, false, at(), &ws);
    op.from_branch = true;
    let plan = store.update(&mut op).unwrap().value;
    assert_eq!(plan.published[0].commit.as_deref(), Some(HEAD));
    assert!(plan.warnings[0].contains("on no remote branch"));
    let c = contract(&realm, "s3-access", "paths");
    assert_eq!(c.commit.unwrap().as_str(), HEAD);
    assert_eq!(c.changelog[1].commit.as_ref().unwrap().as_str(), HEAD);
}

#[test]
fn a_breaking_version_is_refused_only_for_consumers_it_breaks() {
    let realm = story();
    let store = Store::with(realm.member());
    store.update(&mut join_op("cli")).unwrap();
    store
        .update(&mut AddMember {
            actor: name("aperture"),
            domain: name("s3-access"),
            member: name("cli"),
        })
        .unwrap();
    // fungal uses "a"; cli uses "b"; the contract is ["a", "b"].
    let ws = FakeWorkspace::new();
    *ws.code.borrow_mut() = Some(json!(["a", "b"]));
    store
        .update(&mut SyncPlan::new(name("aperture"), None, false, at(), &ws))
        .unwrap();
    for (repo, used) in [("fungal", "a"), ("cli", "b")] {
        let mut op = import_op(repo, "s3-access", "paths", "^1", &ws);
        op.uses = vec![used.into()];
        store.update(&mut op).unwrap();
    }
    // Removing "b" breaks cli only.
    *ws.code.borrow_mut() = Some(json!(["a"]));
    let err = store
        .update(&mut SyncPlan::new(name("aperture"), None, false, at(), &ws))
        .err()
        .unwrap();
    assert!(err.message.contains("what cli rely on"), "{}", err.message);
    assert!(
        err.hints
            .iter()
            .any(|h| h.contains("cli imports s3-access/paths ^1") && h.contains("uses b"))
    );
    assert!(!err.hints.iter().any(|h| h.contains("fungal imports")));
    let done = store
        .update(&mut SyncPlan::new(name("aperture"), None, true, at(), &ws))
        .unwrap();
    let c = contract(&realm, "s3-access", "paths");
    assert_eq!(c.changelog.last().unwrap().removed, ["b"]);
    let published = &done.value.published[0];
    assert!(
        published
            .consumers
            .iter()
            .any(|c| c.repo == "cli" && c.breaks)
    );
    assert!(
        published
            .consumers
            .iter()
            .any(|c| c.repo == "fungal" && !c.breaks)
    );

    // As the consumers see it: fungal stale (widen), cli in grace, then broken.
    let snapshot = {
        let s = Store::with(realm.member());
        s.fetch().unwrap();
        s.snapshot().unwrap()
    };
    let scope = |today| crate::contracts::Scope {
        imports: true,
        today: Some(today),
        ..Default::default()
    };
    let day = |d: &str| d.parse::<jiff::civil::Date>().unwrap();
    let mut grace = realm_file();
    grace.governance.breaking_changes.grace_period_days = 3;
    struct Put(RealmFile);
    impl Operation for Put {
        type Output = ();
        fn kind(&self) -> OpKind {
            OpKind::CreateRealm
        }
        fn actor(&self) -> Actor {
            Actor::Realm(self.0.name.clone())
        }
        fn subject(&self) -> String {
            "grace".into()
        }
        fn apply(&mut self, _: &Snapshot<'_>, edits: &mut Edits) -> crate::Result<()> {
            edits.put("realm.yaml", &self.0);
            Ok(())
        }
    }
    let fungal = crate::contracts::survey(
        &snapshot,
        &name("fungal"),
        Some(&ws),
        scope(day("2023-11-15")),
    )
    .unwrap();
    assert_eq!(
        fungal.imports[0].state,
        crate::contracts::ImportState::Stale
    );
    assert!(fungal.imports[0].reason.as_ref().unwrap().contains("widen"));
    let cli =
        crate::contracts::survey(&snapshot, &name("cli"), Some(&ws), scope(day("2023-11-15")))
            .unwrap();
    assert_eq!(
        cli.imports[0].state,
        crate::contracts::ImportState::Broken,
        "no grace period"
    );
    assert_eq!(cli.imports[0].broken_items, ["b"]);
    store.update(&mut Put(grace)).unwrap();
    let snapshot = {
        let s = Store::with(realm.member());
        s.fetch().unwrap();
        s.snapshot().unwrap()
    };
    // Published on 2023-11-14 (the fixed `at`): grace until the 17th.
    let cli =
        crate::contracts::survey(&snapshot, &name("cli"), Some(&ws), scope(day("2023-11-16")))
            .unwrap();
    assert_eq!(cli.imports[0].state, crate::contracts::ImportState::Grace);
    assert_eq!(cli.imports[0].deadline, Some(day("2023-11-17")));
    let cli =
        crate::contracts::survey(&snapshot, &name("cli"), Some(&ws), scope(day("2023-11-17")))
            .unwrap();
    assert_eq!(cli.imports[0].state, crate::contracts::ImportState::Broken);
}

#[test]
fn an_acknowledgement_resolves_the_newest_accepted_version_and_records_who() {
    let realm = story();
    let store = Store::with(realm.member());
    let ws = FakeWorkspace::new();
    *ws.code.borrow_mut() = Some(json!(["a", "b"]));
    store
        .update(&mut SyncPlan::new(name("aperture"), None, false, at(), &ws))
        .unwrap();
    let mut ack = ResolveImport {
        repo: name("fungal"),
        domain: name("s3-access"),
        contract: name("paths"),
        by: "f@example.com".parse().unwrap(),
        commit: HEAD.parse().unwrap(),
        at: at(),
    };
    let done = store.update(&mut ack).unwrap();
    assert_eq!(done.value, Acknowledged::Resolved("1.1.0".parse().unwrap()));
    assert_eq!(
        kind_of(&realm.log()[0].message),
        Some(OpKind::ResolveImport)
    );
    let import = &binding_of(&realm, "s3-access", "fungal").imports[0];
    assert_eq!(
        import.acknowledged_by.as_ref().unwrap().as_str(),
        "f@example.com"
    );
    assert_eq!(
        import.resolved_version.as_ref().unwrap().to_string(),
        "1.1.0"
    );
    let again = store.update(&mut ack).unwrap();
    assert!(again.commit.is_none());
    ack.repo = name("aperture");
    assert!(store.update(&mut ack).is_err(), "aperture imports nothing");
}

#[test]
fn a_source_an_older_realm_kept_is_read_only_after_the_command_line_checks() {
    let realm = story();
    let path = model::paths::binding("s3-access", "aperture");
    let mut b = binding_of(&realm, "s3-access", "aperture");
    b.exports[0].source = Some(ValueSource::File {
        path: ".git/config".parse().unwrap(),
        pointer: None,
    });
    b.exports[0].contract = name("legacy");
    struct Put(String, model::BindingFile);
    impl Operation for Put {
        type Output = ();
        fn kind(&self) -> OpKind {
            OpKind::DeclareExport
        }
        fn actor(&self) -> Actor {
            Actor::Repo(self.1.repo.clone())
        }
        fn subject(&self) -> String {
            "legacy".into()
        }
        fn apply(&mut self, _: &Snapshot<'_>, edits: &mut Edits) -> crate::Result<()> {
            edits.put(&self.0, &self.1);
            Ok(())
        }
    }
    let store = Store::with(realm.member());
    store.update(&mut Put(path, b)).unwrap();
    let ws = FakeWorkspace::new();
    let survey = crate::contracts::survey(
        &store.snapshot().unwrap(),
        &name("aperture"),
        Some(&ws),
        crate::contracts::Scope {
            exports: true,
            ..Default::default()
        },
    )
    .unwrap();
    let err = survey.exports[0].error.as_ref().unwrap();
    assert!(err.contains("is refused") && err.contains(".git/"), "{err}");
}
