//! atmflow's engine: the flow model and its loading with source positions, the
//! expression language, the interpreter, the session journal, and the ports through
//! which flows reach devices, the display and the bank host.
//!
//! The engine knows nothing about banking: it runs flows, calls ports and checks types.
//! Banking lives in `flows/`, the bank crate and the device drivers.

pub mod diag;
pub mod expr;
pub mod interp;
pub mod journal;
pub mod load;
pub mod model;
pub mod ports;
pub mod program;
pub mod schema;
pub mod terminal;
pub mod value;
