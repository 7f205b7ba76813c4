//! The generated code: an arguments struct and a `Tool` impl per function, written as a careful
//! person would by hand, and `register_tools` for a `#[tools]` impl block.

use std::collections::HashMap;

use proc_macro_crate::{FoundCrate, crate_name};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::{Ident, ImplItem, ItemFn, ItemImpl, LitStr, Visibility};

use crate::attrs::ToolArgs;
use crate::model::{Param, Returns, ToolFn};

/// `#[tool]` on a free function: the function as written, `{Name}Args` and the unit struct
/// `{Name}` implementing `Tool`.
pub(crate) fn free_tool(attr: TokenStream, mut item: ItemFn) -> syn::Result<TokenStream> {
    let args = ToolArgs::parse(attr)?;
    let tool = ToolFn::read(args, &item.attrs, &mut item.sig, false)?;
    let sf = functions_path(&tool.args);
    let pascal = pascal_case(&tool.ident);
    let tool_ty = format_ident!("{}", pascal, span = tool.ident.span());
    let args_ty = format_ident!("{}Args", pascal, span = tool.ident.span());
    let vis = &item.vis;
    let (args_struct, args_path) = args_struct(&tool, &sf, vis, &args_ty);
    let fn_ident = &tool.ident;
    let tool_impl = tool_impl(&tool, &sf, &tool_ty, &args_path, &quote!(#fn_ident));
    let doc = format!(
        "The `{}` tool, made by `#[tool]` from [`{fn_ident}`]: register it with \
         `registry.register({tool_ty})`.",
        tool.name.value()
    );
    Ok(quote! {
        #item
        #args_struct
        #[doc = #doc]
        #[derive(Debug, Clone, Copy, Default)]
        #vis struct #tool_ty;
        #tool_impl
    })
}

/// `#[tools]` on an impl block: the block as written (less the `#[tool]` attributes), and in a
/// private scope one tool per `#[tool]` method holding the value in an `Arc`, plus
/// `register_tools(self, &registry)`.
pub(crate) fn impl_tools(attr: TokenStream, mut item: ItemImpl) -> syn::Result<TokenStream> {
    let outer = ToolArgs::parse(attr)?;
    if !item.generics.params.is_empty() || item.trait_.is_some() {
        return Err(syn::Error::new_spanned(
            &item.self_ty,
            "#[tools] goes on an inherent impl block without generics",
        ));
    }
    let mut tools = Vec::new();
    for it in &mut item.items {
        let ImplItem::Fn(method) = it else { continue };
        let Some(pos) = method.attrs.iter().position(|a| a.path().is_ident("tool")) else {
            continue;
        };
        let attr = method.attrs.remove(pos);
        let tokens = match &attr.meta {
            syn::Meta::Path(_) => TokenStream::new(),
            syn::Meta::List(list) => list.tokens.clone(),
            syn::Meta::NameValue(nv) => {
                return Err(syn::Error::new_spanned(
                    nv,
                    "expected #[tool] or #[tool(…)]",
                ));
            }
        };
        let args = ToolArgs::parse(tokens)?.under(&outer);
        tools.push(ToolFn::read(args, &method.attrs, &mut method.sig, true)?);
    }
    if tools.is_empty() {
        return Err(syn::Error::new_spanned(
            &item.self_ty,
            "#[tools] found no #[tool] method in this impl block",
        ));
    }
    let mut seen: HashMap<String, &LitStr> = HashMap::new();
    for t in &tools {
        if seen.insert(t.name.value(), &t.name).is_some() {
            return Err(syn::Error::new(
                t.name.span(),
                format!(
                    "two tools named `{}` in one #[tools] block: tool names must be unique",
                    t.name.value()
                ),
            ));
        }
    }
    let sf = functions_path(&outer);
    let self_ty = &item.self_ty;
    let mut items = Vec::new();
    let mut registrations = Vec::new();
    for t in &tools {
        let tool_ty = format_ident!("__SwitchboardTool_{}", t.ident);
        let args_ty = format_ident!("__SwitchboardArgs_{}", t.ident);
        let (args_struct, args_path) = args_struct(t, &sf, &Visibility::Inherited, &args_ty);
        let method = &t.ident;
        let tool_impl = tool_impl(t, &sf, &tool_ty, &args_path, &quote!(self.0.#method));
        items.push(quote! {
            #args_struct
            #[allow(non_camel_case_types)]
            struct #tool_ty(::std::sync::Arc<#self_ty>);
            #tool_impl
        });
        registrations.push(quote! {
            registry.register(#tool_ty(::std::sync::Arc::clone(&this)))?;
        });
    }
    let names: Vec<String> = tools
        .iter()
        .map(|t| format!("`{}`", t.name.value()))
        .collect();
    let doc = format!(
        "Registers the tools of this type's #[tools] block ({}), sharing `self` between them.",
        names.join(", ")
    );
    Ok(quote! {
        #item
        const _: () = {
            #(#items)*
            impl #self_ty {
                #[doc = #doc]
                ///
                /// # Errors
                /// A tool name already taken in `registry`, or any other registration error.
                pub fn register_tools(
                    self,
                    registry: &#sf::ToolRegistry,
                ) -> ::core::result::Result<(), #sf::RegisterError> {
                    let this = ::std::sync::Arc::new(self);
                    #(#registrations)*
                    ::core::result::Result::Ok(())
                }
            }
        };
    })
}

/// The arguments struct (none when the function takes no argument: `NoArgs` then) and the
/// path of the arguments type.
fn args_struct(
    t: &ToolFn,
    sf: &TokenStream,
    vis: &Visibility,
    args_ty: &Ident,
) -> (TokenStream, TokenStream) {
    let fields: Vec<TokenStream> = t
        .params
        .iter()
        .filter_map(|p| match p {
            Param::Arg {
                ident,
                ty,
                field_attrs,
            } => Some(quote! { #(#field_attrs)* pub #ident: #ty, }),
            Param::Context => None,
        })
        .collect();
    if fields.is_empty() {
        return (TokenStream::new(), quote!(#sf::NoArgs));
    }
    let serde_path = format!("{sf}::__private::serde");
    let schemars_path = format!("{sf}::__private::schemars");
    // The doc becomes the schema's description; without one, a `#[serde(flatten)]` field's
    // type would lend its own.
    let doc = format!("Arguments of `{}`.", t.name.value());
    let tokens = quote! {
        #[doc = #doc]
        #[derive(#sf::__private::serde::Deserialize, #sf::__private::schemars::JsonSchema)]
        #[serde(crate = #serde_path)]
        #[schemars(crate = #schemars_path)]
        #[allow(non_camel_case_types, missing_docs, missing_debug_implementations)]
        #vis struct #args_ty {
            #(#fields)*
        }
    };
    (tokens, quote!(#args_ty))
}

/// `impl Tool for tool_ty`, calling `target(arguments…)`.
fn tool_impl(
    t: &ToolFn,
    sf: &TokenStream,
    tool_ty: &Ident,
    args_ty: &TokenStream,
    target: &TokenStream,
) -> TokenStream {
    let ret_span = t.returns_span();
    let types = match &t.returns {
        Returns::Result(ty) => quote_spanned! {ret_span=>
            type Output = <#ty as #sf::__private::ToolReturn>::Output;
            type Error = <#ty as #sf::__private::ToolReturn>::Error;
        },
        Returns::Plain(ty) => quote_spanned! {ret_span=>
            type Output = #ty;
            type Error = ::core::convert::Infallible;
        },
    };
    let output_schema = t.args.output_schema.then(|| {
        quote_spanned! {ret_span=>
            fn output_schema(&self) -> ::core::option::Option<#sf::__private::serde_json::Value> {
                ::core::option::Option::Some(
                    #sf::schema::schema_for::<<Self as #sf::Tool>::Output>(),
                )
            }
        }
    });
    let name = &t.name;
    let description = &t.description;
    let annotations = annotations(&t.args, sf);
    let exprs = t.params.iter().map(|p| match p {
        Param::Arg { ident, .. } => quote!(args.#ident),
        Param::Context => quote!(ctx),
    });
    let mut run = quote!(#target(#(#exprs),*));
    if t.is_async {
        run = quote!(#run.await);
    }
    let result = match &t.returns {
        Returns::Result(_) => quote!(#sf::__private::ToolReturn::into_result(#run)),
        Returns::Plain(_) => quote!(::core::result::Result::Ok(#run)),
    };
    let args_pat = if t.params.iter().any(|p| matches!(p, Param::Arg { .. })) {
        quote!(args)
    } else {
        quote!(_)
    };
    let fut = quote! {
        impl ::core::future::Future<
            Output = ::core::result::Result<<Self as #sf::Tool>::Output, <Self as #sf::Tool>::Error>,
        > + ::core::marker::Send
    };
    let calls = if t.takes_context() {
        quote! {
            /// Runs the tool with `Context::default()` (no caller known).
            fn call(&self, args: #args_ty) -> #fut {
                <Self as #sf::Tool>::call_with_context(self, args, #sf::Context::default())
            }

            fn call_with_context(&self, #args_pat: #args_ty, ctx: #sf::Context) -> #fut {
                async move { #result }
            }
        }
    } else {
        quote! {
            fn call(&self, #args_pat: #args_ty) -> #fut {
                async move { #result }
            }
        }
    };
    quote! {
        impl #sf::Tool for #tool_ty {
            type Args = #args_ty;
            #types

            fn name(&self) -> &str {
                #name
            }

            fn description(&self) -> &str {
                #description
            }

            fn annotations(&self) -> #sf::ToolAnnotations {
                #annotations
            }

            #output_schema
            #calls
        }
    }
}

/// The `ToolAnnotations` literal: MCP's cautious defaults, `read_only` implying not destructive
/// and idempotent, and whatever was said explicitly.
fn annotations(args: &ToolArgs, sf: &TokenStream) -> TokenStream {
    let read_only = args.read_only.unwrap_or(false);
    let destructive = args.destructive.unwrap_or(!read_only);
    let idempotent = args.idempotent.unwrap_or(read_only);
    let open_world = args.open_world.unwrap_or(true);
    let title = match &args.title {
        Some(t) => quote!(::core::option::Option::Some(::std::string::String::from(#t))),
        None => quote!(::core::option::Option::None),
    };
    quote! {
        #sf::ToolAnnotations {
            title: #title,
            read_only: #read_only,
            destructive: #destructive,
            idempotent: #idempotent,
            open_world: #open_world,
        }
    }
}

/// How the calling crate names `switchboard_functions`: `crate = "…"` if given, else its own
/// dependency (`switchboard-functions`, or the facade's `switchboard::functions`).
fn functions_path(args: &ToolArgs) -> TokenStream {
    if let Some(path) = &args.krate {
        return quote!(#path);
    }
    let ident = |name: &str| Ident::new(name, Span::call_site());
    match crate_name("switchboard-functions") {
        Ok(FoundCrate::Name(name)) => {
            let name = ident(&name);
            quote!(::#name)
        }
        Ok(FoundCrate::Itself) => quote!(::switchboard_functions),
        Err(_) => match crate_name("switchboard") {
            Ok(FoundCrate::Name(name)) => {
                let name = ident(&name);
                quote!(::#name::functions)
            }
            _ => quote!(::switchboard_functions),
        },
    }
}

/// `get_weather` → `GetWeather`.
fn pascal_case(ident: &Ident) -> String {
    ident
        .to_string()
        .trim_start_matches("r#")
        .split('_')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_types_are_named_in_pascal_case() {
        let id = |s: &str| Ident::new(s, Span::call_site());
        assert_eq!(pascal_case(&id("get_weather")), "GetWeather");
        assert_eq!(pascal_case(&id("add")), "Add");
        assert_eq!(pascal_case(&id("_x__y")), "XY");
    }
}
