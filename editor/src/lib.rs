//! The staff editor for flows (egui/eframe). Not built yet: see the open editor issue.
