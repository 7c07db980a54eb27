//! The pipeline for both forms: parse → check → lower → emit, with a stub
//! and every error when a stage finds mistakes.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ctxt::Ctxt;
use crate::{check, emit, lower, parse};

/// `search_space! { .. }`: an expression of type `SpaceDef`.
pub fn inline(input: TokenStream) -> TokenStream {
    let mut cx = Ctxt::new();
    match parse::parse_inline(input) {
        Ok(body) => {
            check::check_inline(&mut cx, &body);
            if cx.is_ok() {
                return emit::emit_inline(&lower::lower_inline(&body));
            }
        }
        Err(error) => cx.syn_error(error),
    }
    let errors = cx.into_compile_errors();
    let stub = emit::emit_inline_stub();
    quote!({ #errors #stub })
}

/// `#[search_space] fn ..`: the function, returning a `SubSpace`.
pub fn function(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut cx = Ctxt::new();
    match parse::parse_fn(item.clone()) {
        Ok(f) => {
            check::check_fn(&mut cx, &attr, &f);
            if cx.is_ok() {
                return emit::emit_fn(&f, &lower::lower_fn(&f));
            }
            let errors = cx.into_compile_errors();
            let stub = emit::emit_fn_stub(&f);
            quote!(#errors #stub)
        }
        Err(error) => {
            cx.syn_error(error);
            let errors = cx.into_compile_errors();
            let stub = parse::parse_signature(item).map(|f| emit::emit_fn_stub(&f)).unwrap_or_default();
            quote!(#errors #stub)
        }
    }
}
