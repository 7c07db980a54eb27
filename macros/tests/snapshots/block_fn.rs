fn block(depth: usize) -> ::archspace::__private::SubSpace<__as_ports_block> {
    ::archspace::__private::SubSpace::new(
        "block",
        move |
            __as_s: &mut ::archspace::__private::Space,
        | -> ::core::result::Result<
            ::archspace::__private::Io,
            ::archspace::__private::SpecError,
        > {
            #[allow(unused_variables)]
            let a = __as_s.named_choice("a", [1, 2])?;
            #[allow(unused_variables)]
            let b = __as_s.named_choice("b", [1, 2, 3])?;
            __as_s
                .constraint(
                    "small",
                    &[a, b],
                    move |__as_v: &[::archspace::__private::Value]| -> bool {
                        let ::core::result::Result::Ok(a) = ::archspace::__private::arg::<
                            i64,
                        >(__as_v, 0usize) else {
                            return false;
                        };
                        let ::core::result::Result::Ok(b) = ::archspace::__private::arg::<
                            i64,
                        >(__as_v, 1usize) else {
                            return false;
                        };
                        a * b <= 4
                    },
                )?;
            #[allow(unused_variables)]
            let lr = __as_s.shared("lr", [0.1, 0.01])?;
            let both = ::archspace::__private::siso(
                __as_s
                    .named("both")
                    .or(
                        ::archspace::__private::Alternatives::list()
                            .with({
                                #[allow(unused_variables)]
                                let depth = ::core::clone::Clone::clone(&depth);
                                move |
                                    __as_s: &mut ::archspace::__private::Space,
                                | -> ::core::result::Result<
                                    ::archspace::__private::Io,
                                    ::archspace::__private::SpecError,
                                > {
                                    ::archspace::__private::place_io(
                                        __as_s,
                                        ::core::option::Option::None,
                                        relu(),
                                    )
                                }
                            })
                            .with({
                                #[allow(unused_variables)]
                                let depth = ::core::clone::Clone::clone(&depth);
                                move |
                                    __as_s: &mut ::archspace::__private::Space,
                                | -> ::core::result::Result<
                                    ::archspace::__private::Io,
                                    ::archspace::__private::SpecError,
                                > {
                                    ::archspace::__private::place_io(
                                        __as_s,
                                        ::core::option::Option::None,
                                        tanh(),
                                    )
                                }
                            }),
                    ),
            )?;
            let split = ::archspace::__private::siso(
                __as_s
                    .named("split")
                    .split_combine(
                        ::archspace::__private::Param::from(a),
                        {
                            #[allow(unused_variables)]
                            let depth = ::core::clone::Clone::clone(&depth);
                            move |
                                __as_s: &mut ::archspace::__private::Space,
                            | -> ::core::result::Result<
                                ::archspace::__private::Io,
                                ::archspace::__private::SpecError,
                            > {
                                ::archspace::__private::place_io(
                                    __as_s,
                                    ::core::option::Option::None,
                                    conv(::archspace::__private::Param::from(b)),
                                )
                            }
                        },
                        {
                            #[allow(unused_variables)]
                            let depth = ::core::clone::Clone::clone(&depth);
                            move |
                                __as_s: &mut ::archspace::__private::Space,
                                #[allow(unused_variables)]
                                k: _,
                            | -> ::core::result::Result<
                                ::archspace::__private::Io,
                                ::archspace::__private::SpecError,
                            > {
                                ::archspace::__private::place_io(
                                    __as_s,
                                    ::core::option::Option::None,
                                    concat_n(k),
                                )
                            }
                        },
                    ),
            )?;
            let res = ::archspace::__private::siso(
                __as_s
                    .in_scope(
                        "res",
                        |__as_s| {
                            __as_s
                                .residual(
                                    {
                                        #[allow(unused_variables)]
                                        let depth = ::core::clone::Clone::clone(&depth);
                                        move |
                                            __as_s: &mut ::archspace::__private::Space,
                                        | -> ::core::result::Result<
                                            ::archspace::__private::Io,
                                            ::archspace::__private::SpecError,
                                        > {
                                            ::archspace::__private::place_io(
                                                __as_s,
                                                ::core::option::Option::None,
                                                relu(),
                                            )
                                        }
                                    },
                                    {
                                        #[allow(unused_variables)]
                                        let depth = ::core::clone::Clone::clone(&depth);
                                        move |
                                            __as_s: &mut ::archspace::__private::Space,
                                        | -> ::core::result::Result<
                                            ::archspace::__private::Io,
                                            ::archspace::__private::SpecError,
                                        > { __as_s.identity() }
                                    },
                                    {
                                        #[allow(unused_variables)]
                                        let depth = ::core::clone::Clone::clone(&depth);
                                        move |
                                            __as_s: &mut ::archspace::__private::Space,
                                        | -> ::core::result::Result<
                                            ::archspace::__private::Io,
                                            ::archspace::__private::SpecError,
                                        > {
                                            ::archspace::__private::place_io(
                                                __as_s,
                                                ::core::option::Option::None,
                                                add(),
                                            )
                                        }
                                    },
                                )
                        },
                    ),
            )?;
            let cat = ::archspace::__private::place(
                __as_s,
                ::core::option::Option::Some("cat"),
                concat::<2>(),
            )?;
            ::archspace::__private::connect_fan_in(
                __as_s,
                [both.out(), split.out()],
                &cat,
            )?;
            ::archspace::__private::connect(__as_s, res.out(), both.r#in())?;
            ::archspace::__private::connect(__as_s, res.out(), split.r#in())?;
            ::core::result::Result::Ok(
                ::archspace::__private::border(
                    [("x", res.r#in())],
                    [("y", cat.out()), ("z", cat.out())],
                ),
            )
        },
    )
}
#[doc(hidden)]
#[allow(non_camel_case_types)]
struct __as_ports_block {
    io: ::archspace::__private::Io,
    inputs: [::archspace::__private::InputId; 1usize],
    outputs: [::archspace::__private::OutputId; 2usize],
}
impl __as_ports_block {
    pub fn x(&self) -> ::archspace::__private::InPort {
        ::archspace::__private::InPort::new(self.inputs[0usize])
    }
    pub fn y(&self) -> ::archspace::__private::OutPort {
        ::archspace::__private::OutPort::new(self.outputs[0usize])
    }
    pub fn z(&self) -> ::archspace::__private::OutPort {
        ::archspace::__private::OutPort::new(self.outputs[1usize])
    }
}
impl ::archspace::__private::PortSet for __as_ports_block {
    fn from_io(
        io: ::archspace::__private::Io,
    ) -> ::core::result::Result<Self, ::archspace::__private::SpecError> {
        let inputs = [io.input("x")?];
        let outputs = [io.output("y")?, io.output("z")?];
        ::core::result::Result::Ok(__as_ports_block {
            io,
            inputs,
            outputs,
        })
    }
    fn io(&self) -> &::archspace::__private::Io {
        &self.io
    }
}
