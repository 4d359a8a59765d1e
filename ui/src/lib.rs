//! The terminal's screen drawn with egui: one renderer of a
//! [`ScreenView`](atmflow_engine::ports::ScreenView), [`screen_ui`], that the terminal's
//! window and the staff editor's previews share; and [`offscreen`], which draws it into
//! images without a window (the screen gallery).
//!
//! The crate re-exports the egui family it is built on (`eframe`, `egui`), pinned to one
//! version for the whole workspace: use these re-exports rather than depending on egui
//! again.

pub mod fonts;
pub mod offscreen;
pub mod screen;

pub use eframe;
pub use eframe::egui;
pub use screen::{ScreenOptions, UiEvent, paint_qr, palette, screen_ui, screen_ui_with};
