//! Stage 4: a [`Plan`] → tokens: a short sequence of calls into the `core`
//! builder through `::archspace::__private`, linear in the DSL text.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::Ident;

use crate::ast::{ChoiceKind, Combinator, SpaceFn, unraw};
use crate::emit_ports::port_set;
use crate::plan::{ArgPlan, Build, FactoryPlan, FactoryPlanBody, Plan, PortRef, PortUse, Step};

/// The space variable of the expansion.
pub(crate) fn space() -> Ident {
    format_ident!("__as_s")
}

/// `SpaceDef::new(..)` for `search_space! { .. }`. `lenient` after a
/// mistake: names that only left-out statements used are not reported unused.
pub fn emit_inline(plan: &Plan, lenient: bool) -> TokenStream {
    let closure = builder_closure(plan, &[]);
    let def = quote!(::archspace::__private::SpaceDef::new(#closure));
    if lenient { quote!({ #[allow(unused_variables)] let __as_def = #def; __as_def }) } else { def }
}

/// The function for `#[search_space] fn ..`: it returns a `SubSpace` with
/// typed ports. `lenient` as for [`emit_inline`].
pub fn emit_fn(f: &SpaceFn, plan: &Plan, lenient: bool) -> TokenStream {
    let (ports, extra) = port_set(f, plan);
    let closure = builder_closure(plan, &[]);
    let name = unraw(&f.sig.ident);
    let body = quote!(::archspace::__private::SubSpace::new(#name, #closure));
    let item = fn_item(f, &ports, body);
    let allow = if lenient { quote!(#[allow(unused_variables)]) } else { TokenStream::new() };
    quote!(#allow #item #extra)
}

/// A fallback with the declared signature, for follow-on code to type-check
/// (when the signature itself is wrong).
pub fn emit_fn_stub(f: &SpaceFn) -> TokenStream {
    let name = unraw(&f.sig.ident);
    let ports = quote!(::archspace::__private::Siso);
    let body = quote!(::archspace::__private::SubSpace::failed(#name));
    let item = fn_item(f, &ports, body);
    quote!(#[allow(unused_variables)] #item)
}

fn fn_item(f: &SpaceFn, ports: &TokenStream, body: TokenStream) -> TokenStream {
    let SpaceFn { attrs, vis, sig, .. } = f;
    let ident = &sig.ident;
    let inputs = &sig.inputs;
    quote! {
        #(#attrs)*
        #vis fn #ident(#inputs) -> ::archspace::__private::SubSpace<#ports> {
            #body
        }
    }
}

/// `move |__as_s: &mut Space| -> Result<Io, SpecError> { steps; Ok(border) }`.
fn builder_closure(plan: &Plan, param: &[TokenStream]) -> TokenStream {
    let s = space();
    let steps = plan.steps.iter().map(step);
    let globals = carrier(plan);
    let border = border(plan);
    quote! {
        move |#[allow(unused_variables)] #s: &mut ::archspace::__private::Space #(, #param)*|
            -> ::core::result::Result<::archspace::__private::Io, ::archspace::__private::SpecError> {
            #(#steps)*
            #globals
            ::core::result::Result::Ok(#border)
        }
    }
}

/// One carrier for every `global` of the space, so that all of them appear
/// in the architecture's globals as `hyperparameters/NAME`.
fn carrier(plan: &Plan) -> TokenStream {
    let globals: Vec<TokenStream> = plan
        .steps
        .iter()
        .filter_map(|step| match step {
            Step::Choice { name, kind: ChoiceKind::Global, .. } => {
                let text = unraw(name);
                Some(quote! {
                    (::archspace::__private::Name::Borrowed(#text), ::archspace::__private::Param::from(#name))
                })
            }
            _ => None,
        })
        .collect();
    if globals.is_empty() {
        return TokenStream::new();
    }
    let s = space();
    quote!(#s.carrier(::std::vec![#(#globals),*])?;)
}

fn border(plan: &Plan) -> TokenStream {
    let ins = plan.inputs.iter().filter(|e| e.in_border).map(|e| {
        let (n, p) = (&e.name, port(&e.port));
        let span = e.port.method.span();
        quote_spanned!(span=> (#n, ::archspace::__private::input(#p)))
    });
    let outs = plan.outputs.iter().filter(|e| e.in_border).map(|e| {
        let (n, p) = (&e.name, port(&e.port));
        let span = e.port.method.span();
        quote_spanned!(span=> (#n, ::archspace::__private::output(#p)))
    });
    quote!(::archspace::__private::border([#(#ins),*], [#(#outs),*]))
}

pub(crate) fn port(p: &PortRef) -> TokenStream {
    let PortRef { module, method } = p;
    quote_spanned!(method.span()=> #module.#method())
}

fn step(step: &Step) -> TokenStream {
    let s = space();
    match step {
        Step::BindParam(name) => {
            let text = unraw(name);
            quote!(let #name = ::archspace::__private::hyper_of(#s, #text, ::core::clone::Clone::clone(&#name))?;)
        }
        Step::BindPrevious(prev) => {
            quote!(let #prev = ::archspace::__private::siso(::core::result::Result::Ok(__as_prev))?;)
        }
        Step::Choice { name, keyword, kind, values } => {
            let text = unraw(name);
            let method =
                Ident::new(if *kind == ChoiceKind::Shared { "shared" } else { "named_choice" }, keyword.span());
            let s = Ident::new("__as_s", keyword.span());
            // A global is carried by the space's one carrier ([`carrier`]).
            quote!(let #name = #s.#method(#text, [#(#values),*])?;)
        }
        Step::Dependent { name, deps, reads, body } => {
            let text = unraw(name);
            let reads =
                reads_of(reads, |read, ty, i| quote!(let #read: #ty = ::archspace::__private::arg(__as_v, #i)?;));
            let value = quote_spanned!(body_span(body)=> ::archspace::__private::value(#body));
            quote! {
                let #name = #s.named_dependent(#text, &[#(#deps),*], move |__as_v: &[::archspace::__private::Value]| {
                    #(#reads)*
                    ::core::result::Result::Ok(#value)
                })?;
            }
        }
        Step::Constraint { name, deps, reads, body } => {
            let text = unraw(name);
            let reads = reads_of(
                reads,
                |read, ty, i| quote!(let ::core::result::Result::Ok(#read) = ::archspace::__private::arg::<#ty>(__as_v, #i) else { return false; };),
            );
            quote! {
                #s.constraint(#text, &[#(#deps),*], move |__as_v: &[::archspace::__private::Value]| -> bool {
                    #(#reads)*
                    #body
                })?;
            }
        }
        Step::Module { name, build } => {
            let text = unraw(name);
            let value = module(build, Some(&text), true);
            let span = match build {
                Build::Place { callee, .. } => syn::spanned::Spanned::span(callee),
                _ => name.span(),
            };
            let value = quote_spanned!(span=> #value?);
            quote!(let #name = #value;)
        }
        Step::Connect { at, from, to } => {
            let (from, to) = (port(from), port(to));
            let s = Ident::new("__as_s", *at);
            quote_spanned!(*at=> ::archspace::__private::connect(#s, #from, #to)?;)
        }
        Step::FanIn { from, to } => {
            let from = from.iter().map(|p| {
                let p = port(p);
                quote!(::archspace::__private::output(#p))
            });
            quote_spanned!(to.span()=> ::archspace::__private::connect_fan_in(#s, [#(#from),*], &#to)?;)
        }
        Step::Wired { module, uses } => wired(module, uses),
        Step::Reject { condition, reason } => {
            let span = syn::spanned::Spanned::span(condition);
            quote_spanned!(span=> if #condition { return ::archspace::__private::reject(#reason); })
        }
    }
}

/// `wired(wiring(&m).used(m.out()).fed(m.in())..)`: compiles only when every port of
/// `m` is among `uses`; an error lands on the module's `let`. The port
/// calls repeat those of the connections, token for token, so that a port
/// that does not exist is reported once.
fn wired(module: &Ident, uses: &[PortUse]) -> TokenStream {
    let span = module.span();
    let marks = uses.iter().map(|u| match u {
        PortUse::Used(p) => {
            let p = port(p);
            quote_spanned!(span=> .used(#p))
        }
        PortUse::Fed(p) => {
            let p = port(p);
            quote_spanned!(span=> .fed(#p))
        }
        PortUse::FanIn => quote_spanned!(span=> .fan_in()),
    });
    quote_spanned!(span=> ::archspace::__private::wired(::archspace::__private::wiring(&#module)#(#marks)*);)
}

/// Where a closure body is, for errors about the value it computes.
fn body_span(body: &syn::Expr) -> Span {
    syn::spanned::Spanned::span(body)
}

pub(crate) fn reads_of(
    reads: &[crate::plan::Read],
    each: impl Fn(&Ident, &TokenStream, usize) -> TokenStream,
) -> Vec<TokenStream> {
    reads.iter().enumerate().map(|(i, r)| each(&r.name, &r.ty, i)).collect()
}

/// An expression building `build`: typed ports when `typed`, an `Io` otherwise.
pub(crate) fn module(build: &Build, name: Option<&str>, typed: bool) -> TokenStream {
    let s = space();
    // Every token of the call carries the user's span, so that a type error
    // (a constructor that is no module) lands on the constructor.
    let place = |span: Span, value: TokenStream| {
        let s = Ident::new("__as_s", span);
        let name_opt = match name {
            Some(n) => quote_spanned!(span=> ::core::option::Option::Some(#n)),
            None => quote_spanned!(span=> ::core::option::Option::None),
        };
        if typed {
            quote_spanned!(span=> ::archspace::__private::place(#s, #name_opt, #value))
        } else {
            quote_spanned!(span=> ::archspace::__private::place_io(#s, #name_opt, #value))
        }
    };
    let siso = |io: TokenStream| if typed { quote!(::archspace::__private::siso(#io)) } else { io };
    match build {
        Build::Place { callee, args } => {
            let span = syn::spanned::Spanned::span(callee);
            let args = args.iter().map(arg);
            place(span, quote_spanned!(span=> #callee(#(#args),*)))
        }
        Build::CallFactory(f) => place(f.span(), quote!(::core::clone::Clone::clone(&#f))),
        Build::CallCombine(f, n) => {
            let n = arg(n);
            siso(quote!(::archspace::__private::call_combine(&#f, #s, #n)))
        }
        Build::Identity(span) => {
            let named = named(name);
            siso(quote_spanned!(*span=> #named.identity()))
        }
        Build::Combinator { keyword, kind, args } => siso(combinator(keyword, *kind, args, name)),
        form => crate::emit_forms::form(form, name, typed),
    }
}

pub(crate) fn named(name: Option<&str>) -> TokenStream {
    let s = space();
    match name {
        Some(n) => quote!(#s.named(#n)),
        None => quote!(#s),
    }
}

fn combinator(keyword: &Ident, kind: Combinator, args: &[ArgPlan], name: Option<&str>) -> TokenStream {
    let s = space();
    let target = named(name);
    let a: Vec<TokenStream> = args.iter().map(closure_arg).collect();
    let span = keyword.span();
    let alternatives = |list: &[TokenStream]| quote!(::archspace::__private::Alternatives::list()#(.with(#list))*);
    let scoped = |inner: TokenStream| match name {
        Some(n) => quote!(#s.in_scope(#n, |#s| #inner)),
        None => inner,
    };
    match (kind, a.as_slice()) {
        (Combinator::Repeat, [n, f]) => quote_spanned!(span=> #target.repeat(#n, #f)),
        (Combinator::Optional, [f]) => quote_spanned!(span=> #target.optional(#f)),
        (Combinator::Optional, [flag, f]) => quote_spanned!(span=> #target.optional_with(#flag, #f)),
        (Combinator::Or, list) => {
            let alts = alternatives(list);
            quote_spanned!(span=> #target.or(#alts))
        }
        (Combinator::OrWith, [idx, list @ ..]) => {
            let alts = alternatives(list);
            quote_spanned!(span=> #target.or_with(#alts, #idx))
        }
        (Combinator::Permutation, list) => {
            quote_spanned!(span=> #target.permutation(::std::vec::Vec::from([#(::archspace::__private::factory(#list)),*])))
        }
        (Combinator::SplitCombine, [n, f, c]) => quote_spanned!(span=> #target.split_combine(#n, #f, #c)),
        (Combinator::Residual, [m, r, c]) => scoped(quote_spanned!(span=> #s.residual(#m, #r, #c))),
        (Combinator::Sequential, list) => {
            let parts = list.iter().map(|f| quote!((#f)(#s)?));
            scoped(quote_spanned!(span=> {
                let __as_parts = ::std::vec::Vec::from([#(#parts),*]);
                #s.sequential(__as_parts)
            }))
        }
        (Combinator::DenseBlock, [n, e, f, c]) => quote_spanned!(span=> #target.dense_block(#n, #e, #f, #c)),
        (Combinator::NestedRepeat, [n, f, i]) => quote_spanned!(span=>
            #target.nested_repeat(
                ::std::vec::Vec::from([::archspace::__private::Name::Borrowed("in")]),
                ::std::vec::Vec::from([::archspace::__private::Name::Borrowed("out")]),
                #n, #f, #i)
        ),
        _ => quote_spanned!(span=> ::core::compile_error!("wrong arguments for this combinator")),
    }
}

/// An argument of a combinator: factories stay closures (`impl Fn`).
fn closure_arg(a: &ArgPlan) -> TokenStream {
    match a {
        ArgPlan::Factory(f) => factory_closure(f),
        other => arg(other),
    }
}

/// An argument of an op constructor or sub-space: factories are boxed.
pub(crate) fn arg(a: &ArgPlan) -> TokenStream {
    match a {
        ArgPlan::Hyper(h) => quote_spanned!(h.span()=> ::archspace::__private::Param::from(#h)),
        ArgPlan::Clone(v) => quote_spanned!(v.span()=> ::core::clone::Clone::clone(&#v)),
        ArgPlan::Choice(span, values) => quote_spanned!(*span=> ::archspace::__private::choice([#(#values),*])),
        ArgPlan::Verbatim(e) => quote!(#e),
        ArgPlan::Factory(f) => {
            let closure = factory_closure(f);
            if f.param.is_some() {
                quote_spanned!(f.bar=> ::archspace::__private::to_combine_factory(#closure))
            } else {
                quote_spanned!(f.bar=> ::archspace::__private::to_factory(#closure))
            }
        }
    }
}

pub(crate) fn factory_closure(f: &FactoryPlan) -> TokenStream {
    let s = space();
    let mut param: Vec<TokenStream> = match (&f.param, f.iterate) {
        (Some(_), true) => vec![quote!(__as_prev: ::archspace::__private::Io)],
        (Some(p), false) => vec![quote!(#[allow(unused_variables)] #p: _)],
        (None, _) => Vec::new(),
    };
    param.extend(f.more.iter().map(|p| quote!(#[allow(unused_variables)] #p: _)));
    let closure = match &f.body {
        FactoryPlanBody::Block(plan) => builder_closure(plan, &param),
        FactoryPlanBody::Module(build) => {
            let value = module(build, None, false);
            quote! {
                move |#s: &mut ::archspace::__private::Space #(, #param)*|
                    -> ::core::result::Result<::archspace::__private::Io, ::archspace::__private::SpecError> {
                    #value
                }
            }
        }
    };
    if f.captures.is_empty() {
        return closure;
    }
    let captures = &f.captures;
    quote!({ #(#[allow(unused_variables)] let #captures = ::core::clone::Clone::clone(&#captures);)* #closure })
}
