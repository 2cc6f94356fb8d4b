#pragma once
// Version 1 of mink's PostgreSQL schema. Migrations are append-only: a released script is never
// edited; a change is a new version.

namespace mink::persistence::detail {

inline constexpr const char* schema_v1 = R"sql(
CREATE TABLE mink_streams (
  stream_id   text PRIMARY KEY,
  category    text NOT NULL,
  version     bigint NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mink_streams_category ON mink_streams (category);

-- transaction_id is the writing transaction: with global_position it orders the global log in
-- commit-safe order (see mink_read_all below and docs/event-store.md).
CREATE TABLE mink_events (
  global_position bigserial PRIMARY KEY,
  stream_id       text NOT NULL,
  stream_version  bigint NOT NULL,
  event_id        uuid NOT NULL UNIQUE,
  event_type      text NOT NULL,
  data            jsonb NOT NULL,
  metadata        jsonb NOT NULL,
  transaction_id  xid8 NOT NULL DEFAULT pg_current_xact_id(),
  recorded_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (stream_id, stream_version)
);
CREATE INDEX mink_events_log_order ON mink_events (transaction_id, global_position);

CREATE TABLE mink_snapshots (
  stream_id   text PRIMARY KEY,
  version     bigint NOT NULL,
  data        jsonb NOT NULL,
  taken_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE mink_idempotency (
  key          text PRIMARY KEY,
  fingerprint  text NOT NULL,
  status       text NOT NULL,
  result       jsonb,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL
);
CREATE INDEX mink_idempotency_expiry ON mink_idempotency (expires_at);

CREATE TABLE mink_sagas (
  saga_id         text PRIMARY KEY,
  saga_type       text NOT NULL,
  correlation_id  text NOT NULL,
  status          text NOT NULL,
  current_step    text NOT NULL DEFAULT '',
  steps           jsonb NOT NULL DEFAULT '[]',
  data            jsonb NOT NULL DEFAULT '{}',
  processed       jsonb NOT NULL DEFAULT '[]',
  version         bigint NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mink_sagas_correlation ON mink_sagas (correlation_id);
CREATE INDEX mink_sagas_status ON mink_sagas (status);

CREATE TABLE mink_saga_deadlines (
  deadline_id  bigserial PRIMARY KEY,
  saga_id      text NOT NULL,
  due_at       timestamptz NOT NULL,
  payload      jsonb NOT NULL DEFAULT '{}',
  fired_at     timestamptz
);
CREATE INDEX mink_saga_deadlines_due ON mink_saga_deadlines (due_at) WHERE fired_at IS NULL;

CREATE TABLE mink_checkpoints (
  projection      text PRIMARY KEY,
  transaction_id  xid8 NOT NULL DEFAULT '0',
  position        bigint NOT NULL DEFAULT 0,
  status          text NOT NULL DEFAULT 'running',
  updated_at      timestamptz NOT NULL DEFAULT now()
);

-- Appends many callers' requests in one transaction, each with its own outcome: a conflict fails
-- only its own request. Requests: [{"s": stream, "c": category, "k": kind, "v": version,
-- "e": [{"id", "t", "d", "m"}]}], kind 0 any, 1 no stream, 2 stream exists, 3 exact.
-- Status: 0 appended, 1 replayed (ids already stored), 2 wrong expected version,
-- 3 stream not found, 4 duplicate event id. Streams are locked in stream-id order, so that two
-- batches never wait on each other in a cycle.
CREATE FUNCTION mink_append_batch(requests jsonb)
RETURNS TABLE (o_idx int, o_status int, o_version bigint, o_positions bigint[], o_actual bigint, o_txid xid8)
LANGUAGE plpgsql AS $fn$
DECLARE
  r record;
  s text;
  k int;
  want bigint;
  ids uuid[];
  n int;
  cur bigint;
  first_stream text;
  first_version bigint;
  vmin bigint;
  vmax bigint;
  cnt bigint;
  pos bigint[];
  orig_tx xid8;
BEGIN
  FOR r IN
    SELECT (x.ord - 1)::int AS i, x.q
    FROM jsonb_array_elements(requests) WITH ORDINALITY AS x(q, ord)
    ORDER BY x.q->>'s', x.ord
  LOOP
    s := r.q->>'s';
    k := (r.q->>'k')::int;
    want := (r.q->>'v')::bigint;
    ids := ARRAY(SELECT (ev->>'id')::uuid FROM jsonb_array_elements(r.q->'e') AS ev);
    n := cardinality(ids);
    o_idx := r.i; o_version := NULL; o_positions := NULL; o_actual := NULL; o_txid := NULL;

    SELECT ev.stream_id, ev.stream_version INTO first_stream, first_version
      FROM mink_events ev WHERE ev.event_id = ids[1];
    IF FOUND THEN
      SELECT min(ev.stream_version), max(ev.stream_version), count(*),
             array_agg(ev.global_position ORDER BY ev.stream_version), min(ev.transaction_id::text)::xid8
        INTO vmin, vmax, cnt, pos, orig_tx
        FROM mink_events ev WHERE ev.event_id = ANY(ids) AND ev.stream_id = s;
      IF first_stream = s AND cnt = n AND vmin = first_version AND vmax - vmin + 1 = n THEN
        o_status := 1; o_version := vmax; o_positions := pos; o_txid := orig_tx;
      ELSE
        o_status := 4;
      END IF;
      RETURN NEXT;
      CONTINUE;
    END IF;
    -- count(*) rather than EXISTS: PostgreSQL's cached generic plan for EXISTS on a young table is
    -- a sequential scan (estimated cheaper), which made every append scan the whole log.
    IF (SELECT count(DISTINCT u) FROM unnest(ids) AS u) <> n
       OR (SELECT count(*) FROM mink_events ev WHERE ev.event_id = ANY(ids)) > 0 THEN
      o_status := 4;
      RETURN NEXT;
      CONTINUE;
    END IF;

    LOOP
      SELECT st.version INTO cur FROM mink_streams st WHERE st.stream_id = s FOR UPDATE;
      EXIT WHEN FOUND;
      cur := 0;
      -- Only create the stream row when this request will append to a new stream.
      EXIT WHEN k = 2 OR (k = 3 AND want <> 0);
      INSERT INTO mink_streams (stream_id, category, version) VALUES (s, r.q->>'c', 0)
        ON CONFLICT (stream_id) DO NOTHING;
    END LOOP;

    IF k = 2 AND cur = 0 THEN
      o_status := 3; o_actual := 0;
      RETURN NEXT;
      CONTINUE;
    END IF;
    IF (k = 1 AND cur <> 0) OR (k = 3 AND cur <> want) THEN
      o_status := 2; o_actual := cur;
      RETURN NEXT;
      CONTINUE;
    END IF;

    WITH inserted AS (
      INSERT INTO mink_events (stream_id, stream_version, event_id, event_type, data, metadata)
      SELECT s, cur + x.ord, (x.ev->>'id')::uuid, x.ev->>'t', x.ev->'d', x.ev->'m'
      FROM jsonb_array_elements(r.q->'e') WITH ORDINALITY AS x(ev, ord)
      RETURNING global_position, stream_version
    )
    SELECT array_agg(ins.global_position ORDER BY ins.stream_version) INTO pos FROM inserted ins;
    UPDATE mink_streams SET version = cur + n, updated_at = now() WHERE stream_id = s;
    o_status := 0; o_version := cur + n; o_positions := pos; o_txid := pg_current_xact_id();
    RETURN NEXT;
  END LOOP;
END
$fn$;
)sql";

}  // namespace mink::persistence::detail
