//! States kept in the database as text (`'active'`, `'pending'`, …).
//!
//! [`stored_as_text!`] gives an enum its one text mapping: `as_str`, `parse` and `ALL` come
//! from a single table, and on the server the enum is a sqlx type of its own, so a row decodes
//! straight into it (an unknown text is a decode error, not a silent default) and a query binds
//! it directly. The migrations' `CHECK (status IN (...))` lists the same texts; the schema test
//! and `every_state_is_allowed_by_the_schema` keep the two in step.

/// Declares the text of each variant of an existing enum, e.g.
/// `stored_as_text!(PairStatus { Active = "active", Ended = "ended" });`
#[macro_export]
macro_rules! stored_as_text {
    ($name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        impl $name {
            /// Every state, in declaration order.
            pub const ALL: [$name; [$($text),+].len()] = [$($name::$variant),+];
            /// The text stored in the database (and used in forms).
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
            /// The state stored as `text`; `None` for any other text.
            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        #[cfg(feature = "ssr")]
        impl sqlx::Type<sqlx::Any> for $name {
            fn type_info() -> sqlx::any::AnyTypeInfo {
                <String as sqlx::Type<sqlx::Any>>::type_info()
            }
        }

        #[cfg(feature = "ssr")]
        impl<'r> sqlx::Decode<'r, sqlx::Any> for $name {
            fn decode(value: sqlx::any::AnyValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                let text = <String as sqlx::Decode<'r, sqlx::Any>>::decode(value)?;
                Self::parse(&text).ok_or_else(|| format!("{} has no state {text:?}", stringify!($name)).into())
            }
        }

        #[cfg(feature = "ssr")]
        impl<'q> sqlx::Encode<'q, sqlx::Any> for $name {
            fn encode_by_ref(
                &self,
                buf: &mut <sqlx::Any as sqlx::Database>::ArgumentBuffer<'q>,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <&str as sqlx::Encode<'q, sqlx::Any>>::encode(self.as_str(), buf)
            }
        }
    };
}
