//! Splitting a template into literal text and `{expression}` holes. The holes are
//! ordinary expressions; their errors are moved to byte offsets in the whole template.

use super::{Expr, ExprError, ExprErrorKind};

#[derive(Clone, Debug)]
pub(crate) enum Part {
    Text(String),
    /// An expression and the byte offset of its source inside the template.
    Hole(Expr, usize),
}

pub(crate) fn shifted(mut error: ExprError, offset: usize) -> ExprError {
    error.span = error.span.start + offset..error.span.end + offset;
    error
}

fn syntax(span: std::ops::Range<usize>, message: &str, hint: &str) -> ExprError {
    ExprError {
        kind: ExprErrorKind::Syntax,
        span,
        message: message.into(),
        hint: Some(hint.into()),
    }
}

pub(crate) fn split(source: &str) -> Result<Vec<Part>, ExprError> {
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut rest = source.char_indices().peekable();
    while let Some((i, c)) = rest.next() {
        match c {
            '{' if rest.peek().is_some_and(|(_, d)| *d == '{') => {
                rest.next();
                text.push('{');
            }
            '}' if rest.peek().is_some_and(|(_, d)| *d == '}') => {
                rest.next();
                text.push('}');
            }
            '}' => {
                return Err(syntax(
                    i..i + 1,
                    "a `}` without a `{` before it",
                    "write `}}` to show a brace",
                ));
            }
            '{' => {
                let start = i + 1;
                let end = hole_end(source, start)?.ok_or_else(|| {
                    syntax(
                        i..i + 1,
                        "this `{` is never closed",
                        "close the expression with `}`, or write `{{` to show a brace",
                    )
                })?;
                let inner = source.get(start..end).unwrap_or("");
                if inner.trim().is_empty() {
                    return Err(syntax(
                        i..end + 1,
                        "an empty `{}` in a text",
                        "put an expression inside, e.g. `{name}`, or write `{{}}` to show braces",
                    ));
                }
                let expr = Expr::parse(inner).map_err(|e| shifted(e, start))?;
                if !text.is_empty() {
                    parts.push(Part::Text(std::mem::take(&mut text)));
                }
                parts.push(Part::Hole(expr, start));
                // Skip the hole and its closing brace.
                while rest.next_if(|(j, _)| *j <= end).is_some() {}
            }
            _ => text.push(c),
        }
    }
    if !text.is_empty() {
        parts.push(Part::Text(text));
    }
    Ok(parts)
}

/// The byte index of the `}` closing a hole whose expression starts at `start`. Braces of
/// record literals nest, and braces inside quoted texts do not count.
fn hole_end(source: &str, start: usize) -> Result<Option<usize>, ExprError> {
    let mut depth = 0usize;
    let mut chars = source.get(start..).unwrap_or("").char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\'' | '"' => {
                let mut closed = false;
                while let Some((_, d)) = chars.next() {
                    if d == '\\' {
                        chars.next();
                    } else if d == c {
                        closed = true;
                        break;
                    }
                }
                if !closed {
                    let at = start + i;
                    return Err(syntax(
                        at..at + 1,
                        &format!("this text is never closed: add a closing {c}"),
                        "a quote inside a text is written \\' or \\\"",
                    ));
                }
            }
            '{' => depth += 1,
            '}' if depth == 0 => return Ok(Some(start + i)),
            '}' => depth -= 1,
            _ => {}
        }
    }
    Ok(None)
}
