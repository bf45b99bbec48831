//! Terminal output: colour decisions, the ✓ ⚠ ❌ markers, quiet/verbose, JSON.
//!
//! Human output goes to stdout, one idea per line; diagnostics and progress go to
//! stderr. With `--json` nothing decorative is printed: stdout carries exactly one
//! JSON document. Colour follows `--color`, then `NO_COLOR`, `CLICOLOR_FORCE`, git's
//! `color.ui`, and finally whether the stream is a terminal.

pub mod contracts;
mod escape;
pub mod github;

pub use escape::{escape, escape_json};

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::process::ExitStatus;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use owo_colors::OwoColorize;
use serde::Serialize;

static VERBOSE: AtomicBool = AtomicBool::new(false);
static UNICODE: AtomicBool = AtomicBool::new(true);

/// Whether the locale's character set is UTF-8: the first of `LC_ALL`,
/// `LC_CTYPE` and `LANG` that is set decides, as for every C program; none set
/// is the "C" locale, which is not.
pub fn utf8_locale(var: impl Fn(&str) -> Option<String>) -> bool {
    ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .find_map(|k| var(k).filter(|v| !v.is_empty()))
        .is_some_and(|v| {
            let v = v.to_ascii_lowercase();
            v.contains("utf-8") || v.contains("utf8")
        })
}

/// `fancy` in a UTF-8 locale, else `plain` (an ASCII stand-in for a symbol).
pub fn symbol<'a>(fancy: &'a str, plain: &'a str) -> &'a str {
    if UNICODE.load(Ordering::Relaxed) {
        fancy
    } else {
        plain
    }
}
static PROGRESS: AtomicBool = AtomicBool::new(false);

/// Print a progress line on stderr ("Fetching the realm…"), only when stderr is a
/// terminal and neither `-q` nor `--json` was given: never in pipes, logs or CI.
pub fn progress(message: &str) {
    if PROGRESS.load(Ordering::Relaxed) {
        let _ = writeln!(stderr(), "{}", escape(message));
    }
}

/// Print a `-v` diagnostic on stderr.
pub fn verbose(message: &str) {
    if VERBOSE.load(Ordering::Relaxed) {
        let _ = writeln!(stderr(), "realm: {}", escape(message));
    }
}

/// Whether `-v` was given (a process-wide switch, set once by `cli::main`).
pub fn is_verbose() -> bool {
    VERBOSE.load(Ordering::Relaxed)
}

/// Under `-v`, trace one external process (`git`, `gh`) on stderr: its command line,
/// shell-quoted, and how long it ran; its exit status when it failed, and
/// `not started` when it could not be started (`status` is `None`):
/// `realm: git fetch --quiet … (12 ms)`.
pub fn trace_process(
    program: &str,
    args: &[OsString],
    elapsed: Duration,
    status: Option<ExitStatus>,
) {
    if !is_verbose() {
        return;
    }
    let mut line = shell_word(program);
    for a in args {
        line.push(' ');
        line.push_str(&shell_word(&a.to_string_lossy()));
    }
    let ms = elapsed.as_millis();
    let how = match status {
        None => format!("{ms} ms, not started"),
        Some(s) if s.success() => format!("{ms} ms"),
        Some(s) => match s.code() {
            Some(code) => format!("{ms} ms, exit {code}"),
            None => format!("{ms} ms, killed by a signal"),
        },
    };
    verbose(&format!("{line} ({how})"));
}

/// `word` as a POSIX shell would need it: bare when it is safe, else single-quoted.
fn shell_word(word: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorWhen {
    #[default]
    Auto,
    Always,
    Never,
}

/// A `color.*` value as git reads it: `always`, `never`, `auto`, or a boolean
/// (true means `auto`); `None` for a value git refuses.
pub fn color_setting(value: &str) -> Option<ColorWhen> {
    match value.to_ascii_lowercase().as_str() {
        "always" => Some(ColorWhen::Always),
        "never" | "false" | "no" | "off" | "0" => Some(ColorWhen::Never),
        "auto" | "true" | "yes" | "on" | "1" | "" => Some(ColorWhen::Auto),
        _ => None,
    }
}

/// Decide whether to colour a stream, in git's order of precedence.
/// `git_color_ui` is asked only when the answer depends on it (it opens the
/// repository to read its configuration).
pub fn use_color(
    when: ColorWhen,
    git_color_ui: impl FnOnce() -> Option<String>,
    is_terminal: bool,
) -> bool {
    match when {
        ColorWhen::Always => return true,
        ColorWhen::Never => return false,
        ColorWhen::Auto => {}
    }
    if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        return false;
    }
    if std::env::var_os("CLICOLOR_FORCE").is_some_and(|v| !v.is_empty() && v != "0") {
        return true;
    }
    match git_color_ui().as_deref().and_then(color_setting) {
        Some(ColorWhen::Always) => return true,
        Some(ColorWhen::Never) => return false,
        _ => {}
    }
    is_terminal && std::env::var("TERM").map_or(true, |t| t != "dumb")
}

/// How a command talks to the user.
#[derive(Debug, Clone)]
pub struct Ui {
    pub color: bool,
    pub color_stderr: bool,
    pub quiet: bool,
    pub verbose: bool,
    pub json: bool,
}

impl Ui {
    pub fn new(
        when: ColorWhen,
        git_color_ui: impl Fn() -> Option<String>,
        quiet: bool,
        verbose: bool,
        json: bool,
    ) -> Self {
        VERBOSE.store(verbose, Ordering::Relaxed);
        UNICODE.store(utf8_locale(|k| std::env::var(k).ok()), Ordering::Relaxed);
        PROGRESS.store(
            !quiet && !json && std::io::stderr().is_terminal(),
            Ordering::Relaxed,
        );
        let setting = std::cell::OnceCell::new();
        let git_color_ui = || setting.get_or_init(&git_color_ui).clone();
        Ui {
            color: !json && use_color(when, git_color_ui, std::io::stdout().is_terminal()),
            color_stderr: use_color(when, git_color_ui, std::io::stderr().is_terminal()),
            quiet,
            verbose,
            json,
        }
    }

    /// A plain line for humans (suppressed by `--json` and `-q`).
    pub fn line(&self, text: impl AsRef<str>) {
        if !self.json && !self.quiet {
            out(&self.shown(text.as_ref()));
        }
    }

    /// `text` escaped for the terminal (see [`escape`]), keeping only the colour
    /// sequences [`Ui::paint`] itself writes when this stream is coloured.
    fn shown<'t>(&self, text: &'t str) -> std::borrow::Cow<'t, str> {
        if !self.color || !text.contains('\u{1b}') {
            return escape(text);
        }
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(at) = rest.find('\u{1b}') {
            out.push_str(&escape(&rest[..at]));
            rest = &rest[at..];
            match PAINTED.iter().find(|seq| rest.starts_with(*seq)) {
                Some(seq) => {
                    out.push_str(seq);
                    rest = &rest[seq.len()..];
                }
                None => {
                    out.push_str("\\x1b");
                    rest = &rest[1..];
                }
            }
        }
        out.push_str(&escape(rest));
        std::borrow::Cow::Owned(out)
    }

    /// `✓ text`
    pub fn ok(&self, text: impl AsRef<str>) {
        self.marked(Mark::Ok.symbol(), Paint::Green, text.as_ref());
    }

    /// `⚠ text`
    pub fn warn(&self, text: impl AsRef<str>) {
        self.marked(Mark::Warn.symbol(), Paint::Yellow, text.as_ref());
    }

    /// `❌ text`
    pub fn bad(&self, text: impl AsRef<str>) {
        self.marked(Mark::Bad.symbol(), Paint::Red, text.as_ref());
    }

    fn marked(&self, mark: &str, paint: Paint, text: &str) {
        if self.json || self.quiet {
            return;
        }
        // The marks are our own: only colour changes them.
        let painted;
        let mark = match self.color {
            true => {
                painted = self.paint(mark, paint);
                painted.as_str()
            }
            false => mark,
        };
        out_pieces(&[mark, " ", &self.shown(text)]);
    }

    /// Colour `text` if this stream is coloured.
    pub fn paint(&self, text: &str, paint: Paint) -> String {
        let text = &*escape(text);
        if !self.color {
            return text.to_owned();
        }
        match paint {
            Paint::Green => text.green().to_string(),
            Paint::Yellow => text.yellow().to_string(),
            Paint::Red => text.red().to_string(),
            Paint::Bold => text.bold().to_string(),
            Paint::Dim => text.dimmed().to_string(),
        }
    }

    /// The one JSON document of a `--json` run.
    pub fn json<T: Serialize>(&self, value: &T) {
        self.try_json(value).expect("JSON output always serialises");
    }

    /// The one JSON document of a `--json` run, of a value whose serialization
    /// can fail (it reads as it writes): nothing is printed when it does.
    pub fn try_json<T: Serialize>(&self, value: &T) -> serde_json::Result<()> {
        // Realm strings go out whole, but nothing in them steers a terminal.
        out(&escape::escape_json(&serde_json::to_string_pretty(value)?));
        Ok(())
    }

    /// `warning: text` on stderr, as git prints its warnings (also under `-q` and
    /// `--json`: it explains what stdout shows).
    pub fn warning(&self, text: impl AsRef<str>) {
        let label = if self.color_stderr {
            "warning:".yellow().bold().to_string()
        } else {
            "warning:".to_owned()
        };
        let _ = writeln!(stderr(), "{label} {}", text.as_ref());
    }

    /// The error of one realm of a command acting on several: printed at once on
    /// stderr (`error: realm 'x': …` and its hints), so the command can go on with
    /// the others and exit with the worst code at the end.
    pub fn realm_error(&self, realm: &str, err: &crate::Error) {
        let label = if self.color_stderr {
            "error:".red().bold().to_string()
        } else {
            "error:".to_owned()
        };
        let mut stderr = stderr();
        let _ = writeln!(stderr, "{label} realm '{realm}': {}", err.message);
        for hint in &err.hints {
            let _ = writeln!(stderr, "hint: {hint}");
        }
    }

    /// Print an error (and its hints) on stderr, as git does.
    pub fn error(&self, err: &crate::Error) {
        let label = if self.color_stderr {
            "error:".red().bold().to_string()
        } else {
            "error:".to_owned()
        };
        let mut stderr = stderr();
        let _ = writeln!(stderr, "{label} {}", escape(&err.message));
        for hint in &err.hints {
            let _ = writeln!(stderr, "hint: {}", escape(hint));
        }
        if self.json {
            json_error(&err.message, &err.hints, err.exit.code());
        }
    }
}

/// For a command line refused before any command ran: when `args` ask for
/// `--json` (before a `--`), its error document, written at once.
pub fn json_usage_error(args: &[std::ffi::OsString], message: &str, hints: &[String]) {
    if args
        .iter()
        .take_while(|a| *a != "--")
        .any(|a| a == "--json")
    {
        json_error(message, hints, crate::Exit::Usage.code());
        flush_stdout();
    }
}

/// The one JSON document of a `--json` run that failed, on stdout:
/// `{"error": {"message": …, "hints": […], "exit": N}}`.
pub fn json_error(message: &str, hints: &[String], exit: i32) {
    #[derive(Serialize)]
    struct ErrorReport<'a> {
        error: ErrorBody<'a>,
    }
    #[derive(Serialize)]
    struct ErrorBody<'a> {
        message: &'a str,
        hints: &'a [String],
        exit: i32,
    }
    let report = ErrorReport {
        error: ErrorBody {
            message,
            hints,
            exit,
        },
    };
    let report = serde_json::to_string(&report).expect("an error report serialises");
    out(&escape::escape_json(&report));
}

/// The SGR sequences `Ui::paint` writes (owo-colors' green, yellow, red, bold and
/// dimmed, and their resets): the only escape sequences a line may carry.
const PAINTED: [&str; 8] = [
    "\u{1b}[32m",
    "\u{1b}[33m",
    "\u{1b}[31m",
    "\u{1b}[1m",
    "\u{1b}[2m",
    "\u{1b}[39m",
    "\u{1b}[22m",
    "\u{1b}[0m",
];

#[derive(Debug, Clone, Copy)]
pub enum Paint {
    Green,
    Yellow,
    Red,
    Bold,
    Dim,
}

/// Lines for stdout not written yet. As git's stdio does, stdout is written a
/// line at a time to a terminal and in blocks otherwise (`check` of a member with
/// 2,000 imports made 2,000 `write` calls). What waits here is written before
/// anything that could appear after it: a line on stderr, a child process, the
/// end of the command ([`flush_stdout`]).
static PENDING: std::sync::Mutex<String> = std::sync::Mutex::new(String::new());

/// How much waits in [`PENDING`] before it is written.
const BLOCK: usize = 16 * 1024;

/// Whether stdout is a terminal (then every line is written at once).
fn stdout_is_terminal() -> bool {
    static TERMINAL: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *TERMINAL.get_or_init(|| std::io::stdout().is_terminal())
}

/// Write a line to stdout (see [`PENDING`]).
fn out(text: &str) {
    out_pieces(&[text]);
}

/// Write a line made of `pieces` to stdout (see [`PENDING`]).
fn out_pieces(pieces: &[&str]) {
    let mut pending = PENDING.lock().unwrap_or_else(|e| e.into_inner());
    let len: usize = pieces.iter().map(|p| p.len()).sum();
    if pending.len() + len < BLOCK && !stdout_is_terminal() {
        pieces.iter().for_each(|p| pending.push_str(p));
        pending.push('\n');
        return;
    }
    // What waits, then this line, written as they are: a large document
    // (`graph --json`) is never copied.
    let mut all = Vec::with_capacity(pieces.len() + 2);
    all.push(pending.as_str());
    all.extend_from_slice(pieces);
    all.push("\n");
    stdout_pieces(&all);
    pending.clear();
}

/// stderr, once the lines waiting for stdout are written: what is said there
/// comes after what was printed, in a terminal or a log of both.
pub fn stderr() -> std::io::StderrLock<'static> {
    flush_stdout();
    std::io::stderr().lock()
}

/// Write the lines waiting for stdout. Called before stderr, a child process or
/// the exit could come after them.
pub fn flush_stdout() {
    let mut pending = PENDING.lock().unwrap_or_else(|e| e.into_inner());
    if !pending.is_empty() {
        stdout_pieces(&[&pending]);
        pending.clear();
    }
}

/// Writes the lines waiting for stdout when dropped, so that a command that
/// panics still shows what it printed before.
pub struct FlushStdout;

impl Drop for FlushStdout {
    fn drop(&mut self) {
        flush_stdout();
    }
}

/// Write `text` to stdout as it is, after any lines waiting. A closed pipe
/// (`git realm graph | head`) ends the process quietly with the status a shell
/// reports for SIGPIPE, as git does; any other write error is reported once.
pub fn stdout_raw(text: &str) {
    flush_stdout();
    stdout_pieces(&[text]);
}

/// Text for stdout made in pieces, written in chunks as it grows, each shown as
/// [`Ui::line`] shows a line (escaped, only git-realm's own colours kept): a
/// large output (`graph` prints 1.3 MB in a 10,000-repo realm) is never held whole.
pub struct StdoutText<'u> {
    ui: &'u Ui,
    buf: String,
}

impl StdoutText<'_> {
    const CHUNK: usize = 64 * 1024;

    pub fn push(&mut self, piece: &str) {
        self.push_all(&[piece]);
    }

    pub fn push_all(&mut self, pieces: &[&str]) {
        // `-q`: text for humans is not shown at all.
        if self.ui.quiet {
            return;
        }
        for p in pieces {
            self.buf.push_str(p);
        }
        if self.buf.len() >= Self::CHUNK {
            self.flush();
        }
    }

    /// Write what is left.
    pub fn finish(mut self) {
        self.flush();
    }

    fn flush(&mut self) {
        if !self.buf.is_empty() {
            stdout_raw(&self.ui.shown(&self.buf));
            self.buf.clear();
        }
    }
}

impl Ui {
    /// Text for stdout written as it is made (see [`StdoutText`]).
    pub fn stdout_text(&self) -> StdoutText<'_> {
        StdoutText {
            ui: self,
            buf: String::with_capacity(StdoutText::CHUNK + 256),
        }
    }
}

fn stdout_pieces(pieces: &[&str]) {
    let mut stdout = std::io::stdout().lock();
    let written = pieces
        .iter()
        .try_for_each(|p| stdout.write_all(p.as_bytes()))
        .and_then(|()| stdout.flush());
    if let Err(e) = written {
        stdout_failed(&e);
    }
}

/// End the process over a failed write to stdout, as git does: quietly with
/// SIGPIPE's status for a closed pipe, else naming the error (exit 5).
pub fn stdout_failed(e: &std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(141);
    }
    let _ = writeln!(std::io::stderr(), "error: cannot write to stdout: {e}");
    std::process::exit(crate::Exit::Internal.code());
}

/// "3 minutes ago", from a number of seconds.
pub fn ago(seconds: i64) -> String {
    let s = seconds.max(0);
    let (n, unit) = match s {
        0..60 => return "just now".to_owned(),
        60..3600 => (s / 60, "minute"),
        3600..86400 => (s / 3600, "hour"),
        _ => (s / 86400, "day"),
    };
    format!("{n} {unit}{} ago", if n == 1 { "" } else { "s" })
}

/// The short form of an object id, for humans.
pub fn short(id: &gix::ObjectId) -> String {
    id.to_hex_with_len(7).to_string()
}

/// The ✓ ⚠ ❌ markers, for lines nested under a heading.
#[derive(Debug, Clone, Copy)]
pub enum Mark {
    Ok,
    Warn,
    Bad,
}

impl Mark {
    /// ✓ ⚠ ❌ in a UTF-8 locale; `+ ! x` otherwise (`LANG=C`, a plain terminal).
    pub fn symbol(self) -> &'static str {
        match self {
            Mark::Ok => symbol("✓", "+"),
            Mark::Warn => symbol("⚠", "!"),
            Mark::Bad => symbol("❌", "x"),
        }
    }
}

/// `<indent>✓ text` (nothing with `--json` or `-q`).
pub fn item(ui: &Ui, indent: usize, mark: Mark, text: impl AsRef<str>) {
    let (symbol, paint) = match mark {
        Mark::Ok => (mark.symbol(), Paint::Green),
        Mark::Warn => (mark.symbol(), Paint::Yellow),
        Mark::Bad => (mark.symbol(), Paint::Red),
    };
    ui.line(format!(
        "{:indent$}{} {}",
        "",
        ui.paint(symbol, paint),
        text.as_ref()
    ));
}

/// What a `--dry-run` would have written: the realm commit's subject and the
/// files it writes and removes (nothing with `--json` or `-q`).
pub fn dry_run(ui: &Ui, message: &str, edits: &crate::store::Edits) {
    ui.line("Dry run: nothing was written. The realm commit would be:");
    ui.line(format!("  {}", message.lines().next().unwrap_or("")));
    if edits.is_empty() {
        ui.line("  (no change: it would not be made)");
    }
    for (path, content) in edits.changes() {
        let what = if content.is_some() {
            "write "
        } else {
            "remove"
        };
        ui.line(format!("    {what} {path}"));
    }
}

/// The JSON form of [`dry_run`]: `{"message", "writes", "removes"}`.
pub fn dry_run_json(message: &str, edits: &crate::store::Edits) -> serde_json::Value {
    let (mut writes, mut removes) = (Vec::new(), Vec::new());
    for (path, content) in edits.changes() {
        if content.is_some() {
            writes.push(path.to_owned());
        } else {
            removes.push(path.to_owned());
        }
    }
    serde_json::json!({ "message": message, "writes": writes, "removes": removes })
}

/// Quote `s` for a POSIX shell, so printed commands can be pasted as they are.
pub fn shell_quote(s: &str) -> String {
    let safe = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-./:=@,+%^".contains(&b));
    if safe {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r#"'\''"#))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_choice_wins() {
        assert!(use_color(ColorWhen::Always, || Some("never".into()), false));
        assert!(!use_color(ColorWhen::Never, || Some("always".into()), true));
    }

    #[test]
    fn trace_words_are_quoted_only_when_needed() {
        assert_eq!(
            shell_word("--force-with-lease=refs/heads/x:"),
            "--force-with-lease=refs/heads/x:"
        );
        assert_eq!(shell_word("@{upstream}..HEAD"), "'@{upstream}..HEAD'");
        assert_eq!(shell_word("refs/notes/*"), "'refs/notes/*'");
        assert_eq!(shell_word("a b"), "'a b'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
        assert_eq!(shell_word(""), "''");
    }

    #[test]
    fn coloured_lines_keep_only_their_own_colours() {
        let ui = Ui {
            color: true,
            color_stderr: false,
            quiet: false,
            verbose: false,
            json: false,
        };
        let painted = ui.paint("ok", Paint::Green);
        let line = format!("{painted} \u{1b}]8;;x\u{7} \u{1b}[8mhidden");
        let shown = ui.shown(&line);
        assert!(shown.starts_with(&painted), "{shown:?}");
        assert!(
            shown.ends_with(" \\x1b]8;;x\\x07 \\x1b[8mhidden"),
            "{shown:?}"
        );
        assert_eq!(
            ui.paint("\u{1b}[8m", Paint::Bold),
            "\u{1b}[1m\\x1b[8m\u{1b}[0m"
        );
    }

    #[test]
    fn the_locale_decides_whether_symbols_are_unicode() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(key, _)| *key == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert!(utf8_locale(env(&[("LANG", "en_US.UTF-8")])));
        assert!(utf8_locale(env(&[("LC_CTYPE", "C.utf8"), ("LANG", "C")])));
        assert!(!utf8_locale(env(&[
            ("LC_ALL", "C"),
            ("LANG", "en_US.UTF-8")
        ])));
        assert!(!utf8_locale(env(&[("LANG", "C")])));
        assert!(!utf8_locale(env(&[])));
        assert!(utf8_locale(env(&[("LC_ALL", ""), ("LANG", "de_DE.UTF-8")])));
    }

    #[test]
    fn ago_reads_well() {
        assert_eq!(ago(5), "just now");
        assert_eq!(ago(60), "1 minute ago");
        assert_eq!(ago(7200), "2 hours ago");
        assert_eq!(ago(86400 * 3), "3 days ago");
    }

    #[test]
    fn quoting_for_the_shell() {
        assert_eq!(shell_quote("feat/x"), "feat/x");
        assert_eq!(shell_quote("feat: it's"), r#"'feat: it'\''s'"#);
        assert_eq!(shell_quote(""), "''");
    }
}
