//! Arbitrary text as a screen text with `{expression}` holes: parse, check, render.
#![no_main]

use atmflow_engine::expr::Template;
use atmflow_fuzz::{Vars, check_span};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let template = match Template::parse(source) {
        Ok(t) => t,
        Err(e) => {
            check_span(source, &e);
            return;
        }
    };
    for (_, span) in template.root_names() {
        assert!(span.end <= source.len() && source.is_char_boundary(span.start));
    }
    let _ = template.is_constant();
    let vars = Vars::new();
    if let Err(e) = template.check(&vars) {
        check_span(source, &e);
        return;
    }
    let _ = template.render(&vars, &Vars::context());
});
