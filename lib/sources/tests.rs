use super::locate::last_key;
use super::*;
use serde_json::json;

fn files(list: &[(&str, &str)]) -> MemoryFiles {
    MemoryFiles(
        list.iter()
            .map(|(p, c)| (p.to_string(), c.to_string()))
            .collect(),
    )
}

fn extracted(args: &[&str], fs: &MemoryFiles) -> Value {
    let plain: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    evaluate(&extract_source(&plain, &[], &[]).unwrap(), fs).unwrap()
}

#[test]
fn capture_groups_every_match_every_group() {
    let re = regex::Regex::new(r#"s3://bucket/([^"']+)"#).unwrap();
    assert_eq!(
        matches(&re, "a = 's3://bucket/x/*'\nb = \"s3://bucket/y\""),
        ["x/*", "y"]
    );
    let re = regex::Regex::new(r"(?P<kind>read|write)=(?P<value>\S+)").unwrap();
    assert_eq!(matches(&re, "read=a write=b"), ["a", "b"]);
    let re = regex::Regex::new(r"\d+").unwrap();
    assert_eq!(matches(&re, "1 22"), ["1", "22"]);
    // Items listed together: every group of every match.
    let re = regex::Regex::new(r"use \{(\w+), (\w+)\}").unwrap();
    assert_eq!(matches(&re, "use {A, B}\nuse {C, D}"), ["A", "B", "C", "D"]);
}

#[test]
fn gitignore_style_globs() {
    let g = Globs::new("src/*.rs").unwrap();
    assert!(g.is_match("src/lib.rs"));
    assert!(!g.is_match("src/a/b.rs"), "* stops at /");
    let g = Globs::new("src/**/*.rs !src/sys/**").unwrap();
    assert!(g.is_match("src/a/b.rs"));
    assert!(!g.is_match("src/sys/unix.rs"));
    let g = Globs::new("*.py").unwrap();
    assert!(g.is_match("a/b/c.py"), "no slash: any depth");
    let g = Globs::new("/*.py").unwrap();
    assert!(!g.is_match("a/c.py"));
    let g = Globs::new("!vendor").unwrap();
    assert!(g.is_match("src/x"));
    assert!(!g.is_match("vendor/x/y"));
    assert!(Globs::new("../x").is_err());
    assert!(Globs::new(".git/config").is_err());
    assert!(Globs::new("").is_err());
    assert!(
        Globs::new(&Globs::literal("a[1].txt"))
            .unwrap()
            .is_match("a[1].txt")
    );
}

#[test]
fn extraction_builds_sets_maps_and_per_file_maps() {
    let fs = files(&[
        (
            "src/a.rs",
            "pub fn parse(s: &str)\npub fn run()\npub enum Error {}",
        ),
        (
            "src/b/mod.rs",
            "pub enum Error {}\n#[cfg(feature = \"x\")]\npub fn hidden()",
        ),
        ("src/sys/c.rs", "pub fn private()"),
    ]);
    assert_eq!(
        extracted(&[r"src/**/*.rs !src/sys=pub (?:fn|enum) (\w+)"], &fs),
        json!(["Error", "hidden", "parse", "run"])
    );
    assert_eq!(
        extracted(
            &[r"src/**/*.rs=pub fn (?P<key>\w+)(?P<value>\([^)]*\))"],
            &fs
        ),
        json!({"hidden": "()", "parse": "(s: &str)", "private": "()", "run": "()"})
    );
    let per_file = extract_source(&[], &[], &[r"src/**/*.rs=pub enum (\w+)".into()]).unwrap();
    assert_eq!(
        evaluate(&per_file, &fs).unwrap(),
        json!({"src/a.rs": ["Error"], "src/b/mod.rs": ["Error"]})
    );
    // Multi-line patterns.
    assert_eq!(
        extracted(&[r#"src/**/*.rs=(?m)^pub fn (\w+)"#], &fs),
        json!(["hidden", "parse", "private", "run"])
    );
    // A cfg-gated item is matched whole by the first alternative, which has no
    // `value` group, so it adds nothing.
    let gated = r#"src/**/*.rs=(?m)#\[cfg\([^)]*\)\]\s*pub fn \w+|^pub fn (?P<value>\w+)"#;
    assert_eq!(extracted(&[gated], &fs), json!(["parse", "private", "run"]));
}

#[test]
fn toml_yaml_json_files() {
    let fs = files(&[
        (
            "Cargo.toml",
            "[package]\nname = \"x\"\n[features]\ndefault = [\"a\"]\n",
        ),
        ("c.json", r#"{"port": 80}"#),
    ]);
    let src = ValueSource::File {
        path: "Cargo.toml".parse().unwrap(),
        pointer: Some("/features".into()),
    };
    assert_eq!(evaluate(&src, &fs).unwrap(), json!({"default": ["a"]}));
    let src = ValueSource::File {
        path: "c.json".parse().unwrap(),
        pointer: None,
    };
    assert_eq!(evaluate(&src, &fs).unwrap(), json!({"port": 80}));
    let missing = ValueSource::File {
        path: "nope.yaml".parse().unwrap(),
        pointer: None,
    };
    assert!(
        evaluate(&missing, &fs)
            .unwrap_err()
            .message
            .contains("committed")
    );
}

#[test]
fn realm_sources_pass_the_command_line_checks() {
    let cmd = ValueSource::Command {
        command: "echo hi".into(),
        timeout_seconds: None,
    };
    assert!(validate(&cmd, false).is_ok());
    assert!(validate(&cmd, true).is_err());
    let git = ValueSource::File {
        path: ".git/config".parse().unwrap(),
        pointer: None,
    };
    assert!(validate(&git, true).is_err());
    let rules = ValueSource::Extract {
        rules: vec![ExtractRule {
            key: None,
            glob: "../../etc/*".into(),
            regex: "x".into(),
            by_file: false,
        }],
    };
    assert!(validate(&rules, true).is_err());
}

#[test]
fn command_output_formats() {
    assert_eq!(parse_output("{\"a\": 1}").unwrap(), json!({"a": 1}));
    assert_eq!(parse_output("---\na: [1]\n").unwrap(), json!({"a": [1]}));
    assert_eq!(
        parse_output("pub fn a(x: u32)\n\npub fn b()\npub fn a(x: u32)\n").unwrap(),
        json!(["pub fn a(x: u32)", "pub fn b()"])
    );
}

#[test]
fn items_are_located_where_they_were_found() {
    use crate::items::diff;
    let fs = files(&[
        ("src/a.py", "x = 1\nopen('s3://b/jobs/*')\n"),
        ("src/b.py", "\n\nopen('s3://b/logs/*')\n"),
        (
            "conf.json",
            "{\n  \"port\": 81,\n  \"read\": [\"a\", \"ab\"]\n}\n",
        ),
    ]);
    let extract = extract_source(&[r"src/*.py=s3://b/([^']+)".into()], &[], &[]).unwrap();
    let value = evaluate(&extract, &fs).unwrap();
    let changes = diff(&json!(["jobs/*"]), &value, &[]);
    assert_eq!(
        locate(&extract, &fs, &changes[0]).unwrap(),
        Some(Location {
            file: "src/b.py".into(),
            line: Some(3)
        })
    );
    let file = ValueSource::File {
        path: "conf.json".parse().unwrap(),
        pointer: None,
    };
    let changed = diff(&json!({"port": 80}), &json!({"port": 81}), &[]);
    assert_eq!(
        locate(&file, &fs, &changed[0]).unwrap().unwrap().line,
        Some(2)
    );
    let added = diff(&json!({"read": ["ab"]}), &json!({"read": ["a", "ab"]}), &[]);
    assert_eq!(
        locate(&file, &fs, &added[0]).unwrap().unwrap().line,
        Some(3)
    );
    assert_eq!(last_key("limits.max").as_deref(), Some("max"));
    assert_eq!(last_key("\"a.b\"").as_deref(), Some("a.b"));
    assert_eq!(last_key("routes[path=/a]").as_deref(), Some("/a"));
    assert_eq!(last_key("routes[0]").as_deref(), Some("routes"));
}

#[test]
fn extract_arguments() {
    assert!(extract_source(&["*.py=x".into()], &["k=*.py=y".into()], &[]).is_err());
    assert!(extract_source(&["noequals".into()], &[], &[]).is_err());
    assert!(extract_source(&["*.py=(".into()], &[], &[]).is_err());
    let ValueSource::Extract { rules } =
        extract_source(&[], &["read=src/**/*.py=a=(b)".into()], &[]).unwrap()
    else {
        panic!()
    };
    assert_eq!(rules[0].key.as_deref(), Some("read"));
    assert_eq!(rules[0].glob, "src/**/*.py");
    assert_eq!(rules[0].regex, "a=(b)");
}
