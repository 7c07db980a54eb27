//! The pipeline for both forms: parse → check → lower → emit. After a
//! mistake the expansion holds every error and every statement that still
//! type-checks, so that rustc reports what only it can see in the same build.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ctxt::Ctxt;
use crate::{check, emit, lower, parse};

/// `search_space! { .. }`: an expression of type `SpaceDef`.
pub fn inline(input: TokenStream) -> TokenStream {
    let mut cx = Ctxt::new();
    let body = match parse::parse_inline(input) {
        Ok(body) => body,
        Err(error) => {
            cx.syn_error(error);
            let errors = cx.into_compile_errors();
            let empty = crate::plan::Plan { steps: Vec::new(), inputs: Vec::new(), outputs: Vec::new() };
            let def = emit::emit_inline(&empty, true);
            return quote!({ #errors #def });
        }
    };
    let verdicts = check::check_inline(&mut cx, &body);
    let plan = lower::lower_inline(&body, &verdicts);
    if cx.is_ok() {
        return emit::emit_inline(&plan, false);
    }
    let def = emit::emit_inline(&plan, true);
    let errors = cx.into_compile_errors();
    quote!({ #errors #def })
}

/// `#[search_space] fn ..`: the function, returning a `SubSpace`.
pub fn function(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut cx = Ctxt::new();
    let f = match parse::parse_fn(item.clone()) {
        Ok(f) => f,
        Err(error) => {
            cx.syn_error(error);
            let errors = cx.into_compile_errors();
            let stub = parse::parse_signature(item).map(|f| emit::emit_fn_stub(&f)).unwrap_or_default();
            return quote!(#errors #stub);
        }
    };
    let (verdicts, signature_ok) = check::check_fn(&mut cx, &attr, &f);
    if !signature_ok {
        let errors = cx.into_compile_errors();
        let stub = emit::emit_fn_stub(&f);
        return quote!(#errors #stub);
    }
    let plan = lower::lower_fn(&f, &verdicts);
    if cx.is_ok() {
        return emit::emit_fn(&f, &plan, false);
    }
    let item = emit::emit_fn(&f, &plan, true);
    let errors = cx.into_compile_errors();
    quote!(#errors #item)
}
