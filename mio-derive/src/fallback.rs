//! What the macro emits after an error: the user's item as written (minus
//! our `#[state]` attributes), every error as `compile_error!` at its token,
//! and a stub of the generated items, so the type still is a `Machine` and
//! later code using it causes no second wave of errors.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Item, ItemEnum};

use crate::ast::{Input, Mode};
use crate::{expand_compose, expand_protocol};

/// The enum, the errors and a stub expansion.
pub(crate) fn enum_with_errors(input: &Input<'_>, error: &syn::Error) -> TokenStream {
    let item = strip_state_attrs(input.item);
    let errors = error.to_compile_error();
    let lifetimes = input.item.generics.lifetimes().next().is_some();
    let stub = match &input.mode {
        // With lifetime parameters (an error of its own) the machine impl
        // cannot type-check; emit none rather than errors about it.
        Mode::Compose(_) if lifetimes => proc_macro2::TokenStream::new(),
        Mode::Compose(variants) => expand_compose::expand(input, variants),
        Mode::Protocol(states) => expand_protocol::stub(input, states),
    };
    quote! {
        #item
        #errors
        #stub
    }
}

/// Any other item, unchanged, beside its errors.
pub(crate) fn item_with_errors(item: &Item, error: &syn::Error) -> TokenStream {
    let errors = error.to_compile_error();
    quote! {
        #item
        #errors
    }
}

/// The enum without `#[state(..)]` attributes, which only this macro
/// understands (rustc would reject them as unknown attributes).
pub(crate) fn strip_state_attrs(item: &ItemEnum) -> ItemEnum {
    let mut item = item.clone();
    for variant in &mut item.variants {
        variant.attrs.retain(|a| !crate::attr::is_state_attr(a));
    }
    item
}
