//! Every operation on the in-memory store: what it writes, what it refuses, what
//! its realm commit says, and that concurrent writers each land exactly once.

use std::cell::RefCell;
use std::collections::BTreeMap;

use gix::ObjectId;
use serde_json::{Value, json};

use super::*;
use crate::error::Exit;
use crate::model::{
    self, ChangeFile, CommitId, ContractFile, DomainFile, Email, LinkedCommit, PullRequest,
    RealmFile, RelPath, RepoFile, Timestamp, ValueSource,
};
use crate::store::Store;
use crate::store::memory::MemoryRealm;
use crate::workspace::Workspace;

fn name(s: &str) -> Name {
    s.parse().unwrap()
}

fn at() -> Timestamp {
    Timestamp::from_second(1_700_000_000).unwrap()
}

fn realm_file() -> RealmFile {
    RealmFile {
        format: model::FORMAT,
        name: name("letemcook"),
        created_at: at(),
        governance: Default::default(),
    }
}

/// A realm with `realm.yaml`, as `git realm init` leaves it.
fn new_realm() -> MemoryRealm {
    let realm = MemoryRealm::new();
    Store::with(realm.member())
        .update(&mut CreateRealm {
            realm: realm_file(),
        })
        .unwrap();
    realm
}

fn join_op(repo: &str) -> Join {
    Join {
        file: RepoFile {
            name: name(repo),
            url: format!("/srv/{repo}.git").parse().unwrap(),
            forge: None,
            maintainers: Vec::new(),
            joined_at: at(),
        },
        explicit: false,
    }
}

fn domain_op(actor: &str, domain: &str, members: &[&str]) -> CreateDomain {
    CreateDomain {
        actor: name(actor),
        name: name(domain),
        members: members.iter().map(|m| name(m)).collect(),
        description: String::new(),
        created_at: at(),
    }
}

fn export_op(repo: &str, domain: &str, contract: &str, value: Value) -> DeclareExport {
    DeclareExport {
        repo: name(repo),
        domain: name(domain),
        contract: name(contract),
        source: Some(ValueSource::Value {
            value: value.clone(),
        }),
        value: Some(value),
        description: None,
        schema: None,
        at: at(),
    }
}

/// A member repository as contracts see it: literal values, or what its code
/// computes now (`code`), a `HEAD`, and whether its binding file changed.
struct FakeWorkspace {
    code: RefCell<Option<Value>>,
    head: Option<ObjectId>,
    binding_changed: bool,
}

impl FakeWorkspace {
    fn new() -> Self {
        FakeWorkspace {
            code: RefCell::new(None),
            head: Some(ObjectId::from_hex(b"1111111111111111111111111111111111111111").unwrap()),
            binding_changed: true,
        }
    }
}

impl Workspace for FakeWorkspace {
    fn has_worktree(&self) -> bool {
        true
    }
    fn evaluate(&self, source: &ValueSource) -> crate::Result<Value> {
        if let Some(v) = self.code.borrow().clone() {
            return Ok(v);
        }
        match source {
            ValueSource::Value { value } => Ok(value.clone()),
            other => panic!("the fake workspace only knows literal values, not {other:?}"),
        }
    }
    fn verify(&self, _: &RelPath, _: &str, _: &Value) -> crate::Result<Vec<String>> {
        Ok(Vec::new())
    }
    fn head(&self) -> Option<ObjectId> {
        self.head
    }
    fn binding_changed(&self, _: Option<&CommitId>, _: &RelPath) -> crate::Result<bool> {
        Ok(self.binding_changed)
    }
}

fn import_op<'w>(
    repo: &str,
    domain: &str,
    contract: &str,
    req: &str,
    ws: &'w FakeWorkspace,
) -> DeclareImport<'w> {
    DeclareImport {
        repo: name(repo),
        domain: name(domain),
        contract: name(contract),
        requirement: req.parse().unwrap(),
        binding: "policy.json".parse().unwrap(),
        verify: None,
        at: at(),
        workspace: ws,
    }
}

/// aperture provides s3-access/paths = ["a"]; fungal imports it at ^1.
fn story() -> MemoryRealm {
    let realm = new_realm();
    let store = Store::with(realm.member());
    for repo in ["aperture", "fungal"] {
        store.update(&mut join_op(repo)).unwrap();
    }
    store
        .update(&mut domain_op(
            "aperture",
            "s3-access",
            &["aperture", "fungal"],
        ))
        .unwrap();
    store
        .update(&mut export_op(
            "aperture",
            "s3-access",
            "paths",
            json!(["a"]),
        ))
        .unwrap();
    let ws = FakeWorkspace::new();
    store
        .update(&mut import_op("fungal", "s3-access", "paths", "^1", &ws))
        .unwrap();
    realm
}

fn contract(realm: &MemoryRealm, domain: &str, c: &str) -> ContractFile {
    let bytes = realm.files()[&model::paths::contract(domain, c)].clone();
    model::parse(&model::paths::contract(domain, c), &bytes).unwrap()
}

#[test]
fn create_realm_writes_realm_yaml_once() {
    let realm = new_realm();
    assert!(realm.files().contains_key("realm.yaml"));
    let again = Store::with(realm.member()).update(&mut CreateRealm {
        realm: realm_file(),
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
        assert_eq!(kind.as_str().parse::<OpKind>().unwrap(), kind);
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
fn a_change_records_its_repos_commits_and_pull_requests() {
    let realm = story();
    let store = Store::with(realm.member());
    let mut start = StartChange {
        actor: name("aperture"),
        realm: name("letemcook"),
        id: name("fix-auth"),
        branch: "feat/fix-auth".to_owned(),
        base: None,
        repos: vec![name("fungal"), name("aperture")],
        domains: vec![name("s3-access")],
        created_by: "a@example.com".parse::<Email>().unwrap(),
        created_at: at(),
    };
    let change = store.update(&mut start).unwrap().value;
    assert_eq!(change.repos, vec![name("aperture"), name("fungal")]);
    let mut other_branch = StartChange {
        branch: "feat/other".to_owned(),
        ..start
    };
    assert_eq!(
        store.update(&mut other_branch).err().unwrap().exit,
        Exit::Conflict
    );

    let linked = LinkedCommit {
        repo: name("aperture"),
        commit: "2222222222222222222222222222222222222222".parse().unwrap(),
    };
    let mut record = RecordCommits {
        actor: name("aperture"),
        change: name("fix-auth"),
        commits: vec![linked.clone()],
    };
    assert_eq!(store.update(&mut record).unwrap().value, 1);
    assert_eq!(store.update(&mut record).unwrap().value, 0, "recorded once");
    let message = &realm.log()[0].message;
    assert!(trailers(message).contains(&("Realm-Change".to_owned(), "fix-auth".to_owned())));

    let mut prs = RecordPullRequests {
        actor: name("aperture"),
        change: name("fix-auth"),
        prs: vec![PullRequest {
            repo: name("aperture"),
            url: "https://github.com/o/aperture/pull/7".to_owned(),
            number: 7,
        }],
        merge_order: vec![name("aperture"), name("fungal")],
    };
    store.update(&mut prs).unwrap();
    let bytes = realm.files()["changes/fix-auth.yaml"].clone();
    let c: ChangeFile = model::parse("changes/fix-auth.yaml", &bytes).unwrap();
    assert_eq!(c.commits, vec![linked]);
    assert_eq!(c.prs.len(), 1);
    assert_eq!(c.merge_order, vec![name("aperture"), name("fungal")]);
}

#[test]
fn notifications_record_their_url_once() {
    let realm = story();
    // Claim a notification as sync would.
    let path = model::paths::contract("s3-access", "paths");
    let mut c = contract(&realm, "s3-access", "paths");
    c.notifications.push(model::Notification {
        repo: name("fungal"),
        version: c.version.clone(),
        url: None,
    });
    let store = Store::with(realm.member());
    struct Put(String, ContractFile);
    impl Operation for Put {
        type Output = ();
        fn kind(&self) -> OpKind {
            OpKind::Sync
        }
        fn actor(&self) -> Actor {
            Actor::Repo(self.1.owner.clone())
        }
        fn subject(&self) -> String {
            "claim".into()
        }
        fn apply(&mut self, _: &Snapshot<'_>, edits: &mut Edits) -> crate::Result<()> {
            edits.put(&self.0, &self.1);
            Ok(())
        }
    }
    store.update(&mut Put(path, c.clone())).unwrap();
    let mut record = RecordNotifications {
        repo: name("aperture"),
        sent: vec![SentNotification {
            domain: "s3-access".into(),
            contract: "paths".into(),
            repo: "fungal".into(),
            version: c.version.clone(),
            url: "https://github.com/o/fungal/issues/1".into(),
        }],
    };
    store.update(&mut record).unwrap();
    let mut second = RecordNotifications {
        sent: vec![SentNotification {
            url: "https://github.com/o/fungal/issues/2".into(),
            ..record.sent[0].clone()
        }],
        ..record
    };
    store.update(&mut second).unwrap();
    let n = &contract(&realm, "s3-access", "paths").notifications[0];
    assert_eq!(
        n.url.as_deref(),
        Some("https://github.com/o/fungal/issues/1")
    );
}

/// A tiny deterministic generator, so a failing seed can be replayed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Several writers, each on its own local copy, apply random sequences of
/// operations at the same time. Every operation lands exactly once: one realm
/// commit each, nothing lost, nothing applied twice.
#[test]
fn concurrent_writers_each_land_every_operation_exactly_once() {
    for seed in 1..=6u64 {
        let realm = new_realm();
        let writers = 4;
        let per_writer = 6;
        std::thread::scope(|scope| {
            for w in 0..writers {
                let realm = realm.clone();
                scope.spawn(move || {
                    let mut rng = Rng(seed * 7919 + w as u64 + 1);
                    let me = format!("repo-{w}");
                    let store = Store::with(realm.member());
                    store.update(&mut join_op(&me)).unwrap();
                    let mut domains = 0;
                    let mut exports = 0;
                    for _ in 0..per_writer {
                        match rng.next() % 3 {
                            0 | 1 if domains > 0 => {
                                let domain = format!("d-{w}-{}", rng.next() % domains);
                                let contract = format!("c-{exports}");
                                exports += 1;
                                store
                                    .update(&mut export_op(
                                        &me,
                                        &domain,
                                        &contract,
                                        json!([exports]),
                                    ))
                                    .unwrap();
                            }
                            _ => {
                                let domain = format!("d-{w}-{domains}");
                                domains += 1;
                                store.update(&mut domain_op(&me, &domain, &[&me])).unwrap();
                            }
                        }
                    }
                });
            }
        });
        let log = realm.log();
        let mut by_kind: BTreeMap<Option<OpKind>, usize> = BTreeMap::new();
        for c in &log {
            *by_kind.entry(kind_of(&c.message)).or_default() += 1;
        }
        assert_eq!(
            log.len(),
            1 + writers + writers * per_writer,
            "seed {seed}: {by_kind:?}"
        );
        assert_eq!(by_kind[&Some(OpKind::Join)], writers);
        let files = realm.files();
        let domains = files.keys().filter(|p| p.ends_with("/domain.yaml")).count();
        let contracts = files.keys().filter(|p| p.contains("/contracts/")).count();
        assert_eq!(
            domains,
            by_kind
                .get(&Some(OpKind::CreateDomain))
                .copied()
                .unwrap_or(0)
        );
        assert_eq!(
            contracts,
            by_kind
                .get(&Some(OpKind::DeclareExport))
                .copied()
                .unwrap_or(0)
        );
        // Each subject appears once: no operation was applied twice.
        let mut subjects: Vec<&str> = log
            .iter()
            .map(|c| c.message.lines().next().unwrap())
            .collect();
        subjects.sort();
        let before = subjects.len();
        subjects.dedup();
        assert_eq!(subjects.len(), before, "seed {seed}");
    }
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
