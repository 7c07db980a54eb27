//! # archspace-macros
//!
//! The search-space DSL of archspace: `search_space! { .. }` (re-exported as
//! `archspace::space!` and `archspace::inline::search_space!`) for inline
//! spaces, and `#[search_space]` on functions for reusable sub-spaces. Use
//! them through the `archspace` facade.
//!
//! ```ignore
//! #[search_space]
//! pub fn seed_space() -> Space {
//!     let n = choice([1, 2, 4]);
//!     let n2 = n.map(|n| 2 * n);                  // dependent hyperparameter
//!     let stem = conv2d(choice([64, 128]));
//!     let drop = optional(|| dropout(choice([0.25, 0.5])));
//!     let left = repeat(n, || conv2d(choice([64, 128])));
//!     let right = repeat(n2, || conv2d(choice([64, 128])));
//!     let cat = concat::<2>();
//!     connect!(stem.out -> drop.in);
//!     connect!(drop.out -> left.in, right.in);
//!     connect!(left.out -> cat.in0);
//!     connect!(right.out -> cat.in1);
//!     expose!(stem.in -> cat.out)
//! }
//! ```
//!
//! ## Grammar
//!
//! One grammar and one parser serve both forms; every statement is valid
//! Rust syntax, so the body of a function is accepted by rustc's parser
//! before the attribute sees it.
//!
//! ```text
//! space     := fn-item | body                     (fn form: `-> Space` or no return type)
//! body      := stmt* expose
//! stmt      := 'let' NAME '=' binding ';'
//!            | 'connect' '!' '(' ends '->' ends ')' ';'?
//! expose    := 'expose' '!' '(' exposed,* '->' exposed,* ')' ';'?   inputs -> outputs
//! exposed   := (NAME '=')? NAME '.' PORT
//! ends      := end (',' end)*                     one source and many targets (fan-out),
//! end       := NAME '.' PORT | NAME               or many sources and one bare module (fan-in)
//! binding   := 'choice' '(' '[' value,* ']' ')'   a hyperparameter (one, however often used)
//!            | 'shared' '(' '[' value,* ']' ')'   a named hyperparameter shared across sub-spaces
//!            | 'global' '(' '[' value,* ']' ')'   a hyperparameter no module reads, carried into the
//!                                                architecture's globals (`hyperparameters/NAME`)
//!            | NAME '.' 'map' '(' closure ')'     a dependent hyperparameter of NAME
//!            | 'dependent' '(' closure ')'        of the hyperparameters named by its parameters
//!            | 'constraint' '(' closure ')'       a predicate over the hyperparameters it names
//!            | module
//! closure   := '|' (NAME (':' TYPE)?),* '|' EXPR   untyped values take their domain's type
//! module    := combinator '(' arg,* ')' | 'identity' '(' ')' | PATH '(' arg,* ')'
//! combinator:= repeat(n, f) | optional(f) | optional(flag, f) | or(f, ..) | or_with(idx, f, ..)
//!            | permutation(f, ..) | split_combine(n, f, c) | residual(f, f, f)
//!            | sequential(f, ..) | dense_block(n, end_in_combine, f, c) | nested_repeat(n, f, i)
//! arg       := '||' factory-body                  f: a factory, fresh hyperparameters per copy
//!            | '|' NAME '|' factory-body          c: a combine factory (NAME = number of inputs)
//!                                                i: `|prev| { .. }`, `prev` the copy so far, a module
//!            | 'choice' '(' '[' value,* ']' ')'   a fresh hyperparameter for this argument
//!            | EXPR                               a hyperparameter binding or a Rust value
//! factory-body := module | '{' body '}'
//! ```
//!
//! `PATH(..)` is an op constructor (returning `Op` or `TypedOp<P>`), a
//! `#[search_space]` function, or a parameter of type `Factory` of the
//! enclosing function. Parameters of type `Param` are hyperparameters bound
//! once per instance; `Factory`/`CombineFactory` parameters are sub-space
//! factories (DeepArchitect's `rnn_cell(hidden_fn, output_fn)`).
//!
//! ## Checks
//!
//! Found by the macro, each anchored on the offending token and all reported
//! together: unknown module or port (with a suggestion), input connected
//! twice, input neither connected nor exposed, output neither used nor
//! exposed, module never connected, cycle, fan-in arity of known modules,
//! empty domain, mixed value types, duplicate names, dependent or constraint
//! on an unknown hyperparameter, misuse of combinator arguments.
//!
//! Found by rustc through typed port handles (`archspace::ports`), on the
//! user's token: ports of modules built by op constructors and sub-spaces
//! (`no method named `ouput` found for struct `Siso``), their direction, and
//! fan-in arity (`Fan<2>` does not take 3 inputs).
//!
//! ## Expansion
//!
//! A closure of builder calls through `::archspace::__private`: one
//! `named_choice`, `named_dependent`, `place`, combinator or `connect` call
//! per statement. After an error the macro emits `compile_error!` and a stub
//! with the declared signature. Snapshots of expansions live in
//! `macros/tests/snapshots/`.
//!
//! ## Performance
//!
//! `cargo bench -p archspace-macros --bench expansion` measures the whole
//! pipeline: about 3.0 ms for a space of 200 modules and 100 connections and
//! about 0.13 ms for the paper's seed space (optimized build, 2-core machine).
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod ast;
mod check;
mod ctxt;
mod emit;
mod expand;
mod graph;
mod lower;
mod parse;
mod scope;
#[cfg(test)]
mod tests;

use proc_macro::TokenStream;

/// An inline search space: `search_space! { stmts; expose!(..) }` is a `SpaceDef`.
#[proc_macro]
pub fn space(input: TokenStream) -> TokenStream {
    expand::inline(input.into()).into()
}

/// A reusable sub-space: the function returns a `SubSpace` with typed ports.
#[proc_macro_attribute]
pub fn search_space(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::function(attr.into(), item.into()).into()
}
