-- Conversations opened and closes per UTC day, platform and channel (#16),
-- kept by triggers on the facts of 0006, so that the daily charts split by
-- platform or channel read days, not conversations. Splits by language or
-- flag still join the conversations: those change after opening.
-- Keep in step with ../postgres/0009_report_days.sql.

CREATE TABLE report_opened_days (
    day      BIGINT NOT NULL,
    platform TEXT NOT NULL,
    channel  TEXT NOT NULL,
    n        INTEGER NOT NULL,
    PRIMARY KEY (day, platform, channel)
) WITHOUT ROWID;

CREATE TABLE report_closed_days (
    day      BIGINT NOT NULL,
    platform TEXT NOT NULL,
    channel  TEXT NOT NULL,
    n        INTEGER NOT NULL,
    PRIMARY KEY (day, platform, channel)
) WITHOUT ROWID;

CREATE TRIGGER report_opened_day AFTER INSERT ON report_conversations BEGIN
    INSERT INTO report_opened_days (day, platform, channel, n)
    VALUES (NEW.opened_at / 86400000000000, NEW.platform, NEW.channel, 1)
    ON CONFLICT (day, platform, channel) DO UPDATE SET n = report_opened_days.n + 1;
END;

CREATE TRIGGER report_closed_day AFTER INSERT ON report_closes BEGIN
    INSERT INTO report_closed_days (day, platform, channel, n)
    VALUES (NEW.at / 86400000000000, NEW.platform, NEW.channel, 1)
    ON CONFLICT (day, platform, channel) DO UPDATE SET n = report_closed_days.n + 1;
END;

INSERT INTO report_opened_days (day, platform, channel, n)
SELECT opened_at / 86400000000000, platform, channel, COUNT(*) FROM report_conversations
GROUP BY opened_at / 86400000000000, platform, channel;
INSERT INTO report_closed_days (day, platform, channel, n)
SELECT at / 86400000000000, platform, channel, COUNT(*) FROM report_closes
GROUP BY at / 86400000000000, platform, channel;
