//! `TestApp::spawn()` and a tiny browser for the portal (cookies + CSRF tokens).

use std::collections::HashMap;

use entity::enums::Role;
use poem::endpoint::BoxEndpoint;
use poem::http::{HeaderMap, Method, StatusCode, header};
use poem::{Body, Endpoint, EndpointExt, Request};
use vocpath::audit::Actor;
use vocpath::auth::{token, user};
use vocpath::{AppState, Config};

pub const PASSWORD: &str = "correct horse battery";

/// A running app on a database of its own, driven in-process.
pub struct TestApp {
    pub state: AppState,
    /// The test database's URL (for a test that needs a connection of its own).
    pub db_url: String,
    pub endpoint: BoxEndpoint<'static, poem::Response>,
    _data_dir: tempfile::TempDir,
    pg_database: Option<(String, String)>,
}

/// A response read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn content_type(&self) -> &str {
        self.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(&[]).await
    }

    /// Like [`TestApp::spawn`], with extra configuration variables (e.g. trusted proxies, limits).
    pub async fn spawn_with(extra: &[(&str, &str)]) -> TestApp {
        if std::env::var("TEST_LOG").is_ok() {
            let _ = tracing_subscriber::fmt()
                .with_test_writer()
                .with_env_filter("info")
                .try_init();
        }
        let data_dir = tempfile::tempdir().expect("temp dir");
        let (url, pg_database) = match std::env::var("TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.is_empty() => {
                let name = format!("vocpath_test_{}", uuid::Uuid::new_v4().simple());
                let admin = sea_orm::Database::connect(&admin_url)
                    .await
                    .expect("connect to TEST_DATABASE_URL");
                use sea_orm::ConnectionTrait;
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create test database");
                admin.close().await.ok();
                let base = admin_url
                    .rsplit_once('/')
                    .map(|(b, _)| b.to_string())
                    .unwrap_or(admin_url.clone());
                (format!("{base}/{name}"), Some((admin_url, name)))
            }
            _ => (format!("sqlite://{}/test.db?mode=rwc", data_dir.path().display()), None),
        };
        let mut config = Config::from_vars(
            [
                ("VOCPATH_DATABASE_URL".to_string(), url.clone()),
                ("VOCPATH_DATA_DIR".to_string(), data_dir.path().display().to_string()),
                (
                    "VOCPATH_SECRET_KEY".to_string(),
                    "test-secret-key-0123456789abcdef0123456789".to_string(),
                ),
                ("VOCPATH_MAX_BODY_MB".to_string(), "1".to_string()),
                ("VOCPATH_DATA_KEY".to_string(), "5a".repeat(32)),
            ]
            .into_iter()
            .chain(extra.iter().map(|(k, v)| (k.to_string(), v.to_string()))),
        )
        .expect("test config");
        config.argon2_memory_kib = 256;
        let db = vocpath::db::connect(&url).await.expect("connect");
        vocpath::db::migrate(&db).await.expect("migrate");
        let state = vocpath::build_state(config, db).expect("state");
        let endpoint = vocpath::routes(state.clone()).map_to_response().boxed();
        TestApp {
            state,
            db_url: url,
            endpoint,
            _data_dir: data_dir,
            pg_database,
        }
    }

    /// Sends one request and reads the whole response.
    pub async fn request(&self, method: Method, path: &str, headers: &[(&str, String)], body: Body) -> Reply {
        self.request_from(None, method, path, headers, body).await
    }

    /// Sends one request as if it came over TCP from `peer` (in-process requests have no peer
    /// address unless given one).
    pub async fn request_from(
        &self,
        peer: Option<std::net::SocketAddr>,
        method: Method,
        path: &str,
        headers: &[(&str, String)],
        body: Body,
    ) -> Reply {
        let mut builder = poem::http::Request::builder()
            .method(method)
            .uri(path.parse::<poem::http::Uri>().expect("uri"));
        for (k, v) in headers {
            builder = builder.header(*k, v.as_str());
        }
        let (parts, ()) = builder.body(()).expect("request").into_parts();
        let remote = match peer {
            Some(addr) => poem::web::RemoteAddr(poem::Addr::SocketAddr(addr)),
            None => poem::web::RemoteAddr(poem::Addr::default()),
        };
        let local = poem::web::LocalAddr(poem::Addr::default());
        let parts = poem::RequestParts::from((parts, local, remote, poem::http::uri::Scheme::HTTP));
        let resp = self.endpoint.get_response(Request::from_parts(parts, body)).await;
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp.into_body().into_string().await.unwrap_or_default();
        Reply { status, headers, body }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.request(Method::GET, path, &[], Body::empty()).await
    }

    /// An API call with a bearer token and an optional JSON body.
    pub async fn api(&self, method: Method, path: &str, token: Option<&str>, body: Option<serde_json::Value>) -> Reply {
        let mut headers = Vec::new();
        if let Some(t) = token {
            headers.push(("authorization", format!("Bearer {t}")));
        }
        let body = match body {
            Some(b) => {
                headers.push(("content-type", "application/json".to_string()));
                Body::from_string(b.to_string())
            }
            None => Body::empty(),
        };
        self.request(method, path, &headers, body).await
    }

    /// A GET on the API with `token` that must answer 200, as JSON.
    pub async fn get_json(&self, path: &str, token: &str) -> serde_json::Value {
        let reply = self.api(Method::GET, path, Some(token), None).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
        reply.json()
    }

    /// Posts a register file to the import API with `token`, in Chinese.
    pub async fn api_upload(&self, token: &str, file_name: &str, bytes: &[u8]) -> Reply {
        let (content_type, body) = multipart(file_name, bytes);
        let headers = [
            ("authorization", format!("Bearer {token}")),
            ("content-type", content_type),
            ("accept-language", "zh-CN".to_string()),
        ];
        self.request(Method::POST, "/api/v1/imports", &headers, Body::from(body))
            .await
    }

    /// Creates an active user with [`PASSWORD`] that need not change it.
    pub async fn user(&self, email: &str, role: Role) -> i32 {
        let new = user::NewUser::parse(email, "测试用户", role.as_str(), Some(PASSWORD)).expect("valid user");
        let (u, _) = user::create_user(&self.state.db, &Actor::system("test"), new, 256, None)
            .await
            .expect("create user");
        u.id
    }

    /// A user of `role` with a fresh API token.
    pub async fn token(&self, role: Role) -> String {
        let email = format!("{}-{}@test.cn", role.as_str(), uuid::Uuid::new_v4().simple());
        let id = self.user(&email, role).await;
        token::create_token(&self.state.db, &Actor::system("test"), id, "test")
            .await
            .expect("token")
            .1
    }

    /// A browser signed in as a new user of `role`.
    pub async fn browser_as(&self, role: Role) -> Browser<'_> {
        let email = format!("{}-{}@test.cn", role.as_str(), uuid::Uuid::new_v4().simple());
        self.user(&email, role).await;
        let mut b = Browser::new(self);
        let reply = b.login(&email, PASSWORD).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "login failed: {}", reply.body);
        b
    }

    /// Outbox rows of one kind (e.g. `admission_offer`).
    pub async fn count_outbox(&self, kind: &str) -> i64 {
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        let n = entity::outbox::Entity::find()
            .filter(entity::outbox::Column::Kind.eq(kind))
            .count(&self.state.db)
            .await
            .expect("count outbox");
        i64::try_from(n).expect("count")
    }

    pub async fn count(&self, table: &str) -> i64 {
        use sea_orm::{ConnectionTrait, Statement};
        let backend = self.state.db.get_database_backend();
        let row = self
            .state
            .db
            .query_one_raw(Statement::from_string(
                backend,
                format!("SELECT COUNT(*) AS n FROM \"{table}\""),
            ))
            .await
            .expect("count query")
            .expect("a row");
        row.try_get::<i64>("", "n").expect("count")
    }

    /// Every value of every column of every table, as text (bytea as escaped text), one per line.
    pub async fn every_value(&self) -> String {
        use sea_orm::{ConnectionTrait, DbBackend, Statement};
        let db = &self.state.db;
        let backend = db.get_database_backend();
        let columns_sql = match backend {
            DbBackend::Postgres => {
                "SELECT table_name AS t, column_name AS c, data_type AS d FROM information_schema.columns WHERE table_schema = current_schema()"
            }
            _ => {
                "SELECT m.name AS t, p.name AS c, p.type AS d FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table'"
            }
        };
        let columns = db
            .query_all_raw(Statement::from_string(backend, columns_sql))
            .await
            .expect("columns");
        let mut all = String::new();
        for row in columns {
            let (t, c, d): (String, String, String) = (
                row.try_get("", "t").expect("t"),
                row.try_get("", "c").expect("c"),
                row.try_get("", "d").expect("d"),
            );
            let value = match (backend, d.as_str()) {
                (DbBackend::Postgres, "bytea") => format!("encode(\"{c}\", 'escape')"),
                (DbBackend::Postgres, _) => format!("\"{c}\"::text"),
                _ => format!("CAST(\"{c}\" AS TEXT)"),
            };
            let sql = format!("SELECT {value} AS v FROM \"{t}\"");
            for r in db
                .query_all_raw(Statement::from_string(backend, sql))
                .await
                .expect("values")
            {
                if let Ok(Some(v)) = r.try_get::<Option<String>>("", "v") {
                    all.push_str(&v);
                    all.push('\n');
                }
            }
        }
        all
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let Some((admin_url, name)) = self.pg_database.take() else {
            return;
        };
        // Drop the per-test database from a separate runtime (Drop cannot await). The app's pool
        // belongs to the test's runtime, which is blocked here, so it is not closed politely:
        // WITH (FORCE) ends its connections.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                return;
            };
            rt.block_on(async move {
                use sea_orm::ConnectionTrait;
                if let Ok(admin) = sea_orm::Database::connect(&admin_url).await {
                    let _ = admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                    let _ = admin.close().await;
                }
            });
        })
        .join();
    }
}

/// A multipart body with one `file` field: (content type, body).
pub fn multipart(file_name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    multipart_with(&[], file_name, bytes)
}

/// A multipart body with text `fields` and then one `file` field: (content type, body).
pub fn multipart_with(fields: &[(&str, &str)], file_name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "XyZvocpathBoundary";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A browser: keeps cookies, finds the CSRF token in pages, follows nothing by itself.
pub struct Browser<'a> {
    app: &'a TestApp,
    pub cookies: HashMap<String, String>,
    pub csrf: String,
    /// The TCP peer the browser's requests come from (none: in-process).
    pub peer: Option<std::net::SocketAddr>,
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Browser<'a> {
        Browser {
            app,
            cookies: HashMap::new(),
            csrf: String::new(),
            peer: None,
        }
    }

    /// The `cookie` header value this browser would send.
    pub fn cookie_string(&self) -> String {
        let v: Vec<String> = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
        v.join("; ")
    }

    fn cookie_header(&self) -> Vec<(&'static str, String)> {
        if self.cookies.is_empty() {
            return Vec::new();
        }
        let v: Vec<String> = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
        vec![("cookie", v.join("; "))]
    }

    fn absorb(&mut self, reply: &Reply) {
        for v in reply.headers.get_all(header::SET_COOKIE) {
            let Ok(s) = v.to_str() else { continue };
            let first = s.split(';').next().unwrap_or_default();
            if let Some((k, val)) = first.split_once('=') {
                if val.is_empty() || s.contains("Max-Age=0") {
                    self.cookies.remove(k);
                } else {
                    self.cookies.insert(k.to_string(), val.to_string());
                }
            }
        }
        if let Some(i) = reply.body.find("name=\"csrf_token\" value=\"") {
            let rest = &reply.body[i + 25..];
            if let Some(end) = rest.find('"') {
                self.csrf = rest[..end].to_string();
            }
        }
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        let headers = self.cookie_header();
        let reply = self
            .app
            .request_from(self.peer, Method::GET, path, &headers, Body::empty())
            .await;
        self.absorb(&reply);
        reply
    }

    /// Posts a form, adding the CSRF token the last page carried.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let mut pairs: Vec<(&str, &str)> = fields.to_vec();
        let csrf = self.csrf.clone();
        pairs.push(("csrf_token", &csrf));
        self.post_raw(path, &pairs).await
    }

    /// Posts exactly these fields (no CSRF token added).
    pub async fn post_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let mut headers = self.cookie_header();
        headers.push(("content-type", "application/x-www-form-urlencoded".to_string()));
        let body = serde_urlencoded::to_string(fields).expect("form");
        let reply = self
            .app
            .request_from(self.peer, Method::POST, path, &headers, Body::from_string(body))
            .await;
        self.absorb(&reply);
        reply
    }

    /// Posts a multipart body to `path`, with the CSRF token in the query string as the upload form does.
    pub async fn post_multipart(&mut self, path: &str, content_type: String, body: Vec<u8>) -> Reply {
        let headers = [("cookie", self.cookie_string()), ("content-type", content_type)];
        let path = format!("{path}?csrf_token={}", self.csrf);
        let reply = self
            .app
            .request_from(self.peer, Method::POST, &path, &headers, Body::from(body))
            .await;
        self.absorb(&reply);
        reply
    }

    pub async fn login(&mut self, email: &str, password: &str) -> Reply {
        self.get("/login").await;
        self.post("/login", &[("email", email), ("password", password)]).await
    }
}

impl TestApp {
    /// Inserts a household and a student directly (imports are tested on their own).
    pub async fn seed_student(&self, name: &str, national_id: &str, graduation_year: i32) -> i32 {
        use sea_orm::{ActiveModelTrait, Set};
        let now = chrono::Utc::now();
        let h = entity::household::ActiveModel {
            registration_number: Set(format!("H{}", &uuid::Uuid::new_v4().simple().to_string()[..10]).to_uppercase()),
            town: Set("米河镇".into()),
            village: Set("新庄村".into()),
            head_of_household: Set("户主".into()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&self.state.db)
        .await
        .expect("household");
        let birth = chrono::NaiveDate::parse_from_str(&national_id[6..14], "%Y%m%d").expect("birth date in id");
        let s = entity::student::ActiveModel {
            household_id: Set(h.id),
            name: Set(name.into()),
            sex: Set(entity::enums::Sex::Male),
            national_id_enc: Set(self.state.vault.encrypt(national_id).expect("encrypt")),
            national_id_hash: Set(self.state.vault.lookup_hash(national_id)),
            national_id_masked: Set(vocpath::student::ids::mask(national_id)),
            birth_date: Set(birth),
            phone: Set(Some("13800138000".into())),
            guardian: Set(None),
            junior_high_school: Set("巩义市第一初级中学".into()),
            graduation_year: Set(graduation_year),
            exam_score: Set(Some(480.0)),
            senior_high_status: Set(entity::enums::SeniorHighStatus::NotEntered),
            disability: Set(false),
            intended_skill: Set(Some("数控技术应用".into())),
            current_status: Set(entity::student::StudentStatus::AwaitingPlacement),
            current_programme: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&self.state.db)
        .await
        .expect("student");
        s.id
    }
}

/// The outbox rows each test database's test has taken (crates.io's pattern: a test that leaves a
/// message it did not expect fails). Keyed by database URL, as every test has its own database.
static TAKEN_MESSAGES: std::sync::LazyLock<std::sync::Mutex<HashMap<String, std::collections::HashSet<i64>>>> =
    std::sync::LazyLock::new(Default::default);

impl TestApp {
    /// Every message (email or text) queued since the last take, oldest first, now counted as
    /// expected by this test.
    pub async fn take_messages(&self) -> Vec<entity::outbox::Model> {
        self.take_channel(None).await
    }

    /// The emails queued since the last take, oldest first (text messages stay untaken).
    pub async fn take_emails(&self) -> Vec<entity::outbox::Model> {
        self.take_channel(Some("email")).await
    }

    /// The text messages queued since the last take, oldest first (emails stay untaken).
    pub async fn take_sms(&self) -> Vec<entity::outbox::Model> {
        self.take_channel(Some("sms")).await
    }

    async fn take_channel(&self, channel: Option<&str>) -> Vec<entity::outbox::Model> {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
        let mut q = entity::outbox::Entity::find().order_by_asc(entity::outbox::Column::Id);
        if let Some(c) = channel {
            q = q.filter(entity::outbox::Column::Channel.eq(c));
        }
        let rows = q.all(&self.state.db).await.expect("outbox rows");
        let mut taken = TAKEN_MESSAGES.lock().unwrap_or_else(|e| e.into_inner());
        let taken = taken.entry(self.db_url.clone()).or_default();
        rows.into_iter().filter(|r| taken.insert(r.id)).collect()
    }

    /// Fails the test when a message was queued that it did not take: every mail-producing test
    /// ends with this, so a change that sends one message too many is caught.
    pub async fn assert_no_unexpected_messages(&self) {
        let left = self.take_messages().await;
        assert!(
            left.is_empty(),
            "unexpected messages queued: {:?}",
            left.iter()
                .map(|r| format!("{} {} to {}", r.kind, r.idempotency_key, r.recipient))
                .collect::<Vec<_>>()
        );
    }

    /// Delivers the due emails through an in-memory transport and returns what went out.
    pub async fn deliver_emails(&self) -> Vec<vocpath::mail::SentEmail> {
        let mailer = vocpath::mail::Mailer::memory();
        vocpath::outbox::deliver_due(&self.state.db, &mailer, &self.state.config.mail_from, 1000)
            .await
            .expect("deliver");
        mailer.take_sent()
    }
}

/// Pages in a PDF: its `/Type /Page` objects, not the `/Type /Pages` tree above them.
pub(crate) fn count_pdf_pages(pdf: &[u8]) -> usize {
    let needle = b"/Type /Page";
    pdf.windows(needle.len() + 1)
        .filter(|w| &w[..needle.len()] == needle && w[needle.len()] != b's')
        .count()
}

/// A connection to a test database that keeps the SQL of every statement it runs, to pin how
/// many statements a read makes.
pub struct StatementLog {
    pub db: sea_orm::DatabaseConnection,
    seen: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl StatementLog {
    /// A connection sharing `db`'s pool (`db` itself records nothing).
    pub fn new(db: &sea_orm::DatabaseConnection) -> StatementLog {
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut db = db.clone();
        let log = seen.clone();
        db.set_metric_callback(move |info| log.lock().expect("lock").push(info.statement.sql.clone()));
        StatementLog { db, seen }
    }

    /// The statements run since the last call, oldest first.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.seen.lock().expect("lock"))
    }
}
