//! Static typing of expressions when flows load, so that a flow with `amount + 'x'` or a
//! flow that reads a PIN is refused before a customer ever reaches it.

use std::ops::Range;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::ast::{BinaryOp, Call, Func, Kind, Node, UnaryOp, closest};
use super::{ExprError, ExprErrorKind, TypeEnv};
use crate::value::{Currency, Type};

pub(crate) fn check(node: &Node, env: &dyn TypeEnv, source: &str) -> Result<Type, ExprError> {
    Checker { env, source }.check(node)
}

/// Whether a value of this type holds a secret anywhere inside.
pub(crate) fn contains_secret(t: &Type) -> bool {
    match t {
        Type::Secret => true,
        Type::List(item) => contains_secret(item),
        Type::Record(fields) => fields.values().any(contains_secret),
        _ => false,
    }
}

/// The type two types share, `Any` (an empty list's item) fitting anything.
pub(crate) fn unify(a: &Type, b: &Type) -> Option<Type> {
    match (a, b) {
        (Type::Any, t) | (t, Type::Any) => Some(t.clone()),
        (Type::List(a), Type::List(b)) => unify(a, b).map(|t| Type::List(Box::new(t))),
        (Type::Record(a), Type::Record(b)) => {
            if a.len() != b.len() {
                return None;
            }
            a.iter()
                .map(|(name, ta)| {
                    let tb = b.get(name)?;
                    Some((name.clone(), unify(ta, tb)?))
                })
                .collect::<Option<_>>()
                .map(Type::Record)
        }
        (a, b) if a == b => Some(a.clone()),
        _ => None,
    }
}

pub(crate) fn secret_error(span: Range<usize>) -> ExprError {
    type_error(
        span,
        "a secret cannot be read by flows",
        Some(
            "a secret (PIN, card number, code) may only be passed on, or given to length(), \
             is_empty() or matches()"
                .into(),
        ),
    )
}

fn type_error(span: Range<usize>, message: impl Into<String>, hint: Option<String>) -> ExprError {
    ExprError {
        kind: ExprErrorKind::Type,
        span,
        message: message.into(),
        hint,
    }
}

/// `a number`, `an amount`, ... for messages.
fn described(t: &Type) -> String {
    match t {
        Type::Bool => "a condition (bool)".into(),
        Type::Number => "a number".into(),
        Type::Money => "an amount (money)".into(),
        Type::Text => "a text".into(),
        Type::Date => "a date".into(),
        Type::Secret => "a secret".into(),
        Type::Any => "a value".into(),
        Type::List(_) => format!("a list ({t})"),
        Type::Record(_) => format!("a record {t}"),
    }
}

/// `t` is `want`, or not yet known (`Any`).
fn is(t: &Type, want: &Type) -> bool {
    t == want || *t == Type::Any
}

pub(crate) fn literal_text(node: &Node) -> Option<&str> {
    match &node.kind {
        Kind::Text(text) => Some(text),
        _ => None,
    }
}

/// A number written out, possibly with a minus sign.
pub(crate) fn literal_number(node: &Node) -> Option<Decimal> {
    match &node.kind {
        Kind::Number(n) => Some(*n),
        Kind::Unary(UnaryOp::Neg, inner) => literal_number(inner).map(|n| -n),
        _ => None,
    }
}

/// Decimal places accepted by `round`.
pub(crate) const MAX_PLACES: u32 = 28;

pub(crate) fn parse_date(text: &str) -> Option<NaiveDate> {
    // `%Y-%m-%d` alone would accept `2026-1-5`; the length check keeps dates in one form.
    (text.len() == 10)
        .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .flatten()
}

struct Checker<'a> {
    env: &'a dyn TypeEnv,
    source: &'a str,
}

impl Checker<'_> {
    fn text_of(&self, node: &Node) -> &str {
        self.source.get(node.span.clone()).unwrap_or("")
    }

    fn check(&self, node: &Node) -> Result<Type, ExprError> {
        match &node.kind {
            Kind::Number(_) => Ok(Type::Number),
            Kind::Money(_) => Ok(Type::Money),
            Kind::Text(_) => Ok(Type::Text),
            Kind::Bool(_) => Ok(Type::Bool),
            Kind::Var(name) => self.var(name, node),
            Kind::List(items) => {
                let mut item_type = Type::Any;
                for item in items {
                    let t = self.check(item)?;
                    item_type = unify(&item_type, &t).ok_or_else(|| {
                        type_error(
                            item.span.clone(),
                            format!(
                                "the items of a list must all have the same type: this one is {t}, \
                                 the ones before are {item_type}"
                            ),
                            None,
                        )
                    })?;
                }
                Ok(Type::List(Box::new(item_type)))
            }
            Kind::Record(fields) => fields
                .iter()
                .map(|f| Ok((f.name.text.clone(), self.check(&f.value)?)))
                .collect::<Result<_, _>>()
                .map(Type::Record),
            Kind::Unary(op, operand) => self.unary(*op, operand, node),
            Kind::Binary(op, lhs, rhs) => self.binary(*op, lhs, rhs, node),
            Kind::Member(base, name) => {
                let base_type = self.check(base)?;
                match &base_type {
                    Type::Secret => Err(secret_error(base.span.clone())),
                    Type::Any => Ok(Type::Any),
                    Type::Record(fields) => fields.get(&name.text).cloned().ok_or_else(|| {
                        let known: Vec<&str> = fields.keys().map(String::as_str).collect();
                        let close = closest(&name.text, known.iter().copied());
                        type_error(
                            name.span.clone(),
                            format!(
                                "`{}` has no field `{}`; its fields are: {}",
                                self.text_of(base),
                                name.text,
                                known.join(", ")
                            ),
                            close.first().map(|c| format!("did you mean `{c}`?")),
                        )
                    }),
                    Type::Money => match name.text.as_str() {
                        "amount" => Ok(Type::Number),
                        "currency" => Ok(Type::Text),
                        other => Err(type_error(
                            name.span.clone(),
                            format!(
                                "an amount has no field `{other}`; its fields are: amount, currency"
                            ),
                            None,
                        )),
                    },
                    other => Err(type_error(
                        name.span.clone(),
                        format!("{} has no fields", described(other)),
                        matches!(name.text.as_str(), "length" | "len" | "size" | "count")
                            .then(|| format!("write length({})", self.text_of(base))),
                    )),
                }
            }
            Kind::Index(base, index) => {
                let base_type = self.check(base)?;
                let index_type = self.check(index)?;
                let item = match base_type {
                    Type::List(item) => *item,
                    Type::Any => Type::Any,
                    Type::Secret => return Err(secret_error(base.span.clone())),
                    other => {
                        return Err(type_error(
                            base.span.clone(),
                            format!("only lists can be indexed, this is {}", described(&other)),
                            None,
                        ));
                    }
                };
                if !is(&index_type, &Type::Number) {
                    return Err(type_error(
                        index.span.clone(),
                        format!(
                            "a list position must be a number, found {}",
                            described(&index_type)
                        ),
                        None,
                    ));
                }
                Ok(item)
            }
            Kind::Call(call) => self.call(call, node),
        }
    }

    fn var(&self, name: &str, node: &Node) -> Result<Type, ExprError> {
        self.env.type_of(name).ok_or_else(|| {
            let known = self.env.known_names();
            let close = closest(name, known.iter().map(String::as_str));
            let hint = match close.first() {
                Some(c) => format!("did you mean `{c}`? Otherwise declare it under `vars:`"),
                None => "declare it under `vars:` or check the spelling".to_string(),
            };
            ExprError {
                kind: ExprErrorKind::UndefinedVariable,
                span: node.span.clone(),
                message: format!("`{name}` is not defined"),
                hint: Some(hint),
            }
        })
    }

    /// Refuses a secret (or a list or record holding one) where it would be read.
    fn readable(&self, t: &Type, node: &Node) -> Result<(), ExprError> {
        if contains_secret(t) {
            Err(secret_error(node.span.clone()))
        } else {
            Ok(())
        }
    }

    fn unary(&self, op: UnaryOp, operand: &Node, node: &Node) -> Result<Type, ExprError> {
        let t = self.check(operand)?;
        self.readable(&t, operand)?;
        match (op, &t) {
            (UnaryOp::Neg, Type::Number | Type::Money | Type::Any) => Ok(t),
            (UnaryOp::Not, Type::Bool | Type::Any) => Ok(Type::Bool),
            (UnaryOp::Neg, _) => Err(type_error(
                node.span.clone(),
                format!(
                    "cannot negate {}: `-` works on numbers and amounts",
                    described(&t)
                ),
                None,
            )),
            (UnaryOp::Not, _) => Err(type_error(
                operand.span.clone(),
                format!("`not` needs a condition (bool), found {}", described(&t)),
                None,
            )),
        }
    }

    fn binary(&self, op: BinaryOp, lhs: &Node, rhs: &Node, node: &Node) -> Result<Type, ExprError> {
        use Type::{Any, Bool, Date, Money, Number, Text};

        let l = self.check(lhs)?;
        let r = self.check(rhs)?;
        self.readable(&l, lhs)?;
        self.readable(&r, rhs)?;

        if matches!(op, BinaryOp::And | BinaryOp::Or) {
            for (t, side) in [(&l, lhs), (&r, rhs)] {
                if !is(t, &Bool) {
                    return Err(type_error(
                        side.span.clone(),
                        format!(
                            "`{}` needs a condition (bool) on each side, found {}",
                            op.symbol(),
                            described(t)
                        ),
                        None,
                    ));
                }
            }
            return Ok(Bool);
        }

        // An unknown side (an item of `[]`) takes the type of the other.
        let (l, r) = match (l, r) {
            (Any, r) => (r.clone(), r),
            (l, Any) => (l.clone(), l),
            pair => pair,
        };
        let mismatch = |message: String, hint: Option<&str>| {
            Err(type_error(
                node.span.clone(),
                message,
                hint.map(str::to_string),
            ))
        };
        let money_hint = "write the number as an amount, e.g. `500 ALL`, or use `.amount`";
        match op {
            BinaryOp::Add => match (&l, &r) {
                (Number, Number) | (Money, Money) | (Text, Text) | (Any, Any) => Ok(l),
                (Text, _) | (_, Text) => mismatch(
                    format!("cannot add {l} and {r}"),
                    Some("use to_text(…) to turn a value into text"),
                ),
                (Money, Number) | (Number, Money) => {
                    mismatch(format!("cannot add {l} and {r}"), Some(money_hint))
                }
                _ => mismatch(format!("cannot add {l} and {r}"), None),
            },
            BinaryOp::Sub => match (&l, &r) {
                (Number, Number) | (Money, Money) | (Any, Any) => Ok(l),
                (Money, Number) | (Number, Money) => {
                    mismatch(format!("cannot subtract {r} from {l}"), Some(money_hint))
                }
                _ => mismatch(format!("cannot subtract {r} from {l}"), None),
            },
            BinaryOp::Mul => match (&l, &r) {
                (Number, Number) | (Any, Any) => Ok(l),
                (Money, Number) | (Number, Money) => Ok(Money),
                (Money, Money) => mismatch(
                    "cannot multiply an amount by an amount".into(),
                    Some("multiply an amount by a number, e.g. `fee * 2`"),
                ),
                _ => mismatch(format!("cannot multiply {l} by {r}"), None),
            },
            BinaryOp::Div => match (&l, &r) {
                (Number, Number) | (Any, Any) => Ok(l),
                (Money, Number) => Ok(Money),
                (Money, Money) => mismatch(
                    "cannot divide an amount by an amount".into(),
                    Some("divide by a number, or compare the `.amount`s"),
                ),
                _ => mismatch(format!("cannot divide {l} by {r}"), None),
            },
            BinaryOp::Rem => match (&l, &r) {
                (Number | Money | Any, Number | Any) => Ok(Number),
                _ => mismatch(
                    format!("cannot take the remainder of {l} divided by {r}"),
                    Some("`%` divides a number or an amount by a number, e.g. `amount % 500`"),
                ),
            },
            BinaryOp::Eq | BinaryOp::Ne => match unify(&l, &r) {
                Some(_) => Ok(Bool),
                None => mismatch(
                    format!("cannot compare {l} with {r}"),
                    matches!((&l, &r), (Money, Number) | (Number, Money)).then_some(money_hint),
                ),
            },
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => match (&l, &r) {
                (Number, Number) | (Money, Money) | (Text, Text) | (Date, Date) | (Any, Any) => {
                    Ok(Bool)
                }
                (Money, Number) | (Number, Money) => {
                    mismatch(format!("cannot compare {l} with {r}"), Some(money_hint))
                }
                _ if l == r => mismatch(
                    format!(
                        "cannot order {}: `{}` compares numbers, amounts, texts or dates",
                        described(&l),
                        op.symbol()
                    ),
                    None,
                ),
                _ => mismatch(format!("cannot compare {l} with {r}"), None),
            },
            BinaryOp::And | BinaryOp::Or => Ok(Bool),
        }
    }

    fn call(&self, call: &Call, node: &Node) -> Result<Type, ExprError> {
        use Type::{Any, Bool, Date, Money, Number, Text};

        let func = call.func;
        let doc = func.doc();
        let arity = func.arity();
        if call.args.len() != arity {
            let takes = match arity {
                0 => "no arguments".to_string(),
                1 => format!("1 argument ({})", doc.params),
                n => format!("{n} arguments ({})", doc.params),
            };
            return Err(type_error(
                node.span.clone(),
                format!("`{}` takes {takes}, found {}", doc.name, call.args.len()),
                Some(format!("usage: {}", doc.signature)),
            ));
        }
        let types = call
            .args
            .iter()
            .map(|a| self.check(a))
            .collect::<Result<Vec<_>, _>>()?;
        let params: Vec<&str> = doc.params.split(", ").collect();
        // Refuses argument `i` unless `ok`; `want` says what would fit.
        let expect = |i: usize, ok: bool, want: &str| -> Result<(), ExprError> {
            if ok {
                return Ok(());
            }
            let (Some(arg), Some(t)) = (call.args.get(i), types.get(i)) else {
                return Ok(());
            };
            if contains_secret(t) {
                return Err(secret_error(arg.span.clone()));
            }
            let place = match params.get(i) {
                Some(p) if arity > 1 => format!(" for `{p}`"),
                _ => String::new(),
            };
            Err(type_error(
                arg.span.clone(),
                format!(
                    "`{}` expects {want}{place}, found {}",
                    doc.name,
                    described(t)
                ),
                Some(format!("usage: {}", doc.signature)),
            ))
        };
        let t = |i: usize| types.get(i).cloned().unwrap_or(Any);
        let is_list = |t: &Type| matches!(t, Type::List(_) | Any);

        match func {
            Func::Length | Func::IsEmpty => {
                let a = t(0);
                expect(
                    0,
                    is_list(&a) || matches!(a, Text | Type::Secret),
                    "a text, a list or a secret",
                )?;
                Ok(if func == Func::Length { Number } else { Bool })
            }
            Func::Matches => {
                let subject = t(0);
                expect(
                    0,
                    matches!(subject, Text | Type::Secret | Any),
                    "a text or a secret",
                )?;
                expect(1, is(&t(1), &Text), "a text")?;
                let pattern_span = call.args.get(1).map(|a| a.span.clone()).unwrap_or_default();
                match &call.pattern {
                    Some(Err(reason)) => Err(type_error(
                        pattern_span,
                        format!("this pattern is not a valid regular expression: {reason}"),
                        Some("e.g. '[0-9]{4}' for four digits".into()),
                    )),
                    None if subject == Type::Secret => Err(type_error(
                        pattern_span,
                        "with a secret, the pattern must be written out in quotes",
                        Some(
                            "a pattern computed by the flow could be used to read the secret"
                                .into(),
                        ),
                    )),
                    _ => Ok(Bool),
                }
            }
            Func::Mask => {
                expect(0, is(&t(0), &Text), "a text")?;
                expect(1, is(&t(1), &Number), "a number")?;
                self.whole_number_literal(call, 1, 0)?;
                Ok(Text)
            }
            Func::FormatMoney => {
                expect(0, is(&t(0), &Money), "an amount (money)")?;
                Ok(Text)
            }
            Func::Money => {
                expect(0, is(&t(0), &Number), "a number")?;
                expect(
                    1,
                    is(&t(1), &Text),
                    "a currency code in quotes, e.g. 'EUR',",
                )?;
                if let Some(arg) = call.args.get(1)
                    && let Some(code) = literal_text(arg)
                    && Currency::new(code).is_none()
                {
                    return Err(type_error(
                        arg.span.clone(),
                        format!("`{code}` is not a currency code"),
                        Some("write three capital letters, e.g. 'EUR'".into()),
                    ));
                }
                Ok(Money)
            }
            Func::Today => Ok(Date),
            Func::Date => {
                expect(0, is(&t(0), &Text), "a text such as '2026-11-25'")?;
                if let Some(arg) = call.args.first()
                    && let Some(text) = literal_text(arg)
                    && parse_date(text).is_none()
                {
                    return Err(type_error(
                        arg.span.clone(),
                        format!("`{text}` is not a date"),
                        Some("write dates as 'YYYY-MM-DD', e.g. '2026-11-25'".into()),
                    ));
                }
                Ok(Date)
            }
            Func::AddDays => {
                expect(0, is(&t(0), &Date), "a date")?;
                expect(1, is(&t(1), &Number), "a number")?;
                Ok(Date)
            }
            Func::DaysBetween => {
                expect(0, is(&t(0), &Date), "a date")?;
                expect(1, is(&t(1), &Date), "a date")?;
                Ok(Number)
            }
            Func::FormatDate => {
                expect(0, is(&t(0), &Date), "a date")?;
                Ok(Text)
            }
            Func::Contains => {
                let list = t(0);
                expect(0, is_list(&list), "a list")?;
                let item = t(1);
                let (Some(list_arg), Some(item_arg)) = (call.args.first(), call.args.get(1)) else {
                    return Ok(Bool);
                };
                self.readable(&list, list_arg)?;
                self.readable(&item, item_arg)?;
                let element = match list {
                    Type::List(element) => *element,
                    _ => Any,
                };
                if unify(&element, &item).is_none() {
                    return Err(type_error(
                        item_arg.span.clone(),
                        format!(
                            "this list holds {}, so it cannot contain {}",
                            described(&element),
                            described(&item)
                        ),
                        None,
                    ));
                }
                Ok(Bool)
            }
            Func::Min | Func::Max => {
                let (a, b) = (t(0), t(1));
                expect(
                    0,
                    matches!(a, Number | Money | Any),
                    "a number or an amount",
                )?;
                expect(
                    1,
                    matches!(b, Number | Money | Any),
                    "a number or an amount",
                )?;
                match (a, b) {
                    (Any, x) | (x, Any) => Ok(x),
                    (a, b) if a == b => Ok(a),
                    (a, b) => Err(type_error(
                        node.span.clone(),
                        format!(
                            "`{}` needs two numbers or two amounts, found {a} and {b}",
                            doc.name
                        ),
                        None,
                    )),
                }
            }
            Func::Sum => {
                let list = t(0);
                expect(
                    0,
                    matches!(&list, Type::List(item) if is(item, &Money)) || list == Any,
                    "a list of amounts",
                )?;
                Ok(Money)
            }
            Func::ToText => {
                if let Some(arg) = call.args.first() {
                    self.readable(&t(0), arg)?;
                }
                Ok(Text)
            }
            Func::Upper | Func::Lower => {
                expect(0, is(&t(0), &Text), "a text")?;
                Ok(Text)
            }
            Func::Round => {
                expect(0, is(&t(0), &Number), "a number")?;
                expect(1, is(&t(1), &Number), "a number of decimal places")?;
                self.whole_number_literal(call, 1, 0)?;
                if let Some(arg) = call.args.get(1)
                    && let Some(places) = literal_number(arg)
                    && places > Decimal::from(MAX_PLACES)
                {
                    return Err(type_error(
                        arg.span.clone(),
                        format!("cannot round to {places} decimal places"),
                        Some(format!("use 0 to {MAX_PLACES} places")),
                    ));
                }
                Ok(Number)
            }
            Func::If => {
                expect(0, is(&t(0), &Bool), "a condition (bool)")?;
                let (a, b) = (t(1), t(2));
                unify(&a, &b).ok_or_else(|| {
                    let span = call.args.get(2).map(|n| n.span.clone()).unwrap_or_default();
                    type_error(
                        span,
                        format!(
                            "both results of `if` must have the same type: the first is {a}, this one is {b}"
                        ),
                        None,
                    )
                })
            }
            Func::IsMultiple => {
                expect(
                    0,
                    matches!(t(0), Money | Number | Any),
                    "an amount or a number",
                )?;
                expect(1, is(&t(1), &Number), "a number")?;
                Ok(Bool)
            }
            Func::SameSecret => {
                expect(0, matches!(t(0), Type::Secret | Any), "a secret")?;
                expect(1, matches!(t(1), Type::Secret | Any), "a secret")?;
                Ok(Bool)
            }
        }
    }

    /// A written-out argument that must be a whole number at least `min`.
    fn whole_number_literal(&self, call: &Call, i: usize, min: i64) -> Result<(), ExprError> {
        if let Some(arg) = call.args.get(i)
            && let Some(n) = literal_number(arg)
            && (n.fract() != Decimal::ZERO || n < Decimal::from(min))
        {
            return Err(type_error(
                arg.span.clone(),
                format!(
                    "`{}` needs a whole number of at least {min} here, found {n}",
                    call.func.name()
                ),
                None,
            ));
        }
        Ok(())
    }
}
