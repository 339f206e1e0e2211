//! The OpenAPI 3.1 description of the REST API, generated from the handlers' annotations, served
//! at `/api/v1/openapi.json` and rendered for people at `/api/v1/docs`.

use crate::ingest::report::{Conflict, ImportReport, LineError};
use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "cojudge REST API",
        description = "Bulk import of generated artifacts, judge metrics, dataset exports, and tokens for scripts. Authenticate with `Authorization: Bearer cjt_…` (create tokens with `cojudge token create` or on the Tokens page). Errors are JSON: `{\"error\": {\"code\", \"message\", \"details\"}}` with a stable `code`."
    ),
    paths(
        super::items::import_items,
        super::metrics::task_metrics,
        super::operations::task_operations,
        super::exports::start_export,
        super::exports::list_exports,
        super::exports::get_export,
        super::exports::download_file,
        super::whoami::whoami
    ),
    components(schemas(ImportReport, LineError, Conflict, super::error::ErrorBody, super::error::ErrorDetail)),
    modifiers(&BearerToken),
    tags(
        (name = "items", description = "Generated artifacts to judge"),
        (name = "metrics", description = "How well the judge agrees with humans"),
        (name = "exports", description = "Labelled datasets for training"),
        (name = "tokens", description = "API tokens"),
    )
)]
pub struct ApiDoc;

/// Declares the bearer-token security scheme the operations refer to.
struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("cjt_…")
                    .build(),
            ),
        );
    }
}

/// The spec, with the running version.
pub fn spec() -> utoipa::openapi::OpenApi {
    let mut spec = ApiDoc::openapi();
    spec.info.version = env!("CARGO_PKG_VERSION").to_string();
    spec
}

/// `GET /api/v1/openapi.json`
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(spec())
}
