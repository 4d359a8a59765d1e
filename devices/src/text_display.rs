//! The headless console's display: a screen as plain text.
//!
//! ```text
//! ┌ withdrawal/confirm ─ Konfirmo tërheqjen ─────────
//! │ Account: ...23
//! │ Amount: 5,000.00 ALL
//! │ [amount] Shuma: 5000 ▏
//! │   ! Shuma duhet të jetë shumëfish i 500
//! │ (1) Konfirmo*   (2) Anulo   (3) Tjetër [disabled: S'ka kartë]
//! └ timeout 30s
//! ```
//!
//! Buttons get numeric keys in their order, `*` marks the primary one, `▏` the focused
//! input. [`button_for_key`] maps what the user typed (a key or a button id) back to the
//! button.

use std::io::{self, Write};

use atmflow_engine::ports::{ButtonView, Display, InputKind, ScreenView};

/// The width the header rule is drawn to.
const WIDTH: usize = 51;

/// The screen as text, one line per line, ending with a newline.
pub fn render_text(view: &ScreenView) -> String {
    let mut out = String::new();

    let mut header = format!("┌ {}", view.id);
    if !view.title.is_empty() {
        header.push_str(" ─ ");
        header.push_str(&view.title);
    }
    header.push(' ');
    let used = header.chars().count();
    header.push_str(&"─".repeat(WIDTH.saturating_sub(used).max(3)));
    out.push_str(&header);
    out.push('\n');

    let mut row = |text: &str| {
        for line in text.split('\n') {
            out.push_str("│ ");
            out.push_str(line);
            out.push('\n');
        }
    };

    for line in &view.lines {
        row(line);
    }
    // A console does not animate: every promotional message at once.
    for promo in &view.promo {
        row(&format!("★ {promo}"));
    }

    for table in &view.tables {
        if !table.title.is_empty() {
            row(&table.title);
        }
        let width = table
            .rows
            .iter()
            .map(|(k, _)| k.chars().count())
            .max()
            .unwrap_or(0);
        for (key, value) in &table.rows {
            row(&format!("  {key:<width$}  {value}"));
        }
    }

    for input in &view.inputs {
        let mut text = format!("[{}] ", input.id);
        if !input.label.is_empty() {
            text.push_str(&input.label);
            text.push_str(": ");
        }
        text.push_str(&input.shown);
        if input.focused {
            text.push_str(" ▏");
        }
        row(text.trim_end_matches(' '));
        if input.kind == InputKind::Select {
            for (i, option) in input.options.iter().enumerate() {
                row(&format!("    {}) {option}", i + 1));
            }
        }
        if let Some(problem) = &input.problem {
            row(&format!("  ! {problem}"));
        }
    }

    if let Some(payload) = &view.qr {
        row(&format!("[QR] {payload}"));
    }

    if !view.buttons.is_empty() {
        let buttons: Vec<String> = view
            .buttons
            .iter()
            .enumerate()
            .map(|(i, b)| render_button(i + 1, b))
            .collect();
        row(&buttons.join("   "));
    }

    for small in &view.footer {
        row(&format!("· {small}"));
    }

    match view.timeout_seconds {
        Some(seconds) => out.push_str(&format!("└ timeout {seconds}s\n")),
        None => out.push_str("└\n"),
    }
    out
}

fn render_button(key: usize, button: &ButtonView) -> String {
    let mut text = format!("({key}) {}", button.label);
    if button.primary {
        text.push('*');
    }
    if !button.enabled {
        match &button.reason {
            Some(reason) => text.push_str(&format!(" [disabled: {reason}]")),
            None => text.push_str(" [disabled]"),
        }
    }
    text
}

/// The button the user means by `key`: its number as shown (`1` is the first) or its
/// id. Disabled buttons are returned too; the caller checks `enabled`.
pub fn button_for_key<'a>(view: &'a ScreenView, key: &str) -> Option<&'a ButtonView> {
    let key = key.trim();
    if let Ok(n) = key.parse::<usize>() {
        return n.checked_sub(1).and_then(|i| view.buttons.get(i));
    }
    view.buttons.iter().find(|b| b.id == key)
}

/// A [`Display`] writing screens as text to any writer, remembering the last screen.
#[derive(Debug)]
pub struct TextDisplay<W: Write> {
    out: W,
    last: Option<ScreenView>,
    error: Option<io::Error>,
}

impl<W: Write> TextDisplay<W> {
    pub fn new(out: W) -> TextDisplay<W> {
        TextDisplay {
            out,
            last: None,
            error: None,
        }
    }

    /// The screen shown last.
    pub fn last_view(&self) -> Option<&ScreenView> {
        self.last.as_ref()
    }

    /// The button of the last screen the user means by `key` (see [`button_for_key`]).
    pub fn button_for_key(&self, key: &str) -> Option<&ButtonView> {
        self.last.as_ref().and_then(|v| button_for_key(v, key))
    }

    pub fn writer(&self) -> &W {
        &self.out
    }

    pub fn into_inner(self) -> W {
        self.out
    }

    /// The last write error, if writing a screen failed (`show` cannot return it).
    pub fn take_error(&mut self) -> Option<io::Error> {
        self.error.take()
    }
}

impl<W: Write> Display for TextDisplay<W> {
    fn show(&mut self, view: &ScreenView) {
        let text = render_text(view);
        if let Err(e) = self
            .out
            .write_all(text.as_bytes())
            .and_then(|()| self.out.flush())
        {
            self.error = Some(e);
        }
        self.last = Some(view.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use atmflow_engine::ports::{InputView, TableView};

    fn button(
        id: &str,
        label: &str,
        enabled: bool,
        reason: Option<&str>,
        primary: bool,
    ) -> ButtonView {
        ButtonView {
            id: id.to_string(),
            label: label.to_string(),
            enabled,
            reason: reason.map(str::to_string),
            primary,
            key: None,
        }
    }

    fn sample() -> ScreenView {
        ScreenView {
            id: "withdrawal/confirm".to_string(),
            language: "sq".to_string(),
            title: "Konfirmo tërheqjen".to_string(),
            lines: vec![
                "Account: ...23".to_string(),
                "Amount: 5,000.00 ALL".to_string(),
            ],
            inputs: vec![InputView {
                id: "amount".to_string(),
                kind: InputKind::Amount,
                label: "Shuma".to_string(),
                shown: "5000".to_string(),
                focused: true,
                options: vec![],
                problem: Some("Shuma duhet të jetë shumëfish i 500".to_string()),
            }],
            tables: vec![],
            buttons: vec![
                button("confirm", "Konfirmo", true, None, true),
                button("cancel", "Anulo", true, None, false),
                button("other", "Tjetër", false, Some("S'ka kartë"), false),
            ],
            qr: None,
            timeout_seconds: Some(30),
            promo: vec!["Kredi me normë të reduktuar".to_string()],
            footer: vec!["Shërbimi i klientit: +355 4 2280 555".to_string()],
        }
    }

    #[test]
    fn renders_the_sample_screen() {
        let expected = "\
┌ withdrawal/confirm ─ Konfirmo tërheqjen ─────────
│ Account: ...23
│ Amount: 5,000.00 ALL
│ ★ Kredi me normë të reduktuar
│ [amount] Shuma: 5000 ▏
│   ! Shuma duhet të jetë shumëfish i 500
│ (1) Konfirmo*   (2) Anulo   (3) Tjetër [disabled: S'ka kartë]
│ · Shërbimi i klientit: +355 4 2280 555
└ timeout 30s
";
        assert_eq!(render_text(&sample()), expected);
    }

    #[test]
    fn renders_tables_selects_qr_and_no_timeout() {
        let view = ScreenView {
            id: "balance/show".to_string(),
            title: String::new(),
            tables: vec![TableView {
                title: "Llogaritë".to_string(),
                rows: vec![
                    ("Rrjedhëse".to_string(), "12,000.00 ALL".to_string()),
                    ("Kursim".to_string(), "300.00 EUR".to_string()),
                ],
            }],
            inputs: vec![
                InputView {
                    id: "account".to_string(),
                    kind: InputKind::Select,
                    label: "Llogaria".to_string(),
                    shown: "Kursim".to_string(),
                    focused: false,
                    options: vec!["Rrjedhëse".to_string(), "Kursim".to_string()],
                    problem: None,
                },
                InputView {
                    id: "pin".to_string(),
                    kind: InputKind::Pin,
                    label: String::new(),
                    shown: "••••".to_string(),
                    focused: false,
                    options: vec![],
                    problem: None,
                },
            ],
            qr: Some("atm:ABC".to_string()),
            ..ScreenView::default()
        };
        let expected = "\
┌ balance/show ────────────────────────────────────
│ Llogaritë
│   Rrjedhëse  12,000.00 ALL
│   Kursim     300.00 EUR
│ [account] Llogaria: Kursim
│     1) Rrjedhëse
│     2) Kursim
│ [pin] ••••
│ [QR] atm:ABC
└
";
        assert_eq!(render_text(&view), expected);
    }

    #[test]
    fn long_titles_keep_a_rule() {
        let view = ScreenView {
            id: "a/b".to_string(),
            title: "x".repeat(80),
            ..ScreenView::default()
        };
        let text = render_text(&view);
        assert!(text.lines().next().is_some_and(|l| l.ends_with(" ───")));
    }

    #[test]
    fn keys_map_to_buttons() {
        let view = sample();
        assert_eq!(
            button_for_key(&view, "1").map(|b| b.id.as_str()),
            Some("confirm")
        );
        assert_eq!(
            button_for_key(&view, " 2 ").map(|b| b.id.as_str()),
            Some("cancel")
        );
        assert_eq!(
            button_for_key(&view, "other").map(|b| b.enabled),
            Some(false)
        );
        assert_eq!(button_for_key(&view, "0"), None);
        assert_eq!(button_for_key(&view, "4"), None);
        assert_eq!(button_for_key(&view, "nope"), None);
    }

    #[test]
    fn text_display_writes_and_remembers() {
        let mut display = TextDisplay::new(Vec::new());
        assert!(display.last_view().is_none());
        display.show(&sample());
        assert_eq!(display.last_view(), Some(&sample()));
        assert_eq!(
            display.button_for_key("2").map(|b| b.id.as_str()),
            Some("cancel")
        );
        assert!(display.take_error().is_none());
        let written = String::from_utf8(display.into_inner()).unwrap_or_default();
        assert_eq!(written, render_text(&sample()));
    }

    #[test]
    fn write_errors_are_kept() {
        struct Broken;
        impl Write for Broken {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::other("broken pipe"))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut display = TextDisplay::new(Broken);
        display.show(&sample());
        assert!(display.take_error().is_some());
        assert!(display.last_view().is_some());
    }
}
