//! HTTP through reqwest: answers read completely, a browser-like client (a cookie jar, forms
//! with the CSRF field taken from a page of the browser's session as the pages embed it, logging
//! in through an emailed link), a JSON GET, and what the HTML pages carry.

use crate::smtp::SmtpSink;
use crate::wait_until;
use reqwest::cookie::{CookieStore as _, Jar};
use reqwest::header::HeaderMap;
use reqwest::redirect::Policy;
use std::sync::Arc;
use std::time::Duration;

/// One HTTP answer, read completely.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    async fn read(r: reqwest::Response) -> Self {
        Self {
            status: r.status().as_u16(),
            headers: r.headers().clone(),
            body: r.text().await.unwrap(),
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    /// The `Location` of a redirect.
    pub fn location(&self) -> Option<&str> {
        self.header("location")
    }

    /// Every `Set-Cookie` header.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    }

    /// The `Set-Cookie` header of cookie `name`.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.set_cookies()
            .into_iter()
            .find(|c| c.starts_with(&format!("{name}=")))
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// A browser: one cookie jar, no redirects followed.
#[derive(Clone)]
pub struct Browser {
    pub http: reqwest::Client,
    pub jar: Arc<Jar>,
    pub base: String,
}

impl Browser {
    pub fn new(base: &str) -> Self {
        let jar = Arc::new(Jar::default());
        let http = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(Policy::none())
            .build()
            .unwrap();
        Self {
            http,
            jar,
            base: base.to_owned(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The value of cookie `name` in the jar.
    pub fn cookie(&self, name: &str) -> Option<String> {
        let header = self.jar.cookies(&self.base.parse().unwrap())?;
        header
            .to_str()
            .unwrap()
            .split("; ")
            .filter_map(|pair| pair.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_owned())
    }

    /// Puts cookie `name=value` in the jar (as if the server had set it).
    pub fn plant_cookie(&self, name: &str, value: &str) {
        self.jar.add_cookie_str(
            &format!("{name}={value}; Path=/"),
            &self.base.parse().unwrap(),
        );
    }

    pub async fn get(&self, path: &str) -> Answer {
        Answer::read(self.http.get(self.url(path)).send().await.unwrap()).await
    }

    /// `GET` with `Authorization: Bearer <token>` (and no cookies of the jar mattering).
    pub async fn get_bearer(&self, path: &str, token: &str) -> Answer {
        let r = self
            .http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        Answer::read(r).await
    }

    /// A form POST of exactly `fields`, with extra `headers`.
    pub async fn post_raw(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut request = self.http.post(self.url(path)).form(fields);
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        Answer::read(request.send().await.unwrap()).await
    }

    /// A CSRF token of the browser's session, as a page embeds it: from the login page, or from
    /// the page it redirects a logged-in browser to.
    pub async fn csrf(&self) -> String {
        let mut path = "/login".to_owned();
        for _ in 0..3 {
            let page = self.get(&path).await;
            if let Some(token) = csrf_in(&page.body) {
                return token;
            }
            assert!(page.status == 303 || page.status == 302, "{page:?}");
            path = page.location().unwrap().to_owned();
        }
        panic!("no page with a CSRF token")
    }

    /// A form POST as a page of this site sends it: `fields` plus the CSRF field.
    pub async fn submit(&self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let csrf = self.csrf().await;
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all, &[]).await
    }

    /// `POST /api/v1/auth/login-link` `{email}`.
    pub async fn api_link(&self, email: &str) -> Answer {
        let r = self
            .http
            .post(self.url("/api/v1/auth/login-link"))
            .json(&serde_json::json!({ "email": email }))
            .send()
            .await
            .unwrap();
        Answer::read(r).await
    }

    /// Follows an emailed link like a person: its page, then *Continue* (the answer of the POST).
    pub async fn follow_link(&self, link: &str) -> Answer {
        let path = link
            .strip_prefix(&self.base)
            .expect("a link to this server");
        let page = self.get(path).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let fields = hidden_inputs(&page.body, "/login/continue");
        let fields: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        self.post_raw("/login/continue", &fields, &[]).await
    }

    /// Logs `email` in through the login form and the emailed link; the answer of *Continue*.
    pub async fn login(&self, sink: &SmtpSink, email: &str) -> Answer {
        let before = sink.to(email).len();
        let sent = self.submit("/login/link", &[("email", email)]).await;
        assert_eq!(sent.status, 200, "{}", sent.body);
        let link = next_link(sink, email, before).await;
        let done = self.follow_link(&link).await;
        assert_eq!(done.status, 303, "{}", done.body);
        done
    }
}

/// The first CSRF field of an HTML page.
pub fn csrf_in(page: &str) -> Option<String> {
    let at = page.find("name=\"csrf\"")?;
    let start = page[..at].rfind('<')?;
    let end = at + page[at..].find('>')?;
    attr(&page[start..=end], "value")
}

/// An HTML page with its CSRF tokens blanked (each rendering has a fresh nonce), for comparing
/// two pages.
pub fn without_csrf(page: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let mut out = String::with_capacity(page.len());
    let mut rest = page;
    while let Some(at) = rest.find(marker) {
        let start = at + marker.len();
        let end = start + rest[start..].find('"').unwrap();
        out.push_str(&rest[..start]);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The hidden inputs of the form whose action is `action`, from an HTML page.
pub fn hidden_inputs(page: &str, action: &str) -> Vec<(String, String)> {
    let start = page
        .find(&format!("action=\"{action}\""))
        .unwrap_or_else(|| panic!("no form to {action}:\n{page}"));
    let form = &page[start
        ..page[start..]
            .find("</form>")
            .map_or(page.len(), |e| start + e)];
    form.split("<input")
        .skip(1)
        .filter(|tag| tag.contains("type=\"hidden\""))
        .filter_map(|tag| Some((attr(tag, "name")?, attr(tag, "value").unwrap_or_default())))
        .collect()
}

/// The value of attribute `name` in the tag text `tag`.
pub fn attr(tag: &str, name: &str) -> Option<String> {
    let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    Some(tag[at..at + tag[at..].find('"')?].replace("&amp;", "&"))
}

/// Waits for a login-link email to `email` after its first `before` emails (other emails in
/// between, e.g. order news, are passed over), and returns its one login link.
pub async fn next_link(sink: &SmtpSink, email: &str, before: usize) -> String {
    let is_login = |m: &crate::smtp::Received| !m.links("/login/continue").is_empty();
    wait_until("a login link email", Duration::from_secs(30), || async {
        sink.to(email).iter().skip(before).any(is_login)
    })
    .await;
    let mail = sink
        .to(email)
        .into_iter()
        .skip(before)
        .find(is_login)
        .expect("waited for it");
    let links = mail.links("/login/continue");
    assert_eq!(links.len(), 1, "{}", mail.decoded());
    links[0].clone()
}

/// The raw token of an emailed link.
pub fn token_of(link: &str) -> String {
    link.rsplit_once("token=").unwrap().1.to_owned()
}

/// Asserts the headers every HTML page carries.
pub fn assert_page_headers(a: &Answer, what: &str) {
    assert!(
        a.header("content-type")
            .unwrap_or_default()
            .starts_with("text/html"),
        "{what}: {:?}",
        a.headers
    );
    let csp = a.header("content-security-policy").unwrap_or_default();
    assert!(csp.contains("default-src 'self'"), "{what}: CSP {csp:?}");
    assert!(
        csp.contains("frame-ancestors 'none'"),
        "{what}: CSP {csp:?}"
    );
    assert_eq!(
        a.header("x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
}

/// `GET base + path` (`base` as `http://host:port`): status and body text. With `bearer`, sends
/// `Authorization: Bearer <token>` and asks for JSON.
pub async fn get_text(base: &str, path: &str, bearer: Option<&str>) -> (u16, String) {
    let mut request = reqwest::Client::new().get(format!("{base}{path}"));
    if let Some(token) = bearer {
        request = request
            .bearer_auth(token)
            .header("accept", "application/json");
    }
    let answer = request.send().await.unwrap();
    let status = answer.status().as_u16();
    (status, answer.text().await.unwrap())
}

/// `GET base + path`: status and JSON body.
pub async fn get_json(base: &str, path: &str) -> (u16, serde_json::Value) {
    let (status, body) = get_text(base, path, None).await;
    let json = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
    (status, json)
}
