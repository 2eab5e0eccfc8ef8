//! Protocol mode: state types, checked transitions and `impl Protocol`.

use proc_macro2::TokenStream;

use crate::ast::{Input, State};

/// The full expansion (the stream layer is not wired in yet).
pub(crate) fn expand(_input: &Input<'_>, _states: &[State<'_>]) -> TokenStream {
    TokenStream::new()
}

/// The expansion after an error.
pub(crate) fn stub(_input: &Input<'_>, _states: &[State<'_>]) -> TokenStream {
    TokenStream::new()
}
