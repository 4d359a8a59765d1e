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
//! It is a pure function of the view (and of the [`ScreenOptions`]): it keeps no state of
//! its own but egui's (the enlarged QR), so the editor previews screens with the same code.

use atmflow_engine::ports::{ButtonView, InputKind, InputView, ScreenView, TableView};
use chrono::NaiveDateTime;
use eframe::egui::{
    self, Align, Align2, Color32, CornerRadius, FontId, Layout, Rect, Response, RichText, Sense,
    Stroke, StrokeKind, Ui, UiBuilder, Vec2, WidgetInfo, WidgetType, pos2, vec2,
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
    let options_buttons: Vec<&ButtonView> = view
        .buttons
        .iter()
        .filter(|b| nav_slot(&b.id).is_none() && !b.id.starts_with("lang."))
        .collect();

    let header = Rect::from_min_size(full.min, vec2(full.width(), HEADER_H));
    let nav_h = if nav.is_empty() { 0.0 } else { NAV_H };
    let footer = Rect::from_min_max(pos2(full.left(), full.bottom() - nav_h), full.max);
    let body = Rect::from_min_max(pos2(full.left(), header.bottom()), footer.right_top());

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
    let primary_h = if primary.is_empty() {
        0.0
    } else if primary.iter().any(|b| !b.enabled && b.reason.is_some()) {
        PRIMARY_H + 30.0
    } else {
        PRIMARY_H
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
                body_ui(ui, view, &others, scrolled.height(), &mut event);
            });
    });
    if !primary.is_empty() {
        let strip = Rect::from_min_max(
            pos2(content.left(), content.bottom() - primary_h),
            content.max,
        );
        let w = ((strip.width() - GAP) / 2.0).max(260.0).min(strip.width());
        let mut right = strip.right();
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
                    if button_with_reason(ui, b, vec2(w, PRIMARY_H), Kind::Primary) {
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

fn body_ui(
    ui: &mut Ui,
    view: &ScreenView,
    buttons: &[&ButtonView],
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

    ui.horizontal_top(|ui| {
        ui.allocate_ui_with_layout(vec2(text_w, 0.0), Layout::top_down(Align::Min), |ui| {
            ui.set_width(text_w);
            for line in &view.lines {
                ui.add(egui::Label::new(RichText::new(line).size(BODY_SIZE).color(TEXT)).wrap());
            }
            for table in &view.tables {
                table_ui(ui, table);
            }
            for input in &view.inputs {
                input_ui(ui, input, event);
            }
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

    let others = buttons;
    if !others.is_empty() {
        ui.add_space(10.0);
        // Two columns, three when there are many; the buttons shrink (not below a
        // comfortable touch target) so that a menu fits without scrolling.
        let cols = match others.len() {
            0..=8 => 2,
            9..=12 => 3,
            _ => 4,
        };
        let rows = others.len().div_ceil(cols);
        let row_gap = 10.0;
        let left = body_h - ui.min_rect().height() - 10.0;
        let fit = (left - row_gap * (rows as f32 - 1.0)) / rows as f32;
        let button_h = fit.clamp(MIN_BUTTON_H, BUTTON_H);
        let col_w = (width - GAP * (cols as f32 - 1.0)) / cols as f32;
        ui.spacing_mut().item_spacing.y = row_gap;
        for row in others.chunks(cols) {
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

fn table_ui(ui: &mut Ui, table: &TableView) {
    if !table.title.is_empty() {
        ui.label(
            RichText::new(&table.title)
                .size(BODY_SIZE)
                .strong()
                .color(TEXT),
        );
    }
    egui::Frame::new()
        .fill(BUTTON)
        .stroke(Stroke::new(1.5, Color32::from_rgb(0xB8, 0xC0, 0xCC)))
        .corner_radius(CornerRadius::same(10))
        .inner_margin(egui::Margin::symmetric(20, 12))
        .show(ui, |ui| {
            egui::Grid::new(ui.next_auto_id())
                .num_columns(2)
                .spacing(vec2(40.0, 10.0))
                .striped(false)
                .show(ui, |ui| {
                    for (key, value) in &table.rows {
                        ui.label(RichText::new(key).size(BODY_SIZE - 2.0).color(TEXT));
                        ui.label(RichText::new(value).size(BODY_SIZE).strong().color(TEXT));
                        ui.end_row();
                    }
                });
        });
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
    let pressed = big_button(ui, size, &b.label, icon, kind, b.enabled).clicked() && b.enabled;
    if !b.enabled
        && let Some(reason) = &b.reason
    {
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
    pressed
}

/// A large button. `icon` is drawn before the label but is not part of its name (what a
/// screen reader says, and what tests find it by).
fn big_button(
    ui: &mut Ui,
    size: Vec2,
    label: &str,
    icon: Option<&str>,
    kind: Kind,
    enabled: bool,
) -> Response {
    let sense = if enabled {
        Sense::click()
    } else {
        Sense::hover()
    };
    let (rect, response) = ui.allocate_exact_size(size, sense);
    response.widget_info(|| WidgetInfo::labeled(WidgetType::Button, enabled, label));
    let pressed_look = response.is_pointer_button_down_on();
    let (fill, text, stroke) = match (kind, enabled) {
        (_, false) => (DISABLED, DISABLED_TEXT, Stroke::new(2.0, DISABLED)),
        (Kind::Primary, true) => (PRIMARY, Color32::WHITE, Stroke::new(2.0, PRIMARY)),
        (Kind::Eject, true) => (EJECT, Color32::WHITE, Stroke::new(2.0, EJECT)),
        (Kind::Option | Kind::Nav, true) => (BUTTON, BRAND, Stroke::new(3.0, BRAND)),
    };
    let fill = if pressed_look {
        fill.gamma_multiply(0.85)
    } else if response.hovered() && enabled && kind == Kind::Option {
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
    let font = if kind == Kind::Primary {
        bold_font(ui, BUTTON_SIZE + 2.0)
    } else {
        // Narrow buttons (a dense menu, the keyboard) take a smaller size to stay on
        // one or two lines.
        let size = if rect.width() < 260.0 {
            BUTTON_SIZE - 4.0
        } else {
            BUTTON_SIZE
        };
        FontId::proportional(size)
    };
    let shown = match icon {
        Some(icon) => format!("{icon}  {label}"),
        None => label.to_string(),
    };
    let mut job = egui::text::LayoutJob::simple(shown, font, text, rect.width() - 28.0);
    job.halign = Align::Center;
    let galley = p.layout_job(job);
    let pos = pos2(rect.center().x, rect.center().y - galley.size().y / 2.0);
    p.galley(pos, galley, text);
    response
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
                if big_button(ui, key, &label, None, Kind::Option, true).clicked() {
                    *event = Some(UiEvent::Type(label));
                }
            }
            if let Some((label, answer)) = special {
                let wide = vec2(key_w * 1.5, key.y);
                if big_button(ui, wide, label, None, Kind::Option, true).clicked() {
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
    let Ok(code) = qrcode::QrCode::new(payload.as_bytes()) else {
        painter.text(
            rect.center(),
            Align2::CENTER_CENTER,
            "QR too long",
            FontId::proportional(SMALL_SIZE),
            PROBLEM,
        );
        return;
    };
    let n = code.width();
    let quiet = 4;
    let cell = rect.width() / (n + 2 * quiet) as f32;
    let colors = code.to_colors();
    for (i, color) in colors.iter().enumerate() {
        if *color == qrcode::Color::Dark {
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
