//! `atmflow gallery` end to end: the real binary, the real flows and scenarios, drawn by
//! wgpu (Mesa's software Vulkan where there is no GPU; scripts/install-gui-deps.sh).

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use atmflow::flows::FlowSource;
use atmflow_engine::program::Program;
use atmflow_ui::offscreen::image;

fn program() -> Arc<Program> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let loaded = FlowSource::choose(Some(&root.join("flows"))).load();
    Arc::new(loaded.program.expect("the shipped flows load"))
}

fn gallery(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_atmflow"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("gallery")
        .args(args)
        .output()
        .expect("the atmflow binary runs")
}

#[test]
fn every_screen_of_the_chosen_flows_is_drawn_in_both_languages() {
    let out = tempfile::tempdir().expect("a temporary folder");
    let dir = out.path().to_str().expect("a UTF-8 path");
    // The scenarios of the plain withdrawal only: other files reach every screen of these
    // flows, and one screen must stay unreached to show how a preview is marked.
    let scenarios = tempfile::tempdir().expect("a temporary folder");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(
        root.join("tests/scenarios/withdrawal.yaml"),
        scenarios.path().join("withdrawal.yaml"),
    )
    .expect("the withdrawal scenarios are copied");
    let run = gallery(&[
        "--out",
        dir,
        "--scenarios",
        scenarios.path().to_str().expect("a UTF-8 path"),
        "--flow",
        "withdrawal",
        "--flow",
        "card_login",
    ]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "the gallery failed:\n{stderr}");

    let program = program();
    assert_eq!(program.languages, ["sq", "en"]);
    let index = std::fs::read_to_string(out.path().join("index.md")).expect("the index");
    let mut drawn = 0;
    for flow in ["withdrawal", "card_login"] {
        let screens = &program.flows[flow].screens;
        assert!(!screens.is_empty());
        for screen in screens.keys() {
            assert!(
                index.contains(&format!("### {flow}/{screen}\n")),
                "{flow}/{screen} is not in the index"
            );
            let mut pixels = Vec::new();
            for language in &program.languages {
                let path = out.path().join(format!("{flow}/{screen}.{language}.png"));
                let img = image::open(&path)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
                    .to_rgba8();
                assert_eq!(img.dimensions(), (1024, 768), "{}", path.display());
                // The header band is the brand blue at the top left, the ground light
                // below it: a screen was drawn, not an empty image.
                assert_eq!(img.get_pixel(4, 4).0, [0x0A, 0x2E, 0x6E, 0xFF]);
                assert_eq!(img.get_pixel(4, 300).0, [0xF3, 0xF5, 0xF8, 0xFF]);
                assert!(
                    index.contains(&format!("({flow}/{screen}.{language}.png)")),
                    "the index does not show {flow}/{screen} in {language}"
                );
                pixels.push(img.into_raw());
                drawn += 1;
            }
            assert_ne!(
                pixels[0], pixels[1],
                "{flow}/{screen} looks the same in both languages"
            );
        }
    }
    // Nothing of the other flows.
    assert!(!out.path().join("deposit").exists());
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        stdout.starts_with(&format!("{drawn} images of {} screens", drawn / 2)),
        "{stdout}"
    );

    // Where each picture comes from: a screen the scenarios reach, and one they do not
    // (the terminal never runs short of notes in tests/scenarios/withdrawal.yaml).
    let section = |id: &str| {
        let start = index.find(&format!("### {id}\n")).expect("a section");
        index[start..]
            .lines()
            .nth(2)
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        section("withdrawal/done").starts_with("scenario *"),
        "{}",
        section("withdrawal/done")
    );
    assert_eq!(
        section("withdrawal/no_cash"),
        "preview (no scenario reaches it)"
    );
    // The demo cards' numbers and PINs never reach the pictures' index.
    for secret in ["4741230000001234", "4741230000005678", "PIN 1234"] {
        assert!(!index.contains(secret), "the index shows {secret}");
    }
}

#[test]
fn without_scenarios_every_screen_is_a_preview() {
    let out = tempfile::tempdir().expect("a temporary folder");
    let empty = tempfile::tempdir().expect("a temporary folder");
    let run = gallery(&[
        "--out",
        out.path().to_str().expect("a UTF-8 path"),
        "--scenarios",
        empty.path().to_str().expect("a UTF-8 path"),
        "--flow",
        "withdrawal",
        "--size",
        "800x600",
    ]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "the gallery failed:\n{stderr}");
    assert!(
        stderr.contains("every screen is drawn as a preview"),
        "{stderr}"
    );
    let index = std::fs::read_to_string(out.path().join("index.md")).expect("the index");
    assert!(!index.contains("scenario *"), "{index}");
    let img = image::open(out.path().join("withdrawal/confirm.en.png"))
        .expect("the confirm screen")
        .to_rgba8();
    assert_eq!(img.dimensions(), (800, 600));
}

#[test]
fn a_flow_that_does_not_exist_or_a_tiny_size_is_refused() {
    let out = tempfile::tempdir().expect("a temporary folder");
    let dir = out.path().to_str().expect("a UTF-8 path");
    let run = gallery(&["--out", dir, "--flow", "withdrawl"]);
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("there is no flow `withdrawl`"), "{stderr}");

    let run = gallery(&["--out", dir, "--size", "100x80"]);
    assert_eq!(run.status.code(), Some(2), "clap's usage error");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("too small"), "{stderr}");
    assert!(
        std::fs::read_dir(out.path())
            .expect("the folder")
            .next()
            .is_none()
    );
}
