//! The expression language used inside flow files: guards, assignments, enabling
//! conditions and text templates. Parsed with pest, type-checked when flows load,
//! evaluated by the interpreter. Exact decimals only, no floating point anywhere.
//!
//! - `parse` turns text into a tree (`grammar.pest`, then PrattParser for precedence);
//! - `check` types the tree against the flow's declared variables, when flows load;
//! - `eval` computes a value, when the interpreter runs;
//! - `template` splits `Hello {name}` texts into literal parts and expression holes.
//!
//! Secrets (PIN, card number) may be passed on but never read: only `length`,
//! `is_empty` and `matches` accept them, both when checking and when evaluating.
//! Nesting is bounded by [`MAX_DEPTH`] so hostile flow files cannot overflow the stack.

mod ast;
mod check;
mod eval;
mod parse;
mod template;
#[cfg(test)]
mod tests;

use std::ops::Range;

use chrono::NaiveDate;

use crate::value::{Type, Value};

pub use ast::{FUNCTIONS, Function};
pub use parse::MAX_DEPTH;

/// Resolves the root names an expression may use (variables, `params`, `session`, ...)
/// to their types, when flows load.
pub trait TypeEnv {
    fn type_of(&self, name: &str) -> Option<Type>;

    /// The names this environment knows, used only to suggest a close name when one is
    /// misspelt. Environments that cannot list their names keep the default.
    fn known_names(&self) -> Vec<String> {
        Vec::new()
    }
}

/// Resolves root names to values, when the interpreter evaluates.
pub trait ValueEnv {
    fn value_of(&self, name: &str) -> Option<Value>;
}

/// What evaluation may need besides variables: the injected clock's date.
#[derive(Clone, Copy, Debug)]
pub struct EvalContext {
    pub today: NaiveDate,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExprErrorKind {
    Syntax,
    Type,
    UndefinedVariable,
}

/// A problem in an expression. `span` is a byte range inside the expression's source text.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ExprError {
    pub kind: ExprErrorKind,
    pub span: Range<usize>,
    pub message: String,
    pub hint: Option<String>,
}

/// A failure while evaluating a well-typed expression (division by zero, currency mismatch,
/// index out of range).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct EvalError {
    pub message: String,
}

/// A parsed expression.
#[derive(Clone, Debug)]
pub struct Expr {
    source: String,
    root: ast::Node,
}

impl Expr {
    pub fn parse(source: &str) -> Result<Expr, ExprError> {
        Ok(Expr {
            source: source.to_string(),
            root: parse::parse(source)?,
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// The expression's type, or the first problem found. Secrets are refused wherever
    /// they would be read.
    pub fn check(&self, env: &dyn TypeEnv) -> Result<Type, ExprError> {
        check::check(&self.root, env, &self.source)
    }

    pub fn eval(&self, env: &dyn ValueEnv, ctx: &EvalContext) -> Result<Value, EvalError> {
        eval::eval(&self.root, env, ctx, &self.source)
    }

    /// Root names the expression reads, with their byte ranges, in source order. A name
    /// read twice is listed twice.
    pub fn root_names(&self) -> Vec<(String, Range<usize>)> {
        let mut names = Vec::new();
        visit(&self.root, &mut |node| {
            if let ast::Kind::Var(name) = &node.kind {
                names.push((name.clone(), node.span.clone()));
            }
        });
        names.sort_by_key(|(_, span)| span.start);
        names
    }

    /// Whether the value is the same whenever it is evaluated: no variables and no
    /// `today()`. The linter may evaluate such expressions once, when flows load.
    pub fn is_constant(&self) -> bool {
        let mut constant = true;
        visit(&self.root, &mut |node| match &node.kind {
            ast::Kind::Var(_) => constant = false,
            ast::Kind::Call(call) if call.func == ast::Func::Today => constant = false,
            _ => {}
        });
        constant
    }
}

/// Calls `f` on every node, parents before children, left to right.
fn visit(node: &ast::Node, f: &mut dyn FnMut(&ast::Node)) {
    use ast::Kind;
    f(node);
    match &node.kind {
        Kind::Number(_) | Kind::Money(_) | Kind::Text(_) | Kind::Bool(_) | Kind::Var(_) => {}
        Kind::List(items) => items.iter().for_each(|item| visit(item, f)),
        Kind::Record(fields) => fields.iter().for_each(|field| visit(&field.value, f)),
        Kind::Unary(_, operand) => visit(operand, f),
        Kind::Binary(_, lhs, rhs) | Kind::Index(lhs, rhs) => {
            visit(lhs, f);
            visit(rhs, f);
        }
        Kind::Member(base, _) => visit(base, f),
        Kind::Call(call) => call.args.iter().for_each(|arg| visit(arg, f)),
    }
}

/// A text with `{expression}` holes; `{{` and `}}` are literal braces.
#[derive(Clone, Debug)]
pub struct Template {
    source: String,
    parts: Vec<template::Part>,
}

impl Template {
    /// Errors carry byte offsets within the whole template text.
    pub fn parse(source: &str) -> Result<Template, ExprError> {
        Ok(Template {
            source: source.to_string(),
            parts: template::split(source)?,
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// Type-checks every hole. Any type may be shown except a secret (or a list or
    /// record holding one).
    pub fn check(&self, env: &dyn TypeEnv) -> Result<(), ExprError> {
        for (expr, offset) in self.holes() {
            let t = expr.check(env).map_err(|e| template::shifted(e, offset))?;
            if check::contains_secret(&t) {
                return Err(ExprError {
                    kind: ExprErrorKind::Type,
                    span: expr.root.span.start + offset..expr.root.span.end + offset,
                    message: "a secret cannot be shown".into(),
                    hint: Some(
                        "secrets never appear on screen; show e.g. length(pin) dots instead".into(),
                    ),
                });
            }
        }
        Ok(())
    }

    pub fn render(&self, env: &dyn ValueEnv, ctx: &EvalContext) -> Result<String, EvalError> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                template::Part::Text(text) => out.push_str(text),
                template::Part::Hole(expr, _) => {
                    let value = expr.eval(env, ctx)?;
                    if eval::holds_secret(&value) {
                        return Err(EvalError {
                            message: format!("a secret cannot be shown (in `{{{}}}`)", expr.source),
                        });
                    }
                    out.push_str(&value.display());
                }
            }
        }
        Ok(out)
    }

    /// Root names read by the holes, with byte ranges within the whole template.
    pub fn root_names(&self) -> Vec<(String, Range<usize>)> {
        self.holes()
            .flat_map(|(expr, offset)| {
                expr.root_names()
                    .into_iter()
                    .map(move |(name, span)| (name, span.start + offset..span.end + offset))
            })
            .collect()
    }

    /// Whether every hole is constant, so rendering always gives the same text.
    pub fn is_constant(&self) -> bool {
        self.holes().all(|(expr, _)| expr.is_constant())
    }

    fn holes(&self) -> impl Iterator<Item = (&Expr, usize)> {
        self.parts.iter().filter_map(|part| match part {
            template::Part::Hole(expr, offset) => Some((expr, *offset)),
            template::Part::Text(_) => None,
        })
    }
}
