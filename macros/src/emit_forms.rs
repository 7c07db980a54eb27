//! Stage 4, the forms whose wiring a hyperparameter chooses and the forms
//! with named arguments: each a short call into `core`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

use crate::emit::{arg, factory_closure, module, named, port, reads_of, space};
use crate::plan::{ArgPlan, Build};

/// An expression building `build`, one of these forms: typed ports when
/// `typed`, an `Io` otherwise.
pub fn form(build: &Build, name: Option<&str>, typed: bool) -> TokenStream {
    let s = space();
    let name_opt = match name {
        Some(n) => quote!(::core::option::Option::Some(#n)),
        None => quote!(::core::option::Option::None),
    };
    let siso = |io: TokenStream| if typed { quote!(::archspace::__private::siso(#io)) } else { io };
    let untyped = |ports: TokenStream| if typed { ports } else { quote!((#ports).map(::archspace::__private::io_of)) };
    match build {
        Build::Select { keyword, idx, sources } => {
            let k = sources.len() as i64;
            let idx = match idx {
                Some(idx) => {
                    let idx = arg(idx);
                    quote!(::archspace::__private::Param::from(#idx))
                }
                None => quote!(::archspace::__private::choice(0i64..#k)),
            };
            let sources = sources.iter().map(|p| {
                let span = p.method.span();
                let p = port(p);
                quote_spanned!(span=> ::archspace::__private::output(#p))
            });
            let span = keyword.span();
            untyped(quote_spanned!(span=> ::archspace::__private::select(#s, #name_opt, #idx, [#(#sources),*])))
        }
        Build::Unused { keyword, combine, states } => {
            let combine = factory_closure(combine);
            let states = states.iter().map(|p| {
                let span = p.method.span();
                let p = port(p);
                quote_spanned!(span=> ::archspace::__private::output(#p))
            });
            let span = keyword.span();
            untyped(quote_spanned!(span=> ::archspace::__private::unused(
                #s, #name_opt, ::archspace::__private::to_combine_factory(#combine), [#(#states),*])))
        }
        Build::Dag { keyword, options } => siso(dag(keyword, options, name)),
        Build::OrNamed { keyword, idx, alternatives } => {
            let target = named(name);
            let alternatives = alternatives.iter().map(|(n, f)| {
                let f = factory_closure(f);
                quote!(.with_named(#n, #f))
            });
            let alts = quote!(::archspace::__private::Alternatives::named()#(#alternatives)*);
            let span = keyword.span();
            siso(match idx {
                Some(idx) => {
                    let idx = arg(idx);
                    quote_spanned!(span=> #target.or_with(#alts, #idx))
                }
                None => quote_spanned!(span=> #target.or(#alts)),
            })
        }
        Build::Substitution { keyword, deps, reads, body } => {
            let names = deps.iter().map(crate::ast::unraw);
            let reads = reads_of(
                reads,
                |read, ty, i| quote!(let #read: #ty = ::archspace::__private::substitution_arg(__as_v, #i)?;),
            );
            let body = factory_closure(body);
            let span = keyword.span();
            let built = quote_spanned!(span=> ::archspace::__private::substitution(
                #s,
                #name_opt,
                ::std::vec::Vec::from([#((#names, #deps)),*]),
                move |#s: &mut ::archspace::__private::Space, __as_v: &[::archspace::__private::Value]| {
                    #(#reads)*
                    let __as_body = #body;
                    __as_body(#s)
                },
            ));
            untyped(built)
        }
        Build::Sharing { keyword, key, inner } => {
            // The frame starts inside the binding's scope, so that paths
            // relative to it do not carry the binding's name.
            let inner = module(inner, None, typed);
            let span = keyword.span();
            let shared = quote_spanned!(span=> #s.sharing(#key, |#s| #inner));
            match name {
                Some(n) => quote_spanned!(span=> #s.in_scope(#n, |#s| #shared)),
                None => shared,
            }
        }
        Build::Stack { keyword, count, inner } => {
            let inner = module(inner, None, true);
            let span = keyword.span();
            untyped(quote_spanned!(span=> ::archspace::__private::stack(#s, #name_opt, #count, |#s| #inner)))
        }
        Build::Place { .. }
        | Build::CallFactory(_)
        | Build::CallCombine(..)
        | Build::Identity(_)
        | Build::Combinator { .. } => module(build, name, typed),
    }
}

/// `__as_s.named(name).dag(DagCell::new(nodes, node, combine).option(..)..)`.
fn dag(keyword: &proc_macro2::Ident, options: &[(String, ArgPlan)], name: Option<&str>) -> TokenStream {
    let target = named(name);
    let get = |key: &str| options.iter().find(|(n, _)| n == key).map(|(_, v)| v);
    let value = |plan: &ArgPlan| match plan {
        ArgPlan::Factory(f) => factory_closure(f),
        other => arg(other),
    };
    let required = |key: &str| get(key).map(value).unwrap_or_else(|| quote!(::core::compile_error!("missing option")));
    let (nodes, node, combine) = (required("nodes"), required("node"), required("combine"));
    let mut calls = Vec::new();
    if let Some(f) = get("output_combine") {
        let f = value(f);
        calls.push(quote!(.output_combine(#f)));
    }
    if let Some(f) = get("output_node") {
        let f = value(f);
        calls.push(quote!(.output_node(#f)));
    }
    if let Some(f) = get("edge") {
        let f = value(f);
        calls.push(quote!(.edge(#f)));
    }
    if let Some(ArgPlan::Verbatim(word)) = get("boundary") {
        let variant = if quote!(#word).to_string() == "implicit" { quote!(Implicit) } else { quote!(Explicit) };
        calls.push(quote!(.boundary(::archspace::__private::Boundary::#variant)));
    }
    if let Some(ArgPlan::Verbatim(word)) = get("off_path") {
        let variant = if quote!(#word).to_string() == "invalid" { quote!(Invalid) } else { quote!(Prune) };
        calls.push(quote!(.off_path(::archspace::__private::OffPath::#variant)));
    }
    if let Some(max) = get("max_edges") {
        let max = value(max);
        calls.push(quote!(.max_edges(#max)));
    }
    if let Some(values) = get("values") {
        let values = value(values);
        let absent = get("absent").map(value).unwrap_or_else(|| quote!(0));
        let chain = get("chain").map(value).unwrap_or_else(|| quote!(false));
        calls.push(quote!(.edge_values(#values, #absent, #chain)));
    }
    let span = keyword.span();
    quote_spanned!(span=> #target.dag(
        ::archspace::__private::DagCell::new(#nodes, #node, #combine)#(#calls)*
    ))
}
