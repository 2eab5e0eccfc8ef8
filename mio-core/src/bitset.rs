//! The set operations shared by `EventSet` and `PollOpt`.

/// Implements `insert/remove/contains/is_empty`, `| & - !` and their assign
/// forms for a `u8` newtype whose named flags are listed.
macro_rules! bit_set {
    ($ty:ident, [$(($ctor:ident, $is:ident, $bit:expr, $name:literal)),+ $(,)?]) => {
        impl $ty {
            const ALL_BITS: u8 = 0 $(| $bit)+;

            $(
                #[doc = concat!("Only `", $name, "`.")]
                #[inline]
                pub const fn $ctor() -> $ty {
                    $ty($bit)
                }

                #[doc = concat!("Whether the set holds `", $name, "`.")]
                #[inline]
                pub const fn $is(self) -> bool {
                    self.0 & $bit != 0
                }
            )+

            /// The empty set.
            #[inline]
            pub const fn none() -> $ty {
                $ty(0)
            }

            /// Every flag.
            #[inline]
            pub const fn all() -> $ty {
                $ty(Self::ALL_BITS)
            }

            /// Whether no flag is set.
            #[inline]
            pub const fn is_none(self) -> bool {
                self.0 == 0
            }

            /// Adds the flags of `other`.
            #[inline]
            pub fn insert(&mut self, other: $ty) {
                self.0 |= other.0;
            }

            /// Removes the flags of `other`.
            #[inline]
            pub fn remove(&mut self, other: $ty) {
                self.0 &= !other.0;
            }

            /// Whether every flag of `other` is set in `self`.
            #[inline]
            pub const fn contains(self, other: $ty) -> bool {
                self.0 & other.0 == other.0
            }

            /// The raw bits.
            #[inline]
            pub const fn bits(self) -> u8 {
                self.0
            }
        }

        impl std::ops::BitOr for $ty {
            type Output = $ty;
            #[inline]
            fn bitor(self, other: $ty) -> $ty {
                $ty(self.0 | other.0)
            }
        }

        impl std::ops::BitOrAssign for $ty {
            #[inline]
            fn bitor_assign(&mut self, other: $ty) {
                self.0 |= other.0;
            }
        }

        impl std::ops::BitAnd for $ty {
            type Output = $ty;
            #[inline]
            fn bitand(self, other: $ty) -> $ty {
                $ty(self.0 & other.0)
            }
        }

        impl std::ops::Sub for $ty {
            type Output = $ty;
            #[inline]
            fn sub(self, other: $ty) -> $ty {
                $ty(self.0 & !other.0)
            }
        }

        impl std::ops::Not for $ty {
            type Output = $ty;
            #[inline]
            fn not(self) -> $ty {
                $ty(!self.0 & Self::ALL_BITS)
            }
        }

        impl std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                let mut first = true;
                $(
                    if self.$is() {
                        if !first {
                            f.write_str(" | ")?;
                        }
                        f.write_str($name)?;
                        first = false;
                    }
                )+
                if first {
                    f.write_str("(empty)")?;
                }
                Ok(())
            }
        }
    };
}

pub(crate) use bit_set;
