//! The completion scripts in `completions/`, typed into real shells: bash (with
//! bash-completion and git's own completion), zsh (driven through a pseudo
//! terminal with `zsh/zpty`, TAB and all) and fish (`complete -C`).
//!
//! Each shell gets the files installed the way the README says, in a sandbox
//! (own HOME, git config and XDG directories). The cases are data: a case is
//! active only when the command it needs exists in `commands::builtins()`, and
//! the expected subcommands and options come from the clap definitions, so new
//! commands are covered as they land. The shells are required: a missing one is a
//! failure (CI installs them), never a skip.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use git_realm::commands;

/// The realms configured in the sandbox repository.
const REALMS: &[&str] = &["letemcook", "other-realm"];

#[derive(Debug, Clone)]
struct Case {
    /// What the user typed before pressing TAB.
    line: String,
    /// Candidates that must be offered (`--realm=x` matches `x`).
    expect: BTreeSet<String>,
    /// Whether nothing else may be offered.
    exact: bool,
}

fn case(line: &str, expect: &[&str], exact: bool) -> Case {
    Case {
        line: line.to_owned(),
        expect: expect.iter().map(|s| s.to_string()).collect(),
        exact,
    }
}

/// The command at `path` (subcommand names after `git realm`), if it exists.
fn find(path: &[&str]) -> Option<clap::Command> {
    let (first, rest) = path.split_first()?;
    let mut cmd = commands::builtins()
        .into_iter()
        .find(|c| commands::sub_name(c) == *first)?;
    for name in rest {
        cmd = cmd.find_subcommand(name)?.clone();
    }
    Some(cmd)
}

fn long_options(cmd: &clap::Command) -> Vec<String> {
    cmd.get_arguments()
        .filter(|a| !a.is_hide_set())
        .filter_map(|a| a.get_long())
        .map(|l| format!("--{l}"))
        .collect()
}

fn top_level_names() -> Vec<String> {
    let mut names: Vec<String> = commands::builtins()
        .iter()
        .map(|c| commands::sub_name(c).to_owned())
        .collect();
    names.push("help".into());
    names
}

fn with_prefix(prefix: &str) -> Vec<String> {
    top_level_names()
        .into_iter()
        .filter(|n| n.starts_with(prefix))
        .collect()
}

/// The cases active for the commands that exist now.
fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    // (command path the case needs, line, expected, exact)
    let table: &[(&[&str], &str, &[&str], bool)] = &[
        (&["status"], "git realm sta", &["status"], true),
        (&["status"], "git-realm st", &["status"], false),
        (
            &["join"],
            "git realm join --",
            &["--as", "--url", "--realm", "--json"],
            false,
        ),
        (&["join"], "git-realm join --a", &["--as"], true),
        (&["join"], "git-realm-join --u", &["--url"], true),
        (&["status"], "git realm status --realm ", REALMS, true),
        (
            &["status"],
            "git realm status --realm=le",
            &["letemcook"],
            true,
        ),
        (
            &["status"],
            "git -C . realm status --realm ot",
            &["other-realm"],
            true,
        ),
        (&["status"], "git-realm status --realm ", REALMS, true),
        (
            &["status"],
            "git realm status --color ",
            &["auto", "always", "never"],
            true,
        ),
        (&["join"], "git realm join --as x --realm ", REALMS, true),
        (&["sync"], "git realm sy", &["sync"], true),
        (
            &["domain", "create"],
            "git realm domain cr",
            &["create"],
            true,
        ),
        (
            &["domain", "create"],
            "git realm domain create --re",
            &["--repos"],
            false,
        ),
        (&["domain"], "git realm help dom", &["domain"], true),
        // Names from the local realm copy.
        (
            &["domain", "show"],
            "git realm domain show ",
            &["billing", "s3-access"],
            true,
        ),
        (
            &["export"],
            "git realm export c --domain s3",
            &["s3-access"],
            true,
        ),
        (
            &["import"],
            "git-realm import c --domain ",
            &["billing", "s3-access"],
            true,
        ),
        (
            &["worktree", "remove"],
            "git realm worktree remove ",
            &["training-metrics-v2"],
            true,
        ),
    ];
    for (needs, line, expect, exact) in table {
        if find(needs).is_some() {
            cases.push(case(line, expect, *exact));
        }
    }
    // Every command, from clap: its name from a prefix, and all its options.
    let all: Vec<String> = top_level_names();
    cases.push(Case {
        line: "git realm ".into(),
        expect: all.iter().cloned().collect(),
        exact: true,
    });
    for cmd in commands::builtins() {
        let sub = commands::sub_name(&cmd).to_owned();
        let prefix = &sub[..sub.len() - 1];
        cases.push(Case {
            line: format!("git realm {prefix}"),
            expect: with_prefix(prefix).into_iter().collect(),
            exact: true,
        });
        cases.push(Case {
            line: format!("git realm {sub} --"),
            expect: long_options(&cmd).into_iter().collect(),
            exact: false,
        });
        for nested in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            cases.push(Case {
                line: format!("git realm {sub} {} --", nested.get_name()),
                expect: long_options(nested).into_iter().collect(),
                exact: false,
            });
        }
    }
    // One case per line: the same line may come from the table and from clap.
    let mut merged: Vec<Case> = Vec::new();
    for c in cases {
        match merged.iter_mut().find(|m| m.line == c.line) {
            Some(m) => {
                m.expect.extend(c.expect);
                m.exact &= c.exact;
            }
            None => merged.push(c),
        }
    }
    let cases = merged;
    // The cases the issue names must be active now.
    for must in ["git realm sta", "git realm join --", "git-realm st"] {
        assert!(
            cases.iter().any(|c| c.line == must),
            "case {must:?} is not active"
        );
    }
    cases
}

// ---------------------------------------------------------------------------
// The sandbox

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bin_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_git-realm"))
        .parent()
        .unwrap()
        .to_owned()
}

struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("realm-completions-")
            .tempdir()
            .unwrap();
        let s = Sandbox { dir };
        std::fs::create_dir_all(s.path("home")).unwrap();
        std::fs::write(
            s.path("home/gitconfig"),
            "[user]\n\tname = Test User\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n",
        )
        .unwrap();
        let repo = s.path("repo");
        std::fs::create_dir_all(&repo).unwrap();
        run_ok(s.command("git").args(["init", "-q"]));
        for realm in REALMS {
            run_ok(s.command("git").current_dir(&repo).args([
                "config",
                &format!("realm.{realm}.url"),
                &format!("/srv/git/realm-{realm}.git"),
            ]));
        }
        // A local copy of letemcook (refs/realm/letemcook/main) with two domains
        // and a change, for completing their names offline.
        let src = s.path("realm-src");
        for file in [
            "domains/s3-access/domain.yaml",
            "domains/billing/domain.yaml",
            "changes/training-metrics-v2.yaml",
        ] {
            std::fs::create_dir_all(src.join(file).parent().unwrap()).unwrap();
            std::fs::write(src.join(file), "name: x\n").unwrap();
        }
        run_ok(s.command("git").current_dir(&src).args(["init", "-q"]));
        run_ok(s.command("git").current_dir(&src).args(["add", "."]));
        run_ok(
            s.command("git")
                .current_dir(&src)
                .args(["commit", "-q", "-m", "realm"]),
        );
        run_ok(s.command("git").args([
            "fetch",
            "-q",
            "../realm-src",
            "+HEAD:refs/realm/letemcook/main",
        ]));
        s
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Copy a completion script to where the README installs it.
    fn install(&self, file: &str, to: &str) -> PathBuf {
        let dest = self.path(to);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(repo_root().join("completions").join(file), &dest).unwrap();
        dest
    }

    /// A process in the sandbox repository, with a cleared, isolated environment.
    fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        let path = format!(
            "{}:{}",
            bin_dir().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        cmd.env_clear()
            .env("PATH", path)
            .env("HOME", self.path("home"))
            .env("GIT_CONFIG_GLOBAL", self.path("home/gitconfig"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("XDG_CONFIG_HOME", self.path("home/.config"))
            .env("XDG_DATA_HOME", self.path("home/.local/share"))
            .env("XDG_CACHE_HOME", self.path("home/.cache"))
            .env("TERM", "xterm")
            .env("LANG", "C.UTF-8")
            .current_dir(self.path("repo"))
            .stdin(Stdio::null());
        cmd
    }
}

fn run_ok(cmd: &mut Command) -> String {
    let out = cmd.output().expect("cannot start process");
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn require(program: &str, package: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "{program} is not installed: the completion tests need it \
                 (Debian: apt-get install {package}; .ci/run installs it)"
            )
        })
}

/// The output of a driver: `==CASE n` lines, each followed by its candidates.
fn split_results(output: &str, n: usize) -> Vec<Vec<String>> {
    let mut results = vec![Vec::new(); n];
    let mut current: Option<usize> = None;
    for line in output.lines() {
        if let Some(i) = line.strip_prefix("==CASE ") {
            current = Some(i.trim().parse().unwrap());
        } else if let Some(i) = current {
            let word = line.split('\t').next().unwrap_or("").trim_end();
            if !word.is_empty() {
                results[i].push(word.to_owned());
            }
        }
    }
    results
}

fn check(shell: &str, cases: &[Case], results: &[Vec<String>], raw: &str) {
    let mut failures = Vec::new();
    for (case, got) in cases.iter().zip(results) {
        // `--realm=letemcook` offers `letemcook`, whatever the shell shows.
        let got: BTreeSet<String> = got
            .iter()
            .map(|c| match c.rsplit_once('=') {
                Some((_, value)) if case.line.contains('=') => value.to_owned(),
                _ => c.clone(),
            })
            .collect();
        let missing: Vec<&String> = case.expect.difference(&got).collect();
        let extra: Vec<&String> = if case.exact {
            got.difference(&case.expect).collect()
        } else {
            Vec::new()
        };
        if !missing.is_empty() || !extra.is_empty() {
            failures.push(format!(
                "{:?}<TAB>: missing {missing:?}, unexpected {extra:?}; offered {got:?}",
                case.line
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{shell} completion:\n  {}\n\nraw driver output:\n{raw}",
        failures.join("\n  ")
    );
}

// ---------------------------------------------------------------------------
// bash

/// How bash splits a command line into COMP_WORDS: at blanks, and around the
/// word-break characters `=` and `:` (each run of them is a word of its own).
fn bash_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    for blank_word in line.split(' ').filter(|w| !w.is_empty()) {
        let mut current = String::new();
        let mut in_break = false;
        for c in blank_word.chars() {
            let is_break = c == '=' || c == ':';
            if !current.is_empty() && is_break != in_break {
                words.push(std::mem::take(&mut current));
            }
            in_break = is_break;
            current.push(c);
        }
        words.push(current);
    }
    if line.ends_with(' ') {
        words.push(String::new());
    }
    words
}

fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// One bash process for every case: set COMP_WORDS, COMP_CWORD, COMP_LINE and
/// COMP_POINT, call the function `complete -p` names for the command (loading
/// it through bash-completion when not yet loaded, as bash does), print COMPREPLY.
fn bash(setup: &str, sandbox: &Sandbox, cases: &[Case]) -> (Vec<Vec<String>>, String) {
    let mut script = String::from(setup);
    script.push_str(
        r#"
__test_complete () {
	local cmd=${COMP_WORDS[0]} spec func
	spec=$(complete -p "$cmd" 2>/dev/null)
	if [[ -z $spec ]]; then
		_completion_loader "$cmd"
		spec=$(complete -p "$cmd" 2>/dev/null)
	fi
	[[ $spec == *" -F "* ]] || { echo "no completion for $cmd: $spec" >&2; return 1; }
	func=${spec#* -F }
	func=${func%% *}
	COMPREPLY=()
	"$func" "$cmd" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
	printf '%s\n' "${COMPREPLY[@]}"
}
"#,
    );
    for (i, case) in cases.iter().enumerate() {
        let words = bash_words(&case.line);
        let quoted: Vec<String> = words.iter().map(|w| sh_quote(w)).collect();
        script.push_str(&format!(
            "echo '==CASE {i}'\nCOMP_WORDS=({})\nCOMP_CWORD={}\nCOMP_LINE={}\nCOMP_POINT={}\n__test_complete\n",
            quoted.join(" "),
            words.len() - 1,
            sh_quote(&case.line),
            case.line.len()
        ));
    }
    let file = sandbox.path("drive.bash");
    std::fs::write(&file, script).unwrap();
    let out = run_ok(
        sandbox
            .command("timeout")
            .args(["120", "bash", "--norc", "--noprofile"])
            .arg(&file),
    );
    (split_results(&out, cases.len()), out)
}

const BASH_COMPLETION: &str = "/usr/share/bash-completion/bash_completion";
const GIT_BASH_COMPLETION: &str = "/usr/share/bash-completion/completions/git";

fn bash_prerequisites() {
    require("bash", "bash");
    assert!(
        Path::new(BASH_COMPLETION).is_file() && Path::new(GIT_BASH_COMPLETION).is_file(),
        "bash-completion is not installed ({BASH_COMPLETION}, {GIT_BASH_COMPLETION}): \
         the completion tests need it (Debian: apt-get install bash-completion; .ci/run installs it)"
    );
}

/// bash-completion, git's completion, then the script itself, sourced.
#[test]
fn bash_sourced() {
    bash_prerequisites();
    let sandbox = Sandbox::new();
    let cases = cases();
    let setup = format!(
        "source {BASH_COMPLETION}\nsource {GIT_BASH_COMPLETION}\nsource {}\n",
        sh_quote(
            &repo_root()
                .join("completions/git-realm.bash")
                .display()
                .to_string()
        )
    );
    let (results, raw) = bash(&setup, &sandbox, &cases);
    check("bash", &cases, &results, &raw);
}

/// Installed where bash-completion looks for it: loaded on first use of
/// `git-realm`, and by git's completion for `git realm`.
#[test]
fn bash_installed_lazily() {
    bash_prerequisites();
    let sandbox = Sandbox::new();
    let cases = cases();
    sandbox.install(
        "git-realm.bash",
        "home/.local/share/bash-completion/completions/git-realm",
    );
    let setup = format!("source {BASH_COMPLETION}\n");
    let (results, raw) = bash(&setup, &sandbox, &cases);
    check("bash (lazy)", &cases, &results, &raw);
}

// ---------------------------------------------------------------------------
// zsh

/// Types each line into an interactive `zsh -f -i` on a pseudo terminal, presses
/// TAB, and records what the completion system adds (compadd is wrapped).
const ZSH_DRIVER: &str = r#"
zmodload zsh/zpty || exit 3
zpty z zsh -f -i
zpty -w z "PROMPT= RPROMPT= PS2= ; unsetopt zle_bracketed_paste 2>/dev/null; fpath=(${(q)2} \$fpath)"
zpty -w z 'autoload -Uz compinit && compinit -u -D'
zpty -w z "bindkey '^U' kill-whole-line"
zpty -w z 'null-line () { echo -n $'"'"'\0\n'"'"' }'
# Neither insert nor list anything: the line stays as typed, and ^U clears it.
zpty -w z 'quiet-end () { compstate[insert]=""; compstate[list]=""; null-line }'
# The hooks are used once per completion: TAB sets them afresh.
zpty -w z 'test-complete () { compprefuncs=( null-line ); comppostfuncs=( quiet-end ); zle complete-word }'
zpty -w z 'zle -N test-complete; bindkey "^I" test-complete'
zpty -w z 'compadd () {
  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return $?; fi
  local -a __hits
  builtin compadd -A __hits "$@"
  local h
  for h in $__hits; do print -r -- "CAND:$IPREFIX$h"; done
  builtin compadd "$@"
}'
zpty -w z 'print READY'
while zpty -r z l; do [[ $l == *READY* ]] && break; done
integer n=0 nulls
for line in "${(@f)$(<$1)}"; do
  print -r -- "==CASE $n"
  (( n++ ))
  zpty -w -n z "$line"$'\t'
  nulls=0
  while (( nulls < 2 )) && zpty -r z l; do
    (( nulls += ${#l} - ${#${l//$'\0'/}} ))
    l=${l//$'\0'/}
    [[ $l == *CAND:* ]] && print -r -- "${${${l#*CAND:}%%$'\r'*}%%$'\n'*}"
  done
  zpty -w -n z $'\C-u'
done
zpty -d z
"#;

#[test]
fn zsh() {
    require("zsh", "zsh");
    let sandbox = Sandbox::new();
    let cases = cases();
    let fpath_dir = sandbox
        .install(
            "_git-realm",
            "home/.local/share/zsh/site-functions/_git-realm",
        )
        .parent()
        .unwrap()
        .to_owned();
    let lines: Vec<&str> = cases.iter().map(|c| c.line.as_str()).collect();
    let lines_file = sandbox.path("lines");
    std::fs::write(&lines_file, lines.join("\n") + "\n").unwrap();
    let driver = sandbox.path("drive.zsh");
    std::fs::write(&driver, ZSH_DRIVER).unwrap();
    let out = run_ok(
        sandbox
            .command("timeout")
            .args(["300", "zsh", "-f"])
            .arg(&driver)
            .arg(&lines_file)
            .arg(&fpath_dir),
    );
    let results = split_results(&out, cases.len());
    check("zsh", &cases, &results, &out);
}

// ---------------------------------------------------------------------------
// fish

#[test]
fn fish() {
    require("fish", "fish");
    let sandbox = Sandbox::new();
    let cases = cases();
    sandbox.install("git-realm.fish", "home/.config/fish/conf.d/git-realm.fish");
    let mut script = String::new();
    for (i, case) in cases.iter().enumerate() {
        let quoted = format!("'{}'", case.line.replace('\\', r"\\").replace('\'', r"\'"));
        script.push_str(&format!("echo '==CASE {i}'\ncomplete -C {quoted}\n"));
    }
    let file = sandbox.path("drive.fish");
    std::fs::write(&file, script).unwrap();
    let out = run_ok(sandbox.command("timeout").args(["120", "fish"]).arg(&file));
    let results = split_results(&out, cases.len());
    check("fish", &cases, &results, &out);
}

// ---------------------------------------------------------------------------

/// The scripts parse in their shells (a cheap first line of defence).
#[test]
fn scripts_parse() {
    let sandbox = Sandbox::new();
    let dir = repo_root().join("completions");
    for (shell, file) in [
        ("bash", "git-realm.bash"),
        ("zsh", "_git-realm"),
        ("fish", "git-realm.fish"),
    ] {
        require(shell, shell);
        run_ok(sandbox.command(shell).arg("-n").arg(dir.join(file)));
    }
}

#[test]
fn bash_word_splitting() {
    assert_eq!(bash_words("git realm "), ["git", "realm", ""]);
    assert_eq!(
        bash_words("git realm status --realm=le"),
        ["git", "realm", "status", "--realm", "=", "le"]
    );
    assert_eq!(
        bash_words("git-realm --realm="),
        ["git-realm", "--realm", "="]
    );
}
