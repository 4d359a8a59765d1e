//! `atmflow lint` as a user runs it: the real binary on flows folders under
//! `tests/fixtures/lint/` (`broken/` is a copy of the shipped flows with one step name
//! misspelt), checking exit codes, every output format and the configuration file.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const BROKEN: &str = "tests/fixtures/lint/broken";
const HEADLINE: &str =
    "account_picker.yaml:24:15: there is no step `pickd` in this flow [unknown-target]";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn atmflow(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_atmflow"))
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .args(args)
        .output()
        .expect("atmflow runs")
}

fn lint(args: &[&str]) -> Output {
    let mut all = vec!["lint"];
    all.extend_from_slice(args);
    atmflow(root(), &all)
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> Value {
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", stdout(o)))
}

/// A copy of the broken fixture at `dest`.
fn copy_broken(dest: &Path) {
    std::fs::create_dir_all(dest).unwrap();
    for e in std::fs::read_dir(root().join(BROKEN)).unwrap().flatten() {
        std::fs::copy(e.path(), dest.join(e.file_name())).unwrap();
    }
}

/// The rule ids of every finding the broken fixture has today.
fn broken_rules() -> BTreeSet<String> {
    let v = json(&lint(&["--format", "json", BROKEN]));
    v.as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

/// A project folder: `flows/` (a copy of the broken fixture) and `atmflow-lint.yaml`
/// beside it giving each of `rules` the `level`.
fn project(level: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let flows = dir.path().join("flows");
    copy_broken(&flows);
    let mut cfg = String::from("rules:\n");
    for r in broken_rules() {
        cfg.push_str(&format!("  {r}: {level}\n"));
    }
    std::fs::write(dir.path().join("atmflow-lint.yaml"), cfg).unwrap();
    (dir, flows)
}

#[test]
fn a_flow_with_an_error_exits_1_and_the_first_line_says_where() {
    let o = lint(&[BROKEN]);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    let first = out.lines().next().unwrap_or_default();
    assert_eq!(first, format!("{BROKEN}/{HEADLINE}"));
    // The snippet under it: the source line and the hint.
    assert!(out.contains("        goto: pickd"), "{out}");
    assert!(out.contains("help: did you mean"), "{out}");
    assert!(
        !out.contains('\u{1b}'),
        "no colour when stdout is not a terminal"
    );
    let last = out.lines().last().unwrap_or_default();
    assert!(
        last.contains("error") && last.ends_with("files"),
        "summary line: {last}"
    );
}

#[test]
fn json_output_is_one_array() {
    let o = lint(&["--format", "json", BROKEN]);
    assert_eq!(code(&o), 1);
    let v = json(&o);
    let f = v
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "unknown-target")
        .expect("the unknown-target finding");
    assert_eq!(f["file"], format!("{BROKEN}/account_picker.yaml"));
    assert_eq!(f["severity"], "error");
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(24), Some(15))
    );
    assert_eq!(f["end_line"].as_u64(), Some(24));
    assert!(f["end_column"].as_u64() > Some(15));
    assert_eq!(f["message"], "there is no step `pickd` in this flow");
    assert!(f["hint"].as_str().unwrap().contains("picked"));
}

#[test]
fn github_output_is_workflow_commands() {
    let o = lint(&["--format", "github", BROKEN]);
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    for line in out.lines() {
        assert!(
            line.starts_with("::error file=") || line.starts_with("::warning file="),
            "{line}"
        );
    }
    let start =
        format!("::error file={BROKEN}/account_picker.yaml,line=24,col=15,endLine=24,endColumn=");
    let end = ",title=unknown-target::there is no step `pickd` in this flow%0Ahint: did you mean";
    assert!(
        out.lines()
            .any(|l| l.starts_with(&start) && l.contains(end)),
        "{out}"
    );
}

#[test]
fn sarif_output_is_json_with_the_results() {
    let o = lint(&["--format", "sarif", BROKEN]);
    assert_eq!(code(&o), 1);
    let v = json(&o);
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "atmflow-lint");
    let r = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "unknown-target")
        .expect("the unknown-target result");
    assert_eq!(r["level"], "error");
    let loc = &r["locations"][0]["physicalLocation"];
    assert_eq!(
        loc["artifactLocation"]["uri"],
        format!("{BROKEN}/account_picker.yaml")
    );
    assert_eq!(loc["region"]["startLine"], 24);
    assert_eq!(loc["region"]["startColumn"], 15);
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules.iter().any(|d| d["id"] == "unknown-target"));
}

#[test]
fn absolute_paths_come_out_relative_to_the_current_folder() {
    let abs = root().join(BROKEN);
    let o = lint(&["--format", "sarif", abs.to_str().unwrap()]);
    let v = json(&o);
    let uris: Vec<&str> = v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(
        uris.contains(&"tests/fixtures/lint/broken/account_picker.yaml"),
        "{uris:?}"
    );
}

#[test]
fn several_folders_are_checked_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other");
    copy_broken(&other);
    let o = lint(&["--format", "json", BROKEN, other.to_str().unwrap()]);
    assert_eq!(code(&o), 1);
    let v = json(&o);
    let files: BTreeSet<String> = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "unknown-target")
        .map(|f| f["file"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(files.len(), 2, "{files:?}");

    // The same folder twice: each finding once.
    let once = json(&lint(&["--format", "json", BROKEN]));
    let twice = json(&lint(&["--format", "json", BROKEN, BROKEN]));
    assert_eq!(once, twice);
}

#[test]
fn without_a_path_it_checks_the_flows_folder_here() {
    let dir = tempfile::tempdir().unwrap();
    copy_broken(&dir.path().join("flows"));
    let o = atmflow(dir.path(), &["lint"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        stdout(&o).lines().next().unwrap_or_default(),
        format!("flows/{HEADLINE}")
    );
}

#[test]
fn the_configuration_beside_the_flows_can_turn_every_finding_off_and_then_it_exits_0() {
    let (_dir, flows) = project("off");
    let o = lint(&[flows.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).starts_with("no problems in "), "{}", stdout(&o));
}

#[test]
fn warnings_alone_exit_0_unless_denied() {
    let (_dir, flows) = project("warning");
    let flows = flows.to_str().unwrap();
    let o = lint(&["--format", "json", flows]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let v = json(&o);
    assert!(!v.as_array().unwrap().is_empty());
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .all(|f| f["severity"] == "warning")
    );
    let o = lint(&["--deny-warnings", flows]);
    assert_eq!(code(&o), 1);
}

#[test]
fn an_explicit_config_file_overrides_the_one_found() {
    let (dir, flows) = project("off");
    let strict = dir.path().join("strict.yaml");
    std::fs::write(&strict, "rules:\n  unknown-target: error\n").unwrap();
    let o = lint(&[
        "--config",
        strict.to_str().unwrap(),
        flows.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
}

#[test]
fn an_inline_silence_with_a_reason_removes_the_finding() {
    let dir = tempfile::tempdir().unwrap();
    let flows = dir.path().join("flows");
    copy_broken(&flows);
    let file = flows.join("account_picker.yaml");
    let text = std::fs::read_to_string(&file).unwrap().replace(
        "        goto: pickd\n",
        "        goto: pickd  # atmflow-lint: allow unknown-target -- a test of silences\n",
    );
    std::fs::write(&file, text).unwrap();
    let v = json(&lint(&["--format", "json", flows.to_str().unwrap()]));
    assert!(
        !v.as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "unknown-target"
                || f["rule"] == "unused-silence"
                || f["rule"] == "silence-without-reason"),
        "{v:#}"
    );
}

#[test]
fn an_unknown_rule_in_the_configuration_is_a_warning_at_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let flows = dir.path().join("flows");
    copy_broken(&flows);
    std::fs::write(
        dir.path().join("atmflow-lint.yaml"),
        "rules:\n  unknown-targte: off\n",
    )
    .unwrap();
    let o = atmflow(dir.path(), &["lint", "--format", "json", "flows"]);
    let v = json(&o);
    let f = v
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "config-unknown-rule")
        .expect("config-unknown-rule");
    assert_eq!(f["file"], "atmflow-lint.yaml");
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(2), Some(3))
    );
    assert_eq!(f["severity"], "warning");
}

#[test]
fn bad_usage_exits_2() {
    let o = lint(&["--format", "xml", BROKEN]);
    assert_eq!(code(&o), 2);

    let o = lint(&["--config", "/no/such/atmflow-lint.yaml", BROKEN]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("cannot read the lint configuration"),
        "{}",
        stderr(&o)
    );

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "rules:\n  unknown-target: fatal\n").unwrap();
    let o = lint(&["--config", bad.to_str().unwrap(), BROKEN]);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(err.contains("bad.yaml:2:"), "{err}");
    assert!(err.contains("the lint configuration is not valid"), "{err}");

    std::fs::write(&bad, "settings:\n  card: {taken_by: x}\n").unwrap();
    let o = lint(&["--config", bad.to_str().unwrap(), BROKEN]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("[config-settings]"), "{}", stderr(&o));

    let o = lint(&["tests/fixtures/lint/no-such-folder"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("no-such-folder"), "{}", stderr(&o));
}

#[cfg(target_os = "linux")]
#[test]
fn an_output_that_cannot_be_written_exits_3() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return;
    };
    let o = Command::new(env!("CARGO_BIN_EXE_atmflow"))
        .current_dir(root())
        .args(["lint", BROKEN])
        .stdout(full)
        .output()
        .expect("atmflow runs");
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
