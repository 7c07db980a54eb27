fn block(depth: usize) -> ::archspace::__private::SubSpace<__as_ports_block> {
    ::archspace::__private::SubSpace::new(
        "block",
        move |
            #[allow(unused_variables)]
            __as_s: &mut ::archspace::__private::Space,
        | -> ::core::result::Result<
            ::archspace::__private::Io,
            ::archspace::__private::SpecError,
        > {
            let a = __as_s.named_choice("a", [1, 2])?;
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
                [
                    ::archspace::__private::output(both.out()),
                    ::archspace::__private::output(split.out()),
                ],
                &cat,
            )?;
            ::archspace::__private::connect(__as_s, res.out(), both.r#in())?;
            ::archspace::__private::connect(__as_s, res.out(), split.r#in())?;
            ::archspace::__private::wired(
                ::archspace::__private::wiring(&cat).fan_in().used(cat.out()),
            );
            ::core::result::Result::Ok(
                ::archspace::__private::border(
                    [("x", ::archspace::__private::input(res.r#in()))],
                    [
                        ("y", ::archspace::__private::output(cat.out())),
                        ("z", ::archspace::__private::output(cat.out())),
                    ],
                ),
            )
        },
    )
}
#[doc(hidden)]
#[allow(non_camel_case_types, dead_code)]
struct __as_ports_block {
    io: ::archspace::__private::Io,
    inputs: [::archspace::__private::InputId; 1usize],
    outputs: [::archspace::__private::OutputId; 2usize],
}
impl __as_ports_block {
    pub fn x(&self) -> ::archspace::__private::InPort<__as_port_block_x> {
        ::archspace::__private::InPort::named(self.inputs[0usize])
    }
    pub fn y(&self) -> ::archspace::__private::OutPort<__as_port_block_y> {
        ::archspace::__private::OutPort::named(self.outputs[0usize])
    }
    pub fn z(&self) -> ::archspace::__private::OutPort<__as_port_block_z> {
        ::archspace::__private::OutPort::named(self.outputs[1usize])
    }
}
impl ::archspace::__private::PortSet for __as_ports_block {
    type Wiring = __as_wiring_block<
        ::archspace::__private::Open,
        ::archspace::__private::Open,
        ::archspace::__private::Open,
    >;
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
#[doc(hidden)]
#[allow(non_camel_case_types, dead_code)]
struct __as_port_block_x;
#[doc(hidden)]
#[allow(non_camel_case_types)]
#[diagnostic::on_unimplemented(
    message = "input `x` of this `block` is neither connected nor exposed",
    label = "`x` is never connected",
    note = "connect it, `connect!(source.out -> this.x)`, or expose it, `expose!(this.x -> ..)`"
)]
trait __as_wired_block_x {}
impl __as_wired_block_x for ::archspace::__private::Wired {}
#[doc(hidden)]
#[allow(non_camel_case_types, dead_code)]
struct __as_port_block_y;
#[doc(hidden)]
#[allow(non_camel_case_types)]
#[diagnostic::on_unimplemented(
    message = "output `y` of this `block` is neither used nor exposed",
    label = "`y` is never used",
    note = "use it, `connect!(this.y -> target.in)`, or expose it, `expose!(.. -> this.y)`"
)]
trait __as_wired_block_y {}
impl __as_wired_block_y for ::archspace::__private::Wired {}
#[doc(hidden)]
#[allow(non_camel_case_types, dead_code)]
struct __as_port_block_z;
#[doc(hidden)]
#[allow(non_camel_case_types)]
#[diagnostic::on_unimplemented(
    message = "output `z` of this `block` is neither used nor exposed",
    label = "`z` is never used",
    note = "use it, `connect!(this.z -> target.in)`, or expose it, `expose!(.. -> this.z)`"
)]
trait __as_wired_block_z {}
impl __as_wired_block_z for ::archspace::__private::Wired {}
#[doc(hidden)]
#[allow(non_camel_case_types, dead_code, clippy::type_complexity)]
struct __as_wiring_block<S0, S1, S2>(::core::marker::PhantomData<fn() -> (S0, S1, S2)>);
impl<S0, S1, S2> ::archspace::__private::AllWired for __as_wiring_block<S0, S1, S2>
where
    S0: __as_wired_block_x,
    S1: __as_wired_block_y,
    S2: __as_wired_block_z,
{}
impl<S0, S1, S2> ::archspace::__private::Mark<::archspace::__private::AllInputs>
for __as_wiring_block<S0, S1, S2> {
    type Marked = __as_wiring_block<::archspace::__private::Wired, S1, S2>;
}
impl<S0, S1, S2> ::archspace::__private::Mark<::archspace::__private::Everything>
for __as_wiring_block<S0, S1, S2> {
    type Marked = __as_wiring_block<
        ::archspace::__private::Wired,
        ::archspace::__private::Wired,
        ::archspace::__private::Wired,
    >;
}
impl<S0, S1, S2> ::archspace::__private::Mark<__as_port_block_x>
for __as_wiring_block<S0, S1, S2> {
    type Marked = __as_wiring_block<::archspace::__private::Wired, S1, S2>;
}
impl<S0, S1, S2> ::archspace::__private::Mark<__as_port_block_y>
for __as_wiring_block<S0, S1, S2> {
    type Marked = __as_wiring_block<S0, ::archspace::__private::Wired, S2>;
}
impl<S0, S1, S2> ::archspace::__private::Mark<__as_port_block_z>
for __as_wiring_block<S0, S1, S2> {
    type Marked = __as_wiring_block<S0, S1, ::archspace::__private::Wired>;
}
