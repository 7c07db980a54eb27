//! Literal domains: their values as the macro reads them, and the checks
//! that need nothing but the text: a domain is not empty, holds one type,
//! lists each value once, and holds only values its consumer accepts.
//!
//! [`check_consumer`] is the one entry point for consumers: a combinator
//! argument (or any future DSL form) says what it accepts ([`Accepts`]) and
//! its role, and the values it is given, whether written in place or bound
//! by a `let`, are checked on their own tokens.

use syn::spanned::Spanned;
use syn::{Expr, Ident};

use crate::ast::DomainLit;
use crate::ctxt::Ctxt;
use crate::scope::ValueType;

/// A literal value of a domain.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    Int(i128),
    Float(f64),
    Bool(bool),
    Str(String),
}

impl Literal {
    /// The value of `expr` when it is a literal (possibly negated).
    pub fn of(expr: &Expr) -> Option<Literal> {
        match expr {
            Expr::Lit(lit) => match &lit.lit {
                syn::Lit::Int(i) => i.base10_parse().ok().map(Literal::Int),
                syn::Lit::Float(f) => f.base10_parse().ok().map(Literal::Float),
                syn::Lit::Bool(b) => Some(Literal::Bool(b.value)),
                syn::Lit::Str(s) => Some(Literal::Str(s.value())),
                _ => None,
            },
            Expr::Unary(unary) if matches!(unary.op, syn::UnOp::Neg(_)) => match Literal::of(&unary.expr)? {
                Literal::Int(i) => Some(Literal::Int(-i)),
                Literal::Float(f) => Some(Literal::Float(-f)),
                _ => None,
            },
            Expr::Group(group) => Literal::of(&group.expr),
            Expr::Paren(paren) => Literal::of(&paren.expr),
            _ => None,
        }
    }

    /// The type of this value.
    pub fn value_type(&self) -> ValueType {
        match self {
            Literal::Int(_) => ValueType::Int,
            Literal::Float(_) => ValueType::Float,
            Literal::Bool(_) => ValueType::Bool,
            Literal::Str(_) => ValueType::Str,
        }
    }
}

/// The type of `expr`'s value when the text shows it.
pub fn literal_type(expr: &Expr) -> Option<ValueType> {
    Literal::of(expr).map(|l| l.value_type())
}

/// The value type of a literal domain: that of its first literal.
pub fn domain_type(domain: &DomainLit) -> Option<ValueType> {
    domain.values.iter().find_map(literal_type)
}

/// What a consumer of a hyperparameter accepts.
#[derive(Clone, Debug, PartialEq)]
pub enum Accepts {
    /// Integers of at least the given one (a count: at least 1).
    IntegersFrom(i128),
    /// `true` and `false` (a flag).
    Booleans,
    /// Indices `0 .. n` (one of `n` alternatives, inputs, ..).
    IndicesBelow(usize),
    /// One of these strings (the names of `or_named`'s alternatives).
    Names(Vec<String>),
}

impl Accepts {
    fn admits(&self, value: &Literal) -> bool {
        match (self, value) {
            (Accepts::IntegersFrom(min), Literal::Int(i)) => i >= min,
            (Accepts::Booleans, Literal::Bool(_)) => true,
            (Accepts::IndicesBelow(n), Literal::Int(i)) => *i >= 0 && *i < *n as i128,
            (Accepts::Names(names), Literal::Str(s)) => names.contains(s),
            _ => false,
        }
    }

    /// What is expected, for messages: "an integer of at least 1".
    fn expected(&self) -> String {
        match self {
            Accepts::IntegersFrom(min) => format!("an integer of at least {min}"),
            Accepts::Booleans => "`true` or `false`".to_owned(),
            Accepts::IndicesBelow(0) => "an index, but there is nothing to index".to_owned(),
            Accepts::IndicesBelow(n) => format!("an index from 0 to {}", n - 1),
            Accepts::Names(names) => {
                let names: Vec<String> = names.iter().map(|n| format!("`\"{n}\"`")).collect();
                format!("one of the names {}", names.join(", "))
            }
        }
    }
}

/// Who reads a hyperparameter, and what it accepts.
pub struct Consumer<'a> {
    /// What the value is to it: "the count of `repeat`".
    pub role: &'a str,
    pub accepts: &'a Accepts,
    /// How to fix a value it does not accept.
    pub fix: &'a str,
}

/// Checks a literal domain as written (`choice`/`shared`): not empty, one
/// type, each value once. Returns its value type when the text shows one.
pub fn check_domain(cx: &mut Ctxt, domain: &DomainLit) -> Option<ValueType> {
    if domain.values.is_empty() {
        cx.error_note(
            domain.bracket,
            format!("empty domain: `{}` needs at least one value", domain.keyword),
            "list the values to choose from: `choice([a, b, ..])`; a constant is `choice([a])`",
        );
        return None;
    }
    let mut first: Option<ValueType> = None;
    let mut seen: Vec<Literal> = Vec::with_capacity(domain.values.len());
    for value in &domain.values {
        let Some(literal) = Literal::of(value) else { continue };
        let ty = literal.value_type();
        match first {
            None => first = Some(ty),
            Some(expected) if expected != ty => {
                cx.error_note(
                    value.span(),
                    format!(
                        "mixed value types in one domain: `{}` is not like the {} before it",
                        text_of(value),
                        expected.describe()
                    ),
                    "a hyperparameter's values share one type: write them all alike, e.g. `1.0` rather than `1` among floats",
                );
            }
            Some(_) => {}
        }
        if seen.contains(&literal) {
            cx.sound(
                value.span(),
                format!("`{}` is listed twice in this domain", text_of(value)),
                "a domain lists each value once: remove the repeated one",
            );
        } else {
            seen.push(literal);
        }
    }
    first
}

/// Checks the values that reach `consumer`: `values` written in place, or
/// the domain of the hyperparameter `through` (a `let`), each literal on
/// its own token. Values that are not literals are left to run time.
pub fn check_consumer(cx: &mut Ctxt, values: &[Expr], through: Option<&Ident>, consumer: &Consumer<'_>) {
    // A value of another type than the first is a mixed domain, reported once.
    let mut domain_type = None;
    for value in values {
        let Some(literal) = Literal::of(value) else { continue };
        let ty = *domain_type.get_or_insert(literal.value_type());
        if ty != literal.value_type() || consumer.accepts.admits(&literal) {
            continue;
        }
        let text = text_of(value);
        let message = match through {
            Some(name) => format!(
                "`{name}` can be `{text}`, which is not valid as {}: expected {}",
                consumer.role,
                consumer.accepts.expected()
            ),
            None => format!("`{text}` is not valid as {}: expected {}", consumer.role, consumer.accepts.expected()),
        };
        cx.sound(value.span(), message, consumer.fix);
    }
}

/// The source text of an expression, for messages.
fn text_of(expr: &Expr) -> String {
    quote::ToTokens::to_token_stream(expr).to_string().replace("- ", "-")
}
