//! The expression language used inside flow files: guards, assignments, enabling
//! conditions and text templates. Parsed with pest, type-checked when flows load,
//! evaluated by the interpreter. Exact decimals only.
//!
//! PLACEHOLDER API: the implementation is being written; the signatures are the contract.

use std::ops::Range;

use chrono::NaiveDate;

use crate::value::{Type, Value};

/// Resolves the root names an expression may use (variables, `params`, `session`, ...)
/// to their types, when flows load.
pub trait TypeEnv {
    fn type_of(&self, name: &str) -> Option<Type>;
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
}

impl Expr {
    pub fn parse(source: &str) -> Result<Expr, ExprError> {
        Ok(Expr {
            source: source.to_string(),
        })
    }
    pub fn source(&self) -> &str {
        &self.source
    }
    pub fn check(&self, _env: &dyn TypeEnv) -> Result<Type, ExprError> {
        Err(ExprError {
            kind: ExprErrorKind::Syntax,
            span: 0..self.source.len(),
            message: "expressions are not implemented yet".into(),
            hint: None,
        })
    }
    pub fn eval(&self, _env: &dyn ValueEnv, _ctx: &EvalContext) -> Result<Value, EvalError> {
        Err(EvalError {
            message: "expressions are not implemented yet".into(),
        })
    }
    /// Root names the expression reads, with their byte ranges.
    pub fn root_names(&self) -> Vec<(String, Range<usize>)> {
        Vec::new()
    }
}

/// A text with `{expression}` holes; `{{` and `}}` are literal braces.
#[derive(Clone, Debug)]
pub struct Template {
    source: String,
}

impl Template {
    pub fn parse(source: &str) -> Result<Template, ExprError> {
        Ok(Template {
            source: source.to_string(),
        })
    }
    pub fn check(&self, _env: &dyn TypeEnv) -> Result<(), ExprError> {
        Ok(())
    }
    pub fn render(&self, _env: &dyn ValueEnv, _ctx: &EvalContext) -> Result<String, EvalError> {
        Ok(self.source.clone())
    }
}
