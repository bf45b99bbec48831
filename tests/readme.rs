//! The README's quick start runs as written: this test extracts its `sh` block
//! and runs it with bash (`set -e`) in a sandbox holding the two clones it
//! describes.

mod common;

use common::World;

fn quick_start() -> String {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = readme
        .split("\n## Quick start\n")
        .nth(1)
        .expect("the README has a Quick start section");
    let block = section
        .split("```sh\n")
        .nth(1)
        .expect("the quick start has an sh block");
    block.split("\n```").next().unwrap().to_owned()
}

#[test]
fn the_readme_quick_start_runs_verbatim() {
    let w = World::new();
    std::fs::create_dir_all(w.path("work")).unwrap();
    for name in ["aperture", "fungal-image-analysis"] {
        w.member(name);
        std::fs::rename(w.path(name), w.path(&format!("work/{name}"))).unwrap();
    }
    w.write(
        "work/aperture",
        "models/train.py",
        "data = read(\"s3://bucket/training/images/*\")\nlabels = read(\"s3://bucket/training/labels/*\")\n",
    );
    w.git("work/aperture", &["add", "."]).ok();
    w.git("work/aperture", &["commit", "-q", "-m", "training"])
        .ok();
    w.write(
        "work/fungal-image-analysis",
        "cdk/training_tools_access_stack.py",
        "# grants for aperture\n",
    );
    w.git("work/fungal-image-analysis", &["add", "."]).ok();
    w.git(
        "work/fungal-image-analysis",
        &["commit", "-q", "-m", "iam stack"],
    )
    .ok();

    let script = format!("set -e\n{}\n", quick_start());
    let run = w
        .run_cmd(w.command(&w.path("work"), "bash", &["-c", &script]))
        .ok();
    assert!(
        run.stdout
            .contains("✓ Exported s3-access/s3-permissions@1.0.0 (2 items"),
        "{}",
        run.stdout
    );
    let files = w.realm_files("work/realm-letemcook.git");
    assert!(
        files.contains(&"domains/s3-access/bindings/fungal-image-analysis.yaml".to_owned()),
        "{files:?}"
    );
    // The relative realm path was recorded as the absolute one.
    let url = w
        .git("work/aperture", &["config", "realm.letemcook.url"])
        .ok();
    assert_eq!(
        url.stdout.trim(),
        w.path("work/realm-letemcook.git").display().to_string()
    );
}
