//! Every operation on the in-memory store: what it writes, what it refuses, what
//! its realm commit says, and that concurrent writers each land exactly once.
//! This file holds the fixtures; each area's tests are in their own file.

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

mod changes;
mod concurrency;
mod contracts;
mod lifecycle;
mod realm;

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

fn binding_of(realm: &MemoryRealm, domain: &str, repo: &str) -> model::BindingFile {
    let path = model::paths::binding(domain, repo);
    model::parse(&path, &realm.files()[&path]).unwrap()
}
