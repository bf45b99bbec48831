//! Forges (GitHub): recognising a repository's `owner/name` from its url, and the
//! `gh` client.
//!
//! git-realm never calls a forge API itself: it runs the user's `gh`, which is
//! already authenticated and knows about enterprise hosts, proxies and tokens. Every
//! call passes `--repo owner/name` (without it gh guesses from the git remotes and
//! prefers `upstream`), an argument vector (never a shell), and bodies through
//! `--body-file` (no quoting or length limits on the command line). Under `-v`
//! every gh process is traced like git's (`ui::trace_process`).

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// `owner/name` for a GitHub url (`https://github.com/o/n(.git)`,
/// `git@github.com:o/n.git`, `ssh://git@github.com/o/n`), else `None`.
pub fn github_slug(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("https://github.com/")
        .or_else(|| url.strip_prefix("http://github.com/"))
        .or_else(|| url.strip_prefix("git@github.com:"))
        .or_else(|| url.strip_prefix("ssh://git@github.com/"))
        .or_else(|| url.strip_prefix("ssh://github.com/"))?;
    let rest = rest.trim_end_matches('/');
    let rest = rest.strip_suffix(".git").unwrap_or(rest);
    let (owner, name) = rest.split_once('/')?;
    let ok = |p: &str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    };
    (ok(owner) && ok(name)).then(|| format!("{owner}/{name}"))
}

/// How to tell the user to point git-realm at their `gh`.
const LOCATE_HINT: &str = "install GitHub's `gh` (https://cli.github.com) and put it on PATH, \
     or name it with $GIT_REALM_GH or `git config realm.gh PATH`";

/// The fields git-realm reads about a pull request (`gh pr view/list --json ...`).
const PR_FIELDS: &str = "number,url,state,mergedAt,headRefName,baseRefName,title,body";

/// What `git realm pr status` reads on top of [`PR_FIELDS`]: what `gh pr status`
/// and `gh pr view` show about a pull request's readiness.
const PR_STATUS_FIELDS: &str = "number,url,state,mergedAt,headRefName,baseRefName,title,body,isDraft,reviewDecision,mergeable,statusCheckRollup";

/// The state of a pull request, as gh reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum PrState {
    Open,
    Closed,
    Merged,
}

/// A pull request as `gh pr view --json number,url,state,mergedAt,headRefName,baseRefName`
/// prints it (gh's field names).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrView {
    pub number: u64,
    pub url: String,
    pub state: PrState,
    /// When it was merged (ISO 8601), `None` unless merged.
    pub merged_at: Option<String>,
    pub head_ref_name: String,
    pub base_ref_name: String,
    /// Its title and body (empty when not asked for).
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: String,
}

/// A pull request's readiness, as `gh pr view --json
/// isDraft,reviewDecision,mergeable,statusCheckRollup` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrReadiness {
    #[serde(flatten)]
    pub view: PrView,
    #[serde(default)]
    pub is_draft: bool,
    /// `APPROVED`, `CHANGES_REQUESTED`, `REVIEW_REQUIRED`; gh prints `""` when
    /// the repository requires no review.
    #[serde(default)]
    pub review_decision: Option<String>,
    /// `MERGEABLE`, `CONFLICTING` or `UNKNOWN` (GitHub has not computed it yet).
    #[serde(default)]
    pub mergeable: Option<String>,
    /// Check runs (`__typename: CheckRun`, with `status` and `conclusion`) and
    /// commit statuses (`StatusContext`, with `state`) of the head commit.
    #[serde(default)]
    pub status_check_rollup: Option<Vec<CheckContext>>,
}

/// One check of a pull request's head commit.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckContext {
    #[serde(rename = "__typename", default)]
    pub typename: String,
    /// A check run's name.
    #[serde(default)]
    pub name: Option<String>,
    /// A commit status's context.
    #[serde(default)]
    pub context: Option<String>,
    /// A check run's `QUEUED`, `IN_PROGRESS`, `COMPLETED`, ...
    #[serde(default)]
    pub status: Option<String>,
    /// A completed check run's `SUCCESS`, `FAILURE`, `NEUTRAL`, `SKIPPED`, ...
    #[serde(default)]
    pub conclusion: Option<String>,
    /// A commit status's `SUCCESS`, `FAILURE`, `ERROR`, `PENDING`, `EXPECTED`.
    #[serde(default)]
    pub state: Option<String>,
}

/// Whether a check passed, failed or is still to come, as `gh pr checks` sorts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckBucket {
    Pass,
    Fail,
    Pending,
}

impl CheckContext {
    /// The check's name (a run's name, a status's context).
    pub fn label(&self) -> &str {
        self.name
            .as_deref()
            .or(self.context.as_deref())
            .unwrap_or("?")
    }

    /// Pass, fail or pending, as `gh pr checks` counts them: a run is pending
    /// until completed; neutral and skipped runs pass; a status passes on
    /// `SUCCESS`, fails on `FAILURE`/`ERROR`, and is pending otherwise.
    pub fn bucket(&self) -> CheckBucket {
        let value = if self.typename == "StatusContext"
            || self.conclusion.is_none() && self.state.is_some()
        {
            self.state.as_deref().unwrap_or("")
        } else if self.status.as_deref().is_some_and(|s| s != "COMPLETED") {
            return CheckBucket::Pending;
        } else {
            self.conclusion.as_deref().unwrap_or("")
        };
        match value {
            "SUCCESS" | "NEUTRAL" | "SKIPPED" => CheckBucket::Pass,
            "FAILURE" | "ERROR" | "CANCELLED" | "TIMED_OUT" | "ACTION_REQUIRED"
            | "STARTUP_FAILURE" | "STALE" => CheckBucket::Fail,
            _ => CheckBucket::Pending,
        }
    }
}

/// The user's `gh`, and how to run it.
#[derive(Debug, Clone)]
pub struct Gh {
    program: PathBuf,
    env: Vec<(OsString, OsString)>,
    clear_env: bool,
}

impl Gh {
    /// Find gh: `$GIT_REALM_GH`, else `git config realm.gh` (of `repo`), else `gh` on
    /// PATH. A name without a slash is looked up on PATH, so `GIT_REALM_GH=gh-work`
    /// works. Missing is an external failure (exit 4) naming all three ways.
    pub fn locate(repo: Option<&gix::Repository>) -> Result<Gh> {
        let from_env = std::env::var_os("GIT_REALM_GH").filter(|v| !v.is_empty());
        if let Some(value) = from_env {
            return Self::resolve(Path::new(&value), "$GIT_REALM_GH");
        }
        let from_config = repo
            .and_then(|r| crate::git::config_string(r, "realm.gh"))
            .filter(|v| !v.trim().is_empty());
        if let Some(value) = from_config {
            return Self::resolve(&expand_home(value.trim()), "git config realm.gh");
        }
        which::which("gh").map(Gh::at).map_err(|e| {
            Error::external(format!(
                "gh (GitHub CLI) is not installed or not on PATH ({e})"
            ))
            .hint(LOCATE_HINT)
        })
    }

    fn resolve(program: &Path, source: &str) -> Result<Gh> {
        which::which(program).map(Gh::at).map_err(|e| {
            Error::external(format!(
                "gh from {source} ({}) cannot be run: {e}",
                program.display()
            ))
            .hint(LOCATE_HINT)
        })
    }

    /// Use exactly this program (tests, and callers that already know where gh is).
    pub fn at(program: impl Into<PathBuf>) -> Gh {
        Gh {
            program: program.into(),
            env: Vec::new(),
            clear_env: false,
        }
    }

    /// Set an environment variable for every gh process this client starts.
    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Gh {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Start gh processes from an empty environment (plus what `env` adds): tests
    /// use it so that nothing of the developer's own gh setup leaks in.
    pub fn env_clear(mut self) -> Gh {
        self.clear_env = true;
        self
    }

    /// The program this client runs.
    pub fn program(&self) -> &Path {
        &self.program
    }

    /// `gh issue create --repo O/R --title T --body-file F`; the new issue's URL.
    pub fn issue_create(&self, slug: &str, title: &str, body: &str) -> Result<String> {
        let body = BodyFile::new(body)?;
        let out = self.run(
            "issue create",
            slug,
            [
                "issue".into(),
                "create".into(),
                "--repo".into(),
                slug.into(),
                "--title".into(),
                title.into(),
                "--body-file".into(),
                body.path(),
            ],
        )?;
        last_line(&out, "issue create", slug)
    }

    /// `gh pr create --repo O/R --head H --base B --title T --body-file F [--draft]`;
    /// the new pull request's URL. `--head` is always given, so gh never pushes or
    /// looks at the current branch.
    pub fn pr_create(
        &self,
        slug: &str,
        head: &str,
        base: &str,
        title: &str,
        body: &str,
        draft: bool,
    ) -> Result<String> {
        let body = BodyFile::new(body)?;
        let mut args: Vec<OsString> = vec![
            "pr".into(),
            "create".into(),
            "--repo".into(),
            slug.into(),
            "--head".into(),
            head.into(),
            "--base".into(),
            base.into(),
            "--title".into(),
            title.into(),
            "--body-file".into(),
            body.path(),
        ];
        if draft {
            args.push("--draft".into());
        }
        let out = self.run("pr create", slug, args)?;
        last_line(&out, "pr create", slug)
    }

    /// `gh pr edit N --repo O/R [--title T] --body-file F`: the title only when
    /// given (it is the author's once the PR exists).
    pub fn pr_edit(&self, slug: &str, number: u64, title: Option<&str>, body: &str) -> Result<()> {
        let body = BodyFile::new(body)?;
        let mut args: Vec<OsString> = vec![
            "pr".into(),
            "edit".into(),
            number.to_string().into(),
            "--repo".into(),
            slug.into(),
        ];
        if let Some(title) = title {
            args.extend(["--title".into(), title.into()]);
        }
        args.extend(["--body-file".into(), body.path()]);
        self.run("pr edit", slug, args).map(drop)
    }

    /// `gh pr view N --repo O/R --json ...,isDraft,reviewDecision,mergeable,statusCheckRollup`:
    /// what `gh pr status` shows about it.
    pub fn pr_readiness(&self, slug: &str, number: u64) -> Result<PrReadiness> {
        let out = self.run(
            "pr view",
            slug,
            [
                "pr".into(),
                "view".into(),
                number.to_string().into(),
                "--repo".into(),
                slug.into(),
                "--json".into(),
                PR_STATUS_FIELDS.into(),
            ],
        )?;
        parse_json(&out, "pr view", slug)
    }

    /// `gh pr view N --repo O/R --json number,url,state,mergedAt,headRefName,baseRefName,title,body`.
    pub fn pr_view(&self, slug: &str, number: u64) -> Result<PrView> {
        let out = self.run(
            "pr view",
            slug,
            [
                "pr".into(),
                "view".into(),
                number.to_string().into(),
                "--repo".into(),
                slug.into(),
                "--json".into(),
                PR_FIELDS.into(),
            ],
        )?;
        parse_json(&out, "pr view", slug)
    }

    /// The url of an issue (open or closed) whose body contains `marker`:
    /// `gh issue list --repo O/R --search '"MARKER" in:body' --state all --json
    /// url,body`. GitHub's search is fuzzy, so the bodies it returns are checked
    /// for the exact marker here.
    pub fn issue_find(&self, slug: &str, marker: &str) -> Result<Option<String>> {
        #[derive(Deserialize)]
        struct Found {
            url: String,
            body: String,
        }
        let out = self.run(
            "issue list",
            slug,
            [
                "issue".into(),
                "list".into(),
                "--repo".into(),
                slug.into(),
                "--search".into(),
                format!("\"{marker}\" in:body").into(),
                "--state".into(),
                "all".into(),
                "--json".into(),
                "url,body".into(),
            ],
        )?;
        let found: Vec<Found> = parse_json(&out, "issue list", slug)?;
        Ok(found
            .into_iter()
            .find(|f| f.body.contains(marker))
            .map(|f| f.url))
    }

    /// The newest pull request (open, closed or merged) whose head is `head`:
    /// `gh pr list --repo O/R --head H --state all --json ...`, first entry.
    pub fn pr_for_branch(&self, slug: &str, head: &str) -> Result<Option<PrView>> {
        let out = self.run(
            "pr list",
            slug,
            [
                "pr".into(),
                "list".into(),
                "--repo".into(),
                slug.into(),
                "--head".into(),
                head.into(),
                "--state".into(),
                "all".into(),
                "--json".into(),
                PR_FIELDS.into(),
            ],
        )?;
        let list: Vec<PrView> = parse_json(&out, "pr list", slug)?;
        Ok(list.into_iter().next())
    }

    /// Run gh with `args`; its stdout on success. `what` (the subcommand) and `slug`
    /// name the call in errors, with gh's own stderr.
    fn run<I>(&self, what: &str, slug: &str, args: I) -> Result<String>
    where
        I: IntoIterator<Item = OsString>,
    {
        let args: Vec<OsString> = args.into_iter().collect();
        // Never wait for a prompt that nobody will answer; keep output parseable.
        // (One map, later entries winning: duct's nested `env` layers would let
        // the innermost win, and `full_env` would drop what was set around it.)
        let env: std::collections::BTreeMap<OsString, OsString> = self
            .env
            .iter()
            .cloned()
            .chain([
                ("GH_PROMPT_DISABLED".into(), "1".into()),
                ("NO_COLOR".into(), "1".into()),
            ])
            .collect();
        let mut expr = duct::cmd(&self.program, &args)
            .stdin_null()
            .stdout_capture()
            .stderr_capture()
            .unchecked();
        if self.clear_env {
            expr = expr.full_env(env);
        } else {
            for (k, v) in &env {
                expr = expr.env(k, v);
            }
        }
        let started = std::time::Instant::now();
        let result = expr.run();
        crate::ui::trace_process(
            &self.program.to_string_lossy(),
            &args,
            started.elapsed(),
            result.as_ref().ok().map(|o| o.status),
        );
        let out = result.map_err(|e| {
            Error::external(format!(
                "cannot run gh ({}) for `gh {what}` on {slug}: {e}",
                self.program.display()
            ))
            .hint(LOCATE_HINT)
        })?;
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        if out.status.success() {
            return Ok(stdout);
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        let reason = stderr
            .lines()
            .chain(stdout.lines())
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("; ");
        let status = match out.status.code() {
            Some(code) => format!("exit {code}"),
            None => "killed by a signal".to_owned(),
        };
        Err(Error::external(format!(
            "`gh {what}` failed for {slug} ({status}): {}",
            if reason.is_empty() {
                "no output"
            } else {
                &reason
            }
        )))
    }
}

/// A body in a temporary file, for `--body-file`: bodies can be long and contain
/// anything, which no argument vector limit or quoting should touch.
struct BodyFile(tempfile::NamedTempFile);

impl BodyFile {
    fn new(body: &str) -> Result<BodyFile> {
        let write = || -> std::io::Result<tempfile::NamedTempFile> {
            let mut file = tempfile::Builder::new()
                .prefix("git-realm-body-")
                .suffix(".md")
                .tempfile()?;
            file.write_all(body.as_bytes())?;
            file.flush()?;
            Ok(file)
        };
        write()
            .map(BodyFile)
            .map_err(|e| Error::external(format!("cannot write a temporary file for gh: {e}")))
    }

    fn path(&self) -> OsString {
        self.0.path().as_os_str().to_owned()
    }
}

/// gh prints the new issue's or PR's URL as its last line (earlier lines can be
/// notices, e.g. about uncommitted changes).
fn last_line(stdout: &str, what: &str, slug: &str) -> Result<String> {
    stdout
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| Error::external(format!("`gh {what}` for {slug} printed no URL")))
}

fn parse_json<T: serde::de::DeserializeOwned>(stdout: &str, what: &str, slug: &str) -> Result<T> {
    serde_json::from_str(stdout).map_err(|e| {
        Error::external(format!(
            "`gh {what}` for {slug} printed unexpected output ({e}): {}",
            stdout.trim()
        ))
    })
}

/// `~/x` in a configured path means `$HOME/x`, as in git's own path settings.
fn expand_home(value: &str) -> PathBuf {
    match (value.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(value),
    }
}

/// The number in a pull request URL (`https://github.com/o/n/pull/12`), which is
/// what `gh pr create` prints.
pub fn pr_number_from_url(url: &str) -> Option<u64> {
    number_after(url, "pull")
}

/// The number in an issue URL (`https://github.com/o/n/issues/7`), which is what
/// `gh issue create` prints.
pub fn issue_number_from_url(url: &str) -> Option<u64> {
    number_after(url, "issues")
}

fn number_after(url: &str, kind: &str) -> Option<u64> {
    let url = url.trim();
    let url = url.split(['#', '?']).next()?.trim_end_matches('/');
    let (rest, number) = url.rsplit_once('/')?;
    let (_, segment) = rest.rsplit_once('/')?;
    if segment != kind || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    number.parse().ok().filter(|n| *n > 0)
}

/// Open (once) a pull request on a GitHub-hosted realm for a proposal branch
/// pushed to it. `Ok(None)`: the realm is not on GitHub, so there is nothing to
/// open; the branch itself is the proposal.
pub fn realm_proposal_pr(
    repo: &gix::Repository,
    realm_url: &str,
    branch: &str,
    title: &str,
    body: &str,
) -> Result<Option<String>> {
    let Some(slug) = github_slug(realm_url) else {
        return Ok(None);
    };
    let gh = Gh::locate(Some(repo))?;
    if let Some(existing) = gh.pr_for_branch(&slug, branch)?
        && existing.state == PrState::Open
    {
        return Ok(Some(existing.url));
    }
    gh.pr_create(&slug, branch, "main", title, body, false)
        .map(Some)
}

/// Whether pull request `number` of `slug` is the change's: gh must report its head
/// branch as `branch`. Anyone who can write the realm can record any number, and
/// editing someone else's pull request is not ours to do; `Err` says why not.
/// `Ok`: the pull request as gh reports it (its body, to keep what people wrote).
pub fn confirm_head(
    gh: &Gh,
    slug: &str,
    number: u64,
    branch: &str,
) -> std::result::Result<PrView, String> {
    match gh.pr_view(slug, number) {
        Ok(view) if view.head_ref_name == branch => Ok(view),
        Ok(view) => Err(format!(
            "{slug}#{number} is a pull request from branch {}, not {branch}: not edited (the realm's record of it is wrong)",
            view.head_ref_name
        )),
        Err(e) => Err(format!(
            "cannot confirm that {slug}#{number} is this change's pull request, so it was not edited: {}",
            e.message
        )),
    }
}

/// The GitHub `owner/name` of a registered repo: its `forge` field, else what its
/// url says; `None` for repos not on GitHub.
pub fn slug_of(file: &crate::model::RepoFile) -> Option<String> {
    file.forge
        .clone()
        .map(String::from)
        .or_else(|| github_slug(file.url.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_github_urls() {
        for url in [
            "https://github.com/o/n",
            "https://github.com/o/n.git",
            "git@github.com:o/n.git",
            "ssh://git@github.com/o/n",
        ] {
            assert_eq!(github_slug(url).as_deref(), Some("o/n"), "{url}");
        }
        assert_eq!(github_slug("https://gitlab.com/o/n"), None);
        assert_eq!(github_slug("/srv/git/n.git"), None);
        assert_eq!(github_slug("https://github.com/o/n/extra"), None);
    }

    #[test]
    fn numbers_from_urls() {
        assert_eq!(
            pr_number_from_url("https://github.com/o/n/pull/12"),
            Some(12)
        );
        assert_eq!(
            pr_number_from_url("https://github.com/o/n/pull/12/"),
            Some(12)
        );
        assert_eq!(
            pr_number_from_url("https://github.com/o/n/pull/12#issuecomment-1\n"),
            Some(12)
        );
        assert_eq!(
            pr_number_from_url("https://ghe.example/o/n/pull/3"),
            Some(3)
        );
        assert_eq!(pr_number_from_url("https://github.com/o/n/issues/12"), None);
        assert_eq!(pr_number_from_url("https://github.com/o/n/pull/x"), None);
        assert_eq!(pr_number_from_url("https://github.com/o/n/pull/"), None);
        assert_eq!(pr_number_from_url("https://github.com/o/n/pull/0"), None);
        assert_eq!(pr_number_from_url("12"), None);
        assert_eq!(pr_number_from_url(""), None);
        assert_eq!(
            issue_number_from_url("https://github.com/o/n/issues/7"),
            Some(7)
        );
        assert_eq!(issue_number_from_url("https://github.com/o/n/pull/7"), None);
    }

    #[test]
    fn url_is_the_last_non_empty_line() {
        let out = "Warning: 2 uncommitted changes\nhttps://github.com/o/n/pull/2\n\n";
        assert_eq!(
            last_line(out, "pr create", "o/n").unwrap(),
            "https://github.com/o/n/pull/2"
        );
        let err = last_line(" \n", "issue create", "o/n").unwrap_err();
        assert_eq!(err.exit, crate::Exit::External);
        assert!(err.message.contains("gh issue create"), "{}", err.message);
    }

    #[test]
    fn parses_gh_pr_json() {
        let one = r#"{"baseRefName":"main","headRefName":"feat","mergedAt":null,"number":2,"state":"OPEN","url":"https://github.com/o/n/pull/2"}"#;
        let pr: PrView = parse_json(one, "pr view", "o/n").unwrap();
        assert_eq!(pr.number, 2);
        assert_eq!(pr.state, PrState::Open);
        assert_eq!(pr.merged_at, None);
        assert_eq!(pr.head_ref_name, "feat");
        let list = r#"[{"baseRefName":"main","headRefName":"feat","mergedAt":"2026-01-24T10:00:00Z","number":3,"state":"MERGED","url":"u"}]"#;
        let prs: Vec<PrView> = parse_json(list, "pr list", "o/n").unwrap();
        assert_eq!(prs[0].state, PrState::Merged);
        assert_eq!(prs[0].merged_at.as_deref(), Some("2026-01-24T10:00:00Z"));
        let err = parse_json::<PrView>("nope", "pr view", "o/n").unwrap_err();
        let ready = r#"{"baseRefName":"main","headRefName":"feat","mergedAt":null,"number":2,"state":"OPEN","url":"u","title":"t","body":"b","isDraft":false,"reviewDecision":"","mergeable":"MERGEABLE","statusCheckRollup":[{"__typename":"CheckRun","name":"ci","status":"COMPLETED","conclusion":"SUCCESS"},{"__typename":"CheckRun","name":"lint","status":"IN_PROGRESS","conclusion":""},{"__typename":"StatusContext","context":"deploy","state":"FAILURE"}]}"#;
        let r: PrReadiness = parse_json(ready, "pr view", "o/n").unwrap();
        assert_eq!(r.view.title, "t");
        let buckets: Vec<CheckBucket> = r
            .status_check_rollup
            .unwrap()
            .iter()
            .map(CheckContext::bucket)
            .collect();
        assert_eq!(
            buckets,
            [CheckBucket::Pass, CheckBucket::Pending, CheckBucket::Fail]
        );
        assert_eq!(err.exit, crate::Exit::External);
        assert!(err.message.contains("gh pr view"), "{}", err.message);
    }

    #[test]
    fn expands_home_in_configured_paths() {
        assert_eq!(expand_home("/usr/bin/gh"), PathBuf::from("/usr/bin/gh"));
        assert_eq!(expand_home("gh"), PathBuf::from("gh"));
        if let Some(home) = std::env::var_os("HOME") {
            assert_eq!(expand_home("~/bin/gh"), PathBuf::from(home).join("bin/gh"));
        }
    }
}
