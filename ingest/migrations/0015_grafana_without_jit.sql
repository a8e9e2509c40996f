-- Grafana's panel queries are short reads whose plans cross the JIT cost threshold at national scale (332,100 series):
-- compiling them cost 100-200 ms a query, more than the query itself once the plan is right.
ALTER ROLE chitieu_grafana SET jit = off;
