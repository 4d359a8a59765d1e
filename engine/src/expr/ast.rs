//! The syntax tree the parser builds and the checker and evaluator walk, and the fixed
//! table of built-in functions.

use std::ops::Range;

use regex_lite::Regex;
use rust_decimal::Decimal;

use crate::value::Money;

#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub kind: Kind,
    /// Bytes of the whole sub-expression inside the expression source.
    pub span: Range<usize>,
}

#[derive(Clone, Debug)]
pub(crate) enum Kind {
    Number(Decimal),
    Money(Money),
    Text(String),
    Bool(bool),
    Var(String),
    List(Vec<Node>),
    Record(Vec<Field>),
    Unary(UnaryOp, Box<Node>),
    Binary(BinaryOp, Box<Node>, Box<Node>),
    Member(Box<Node>, Name),
    Index(Box<Node>, Box<Node>),
    Call(Box<Call>),
}

/// A name with its own span: a record field, a member after `.`, a function name.
#[derive(Clone, Debug)]
pub(crate) struct Name {
    pub text: String,
    pub span: Range<usize>,
}

#[derive(Clone, Debug)]
pub(crate) struct Field {
    pub name: Name,
    pub value: Node,
}

#[derive(Clone, Debug)]
pub(crate) struct Call {
    pub func: Func,
    pub args: Vec<Node>,
    /// For `matches` with a literal pattern: the pattern compiled once at parse time, or
    /// why it does not compile (reported by `check`, so the linter sees it).
    pub pattern: Option<Result<Regex, String>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum UnaryOp {
    Neg,
    Not,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Rem => "%",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::And => "and",
            BinaryOp::Or => "or",
        }
    }
}

/// The built-in functions. The set is fixed and every function is pure (`today()` reads
/// the injected clock, not the system's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Func {
    Length,
    IsEmpty,
    Matches,
    Mask,
    FormatMoney,
    Money,
    Today,
    Date,
    AddDays,
    DaysBetween,
    FormatDate,
    Contains,
    Min,
    Max,
    Sum,
    ToText,
    Upper,
    Lower,
    Round,
    If,
    IsMultiple,
    SameSecret,
}

/// Documentation of one built-in function, for the docs and the editor's completion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Function {
    pub name: &'static str,
    /// The parameters as written in messages, e.g. `text, keep_last`.
    pub params: &'static str,
    /// Full signature, e.g. `mask(text, number) -> text`.
    pub signature: &'static str,
    pub summary: &'static str,
}

const fn f(
    name: &'static str,
    params: &'static str,
    signature: &'static str,
    summary: &'static str,
) -> Function {
    Function {
        name,
        params,
        signature,
        summary,
    }
}

/// Every built-in function, in the order the docs list them. Indexed in step with
/// `FUNCS`.
pub const FUNCTIONS: &[Function] = &[
    f(
        "length",
        "value",
        "length(text | list | secret) -> number",
        "Number of characters of a text or secret, or of items of a list.",
    ),
    f(
        "is_empty",
        "value",
        "is_empty(text | list | secret) -> bool",
        "Whether a text, list or secret is empty.",
    ),
    f(
        "matches",
        "value, pattern",
        "matches(text | secret, text) -> bool",
        "Whether the whole value matches the regular expression `pattern`; for a secret the pattern must be written out, e.g. matches(pin, '[0-9]{4,6}').",
    ),
    f(
        "mask",
        "text, keep_last",
        "mask(text, number) -> text",
        "Replaces every character but the last `keep_last` with `*`.",
    ),
    f(
        "format_money",
        "amount",
        "format_money(money) -> text",
        "An amount as customers read it: `1,234.50 ALL`.",
    ),
    f(
        "money",
        "amount, currency",
        "money(number, text) -> money",
        "An amount in a currency given by its ISO code, e.g. money(500, 'ALL').",
    ),
    f(
        "today",
        "",
        "today() -> date",
        "The terminal's current date.",
    ),
    f(
        "date",
        "text",
        "date(text) -> date",
        "A date written as 'YYYY-MM-DD'.",
    ),
    f(
        "add_days",
        "date, days",
        "add_days(date, number) -> date",
        "The date a whole number of days later (earlier if negative).",
    ),
    f(
        "days_between",
        "from, to",
        "days_between(date, date) -> number",
        "Days from the first date to the second (negative if the second is earlier).",
    ),
    f(
        "format_date",
        "date",
        "format_date(date) -> text",
        "A date as `dd.mm.yyyy`.",
    ),
    f(
        "contains",
        "list, item",
        "contains(list<T>, T) -> bool",
        "Whether the list holds the item.",
    ),
    f(
        "min",
        "a, b",
        "min(number, number) -> number | min(money, money) -> money",
        "The smaller of two numbers or two amounts in the same currency.",
    ),
    f(
        "max",
        "a, b",
        "max(number, number) -> number | max(money, money) -> money",
        "The larger of two numbers or two amounts in the same currency.",
    ),
    f(
        "sum",
        "list",
        "sum(list<money>) -> money | sum(list<number>) -> number",
        "The total of a list of amounts (all in one currency; the list must not be empty) or of numbers.",
    ),
    f(
        "to_text",
        "value",
        "to_text(any but secret) -> text",
        "The value as a customer would see it on screen.",
    ),
    f(
        "upper",
        "text",
        "upper(text) -> text",
        "The text in capitals.",
    ),
    f(
        "lower",
        "text",
        "lower(text) -> text",
        "The text in small letters.",
    ),
    f(
        "round",
        "number, places",
        "round(number, number) -> number",
        "Rounds to `places` decimals (0 to 28), halves away from zero.",
    ),
    f(
        "if",
        "condition, then, else",
        "if(bool, T, T) -> T",
        "`then` when the condition is true, else `else`; only the chosen one is evaluated.",
    ),
    f(
        "is_multiple",
        "amount, step",
        "is_multiple(money | number, number) -> bool",
        "Whether the amount is a whole multiple of `step`, e.g. is_multiple(amount, 500).",
    ),
    f(
        "same_secret",
        "a, b",
        "same_secret(secret, secret) -> bool",
        "Whether two secrets are equal (a new PIN typed twice) without reading either.",
    ),
];

/// The functions in the order of [`FUNCTIONS`].
const FUNCS: &[Func] = &[
    Func::Length,
    Func::IsEmpty,
    Func::Matches,
    Func::Mask,
    Func::FormatMoney,
    Func::Money,
    Func::Today,
    Func::Date,
    Func::AddDays,
    Func::DaysBetween,
    Func::FormatDate,
    Func::Contains,
    Func::Min,
    Func::Max,
    Func::Sum,
    Func::ToText,
    Func::Upper,
    Func::Lower,
    Func::Round,
    Func::If,
    Func::IsMultiple,
    Func::SameSecret,
];

impl Func {
    pub fn from_name(name: &str) -> Option<Func> {
        FUNCTIONS
            .iter()
            .zip(FUNCS)
            .find(|(doc, _)| doc.name == name)
            .map(|(_, func)| *func)
    }

    pub fn doc(self) -> &'static Function {
        let index = FUNCS.iter().position(|f| *f == self).unwrap_or(0);
        &FUNCTIONS[index]
    }

    pub fn name(self) -> &'static str {
        self.doc().name
    }

    /// How many arguments the function takes.
    pub fn arity(self) -> usize {
        match self {
            Func::Today => 0,
            Func::Length
            | Func::IsEmpty
            | Func::FormatMoney
            | Func::Date
            | Func::FormatDate
            | Func::Sum
            | Func::ToText
            | Func::Upper
            | Func::Lower => 1,
            Func::Matches
            | Func::Mask
            | Func::Money
            | Func::AddDays
            | Func::DaysBetween
            | Func::Contains
            | Func::Min
            | Func::Max
            | Func::Round
            | Func::IsMultiple
            | Func::SameSecret => 2,
            Func::If => 3,
        }
    }
}

/// Known names closest to `word` by edit distance, best first, for "did you mean" hints.
pub(crate) fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Vec<&'a str> {
    let limit = (word.chars().count() / 3).max(1) + 1;
    let mut scored: Vec<(usize, &str)> = candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, c)| *d <= limit || c.starts_with(word) || word.starts_with(c))
        .collect();
    scored.sort();
    scored.dedup();
    scored.into_iter().take(3).map(|(_, c)| c).collect()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(previous + 1).min(row[j] + 1);
        }
    }
    row[b.len()]
}
