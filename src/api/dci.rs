//! The DCI social-registry API (placeholder while it is written).
pub fn routes() -> axum::Router<super::http::AppState> {
    axum::Router::new()
}
