//! Errors as values, and the exit-code table they map to.
//!
//! Every command returns `Result<Exit>`; only the runner (`cli::run`) turns an
//! error into text on stderr and a process exit status. The codes are part of the
//! public interface (README, man pages) and must not change meaning:
//!
//! | code | meaning |
//! | ---- | ------- |
//! | 0 | success |
//! | 1 | `check` / `status --exit-code` found something that needs attention |
//! | 2 | bad usage or invalid input (the file, field or argument is named) |
//! | 3 | conflict, or the remote rejected the update after retries, or a refused breaking change |
//! | 4 | a required external program (git, gh) is missing or failed |
//! | 5 | internal failure: git-realm itself, the object database or the file system (a bug, a corrupt repository, an I/O error) |

use std::fmt;

/// The documented process exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Success = 0,
    Attention = 1,
    Usage = 2,
    Conflict = 3,
    External = 4,
    Internal = 5,
}

impl Exit {
    pub fn code(self) -> i32 {
        self as i32
    }

    /// The worse of two outcomes (the higher code: an internal failure is worse
    /// than a missing program, which is worse than a conflict, …).
    pub fn worst(self, other: Exit) -> Exit {
        if other.code() > self.code() {
            other
        } else {
            self
        }
    }
}

/// What one realm of a command acting on several went wrong with, for `--json`.
#[derive(Debug, serde::Serialize)]
pub struct RealmFailure {
    pub realm: String,
    pub message: String,
    pub hints: Vec<String>,
    pub exit: i32,
}

impl RealmFailure {
    pub fn new(realm: &str, err: &Error) -> Self {
        RealmFailure {
            realm: realm.to_owned(),
            message: err.message.clone(),
            hints: err.hints.clone(),
            exit: err.exit.code(),
        }
    }
}

/// An error that knows its exit code, with optional `hint:` lines for the user.
#[derive(Debug)]
pub struct Error {
    pub exit: Exit,
    pub message: String,
    pub hints: Vec<String>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        Error {
            exit,
            message: message.into(),
            hints: Vec::new(),
        }
    }

    /// Bad usage: an argument or flag that cannot work (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Error::new(Exit::Usage, message)
    }

    /// Invalid data in a named file, at a named field (exit 2).
    pub fn invalid(file: &str, field: &str, message: impl fmt::Display) -> Self {
        if field.is_empty() || field == "." {
            Error::usage(format!("invalid {file}: {message}"))
        } else {
            Error::usage(format!("invalid {file}: field `{field}`: {message}"))
        }
    }

    /// A conflict with existing or concurrent state (exit 3).
    pub fn conflict(message: impl Into<String>) -> Self {
        Error::new(Exit::Conflict, message)
    }

    /// An external program is missing or failed (exit 4).
    pub fn external(message: impl Into<String>) -> Self {
        Error::new(Exit::External, message)
    }

    /// Something inside git-realm or its object database went wrong (not the
    /// user's input, not an external program's answer).
    pub fn internal(message: impl Into<String>) -> Self {
        Error::new(Exit::Internal, message)
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// Failures inside gix are failures of the object database or the file system on
/// this machine: report them with what we were doing. They are neither the user's
/// input nor an external program's answer, so they exit 5 (internal).
pub trait Context<T> {
    fn context(self, what: impl FnOnce() -> String) -> Result<T>;
}

impl<T, E: fmt::Display> Context<T> for std::result::Result<T, E> {
    fn context(self, what: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|e| Error::internal(format!("{}: {e}", what())))
    }
}
