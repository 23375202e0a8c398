//! HTTP dispatch: routing, faults, list/get/create/replace/patch/delete.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::{Map, Value, json};

use super::resources::{ResourceDef, Route, Target, parse_path};
use super::select::Selector;
use super::status::{ApiError, json_response};
use super::store::{Key, name_of, rv_of};
use super::{KubeFault, LoggedRequest, Shared, discovery, lock, table, watch};

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(handle).with_state(shared)
}

/// Query parameters, first value wins.
#[derive(Debug, Default, Clone)]
pub(crate) struct Query(Vec<(String, String)>);

impl Query {
    pub fn parse(q: &str) -> Query {
        Query(
            form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    pub fn get(&self, k: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    }

    /// A non-empty value.
    pub fn value(&self, k: &str) -> Option<&str> {
        self.get(k).filter(|v| !v.is_empty())
    }

    pub fn flag(&self, k: &str) -> bool {
        matches!(
            self.get(k),
            Some("1" | "t" | "T" | "true" | "TRUE" | "True")
        )
    }
}

async fn handle(State(sh): State<Arc<Shared>>, req: Request) -> Response {
    let method = req.method().clone();
    let uri = req.uri().clone();
    let headers = req.headers().clone();
    let body = match axum::body::to_bytes(req.into_body(), 64 << 20).await {
        Ok(b) => b,
        Err(e) => return ApiError::bad_request(format!("read body: {e}")).into_response(),
    };
    let path = uri.path().to_string();
    let query = uri.query().unwrap_or("").to_string();
    let resp = dispatch(&sh, &method, &path, &query, &headers, body)
        .unwrap_or_else(IntoResponse::into_response);
    lock(&sh.log).push(LoggedRequest {
        method: method.to_string(),
        path,
        query,
        status: resp.status().as_u16(),
    });
    resp
}

fn verb(method: &Method, route: &Route, q: &Query) -> &'static str {
    let named = matches!(route, Route::Resource(t) if t.name.is_some());
    let watching = matches!(route, Route::Resource(t) if t.legacy_watch) || q.flag("watch");
    match *method {
        Method::GET if watching => "watch",
        Method::GET if named => "get",
        Method::GET => "list",
        Method::POST => "create",
        Method::PUT => "update",
        Method::PATCH => "patch",
        Method::DELETE if named => "delete",
        Method::DELETE => "deletecollection",
        _ => "get",
    }
}

fn dispatch(
    sh: &Arc<Shared>,
    method: &Method,
    path: &str,
    query: &str,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let q = Query::parse(query);
    let full = format!("{path}?{query}");
    let route = parse_path(path);
    if let Some(code) = sh.take_fault(&full, |f| match f {
        KubeFault::Status { code, .. } => Some(*code),
        _ => None,
    }) {
        let def = match &route {
            Route::Resource(t) => Some(t.def()),
            _ => None,
        };
        return Err(ApiError::injected(
            code,
            path,
            def,
            verb(method, &route, &q),
        ));
    }
    match route {
        Route::Version => Ok(json_response(StatusCode::OK, &discovery::version())),
        Route::ApiVersions => Ok(json_response(
            StatusCode::OK,
            &discovery::api_versions(sh.addr),
        )),
        Route::ApiGroupList => Ok(json_response(StatusCode::OK, &discovery::api_group_list())),
        Route::ApiGroup(g, v) => Ok(json_response(StatusCode::OK, &discovery::api_group(g, v))),
        Route::ResourceList(g, v) => Ok(json_response(
            StatusCode::OK,
            &discovery::resource_list(g, v),
        )),
        Route::NotFound => Err(ApiError::path_not_found()),
        Route::Resource(t) => resource(sh, method, t, &q, &full, headers, body),
    }
}

fn resource(
    sh: &Arc<Shared>,
    method: &Method,
    t: Target,
    q: &Query,
    full: &str,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let watching = t.legacy_watch || q.flag("watch");
    if matches!(*method, Method::POST | Method::PUT) && content_type(headers).contains("protobuf") {
        // no protobuf here; client-go retries such a request as JSON after a 415
        return Err(ApiError::new(
            415,
            "UnsupportedMediaType",
            format!(
                "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (got {:?})",
                content_type(headers)
            ),
        ));
    }
    let all_namespaces = t.def().namespaced && t.namespace.is_none();
    match (method.clone(), t.name.is_some()) {
        (Method::GET, _) if watching => watch::watch(sh.clone(), t, q, full, headers),
        (Method::GET, false) => list(sh, &t, q, full, headers),
        (Method::GET, true) => get(sh, &t, q, headers),
        (Method::POST, false) if !all_namespaces => create(sh, &t, q, headers, &body),
        (Method::PUT, true) => replace(sh, &t, q, headers, &body),
        (Method::PATCH, true) => patch(sh, &t, q, headers, &body),
        (Method::DELETE, true) => delete(sh, &t, q, &body),
        (Method::DELETE, false) if !all_namespaces => delete_collection(sh, &t, q),
        _ => Err(ApiError::method_not_allowed()),
    }
}

fn ns_key(t: &Target) -> String {
    t.namespace.clone().unwrap_or_default()
}

/// Drop per-item `apiVersion`/`kind`, as a real server does inside lists.
fn list_item(obj: &Value) -> Value {
    let mut o = obj.clone();
    if let Some(m) = o.as_object_mut() {
        m.remove("apiVersion");
        m.remove("kind");
    }
    o
}

#[derive(serde::Serialize, serde::Deserialize)]
struct ContinueToken {
    v: String,
    rv: u64,
    ns: String,
    name: String,
}

fn encode_continue(rv: u64, key: &Key) -> String {
    let tok = ContinueToken {
        v: "meta.k8s.io/v1".into(),
        rv,
        ns: key.1.clone(),
        name: key.2.clone(),
    };
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(serde_json::to_vec(&tok).unwrap_or_default())
}

fn decode_continue(s: &str) -> Result<ContinueToken, ApiError> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .ok()
        .and_then(|b| serde_json::from_slice::<ContinueToken>(&b).ok())
        .ok_or_else(|| ApiError::bad_request(format!("continue key is not valid: {s}")))
}

fn specific_rv(q: &Query) -> Option<&str> {
    q.value("resourceVersion").filter(|v| *v != "0")
}

fn list(
    sh: &Shared,
    t: &Target,
    q: &Query,
    full: &str,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let def = t.def();
    let sel = Selector::parse(q.get("labelSelector"), q.get("fieldSelector"))
        .map_err(ApiError::bad_request)?;
    let limit = match q.value("limit") {
        Some(l) => l
            .parse::<usize>()
            .map_err(|_| ApiError::bad_request(format!("invalid limit {l:?}")))?,
        None => 0,
    };
    let cont = q.value("continue");
    if (cont.is_some() || specific_rv(q).is_some())
        && sh
            .take_fault(full, |f| {
                matches!(f, KubeFault::GoneOnList { .. }).then_some(())
            })
            .is_some()
    {
        return Err(match cont {
            Some(_) => ApiError::continue_expired(),
            None => ApiError::expired(format!(
                "too old resource version: {} ({})",
                specific_rv(q).unwrap_or(""),
                sh.store().rv()
            )),
        });
    }
    let store = sh.store();
    let (snapshot_rv, after) = match cont {
        Some(c) => {
            let tok = decode_continue(c)?;
            if tok.rv < store.compacted_rv() {
                return Err(ApiError::continue_expired());
            }
            (tok.rv, Some((tok.ns, tok.name)))
        }
        None => (store.rv(), None),
    };
    let matching: Vec<(&Key, &Value)> = store
        .list(t.res, t.namespace.as_deref())
        .into_iter()
        .filter(|(k, _)| {
            after
                .as_ref()
                .is_none_or(|(ns, name)| (&k.1, &k.2) > (ns, name))
        })
        .filter(|(_, v)| sel.matches(v))
        .collect();
    let total = matching.len();
    let page: Vec<(&Key, &Value)> = if limit > 0 {
        matching.into_iter().take(limit).collect()
    } else {
        matching
    };
    let mut meta = Map::new();
    meta.insert("resourceVersion".into(), json!(snapshot_rv.to_string()));
    if limit > 0
        && total > page.len()
        && let Some((last, _)) = page.last()
    {
        meta.insert("continue".into(), json!(encode_continue(snapshot_rv, last)));
        if sel.is_empty() {
            meta.insert("remainingItemCount".into(), json!(total - page.len()));
        }
    }
    let objs: Vec<Value> = page.iter().map(|(_, v)| (*v).clone()).collect();
    drop(store);
    if let Some(version) = table::wants_table(headers) {
        return Ok(json_response(
            StatusCode::OK,
            &table::render(
                def,
                &objs,
                Value::Object(meta),
                version,
                q.get("includeObject"),
            ),
        ));
    }
    let body = json!({
        "kind": def.list_kind(),
        "apiVersion": def.api_version(),
        "metadata": meta,
        "items": objs.iter().map(list_item).collect::<Vec<_>>(),
    });
    Ok(json_response(StatusCode::OK, &body))
}

fn get(sh: &Shared, t: &Target, q: &Query, headers: &HeaderMap) -> Result<Response, ApiError> {
    let def = t.def();
    let name = t.name.as_deref().unwrap_or("");
    let obj = sh
        .store()
        .get(t.res, &ns_key(t), name)
        .cloned()
        .ok_or_else(|| ApiError::not_found(def, name))?;
    if let Some(version) = table::wants_table(headers) {
        let meta = json!({"resourceVersion": rv_of(&obj).unwrap_or(0).to_string()});
        return Ok(json_response(
            StatusCode::OK,
            &table::render(def, &[obj], meta, version, q.get("includeObject")),
        ));
    }
    Ok(json_response(StatusCode::OK, &obj))
}

fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

fn parse_body(body: &[u8], yaml_ok: bool) -> Result<Value, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(v) => Ok(v),
        Err(e) if yaml_ok => {
            let text =
                std::str::from_utf8(body).map_err(|_| ApiError::bad_request(format!("{e}")))?;
            serde_saphyr::from_str::<Value>(text)
                .map_err(|e| ApiError::bad_request(format!("error decoding YAML: {e}")))
        }
        Err(e) => Err(ApiError::bad_request(format!(
            "the body of the request was in an unknown format: {e}"
        ))),
    }
}

fn dry_run(q: &Query) -> bool {
    q.get("dryRun").is_some_and(|v| v == "All")
}

/// Check apiVersion/kind/namespace in a body against the URL.
fn check_body(def: &ResourceDef, t: &Target, obj: &Value) -> Result<(), ApiError> {
    if !obj.is_object() {
        return Err(ApiError::bad_request(
            "the body of the request must be a JSON object",
        ));
    }
    if let Some(av) = obj["apiVersion"].as_str()
        && av != def.api_version()
    {
        return Err(ApiError::bad_request(format!(
            "the API version in the data ({av}) does not match the expected API version ({})",
            def.api_version()
        )));
    }
    if let Some(k) = obj["kind"].as_str()
        && k != def.kind
    {
        return Err(ApiError::bad_request(format!(
            "the kind in the data ({k}) does not match the expected kind ({})",
            def.kind
        )));
    }
    if def.namespaced
        && let (Some(body_ns), Some(url_ns)) = (
            obj["metadata"]["namespace"].as_str(),
            t.namespace.as_deref(),
        )
        && !body_ns.is_empty()
        && body_ns != url_ns
    {
        return Err(ApiError::bad_request(
            "the namespace of the provided object does not match the namespace sent on the request",
        ));
    }
    Ok(())
}

fn random_suffix() -> String {
    const ALPHA: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    (0..5)
        .map(|_| ALPHA[rand::random_range(0..ALPHA.len())] as char)
        .collect()
}

fn created(obj: Value) -> Response {
    json_response(StatusCode::CREATED, &obj)
}

/// Store a new object (create path shared by POST and apply-create).
fn do_create(sh: &Shared, t: &Target, q: &Query, mut obj: Value) -> Result<Response, ApiError> {
    let def = t.def();
    check_body(def, t, &obj)?;
    if name_of(&obj).is_empty() {
        match obj["metadata"]["generateName"].as_str() {
            Some(prefix) if !prefix.is_empty() => {
                obj["metadata"]["name"] = json!(format!("{prefix}{}", random_suffix()));
            }
            _ => {
                return Err(ApiError::invalid(
                    def,
                    "",
                    "metadata.name",
                    "Required value: name or generateName is required",
                ));
            }
        }
    }
    let name = name_of(&obj).to_string();
    if def.kind == "Service" && obj["status"].is_object() {
        obj.as_object_mut().map(|o| o.remove("status"));
    }
    let ns = ns_key(t);
    sh.write(|s| {
        if s.get(t.res, &ns, &name).is_some() {
            return Err(ApiError::already_exists(def, &name));
        }
        let obj = s.prepare(t.res, obj, t.namespace.as_deref(), None);
        if dry_run(q) {
            return Ok(created(obj));
        }
        Ok(created(s.put(t.res, obj).1))
    })
}

fn create(
    sh: &Shared,
    t: &Target,
    q: &Query,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, ApiError> {
    let yaml = content_type(headers).contains("yaml");
    let obj = parse_body(body, yaml)?;
    do_create(sh, t, q, obj)
}

/// The object to store for an update of `old` to `new` through the main resource or `/status`.
fn updated(def: &ResourceDef, t: &Target, old: &Value, mut new: Value) -> Value {
    let status_only = t.subresource.as_deref() == Some("status");
    if status_only {
        let mut out = old.clone();
        match new.get("status") {
            Some(s) => out["status"] = s.clone(),
            None => {
                out.as_object_mut().map(|o| o.remove("status"));
            }
        }
        // a status update may carry metadata.resourceVersion for the precondition only
        out
    } else {
        if def.has_status()
            && let Some(o) = new.as_object_mut()
        {
            match old.get("status") {
                Some(s) => {
                    o.insert("status".into(), s.clone());
                }
                None => {
                    o.remove("status");
                }
            }
        }
        new
    }
}

fn replace(
    sh: &Shared,
    t: &Target,
    q: &Query,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, ApiError> {
    let def = t.def();
    let name = t.name.clone().unwrap_or_default();
    let obj = parse_body(body, content_type(headers).contains("yaml"))?;
    check_body(def, t, &obj)?;
    let body_name = name_of(&obj);
    if body_name != name {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({body_name}) does not match the name on the URL ({name})"
        )));
    }
    let ns = ns_key(t);
    sh.write(|s| {
        let old = s
            .get(t.res, &ns, &name)
            .cloned()
            .ok_or_else(|| ApiError::not_found(def, &name))?;
        if let Some(want) = obj["metadata"]["resourceVersion"]
            .as_str()
            .filter(|v| !v.is_empty())
            && Some(want.to_string()) != rv_of(&old).map(|r| r.to_string())
        {
            return Err(ApiError::conflict(def, &name));
        }
        let new = updated(def, t, &old, obj);
        let new = s.prepare(t.res, new, t.namespace.as_deref(), Some(&old));
        if dry_run(q) {
            return Ok(json_response(StatusCode::OK, &new));
        }
        Ok(json_response(StatusCode::OK, &s.put(t.res, new).1))
    })
}

fn patch(
    sh: &Shared,
    t: &Target,
    q: &Query,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, ApiError> {
    let def = t.def();
    let name = t.name.clone().unwrap_or_default();
    let ct = content_type(headers);
    let apply = match ct.as_str() {
        "application/merge-patch+json" | "application/strategic-merge-patch+json" => false,
        "application/apply-patch+yaml" | "application/apply-patch+json" => true,
        other => return Err(ApiError::unsupported_media_type(other)),
    };
    if apply && q.value("fieldManager").is_none() {
        return Err(ApiError::new(
            422,
            "Invalid",
            "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch",
        ));
    }
    let patch = parse_body(body, apply)?;
    if !patch.is_object() {
        return Err(ApiError::bad_request(
            "the body of the request must be a JSON object",
        ));
    }
    if apply {
        check_body(def, t, &patch)?;
        let body_name = name_of(&patch);
        if body_name != name {
            return Err(ApiError::bad_request(format!(
                "the name of the object ({body_name}) does not match the name on the URL ({name})"
            )));
        }
    }
    let ns = ns_key(t);
    let existing = sh.store().get(t.res, &ns, &name).cloned();
    if existing.is_none() && apply && t.subresource.is_none() {
        return do_create(sh, t, q, patch);
    }
    sh.write(|s| {
        let old = s
            .get(t.res, &ns, &name)
            .cloned()
            .ok_or_else(|| ApiError::not_found(def, &name))?;
        if let Some(want) = patch["metadata"]["resourceVersion"]
            .as_str()
            .filter(|v| !v.is_empty())
            && Some(want.to_string()) != rv_of(&old).map(|r| r.to_string())
        {
            return Err(ApiError::conflict(def, &name));
        }
        let mut merged = old.clone();
        super::store::merge_patch(&mut merged, &patch);
        if name_of(&merged) != name {
            return Err(ApiError::bad_request(
                "metadata.name cannot be changed by a patch",
            ));
        }
        let new = updated(def, t, &old, merged);
        let new = s.prepare(t.res, new, t.namespace.as_deref(), Some(&old));
        if dry_run(q) {
            return Ok(json_response(StatusCode::OK, &new));
        }
        if new_equals_old(&new, &old) {
            // a no-op update keeps the resourceVersion, like a real server
            return Ok(json_response(StatusCode::OK, &old));
        }
        Ok(json_response(StatusCode::OK, &s.put(t.res, new).1))
    })
}

fn new_equals_old(new: &Value, old: &Value) -> bool {
    let mut o = old.clone();
    if let Some(m) = o["metadata"].as_object_mut() {
        m.remove("resourceVersion");
    }
    &o == new
}

fn success_status(def: &ResourceDef, obj: &Value) -> Value {
    let mut details = Map::new();
    details.insert("name".into(), json!(name_of(obj)));
    if !def.group.is_empty() {
        details.insert("group".into(), json!(def.group));
    }
    details.insert("kind".into(), json!(def.plural));
    details.insert("uid".into(), obj["metadata"]["uid"].clone());
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details})
}

fn delete(sh: &Shared, t: &Target, q: &Query, body: &[u8]) -> Result<Response, ApiError> {
    let def = t.def();
    let name = t.name.clone().unwrap_or_default();
    if t.subresource.is_some() {
        return Err(ApiError::method_not_allowed());
    }
    let opts: Value = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Null
    } else {
        parse_body(body, false)?
    };
    let dry = dry_run(q)
        || opts["dryRun"]
            .as_array()
            .is_some_and(|a| a.iter().any(|v| v == "All"));
    let ns = ns_key(t);
    sh.write(|s| {
        let old = s
            .get(t.res, &ns, &name)
            .cloned()
            .ok_or_else(|| ApiError::not_found(def, &name))?;
        let pre = &opts["preconditions"];
        let rv_ok = pre["resourceVersion"]
            .as_str()
            .is_none_or(|want| Some(want.to_string()) == rv_of(&old).map(|r| r.to_string()));
        let uid_ok = pre["uid"]
            .as_str()
            .is_none_or(|want| old["metadata"]["uid"] == want);
        if !rv_ok || !uid_ok {
            return Err(ApiError::conflict(def, &name));
        }
        let gone = if dry {
            old
        } else {
            s.remove(t.res, &ns, &name).unwrap_or(old)
        };
        if def.kind == "Namespace" {
            let mut o = gone;
            o["status"]["phase"] = json!("Terminating");
            return Ok(json_response(StatusCode::OK, &o));
        }
        Ok(json_response(StatusCode::OK, &success_status(def, &gone)))
    })
}

fn delete_collection(sh: &Shared, t: &Target, q: &Query) -> Result<Response, ApiError> {
    let def = t.def();
    let sel = Selector::parse(q.get("labelSelector"), q.get("fieldSelector"))
        .map_err(ApiError::bad_request)?;
    let dry = dry_run(q);
    let (rv, gone) = sh.write(|s| {
        let keys: Vec<Key> = s
            .list(t.res, t.namespace.as_deref())
            .into_iter()
            .filter(|(_, v)| sel.matches(v))
            .map(|(k, _)| k.clone())
            .collect();
        let mut gone = Vec::new();
        for k in keys {
            if dry {
                gone.extend(s.get(k.0, &k.1, &k.2).cloned());
            } else {
                gone.extend(s.remove(k.0, &k.1, &k.2));
            }
        }
        (s.rv(), gone)
    });
    let body = json!({
        "kind": def.list_kind(),
        "apiVersion": def.api_version(),
        "metadata": {"resourceVersion": rv.to_string()},
        "items": gone.iter().map(list_item).collect::<Vec<_>>(),
    });
    Ok(json_response(StatusCode::OK, &body))
}

/// A chunked streaming response body.
pub(crate) fn streaming(body: Body) -> Response {
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CACHE_CONTROL, "no-cache, private")
        .body(body)
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}
