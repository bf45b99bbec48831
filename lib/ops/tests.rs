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
use crate::workspace::{At, Publishing, Workspace};

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
        trust: Default::default(),
        governance: Default::default(),
    }
}

/// A realm with `realm.yaml`, as `git realm init` leaves it.
fn new_realm() -> MemoryRealm {
    let realm = MemoryRealm::new();
    Store::with(realm.member())
        .update(&mut CreateRealm {
            realm: realm_file(),
            github: None,
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
            maintainers: vec![format!("{repo}@example.com").parse().unwrap()],
            keys: Vec::new(),
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

const HEAD: &str = "1111111111111111111111111111111111111111";

fn export_op(repo: &str, domain: &str, contract: &str, value: Value) -> DeclareExport {
    DeclareExport {
        repo: name(repo),
        domain: name(domain),
        contract: name(contract),
        value: Some(value),
        commit: Some(HEAD.parse().unwrap()),
        description: None,
        schema: None,
        keys: Vec::new(),
        at: at(),
    }
}

/// A member repository as contracts see it: its `.realm/exports.yaml` (every
/// contract of the tests, as a literal), what its code computes at `HEAD` (`code`,
/// for every export), its files (for extraction and verification), a `HEAD`, its
/// branch, and whether its binding file changed.
struct FakeWorkspace {
    code: RefCell<Option<Value>>,
    files: RefCell<BTreeMap<String, String>>,
    uncommitted: RefCell<Option<Value>>,
    head: Option<ObjectId>,
    binding_changed: bool,
    publishing: RefCell<Publishing>,
    keys: Vec<String>,
}

impl FakeWorkspace {
    fn new() -> Self {
        FakeWorkspace {
            code: RefCell::new(None),
            files: RefCell::new(BTreeMap::new()),
            uncommitted: RefCell::new(None),
            head: Some(ObjectId::from_hex(HEAD.as_bytes()).unwrap()),
            binding_changed: true,
            publishing: RefCell::new(Publishing {
                branch: Some("main".into()),
                default_branch: Some("main".into()),
                on_default: true,
                on_remote: true,
            }),
            keys: Vec::new(),
        }
    }
}

impl Workspace for FakeWorkspace {
    fn has_worktree(&self) -> bool {
        true
    }
    fn head(&self) -> Option<ObjectId> {
        self.head
    }
    fn has_uncommitted(&self) -> crate::Result<bool> {
        Ok(self.uncommitted.borrow().is_some())
    }
    fn exports_file(&self, _: At) -> crate::Result<Option<model::ExportsFile>> {
        let decl = |domain: &str, contract: &str| model::ExportSource {
            realm: name("letemcook"),
            domain: name(domain),
            contract: name(contract),
            source: ValueSource::Value { value: json!(null) },
            description: None,
            schema: None,
            keys: self.keys.clone(),
        };
        Ok(Some(model::ExportsFile {
            exports: vec![decl("s3-access", "paths"), decl("api", "fns")],
        }))
    }
    fn evaluate(&self, at: At, source: &ValueSource) -> crate::Result<Value> {
        if let ValueSource::Extract { .. } = source {
            let files = crate::sources::MemoryFiles(self.files.borrow().clone());
            return crate::sources::evaluate(source, &files);
        }
        if at == At::Uncommitted
            && let Some(v) = self.uncommitted.borrow().clone()
        {
            return Ok(v);
        }
        self.code
            .borrow()
            .clone()
            .ok_or_else(|| crate::Error::usage("the fake workspace computes nothing yet"))
    }
    fn binding_changed(&self, _: Option<&CommitId>, _: &RelPath) -> crate::Result<bool> {
        Ok(self.binding_changed)
    }
    fn publishing(&self) -> crate::Result<Publishing> {
        Ok(self.publishing.borrow().clone())
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
        verify_files: Vec::new(),
        uses: Vec::new(),
        uses_extract: Vec::new(),
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
        round: Some("0123456789abcdef".to_owned()),
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
        claimed_by: None,
        claimed_at: None,
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
        released: Vec::new(),
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

fn binding_of(realm: &MemoryRealm, domain: &str, repo: &str) -> model::BindingFile {
    let path = model::paths::binding(domain, repo);
    model::parse(&path, &realm.files()[&path]).unwrap()
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
