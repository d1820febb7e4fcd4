//! `spawn_app()`: the real server on 127.0.0.1:0 with a fresh database of either engine,
//! and helpers to act as each role. Black-box: tests talk HTTP over a real socket and
//! look into the database only to prove that a refused request changed nothing.

use std::net::SocketAddr;

use model::{Account, Role};
use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};
use server::{app, AppState, Config, Db};
use sqlx::{Connection, Executor, Row};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// Runs each named `async fn(Engine)` as two tests, one per database engine.
#[macro_export]
macro_rules! both_engines {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name($crate::support::Engine::Sqlite).await } )*
        }
        mod postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name($crate::support::Engine::Postgres).await } )*
        }
    };
}

/// The PostgreSQL server tests create their databases on. Required: a PostgreSQL test
/// that cannot reach it fails, it does not skip.
pub fn postgres_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

pub struct TestApp {
    pub addr: SocketAddr,
    /// The database URL, for a second server instance on the same data.
    pub url: String,
    pub db: Db,
    pub state: AppState,
    pg_database: Option<String>,
    _dir: Option<TempDir>,
}

/// A folder removed when dropped.
pub struct TempDir(pub std::path::PathBuf);

impl Default for TempDir {
    fn default() -> TempDir {
        TempDir::new()
    }
}

impl TempDir {
    pub fn new() -> TempDir {
        let path = std::env::temp_dir().join(format!("ts-test-{}", random_hex()));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn random_hex() -> String {
    use rand::Rng;
    format!("{:016x}", rand::thread_rng().gen::<u64>())
}

/// Serves `state` on 127.0.0.1 (a free port) the way the binary does, peer addresses
/// included; returns the address.
pub async fn serve(state: AppState) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    serve_on(listener, state)
}

/// [`serve`] on a listener already bound (its address known before the state is made).
pub fn serve_on(listener: tokio::net::TcpListener, state: AppState) -> SocketAddr {
    let addr = listener.local_addr().unwrap();
    let limits = server::guard::ServerLimits::from_config(&state.config);
    tokio::spawn(server::guard::serve(
        listener,
        app(state),
        limits,
        std::future::pending(),
    ));
    addr
}

/// Another server instance on the same database, with a journal of its own.
pub async fn second_instance(url: &str) -> String {
    let db = Db::connect(url, 4).await.unwrap();
    let state = AppState::new(db, Config::for_tests(url)).unwrap();
    format!("http://{}", serve(state).await)
}

pub async fn spawn_app(engine: Engine) -> TestApp {
    spawn_app_with(engine, |_| {}).await
}

/// Like [`spawn_app`], with a chance to adjust the configuration first.
pub async fn spawn_app_with(engine: Engine, adjust: impl FnOnce(&mut Config)) -> TestApp {
    let (url, pg_database, dir) = match engine {
        Engine::Sqlite => {
            let dir = TempDir::new();
            (
                format!("sqlite://{}/test.db", dir.0.display()),
                None,
                Some(dir),
            )
        }
        Engine::Postgres => {
            let admin = postgres_admin_url();
            let name = format!("ts_test_{}", random_hex());
            let mut conn = sqlx::PgConnection::connect(&admin)
                .await
                .unwrap_or_else(|e| {
                    panic!("PostgreSQL is required for these tests ({admin}): {e}")
                });
            conn.execute(format!("CREATE DATABASE {name}").as_str())
                .await
                .unwrap();
            let base = admin.rsplit_once('/').unwrap().0;
            (format!("{base}/{name}"), Some(name), None)
        }
    };
    let mut app = spawn_app_at(url, adjust).await;
    app.pg_database = pg_database;
    app._dir = dir;
    app
}

/// The app on a database that already exists at `url` (e.g. on a PostgreSQL cluster of
/// the test's own), which the test cleans up itself.
pub async fn spawn_app_at(url: String, adjust: impl FnOnce(&mut Config)) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut config = Config::for_tests(&url);
    // Links are built from the public address, as a deployment configures it.
    config.public_url = format!("http://{}", listener.local_addr().unwrap());
    adjust(&mut config);
    let db = Db::connect_with(
        &url,
        config.db_max_connections,
        server::db::PATIENT_ACQUIRE_TIMEOUT,
        std::time::Duration::from_millis(config.db_statement_timeout_ms),
    )
    .await
    .expect("test database opens");
    let state = AppState::new(db.clone(), config).expect("click journal opens");
    let addr = serve_on(listener, state.clone());
    TestApp {
        addr,
        url,
        db,
        state,
        pg_database: None,
        _dir: None,
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(name) = self.pg_database.take() {
            // Drop runs inside the test's runtime: clean up from a thread of our own.
            let admin = postgres_admin_url();
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async move {
                    if let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await {
                        let _ = conn
                            .execute(
                                format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str(),
                            )
                            .await;
                    }
                });
            })
            .join();
        }
    }
}

/// Every account signed up through [`TestApp::sign_up`], by app address and id.
static SIGNED_UP: std::sync::LazyLock<
    std::sync::Mutex<std::collections::HashMap<(String, i64), User>>,
> = std::sync::LazyLock::new(Default::default);

/// The user signed up as `account_id` on the app at `base`.
pub fn signed_up(base: &str, account_id: i64) -> User {
    let found = SIGNED_UP
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&(base.to_string(), account_id))
        .cloned();
    found.unwrap_or_else(|| panic!("account {account_id} was not signed up by this test"))
}

/// An HTTP client with its own cookie jar: one browser, one person.
#[derive(Clone)]
pub struct User {
    pub client: Client,
    pub base: String,
    pub account: Option<Account>,
}

impl User {
    pub fn id(&self) -> i64 {
        self.account.as_ref().expect("signed in").id
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
    }

    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.client
            .post(format!("{}{path}", self.base))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn put(&self, path: &str, body: &Value) -> Response {
        self.client
            .put(format!("{}{path}", self.base))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.client
            .delete(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
    }

    /// Creates a source and returns its JSON; panics unless 201.
    pub async fn create_source(&self, name: &str, url: &str) -> Value {
        let response = self
            .post("/api/traffic-sources", &source_body(name, url))
            .await;
        assert_eq!(response.status(), StatusCode::CREATED, "create {name}");
        response.json().await.unwrap()
    }
}

/// A valid source body.
pub fn source_body(name: &str, url: &str) -> Value {
    json!({"name": name, "url": url, "channels": ["content"], "status": "active", "visibility": "public"})
}

impl TestApp {
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn anonymous(&self) -> User {
        User {
            client: Client::builder().cookie_store(true).build().unwrap(),
            base: self.base(),
            account: None,
        }
    }

    /// Signs up a new account of `role` (partner or advertiser) with a unique email.
    pub async fn sign_up(&self, role: Role) -> User {
        let mut user = self.anonymous();
        let email = format!("{}-{}@example.com", role.id(), random_hex());
        let response = user
            .post("/api/accounts", &json!({"email": email, "password": "correct horse", "role": role.id(), "display_name": format!("{} {}", role.label(), &email[..12])}))
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        user.account = Some(response.json().await.unwrap());
        SIGNED_UP
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert((user.base.clone(), user.id()), user.clone());
        user
    }

    /// The signed-in user of an account this test app signed up (e.g. a source's partner,
    /// by its `partner_id`), for helpers that act for both sides.
    pub fn user_of(&self, account_id: i64) -> User {
        signed_up(&self.base(), account_id)
    }

    pub async fn partner(&self) -> User {
        self.sign_up(Role::Partner).await
    }

    pub async fn advertiser(&self) -> User {
        self.sign_up(Role::Advertiser).await
    }

    /// A staff account made the operator's way (straight into the database), signed in.
    pub async fn staff(&self) -> User {
        let email = format!("staff-{}@example.com", random_hex());
        let hash = server::password::hash("staff password".into()).await;
        server::db::accounts::create(&self.db, &email, &hash, Role::Staff, "Staff Member")
            .await
            .unwrap()
            .unwrap();
        let mut user = self.anonymous();
        let response = user
            .post(
                "/api/session",
                &json!({"email": email, "password": "staff password"}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        user.account = Some(response.json().await.unwrap());
        user
    }

    /// Every row of the tables a request could change, as text: equal snapshots before
    /// and after a refused request prove it changed nothing.
    pub async fn snapshot(&self) -> String {
        let mut out = String::new();
        for (table, order) in [
            ("accounts", "id"),
            ("sessions", "token_hash"),
            ("traffic_sources", "id"),
            ("audit_events", "id"),
            ("programs", "id"),
            ("collaborations", "id"),
            ("notifications", "id"),
            ("click_events", "click_id"),
            ("click_hourly", "collaboration_id, hour"),
            ("click_daily", "collaboration_id, day"),
            ("click_referrers_daily", "traffic_source_id, day, host"),
            ("click_referrers_hourly", "traffic_source_id, hour, host"),
            ("review_reasons", "traffic_source_id, reason"),
            ("review_queue", "reason, traffic_source_id"),
            ("email_outbox", "id"),
        ] {
            let rows = sqlx::query(&format!("SELECT * FROM {table} ORDER BY {order}"))
                .fetch_all(&self.db.pool)
                .await
                .unwrap();
            out.push_str(&format!("{table}: {} rows\n", rows.len()));
            for row in rows {
                let mut cells = Vec::new();
                for i in 0..sqlx::Row::len(&row) {
                    let cell = row
                        .try_get::<Option<i64>, _>(i)
                        .map(|v| format!("{v:?}"))
                        .or_else(|_| {
                            row.try_get::<Option<String>, _>(i)
                                .map(|v| format!("{v:?}"))
                        })
                        .unwrap_or_else(|_| "?".into());
                    cells.push(cell);
                }
                out.push_str(&cells.join("|"));
                out.push('\n');
            }
        }
        out
    }
}

/// The `error.code` of an error response, after checking its status.
pub async fn error_code(response: Response, status: StatusCode) -> Value {
    assert_eq!(response.status(), status, "unexpected status");
    let body: Value = response.json().await.unwrap();
    assert!(body["error"]["code"].is_string(), "error body: {body}");
    body["error"].clone()
}
