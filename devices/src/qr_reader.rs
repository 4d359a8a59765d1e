//! The simulated QR code reader (cardless transactions).
//!
//! | command   | args | answers                    |
//! |-----------|------|----------------------------|
//! | `enable`  | –    | nothing, or `fault {code}` |
//! | `disable` | –    | nothing, or `fault {code}` |
//!
//! Customer action: [`SimQrReader::scan`] → `qr_scanned {payload: text}`. An injected
//! fault makes every command and every scan answer `fault {code}`.

use atmflow_engine::ports::{Device, DeviceClass, DeviceCommand, DeviceEvent};
use atmflow_engine::value::Value;

use crate::SimError;
use crate::args::{fault, unknown_command};

const CLASS: DeviceClass = DeviceClass::QrReader;

/// A simulated QR reader.
#[derive(Debug, Default)]
pub struct SimQrReader {
    enabled: bool,
    fault: Option<String>,
}

impl SimQrReader {
    pub fn new() -> SimQrReader {
        SimQrReader::default()
    }

    /// Whether the last `enable`/`disable` enabled the reader. Scans are read either way.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// The customer holds a code with `payload` to the reader.
    pub fn scan(&mut self, payload: &str) -> Result<DeviceEvent, SimError> {
        if payload.is_empty() {
            return Err(SimError::EmptyPayload);
        }
        if let Some(code) = &self.fault {
            return Ok(fault(CLASS, code));
        }
        Ok(DeviceEvent::new(CLASS, "qr_scanned").with("payload", Value::text(payload)))
    }

    /// Injects a fault: every command and scan then answers `fault {code}`. `None` clears
    /// it.
    pub fn set_fault(&mut self, code: Option<&str>) {
        self.fault = code.map(str::to_string);
    }

    pub fn fault(&self) -> Option<&str> {
        self.fault.as_deref()
    }
}

impl Device for SimQrReader {
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
    fn scan_reports_the_payload() {
        let mut qr = SimQrReader::new();
        let e = qr.scan("atm:withdraw:ABC123").expect("scanned");
        assert_eq!(e.event, "qr_scanned");
        assert_eq!(
            e.data.get("payload").and_then(Value::as_text),
            Some("atm:withdraw:ABC123")
        );
        assert_eq!(qr.scan(""), Err(SimError::EmptyPayload));
    }

    #[test]
    fn enable_disable_and_faults() {
        let mut qr = SimQrReader::new();
        assert!(qr.execute(&cmd(CLASS, "enable", &[])).is_empty());
        assert!(qr.enabled());
        qr.set_fault(Some("reader_fault"));
        let e = qr.execute(&cmd(CLASS, "disable", &[]));
        assert_eq!(fault_code(&e[0]), Some("reader_fault"));
        assert!(qr.enabled());
        let e = qr.scan("x").expect("answered");
        assert_eq!(fault_code(&e), Some("reader_fault"));
        qr.set_fault(None);
        assert_eq!(qr.scan("x").expect("scanned").event, "qr_scanned");
        let e = qr.execute(&cmd(CLASS, "focus", &[]));
        assert_eq!(fault_code(&e[0]), Some("unknown_command"));
    }
}
