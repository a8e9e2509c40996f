"""Prometheus alerting rules generated from the catalogue (`chitieu generate`), the way sloth generates SLO rules.

The catalogue is the spec; each indicator and task becomes validated `AlertRule` models; the models are written as one
rule file per programme under deploy/prometheus/rules/. The rules read the metrics of api/metrics.py:

- ChiTieuChamTienDo (off track), ChiTieuCoNguyCo (at risk, sustained for a configurable time), ChiTieuQuaHanBaoCao
  (report overdue) and ChiTieuMatSoLieu (the indicator's metrics are absent) for every indicator;
- NhiemVuQuaHan (task overdue) for every task with a due date;
- for an indicator judged in communes (or districts), which /metrics counts by province: recording rules of the share
  of each province's communes off track, at risk and report overdue, and ChiTieuNhieuXaChamTienDo and
  ChiTieuNhieuXaQuaHanBaoCao when a share reaches its threshold (`commune_rules`): per indicator, never per commune.

Every alert carries the routing labels of deploy/alertmanager (programme, province, owner when the catalogue names one,
severity) and annotations in Vietnamese (summary, description with actual against expected), an English line
(description_en), a dashboard link and a runbook link (docs/runbook.md).

The rule models and their options (`model`), the pieces of their text (`templates`), the rules of an indicator
(`indicator_rules`) and of a task (`task_rules`), the rule files and prometheus.yml (`files`).
"""
