//! Opening and updating the linked pull requests of a change (`git realm pr`): who
//! gets a PR and with what title and base, pushing branches origin lacks, opening
//! the missing PRs in merge order (adopting one an earlier run opened but did not
//! record), confirming recorded ones, bringing git-realm's block of every body up
//! to date, and recording the PRs in the change. The command prints.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{Dependency, Session, pr_body, publish};
use crate::error::Result;
use crate::forge::{self, Gh};
use crate::git;
use crate::model::{ChangeFile, Name, PullRequest};
use crate::ops;
use crate::parallel;
use crate::store::Updated;

/// What `git realm pr` was asked for.
#[derive(Debug, Clone, Default)]
pub struct PrOptions {
    /// The title of every PR (`--title`).
    pub title: Option<String>,
    /// Retitle existing PRs with the default title too (`--update-title`).
    pub update_title: bool,
    /// Text before git-realm's block (`--body`).
    pub body: Option<String>,
    pub draft: bool,
    pub no_push: bool,
    /// The branch to merge into (`--base`).
    pub base: Option<String>,
    /// How many repos at a time.
    pub limit: usize,
}

impl PrOptions {
    /// Whether existing PRs get a new title.
    fn sets_title(&self) -> bool {
        self.title.is_some() || self.update_title
    }
}

/// One repo's pull request, as this run leaves it.
/// What happened, per repository (serialised in kebab-case for `--json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PrOutcome {
    Skipped,
    Adopted,
    Failed,
    Created,
    Updated,
    WouldUpdate,
    WouldCreate,
}

#[derive(Debug, Clone, Serialize)]
pub struct RepoPr {
    pub repo: String,
    pub slug: Option<String>,
    pub number: Option<u64>,
    pub url: Option<String>,
    pub title: String,
    pub base: String,
    /// created | updated | adopted | skipped | failed | would-create | would-update
    pub outcome: PrOutcome,
    /// The repos whose PRs must merge before this one.
    pub blocked_by: Vec<String>,
    pub error: Option<String>,
    /// Commits this run pushed to origin first.
    pub pushed: u64,
    /// Commits left unpushed (`--no-push`): the PR does not show them.
    pub unpushed: u64,
    /// For each of `blocked_by`: the contracts it provides to this repo.
    #[serde(skip)]
    provides: Vec<Vec<String>>,
    /// The body GitHub has now (as gh reported it, or as this run sent it).
    #[serde(skip)]
    current_body: Option<String>,
}

/// Every repo of the change in merge order, with its title, base and providers,
/// and the PR the change records for it.
pub fn plan(
    s: &Session<'_>,
    order: &[Name],
    deps: &[Dependency],
    slugs: &BTreeMap<Name, Option<String>>,
    opts: &PrOptions,
) -> Vec<RepoPr> {
    order
        .iter()
        .map(|r| {
            let checkout = s.checkouts.get(r);
            let known = s.change.prs.iter().find(|k| &k.repo == r);
            RepoPr {
                repo: r.to_string(),
                slug: slugs[r].clone(),
                number: known.map(|k| k.number),
                url: known.map(|k| k.url.clone()),
                title: opts
                    .title
                    .clone()
                    .unwrap_or_else(|| default_title(checkout.as_deref(), &s.change)),
                base: opts
                    .base
                    .clone()
                    .unwrap_or_else(|| default_base(checkout.as_deref(), &s.change)),
                outcome: PrOutcome::Skipped,
                blocked_by: providers_of(r, deps),
                error: None,
                pushed: 0,
                unpushed: 0,
                current_body: None,
                provides: deps
                    .iter()
                    .filter(|d| &d.consumer == r)
                    .map(|d| d.contracts.clone())
                    .collect(),
            }
        })
        .collect()
}

/// A branch origin lacks commits of (or lacks altogether), for the command to report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Publication {
    /// `prs[index]`'s branch was pushed (branch and realm notes).
    Pushed { index: usize, commits: u64 },
    /// Not pushed (`--no-push`): its PR does not show these commits.
    Held { index: usize, commits: u64 },
}

/// Push every branch origin lacks commits of (or lacks altogether), in parallel,
/// before any PR is opened or edited; with `--no-push`, only say which. A failed
/// push fails that repo's PR, not the others.
pub fn publish(s: &Session<'_>, prs: &mut [RepoPr], opts: &PrOptions) -> Vec<Publication> {
    let branch = &s.change.branch;
    let mut todo: Vec<(usize, PathBuf, u64)> = Vec::new();
    for (i, p) in prs.iter().enumerate() {
        let (Some(_), Ok(repo)) = (&p.slug, p.repo.parse::<Name>()) else {
            continue;
        };
        let Some(dir) = s.checkouts.get(&repo) else {
            continue;
        };
        let Ok(Some(ahead)) = publish::ahead(&dir, branch) else {
            continue;
        };
        if ahead.commits > 0 || !ahead.on_origin && !on_origin(&dir, branch) {
            todo.push((i, dir, ahead.commits));
        }
    }
    if opts.no_push {
        return todo
            .into_iter()
            .map(|(index, _, commits)| {
                prs[index].unpushed = commits;
                Publication::Held { index, commits }
            })
            .collect();
    }
    let results = parallel::parallel(&todo, opts.limit, |(_, dir, _)| {
        let pushed = publish::push(dir, branch, false);
        pushed.branch?;
        pushed.notes.map(drop)
    });
    let mut done = Vec::new();
    for ((index, _, commits), result) in todo.into_iter().zip(results) {
        let p = &mut prs[index];
        match result {
            Ok(()) => {
                p.pushed = commits;
                done.push(Publication::Pushed { index, commits });
            }
            Err(e) => {
                p.outcome = PrOutcome::Failed;
                p.error = Some(format!("push: {}", e.message));
            }
        }
    }
    done
}

/// Open the missing PRs, confirm the recorded ones and bring every body's block
/// (and the titles, when asked) up to date. What fails is marked on its `RepoPr`.
pub fn open(s: &Session<'_>, gh: &Gh, prs: &mut [RepoPr], opts: &PrOptions) {
    open_missing(s, gh, prs, opts);
    confirm_recorded(s, gh, prs, opts);
    update_bodies(s, gh, prs, opts);
}

/// Open the missing ones one after the other, in merge order; each body links the
/// PRs known so far, and the earlier ones are edited afterwards.
fn open_missing(s: &Session<'_>, gh: &Gh, prs: &mut [RepoPr], opts: &PrOptions) {
    for i in 0..prs.len() {
        let Some(slug) = prs[i].slug.clone() else {
            continue;
        };
        if prs[i].number.is_some() || prs[i].outcome == PrOutcome::Failed {
            continue;
        }
        // Opened by an earlier run that died before recording it?
        match gh.pr_for_branch(&slug, &s.change.branch) {
            Ok(Some(found)) => {
                prs[i].number = Some(found.number);
                prs[i].url = Some(found.url);
                prs[i].outcome = PrOutcome::Adopted;
                if !opts.sets_title() {
                    prs[i].title = found.title;
                }
                prs[i].current_body = Some(found.body);
                continue;
            }
            Ok(None) => {}
            Err(e) => {
                prs[i].outcome = PrOutcome::Failed;
                prs[i].error = Some(e.message);
                continue;
            }
        }
        // GitHub refuses a PR for a branch it does not have; say what to run instead.
        let repo: Option<Name> = prs[i].repo.parse().ok();
        if let Some(checkout) = repo.and_then(|r| s.checkouts.get(&r))
            && !on_origin(&checkout, &s.change.branch)
        {
            prs[i].outcome = PrOutcome::Failed;
            prs[i].error = Some(format!(
                "{} is not on origin yet: run `git realm push` first",
                s.change.branch
            ));
            continue;
        }
        let body = pr_body::new_body(opts.body.as_deref(), &block_for(s, prs, i));
        match gh.pr_create(
            &slug,
            &s.change.branch,
            &prs[i].base,
            &prs[i].title,
            &body,
            opts.draft,
        ) {
            Ok(url) => match forge::pr_number_from_url(&url) {
                Some(n) => {
                    prs[i].number = Some(n);
                    prs[i].url = Some(url);
                    prs[i].outcome = PrOutcome::Created;
                    prs[i].current_body = Some(body);
                }
                None => {
                    prs[i].outcome = PrOutcome::Failed;
                    prs[i].error =
                        Some(format!("`gh pr create` printed no pull request url: {url}"));
                }
            },
            Err(e) => {
                prs[i].outcome = PrOutcome::Failed;
                prs[i].error = Some(e.message);
            }
        }
    }
}

/// A number recorded in the realm is someone's word: edit only a PR whose head is
/// this change's branch, as gh reports it. It also gives the body and title people
/// may have edited since.
fn confirm_recorded(s: &Session<'_>, gh: &Gh, prs: &mut [RepoPr], opts: &PrOptions) {
    for p in prs.iter_mut().filter(|p| p.outcome == PrOutcome::Skipped) {
        if let (Some(slug), Some(n)) = (&p.slug, p.number) {
            match forge::confirm_head(gh, slug, n, &s.change.branch) {
                Ok(view) => {
                    if !opts.sets_title() {
                        p.title = view.title;
                    }
                    p.current_body = Some(view.body);
                }
                Err(why) => {
                    p.outcome = PrOutcome::Failed;
                    p.error = Some(why);
                }
            }
        }
    }
}

/// Now every url is known: bring git-realm's block of every body up to date (and
/// the titles, when asked), in parallel; what people wrote stays.
fn update_bodies(s: &Session<'_>, gh: &Gh, prs: &mut [RepoPr], opts: &PrOptions) {
    type Edit = (usize, String, u64, Option<String>, String);
    let edits: Vec<Edit> = (0..prs.len())
        .filter_map(|i| {
            let p = &prs[i];
            let (Some(slug), Some(n)) = (&p.slug, p.number) else {
                return None;
            };
            if p.outcome == PrOutcome::Failed {
                return None;
            }
            let created = p.outcome == PrOutcome::Created;
            let current = p.current_body.as_deref().unwrap_or("");
            // A body sent just now already holds --body's text.
            let text = if created { None } else { opts.body.as_deref() };
            let body = pr_body::update(current, &block_for(s, prs, i), text);
            let title = (opts.sets_title() && !created).then(|| p.title.clone());
            if body == current && title.is_none() {
                return None;
            }
            Some((i, slug.clone(), n, title, body))
        })
        .collect();
    let results = parallel::parallel(&edits, opts.limit, |(_, slug, n, title, body)| {
        gh.pr_edit(slug, *n, title.as_deref(), body)
    });
    for ((i, ..), result) in edits.iter().zip(results) {
        let p = &mut prs[*i];
        match result {
            Ok(()) if p.outcome == PrOutcome::Skipped => p.outcome = PrOutcome::Updated,
            Ok(()) => {}
            Err(e) => {
                p.outcome = PrOutcome::Failed;
                p.error = Some(e.message);
            }
        }
    }
}

/// Record every PR known, even if another failed: a re-run must find it.
pub fn record(s: &Session<'_>, prs: &[RepoPr], order: &[Name]) -> Result<Updated<()>> {
    let record: Vec<PullRequest> = prs
        .iter()
        .filter_map(|p| {
            Some(PullRequest {
                repo: p.repo.parse().ok()?,
                url: p.url.clone()?,
                number: p.number?,
            })
        })
        .collect();
    s.store.update(&mut ops::RecordPullRequests {
        actor: s.me.clone(),
        change: s.change.id.clone(),
        prs: record,
        merge_order: order.to_vec(),
    })
}

/// A branch a dry run would push first (from the remote-tracking refs: no network).
#[derive(Debug, Serialize)]
pub struct PlannedPush {
    pub repo: String,
    /// Commits origin does not have (as last fetched).
    pub commits: u64,
    /// Whether origin has the branch at all (as last fetched).
    pub on_origin: bool,
    pub push: bool,
}

/// A gh command a dry run would run, with the body it would send.
#[derive(Debug, Serialize)]
pub struct PlannedCommand {
    pub repo: String,
    pub argv: Vec<String>,
    pub body: String,
}

/// What `pr` would do: the pushes first, then the gh commands in merge order
/// (marking each PR would-create or would-update). Runs nothing.
pub fn dry_run(
    s: &Session<'_>,
    prs: &mut [RepoPr],
    opts: &PrOptions,
) -> (Vec<PlannedPush>, Vec<PlannedCommand>) {
    let mut pushes = Vec::new();
    for p in prs.iter().filter(|p| p.slug.is_some()) {
        let Some(dir) = p
            .repo
            .parse::<Name>()
            .ok()
            .and_then(|r| s.checkouts.get(&r))
        else {
            continue;
        };
        if let Ok(Some(a)) = publish::ahead(&dir, &s.change.branch)
            && a.needs_push()
        {
            pushes.push(PlannedPush {
                repo: p.repo.clone(),
                commits: a.commits,
                on_origin: a.on_origin,
                push: !opts.no_push,
            });
        }
    }
    let mut commands = Vec::new();
    for i in 0..prs.len() {
        let Some(slug) = prs[i].slug.clone() else {
            continue;
        };
        let block = block_for(s, prs, i);
        let body = match prs[i].number {
            Some(_) => pr_body::wrap(&block),
            None => pr_body::new_body(opts.body.as_deref(), &block),
        };
        let p = &mut prs[i];
        let mut argv: Vec<String> = match p.number {
            Some(n) => {
                p.outcome = PrOutcome::WouldUpdate;
                vec![
                    "gh".into(),
                    "pr".into(),
                    "edit".into(),
                    n.to_string(),
                    "--repo".into(),
                    slug,
                ]
            }
            None => {
                p.outcome = PrOutcome::WouldCreate;
                vec![
                    "gh".into(),
                    "pr".into(),
                    "create".into(),
                    "--repo".into(),
                    slug,
                    "--head".into(),
                    s.change.branch.clone(),
                    "--base".into(),
                    p.base.clone(),
                ]
            }
        };
        if p.number.is_none() || opts.sets_title() {
            argv.extend(["--title".into(), p.title.clone()]);
        }
        argv.extend(["--body-file".into(), "BODY".into()]);
        if p.number.is_none() && opts.draft {
            argv.push("--draft".into());
        }
        commands.push(PlannedCommand {
            repo: p.repo.clone(),
            argv,
            body,
        });
    }
    (pushes, commands)
}

/// git-realm's block of the body of `prs[i]`: the change, every sibling PR in
/// merge order, and what must merge first.
fn block_for(s: &Session<'_>, prs: &[RepoPr], i: usize) -> String {
    let me = &prs[i];
    let mut body = String::new();
    body.push_str(&format!(
        "Part of the coordinated change **{}** (realm `{}`, branch `{}`).\n\n",
        s.change.id, s.realm, s.change.branch
    ));
    body.push_str("Pull requests of this change, in merge order:\n\n");
    for (n, p) in prs.iter().enumerate() {
        // Its own url is unknown until it is opened: leave it out, so the body
        // sent by `gh pr create` is already final.
        let what = match (&p.url, &p.slug) {
            _ if n == i => "this pull request".to_owned(),
            (Some(url), _) => url.clone(),
            (None, Some(_)) => "(not opened yet)".to_owned(),
            (None, None) => "(not on GitHub: no pull request)".to_owned(),
        };
        body.push_str(&format!("{}. **{}**: {what}\n", n + 1, p.repo));
    }
    body.push('\n');
    if me.blocked_by.is_empty() {
        body.push_str("Nothing in this change needs to merge before this one.\n");
    } else {
        let first: Vec<String> = me
            .blocked_by
            .iter()
            .zip(&me.provides)
            .map(|(r, contracts)| {
                let link = prs
                    .iter()
                    .find(|p| &p.repo == r)
                    .and_then(|p| p.url.clone())
                    .map(|u| format!(" ({u})"))
                    .unwrap_or_default();
                format!("**{r}**{link}, which provides {}", contracts.join(", "))
            })
            .collect();
        body.push_str(&format!(
            "**Merge first:** {} — this repository imports it.\n",
            first.join("; ")
        ));
    }
    body.push_str(
        "\n<sub>Linked by git-realm. `git realm pr status` checks the merge order.</sub>\n",
    );
    body
}

/// Whether origin has `branch` (a failure to ask counts as yes: gh will tell).
fn on_origin(checkout: &Path, branch: &str) -> bool {
    git::remotes::has_branch(checkout, "origin", branch).unwrap_or(true)
}

/// The direct providers of `repo` in the change.
pub fn providers_of(repo: &Name, deps: &[Dependency]) -> Vec<String> {
    deps.iter()
        .filter(|d| &d.consumer == repo)
        .map(|d| d.provider.to_string())
        .collect()
}

/// The subject of the branch's last commit, else the change's name.
fn default_title(checkout: Option<&Path>, change: &ChangeFile) -> String {
    checkout
        .and_then(|dir| {
            git::commits::subject(dir, &format!("refs/heads/{}", change.branch))
                .ok()
                .flatten()
        })
        .unwrap_or_else(|| change.id.to_string())
}

/// The change's `--base` (as a branch name), else origin's default branch, else `main`.
fn default_base(checkout: Option<&Path>, change: &ChangeFile) -> String {
    if let Some(base) = &change.base {
        let b = base.strip_prefix("refs/heads/").unwrap_or(base);
        let b = b.strip_prefix("refs/remotes/").unwrap_or(b);
        let b = b.strip_prefix("origin/").unwrap_or(b);
        if b != "HEAD" && !b.is_empty() {
            return b.to_owned();
        }
    }
    checkout
        .and_then(|dir| git::remotes::default_branch(dir, "origin"))
        .unwrap_or_else(|| "main".to_owned())
}
