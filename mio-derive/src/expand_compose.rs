//! Compose mode: `impl Machine` for an enum whose variants each wrap a
//! machine, plus its seed enum and `From` impls.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{Attribute, GenericParam, Ident, Type};

use crate::ast::{Composed, Input};

/// How a variant's type is required to be a machine of the context.
enum Bound {
    /// `V: Machine` (the variant the context is taken from).
    Machine,
    /// `V: Machine<Context = C>` (a type naming generic parameters).
    Context,
    /// `V: __private::Variant<C>` (a concrete type).
    Variant,
    /// None on the impl (a `#[cfg]` variant): its scope still goes through
    /// `__private::Variant<C>`, which checks it where it is compiled.
    Unchecked,
}

/// A well-formed variant: its name, wrapped type and `#[cfg]`s.
struct Arm<'a> {
    ident: &'a Ident,
    ty: &'a Type,
    cfgs: Vec<&'a Attribute>,
}

/// Generates everything but the enum itself. Malformed variants (only seen
/// by the fallback after an error) are skipped, and the generated code stays
/// well-typed, so the macro's own error is the only one shown.
pub(crate) fn expand(input: &Input<'_>, variants: &[Composed<'_>]) -> TokenStream {
    let item = input.item;
    let krate = input.args.krate();
    let name = &item.ident;
    let seed = seed_name(input);
    let arms: Vec<Arm<'_>> = variants
        .iter()
        .filter_map(|v| {
            let cfgs = v.variant.attrs.iter().filter(|a| a.path().is_ident("cfg")).collect();
            v.ty.map(|ty| Arm { ident: &v.variant.ident, ty, cfgs })
        })
        .collect();

    let params = &item.generics.params;
    let (impl_generics, ty_generics, where_clause) = item.generics.split_for_impl();
    // Seed constructors are named with their generics, so that inference
    // never has to solve the seed enum's bounds with unknown parameters.
    let turbofish = ty_generics.as_turbofish();
    let user_preds = where_clause.map(|w| {
        let p = w.predicates.iter();
        quote!(#(#p,)*)
    });

    let machine = quote!(#krate::machine::Machine);
    // The context comes from the first variant that is always compiled in.
    let source = arms.iter().position(|a| a.cfgs.is_empty()).unwrap_or(0);
    let context = match (&input.args.context, arms.get(source)) {
        (Some((_, ty)), _) => quote!(#ty),
        (None, Some(first)) => {
            let ty = first.ty;
            quote!(<#ty as #machine>::Context)
        }
        (None, None) => quote!(()),
    };
    // Each variant's type must be a machine with the composed context, and
    // a mistake must be reported at that type, once. Every variant but the
    // one the context is taken from gets a bound placed at its type, on the
    // impl and on the seed enum alike (rustc reports identical errors once);
    // inside the impl the bound holds, so the dispatch code adds no errors of
    // its own. A type naming the enum's generic parameters gets the real
    // bound `V: Machine<Context = C>`. A concrete type gets
    // `V: __private::Variant<C>` ("a machine with context C") instead, and
    // its scope is handed over through that trait: concrete projection
    // bounds in an impl's where clause make nested composed enums overflow
    // the trait solver.
    let inferred = input.args.context.is_none();
    let variant_trait = quote!(#krate::__private::Variant<#context>);
    let kinds: Vec<Bound> = arms
        .iter()
        .enumerate()
        .map(|(i, arm)| match (i == source && inferred, mentions_params(arm.ty, &item.generics)) {
            // A where clause cannot be configured out with its variant: a
            // `#[cfg]` variant is checked only where its scope is used.
            _ if !arm.cfgs.is_empty() => Bound::Unchecked,
            (true, _) => Bound::Machine,
            (false, true) => Bound::Context,
            (false, false) => Bound::Variant,
        })
        .collect();
    let preds: Vec<TokenStream> = arms
        .iter()
        .zip(&kinds)
        .map(|(arm, kind)| {
            let ty = arm.ty;
            let span = ty.span();
            let bound = match kind {
                Bound::Unchecked => return quote!(),
                Bound::Machine => respan(&machine, span),
                Bound::Context => respan(&quote!(#machine<Context = #context>), span),
                Bound::Variant => respan(&variant_trait, span),
            };
            quote_spanned!(span=> #ty: #bound,)
        })
        .collect();
    let scopes: Vec<TokenStream> = arms
        .iter()
        .zip(&kinds)
        .map(|(arm, kind)| match kind {
            Bound::Machine | Bound::Context => quote!(scope),
            Bound::Variant | Bound::Unchecked => {
                let ty = arm.ty;
                let bound = respan(&variant_trait, ty.span());
                quote_spanned!(ty.span()=> <#ty as #bound>::scope(scope))
            }
        })
        .collect();

    let seed_enum = seed_enum(&krate, input, &seed, &arms, &preds, user_preds.as_ref());

    let idents: Vec<&Ident> = arms.iter().map(|a| a.ident).collect();
    let tys: Vec<&Type> = arms.iter().map(|a| a.ty).collect();
    let cfgs: Vec<TokenStream> = arms.iter().map(|a| cfg_tokens(&a.cfgs)).collect();
    let skipped =
        (arms.len() < item.variants.len()).then(|| quote!(#[allow(unreachable_patterns)] _ => ::core::unreachable!(),));
    let spawn_error_match = if item.variants.is_empty() {
        quote!({
            let _ = (scope, seed, kind);
            match self {}
        })
    } else {
        quote! {
            match (self, seed) {
                #( #cfgs (Self::#idents(inner), #seed::#idents(seed)) =>
                    <#tys as #machine>::spawn_error(inner, #scopes, #krate::machine::SpawnError { seed, kind })
                        .map(Self::#idents, #seed #turbofish::#idents), )*
                // A seed of another variant cannot come back to this one
                // through the loop; drop it and keep the machine.
                #[allow(unreachable_patterns)]
                (this, _) => #krate::machine::Response::ok(this),
            }
        }
    };

    let scope = quote!(&mut #krate::machine::Scope<'_, <Self as #machine>::Context>);
    let response = quote!(#krate::machine::Response<Self, <Self as #machine>::Seed>);
    let forward = |method: &str| {
        let method = format_ident!("{method}");
        quote! {
            fn #method(self, scope: #scope) -> #response {
                match self {
                    #( #cfgs Self::#idents(inner) =>
                        <#tys as #machine>::#method(inner, #scopes).map(Self::#idents, #seed #turbofish::#idents), )*
                    #skipped
                }
            }
        }
    };
    let ended_by_loop = quote! {
        fn ended_by_loop(&self, counters: &#krate::counters::Counters) {
            match *self {
                #( #cfgs Self::#idents(ref inner) => <#tys as #machine>::ended_by_loop(inner, counters), )*
                #skipped
            }
        }
    };
    let spawned = forward("spawned");
    let timeout = forward("timeout");
    let wakeup = forward("wakeup");
    let drain = forward("drain");

    let mut wrapped = std::collections::HashSet::new();
    let from_impls = arms.iter().filter(|a| !is_type_param(a.ty, params.iter())).filter(|a| {
        // One `From` per type: a duplicate was reported, and a second impl
        // would only add a conflicting-impl error.
        wrapped.insert(a.ty.to_token_stream().to_string())
    });
    let from_impls = from_impls.map(|arm| {
        let (ident, ty) = (arm.ident, arm.ty);
        let cfg = cfg_tokens(&arm.cfgs);
        quote! {
            #cfg
            impl #impl_generics ::core::convert::From<#ty> for #name #ty_generics #where_clause {
                fn from(machine: #ty) -> Self {
                    Self::#ident(machine)
                }
            }
        }
    });

    quote! {
        #seed_enum

        impl #impl_generics #machine for #name #ty_generics
        where
            #user_preds
            #(#preds)*
        {
            type Context = #context;
            type Seed = #seed #ty_generics;

            fn create(seed: <Self as #machine>::Seed, scope: #scope) -> #krate::machine::Created<Self> {
                match seed {
                    #( #cfgs #seed::#idents(seed) => <#tys as #machine>::create(seed, #scopes).map(Self::#idents), )*
                }
            }

            fn ready(self, events: #krate::EventSet, scope: #scope) -> #response {
                match self {
                    #( #cfgs Self::#idents(inner) =>
                        <#tys as #machine>::ready(inner, events, #scopes).map(Self::#idents, #seed #turbofish::#idents), )*
                    #skipped
                }
            }

            #spawned

            fn spawn_error(
                self,
                scope: #scope,
                error: #krate::machine::SpawnError<<Self as #machine>::Seed>,
            ) -> #response {
                let #krate::machine::SpawnError { seed, kind } = error;
                #spawn_error_match
            }

            #timeout
            #wakeup
            #drain
            #ended_by_loop
        }

        #(#from_impls)*
    }
}

/// The seed enum's name: `seed = Name`, or `<Enum>Seed`.
pub(crate) fn seed_name(input: &Input<'_>) -> Ident {
    match &input.args.seed {
        Some((_, ident)) => ident.clone(),
        None => format_ident!("{}Seed", input.item.ident),
    }
}

fn seed_enum(
    krate: &syn::Path,
    input: &Input<'_>,
    seed: &Ident,
    arms: &[Arm<'_>],
    bounds: &[TokenStream],
    user_preds: Option<&TokenStream>,
) -> TokenStream {
    let item = input.item;
    let (name, vis) = (&item.ident, &item.vis);
    let machine = quote!(#krate::machine::Machine);
    let params = &item.generics.params;
    let (impl_generics, ty_generics, _) = item.generics.split_for_impl();
    let summary = format!("What [`{name}`] spawns: one variant per machine variant, holding that machine's seed.");
    let variants = arms.iter().map(|arm| {
        let (ident, ty) = (arm.ident, arm.ty);
        let cfg = cfg_tokens(&arm.cfgs);
        let doc = format!("A seed for [`{name}::{ident}`], created by its machine's `create`.");
        quote!(#[doc = #doc] #cfg #ident(<#ty as #machine>::Seed),)
    });
    let idents: Vec<&Ident> = arms.iter().map(|a| a.ident).collect();
    let cfgs: Vec<TokenStream> = arms.iter().map(|a| cfg_tokens(&a.cfgs)).collect();
    // Seeds need not be `Debug` (and a `Seed: Debug` bound on a concrete
    // type would be a hard error when it does not hold): show the variant.
    let names: Vec<String> = idents.iter().map(|i| format!("{seed}::{i}(..)")).collect();
    quote! {
        #[doc = #summary]
        #vis enum #seed <#params>
        where
            #user_preds
            #(#bounds)*
        {
            #(#variants)*
        }

        impl #impl_generics ::core::fmt::Debug for #seed #ty_generics
        where
            #user_preds
            #(#bounds)*
        {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                match *self {
                    #( #cfgs #seed::#idents(_) => f.write_str(#names), )*
                }
            }
        }
    }
}

fn cfg_tokens(cfgs: &[&Attribute]) -> TokenStream {
    quote!(#(#cfgs)*)
}

/// Whether `ty` is one of the enum's own type parameters (no `From` impl:
/// two such variants would overlap).
fn is_type_param<'a>(ty: &Type, mut params: impl Iterator<Item = &'a GenericParam>) -> bool {
    let Type::Path(path) = ty else { return false };
    let Some(ident) = path.path.get_ident() else { return false };
    path.qself.is_none() && params.any(|p| matches!(p, GenericParam::Type(t) if &t.ident == ident))
}

/// Whether `ty` mentions one of the enum's generic parameters (then bounds
/// on it are real bounds, not checks of a concrete type).
fn mentions_params(ty: &Type, generics: &syn::Generics) -> bool {
    let names: Vec<String> = generics
        .params
        .iter()
        .map(|p| match p {
            GenericParam::Type(t) => t.ident.to_string(),
            GenericParam::Const(c) => c.ident.to_string(),
            GenericParam::Lifetime(l) => l.lifetime.ident.to_string(),
        })
        .collect();
    fn walk(tokens: TokenStream, names: &[String]) -> bool {
        tokens.into_iter().any(|tt| match tt {
            proc_macro2::TokenTree::Ident(i) => names.iter().any(|n| i == n),
            proc_macro2::TokenTree::Group(g) => walk(g.stream(), names),
            _ => false,
        })
    }
    !names.is_empty() && walk(ty.to_token_stream(), &names)
}

/// `tokens` with every span set to `span`, so generated code that fails to
/// type-check is reported at the user's token.
pub(crate) fn respan(tokens: &impl ToTokens, span: proc_macro2::Span) -> TokenStream {
    tokens
        .to_token_stream()
        .into_iter()
        .map(|mut tt| {
            if let proc_macro2::TokenTree::Group(g) = &tt {
                let mut group = proc_macro2::Group::new(g.delimiter(), respan(&g.stream(), span));
                group.set_span(span);
                tt = proc_macro2::TokenTree::Group(group);
            } else {
                tt.set_span(span);
            }
            tt
        })
        .collect()
}
