-- Report aggregates (#16), so that a report of 90 days at a million
-- messages reads days, not every reply and action: SLA answers and
-- breaches per day, judged against the targets in force when the answer
-- was sent (report_sla_targets, which the application keeps equal to
-- policy.sla), and sent answers per day and purpose. The percentile
-- queries read covering indexes of the per-row facts of 0006.
-- Days are UTC days: day = time / 86400e9.
-- Keep in step with ../sqlite/0008_report_aggregates.sql.

CREATE TABLE report_sla_targets (
    platform TEXT NOT NULL,
    channel  TEXT NOT NULL,
    first    INTEGER NOT NULL,
    target   BIGINT NOT NULL,
    PRIMARY KEY (platform, channel, first)
);

CREATE TABLE report_sla_days (
    day      BIGINT NOT NULL,
    platform TEXT NOT NULL,
    channel  TEXT NOT NULL,
    first    INTEGER NOT NULL,
    answered INTEGER NOT NULL,
    breached INTEGER NOT NULL,
    PRIMARY KEY (day, platform, channel, first)
);

CREATE TABLE report_answer_days (
    day       BIGINT NOT NULL,
    purpose   TEXT NOT NULL,
    automatic INTEGER NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (day, purpose, automatic)
);

DROP INDEX report_responses_at;
CREATE INDEX report_responses_first ON report_responses (first, at, agent, platform, channel, waited);
DROP INDEX report_closes_at;
CREATE INDEX report_closes_at ON report_closes (at, agent, platform, channel, opened_at);

CREATE FUNCTION report_sla_answer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_sla_days (day, platform, channel, first, answered, breached)
    VALUES (NEW.at / 86400000000000, NEW.platform, NEW.channel, NEW.first, 1,
        COALESCE((SELECT CASE WHEN NEW.waited > t.target THEN 1 ELSE 0 END FROM report_sla_targets t
            WHERE t.platform = NEW.platform AND t.channel = NEW.channel AND t.first = NEW.first), 0))
    ON CONFLICT (day, platform, channel, first) DO UPDATE SET
        answered = report_sla_days.answered + 1, breached = report_sla_days.breached + excluded.breached;
    RETURN NULL;
END
$$;
CREATE TRIGGER report_sla_answer AFTER INSERT ON report_responses
FOR EACH ROW EXECUTE FUNCTION report_sla_answer();

-- An answer counts when it is sent: usually an update of a pending action,
-- or an insert of one already sent (imports).
CREATE FUNCTION report_answer_sent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_answer_days (day, purpose, automatic, n)
    VALUES (NEW.created_at / 86400000000000, NEW.purpose, CASE WHEN NEW.requested_by = 'router' THEN 1 ELSE 0 END, 1)
    ON CONFLICT (day, purpose, automatic) DO UPDATE SET n = report_answer_days.n + 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER report_answer_sent AFTER UPDATE OF state ON actions
FOR EACH ROW WHEN (NEW.state = 'sent' AND OLD.state <> 'sent' AND NEW.kind IN ('reply', 'dm', 'private_reply'))
EXECUTE FUNCTION report_answer_sent();
CREATE TRIGGER report_answer_inserted AFTER INSERT ON actions
FOR EACH ROW WHEN (NEW.state = 'sent' AND NEW.kind IN ('reply', 'dm', 'private_reply'))
EXECUTE FUNCTION report_answer_sent();

INSERT INTO report_sla_days (day, platform, channel, first, answered, breached)
SELECT at / 86400000000000, platform, channel, first, COUNT(*), 0 FROM report_responses
GROUP BY at / 86400000000000, platform, channel, first;
INSERT INTO report_answer_days (day, purpose, automatic, n)
SELECT created_at / 86400000000000, purpose, CASE WHEN requested_by = 'router' THEN 1 ELSE 0 END, COUNT(*) FROM actions
WHERE state = 'sent' AND kind IN ('reply', 'dm', 'private_reply')
GROUP BY created_at / 86400000000000, purpose, CASE WHEN requested_by = 'router' THEN 1 ELSE 0 END;
