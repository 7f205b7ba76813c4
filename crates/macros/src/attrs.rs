//! The arguments of `#[tool(…)]` / `#[tools(…)]` and `#[arg(…)]`, and doc-comment text.

use proc_macro2::{Span, TokenStream};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Attribute, Expr, ExprLit, Lit, LitBool, LitStr, Meta, Token};

/// What `#[tool(…)]` says. Every field is optional.
#[derive(Default, Clone)]
pub(crate) struct ToolArgs {
    pub(crate) name: Option<LitStr>,
    pub(crate) description: Option<LitStr>,
    pub(crate) title: Option<LitStr>,
    pub(crate) read_only: Option<bool>,
    pub(crate) destructive: Option<bool>,
    pub(crate) idempotent: Option<bool>,
    pub(crate) open_world: Option<bool>,
    /// Declare `schema_for::<Output>()` as the output schema (the output type must be
    /// `JsonSchema`).
    pub(crate) output_schema: bool,
    /// Every parameter must be described.
    pub(crate) require_docs: bool,
    /// The path of `switchboard_functions` in the calling crate, when found names it wrong.
    pub(crate) krate: Option<syn::Path>,
}

impl ToolArgs {
    /// Parses `name = "…", read_only, destructive = false, …`.
    pub(crate) fn parse(tokens: TokenStream) -> syn::Result<Self> {
        let metas = Punctuated::<Meta, Token![,]>::parse_terminated.parse2(tokens)?;
        let mut args = ToolArgs::default();
        for meta in metas {
            let key = meta
                .path()
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_default();
            match key.as_str() {
                "name" => args.name = Some(string(&meta)?),
                "description" => args.description = Some(string(&meta)?),
                "title" => args.title = Some(string(&meta)?),
                "read_only" => args.read_only = Some(flag(&meta)?),
                "destructive" => args.destructive = Some(flag(&meta)?),
                "idempotent" => args.idempotent = Some(flag(&meta)?),
                "open_world" => args.open_world = Some(flag(&meta)?),
                "output_schema" => args.output_schema = flag(&meta)?,
                "require_docs" => args.require_docs = flag(&meta)?,
                "crate" => args.krate = Some(string(&meta)?.parse()?),
                _ => {
                    return Err(syn::Error::new_spanned(
                        meta.path(),
                        "unknown #[tool] argument; expected one of: name, description, title, \
                         read_only, destructive, idempotent, open_world, output_schema, \
                         require_docs, crate",
                    ));
                }
            }
        }
        if args.read_only == Some(true) && args.destructive == Some(true) {
            return Err(syn::Error::new(
                Span::call_site(),
                "a read_only tool cannot be destructive",
            ));
        }
        Ok(args)
    }

    /// These arguments, with `outer`'s (from `#[tools(…)]`) where these say nothing.
    pub(crate) fn under(mut self, outer: &ToolArgs) -> Self {
        self.require_docs |= outer.require_docs;
        self.output_schema |= outer.output_schema;
        if self.krate.is_none() {
            self.krate.clone_from(&outer.krate);
        }
        self
    }
}

/// `key = "text"`.
fn string(meta: &Meta) -> syn::Result<LitStr> {
    match meta {
        Meta::NameValue(nv) => match &nv.value {
            Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) => Ok(s.clone()),
            other => Err(syn::Error::new_spanned(other, "expected a string literal")),
        },
        _ => Err(syn::Error::new_spanned(meta, "expected `key = \"…\"`")),
    }
}

/// `key` (true) or `key = true|false`.
fn flag(meta: &Meta) -> syn::Result<bool> {
    match meta {
        Meta::Path(_) => Ok(true),
        Meta::NameValue(nv) => match &nv.value {
            Expr::Lit(ExprLit {
                lit: Lit::Bool(LitBool { value, .. }),
                ..
            }) => Ok(*value),
            other => Err(syn::Error::new_spanned(other, "expected `true` or `false`")),
        },
        Meta::List(_) => Err(syn::Error::new_spanned(
            meta,
            "expected `key` or `key = bool`",
        )),
    }
}

/// The text of the `///` comments (and `#[doc = "…"]`) in `attrs`, one entry per line, each
/// without the single space after `///`.
pub(crate) fn doc_lines(attrs: &[Attribute]) -> Vec<String> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            Meta::NameValue(nv) => match &nv.value {
                Expr::Lit(ExprLit {
                    lit: Lit::Str(s), ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .flat_map(|text| {
            // `split`, not `lines`: an empty `///` line is a paragraph break and must stay.
            text.split('\n')
                .map(|l| l.strip_prefix(' ').unwrap_or(l).trim_end().to_owned())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The first paragraph of a doc comment as one line (what a model reads as the description).
pub(crate) fn first_paragraph(lines: &[String]) -> Option<String> {
    let para: Vec<&str> = lines
        .iter()
        .map(|l| l.trim())
        .skip_while(|l| l.is_empty())
        .take_while(|l| !l.is_empty())
        .collect();
    (!para.is_empty()).then(|| para.join(" "))
}

/// The `description = "…"` of an `#[arg(…)]` attribute.
pub(crate) fn arg_description(attr: &Attribute) -> syn::Result<LitStr> {
    let metas = attr.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)?;
    let mut description = None;
    for meta in metas {
        if meta.path().is_ident("description") {
            description = Some(string(&meta)?);
        } else {
            return Err(syn::Error::new_spanned(
                meta.path(),
                "unknown #[arg] argument; expected `description = \"…\"` (use #[serde(…)] and \
                 #[schemars(…)] for the rest)",
            ));
        }
    }
    description.ok_or_else(|| syn::Error::new_spanned(attr, "expected `description = \"…\"`"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_paragraph_is_the_description() {
        let lines = ["", "Adds two", "integers.", "", "Details."].map(String::from);
        assert_eq!(
            first_paragraph(&lines).as_deref(),
            Some("Adds two integers.")
        );
        assert_eq!(first_paragraph(&[String::new()]), None);
    }

    #[test]
    fn flags_and_values_parse() {
        let args =
            ToolArgs::parse(quote::quote!(name = "x", read_only, open_world = false)).unwrap();
        assert_eq!(args.name.unwrap().value(), "x");
        assert_eq!(args.read_only, Some(true));
        assert_eq!(args.open_world, Some(false));
        assert!(ToolArgs::parse(quote::quote!(read_only, destructive)).is_err());
        assert!(ToolArgs::parse(quote::quote!(bogus)).is_err());
    }
}
