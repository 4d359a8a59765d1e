//! The simulated receipt printer: keeps what it printed, has a paper level.
//!
//! | command  | args               | answers                                         |
//! |----------|--------------------|-------------------------------------------------|
//! | `print`  | `lines: list<text>`| `printed`, or `fault {code: 'paper_out'}`       |
//! | `status` | –                  | `status {paper: text ('ok' \| 'low' \| 'out')}` |
//!
//! Low paper still prints. An injected fault code (e.g. `printer_fault`) makes every
//! command answer `fault {code}`.

use atmflow_engine::ports::{Device, DeviceClass, DeviceCommand, DeviceEvent};
use atmflow_engine::value::Value;
use serde::Serialize;

use crate::args::{self, bad_command, fault, unknown_command};

const CLASS: DeviceClass = DeviceClass::ReceiptPrinter;

/// How much paper is left.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PaperState {
    #[default]
    Ok,
    Low,
    Out,
}

impl PaperState {
    /// `ok`, `low` or `out`.
    pub fn name(self) -> &'static str {
        match self {
            PaperState::Ok => "ok",
            PaperState::Low => "low",
            PaperState::Out => "out",
        }
    }
}

/// A simulated receipt printer.
#[derive(Debug, Default)]
pub struct SimReceiptPrinter {
    receipts: Vec<Vec<String>>,
    paper: PaperState,
    fault: Option<String>,
}

impl SimReceiptPrinter {
    pub fn new() -> SimReceiptPrinter {
        SimReceiptPrinter::default()
    }

    /// Every receipt printed, in order, each as its lines.
    pub fn receipts(&self) -> &[Vec<String>] {
        &self.receipts
    }

    pub fn paper(&self) -> PaperState {
        self.paper
    }

    pub fn set_paper(&mut self, paper: PaperState) {
        self.paper = paper;
    }

    /// Injects a fault: every command then answers `fault {code}`. `None` clears it.
    pub fn set_fault(&mut self, code: Option<&str>) {
        self.fault = code.map(str::to_string);
    }

    pub fn fault(&self) -> Option<&str> {
        self.fault.as_deref()
    }
}

impl Device for SimReceiptPrinter {
    fn class(&self) -> DeviceClass {
        CLASS
    }

    fn execute(&mut self, command: &DeviceCommand) -> Vec<DeviceEvent> {
        if !matches!(command.command.as_str(), "print" | "status") {
            return unknown_command(CLASS);
        }
        if let Some(code) = &self.fault {
            return vec![fault(CLASS, code)];
        }
        if command.command == "status" {
            return vec![
                DeviceEvent::new(CLASS, "status").with("paper", Value::text(self.paper.name())),
            ];
        }
        let Ok(lines) = args::text_list(command, "lines") else {
            return bad_command(CLASS);
        };
        if self.paper == PaperState::Out {
            return vec![fault(CLASS, "paper_out")];
        }
        self.receipts.push(lines);
        vec![DeviceEvent::new(CLASS, "printed")]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::test_support::{cmd, fault_code};
    use atmflow_engine::value::Secret;

    fn print(p: &mut SimReceiptPrinter, lines: &[&str]) -> DeviceEvent {
        let lines = Value::List(lines.iter().map(|l| Value::text(*l)).collect());
        let mut events = p.execute(&cmd(CLASS, "print", &[("lines", lines)]));
        assert_eq!(events.len(), 1);
        events.remove(0)
    }

    fn paper(p: &mut SimReceiptPrinter) -> String {
        let events = p.execute(&cmd(CLASS, "status", &[]));
        assert_eq!(events[0].event, "status");
        events[0].data["paper"]
            .as_text()
            .unwrap_or_default()
            .to_string()
    }

    #[test]
    fn prints_and_keeps_receipts() {
        let mut p = SimReceiptPrinter::new();
        assert_eq!(
            print(&mut p, &["BANKA", "Tërheqje 5,000.00 ALL"]).event,
            "printed"
        );
        assert_eq!(print(&mut p, &[]).event, "printed");
        assert_eq!(
            p.receipts(),
            &[
                vec!["BANKA".to_string(), "Tërheqje 5,000.00 ALL".to_string()],
                vec![]
            ]
        );
    }

    #[test]
    fn paper_states() {
        let mut p = SimReceiptPrinter::new();
        assert_eq!(paper(&mut p), "ok");
        p.set_paper(PaperState::Low);
        assert_eq!(paper(&mut p), "low");
        assert_eq!(print(&mut p, &["still prints"]).event, "printed");
        p.set_paper(PaperState::Out);
        assert_eq!(paper(&mut p), "out");
        assert_eq!(fault_code(&print(&mut p, &["lost"])), Some("paper_out"));
        assert_eq!(p.receipts().len(), 1);
        p.set_paper(PaperState::Ok);
        assert_eq!(print(&mut p, &["again"]).event, "printed");
    }

    #[test]
    fn injected_fault_answers_every_command() {
        let mut p = SimReceiptPrinter::new();
        p.set_fault(Some("printer_fault"));
        assert_eq!(fault_code(&print(&mut p, &["x"])), Some("printer_fault"));
        let events = p.execute(&cmd(CLASS, "status", &[]));
        assert_eq!(fault_code(&events[0]), Some("printer_fault"));
        assert!(p.receipts().is_empty());
    }

    #[test]
    fn bad_and_unknown_commands() {
        let mut p = SimReceiptPrinter::new();
        let secret_line = Value::List(vec![Value::Secret(Secret::new("1234"))]);
        for args in [
            vec![],
            vec![("lines", Value::text("one line"))],
            vec![("lines", secret_line)],
        ] {
            let events = p.execute(&cmd(CLASS, "print", &args));
            assert_eq!(fault_code(&events[0]), Some("bad_command"));
        }
        let events = p.execute(&cmd(CLASS, "cut", &[]));
        assert_eq!(fault_code(&events[0]), Some("unknown_command"));
        assert!(p.receipts().is_empty());
    }
}
