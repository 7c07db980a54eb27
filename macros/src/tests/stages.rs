//! Each stage on `quote!` input.

use quote::quote;

use crate::ast::{Arg, Binding, FactoryBody, ModuleExpr, ParamRole, Stmt};
use crate::ctxt::Ctxt;
use crate::plan::{ArgPlan, Build, Step};
use crate::verdict::Verdicts;
use crate::{check, emit, lower, parse};

#[test]
fn parse_reads_the_seed_space() {
    let body = parse::parse_inline(super::tokens(super::SEED)).expect("parses");
    assert_eq!(body.stmts.len(), 11);
    let lets = body.stmts.iter().filter(|s| matches!(s, Stmt::Let(_))).count();
    assert_eq!(lets, 7);
    let Some(Stmt::Let(n2)) = body.stmts.get(1) else { panic!("second statement is a let") };
    assert!(matches!(&n2.value, Binding::Dependent(c) if c.receiver.as_ref().is_some_and(|r| r == "n")));
    let expose = body.expose.expect("expose");
    assert_eq!((expose.inputs.len(), expose.outputs.len()), (1, 1));
}

#[test]
fn parse_keeps_a_bare_arrow_as_a_broken_statement_and_goes_on() {
    let body = parse::parse_inline(quote!(let a = relu(); a.out -> b.in; let c = relu();)).expect("parses");
    assert_eq!(body.stmts.len(), 3, "the statement after the mistake is read");
    let Some(Stmt::Broken(broken)) = body.stmts.get(1) else { panic!("the arrow is a broken statement") };
    let message = broken.error.to_string();
    assert!(message.starts_with("expected `let name = ..;`"), "{message}");
    assert!(message.contains("a connection is written `connect!(a.out -> b.in);`"), "{message}");
    let mentions: Vec<String> = broken.mentions.iter().map(ToString::to_string).collect();
    assert_eq!(mentions, ["a", "out", "b", "in"]);
    assert!(matches!(body.stmts.get(2), Some(Stmt::Let(l)) if l.name == "c"));
}

#[test]
fn parse_reads_parameter_roles_from_types() {
    let f = parse::parse_fn(quote! {
        pub fn cell(width: Param, hidden: Factory, join: archspace::CombineFactory, depth: usize) -> Space {
            let h = hidden();
            expose!(h.in -> h.out)
        }
    })
    .expect("parses");
    let roles: Vec<ParamRole> = f.params.iter().map(|p| p.role).collect();
    assert_eq!(roles, [ParamRole::Hyper, ParamRole::Factory, ParamRole::Combine, ParamRole::Plain]);
}

#[test]
fn check_accepts_the_seed_space_and_rejects_a_missing_expose() {
    let mut cx = Ctxt::new();
    check::check_inline(&mut cx, &parse::parse_inline(super::tokens(super::SEED)).expect("parses"));
    assert!(cx.is_ok());
    let mut cx = Ctxt::new();
    check::check_inline(&mut cx, &parse::parse_inline(quote!(let a = relu();)).expect("parses"));
    let messages: Vec<String> = cx.messages().into_iter().map(|(m, _)| m).collect();
    assert_eq!(messages, ["missing `expose!(inputs -> outputs)` at the end of the space"]);
}

#[test]
fn lower_infers_value_types_and_resolves_arguments() {
    let plan =
        lower::lower_inline(&parse::parse_inline(super::tokens(super::SEED)).expect("parses"), &Verdicts::default());
    let Some(Step::Dependent { reads, deps, .. }) = plan.steps.get(1) else { panic!("a dependent") };
    assert_eq!(deps[0], "n");
    assert_eq!(reads[0].ty.to_string(), "i64");
    let Some(Step::Module { build: Build::Combinator { args, .. }, .. }) = plan.steps.get(4) else {
        panic!("left is a combinator")
    };
    assert!(matches!(&args[0], ArgPlan::Hyper(h) if h == "n"));
    assert!(matches!(&args[1], ArgPlan::Factory(_)));
    let connects = plan.steps.iter().filter(|s| matches!(s, Step::Connect { .. })).count();
    assert_eq!(connects, 5, "the fan-out makes two connections");
}

#[test]
fn lower_binds_hyperparameter_arguments_once() {
    let f = parse::parse_fn(quote! {
        fn cell(width: Param, hidden: Factory) -> Space {
            let a = dense(width);
            let b = repeat(2, || dense(width));
            connect!(a.out -> b.in);
            expose!(a.in -> b.out)
        }
    })
    .expect("parses");
    let plan = lower::lower_fn(&f, &Verdicts::default());
    assert!(matches!(plan.steps.first(), Some(Step::BindParam(p)) if p == "width"));
    let binds = plan.steps.iter().filter(|s| matches!(s, Step::BindParam(_))).count();
    assert_eq!(binds, 1, "factories are not hyperparameters");
}

#[test]
fn emit_uses_absolute_paths_and_prefixed_helpers() {
    let plan =
        lower::lower_inline(&parse::parse_inline(super::tokens(super::SEED)).expect("parses"), &Verdicts::default());
    let text = emit::emit_inline(&plan, false).to_string();
    assert!(text.starts_with(":: archspace :: __private :: SpaceDef :: new"), "{text}");
    assert!(text.contains("__as_s . named_choice (\"n\" , [1 , 2 , 4]) ?"), "{text}");
    assert!(text.contains("connect_fan_in") || text.contains(":: archspace :: __private :: connect"));
    assert!(!text.contains(" Result <") || text.contains(":: core :: result :: Result"));
}

#[test]
fn expansion_is_linear_in_the_text() {
    let space = |k: usize| {
        let mut src = String::from("let m0 = relu();\n");
        for i in 1..k {
            src.push_str(&format!("let m{i} = relu();\nconnect!(m{}.out -> m{i}.in);\n", i - 1));
        }
        src.push_str(&format!("expose!(m0.in -> m{}.out)", k - 1));
        let plan =
            lower::lower_inline(&parse::parse_inline(super::tokens(&src)).expect("parses"), &Verdicts::default());
        emit::emit_inline(&plan, false).to_string().len()
    };
    let (small, large) = (space(50), space(100));
    let ratio = large as f64 / small as f64;
    assert!((1.8..2.2).contains(&ratio), "expansion grows {ratio}x for 2x the text");
}

#[test]
fn errors_are_deduplicated_capped_and_suggested() {
    let mut cx = Ctxt::new();
    let span = proc_macro2::Span::call_site();
    cx.error(span, "same");
    cx.error(span, "same");
    for i in 0..100 {
        cx.error(span, format!("error {i}"));
    }
    assert_eq!(cx.messages().len(), 32, "one `same` and the first 31 others");
    assert_eq!(crate::ctxt::did_you_mean("ouput", ["in", "out"]), "; did you mean `out`?");
    assert_eq!(crate::ctxt::did_you_mean("stme", ["stem", "cat"]), "; did you mean `stem`?");
    assert_eq!(crate::ctxt::did_you_mean("zzz", ["stem", "cat"]), "");
}

#[test]
fn parse_reads_a_block_of_one_module_as_that_module() {
    let body = parse::parse_inline(quote!(
        let s = repeat(choice([1, 2]), || { relu() });
        let t = repeat(choice([1, 2]), || { let r = relu(); expose!(r.in -> r.out) });
        connect!(s.out -> t.in);
        expose!(s.in -> t.out)
    ))
    .expect("parses");
    let factory = |i: usize| match body.stmts.get(i) {
        Some(Stmt::Let(l)) => match &l.value {
            Binding::Module(ModuleExpr::Combinator { args, .. }) => match args.get(1) {
                Some(Arg::Factory(f)) => &f.body,
                _ => panic!("statement {i}: the second argument is a factory"),
            },
            _ => panic!("statement {i} builds a combinator"),
        },
        _ => panic!("statement {i} is a let"),
    };
    assert!(matches!(factory(0), FactoryBody::Module(m) if matches!(**m, ModuleExpr::Call { .. })));
    assert!(matches!(factory(1), FactoryBody::Block(b) if b.stmts.len() == 1 && b.expose.is_some()));
    let mut cx = Ctxt::new();
    check::check_inline(&mut cx, &body);
    assert!(cx.is_ok(), "{:?}", cx.messages());
}
