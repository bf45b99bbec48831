//! Notifications to consumers: one GitHub issue per consumer per published
//! version, in the consumer's repository, through `gh`. Never two.
//!
//! A sync adds each notification to its contract in its realm commit (without a
//! url); sending happens after that commit:
//!
//! 1. claim: a `claim-notifications` write marks the due notifications as being
//!    sent by this process (`claimed_by: host:pid:nonce`, `claimed_at`). Realm
//!    writes are compare-and-swap, so of two syncs at once (two clones, CI and a
//!    laptop) only one claims a notification; the other leaves it alone. A
//!    claim is taken over when its process is provably gone (same host, no such
//!    pid) or after [`CLAIM_EXPIRES`];
//! 2. send, to several consumers in parallel: each issue body carries a hidden
//!    marker (`<!-- git-realm:notify realm=… contract=d/c version=… repo=… -->`),
//!    looked up first with `gh issue list --search`, so a sync that crashed
//!    between opening an issue and recording it finds that issue instead of
//!    opening another;
//! 3. record: a `record-notifications` write stores the urls and clears the
//!    claims (releasing those that could not be sent).
//!
//! A failing or missing `gh` loses nothing: what was not sent stays due and is
//! sent by the next sync.

use std::time::Duration;

use semver::Version;
use serde::Serialize;

use crate::contracts;
use crate::error::{Error, Exit, Result};
use crate::forge::Gh;
use crate::model::{self, BindingFile, ContractFile, Name, Timestamp};
use crate::ops::{self, Claimed, NotificationKey};
use crate::parallel;
use crate::store::{Snapshot, Store};

/// After this long, another sync's claim is taken over even if its process
/// cannot be shown to be gone (a sync sends within seconds).
pub const CLAIM_EXPIRES: Duration = Duration::from_secs(10 * 60);

#[derive(Debug, Clone, Serialize)]
/// One notification: sent (with its url) or not (with why).
pub struct Notified {
    pub repo: String,
    pub domain: String,
    pub contract: String,
    pub version: Version,
    /// The issue url, or `null` when it could not be sent (see `error`).
    pub url: Option<String>,
    pub error: Option<String>,
    /// The issue already existed (found by its marker): none was opened.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub found: bool,
}

/// What sending the due notifications did.
pub struct Sent {
    /// Every due notification: with its url when sent, else with its error.
    pub notifications: Vec<Notified>,
    /// `gh` could not be found or started: nothing was sent.
    pub gh_missing: Option<String>,
    pub exit: Exit,
}

/// The hidden line that identifies a notification in its issue's body.
pub fn marker(realm: &str, domain: &str, contract: &str, version: &Version, repo: &str) -> String {
    format!(
        "git-realm:notify realm={realm} contract={domain}/{contract} version={version} repo={repo}"
    )
}

/// Who is sending: `host:pid:nonce`, unique per process.
fn token() -> String {
    use std::hash::{BuildHasher, Hasher};
    let nonce = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    format!("{}:{}:{:08x}", hostname(), std::process::id(), nonce as u32)
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty() && !h.contains(':'))
        .unwrap_or_else(|| "unknown-host".to_owned())
}

/// Whether someone else's claim may be taken over: its process is gone (on this
/// host, where that can be proven), or the claim has expired.
fn claim_is_stale(by: &str, at: Option<Timestamp>, now: Timestamp) -> bool {
    let expired = at.is_none_or(|at| {
        now.duration_since(at)
            .try_into()
            .is_ok_and(|d: Duration| d >= CLAIM_EXPIRES)
    });
    if expired {
        return true;
    }
    let mut parts = by.splitn(3, ':');
    let (Some(host), Some(pid)) = (parts.next(), parts.next()) else {
        return false;
    };
    let proc = std::path::Path::new("/proc");
    host == hostname()
        && proc.join("self").exists()
        && pid
            .parse::<u32>()
            .is_ok_and(|pid| pid != std::process::id() && !proc.join(pid.to_string()).exists())
}

/// Open one issue per consumer per version not yet notified, and record the urls.
pub fn send_due(
    repo: &gix::Repository,
    store: &Store<'_>,
    snapshot: &Snapshot<'_>,
    me: &Name,
) -> Result<Sent> {
    let due = due_notifications(snapshot, me)?;
    let mut out = Sent {
        notifications: Vec::new(),
        gh_missing: None,
        exit: Exit::Success,
    };
    if due.is_empty() {
        return Ok(out);
    }
    let gh = match Gh::locate(Some(repo)) {
        Ok(gh) => gh,
        Err(e) => {
            out.notifications = due.iter().map(|d| d.failed(&e.message)).collect();
            out.gh_missing = Some(e.message);
            out.exit = Exit::External;
            return Ok(out);
        }
    };
    let realm = snapshot.realm()?.name.to_string();

    // 1. Claim: of two syncs at once, one sends.
    let token = token();
    let claimed = store
        .update(&mut ops::ClaimNotifications {
            repo: me.clone(),
            token: token.clone(),
            now: Timestamp::now(),
            keys: due.iter().map(Due::key).collect(),
            is_stale: claim_is_stale,
        })?
        .value;
    let mut mine = Vec::new();
    for (d, c) in due.into_iter().zip(claimed) {
        match c {
            Claimed::Mine(_) => mine.push(d),
            Claimed::Held { by, at, .. } => {
                let since = at.map(|t| format!(" since {t}")).unwrap_or_default();
                out.notifications
                    .push(d.failed(&format!("being sent by another sync ({by}{since})")));
            }
            Claimed::Done(_) => {}
        }
    }

    // 2. Send, several consumers at once; an issue already opened is found.
    let results = parallel::parallel(&mine, parallel::DEFAULT_JOBS, |d| {
        let marker = marker(&realm, &d.domain, &d.contract, &d.version, &d.repo);
        if let Some(url) = gh.issue_find(&d.slug, &marker)? {
            return Ok((url, true));
        }
        let body = issue_body(d, me, &marker);
        gh.issue_create(&d.slug, &issue_title(d), &body)
            .map(|url| (url, false))
    });

    // 3. Record the urls; release what could not be sent.
    let mut sent = Vec::new();
    let mut released = Vec::new();
    for (d, r) in mine.iter().zip(results) {
        match r {
            Ok((url, found)) => sent.push(Notified {
                url: Some(url),
                found,
                ..d.failed("")
            }),
            Err(e) => {
                out.exit = Exit::External;
                released.push(d.key());
                out.notifications.push(d.failed(&e.message));
            }
        }
    }
    store.update(&mut ops::RecordNotifications {
        repo: me.clone(),
        sent: sent
            .iter()
            .filter_map(|n| {
                Some(ops::SentNotification {
                    domain: n.domain.clone(),
                    contract: n.contract.clone(),
                    repo: n.repo.clone(),
                    version: n.version.clone(),
                    url: n.url.clone()?,
                })
            })
            .collect(),
        released,
    })?;
    out.notifications.extend(sent);
    Ok(out)
}

/// With `--no-notify`: the claimed notifications that stay pending.
pub fn pending(snapshot: &Snapshot<'_>, me: &Name) -> Result<Vec<Notified>> {
    Ok(due_notifications(snapshot, me)?
        .iter()
        .map(|d| d.failed("--no-notify: pending for the next sync"))
        .collect())
}

/// With `--dry-run`: the notifications publishing these versions would send.
pub fn would_send(
    snapshot: &Snapshot<'_>,
    published: &[(String, String, Version)],
) -> Result<Vec<Notified>> {
    let mut out = Vec::new();
    for (domain, contract, version) in published {
        for c in contracts::consumers(snapshot, domain, &contract.parse().map_err(Error::usage)?)? {
            if snapshot.github_slug(&c.repo)?.is_some() {
                out.push(Notified {
                    repo: c.repo.clone(),
                    domain: domain.clone(),
                    contract: contract.clone(),
                    version: version.clone(),
                    url: None,
                    error: Some("dry run: not sent".to_owned()),
                    found: false,
                });
            }
        }
    }
    Ok(out)
}

/// Consumers of these versions that cannot be notified (not on GitHub).
pub fn unreachable(
    snapshot: &Snapshot<'_>,
    published: &[(String, String, Version)],
) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for (domain, contract, version) in published {
        for c in contracts::consumers(snapshot, domain, &contract.parse().map_err(Error::usage)?)? {
            if snapshot.github_slug(&c.repo)?.is_none() {
                out.push(format!(
                    "{}: not on GitHub, no issue opened for {domain}/{contract}@{version} (tell them: `git realm check --fetch` shows it)",
                    c.repo
                ));
            }
        }
    }
    Ok(out)
}

/// A claimed notification that has no issue yet.
struct Due {
    repo: String,
    slug: String,
    domain: String,
    contract: String,
    version: Version,
    changes: Vec<String>,
    requirement: String,
    binding: String,
    /// The items it uses that this version removes or changes (or, when it declares
    /// no uses and the version is outside its requirement, everything removed or changed).
    broken_items: Vec<String>,
    /// Whether the consumer says what it uses.
    declares_uses: bool,
    /// Whether this version breaks the consumer.
    breaks: bool,
    /// When a broken import stops being in grace.
    deadline: Option<jiff::civil::Date>,
}

impl Due {
    fn failed(&self, error: &str) -> Notified {
        Notified {
            repo: self.repo.clone(),
            domain: self.domain.clone(),
            contract: self.contract.clone(),
            version: self.version.clone(),
            url: None,
            error: (!error.is_empty()).then(|| error.to_owned()),
            found: false,
        }
    }

    fn key(&self) -> NotificationKey {
        NotificationKey {
            domain: self.domain.clone(),
            contract: self.contract.clone(),
            repo: self.repo.clone(),
            version: self.version.clone(),
        }
    }
}

/// Every claimed, unsent notification of the contracts `me` provides.
fn due_notifications(snapshot: &Snapshot<'_>, me: &Name) -> Result<Vec<Due>> {
    let mut due = Vec::new();
    let grace = snapshot
        .realm()?
        .governance
        .breaking_changes
        .grace_period_days;
    for (domain, binding) in contracts::bindings_of(snapshot, me)? {
        for export in &binding.exports {
            let path = model::paths::contract(domain.as_str(), export.contract.as_str());
            let Some(contract) = snapshot.read::<ContractFile>(&path)? else {
                continue;
            };
            let consumers = contracts::consumers(snapshot, domain.as_str(), &export.contract)?;
            for n in contract.notifications.iter().filter(|n| n.url.is_none()) {
                let Some(slug) = snapshot.github_slug(n.repo.as_str())? else {
                    continue;
                };
                let consumer = consumers.iter().find(|c| c.repo == n.repo.as_str());
                let binding = match consumer {
                    Some(_) => {
                        let b = snapshot.read::<BindingFile>(&model::paths::binding(
                            domain.as_str(),
                            n.repo.as_str(),
                        ))?;
                        b.and_then(|b| {
                            b.imports
                                .into_iter()
                                .find(|i| i.contract == export.contract)
                        })
                        .map(|i| i.binding.to_string())
                        .unwrap_or_default()
                    }
                    None => String::new(),
                };
                let entry = contract.changelog.iter().find(|e| e.version == n.version);
                let changes = entry.map(|e| e.changes.clone()).unwrap_or_default();
                let (mut broken_items, mut breaks, mut deadline) = (Vec::new(), false, None);
                if let (Some(c), Some(e)) = (consumer, entry) {
                    let gone: Vec<&String> = e.removed.iter().chain(&e.changed).collect();
                    if c.declares_uses {
                        broken_items = c
                            .uses
                            .iter()
                            .filter(|u| gone.iter().any(|g| contracts::items_overlap(g, u)))
                            .cloned()
                            .collect();
                        breaks = !broken_items.is_empty();
                    } else if !c.requirement.matches(&n.version) {
                        broken_items = gone.into_iter().cloned().collect();
                        breaks = true;
                    }
                    if breaks && grace > 0 {
                        deadline = e
                            .date
                            .checked_add(jiff::Span::new().days(i64::from(grace)))
                            .ok();
                    }
                }
                due.push(Due {
                    repo: n.repo.to_string(),
                    slug,
                    domain: domain.to_string(),
                    contract: contract.name.to_string(),
                    version: n.version.clone(),
                    changes,
                    requirement: consumer
                        .map(|c| c.requirement.to_string())
                        .unwrap_or_default(),
                    binding,
                    broken_items,
                    declares_uses: consumer.is_some_and(|c| c.declares_uses),
                    breaks,
                    deadline,
                });
            }
        }
    }
    Ok(due)
}

fn issue_title(d: &Due) -> String {
    let first = d
        .changes
        .iter()
        .find(|c| c.starts_with('+') || c.starts_with('-'));
    match first {
        Some(change) => format!("{}/{} {}: {change}", d.domain, d.contract, d.version),
        None => format!("{}/{} {} published", d.domain, d.contract, d.version),
    }
}

fn issue_body(d: &Due, provider: &Name, marker: &str) -> String {
    let mut body = format!(
        "**{provider}** published **{}/{} {}**.\n\n",
        d.domain, d.contract, d.version
    );
    if !d.changes.is_empty() {
        body.push_str("Changes:\n\n```\n");
        for c in &d.changes {
            body.push_str(c);
            body.push('\n');
        }
        body.push_str("```\n\n");
    }
    if d.breaks {
        body.push_str(&format!(
            "**This version breaks your import**: it removes or changes {}.\n\n",
            if d.broken_items.is_empty() {
                "what your requirement accepts".to_owned()
            } else {
                d.broken_items
                    .iter()
                    .map(|i| format!("`{i}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        ));
        if let Some(deadline) = d.deadline {
            body.push_str(&format!(
                "The realm's grace period runs until **{deadline}**: until then your import is in `grace`, then `broken`.\n\n"
            ));
        }
    } else if d.declares_uses {
        body.push_str("Nothing your repository declares it uses was removed or changed.\n\n");
    }
    if !d.binding.is_empty() {
        body.push_str(&format!(
            "Your import ({}) is implemented in `{}`. Update it, commit, then run `git realm sync` to resolve {}.\n",
            d.requirement, d.binding, d.version
        ));
    }
    body.push_str("\n<sub>Opened by git-realm. `git realm check --fetch` shows the state of your imports.</sub>\n");
    // Hidden; lets a later sync find this issue instead of opening another.
    body.push_str(&format!("\n<!-- {marker} -->\n"));
    body
}
