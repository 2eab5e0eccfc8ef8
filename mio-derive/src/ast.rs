//! The typed input: the user's enum seen as composed machines or as protocol
//! states. It borrows the syn nodes so every later error can point at the
//! user's own tokens.

use syn::{Fields, Ident, ItemEnum, Type, Variant};

use crate::attr::{self, Args, StateAttr};
use crate::ctxt::Ctxt;

/// The whole `#[machine]` input.
pub(crate) struct Input<'a> {
    /// The user's enum.
    pub(crate) item: &'a ItemEnum,
    /// `#[machine(..)]`'s arguments.
    pub(crate) args: Args,
    /// What the variants are.
    pub(crate) mode: Mode<'a>,
}

/// Compose mode (variants wrap machines) or protocol mode (variants are
/// states).
pub(crate) enum Mode<'a> {
    Compose(Vec<Composed<'a>>),
    Protocol(Vec<State<'a>>),
}

/// One variant of a composed enum.
pub(crate) struct Composed<'a> {
    pub(crate) variant: &'a Variant,
    /// The wrapped machine type, when the variant has exactly one unnamed
    /// field.
    pub(crate) ty: Option<&'a Type>,
}

/// One state of a protocol enum.
pub(crate) struct State<'a> {
    pub(crate) variant: &'a Variant,
    pub(crate) attr: StateAttr,
}

impl State<'_> {
    pub(crate) fn ident(&self) -> &Ident {
        &self.variant.ident
    }

    pub(crate) fn is_done(&self) -> bool {
        self.attr.done.is_some()
    }

    /// The declared targets (empty without `to(..)`).
    pub(crate) fn targets(&self) -> &[Ident] {
        self.attr.to.as_ref().map_or(&[], |(_, targets)| targets.as_slice())
    }
}

impl<'a> Input<'a> {
    /// Builds the typed input; `#[state]` syntax errors go to `cx`.
    pub(crate) fn from_syn(cx: &mut Ctxt, item: &'a ItemEnum, args: Args) -> Input<'a> {
        let mode = if args.protocol.is_some() {
            Mode::Protocol(
                item.variants
                    .iter()
                    .map(|variant| State { variant, attr: attr::parse_state_attrs(cx, &variant.attrs) })
                    .collect(),
            )
        } else {
            Mode::Compose(item.variants.iter().map(|variant| Composed { variant, ty: single_field(variant) }).collect())
        };
        Input { item, args, mode }
    }
}

fn single_field(variant: &Variant) -> Option<&Type> {
    match &variant.fields {
        Fields::Unnamed(fields) if fields.unnamed.len() == 1 => fields.unnamed.first().map(|f| &f.ty),
        _ => None,
    }
}
