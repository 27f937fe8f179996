-- Real-time: the relay's cursor over the outbox, per-channel histories with contiguous offsets,
-- stored notifications with read state, and per-user notification preferences (PostgreSQL).

-- One row: where the outbox relay is. Starts at the end of the outbox as it was when this
-- migration ran (events raised before the hub existed were never promised to anyone).
CREATE TABLE realtime_relay (
    id          BIGINT PRIMARY KEY CHECK (id = 1),
    outbox_tx   BIGINT NOT NULL,
    outbox_id   BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
INSERT INTO realtime_relay (id, outbox_tx, outbox_id, updated_at)
SELECT 1, COALESCE(MAX(tx_xid), 0), COALESCE(MAX(id), 0), 0 FROM domain_events;

-- A channel's identity (epoch) and the last offset given out on it.
CREATE TABLE channel_heads (
    channel     TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL,
    epoch       TEXT NOT NULL,
    last_offset BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);

-- The history a client resumes from: offsets 1, 2, 3 ... per channel, pruned from the front.
CREATE TABLE channel_events (
    channel     TEXT NOT NULL,
    seq         BIGINT NOT NULL,
    event_id    TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (channel, seq)
);
CREATE INDEX channel_events_created_idx ON channel_events (created_at);

CREATE TABLE notifications (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    user_id     TEXT NOT NULL REFERENCES users(id),
    event_id    TEXT NOT NULL,
    event_type  TEXT NOT NULL,
    kind        TEXT NOT NULL,
    priority    TEXT NOT NULL,
    title       TEXT NOT NULL,
    message     TEXT NOT NULL,
    data        TEXT NOT NULL,
    store_id    TEXT,
    push        BIGINT NOT NULL CHECK (push IN (0, 1)),
    created_at  BIGINT NOT NULL,
    read_at     BIGINT,
    UNIQUE (user_id, event_id)
);
CREATE INDEX notifications_user_idx ON notifications (user_id, id);
CREATE INDEX notifications_unread_idx ON notifications (user_id, read_at, id);

CREATE TABLE notification_preferences (
    user_id       TEXT PRIMARY KEY REFERENCES users(id),
    org_id        TEXT NOT NULL REFERENCES organisations(id),
    body          TEXT NOT NULL,
    updated_at    BIGINT NOT NULL
);
