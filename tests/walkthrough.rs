//! The README's first command plays `examples/walkthrough.sh`; this keeps it
//! working: it runs the script against the freshly built executables.

use std::path::Path;
use std::process::Command;

#[test]
fn the_walkthrough_demo_plays_to_the_end() {
    let bins = Path::new(env!("CARGO_BIN_EXE_git-realm")).parent().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/walkthrough.sh");
    let path = format!(
        "{}:{}",
        bins.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .arg(&script)
        .env_clear()
        .env("PATH", path)
        .env("TMPDIR", std::env::temp_dir())
        .env("LANG", "C.UTF-8")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "walkthrough failed:\n{stdout}\n{stderr}"
    );
    for line in [
        "✓ Created realm 'letemcook'",
        "✓ Registered aperture in realm 'letemcook'",
        "✓ Exported s3-access/s3-permissions@1.0.0 (3 items",
        "s3-permissions: 1.0.0 → 1.1.0 (minor)",
        "⚠ s3-access/s3-permissions: stale, 1.0.0 → 1.1.0 available",
        "s3-permissions: now at 1.1.0",
        "{\"realm\":\"letemcook\",\"resolves\":\"s3-access/s3-permissions@1.1.0\"}",
        "✓ All contracts current",
        "aperture ──s3-permissions@1.1.0──▶ fungal-image-analysis",
        "Commits linked in refs/notes/realm: aperture@",
        "✓ fungal-image-analysis: feat/training-metrics-v2 → origin (notes pushed)",
        "gh pr create --repo acme/aperture --head feat/training-metrics-v2",
        "Change 'training-metrics-v2' on feat/training-metrics-v2",
        "Done.",
        // Printed commands paste as they are: quoted where the shell needs it.
        "--requires '>=1.0.0'",
    ] {
        assert!(stdout.contains(line), "missing {line:?} in:\n{stdout}");
    }
}
