//! The protocol's state graph as Graphviz DOT text: what `GRAPH_DOT` holds
//! and its doc comment shows.
//!
//! The text depends only on the declarations, in their order (states as
//! declared, each state's edges in its `to(..)` order), so the same enum
//! always gives the same text and a picture rendered from it is stable.

use std::fmt::Write as _;

use syn::ext::IdentExt;
use syn::Ident;

use crate::ast::State;

/// The node the start arrow comes from: a point, named so that no state can
/// take its name (a state's name is a Rust identifier).
const START_NODE: &str = "\"(start)\"";

/// `digraph "Name" { .. }`: one node per state (a `done` state with a double
/// outline), an arrow from a point into the start state, and one edge per
/// declared transition. Staying in a state, always allowed, is not drawn.
///
/// After an error the graph may be malformed: targets that name no state
/// and repeated edges are left out.
pub(crate) fn graph_dot(name: &Ident, states: &[State<'_>]) -> String {
    let mut dot = String::new();
    let _ = writeln!(dot, "digraph {} {{", quoted(name));
    dot.push_str("    rankdir=LR;\n");
    dot.push_str("    node [shape=ellipse];\n");
    if let Some(start) = states.iter().find(|s| s.attr.start.is_some()) {
        let _ = writeln!(dot, "    {START_NODE} [shape=point];");
        let _ = writeln!(dot, "    {START_NODE} -> {};", quoted(start.ident()));
    }
    for s in states {
        let style = if s.is_done() { " [peripheries=2]" } else { "" };
        let _ = writeln!(dot, "    {}{style};", quoted(s.ident()));
    }
    for s in states {
        let mut drawn: Vec<&Ident> = Vec::new();
        for target in s.targets() {
            if drawn.contains(&target) || !states.iter().any(|t| t.ident() == target) {
                continue;
            }
            drawn.push(target);
            let _ = writeln!(dot, "    {} -> {};", quoted(s.ident()), quoted(target));
        }
    }
    dot.push('}');
    dot
}

/// The identifier as a DOT string: `"Name"` (`r#` dropped). An identifier
/// holds no `"` or `\`, so nothing needs escaping.
fn quoted(ident: &Ident) -> String {
    format!("\"{}\"", ident.unraw())
}

#[cfg(test)]
mod tests {
    use crate::ast::{Input, Mode};
    use crate::attr::Args;
    use crate::ctxt::Ctxt;

    fn dot_of(item: &str) -> String {
        let item: syn::ItemEnum = syn::parse_str(item).unwrap();
        let args = Args { protocol: Some(syn::parse_quote!(protocol)), ..Args::default() };
        let mut cx = Ctxt::new();
        let input = Input::from_syn(&mut cx, &item, args);
        let Mode::Protocol(states) = &input.mode else { unreachable!("protocol mode") };
        super::graph_dot(&item.ident, states)
    }

    #[test]
    fn states_in_order_done_doubled_edges_as_declared() {
        let dot = dot_of(
            "enum Ping { #[state(start, to(Pong, r#Done))] Wait, #[state(to(Wait))] Pong, #[state(done)] r#Done }",
        );
        let expected = r#"digraph "Ping" {
    rankdir=LR;
    node [shape=ellipse];
    "(start)" [shape=point];
    "(start)" -> "Wait";
    "Wait";
    "Pong";
    "Done" [peripheries=2];
    "Wait" -> "Pong";
    "Wait" -> "Done";
    "Pong" -> "Wait";
}"#;
        assert_eq!(dot, expected);
    }

    #[test]
    fn unknown_and_repeated_targets_are_left_out() {
        let dot = dot_of("enum P { #[state(start, to(B, Nope, B))] A, #[state(done)] B }");
        assert_eq!(dot.matches("\"A\" -> \"B\";").count(), 1, "{dot}");
        assert!(!dot.contains("Nope"), "{dot}");
    }
}
