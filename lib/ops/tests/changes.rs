//! Coordinated changes and notifications: what they record, once.

use super::*;

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
