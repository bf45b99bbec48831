//! Commits: realm commits written as objects with gix (no working tree, no hooks),
//! and the user's own commits, which go through the `git` binary so that their
//! hooks, signing and configuration apply.
//!
//! Also what commits contain and how they relate: `HEAD`, the files a commit
//! touched, staged changes, ancestry, log entries.
//!
//! No ref is moved here for realm commits: callers publish them with a
//! compare-and-swap (see `refs`). Nothing here amends, rebases or resets.

use std::path::Path;

use super::run::Git;
use crate::error::{Context, Error, Result};

/// Write a commit object (no ref moves) signed with the user's git identity,
/// which git-realm never invents: without one, the user is told how to set it.
pub fn new_commit(
    repo: &gix::Repository,
    message: &str,
    tree: gix::ObjectId,
    parents: impl IntoIterator<Item = gix::ObjectId>,
) -> Result<gix::ObjectId> {
    let identity_error = || {
        Error::usage("your git identity is not configured, and realm commits are made with it").hint(
            "run `git config --global user.name \"Your Name\"` and `git config --global user.email you@example.com`",
        )
    };
    let author = repo
        .author()
        .ok_or_else(identity_error)?
        .context(|| "invalid author date".into())?;
    let committer = repo
        .committer()
        .ok_or_else(identity_error)?
        .context(|| "invalid committer date".into())?;
    let commit = repo
        .new_commit_as(committer, author, message, tree, parents)
        .context(|| "cannot write a commit".into())?;
    Ok(commit.id)
}

/// What `git commit` is asked to do: git's own commit interface, passed through.
#[derive(Default)]
pub struct CommitOptions<'a> {
    pub message: &'a str,
    /// `--all`: also commit modified tracked files that are not staged.
    pub all: bool,
    /// `--amend`: replace the tip commit instead of adding one.
    pub amend: bool,
    /// `--no-verify`: skip the pre-commit and commit-msg hooks.
    pub no_verify: bool,
    /// `--signoff`: add a `Signed-off-by` trailer.
    pub signoff: bool,
    /// `--gpg-sign[=KEYID]`: `Some("")` for the default key.
    pub gpg_sign: Option<&'a str>,
    /// With `amend`: keep the commit's message (`--no-edit`).
    pub no_edit: bool,
}

impl CommitOptions<'_> {
    /// The options after `git commit`, except the message.
    pub fn flags(&self) -> Vec<String> {
        let mut flags = Vec::new();
        if self.all {
            flags.push("--all".to_owned());
        }
        if self.amend {
            flags.push("--amend".to_owned());
        }
        if self.no_verify {
            flags.push("--no-verify".to_owned());
        }
        if self.signoff {
            flags.push("--signoff".to_owned());
        }
        match self.gpg_sign {
            Some("") => flags.push("--gpg-sign".to_owned()),
            Some(key) => flags.push(format!("--gpg-sign={key}")),
            None => {}
        }
        flags
    }
}

/// `git commit --quiet [FLAGS] --message MSG` in the working tree at `dir`, through
/// the binary so that the user's hooks, signing and commit templates apply (in the
/// user's locale: their programs may talk to them).
pub fn commit(dir: &Path, options: &CommitOptions<'_>) -> Result<()> {
    let mut cmd = Git::in_dir(dir)
        .user_locale()
        .arg("commit")
        .arg("--quiet")
        .args(options.flags());
    cmd = if options.no_edit {
        cmd.arg("--no-edit")
    } else {
        cmd.arg("--message").arg(options.message)
    };
    let result = cmd.output()?;
    if result.success {
        Ok(())
    } else {
        Err(Error::external(format!(
            "`git commit` failed: {}",
            result.reason()
        )))
    }
}

/// The user's editor as git chooses it (`GIT_EDITOR`, `core.editor`, `VISUAL`,
/// `EDITOR`, then git's default): `git var GIT_EDITOR`.
pub fn editor(repo: &gix::Repository) -> Result<String> {
    let out = Git::in_repo(repo).args(["var", "GIT_EDITOR"]).run()?;
    Ok(out.stdout.trim().to_owned())
}

/// Let the user write a commit message in their editor, once: `message` and the
/// `comments` (lines of help, commented out with the user's `core.commentChar`)
/// are written to `<git dir>/REALM_EDITMSG`, the editor runs on it the way git
/// runs it (`sh -c '<editor> "$@"'`, on the terminal), and the result is cleaned
/// up as `git commit` cleans up an edited message (`commit.cleanup`: comment lines
/// removed unless it says `whitespace` or `verbatim`). An empty message aborts.
pub fn edit_message(repo: &gix::Repository, message: &str, comments: &[String]) -> Result<String> {
    let editor = editor(repo)?;
    let cleanup = Cleanup::of(repo, message);
    let path = repo.git_dir().join("REALM_EDITMSG");
    std::fs::write(&path, cleanup.template(message, comments))
        .context(|| format!("cannot write {}", path.display()))?;
    let started = std::time::Instant::now();
    // The editor has the terminal: what was printed comes first.
    crate::ui::flush_stdout();
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$@\""))
        .arg(&editor)
        .arg(&path)
        .status();
    crate::ui::trace_process(
        "sh",
        &[
            "-c".into(),
            format!("{editor} \"$@\"").into(),
            path.clone().into(),
        ],
        started.elapsed(),
        status.as_ref().ok().copied(),
    );
    let status =
        status.map_err(|e| Error::external(format!("cannot run the editor `{editor}`: {e}")))?;
    if !status.success() {
        return Err(Error::external(format!(
            "the editor `{editor}` failed ({status}); nothing was committed"
        )));
    }
    let text =
        std::fs::read_to_string(&path).context(|| format!("cannot read {}", path.display()))?;
    let message = cleanup.apply(&text);
    if message.trim().is_empty() {
        return Err(Error::usage("aborting the commit: the message is empty"));
    }
    Ok(message)
}

/// How `git commit` cleans up a message the user edited: `commit.cleanup`
/// (`strip` by default) and the comment string (`core.commentString`, else
/// `core.commentChar`, `#` by default; `auto` picks one no line starts with).
struct Cleanup {
    mode: CleanupMode,
    comment: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum CleanupMode {
    Strip,
    Whitespace,
    Verbatim,
    Scissors,
}

/// The line below which `commit.cleanup=scissors` drops everything.
const SCISSORS: &str = "------------------------ >8 ------------------------";

impl Cleanup {
    fn of(repo: &gix::Repository, message: &str) -> Cleanup {
        let mode = match super::config_string(repo, "commit.cleanup").as_deref() {
            Some("whitespace") => CleanupMode::Whitespace,
            Some("verbatim") => CleanupMode::Verbatim,
            Some("scissors") => CleanupMode::Scissors,
            _ => CleanupMode::Strip,
        };
        let configured = super::config_string(repo, "core.commentString")
            .or_else(|| super::config_string(repo, "core.commentChar"))
            .filter(|c| !c.is_empty());
        let comment = match configured.as_deref() {
            None => "#".to_owned(),
            Some("auto") => ["#", ";", "@", "!", "$", "%", "^", "&", "|", ":"]
                .into_iter()
                .find(|c| !message.lines().any(|l| l.starts_with(c)))
                .unwrap_or("#")
                .to_owned(),
            Some(c) => c.to_owned(),
        };
        Cleanup { mode, comment }
    }

    /// What the editor opens: the message, a blank line, and the comments.
    fn template(&self, message: &str, comments: &[String]) -> String {
        let c = &self.comment;
        let mut out = format!("{message}\n\n");
        if self.mode == CleanupMode::Scissors {
            out.push_str(&format!("{c} {SCISSORS}\n"));
            out.push_str(&format!(
                "{c} Do not modify or remove the line above.\n{c} Everything below it will be ignored.\n"
            ));
        }
        for line in comments {
            out.push_str(&format!("{c} {line}\n"));
        }
        let how = match self.mode {
            CleanupMode::Strip => format!(
                "Lines starting with '{c}' will be ignored, and an empty message aborts the commit."
            ),
            CleanupMode::Scissors => "An empty message aborts the commit.".to_owned(),
            _ => format!(
                "Lines starting with '{c}' will be kept; you may remove them yourself if you want to.\n{c} An empty message aborts the commit."
            ),
        };
        out.push_str(&format!("{c} {how}\n"));
        out
    }

    /// The edited `text`, cleaned up as git would (`git stripspace`).
    fn apply(&self, text: &str) -> String {
        let text = match self.mode {
            CleanupMode::Verbatim => return text.to_owned(),
            CleanupMode::Scissors => {
                let cut = format!("{} {SCISSORS}", self.comment);
                match text.lines().position(|l| l == cut) {
                    Some(at) => text.lines().take(at).collect::<Vec<_>>().join("\n"),
                    None => text.to_owned(),
                }
            }
            _ => text.to_owned(),
        };
        let strip = self.mode == CleanupMode::Strip;
        stripspace(&text, strip.then_some(self.comment.as_str()))
    }
}

/// `git stripspace`: trailing spaces and surrounding blank lines removed, runs of
/// blank lines made one, and with `comment`, the lines starting with it dropped.
fn stripspace(text: &str, comment: Option<&str>) -> String {
    let mut out: Vec<&str> = Vec::new();
    for line in text.lines() {
        if comment.is_some_and(|c| line.starts_with(c)) {
            continue;
        }
        let line = line.trim_end();
        if line.is_empty() && out.last().is_none_or(|l| l.is_empty()) {
            continue;
        }
        out.push(line);
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out.join("\n")
}

/// The message of the commit `HEAD` is at.
pub fn head_message(repo: &gix::Repository) -> Option<String> {
    let commit = repo.head_commit().ok()?;
    let message = commit.message_raw().ok()?;
    Some(String::from_utf8_lossy(message).trim_end().to_owned())
}

/// Whether `git commit` at `dir` has something to commit: staged changes, or with
/// `all` any change to a tracked file (`git diff --quiet`: exit 1 means "differs").
pub fn has_changes(dir: &Path, all: bool) -> Result<bool> {
    let args: &[&str] = if all {
        &["diff", "--quiet", "HEAD", "--"]
    } else {
        &["diff", "--quiet", "--cached", "--"]
    };
    let out = Git::in_dir(dir).args(args).output()?;
    match out.code {
        Some(0) => Ok(false),
        Some(1) => Ok(true),
        _ => Err(Error::external(format!(
            "`git {}` failed: {}",
            args.join(" "),
            out.reason()
        ))),
    }
}

/// The paths `git commit` (with `all`: `git commit -a`) would commit at `dir`:
/// the staged ones, or every tracked path that differs from `HEAD`.
pub fn pending_files(dir: &Path, all: bool) -> Result<Vec<String>> {
    let args: &[&str] = if all {
        &["diff", "--name-only", "HEAD", "--"]
    } else {
        &["diff", "--name-only", "--cached", "--"]
    };
    let out = Git::in_dir(dir).args(args).run()?;
    Ok(out.stdout.lines().map(str::to_owned).collect())
}

/// The commit `HEAD` is at in the repository (or worktree) at `dir`.
pub fn head(dir: &Path) -> Result<gix::ObjectId> {
    head_of(&super::open_at(dir)?)
}

/// `head` of a repository already open (read from disk again at each call, so
/// it sees a commit a `git` process made since).
pub fn head_of(repo: &gix::Repository) -> Result<gix::ObjectId> {
    let id = repo
        .head_id()
        .context(|| format!("cannot resolve HEAD in {}", where_is(repo)))?;
    Ok(id.detach())
}

/// The repository's working tree, else its git dir, for messages.
fn where_is(repo: &gix::Repository) -> std::path::Display<'_> {
    repo.workdir().unwrap_or_else(|| repo.git_dir()).display()
}

/// Whether `git commit` in `repo` may run a `pre-commit` hook:
/// a `pre-commit` file in its hooks folder (`core.hooksPath`, else
/// `$GIT_COMMON_DIR/hooks`), or any `hook.*` configuration (hooks named in
/// config). `git commit` runs that hook before it finds there is nothing to
/// commit, so only without one may a commit be tried without asking first.
pub fn may_run_pre_commit_hook(repo: &gix::Repository) -> Result<bool> {
    let config = repo.config_snapshot();
    if config
        .plumbing()
        .sections_by_name("hook")
        .is_some_and(|mut s| s.next().is_some())
    {
        return Ok(true);
    }
    let hooks = match super::config_string(repo, "core.hooksPath") {
        // `~` and the like: not worth resolving here; assume a hook.
        Some(p) if p.starts_with('~') || p.contains('$') => return Ok(true),
        Some(p) if Path::new(&p).is_absolute() => std::path::PathBuf::from(p),
        // Relative: to the top of the working tree, as git runs hooks from there.
        Some(p) => match repo.workdir() {
            Some(top) => top.join(p),
            None => return Ok(true),
        },
        None => repo.common_dir().join("hooks"),
    };
    Ok(hooks.join("pre-commit").exists())
}

/// The first parent of `commit` in the repository at `dir` (`None`: a root commit).
pub fn first_parent(dir: &Path, commit: gix::ObjectId) -> Result<Option<gix::ObjectId>> {
    let repo = super::open_at(dir)?;
    let found = repo
        .find_commit(commit)
        .context(|| format!("cannot read commit {commit} in {}", dir.display()))?;
    Ok(found.parent_ids().next().map(|id| id.detach()))
}

/// The paths `commit` of `repo` changed (against its parent;
/// all of them for a root commit; none for a merge), as `git diff-tree
/// --name-only -r --root` lists them, read in-process.
pub fn changed_files(repo: &gix::Repository, commit: gix::ObjectId) -> Result<Vec<String>> {
    let found = repo
        .find_commit(commit)
        .context(|| format!("cannot read commit {commit} in {}", where_is(repo)))?;
    let parents: Vec<gix::ObjectId> = found.parent_ids().map(|id| id.detach()).collect();
    let tree_of = |c: &gix::Commit<'_>| -> Result<gix::ObjectId> {
        Ok(c.tree_id()
            .context(|| format!("cannot read the tree of {}", c.id))?
            .detach())
    };
    let parent_tree = match parents.as_slice() {
        [] => None,
        [p] => Some(tree_of(&repo.find_commit(*p).context(|| {
            format!("cannot read commit {p} in {}", where_is(repo))
        })?)?),
        _ => return Ok(Vec::new()),
    };
    tree_changes(repo, parent_tree, Some(tree_of(&found)?))
}

/// The paths of the files (and submodules) that differ between trees `a` and `b`
/// (absent: empty), in git's order, recursing only into trees that differ.
pub fn tree_changes(
    repo: &gix::Repository,
    a: Option<gix::ObjectId>,
    b: Option<gix::ObjectId>,
) -> Result<Vec<String>> {
    let mut out = Vec::new();
    diff_trees(repo, a, b, "", &mut out)?;
    out.sort();
    Ok(out)
}

/// A tree's entries by name: whether each is a tree, its mode, its object.
type Entries = std::collections::BTreeMap<String, (bool, u16, gix::ObjectId)>;

fn entries(repo: &gix::Repository, tree: Option<gix::ObjectId>) -> Result<Entries> {
    use gix::bstr::ByteSlice;
    let mut out = Entries::new();
    let Some(id) = tree else {
        return Ok(out);
    };
    let t = repo
        .find_tree(id)
        .context(|| format!("cannot read tree {id}"))?;
    for e in t.iter() {
        let e = e.context(|| format!("cannot decode tree {id}"))?;
        out.insert(
            e.filename().to_str_lossy().into_owned(),
            (e.mode().is_tree(), e.mode().value(), e.object_id()),
        );
    }
    Ok(out)
}

fn diff_trees(
    repo: &gix::Repository,
    a: Option<gix::ObjectId>,
    b: Option<gix::ObjectId>,
    prefix: &str,
    out: &mut Vec<String>,
) -> Result<()> {
    if a == b {
        return Ok(());
    }
    let ea = entries(repo, a)?;
    let eb = entries(repo, b)?;
    let names: std::collections::BTreeSet<&String> = ea.keys().chain(eb.keys()).collect();
    for name in names {
        let path = format!("{prefix}{name}");
        let x = ea.get(name);
        let y = eb.get(name);
        if x == y {
            continue;
        }
        let sub = |e: Option<&(bool, u16, gix::ObjectId)>| {
            e.filter(|(dir, _, _)| *dir).map(|(_, _, id)| *id)
        };
        let blob = |e: Option<&(bool, u16, gix::ObjectId)>| e.is_some_and(|(dir, _, _)| !*dir);
        if blob(x) || blob(y) {
            out.push(path.clone());
        }
        if sub(x).is_some() || sub(y).is_some() {
            diff_trees(repo, sub(x), sub(y), &format!("{path}/"), out)?;
        }
    }
    Ok(())
}

/// Whether `ancestor` is an ancestor of (or the same commit as) `of`, in the
/// repository at `dir` (`git merge-base --is-ancestor`: exit 1 means "no").
pub fn is_ancestor(dir: &Path, ancestor: gix::ObjectId, of: gix::ObjectId) -> Result<bool> {
    let out = Git::in_dir(dir)
        .args(["merge-base", "--is-ancestor"])
        .arg(ancestor.to_string())
        .arg(of.to_string())
        .output()?;
    match out.code {
        Some(0) => Ok(true),
        Some(1) => Ok(false),
        _ => Err(Error::external(format!(
            "`git merge-base --is-ancestor` failed in {}: {}",
            dir.display(),
            out.reason()
        ))),
    }
}

/// Options that make `git log` print exactly its `--format`, whatever the user's
/// config: `log.showSignature` would prepend gpg's output to each record, and
/// `i18n.logOutputEncoding` would re-encode messages away from UTF-8.
const LOG_AS_DATA: [&str; 2] = ["--no-show-signature", "--encoding=UTF-8"];

/// The subject line of the commit `rev` names in the repository at `dir`; `None`
/// when there is no such commit.
pub fn subject(dir: &Path, rev: &str) -> Result<Option<String>> {
    let out = Git::in_dir(dir)
        .args(["log", "-1"])
        .args(LOG_AS_DATA)
        .args(["--format=%s", rev, "--"])
        .output()?;
    Ok(out
        .success
        .then(|| out.stdout.trim().to_owned())
        .filter(|s| !s.is_empty()))
}

/// One commit of [`log`].
pub struct LogEntry {
    pub id: String,
    pub author_name: String,
    pub author_email: String,
    pub subject: String,
    /// The whole message, for reading trailers.
    pub message: String,
}

/// The commits of `range` (`old..new`, or one commit and its history), newest
/// first, at most `max`.
pub fn log(repo: &gix::Repository, range: &str, max: usize) -> Result<Vec<LogEntry>> {
    let out = Git::in_repo(repo)
        .arg("log")
        .args(LOG_AS_DATA)
        .arg(format!("--max-count={max}"))
        // Records end with RS, fields with US: a message may span lines.
        .arg("--format=%H%x1f%an%x1f%ae%x1f%s%x1f%B%x1e")
        .arg(range)
        .arg("--")
        .run()?;
    Ok(out
        .stdout
        .split('\u{1e}')
        .filter_map(|record| {
            let mut f = record.trim_start_matches('\n').split('\u{1f}');
            Some(LogEntry {
                id: f.next().filter(|id| !id.is_empty())?.to_owned(),
                author_name: f.next()?.to_owned(),
                author_email: f.next()?.to_owned(),
                subject: f.next()?.to_owned(),
                message: f.next()?.to_owned(),
            })
        })
        .collect())
}
