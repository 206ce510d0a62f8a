//! A virtual browser: its own cookie jar (which can be emptied to become a new
//! browser while keeping the connection pool), redirects followed by hand while
//! they stay on the provider, and HTML forms posted back with every input they
//! carry, whatever the server names its hidden fields.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use anyhow::{Context, bail};
use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::{HeaderValue, LOCATION};
use url::Url;

/// A cookie jar that [`Browser::forget`] swaps for an empty one.
#[derive(Default)]
pub struct ResettableJar(RwLock<Arc<Jar>>);

impl ResettableJar {
    fn current(&self) -> Arc<Jar> {
        match self.0.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }
    fn reset(&self) {
        match self.0.write() {
            Ok(mut g) => *g = Arc::new(Jar::default()),
            Err(p) => *p.into_inner() = Arc::new(Jar::default()),
        }
    }
}

impl CookieStore for ResettableJar {
    fn set_cookies(&self, headers: &mut dyn Iterator<Item = &HeaderValue>, url: &Url) {
        self.current().set_cookies(headers, url)
    }
    fn cookies(&self, url: &Url) -> Option<HeaderValue> {
        self.current().cookies(url)
    }
}

/// Where a request ended up once redirects on the provider were followed.
pub enum Landing {
    /// A page of the provider.
    Page { status: u16, url: Url, html: String },
    /// A redirect that leaves the provider (to the relying party).
    Left { location: Url },
}

/// One HTML form: absolute action URL and every named input with its value.
#[derive(Debug, Clone)]
pub struct Form {
    pub action: Url,
    pub fields: Vec<(String, String)>,
}

impl Form {
    pub fn has(&self, name: &str) -> bool {
        self.fields.iter().any(|(k, _)| k == name)
    }
    pub fn set(&mut self, name: &str, value: &str) {
        self.fields.retain(|(k, _)| k != name);
        self.fields.push((name.to_owned(), value.to_owned()));
    }
}

/// Every form on a page, with inputs as a browser would submit them.
pub fn forms(html: &str, page: &Url) -> Vec<Form> {
    let doc = scraper::Html::parse_document(html);
    let (Ok(form_sel), Ok(input_sel)) = (
        scraper::Selector::parse("form"),
        scraper::Selector::parse("input"),
    ) else {
        return Vec::new();
    };
    doc.select(&form_sel)
        .filter_map(|f| {
            let action = match f.value().attr("action") {
                Some(a) if !a.is_empty() => page.join(a).ok()?,
                _ => page.clone(),
            };
            let fields = f
                .select(&input_sel)
                .filter_map(|i| {
                    let name = i.value().attr("name")?;
                    Some((
                        name.to_owned(),
                        i.value().attr("value").unwrap_or_default().to_owned(),
                    ))
                })
                .collect();
            Some(Form { action, fields })
        })
        .collect()
}

pub struct Browser {
    http: reqwest::Client,
    jar: Arc<ResettableJar>,
    origin: Url,
}

/// At most this many redirects per navigation.
const MAX_HOPS: usize = 10;

impl Browser {
    pub fn new(origin: &Url) -> anyhow::Result<Self> {
        let jar = Arc::new(ResettableJar::default());
        let http = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .pool_max_idle_per_host(4)
            .build()?;
        Ok(Self {
            http,
            jar,
            origin: origin.clone(),
        })
    }

    /// Empties the cookie jar: from now on this is a browser that never signed in.
    pub fn forget(&self) {
        self.jar.reset()
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    fn on_provider(&self, url: &Url) -> bool {
        url.origin() == self.origin.origin()
    }

    pub async fn get(&self, url: &Url) -> anyhow::Result<Landing> {
        let resp = self.http.get(url.clone()).send().await?;
        self.land(resp, url.clone()).await
    }

    pub async fn submit(&self, form: &Form) -> anyhow::Result<Landing> {
        let resp = self
            .http
            .post(form.action.clone())
            .form(&form.fields)
            .send()
            .await?;
        self.land(resp, form.action.clone()).await
    }

    async fn land(&self, mut resp: reqwest::Response, mut url: Url) -> anyhow::Result<Landing> {
        for _ in 0..MAX_HOPS {
            let status = resp.status().as_u16();
            if !resp.status().is_redirection() {
                let html = resp.text().await?;
                return Ok(Landing::Page { status, url, html });
            }
            let location = resp
                .headers()
                .get(LOCATION)
                .context("redirect without Location")?
                .to_str()?;
            let next = url.join(location)?;
            if !self.on_provider(&next) {
                return Ok(Landing::Left { location: next });
            }
            resp = self.http.get(next.clone()).send().await?;
            url = next;
        }
        bail!("more than {MAX_HOPS} redirects")
    }
}
