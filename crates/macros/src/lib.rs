//! `#[tool]` and `#[tools]`: a `switchboard-functions` tool written as a documented function.
//!
//! This crate only generates code: an arguments struct deriving `Deserialize` and `JsonSchema`
//! and a `Tool` impl calling the function, what one would write by hand (no `unsafe`, no
//! reflection at run time). The README below is the guide; compiled examples are in
//! `switchboard-functions`' README and tests.
#![doc = include_str!("../README.md")]

mod attrs;
mod emit;
mod model;

use proc_macro::TokenStream;
use syn::{ItemFn, ItemImpl, parse_macro_input};

/// Turns a documented function into a tool: the unit struct `{Name}` (PascalCase of the
/// function name) implementing `Tool`, and its arguments struct `{Name}Args`; the function
/// stays as written. Arguments: `name`, `description`, `title`, `read_only`, `destructive`,
/// `idempotent`, `open_world`, `output_schema`, `require_docs`, `crate` (the crate
/// documentation says what each does).
#[proc_macro_attribute]
pub fn tool(attr: TokenStream, item: TokenStream) -> TokenStream {
    let item = parse_macro_input!(item as ItemFn);
    emit::free_tool(attr.into(), item)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Turns the `#[tool]` methods (`&self`) of an impl block into tools sharing the value, and adds
/// `register_tools(self, &ToolRegistry)`, which registers them all with one call. Takes
/// `require_docs`, `output_schema` and `crate`, applied to every method.
#[proc_macro_attribute]
pub fn tools(attr: TokenStream, item: TokenStream) -> TokenStream {
    let item = parse_macro_input!(item as ItemImpl);
    emit::impl_tools(attr.into(), item)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
