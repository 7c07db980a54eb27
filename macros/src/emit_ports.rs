//! Stage 4, the port set of a `#[search_space]` function: `Siso` or
//! `Fan<K>` when its ports have those names, else a struct of its own with
//! one method per port, and the wiring record that lets rustc check, where
//! the sub-space is used, that every one of its ports is wired.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use crate::ast::{SpaceFn, unraw};
use crate::plan::{Exposure, Plan};

/// The port set type of a sub-space, and the items it needs when no
/// standard one fits.
pub fn port_set(f: &SpaceFn, plan: &Plan) -> (TokenStream, TokenStream) {
    let inputs: Vec<&Exposure> = plan.inputs.iter().filter(|e| e.in_port_set).collect();
    let outputs: Vec<&Exposure> = plan.outputs.iter().filter(|e| e.in_port_set).collect();
    let ins: Vec<&str> = inputs.iter().map(|e| e.name.as_str()).collect();
    let outs: Vec<&str> = outputs.iter().map(|e| e.name.as_str()).collect();
    if ins == ["in"] && outs == ["out"] {
        return (quote!(::archspace::__private::Siso), TokenStream::new());
    }
    let k = ins.len();
    let fan: Vec<String> = (0..k).map(|i| format!("in{i}")).collect();
    if (1..=8).contains(&k) && ins.iter().zip(&fan).all(|(a, b)| a == b) && outs == ["out"] {
        return (quote!(::archspace::__private::Fan<#k>), TokenStream::new());
    }
    let fn_name = unraw(&f.sig.ident);
    let vis = &f.vis;
    let at = f.sig.ident.span();
    let name = format_ident!("__as_ports_{}", fn_name, span = at);
    let wiring = format_ident!("__as_wiring_{}", fn_name, span = at);
    let ports: Vec<Port<'_>> = inputs
        .iter()
        .enumerate()
        .map(|(i, e)| Port::new(e, i, true, &fn_name))
        .chain(outputs.iter().enumerate().map(|(i, e)| Port::new(e, i, false, &fn_name)))
        .collect();
    let methods = ports.iter().map(Port::method);
    let states: Vec<_> = (0..ports.len()).map(|i| format_ident!("S{}", i, span = at)).collect();
    let checks = ports.iter().map(|p| p.check(vis));
    let marks = ports.iter().enumerate().map(|(i, p)| {
        let marker = &p.marker;
        let after = states
            .iter()
            .enumerate()
            .map(|(j, s)| if i == j { quote!(::archspace::__private::Wired) } else { quote!(#s) });
        quote_spanned! {p.span()=>
            impl<#(#states),*> ::archspace::__private::Mark<#marker> for #wiring<#(#states),*> {
                type Marked = #wiring<#(#after),*>;
            }
        }
    });
    let wired = ports.iter().map(|_| quote!(::archspace::__private::Wired));
    let all_inputs = states
        .iter()
        .zip(&ports)
        .map(|(s, p)| if p.input { quote!(::archspace::__private::Wired) } else { quote!(#s) });
    let bounds = states.iter().zip(&ports).map(|(s, p)| {
        let check = &p.check;
        quote!(#s: #check)
    });
    let open = ports.iter().map(|_| quote!(::archspace::__private::Open));
    let (ni, no) = (ins.len(), outs.len());
    let items = quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code)]
        #vis struct #name {
            io: ::archspace::__private::Io,
            inputs: [::archspace::__private::InputId; #ni],
            outputs: [::archspace::__private::OutputId; #no],
        }
        impl #name {
            #(#methods)*
        }
        impl ::archspace::__private::PortSet for #name {
            type Wiring = #wiring<#(#open),*>;
            fn from_io(io: ::archspace::__private::Io) -> ::core::result::Result<Self, ::archspace::__private::SpecError> {
                let inputs = [#(io.input(#ins)?),*];
                let outputs = [#(io.output(#outs)?),*];
                ::core::result::Result::Ok(#name { io, inputs, outputs })
            }
            fn io(&self) -> &::archspace::__private::Io {
                &self.io
            }
        }
        #(#checks)*
    };
    let record = quote_spanned! {at=>
        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code, clippy::type_complexity)]
        #vis struct #wiring<#(#states),*>(::core::marker::PhantomData<fn() -> (#(#states,)*)>);
        impl<#(#states),*> ::archspace::__private::AllWired for #wiring<#(#states),*> where #(#bounds),* {}
        impl<#(#states),*> ::archspace::__private::Mark<::archspace::__private::AllInputs> for #wiring<#(#states),*> {
            type Marked = #wiring<#(#all_inputs),*>;
        }
        impl<#(#states),*> ::archspace::__private::Mark<::archspace::__private::Everything> for #wiring<#(#states),*> {
            type Marked = #wiring<#(#wired),*>;
        }
        #(#marks)*
    };
    let items = quote!(#items #record);
    (quote!(#name), items)
}

/// One port of a generated port set.
struct Port<'e> {
    exposure: &'e Exposure,
    index: usize,
    input: bool,
    /// Its name as a type, carried by its handle.
    marker: syn::Ident,
    /// The trait a wired port meets; its message names the port.
    check: syn::Ident,
    fn_name: &'e str,
}

impl<'e> Port<'e> {
    fn new(exposure: &'e Exposure, index: usize, input: bool, fn_name: &'e str) -> Self {
        let at = exposure.method.span();
        let marker = format_ident!("__as_port_{}_{}", fn_name, exposure.name, span = at);
        let check = format_ident!("__as_wired_{}_{}", fn_name, exposure.name, span = at);
        Port { exposure, index, input, marker, check, fn_name }
    }

    fn method(&self) -> TokenStream {
        let (m, i, marker) = (&self.exposure.method, self.index, &self.marker);
        if self.input {
            quote!(pub fn #m(&self) -> ::archspace::__private::InPort<#marker> { ::archspace::__private::InPort::named(self.inputs[#i]) })
        } else {
            quote!(pub fn #m(&self) -> ::archspace::__private::OutPort<#marker> { ::archspace::__private::OutPort::named(self.outputs[#i]) })
        }
    }

    /// Where the port is exposed: what rustc's notes about it point at.
    fn span(&self) -> Span {
        self.exposure.method.span()
    }

    /// The marker, the check trait with its message, and the check met for
    /// a wired port.
    fn check(&self, vis: &syn::Visibility) -> TokenStream {
        let (name, sub) = (&self.exposure.name, self.fn_name);
        let (message, label, note) = if self.input {
            (
                format!("input `{name}` of this `{sub}` is neither connected nor exposed"),
                format!("`{name}` is never connected"),
                format!(
                    "connect it, `connect!(source.out -> this.{name})`, or expose it, `expose!(this.{name} -> ..)`"
                ),
            )
        } else {
            (
                format!("output `{name}` of this `{sub}` is neither used nor exposed"),
                format!("`{name}` is never used"),
                format!("use it, `connect!(this.{name} -> target.in)`, or expose it, `expose!(.. -> this.{name})`"),
            )
        };
        let lit = |text: String| syn::LitStr::new(&text, Span::call_site());
        let (message, label, note) = (lit(message), lit(label), lit(note));
        let (marker, check) = (&self.marker, &self.check);
        quote_spanned! {self.span()=>
            #[doc(hidden)]
            #[allow(non_camel_case_types, dead_code)]
            #vis struct #marker;
            #[doc(hidden)]
            #[allow(non_camel_case_types)]
            #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
            #vis trait #check {}
            impl #check for ::archspace::__private::Wired {}
        }
    }
}
