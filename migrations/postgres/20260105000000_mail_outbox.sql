-- Mail waiting to be sent. The request that sends mail writes a row; a row
-- goes once the SMTP server has taken the message, or refused it for good, or
-- after the last try; so a restart loses nothing. Any app server may send any
-- row: one conditional UPDATE claims it for a while (`claimed_until`).
CREATE TABLE mail_outbox (
    id              BIGSERIAL PRIMARY KEY,
    recipient       TEXT   NOT NULL,
    subject         TEXT   NOT NULL,
    text_body       TEXT   NOT NULL,
    html_body       TEXT   NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    -- Unix milliseconds.
    next_attempt_at BIGINT NOT NULL,
    claimed_until   BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at);
