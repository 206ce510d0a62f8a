//! Redis backend on a lazily created `ConnectionManager`.
//!
//! The provider must start while Redis is down and recover when it comes back, and no
//! request may hang on it: the manager is created on first use (and re-created after a
//! stall), creating it and every command are bounded by timeouts, and every failure
//! becomes [`StoreError::Unavailable`] (HTTP 503 upstream).

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, Cmd, ErrorKind, FromRedisValue, RedisError, Value};
use tokio::sync::Mutex;
use tokio::time::timeout;

use super::{Backend, MAX_TTL, StoreError};

/// Bound on obtaining a connection (waiting for another task's attempt included).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// Bound on one command, from sending it to reading the reply.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(2);

/// INCR and, when the counter has no TTL yet, PEXPIRE, in one atomic step: two separate
/// commands could leave a counter without expiry if the caller died in between, and a
/// rate-limit counter without expiry locks its subject out for good.
const INCR_WITH_TTL: &str = r"
local n = redis.call('INCR', KEYS[1])
if redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return n
";

/// INCR_WITH_TTL on each of KEYS in turn (ARGV: window in ms and limit, per
/// key), up to the first that goes over its limit: that one and those before
/// it are taken back as DECR_EXISTING does, and the answer is {-i} for that
/// key's position i (from 1). Else the new values.
const INCR_WITHIN: &str = r"
local out = {}
for i = 1, #KEYS do
  local n = redis.call('INCR', KEYS[i])
  if redis.call('PTTL', KEYS[i]) < 0 then
    redis.call('PEXPIRE', KEYS[i], ARGV[2 * i - 1])
  end
  if n > tonumber(ARGV[2 * i]) then
    for j = 1, i do
      if redis.call('DECR', KEYS[j]) <= 0 then
        redis.call('DEL', KEYS[j])
      end
    end
    return {-i}
  end
  out[i] = n
end
return out
";

/// DECR_EXISTING on each of KEYS.
const DECR_ALL: &str = r"
for i = 1, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 and redis.call('DECR', KEYS[i]) <= 0 then
    redis.call('DEL', KEYS[i])
  end
end
return 0
";

/// Deletes KEYS[1] only while it holds ARGV[1]; 1 when deleted.
const DELETE_IF: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// DECR only on an existing counter (DECR alone would create one without expiry), and
/// the counter removed when it reaches zero.
const DECR_EXISTING: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
local n = redis.call('DECR', KEYS[1])
if n <= 0 then
  redis.call('DEL', KEYS[1])
  return 0
end
return n
";

// Index scripts (see `Backend::index_add`). An index is a hash from the full
// name of another key to its tag. Each script runs atomically, so a key is never
// added after a concurrent removal ended its tag, and a cleared index takes every
// key in it along. The keys in an index are not declared in KEYS: this needs a
// single Redis server (or one hash slot), which is what this backend connects to.

/// ARGV: key, tag, '1' when a key with the same tag must still be listed, ttl in ms.
const INDEX_ADD: &str = r"
local all = redis.call('HGETALL', KEYS[1])
local tagged = false
for i = 1, #all, 2 do
  if redis.call('EXISTS', all[i]) == 0 then
    redis.call('HDEL', KEYS[1], all[i])
  elseif all[i + 1] == ARGV[2] then
    tagged = true
  end
end
if ARGV[3] == '1' and not tagged then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[4]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
end
return 1
";

const INDEX_ENTRIES: &str = r"
local out = {}
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  if redis.call('EXISTS', all[i]) == 1 then
    out[#out + 1] = all[i]
    out[#out + 1] = all[i + 1]
  end
end
return out
";

/// ARGV: tag.
const INDEX_REMOVE_TAG: &str = r"
local all = redis.call('HGETALL', KEYS[1])
local n = 0
for i = 1, #all, 2 do
  if all[i + 1] == ARGV[1] then
    n = n + redis.call('DEL', all[i])
    redis.call('HDEL', KEYS[1], all[i])
  end
end
return n
";

const INDEX_CLEAR: &str = r"
local keys = redis.call('HKEYS', KEYS[1])
local n = 0
for i = 1, #keys do n = n + redis.call('DEL', keys[i]) end
redis.call('DEL', KEYS[1])
return n
";

/// A script called by its SHA-1 (`EVALSHA`). Redis keeps every script it has
/// run, so after the first call only the 40-character hash crosses the wire,
/// where `EVAL` sent the whole source and had Redis hash it again on every call.
struct Lua {
    source: &'static str,
    sha1: String,
}

impl Lua {
    fn new(source: &'static str) -> Self {
        Self {
            source,
            sha1: redis::Script::new(source).get_hash().to_owned(),
        }
    }
}

static INCR: LazyLock<Lua> = LazyLock::new(|| Lua::new(INCR_WITH_TTL));
static DECR: LazyLock<Lua> = LazyLock::new(|| Lua::new(DECR_EXISTING));
static INCR_ALL: LazyLock<Lua> = LazyLock::new(|| Lua::new(INCR_WITHIN));
static DECR_EACH: LazyLock<Lua> = LazyLock::new(|| Lua::new(DECR_ALL));
static DELETE: LazyLock<Lua> = LazyLock::new(|| Lua::new(DELETE_IF));
static ADD: LazyLock<Lua> = LazyLock::new(|| Lua::new(INDEX_ADD));
static ENTRIES: LazyLock<Lua> = LazyLock::new(|| Lua::new(INDEX_ENTRIES));
static REMOVE_TAG: LazyLock<Lua> = LazyLock::new(|| Lua::new(INDEX_REMOVE_TAG));
static CLEAR: LazyLock<Lua> = LazyLock::new(|| Lua::new(INDEX_CLEAR));

pub struct RedisBackend {
    client: Client,
    /// The current manager and its generation, so a stalled one is discarded only once.
    slot: Mutex<Option<(u64, ConnectionManager)>>,
    generations: AtomicU64,
    /// Password forms (as written in the URL and decoded) scrubbed from error messages.
    secrets: Vec<String>,
    /// The runtime the store was made on (the process's main one): managers are
    /// created there, so their connection task never lives on an HTTP worker's
    /// runtime, which ends with that worker during a graceful shutdown while
    /// the other workers still finish requests over the same connection.
    runtime: Option<tokio::runtime::Handle>,
}

impl std::fmt::Debug for RedisBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The client holds the password; show only where we connect.
        f.debug_struct("RedisBackend")
            .field("addr", &self.addr())
            .finish_non_exhaustive()
    }
}

impl RedisBackend {
    /// Parses the URL; does not connect (that happens on first use).
    pub fn new(url: &str) -> Result<Self, StoreError> {
        let mut secrets = Vec::new();
        if let Some(raw) = url::Url::parse(url)
            .ok()
            .and_then(|u| u.password().map(str::to_owned))
        {
            secrets.push(raw);
        }
        let client = Client::open(url).map_err(|e| {
            StoreError::Unavailable(format!(
                "invalid Redis URL: {}",
                redact(&e.to_string(), &secrets)
            ))
        })?;
        if let Some(decoded) = client.get_connection_info().redis_settings().password() {
            secrets.push(decoded.to_owned());
        }
        // Longest first, so a password containing another one is scrubbed whole.
        secrets.retain(|s| !s.is_empty());
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        Ok(Self {
            client,
            slot: Mutex::new(None),
            generations: AtomicU64::new(0),
            secrets,
            runtime: tokio::runtime::Handle::try_current().ok(),
        })
    }

    fn manager_config() -> ConnectionManagerConfig {
        // Few, short retries: a request waiting on a reconnect is bounded by
        // COMMAND_TIMEOUT anyway, and the next request starts a new attempt.
        ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(1)))
            .set_response_timeout(Some(COMMAND_TIMEOUT))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_millis(500))
    }

    async fn connection(&self) -> Result<(u64, ConnectionManager), StoreError> {
        let attempt = async {
            let mut slot = self.slot.lock().await;
            if let Some((generation, manager)) = slot.as_ref() {
                return Ok((*generation, manager.clone()));
            }
            let create =
                ConnectionManager::new_with_config(self.client.clone(), Self::manager_config());
            let manager = match &self.runtime {
                Some(rt) => rt.spawn(create).await.map_err(|e| {
                    StoreError::Unavailable(format!("Redis at {}: {e}", self.addr()))
                })?,
                None => create.await,
            }
            .map_err(|e| self.unavailable(&e))?;
            let generation = self.generations.fetch_add(1, Ordering::Relaxed);
            *slot = Some((generation, manager.clone()));
            tracing::info!(addr = %self.addr(), "connected to Redis");
            Ok((generation, manager))
        };
        match timeout(CONNECT_TIMEOUT, attempt).await {
            Ok(result) => result,
            Err(_) => Err(StoreError::Unavailable(format!(
                "Redis at {}: no connection within {CONNECT_TIMEOUT:?}",
                self.addr()
            ))),
        }
    }

    /// Drops a manager whose command stalled. The manager reconnects by itself after I/O
    /// errors, but not after timeouts, which is what a half-open TCP connection (server
    /// gone without a reset) produces forever.
    fn discard(&self, generation: u64) {
        // Another task holding the lock is either cloning or already replacing it.
        if let Ok(mut slot) = self.slot.try_lock()
            && slot
                .as_ref()
                .is_some_and(|(current, _)| *current == generation)
        {
            *slot = None;
            tracing::warn!("Redis command timed out; reconnecting on next use");
        }
    }

    /// SET with `NX` (only if absent) or `XX` (only if present); true when
    /// stored. Redis replies OK when it stored, nil when the condition failed.
    async fn set_if(
        &self,
        key: &str,
        value: Vec<u8>,
        ttl: Duration,
        condition: &'static str,
    ) -> Result<bool, StoreError> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(key)
            .arg(value)
            .arg(condition)
            .arg("PX")
            .arg(millis(ttl));
        Ok(!matches!(self.run::<Value>(&cmd).await?, Value::Nil))
    }

    async fn run<T: FromRedisValue>(&self, cmd: &Cmd) -> Result<T, StoreError> {
        self.attempt(cmd).await?.map_err(|e| self.classify(&e))
    }

    /// One command: Redis's answer, an error it answered with included; `Err`
    /// when it could not be asked or did not answer in time.
    async fn attempt<T: FromRedisValue>(
        &self,
        cmd: &Cmd,
    ) -> Result<Result<T, RedisError>, StoreError> {
        let (generation, mut manager) = self.connection().await?;
        match timeout(COMMAND_TIMEOUT, cmd.query_async::<T>(&mut manager)).await {
            Ok(Ok(value)) => Ok(Ok(value)),
            Ok(Err(e)) => {
                if e.is_timeout() {
                    self.discard(generation);
                }
                Ok(Err(e))
            }
            Err(_) => {
                self.discard(generation);
                Err(StoreError::Unavailable(format!(
                    "Redis at {}: no answer within {COMMAND_TIMEOUT:?}",
                    self.addr()
                )))
            }
        }
    }

    /// Runs `lua` on `key` by its hash, with the arguments `args` adds. A Redis
    /// that does not know the script (restarted, or its scripts flushed) says
    /// `NOSCRIPT`: then the source is sent once, and Redis keeps it again.
    async fn eval<T: FromRedisValue>(
        &self,
        lua: &Lua,
        key: &str,
        args: impl Fn(&mut Cmd),
    ) -> Result<T, StoreError> {
        self.eval_keys(lua, &[key], args).await
    }

    /// [`Self::eval`] on several keys.
    async fn eval_keys<T: FromRedisValue>(
        &self,
        lua: &Lua,
        keys: &[&str],
        args: impl Fn(&mut Cmd),
    ) -> Result<T, StoreError> {
        let call = |verb: &str, body: &str| {
            let mut cmd = redis::cmd(verb);
            cmd.arg(body).arg(keys.len()).arg(keys);
            args(&mut cmd);
            cmd
        };
        match self.attempt(&call("EVALSHA", &lua.sha1)).await? {
            Ok(value) => Ok(value),
            Err(e) if e.kind() == ErrorKind::Server(redis::ServerErrorKind::NoScript) => {
                self.run(&call("EVAL", lua.source)).await
            }
            Err(e) => Err(self.classify(&e)),
        }
    }

    /// Host and port (or socket path) for messages; never the URL, which may hold a password.
    fn addr(&self) -> String {
        self.client.get_connection_info().addr().to_string()
    }

    fn unavailable(&self, e: &RedisError) -> StoreError {
        let message = format!("Redis at {}: {e}", self.addr());
        StoreError::Unavailable(redact(&message, &self.secrets))
    }

    /// Data errors (wrong type, not a counter) are `Corrupt`; anything else means Redis
    /// cannot serve us right now.
    fn classify(&self, e: &RedisError) -> StoreError {
        let not_a_number = e.kind() == ErrorKind::Server(redis::ServerErrorKind::ResponseError)
            && e.detail()
                .is_some_and(|d| d.contains("not an integer") || d.contains("overflow"));
        if e.kind() == ErrorKind::UnexpectedReturnType
            || e.code() == Some("WRONGTYPE")
            || not_a_number
        {
            StoreError::Corrupt(redact(&format!("Redis: {e}"), &self.secrets))
        } else {
            self.unavailable(e)
        }
    }
}

fn redact(message: &str, secrets: &[String]) -> String {
    secrets.iter().fold(message.to_owned(), |m, secret| {
        m.replace(secret.as_str(), "***")
    })
}

fn millis(ttl: Duration) -> u64 {
    // Redis rejects a zero expiry; MAX_TTL keeps now + ttl within its range.
    u64::try_from(ttl.min(MAX_TTL).as_millis())
        .unwrap_or(u64::MAX)
        .max(1)
}

#[async_trait::async_trait]
impl Backend for RedisBackend {
    async fn put(&self, key: &str, value: Vec<u8>, ttl: Duration) -> Result<(), StoreError> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(key).arg(value).arg("PX").arg(millis(ttl));
        self.run(&cmd).await
    }

    async fn put_new(&self, key: &str, value: Vec<u8>, ttl: Duration) -> Result<bool, StoreError> {
        self.set_if(key, value, ttl, "NX").await
    }

    async fn replace(&self, key: &str, value: Vec<u8>, ttl: Duration) -> Result<bool, StoreError> {
        self.set_if(key, value, ttl, "XX").await
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.run(redis::cmd("GET").arg(key)).await
    }

    async fn take(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.run(redis::cmd("GETDEL").arg(key)).await
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.run(redis::cmd("DEL").arg(key)).await
    }

    async fn delete_if(&self, key: &str, expected: &[u8]) -> Result<bool, StoreError> {
        let n: i64 = self
            .eval(&DELETE, key, |cmd| {
                cmd.arg(expected);
            })
            .await?;
        Ok(n == 1)
    }

    async fn incr(&self, key: &str, ttl: Duration) -> Result<u64, StoreError> {
        let n: i64 = self
            .eval(&INCR, key, |cmd| {
                cmd.arg(millis(ttl));
            })
            .await?;
        u64::try_from(n).map_err(|_| StoreError::Corrupt(format!("negative counter {n}")))
    }

    async fn decr(&self, key: &str) -> Result<u64, StoreError> {
        let n: i64 = self.eval(&DECR, key, |_| {}).await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn incr_within(
        &self,
        counters: &[super::Counter<'_>],
    ) -> Result<Result<Vec<u64>, usize>, StoreError> {
        if counters.is_empty() {
            return Ok(Ok(Vec::new()));
        }
        let keys: Vec<&str> = counters.iter().map(|c| c.key).collect();
        let answer: Vec<i64> = self
            .eval_keys(&INCR_ALL, &keys, |cmd| {
                for c in counters {
                    cmd.arg(millis(c.window)).arg(c.max);
                }
            })
            .await?;
        match answer.as_slice() {
            [refused] if *refused < 0 => usize::try_from(-refused - 1)
                .ok()
                .filter(|i| *i < counters.len())
                .map(Err)
                .ok_or_else(|| StoreError::Corrupt(format!("counters: refused at {refused}"))),
            values if values.len() == counters.len() => values
                .iter()
                .map(|n| {
                    u64::try_from(*n)
                        .map_err(|_| StoreError::Corrupt(format!("negative counter {n}")))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Ok),
            other => Err(StoreError::Corrupt(format!(
                "counters: {} values for {} keys",
                other.len(),
                counters.len()
            ))),
        }
    }

    async fn decr_all(&self, keys: &[&str]) -> Result<(), StoreError> {
        if keys.is_empty() {
            return Ok(());
        }
        let _: i64 = self.eval_keys(&DECR_EACH, keys, |_| {}).await?;
        Ok(())
    }

    async fn ttl(&self, key: &str) -> Result<Option<Duration>, StoreError> {
        // PTTL: -2 when absent, -1 when the key has no expiry (never written by us).
        match self.run::<i64>(redis::cmd("PTTL").arg(key)).await? {
            -2 => Ok(None),
            -1 => Ok(Some(Duration::MAX)),
            ms => Ok(Some(Duration::from_millis(u64::try_from(ms).unwrap_or(0)))),
        }
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.run(&redis::cmd("PING")).await
    }

    async fn index_add(
        &self,
        index: &str,
        key: &str,
        tag: &str,
        require_tag: bool,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let added: i64 = self
            .eval(&ADD, index, |cmd| {
                cmd.arg(key)
                    .arg(tag)
                    .arg(if require_tag { "1" } else { "0" })
                    .arg(millis(ttl));
            })
            .await?;
        Ok(added == 1)
    }

    async fn index_entries(&self, index: &str) -> Result<Vec<(String, String)>, StoreError> {
        let flat: Vec<String> = self.eval(&ENTRIES, index, |_| {}).await?;
        Ok(flat
            .chunks_exact(2)
            .map(|pair| (pair[0].clone(), pair[1].clone()))
            .collect())
    }

    async fn index_remove_tag(&self, index: &str, tag: &str) -> Result<u64, StoreError> {
        let n: i64 = self
            .eval(&REMOVE_TAG, index, |cmd| {
                cmd.arg(tag);
            })
            .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn index_clear(&self, index: &str) -> Result<u64, StoreError> {
        let n: i64 = self.eval(&CLEAR, index, |_| {}).await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    fn name(&self) -> &'static str {
        "redis"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn millis_is_never_zero_and_is_capped() {
        assert_eq!(millis(Duration::ZERO), 1);
        assert_eq!(millis(Duration::from_micros(1500)), 1);
        assert_eq!(millis(Duration::from_secs(3)), 3000);
        assert_eq!(millis(Duration::MAX), millis(MAX_TTL));
    }

    #[test]
    fn passwords_never_reach_messages() {
        let backend = RedisBackend::new("redis://user:p%40ss-word@127.0.0.1:1/0").ok();
        let backend = backend.as_ref();
        assert_eq!(
            backend.map(|b| b.secrets.clone()),
            Some(vec!["p%40ss-word".to_owned(), "p@ss-word".to_owned()])
        );
        let msg = redact(
            "auth p@ss-word / p%40ss-word failed",
            &backend.map(|b| b.secrets.clone()).unwrap_or_default(),
        );
        assert_eq!(msg, "auth *** / *** failed");
        assert!(!format!("{backend:?}").contains("ss-word"));
    }

    #[test]
    fn a_malformed_url_is_rejected_without_echoing_the_password() {
        let err = RedisBackend::new("redis://:hunter2@127.0.0.1:notaport").err();
        let msg = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.contains("invalid Redis URL"), "{msg}");
        assert!(!msg.contains("hunter2"), "{msg}");
    }
}
