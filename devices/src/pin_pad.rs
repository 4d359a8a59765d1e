//! The simulated PIN pad. PIN entry itself goes through the display's PIN input; the pad
//! exists for its device class and its faults.
//!
//! | command   | args | answers                       |
//! |-----------|------|-------------------------------|
//! | `enable`  | –    | nothing, or `fault {code}`    |
//! | `disable` | –    | nothing, or `fault {code}`    |

use atmflow_engine::ports::{Device, DeviceClass, DeviceCommand, DeviceEvent};

use crate::args::{fault, unknown_command};

const CLASS: DeviceClass = DeviceClass::PinPad;

/// A simulated PIN pad.
#[derive(Debug, Default)]
pub struct SimPinPad {
    enabled: bool,
    fault: Option<String>,
}

impl SimPinPad {
    pub fn new() -> SimPinPad {
        SimPinPad::default()
    }

    /// Whether the last `enable`/`disable` enabled the pad.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Injects a fault: every command then answers `fault {code}`. `None` clears it.
    pub fn set_fault(&mut self, code: Option<&str>) {
        self.fault = code.map(str::to_string);
    }

    pub fn fault(&self) -> Option<&str> {
        self.fault.as_deref()
    }
}

impl Device for SimPinPad {
    fn class(&self) -> DeviceClass {
        CLASS
    }

    fn execute(&mut self, command: &DeviceCommand) -> Vec<DeviceEvent> {
        let enable = match command.command.as_str() {
            "enable" => true,
            "disable" => false,
            _ => return unknown_command(CLASS),
        };
        if let Some(code) = &self.fault {
            return vec![fault(CLASS, code)];
        }
        self.enabled = enable;
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::test_support::{cmd, fault_code};

    #[test]
    fn enable_and_disable_answer_nothing() {
        let mut pad = SimPinPad::new();
        assert!(pad.execute(&cmd(CLASS, "enable", &[])).is_empty());
        assert!(pad.enabled());
        assert!(pad.execute(&cmd(CLASS, "disable", &[])).is_empty());
        assert!(!pad.enabled());
    }

    #[test]
    fn fault_and_unknown_command() {
        let mut pad = SimPinPad::new();
        pad.set_fault(Some("pin_pad_fault"));
        let events = pad.execute(&cmd(CLASS, "enable", &[]));
        assert_eq!(fault_code(&events[0]), Some("pin_pad_fault"));
        assert!(!pad.enabled());
        let events = pad.execute(&cmd(CLASS, "beep", &[]));
        assert_eq!(fault_code(&events[0]), Some("unknown_command"));
        pad.set_fault(None);
        assert!(pad.execute(&cmd(CLASS, "enable", &[])).is_empty());
    }
}
