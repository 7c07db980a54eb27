//! Stage 1, right-hand sides: hyperparameters, closures, module expressions
//! and their arguments. Mistakes that rustc's grammar accepts but the DSL
//! does not get messages that say what the form needs.

use syn::ext::IdentExt;
use syn::parse::discouraged::Speculative;
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{Expr, Ident, Pat, Token, Type, braced, bracketed, parenthesized};

use crate::ast::{
    Arg, Binding, ChoiceKind, Closure, ClosureParam, Combinator, DomainLit, Factory, FactoryBody, ModuleExpr,
};
use crate::parse::{error_note, parse_body, peek_keyword};

/// Where a module expression stands, for messages.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    /// `let name = ..;`
    Let,
    /// `|| ..`: a factory's body.
    Factory,
}

/// The right-hand side of a `let`.
pub fn parse_binding(input: ParseStream<'_>) -> syn::Result<Binding> {
    let domain_keyword = ["choice", "shared", "global"].iter().any(|k| peek_keyword(input, k));
    if domain_keyword && input.peek2(syn::token::Paren) {
        let domain = parse_domain(input)?;
        no_method_on_domain(input, &domain)?;
        return Ok(Binding::Choice(domain));
    }
    if (peek_keyword(input, "dependent") || peek_keyword(input, "constraint")) && input.peek2(syn::token::Paren) {
        let keyword: Ident = input.parse()?;
        let content;
        parenthesized!(content in input);
        let closure = parse_closure(&content, keyword.clone(), None)?;
        return Ok(if keyword == "constraint" { Binding::Constraint(closure) } else { Binding::Dependent(closure) });
    }
    if input.peek(Ident) && input.peek2(Token![.]) {
        let receiver: Ident = input.parse()?;
        input.parse::<Token![.]>()?;
        let keyword = input.call(Ident::parse_any)?;
        if keyword != "map" {
            return Err(error_note(
                keyword.span(),
                format!("expected `.map(|value| ..)` after `{receiver}.`"),
                "a `let` binds a module or a hyperparameter; `name.map(|v| ..)` is a dependent hyperparameter, and ports are wired with `connect!`",
            ));
        }
        let content;
        parenthesized!(content in input);
        return Ok(Binding::Dependent(parse_closure(&content, keyword, Some(receiver))?));
    }
    Ok(Binding::Module(parse_module_at(input, Place::Let)?))
}

/// `choice([..])`, `shared([..])` or `global([..])`.
fn parse_domain(input: ParseStream<'_>) -> syn::Result<DomainLit> {
    let keyword: Ident = input.parse()?;
    let kind = match keyword.to_string().as_str() {
        "shared" => ChoiceKind::Shared,
        "global" => ChoiceKind::Global,
        _ => ChoiceKind::Choice,
    };
    let outer;
    parenthesized!(outer in input);
    if !outer.peek(syn::token::Bracket) {
        return Err(error_note(
            outer.span(),
            format!("expected a list of values: `{keyword}([a, b, ..])`"),
            "the values go in square brackets, one list per domain",
        ));
    }
    let inner;
    let bracket = bracketed!(inner in outer);
    let values = inner.parse_terminated(Expr::parse, Token![,])?;
    if !outer.is_empty() {
        return Err(outer.error("expected a single list of values: `choice([a, b, ..])`"));
    }
    Ok(DomainLit { keyword, kind, bracket: bracket.span.join(), values: values.into_iter().collect() })
}

/// `choice([..]).map(..)`: a dependent needs a named hyperparameter.
fn no_method_on_domain(input: ParseStream<'_>, domain: &DomainLit) -> syn::Result<()> {
    if !input.peek(Token![.]) {
        return Ok(());
    }
    let keyword = &domain.keyword;
    Err(error_note(
        input.span(),
        format!("`.map` needs a named hyperparameter, not a `{keyword}(..)`"),
        &format!("bind it first: `let n = {keyword}([..]); let m = n.map(|n| ..);`"),
    ))
}

fn parse_closure(input: ParseStream<'_>, keyword: Ident, receiver: Option<Ident>) -> syn::Result<Closure> {
    let closure: syn::ExprClosure = input.parse()?;
    if !input.is_empty() {
        return Err(input.error("expected one closure"));
    }
    let mut params = Vec::with_capacity(closure.inputs.len());
    for pat in &closure.inputs {
        let (pat, ty) = match pat {
            Pat::Type(typed) => (&*typed.pat, Some((*typed.ty).clone())),
            other => (other, None),
        };
        let Pat::Ident(ident) = pat else {
            return Err(syn::Error::new(pat.span(), "expected a hyperparameter name"));
        };
        params.push(ClosureParam { name: ident.ident.clone(), ty });
    }
    Ok(Closure { keyword, receiver, params, body: *closure.body })
}

/// A module expression: combinator, `identity()`, or a call.
fn parse_module_at(input: ParseStream<'_>, place: Place) -> syn::Result<ModuleExpr> {
    if input.peek(Ident) && input.peek2(syn::token::Paren) {
        let fork = input.fork();
        let keyword: Ident = fork.parse()?;
        let name = keyword.to_string();
        if name == "identity" {
            input.parse::<Ident>()?;
            let content;
            parenthesized!(content in input);
            if !content.is_empty() {
                return Err(content.error("`identity()` takes no arguments"));
            }
            return Ok(ModuleExpr::Identity(keyword));
        }
        if let Some(kind) = Combinator::from_name(&name) {
            input.parse::<Ident>()?;
            let args = parse_args(input)?;
            return Ok(ModuleExpr::Combinator { keyword, kind, args });
        }
        if let Some(form) = crate::parse_forms::parse_form(input, &keyword)? {
            return Ok(form);
        }
    }
    let Ok(callee) = input.parse::<syn::ExprPath>() else {
        return Err(not_a_module(input.span(), None, place));
    };
    if callee.qself.is_some() {
        return Err(syn::Error::new(callee.span(), "expected an op constructor or a search space function"));
    }
    if input.peek(Token![!]) {
        return Err(macro_call(&callee.path));
    }
    if !input.peek(syn::token::Paren) {
        let text = quote::ToTokens::to_token_stream(&callee.path).to_string().replace(' ', "");
        return Err(not_a_module(callee.span(), Some(&text), place));
    }
    let args = parse_args(input)?;
    Ok(ModuleExpr::Call { callee: callee.path, args })
}

/// `name!(..)` where a module is expected.
fn macro_call(path: &syn::Path) -> syn::Error {
    let name = path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
    if name == "search_space" || name == "space" {
        return error_note(
            path.span(),
            format!("`{name}!` cannot be nested: a space inside a space is a factory or a sub-space"),
            "write `|| { ..; expose!(..) }` where a combinator takes a factory, or move the inner space into a `#[search_space]` function and call it",
        );
    }
    error_note(
        path.span(),
        format!("`{name}!(..)` is a macro call, not a module"),
        "a module is built by an op constructor, a `#[search_space]` function or a combinator: `op(..)`",
    )
}

/// A name, literal or other expression where a module is expected.
fn not_a_module(span: proc_macro2::Span, name: Option<&str>, place: Place) -> syn::Error {
    match (place, name) {
        (Place::Let, Some(name)) => error_note(
            span,
            format!("expected a module or a hyperparameter after `=`, found `{name}` alone"),
            &format!(
                "call it to build a module, `{name}(..)`; a `let` cannot rename, so use `{name}` itself where it is needed"
            ),
        ),
        (Place::Let, None) => error_note(
            span,
            "expected a module or a hyperparameter after `=`",
            "a module is `op(..)`, a sub-space `f(..)` or a combinator; a hyperparameter is `choice([..])`, also for a constant: `choice([5])`",
        ),
        (Place::Factory, Some(name)) => error_note(
            span,
            format!("a factory builds a new module on each call; `{name}` alone is not one"),
            "call an op constructor or a sub-space, `|| relu()`, or write a block, `|| { ..; expose!(..) }`",
        ),
        (Place::Factory, None) => error_note(
            span,
            "expected a module: a factory's body builds one on each call",
            "call an op constructor or a sub-space, `|| relu()`, or write a block, `|| { ..; expose!(..) }`",
        ),
    }
}

pub fn parse_args(input: ParseStream<'_>) -> syn::Result<Vec<Arg>> {
    let content;
    parenthesized!(content in input);
    let mut args = Vec::new();
    while !content.is_empty() {
        args.push(parse_arg(&content)?);
        if content.is_empty() {
            break;
        }
        content.parse::<Token![,]>()?;
    }
    Ok(args)
}

pub fn parse_arg(input: ParseStream<'_>) -> syn::Result<Arg> {
    if input.peek(Token![||]) {
        let bar = input.parse::<Token![||]>()?.span();
        return Ok(Arg::Factory(Factory { bar, param: None, more: Vec::new(), body: parse_factory_body(input)? }));
    }
    if input.peek(Token![|]) {
        let bar = input.parse::<Token![|]>()?.span;
        let mut params = Vec::new();
        loop {
            params.push(input.call(Ident::parse_any)?);
            if input.peek(Token![:]) {
                input.parse::<Token![:]>()?;
                input.parse::<Type>()?;
            }
            if !input.peek(Token![,]) {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        input.parse::<Token![|]>()?;
        let mut params = params.into_iter();
        let param = params.next();
        let more = params.collect();
        return Ok(Arg::Factory(Factory { bar, param, more, body: parse_factory_body(input)? }));
    }
    if peek_keyword(input, "choice") && input.peek2(syn::token::Paren) {
        let domain = parse_domain(input)?;
        no_method_on_domain(input, &domain)?;
        return Ok(Arg::Choice(domain));
    }
    Ok(Arg::Expr(input.parse()?))
}

/// A factory's body: one module expression, a block holding only one (as
/// `rustfmt` writes a long closure: `|| { stack(n, || cell()) }`), or a
/// block of statements ending with `expose!(..)`.
pub fn parse_factory_body(input: ParseStream<'_>) -> syn::Result<FactoryBody> {
    if input.peek(syn::token::Brace) {
        let content;
        braced!(content in input);
        let fork = content.fork();
        if let Ok(module) = parse_module_at(&fork, Place::Factory)
            && fork.is_empty()
        {
            content.advance_to(&fork);
            return Ok(FactoryBody::Module(Box::new(module)));
        }
        return Ok(FactoryBody::Block(parse_body(&content)?));
    }
    Ok(FactoryBody::Module(Box::new(parse_module_at(input, Place::Factory)?)))
}
