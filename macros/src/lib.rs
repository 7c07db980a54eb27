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
//! Found by the macro, each anchored on the offending token, with a note on
//! how to fix it, and all reported together: unknown module or port (with a
//! suggestion, or "used before its `let`" for a name bound further down),
//! input connected twice or exposed twice, input neither connected nor
//! exposed, output neither used nor exposed, module never connected, cycle,
//! fan-in arity of known modules, a name exposed both as an input and as an
//! output, empty domain, mixed value types, a value listed twice, duplicate
//! names, dependent or constraint on an unknown hyperparameter, misuse of
//! combinator arguments, a space without modules, and DSL forms that do not
//! exist (a nested `search_space!`, `let y = x;`, `choice(..).map(..)`,
//! `|| name`), each with what the form needs.
//!
//! Literal values are checked against what consumes them, written in place
//! or in the `let` of the hyperparameter: the counts of `repeat`,
//! `split_combine`, `dense_block` and `nested_repeat` are integers of at
//! least 1, the flags of `optional` and `dense_block` booleans, the index of
//! `or_with` below its number of alternatives. Values that are not literals
//! are checked when the space is built.
//!
//! Found by rustc through typed port handles (`archspace::ports`), on the
//! user's token: ports of modules built by op constructors and sub-spaces
//! (`no method named `ouput` found for struct `Siso``), their direction
//! (`expected an output port here`), fan-in arity (`Fan<2>` does not take 3
//! inputs), every port of such a module wired (`input `in1` of this module
//! is neither connected nor exposed`, on its `let`; see
//! `archspace::ports::wiring`), and factories passed where a combine factory
//! is expected or the other way round.
//!
//! A hyperparameter that nothing uses is left out of the space; rustc's
//! `unused_variables` lint says so (`unused variable: `width``), and a name
//! starting with `_` keeps it quiet. It stays a warning, as in Rust: while a
//! space is being edited, a hyperparameter is often unused for a moment. A
//! space without modules is an error: its hyperparameters decide nothing
//! and it counts one, empty, architecture, which no working space wants.
//!
//! Raw identifiers are their names: `let r#type = ..` is the module `type`
//! in paths and decisions.
//!
//! ## Expansion
//!
//! A closure of builder calls through `::archspace::__private`: one
//! `named_choice`, `named_dependent`, `place`, combinator or `connect` call
//! per statement, and one `wired(wiring(&m).used(..).fed(..))` check per
//! module built by an op constructor or a sub-space. After a mistake the
//! macro emits `compile_error!`s and every statement that still type-checks
//! (statements with a mistake, and those naming them, are left out; a
//! statement that does not parse is skipped and the rest is checked), so
//! that rustc's errors about typed ports come in the same build. Only a
//! wrong signature gives a stub with the declared signature. Snapshots of
//! expansions live in `macros/tests/snapshots/`.
//!
//! ## Performance
//!
//! `cargo bench -p archspace-macros --bench expansion` measures the whole
//! pipeline on a space of 200 modules and 100 connections and on the
//! paper's seed space. Counted with callgrind (instructions do not depend on
//! the load of the machine): about 37 M instructions per expansion of the
//! large space and 1.2 M for the seed space, 17% and 12% more than before
//! the typed wiring checks (one `wired(..)` statement per module built by an
//! op constructor); the expansion grows from 15.3k to 26.1k tokens for the
//! large space (200 such modules) and from 850 to 960 for the seed space.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod ast;
mod check;
mod check_forms;
mod check_module;
mod ctxt;
mod cycles;
mod domain;
mod emit;
mod emit_forms;
mod emit_ports;
mod expand;
mod graph;
mod lower;
mod lower_forms;
mod lower_wiring;
mod parse;
mod parse_forms;
mod parse_module;
mod plan;
mod scope;
#[cfg(test)]
mod tests;
mod verdict;

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
