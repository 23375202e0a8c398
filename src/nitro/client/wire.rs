//! The NITRO wire format, pure: answers (the `errorcode` decides, not the HTTP status; empty
//! 2xx bodies are success; numbers may arrive as strings), the objects under a resource key,
//! per-item bulk results and the session token of a login answer.

use reqwest::header::{HeaderMap, SET_COOKIE};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::{AUTH_COOKIE, ItemResult, Object, Retry, encoding};
use crate::nitro::NitroError;

/// A parsed NITRO answer (success or NITRO error).
#[derive(Debug)]
pub(super) struct Answer {
    pub(super) status: u16,
    pub(super) errorcode: i64,
    pub(super) message: String,
    pub(super) body: Object,
}

impl Answer {
    pub(super) fn ok(&self) -> bool {
        self.errorcode == 0 && (200..300).contains(&self.status)
    }

    pub(super) fn transient(&self) -> bool {
        self.status == 503 || matches!(self.errorcode, 272 | 1043)
    }

    /// 1043 "Internal error" may come after part of a write was done: only reads retry it.
    pub(super) fn retryable(&self, retry: Retry) -> bool {
        match retry {
            Retry::Reads => self.transient(),
            Retry::Writes => self.status == 503 || self.errorcode == 272,
            Retry::Never => false,
        }
    }

    pub(super) fn into_error(self, method: &Method, resource: &str) -> NitroError {
        NitroError::Api {
            method: method.to_string(),
            resource: resource.to_string(),
            status: self.status,
            errorcode: self.errorcode,
            message: self.message,
        }
    }
}

/// Parses one answer. Empty 2xx bodies are success; non-JSON error pages (a proxy's 502, a
/// bare 503) become answers with errorcode 0 so that the status decides.
pub(super) fn parse_answer(
    status: StatusCode,
    headers: &HeaderMap,
    bytes: &[u8],
) -> Result<Answer, NitroError> {
    let code = status.as_u16();
    if status.is_redirection() {
        let location = headers
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("elsewhere");
        return Err(NitroError::Protocol(format!(
            "the ADC redirected to {location}; set --adc-url to the address it redirects to"
        )));
    }
    let text = String::from_utf8_lossy(bytes);
    if text.trim().is_empty() {
        return Ok(Answer {
            status: code,
            errorcode: 0,
            message: status.canonical_reason().unwrap_or("").into(),
            body: Object::new(),
        });
    }
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(body)) => {
            let errorcode = match body.get("errorcode") {
                None | Some(Value::Null) => 0,
                Some(v) => as_i64(v).ok_or_else(|| {
                    NitroError::Protocol(format!("HTTP {code} with a non-numeric errorcode {v}"))
                })?,
            };
            let message = body
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or_else(|| status.canonical_reason().unwrap_or(""))
                .to_string();
            Ok(Answer {
                status: code,
                errorcode,
                message,
                body,
            })
        }
        Ok(_) | Err(_) if !status.is_success() => Ok(Answer {
            status: code,
            errorcode: 0,
            message: status.canonical_reason().unwrap_or("").into(),
            body: Object::new(),
        }),
        Ok(other) => Err(NitroError::Protocol(format!(
            "HTTP {code} with a JSON {} instead of an object",
            json_kind(&other)
        ))),
        Err(e) => Err(NitroError::Protocol(format!(
            "HTTP {code} with a body that is not JSON ({e}): {}",
            snippet(&text)
        ))),
    }
}

/// The objects under the resource key: an array, a single object, or nothing.
pub(super) fn objects_under(mut body: Object, resource: &str) -> Result<Vec<Object>, NitroError> {
    let key = if body.contains_key(resource) {
        Some(resource.to_string())
    } else {
        // "Interface" comes back capitalised.
        body.keys()
            .find(|k| k.eq_ignore_ascii_case(resource))
            .cloned()
    };
    match key.and_then(|k| body.remove(&k)) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Object(object)) => Ok(vec![object]),
        Some(Value::Array(items)) => items
            .into_iter()
            .map(|item| match item {
                Value::Object(object) => Ok(object),
                other => Err(NitroError::Protocol(format!(
                    "GET {resource} returned a {} where an object was expected",
                    json_kind(&other)
                ))),
            })
            .collect(),
        Some(other) => Err(NitroError::Protocol(format!(
            "GET {resource} returned a {} under {resource:?}",
            json_kind(&other)
        ))),
    }
}

/// Per-item results of a failed bulk answer, or the answer back when it is a request-level
/// error.
pub(super) fn bulk_results(answer: Answer, count: usize) -> Result<Vec<ItemResult>, Answer> {
    if let Some(Value::Array(items)) = answer.body.get("response") {
        let mut results: Vec<ItemResult> = items
            .iter()
            .map(|item| ItemResult {
                errorcode: item.get("errorcode").and_then(as_i64).unwrap_or(0),
                message: item
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
            })
            .collect();
        // With onerror=continue every item has an entry; fill gaps defensively.
        results.truncate(count);
        while results.len() < count {
            results.push(ItemResult {
                errorcode: answer.errorcode,
                message: "the ADC's bulk answer has no result for this item".into(),
            });
        }
        return Ok(results);
    }
    // A one-item "bulk" may be answered like a single request (e.g. 409/273); that is the
    // item's result. Errors about the request itself stay errors.
    let request_level = matches!(answer.errorcode, 0 | 1232..=1240 | 1243) || answer.transient();
    if count == 1 && !request_level {
        return Ok(vec![ItemResult {
            errorcode: answer.errorcode,
            message: answer.message,
        }]);
    }
    Err(answer)
}

/// The token from a login answer: the body's `sessionid`, else the `NITRO_AUTH_TOKEN` cookie.
pub(super) fn session_token(body: &Object, headers: &HeaderMap) -> Option<String> {
    if let Some(id) = body
        .get("sessionid")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
    {
        return Some(id.to_string());
    }
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|cookie| {
            let first = cookie.split(';').next()?.trim();
            let (name, value) = first.split_once('=')?;
            (name.trim() == AUTH_COOKIE && !value.trim().is_empty())
                .then(|| encoding::decode(value.trim()))
        })
}

/// NITRO numbers may be strings.
pub(super) fn as_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn snippet(text: &str) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > 200 {
        format!("{}...", flat.chars().take(200).collect::<String>())
    } else {
        flat
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;
    use serde_json::json;

    fn answer(status: u16, body: &str) -> Result<Answer, NitroError> {
        parse_answer(
            StatusCode::from_u16(status).unwrap(),
            &HeaderMap::new(),
            body.as_bytes(),
        )
    }

    fn object(v: Value) -> Object {
        match v {
            Value::Object(o) => o,
            _ => panic!("not an object"),
        }
    }

    #[test]
    fn empty_2xx_body_is_success() {
        let a = answer(200, "").unwrap();
        assert!(a.ok());
        let a = answer(201, "  \n").unwrap();
        assert!(a.ok());
    }

    #[test]
    fn errorcode_decides_and_may_be_a_string() {
        let a = answer(
            200,
            r#"{"errorcode":"278","message":"Invalid argument [x]"}"#,
        )
        .unwrap();
        assert!(!a.ok());
        assert_eq!(a.errorcode, 278);
        let a = answer(599, r#"{ "errorcode": 604, "message": "The gateway is not directly reachable", "severity": "ERROR" }"#).unwrap();
        let e = a.into_error(&Method::POST, "route");
        assert_eq!(
            e.to_string(),
            r#"ADC answered 599 errorcode 604 "The gateway is not directly reachable" to POST route"#
        );
    }

    #[test]
    fn non_json_error_pages_keep_their_status_and_non_json_success_is_a_protocol_error() {
        let a = answer(503, "<html>busy</html>").unwrap();
        assert!(a.transient());
        assert!(!a.ok());
        let e = answer(200, "<html>login page</html>").unwrap_err();
        assert!(matches!(e, NitroError::Protocol(_)), "{e}");
        let e = answer(200, "[1,2]").unwrap_err();
        assert!(e.to_string().contains("array"), "{e}");
    }

    #[test]
    fn redirects_are_reported_with_their_target() {
        let mut headers = HeaderMap::new();
        headers.insert(
            reqwest::header::LOCATION,
            HeaderValue::from_static("https://adc/"),
        );
        let e = parse_answer(StatusCode::FOUND, &headers, b"").unwrap_err();
        assert!(e.to_string().contains("https://adc/"), "{e}");
    }

    #[test]
    fn objects_under_handles_arrays_singletons_missing_keys_and_odd_case() {
        let body =
            object(json!({"errorcode":0,"route":[{"network":"10.0.0.0"},{"network":"10.1.0.0"}]}));
        assert_eq!(objects_under(body, "route").unwrap().len(), 2);
        let body = object(json!({"errorcode":0,"message":"Done"}));
        assert!(objects_under(body, "route").unwrap().is_empty());
        let body = object(json!({"nsconfig":{"configchanged":true}}));
        let got = objects_under(body, "nsconfig").unwrap();
        assert_eq!(got[0]["configchanged"], json!(true));
        let body = object(json!({"Interface":[{"id":"1/1"}]}));
        assert_eq!(objects_under(body, "interface").unwrap().len(), 1);
        let body = object(json!({"route":["x"]}));
        assert!(objects_under(body, "route").is_err());
    }

    #[test]
    fn bulk_207_gives_per_item_results_in_order() {
        let a = answer(
            207,
            r#"{"errorcode":1243,"message":"Bulk operation failed","severity":"ERROR","response":[
                {"errorcode":0,"message":"Done","severity":"NONE"},
                {"errorcode":"273","message":"Resource already exists","severity":"ERROR"},
                {"errorcode":0,"message":"Done","severity":"NONE"}]}"#,
        )
        .unwrap();
        let results = bulk_results(a, 3).unwrap();
        assert_eq!(
            results.iter().map(|r| r.errorcode).collect::<Vec<_>>(),
            vec![0, 273, 0]
        );
        assert!(results[0].ok());
        assert!(!results[1].ok());
        assert_eq!(results[1].message, "Resource already exists");
    }

    #[test]
    fn bulk_short_response_array_is_padded_with_failures() {
        let a = answer(
            207,
            r#"{"errorcode":1243,"message":"Bulk operation failed","response":[{"errorcode":278,"message":"Invalid argument"}]}"#,
        )
        .unwrap();
        let results = bulk_results(a, 2).unwrap();
        assert_eq!(results.len(), 2);
        assert!(!results[1].ok());
    }

    #[test]
    fn one_item_bulk_answered_like_a_single_request_is_that_items_result() {
        let a = answer(
            409,
            r#"{"errorcode":273,"message":"Resource already exists [id, 1]"}"#,
        )
        .unwrap();
        let results = bulk_results(a, 1).unwrap();
        assert_eq!(results[0].errorcode, 273);
        let a = answer(
            409,
            r#"{"errorcode":273,"message":"Resource already exists"}"#,
        )
        .unwrap();
        assert!(bulk_results(a, 2).is_err());
        let a = answer(599, r#"{"errorcode":1232,"message":"Invalid object name"}"#).unwrap();
        assert!(bulk_results(a, 1).is_err());
    }

    #[test]
    fn session_token_from_body_or_percent_decoded_cookie() {
        let body = object(json!({"errorcode":0,"sessionid":"##ABC"}));
        assert_eq!(
            session_token(&body, &HeaderMap::new()).as_deref(),
            Some("##ABC")
        );
        let mut headers = HeaderMap::new();
        headers.append(
            SET_COOKIE,
            HeaderValue::from_static("SESSID=deleted; Path=/"),
        );
        headers.append(
            SET_COOKIE,
            HeaderValue::from_static("NITRO_AUTH_TOKEN=%23%23DEF0; path=/nitro/v1"),
        );
        assert_eq!(
            session_token(&Object::new(), &headers).as_deref(),
            Some("##DEF0")
        );
        assert_eq!(session_token(&Object::new(), &HeaderMap::new()), None);
    }

    #[test]
    fn numbers_may_be_strings() {
        assert_eq!(as_i64(&json!("444")), Some(444));
        assert_eq!(as_i64(&json!(444)), Some(444));
        assert_eq!(as_i64(&json!(" 12 ")), Some(12));
        assert_eq!(as_i64(&json!("x")), None);
    }
}
