//! The host the terminal talks to in simulation: the embedded bank, with switches to
//! make it unreachable or have it decline, so faults can be tried and tested.

use atmflow_bank::Bank;
use atmflow_engine::ports::{Host, HostError, HostRequest};
use atmflow_engine::value::Value;
use chrono::NaiveDateTime;

pub struct SimHost {
    pub bank: Bank,
    /// While true, every request answers "unavailable" (link down).
    pub offline: bool,
    /// The next request for this operation is refused with this code, once.
    pub refuse_next: Option<(String, String)>,
}

impl SimHost {
    pub fn new(bank: Bank) -> SimHost {
        SimHost {
            bank,
            offline: false,
            refuse_next: None,
        }
    }
}

impl Host for SimHost {
    fn call(&mut self, request: &HostRequest, now: NaiveDateTime) -> Result<Value, HostError> {
        if self.offline {
            return Err(HostError::Unavailable(
                "the bank host does not answer".into(),
            ));
        }
        if let Some((op, code)) = &self.refuse_next
            && op == &request.op
        {
            let code = code.clone();
            self.refuse_next = None;
            return Err(HostError::Refused {
                message: format!("the host refused the request: {code}"),
                code,
            });
        }
        self.bank.call(request, now)
    }
}
