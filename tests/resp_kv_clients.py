"""resp_kv through redis-py, used as its README shows: run by tests/resp_kv_clients.rs.

    python3 tests/resp_kv_clients.py PORT

Connects to a resp_kv listening on 127.0.0.1:PORT (a fresh, empty one) and
runs what a new user of redis-py would: commands, `r.pipeline()` (a
MULTI/EXEC transaction by default), scans, INFO, client names. Exits 0
when all checks pass; an assertion error (with a traceback) otherwise; 77
if redis-py is not installed.

redis-py speaks RESP2 by default before 8.0 and RESP3 (HELLO 3) from 8.0
on. resp_kv speaks RESP2 only: with redis-py 8 this script checks that the
default client is refused with a clear NOPROTO error, then goes on with
`protocol=2`.
"""

import sys

try:
    import redis
    from redis.exceptions import ExecAbortError, ResponseError
except ImportError:
    print("redis-py is not installed: python3 -m pip install redis", file=sys.stderr)
    sys.exit(77)

PORT = int(sys.argv[1])


def expect_error(what, call, *fragments):
    """Runs `call`, which must raise a ResponseError containing every fragment."""
    try:
        result = call()
    except ResponseError as e:
        for fragment in fragments:
            assert fragment in str(e), f"{what}: {fragment!r} not in {e!r}"
        return e
    raise AssertionError(f"{what}: no error, got {result!r}")


def connect(**options):
    """A client with redis-py's defaults, but for the protocol on redis-py 8+."""
    default_protocol = getattr(getattr(redis, "utils", None), "DEFAULT_RESP_VERSION", 2)
    if default_protocol != 2:
        options.setdefault("protocol", 2)
    return redis.Redis(host="127.0.0.1", port=PORT, socket_timeout=10, **options)


def defaults_connect():
    """The client exactly as `redis.Redis(port=PORT)` makes it."""
    r = redis.Redis(host="127.0.0.1", port=PORT, socket_timeout=10)
    default_protocol = getattr(getattr(redis, "utils", None), "DEFAULT_RESP_VERSION", 2)
    if default_protocol == 2:
        assert r.ping() is True
        return "RESP2 by default: used as is"
    # redis-py 8+: HELLO 3 at connect, which resp_kv refuses, clearly.
    expect_error("HELLO 3 from redis-py's defaults", r.ping, "NOPROTO", "protocol version is not supported")
    r.close()
    return "RESP3 by default: refused with NOPROTO, the rest with protocol=2"


def strings(r):
    assert r.set("greeting", "hello") is True
    assert r.get("greeting") == b"hello"
    assert r.get("missing") is None
    assert r.append("greeting", ", world") == 12
    assert r.get("greeting") == b"hello, world"
    assert r.append("fresh", "abc") == 3, "APPEND makes a missing key"
    assert r.strlen("greeting") == 12
    assert r.strlen("missing") == 0
    assert r.type("greeting") == b"string"
    assert r.type("missing") == b"none"

    assert r.set("session", "x", ex=100) is True
    assert 0 < r.ttl("session") <= 100
    assert r.persist("session") is True
    assert r.ttl("session") == -1
    assert r.persist("session") is False, "no TTL left to remove"
    assert r.persist("missing") is False
    r.set("session", "x", px=100_000)
    assert r.append("session", "y") == 2
    assert r.ttl("session") > 0, "APPEND keeps the TTL"


def keyspace(r):
    r.flushdb()
    users = {f"user:{i}".encode() for i in range(250)}
    for key in users:
        r.set(key, "u")
    r.mset({"order:1": "o", "order:2": "o", "user-x": "not a user: key"})
    assert r.dbsize() == 253
    assert set(r.keys("user:*")) == users
    assert set(r.keys("order:?")) == {b"order:1", b"order:2"}
    assert set(r.keys("user:[12]?")) == {f"user:{i}".encode() for i in range(10, 30)}
    assert set(r.keys("user[-:]x")) == {b"user-x"}
    assert len(r.keys()) == 253
    assert r.keys("nothing*") == []

    assert set(r.scan_iter(match="user:*", count=7)) == users
    assert set(r.scan_iter(match="order:*")) == {b"order:1", b"order:2"}
    assert len(list(r.scan_iter(count=1000))) == 253, "each key once"
    cursor, page = r.scan(0, count=5)
    assert cursor != 0 and 0 < len(page) <= 5

    # Keys deleted and added during a scan: every key present throughout is seen.
    seen = set()
    cursor = 0
    deleted = 0
    while True:
        cursor, page = r.scan(cursor, match="user:*", count=20)
        seen.update(page)
        if deleted < 50:
            r.delete(*[f"user:{i}" for i in range(200 + deleted, 205 + deleted)])
            r.set(f"late:{deleted}", "l")
            deleted += 5
        if cursor == 0:
            break
    kept = {f"user:{i}".encode() for i in range(200)}
    assert kept <= seen, f"missed {sorted(kept - seen)[:5]}"


def transactions(r):
    r.flushdb()
    # redis-py's pipeline: MULTI, the commands, EXEC, in one write.
    pipe = r.pipeline()
    pipe.set("p", 1).incr("p").incrby("p", 10).get("p").append("log", "a").strlen("log")
    assert pipe.execute() == [True, 2, 12, b"12", 1, 1]

    # A command that fails while running is its reply; the others run.
    pipe = r.pipeline()
    pipe.set("text", "abc").incr("text").set("after", "yes")
    results = pipe.execute(raise_on_error=False)
    assert results[0] is True and results[2] is True, results
    assert isinstance(results[1], ResponseError) and "not an integer" in str(results[1])
    assert r.get("after") == b"yes"

    # With the context manager, as the docs show it.
    with r.pipeline() as pipe:
        for i in range(100):
            pipe.set(f"bulk:{i}", i)
        pipe.dbsize()
        assert pipe.execute()[-1] == 100 + 4

    # Replies larger than the server's output buffer: EXEC goes on after flushes.
    r.set("big", "v" * 200_000)
    r.set("medium", "m" * 3_000)
    pipe = r.pipeline()
    for _ in range(40):
        pipe.get("big").get("medium")
    results = pipe.execute()
    assert len(results) == 80
    assert all(v == b"v" * 200_000 for v in results[0::2])
    assert all(v == b"m" * 3_000 for v in results[1::2])

    # At most 1024 queued commands: past that, the transaction is refused whole.
    pipe = r.pipeline()
    for i in range(1024):
        pipe.set(f"many:{i}", i)
    assert len(pipe.execute()) == 1024
    pipe = r.pipeline()
    for i in range(1025):
        pipe.set(f"toomany:{i}", i)
    expect_error("a 1025-command transaction", pipe.execute, "Transaction too large")
    assert r.exists("toomany:0") == 0, "nothing of it ran"
    assert r.ping() is True

    # A queueing error (unknown command) aborts EXEC, as in Redis.
    raw = r.pipeline(transaction=False)
    raw.execute_command("MULTI").set("aborted", 1).execute_command("NOSUCH", "x").execute_command("EXEC")
    results = raw.execute(raise_on_error=False)
    assert results[0] in (b"OK", True), results
    assert isinstance(results[2], ResponseError) and "unknown command 'NOSUCH'" in str(results[2]), results
    assert isinstance(results[3], ExecAbortError), results
    assert "Transaction discarded because of previous errors" in str(results[3])
    assert r.exists("aborted") == 0

    # DISCARD drops the queue.
    raw = r.pipeline(transaction=False)
    raw.execute_command("MULTI").execute_command("INCR", "discarded").execute_command("DISCARD")
    assert raw.execute() == [b"OK", b"QUEUED", b"OK"]
    assert r.exists("discarded") == 0
    expect_error("EXEC without MULTI", lambda: r.execute_command("EXEC"), "EXEC without MULTI")
    expect_error("DISCARD without MULTI", lambda: r.execute_command("DISCARD"), "DISCARD without MULTI")

    # r.transaction(func) without WATCH: a MULTI/EXEC pipeline too.
    def move(pipe):
        pipe.multi()
        pipe.set("moved", "here").delete("p")

    assert r.transaction(move) == [True, 1]
    assert r.get("moved") == b"here" and r.exists("p") == 0


def connection_commands(r):
    assert r.select(0) is True
    expect_error("SELECT 1", lambda: r.select(1), "DB index is out of range")
    expect_error("db=1", lambda: connect(db=1).ping(), "DB index is out of range")
    assert connect(db=0).ping() is True

    assert r.client_getname() is None
    assert r.client_setname("matrix") is True
    assert r.client_getname() in ("matrix", b"matrix")
    expect_error("a name with a space", lambda: r.client_setname("two words"), "cannot contain spaces")
    # What redis-py 5+ sends at connect (r.client_setinfo; spelled out for redis-py 4).
    assert r.execute_command("CLIENT", "SETINFO", "LIB-NAME", "tester") in (b"OK", True)
    expect_error(
        "an unknown attribute", lambda: r.execute_command("CLIENT", "SETINFO", "COLOR", "red"), "Unrecognized option"
    )
    first = r.client_id()
    assert isinstance(first, int) and first > 0
    assert r.client_id() == first, "one id per connection"
    assert connect().client_id() != first, "another connection, another id"
    named = connect(client_name="by-option")
    assert named.client_getname() in ("by-option", b"by-option")
    assert connect(decode_responses=True).client_getname() is None, "names are per connection"

    hello = r.execute_command("HELLO", 2)
    if isinstance(hello, list):
        hello = dict(zip(hello[0::2], hello[1::2]))
    hello = {(k.decode() if isinstance(k, bytes) else k): v for k, v in hello.items()}
    assert hello["proto"] == 2 and hello["id"] == first, hello
    expect_error("HELLO 3", lambda: r.execute_command("HELLO", 3), "NOPROTO")
    expect_error(
        "an unknown command",
        lambda: r.execute_command("NOSUCH", "a", "b"),
        "unknown command 'NOSUCH', with args beginning with: 'a' 'b' ",
    )


def info(r):
    r.flushdb()
    r.set("a", 1)
    r.set("b", 2, ex=1000)
    everything = r.info()
    assert everything["redis_version"] == "7.0.0", everything
    assert everything["tcp_port"] == PORT
    assert everything["db0"] == {"keys": 2, "expires": 1, "avg_ttl": everything["db0"]["avg_ttl"]}
    assert 0 < everything["db0"]["avg_ttl"] <= 1_000_000
    server = r.info("server")
    assert server["redis_mode"] == "standalone" and "db0" not in server
    keyspace = r.info("keyspace")
    assert set(keyspace) == {"db0"} and keyspace["db0"]["keys"] == 2
    assert r.info("nosuch") == {}
    assert set(r.info("KEYSPACE")) == {"db0"}, "section names ignore case"
    r.flushdb()
    assert r.info("keyspace") == {}, "no db0 line without keys"


def main():
    how = defaults_connect()
    r = connect()
    assert r.ping() is True
    checks = [strings, keyspace, transactions, connection_commands, info]
    for check in checks:
        check(r)
        print(f"ok: {check.__name__}")
    decoded = connect(decode_responses=True)
    decoded.set("text", "héllo")
    assert decoded.get("text") == "héllo"
    assert decoded.pipeline().set("x", "1").get("x").execute() == [True, "1"]
    print(f"redis-py {redis.__version__} ({how}): {len(checks) + 1} groups of checks passed")


if __name__ == "__main__":
    main()
