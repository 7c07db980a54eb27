//! Stage 1, the forms whose wiring a hyperparameter chooses and the forms
//! that take named arguments: `select`, `unused`, `dag`, `or_named`,
//! `substitution`, `sharing`, `stack`.

use syn::ext::IdentExt;
use syn::parse::ParseStream;
use syn::{Expr, Ident, Token, bracketed, parenthesized};

use crate::ast::{Arg, ClosureParam, Endpoint, Factory, FactoryBody, ModuleExpr, NamedArg};
use crate::parse::{error_note, parse_endpoints};
use crate::parse_module::{parse_arg, parse_factory_body};

/// The form `keyword(..)` starts, if it is one of these; `input` is at the keyword.
pub fn parse_form(input: ParseStream<'_>, keyword: &Ident) -> syn::Result<Option<ModuleExpr>> {
    let form = match keyword.to_string().as_str() {
        "select" => parse_select,
        "unused" => parse_unused,
        "dag" => parse_dag,
        "or_named" => parse_or_named,
        "substitution" => parse_substitution,
        "sharing" => parse_sharing,
        "stack" => parse_stack,
        _ => return Ok(None),
    };
    let keyword: Ident = input.parse()?;
    let content;
    parenthesized!(content in input);
    form(&content, keyword).map(Some)
}

/// `[a.out, b.out, ..]`: a list of outputs, and where its brackets are.
fn output_list(input: ParseStream<'_>, keyword: &Ident, what: &str) -> syn::Result<(Vec<Endpoint>, proc_macro2::Span)> {
    if !input.peek(syn::token::Bracket) {
        return Err(error_note(
            input.span(),
            format!("expected the {what} of `{keyword}` in square brackets: `[a.out, b.out]`"),
            &format!("`{keyword}` lists the outputs it reads: `[a.out, b.out, ..]`"),
        ));
    }
    let inner;
    let bracket = bracketed!(inner in input);
    let ends = if inner.is_empty() { Vec::new() } else { parse_endpoints(&inner)? };
    if !inner.is_empty() {
        return Err(inner.error("expected `,` or `]` in the list of outputs"));
    }
    Ok((ends, bracket.span.join()))
}

fn end_of_args(input: ParseStream<'_>, usage: &str) -> syn::Result<()> {
    if input.peek(Token![,]) {
        input.parse::<Token![,]>()?;
    }
    if input.is_empty() { Ok(()) } else { Err(error_note(input.span(), "unexpected argument", usage)) }
}

/// `select([a.out, ..])` or `select(idx, [a.out, ..])`.
fn parse_select(input: ParseStream<'_>, keyword: Ident) -> syn::Result<ModuleExpr> {
    let idx = if input.peek(syn::token::Bracket) {
        None
    } else {
        let idx = parse_arg(input)?;
        input.parse::<Token![,]>()?;
        Some(idx)
    };
    let (sources, bracket) = output_list(input, &keyword, "sources")?;
    end_of_args(input, "`select(idx, [a.out, b.out])` or `select([a.out, b.out])`")?;
    Ok(ModuleExpr::Select { keyword, idx, sources, bracket })
}

/// `unused(|k| combine, [a.out, ..])`.
fn parse_unused(input: ParseStream<'_>, keyword: Ident) -> syn::Result<ModuleExpr> {
    let usage = "`unused(|k| concat(k), [a.out, b.out])`";
    let Arg::Factory(combine) = parse_arg(input)? else {
        return Err(error_note(input.span(), "expected a combine factory `|k| module` first", usage));
    };
    input.parse::<Token![,]>()?;
    let (states, bracket) = output_list(input, &keyword, "states")?;
    end_of_args(input, usage)?;
    Ok(ModuleExpr::Unused { keyword, combine: Box::new(combine), states, bracket })
}

/// `name = value` arguments, after an optional leading positional one.
fn named_args(input: ParseStream<'_>, usage: &str) -> syn::Result<Vec<NamedArg>> {
    let mut args = Vec::new();
    while !input.is_empty() {
        if !(input.peek(Ident::peek_any) && input.peek2(Token![=]) && !input.peek2(Token![==])) {
            return Err(error_note(input.span(), "expected `name = value`", usage));
        }
        let name = input.call(Ident::parse_any)?;
        input.parse::<Token![=]>()?;
        let value = parse_arg(input)?;
        args.push(NamedArg { name, value });
        if input.is_empty() {
            break;
        }
        input.parse::<Token![,]>()?;
    }
    Ok(args)
}

/// `dag(nodes = 5, node = |v| .., ..)`.
fn parse_dag(input: ParseStream<'_>, keyword: Ident) -> syn::Result<ModuleExpr> {
    let options = named_args(input, "`dag(nodes = 5, node = |v| op(), combine = |k| add(k), ..)`")?;
    Ok(ModuleExpr::Dag { keyword, options })
}

/// `or_named(relu = || .., ..)` or `or_named(idx, relu = || .., ..)`.
fn parse_or_named(input: ParseStream<'_>, keyword: Ident) -> syn::Result<ModuleExpr> {
    let usage =
        "`or_named(relu = || relu(), tanh = || tanh())`, or `or_named(kind, relu = .., ..)` with a choice of names";
    let idx = if input.peek(Ident::peek_any) && input.peek2(Token![=]) && !input.peek2(Token![==]) {
        None
    } else {
        let idx = parse_arg(input)?;
        if input.is_empty() {
            return Err(error_note(input.span(), "expected the alternatives, `name = || module`", usage));
        }
        input.parse::<Token![,]>()?;
        Some(idx)
    };
    let alternatives = named_args(input, usage)?;
    Ok(ModuleExpr::OrNamed { keyword, idx, alternatives })
}

/// `substitution(|a: T, b: U| module-or-block)`.
fn parse_substitution(input: ParseStream<'_>, keyword: Ident) -> syn::Result<ModuleExpr> {
    if !input.peek(Token![|]) || input.peek(Token![||]) {
        return Err(error_note(
            input.span(),
            "expected a closure over the hyperparameters it reads: `|n: i64, wide: bool| ..`",
            "a substitution fires once the hyperparameters its parameters name have values, and builds its body from them",
        ));
    }
    input.parse::<Token![|]>()?;
    let mut params = Vec::new();
    while !input.peek(Token![|]) {
        let name = input.call(Ident::parse_any)?;
        let ty = if input.peek(Token![:]) {
            input.parse::<Token![:]>()?;
            Some(input.parse::<syn::Type>()?)
        } else {
            None
        };
        params.push(ClosureParam { name, ty });
        if !input.peek(Token![,]) {
            break;
        }
        input.parse::<Token![,]>()?;
    }
    input.parse::<Token![|]>()?;
    let body = parse_factory_body(input)?;
    end_of_args(input, "`substitution(|a, b| module)` takes one closure")?;
    Ok(ModuleExpr::Substitution { keyword, params, body: Box::new(body) })
}

/// `sharing(key, || module)`.
fn parse_sharing(input: ParseStream<'_>, keyword: Ident) -> syn::Result<ModuleExpr> {
    let usage = "`sharing(\"cell\", || cell(..))`";
    let key: Expr = input.parse()?;
    input.parse::<Token![,]>()?;
    let factory = module_factory(input, usage)?;
    end_of_args(input, usage)?;
    Ok(ModuleExpr::Sharing { keyword, key, factory: Box::new(factory) })
}

/// `stack(n, || module)`.
fn parse_stack(input: ParseStream<'_>, keyword: Ident) -> syn::Result<ModuleExpr> {
    let usage = "`stack(n, || cell(..))`";
    let count: Expr = input.parse()?;
    input.parse::<Token![,]>()?;
    let factory = module_factory(input, usage)?;
    end_of_args(input, usage)?;
    Ok(ModuleExpr::Stack { keyword, count, factory: Box::new(factory) })
}

/// `|| module` (a single module, not a block: its ports are the module's).
fn module_factory(input: ParseStream<'_>, usage: &str) -> syn::Result<Factory> {
    let at = input.span();
    match parse_arg(input)? {
        Arg::Factory(f) if f.param.is_none() && matches!(f.body, FactoryBody::Module(_)) => Ok(f),
        _ => Err(error_note(at, "expected a factory of one module, `|| module(..)`", usage)),
    }
}
