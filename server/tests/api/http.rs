//! What every response carries, the OpenAPI document, and the hosting of the web app.

use reqwest::StatusCode;
use serde_json::Value;

use crate::both_engines;
use crate::support::{spawn_app, spawn_app_with, Engine, TempDir};

both_engines!(
    security_headers_on_every_response,
    openapi_document_describes_the_api,
    every_operation_documents_the_refusals_it_can_answer,
    serves_the_web_app_with_deep_links_caching_and_compression
);

async fn security_headers_on_every_response(engine: Engine) {
    let app = spawn_app(engine).await;
    let user = app.anonymous();
    for path in ["/api/channels", "/api/session", "/api/nope", "/anything"] {
        let r = user.get(path).await;
        let h = r.headers();
        let csp = h.get("content-security-policy").unwrap().to_str().unwrap();
        assert!(
            csp.contains("default-src 'self'")
                && csp.contains("'wasm-unsafe-eval'")
                && csp.contains("frame-ancestors 'none'"),
            "{csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
        assert_eq!(h.get("x-frame-options").unwrap(), "DENY");
        assert!(h.get("referrer-policy").is_some());
    }
    let r = user.get("/api/nope").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
}

async fn openapi_document_describes_the_api(engine: Engine) {
    let app = spawn_app(engine).await;
    let doc: Value = app
        .anonymous()
        .get("/api/openapi.json")
        .await
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/session",
        "/api/accounts",
        "/api/channels",
        "/api/traffic-sources",
        "/api/traffic-sources/{id}",
        "/api/traffic-sources/{id}/history",
    ] {
        assert!(doc["paths"][path].is_object(), "missing {path}");
    }
    for schema in [
        "TrafficSource",
        "SourceInput",
        "SourceUpdate",
        "ApiErrorBody",
        "Channel",
        "Status",
    ] {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "missing schema {schema}"
        );
    }
    // The schema is derived from the served type: a field added there appears here.
    let props = &doc["components"]["schemas"]["TrafficSource"]["properties"];
    for field in [
        "id",
        "name",
        "url",
        "channels",
        "status",
        "visibility",
        "version",
        "block_reason",
    ] {
        assert!(props[field].is_object(), "TrafficSource.{field}");
    }
}

async fn serves_the_web_app_with_deep_links_caching_and_compression(engine: Engine) {
    let dist = TempDir::new();
    let index = "<!doctype html><html><head><script type=\"module\">import init from '/web-0123456789abcdef.js';init();</script></head><body></body></html>";
    std::fs::write(dist.0.join("index.html"), index).unwrap();
    std::fs::write(
        dist.0.join("web-0123456789abcdef.js"),
        "console.log('plain');",
    )
    .unwrap();
    std::fs::write(dist.0.join("web-0123456789abcdef.js.br"), b"brotli-bytes").unwrap();
    std::fs::write(dist.0.join("web-0123456789abcdef.js.gz"), b"gzip-bytes").unwrap();
    // The split build's layout (scripts/wasm-split-hook.sh): every module in a directory named
    // by the build's content hash, whose files keep their plain names.
    std::fs::create_dir_all(dist.0.join("app-0123456789abcdef")).unwrap();
    std::fs::write(dist.0.join("app-0123456789abcdef/chunk_1.wasm"), b"\0asm").unwrap();
    std::fs::write(dist.0.join("plain.js"), "1").unwrap();
    let path = dist.0.clone();
    let app = spawn_app_with(engine, move |c| c.static_dir = path).await;
    let client = reqwest::Client::builder()
        .no_gzip()
        .no_brotli()
        .build()
        .unwrap();
    let base = app.base();
    for deep_link in ["/", "/traffic-sources", "/traffic-sources/12/edit"] {
        let r = client
            .get(format!("{base}{deep_link}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{deep_link}");
        assert_eq!(
            r.headers().get("cache-control").unwrap(),
            "no-cache",
            "{deep_link}"
        );
        let csp = r
            .headers()
            .get("content-security-policy")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            csp.contains("'sha256-"),
            "the inline start-up script is allowed by hash: {csp}"
        );
        assert_eq!(r.text().await.unwrap(), index);
    }
    let asset = format!("{base}/web-0123456789abcdef.js");
    let r = client
        .get(&asset)
        .header("accept-encoding", "br, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers().get("content-encoding").unwrap(), "br");
    assert_eq!(
        r.headers().get("cache-control").unwrap(),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"brotli-bytes");
    let r = client
        .get(&asset)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers().get("content-encoding").unwrap(), "gzip");
    let r = client.get(&asset).send().await.unwrap();
    assert!(r.headers().get("content-encoding").is_none());
    assert_eq!(r.text().await.unwrap(), "console.log('plain');");
    let r = client
        .get(format!("{base}/app-0123456789abcdef/chunk_1.wasm"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers().get("cache-control").unwrap(),
        "public, max-age=31536000, immutable",
        "a file in a hashed directory never changes"
    );
    let r = client.get(format!("{base}/plain.js")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers().get("cache-control").unwrap(), "no-cache");
    // API paths never fall back to the app.
    let r = client
        .get(format!("{base}/api/unknown"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(r
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .contains("json"));
}

/// What schemathesis checks from outside (scripts/fuzz-api.sh), checked here too: a path
/// that does not parse is refused in JSON, and each operation lists 400, 401 (unless
/// public), 403 and 404 (with an id) among its answers.
async fn every_operation_documents_the_refusals_it_can_answer(engine: Engine) {
    let app = spawn_app(engine).await;
    let partner = app.partner().await;
    for path in [
        "/api/traffic-sources/99999999999999999999",
        "/api/traffic-sources/x/history",
        "/api/traffic-sources/1.5/traffic",
    ] {
        let r = partner.get(path).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(r.headers()["content-type"], "application/json", "{path}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "malformed", "{path}");
    }
    let doc: Value = app
        .anonymous()
        .get("/api/openapi.json")
        .await
        .json()
        .await
        .unwrap();
    let statuses = |path: &str, method: &str| -> Vec<String> {
        let mut s: Vec<String> = doc["paths"][path][method]["responses"]
            .as_object()
            .unwrap_or_else(|| panic!("{method} {path}"))
            .keys()
            .cloned()
            .collect();
        s.sort();
        s
    };
    for status in ["400", "401", "403", "404"] {
        assert!(statuses("/api/admin/review/{id}", "get").contains(&status.to_string()));
        assert!(statuses("/api/traffic-sources/{id}", "put").contains(&status.to_string()));
    }
    assert!(statuses("/api/admin/traffic-sources/bulk", "post").contains(&"413".to_string()));
    assert!(
        !statuses("/api/accounts", "post").contains(&"401".to_string()),
        "signing up is public"
    );
}
