-- Work queues filter by status and by who may see a matter (area OR assigned unit OR person OR reporter).
-- PostgreSQL combines indexes for an OR only when every branch has one it can use; the partial assignee
-- indexes (where not closed) could not serve a query that filters by status instead, so at 1M matters the
-- first page of a town's queue scanned a whole status (≈170 ms). These serve each branch with the queue's
-- own order (measured in bench/matters.ts: 130–143 ms → 0.4 ms for 五马街道 at 1M).
drop index matters_assignee_idx;
create index matters_assignee_idx on matters (assignee_department, assignee_area_code, status, created_at desc, id desc);
drop index matters_assignee_user_idx;
create index matters_assignee_user_idx on matters (assignee_user_id);
