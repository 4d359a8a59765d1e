//! `unknown-param` and `unused-param`: every `params.X` an expression or a text reads
//! exists, and every parameter is read somewhere.
//!
//! The loader already reports an unknown parameter in a flow's expressions and texts as
//! `unknown-param`; shared texts (texts.yaml) are only type-checked where a screen uses
//! them, so this rule looks at every expression and text of the program.

use std::ops::Range;

use atmflow_engine::diag::{Diagnostic, Loc};
use atmflow_engine::load::closest;
use atmflow_engine::program::{Branch, Cx as Expr, Program, StepKind, Tx};
use atmflow_engine::value::Value;

use super::Cx;

/// One `params.a.b` read: its segments, each with where it is written.
pub(crate) struct ParamRead {
    pub segments: Vec<(String, Loc)>,
}

/// Every expression and text template of the program, with where it is written.
pub(crate) fn for_each_source(program: &Program, f: &mut dyn FnMut(Source)) {
    fn branches(bs: &[Branch], f: &mut dyn FnMut(Source)) {
        for b in bs {
            if let Some(g) = &b.guard {
                f(Source::Expr(g));
            }
            for a in &b.set {
                f(Source::Expr(&a.value));
            }
        }
    }
    for text in program.texts.values() {
        for tx in text.by_language.values() {
            f(Source::Template(tx));
        }
    }
    for flow in program.flows.values() {
        for text in flow.texts.values() {
            for tx in text.by_language.values() {
                f(Source::Template(tx));
            }
        }
        for step in flow.steps.values() {
            for a in &step.set {
                f(Source::Expr(&a.value));
            }
            for bs in step.on.values() {
                branches(bs, f);
            }
            match &step.kind {
                StepKind::Host { args, .. }
                | StepKind::Device { args, .. }
                | StepKind::Call { args, .. } => {
                    for (_, cx) in args {
                        f(Source::Expr(cx));
                    }
                }
                StepKind::Decide(bs) => branches(bs, f),
                StepKind::Wait { timeout } => {
                    if let Some(t) = timeout {
                        f(Source::Expr(t));
                    }
                }
                StepKind::Screen(_) | StepKind::End(_) => {}
            }
        }
        for screen in flow.screens.values() {
            for (cx, _) in &screen.notes {
                f(Source::Expr(cx));
            }
            for (_, tx) in &screen.table {
                f(Source::Template(tx));
            }
            if let Some(r) = &screen.rows {
                f(Source::Expr(&r.items));
                f(Source::Template(&r.label));
                f(Source::Template(&r.value));
            }
            for i in &screen.inputs {
                if let Some(c) = &i.currency {
                    f(Source::Expr(c));
                }
            }
            if let Some(c) = &screen.choices {
                f(Source::Expr(&c.items));
                f(Source::Template(&c.label));
            }
            for b in &screen.buttons {
                for cx in [&b.enabled, &b.visible].into_iter().flatten() {
                    f(Source::Expr(cx));
                }
            }
            if let Some(q) = &screen.qr {
                f(Source::Template(q));
            }
            if let Some(t) = &screen.timeout {
                f(Source::Expr(t));
            }
        }
    }
}

#[derive(Clone, Copy)]
pub(crate) enum Source<'a> {
    Expr(&'a Expr),
    Template(&'a Tx),
}

impl Source<'_> {
    fn text_and_loc(&self) -> (&str, &Loc) {
        match self {
            Source::Expr(cx) => (cx.expr.source(), &cx.loc),
            Source::Template(tx) => (tx.template.source(), &tx.loc),
        }
    }
    fn roots(&self) -> Vec<(String, Range<usize>)> {
        match self {
            Source::Expr(cx) => cx.expr.root_names(),
            Source::Template(tx) => tx.template.root_names(),
        }
    }
}

/// The `.name` segments written after a root name ending at `from`.
pub(crate) fn member_chain(text: &str, from: usize) -> Vec<(String, Range<usize>)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = from;
    loop {
        let mut j = i;
        while j < bytes.len() && bytes[j].is_ascii_whitespace() {
            j += 1;
        }
        if bytes.get(j) != Some(&b'.') {
            break;
        }
        j += 1;
        while j < bytes.len() && bytes[j].is_ascii_whitespace() {
            j += 1;
        }
        let start = j;
        if !bytes
            .get(j)
            .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
        {
            break;
        }
        while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
            j += 1;
        }
        out.push((text[start..j].to_string(), start..j));
        i = j;
    }
    out
}

/// Every `params.…` read in the program.
pub(crate) fn param_reads(cx: &Cx) -> Vec<ParamRead> {
    let mut reads = Vec::new();
    for_each_source(cx.program, &mut |s| {
        let (text, loc) = s.text_and_loc();
        let source = cx.source(&loc.file);
        // Where the expression's text starts in the file: after an opening quote.
        let start = loc.offset
            + usize::from(source.is_some_and(|src| {
                matches!(src.text.as_bytes().get(loc.offset), Some(b'"' | b'\''))
            }));
        for (name, span) in s.roots() {
            if name != "params" {
                continue;
            }
            let segments = member_chain(text, span.end)
                .into_iter()
                .map(|(seg, r)| {
                    let l = match source {
                        Some(src) => Loc::new(src, start + r.start, r.len()),
                        None => loc.clone(),
                    };
                    (seg, l)
                })
                .collect();
            reads.push(ParamRead { segments });
        }
    });
    reads
}

/// The names of a record value's fields.
fn fields(v: &Value) -> Vec<String> {
    v.as_record()
        .map(|r| r.keys().cloned().collect())
        .unwrap_or_default()
}

pub(crate) fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    let reads = param_reads(cx);
    let mut used: Vec<Vec<String>> = Vec::new();
    for read in &reads {
        let mut value = &cx.program.params;
        let mut path: Vec<String> = Vec::new();
        for (seg, loc) in &read.segments {
            let Some(record) = value.as_record() else {
                break;
            };
            match record.get(seg) {
                Some(v) => {
                    path.push(seg.clone());
                    value = v;
                }
                None => {
                    out.push(unknown(&path, seg, value, loc.clone()));
                    break;
                }
            }
        }
        used.push(path);
    }
    unused(cx, &cx.program.params, &mut Vec::new(), &used, out);
}

fn unknown(path: &[String], seg: &str, parent: &Value, loc: Loc) -> Diagnostic {
    let known = fields(parent);
    let prefix = if path.is_empty() {
        "params".to_string()
    } else {
        format!("params.{}", path.join("."))
    };
    let mut hint = format!("parameters under `{prefix}`: {}", known.join(", "));
    if let Some(c) = closest(seg, known.iter()) {
        hint = format!("did you mean `{prefix}.{c}`? ({hint})");
    }
    Diagnostic::error(
        "unknown-param",
        loc,
        format!("there is no parameter `{prefix}.{seg}`"),
    )
    .with_hint(format!("{hint}; parameters are defined in params.yaml"))
}

/// Reports the topmost parameters no read touches.
fn unused(
    cx: &Cx,
    value: &Value,
    path: &mut Vec<String>,
    used: &[Vec<String>],
    out: &mut Vec<Diagnostic>,
) {
    let Some(record) = value.as_record() else {
        return;
    };
    for (name, v) in record {
        path.push(name.clone());
        let touched = used
            .iter()
            .any(|u| u.starts_with(path) || path.starts_with(u));
        let whole = used.iter().any(|u| path.starts_with(u));
        if !touched {
            let dotted = path.join(".");
            let loc = cx
                .program
                .param_locs
                .get(&dotted)
                .cloned()
                .or_else(|| cx.terminal_loc());
            if let Some(loc) = loc {
                out.push(
                    Diagnostic::warning(
                        "unused-param",
                        loc,
                        format!("no expression or text reads the parameter `params.{dotted}`"),
                    )
                    .with_hint(
                        "use it where it belongs (e.g. in a button's `enabled`), or remove it from the params",
                    ),
                );
            }
        } else if !whole {
            unused(cx, v, path, used, out);
        }
        path.pop();
    }
}
