//! One renderer for a [`ScreenView`]: what the customer sees on the terminal.
//!
//! The layout is the same on every screen, so a customer finds things where they were:
//!
//! ```text
//! ┌──────────────────────────────────────────────────────────────┐
//! │ Title                                  [English]  12.05 14:32│  header band
//! ├──────────────────────────────────────────────────────────────┤
//! │ lines, tables, inputs                              ┌──────┐  │
//! │                                                    │  QR  │  │
//! │ [ option ]            [ option ]                   └──────┘  │  options, two columns
//! │ [ option ]            [ option (disabled) ]                  │
//! │                         why it is disabled                   │
//! │                                      [   PRIMARY ACTION   ]  │  one primary, right
//! ├──────────────────────────────────────────────────────────────┤
//! │ [✖ Cancel] [◀ Back] [Main menu]                  [⏏ Eject]   │  navigation, fixed slots
//! └──────────────────────────────────────────────────────────────┘
//! ```
//!
//! A few button ids get a look of their own, wherever a flow uses them:
//!
//! - `prev` and `next` (both on one screen) are a **carousel**: large arrows to the left and
//!   right of the item shown (the screen's lines and tables), not options;
//! - `show_balance` / `hide_balance` are a **toggle** (an eye), a small control inside the
//!   table it acts on (or above the list, on a screen without a table);
//! - a list of choices (`account.0`, `account.1`, ...) whose labels are too long for the
//!   two columns is a **list**: one full-width row per item;
//! - digit inputs whose ids share a prefix (`from_d`, `from_m`, `from_y`) stand in one row.
//!
//! It is a pure function of the view (and of the [`ScreenOptions`]): it keeps no state of
//! its own but egui's (the enlarged QR), so the editor previews screens with the same code.

use atmflow_engine::ports::{ButtonView, InputKind, InputView, ScreenView, TableView};
use chrono::NaiveDateTime;
use eframe::egui::{
    self, Align, Align2, Color32, CornerRadius, FontId, Layout, Pos2, Rect, Response, RichText,
    Sense, Shape, Stroke, StrokeKind, Ui, UiBuilder, Vec2, WidgetInfo, WidgetType, pos2, vec2,
};

/// What the customer did on the screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UiEvent {
    /// A button by its id (`confirm`, `preset.2`, `lang.en`).
    Press(String),
    /// Keys of the on-screen keyboard, into the focused input.
    Type(String),
    Backspace,
    Clear,
    /// The customer touched an input to type into it.
    Focus(String),
}

/// What the screen shows besides the view.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScreenOptions {
    /// The date and time in the header; none when not given (the editor's previews).
    pub now: Option<NaiveDateTime>,
}

/// The colours: dark text on light ground, one brand blue, one green for the primary
/// action. Every text/ground pair is at least 7:1 (WCAG AAA) but the disabled ones (4.5:1).
pub mod palette {
    use eframe::egui::Color32;
    pub const GROUND: Color32 = Color32::from_rgb(0xF3, 0xF5, 0xF8);
    pub const TEXT: Color32 = Color32::from_rgb(0x10, 0x18, 0x28);
    pub const BRAND: Color32 = Color32::from_rgb(0x0A, 0x2E, 0x6E);
    pub const ON_BRAND: Color32 = Color32::WHITE;
    pub const PRIMARY: Color32 = Color32::from_rgb(0x0B, 0x6B, 0x2E);
    pub const BUTTON: Color32 = Color32::WHITE;
    pub const DISABLED: Color32 = Color32::from_rgb(0xDD, 0xE1, 0xE6);
    pub const DISABLED_TEXT: Color32 = Color32::from_rgb(0x4A, 0x52, 0x5E);
    pub const PROBLEM: Color32 = Color32::from_rgb(0xA3, 0x12, 0x12);
    pub const EJECT: Color32 = Color32::from_rgb(0x33, 0x3D, 0x4A);
    pub const FOCUS: Color32 = Color32::from_rgb(0x1F, 0x6F, 0xEB);
}
use palette::*;

/// Sizes in points. The screen is designed for 1024×768 points and holds at 800×600.
const HEADER_H: f32 = 84.0;
const NAV_H: f32 = 104.0;
const BUTTON_H: f32 = 76.0;
const MIN_BUTTON_H: f32 = 52.0;
const PRIMARY_H: f32 = 88.0;
const GAP: f32 = 18.0;
const MARGIN: f32 = 28.0;
const TITLE_SIZE: f32 = 34.0;
const BODY_SIZE: f32 = 24.0;
const BUTTON_SIZE: f32 = 26.0;
const SMALL_SIZE: f32 = 19.0;
const QR_SIDE: f32 = 260.0;
/// The carousel's arrows: at least a button's height, as tall as the item they frame.
const ARROW_W: f32 = 120.0;
const ARROW_H: f32 = BUTTON_H;
/// The show/hide toggle: a secondary control, smaller than an option but still easy to hit.
const TOGGLE_H: f32 = 48.0;
/// Digit inputs in one row (a date as day, month, year): at most this many.
const INPUT_ROW_MAX: usize = 4;

/// The bold cut when the fonts of [`crate::fonts`] are installed, else the regular one.
fn bold_font(ui: &Ui, size: f32) -> FontId {
    let family = crate::fonts::bold();
    let has = ui.fonts(|f| f.definitions().families.contains_key(&family));
    if has {
        FontId::new(size, family)
    } else {
        FontId::proportional(size)
    }
}

/// The ids that belong to the navigation row, in their fixed slots from the left. Eject
/// is always last, at the bottom right.
const NAV_SLOTS: [&[&str]; 3] = [&["cancel", "close", "exit"], &["back"], &["main_menu"]];
const EJECT_ID: &str = "eject";

/// The carousel's arrows: both must be on the screen, else they are plain options.
const PREV_ID: &str = "prev";
const NEXT_ID: &str = "next";
/// The buttons that show or hide the balances (one of them at a time, as a toggle).
const TOGGLE_IDS: [&str; 2] = ["show_balance", "hide_balance"];

fn nav_slot(id: &str) -> Option<usize> {
    if id == EJECT_ID {
        return Some(NAV_SLOTS.len());
    }
    NAV_SLOTS.iter().position(|ids| ids.contains(&id))
}

/// Draws the screen in all the space `ui` has. Answers what the customer did, if anything.
pub fn screen_ui(ui: &mut Ui, view: &ScreenView) -> Option<UiEvent> {
    screen_ui_with(ui, view, &ScreenOptions::default())
}

/// [`screen_ui`] with the date and time in the header.
pub fn screen_ui_with(ui: &mut Ui, view: &ScreenView, options: &ScreenOptions) -> Option<UiEvent> {
    let mut event = None;
    let full = ui.available_rect_before_wrap();
    ui.painter().rect_filled(full, 0.0, GROUND);

    let nav: Vec<&ButtonView> = view
        .buttons
        .iter()
        .filter(|b| nav_slot(&b.id).is_some())
        .collect();
    let languages: Vec<&ButtonView> = view
        .buttons
        .iter()
        .filter(|b| b.id.starts_with("lang."))
        .collect();
    let find = |id: &str| view.buttons.iter().find(|b| b.id == id);
    let carousel = find(PREV_ID).zip(find(NEXT_ID));
    let toggles: Vec<&ButtonView> = view
        .buttons
        .iter()
        .filter(|b| TOGGLE_IDS.contains(&b.id.as_str()))
        .collect();
    let options_buttons: Vec<&ButtonView> = view
        .buttons
        .iter()
        .filter(|b| {
            nav_slot(&b.id).is_none()
                && !b.id.starts_with("lang.")
                && !TOGGLE_IDS.contains(&b.id.as_str())
                && !(carousel.is_some() && (b.id == PREV_ID || b.id == NEXT_ID))
        })
        .collect();

    let header = Rect::from_min_size(full.min, vec2(full.width(), HEADER_H));
    let nav_h = if nav.is_empty() { 0.0 } else { NAV_H };
    let footer = Rect::from_min_max(pos2(full.left(), full.bottom() - nav_h), full.max);
    let small_print_h = small_print_height(ui, &view.footer, full.width() - 2.0 * MARGIN);
    let small_print = Rect::from_min_max(
        pos2(full.left(), footer.top() - small_print_h),
        footer.right_top(),
    );
    let body = Rect::from_min_max(pos2(full.left(), header.bottom()), small_print.right_top());
    if small_print_h > 0.0 {
        ui.scope_builder(UiBuilder::new().max_rect(small_print), |ui| {
            small_print_ui(ui, &view.footer);
        });
    }

    ui.scope_builder(UiBuilder::new().max_rect(header), |ui| {
        header_ui(ui, view, &languages, options, &mut event);
    });
    // The primary action has a fixed place at the bottom right of the body, outside
    // the scrolled part: it is never scrolled out of sight.
    let primary: Vec<&ButtonView> = options_buttons
        .iter()
        .copied()
        .filter(|b| b.primary)
        .collect();
    let others: Vec<&ButtonView> = options_buttons
        .iter()
        .copied()
        .filter(|b| !b.primary)
        .collect();
    let content = body.shrink(MARGIN);
    let primary_w = ((content.width() - GAP) / 2.0)
        .max(260.0)
        .min(content.width());
    // A single primary action says why it is disabled at its left, where the strip is
    // empty, rather than under it: the body keeps the room. Several say it under them.
    let reason_beside = primary.len() == 1 && content.width() - primary_w - GAP >= 200.0;
    let reason_under_h = if reason_beside {
        0.0
    } else {
        primary
            .iter()
            .filter(|b| !b.enabled)
            .filter_map(|b| b.reason.as_deref())
            .map(|r| reason_height(ui, r, primary_w) + 4.0)
            .fold(0.0, f32::max)
    };
    let primary_h = if primary.is_empty() {
        0.0
    } else {
        PRIMARY_H + reason_under_h
    };
    let scrolled = Rect::from_min_max(
        content.min,
        pos2(
            content.right(),
            content.bottom() - primary_h - if primary.is_empty() { 0.0 } else { GAP },
        ),
    );
    ui.scope_builder(UiBuilder::new().max_rect(scrolled), |ui| {
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                let parts = Parts {
                    options: &others,
                    carousel,
                    toggles: &toggles,
                    promo: promo_now(&view.promo, options),
                };
                body_ui(ui, view, &parts, scrolled.height(), &mut event);
            });
    });
    if !primary.is_empty() {
        let strip = Rect::from_min_max(
            pos2(content.left(), content.bottom() - primary_h),
            content.max,
        );
        let w = primary_w;
        let mut right = strip.right();
        if reason_beside
            && let [b] = primary.as_slice()
            && !b.enabled
            && let Some(reason) = &b.reason
        {
            let room = strip.width() - w - GAP;
            let h = reason_height(ui, reason, room);
            let at = Rect::from_min_size(
                pos2(strip.left(), strip.top() + ((PRIMARY_H - h) / 2.0).max(0.0)),
                vec2(room, h),
            );
            ui.scope_builder(
                UiBuilder::new()
                    .max_rect(at)
                    .layout(Layout::top_down(Align::Max)),
                |ui| reason_label(ui, reason),
            );
        }
        for b in primary.iter().rev() {
            let cell =
                Rect::from_min_max(pos2(right - w, strip.top()), pos2(right, strip.bottom()));
            right -= w + GAP;
            ui.scope_builder(
                UiBuilder::new()
                    .max_rect(cell)
                    .layout(Layout::top_down(Align::Center)),
                |ui| {
                    ui.spacing_mut().item_spacing.y = 4.0;
                    let pressed = if reason_beside {
                        big_button(
                            ui,
                            vec2(w, PRIMARY_H),
                            &b.label,
                            None,
                            b.key.as_deref(),
                            Kind::Primary,
                            b.enabled,
                        )
                        .clicked()
                            && b.enabled
                    } else {
                        button_with_reason(ui, b, vec2(w, PRIMARY_H), Kind::Primary)
                    };
                    if pressed {
                        event = Some(UiEvent::Press(b.id.clone()));
                    }
                },
            );
        }
    }
    if !nav.is_empty() {
        ui.scope_builder(UiBuilder::new().max_rect(footer), |ui| {
            nav_ui(ui, &nav, &mut event);
        });
    }
    ui.advance_cursor_after_rect(full);
    event
}

fn header_ui(
    ui: &mut Ui,
    view: &ScreenView,
    languages: &[&ButtonView],
    options: &ScreenOptions,
    event: &mut Option<UiEvent>,
) {
    let rect = ui.max_rect();
    ui.painter().rect_filled(rect, 0.0, BRAND);
    let inner = rect.shrink2(vec2(MARGIN, 0.0));
    ui.scope_builder(
        UiBuilder::new()
            .max_rect(inner)
            .layout(Layout::right_to_left(Align::Center)),
        |ui| {
            ui.spacing_mut().item_spacing.x = 14.0;
            if let Some(now) = options.now {
                ui.label(
                    RichText::new(now.format("%d.%m.%Y  %H:%M").to_string())
                        .size(SMALL_SIZE + 3.0)
                        .color(ON_BRAND),
                );
            }
            for b in languages.iter().rev() {
                let r = pill_button(ui, &b.label);
                if r.clicked() {
                    *event = Some(UiEvent::Press(b.id.clone()));
                }
            }
            ui.with_layout(Layout::left_to_right(Align::Center), |ui| {
                // A long title gets smaller (down to 24 points) before it is cut short.
                let room = ui.available_width();
                let mut font = bold_font(ui, TITLE_SIZE);
                while font.size > 24.0 {
                    let width = ui
                        .painter()
                        .layout_no_wrap(view.title.clone(), font.clone(), ON_BRAND)
                        .size()
                        .x;
                    if width <= room {
                        break;
                    }
                    font.size -= 2.0;
                }
                ui.add(
                    egui::Label::new(RichText::new(&view.title).font(font).color(ON_BRAND))
                        .truncate(),
                );
            });
        },
    );
}

/// A language button in the header: white outline on the brand blue.
fn pill_button(ui: &mut Ui, label: &str) -> Response {
    let font = FontId::proportional(SMALL_SIZE + 2.0);
    let galley = ui
        .painter()
        .layout_no_wrap(label.to_string(), font, ON_BRAND);
    let size = vec2((galley.size().x + 36.0).max(110.0), 52.0);
    let (rect, response) = ui.allocate_exact_size(size, Sense::click());
    response.widget_info(|| WidgetInfo::labeled(WidgetType::Button, true, label));
    let fill = if response.hovered() {
        Color32::from_rgb(0x1A, 0x45, 0x90)
    } else {
        BRAND
    };
    let p = ui.painter();
    p.rect(
        rect,
        CornerRadius::same(26),
        fill,
        Stroke::new(2.0, ON_BRAND),
        StrokeKind::Inside,
    );
    p.galley(rect.center() - galley.size() / 2.0, galley, ON_BRAND);
    response
}

/// The buttons the body draws, besides the screen's texts.
struct Parts<'a> {
    /// The options, in the flow's order (the primary action is not among them).
    options: &'a [&'a ButtonView],
    /// `prev` and `next`, when the screen has both.
    carousel: Option<(&'a ButtonView, &'a ButtonView)>,
    /// `show_balance` / `hide_balance`.
    toggles: &'a [&'a ButtonView],
    /// The promotional message shown now: its text, its place, how many there are.
    promo: Option<(&'a str, usize, usize)>,
}

fn body_ui(
    ui: &mut Ui,
    view: &ScreenView,
    parts: &Parts,
    body_h: f32,
    event: &mut Option<UiEvent>,
) {
    ui.spacing_mut().item_spacing = vec2(GAP, 8.0);
    let width = ui.available_width();
    let qr_w = if view.qr.is_some() {
        QR_SIDE + GAP
    } else {
        0.0
    };
    let text_w = (width - qr_w).max(200.0);
    // The toggle goes into the first table (the balances it shows are there); on a
    // screen without a table, above the list of options.
    let toggles_in_table = !view.tables.is_empty();
    let table_toggles: &[&ButtonView] = if toggles_in_table { parts.toggles } else { &[] };

    ui.horizontal_top(|ui| {
        ui.allocate_ui_with_layout(vec2(text_w, 0.0), Layout::top_down(Align::Min), |ui| {
            ui.set_width(text_w);
            if let Some((prev, next)) = parts.carousel {
                carousel_ui(ui, view, prev, next, table_toggles, event);
            } else {
                // The promo area is a band at the top, above what the screen is for.
                if let Some((text, index, count)) = parts.promo {
                    promo_ui(ui, text, index, count);
                }
                for line in &view.lines {
                    ui.add(
                        egui::Label::new(RichText::new(line).size(BODY_SIZE).color(TEXT)).wrap(),
                    );
                }
                tables_ui(ui, &view.tables, table_toggles, event);
            }
            inputs_ui(ui, &view.inputs, event);
        });
        if let Some(payload) = &view.qr {
            qr_ui(ui, payload);
        }
    });

    if view
        .inputs
        .iter()
        .any(|i| i.focused && i.kind == InputKind::Text)
    {
        ui.add_space(8.0);
        keyboard_ui(ui, event);
    }

    if !toggles_in_table && !parts.toggles.is_empty() {
        ui.add_space(4.0);
        ui.allocate_ui_with_layout(
            vec2(width, TOGGLE_H),
            Layout::right_to_left(Align::Center),
            |ui| {
                for b in parts.toggles.iter().rev() {
                    toggle_with_reason(ui, b, event);
                }
            },
        );
    }

    let options = parts.options;
    if !options.is_empty() {
        ui.add_space(10.0);
        // A list of choices too long for the columns (accounts, bills) is a list, one
        // row each; the rest are in two columns, three when there are many. The buttons
        // shrink (not below a comfortable touch target) so that a menu fits without
        // scrolling.
        let two_col_w = (width - GAP) / 2.0;
        let (list, grid) = split_list(ui, options, two_col_w);
        let mut cols = match grid.len() {
            0..=8 => 2,
            9..=12 => 3,
            _ => 4,
        };
        let row_gap = 10.0;
        let left = body_h - ui.min_rect().height() - 10.0;
        let fit = |cols: usize| {
            let rows = list.len() + grid.len().div_ceil(cols);
            (left - row_gap * (rows as f32 - 1.0)) / rows as f32
        };
        let col_w = |cols: usize| (width - GAP * (cols as f32 - 1.0)) / cols as f32;
        // Where they would not fit, short labels (predefined periods) take more columns
        // rather than scroll out of sight.
        while fit(cols) < MIN_BUTTON_H
            && cols < 4
            && cols < grid.len()
            && grid
                .iter()
                .all(|b| fits_one_line(ui, &b.label, col_w(cols + 1)))
        {
            cols += 1;
        }
        let button_h = fit(cols).clamp(MIN_BUTTON_H, BUTTON_H);
        let col_w = col_w(cols);
        ui.spacing_mut().item_spacing.y = row_gap;
        for b in &list {
            ui.allocate_ui_with_layout(
                vec2(width, button_h),
                Layout::top_down(Align::Center),
                |ui| {
                    if button_with_reason(ui, b, vec2(width, button_h), Kind::Row) {
                        *event = Some(UiEvent::Press(b.id.clone()));
                    }
                },
            );
        }
        for row in grid.chunks(cols) {
            ui.horizontal_top(|ui| {
                for b in row {
                    ui.allocate_ui_with_layout(
                        vec2(col_w, button_h),
                        Layout::top_down(Align::Center),
                        |ui| {
                            if button_with_reason(ui, b, vec2(col_w, button_h), Kind::Option) {
                                *event = Some(UiEvent::Press(b.id.clone()));
                            }
                        },
                    );
                }
            });
        }
    }
}

/// Whether `label` stands on one line of an option button `width` wide.
fn fits_one_line(ui: &Ui, label: &str, width: f32) -> bool {
    ui.painter()
        .layout_no_wrap(label.to_string(), option_font(width), TEXT)
        .size()
        .x
        <= width - 28.0
}

/// The font of an option `width` wide: narrow buttons (a dense menu, the keyboard) take a
/// smaller size to stay on one or two lines.
fn option_font(width: f32) -> FontId {
    let size = if width < 260.0 {
        BUTTON_SIZE - 4.0
    } else {
        BUTTON_SIZE
    };
    FontId::proportional(size)
}

/// The list prefix of a choice's id: `account` of `account.2`.
fn choice_prefix(id: &str) -> Option<&str> {
    let (prefix, index) = id.rsplit_once('.')?;
    (!prefix.is_empty() && !index.is_empty() && index.bytes().all(|c| c.is_ascii_digit()))
        .then_some(prefix)
}

/// Splits the options into a list (the choices of one list, `account.0`, `account.1`, ...,
/// when a label of theirs does not fit on one line of a column `col_w` wide) and the rest.
fn split_list<'a>(
    ui: &Ui,
    options: &[&'a ButtonView],
    col_w: f32,
) -> (Vec<&'a ButtonView>, Vec<&'a ButtonView>) {
    let long_lists: Vec<&str> = options
        .iter()
        .filter(|b| !fits_one_line(ui, &b.label, col_w))
        .filter_map(|b| choice_prefix(&b.id))
        .collect();
    options
        .iter()
        .partition(|b| choice_prefix(&b.id).is_some_and(|p| long_lists.contains(&p)))
}

/// The carousel: the item shown (the screen's lines and tables) between two large arrows;
/// a disabled arrow says why under it.
fn carousel_ui(
    ui: &mut Ui,
    view: &ScreenView,
    prev: &ButtonView,
    next: &ButtonView,
    toggles: &[&ButtonView],
    event: &mut Option<UiEvent>,
) {
    let width = ui.available_width();
    let arrow_w = ARROW_W.min(width / 5.0);
    let center_w = (width - 2.0 * (arrow_w + GAP)).max(0.0);
    let top = ui.cursor().min;
    let center_max =
        Rect::from_min_size(pos2(top.x + arrow_w + GAP, top.y), vec2(center_w, 10_000.0));
    let center = ui
        .scope_builder(
            UiBuilder::new()
                .max_rect(center_max)
                .layout(Layout::top_down(Align::Center)),
            |ui| {
                ui.set_width(center_w);
                for line in &view.lines {
                    ui.add(
                        egui::Label::new(RichText::new(line).size(BODY_SIZE).color(TEXT)).wrap(),
                    );
                }
                tables_ui(ui, &view.tables, toggles, event);
            },
        )
        .response
        .rect;
    let h = center.height().max(ARROW_H);
    let arrows = [
        (prev, top.x, Side::Left),
        (next, top.x + width - arrow_w, Side::Right),
    ];
    for (b, x, side) in arrows {
        let rect = Rect::from_min_size(pos2(x, top.y), vec2(arrow_w, h));
        ui.scope_builder(UiBuilder::new().max_rect(rect), |ui| {
            if arrow_button(ui, b, rect.size(), side).clicked() && b.enabled {
                *event = Some(UiEvent::Press(b.id.clone()));
            }
        });
    }
    let reason = |b: &ButtonView| {
        (!b.enabled)
            .then_some(b.reason.as_deref())
            .flatten()
            .map(str::to_owned)
    };
    let (prev_reason, next_reason) = (reason(prev), reason(next));
    if prev_reason.is_some() || next_reason.is_some() {
        let half = (width - GAP) / 2.0;
        ui.horizontal_top(|ui| {
            for (reason, align) in [(prev_reason, Align::Min), (next_reason, Align::Max)] {
                ui.allocate_ui_with_layout(vec2(half, 0.0), Layout::top_down(align), |ui| {
                    ui.set_width(half);
                    if let Some(reason) = &reason {
                        reason_label(ui, reason);
                    }
                });
            }
        });
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Side {
    Left,
    Right,
}

/// A carousel arrow: a large triangle, and under it the button's label when it says more
/// than an arrow. Its name (what a screen reader says, what tests find) is the label.
fn arrow_button(ui: &mut Ui, b: &ButtonView, size: Vec2, side: Side) -> Response {
    let (rect, response) = touch_target(ui, size, &b.label, b.enabled);
    let (fill, color, stroke) = if b.enabled {
        let fill = if response.is_pointer_button_down_on() {
            BUTTON.gamma_multiply(0.85)
        } else if response.hovered() {
            Color32::from_rgb(0xE6, 0xEE, 0xFA)
        } else {
            BUTTON
        };
        (fill, BRAND, Stroke::new(3.0, BRAND))
    } else {
        (DISABLED, DISABLED_TEXT, Stroke::new(2.0, DISABLED))
    };
    let p = ui.painter();
    p.rect(
        rect,
        CornerRadius::same(12),
        fill,
        stroke,
        StrokeKind::Inside,
    );
    if let Some(key) = &b.key {
        side_key_badge(p, rect, key, color);
    }
    let words = b.label.chars().any(char::is_alphanumeric);
    let galley = words.then(|| {
        let mut job = egui::text::LayoutJob::simple(
            b.label.clone(),
            FontId::proportional(SMALL_SIZE),
            color,
            rect.width() - 16.0,
        );
        job.halign = Align::Center;
        p.layout_job(job)
    });
    let text_h = galley.as_ref().map_or(0.0, |g| g.size().y + 8.0);
    let tri_h = (rect.height() - text_h - 20.0).clamp(20.0, 48.0);
    let tri_w = tri_h * 0.8;
    let c = pos2(rect.center().x, rect.center().y - text_h / 2.0);
    let (tip, back) = match side {
        Side::Left => (-tri_w / 2.0, tri_w / 2.0),
        Side::Right => (tri_w / 2.0, -tri_w / 2.0),
    };
    p.add(Shape::convex_polygon(
        vec![
            pos2(c.x + tip, c.y),
            pos2(c.x + back, c.y - tri_h / 2.0),
            pos2(c.x + back, c.y + tri_h / 2.0),
        ],
        color,
        Stroke::NONE,
    ));
    if let Some(galley) = galley {
        p.galley(
            pos2(rect.center().x, c.y + tri_h / 2.0 + 8.0),
            galley,
            color,
        );
    }
    response
}

/// The show/hide toggle: a pill with an eye (struck through for "hide"), smaller than an
/// option. A disabled one says why beside it.
fn toggle_with_reason(ui: &mut Ui, b: &ButtonView, event: &mut Option<UiEvent>) {
    let color = if b.enabled { BRAND } else { DISABLED_TEXT };
    let galley = ui
        .painter()
        .layout_no_wrap(b.label.clone(), toggle_font(), color);
    let size = toggle_size(ui, b);
    let (rect, response) = touch_target(ui, size, &b.label, b.enabled);
    let fill = if !b.enabled {
        DISABLED
    } else if response.is_pointer_button_down_on() {
        BUTTON.gamma_multiply(0.85)
    } else if response.hovered() {
        Color32::from_rgb(0xE6, 0xEE, 0xFA)
    } else {
        BUTTON
    };
    let p = ui.painter();
    p.rect(
        rect,
        CornerRadius::same((TOGGLE_H / 2.0) as u8),
        fill,
        Stroke::new(2.0, color),
        StrokeKind::Inside,
    );
    let eye = pos2(rect.left() + PAD + ICON_W / 2.0, rect.center().y);
    let struck = (b.id == "hide_balance").then_some(fill);
    paint_eye(p, eye, ICON_W, color, struck);
    p.galley(
        pos2(
            rect.left() + PAD + ICON_W + ICON_GAP,
            rect.center().y - galley.size().y / 2.0,
        ),
        galley,
        color,
    );
    if response.clicked() && b.enabled {
        *event = Some(UiEvent::Press(b.id.clone()));
    }
    if !b.enabled
        && let Some(reason) = &b.reason
    {
        reason_label(ui, reason);
    }
}

const ICON_W: f32 = 28.0;
const ICON_GAP: f32 = 8.0;
const PAD: f32 = 16.0;

fn toggle_font() -> FontId {
    FontId::proportional(SMALL_SIZE + 1.0)
}

/// How large the toggle `b` is.
fn toggle_size(ui: &Ui, b: &ButtonView) -> Vec2 {
    let text_w = ui
        .painter()
        .layout_no_wrap(b.label.clone(), toggle_font(), TEXT)
        .size()
        .x;
    vec2(PAD + ICON_W + ICON_GAP + text_w + PAD, TOGGLE_H)
}

/// An eye, `width` wide, centred on `center`; struck through when `struck` gives the
/// ground's colour (to part the stroke from the eye). Drawn, not a glyph: DejaVu Sans has
/// no eye (U+1F441).
fn paint_eye(p: &egui::Painter, center: Pos2, width: f32, color: Color32, struck: Option<Color32>) {
    let half_w = width / 2.0;
    let half_h = width * 0.3;
    const STEPS: usize = 16;
    let mut outline = Vec::with_capacity(2 * STEPS);
    for i in 0..=STEPS {
        let t = i as f32 / STEPS as f32;
        let x = -half_w + width * t;
        let y = -half_h * (std::f32::consts::PI * t).sin();
        outline.push(center + vec2(x, y));
    }
    for i in (1..STEPS).rev() {
        let t = i as f32 / STEPS as f32;
        let x = -half_w + width * t;
        let y = half_h * (std::f32::consts::PI * t).sin();
        outline.push(center + vec2(x, y));
    }
    p.add(Shape::closed_line(outline, Stroke::new(2.5, color)));
    p.circle_filled(center, half_h * 0.6, color);
    if let Some(ground) = struck {
        let a = center + vec2(-half_w * 0.8, half_h * 1.5);
        let b = center + vec2(half_w * 0.8, -half_h * 1.5);
        p.line_segment([a, b], Stroke::new(6.0, ground));
        p.line_segment([a, b], Stroke::new(2.5, color));
    }
}

/// Why a button is disabled, small and in italics, wrapped to the room there is.
fn reason_label(ui: &mut Ui, reason: &str) {
    ui.add(
        egui::Label::new(
            RichText::new(reason)
                .size(SMALL_SIZE)
                .italics()
                .color(DISABLED_TEXT),
        )
        .wrap(),
    );
}

/// How high [`reason_label`] is when `width` wide.
fn reason_height(ui: &Ui, reason: &str, width: f32) -> f32 {
    ui.painter()
        .layout(
            reason.to_string(),
            FontId::proportional(SMALL_SIZE),
            DISABLED_TEXT,
            width,
        )
        .size()
        .y
}

fn tables_ui(
    ui: &mut Ui,
    tables: &[TableView],
    toggles: &[&ButtonView],
    event: &mut Option<UiEvent>,
) {
    for (i, table) in tables.iter().enumerate() {
        let toggles = if i == 0 { toggles } else { &[] };
        table_ui(ui, table, toggles, event);
    }
}

const TABLE_COL_GAP: f32 = 40.0;
const TABLE_MARGIN: f32 = 20.0;
/// The card's margins and border, left and right together.
const TABLE_FRAME: f32 = 2.0 * TABLE_MARGIN + 4.0;

fn key_font() -> FontId {
    FontId::proportional(BODY_SIZE - 2.0)
}

fn value_font() -> FontId {
    FontId::proportional(BODY_SIZE)
}

/// The widths of a table's two columns, for a card at most `room` wide: as wide as their
/// texts where they fit; else the labels wrap (a statement's long descriptions), and the
/// values (amounts) keep their width up to 60% of the card.
fn table_columns(ui: &Ui, table: &TableView, room: f32) -> (f32, f32) {
    let widest = |texts: &mut dyn Iterator<Item = &String>, font: FontId| {
        texts
            .map(|t| {
                ui.painter()
                    .layout_no_wrap(t.clone(), font.clone(), TEXT)
                    .size()
                    .x
                    .ceil()
            })
            .fold(0.0, f32::max)
    };
    let keys = widest(&mut table.rows.iter().map(|(k, _)| k), key_font());
    let values = widest(&mut table.rows.iter().map(|(_, v)| v), value_font());
    let inner = (room - TABLE_FRAME - TABLE_COL_GAP).max(0.0);
    if keys + values <= inner {
        return (keys, values);
    }
    let value = values.min(inner * 0.6);
    let key = keys.min(inner - value);
    (key, (inner - key).min(values))
}

/// A table's rows, in columns `key_w` and `value_w` wide.
fn table_rows(ui: &mut Ui, table: &TableView, (key_w, value_w): (f32, f32)) {
    let one_line = |font: FontId| {
        ui.painter()
            .layout_no_wrap("Ag".into(), font, TEXT)
            .size()
            .y
    };
    // The smaller labels stand on the values' middle.
    let lift = ((one_line(value_font()) - one_line(key_font())) / 2.0).max(0.0);
    ui.spacing_mut().item_spacing.y = 10.0;
    for (key, value) in &table.rows {
        ui.allocate_ui_with_layout(
            vec2(key_w + TABLE_COL_GAP + value_w, 0.0),
            Layout::left_to_right(Align::Min),
            |ui| {
                ui.spacing_mut().item_spacing.x = TABLE_COL_GAP;
                ui.allocate_ui_with_layout(vec2(key_w, 0.0), Layout::top_down(Align::Min), |ui| {
                    ui.set_width(key_w);
                    ui.add_space(lift);
                    ui.add(
                        egui::Label::new(RichText::new(key).font(key_font()).color(TEXT)).wrap(),
                    );
                });
                ui.allocate_ui_with_layout(
                    vec2(value_w, 0.0),
                    Layout::top_down(Align::Min),
                    |ui| {
                        ui.set_width(value_w);
                        ui.add(
                            egui::Label::new(
                                RichText::new(value).font(value_font()).strong().color(TEXT),
                            )
                            .wrap(),
                        );
                    },
                );
            },
        );
    }
}

/// A table of label/value rows in a card. The show/hide toggle, when given, is in the
/// card: at its top right where there is room beside the rows, else at its bottom right.
fn table_ui(ui: &mut Ui, table: &TableView, toggles: &[&ButtonView], event: &mut Option<UiEvent>) {
    if !table.title.is_empty() {
        ui.label(
            RichText::new(&table.title)
                .size(BODY_SIZE)
                .strong()
                .color(TEXT),
        );
    }
    let room = ui.available_width();
    let toggles_w: f32 = toggles.iter().map(|b| toggle_size(ui, b).x).sum::<f32>()
        + GAP * (toggles.len().max(1) as f32 - 1.0);
    let natural = table_columns(ui, table, f32::INFINITY);
    let beside = !toggles.is_empty()
        && natural.0 + TABLE_COL_GAP + natural.1 + GAP + toggles_w + TABLE_FRAME <= room;
    let columns = if beside {
        natural
    } else {
        table_columns(ui, table, room)
    };
    let rows_w = columns.0 + TABLE_COL_GAP + columns.1;
    egui::Frame::new()
        .fill(BUTTON)
        .stroke(Stroke::new(1.5, Color32::from_rgb(0xB8, 0xC0, 0xCC)))
        .corner_radius(CornerRadius::same(10))
        .inner_margin(egui::Margin::symmetric(TABLE_MARGIN as i8, 12))
        .show(ui, |ui| {
            if toggles.is_empty() {
                table_rows(ui, table, columns);
            } else if beside {
                ui.allocate_ui_with_layout(
                    vec2(rows_w + GAP + toggles_w, 0.0),
                    Layout::left_to_right(Align::Min),
                    |ui| {
                        ui.vertical(|ui| table_rows(ui, table, columns));
                        ui.vertical(|ui| {
                            for b in toggles {
                                toggle_with_reason(ui, b, event);
                            }
                        });
                    },
                );
            } else {
                table_rows(ui, table, columns);
                ui.allocate_ui_with_layout(
                    vec2(rows_w.max(toggles_w), TOGGLE_H),
                    Layout::right_to_left(Align::Center),
                    |ui| {
                        for b in toggles.iter().rev() {
                            toggle_with_reason(ui, b, event);
                        }
                    },
                );
            }
        });
}

/// The inputs, one under the other; digit inputs whose ids share a prefix (`from_d`,
/// `from_m`, `from_y`: one date) stand side by side in one row.
fn inputs_ui(ui: &mut Ui, inputs: &[InputView], event: &mut Option<UiEvent>) {
    let mut rest = inputs;
    while let Some(first) = rest.first() {
        let n = input_row_len(rest);
        if n > 1 {
            let room = ui.available_width();
            let w = ((room - GAP * (n as f32 - 1.0)) / n as f32).min(520.0);
            ui.horizontal_top(|ui| {
                for input in &rest[..n] {
                    ui.allocate_ui_with_layout(vec2(w, 0.0), Layout::top_down(Align::Min), |ui| {
                        ui.set_width(w);
                        input_ui(ui, input, event);
                    });
                }
            });
        } else {
            input_ui(ui, first, event);
        }
        rest = &rest[n.max(1)..];
    }
}

/// How many inputs from the first stand in one row: digit inputs whose ids share the
/// prefix before the last `_`.
fn input_row_len(inputs: &[InputView]) -> usize {
    fn group(i: &InputView) -> Option<&str> {
        let (prefix, _) = i.id.rsplit_once('_')?;
        (i.kind == InputKind::Digits && !prefix.is_empty()).then_some(prefix)
    }
    let Some(prefix) = inputs.first().and_then(group) else {
        return 1;
    };
    inputs
        .iter()
        .take(INPUT_ROW_MAX)
        .take_while(|i| group(i) == Some(prefix))
        .count()
}

fn input_ui(ui: &mut Ui, input: &InputView, event: &mut Option<UiEvent>) {
    if !input.label.is_empty() {
        ui.label(RichText::new(&input.label).size(BODY_SIZE).color(TEXT));
    }
    let width = ui.available_width().min(520.0);
    let (rect, response) = ui.allocate_exact_size(vec2(width, 72.0), Sense::click());
    response.widget_info(|| {
        let mut info = WidgetInfo::labeled(WidgetType::TextEdit, true, &input.label);
        info.current_text_value = Some(input.shown.clone());
        info
    });
    if response.clicked() && !input.focused {
        *event = Some(UiEvent::Focus(input.id.clone()));
    }
    let border = if input.problem.is_some() {
        Stroke::new(3.0, PROBLEM)
    } else if input.focused {
        Stroke::new(4.0, FOCUS)
    } else {
        Stroke::new(2.0, Color32::from_rgb(0x8A, 0x94, 0xA3))
    };
    let p = ui.painter();
    p.rect(
        rect,
        CornerRadius::same(10),
        BUTTON,
        border,
        StrokeKind::Inside,
    );
    let (text, size) = match input.kind {
        // Dots a little apart, large enough to count from a step back.
        InputKind::Pin => (spaced(&input.shown), 40.0),
        _ => (input.shown.clone(), 34.0),
    };
    let galley = p.layout_no_wrap(text, FontId::monospace(size), TEXT);
    let text_pos = pos2(rect.left() + 20.0, rect.center().y - galley.size().y / 2.0);
    let caret_x = text_pos.x + galley.size().x + 4.0;
    p.galley(text_pos, galley, TEXT);
    if input.focused {
        p.line_segment(
            [
                pos2(caret_x, rect.top() + 16.0),
                pos2(caret_x, rect.bottom() - 16.0),
            ],
            Stroke::new(3.0, FOCUS),
        );
    }
    if input.kind == InputKind::Select {
        for (i, option) in input.options.iter().enumerate() {
            ui.label(
                RichText::new(format!("{}. {option}", i + 1))
                    .size(BODY_SIZE)
                    .color(TEXT),
            );
        }
    }
    if let Some(problem) = &input.problem {
        ui.label(
            RichText::new(format!("⚠ {problem}"))
                .size(SMALL_SIZE + 2.0)
                .strong()
                .color(PROBLEM),
        );
    }
}

fn spaced(dots: &str) -> String {
    let chars: Vec<String> = dots.chars().map(String::from).collect();
    chars.join(" ")
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Option,
    /// An item of a list: full width, its text at the left, a chevron at the right.
    Row,
    Primary,
    Nav,
    Eject,
}

/// A large button; a disabled one says why under it. Answers whether it was pressed.
fn button_with_reason(ui: &mut Ui, b: &ButtonView, size: Vec2, kind: Kind) -> bool {
    let kind = if b.primary && kind != Kind::Eject {
        Kind::Primary
    } else {
        kind
    };
    let icon = match b.id.as_str() {
        "back" => Some("◀"),
        "cancel" | "close" | "exit" => Some("✖"),
        EJECT_ID => Some("⏏"),
        _ => None,
    };
    let pressed = big_button(ui, size, &b.label, icon, b.key.as_deref(), kind, b.enabled).clicked()
        && b.enabled;
    if !b.enabled
        && let Some(reason) = &b.reason
    {
        reason_label(ui, reason);
    }
    pressed
}

/// The space of a button: it answers touch only while enabled, and its name (what a
/// screen reader says, and what tests find it by) is its label.
fn touch_target(ui: &mut Ui, size: Vec2, label: &str, enabled: bool) -> (Rect, Response) {
    let sense = if enabled {
        Sense::click()
    } else {
        Sense::hover()
    };
    let (rect, response) = ui.allocate_exact_size(size, sense);
    response.widget_info(|| WidgetInfo::labeled(WidgetType::Button, enabled, label));
    (rect, response)
}

/// A large button. `icon` is drawn before the label but is not part of its name (what a
/// screen reader says, and what tests find it by); so is `side_key`, the function key
/// beside the screen that also presses it.
fn big_button(
    ui: &mut Ui,
    size: Vec2,
    label: &str,
    icon: Option<&str>,
    side_key: Option<&str>,
    kind: Kind,
    enabled: bool,
) -> Response {
    let (rect, response) = touch_target(ui, size, label, enabled);
    let pressed_look = response.is_pointer_button_down_on();
    let (fill, text, stroke) = match (kind, enabled) {
        (_, false) => (DISABLED, DISABLED_TEXT, Stroke::new(2.0, DISABLED)),
        (Kind::Primary, true) => (PRIMARY, Color32::WHITE, Stroke::new(2.0, PRIMARY)),
        (Kind::Eject, true) => (EJECT, Color32::WHITE, Stroke::new(2.0, EJECT)),
        (Kind::Option | Kind::Row | Kind::Nav, true) => (BUTTON, BRAND, Stroke::new(3.0, BRAND)),
    };
    let fill = if pressed_look {
        fill.gamma_multiply(0.85)
    } else if response.hovered() && enabled && matches!(kind, Kind::Option | Kind::Row) {
        Color32::from_rgb(0xE6, 0xEE, 0xFA)
    } else {
        fill
    };
    let p = ui.painter();
    p.rect(
        rect,
        CornerRadius::same(12),
        fill,
        stroke,
        StrokeKind::Inside,
    );
    if let Some(key) = side_key {
        side_key_badge(p, rect, key, text);
    }
    let font = if kind == Kind::Primary {
        bold_font(ui, BUTTON_SIZE + 2.0)
    } else {
        option_font(rect.width())
    };
    let shown = match icon {
        Some(icon) => format!("{icon}  {label}"),
        None => label.to_string(),
    };
    if kind == Kind::Row {
        // A list item reads from the left; the chevron says it leads on.
        const CHEVRON_ROOM: f32 = 56.0;
        let job =
            egui::text::LayoutJob::simple(shown, font, text, rect.width() - 24.0 - CHEVRON_ROOM);
        let galley = p.layout_job(job);
        let pos = pos2(rect.left() + 24.0, rect.center().y - galley.size().y / 2.0);
        p.galley(pos, galley, text);
        let c = pos2(rect.right() - CHEVRON_ROOM / 2.0, rect.center().y);
        let s = 9.0;
        p.add(Shape::line(
            vec![
                c + vec2(-s / 2.0, -s),
                c + vec2(s / 2.0, 0.0),
                c + vec2(-s / 2.0, s),
            ],
            Stroke::new(3.0, text),
        ));
        return response;
    }
    let mut job = egui::text::LayoutJob::simple(shown, font, text, rect.width() - 28.0);
    job.halign = Align::Center;
    let galley = p.layout_job(job);
    let pos = pos2(rect.center().x, rect.center().y - galley.size().y / 2.0);
    p.galley(pos, galley, text);
    response
}

/// The side function key that also presses a button, in a small tag in the button's
/// corner nearest the key: top left for F1-F4 (left of the screen), top right for F5-F8.
fn side_key_badge(p: &egui::Painter, button: Rect, key: &str, color: Color32) {
    let galley = p.layout_no_wrap(key.to_string(), FontId::proportional(15.0), color);
    let size = galley.size() + vec2(10.0, 2.0);
    let left = !matches!(key, "F5" | "F6" | "F7" | "F8");
    let x = if left {
        button.left() + 6.0
    } else {
        button.right() - 6.0 - size.x
    };
    let tag = Rect::from_min_size(pos2(x, button.top() + 5.0), size);
    p.rect_stroke(
        tag,
        CornerRadius::same(4),
        Stroke::new(1.0, color),
        StrokeKind::Inside,
    );
    p.galley(tag.min + vec2(5.0, 1.0), galley, color);
}

fn nav_ui(ui: &mut Ui, nav: &[&ButtonView], event: &mut Option<UiEvent>) {
    let rect = ui.max_rect();
    ui.painter()
        .rect_filled(rect, 0.0, Color32::from_rgb(0xE2, 0xE7, 0xEE));
    ui.painter().line_segment(
        [rect.left_top(), rect.right_top()],
        Stroke::new(2.0, Color32::from_rgb(0xB8, 0xC0, 0xCC)),
    );
    let inner = rect.shrink2(vec2(MARGIN, 14.0));
    let slots = NAV_SLOTS.len() + 1;
    let slot_w = ((inner.width() - GAP * (slots as f32 - 1.0)) / slots as f32).min(260.0);
    for b in nav {
        let Some(slot) = nav_slot(&b.id) else {
            continue;
        };
        let x = if slot == NAV_SLOTS.len() {
            inner.right() - slot_w
        } else {
            inner.left() + slot as f32 * (slot_w + GAP)
        };
        let cell = Rect::from_min_size(pos2(x, inner.top()), vec2(slot_w, inner.height()));
        let kind = if b.id == EJECT_ID {
            Kind::Eject
        } else {
            Kind::Nav
        };
        ui.scope_builder(
            UiBuilder::new()
                .max_rect(cell)
                .layout(Layout::top_down(Align::Center)),
            |ui| {
                ui.spacing_mut().item_spacing.y = 2.0;
                let h = if b.enabled || b.reason.is_none() {
                    inner.height()
                } else {
                    inner.height() - 24.0
                };
                if button_with_reason(ui, b, vec2(slot_w, h), kind) {
                    *event = Some(UiEvent::Press(b.id.clone()));
                }
            },
        );
    }
}

/// The on-screen keyboard, for text inputs (an e-mail address): four rows, with the
/// delete key and Clear at the ends of the first two.
fn keyboard_ui(ui: &mut Ui, event: &mut Option<UiEvent>) {
    const ROWS: [&str; 4] = ["1234567890", "qwertyuiop", "asdfghjkl@", "zxcvbnm._-"];
    const SPECIAL: [Option<(&str, Option<UiEvent>)>; 4] = [
        Some(("⬅", Some(UiEvent::Backspace))),
        Some(("Clear", Some(UiEvent::Clear))),
        None,
        None,
    ];
    const SPACING: f32 = 6.0;
    let width = ui.available_width().min(900.0);
    let key_w = (width - 10.0 * SPACING) / 11.5;
    let key = vec2(key_w, 46.0);
    ui.spacing_mut().item_spacing = vec2(SPACING, SPACING);
    for (row, special) in ROWS.iter().zip(SPECIAL) {
        ui.horizontal(|ui| {
            for c in row.chars() {
                let label = c.to_string();
                if big_button(ui, key, &label, None, None, Kind::Option, true).clicked() {
                    *event = Some(UiEvent::Type(label));
                }
            }
            if let Some((label, answer)) = special {
                let wide = vec2(key_w * 1.5, key.y);
                if big_button(ui, wide, label, None, None, Kind::Option, true).clicked() {
                    *event = answer;
                }
            }
        });
    }
}

/// The QR code, drawn as squares with its quiet zone; a touch enlarges it (and another
/// makes it small again), as the manual asks for the welcome screen.
fn qr_ui(ui: &mut Ui, payload: &str) {
    let id = ui.id().with("qr-enlarged");
    let enlarged = ui.data(|d| d.get_temp::<bool>(id)).unwrap_or(false);
    let (rect, response) = ui.allocate_exact_size(Vec2::splat(QR_SIDE), Sense::click());
    response.widget_info(|| WidgetInfo::labeled(WidgetType::Image, true, "QR code"));
    paint_qr(ui.painter(), rect, payload);
    let mut toggle = response.clicked();
    if enlarged {
        let screen = ui.ctx().content_rect();
        let side = screen.height().min(screen.width()) * 0.8;
        let big = Rect::from_center_size(screen.center(), Vec2::splat(side));
        let area = egui::Area::new(id.with("area"))
            .order(egui::Order::Foreground)
            .fixed_pos(screen.min)
            .show(ui.ctx(), |ui| {
                let (r, resp) = ui.allocate_exact_size(screen.size(), Sense::click());
                resp.widget_info(|| {
                    WidgetInfo::labeled(WidgetType::Image, true, "QR code, enlarged")
                });
                ui.painter()
                    .rect_filled(r, 0.0, Color32::from_black_alpha(200));
                paint_qr(ui.painter(), big, payload);
                resp
            });
        toggle |= area.inner.clicked();
    }
    if toggle {
        ui.data_mut(|d| d.insert_temp(id, !enlarged));
    }
}

/// Paints a QR code into `rect` (square), white ground and quiet zone included. A payload
/// too long for a QR code is painted as a notice instead.
pub fn paint_qr(painter: &egui::Painter, rect: Rect, payload: &str) {
    painter.rect_filled(rect, CornerRadius::same(6), Color32::WHITE);
    let Some(code) = encoded_qr(painter.ctx(), payload) else {
        painter.text(
            rect.center(),
            Align2::CENTER_CENTER,
            "QR too long",
            FontId::proportional(SMALL_SIZE),
            PROBLEM,
        );
        return;
    };
    let n = code.width;
    let quiet = 4;
    let cell = rect.width() / (n + 2 * quiet) as f32;
    for (i, dark) in code.dark.iter().enumerate() {
        if *dark {
            let (x, y) = ((i % n + quiet) as f32, (i / n + quiet) as f32);
            let min = rect.min + vec2(x * cell, y * cell);
            // A hair larger so neighbouring squares leave no seams when scaled.
            painter.rect_filled(
                Rect::from_min_size(min, Vec2::splat(cell + 0.5)),
                0.0,
                Color32::BLACK,
            );
        }
    }
}

/// A QR code's modules, row by row.
#[derive(Clone)]
struct EncodedQr {
    width: usize,
    dark: std::sync::Arc<[bool]>,
}

/// The payload encoded, kept in egui's memory while it stays on screen: encoding costs
/// about two thirds of the welcome screen's frame, and the payload changes only when the
/// screen does. One slot only (a screen shows one QR code), so a terminal that shows a new
/// code every few minutes for months does not pile old ones up. `None` when the payload
/// is too long for a QR code.
fn encoded_qr(ctx: &egui::Context, payload: &str) -> Option<EncodedQr> {
    let id = egui::Id::new("atmflow-qr-encoded");
    let hit = ctx.data(|d| {
        d.get_temp::<(String, EncodedQr)>(id)
            .filter(|(cached, _)| cached == payload)
    });
    if let Some((_, code)) = hit {
        return Some(code);
    }
    let code = qrcode::QrCode::new(payload.as_bytes()).ok()?;
    let encoded = EncodedQr {
        width: code.width(),
        dark: code
            .to_colors()
            .iter()
            .map(|c| *c == qrcode::Color::Dark)
            .collect(),
    };
    ctx.data_mut(|d| d.insert_temp(id, (payload.to_string(), encoded.clone())));
    Some(encoded)
}

/// How long each promotional message stays before the next one.
pub const PROMO_SECONDS: i64 = 8;

/// The promotional message to show at `options.now`: they take turns, [`PROMO_SECONDS`]
/// each, so every terminal shows the same one at the same time. Without a clock (the
/// editor's previews), the first.
fn promo_now<'a>(promo: &'a [String], options: &ScreenOptions) -> Option<(&'a str, usize, usize)> {
    if promo.is_empty() {
        return None;
    }
    let tick = options
        .now
        .map_or(0, |now| now.and_utc().timestamp().div_euclid(PROMO_SECONDS));
    let index = usize::try_from(tick.rem_euclid(promo.len() as i64)).unwrap_or(0);
    Some((promo[index].as_str(), index, promo.len()))
}

/// The promo area: one message in a tinted band with the brand's accent, and a dot for
/// each message, the one shown filled.
fn promo_ui(ui: &mut Ui, text: &str, index: usize, count: usize) {
    const TINT: Color32 = Color32::from_rgb(0xE6, 0xEE, 0xFA);
    let width = ui.available_width();
    let frame = egui::Frame::new()
        .fill(TINT)
        .corner_radius(CornerRadius::same(10))
        .inner_margin(egui::Margin {
            left: 22,
            right: 16,
            top: 12,
            bottom: if count > 1 { 24 } else { 12 },
        });
    let shown = frame.show(ui, |ui| {
        ui.set_width(width - 38.0);
        ui.add(egui::Label::new(RichText::new(text).size(BODY_SIZE - 2.0).color(BRAND)).wrap());
    });
    let rect = shown.response.rect;
    let p = ui.painter();
    p.rect_filled(
        Rect::from_min_size(rect.min, vec2(6.0, rect.height())),
        CornerRadius {
            nw: 10,
            sw: 10,
            ne: 0,
            se: 0,
        },
        BRAND,
    );
    if count > 1 {
        let y = rect.bottom() - 12.0;
        let x0 = rect.center().x - (count as f32 - 1.0) * 9.0;
        for i in 0..count {
            let c = pos2(x0 + i as f32 * 18.0, y);
            if i == index {
                p.circle_filled(c, 5.0, BRAND);
            } else {
                p.circle_stroke(c, 4.5, Stroke::new(1.5, BRAND));
            }
        }
    }
    ui.add_space(4.0);
}

/// The height of the small print at the foot of the screen, none when there is none.
fn small_print_height(ui: &Ui, lines: &[String], width: f32) -> f32 {
    if lines.is_empty() {
        return 0.0;
    }
    let text: f32 = lines
        .iter()
        .map(|l| {
            ui.fonts_mut(|f| {
                f.layout(l.clone(), FontId::proportional(SMALL_SIZE), TEXT, width)
                    .size()
                    .y
            })
        })
        .sum();
    text + 4.0 * (lines.len() as f32 - 1.0) + 20.0
}

/// The small print: the service phone number, fees. Always in the same place, just above
/// the navigation row, so a customer who needs help knows where to look.
fn small_print_ui(ui: &mut Ui, lines: &[String]) {
    let rect = ui.max_rect();
    ui.painter().hline(
        rect.x_range().shrink(MARGIN),
        rect.top(),
        Stroke::new(1.0, DISABLED),
    );
    let inner = rect.shrink2(vec2(MARGIN, 10.0));
    ui.scope_builder(
        UiBuilder::new()
            .max_rect(inner)
            .layout(Layout::top_down(Align::Min)),
        |ui| {
            ui.spacing_mut().item_spacing.y = 4.0;
            for line in lines {
                ui.add(egui::Label::new(RichText::new(line).size(SMALL_SIZE).color(TEXT)).wrap());
            }
        },
    );
}
