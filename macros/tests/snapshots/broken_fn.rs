::core::compile_error! {
    "unknown module `b`; did you mean `a`?"
}
#[allow(unused_variables)]
pub fn broken(
    width: Param,
) -> ::archspace::__private::SubSpace<::archspace::__private::Siso> {
    ::archspace::__private::SubSpace::new(
        "broken",
        move |
            #[allow(unused_variables)]
            __as_s: &mut ::archspace::__private::Space,
        | -> ::core::result::Result<
            ::archspace::__private::Io,
            ::archspace::__private::SpecError,
        > {
            let width = ::archspace::__private::hyper_of(
                __as_s,
                "width",
                ::core::clone::Clone::clone(&width),
            )?;
            let a = ::archspace::__private::place(
                __as_s,
                ::core::option::Option::Some("a"),
                relu(),
            )?;
            ::core::result::Result::Ok(
                ::archspace::__private::border(
                    [("in", ::archspace::__private::input(a.r#in()))],
                    [("out", ::archspace::__private::output(a.out()))],
                ),
            )
        },
    )
}
