-- The member scopes of a freeze computed in SQL alone: the measurement behind docs/performance.md
-- ("Why 1.5× cannot be reached"), not used by the application. Run it against the scratch database
-- `python bench/freeze.py --keep` leaves (after a freeze, so the stored checksums are there):
--   psql -h 127.0.0.1 -p 55432 -U postgres -d pkarena_bench_freeze_NNN -f bench/freeze_in_sql.sql
-- The population is simplified to what the bench seeds (current memberships of active members; the
-- application also reads status history from the audit log). Each step prints its time; the last
-- query must show every member scope's SQL checksum equal to the stored one. Nothing is kept.
\timing on
BEGIN;
CREATE TEMP TABLE sums ON COMMIT DROP AS
SELECT member_id, org_id, sum(points)::int AS points FROM ledger_entry WHERE month = '2026-10'
GROUP BY member_id, org_id;
CREATE TEMP TABLE ancestor ON COMMIT DROP AS
SELECT o.id AS org_id, a.id AS ancestor_id FROM org o JOIN org a ON o.path LIKE a.path || '%'
WHERE a.kind IN ('company', 'branch');
CREATE TEMP TABLE population ON COMMIT DROP AS
SELECT ms.member_id, ms.org_id, m.display_name FROM membership ms JOIN member m ON m.id = ms.member_id
WHERE ms.ended_at IS NULL AND m.status = 'active' AND NOT m.is_bot;
-- scope 0 = members_all, else members_org of that company or branch
CREATE TEMP TABLE candidate ON COMMIT DROP AS
SELECT scope, member_id, sum(points)::int AS points FROM (
  SELECT 0 AS scope, member_id, points FROM sums
  UNION ALL SELECT a.ancestor_id, s.member_id, s.points FROM sums s JOIN ancestor a USING (org_id)
  UNION ALL SELECT 0, member_id, 0 FROM population
  UNION ALL SELECT a.ancestor_id, p.member_id, 0 FROM population p JOIN ancestor a USING (org_id)
) x GROUP BY scope, member_id;
ANALYZE candidate;
ANALYZE population;
CREATE TEMP TABLE ranked ON COMMIT DROP AS
SELECT c.scope, row_number() OVER position AS position, rank() OVER score AS rank, c.member_id AS subject_id,
       coalesce(p.display_name, '') AS name, p.org_id, c.points
FROM candidate c LEFT JOIN population p USING (member_id)
-- Equal points share a rank; the position breaks ties by the member id as text, as the engine does.
WINDOW score AS (PARTITION BY c.scope ORDER BY c.points DESC),
       position AS (PARTITION BY c.scope ORDER BY c.points DESC, c.member_id::text COLLATE "C");
INSERT INTO snapshot_row (snapshot_id, position, rank, subject_kind, subject_id, name, org_id, points)
SELECT 1000000 + scope, position, rank, 'member', subject_id, name, org_id, points FROM ranked;
CREATE TEMP TABLE computed ON COMMIT DROP AS
SELECT scope, encode(sha256(convert_to(
  '{"month":"2026-10","scope_id":' || scope || ',"scope_kind":"' ||
  CASE WHEN scope = 0 THEN 'members_all' ELSE 'members_org' END || '"}' || E'\n' ||
  string_agg('{"members":null,"name":' || to_json(name)::text || ',"org_id":' || coalesce(org_id::text, 'null')
             || ',"participants":null,"participation":null,"per_member":null,"points":' || points
             || ',"position":' || position || ',"rank":' || rank || ',"subject_id":' || subject_id
             || ',"subject_kind":"member"}', E'\n' ORDER BY position), 'UTF8')), 'hex') AS checksum
FROM ranked GROUP BY scope;
SELECT count(*) AS member_scopes, count(*) FILTER (WHERE c.checksum = s.checksum) AS same_checksum
FROM computed c JOIN monthly_snapshot s
  ON s.month = '2026-10' AND s.scope_id = c.scope
 AND s.scope_kind = CASE WHEN c.scope = 0 THEN 'members_all' ELSE 'members_org' END;
ROLLBACK;
