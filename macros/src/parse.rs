//! Stage 1: tokens → [`ast`](crate::ast). One parser for both forms: the
//! body of `search_space!{..}` and the body of a `#[search_space]` function.
//!
//! A statement that does not parse becomes [`Stmt::Broken`]: its error is
//! kept, its tokens are skipped up to the next statement, and parsing goes
//! on, so that one build reports the mistakes of every statement.

use proc_macro2::{TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::discouraged::Speculative;
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{Attribute, FnArg, Ident, Pat, Signature, Token, Type, Visibility, braced, parenthesized};

use crate::ast::{
    Body, Broken, BrokenKind, Connect, Endpoint, Expose, Exposed, FnParam, Let, ParamRole, Reject, SpaceFn, Stmt,
};
use crate::parse_module::parse_binding;

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

pub fn peek_keyword(input: ParseStream<'_>, word: &str) -> bool {
    input.fork().call(Ident::parse_any).is_ok_and(|ident| ident == word)
}

fn peek_macro(input: ParseStream<'_>, word: &str) -> bool {
    peek_keyword(input, word) && input.peek2(Token![!])
}

fn starts_statement(input: ParseStream<'_>) -> bool {
    input.peek(Token![let])
        || peek_macro(input, "connect")
        || peek_macro(input, "expose")
        || peek_macro(input, "reject")
}

/// A parse error whose message is followed by a note on how to fix it.
pub fn error_note(span: proc_macro2::Span, message: impl std::fmt::Display, note: &str) -> syn::Error {
    syn::Error::new(span, format!("{message}\n= note: {note}"))
}

/// What one statement parsed to.
enum Parsed {
    Stmt(Stmt),
    Expose(Expose),
}

fn parse_stmt(input: ParseStream<'_>) -> syn::Result<Parsed> {
    if input.peek(Token![let]) {
        Ok(Parsed::Stmt(Stmt::Let(Box::new(parse_let(input)?))))
    } else if peek_macro(input, "connect") {
        Ok(Parsed::Stmt(Stmt::Connect(parse_connect(input)?)))
    } else if peek_macro(input, "expose") {
        Ok(Parsed::Expose(parse_expose(input)?))
    } else if peek_macro(input, "reject") {
        Ok(Parsed::Stmt(Stmt::Reject(Box::new(parse_reject(input)?))))
    } else {
        Err(input.error("expected `let name = ..;`, `connect!(..);` or `expose!(..)`"))
    }
}

/// `stmt* expose!(..)`; statements that do not parse are kept as [`Stmt::Broken`].
pub fn parse_body(input: ParseStream<'_>) -> syn::Result<Body> {
    let mut stmts = Vec::new();
    let mut expose: Option<Expose> = None;
    while !input.is_empty() {
        let at = input.span();
        let fork = input.fork();
        match parse_stmt(&fork) {
            Ok(parsed) => {
                input.advance_to(&fork);
                match (parsed, &expose) {
                    (Parsed::Stmt(stmt), None) => stmts.push(stmt),
                    (Parsed::Expose(e), None) => expose = Some(e),
                    (Parsed::Stmt(stmt), Some(_)) => {
                        let note = "`expose!(..)` ends the space: move this statement above it";
                        let error = error_note(at, "statement after `expose!(..)`", note);
                        stmts.push(Stmt::Broken(Broken { error, kind: BrokenKind::Other, mentions: Vec::new() }));
                        stmts.push(stmt);
                    }
                    (Parsed::Expose(second), Some(_)) => {
                        let note =
                            "a space has one border: list every exposed port in one `expose!(inputs -> outputs)`";
                        let error = error_note(second.keyword.span(), "a second `expose!(..)`", note);
                        let ends = second.inputs.iter().chain(&second.outputs);
                        let mentions = ends.map(|e| e.end.module.clone()).collect();
                        stmts.push(Stmt::Broken(Broken { error, kind: BrokenKind::Other, mentions }));
                    }
                }
            }
            Err(error) => stmts.push(Stmt::Broken(recover(input, error))),
        }
    }
    Ok(Body { stmts, expose, end: input.span() })
}

/// Skips the statement that failed with `error` and says what it was meant to be.
fn recover(input: ParseStream<'_>, error: syn::Error) -> Broken {
    let kind = if input.peek(Token![let]) {
        let fork = input.fork();
        let name = fork.parse::<Token![let]>().and_then(|_| fork.parse::<Ident>()).ok();
        BrokenKind::Let(name)
    } else if peek_macro(input, "expose") {
        BrokenKind::Expose
    } else {
        BrokenKind::Other
    };
    let unknown_form = matches!(kind, BrokenKind::Other) && !peek_macro(input, "connect");
    let (mentions, arrow) = skip_statement(input);
    let error = match unknown_form && arrow {
        true => error_note(error.span(), error, "a connection is written `connect!(a.out -> b.in);`"),
        false => error,
    };
    Broken { error, kind, mentions }
}

/// Skips token trees up to a `;` (included) or the start of the next
/// statement; returns the identifiers skipped, and whether a `->` was.
fn skip_statement(input: ParseStream<'_>) -> (Vec<Ident>, bool) {
    let mut mentions = Vec::new();
    let mut arrow = false;
    let mut dash = false;
    let mut first = true;
    while !input.is_empty() && (first || !starts_statement(input)) {
        first = false;
        let Ok(tree) = input.parse::<TokenTree>() else { break };
        let punct = match &tree {
            TokenTree::Punct(p) => Some(p.as_char()),
            _ => None,
        };
        arrow |= dash && punct == Some('>');
        dash = punct == Some('-');
        collect_idents(tree, &mut mentions);
        if punct == Some(';') {
            break;
        }
    }
    (mentions, arrow)
}

fn collect_idents(tree: TokenTree, into: &mut Vec<Ident>) {
    match tree {
        TokenTree::Ident(ident) => into.push(ident),
        TokenTree::Group(group) => group.stream().into_iter().for_each(|t| collect_idents(t, into)),
        _ => {}
    }
}

fn parse_let(input: ParseStream<'_>) -> syn::Result<Let> {
    input.parse::<Token![let]>()?;
    let name: Ident = input.parse()?;
    input.parse::<Token![=]>()?;
    let value = parse_binding(input)?;
    input.parse::<Token![;]>()?;
    Ok(Let { name, value })
}

/// `reject!(condition, "reason");`
fn parse_reject(input: ParseStream<'_>) -> syn::Result<Reject> {
    let keyword: Ident = input.parse()?;
    input.parse::<Token![!]>()?;
    let content;
    parenthesized!(content in input);
    let condition: syn::Expr = content.parse()?;
    if !content.peek(Token![,]) {
        return Err(error_note(
            content.span(),
            "expected `, \"reason\"` after the condition",
            "`reject!(condition, \"why the values give no architecture\")`",
        ));
    }
    content.parse::<Token![,]>()?;
    let reason: syn::Expr = content.parse()?;
    if !content.is_empty() {
        return Err(content.error("expected `)`: `reject!(condition, \"reason\")`"));
    }
    if input.peek(Token![;]) {
        input.parse::<Token![;]>()?;
    }
    Ok(Reject { keyword, condition, reason })
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

pub fn parse_endpoints(input: ParseStream<'_>) -> syn::Result<Vec<Endpoint>> {
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
    let keyword: Ident = input.parse()?;
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
    Ok(Expose { keyword, inputs, outputs })
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
