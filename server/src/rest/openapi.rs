//! The OpenAPI 3.1 description of the REST API, generated from the handlers' annotations, served
//! at `/api/v1/openapi.json` and rendered for people at `/api/v1/docs`.

use crate::ingest::report::{Conflict, ImportReport, LineError};
use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::Required;
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
    // An import's body may be empty (or left out): no lines, nothing imported, as
    // `cojudge import` of an empty file. utoipa marks a `String` body required.
    if let Some(body) = spec
        .paths
        .paths
        .get_mut("/api/v1/items")
        .and_then(|item| item.post.as_mut())
        .and_then(|operation| operation.request_body.as_mut())
    {
        body.required = Some(Required::False);
    }
    spec
}

/// `GET /api/v1/openapi.json`
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(spec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::domain::TaskName;
    use serde_json::{json, Value};

    /// Every schema the spec gives a task name: the `task` parameters and the export spec's
    /// `task` (utoipa takes patterns as literals only, so each repeats it).
    fn task_name_schemas(spec: &Value) -> Vec<Value> {
        let mut schemas: Vec<Value> = spec["paths"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|item| item.as_object().unwrap().values())
            .flat_map(|operation| {
                operation["parameters"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            })
            .filter(|parameter| parameter["name"] == "task")
            .map(|parameter| parameter["schema"].clone())
            .collect();
        schemas.push(spec["components"]["schemas"]["ExportSpec"]["properties"]["task"].clone());
        schemas
    }

    #[test]
    fn the_spec_accepts_exactly_the_task_names_the_app_does() {
        let spec = serde_json::to_value(spec()).unwrap();
        let schemas = task_name_schemas(&spec);
        assert_eq!(schemas.len(), 5, "{schemas:#?}");
        let long = "a".repeat(63);
        let too_long = "a".repeat(64);
        let names = [
            "interest", "a", "tag-2", "x_y", &long, &too_long, "", "Interest", "1abc", "-a", "a b",
            "a\0", "é", "a/b",
        ];
        for schema in schemas {
            let validator = jsonschema::validator_for(&schema).unwrap();
            for name in names {
                assert_eq!(
                    validator.is_valid(&json!(name)),
                    TaskName::parse(name).is_ok(),
                    "{name:?} against {schema}"
                );
            }
        }
    }
}
