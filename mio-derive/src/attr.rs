//! Parsing the arguments of `#[machine(..)]` and `#[state(..)]`.
//!
//! Parsing never stops at the first mistake: each bad argument is recorded in
//! the [`Ctxt`] at its own tokens and parsing goes on with the next one.

use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::{Attribute, Ident, Path, Token, Type};

use crate::ctxt::Ctxt;
use crate::suggest::did_you_mean;

/// The arguments of `#[machine(..)]`.
#[derive(Default)]
pub(crate) struct Args {
    /// `protocol`: the enum's variants are states, not machines.
    pub(crate) protocol: Option<Ident>,
    /// `context = Type`: the compose mode's context type.
    pub(crate) context: Option<(Ident, Type)>,
    /// `seed = Name`: the name of the generated seed enum.
    pub(crate) seed: Option<(Ident, Ident)>,
    /// `crate = path`: where the runtime is (default `::mio`).
    pub(crate) krate: Option<(Ident, Path)>,
    /// `module = name`: the protocol mode's module of state types.
    pub(crate) module: Option<(Ident, Ident)>,
}

const MACHINE_ARGS: [&str; 5] = ["protocol", "context", "seed", "crate", "module"];

impl Args {
    /// The runtime path generated code names items through.
    pub(crate) fn krate(&self) -> Path {
        match &self.krate {
            Some((_, path)) => path.clone(),
            None => syn::parse_quote!(::mio),
        }
    }
}

/// Parses `#[machine(..)]`'s arguments, recording every mistake.
pub(crate) fn parse_machine_args(cx: &mut Ctxt, args: TokenStream) -> Args {
    let mut parsed = Args::default();
    let parser = |input: ParseStream<'_>| {
        while !input.is_empty() {
            parse_machine_arg(cx, &mut parsed, input);
            if input.is_empty() {
                break;
            }
            if let Err(e) = input.parse::<Token![,]>() {
                cx.syn_error(e);
                skip_to_comma(input);
                let _ = input.parse::<Option<Token![,]>>();
            }
        }
        Ok(())
    };
    if let Err(e) = parser.parse2(args) {
        cx.syn_error(e);
    }
    parsed
}

fn parse_machine_arg(cx: &mut Ctxt, args: &mut Args, input: ParseStream<'_>) {
    let key = match input.call(Ident::parse_any) {
        Ok(key) => key,
        Err(_) => {
            cx.error_at(
                input.span(),
                "expected an argument: `protocol`, `context = ..`, `seed = ..`, `crate = ..` or `module = ..`",
            );
            skip_to_comma(input);
            return;
        }
    };
    let name = key.to_string();
    match name.as_str() {
        "protocol" => {
            if !input.is_empty() && !input.peek(Token![,]) {
                let value = skip_to_comma(input);
                cx.error_spanned_by(value, "`protocol` takes no value: write `#[machine(protocol)]`");
            }
            set_once(cx, &mut args.protocol, key.clone(), key);
        }
        "context" => {
            if let Some(ty) = value(cx, &key, input, "a type", |i| i.parse::<Type>()) {
                set_once(cx, &mut args.context, key.clone(), (key, ty));
            }
        }
        "seed" => {
            if let Some(ident) = value(cx, &key, input, "a name for the seed enum", |i| i.parse::<Ident>()) {
                set_once(cx, &mut args.seed, key.clone(), (key, ident));
            }
        }
        "crate" => {
            if let Some(path) =
                value(cx, &key, input, "a path, like `crate = ::mio` (no quotes)", Path::parse_mod_style)
            {
                set_once(cx, &mut args.krate, key.clone(), (key, path));
            }
        }
        "module" => {
            if let Some(ident) = value(cx, &key, input, "a module name", |i| i.parse::<Ident>()) {
                set_once(cx, &mut args.module, key.clone(), (key, ident));
            }
        }
        _ => {
            let hint = did_you_mean(&name, MACHINE_ARGS);
            cx.error_spanned_by(
                &key,
                format!(
                    "unknown `#[machine]` argument `{name}`{hint}\n\
                     expected `protocol`, `context = Type`, `seed = Name`, `crate = path` or `module = name`"
                ),
            );
            skip_to_comma(input);
        }
    }
}

/// Parses `= value` after `key`; on a mistake records it at the value and
/// skips to the next argument.
fn value<T>(
    cx: &mut Ctxt,
    key: &Ident,
    input: ParseStream<'_>,
    expected: &str,
    parse: fn(ParseStream<'_>) -> syn::Result<T>,
) -> Option<T> {
    if input.parse::<Token![=]>().is_err() {
        cx.error_spanned_by(key, format!("`{key}` needs a value: `{key} = ..`, with {expected}"));
        skip_to_comma(input);
        return None;
    }
    let start = input.span();
    let fork = input.fork();
    match parse(&fork) {
        Ok(v) if fork.is_empty() || fork.peek(Token![,]) => {
            let _ = parse(input);
            Some(v)
        }
        _ => {
            let bad = skip_to_comma(input);
            if bad.is_empty() {
                cx.error_at(start, format!("expected {expected} after `{key} =`"));
            } else {
                cx.error_spanned_by(bad, format!("the value of `{key}` must be {expected}"));
            }
            None
        }
    }
}

fn set_once<T>(cx: &mut Ctxt, slot: &mut Option<T>, key: Ident, value: T) {
    if slot.is_some() {
        cx.error_spanned_by(&key, format!("duplicate `{key}` argument"));
    } else {
        *slot = Some(value);
    }
}

/// Consumes tokens up to (not including) the next top-level comma; returns
/// them.
fn skip_to_comma(input: ParseStream<'_>) -> TokenStream {
    let mut skipped = TokenStream::new();
    while !input.is_empty() && !input.peek(Token![,]) {
        match input.parse::<proc_macro2::TokenTree>() {
            Ok(tt) => skipped.extend([tt]),
            Err(_) => break,
        }
    }
    skipped
}

/// A variant's `#[state(..)]` options (protocol mode), merged over all its
/// `#[state]` attributes.
#[derive(Default)]
pub(crate) struct StateAttr {
    /// Whether `#[state]` appeared at all.
    pub(crate) present: Option<Span>,
    /// The `start` keyword, if given.
    pub(crate) start: Option<Ident>,
    /// The `done` keyword, if given.
    pub(crate) done: Option<Ident>,
    /// The `to` keyword and its targets, if given.
    pub(crate) to: Option<(Ident, Vec<Ident>)>,
    /// Some `#[state]` option could not be parsed: what the state declares
    /// is unknown, so checks of the whole graph are skipped (they would only
    /// report consequences of that mistake).
    pub(crate) malformed: bool,
}

const STATE_OPTIONS: [&str; 3] = ["start", "done", "to"];

/// Whether `attr` is `#[state..]`.
pub(crate) fn is_state_attr(attr: &Attribute) -> bool {
    attr.path().is_ident("state")
}

/// Parses the `#[state(..)]` attributes of one variant.
pub(crate) fn parse_state_attrs(cx: &mut Ctxt, attrs: &[Attribute]) -> StateAttr {
    let errors_before = cx.error_count();
    let mut state = StateAttr::default();
    for attr in attrs.iter().filter(|a| is_state_attr(a)) {
        state.present.get_or_insert(attr.path().get_ident().map_or_else(Span::call_site, Ident::span));
        let list = match &attr.meta {
            syn::Meta::List(list) => list,
            other => {
                cx.error_spanned_by(
                    other,
                    "expected `#[state(..)]` with `start`, `done` or `to(..)`, like `#[state(start, to(Next))]`",
                );
                continue;
            }
        };
        let parser = |input: ParseStream<'_>| {
            while !input.is_empty() {
                parse_state_option(cx, &mut state, input);
                if input.is_empty() {
                    break;
                }
                if let Err(e) = input.parse::<Token![,]>() {
                    cx.syn_error(e);
                    skip_to_comma(input);
                    let _ = input.parse::<Option<Token![,]>>();
                }
            }
            Ok(())
        };
        if let Err(e) = parser.parse2(list.tokens.clone()) {
            cx.syn_error(e);
        }
    }
    state.malformed = cx.error_count() > errors_before;
    state
}

fn parse_state_option(cx: &mut Ctxt, state: &mut StateAttr, input: ParseStream<'_>) {
    let key = match input.call(Ident::parse_any) {
        Ok(key) => key,
        Err(_) => {
            cx.error_at(input.span(), "expected a state option: `start`, `done` or `to(..)`");
            skip_to_comma(input);
            return;
        }
    };
    let name = key.to_string();
    match name.as_str() {
        "start" | "done" => {
            if !input.is_empty() && !input.peek(Token![,]) {
                let extra = skip_to_comma(input);
                cx.error_spanned_by(extra, format!("`{name}` takes no value"));
            }
            let slot = if name == "start" { &mut state.start } else { &mut state.done };
            set_state_once(cx, slot, key.clone(), key);
        }
        "to" => {
            let Ok(content) = parens(input) else {
                skip_to_comma(input);
                cx.error_spanned_by(
                    &key,
                    "expected `to(..)` with the states this one may go to, like `to(Body, Closed)`",
                );
                return;
            };
            let mut targets = Vec::new();
            while !content.is_empty() {
                match content.parse::<Ident>() {
                    Ok(target) => targets.push(target),
                    Err(_) => {
                        let bad = skip_to_comma(&content);
                        cx.error_spanned_by(bad, "expected the name of a state (a variant of this enum)");
                    }
                }
                if content.is_empty() {
                    break;
                }
                if let Err(e) = content.parse::<Token![,]>() {
                    cx.syn_error(e);
                    skip_to_comma(&content);
                    let _ = content.parse::<Option<Token![,]>>();
                }
            }
            if targets.is_empty() && state.to.is_none() {
                cx.error_spanned_by(&key, "`to(..)` lists no state; remove it or name the states this one may go to");
            }
            match &mut state.to {
                Some(_) => cx.error_spanned_by(&key, "duplicate `to(..)`; list every target in one `to(..)`"),
                None => state.to = Some((key, targets)),
            }
        }
        _ => {
            let hint = did_you_mean(&name, STATE_OPTIONS);
            cx.error_spanned_by(
                &key,
                format!("unknown state option `{name}`{hint}\nexpected `start`, `done` or `to(..)`"),
            );
            skip_to_comma(input);
        }
    }
}

fn parens<'a>(input: ParseStream<'a>) -> syn::Result<syn::parse::ParseBuffer<'a>> {
    let content;
    syn::parenthesized!(content in input);
    Ok(content)
}

fn set_state_once(cx: &mut Ctxt, slot: &mut Option<Ident>, key: Ident, value: Ident) {
    if slot.is_some() {
        cx.error_spanned_by(&key, format!("duplicate `{key}`"));
    } else {
        *slot = Some(value);
    }
}
