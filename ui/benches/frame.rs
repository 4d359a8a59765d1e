//! The window's frame: what drawing a screen costs, and what going from one screen to the
//! next costs in the interpreter (docs/performance.md, "The window's frame").
//!
//! ```sh
//! cargo bench -p atmflow-ui --bench frame            # everything (under a minute)
//! cargo bench -p atmflow-ui --bench frame -- cpu     # a group: cpu, window, wgpu, interpreter
//! ```
//!
//! The screens are real: a `Terminal` over the shipped `flows/`, simulated devices and a
//! fresh in-memory demo bank is driven with the customer's actions (`atmflow::actions`, as
//! the window, the console and the scenario runner perform them) along the path of the
//! first scenario of `tests/scenarios/email_update.yaml`, and the views it shows on the way
//! are the ones drawn. The measured screens (docs/performance.md says why these, from all
//! the screens the scenarios reach):
//!
//! - `welcome/idle`: the QR code (encoded and painted as squares on every frame) and six
//!   lines: the most shapes and the slowest CPU frame;
//! - `welcome/idle+qr`: the same after the customer touched the QR code to enlarge it (two
//!   QR codes on the screen);
//! - `email_update/enter`: the on-screen keyboard (42 keys), a text input, a disabled
//!   primary action with its reason: the most vertices;
//! - `main_menu/menu`: the most buttons (15).
//!
//! Before the figures it prints what each frame draws (shapes, vertices, passes) and what
//! each interpreter step writes to the journal and asks the host; it stops if the flows no
//! longer lead to these screens.
//!
//! Groups:
//!
//! - `cpu`: one frame on the CPU as the window does it before the GPU: `Context::run_ui`
//!   with the screen drawn by `screen_ui_with` on the terminal's fonts, then
//!   `Context::tessellate`. `warm`: the same screen again (as on the window's repaint twice
//!   a second); `screen_change`: the first frame of a screen after another one (texts laid
//!   out anew, font atlas warm); `first_showing`: the same on a context that has drawn
//!   only the previous screen (the new screen's glyphs rasterized too); `first_frame`: the
//!   very first frame of a new context (fonts loaded, atlas built); `tessellate_only` and
//!   `qr_encode`: two parts of a frame;
//! - `window`: one frame of the whole window (`TerminalWindow::ui`: the terminal ticked,
//!   the screen and the device panel), tessellated;
//! - `wgpu`: egui_kittest's wgpu renderer, Vulkan only (Mesa's lavapipe without a GPU):
//!   `step` is a frame of the harness (egui pass and accessibility tree), `step_render` the
//!   same frame drawn to pixels and read back;
//! - `interpreter`: button presses and keys dispatched to the `Terminal` up to the next
//!   screen's view, with the journal in a file (as in the window) or in memory.

use std::path::PathBuf;
use std::sync::{Arc, LazyLock};

use atmflow::actions::{Action, SimTerminal, perform};
use atmflow::flows::FlowSource;
use atmflow::host::SimHost;
use atmflow::scenario::scenario_start;
use atmflow::window::TerminalWindow;
use atmflow_bank::Bank;
use atmflow_devices::SimDevices;
use atmflow_engine::journal::Journal;
use atmflow_engine::ports::ScreenView;
use atmflow_engine::program::Program;
use atmflow_engine::terminal::Terminal;
use atmflow_ui::egui::{self, ClippedPrimitive, Color32, Pos2, Rect, Shape, Vec2};
use atmflow_ui::{ScreenOptions, screen_ui_with};
use chrono::NaiveDateTime;
use divan::Bencher;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

fn main() {
    // Mesa's Vulkan driver looks for a Wayland display and prints an "error:" line for
    // each device when XDG_RUNTIME_DIR is not set: give it an empty one (as
    // ui/tests/snapshots.rs does).
    let runtime = tempfile::tempdir().expect("a temporary folder");
    if std::env::var_os("XDG_RUNTIME_DIR").is_none() {
        // SAFETY: no other thread is running yet.
        unsafe { std::env::set_var("XDG_RUNTIME_DIR", runtime.path()) };
    }
    describe_all();
    divan::main();
}

/// The screen's size in points: what it is designed for (ui/src/screen.rs).
const SCREEN: Vec2 = egui::vec2(1024.0, 768.0);
/// The window's size as `atmflow run` opens it: the screen and the device panel.
const WINDOW: Vec2 = egui::vec2(1024.0 + 420.0 + 20.0, 820.0);

/// The screens measured, by name (a screen id, `+qr`: the QR code enlarged).
const SCREENS: &[&str] = &[
    "welcome/idle",
    "welcome/idle+qr",
    "email_update/enter",
    "main_menu/menu",
];

/// The screens whose change from the previous one is measured.
const CHANGES: &[&str] = &["welcome/idle", "email_update/enter", "main_menu/menu"];

fn now() -> NaiveDateTime {
    scenario_start()
}

fn options() -> ScreenOptions {
    ScreenOptions { now: Some(now()) }
}

static PROGRAM: LazyLock<Arc<Program>> = LazyLock::new(|| {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../flows");
    let loaded = FlowSource::Dir(dir).load();
    let program = loaded
        .program
        .unwrap_or_else(|| panic!("the flows do not load: {:#?}", loaded.diagnostics));
    Arc::new(program)
});

/// A terminal on the shipped flows, simulated devices and a fresh in-memory demo bank.
fn terminal(journal: Journal) -> SimTerminal {
    Terminal::new(
        PROGRAM.clone(),
        SimHost::new(Bank::open_in_memory().expect("the demo bank")),
        SimDevices::new(),
        journal,
        "T001",
        now(),
    )
}

fn shown(t: &SimTerminal) -> String {
    t.view().map(|v| v.id.clone()).unwrap_or_default()
}

fn act(t: &mut SimTerminal, action: Action, expect: &str) {
    if let Err(e) = perform(t, &action, now()) {
        panic!("{action:?} on {}: {e}", shown(t));
    }
    assert_eq!(shown(t), expect, "after {action:?}: the flows changed?");
}

fn press(id: &str) -> Action {
    Action::Press(id.into())
}

/// Drives `t` from the welcome screen to the main menu (Arta's card, PIN 1234).
fn to_main_menu(t: &mut SimTerminal) {
    assert_eq!(shown(t), "welcome/idle");
    act(
        t,
        Action::InsertCard("4741230000001234".into()),
        "card_login/pin",
    );
    act(t, Action::Type("1234".into()), "card_login/pin");
    act(t, press("enter"), "main_menu/menu");
}

/// Drives `t` from the main menu to the e-mail keyboard (More → Update e-mail → Update).
fn to_email_enter(t: &mut SimTerminal) {
    act(t, press("more"), "main_menu/more");
    act(t, press("email"), "email_update/profile");
    act(t, press("update"), "email_update/enter");
}

/// The round of `interpreter::round_to_keyboard`, from the main menu back to it.
fn round() -> [(Action, &'static str); 4] {
    [
        (press("more"), "main_menu/more"),
        (press("email"), "email_update/profile"),
        (press("update"), "email_update/enter"),
        (press("main_menu"), "main_menu/menu"),
    ]
}

/// The real views, as the terminal showed them.
struct Gallery {
    /// The screens drawn again and again, by id.
    steady: Vec<ScreenView>,
    /// `(before, first)`: the screen shown before a change, and the first view after it.
    changes: Vec<(ScreenView, ScreenView)>,
}

static GALLERY: LazyLock<Gallery> = LazyLock::new(|| {
    let mut t = terminal(Journal::in_memory());
    let view = |t: &SimTerminal| t.view().cloned().expect("a screen");
    let welcome = view(&t);
    act(
        &mut t,
        Action::InsertCard("4741230000001234".into()),
        "card_login/pin",
    );
    act(&mut t, Action::Type("1234".into()), "card_login/pin");
    let pin = view(&t);
    act(&mut t, press("enter"), "main_menu/menu");
    let menu = view(&t);
    act(&mut t, press("more"), "main_menu/more");
    act(&mut t, press("email"), "email_update/profile");
    let profile = view(&t);
    act(&mut t, press("update"), "email_update/enter");
    let enter_first = view(&t);
    // An address half typed: Go is disabled and says why.
    act(
        &mut t,
        Action::Type("arta.new@example".into()),
        "email_update/enter",
    );
    let enter = view(&t);
    assert!(
        enter.inputs.iter().any(|i| i.focused) && enter.buttons.iter().any(|b| !b.enabled),
        "the e-mail screen has no focused input (keyboard) or no disabled button"
    );
    act(&mut t, press("main_menu"), "main_menu/menu");
    act(&mut t, press("eject"), "card_return/take_card");
    let take_card = view(&t);
    act(&mut t, Action::TakeCard, "welcome/idle");
    let welcome_again = view(&t);
    Gallery {
        steady: vec![welcome, enter, menu.clone()],
        changes: vec![
            (take_card, welcome_again),
            (profile, enter_first),
            (pin, menu),
        ],
    }
});

/// The change to the screen `id`: the view before it and the first view of `id`.
fn change(id: &str) -> (ScreenView, ScreenView) {
    GALLERY
        .changes
        .iter()
        .find(|(_, first)| first.id == id)
        .cloned()
        .unwrap_or_else(|| panic!("no change to {id}"))
}

/// The view behind a name of [`SCREENS`] and whether its QR code is enlarged.
fn steady(name: &str) -> (ScreenView, bool) {
    let (id, enlarged) = match name.strip_suffix("+qr") {
        Some(id) => (id, true),
        None => (name, false),
    };
    let view = GALLERY
        .steady
        .iter()
        .find(|v| v.id == id)
        .unwrap_or_else(|| panic!("no view {id}"))
        .clone();
    (view, enlarged)
}

fn input(size: Vec2, events: Vec<egui::Event>) -> egui::RawInput {
    egui::RawInput {
        screen_rect: Some(Rect::from_min_size(Pos2::ZERO, size)),
        events,
        ..Default::default()
    }
}

/// One frame of the screen on the CPU: the egui pass, then the tessellation.
fn frame(ctx: &egui::Context, view: &ScreenView, events: Vec<egui::Event>) -> Frame {
    let options = options();
    let output = ctx.run_ui(input(SCREEN, events), |ui| {
        screen_ui_with(ui, view, &options);
    });
    let shapes = output.shapes.len();
    let passes = output.platform_output.num_completed_passes;
    let primitives = ctx.tessellate(output.shapes, output.pixels_per_point);
    Frame {
        shapes,
        passes,
        primitives,
    }
}

struct Frame {
    shapes: usize,
    passes: usize,
    primitives: Vec<ClippedPrimitive>,
}

impl Frame {
    fn vertices(&self) -> usize {
        self.primitives
            .iter()
            .map(|p| match &p.primitive {
                egui::epaint::Primitive::Mesh(m) => m.vertices.len(),
                egui::epaint::Primitive::Callback(_) => 0,
            })
            .sum()
    }
}

/// A context with the terminal's fonts.
fn context() -> egui::Context {
    let ctx = egui::Context::default();
    assert!(
        atmflow_ui::fonts::install(&ctx),
        "DejaVu Sans is not installed: run scripts/install-gui-deps.sh"
    );
    ctx
}

/// A warm context showing `view` (its QR code enlarged if asked), ready for more frames.
fn warm_context(view: &ScreenView, enlarged: bool) -> egui::Context {
    let ctx = context();
    for _ in 0..3 {
        frame(&ctx, view, vec![]);
    }
    if enlarged {
        enlarge_qr(&ctx, view);
    }
    ctx
}

/// Touches the QR code, as a customer does to enlarge it, and checks that it grew.
fn enlarge_qr(ctx: &egui::Context, view: &ScreenView) {
    let options = options();
    let output = ctx.run_ui(input(SCREEN, vec![]), |ui| {
        screen_ui_with(ui, view, &options);
    });
    // The QR code's white ground: the largest white square painted.
    let qr = output
        .shapes
        .iter()
        .filter_map(|s| match &s.shape {
            Shape::Rect(r) if r.fill == Color32::WHITE && r.rect.is_finite() => Some(r.rect),
            _ => None,
        })
        .filter(|r| (r.width() - r.height()).abs() < 1.0 && r.width() > 100.0)
        .max_by(|a, b| a.width().total_cmp(&b.width()))
        .expect("no QR code on the screen");
    let before = output.shapes.len();
    let at = qr.center();
    let button = |pressed| egui::Event::PointerButton {
        pos: at,
        button: egui::PointerButton::Primary,
        pressed,
        modifiers: egui::Modifiers::NONE,
    };
    frame(ctx, view, vec![egui::Event::PointerMoved(at), button(true)]);
    frame(ctx, view, vec![button(false)]);
    let after = frame(ctx, view, vec![]).shapes;
    assert!(
        after > before * 3 / 2,
        "the QR code did not grow when touched ({before} shapes, then {after})"
    );
}

/// What each measured frame draws, printed once before the figures.
fn describe_all() {
    let line = |what: &str, f: &Frame| {
        eprintln!(
            "  {what:<58} {:>4} shapes {:>6} vertices {:>2} mesh(es) {} pass(es)",
            f.shapes,
            f.vertices(),
            f.primitives.len(),
            f.passes
        );
    };
    eprintln!("What one frame draws (1024x768 points, 1 pixel per point):");
    for name in SCREENS {
        let (view, enlarged) = steady(name);
        let ctx = warm_context(&view, enlarged);
        line(name, &frame(&ctx, &view, vec![]));
    }
    for (before, first) in &GALLERY.changes {
        let ctx = warm_context(first, false);
        for _ in 0..2 {
            frame(&ctx, before, vec![]);
        }
        let what = format!("{} -> {} (first frame)", before.id, first.id);
        line(&what, &frame(&ctx, first, vec![]));
    }
    for name in CHANGES {
        let (view, _) = steady(name);
        let what = format!("{name} (very first frame)");
        line(&what, &frame(&context(), &view, vec![]));
    }
    check_interpreter_paths();
    eprintln!();
}

/// What the interpreter's benchmarks do, checked and printed on a journal in memory: the
/// journal records written and the host requests made (only the return to the main menu
/// asks the host, for its fast-withdrawal presets).
fn check_interpreter_paths() {
    let mut t = terminal(Journal::in_memory());
    to_main_menu(&mut t);
    let run = |t: &mut SimTerminal, what: &str, hosts: usize, steps: &[(Action, &str)]| {
        let start = t.journal().lines().len();
        for (action, to) in steps {
            act(t, action.clone(), to);
        }
        let lines = &t.journal().lines()[start..];
        let host = lines
            .iter()
            .filter(|l| l.contains(r#""kind":"host""#))
            .count();
        let bytes: usize = lines.iter().map(|l| l.len() + 1).sum();
        eprintln!(
            "  interpreter {what:<46} {} journal records, {bytes} bytes, {host} host requests",
            lines.len()
        );
        assert_eq!(host, hosts, "{what}: the flows changed?");
    };
    run(
        &mut t,
        "press_more, press_back",
        0,
        &[
            (press("more"), "main_menu/more"),
            (press("back"), "main_menu/menu"),
        ],
    );
    run(&mut t, "round_to_keyboard (4 presses)", 1, &round());
    to_email_enter(&mut t);
    let field = "email_update/enter";
    run(
        &mut t,
        "type_letter (and the backspace after it)",
        0,
        &[
            (Action::Type("a".into()), field),
            (Action::Backspace, field),
        ],
    );
}

/// One frame on the CPU (egui pass + tessellation), 1024×768 points, 1 pixel per point.
#[divan::bench_group]
mod cpu {
    use super::*;

    /// The same screen again, as on every repaint (twice a second, and on every input).
    #[divan::bench(args = SCREENS)]
    fn warm(bencher: Bencher, name: &str) {
        let (view, enlarged) = steady(name);
        let ctx = warm_context(&view, enlarged);
        bencher.bench_local(|| frame(&ctx, &view, vec![]).primitives);
    }

    /// The first frame of a screen after the previous one, on a running terminal: every
    /// text laid out anew (egui keeps a text's layout only while it is drawn every frame),
    /// the glyphs already in the font atlas.
    #[divan::bench(args = CHANGES, sample_size = 1, sample_count = 300)]
    fn screen_change(bencher: Bencher, name: &str) {
        let (before, first) = change(name);
        let ctx = warm_context(&first, false);
        for _ in 0..2 {
            frame(&ctx, &before, vec![]);
        }
        bencher
            .with_inputs(|| {
                for _ in 0..2 {
                    frame(&ctx, &before, vec![]);
                }
            })
            .bench_local_values(|()| frame(&ctx, &first, vec![]).primitives);
    }

    /// `screen_change` on a context that has drawn only the previous screen: the glyphs
    /// the new screen adds are rasterized into the font atlas too, as the first time a
    /// screen is shown after the terminal started.
    #[divan::bench(args = CHANGES, sample_size = 1, sample_count = 100)]
    fn first_showing(bencher: Bencher, name: &str) {
        let (before, first) = change(name);
        bencher
            .with_inputs(|| warm_context(&before, false))
            .bench_local_values(|ctx| {
                let f = frame(&ctx, &first, vec![]);
                (ctx, f.primitives)
            });
    }

    /// The tessellation alone, of a warm frame's shapes: the rest of `warm` is the egui
    /// pass (layout, widgets, painting into shapes).
    #[divan::bench(args = SCREENS)]
    fn tessellate_only(bencher: Bencher, name: &str) {
        let (view, enlarged) = steady(name);
        let ctx = warm_context(&view, enlarged);
        let options = options();
        let output = ctx.run_ui(input(SCREEN, vec![]), |ui| {
            screen_ui_with(ui, &view, &options);
        });
        let ppp = output.pixels_per_point;
        bencher
            .with_inputs(|| output.shapes.clone())
            .bench_local_values(|shapes| ctx.tessellate(shapes, ppp));
    }

    /// Encoding the welcome screen's QR payload, which `paint_qr` does on every frame.
    #[divan::bench]
    fn qr_encode(bencher: Bencher) {
        let (view, _) = steady("welcome/idle");
        let payload = view.qr.expect("the welcome screen shows a QR code");
        bencher.bench_local(|| qrcode::QrCode::new(payload.as_bytes()).map(|c| c.width()));
    }

    /// The very first frame of a new context: the fonts loaded and the atlas built.
    #[divan::bench(args = CHANGES, sample_size = 1, sample_count = 100)]
    fn first_frame(bencher: Bencher, name: &str) {
        let (view, _) = steady(name);
        bencher.with_inputs(context).bench_local_values(|ctx| {
            let f = frame(&ctx, &view, vec![]);
            // The context is dropped after the timing.
            (ctx, f.primitives)
        });
    }
}

/// One frame of the whole window as `atmflow run` opens it (1464×820 points): the terminal
/// ticked, the screen and the device panel, tessellated.
#[divan::bench_group]
mod window {
    use super::*;

    #[divan::bench(args = ["welcome/idle", "email_update/enter"])]
    fn warm(bencher: Bencher, name: &str) {
        let data = tempfile::tempdir().expect("a temporary folder");
        let journal = Journal::open(&data.path().join("journal.jsonl")).expect("the journal");
        let mut t = terminal(journal);
        if name == "email_update/enter" {
            to_main_menu(&mut t);
            to_email_enter(&mut t);
        }
        let mut window = TerminalWindow::new(t, None).with_clock(now);
        let ctx = context();
        let mut run = || {
            let output = ctx.run_ui(input(WINDOW, vec![]), |ui| window.ui(ui));
            let shapes = output.shapes.len();
            let primitives = ctx.tessellate(output.shapes, output.pixels_per_point);
            Frame {
                shapes,
                passes: output.platform_output.num_completed_passes,
                primitives,
            }
        };
        for _ in 0..3 {
            run();
        }
        bencher.bench_local(|| run().primitives);
    }
}

/// Vulkan only (lavapipe where there is no GPU), as ui/tests/snapshots.rs renders.
fn vulkan_only() -> egui_wgpu::WgpuSetup {
    let mut setup = egui_kittest::wgpu::default_wgpu_setup();
    if let egui_wgpu::WgpuSetup::CreateNew(new) = &mut setup {
        new.instance_descriptor.backends = egui_wgpu::wgpu::Backends::VULKAN;
    }
    setup
}

/// The screen in egui_kittest's harness, drawn by wgpu to an image (1024×768 pixels).
#[divan::bench_group]
mod wgpu {
    use super::*;

    fn harness(name: &str) -> Harness<'static> {
        let (view, enlarged) = steady(name);
        let options = options();
        let mut h = Harness::builder()
            .with_size(SCREEN)
            .wgpu_setup(vulkan_only())
            .build_ui(move |ui| {
                screen_ui_with(ui, &view, &options);
            });
        assert!(
            atmflow_ui::fonts::install(&h.ctx),
            "DejaVu Sans is not installed: run scripts/install-gui-deps.sh"
        );
        h.run();
        if enlarged {
            h.get_by_label("QR code").click();
            h.run();
            assert!(h.query_by_label("QR code, enlarged").is_some());
        }
        if let Err(e) = h.render() {
            panic!("no wgpu rendering (Vulkan: lavapipe, scripts/install-gui-deps.sh): {e}");
        }
        h
    }

    /// The fixed part of drawing to pixels: a frame with nothing on it (the texture
    /// cleared, the image read back).
    #[divan::bench(sample_count = 100)]
    fn blank_render(bencher: Bencher) {
        let mut h = Harness::builder()
            .with_size(SCREEN)
            .wgpu_setup(vulkan_only())
            .build_ui(|_| {});
        h.run();
        if let Err(e) = h.render() {
            panic!("no wgpu rendering (Vulkan: lavapipe, scripts/install-gui-deps.sh): {e}");
        }
        bencher.bench_local(|| {
            h.step();
            h.render().expect("rendered")
        });
    }

    /// A frame of the harness without drawing: the egui pass and the accessibility tree.
    #[divan::bench(args = SCREENS, sample_count = 100)]
    fn step(bencher: Bencher, name: &str) {
        let mut h = harness(name);
        bencher.bench_local(|| h.step());
    }

    /// The same frame drawn: tessellated, uploaded, rasterized by wgpu, read back.
    #[divan::bench(args = SCREENS, sample_count = 100)]
    fn step_render(bencher: Bencher, name: &str) {
        let mut h = harness(name);
        bencher.bench_local(|| {
            h.step();
            h.render().expect("rendered")
        });
    }
}

/// The interpreter going from one screen to the next: `Terminal::dispatch` of the
/// customer's action (journaled to a file, as in the window) and the next view, which the
/// window clones on its next frame. Only `round_to_keyboard` asks the host (the main menu's
/// presets, once a round), and the in-process demo bank answers at once.
#[divan::bench_group]
mod interpreter {
    use std::cell::RefCell;

    use super::*;

    /// The journal: `file` as in the window (written, not flushed, on every record), or
    /// `memory` as in the scenarios, to tell the file writes' share.
    const JOURNALS: &[&str] = &["file", "memory"];

    fn file_terminal() -> (SimTerminal, tempfile::TempDir) {
        journaled_terminal("file")
    }

    fn journaled_terminal(journal: &str) -> (SimTerminal, tempfile::TempDir) {
        let data = tempfile::tempdir().expect("a temporary folder");
        let journal = match journal {
            "file" => Journal::open(&data.path().join("journal.jsonl")).expect("the journal"),
            _ => Journal::in_memory(),
        };
        (terminal(journal), data)
    }

    fn step(t: &mut SimTerminal, action: &Action) -> Option<ScreenView> {
        perform(t, action, now()).expect("the action");
        t.view().cloned()
    }

    /// Times `timed` alone, over and over: `undo` (not timed) brings the terminal back
    /// before each sample. Checked once first: `timed` shows `to`, `undo` shows `from`.
    fn alternate(
        bencher: Bencher,
        mut t: SimTerminal,
        (timed, to): (Action, &str),
        (undo, from): (Action, &str),
    ) {
        act(&mut t, timed.clone(), to);
        act(&mut t, undo.clone(), from);
        act(&mut t, timed.clone(), to);
        let t = RefCell::new(t);
        bencher
            .with_inputs(|| {
                step(&mut t.borrow_mut(), &undo);
            })
            .bench_local_values(|()| step(&mut t.borrow_mut(), &timed));
    }

    /// A press to another screen of the same flow: main menu → More.
    #[divan::bench(args = JOURNALS, sample_size = 1, sample_count = 500)]
    fn press_more(bencher: Bencher, journal: &str) {
        let (mut t, _data) = journaled_terminal(journal);
        to_main_menu(&mut t);
        alternate(
            bencher,
            t,
            (press("more"), "main_menu/more"),
            (press("back"), "main_menu/menu"),
        );
    }

    /// Back to the main menu (the busiest screen by buttons): More → main menu.
    #[divan::bench(args = JOURNALS, sample_size = 1, sample_count = 500)]
    fn press_back(bencher: Bencher, journal: &str) {
        let (mut t, _data) = journaled_terminal(journal);
        to_main_menu(&mut t);
        act(&mut t, press("more"), "main_menu/more");
        alternate(
            bencher,
            t,
            (press("back"), "main_menu/menu"),
            (press("more"), "main_menu/more"),
        );
    }

    /// A letter on the on-screen keyboard: the e-mail screen's view again, with the letter.
    #[divan::bench(args = JOURNALS, sample_size = 1, sample_count = 500)]
    fn type_letter(bencher: Bencher, journal: &str) {
        let (mut t, _data) = journaled_terminal(journal);
        to_main_menu(&mut t);
        to_email_enter(&mut t);
        let field = "email_update/enter";
        act(&mut t, Action::Type("arta.new@example".into()), field);
        alternate(
            bencher,
            t,
            (Action::Type("a".into()), field),
            (Action::Backspace, field),
        );
    }

    /// Four presses in a round to the keyboard and back: main menu → More → the e-mail
    /// profile (a flow called) → the keyboard screen → Main menu (the flow returns; the
    /// menu asks the host for its fast-withdrawal presets).
    #[divan::bench]
    fn round_to_keyboard(bencher: Bencher) {
        let (mut t, _data) = file_terminal();
        to_main_menu(&mut t);
        let round = round();
        for (action, to) in &round {
            act(&mut t, action.clone(), to);
        }
        bencher.bench_local(|| {
            let mut last = None;
            for (action, _) in &round {
                last = step(&mut t, action);
            }
            last
        });
    }
}
