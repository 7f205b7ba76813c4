//! One tool as read from a function signature: its name, description, parameters (arguments
//! and the injected `Context`), return shape and annotations, with every rule checked here so
//! that each error points at the code that broke it.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Attribute, FnArg, Ident, LitStr, Pat, ReturnType, Signature, Type};

use crate::attrs::{ToolArgs, arg_description, doc_lines, first_paragraph};

/// A parameter of the function.
pub(crate) enum Param {
    /// A property of the arguments struct.
    Arg {
        ident: Ident,
        ty: Box<Type>,
        /// `#[doc]` (from `///` or `#[arg(description)]`), `#[serde]` and `#[schemars]`, moved
        /// onto the struct field.
        field_attrs: Vec<Attribute>,
    },
    /// The caller's context, injected.
    Context,
}

/// What the function returns.
pub(crate) enum Returns {
    /// A type named `Result` (any path or alias): `Ok` is the output, `Err` the error.
    Result(Type),
    /// Anything else (the unit type when nothing is written): the output, never an error.
    Plain(Type),
}

/// A function annotated `#[tool]`.
pub(crate) struct ToolFn {
    pub(crate) ident: Ident,
    pub(crate) name: LitStr,
    pub(crate) description: LitStr,
    pub(crate) args: ToolArgs,
    pub(crate) params: Vec<Param>,
    pub(crate) is_async: bool,
    pub(crate) returns: Returns,
}

impl ToolFn {
    /// Reads `sig` (with its doc comments in `attrs`) and strips the parameter attributes the
    /// compiler would refuse. `method` says whether an `&self` receiver is expected.
    pub(crate) fn read(
        args: ToolArgs,
        attrs: &[Attribute],
        sig: &mut Signature,
        method: bool,
    ) -> syn::Result<Self> {
        if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
            return Err(syn::Error::new_spanned(
                &sig.generics,
                "a #[tool] function cannot be generic: its arguments' schema is fixed",
            ));
        }
        let name = args
            .name
            .clone()
            .unwrap_or_else(|| LitStr::new(&sig.ident.to_string(), sig.ident.span()));
        let description = match &args.description {
            Some(d) => d.clone(),
            None => {
                let text = first_paragraph(&doc_lines(attrs)).ok_or_else(|| {
                    syn::Error::new(
                        sig.ident.span(),
                        "a #[tool] needs a description for the model: write a doc comment \
                         (its first paragraph is used) or `#[tool(description = \"…\")]`",
                    )
                })?;
                LitStr::new(&text, sig.ident.span())
            }
        };
        let mut params = Vec::new();
        let mut receiver = false;
        for input in &mut sig.inputs {
            match input {
                FnArg::Receiver(r) => {
                    if !method || r.reference.is_none() || r.mutability.is_some() {
                        return Err(syn::Error::new_spanned(
                            &*r,
                            if method {
                                "a #[tool] method takes `&self` (the registry shares the value)"
                            } else {
                                "a method is a tool only inside a #[tools] impl block"
                            },
                        ));
                    }
                    receiver = true;
                }
                FnArg::Typed(pt) => params.push(param(pt, args.require_docs)?),
            }
        }
        if method && !receiver {
            return Err(syn::Error::new(
                sig.ident.span(),
                "a #[tool] method takes `&self` (the registry shares the value)",
            ));
        }
        if params
            .iter()
            .filter(|p| matches!(p, Param::Context))
            .count()
            > 1
        {
            return Err(syn::Error::new(
                sig.inputs.span(),
                "at most one `Context` parameter",
            ));
        }
        let returns = match &sig.output {
            ReturnType::Default => Returns::Plain(syn::parse_quote!(())),
            ReturnType::Type(_, ty) if is_named(ty, "Result") => Returns::Result((**ty).clone()),
            ReturnType::Type(_, ty) => Returns::Plain((**ty).clone()),
        };
        Ok(ToolFn {
            ident: sig.ident.clone(),
            name,
            description,
            args,
            params,
            is_async: sig.asyncness.is_some(),
            returns,
        })
    }

    /// Whether the function takes the caller's context.
    pub(crate) fn takes_context(&self) -> bool {
        self.params.iter().any(|p| matches!(p, Param::Context))
    }

    /// The span of the return type, where errors about the output belong.
    pub(crate) fn returns_span(&self) -> Span {
        match &self.returns {
            Returns::Result(ty) | Returns::Plain(ty) => ty.span(),
        }
    }
}

/// Reads one typed parameter, taking its attributes off the signature.
fn param(pt: &mut syn::PatType, require_docs: bool) -> syn::Result<Param> {
    let ident = match &*pt.pat {
        Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => p.ident.clone(),
        other => {
            return Err(syn::Error::new_spanned(
                other,
                "a #[tool] parameter must be a plain name: it becomes a property of the arguments",
            ));
        }
    };
    let attrs = std::mem::take(&mut pt.attrs);
    if is_named(&pt.ty, "Context") {
        return Ok(Param::Context);
    }
    if let Type::Reference(r) = &*pt.ty {
        return Err(syn::Error::new_spanned(
            r,
            "a #[tool] parameter is deserialised from the model's JSON, so it is owned: use \
             `String` for `&str`, `Vec<T>` for `&[T]`",
        ));
    }
    let mut field_attrs = Vec::new();
    let mut described = false;
    for attr in attrs {
        if attr.path().is_ident("arg") {
            let text = arg_description(&attr)?;
            field_attrs.push(syn::parse_quote_spanned!(attr.span()=> #[doc = #text]));
            described = true;
        } else if attr.path().is_ident("doc") {
            described = true;
            field_attrs.push(attr);
        } else if attr.path().is_ident("serde") || attr.path().is_ident("schemars") {
            field_attrs.push(attr);
        } else {
            return Err(syn::Error::new_spanned(
                attr.path(),
                "a #[tool] parameter takes `///` docs, #[arg(description = \"…\")], #[serde(…)] \
                 and #[schemars(…)] attributes",
            ));
        }
    }
    if require_docs && !described {
        return Err(syn::Error::new(
            ident.span(),
            format!(
                "parameter `{ident}` has no description (`require_docs`): add a `///` comment or \
                 #[arg(description = \"…\")]"
            ),
        ));
    }
    Ok(Param::Arg {
        ident,
        ty: pt.ty.clone(),
        field_attrs,
    })
}

/// Whether `ty` is a path whose last segment is `name` (`Context`, `io::Result<T>`, …).
fn is_named(ty: &Type, name: &str) -> bool {
    match ty {
        Type::Path(p) if p.qself.is_none() => {
            p.path.segments.last().is_some_and(|s| s.ident == name)
        }
        Type::Group(g) => is_named(&g.elem, name),
        Type::Paren(p) => is_named(&p.elem, name),
        _ => false,
    }
}
