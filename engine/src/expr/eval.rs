//! Evaluation of a parsed expression against the interpreter's variables. Exact decimal
//! arithmetic with overflow checked; every failure is an [`EvalError`], never a panic.
//!
//! Evaluation does not trust that `check` ran: it re-checks types as it goes, and still
//! refuses to read secrets.

use std::cmp::Ordering;

use chrono::TimeDelta;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

use super::ast::{BinaryOp, Call, Func, Kind, Node, UnaryOp};
use super::check::{MAX_PLACES, parse_date};
use super::parse::compile_pattern;
use super::{EvalContext, EvalError, ValueEnv};
use crate::value::{Currency, Money, Value, format_money};

pub(crate) fn eval(
    node: &Node,
    env: &dyn ValueEnv,
    ctx: &EvalContext,
    source: &str,
) -> Result<Value, EvalError> {
    Evaluator { env, ctx, source }.eval(node)
}

/// Whether a value holds a secret anywhere inside.
pub(crate) fn holds_secret(value: &Value) -> bool {
    match value {
        Value::Secret(_) => true,
        Value::List(items) => items.iter().any(holds_secret),
        Value::Record(fields) => fields.values().any(holds_secret),
        _ => false,
    }
}

/// How a value is named in messages, which end up in the journal: numbers, amounts and
/// dates are shown; texts (which may be a card number) and secrets are not.
fn shown(value: &Value) -> String {
    match value {
        Value::Secret(_) => "a secret".into(),
        Value::Text(_) => "a text".into(),
        Value::List(_) => "a list".into(),
        Value::Record(_) => "a record".into(),
        other => other.display(),
    }
}

struct Evaluator<'a> {
    env: &'a dyn ValueEnv,
    ctx: &'a EvalContext,
    source: &'a str,
}

type Eval = Result<Value, EvalError>;

impl Evaluator<'_> {
    /// An error naming the sub-expression that failed, so the journal says where.
    fn fail(&self, node: &Node, message: impl std::fmt::Display) -> EvalError {
        let text = self.source.get(node.span.clone()).unwrap_or("");
        EvalError {
            message: if text.is_empty() || text == self.source {
                message.to_string()
            } else {
                format!("{message} (in `{text}`)")
            },
        }
    }

    fn readable(&self, node: &Node, value: Value) -> Eval {
        if holds_secret(&value) {
            Err(self.fail(node, "a secret cannot be read by flows"))
        } else {
            Ok(value)
        }
    }

    /// Evaluates a node whose value will be read (not merely passed on).
    fn read(&self, node: &Node) -> Eval {
        let value = self.eval(node)?;
        self.readable(node, value)
    }

    fn eval(&self, node: &Node) -> Eval {
        match &node.kind {
            Kind::Number(n) => Ok(Value::Number(*n)),
            Kind::Money(m) => Ok(Value::Money(m.clone())),
            Kind::Text(t) => Ok(Value::Text(t.clone())),
            Kind::Bool(b) => Ok(Value::Bool(*b)),
            Kind::Var(name) => self
                .env
                .value_of(name)
                .ok_or_else(|| self.fail(node, format!("`{name}` has no value"))),
            Kind::List(items) => items
                .iter()
                .map(|item| self.eval(item))
                .collect::<Result<_, _>>()
                .map(Value::List),
            Kind::Record(fields) => fields
                .iter()
                .map(|f| Ok((f.name.text.clone(), self.eval(&f.value)?)))
                .collect::<Result<_, _>>()
                .map(Value::Record),
            Kind::Unary(op, operand) => {
                let value = self.read(operand)?;
                match (op, value) {
                    (UnaryOp::Neg, Value::Number(n)) => Ok(Value::Number(-n)),
                    (UnaryOp::Neg, Value::Money(m)) => {
                        Ok(Value::Money(Money::new(-m.amount, m.currency)))
                    }
                    (UnaryOp::Not, Value::Bool(b)) => Ok(Value::Bool(!b)),
                    (_, other) => Err(self.fail(
                        node,
                        format!("cannot apply this operator to {}", shown(&other)),
                    )),
                }
            }
            Kind::Binary(op, lhs, rhs) => self.binary(*op, lhs, rhs, node),
            Kind::Member(base, name) => match self.eval(base)? {
                Value::Record(mut fields) => fields
                    .remove(&name.text)
                    .ok_or_else(|| self.fail(node, format!("there is no field `{}`", name.text))),
                Value::Money(m) => match name.text.as_str() {
                    "amount" => Ok(Value::Number(m.amount)),
                    "currency" => Ok(Value::Text(m.currency.0)),
                    other => Err(self.fail(node, format!("an amount has no field `{other}`"))),
                },
                Value::Secret(_) => Err(self.fail(node, "a secret cannot be read by flows")),
                other => Err(self.fail(node, format!("{} has no fields", shown(&other)))),
            },
            Kind::Index(base, index) => {
                let position = self.read(index)?;
                match (self.eval(base)?, position) {
                    (Value::List(mut items), Value::Number(n)) => {
                        let i = n
                            .fract()
                            .is_zero()
                            .then(|| n.to_usize())
                            .flatten()
                            .filter(|i| *i < items.len())
                            .ok_or_else(|| {
                                self.fail(
                                    node,
                                    format!(
                                        "position {n} is outside the list, which has {} items (the first is at 0)",
                                        items.len()
                                    ),
                                )
                            })?;
                        Ok(items.swap_remove(i))
                    }
                    (Value::Secret(_), _) => {
                        Err(self.fail(node, "a secret cannot be read by flows"))
                    }
                    (Value::List(_), other) => Err(self.fail(
                        node,
                        format!("a list position must be a number, found {}", shown(&other)),
                    )),
                    (other, _) => Err(self.fail(
                        node,
                        format!("only lists can be indexed, found {}", shown(&other)),
                    )),
                }
            }
            Kind::Call(call) => self.call(call, node),
        }
    }

    fn binary(&self, op: BinaryOp, lhs: &Node, rhs: &Node, node: &Node) -> Eval {
        // `and` and `or` evaluate their right side only when it decides the result, so
        // `n != 0 and total / n > 5` is safe.
        if matches!(op, BinaryOp::And | BinaryOp::Or) {
            let left = self.condition(lhs)?;
            return match (op, left) {
                (BinaryOp::And, false) => Ok(Value::Bool(false)),
                (BinaryOp::Or, true) => Ok(Value::Bool(true)),
                _ => self.condition(rhs).map(Value::Bool),
            };
        }
        let l = self.read(lhs)?;
        let r = self.read(rhs)?;
        let overflow = || self.fail(node, "the result is too large");
        let zero = || self.fail(node, "division by zero");
        let mismatch = |verb: &str| {
            self.fail(
                node,
                format!("cannot {verb} {} and {}", shown(&l), shown(&r)),
            )
        };
        let same_currency = |a: &Money, b: &Money, verb: &str| {
            if a.currency == b.currency {
                Ok(())
            } else {
                Err(self.fail(
                    node,
                    format!(
                        "cannot {verb} {} and {}: the currencies differ",
                        format_money(a),
                        format_money(b)
                    ),
                ))
            }
        };
        let money = |amount: Option<Decimal>, currency: &Currency| {
            amount
                .map(|amount| Value::Money(Money::new(amount, currency.clone())))
                .ok_or_else(overflow)
        };
        let number = |n: Option<Decimal>| n.map(Value::Number).ok_or_else(overflow);

        match op {
            BinaryOp::Add => match (&l, &r) {
                (Value::Number(a), Value::Number(b)) => number(a.checked_add(*b)),
                (Value::Money(a), Value::Money(b)) => {
                    same_currency(a, b, "add")?;
                    money(a.amount.checked_add(b.amount), &a.currency)
                }
                (Value::Text(a), Value::Text(b)) => Ok(Value::Text(format!("{a}{b}"))),
                _ => Err(mismatch("add")),
            },
            BinaryOp::Sub => match (&l, &r) {
                (Value::Number(a), Value::Number(b)) => number(a.checked_sub(*b)),
                (Value::Money(a), Value::Money(b)) => {
                    same_currency(a, b, "subtract")?;
                    money(a.amount.checked_sub(b.amount), &a.currency)
                }
                _ => Err(mismatch("subtract")),
            },
            BinaryOp::Mul => match (&l, &r) {
                (Value::Number(a), Value::Number(b)) => number(a.checked_mul(*b)),
                (Value::Money(m), Value::Number(n)) | (Value::Number(n), Value::Money(m)) => {
                    money(m.amount.checked_mul(*n), &m.currency)
                }
                _ => Err(mismatch("multiply")),
            },
            BinaryOp::Div => match (&l, &r) {
                (_, Value::Number(n)) if n.is_zero() => Err(zero()),
                (Value::Number(a), Value::Number(b)) => number(a.checked_div(*b)),
                (Value::Money(m), Value::Number(n)) => money(m.amount.checked_div(*n), &m.currency),
                _ => Err(mismatch("divide")),
            },
            BinaryOp::Rem => match (&l, &r) {
                (_, Value::Number(n)) if n.is_zero() => Err(zero()),
                (Value::Number(a), Value::Number(b)) => number(a.checked_rem(*b)),
                (Value::Money(m), Value::Number(n)) => number(m.amount.checked_rem(*n)),
                _ => Err(mismatch("divide")),
            },
            BinaryOp::Eq => Ok(Value::Bool(l == r)),
            BinaryOp::Ne => Ok(Value::Bool(l != r)),
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
                let ordering = match (&l, &r) {
                    (Value::Number(a), Value::Number(b)) => a.cmp(b),
                    (Value::Money(a), Value::Money(b)) => {
                        same_currency(a, b, "compare")?;
                        a.amount.cmp(&b.amount)
                    }
                    (Value::Text(a), Value::Text(b)) => a.cmp(b),
                    (Value::Date(a), Value::Date(b)) => a.cmp(b),
                    _ => return Err(mismatch("compare")),
                };
                Ok(Value::Bool(match op {
                    BinaryOp::Lt => ordering == Ordering::Less,
                    BinaryOp::Le => ordering != Ordering::Greater,
                    BinaryOp::Gt => ordering == Ordering::Greater,
                    _ => ordering != Ordering::Less,
                }))
            }
            BinaryOp::And | BinaryOp::Or => Err(mismatch("combine")),
        }
    }

    fn condition(&self, node: &Node) -> Result<bool, EvalError> {
        match self.read(node)? {
            Value::Bool(b) => Ok(b),
            other => Err(self.fail(
                node,
                format!("expected true or false, found {}", shown(&other)),
            )),
        }
    }

    fn number(&self, node: &Node) -> Result<Decimal, EvalError> {
        match self.read(node)? {
            Value::Number(n) => Ok(n),
            other => Err(self.fail(node, format!("expected a number, found {}", shown(&other)))),
        }
    }

    fn whole(&self, node: &Node) -> Result<i64, EvalError> {
        let n = self.number(node)?;
        n.fract()
            .is_zero()
            .then(|| n.to_i64())
            .flatten()
            .ok_or_else(|| self.fail(node, format!("expected a whole number, found {n}")))
    }

    fn text(&self, node: &Node) -> Result<String, EvalError> {
        match self.read(node)? {
            Value::Text(t) => Ok(t),
            other => Err(self.fail(node, format!("expected a text, found {}", shown(&other)))),
        }
    }

    fn date(&self, node: &Node) -> Result<chrono::NaiveDate, EvalError> {
        match self.read(node)? {
            Value::Date(d) => Ok(d),
            other => Err(self.fail(node, format!("expected a date, found {}", shown(&other)))),
        }
    }

    fn money(&self, node: &Node) -> Result<Money, EvalError> {
        match self.read(node)? {
            Value::Money(m) => Ok(m),
            other => Err(self.fail(node, format!("expected an amount, found {}", shown(&other)))),
        }
    }

    fn call(&self, call: &Call, node: &Node) -> Eval {
        let func = call.func;
        if call.args.len() != func.arity() {
            return Err(self.fail(
                node,
                format!(
                    "`{}` takes {} arguments, found {}",
                    func.name(),
                    func.arity(),
                    call.args.len()
                ),
            ));
        }
        // Arity is checked above, so these cannot fail; `get` keeps it panic-free anyway.
        let arg = |i: usize| call.args.get(i).unwrap_or(node);
        let overflow = || self.fail(node, "the result is too large");

        match func {
            Func::Length | Func::IsEmpty => {
                let count = match self.eval(arg(0))? {
                    Value::Text(t) => t.chars().count(),
                    Value::List(items) => items.len(),
                    Value::Secret(s) => s.len(),
                    other => {
                        return Err(self.fail(
                            node,
                            format!(
                                "expected a text, a list or a secret, found {}",
                                shown(&other)
                            ),
                        ));
                    }
                };
                Ok(if func == Func::Length {
                    Value::Number(Decimal::from(count))
                } else {
                    Value::Bool(count == 0)
                })
            }
            Func::Matches => {
                let subject = self.eval(arg(0))?;
                let compiled;
                let regex = match &call.pattern {
                    Some(Ok(regex)) => regex,
                    Some(Err(reason)) => {
                        return Err(self.fail(node, format!("invalid pattern: {reason}")));
                    }
                    None => {
                        if matches!(subject, Value::Secret(_)) {
                            return Err(self.fail(
                                node,
                                "with a secret, the pattern must be written out in quotes",
                            ));
                        }
                        let pattern = self.text(arg(1))?;
                        compiled = compile_pattern(&pattern).map_err(|reason| {
                            self.fail(node, format!("invalid pattern: {reason}"))
                        })?;
                        &compiled
                    }
                };
                match &subject {
                    Value::Text(t) => Ok(Value::Bool(regex.is_match(t))),
                    Value::Secret(s) => Ok(Value::Bool(regex.is_match(s.expose()))),
                    other => Err(self.fail(
                        node,
                        format!("expected a text or a secret, found {}", shown(other)),
                    )),
                }
            }
            Func::Mask => {
                let text = self.text(arg(0))?;
                let keep = self.whole(arg(1))?;
                if keep < 0 {
                    return Err(self.fail(node, "cannot keep a negative number of characters"));
                }
                let length = text.chars().count();
                let hidden = length.saturating_sub(usize::try_from(keep).unwrap_or(usize::MAX));
                Ok(Value::Text(
                    "*".repeat(hidden) + &text.chars().skip(hidden).collect::<String>(),
                ))
            }
            Func::FormatMoney => Ok(Value::Text(format_money(&self.money(arg(0))?))),
            Func::Money => {
                let amount = self.number(arg(0))?;
                let code = self.text(arg(1))?;
                let currency = Currency::new(&code)
                    .ok_or_else(|| self.fail(node, format!("'{code}' is not a currency code")))?;
                Ok(Value::Money(Money::new(amount, currency)))
            }
            Func::Today => Ok(Value::Date(self.ctx.today)),
            Func::Date => {
                let text = self.text(arg(0))?;
                parse_date(&text)
                    .map(Value::Date)
                    .ok_or_else(|| self.fail(node, format!("'{text}' is not a date (YYYY-MM-DD)")))
            }
            Func::AddDays => {
                let date = self.date(arg(0))?;
                let days = self.whole(arg(1))?;
                TimeDelta::try_days(days)
                    .and_then(|delta| date.checked_add_signed(delta))
                    .map(Value::Date)
                    .ok_or_else(|| self.fail(node, "the date is out of range"))
            }
            Func::DaysBetween => {
                let from = self.date(arg(0))?;
                let to = self.date(arg(1))?;
                Ok(Value::Number(Decimal::from((to - from).num_days())))
            }
            Func::FormatDate => Ok(Value::Text(
                self.date(arg(0))?.format("%d.%m.%Y").to_string(),
            )),
            Func::Contains => {
                let list = self.read(arg(0))?;
                let item = self.read(arg(1))?;
                match list {
                    Value::List(items) => Ok(Value::Bool(items.contains(&item))),
                    other => {
                        Err(self.fail(node, format!("expected a list, found {}", shown(&other))))
                    }
                }
            }
            Func::Min | Func::Max => {
                let a = self.read(arg(0))?;
                let b = self.read(arg(1))?;
                let ordering = match (&a, &b) {
                    (Value::Number(x), Value::Number(y)) => x.cmp(y),
                    (Value::Money(x), Value::Money(y)) if x.currency == y.currency => {
                        x.amount.cmp(&y.amount)
                    }
                    (Value::Money(x), Value::Money(y)) => {
                        return Err(self.fail(
                            node,
                            format!(
                                "cannot compare {} and {}: the currencies differ",
                                format_money(x),
                                format_money(y)
                            ),
                        ));
                    }
                    _ => {
                        return Err(self.fail(
                            node,
                            format!(
                                "expected two numbers or two amounts, found {} and {}",
                                shown(&a),
                                shown(&b)
                            ),
                        ));
                    }
                };
                let first = (ordering != Ordering::Greater) == (func == Func::Min);
                Ok(if first { a } else { b })
            }
            Func::Sum => {
                let items = match self.read(arg(0))? {
                    Value::List(items) => items,
                    other => {
                        return Err(self.fail(
                            node,
                            format!("expected a list of amounts, found {}", shown(&other)),
                        ));
                    }
                };
                let mut total: Option<Money> = None;
                for item in items {
                    let Value::Money(m) = item else {
                        return Err(self.fail(
                            node,
                            format!("expected a list of amounts, found {}", shown(&item)),
                        ));
                    };
                    total = Some(match total {
                        None => m,
                        Some(t) if t.currency == m.currency => Money::new(
                            t.amount.checked_add(m.amount).ok_or_else(overflow)?,
                            t.currency,
                        ),
                        Some(t) => {
                            return Err(self.fail(
                                node,
                                format!(
                                    "cannot add {} and {}: the currencies differ",
                                    format_money(&t),
                                    format_money(&m)
                                ),
                            ));
                        }
                    });
                }
                total.map(Value::Money).ok_or_else(|| {
                    self.fail(node, "cannot sum an empty list: its currency is unknown")
                })
            }
            Func::ToText => Ok(Value::Text(self.read(arg(0))?.display())),
            Func::Upper => Ok(Value::Text(self.text(arg(0))?.to_uppercase())),
            Func::Lower => Ok(Value::Text(self.text(arg(0))?.to_lowercase())),
            Func::Round => {
                let n = self.number(arg(0))?;
                let places = self.whole(arg(1))?;
                let places = u32::try_from(places)
                    .ok()
                    .filter(|p| *p <= MAX_PLACES)
                    .ok_or_else(|| {
                        self.fail(
                            node,
                            format!("cannot round to {places} decimal places (0 to {MAX_PLACES})"),
                        )
                    })?;
                Ok(Value::Number(n.round_dp_with_strategy(
                    places,
                    RoundingStrategy::MidpointAwayFromZero,
                )))
            }
            Func::If => {
                if self.condition(arg(0))? {
                    self.eval(arg(1))
                } else {
                    self.eval(arg(2))
                }
            }
            Func::IsMultiple => {
                let amount = match self.read(arg(0))? {
                    Value::Money(m) => m.amount,
                    Value::Number(n) => n,
                    other => {
                        return Err(self.fail(
                            node,
                            format!("expected an amount or a number, found {}", shown(&other)),
                        ));
                    }
                };
                let step = self.number(arg(1))?;
                if step.is_zero() {
                    return Err(self.fail(node, "division by zero: the step is 0"));
                }
                amount
                    .checked_rem(step)
                    .map(|r| Value::Bool(r.is_zero()))
                    .ok_or_else(overflow)
            }
            Func::SameSecret => match (self.eval(arg(0))?, self.eval(arg(1))?) {
                (Value::Secret(a), Value::Secret(b)) => Ok(Value::Bool(a == b)),
                _ => Err(self.fail(node, "`same_secret` compares two secrets")),
            },
        }
    }
}
