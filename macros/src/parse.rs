//! Stage 1: tokens → [`ast`](crate::ast). One parser for both forms: the
//! body of `search_space!{..}` and the body of a `#[search_space]` function.

use proc_macro2::TokenStream;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{Attribute, Expr, FnArg, Ident, Pat, Signature, Token, Type, Visibility, braced, bracketed, parenthesized};

use crate::ast::{
    Arg, Binding, Body, ChoiceKind, Closure, ClosureParam, Combinator, Connect, DomainLit, Endpoint, Expose, Exposed,
    Factory, FactoryBody, FnParam, Let, ModuleExpr, ParamRole, SpaceFn, Stmt,
};

/// Parses the body of `search_space! { .. }`.
pub fn parse_inline(input: TokenStream) -> syn::Result<Body> {
    parse_body.parse2(input)
}

/// Parses a function marked `#[search_space]`.
pub fn parse_fn(item: TokenStream) -> syn::Result<SpaceFn> {
    (|input: ParseStream<'_>| {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        let sig: Signature = input.parse()?;
        let content;
        braced!(content in input);
        let body = parse_body(&content)?;
        let params = fn_params(&sig)?;
        Ok(SpaceFn { attrs, vis, sig, params, body })
    })
    .parse2(item)
}

/// The signature alone (the body skipped), for a stub when the body does not parse.
pub fn parse_signature(item: TokenStream) -> syn::Result<SpaceFn> {
    (|input: ParseStream<'_>| {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        let sig: Signature = input.parse()?;
        let _: TokenStream = input.parse()?;
        let params = fn_params(&sig)?;
        let body = Body { stmts: Vec::new(), expose: None, end: proc_macro2::Span::call_site() };
        Ok(SpaceFn { attrs, vis, sig, params, body })
    })
    .parse2(item)
}

fn fn_params(sig: &Signature) -> syn::Result<Vec<FnParam>> {
    let mut params = Vec::with_capacity(sig.inputs.len());
    for input in &sig.inputs {
        let FnArg::Typed(typed) = input else {
            return Err(syn::Error::new(input.span(), "a search space function takes no `self`"));
        };
        let Pat::Ident(pat) = &*typed.pat else {
            return Err(syn::Error::new(typed.pat.span(), "expected a parameter name"));
        };
        let role = role_of(&typed.ty);
        params.push(FnParam { name: pat.ident.clone(), role });
    }
    Ok(params)
}

/// The DSL role of a parameter, from the last segment of its type's path.
fn role_of(ty: &Type) -> ParamRole {
    let Type::Path(path) = ty else { return ParamRole::Plain };
    match path.path.segments.last().map(|s| s.ident.to_string()).as_deref() {
        Some("Param") => ParamRole::Hyper,
        Some("Factory") => ParamRole::Factory,
        Some("CombineFactory") => ParamRole::Combine,
        _ => ParamRole::Plain,
    }
}

fn peek_keyword(input: ParseStream<'_>, word: &str) -> bool {
    input.fork().call(Ident::parse_any).is_ok_and(|ident| ident == word)
}

fn peek_macro(input: ParseStream<'_>, word: &str) -> bool {
    peek_keyword(input, word) && input.peek2(Token![!])
}

/// `stmt* expose!(..)`.
pub fn parse_body(input: ParseStream<'_>) -> syn::Result<Body> {
    let mut stmts = Vec::new();
    let mut expose = None;
    while !input.is_empty() {
        if input.peek(Token![let]) {
            stmts.push(Stmt::Let(Box::new(parse_let(input)?)));
        } else if peek_macro(input, "connect") {
            stmts.push(Stmt::Connect(parse_connect(input)?));
        } else if peek_macro(input, "expose") {
            expose = Some(parse_expose(input)?);
            if !input.is_empty() {
                return Err(input.error("`expose!(..)` must be the last statement"));
            }
        } else {
            return Err(input.error("expected `let name = ..;`, `connect!(..);` or `expose!(..)`"));
        }
    }
    Ok(Body { stmts, expose, end: input.span() })
}

fn parse_let(input: ParseStream<'_>) -> syn::Result<Let> {
    input.parse::<Token![let]>()?;
    let name: Ident = input.parse()?;
    input.parse::<Token![=]>()?;
    let value = parse_binding(input)?;
    input.parse::<Token![;]>()?;
    Ok(Let { name, value })
}

fn parse_binding(input: ParseStream<'_>) -> syn::Result<Binding> {
    let domain_keyword = ["choice", "shared", "global"].iter().any(|k| peek_keyword(input, k));
    if domain_keyword && input.peek2(syn::token::Paren) {
        return Ok(Binding::Choice(parse_domain(input)?));
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
        let keyword: Ident = input.parse()?;
        if keyword != "map" {
            return Err(syn::Error::new(keyword.span(), "expected `.map(|value| ..)` for a dependent hyperparameter"));
        }
        let content;
        parenthesized!(content in input);
        return Ok(Binding::Dependent(parse_closure(&content, keyword, Some(receiver))?));
    }
    Ok(Binding::Module(parse_module(input)?))
}

fn parse_domain(input: ParseStream<'_>) -> syn::Result<DomainLit> {
    let keyword: Ident = input.parse()?;
    let kind = if keyword == "shared" {
        ChoiceKind::Shared
    } else if keyword == "global" {
        ChoiceKind::Global
    } else {
        ChoiceKind::Choice
    };
    let outer;
    parenthesized!(outer in input);
    let inner;
    let bracket = bracketed!(inner in outer);
    let values = inner.parse_terminated(Expr::parse, Token![,])?;
    if !outer.is_empty() {
        return Err(outer.error("expected a single list of values: `choice([a, b, ..])`"));
    }
    Ok(DomainLit { keyword, kind, bracket: bracket.span.join(), values: values.into_iter().collect() })
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
pub fn parse_module(input: ParseStream<'_>) -> syn::Result<ModuleExpr> {
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
    }
    let callee: syn::ExprPath = input.parse()?;
    if callee.qself.is_some() {
        return Err(syn::Error::new(callee.span(), "expected an op constructor or a search space function"));
    }
    if !input.peek(syn::token::Paren) {
        return Err(input.error("expected `(`: a module is built by calling an op constructor or a sub-space"));
    }
    let args = parse_args(input)?;
    Ok(ModuleExpr::Call { callee: callee.path, args })
}

fn parse_args(input: ParseStream<'_>) -> syn::Result<Vec<Arg>> {
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

fn parse_arg(input: ParseStream<'_>) -> syn::Result<Arg> {
    if input.peek(Token![||]) {
        let bar = input.parse::<Token![||]>()?.span();
        return Ok(Arg::Factory(Factory { bar, param: None, body: parse_factory_body(input)? }));
    }
    if input.peek(Token![|]) {
        let bar = input.parse::<Token![|]>()?.span;
        let param: Ident = input.parse()?;
        input.parse::<Token![|]>()?;
        return Ok(Arg::Factory(Factory { bar, param: Some(param), body: parse_factory_body(input)? }));
    }
    if peek_keyword(input, "choice") && input.peek2(syn::token::Paren) {
        return Ok(Arg::Choice(parse_domain(input)?));
    }
    Ok(Arg::Expr(input.parse()?))
}

fn parse_factory_body(input: ParseStream<'_>) -> syn::Result<FactoryBody> {
    if input.peek(syn::token::Brace) {
        let content;
        braced!(content in input);
        return Ok(FactoryBody::Block(parse_body(&content)?));
    }
    Ok(FactoryBody::Module(Box::new(parse_module(input)?)))
}

fn parse_connect(input: ParseStream<'_>) -> syn::Result<Connect> {
    let keyword: Ident = input.parse()?;
    input.parse::<Token![!]>()?;
    let content;
    parenthesized!(content in input);
    let from = parse_endpoints(&content)?;
    content.parse::<Token![->]>()?;
    let to = parse_endpoints(&content)?;
    if !content.is_empty() {
        return Err(content.error("expected `,` or `)`"));
    }
    if input.peek(Token![;]) {
        input.parse::<Token![;]>()?;
    }
    Ok(Connect { keyword, from, to })
}

fn parse_endpoints(input: ParseStream<'_>) -> syn::Result<Vec<Endpoint>> {
    let mut ends = vec![parse_endpoint(input)?];
    while input.peek(Token![,]) {
        input.parse::<Token![,]>()?;
        if input.is_empty() || input.peek(Token![->]) {
            break;
        }
        ends.push(parse_endpoint(input)?);
    }
    Ok(ends)
}

fn parse_endpoint(input: ParseStream<'_>) -> syn::Result<Endpoint> {
    let module: Ident = input.parse()?;
    let port = if input.peek(Token![.]) {
        input.parse::<Token![.]>()?;
        Some(input.call(Ident::parse_any)?)
    } else {
        None
    };
    Ok(Endpoint { module, port })
}

fn parse_expose(input: ParseStream<'_>) -> syn::Result<Expose> {
    input.parse::<Ident>()?;
    input.parse::<Token![!]>()?;
    let content;
    parenthesized!(content in input);
    let inputs = parse_exposed_list(&content)?;
    content.parse::<Token![->]>()?;
    let outputs = parse_exposed_list(&content)?;
    if !content.is_empty() {
        return Err(content.error("expected `,` or `)`"));
    }
    if input.peek(Token![;]) {
        input.parse::<Token![;]>()?;
    }
    Ok(Expose { inputs, outputs })
}

fn parse_exposed_list(input: ParseStream<'_>) -> syn::Result<Vec<Exposed>> {
    let mut list = Vec::new();
    while !input.is_empty() && !input.peek(Token![->]) {
        let alias = if input.peek(Ident::peek_any) && input.peek2(Token![=]) {
            let alias = input.call(Ident::parse_any)?;
            input.parse::<Token![=]>()?;
            Some(alias)
        } else {
            None
        };
        list.push(Exposed { alias, end: parse_endpoint(input)? });
        if input.is_empty() || input.peek(Token![->]) {
            break;
        }
        input.parse::<Token![,]>()?;
    }
    Ok(list)
}
