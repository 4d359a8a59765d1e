//! From source text to syntax tree: a cheap pre-scan for unclosed texts and brackets and
//! for nesting depth, the pest grammar, then PrattParser folding operators by precedence.
//! Every failure becomes an [`ExprError`] written for the product staff who edit flows.

use std::ops::Range;
use std::str::FromStr;
use std::sync::LazyLock;

use pest::Parser;
use pest::error::InputLocation;
use pest::iterators::Pair;
use pest::pratt_parser::{Assoc, Op, PrattParser};
use pest_derive::Parser;
use regex_lite::Regex;
use rust_decimal::Decimal;

use super::ast::{BinaryOp, Call, FUNCTIONS, Field, Func, Kind, Name, Node, UnaryOp, closest};
use super::{ExprError, ExprErrorKind};
use crate::value::{Currency, Money};

/// Deepest nesting of brackets and operators an expression may have. Checking and
/// evaluation recurse over the tree, so the bound keeps untrusted flow files from
/// overflowing the stack; real guards are nowhere near it.
pub const MAX_DEPTH: usize = 64;

#[derive(Parser)]
#[grammar = "expr/grammar.pest"]
struct ExprParser;

/// Loosest first; every `.op` call binds tighter than the one before. `not` binds looser
/// than comparisons so that `not a == b` reads as `not (a == b)`.
static PRATT: LazyLock<PrattParser<Rule>> = LazyLock::new(|| {
    PrattParser::new()
        .op(Op::infix(Rule::or, Assoc::Left))
        .op(Op::infix(Rule::and, Assoc::Left))
        .op(Op::prefix(Rule::not))
        .op(Op::infix(Rule::eq, Assoc::Left) | Op::infix(Rule::ne, Assoc::Left))
        .op(Op::infix(Rule::lt, Assoc::Left)
            | Op::infix(Rule::le, Assoc::Left)
            | Op::infix(Rule::gt, Assoc::Left)
            | Op::infix(Rule::ge, Assoc::Left))
        .op(Op::infix(Rule::add, Assoc::Left) | Op::infix(Rule::sub, Assoc::Left))
        .op(Op::infix(Rule::mul, Assoc::Left)
            | Op::infix(Rule::div, Assoc::Left)
            | Op::infix(Rule::rem, Assoc::Left))
        .op(Op::prefix(Rule::neg))
        .op(Op::postfix(Rule::member) | Op::postfix(Rule::index))
});

pub(crate) fn parse(source: &str) -> Result<Node, ExprError> {
    if source.trim().is_empty() {
        return Err(syntax(
            source.len()..source.len(),
            "the expression is empty",
            Some("write a value or a condition, e.g. `amount > 0`".into()),
        ));
    }
    prescan(source)?;
    let mut pairs =
        ExprParser::parse(Rule::expression, source).map_err(|e| from_pest(source, &e))?;
    let expr = pairs
        .next()
        .and_then(|expression| expression.into_inner().next())
        .ok_or_else(|| internal(source))?;
    build_expr(expr).map(|sub| sub.node)
}

fn syntax(span: Range<usize>, message: impl Into<String>, hint: Option<String>) -> ExprError {
    ExprError {
        kind: ExprErrorKind::Syntax,
        span,
        message: message.into(),
        hint,
    }
}

fn internal(source: &str) -> ExprError {
    malformed(0..source.len())
}

/// The grammar guarantees the shapes the builder relies on; this stands in for the
/// `unwrap` that would otherwise be there.
fn malformed(span: Range<usize>) -> ExprError {
    syntax(
        span,
        "this part of the expression could not be read (internal parser error)",
        None,
    )
}

fn too_deep(span: Range<usize>) -> ExprError {
    syntax(
        span,
        format!("the expression is nested too deeply (more than {MAX_DEPTH} levels)"),
        Some("split it into smaller steps, e.g. compute parts into variables first".into()),
    )
}

// ---------------------------------------------------------------------------------------
// Pre-scan

/// Finds unclosed texts, unbalanced brackets and excessive nesting before pest runs: pest
/// would report them far from their cause, and deep nesting would recurse in the parser.
fn prescan(source: &str) -> Result<(), ExprError> {
    let mut open: Vec<(char, usize)> = Vec::new();
    let mut chars = source.char_indices();
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
                    return Err(syntax(
                        i..i + 1,
                        format!("this text is never closed: add a closing {c}"),
                        Some(r#"a quote inside a text is written \' or \""#.into()),
                    ));
                }
            }
            '(' | '[' | '{' => {
                open.push((c, i));
                if open.len() > MAX_DEPTH {
                    return Err(too_deep(i..i + 1));
                }
            }
            ')' | ']' | '}' => {
                let expected = match c {
                    ')' => '(',
                    ']' => '[',
                    _ => '{',
                };
                match open.pop() {
                    None => {
                        return Err(syntax(
                            i..i + 1,
                            format!("this `{c}` has no matching `{expected}`"),
                            Some(format!("remove it or add a `{expected}` before it")),
                        ));
                    }
                    Some((opener, at)) if opener != expected => {
                        return Err(syntax(
                            i..i + 1,
                            format!("this `{c}` does not match the `{opener}` opened before it"),
                            Some(format!(
                                "close the `{opener}` at byte {at} with `{}` first",
                                closer(opener)
                            )),
                        ));
                    }
                    Some(_) => {}
                }
            }
            _ => {}
        }
    }
    if let Some((opener, at)) = open.pop() {
        return Err(syntax(
            at..at + 1,
            format!("this `{opener}` is never closed"),
            Some(format!("add a `{}`", closer(opener))),
        ));
    }
    Ok(())
}

fn closer(opener: char) -> char {
    match opener {
        '(' => ')',
        '[' => ']',
        _ => '}',
    }
}

// ---------------------------------------------------------------------------------------
// Pest errors

/// What pest tried at the failing position, turned into words.
fn from_pest(source: &str, error: &pest::error::Error<Rule>) -> ExprError {
    let pos = match error.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((p, _)) => p,
    }
    .min(source.len());
    let positives: &[Rule] = match &error.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => positives,
        pest::error::ErrorVariant::CustomError { .. } => &[],
    };

    let mut value = false;
    let mut operator = false;
    let mut end = false;
    let mut name = false;
    let mut punctuation: Vec<&str> = Vec::new();
    for rule in positives {
        match rule {
            Rule::expr
            | Rule::neg
            | Rule::not
            | Rule::money
            | Rule::number
            | Rule::string
            | Rule::boolean
            | Rule::call
            | Rule::list
            | Rule::record
            | Rule::paren
            | Rule::ident => value = true,
            Rule::add
            | Rule::sub
            | Rule::mul
            | Rule::div
            | Rule::rem
            | Rule::eq
            | Rule::ne
            | Rule::le
            | Rule::ge
            | Rule::lt
            | Rule::gt
            | Rule::and
            | Rule::or
            | Rule::member
            | Rule::index => operator = true,
            Rule::EOI => end = true,
            Rule::name | Rule::field => name = true,
            Rule::comma => punctuation.push("`,`"),
            Rule::colon => punctuation.push("`:`"),
            Rule::close_paren => punctuation.push("`)`"),
            Rule::close_bracket => punctuation.push("`]`"),
            Rule::close_brace => punctuation.push("`}`"),
            _ => {}
        }
    }
    punctuation.dedup();

    let mut expected: Vec<String> = Vec::new();
    if value {
        expected.push("a value".into());
    }
    // A failed `name` at a value's position comes from trying a function call; "a value"
    // already covers it.
    if name && !value {
        expected.push("a field name".into());
    }
    if operator {
        expected.push("an operator".into());
    }
    expected.extend(punctuation.iter().map(|p| p.to_string()));
    if end {
        expected.push("the end of the expression".into());
    }

    let (span, found) = offending_token(source, pos);
    let message = match (expected.is_empty(), &found) {
        (true, Some(token)) => format!("unexpected `{}`", shorten(token)),
        (true, None) => "the expression ends too early".to_string(),
        (false, Some(token)) => format!(
            "expected {}, found `{}`",
            join_or(&expected),
            shorten(token)
        ),
        (false, None) => format!(
            "expected {}, but the expression ends here",
            join_or(&expected)
        ),
    };
    let hint = hint_for(source, pos, found.as_deref(), value, operator);
    syntax(span, message, hint)
}

/// The token at `pos`: a whole word or number, or a single character.
fn offending_token(source: &str, pos: usize) -> (Range<usize>, Option<String>) {
    let rest = source.get(pos..).unwrap_or("");
    let Some(first) = rest.chars().next() else {
        return (source.len()..source.len(), None);
    };
    let len = if first.is_ascii_alphanumeric() || first == '_' {
        rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len())
    } else {
        first.len_utf8()
    };
    (pos..pos + len, Some(rest[..len].to_string()))
}

/// A word as quoted in a message: long ones are cut, the span still covers them.
fn shorten(word: &str) -> String {
    const MAX: usize = 40;
    if word.chars().count() <= MAX {
        word.to_string()
    } else {
        word.chars().take(MAX - 1).chain(['…']).collect()
    }
}

fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// A hint for mistakes people coming from other languages or spreadsheets make.
fn hint_for(
    source: &str,
    pos: usize,
    found: Option<&str>,
    value: bool,
    operator: bool,
) -> Option<String> {
    let rest = source.get(pos..).unwrap_or("");
    let before = source.get(..pos).unwrap_or("");
    let after_number = before.trim_end().ends_with(|c: char| c.is_ascii_digit());
    let found = found?;
    if rest.starts_with('=') && !rest.starts_with("==") {
        return Some("to compare two values write `==`".into());
    }
    if rest.starts_with('&') {
        return Some("write `and` to require both conditions".into());
    }
    if rest.starts_with('|') {
        return Some("write `or` to accept either condition".into());
    }
    if rest.starts_with('!') {
        return Some("write `not` to negate a condition, `!=` for \"not equal\"".into());
    }
    if matches!(found, "AND" | "OR" | "NOT") {
        return Some(format!(
            "operators are written in small letters: `{}`",
            found.to_lowercase()
        ));
    }
    if operator
        && after_number
        && found.len() == 3
        && found.bytes().all(|b| b.is_ascii_alphabetic())
    {
        let code = found.to_uppercase();
        return Some(if before.ends_with(|c: char| c.is_ascii_digit()) {
            format!("put a space between the amount and the currency, as in `500 {code}`")
        } else {
            format!("currency codes are three capital letters, as in `500 {code}`")
        });
    }
    if operator && !value {
        let starts_value = found.chars().next().is_some_and(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '_' | '\'' | '"' | '(' | '{')
        });
        if starts_value {
            return Some("two values follow each other: is an operator or a comma missing?".into());
        }
    }
    if found == "?" {
        return Some("there is no `? :`; write if(condition, then, else)".into());
    }
    if value && found == "." {
        return Some("write decimals with a leading digit, e.g. `0.5`".into());
    }
    None
}

// ---------------------------------------------------------------------------------------
// Tree building

fn span_of(pair: &Pair<'_, Rule>) -> Range<usize> {
    let span = pair.as_span();
    span.start()..span.end()
}

/// A sub-tree being built: its node, the depth of the tree below it, and the bytes it
/// was written in. For a parenthesised expression the extent includes the brackets but
/// the node's span does not, so that errors point at the expression itself while an
/// enclosing node's span still covers the brackets.
struct Sub {
    node: Node,
    depth: usize,
    extent: Range<usize>,
}

type Built = Result<Sub, ExprError>;

impl Sub {
    fn new(kind: Kind, span: Range<usize>, depth: usize) -> Built {
        if depth > MAX_DEPTH {
            return Err(too_deep(span));
        }
        Ok(Sub {
            node: Node {
                kind,
                span: span.clone(),
            },
            depth,
            extent: span,
        })
    }
}

fn build_expr(pair: Pair<'_, Rule>) -> Built {
    // The Pratt parser recurses once per prefix operator, so a long run of them is
    // refused before it starts.
    let mut run = 0;
    for p in pair.clone().into_inner() {
        if matches!(p.as_rule(), Rule::neg | Rule::not) {
            run += 1;
            if run > MAX_DEPTH {
                return Err(too_deep(span_of(&p)));
            }
        } else {
            run = 0;
        }
    }

    PRATT
        .map_primary(build_primary)
        .map_prefix(|op, rhs| {
            let rhs = rhs?;
            let unary = if op.as_rule() == Rule::neg {
                UnaryOp::Neg
            } else {
                UnaryOp::Not
            };
            Sub::new(
                Kind::Unary(unary, Box::new(rhs.node)),
                op.as_span().start()..rhs.extent.end,
                rhs.depth + 1,
            )
        })
        .map_postfix(|lhs, op| {
            let lhs = lhs?;
            let span = lhs.extent.start..op.as_span().end();
            if op.as_rule() == Rule::member {
                let name = op
                    .into_inner()
                    .next()
                    .ok_or_else(|| malformed(span.clone()))?;
                let name = Name {
                    text: name.as_str().to_string(),
                    span: span_of(&name),
                };
                Sub::new(Kind::Member(Box::new(lhs.node), name), span, lhs.depth + 1)
            } else {
                let inner = op
                    .into_inner()
                    .find(|p| p.as_rule() == Rule::expr)
                    .ok_or_else(|| malformed(span.clone()))?;
                let index = build_expr(inner)?;
                Sub::new(
                    Kind::Index(Box::new(lhs.node), Box::new(index.node)),
                    span,
                    lhs.depth.max(index.depth) + 1,
                )
            }
        })
        .map_infix(|lhs, op, rhs| {
            let (lhs, rhs) = (lhs?, rhs?);
            let op = match op.as_rule() {
                Rule::add => BinaryOp::Add,
                Rule::sub => BinaryOp::Sub,
                Rule::mul => BinaryOp::Mul,
                Rule::div => BinaryOp::Div,
                Rule::rem => BinaryOp::Rem,
                Rule::eq => BinaryOp::Eq,
                Rule::ne => BinaryOp::Ne,
                Rule::lt => BinaryOp::Lt,
                Rule::le => BinaryOp::Le,
                Rule::gt => BinaryOp::Gt,
                Rule::ge => BinaryOp::Ge,
                Rule::and => BinaryOp::And,
                _ => BinaryOp::Or,
            };
            Sub::new(
                Kind::Binary(op, Box::new(lhs.node), Box::new(rhs.node)),
                lhs.extent.start..rhs.extent.end,
                lhs.depth.max(rhs.depth) + 1,
            )
        })
        .parse(pair.into_inner())
}

/// Builds every `expr` child of a call or list, skipping punctuation; also returns the
/// deepest child's depth.
fn build_children(pair: Pair<'_, Rule>) -> Result<(Vec<Node>, usize), ExprError> {
    let mut nodes = Vec::new();
    let mut depth = 0;
    for p in pair.into_inner().filter(|p| p.as_rule() == Rule::expr) {
        let sub = build_expr(p)?;
        depth = depth.max(sub.depth);
        nodes.push(sub.node);
    }
    Ok((nodes, depth))
}

fn build_primary(pair: Pair<'_, Rule>) -> Built {
    let span = span_of(&pair);
    match pair.as_rule() {
        Rule::number => Sub::new(Kind::Number(decimal(&pair)?), span, 1),
        Rule::money => {
            let mut inner = pair.into_inner();
            let (Some(amount), Some(code)) = (inner.next(), inner.next()) else {
                return Err(malformed(span));
            };
            let money = Money::new(decimal(&amount)?, Currency(code.as_str().to_string()));
            Sub::new(Kind::Money(money), span, 1)
        }
        Rule::string => {
            let inner = pair
                .into_inner()
                .next()
                .ok_or_else(|| malformed(span.clone()))?;
            let text = unescape(inner.as_str(), inner.as_span().start())?;
            Sub::new(Kind::Text(text), span, 1)
        }
        Rule::boolean => Sub::new(Kind::Bool(pair.as_str() == "true"), span, 1),
        Rule::ident => Sub::new(Kind::Var(pair.as_str().to_string()), span, 1),
        Rule::paren => {
            let inner = pair
                .into_inner()
                .find(|p| p.as_rule() == Rule::expr)
                .ok_or_else(|| malformed(span.clone()))?;
            let mut sub = build_expr(inner)?;
            sub.extent = span;
            Ok(sub)
        }
        Rule::list => {
            let (items, depth) = build_children(pair)?;
            Sub::new(Kind::List(items), span, depth + 1)
        }
        Rule::record => build_record(pair),
        Rule::call => build_call(pair),
        _ => Err(malformed(span)),
    }
}

fn build_record(pair: Pair<'_, Rule>) -> Built {
    let span = span_of(&pair);
    let mut fields: Vec<Field> = Vec::new();
    let mut depth = 0;
    for field in pair.into_inner().filter(|p| p.as_rule() == Rule::field) {
        let mut name = None;
        let mut value = None;
        for p in field.into_inner() {
            match p.as_rule() {
                Rule::name => name = Some(p),
                Rule::expr => value = Some(p),
                _ => {}
            }
        }
        let (Some(name), Some(value)) = (name, value) else {
            return Err(malformed(span));
        };
        let name = Name {
            text: name.as_str().to_string(),
            span: span_of(&name),
        };
        if fields.iter().any(|f| f.name.text == name.text) {
            return Err(syntax(
                name.span,
                format!("the field `{}` appears twice in this record", name.text),
                Some("remove one of them".into()),
            ));
        }
        let value = build_expr(value)?;
        depth = depth.max(value.depth);
        fields.push(Field {
            name,
            value: value.node,
        });
    }
    Sub::new(Kind::Record(fields), span, depth + 1)
}

fn build_call(pair: Pair<'_, Rule>) -> Built {
    let span = span_of(&pair);
    let name = pair
        .clone()
        .into_inner()
        .next()
        .ok_or_else(|| malformed(span.clone()))?;
    let Some(func) = Func::from_name(name.as_str()) else {
        return Err(unknown_function(name.as_str(), span_of(&name)));
    };
    let (args, depth) = build_children(pair)?;
    // A written-out pattern is compiled once, here; `check` reports it if invalid.
    let pattern = match (func, args.get(1)) {
        (
            Func::Matches,
            Some(Node {
                kind: Kind::Text(pattern),
                ..
            }),
        ) => Some(compile_pattern(pattern)),
        _ => None,
    };
    let call = Call {
        func,
        args,
        pattern,
    };
    Sub::new(Kind::Call(Box::new(call)), span, depth + 1)
}

fn unknown_function(name: &str, span: Range<usize>) -> ExprError {
    let close = closest(name, FUNCTIONS.iter().map(|f| f.name));
    let all = FUNCTIONS
        .iter()
        .map(|f| f.name)
        .collect::<Vec<_>>()
        .join(", ");
    let hint = match close.as_slice() {
        [] => format!("the functions are: {all}"),
        names => format!(
            "did you mean {}? The functions are: {all}",
            names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(" or ")
        ),
    };
    syntax(
        span,
        format!("there is no function `{}`", shorten(name)),
        Some(hint),
    )
}

/// A full-match regex. regex-lite matches in linear time, so a flow cannot stall the
/// terminal with a pathological pattern; the limits bound compile time and memory.
pub(crate) fn compile_pattern(pattern: &str) -> Result<Regex, String> {
    let build = |text: &str| {
        regex_lite::RegexBuilder::new(text)
            .size_limit(1 << 20)
            .nest_limit(MAX_DEPTH as u32)
            .build()
            .map_err(|e| e.to_string())
    };
    // Compiled alone first, so that a pattern such as `a)|(b` cannot close the anchoring
    // group and turn the full match into a partial one.
    build(pattern)?;
    build(&format!("^(?:{pattern})$"))
}

fn decimal(pair: &Pair<'_, Rule>) -> Result<Decimal, ExprError> {
    Decimal::from_str(pair.as_str()).map_err(|_| {
        syntax(
            span_of(pair),
            format!("the number `{}` is too large or too precise", pair.as_str()),
            Some("numbers have at most 28 significant digits".into()),
        )
    })
}

/// Decodes `\\`, `\'`, `\"`, `\n` and `\t`; `offset` is where `raw` starts in the source,
/// so an unknown escape can be pointed at.
fn unescape(raw: &str, offset: usize) -> Result<String, ExprError> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.char_indices();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some((_, escaped)) = chars.next() else {
            out.push('\\');
            break;
        };
        match escaped {
            '\\' | '\'' | '"' => out.push(escaped),
            'n' => out.push('\n'),
            't' => out.push('\t'),
            other => {
                let start = offset + i;
                return Err(syntax(
                    start..start + 1 + other.len_utf8(),
                    format!("unknown escape `\\{other}` in a text"),
                    Some(
                        r#"the escapes are \\ (backslash), \', \", \n (new line) and \t (tab)"#
                            .into(),
                    ),
                ));
            }
        }
    }
    Ok(out)
}
