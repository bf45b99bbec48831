//! A program's output as a value: run in a checkout of the commit, never by a shell.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::DEFAULT_TIMEOUT_SECONDS;
use crate::error::{Error, Result};

/// Run `command` (split like a shell would, never run by one) in `dir`, with a
/// cleared environment (only `PATH` and `HOME` kept) and a time limit; its
/// standard output is the value: JSON; YAML when it starts with `---`; otherwise
/// one item per line.
pub fn run_command(dir: &Path, command: &str, timeout: Option<u64>, commit: &str) -> Result<Value> {
    let argv = shlex::split(command)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| {
            Error::usage(format!(
                "command source {command:?}: cannot split it into a program and arguments"
            ))
        })?;
    let limit = Duration::from_secs(timeout.unwrap_or(DEFAULT_TIMEOUT_SECONDS));
    // A program named by a relative path (`./tools/api.sh`) is the checkout's own.
    let program = if argv[0].contains('/') && !argv[0].starts_with('/') {
        dir.join(&argv[0])
    } else {
        std::path::PathBuf::from(&argv[0])
    };
    let expr = duct::cmd(program, &argv[1..])
        .dir(dir)
        .full_env(
            ["PATH", "HOME"]
                .into_iter()
                .filter_map(|k| std::env::var_os(k).map(|v| (k.to_owned(), v))),
        )
        .env("GIT_REALM_SOURCE_COMMIT", commit)
        .stdin_null()
        .stdout_capture()
        .stderr_capture()
        .unchecked();
    let handle = expr.start().map_err(|e| {
        Error::usage(format!(
            "command source {command:?}: cannot start {}: {e}",
            argv[0]
        ))
    })?;
    let started = Instant::now();
    let output = loop {
        match handle.try_wait() {
            Ok(Some(out)) => break out.clone(),
            Ok(None) if started.elapsed() > limit => {
                let _ = handle.kill();
                return Err(Error::usage(format!(
                    "command source {command:?}: still running after {}s: stopped",
                    limit.as_secs()
                )));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => {
                return Err(Error::usage(format!("command source {command:?}: {e}")));
            }
        }
    };
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(Error::usage(format!(
            "command source {command:?} failed ({}): {}",
            output.status,
            stderr.trim().lines().last().unwrap_or("")
        )));
    }
    let text = String::from_utf8(output.stdout).map_err(|_| {
        Error::usage(format!(
            "command source {command:?}: its output is not UTF-8"
        ))
    })?;
    parse_output(&text).map_err(|e| Error::usage(format!("command source {command:?}: {e}")))
}

/// A program's output as a value: JSON; YAML when it starts with `---`; otherwise
/// one item per non-empty line (a set).
pub fn parse_output(text: &str) -> std::result::Result<Value, String> {
    let trimmed = text.trim_start();
    if trimmed.starts_with("---") {
        return serde_yaml::from_str(text).map_err(|e| format!("its YAML output: {e}"));
    }
    if let Ok(v) = serde_json::from_str::<Value>(text) {
        return Ok(v);
    }
    let lines: BTreeSet<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    Ok(Value::Array(lines.into_iter().map(Value::String).collect()))
}
