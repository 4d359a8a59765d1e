//! All simulated devices of one terminal, with one command entry and one fault-injection
//! entry (what a test script's `fault cash_dispenser jam` calls).

use atmflow_engine::ports::{Device, DeviceBus, DeviceClass, DeviceCommand, DeviceEvent};

use crate::args::is_fault_code;
use crate::{
    AcceptorFault, DispenserFault, PaperState, SimCardReader, SimCashAcceptor, SimCashDispenser,
    SimError, SimPinPad, SimQrReader, SimReceiptPrinter,
};

/// One simulated device of each class. The fields are public so the console or a test
/// script can perform customer actions (`devices.card_reader.insert(..)`) and queries.
#[derive(Debug, Default)]
pub struct SimDevices {
    pub card_reader: SimCardReader,
    pub pin_pad: SimPinPad,
    pub cash_dispenser: SimCashDispenser,
    pub cash_acceptor: SimCashAcceptor,
    pub receipt_printer: SimReceiptPrinter,
    pub qr_reader: SimQrReader,
}

impl SimDevices {
    /// Devices with the default loading and no faults.
    pub fn new() -> SimDevices {
        SimDevices::default()
    }

    /// Runs a command on the device of its class. Display commands answer nothing (the
    /// display is a port of its own).
    pub fn execute(&mut self, command: &DeviceCommand) -> Vec<DeviceEvent> {
        match self.device_mut(command.device) {
            Some(device) => device.execute(command),
            None => Vec::new(),
        }
    }

    /// The driver of a class; `None` for the display.
    pub fn device_mut(&mut self, class: DeviceClass) -> Option<&mut dyn Device> {
        match class {
            DeviceClass::CardReader => Some(&mut self.card_reader),
            DeviceClass::PinPad => Some(&mut self.pin_pad),
            DeviceClass::CashDispenser => Some(&mut self.cash_dispenser),
            DeviceClass::CashAcceptor => Some(&mut self.cash_acceptor),
            DeviceClass::ReceiptPrinter => Some(&mut self.receipt_printer),
            DeviceClass::QrReader => Some(&mut self.qr_reader),
            DeviceClass::Display => None,
        }
    }

    /// Injects a fault by its code:
    ///
    /// - `cash_dispenser`: `jam`, `partial` (or `partial_dispense`);
    /// - `cash_acceptor`: `note_jam`;
    /// - `receipt_printer`: `paper_out`, `paper_low` (set the paper state), or any other
    ///   code, answered by every command as `fault {code}`;
    /// - `card_reader`, `pin_pad`, `qr_reader`: any code (e.g. `reader_fault`), answered
    ///   by every command as `fault {code}`.
    ///
    /// Free codes are lowercase snake case. The display has no faults.
    pub fn inject_fault(&mut self, device: DeviceClass, code: &str) -> Result<(), SimError> {
        let unknown = |expected| SimError::UnknownFault {
            device,
            code: code.to_string(),
            expected,
        };
        const FREE: &str = "a lowercase snake_case code";
        match device {
            DeviceClass::CashDispenser => {
                let fault: DispenserFault = code.parse().map_err(|_| unknown("jam or partial"))?;
                self.cash_dispenser.set_fault(Some(fault));
            }
            DeviceClass::CashAcceptor => {
                let fault: AcceptorFault = code.parse().map_err(|_| unknown("note_jam"))?;
                self.cash_acceptor.set_fault(Some(fault));
            }
            DeviceClass::ReceiptPrinter => match code {
                "paper_out" => self.receipt_printer.set_paper(PaperState::Out),
                "paper_low" => self.receipt_printer.set_paper(PaperState::Low),
                _ if is_fault_code(code) => self.receipt_printer.set_fault(Some(code)),
                _ => {
                    return Err(unknown(
                        "paper_out, paper_low or a lowercase snake_case code",
                    ));
                }
            },
            DeviceClass::CardReader | DeviceClass::PinPad | DeviceClass::QrReader => {
                if !is_fault_code(code) {
                    return Err(unknown(FREE));
                }
                match device {
                    DeviceClass::CardReader => self.card_reader.set_fault(Some(code)),
                    DeviceClass::PinPad => self.pin_pad.set_fault(Some(code)),
                    _ => self.qr_reader.set_fault(Some(code)),
                }
            }
            DeviceClass::Display => return Err(SimError::NoFaults(device)),
        }
        Ok(())
    }

    /// Clears every injected fault; the printer gets its paper back.
    pub fn clear_faults(&mut self) {
        // The technician clearing a jam takes out the notes it stranded.
        self.cash_acceptor.remove_stranded_notes();
        self.card_reader.set_fault(None);
        self.pin_pad.set_fault(None);
        self.cash_dispenser.set_fault(None);
        self.cash_acceptor.set_fault(None);
        self.receipt_printer.set_fault(None);
        self.receipt_printer.set_paper(PaperState::Ok);
        self.qr_reader.set_fault(None);
    }
}

impl DeviceBus for SimDevices {
    fn execute(&mut self, command: &DeviceCommand) -> Vec<DeviceEvent> {
        SimDevices::execute(self, command)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::test_support::{cmd, fault_code, money_val};
    use atmflow_engine::value::Value;

    #[test]
    fn commands_reach_their_device() {
        let mut d = SimDevices::new();
        let e = d.execute(&cmd(DeviceClass::CardReader, "open_shutter", &[]));
        assert_eq!(e[0].event, "shutter_opened");
        d.card_reader.insert("4180001234561234").expect("inserted");
        let e = d.execute(&cmd(DeviceClass::CardReader, "eject", &[]));
        assert_eq!(e[0].event, "card_presented");
        assert_eq!(e[0].device, DeviceClass::CardReader);
        let e = d.execute(&cmd(
            DeviceClass::CashDispenser,
            "dispense",
            &[("amount", money_val(2500, "ALL"))],
        ));
        assert_eq!(e[0].event, "cash_presented");
        assert_eq!(e[0].device, DeviceClass::CashDispenser);
        assert!(
            d.execute(&cmd(DeviceClass::PinPad, "enable", &[]))
                .is_empty()
        );
        assert!(
            d.execute(&cmd(DeviceClass::Display, "show", &[]))
                .is_empty()
        );
        let e = d.execute(&cmd(DeviceClass::ReceiptPrinter, "status", &[]));
        assert_eq!(e[0].data["paper"], Value::text("ok"));
        // Through the engine's bus trait too.
        let bus: &mut dyn DeviceBus = &mut d;
        let e = bus.execute(&cmd(DeviceClass::CardReader, "retain", &[]));
        assert_eq!(e[0].event, "card_retained");
    }

    #[test]
    fn unknown_commands_on_every_device() {
        let mut d = SimDevices::new();
        for class in DeviceClass::ALL {
            let e = d.execute(&cmd(class, "no_such_command", &[]));
            if class == DeviceClass::Display {
                assert!(e.is_empty());
            } else {
                assert_eq!(e.len(), 1);
                assert_eq!(e[0].device, class);
                assert_eq!(fault_code(&e[0]), Some("unknown_command"));
            }
        }
    }

    #[test]
    fn faults_inject_and_clear() {
        let mut d = SimDevices::new();
        d.inject_fault(DeviceClass::CashDispenser, "jam")
            .expect("jam");
        d.inject_fault(DeviceClass::CashAcceptor, "note_jam")
            .expect("note jam");
        d.inject_fault(DeviceClass::ReceiptPrinter, "paper_out")
            .expect("paper");
        d.inject_fault(DeviceClass::CardReader, "reader_fault")
            .expect("reader");
        d.inject_fault(DeviceClass::PinPad, "pin_pad_fault")
            .expect("pad");
        d.inject_fault(DeviceClass::QrReader, "camera_fault")
            .expect("qr");

        let e = d.execute(&cmd(
            DeviceClass::CashDispenser,
            "dispense",
            &[("amount", money_val(5000, "ALL"))],
        ));
        assert_eq!(fault_code(&e[0]), Some("jam"));
        let e = d.execute(&cmd(DeviceClass::CashAcceptor, "store", &[]));
        assert_eq!(fault_code(&e[0]), Some("note_jam"));
        let e = d.execute(&cmd(
            DeviceClass::ReceiptPrinter,
            "print",
            &[("lines", Value::List(vec![]))],
        ));
        assert_eq!(fault_code(&e[0]), Some("paper_out"));
        let e = d.execute(&cmd(DeviceClass::CardReader, "eject", &[]));
        assert_eq!(fault_code(&e[0]), Some("reader_fault"));
        let e = d.execute(&cmd(DeviceClass::PinPad, "enable", &[]));
        assert_eq!(fault_code(&e[0]), Some("pin_pad_fault"));
        let e = d.execute(&cmd(DeviceClass::QrReader, "enable", &[]));
        assert_eq!(fault_code(&e[0]), Some("camera_fault"));

        d.clear_faults();
        let e = d.execute(&cmd(
            DeviceClass::CashDispenser,
            "dispense",
            &[("amount", money_val(5000, "ALL"))],
        ));
        assert_eq!(e[0].event, "cash_presented");
        let e = d.execute(&cmd(DeviceClass::CashAcceptor, "store", &[]));
        assert_eq!(e[0].event, "notes_stored");
        assert_eq!(d.receipt_printer.paper(), PaperState::Ok);
        assert!(
            d.execute(&cmd(DeviceClass::PinPad, "enable", &[]))
                .is_empty()
        );
    }

    #[test]
    fn partial_and_printer_codes() {
        let mut d = SimDevices::new();
        d.inject_fault(DeviceClass::CashDispenser, "partial")
            .expect("partial");
        assert_eq!(
            d.cash_dispenser.fault(),
            Some(DispenserFault::PartialDispense)
        );
        d.inject_fault(DeviceClass::ReceiptPrinter, "paper_low")
            .expect("low");
        assert_eq!(d.receipt_printer.paper(), PaperState::Low);
        d.inject_fault(DeviceClass::ReceiptPrinter, "head_fault")
            .expect("free code");
        assert_eq!(d.receipt_printer.fault(), Some("head_fault"));
    }

    #[test]
    fn bad_fault_codes_are_refused() {
        let mut d = SimDevices::new();
        assert!(matches!(
            d.inject_fault(DeviceClass::CashDispenser, "smoke"),
            Err(SimError::UnknownFault {
                device: DeviceClass::CashDispenser,
                ..
            })
        ));
        assert!(matches!(
            d.inject_fault(DeviceClass::CashAcceptor, "jam"),
            Err(SimError::UnknownFault { .. })
        ));
        assert!(matches!(
            d.inject_fault(DeviceClass::CardReader, "Reader Fault"),
            Err(SimError::UnknownFault { .. })
        ));
        assert!(matches!(
            d.inject_fault(DeviceClass::QrReader, ""),
            Err(SimError::UnknownFault { .. })
        ));
        assert_eq!(
            d.inject_fault(DeviceClass::Display, "blank"),
            Err(SimError::NoFaults(DeviceClass::Display))
        );
        assert_eq!(d.cash_dispenser.fault(), None);
        assert_eq!(d.card_reader.fault(), None);
    }
}
