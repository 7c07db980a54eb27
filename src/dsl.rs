//! # The search-space language: a reference
//!
//! A search space is written as Rust: a function marked
//! [`#[search_space]`](crate::search_space) (a reusable sub-space, which
//! other spaces call like a module) or an inline
//! [`search_space! { .. }`](crate::inline::search_space) (also
//! [`space!`](crate::space)), which is a [`SpaceDef`](crate::SpaceDef). Both
//! take the same body: `let` statements, `connect!`s, and a final
//! `expose!`. The macro checks the body at compile time (see
//! [What the macro checks](#what-the-macro-checks)) and expands it into a
//! short sequence of calls into the builder API of
//! [`Space`](crate::Space), which you can also call directly.
//!
//! Every example below runs as a test. They share a few op constructors
//! (hidden in the examples): an op constructor is any function returning
//! an [`Op`](crate::Op) or a [`TypedOp`](crate::ports::TypedOp), whose type
//! declares its ports so that rustc checks port names and arities:
//!
//! ```
//! use archspace::ports::{Fan, Siso, TypedOp};
//! use archspace::{Op, Param};
//! fn conv2d(filters: impl Into<Param>) -> TypedOp<Siso> {
//!     TypedOp::siso(Op::new("conv2d").param("filters", filters))
//! }
//! fn relu() -> TypedOp<Siso> {
//!     TypedOp::siso(Op::new("relu"))
//! }
//! fn add<const N: usize>() -> TypedOp<Fan<N>> {
//!     TypedOp::fan_in(Op::new("add")) // inputs in0 .. in{N-1}
//! }
//! fn concat(k: usize) -> Op {
//!     Op::new("concat").inputs_indexed(k) // for combine factories `|k| ..`
//! }
//! ```
//!
//! ## Statements
//!
//! | statement | meaning |
//! |---|---|
//! | `let name = <binding>;` | a hyperparameter, a constraint or a module, named `name` (its path segment) |
//! | `connect!(a.out -> b.in);` | output to input; `connect!(a.out -> b.in, c.in)` fans out |
//! | `connect!(a.out, b.out -> cat);` | a fan-in: the outputs feed `cat`'s inputs `in0, in1, …` in order |
//! | `expose!(a.in -> b.out)` | the space's border, last: inputs, then outputs; `expose!(x = a.in -> y = b.out)` renames |
//!
//! A sub-space exposing `in` and `out` has the ports of [`Siso`](crate::ports::Siso);
//! one exposing `in0 .. in{k-1}` and `out` those of [`Fan<k>`](crate::ports::Fan);
//! any other border gets a port type of its own, with a method per port.
//!
//! ```
//! # use archspace::ports::{Fan, Siso, TypedOp};
//! # use archspace::{Op, Param, search_space};
//! # fn conv2d(filters: impl Into<Param>) -> TypedOp<Siso> { TypedOp::siso(Op::new("conv2d").param("filters", filters)) }
//! # fn relu() -> TypedOp<Siso> { TypedOp::siso(Op::new("relu")) }
//! # fn add<const N: usize>() -> TypedOp<Fan<N>> { TypedOp::fan_in(Op::new("add")) }
//! #[search_space]
//! fn branches() -> Space {
//!     let stem = conv2d(16);
//!     let left = relu();
//!     let right = conv2d(16);
//!     let join = add::<2>();
//!     connect!(stem.out -> left.in, right.in);
//!     connect!(left.out, right.out -> join);
//!     expose!(image = stem.in -> join.out)
//! }
//! let arch = branches().def().sample_random(&mut archspace::rng(0))?;
//! assert_eq!(arch.modules().len(), 4);
//! # Ok::<(), archspace::SpecError>(())
//! ```
//!
//! ## Hyperparameters
//!
//! | binding | meaning |
//! |---|---|
//! | `choice([a, b, ..])` | an independent hyperparameter: one decision, however often it is used |
//! | `shared([a, b, ..])` | shared by name across every sub-space that declares it (DeepArchitect's `HyperparameterSharer`) |
//! | `x.map(\|v\| ..)` | a dependent hyperparameter, computed from `x` once it has a value |
//! | `dependent(\|a, b\| ..)` | a dependent of the hyperparameters its parameters name |
//! | `constraint(\|a, b\| ..)` | a predicate over them: an assignment that breaks it is [`Invalid`](crate::Invalid) |
//!
//! Values are integers, floats, booleans or strings; one domain holds one
//! type. A domain of one value is a constant, not a decision. Closure
//! parameters take their domain's type (`i64`, `f64`, `bool`, `String`), or
//! the type written (`|v: i64|`). A module argument `choice([..])` written
//! inline is a fresh decision for that argument; a `let`-bound
//! hyperparameter passed to several modules is one decision for all of them.
//!
//! ```
//! # use archspace::ports::{Fan, Siso, TypedOp};
//! # use archspace::{Op, Param, search_space};
//! # fn conv2d(filters: impl Into<Param>) -> TypedOp<Siso> { TypedOp::siso(Op::new("conv2d").param("filters", filters)) }
//! #[search_space]
//! fn widths() -> Space {
//!     let width = choice([16, 32]);
//!     let wide = width.map(|w| 2 * w);
//!     let depth = choice([1, 2, 3]);
//!     let cheap = constraint(|width, depth| width * depth <= 64);
//!     let first = conv2d(width);
//!     let second = conv2d(wide);
//!     let third = conv2d(choice([8, 16])); // a decision of its own
//!     connect!(first.out -> second.in);
//!     connect!(second.out -> third.in);
//!     expose!(first.in -> third.out)
//! }
//! // `depth` is used only by the constraint; (32, 3) breaks it.
//! assert_eq!(widths().def().count()?, ((2 * 3 - 1) * 2u32).into());
//! # Ok::<(), archspace::SpecError>(())
//! ```
//!
//! ## Modules and sub-spaces
//!
//! A module binding calls an op constructor, a `#[search_space]` function,
//! a factory parameter of the enclosing function, or a combinator (next
//! sections). A module's path is its binding's name; a sub-space's modules
//! live in a scope named after its binding (`a/conv` below). `identity()`
//! is a wire, removed when the architecture is frozen.
//!
//! Parameters of a `#[search_space]` function are read by their type:
//! [`Param`](crate::Param) is a hyperparameter (a `choice`, a value or a
//! hyperparameter of the caller), [`Factory`](crate::Factory) a sub-space
//! factory called as `name()`, [`CombineFactory`](crate::CombineFactory) a
//! combine factory called as `name(k)`; any other type is a Rust value
//! passed through (DeepArchitect's `rnn_cell(hidden_fn, output_fn)`).
//!
//! ```
//! # use archspace::ports::{Fan, Siso, TypedOp};
//! # use archspace::{Op, Param, Factory, search_space};
//! # fn conv2d(filters: impl Into<Param>) -> TypedOp<Siso> { TypedOp::siso(Op::new("conv2d").param("filters", filters)) }
//! # fn relu() -> TypedOp<Siso> { TypedOp::siso(Op::new("relu")) }
//! #[search_space]
//! fn cell(width: Param, activation: Factory, stride: i64) -> Space {
//!     let conv = conv2d(width);
//!     let act = activation();
//!     connect!(conv.out -> act.in);
//!     expose!(conv.in -> act.out)
//! }
//!
//! #[search_space]
//! fn net() -> Space {
//!     let width = choice([16, 32]);
//!     let a = cell(width, || relu(), 1);
//!     let b = cell(width, || identity(), 2);
//!     connect!(a.out -> b.in);
//!     expose!(a.in -> b.out)
//! }
//! let arch = net().def().sample_random(&mut archspace::rng(1))?;
//! let paths: Vec<&str> = arch.modules().iter().map(|m| m.path.as_str()).collect();
//! assert_eq!(paths, ["a/conv", "a/act/relu", "b/conv"]);
//! # Ok::<(), archspace::SpecError>(())
//! ```
//!
//! ## Factories
//!
//! Combinators take *factories*, closures that build a fresh sub-graph each
//! time they are called, so hyperparameters created inside are fresh per
//! copy, and those captured from outside are shared by all copies:
//!
//! | factory | builds |
//! |---|---|
//! | `\|\| module` | one module |
//! | `\|\| { let ..; connect!(..); expose!(..) }` | a body of its own |
//! | `\|k\| module` | a combine module with inputs `in0 .. in{k-1}` (`k` is a Rust `usize`) |
//! | `\|prev\| { .. expose!(..) }` | `nested_repeat`'s iterate: `prev` is the sub-graph so far, a module |
//!
//! ## Combinators
//!
//! Substitution modules: each fires once its hyperparameters have values and
//! puts a fresh sub-graph in its place (DeepArchitect's names for the local
//! hyperparameters make the paths: `body/num_reps`). All have one input
//! `in` and one output `out`.
//!
//! | combinator | builds |
//! |---|---|
//! | `repeat(n, \|\| f)` | a chain of `n` copies of `f` (`num_reps`) |
//! | `optional(\|\| f)` | `f` or a wire, by a fresh boolean decision (`opt`) |
//! | `optional(flag, \|\| f)` | the same, by a given flag (a hyperparameter or a value) |
//! | `or(\|\| f, \|\| g, ..)` | one alternative, by a fresh index decision (`idx`) |
//! | `or_with(idx, \|\| f, \|\| g, ..)` | one alternative, by a given index |
//! | `permutation(\|\| f, \|\| g, ..)` | the fragments chained in one of their k! orders (`perm_idx`) |
//! | `split_combine(n, \|\| f, \|k\| c)` | `n` parallel copies of `f` into `c(n)` (`num_splits`) |
//! | `residual(\|\| main, \|\| skip, \|\| add)` | `main` and `skip` from one input into a 2-input `add` |
//! | `sequential(\|\| f, \|\| g, ..)` | the parts chained |
//! | `dense_block(n, end_in_combine, \|\| f, \|k\| c)` | DenseNet-style: each application reads a combine of all earlier ones |
//! | `nested_repeat(n, \|\| first, \|prev\| { .. })` | `first`, then `n - 1` rounds of the iterate around it |
//!
//! ```
//! # use archspace::ports::{Fan, Siso, TypedOp};
//! # use archspace::{Op, Param, search_space};
//! # fn conv2d(filters: impl Into<Param>) -> TypedOp<Siso> { TypedOp::siso(Op::new("conv2d").param("filters", filters)) }
//! # fn relu() -> TypedOp<Siso> { TypedOp::siso(Op::new("relu")) }
//! # fn add<const N: usize>() -> TypedOp<Fan<N>> { TypedOp::fan_in(Op::new("add")) }
//! # fn concat(k: usize) -> Op { Op::new("concat").inputs_indexed(k) }
//! #[search_space]
//! fn combinators() -> Space {
//!     let body = repeat(choice([1, 2]), || conv2d(choice([8, 16])));
//!     let act = or(|| relu(), || identity());
//!     let drop = optional(|| relu());
//!     let wide = split_combine(2, || conv2d(8), |k| concat(k));
//!     let skip = residual(|| conv2d(8), || identity(), || add::<2>());
//!     let order = permutation(|| relu(), || conv2d(8));
//!     let block = dense_block(2, true, || conv2d(8), |k| concat(k));
//!     let nest = nested_repeat(2, || relu(), |prev| {
//!         let after = conv2d(8);
//!         connect!(prev.out -> after.in);
//!         expose!(prev.in -> after.out)
//!     });
//!     let tail = sequential(|| relu(), || conv2d(4));
//!     connect!(body.out -> act.in);
//!     connect!(act.out -> drop.in);
//!     connect!(drop.out -> wide.in);
//!     connect!(wide.out -> skip.in);
//!     connect!(skip.out -> order.in);
//!     connect!(order.out -> block.in);
//!     connect!(block.out -> nest.in);
//!     connect!(nest.out -> tail.in);
//!     expose!(body.in -> tail.out)
//! }
//! // repeat: 2 + 4; or: 2; optional: 2; permutation: 2.
//! assert_eq!(combinators().def().count()?, (6u32 * 2 * 2 * 2).into());
//! # Ok::<(), archspace::SpecError>(())
//! ```
//!
//! ## What the macro checks
//!
//! At compile time, each error on the token at fault with a note on how to
//! fix it, and all errors of an invocation reported together (a statement
//! that does not parse does not hide the others): unknown modules, ports
//! and hyperparameters (with a "did you mean", or "used before its `let`"),
//! a port used in the wrong direction, inputs connected or exposed twice,
//! inputs neither connected nor exposed, outputs neither used nor exposed,
//! modules never connected, cycles, fan-in arities, empty domains, domains
//! mixing value types or listing a value twice, literal values their
//! combinator does not take (a `repeat` count below 1, a non-boolean
//! `optional` flag, an `or_with` index past its alternatives), duplicate
//! names, misused combinator arguments, spaces without modules. Ports of
//! modules defined elsewhere (op constructors, sub-spaces) are checked by
//! rustc through their port types, with the error on your token, down to
//! every port being wired ([`ports::wiring`](crate::ports::wiring)). A
//! hyperparameter nothing uses is left out of the space, with rustc's
//! `unused variable` warning. [`Space`](crate::Space) checks everything
//! again at run time ([`SpecError`](crate::SpecError)), for spaces built
//! without the macro.
//!
//! ## The builder API
//!
//! The expansion of a body is a closure of calls on
//! [`Space`](crate::Space): `named_choice`, `shared`, `named_dependent`,
//! `constraint`, [`ports::place`](crate::ports::place), the combinators of
//! [`combinators`](crate::combinators), [`ports::connect`](crate::ports::connect);
//! the same calls build a space without the macro, and
//! [`Space::substitution`](crate::Space::substitution) writes a substitution
//! module of your own.
