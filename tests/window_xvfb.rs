//! The real window, end to end: `atmflow run` (eframe + glow, Mesa's llvmpipe without a
//! GPU) on an Xvfb of its own, looked at through screenshots of the X server's root
//! window (ImageMagick's `import`) and driven with key presses (xdotool), as a person at
//! the screen would. The egui_kittest tests of `ui/tests/` drive the window's UI code
//! without eframe; these drive the binary.
//!
//! What is checked, by colour (the screen's palette, `atmflow_ui::palette`): the header
//! band in the brand blue #0A2E6E above the light ground #F3F5F8, the device panel beside
//! the screen (or not), and the window filling the monitor with `--fullscreen`. The
//! process must stay alive with a window: the fallback to the headless console
//! (docs/window.md, "No display") is a failure.
//!
//! Xvfb, `import` and xdotool come from scripts/install-gui-deps.sh; without them these
//! tests fail, they do not skip. The screenshots and logs are written to a folder under
//! target/tmp that is removed when a test passes and kept (its path printed) when it fails.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread::sleep;
use std::time::{Duration, Instant};

use image::RgbImage;

/// Pixels `x0..x1 × y0..y1` of a screenshot.
type Rect = (u32, u32, u32, u32);

/// The virtual monitor.
const SCREEN_W: u32 = 1600;
const SCREEN_H: u32 = 1000;

/// The screen's colours (`atmflow_ui::palette`).
const BRAND: [u8; 3] = [0x0A, 0x2E, 0x6E];
const GROUND: [u8; 3] = [0xF3, 0xF5, 0xF8];
/// Xvfb's root window, where no window is.
const ROOT: [u8; 3] = [0, 0, 0];

/// The device panel's width in points (= pixels on Xvfb, whose scale factor is 1).
const PANEL_W: u32 = 420;

/// What `atmflow run` says on stderr when it starts the headless console instead.
const FALLBACK: &str = "No window can be opened";

/// Until the first frame is on the screen: Mesa's llvmpipe and a debug build are slow,
/// and the other test may be drawing at the same time on the other core.
const FIRST_DRAW: Duration = Duration::from_secs(60);
/// Until a key press shows on the screen.
const REACTION: Duration = Duration::from_secs(20);
/// Between two screenshots while waiting.
const POLL: Duration = Duration::from_millis(400);

/// The windowed terminal: the header band above the ground, the device panel beside the
/// screen; F12 hides the panel (the screen takes its place) and shows it again.
#[test]
fn window_draws_the_screen_and_f12_toggles_the_panel() {
    let scratch = Scratch::new("window");
    let x = Xvfb::start(scratch.path());
    let mut app = Atmflow::start(&x, scratch.path(), &[]);

    let started = Instant::now();
    let with_panel = app.wait_for(&x, "welcome", FIRST_DRAW, windowed_with_panel);
    println!(
        "window: drawn after {:.1} s: {with_panel:?}",
        started.elapsed().as_secs_f64()
    );

    press(&x, "F12");
    let hidden = app.wait_for(&x, "panel-hidden", REACTION, |s| {
        windowed_without_panel(s, &with_panel)
    });
    println!("window: F12 hid the panel: {hidden:?}");

    press(&x, "F12");
    let again = app.wait_for(&x, "panel-shown-again", REACTION, |s| {
        let m = windowed_with_panel(s)?;
        if m.screen.1.abs_diff(with_panel.screen.1) > 4 {
            return Err(format!(
                "the screen should end where it ended at the start (x = {}), with the panel \
                 beside it again: {m:?}",
                with_panel.screen.1
            ));
        }
        Ok(m)
    });
    println!("window: F12 showed it again: {again:?}");

    app.stop();
}

/// `--fullscreen` on a bare X server (no window manager honours the fullscreen request):
/// the window sizes itself to the monitor, the screen's colours reach its four corners and
/// the device panel starts hidden; F12 shows it over the right side and hides it again.
#[test]
fn fullscreen_covers_the_monitor_without_the_panel() {
    let scratch = Scratch::new("fullscreen");
    let x = Xvfb::start(scratch.path());
    let mut app = Atmflow::start(&x, scratch.path(), &["--fullscreen"]);

    let started = Instant::now();
    let covered = app.wait_for(&x, "fullscreen", FIRST_DRAW, fullscreen_without_panel);
    println!(
        "fullscreen: covers the monitor after {:.1} s: {covered:?}",
        started.elapsed().as_secs_f64()
    );

    press(&x, "F12");
    let shown = app.wait_for(&x, "fullscreen-panel", REACTION, fullscreen_with_panel);
    println!("fullscreen: F12 showed the panel: {shown:?}");

    press(&x, "F12");
    let hidden = app.wait_for(
        &x,
        "fullscreen-panel-hidden",
        REACTION,
        fullscreen_without_panel,
    );
    println!("fullscreen: F12 hid it again: {hidden:?}");

    app.stop();
}

// ---------------------------------------------------------------------------------------
// What a screenshot must show.

/// Where the customer's screen is in a screenshot.
#[derive(Debug, Clone)]
struct Layout {
    /// The first and last columns of the screen (where its ground is).
    screen: (u32, u32),
    /// The header band: its first row and its height.
    header: (u32, u32),
    /// Pixels of the brand blue and of the ground in the whole screenshot (printed).
    #[allow(dead_code)]
    brand_px: usize,
    ground_px: usize,
}

/// The screen's header band above its ground, wherever the window is.
fn screen_layout(s: &Shot) -> Result<Layout, String> {
    let brand_px = s.count(s.all(), BRAND);
    let ground_px = s.count(s.all(), GROUND);
    let Some(screen) = s.ground_columns() else {
        return Err(format!(
            "no screen: the ground {GROUND:02X?} fills no column ({ground_px} pixels of it)"
        ));
    };
    let width = screen.1 - screen.0 + 1;
    if width < 600 {
        return Err(format!(
            "the screen's ground is only {width} pixels wide (columns {screen:?})"
        ));
    }
    let Some(header) = s.header_band(screen) else {
        return Err(format!(
            "no header band: no rows of the brand blue {BRAND:02X?} across the screen \
             (columns {screen:?}); {brand_px} pixels of it in all"
        ));
    };
    if header.1 < 40 {
        return Err(format!(
            "the header band is only {} rows high (from row {})",
            header.1, header.0
        ));
    }
    // The ground starts right under the header band (the body's top margin).
    let below = header.0 + header.1;
    let under = s.fraction((screen.0, below, screen.1 + 1, below + 10), GROUND);
    if under < 0.8 {
        return Err(format!(
            "under the header band (rows {below}..{}) the ground covers only {:.0} %",
            below + 10,
            under * 100.0
        ));
    }
    // Large regions: the header (width × 84 at scale 1, less its text), and the body.
    if brand_px < 30_000 || ground_px < 250_000 {
        return Err(format!(
            "too little of the screen is drawn: {brand_px} pixels of brand blue (want \
             30000), {ground_px} of ground (want 250000)"
        ));
    }
    Ok(Layout {
        screen,
        header,
        brand_px,
        ground_px,
    })
}

/// The device panel is drawn in the columns `x0..x1` beside the screen, over the rows of
/// the window from `y0` on: something that is neither the screen's colours nor the bare
/// root window (its colours are egui's theme's, not checked here).
fn panel_drawn(s: &Shot, x0: u32, x1: u32, y0: u32) -> Result<(), String> {
    let rect = (x0, y0, x1, (y0 + 600).min(SCREEN_H));
    let ground = s.fraction(rect, GROUND);
    let brand = s.fraction(rect, BRAND);
    let root = s.fraction(rect, ROOT);
    if ground > 0.05 || brand > 0.2 || root > 0.5 {
        return Err(format!(
            "no device panel in {rect:?}: ground {:.0} %, brand blue {:.0} %, bare root \
             window {:.0} %",
            ground * 100.0,
            brand * 100.0,
            root * 100.0
        ));
    }
    Ok(())
}

fn windowed_with_panel(s: &Shot) -> Result<Layout, String> {
    let m = screen_layout(s)?;
    let right = m.screen.1;
    if right + PANEL_W > SCREEN_W {
        return Err(format!(
            "the screen reaches column {right}: no room for the device panel beside it"
        ));
    }
    panel_drawn(s, right + 20, right + PANEL_W - 20, m.header.0)?;
    Ok(m)
}

fn windowed_without_panel(s: &Shot, with_panel: &Layout) -> Result<Layout, String> {
    let m = screen_layout(s)?;
    // The screen widens by the panel's width, in the same window.
    if m.screen.0 != with_panel.screen.0
        || m.screen.1 < with_panel.screen.1 + PANEL_W - 40
        || m.ground_px < with_panel.ground_px + 100_000
    {
        return Err(format!(
            "the screen (columns {:?}, {} pixels of ground) has not taken the panel's \
             place (it was {:?}, {})",
            m.screen, m.ground_px, with_panel.screen, with_panel.ground_px
        ));
    }
    Ok(m)
}

/// The corners of the monitor: 8×8 pixels, 2 pixels in.
fn corners() -> [(&'static str, Rect); 4] {
    let (w, h) = (SCREEN_W, SCREEN_H);
    [
        ("top left", (2, 2, 10, 10)),
        ("top right", (w - 10, 2, w - 2, 10)),
        ("bottom left", (2, h - 10, 10, h - 2)),
        ("bottom right", (w - 10, h - 10, w - 2, h - 2)),
    ]
}

fn corner_is(s: &Shot, name: &str, rect: Rect, color: [u8; 3]) -> Result<(), String> {
    let f = s.fraction(rect, color);
    if f < 0.9 {
        let (x, y) = (rect.0 + 4, rect.1 + 4);
        return Err(format!(
            "the {name} corner {rect:?} is not {color:02X?} (only {:.0} %; the pixel at \
             ({x}, {y}) is {:02X?}): the window does not cover the monitor",
            f * 100.0,
            s.px(x, y)
        ));
    }
    Ok(())
}

fn fullscreen_without_panel(s: &Shot) -> Result<Layout, String> {
    let m = screen_layout(s)?;
    let [tl, tr, bl, br] = corners();
    corner_is(s, tl.0, tl.1, BRAND)?;
    corner_is(s, tr.0, tr.1, BRAND)?;
    corner_is(s, bl.0, bl.1, GROUND)?;
    corner_is(s, br.0, br.1, GROUND)?;
    if m.screen.0 > 2 || m.screen.1 < SCREEN_W - 3 || m.header.0 > 2 {
        return Err(format!(
            "the screen does not span the monitor: columns {:?}, header from row {}",
            m.screen, m.header.0
        ));
    }
    // The device panel is hidden: the ground where it would be (below the welcome
    // screen's content).
    let rect = (SCREEN_W - PANEL_W, 700, SCREEN_W, SCREEN_H);
    let f = s.fraction(rect, GROUND);
    if f < 0.9 {
        return Err(format!(
            "where the device panel would be, {rect:?}, the ground covers only {:.0} %",
            f * 100.0
        ));
    }
    Ok(m)
}

fn fullscreen_with_panel(s: &Shot) -> Result<Layout, String> {
    let m = screen_layout(s)?;
    let [tl, _, bl, _] = corners();
    corner_is(s, tl.0, tl.1, BRAND)?;
    corner_is(s, bl.0, bl.1, GROUND)?;
    if m.screen.1 > SCREEN_W - PANEL_W + 10 {
        return Err(format!(
            "the screen still reaches column {}: the panel is not shown",
            m.screen.1
        ));
    }
    panel_drawn(s, SCREEN_W - PANEL_W + 20, SCREEN_W - 20, 0)?;
    Ok(m)
}

// ---------------------------------------------------------------------------------------
// Screenshots.

struct Shot {
    img: RgbImage,
    path: PathBuf,
}

impl Shot {
    fn px(&self, x: u32, y: u32) -> [u8; 3] {
        self.img.get_pixel(x, y).0
    }

    fn all(&self) -> Rect {
        (0, 0, self.img.width(), self.img.height())
    }

    /// Pixels of `color` in `x0..x1 × y0..y1`.
    fn count(&self, (x0, y0, x1, y1): Rect, color: [u8; 3]) -> usize {
        let (x1, y1) = (x1.min(self.img.width()), y1.min(self.img.height()));
        (y0..y1)
            .flat_map(|y| (x0..x1).map(move |x| (x, y)))
            .filter(|&(x, y)| self.px(x, y) == color)
            .count()
    }

    fn fraction(&self, rect: Rect, color: [u8; 3]) -> f64 {
        let (x1, y1) = (rect.2.min(self.img.width()), rect.3.min(self.img.height()));
        let area = u64::from(x1.saturating_sub(rect.0)) * u64::from(y1.saturating_sub(rect.1));
        if area == 0 {
            return 0.0;
        }
        self.count(rect, color) as f64 / area as f64
    }

    /// The first and last columns in which the ground covers a quarter of the height at
    /// least: the customer's screen, whatever is drawn on its ground.
    fn ground_columns(&self) -> Option<(u32, u32)> {
        let h = self.img.height();
        let mut cols = (0..self.img.width())
            .filter(|&x| (0..h).filter(|&y| self.px(x, y) == GROUND).count() * 4 >= h as usize);
        let first = cols.next()?;
        Some((first, cols.next_back().unwrap_or(first)))
    }

    /// The first run of rows that are the brand blue in the screen's left margin (28
    /// points, free of text) and over a third of `columns` at least (the title, buttons
    /// and clock on it are white): the header band's first row and height.
    fn header_band(&self, (x0, x1): (u32, u32)) -> Option<(u32, u32)> {
        let rows: Vec<bool> = (0..self.img.height())
            .map(|y| {
                self.fraction((x0, y, x0 + 24, y + 1), BRAND) >= 0.9
                    && self.fraction((x0, y, x1 + 1, y + 1), BRAND) >= 0.33
            })
            .collect();
        let first = rows.iter().position(|&b| b)?;
        let height = rows[first..].iter().take_while(|&&b| b).count();
        Some((first as u32, height as u32))
    }
}

/// The whole X screen as `dir/label.png`, decoded.
fn screenshot(x: &Xvfb, dir: &Path, label: &str) -> Result<Shot, String> {
    let path = dir.join(format!("{label}.png"));
    let mut import = Command::new("import");
    import
        .args(["-window", "root"])
        .arg(format!("png:{}", path.display()))
        .env("DISPLAY", x.name());
    run_tool(&mut import, Duration::from_secs(20))?;
    let img = image::open(&path)
        .map_err(|e| format!("cannot decode {}: {e}", path.display()))?
        .to_rgb8();
    if img.dimensions() != (SCREEN_W, SCREEN_H) {
        return Err(format!(
            "{} is {:?}, not the {SCREEN_W}×{SCREEN_H} of the X screen",
            path.display(),
            img.dimensions()
        ));
    }
    Ok(Shot { img, path })
}

/// A key press into the terminal's window: xdotool gives it the focus (there is no window
/// manager to do it), then types the key through XTEST, as a keyboard would.
fn press(x: &Xvfb, key: &str) {
    let mut xdotool = Command::new("xdotool");
    xdotool
        .args([
            "search",
            "--sync",
            "--limit",
            "1",
            "--name",
            "^atmflow terminal$",
        ])
        .args(["windowfocus", "--sync", "key", key])
        .env("DISPLAY", x.name());
    if let Err(e) = run_tool(&mut xdotool, Duration::from_secs(20)) {
        panic!("cannot press {key} in the window: {e}");
    }
}

/// Runs a tool to its end (killed after `timeout`); its stderr in the error.
fn run_tool(cmd: &mut Command, timeout: Duration) -> Result<(), String> {
    let name = cmd.get_program().to_string_lossy().into_owned();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {name} ({e}): {INSTALL}"))?;
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{name} did not finish within {timeout:?}"));
            }
        }
    };
    if status.success() {
        return Ok(());
    }
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
    }
    Err(format!("{name} failed ({status}): {}", stderr.trim()))
}

// ---------------------------------------------------------------------------------------
// The processes.

const INSTALL: &str = "run scripts/install-gui-deps.sh, which installs Xvfb, ImageMagick \
                       and xdotool (Debian: xvfb, imagemagick, xdotool)";

/// The tools these tests need, on PATH: a missing one fails the test.
fn require_tools() {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for (tool, package) in [
        ("Xvfb", "xvfb"),
        ("import", "imagemagick"),
        ("xdotool", "xdotool"),
    ] {
        if !std::env::split_paths(&path).any(|dir| dir.join(tool).is_file()) {
            panic!("`{tool}` (Debian package {package}) is not installed: {INSTALL}");
        }
    }
}

/// A folder for one test's screenshots, logs and data, under target/tmp: removed when the
/// test passes, kept when it fails (the path is printed).
struct Scratch {
    dir: Option<tempfile::TempDir>,
    path: PathBuf,
}

impl Scratch {
    fn new(name: &str) -> Scratch {
        require_tools();
        let dir = tempfile::Builder::new()
            .prefix(&format!("window_xvfb-{name}-"))
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
            .expect("a temporary folder under target/tmp");
        let path = dir.path().to_path_buf();
        Scratch {
            dir: Some(dir),
            path,
        }
    }

    fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if std::thread::panicking()
            && let Some(dir) = self.dir.take()
        {
            eprintln!(
                "window_xvfb: the screenshots and logs are kept in {}",
                dir.keep().display()
            );
        }
    }
}

/// SIGTERM, up to `grace` for the process to exit, then SIGKILL. Answers how it exited
/// and whether SIGTERM was enough.
fn terminate(child: &mut Child, grace: Duration) -> (Option<ExitStatus>, bool) {
    if let Ok(Some(status)) = child.try_wait() {
        return (Some(status), true);
    }
    // The child is not reaped before try_wait answers, so its pid is still its own.
    // (Without procps' `kill`, which Debian always has, it is SIGKILL at once.)
    let sent = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let grace = if sent { grace } else { Duration::ZERO };
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return (Some(status), true);
        }
        sleep(Duration::from_millis(25));
    }
    let _ = child.kill();
    (child.wait().ok(), false)
}

/// An Xvfb of the test's own on a free display, stopped when dropped.
struct Xvfb {
    child: Child,
    display: u32,
}

impl Xvfb {
    fn start(dir: &Path) -> Xvfb {
        // The two tests of this file run at once, and other test runs may too: each try
        // takes a new number, and a server that lost a race for one exits at once.
        static TRIES: AtomicU32 = AtomicU32::new(0);
        let base = 200 + std::process::id() % 500;
        let mut failed = Vec::new();
        for _ in 0..200 {
            if failed.len() >= 20 {
                break;
            }
            let n = base + TRIES.fetch_add(1, Ordering::SeqCst);
            if socket_path(n).exists() || lock_path(n).exists() {
                continue;
            }
            let log_path = dir.join(format!("xvfb-{n}.log"));
            let log = File::create(&log_path).expect("the Xvfb log");
            let mut child = Command::new("Xvfb")
                .arg(format!(":{n}"))
                .args(["-screen", "0", &format!("{SCREEN_W}x{SCREEN_H}x24")])
                .args(["-nolisten", "tcp", "-noreset"])
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("the Xvfb log"))
                .stderr(log)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start Xvfb ({e}): {INSTALL}"));
            // Ready when its lock file names it and its socket is there.
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                if let Ok(Some(status)) = child.try_wait() {
                    let log = fs::read_to_string(&log_path).unwrap_or_default();
                    failed.push(format!(":{n} exited ({status}): {}", log.trim()));
                    break;
                }
                let ours = fs::read_to_string(lock_path(n))
                    .is_ok_and(|pid| pid.trim() == child.id().to_string());
                if ours && socket_path(n).exists() {
                    return Xvfb { child, display: n };
                }
                if Instant::now() > deadline {
                    terminate(&mut child, Duration::from_secs(2));
                    failed.push(format!(":{n} was not ready within 20 s"));
                    break;
                }
                sleep(Duration::from_millis(25));
            }
        }
        panic!("no Xvfb could be started (tried from :{base}): {failed:#?}");
    }

    fn name(&self) -> String {
        format!(":{}", self.display)
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let pid = self.child.id().to_string();
        let (_, clean) = terminate(&mut self.child, Duration::from_secs(5));
        if !clean {
            // Killed: its lock file and socket stay behind, unless another server has
            // taken the number since.
            let lock = lock_path(self.display);
            if fs::read_to_string(&lock).is_ok_and(|p| p.trim() == pid) {
                let _ = fs::remove_file(socket_path(self.display));
                let _ = fs::remove_file(lock);
            }
        }
    }
}

fn socket_path(n: u32) -> PathBuf {
    PathBuf::from(format!("/tmp/.X11-unix/X{n}"))
}

fn lock_path(n: u32) -> PathBuf {
    PathBuf::from(format!("/tmp/.X{n}-lock"))
}

/// `atmflow run` on the test's X server, with a data folder of its own and the shipped
/// flows; stopped when dropped.
struct Atmflow {
    child: Child,
    /// Kept open: should it fall back to the headless console, that waits on it.
    stdin: Option<ChildStdin>,
    dir: PathBuf,
}

impl Atmflow {
    fn start(x: &Xvfb, dir: &Path, args: &[&str]) -> Atmflow {
        let flows = Path::new(env!("CARGO_MANIFEST_DIR")).join("flows");
        let log = |name: &str| File::create(dir.join(name)).expect("a log file");
        let mut child = Command::new(env!("CARGO_BIN_EXE_atmflow"))
            .arg("run")
            .args(args)
            .arg("--data")
            .arg(dir.join("data"))
            .arg("--flows")
            .arg(&flows)
            .current_dir(dir)
            .env("DISPLAY", x.name())
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("ATMFLOW_DATA")
            .stdin(Stdio::piped())
            .stdout(log("atmflow.stdout"))
            .stderr(log("atmflow.stderr"))
            .spawn()
            .expect("atmflow starts");
        let stdin = child.stdin.take();
        Atmflow {
            child,
            stdin,
            dir: dir.to_path_buf(),
        }
    }

    fn stderr(&self) -> String {
        fs::read_to_string(self.dir.join("atmflow.stderr")).unwrap_or_default()
    }

    /// Still running, with its window.
    fn alive(&mut self) -> Result<(), String> {
        if let Ok(Some(status)) = self.child.try_wait() {
            return Err(format!("atmflow exited ({status})"));
        }
        if self.stderr().contains(FALLBACK) {
            return Err("atmflow fell back to the headless console".into());
        }
        Ok(())
    }

    /// Takes screenshots until `check` passes on one (answers what `check` saw), or
    /// fails the test at the deadline or as soon as the process is gone or headless.
    fn wait_for<T>(
        &mut self,
        x: &Xvfb,
        label: &str,
        within: Duration,
        check: impl Fn(&Shot) -> Result<T, String>,
    ) -> T {
        let deadline = Instant::now() + within;
        let mut last = String::from("no screenshot taken");
        loop {
            if let Err(e) = self.alive() {
                self.fail(&format!("{label}: {e}"), &last);
            }
            match screenshot(x, &self.dir, label) {
                Ok(shot) => match check(&shot) {
                    Ok(seen) => {
                        // Seen on the screen, and still a window (not the console).
                        if let Err(e) = self.alive() {
                            self.fail(&format!("{label}: {e}"), &last);
                        }
                        return seen;
                    }
                    Err(e) => last = format!("{e} (screenshot {})", shot.path.display()),
                },
                Err(e) => last = e,
            }
            if Instant::now() > deadline {
                self.fail(
                    &format!("{label}: not on the screen within {within:?}"),
                    &last,
                );
            }
            sleep(POLL);
        }
    }

    fn fail(&self, what: &str, last: &str) -> ! {
        panic!(
            "{what}\nlast seen: {last}\natmflow's stderr:\n{}\n(logs and screenshots in {})",
            self.stderr().trim_end(),
            self.dir.display()
        );
    }

    /// SIGTERM and wait: it must be running with its window until then, and be gone
    /// within 10 s.
    fn stop(&mut self) {
        if let Err(e) = self.alive() {
            self.fail(&format!("before the stop: {e}"), "");
        }
        self.stdin.take();
        let (status, clean) = terminate(&mut self.child, Duration::from_secs(10));
        assert!(
            clean,
            "atmflow did not exit within 10 s of SIGTERM (killed; {status:?})"
        );
        assert!(
            !self.stderr().contains(FALLBACK),
            "atmflow fell back to the headless console:\n{}",
            self.stderr()
        );
    }
}

impl Drop for Atmflow {
    fn drop(&mut self) {
        self.stdin.take();
        terminate(&mut self.child, Duration::from_secs(10));
    }
}
