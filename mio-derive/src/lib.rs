//! `#[machine]`: generated token dispatch and compile-time checked state
//! transitions for MIO. Use it through the facade: `mio::machine`.
//!
//! The pipeline follows thiserror and serde: `attr` parses arguments, `ast`
//! builds a typed view of the enum, `valid` checks one rule at a time
//! (collecting every error in a `ctxt::Ctxt`), then `expand_compose` or
//! `expand_protocol` generates code (`graph_dot` draws a protocol's graph),
//! or `fallback` re-emits the enum beside the errors. The macro never
//! panics.

mod ast;
mod attr;
mod ctxt;
mod expand_compose;
mod expand_protocol;
mod fallback;
mod graph_dot;
mod suggest;
mod valid;

use proc_macro::TokenStream;
use quote::quote;
use syn::Item;

use crate::ast::{Input, Mode};
use crate::ctxt::Ctxt;

/// Generates a machine from an enum: composed machines, or the states of a
/// stream protocol with compile-time checked transitions.
///
/// Use it as `mio::machine`; the `mio` crate's documentation has complete,
/// compiled examples of both modes.
///
/// # Compose mode: `#[machine]`
///
/// On an enum whose variants each wrap one machine (`Listener(Accept<..>)`),
/// generates:
/// * the seed enum `<Enum>Seed` (or `seed = Name`), one variant per machine
///   variant holding that machine's seed; a seed spawned by variant `V`
///   becomes a new `V` through `V::create`;
/// * `impl Machine` dispatching every callback by `match`, `spawn_error`
///   and `drain` included, with no allocation and no vtable;
/// * `From<Inner>` for each wrapped type (except bare type parameters).
///
/// The context is the first variant's unless `context = Type` is given;
/// every variant must have the same one (a mismatch is reported at the
/// variant's type). Generic enums (`enum S<C> { .. }`) and nested composed
/// enums work. `crate = path` names the runtime (default `::mio`).
///
/// # Protocol mode: `#[machine(protocol)]`
///
/// On an enum whose variants are the states of a stream protocol, marked
/// `#[state(start, to(A, B))]`, `#[state(to(..))]` or `#[state(done)]`,
/// generates a module (the enum's name in snake case, or `module = name`)
/// holding one struct per state (same fields, public), an `After<State>`
/// enum per running state listing where it may go, and a `Handlers` trait
/// with `create` (which enters the start state) and one `on_<state>` method
/// per running state; and `impl Protocol` for the enum, dispatching each
/// stream event to the current state's handler. A handler returns
/// `Next::of(target)...` for a declared target (or itself),
/// `Next::finish(done_state)`, or `Next::done()`; any other target does not
/// compile, with the error on the handler's expression (`Next::of` with a
/// `done` state says to use `Next::finish`). The macro checks the
/// graph: exactly one start, targets exist, no duplicates, `done` states have
/// no `to`, every state is reachable and can reach a `done` state.
///
/// When the loop drains, the handlers hear `Event::Drain` only if the
/// `Handlers` impl sets `const DRAIN: bool = true;` (a handler written
/// before drains existed may close on any event it does not know);
/// otherwise the connection goes on until it ends or the drain deadline.
///
/// As an outbound connection (`stream::Connect`, `stream::Persistent`), a
/// protocol starts in `create` unless its `Handlers` impl sets
/// `const CONNECTED: bool = true;`: then the seed's value (any state, with
/// its per-connection data) hears `Event::Connected` before any byte is
/// read. A failed connect calls `Handlers::connect_failed` with the value
/// in the state it was seeded in (default: nothing).
///
/// It also generates `impl Enum { pub const GRAPH_DOT: &'static str }`: the
/// state graph as Graphviz DOT text (states in declaration order, an arrow
/// from a point into the start state, `done` states outlined twice, one edge
/// per declared transition), also shown in the constant's docs. Render it
/// with `dot -Tsvg`; `scripts/render-graphs.sh` does so for `http_hello`.
#[proc_macro_attribute]
pub fn machine(args: TokenStream, input: TokenStream) -> TokenStream {
    expand(args.into(), input.into()).into()
}

fn expand(args: proc_macro2::TokenStream, input: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    let mut cx = Ctxt::new();
    let args = attr::parse_machine_args(&mut cx, args);
    let item: Item = match syn::parse2(input.clone()) {
        Ok(item) => item,
        Err(e) => {
            let error = e.to_compile_error();
            return quote!(#input #error);
        }
    };
    let item_enum = match &item {
        Item::Enum(item_enum) => item_enum,
        other => {
            not_an_enum(&mut cx, other);
            let error = cx.finish().unwrap_or_else(|| syn::Error::new_spanned(other, "expected an enum"));
            return fallback::item_with_errors(other, &error);
        }
    };
    let input = Input::from_syn(&mut cx, item_enum, args);
    valid::check(&mut cx, &input);
    if let Some(error) = cx.finish() {
        return fallback::enum_with_errors(&input, &error);
    }
    let item = fallback::strip_state_attrs(item_enum);
    let generated = match &input.mode {
        Mode::Compose(variants) => expand_compose::expand(&input, variants),
        Mode::Protocol(states) => expand_protocol::expand(&input, states),
    };
    quote! {
        #item
        #generated
    }
}

fn not_an_enum(cx: &mut Ctxt, item: &Item) {
    let message = |what: &str| {
        format!(
            "`#[machine]` goes on an enum, not on {what}: an enum whose variants each wrap a machine, \
             or with `#[machine(protocol)]` an enum whose variants are the states of a protocol"
        )
    };
    match item {
        Item::Struct(s) => cx.error_spanned_by(s.struct_token, message("a struct")),
        Item::Union(u) => cx.error_spanned_by(u.union_token, message("a union")),
        Item::Fn(f) => cx.error_spanned_by(f.sig.fn_token, message("a function")),
        Item::Trait(t) => cx.error_spanned_by(t.trait_token, message("a trait")),
        Item::Impl(i) => cx.error_spanned_by(i.impl_token, message("an impl block")),
        Item::Type(t) => cx.error_spanned_by(t.type_token, message("a type alias")),
        Item::Mod(m) => cx.error_spanned_by(m.mod_token, message("a module")),
        other => cx.error_spanned_by(other, message("this item")),
    }
}

#[cfg(test)]
mod tests {
    use proc_macro2::TokenStream;

    fn run(args: &str, item: &str) -> String {
        let args: TokenStream = args.parse().unwrap();
        let item: TokenStream = item.parse().unwrap();
        super::expand(args, item).to_string()
    }

    const HTTP: &str = "enum Http {
        #[state(start, to(Body, Respond))] Headers,
        #[state(to(Respond))] Body { remaining: usize },
        #[state(to(Headers, Closed))] Respond(bool),
        #[state(done)] Closed,
    }";

    #[test]
    fn valid_input_expands_without_errors() {
        assert!(!run("", "enum S { A(A), B(B) }").contains("compile_error"));
        assert!(!run("protocol", HTTP).contains("compile_error"));
    }

    #[test]
    fn reserved_and_clashing_names_are_errors() {
        let out = run("seed = S", "enum S { A(A) }");
        assert!(out.contains("a name of its own"), "{out}");
        let out = run(
            "protocol",
            "enum P { #[state(start, to(Handlers, AfterA))] A, #[state(to(Z))] Handlers, #[state(to(Z))] AfterA, \
             #[state(done)] Z }",
        );
        assert!(out.contains("cannot be named `Handlers`"), "{out}");
        assert!(out.contains("cannot be named `AfterA`"), "{out}");
    }

    /// The docs on a variant's fields reach the state struct's fields (the
    /// enum's own fields keep them too); an undocumented field gets a line.
    #[test]
    fn field_docs_are_carried_to_state_structs() {
        let out = run(
            "protocol",
            "pub enum P { #[state(start, to(B))] A { /// Bytes left.\n n: u64, m: u8 }, \
             #[state(done)] B(#[doc = \"The code.\"] u16, bool) }",
        );
        let structs = &out[out.find("pub mod p").expect("the state module")..];
        assert!(structs.contains(r#"# [doc = " Bytes left."] pub n : u64"#), "{out}");
        assert!(structs.contains(r#"# [doc = "The `m` of state `A`."] pub m : u8"#), "{out}");
        assert!(structs.contains(r#"# [doc = "The code."] pub u16"#), "{out}");
        assert!(structs.contains(r#"# [doc = "The data of state `B`."] pub bool"#), "{out}");
    }

    /// Every prefix of valid inputs (cut at each token) is handled without a
    /// panic: the macro reports errors, it never aborts.
    #[test]
    fn truncated_inputs_never_panic() {
        for (args, item) in [("protocol", HTTP), ("context = C, seed = X", "enum S<C> { A(Gen<C>), B(Other<C>) }")] {
            let tokens: Vec<_> = item.parse::<TokenStream>().unwrap().into_iter().collect();
            for n in 0..=tokens.len() {
                let cut: TokenStream = tokens[..n].iter().cloned().collect();
                let _ = super::expand(args.parse().unwrap(), cut);
            }
            let arg_tokens: Vec<_> = args.parse::<TokenStream>().unwrap().into_iter().collect();
            for n in 0..=arg_tokens.len() {
                let cut: TokenStream = arg_tokens[..n].iter().cloned().collect();
                let _ = super::expand(cut, item.parse().unwrap());
            }
        }
    }

    /// Each `#[state]` body of the protocol, cut inside its parentheses.
    #[test]
    fn truncated_state_options_never_panic() {
        for options in
            ["start, to(A,)", "to(A,,B)", "to(A B)", "to", "start = 1", "done done", "to()", "to(A), to(B)", ","]
        {
            let item = format!("enum P {{ #[state({options})] A, #[state(done)] B }}");
            let _ = run("protocol", &item);
        }
    }
}
