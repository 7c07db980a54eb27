::core::compile_error! {
    "unknown module `b`; did you mean `a`?"
}
#[allow(unused_variables)]
pub fn broken(
    width: Param,
) -> ::archspace::__private::SubSpace<::archspace::__private::Siso> {
    ::archspace::__private::SubSpace::failed("broken")
}
