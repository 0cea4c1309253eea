-- 1,000,000 calls over November 2026 (Shanghai), 100 agents, 4 queues.
INSERT INTO call_records (call_sid, hotline_id, config_version, caller, dialled, vip_class, path, queue,
  outcome, arrived_at, ended_at, duration_s, ivr_outcome, end_cause, queued_at, offered_at, offers,
  answered_at, agent_id, agent_grade, wait_ms, talk_ms, queue_exit, queue_exit_at, queue_exit_id,
  queue_event_id, ringing_left_at, completed_by, work_order, queue_joined_at, wrap_ms)
SELECT 'CA' || i, '95598', 1, '+86138' || lpad((i % 100000)::text, 8, '0'), '95598', '', '', q,
  CASE WHEN ans THEN 'answered' WHEN i % 50 = 1 THEN 'timeout' ELSE 'abandoned' END,
  t, t + interval '5 minutes', 300, 'queued',
  CASE WHEN ans THEN '' WHEN i % 50 = 1 THEN 'max_wait' ELSE 'in_queue' END,
  t, t + interval '2 seconds', 1,
  CASE WHEN ans THEN t + (w || ' milliseconds')::interval END,
  CASE WHEN ans THEN 'a' || (i % 100) ELSE '' END, 2, w,
  CASE WHEN ans THEN 60000 + (i::bigint * 7919) % 240000 END,
  CASE WHEN ans THEN 'CONNECT' WHEN i % 50 = 1 THEN 'EXITWITHTIMEOUT' ELSE 'ABANDON' END,
  t + (w || ' milliseconds')::interval, 'x' || i, 'y' || i, NULL, 'caller', '',
  t, CASE WHEN ans THEN 15000 END
FROM (
  SELECT i, (ARRAY['fault','billing','vip','general'])[1 + i % 4] AS q,
    timestamptz '2026-10-31 16:00:00+00' + (i * 2.592) * interval '1 second' AS t,
    (i::bigint * 104729) % 60000 AS w, (i % 10) <> 0 AS ans
  FROM generate_series(1, 1000000) AS i
) s;
-- The router's events a month of calls leaves: 4 per call of names the reports do not read
-- (they are there for the table's size), misses, overflows and presence.
INSERT INTO router_events (stream_id, name, at, call_sid, queue, agent_id, data, error, consumed_at)
SELECT i || '-' || k, (ARRAY['ENTERQUEUE','OFFER','CONNECT','COMPLETECALLER'])[k],
  timestamptz '2026-10-31 16:00:00+00' + (i * 2.592 + k) * interval '1 second', 'CA' || i,
  'fault', 'a' || (i % 100), '{"hold_ms": "5000", "talk_ms": "60000"}', '', now()
FROM generate_series(1, 1000000) AS i, generate_series(1, 4) AS k;
INSERT INTO router_events (stream_id, name, at, call_sid, queue, agent_id, data, error, consumed_at)
SELECT 'r' || i, 'RINGNOANSWER', timestamptz '2026-10-31 16:00:00+00' + (i * 51.84) * interval '1 second',
  'CA' || (i * 20), 'fault', 'a' || (i % 100),
  json_build_object('cause', (ARRAY['reject','no_answer','busy'])[1 + i % 3], 'ring_ms', '20000'), '', now()
FROM generate_series(1, 50000) AS i;
INSERT INTO router_events (stream_id, name, at, call_sid, queue, agent_id, data, error, consumed_at)
SELECT 'o' || i, 'EXITWITHTIMEOUT', timestamptz '2026-10-31 16:00:00+00' + (i * 129.6 + 600) * interval '1 second',
  'CA' || (i * 50 + 3), 'billing', '', '{"wait_ms": "600000", "position": "1"}', '', now()
FROM generate_series(1, 20000) AS i;
INSERT INTO router_events (stream_id, name, at, call_sid, queue, agent_id, data, error, consumed_at)
SELECT 'p' || a || '-' || d || '-' || k, (ARRAY['ADDMEMBER','PAUSE','UNPAUSE','PAUSE','UNPAUSE','REMOVEMEMBER'])[k],
  timestamptz '2026-10-31 16:00:00+00' + d * interval '1 day' + (ARRAY[0, 7200, 8100, 14400, 18000, 28800])[k] * interval '1 second',
  '', 'fault', 'a' || a, '{"reason": "break"}', '', now()
FROM generate_series(0, 99) AS a, generate_series(0, 29) AS d, generate_series(1, 6) AS k;
INSERT INTO work_orders (number, hotline_id, call_sid, caller, customer_name, customer_account, vip_class,
  queue, category, sub_type, area, ivr_path, agent_id, agent_grade, wait_s, decision_trace, address,
  description, department, status, urge_count, related_id, created_at, updated_at)
SELECT 'WO' || i, '95598', 'CA' || i, '+86138' || lpad((i % 100000)::text, 8, '0'), '', '', '', 'fault',
  CASE WHEN i % 97 = 0 THEN 'complaint' WHEN i % 3 = 0 THEN 'fault_repair' ELSE 'inquiry' END, '', 'city',
  '1 故障报修 > 1 停电', 'a' || (i % 100), 2, 10,
  '{"step": 0, "chosen": "a1", "candidates": {"1": ["a1", "a2", "a3"], "2": ["a4", "a5"]}, "passed": {"a2": "busy", "a3": "busy"}}',
  '', '', '', 'accepted', 0, NULL,
  timestamptz '2026-10-31 16:00:00+00' + (i * 2.592 + 60) * interval '1 second', now()
FROM generate_series(1, 1000000) AS i WHERE i % 10 <> 0;
UPDATE work_orders SET related_id = id - 500
  WHERE category = 'complaint' AND id - 500 >= (SELECT min(id) FROM work_orders);
