//! The terminal's fonts. egui's built-in font (Ubuntu Light) is thin for a screen read
//! at arm's length and lacks signs the flows use (✓, ⏏, ⌫): where DejaVu Sans is
//! installed (Debian's `fonts-dejavu-core`, which `scripts/install-gui-deps.sh` installs)
//! it becomes the first font, with egui's fonts as fallbacks. Titles and the primary
//! action use the bold cut through the [`BOLD`] family.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use eframe::egui::{self, FontData, FontDefinitions, FontFamily};

/// The family name of the bold cut.
pub const BOLD: &str = "bold";

/// Where DejaVu Sans is looked for.
const DIRS: [&str; 3] = [
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
];

fn find(file: &str) -> Option<PathBuf> {
    DIRS.iter()
        .map(|d| Path::new(d).join(file))
        .find(|p| p.is_file())
}

/// The bold family, for text that must stand out.
pub fn bold() -> FontFamily {
    FontFamily::Name(BOLD.into())
}

/// Font definitions with DejaVu Sans first when it is installed; answers whether it was.
/// The [`BOLD`] family exists either way (egui's default font when DejaVu is missing).
pub fn definitions() -> (FontDefinitions, bool) {
    let mut defs = FontDefinitions::default();
    let defaults = defs
        .families
        .get(&FontFamily::Proportional)
        .cloned()
        .unwrap_or_default();
    let regular = find("DejaVuSans.ttf").and_then(|p| std::fs::read(p).ok());
    let bold_data = find("DejaVuSans-Bold.ttf").and_then(|p| std::fs::read(p).ok());
    let found = regular.is_some();
    let mut bold_family = defaults.clone();
    if let Some(data) = regular {
        defs.font_data
            .insert("dejavu".into(), Arc::new(FontData::from_owned(data)));
        defs.families
            .entry(FontFamily::Proportional)
            .or_default()
            .insert(0, "dejavu".into());
        bold_family.insert(0, "dejavu".into());
    }
    if let Some(data) = bold_data {
        defs.font_data
            .insert("dejavu-bold".into(), Arc::new(FontData::from_owned(data)));
        bold_family.insert(0, "dejavu-bold".into());
    }
    defs.families.insert(bold(), bold_family);
    (defs, found)
}

/// Installs the terminal's fonts in `ctx`; answers whether DejaVu Sans was found.
pub fn install(ctx: &egui::Context) -> bool {
    let (defs, found) = definitions();
    ctx.set_fonts(defs);
    found
}
