//! Screens drawn off-screen into images, with the renderer the image snapshots use: the
//! screen gallery (`atmflow gallery`) and anything else that wants a picture of a
//! [`ScreenView`] without a window.
//!
//! Drawing goes through wgpu on the Vulkan backend only. Without a GPU that is Mesa's
//! software rasterizer, lavapipe, which `scripts/install-gui-deps.sh` installs: the same
//! pixels on every machine, and a clear error, never a silent fall-back, when it is
//! missing.

use atmflow_engine::ports::ScreenView;
use eframe::egui::{self, Vec2};
use egui_kittest::Harness;

use crate::screen::{ScreenOptions, screen_ui_with};

pub use image::{self, ImageFormat, RgbaImage};

/// Why a screen could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error(
        "no Vulkan adapter to draw with ({0}); on Debian, scripts/install-gui-deps.sh \
         installs Mesa's software Vulkan (mesa-vulkan-drivers)"
    )]
    NoAdapter(String),
    #[error(
        "the DejaVu fonts are not installed, and the screens would be drawn with other \
         fonts; on Debian, scripts/install-gui-deps.sh installs them (fonts-dejavu-core)"
    )]
    NoFonts,
    #[error("drawing the screen failed: {0}")]
    Render(String),
}

struct Shown {
    view: ScreenView,
    options: ScreenOptions,
}

/// Draws screens into RGBA images of one size. Creating one sets up a wgpu device (a
/// fraction of a second on lavapipe): make one and draw many screens with it.
pub struct OffscreenRenderer {
    harness: Harness<'static, Shown>,
}

impl OffscreenRenderer {
    /// A renderer for screens of `size` points, drawn at one pixel per point.
    pub fn new(size: Vec2) -> Result<OffscreenRenderer, RenderError> {
        ensure_runtime_dir();
        let render_state = vulkan_render_state()?;
        let renderer = egui_kittest::wgpu::WgpuTestRenderer::from_render_state(render_state);
        let harness = Harness::builder()
            .with_size(size)
            .with_pixels_per_point(1.0)
            .renderer(renderer)
            .build_ui_state(
                |ui, shown: &mut Shown| {
                    // The harness leaves a margin around the ui; the terminal's screen
                    // fills the whole image, as it fills the display.
                    let whole = ui.ctx().content_rect();
                    ui.scope_builder(egui::UiBuilder::new().max_rect(whole), |ui| {
                        ui.set_clip_rect(whole);
                        screen_ui_with(ui, &shown.view, &shown.options);
                    });
                },
                Shown {
                    view: ScreenView::default(),
                    options: ScreenOptions::default(),
                },
            );
        if !crate::fonts::install(&harness.ctx) {
            return Err(RenderError::NoFonts);
        }
        let mut renderer = OffscreenRenderer { harness };
        // The fonts are taken at the start of the next pass.
        renderer.harness.run_steps(1);
        Ok(renderer)
    }

    /// Draws `view` as the terminal would show it, with `options` (the header's clock).
    pub fn render(
        &mut self,
        view: &ScreenView,
        options: &ScreenOptions,
    ) -> Result<RgbaImage, RenderError> {
        let shown = self.harness.state_mut();
        shown.view = view.clone();
        shown.options = options.clone();
        // A screen starts with nothing enlarged or scrolled, as on the terminal.
        // Only the widgets' state is forgotten: the rest of egui's memory holds the fonts.
        self.harness
            .ctx
            .memory_mut(|m| m.data = egui::util::IdTypeMap::default());
        // Fonts and layouts settle over a few passes; then the frame is stable.
        self.harness.run_steps(3);
        self.harness.render().map_err(RenderError::Render)
    }
}

/// The wgpu device on the Vulkan backend, or why there is none.
fn vulkan_render_state() -> Result<egui_wgpu::RenderState, RenderError> {
    let mut setup = egui_kittest::wgpu::default_wgpu_setup();
    if let egui_wgpu::WgpuSetup::CreateNew(new) = &mut setup {
        new.instance_descriptor.backends = egui_wgpu::wgpu::Backends::VULKAN;
    }
    let instance = pollster::block_on(setup.new_instance());
    pollster::block_on(egui_wgpu::RenderState::create(
        &egui_wgpu::WgpuConfiguration {
            wgpu_setup: setup,
            ..Default::default()
        },
        &instance,
        None,
        egui_wgpu::RendererOptions::PREDICTABLE,
    ))
    .map_err(|e| RenderError::NoAdapter(e.to_string()))
}

/// Mesa's Vulkan driver looks for a Wayland display and prints an "error:" line for every
/// device when XDG_RUNTIME_DIR is not set (CI, a service): point it at an empty folder.
fn ensure_runtime_dir() {
    if std::env::var_os("XDG_RUNTIME_DIR").is_some() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("atmflow-xdg-{}", std::process::id()));
    if std::fs::create_dir_all(&dir).is_ok() {
        // SAFETY: called before any wgpu thread is started, from the thread that draws.
        unsafe { std::env::set_var("XDG_RUNTIME_DIR", &dir) };
    }
}
