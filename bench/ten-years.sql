-- Ten years of a person's history, ending now, written into a journal closer created (so
-- the schema is closer's): four prompts a day (two steps, two kind words), every step
-- answered (mostly done, now and then hard), a move every 100 days on one of three
-- ladders. Used by bench/journal-age.sh (through sqlite3) and by the memory test
-- (tests/it/memory.rs, through rusqlite).
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 14599)
INSERT INTO sent (id, at, due, rule, category, prompt, ladder, rung)
SELECT i + 1,
       strftime('%Y-%m-%dT%H:%M:%fZ', 'now', printf('-%d minutes', (14600 - i) * 360)),
       strftime('%Y-%m-%dT%H:%M:%fZ', 'now', printf('-%d minutes', (14600 - i) * 360)),
       CASE WHEN i % 2 = 0 THEN 'steps' ELSE 'kind words' END,
       CASE WHEN i % 2 = 0 THEN 'step' ELSE 'compassion' END,
       CASE WHEN i % 2 = 0
            THEN printf('%s-%d', CASE (i / 2) % 3 WHEN 0 THEN 'emotional'
                                 WHEN 1 THEN 'intellectual' ELSE 'experiential' END,
                        1 + (i / 1200) % 12)
            ELSE 'compassion-warmth-first' END,
       CASE WHEN i % 2 = 0 THEN CASE (i / 2) % 3 WHEN 0 THEN 'emotional'
                                WHEN 1 THEN 'intellectual' ELSE 'experiential' END END,
       CASE WHEN i % 2 = 0 THEN 1 + (i / 1200) % 12 END
FROM n;
INSERT INTO answer (sent_id, at, kind, distress, happened, source)
SELECT id, strftime('%Y-%m-%dT%H:%M:%fZ', at, '+30 minutes'),
       CASE WHEN id % 7 = 0 THEN 'hard' ELSE 'done' END, id % 9, id % 2, 'terminal'
FROM sent WHERE category = 'step';
WITH RECURSIVE m(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM m WHERE k < 36)
INSERT INTO move (at, ladder, from_rung, to_rung, reason)
SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now', printf('-%d days', 3650 - k * 100)),
       CASE k % 3 WHEN 0 THEN 'emotional' WHEN 1 THEN 'intellectual' ELSE 'experiential' END,
       1 + (k / 3) % 11, 2 + (k / 3) % 11, 'bench'
FROM m;
COMMIT;
