pub fn cell(
    width: Param,
    hidden: Factory,
) -> ::archspace::__private::SubSpace<::archspace::__private::Siso> {
    ::archspace::__private::SubSpace::new(
        "cell",
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
            let input = ::archspace::__private::place(
                __as_s,
                ::core::option::Option::Some("input"),
                dense(::archspace::__private::Param::from(width)),
            )?;
            let hid = ::archspace::__private::place(
                __as_s,
                ::core::option::Option::Some("hid"),
                ::core::clone::Clone::clone(&hidden),
            )?;
            let deep = ::archspace::__private::siso(
                __as_s
                    .named("deep")
                    .repeat(
                        ::archspace::__private::choice([1, 2]),
                        {
                            #[allow(unused_variables)]
                            let hidden = ::core::clone::Clone::clone(&hidden);
                            move |
                                #[allow(unused_variables)]
                                __as_s: &mut ::archspace::__private::Space,
                            | -> ::core::result::Result<
                                ::archspace::__private::Io,
                                ::archspace::__private::SpecError,
                            > {
                                let x = ::archspace::__private::place(
                                    __as_s,
                                    ::core::option::Option::Some("x"),
                                    dense(::archspace::__private::Param::from(width)),
                                )?;
                                let y = ::archspace::__private::place(
                                    __as_s,
                                    ::core::option::Option::Some("y"),
                                    relu(),
                                )?;
                                ::archspace::__private::connect(__as_s, x.out(), y.r#in())?;
                                ::archspace::__private::wired(
                                    ::archspace::__private::wiring(&x)
                                        .used(x.out())
                                        .fed(x.r#in()),
                                );
                                ::archspace::__private::wired(
                                    ::archspace::__private::wiring(&y)
                                        .fed(y.r#in())
                                        .used(y.out()),
                                );
                                ::core::result::Result::Ok(
                                    ::archspace::__private::border(
                                        [("in", ::archspace::__private::input(x.r#in()))],
                                        [("out", ::archspace::__private::output(y.out()))],
                                    ),
                                )
                            }
                        },
                    ),
            )?;
            ::archspace::__private::connect(__as_s, input.out(), hid.r#in())?;
            ::archspace::__private::connect(__as_s, hid.out(), deep.r#in())?;
            ::archspace::__private::wired(
                ::archspace::__private::wiring(&input)
                    .used(input.out())
                    .fed(input.r#in()),
            );
            ::core::result::Result::Ok(
                ::archspace::__private::border(
                    [("in", ::archspace::__private::input(input.r#in()))],
                    [("out", ::archspace::__private::output(deep.out()))],
                ),
            )
        },
    )
}
