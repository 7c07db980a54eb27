fn __snapshot() {
    let _ = ::archspace::__private::SpaceDef::new(move |
        #[allow(unused_variables)]
        __as_s: &mut ::archspace::__private::Space,
    | -> ::core::result::Result<
        ::archspace::__private::Io,
        ::archspace::__private::SpecError,
    > {
        let n = __as_s.named_choice("n", [1, 2, 4])?;
        let n2 = __as_s
            .named_dependent(
                "n2",
                &[n],
                move |__as_v: &[::archspace::__private::Value]| {
                    let n: i64 = ::archspace::__private::arg(__as_v, 0usize)?;
                    ::core::result::Result::Ok(::archspace::__private::value(2 * n))
                },
            )?;
        let stem = ::archspace::__private::place(
            __as_s,
            ::core::option::Option::Some("stem"),
            conv2d(::archspace::__private::choice([64, 128])),
        )?;
        let drop = ::archspace::__private::siso(
            __as_s
                .named("drop")
                .optional(move |
                    __as_s: &mut ::archspace::__private::Space,
                | -> ::core::result::Result<
                    ::archspace::__private::Io,
                    ::archspace::__private::SpecError,
                > {
                    ::archspace::__private::place_io(
                        __as_s,
                        ::core::option::Option::None,
                        dropout(::archspace::__private::choice([0.25, 0.5])),
                    )
                }),
        )?;
        let left = ::archspace::__private::siso(
            __as_s
                .named("left")
                .repeat(
                    ::archspace::__private::Param::from(n),
                    move |
                        __as_s: &mut ::archspace::__private::Space,
                    | -> ::core::result::Result<
                        ::archspace::__private::Io,
                        ::archspace::__private::SpecError,
                    > {
                        ::archspace::__private::place_io(
                            __as_s,
                            ::core::option::Option::None,
                            conv2d(::archspace::__private::choice([64, 128])),
                        )
                    },
                ),
        )?;
        let right = ::archspace::__private::siso(
            __as_s
                .named("right")
                .repeat(
                    ::archspace::__private::Param::from(n2),
                    move |
                        __as_s: &mut ::archspace::__private::Space,
                    | -> ::core::result::Result<
                        ::archspace::__private::Io,
                        ::archspace::__private::SpecError,
                    > {
                        ::archspace::__private::place_io(
                            __as_s,
                            ::core::option::Option::None,
                            conv2d(::archspace::__private::choice([64, 128])),
                        )
                    },
                ),
        )?;
        let cat = ::archspace::__private::place(
            __as_s,
            ::core::option::Option::Some("cat"),
            concat::<2>(),
        )?;
        ::archspace::__private::connect(__as_s, stem.out(), drop.r#in())?;
        ::archspace::__private::connect(__as_s, drop.out(), left.r#in())?;
        ::archspace::__private::connect(__as_s, drop.out(), right.r#in())?;
        ::archspace::__private::connect(__as_s, left.out(), cat.in0())?;
        ::archspace::__private::connect(__as_s, right.out(), cat.in1())?;
        ::archspace::__private::wired(
            ::archspace::__private::wiring(&stem).used(stem.out()).fed(stem.r#in()),
        );
        ::archspace::__private::wired(
            ::archspace::__private::wiring(&cat)
                .fed(cat.in0())
                .fed(cat.in1())
                .used(cat.out()),
        );
        ::core::result::Result::Ok(
            ::archspace::__private::border(
                [("in", ::archspace::__private::input(stem.r#in()))],
                [("out", ::archspace::__private::output(cat.out()))],
            ),
        )
    });
}
