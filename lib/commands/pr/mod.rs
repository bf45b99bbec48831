//! `git realm pr`: one pull request per repo of a change, opened with `gh` in merge
//! order (providers before consumers), each linking its siblings and saying what
//! must merge first; `git realm pr status`: their states, and whether the merge
//! order was respected.
//!
//! The merge order is a topological sort of the change's repos over the contracts
//! of its domains: a repo that exports a contract another repo of the change
//! imports merges first. PR urls are recorded in `changes/<change>.yaml`; a re-run
//! finds them there (or, after a crash before the record, with `gh pr list`) and
//! edits them, so no PR is ever opened twice.
//!
//! What people wrote stays: git-realm owns only a marked block of each body
//! (`crate::changes::pr_body`), and sets an existing PR's title only when asked
//! (`--title`, `--update-title`). A branch ahead of origin is pushed first
//! (`crate::changes::publish`), or, with `--no-push`, named in a warning.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};
use serde::Serialize;

use crate::changes::{self, Dependency, Session, pr_body, publish};
use crate::cli::{Command, EXIT_STATUS, GlobalArgs};
use crate::error::{Error, Exit, Result};
use crate::forge::{self, Gh};
use crate::git;
use crate::model::{ChangeFile, Name, PullRequest};
use crate::ops;
use crate::parallel;
use crate::ui::Ui;
use crate::ui::{Mark, item, shell_quote};

mod status;

/// Open linked pull requests for a change, in merge order
#[derive(Parser, Debug)]
#[command(
    name = "git-realm-pr",
    bin_name = "git realm pr",
    version,
    args_conflicts_with_subcommands = true,
    after_help = EXIT_STATUS,
    after_long_help = concat!(
        "Merge order: a repo that exports a contract another repo of the change imports\n",
        "merges first. Repos not on GitHub are skipped. Re-running edits the existing\n",
        "pull requests (`gh pr edit`) and never opens a second one.\n\n",
        "What people wrote stays: git-realm owns only the block between\n",
        "`<!-- git-realm:begin -->` and `<!-- git-realm:end -->` in each body, and a re-run\n",
        "replaces that block only (a body without it gets it appended). An existing PR's\n",
        "title changes only with --title or --update-title.\n\n",
        "A branch with commits origin does not have is pushed first (branch and realm\n",
        "notes, as `git realm push` does); with --no-push it is not, and a warning names\n",
        "the repo and how many commits its PR does not show.\n\n",
        "Examples:\n",
        "  git realm pr --dry-run\n",
        "  git realm pr --title 'feat: training metrics v2' --draft\n",
        "  git realm pr --body 'Adds the experiment metrics path.' --base develop\n",
        "  git realm pr --update-title       # retitle existing PRs from the last commits\n",
        "  git realm pr --no-push            # warn about unpushed commits, push nothing\n",
        "  git realm pr status\n",
        "  git realm pr status --json --exit-code\n\n",
        crate::exit_status!()
    ),
)]
pub struct PrArgs {
    #[command(subcommand)]
    pub action: Option<PrAction>,

    /// The title of every PR, new or existing (a new PR's default: its branch's last commit subject)
    #[arg(long, value_name = "TITLE")]
    pub title: Option<String>,

    /// Also retitle existing PRs with the default title (without it, their titles are left alone)
    #[arg(long, conflicts_with = "title")]
    pub update_title: bool,

    /// Text before git-realm's block in every PR's body (on existing PRs it replaces the text outside the block)
    #[arg(long, value_name = "TEXT")]
    pub body: Option<String>,

    /// Push no branch; warn about each one that is ahead of origin
    #[arg(long)]
    pub no_push: bool,

    /// Open the PRs as drafts
    #[arg(long)]
    pub draft: bool,

    /// The branch to merge into (default: the change's base, else origin's default branch)
    #[arg(long, value_name = "BRANCH")]
    pub base: Option<String>,

    /// Print the pushes and gh commands that would run; run none, write nothing
    #[arg(short = 'n', long)]
    pub dry_run: bool,

    /// The change (default: the one whose branch or worktree you are in)
    #[arg(long, value_name = "CHANGE", global = true)]
    pub change: Option<Name>,

    #[command(flatten)]
    pub jobs: crate::parallel::JobsArg,

    #[command(flatten)]
    pub global: GlobalArgs,
}

#[derive(Subcommand, Debug)]
pub enum PrAction {
    /// Show every PR's state, checks, review decision and mergeability, and whether the merge order is respected
    #[command(after_long_help = concat!(
        "Works from any checkout of a member repository: name the change with\n",
        "--change CHANGE outside its worktrees. For every PR it shows what\n",
        "`gh pr status` shows: open (draft), merged or closed; its checks (passed,\n",
        "failing with their names, pending); the review decision (approved, changes\n",
        "requested, required); whether it can merge (mergeable, merge conflicts).\n",
        "When every PR is merged, the change is closed.\n\n",
        "Exit status with --exit-code: 1 when the merge order was violated (a consumer\n",
        "merged before a provider it imports from); failing checks, missing reviews and\n",
        "conflicts are reported, not turned into an exit status. Without --exit-code,\n",
        "0. Either way, 4 when gh could not be asked about a PR.\n\n",
        "Examples:\n",
        "  git realm pr status\n",
        "  git realm pr status --change training-metrics-v2    # from any member checkout\n",
        "  git realm pr status --json --exit-code\n",
    ))]
    Status {
        /// Exit 1 when a consumer was merged before its provider (nothing else sets it)
        #[arg(long)]
        exit_code: bool,
    },
}

/// `pr --json`.
#[derive(Serialize)]
struct PrReport<'a> {
    realm: &'a Name,
    change: &'a Name,
    branch: &'a str,
    merge_order: &'a [Name],
    prs: &'a [RepoPr],
    realm_commit: Option<String>,
}

/// `pr --dry-run --json`: the gh commands it would run.
#[derive(Serialize)]
struct PrDryRun<'a, C: Serialize> {
    realm: &'a Name,
    change: &'a Name,
    dry_run: bool,
    merge_order: Vec<String>,
    /// The branches that would be pushed first (`--no-push`: that would not be).
    pushes: Vec<PlannedPush>,
    commands: Vec<C>,
    prs: &'a [RepoPr],
}

#[derive(Serialize)]
struct PlannedPush {
    repo: String,
    /// Commits origin does not have (as last fetched).
    commits: u64,
    /// Whether origin has the branch at all (as last fetched).
    on_origin: bool,
    push: bool,
}

#[derive(Serialize)]
struct PlannedCommand<R: Serialize, A: Serialize, B: Serialize> {
    repo: R,
    argv: A,
    body: B,
}

impl Command for PrArgs {
    fn global(&self) -> &GlobalArgs {
        &self.global
    }

    fn run(self, ui: &Ui) -> Result<Exit> {
        if let Some(t) = &self.title
            && t.trim().is_empty()
        {
            return Err(Error::usage("--title: the title is empty"));
        }
        if let Some(b) = &self.base {
            changes::check_base("--base", b)?;
        }
        let repo = git::open_current()?;
        let mut s = Session::open(&repo, self.global.realm.as_ref(), self.change.as_ref())?;
        // PRs recorded from another machine must be seen (dry runs stay offline).
        if !self.dry_run {
            s.refresh()?;
        }
        let snapshot = s.store.snapshot()?;
        let deps = changes::dependencies(&snapshot, &s.change)?;
        let order = changes::merge_order(&s.change.repos, &deps)?;
        let mut slugs = BTreeMap::new();
        for r in &order {
            slugs.insert(r.clone(), snapshot.github_slug(r.as_str())?);
        }
        drop(snapshot);
        match &self.action {
            Some(PrAction::Status { exit_code }) => {
                let limit = self.jobs.limit(&repo)?;
                status::run(&s, &order, &deps, &slugs, *exit_code, limit, ui)
            }
            None => self.open_prs(&s, &order, &deps, &slugs, ui),
        }
    }
}

/// One repo's pull request, as this run leaves it.
/// What happened, per repository (serialised in kebab-case for `--json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
enum PrOutcome {
    Skipped,
    Adopted,
    Failed,
    Created,
    Updated,
    WouldUpdate,
    WouldCreate,
}

#[derive(Debug, Clone, Serialize)]
struct RepoPr {
    repo: String,
    slug: Option<String>,
    number: Option<u64>,
    url: Option<String>,
    title: String,
    base: String,
    /// created | updated | adopted | skipped | failed | would-create | would-update
    outcome: PrOutcome,
    /// The repos whose PRs must merge before this one.
    blocked_by: Vec<String>,
    error: Option<String>,
    /// Commits this run pushed to origin first.
    pushed: u64,
    /// Commits left unpushed (`--no-push`): the PR does not show them.
    unpushed: u64,
    /// For each of `blocked_by`: the contracts it provides to this repo.
    #[serde(skip)]
    provides: Vec<Vec<String>>,
    /// The body GitHub has now (as gh reported it, or as this run sent it).
    #[serde(skip)]
    current_body: Option<String>,
}

impl PrArgs {
    fn open_prs(
        &self,
        s: &Session<'_>,
        order: &[Name],
        deps: &[Dependency],
        slugs: &BTreeMap<Name, Option<String>>,
        ui: &Ui,
    ) -> Result<Exit> {
        let mut prs: Vec<RepoPr> = order
            .iter()
            .map(|r| {
                let checkout = s.checkouts.get(r);
                RepoPr {
                    repo: r.to_string(),
                    slug: slugs[r].clone(),
                    number: None,
                    url: None,
                    title: self
                        .title
                        .clone()
                        .unwrap_or_else(|| default_title(checkout.as_deref(), &s.change)),
                    base: self
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
            .collect();
        for p in prs.iter_mut() {
            if let Some(known) = s.change.prs.iter().find(|k| k.repo == p.repo.as_str()) {
                p.number = Some(known.number);
                p.url = Some(known.url.clone());
            }
        }

        if self.dry_run {
            return self.dry_run(s, &mut prs, ui);
        }

        let gh = Gh::locate(Some(s.repo))?;
        let limit = self.jobs.limit(s.repo)?;
        self.publish(s, &mut prs, limit, ui);
        // Open the missing ones one after the other, in merge order; each body links
        // the PRs known so far, and the earlier ones are edited afterwards.
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
                    if !self.sets_title() {
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
            if let Some(checkout) = s.checkouts.get(&order[i])
                && !on_origin(&checkout, &s.change.branch)
            {
                prs[i].outcome = PrOutcome::Failed;
                prs[i].error = Some(format!(
                    "{} is not on origin yet: run `git realm push` first",
                    s.change.branch
                ));
                continue;
            }
            let body = pr_body::new_body(self.body.as_deref(), &block_for(s, &prs, i));
            match gh.pr_create(
                &slug,
                &s.change.branch,
                &prs[i].base,
                &prs[i].title,
                &body,
                self.draft,
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

        // A number recorded in the realm is someone's word: edit only a PR whose head
        // is this change's branch, as gh reports it.
        // It also gives the body and title people may have edited since.
        for p in prs.iter_mut().filter(|p| p.outcome == PrOutcome::Skipped) {
            if let (Some(slug), Some(n)) = (&p.slug, p.number) {
                match forge::confirm_head(&gh, slug, n, &s.change.branch) {
                    Ok(view) => {
                        if !self.sets_title() {
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

        // Now every url is known: bring git-realm's block of every body up to date
        // (and the titles, when asked), in parallel; what people wrote stays.
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
                let text = if created { None } else { self.body.as_deref() };
                let body = pr_body::update(current, &block_for(s, &prs, i), text);
                let title = (self.sets_title() && !created).then(|| p.title.clone());
                if body == current && title.is_none() {
                    return None;
                }
                Some((i, slug.clone(), n, title, body))
            })
            .collect();
        let results = parallel::parallel(&edits, limit, |(_, slug, n, title, body)| {
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

        // Record every PR we know of, even if another failed: a re-run must find it.
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
        let updated = s.store.update(&mut ops::RecordPullRequests {
            actor: s.me.clone(),
            change: s.change.id.clone(),
            prs: record,
            merge_order: order.to_vec(),
        })?;

        let failed: Vec<&RepoPr> = prs
            .iter()
            .filter(|p| p.outcome == PrOutcome::Failed)
            .collect();
        if ui.json {
            ui.json(&PrReport {
                realm: &s.realm,
                change: &s.change.id,
                branch: &s.change.branch,
                merge_order: order,
                prs: &prs,
                realm_commit: updated.commit.map(|c| c.to_string()),
            });
        } else {
            print_prs(ui, &prs, &s.change);
        }
        if failed.is_empty() {
            return Ok(Exit::Success);
        }
        if ui.json {
            return Ok(Exit::External);
        }
        let names: Vec<&str> = failed.iter().map(|p| p.repo.as_str()).collect();
        Err(Error::external(format!(
            "could not open or update the pull request of {} (see above)",
            names.join(", ")
        ))
        .hint(
            "the others are recorded; fix it and re-run `git realm pr`: it never opens a PR twice",
        ))
    }

    /// Whether existing PRs get a new title.
    fn sets_title(&self) -> bool {
        self.title.is_some() || self.update_title
    }

    /// Push every branch origin lacks commits of (or lacks altogether), in
    /// parallel, before any PR is opened or edited; with `--no-push`, warn about
    /// them instead. A failed push fails that repo's PR, not the others.
    fn publish(&self, s: &Session<'_>, prs: &mut [RepoPr], limit: usize, ui: &Ui) {
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
        if self.no_push {
            for (i, _, commits) in todo {
                let p = &mut prs[i];
                p.unpushed = commits;
                if commits > 0 {
                    ui.warning(format!(
                        "{}: {branch} has {commits} commit{} that origin does not have (not pushed: --no-push); its pull request does not show {}",
                        p.repo,
                        if commits == 1 { "" } else { "s" },
                        if commits == 1 { "it" } else { "them" },
                    ));
                }
            }
            return;
        }
        let results = parallel::parallel(&todo, limit, |(_, dir, _)| {
            publish::push_branch(dir, branch, false)?;
            publish::push_notes(dir).map(drop)
        });
        for ((i, _, commits), result) in todo.into_iter().zip(results) {
            let p = &mut prs[i];
            match result {
                Ok(()) => {
                    p.pushed = commits;
                    if !ui.json {
                        item(
                            ui,
                            0,
                            Mark::Ok,
                            format!(
                                "{}: pushed {branch} to {} ({commits} new commit{})",
                                p.repo,
                                publish::REMOTE,
                                if commits == 1 { "" } else { "s" }
                            ),
                        );
                    }
                }
                Err(e) => {
                    p.outcome = PrOutcome::Failed;
                    p.error = Some(format!("push: {}", e.message));
                }
            }
        }
    }

    fn dry_run(&self, s: &Session<'_>, prs: &mut [RepoPr], ui: &Ui) -> Result<Exit> {
        // What would be pushed first, from the remote-tracking refs (no network).
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
                    push: !self.no_push,
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
                None => pr_body::new_body(self.body.as_deref(), &block),
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
            if p.number.is_none() || self.sets_title() {
                argv.extend(["--title".into(), p.title.clone()]);
            }
            argv.extend(["--body-file".into(), "BODY".into()]);
            if p.number.is_none() && self.draft {
                argv.push("--draft".into());
            }
            commands.push((p.repo.clone(), argv, body));
        }
        if ui.json {
            let list: Vec<_> = commands
                .iter()
                .map(|(repo, argv, body)| PlannedCommand { repo, argv, body })
                .collect();
            ui.json(&PrDryRun {
                realm: &s.realm,
                change: &s.change.id,
                dry_run: true,
                merge_order: prs.iter().map(|p| p.repo.clone()).collect(),
                pushes,
                commands: list,
                prs,
            });
            return Ok(Exit::Success);
        }
        for push in &pushes {
            let what = if push.on_origin {
                format!(
                    "{} commit{} ahead of origin",
                    push.commits,
                    if push.commits == 1 { "" } else { "s" }
                )
            } else {
                "not on origin".to_owned()
            };
            if push.push {
                ui.line(format!(
                    "Would push {} of {} to origin first ({what})",
                    s.change.branch, push.repo
                ));
            } else {
                ui.warn(format!(
                    "{}: {} is {what}; not pushed (--no-push)",
                    push.repo, s.change.branch
                ));
            }
        }
        ui.line(format!(
            "Dry run: the gh commands `git realm pr` would run for change '{}', in merge order:",
            s.change.id
        ));
        for (repo, argv, body) in &commands {
            let line: Vec<String> = argv.iter().map(|a| shell_quote(a)).collect();
            ui.line(format!("  # {repo}"));
            ui.line(format!("  {}", line.join(" ")));
            if ui.verbose {
                for l in body.lines() {
                    ui.line(format!("  | {l}"));
                }
            }
        }
        for p in prs.iter().filter(|p| p.slug.is_none()) {
            item(
                ui,
                2,
                Mark::Warn,
                format!("{}: not on GitHub, no pull request", p.repo),
            );
        }
        ui.line(
            "(A PR not recorded in the change is first looked up with `gh pr list --head BRANCH`;",
        );
        ui.line(
            " an existing PR's body keeps its text: only git-realm's marked block is replaced.)",
        );
        ui.line("Dry run: nothing was run or written.");
        Ok(Exit::Success)
    }
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
fn providers_of(repo: &Name, deps: &[Dependency]) -> Vec<String> {
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

fn print_prs(ui: &Ui, prs: &[RepoPr], change: &ChangeFile) {
    ui.line(format!(
        "Coordinated pull requests for change '{}':",
        change.id
    ));
    let tag = |repo: &str| -> String {
        prs.iter()
            .find(|p| p.repo == repo)
            .and_then(|p| p.number)
            .map(|n| format!("{repo}#{n}"))
            .unwrap_or_else(|| repo.to_owned())
    };
    for p in prs {
        ui.line(format!("  {}:", p.repo));
        let number = p.number.map(|n| format!("#{n}")).unwrap_or_default();
        match p.outcome {
            PrOutcome::Created => item(
                ui,
                4,
                Mark::Ok,
                format!("PR {number}: {:?} (opened)", p.title),
            ),
            PrOutcome::Updated | PrOutcome::Adopted => item(
                ui,
                4,
                Mark::Ok,
                format!("PR {number}: {:?} (updated)", p.title),
            ),
            PrOutcome::Failed => item(ui, 4, Mark::Bad, p.error.as_deref().unwrap_or("failed")),
            _ if p.slug.is_none() => item(
                ui,
                4,
                Mark::Warn,
                "not on GitHub (no forge slug, url not on github.com): no pull request",
            ),
            _ => item(ui, 4, Mark::Ok, format!("PR {number}: unchanged")),
        }
        if p.slug.is_none() {
            continue;
        }
        if let Some(url) = &p.url {
            ui.line(format!("      {url}"));
        }
        ui.line(format!("      Base: {}", p.base));
        let links: Vec<String> = prs
            .iter()
            .filter(|o| o.repo != p.repo && o.number.is_some())
            .map(|o| tag(&o.repo))
            .collect();
        if !links.is_empty() {
            ui.line(format!("      Links to: {}", links.join(", ")));
        }
        if !p.blocked_by.is_empty() {
            let blockers: Vec<String> = p.blocked_by.iter().map(|b| tag(b)).collect();
            ui.line(format!(
                "      Blocked by: {} (merge {} first)",
                blockers.join(", "),
                p.blocked_by.join(", ")
            ));
        }
    }
    let chain: Vec<String> = prs
        .iter()
        .filter(|p| p.slug.is_some())
        .map(|p| tag(&p.repo))
        .collect();
    ui.line(format!(
        "PRs are linked. Merge order: {}",
        chain.join(" → ")
    ));
}

// ---------------------------------------------------------------------------
// pr status
// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::status::merged_before;
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn status_is_a_subcommand_and_options_are_for_opening() {
        PrArgs::command().debug_assert();
        let a =
            PrArgs::try_parse_from(["git-realm-pr", "status", "--json", "--exit-code"]).unwrap();
        assert!(matches!(
            a.action,
            Some(PrAction::Status { exit_code: true })
        ));
        assert!(a.global.json);
        let a = PrArgs::try_parse_from(["git-realm-pr", "--draft", "--title", "t"]).unwrap();
        assert!(a.action.is_none() && a.draft);
        assert!(PrArgs::try_parse_from(["git-realm-pr", "--draft", "status"]).is_err());
    }

    #[test]
    fn merge_times_compare_as_times() {
        assert!(merged_before(
            "2026-01-24T10:00:00Z",
            "2026-01-24T11:00:00Z"
        ));
        assert!(!merged_before(
            "2026-01-24T12:00:00+00:00",
            "2026-01-24T11:00:00Z"
        ));
    }
}
