//! `GET /api/v1/docs`: the OpenAPI spec rendered as a plain HTML page by the app itself (no
//! scripts, no CDN), using the app's stylesheet.

use axum::response::Html;
use serde_json::Value;
use std::fmt::Write;

pub async fn docs_page() -> Html<String> {
    let spec = serde_json::to_value(super::openapi::spec()).expect("the spec serialises");
    Html(render(&spec))
}

fn render(spec: &Value) -> String {
    let mut html = String::new();
    let title = text(&spec["info"]["title"]);
    let _ = write!(
        html,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><link rel=\"icon\" type=\"image/svg+xml\" href=\"/favicon.svg\"><link rel=\"stylesheet\" href=\"/pkg/cojudge.css\"></head>\
         <body><main class=\"content api-docs\"><h1>{title} <span class=\"badge\">v{}</span></h1><p>{}</p>\
         <p><a href=\"/api/v1/openapi.json\">openapi.json</a> (OpenAPI {})</p>",
        text(&spec["info"]["version"]),
        text(&spec["info"]["description"]),
        text(&spec["openapi"]),
    );
    if let Some(paths) = spec["paths"].as_object() {
        for (path, operations) in paths {
            for (method, operation) in operations.as_object().into_iter().flatten() {
                render_operation(&mut html, path, method, operation);
            }
        }
    }
    html.push_str("<h2>Schemas</h2>");
    if let Some(schemas) = spec["components"]["schemas"].as_object() {
        for (name, schema) in schemas {
            let _ = write!(
                html,
                "<section class=\"card api-op\" id=\"schema-{}\"><h3><code>{}</code></h3>",
                escape(name),
                escape(name)
            );
            render_properties(&mut html, schema);
            html.push_str("</section>");
        }
    }
    html.push_str("</main></body></html>");
    html
}

fn render_operation(html: &mut String, path: &str, method: &str, operation: &Value) {
    let _ = write!(
        html,
        "<section class=\"card api-op\" data-testid=\"api-operation\"><h2><span class=\"badge\">{}</span> <code>{}</code></h2><p>{}</p>",
        escape(&method.to_uppercase()),
        escape(path),
        text(&operation["description"]).replace('\n', "<br>"),
    );
    if let Some(parameters) = operation["parameters"].as_array() {
        html.push_str("<h3>Parameters</h3><table class=\"table\"><thead><tr><th>Name</th><th>In</th><th>Type</th><th>Required</th><th>Description</th></tr></thead><tbody>");
        for p in parameters {
            let _ = write!(
                html,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                text(&p["name"]),
                text(&p["in"]),
                type_name(&p["schema"]),
                if p["required"].as_bool().unwrap_or(false) {
                    "yes"
                } else {
                    "no"
                },
                text(&p["description"]),
            );
        }
        html.push_str("</tbody></table>");
    }
    if let Some(content) = operation["requestBody"]["content"].as_object() {
        let types: Vec<String> = content.keys().map(|k| escape(k)).collect();
        let _ = write!(
            html,
            "<h3>Body</h3><p>{} <span class=\"muted\">({})</span></p>",
            text(&operation["requestBody"]["description"]),
            types.join(", ")
        );
    }
    if let Some(responses) = operation["responses"].as_object() {
        html.push_str("<h3>Responses</h3><table class=\"table\"><tbody>");
        for (status, response) in responses {
            let _ = write!(
                html,
                "<tr><td><code>{}</code></td><td>{}</td></tr>",
                escape(status),
                text(&response["description"])
            );
        }
        html.push_str("</tbody></table>");
    }
    html.push_str("</section>");
}

fn render_properties(html: &mut String, schema: &Value) {
    let Some(properties) = schema["properties"].as_object() else {
        let _ = write!(html, "<p>{}</p>", type_name(schema));
        return;
    };
    let required: Vec<&str> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    html.push_str("<table class=\"table\"><thead><tr><th>Field</th><th>Type</th><th>Required</th><th>Description</th></tr></thead><tbody>");
    for (name, property) in properties {
        let _ = write!(
            html,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(name),
            type_name(property),
            if required.contains(&name.as_str()) {
                "yes"
            } else {
                "no"
            },
            text(&property["description"]),
        );
    }
    html.push_str("</tbody></table>");
}

fn type_name(schema: &Value) -> String {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.rsplit('/').next().unwrap_or(reference);
        return format!("<a href=\"#schema-{0}\">{0}</a>", escape(name));
    }
    if schema["type"] == "array" {
        return format!("array of {}", type_name(&schema["items"]));
    }
    match &schema["type"] {
        Value::String(kind) => escape(kind),
        Value::Array(kinds) => escape(
            &kinds
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" or "),
        ),
        _ => "any".to_string(),
    }
}

fn text(value: &Value) -> String {
    escape(value.as_str().unwrap_or_default())
}

fn escape(raw: &str) -> String {
    raw.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_lists_every_operation_and_escapes_text() {
        let spec = serde_json::json!({
            "openapi": "3.1.0",
            "info": {"title": "T", "version": "1", "description": "<b>x</b>"},
            "paths": {"/a": {"post": {"description": "d", "responses": {"200": {"description": "ok"}}}}},
            "components": {"schemas": {}}
        });
        let html = render(&spec);
        assert!(html.contains("&lt;b&gt;x&lt;/b&gt;"));
        assert_eq!(html.matches("data-testid=\"api-operation\"").count(), 1);
    }
}
