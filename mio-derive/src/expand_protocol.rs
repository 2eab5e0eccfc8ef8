//! Protocol mode: one type per state in a generated module, an
//! `After<State>` enum per running state whose `GoesTo` impls are exactly the
//! declared transitions, a `Handlers` trait with one method per running
//! state, and `impl Protocol` dispatching to it.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::{Fields, Ident};

use crate::ast::{Input, State};

/// The full expansion of a valid protocol.
pub(crate) fn expand(input: &Input<'_>, states: &[State<'_>]) -> TokenStream {
    generate(input, states, false)
}

/// The expansion after an error: the state module with every transition
/// allowed (so handlers written against it cause no second error), and an
/// `impl Protocol` that holds if the handlers are written.
pub(crate) fn stub(input: &Input<'_>, states: &[State<'_>]) -> TokenStream {
    if states.is_empty() || !input.item.generics.params.is_empty() {
        return TokenStream::new();
    }
    generate(input, states, true)
}

fn generate(input: &Input<'_>, states: &[State<'_>], stub: bool) -> TokenStream {
    let item = input.item;
    let krate = input.args.krate();
    let name = &item.ident;
    let vis = &item.vis;
    let module = module_name(input);
    let derives: Vec<_> = item.attrs.iter().filter(|a| a.path().is_ident("derive")).collect();
    let after_derives = enum_derives(&derives);
    let stream = quote!(#krate::stream);
    let enum_path = quote!(super::#name);
    let state_of = |t: &Ident| states.iter().find(|s| s.ident() == t);
    let Some(start) = states.iter().find(|s| s.attr.start.is_some()).or(states.first()) else {
        return TokenStream::new();
    };
    let start_ident = start.ident();

    let structs = states.iter().map(|s| state_struct(name, s, &derives));
    let into_enum = states.iter().map(|s| {
        let ident = s.ident();
        let (pattern, value) = (shape(s, quote!(#ident)), shape(s, quote!(#enum_path::#ident)));
        quote! {
            impl ::core::convert::From<#ident> for #enum_path {
                fn from(state: #ident) -> Self {
                    let #pattern = state;
                    #value
                }
            }
        }
    });

    let mut items = Vec::new();
    let mut handlers = Vec::new();
    let mut arms = Vec::new();
    for s in states {
        let ident = s.ident();
        let struct_pattern = shape(s, quote!(#ident));
        let enum_value = shape(s, quote!(#enum_path::#ident));
        if s.is_done() {
            arms.push(quote!(#enum_path::#ident { .. } => #stream::Intent::done(),));
            continue;
        }
        let after = format_ident!("After{}", ident, span = ident.span());
        let handler = format_ident!("on_{}", snake_case(&ident.to_string()));
        // Live targets: the declared ones plus the state itself (a state may
        // always stay where it is). In a stub, every state.
        let mut live: Vec<(&Ident, Span)> = vec![(ident, ident.span())];
        let mut finish: Vec<(&Ident, Span)> = Vec::new();
        let targets: Vec<&Ident> =
            if stub { states.iter().map(State::ident).collect() } else { s.targets().iter().collect() };
        for t in targets {
            let Some(target) = state_of(t) else { continue };
            let list = if target.is_done() { &mut finish } else { &mut live };
            if !list.iter().any(|(x, _)| *x == t) {
                list.push((target.ident(), t.span()));
            }
        }
        let doc = format!(
            "The states [`{ident}`] may go to: [`{}`]. Made by `Next::of` in [`Handlers::{handler}`].",
            live.iter().map(|(t, _)| t.to_string()).collect::<Vec<_>>().join("`], [`")
        );
        let variants = live.iter().map(|(t, _)| {
            let vdoc = format!("Go to [`{t}`].");
            quote!(#[doc = #vdoc] #t(#t),)
        });
        let enters = live.iter().map(|(t, span)| {
            quote_spanned! {*span=>
                impl #stream::GoesTo<#t> for #after {
                    fn enter(state: #t) -> Self {
                        #after::#t(state)
                    }
                }
            }
        });
        let finishes = finish.iter().map(|(t, span)| quote_spanned!(*span=> impl #stream::EndsIn<#t> for #after {}));
        // `Next::of(done)` for a declared `done` target finds an impl whose
        // bound no type meets, so rustc reports that bound, whose message
        // says to use `Next::finish` (see `__private::RunningState`).
        let done_enters = finish.iter().map(|(t, span)| {
            let running = quote!(#krate::__private::RunningState<#after>);
            let done_enter = quote! {
                impl #stream::GoesTo<#t> for #after
                where
                    for<'__mio> #t: #running,
                {
                    fn enter(state: #t) -> Self {
                        <#t as #running>::enter(state)
                    }
                }
            };
            crate::expand_compose::respan(&done_enter, *span)
        });
        let from_arms = live.iter().filter_map(|(t, _)| {
            let target = state_of(t)?;
            let pattern = shape(target, quote!(#t));
            let value = shape(target, quote!(#enum_path::#t));
            Some(quote!(#after::#t(#pattern) => #value,))
        });
        let doc = syn::LitStr::new(&doc, ident.span());
        items.push(quote_spanned! {ident.span()=>
            #[doc = #doc]
            #after_derives
            pub enum #after {
                #(#variants)*
            }

            impl #stream::Successors for #after {}
            #(#enters)*
            #(#finishes)*
            #(#done_enters)*

            impl ::core::convert::From<#after> for #enum_path {
                fn from(next: #after) -> Self {
                    match next {
                        #(#from_arms)*
                    }
                }
            }
        });
        let hdoc = format!(
            "Handles `event` in state [`{ident}`]; returns one of the states it may go to ([`{after}`]), or ends."
        );
        handlers.push(quote! {
            #[doc = #hdoc]
            fn #handler(
                state: #ident,
                event: #stream::Event,
                transport: &mut #stream::Transport<'_, Self::Socket>,
                scope: &mut #krate::machine::Scope<'_, Self::Context>,
            ) -> #stream::Next<#after>;
        });
        arms.push(quote! {
            #enum_value => H::#handler(#struct_pattern, event, transport, scope)
                .into_intent()
                .map(#enum_path::from),
        });
    }

    let module_doc = format!(
        "The states of [`{name}`] as types, the transitions each may take, and the [`Handlers`] to implement. \
         The graph they form: [`{name}::GRAPH_DOT`]."
    );
    let trait_doc = format!(
        "The handlers of [`{name}`]'s states: `create` enters the start state [`{start_ident}`], then one \
         method per running state is called with each event and returns the next state."
    );
    let on_unimplemented = format!("`{{Self}}` has no state handlers: implement `{module}::Handlers` for it");

    let protocol_impl = protocol_impl(input, &module, states, stub);
    let state_names = state_names(input, states);
    let graph = crate::graph_dot::graph_const(name, start_ident, states);

    quote! {
        #[doc = #module_doc]
        #vis mod #module {
            #[allow(unused_imports)]
            use super::*;

            #(#structs)*
            #(#items)*
            #state_names

            impl #stream::GoesTo<#start_ident> for #start_ident {
                fn enter(state: #start_ident) -> Self {
                    state
                }
            }

            #(#into_enum)*

            #[doc = #trait_doc]
            #[diagnostic::on_unimplemented(message = #on_unimplemented)]
            pub trait Handlers: Sized {
                /// The loop's context.
                type Context;
                /// The stream socket.
                type Socket: ::std::io::Read + ::std::io::Write + #krate::Evented;

                /// A connection starts: enter the start state.
                fn create(
                    transport: &mut #stream::Transport<'_, Self::Socket>,
                    scope: &mut #krate::machine::Scope<'_, Self::Context>,
                ) -> #stream::Next<#start_ident>;

                /// Whether the state handlers hear `Event::Drain` when the
                /// loop drains. Default `false`: the connection
                /// goes on as if nothing happened, until it ends or the
                /// drain deadline closes it.
                const DRAIN: bool = false;

                /// Whether an outbound connection (`stream::Connect`)
                /// starts with `Event::Connected` sent to the state its seed's
                /// value is in (so the seed can carry per-connection data).
                /// Default `false`: it starts in `create`, as an accepted
                /// connection does.
                const CONNECTED: bool = false;

                #(#handlers)*

                /// Reading or writing failed in `state`; the connection is
                /// closed after this call. Default: nothing.
                fn error(state: Self, error: #krate::machine::MachineError, scope: &mut #krate::machine::Scope<'_, Self::Context>) {
                    let _ = (state, error, scope);
                }

                /// An outbound connection could not be made while its seed's
                /// value was in `state` (match on it to decide per state);
                /// the socket is closed already. The error's kinds are
                /// `Protocol::connect_failed`'s.
                /// Default: nothing.
                fn connect_failed(state: Self, error: #krate::machine::MachineError, scope: &mut #krate::machine::Scope<'_, Self::Context>) {
                    let _ = (state, error, scope);
                }
            }

            /// Calls the current state's handler.
            pub(super) fn dispatch<H: Handlers>(
                state: #enum_path,
                event: #stream::Event,
                transport: &mut #stream::Transport<'_, H::Socket>,
                scope: &mut #krate::machine::Scope<'_, H::Context>,
            ) -> #stream::Intent<#enum_path> {
                match state {
                    #(#arms)*
                }
            }
        }

        #protocol_impl
        #graph
    }
}

/// `impl Protocol for Enum where Enum: Handlers`. After an error (`stub`)
/// the bound is written higher-ranked, which rustc does not check at the
/// definition: a protocol whose handlers are not written yet gets no second
/// error, and one whose handlers exist stays a `Protocol` for later code.
fn protocol_impl(input: &Input<'_>, module: &Ident, states: &[State<'_>], stub: bool) -> TokenStream {
    let krate = input.args.krate();
    let name = &input.item.ident;
    let stream = quote!(#krate::stream);
    let handlers = quote!(#module::Handlers);
    let bound = if stub {
        quote!(for<'__mio> #name: #handlers)
    } else {
        crate::expand_compose::respan(&quote!(#name: #handlers), name.span())
    };
    let transport = quote!(&mut #stream::Transport<'_, <Self as #stream::Protocol>::Socket>);
    let scope = quote!(&mut #krate::machine::Scope<'_, <Self as #stream::Protocol>::Context>);
    let intent = quote!(#stream::Intent<Self>);
    let event = |method: &str, event: TokenStream, extra: TokenStream| {
        let method = format_ident!("{method}");
        quote! {
            fn #method(self, transport: #transport, #extra scope: #scope) -> #intent {
                #module::dispatch::<Self>(self, #stream::Event::#event, transport, scope)
            }
        }
    };
    let bytes_read = event("bytes_read", quote!(BytesRead(end)), quote!(end: usize,));
    let bytes_flushed = event("bytes_flushed", quote!(Flushed), quote!());
    let timeout = event("timeout", quote!(Timeout), quote!());
    let wakeup = event("wakeup", quote!(Wakeup), quote!());
    let end_of_stream = event("end_of_stream", quote!(EndOfStream), quote!());
    let limit_exceeded = event("limit_exceeded", quote!(LimitExceeded(limit)), quote!(limit: #stream::Limit,));
    let drain = quote! {
        fn drain(self, transport: #transport, scope: #scope) -> #intent {
            if <Self as #handlers>::DRAIN {
                #module::dispatch::<Self>(self, #stream::Event::Drain, transport, scope)
            } else {
                #stream::Intent::of(self).unchanged()
            }
        }
    };
    let connected = quote! {
        fn connected(self, transport: #transport, scope: #scope) -> #intent {
            if <Self as #handlers>::CONNECTED {
                #module::dispatch::<Self>(self, #stream::Event::Connected, transport, scope)
            } else {
                <Self as #handlers>::create(transport, scope).into_intent().map(Self::from)
            }
        }
    };
    let index_arms = states.iter().enumerate().map(|(i, s)| {
        let ident = s.ident();
        quote!(Self::#ident { .. } => #i,)
    });
    quote! {
        impl #stream::Protocol for #name
        where
            #bound
        {
            type Context = <Self as #handlers>::Context;
            type Socket = <Self as #handlers>::Socket;

            fn create(transport: #transport, scope: #scope) -> #intent {
                <Self as #handlers>::create(transport, scope).into_intent().map(Self::from)
            }

            #bytes_read
            #bytes_flushed
            #timeout
            #wakeup
            #end_of_stream
            #limit_exceeded
            #drain
            #connected

            fn error(self, error: #krate::machine::MachineError, scope: #scope) {
                <Self as #handlers>::error(self, error, scope)
            }

            fn connect_failed(self, error: #krate::machine::MachineError, scope: #scope) {
                <Self as #handlers>::connect_failed(self, error, scope)
            }

            fn state_names() -> ::core::option::Option<&'static #krate::counters::StateNames> {
                ::core::option::Option::Some(&#module::STATE_NAMES)
            }

            fn state_index(&self) -> usize {
                match self {
                    #(#index_arms)*
                }
            }
        }
    }
}

/// `STATE_NAMES`: the protocol's and its states' names, in declaration
/// order, labelling the loop's per-state counts.
fn state_names(input: &Input<'_>, states: &[State<'_>]) -> TokenStream {
    let krate = input.args.krate();
    let name = input.item.ident.to_string();
    let names = states.iter().map(|s| s.ident().to_string());
    let doc = format!(
        "The names of [`{name}`]'s states in declaration order (a state's index is its count's): the labels of \
         the loop's per-state counts, `scope.counters().states(&STATE_NAMES)`."
    );
    quote! {
        #[doc = #doc]
        pub static STATE_NAMES: #krate::counters::StateNames = #krate::counters::StateNames::new(#name, &[#(#names),*]);
    }
}

/// The enum's derives for the `After<State>` enums, less `Default` (an
/// enum derives it only with a `#[default]` variant, which they have not).
fn enum_derives(derives: &[&syn::Attribute]) -> TokenStream {
    let paths = derives.iter().filter_map(|attr| {
        attr.parse_args_with(syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated).ok()
    });
    let kept: Vec<syn::Path> =
        paths.flatten().filter(|p| p.segments.last().is_none_or(|s| s.ident != "Default")).collect();
    if kept.is_empty() {
        TokenStream::new()
    } else {
        quote!(#[derive(#(#kept),*)])
    }
}

/// The state's own struct, with the variant's fields made public.
fn state_struct(name: &Ident, s: &State<'_>, derives: &[&syn::Attribute]) -> TokenStream {
    let ident = s.ident();
    let docs = s.variant.attrs.iter().filter(|a| a.path().is_ident("doc"));
    let kind = if s.is_done() { "A `done` state" } else { "A state" };
    let summary =
        syn::LitStr::new(&format!("{kind} of [`{name}`]: [`{name}::{ident}`] as its own type."), ident.span());
    let body = match &s.variant.fields {
        Fields::Unit => quote_spanned!(ident.span()=> ;),
        Fields::Named(named) => {
            let fields = named.named.iter().map(|f| {
                let (docs, fname, ty) = (field_docs(f, ident), &f.ident, &f.ty);
                quote_spanned!(field_span(f)=> #docs pub #fname: #ty,)
            });
            quote!({ #(#fields)* })
        }
        Fields::Unnamed(unnamed) => {
            let fields = unnamed.unnamed.iter().map(|f| {
                let (docs, ty) = (field_docs(f, ident), &f.ty);
                quote_spanned!(field_span(f)=> #docs pub #ty)
            });
            quote!(( #(#fields),* );)
        }
    };
    // Placed at the variant, so rustc's notes about the state type point
    // there.
    quote_spanned! {ident.span()=>
        #[doc = #summary]
        #(#docs)*
        #(#derives)*
        pub struct #ident #body
    }
}

/// Where the user wrote `field`: its name, or its type for a tuple field.
/// Generated field tokens take it, so rustc's notes about a state struct's
/// field point there.
fn field_span(field: &syn::Field) -> Span {
    match &field.ident {
        Some(name) => name.span(),
        None => syn::spanned::Spanned::span(&field.ty),
    }
}

/// The field's own docs, or a generated line (the struct is public).
fn field_docs(field: &syn::Field, state: &Ident) -> TokenStream {
    let docs: Vec<_> = field.attrs.iter().filter(|a| a.path().is_ident("doc")).collect();
    if docs.is_empty() {
        let doc = match &field.ident {
            Some(name) => format!("The `{name}` of state `{state}`."),
            None => format!("The data of state `{state}`."),
        };
        quote!(#[doc = #doc])
    } else {
        quote!(#(#docs)*)
    }
}

/// `path`, `path { a, b }` or `path(__0, __1)`: a pattern binding the
/// state's fields, or the expression rebuilding them.
fn shape(s: &State<'_>, path: TokenStream) -> TokenStream {
    match &s.variant.fields {
        Fields::Unit => path,
        Fields::Named(named) => {
            let names = named.named.iter().map(|f| &f.ident);
            quote!(#path { #(#names),* })
        }
        Fields::Unnamed(unnamed) => {
            let names = (0..unnamed.unnamed.len()).map(|i| format_ident!("__{}", i));
            quote!(#path ( #(#names),* ))
        }
    }
}

/// `module = name`, or the enum's name in snake case.
fn module_name(input: &Input<'_>) -> Ident {
    if let Some((_, ident)) = &input.args.module {
        return ident.clone();
    }
    let snake = snake_case(&input.item.ident.to_string());
    let span = input.item.ident.span();
    match snake.as_str() {
        "self" | "super" | "crate" | "_" => format_ident!("{}_states", snake, span = span),
        _ if syn::parse_str::<Ident>(&snake).is_err() => Ident::new_raw(&snake, span),
        _ => Ident::new(&snake, span),
    }
}

/// `HttpServer` -> `http_server`, `HTTPServer` -> `http_server`.
pub(crate) fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev = i.checked_sub(1).map(|p| chars[p]);
            let next = chars.get(i + 1);
            let boundary = match prev {
                Some('_') => false,
                Some(p) if p.is_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_uppercase() => next.is_some_and(|n| n.is_lowercase()),
                _ => false,
            };
            if boundary {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::snake_case;

    #[test]
    fn snake() {
        assert_eq!(snake_case("Http"), "http");
        assert_eq!(snake_case("HttpServer"), "http_server");
        assert_eq!(snake_case("HTTPServer"), "http_server");
        assert_eq!(snake_case("ReadBody2"), "read_body2");
        assert_eq!(snake_case("Resp2Go"), "resp2_go");
    }
}
