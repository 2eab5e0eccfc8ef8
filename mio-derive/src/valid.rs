//! Validation: one check per rule, each recording its misuse at the
//! offending token. Expansion assumes an input that passed every check.

use std::collections::{HashMap, HashSet};

use quote::ToTokens;
use syn::{Fields, GenericParam, Ident};

use crate::ast::{Composed, Input, Mode, State};
use crate::attr::is_state_attr;
use crate::ctxt::Ctxt;
use crate::suggest::did_you_mean;

/// Runs every check that applies to `input`.
pub(crate) fn check(cx: &mut Ctxt, input: &Input<'_>) {
    check_not_empty(cx, input);
    check_no_lifetimes(cx, input);
    match &input.mode {
        Mode::Compose(variants) => {
            check_compose_args(cx, input);
            check_seed_name(cx, input);
            for v in variants {
                check_no_state_attr(cx, v);
                check_one_unnamed_field(cx, v);
            }
            check_distinct_types(cx, variants);
        }
        Mode::Protocol(states) => {
            check_protocol_args(cx, input);
            check_protocol_not_generic(cx, input);
            check_state_names_free(cx, states);
            for s in states {
                check_start_not_done(cx, s);
                check_done_has_no_targets(cx, s);
            }
            let targets_ok = check_targets_exist(cx, states);
            check_no_duplicate_targets(cx, states);
            // Whole-graph rules need every state's declaration.
            if states.iter().any(|s| s.attr.malformed) {
                return;
            }
            check_one_start(cx, input, states);
            let has_done = check_some_done(cx, input, states);
            if targets_ok && states.iter().filter(|s| s.attr.start.is_some()).count() == 1 {
                let graph = Graph::new(states);
                check_reachable(cx, states, &graph);
                if has_done {
                    check_reaches_done(cx, states, &graph);
                }
            }
        }
    }
}

fn check_not_empty(cx: &mut Ctxt, input: &Input<'_>) {
    if input.item.variants.is_empty() {
        let what = if input.args.protocol.is_some() { "a state" } else { "a machine" };
        cx.error_spanned_by(
            &input.item.ident,
            format!("`#[machine]` needs at least one variant: an enum with no variant cannot hold {what}"),
        );
    }
}

fn check_no_lifetimes(cx: &mut Ctxt, input: &Input<'_>) {
    for param in &input.item.generics.params {
        if let GenericParam::Lifetime(lt) = param {
            cx.error_spanned_by(
                &lt.lifetime,
                "a `#[machine]` enum cannot have lifetime parameters: machines live in the loop and cannot borrow",
            );
        }
    }
}

fn check_compose_args(cx: &mut Ctxt, input: &Input<'_>) {
    if let Some((key, _)) = &input.args.module {
        cx.error_spanned_by(key, "`module` is an argument of `#[machine(protocol)]`, not of a composed machine");
    }
}

fn check_seed_name(cx: &mut Ctxt, input: &Input<'_>) {
    if let Some((_, seed)) = &input.args.seed {
        if *seed == input.item.ident {
            cx.error_spanned_by(seed, "the seed enum needs a name of its own, not the machine enum's");
        }
    }
}

fn check_no_state_attr(cx: &mut Ctxt, v: &Composed<'_>) {
    for attr in v.variant.attrs.iter().filter(|a| is_state_attr(a)) {
        cx.error_spanned_by(
            attr.path(),
            "`#[state(..)]` belongs to `#[machine(protocol)]`; in a composed machine each variant wraps a machine",
        );
    }
}

fn check_one_unnamed_field(cx: &mut Ctxt, v: &Composed<'_>) {
    let ident = &v.variant.ident;
    match &v.variant.fields {
        Fields::Unit => cx.error_spanned_by(
            ident,
            format!("variant `{ident}` wraps no machine; a composed variant wraps exactly one: `{ident}(Machine)`"),
        ),
        Fields::Named(named) => cx.error_spanned_by(
            named,
            format!("variant `{ident}` has named fields; a composed variant wraps one machine: `{ident}(Machine)`"),
        ),
        Fields::Unnamed(unnamed) if unnamed.unnamed.len() > 1 => {
            let extra: Vec<_> = unnamed.unnamed.iter().skip(1).collect();
            cx.error_spanned_by(
                quote::quote!(#(#extra),*),
                format!(
                    "variant `{ident}` has {} fields; a composed variant wraps exactly one machine",
                    unnamed.unnamed.len()
                ),
            );
        }
        Fields::Unnamed(_) => {}
    }
}

fn check_distinct_types(cx: &mut Ctxt, variants: &[Composed<'_>]) {
    let mut seen: HashMap<String, &Ident> = HashMap::new();
    for v in variants {
        let Some(ty) = v.ty else { continue };
        let key = ty.to_token_stream().to_string();
        match seen.get(&key) {
            Some(first) => cx.error_spanned_by(
                ty,
                format!(
                    "`{key}` is already wrapped by variant `{first}`; each variant must wrap a different type, \
                     or `From<{key}>` and seed dispatch would be ambiguous"
                ),
            ),
            None => {
                seen.insert(key, &v.variant.ident);
            }
        }
    }
}

fn check_protocol_args(cx: &mut Ctxt, input: &Input<'_>) {
    if let Some((key, _)) = &input.args.context {
        cx.error_spanned_by(
            key,
            "`context` is an argument of a composed machine; a protocol names its context in its `Handlers` impl",
        );
    }
    if let Some((key, _)) = &input.args.seed {
        cx.error_spanned_by(key, "`seed` is an argument of a composed machine; a protocol's seed is its socket");
    }
}

fn check_protocol_not_generic(cx: &mut Ctxt, input: &Input<'_>) {
    for param in &input.item.generics.params {
        if !matches!(param, GenericParam::Lifetime(_)) {
            cx.error_spanned_by(
                param,
                "a `#[machine(protocol)]` enum cannot be generic; its state types are generated as plain structs",
            );
        }
    }
}

/// The generated module holds `Handlers` and an `After<State>` per running
/// state beside the state types: a state must not take one of those names.
fn check_state_names_free(cx: &mut Ctxt, states: &[State<'_>]) {
    for s in states {
        let name = s.ident().to_string();
        let clash = name == "Handlers" || states.iter().any(|t| !t.is_done() && name == format!("After{}", t.ident()));
        if clash {
            cx.error_spanned_by(
                s.ident(),
                format!("a state cannot be named `{name}`: the generated module uses that name; rename the state"),
            );
        }
    }
}

fn check_one_start(cx: &mut Ctxt, input: &Input<'_>, states: &[State<'_>]) {
    let mut starts = states.iter().filter_map(|s| s.attr.start.as_ref().map(|kw| (s.ident(), kw)));
    match starts.next() {
        None if !states.is_empty() => cx.error_spanned_by(
            &input.item.ident,
            "a protocol needs a start state: mark one variant `#[state(start, to(..))]`",
        ),
        None => {}
        Some((first, _)) => {
            for (_, kw) in starts {
                cx.error_spanned_by(kw, format!("a second start state; `{first}` is already the start"));
            }
        }
    }
}

fn check_start_not_done(cx: &mut Ctxt, s: &State<'_>) {
    if let (Some(_), Some(done)) = (&s.attr.start, &s.attr.done) {
        cx.error_spanned_by(done, "the start state cannot be `done`: the protocol would end before it began");
    }
}

fn check_done_has_no_targets(cx: &mut Ctxt, s: &State<'_>) {
    if let (Some(_), Some((to, _))) = (&s.attr.done, &s.attr.to) {
        cx.error_spanned_by(
            to,
            format!("`{}` is a `done` state: the protocol ends there, so it has no `to(..)`", s.ident()),
        );
    }
}

/// Returns whether every target names a state.
fn check_targets_exist(cx: &mut Ctxt, states: &[State<'_>]) -> bool {
    let names: Vec<String> = states.iter().map(|s| s.ident().to_string()).collect();
    let mut ok = true;
    for s in states {
        for target in s.targets() {
            let name = target.to_string();
            if !names.contains(&name) {
                ok = false;
                let hint = did_you_mean(&name, names.iter().map(String::as_str));
                cx.error_spanned_by(target, format!("no state named `{name}` in this protocol{hint}"));
            }
        }
    }
    ok
}

fn check_no_duplicate_targets(cx: &mut Ctxt, states: &[State<'_>]) {
    for s in states {
        let mut seen = HashSet::new();
        for target in s.targets() {
            if !seen.insert(target) {
                cx.error_spanned_by(target, format!("`{target}` is listed twice in `to(..)`"));
            }
        }
    }
}

/// Returns whether some state is `done`.
fn check_some_done(cx: &mut Ctxt, input: &Input<'_>, states: &[State<'_>]) -> bool {
    let any = states.iter().any(State::is_done);
    if !any && !states.is_empty() {
        cx.error_spanned_by(
            &input.item.ident,
            "a protocol needs a `done` state to end in: mark one variant `#[state(done)]`",
        );
    }
    any
}

/// The transition graph by state index.
struct Graph {
    start: usize,
    edges: Vec<Vec<usize>>,
}

impl Graph {
    /// Assumes every target exists and there is one start.
    fn new(states: &[State<'_>]) -> Graph {
        let index: HashMap<&Ident, usize> = states.iter().enumerate().map(|(i, s)| (s.ident(), i)).collect();
        let edges = states.iter().map(|s| s.targets().iter().filter_map(|t| index.get(t).copied()).collect()).collect();
        let start = states.iter().position(|s| s.attr.start.is_some()).unwrap_or(0);
        Graph { start, edges }
    }

    /// The states reachable from `from` (itself included).
    fn reachable_from(&self, from: usize) -> Vec<bool> {
        let mut seen = vec![false; self.edges.len()];
        let mut stack = vec![from];
        while let Some(i) = stack.pop() {
            if std::mem::replace(&mut seen[i], true) {
                continue;
            }
            stack.extend(self.edges[i].iter().copied().filter(|&j| !seen[j]));
        }
        seen
    }
}

fn check_reachable(cx: &mut Ctxt, states: &[State<'_>], graph: &Graph) {
    let seen = graph.reachable_from(graph.start);
    let start = states[graph.start].ident();
    for (s, reached) in states.iter().zip(seen) {
        if !reached {
            cx.error_spanned_by(
                s.ident(),
                format!(
                    "state `{}` is unreachable: no path of `to(..)` leads to it from the start state `{start}`",
                    s.ident()
                ),
            );
        }
    }
}

fn check_reaches_done(cx: &mut Ctxt, states: &[State<'_>], graph: &Graph) {
    for (i, s) in states.iter().enumerate() {
        let reaches = graph.reachable_from(i).iter().zip(states).any(|(&r, t)| r && t.is_done());
        if !reaches {
            cx.error_spanned_by(
                s.ident(),
                format!("state `{}` cannot reach a `done` state: a connection in it could never end", s.ident()),
            );
        }
    }
}
