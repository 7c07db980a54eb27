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
//! | `global([a, b, ..])` | a decision no module reads, carried into the architecture's globals as `hyperparameters/NAME` (a learning rate: [`Architecture::global`](crate::Architecture::global)) |
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
//! ## Named alternatives: `or_named`
//!
//! `or_named(relu = || relu(), tanh = || tanh())` is an `or` whose decision
//! takes the alternatives' names as values: decisions and paths read
//! `act/idx = "tanh"`, not `1`. With a hyperparameter first,
//! `or_named(kind, relu = .., tanh = ..)`, a `choice` of strings picks the
//! alternative; a string that names no alternative is a compile error on
//! that string (as is a string given to `or_with`, which takes indices).
//!
//! ```
//! # use archspace::ports::{Fan, Siso, TypedOp};
//! # use archspace::{Op, Param, search_space};
//! # fn relu() -> TypedOp<Siso> { TypedOp::siso(Op::new("relu")) }
//! # fn tanh() -> TypedOp<Siso> { TypedOp::siso(Op::new("tanh")) }
//! #[search_space]
//! fn activation() -> Space {
//!     let kind = shared(["relu", "tanh"]);
//!     let first = or_named(kind, relu = || relu(), tanh = || tanh());
//!     let second = or_named(relu = || relu(), tanh = || tanh(), none = || identity());
//!     connect!(first.out -> second.in);
//!     expose!(first.in -> second.out)
//! }
//! let arch = activation().def().sample_random(&mut archspace::rng(2))?;
//! assert!(arch.decisions().iter().all(|d| d.value.as_str().is_some()));
//! # Ok::<(), archspace::SpecError>(())
//! ```
//!
//! ## Wiring chosen by hyperparameters
//!
//! ### Input selection: `select`
//!
//! `select([a.out, b.out, c.out])` is a module with one output, `out`, that
//! carries one of the listed outputs, chosen by a fresh decision over their
//! positions; `select(idx, [..])` takes the index from a hyperparameter (a
//! literal domain reaching past the list is a compile error on the value).
//! The sources must be outputs of modules bound above. Once chosen, the
//! selection is a wire and costs nothing.
//!
//! **What is not selected:** a source that nothing else reads is pruned
//! from the frozen architecture, with whatever fed only it. Its decisions
//! were made before the selection and stay in the decision list; to make a
//! branch's decisions disappear when it is not taken, build it lazily with
//! `or`. `unused(|k| combine, [a.out, ..])` combines the listed outputs that
//! no selection took (NASNet concatenates the unused states of a cell);
//! build it after the selections it depends on.
//!
//! ```
//! # use archspace::ports::{Fan, Siso, TypedOp};
//! # use archspace::{Op, Param, search_space};
//! # fn conv2d(filters: impl Into<Param>) -> TypedOp<Siso> { TypedOp::siso(Op::new("conv2d").param("filters", filters)) }
//! # fn add<const N: usize>() -> TypedOp<Fan<N>> { TypedOp::fan_in(Op::new("add")) }
//! # fn concat(k: usize) -> Op { Op::new("concat").inputs_indexed(k) }
//! // A NASNet-like cell: each node adds two states it selects.
//! #[search_space]
//! fn cell() -> Space {
//!     let h0 = conv2d(16);
//!     let h1 = conv2d(16);
//!     let a = select([h0.out, h1.out]);
//!     let b = select([h0.out, h1.out]);
//!     let n0 = add::<2>();
//!     connect!(a.out, b.out -> n0);
//!     let c = select([h0.out, h1.out, n0.out]);
//!     let n1 = conv2d(16);
//!     connect!(c.out -> n1.in);
//!     let out = unused(|k| concat(k), [n0.out, n1.out]);
//!     expose!(x0 = h0.in, x1 = h1.in -> out.out)
//! }
//! assert_eq!(cell().def().count()?, (2u32 * 2 * 3).into());
//! # Ok::<(), archspace::SpecError>(())
//! ```
//!
//! ### Edge-flag cells: `dag`
//!
//! `dag(..)` is a cell whose wiring is decided edge by edge (NAS-Bench-101,
//! Genetic CNN, the motifs of Liu et al.), with named options:
//!
//! | option | meaning |
//! |---|---|
//! | `nodes = n` | the number of nodes (required) |
//! | `node = \|v\| module` | a node's body, given its vertex (required) |
//! | `combine = \|k\| module` | how a node merges `k ≥ 2` inputs (required) |
//! | `output_combine = \|k\| module` | how the output merges its inputs (default: `combine`) |
//! | `output_node = \|\| module` | a body after the output's merge |
//! | `edge = \|from, to, value\| module` | what a present edge carries (default: a wire) |
//! | `boundary = explicit` | vertex 0 is the input, `nodes + 1` the output, every pair an edge (the default) |
//! | `boundary = implicit` | edges between nodes only; sources read the input, sinks feed the output (Genetic CNN) |
//! | `off_path = prune` | a node on no input→output path is not built, and decides nothing (the default) |
//! | `off_path = invalid` | such a node with an edge makes the cell `Invalid`; one with none is dropped (DeepArchitect's NAS-Bench encoding) |
//! | `max_edges = m` | more edges after pruning is `Invalid` |
//! | `values = [..], absent = a, chain = true` | edges choose among values (`a` means none); chain edges always present |
//!
//! Each edge is a decision `edge_<i>_<j>` (a flag by default). A cell with
//! no input→output path is `Invalid`. [`SpaceDef::count`](crate::SpaceDef::count)
//! counts a cell by dynamic programming over its edges, and
//! [`SpaceDef::sample_random`](crate::SpaceDef::sample_random) never draws an
//! edge value that leaves no valid cell.
//!
//! ```
//! # use archspace::ports::{Fan, Siso, TypedOp};
//! # use archspace::{Op, Param, search_space};
//! # fn conv2d(filters: impl Into<Param>) -> TypedOp<Siso> { TypedOp::siso(Op::new("conv2d").param("filters", filters)) }
//! # fn relu() -> TypedOp<Siso> { TypedOp::siso(Op::new("relu")) }
//! # fn concat(k: usize) -> Op { Op::new("concat").inputs_indexed(k) }
//! # fn add(k: usize) -> Op { Op::new("add").inputs_indexed(k) }
//! #[search_space]
//! fn nasbench_cell() -> Space {
//!     let cell = dag(
//!         nodes = 5,
//!         node = |v| or_named(conv = || conv2d(16), act = || relu()),
//!         combine = |k| add(k),
//!         output_combine = |k| concat(k),
//!         max_edges = 9,
//!     );
//!     expose!(cell.in -> cell.out)
//! }
//! let def = nasbench_cell().def();
//! let count = def.count()?; // fast: no enumeration of the 2^21 flags
//! assert!(count > 1_000_000u32.into());
//! let arch = def.sample_random(&mut archspace::rng(5))?; // never invalid
//! assert_eq!(arch.decisions().iter().filter(|d| d.path.contains("edge_")).count(), 21);
//! # Ok::<(), archspace::SpecError>(())
//! ```
//!
//! ### Shared cells and stacks: `sharing`, `stack`
//!
//! `sharing("key", || module)` builds `module` in a share frame: every
//! decision it makes — now, or when its substitutions fire — is the same
//! decision as the one at the same path in every other frame of the same
//! key (NAS-Bench-101 stacks copies of one cell; NASNet shares its normal
//! cell and its reduction cell). `stack(n, || module)` wires `n` copies of a
//! module of several ports in a row, output `k` to input `k` (NASNet's cells
//! read the two previous cells); `n` is a value, not a decision.
//!
//! ```
//! # use archspace::ports::{Fan, Siso, TypedOp};
//! # use archspace::{Op, Param, search_space};
//! # fn conv2d(filters: impl Into<Param>) -> TypedOp<Siso> { TypedOp::siso(Op::new("conv2d").param("filters", filters)) }
//! #[search_space]
//! fn block() -> Space {
//!     let conv = conv2d(choice([16, 32]));
//!     expose!(conv.in -> conv.out)
//! }
//!
//! #[search_space]
//! fn net() -> Space {
//!     let cells = repeat(3, || sharing("block", || block()));
//!     expose!(cells.in -> cells.out)
//! }
//! // Three copies, one decision.
//! assert_eq!(net().def().count()?, 2u32.into());
//! # Ok::<(), archspace::SpecError>(())
//! ```
//!
//! ## Substitutions of your own: `substitution`
//!
//! `substitution(|n: i64, wide: bool| module-or-block)` is a substitution
//! module (DeepArchitect's escape hatch) written in the DSL: its parameters
//! name hyperparameters of the space; it fires once they all have values and
//! builds its body with them as plain Rust values. Inside its body,
//! `reject!(condition, "reason")` makes the combination
//! [`Invalid`](crate::Invalid).
//!
//! ```
//! # use archspace::ports::{Fan, Siso, TypedOp};
//! # use archspace::{Op, Param, search_space};
//! # fn conv2d(filters: impl Into<Param>) -> TypedOp<Siso> { TypedOp::siso(Op::new("conv2d").param("filters", filters)) }
//! #[search_space]
//! fn funnel() -> Space {
//!     let depth = choice([1, 2, 3]);
//!     let width = choice([16, 32, 64]);
//!     let body = substitution(|depth, width| {
//!         reject!(depth * width > 96, "too large");
//!         let convs = repeat(depth, || conv2d(width / 2));
//!         expose!(convs.in -> convs.out)
//!     });
//!     expose!(body.in -> body.out)
//! }
//! // (1, 16), (1, 32), (1, 64), (2, 16), (2, 32), (3, 16), (3, 32).
//! assert_eq!(funnel().def().count()?, 7u32.into());
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
//! `optional` flag, an `or_with` or `select` index past its alternatives
//! or sources, a string that names no alternative of `or_named`), duplicate
//! names, misused combinator arguments, unknown or missing options of `dag`,
//! factories with the wrong parameters, `reject!` outside a substitution,
//! spaces without modules. Ports of
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
