//! Passes cargo's optimization level for this crate (`OPT_LEVEL`, after any
//! `[profile.*.package]` override) to the code, which warns once at run
//! time when it was compiled unoptimized (`src/build_profile.rs`).

fn main() {
    let level = std::env::var("OPT_LEVEL").unwrap_or_default();
    println!("cargo:rustc-env=ARCHSPACE_CANDLE_OPT_LEVEL={level}");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=OPT_LEVEL");
}
