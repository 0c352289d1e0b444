//! Error policy for clients: every error carries a machine code in `extensions.code`; internal
//! causes (database, bugs) are logged with an error id and never shown — the client sees only
//! "internal error" and the id to quote.

use crate::family_cards::FamilyError;
use async_graphql::ErrorExtensions;

/// Deliberately not `Display`: async-graphql converts any `Display` into an error without a
/// code, so the only way out of a resolver is `From<ApiError>` below, which sets the code.
#[derive(Debug)]
pub enum ApiError {
    NotFound(String),
    BadInput {
        field: String,
        message: String,
    },
    Forbidden(String),
    /// The object changed since the version the client (or the resolver) made its change from.
    Conflict(String),
    Unavailable,
    Internal(anyhow::Error),
}

impl ApiError {
    pub fn bad_input(field: &str, message: impl std::fmt::Display) -> Self {
        ApiError::BadInput {
            field: field.into(),
            message: message.to_string(),
        }
    }

    /// The client-facing message (never an internal cause).
    pub fn message(&self) -> String {
        match self {
            ApiError::NotFound(m) | ApiError::Forbidden(m) | ApiError::Conflict(m) => m.clone(),
            ApiError::BadInput { field, message } => format!("invalid {field}: {message}"),
            ApiError::Unavailable => "the registry database is unavailable; try again later".into(),
            ApiError::Internal(_) => "internal error".into(),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::NotFound(_) => "NOT_FOUND",
            ApiError::BadInput { .. } => "BAD_USER_INPUT",
            ApiError::Forbidden(_) => "FORBIDDEN",
            ApiError::Conflict(_) => "CONFLICT",
            ApiError::Unavailable => "UNAVAILABLE",
            ApiError::Internal(_) => "INTERNAL",
        }
    }
}

impl From<FamilyError> for ApiError {
    fn from(e: FamilyError) -> Self {
        match e {
            FamilyError::PersonNotFound => ApiError::NotFound("no person with this IIN".into()),
            FamilyError::FamilyNotFound => ApiError::NotFound("no family card with this id".into()),
            FamilyError::CardNotInForce(d) => ApiError::NotFound(format!(
                "this family card was not in force on {d}: its anchor belonged to another family"
            )),
            FamilyError::Composition(c) => ApiError::NotFound(c.to_string()),
            FamilyError::Store(s) => match s {
                crate::store::StoreError::Unreachable { .. } => {
                    tracing::error!(error = %s, "database unreachable");
                    ApiError::Unavailable
                }
                other => ApiError::Internal(other.into()),
            },
        }
    }
}

impl ErrorExtensions for ApiError {
    fn extend(&self) -> async_graphql::Error {
        let code = self.code();
        let message = match self {
            ApiError::Internal(cause) => {
                let id = error_id();
                tracing::error!(error_id = %id, cause = ?cause, "internal error");
                format!("internal error (id {id})")
            }
            other => other.message(),
        };
        let mut e = async_graphql::Error::new(message);
        e = e.extend_with(|_, ext| {
            ext.set("code", code);
            if let ApiError::BadInput { field, .. } = self {
                ext.set("field", field.as_str());
            }
        });
        e
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(e: ApiError) -> Self {
        e.extend()
    }
}

fn error_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    format!("{:x}-{}", t, N.fetch_add(1, Ordering::Relaxed))
}

pub type ApiResult<T> = Result<T, ApiError>;
