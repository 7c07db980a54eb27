//! Stage 4: a [`Plan`] → tokens: a short sequence of calls into the `core`
//! builder through `::archspace::__private`, linear in the DSL text.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::Ident;

use crate::ast::{ChoiceKind, Combinator, SpaceFn};
use crate::lower::{ArgPlan, Build, FactoryPlan, FactoryPlanBody, Plan, PortRef, Step};

/// The space variable of the expansion.
fn space() -> Ident {
    format_ident!("__as_s")
}

/// `SpaceDef::new(..)` for `search_space! { .. }`.
pub fn emit_inline(plan: &Plan) -> TokenStream {
    let closure = builder_closure(plan, &[]);
    quote!(::archspace::__private::SpaceDef::new(#closure))
}

/// The function for `#[search_space] fn ..`: it returns a `SubSpace` with
/// typed ports.
pub fn emit_fn(f: &SpaceFn, plan: &Plan) -> TokenStream {
    let (ports, extra) = port_set(f, plan);
    let closure = builder_closure(plan, &[]);
    let name = f.sig.ident.to_string();
    let body = quote!(::archspace::__private::SubSpace::new(#name, #closure));
    let item = fn_item(f, &ports, body);
    quote!(#item #extra)
}

/// A fallback with the declared signature, for follow-on code to type-check.
pub fn emit_fn_stub(f: &SpaceFn) -> TokenStream {
    let name = f.sig.ident.to_string();
    let ports = quote!(::archspace::__private::Siso);
    let body = quote!(::archspace::__private::SubSpace::failed(#name));
    let item = fn_item(f, &ports, body);
    quote!(#[allow(unused_variables)] #item)
}

/// A fallback for `search_space! { .. }`.
pub fn emit_inline_stub() -> TokenStream {
    quote!(::archspace::__private::SubSpace::<::archspace::__private::Siso>::failed("search_space").def())
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

/// The port set type of a sub-space, and a struct for it when no standard one fits.
fn port_set(f: &SpaceFn, plan: &Plan) -> (TokenStream, TokenStream) {
    let ins: Vec<&str> = plan.inputs.iter().map(|e| e.name.as_str()).collect();
    let outs: Vec<&str> = plan.outputs.iter().map(|e| e.name.as_str()).collect();
    if ins == ["in"] && outs == ["out"] {
        return (quote!(::archspace::__private::Siso), TokenStream::new());
    }
    let k = ins.len();
    let fan: Vec<String> = (0..k).map(|i| format!("in{i}")).collect();
    if (1..=8).contains(&k) && ins.iter().zip(&fan).all(|(a, b)| a == b) && outs == ["out"] {
        return (quote!(::archspace::__private::Fan<#k>), TokenStream::new());
    }
    let vis = &f.vis;
    let name = format_ident!("__as_ports_{}", f.sig.ident);
    let in_methods = plan.inputs.iter().enumerate().map(|(i, e)| {
        let m = &e.method;
        quote!(pub fn #m(&self) -> ::archspace::__private::InPort { ::archspace::__private::InPort::new(self.inputs[#i]) })
    });
    let out_methods = plan.outputs.iter().enumerate().map(|(i, e)| {
        let m = &e.method;
        quote!(pub fn #m(&self) -> ::archspace::__private::OutPort { ::archspace::__private::OutPort::new(self.outputs[#i]) })
    });
    let (ni, no) = (ins.len(), outs.len());
    let extra = quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #vis struct #name {
            io: ::archspace::__private::Io,
            inputs: [::archspace::__private::InputId; #ni],
            outputs: [::archspace::__private::OutputId; #no],
        }
        impl #name {
            #(#in_methods)*
            #(#out_methods)*
        }
        impl ::archspace::__private::PortSet for #name {
            fn from_io(io: ::archspace::__private::Io) -> ::core::result::Result<Self, ::archspace::__private::SpecError> {
                let inputs = [#(io.input(#ins)?),*];
                let outputs = [#(io.output(#outs)?),*];
                ::core::result::Result::Ok(#name { io, inputs, outputs })
            }
            fn io(&self) -> &::archspace::__private::Io {
                &self.io
            }
        }
    };
    (quote!(#name), extra)
}

/// `move |__as_s: &mut Space| -> Result<Io, SpecError> { steps; Ok(border) }`.
fn builder_closure(plan: &Plan, param: &[TokenStream]) -> TokenStream {
    let s = space();
    let steps = plan.steps.iter().map(step);
    let border = border(plan);
    quote! {
        move |#s: &mut ::archspace::__private::Space #(, #param)*|
            -> ::core::result::Result<::archspace::__private::Io, ::archspace::__private::SpecError> {
            #(#steps)*
            ::core::result::Result::Ok(#border)
        }
    }
}

fn border(plan: &Plan) -> TokenStream {
    let ins = plan.inputs.iter().map(|e| {
        let (n, p) = (&e.name, port(&e.port));
        quote!((#n, #p))
    });
    let outs = plan.outputs.iter().map(|e| {
        let (n, p) = (&e.name, port(&e.port));
        quote!((#n, #p))
    });
    quote!(::archspace::__private::border([#(#ins),*], [#(#outs),*]))
}

fn port(p: &PortRef) -> TokenStream {
    let PortRef { module, method } = p;
    quote_spanned!(method.span()=> #module.#method())
}

fn step(step: &Step) -> TokenStream {
    let s = space();
    match step {
        Step::BindParam(name) => {
            let text = name.to_string();
            quote!(let #name = ::archspace::__private::hyper_of(#s, #text, ::core::clone::Clone::clone(&#name))?;)
        }
        Step::BindPrevious(prev) => {
            quote!(let #prev = ::archspace::__private::siso(::core::result::Result::Ok(__as_prev))?;)
        }
        Step::Choice { name, kind, values } => {
            let text = name.to_string();
            let method = if *kind == ChoiceKind::Shared { quote!(shared) } else { quote!(named_choice) };
            let choice = quote!(#[allow(unused_variables)] let #name = #s.#method(#text, [#(#values),*])?;);
            if *kind != ChoiceKind::Global {
                return choice;
            }
            quote! {
                #choice
                #s.carrier(::std::vec![(::archspace::__private::Name::Borrowed(#text), ::archspace::__private::Param::from(#name))])?;
            }
        }
        Step::Dependent { name, deps, reads, body } => {
            let text = name.to_string();
            let reads =
                reads_of(reads, |read, ty, i| quote!(let #read: #ty = ::archspace::__private::arg(__as_v, #i)?;));
            quote! {
                #[allow(unused_variables)]
                let #name = #s.named_dependent(#text, &[#(#deps),*], move |__as_v: &[::archspace::__private::Value]| {
                    #(#reads)*
                    ::core::result::Result::Ok(::archspace::__private::value(#body))
                })?;
            }
        }
        Step::Constraint { name, deps, reads, body } => {
            let text = name.to_string();
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
            let text = name.to_string();
            let value = module(build, Some(&text), true);
            let span = match build {
                Build::Place { callee, .. } => syn::spanned::Spanned::span(callee),
                _ => name.span(),
            };
            let value = quote_spanned!(span=> #value?);
            quote!(let #name = #value;)
        }
        Step::Connect { from, to } => {
            let (from, to) = (port(from), port(to));
            quote!(::archspace::__private::connect(#s, #from, #to)?;)
        }
        Step::FanIn { from, to } => {
            let from = from.iter().map(port);
            quote_spanned!(to.span()=> ::archspace::__private::connect_fan_in(#s, [#(#from),*], &#to)?;)
        }
    }
}

fn reads_of(
    reads: &[crate::lower::Read],
    each: impl Fn(&Ident, &TokenStream, usize) -> TokenStream,
) -> Vec<TokenStream> {
    reads.iter().enumerate().map(|(i, r)| each(&r.name, &r.ty, i)).collect()
}

/// An expression building `build`: typed ports when `typed`, an `Io` otherwise.
fn module(build: &Build, name: Option<&str>, typed: bool) -> TokenStream {
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
    }
}

fn named(name: Option<&str>) -> TokenStream {
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
fn arg(a: &ArgPlan) -> TokenStream {
    match a {
        ArgPlan::Hyper(h) => quote_spanned!(h.span()=> ::archspace::__private::Param::from(#h)),
        ArgPlan::Clone(v) => quote_spanned!(v.span()=> ::core::clone::Clone::clone(&#v)),
        ArgPlan::Choice(values) => quote!(::archspace::__private::choice([#(#values),*])),
        ArgPlan::Verbatim(e) => quote!(#e),
        ArgPlan::Factory(f) => {
            let closure = factory_closure(f);
            if f.param.is_some() {
                quote!(::archspace::__private::combine_factory(#closure))
            } else {
                quote!(::archspace::__private::factory(#closure))
            }
        }
    }
}

fn factory_closure(f: &FactoryPlan) -> TokenStream {
    let s = space();
    let param: Vec<TokenStream> = match (&f.param, f.iterate) {
        (Some(_), true) => vec![quote!(__as_prev: ::archspace::__private::Io)],
        (Some(p), false) => vec![quote!(#[allow(unused_variables)] #p: _)],
        (None, _) => Vec::new(),
    };
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
