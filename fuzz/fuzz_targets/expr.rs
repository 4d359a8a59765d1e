//! Arbitrary text as an expression: parse, type-check against a few variables of every
//! type, and evaluate what checks. A value must have the type the checker gave it.
#![no_main]

use atmflow_engine::expr::Expr;
use atmflow_fuzz::{Vars, check_span};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let expr = match Expr::parse(source) {
        Ok(e) => e,
        Err(e) => {
            check_span(source, &e);
            return;
        }
    };
    for (_, span) in expr.root_names() {
        assert!(span.end <= source.len() && source.is_char_boundary(span.start));
    }
    let constant = expr.is_constant();
    let vars = Vars::new();
    let ty = match expr.check(&vars) {
        Ok(t) => t,
        Err(e) => {
            check_span(source, &e);
            return;
        }
    };
    let ctx = Vars::context();
    if let Ok(value) = expr.eval(&vars, &ctx) {
        assert!(
            ty.admits(&value),
            "`{source}` checked as {ty} but gave {value:?}"
        );
        if constant {
            assert_eq!(expr.eval(&vars, &ctx).ok(), Some(value));
        }
    }
});
