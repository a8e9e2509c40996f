"""The commune-level rules (issue 16): shares of a province's communes off track, at risk, overdue, and their alerts.

A small catalogue judged in communes (tests/fixtures/communes/catalogue) generates the committed rules of
tests/fixtures/communes/rules/, which promtool checks and unit-tests (tests/fixtures/communes/xa-2025.test.yml);
Alertmanager routes the alerts to the communes' province; a national catalogue (bench/national.py: 34 provinces,
3,321 communes, 100 indicators) gets rules per indicator, never per commune. Regenerate the committed rules with
`.venv/bin/python -m tests.test_commune_rules`.
"""

import shutil
import subprocess
from pathlib import Path

import pytest

from bench.national import PROGRAMME, commune_codes, national_catalogue
from dashboards.alertmanager import AlertmanagerOptions, owners_by_province, render_alertmanager_config
from dashboards.prometheus.files import rule_files, rule_groups
from dashboards.prometheus.model import AlertName, AlertRule, RuleOptions
from indicators.catalogue import Catalogue, load_catalogue
from indicators.commune_level import aggregated_regions, provinces_counted, regions_on_their_own
from tests.conftest import REPO

FIXTURE = REPO / "tests" / "fixtures" / "communes"
RULES = FIXTURE / "rules" / "xa-2025.yml"
UNIT_TESTS = FIXTURE / "xa-2025.test.yml"
COMMUNE_ALERTS = {AlertName.communes_off_track, AlertName.communes_report_overdue}


def fixture_catalogue() -> Catalogue:
    return load_catalogue(FIXTURE / "catalogue")


def generated_rules(options: RuleOptions | None = None) -> str:
    return rule_files(fixture_catalogue(), options or RuleOptions())["xa-2025.yml"]


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=300)


def test_the_small_catalogue_generates_the_committed_rules() -> None:
    assert RULES.read_text(encoding="utf-8") == generated_rules(), "regenerate: python -m tests.test_commune_rules"


def test_promtool_checks_and_unit_tests_the_commune_rules() -> None:
    checked = run("promtool", "check", "rules", str(RULES))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS: 16 rules found" in checked.stdout
    tested = run("promtool", "test", "rules", str(UNIT_TESTS))
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "SUCCESS" in tested.stdout


def test_the_threshold_is_an_option_and_the_unit_tests_see_it(tmp_path: Path) -> None:
    """At 35 % the province's 3 of 10 communes off track no longer alert: the unit test at the threshold fails."""
    text = generated_rules(RuleOptions(communes_off_track_share=0.35, communes_report_overdue_share=0.5))
    assert '{indicator="xa-2025.clean_water",status="off_track"} >= 0.35' in text
    assert "ngưỡng cảnh báo 35% số xã" in text and "ngưỡng cảnh báo 50% số xã" in text
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "xa-2025.yml").write_text(text, encoding="utf-8")
    shutil.copy(UNIT_TESTS, tmp_path / UNIT_TESTS.name)
    result = run("promtool", "test", "rules", str(tmp_path / UNIT_TESTS.name))
    assert result.returncode != 0
    assert "alertname: ChiTieuNhieuXaChamTienDo" in result.stdout + result.stderr
    with pytest.raises(ValueError):
        RuleOptions(communes_off_track_share=0)


def test_commune_alerts_take_the_province_from_the_series_and_are_routed_there(tmp_path: Path) -> None:
    catalogue = fixture_catalogue()
    alerts = [rule for group in rule_groups(catalogue, RuleOptions()) for rule in group.rules]
    commune = [rule for rule in alerts if rule.alert in COMMUNE_ALERTS]
    assert len(commune) == 4  # two indicators, two alerts each
    for rule in commune:
        assert "province" not in rule.labels and rule.labels["level"] == "commune"
        assert set(rule.series_provinces) <= {"tinh_mau", "tinh_ben"}
    assert owners_by_province(catalogue) == {
        "tinh_ben": ["tinh_mau.so_nong_nghiep"],
        "tinh_mau": ["tinh_mau.so_nong_nghiep"],
    }
    config = tmp_path / "alertmanager.yml"
    config.write_text(render_alertmanager_config(catalogue, AlertmanagerOptions()), encoding="utf-8")
    assert run("amtool", "check-config", str(config)).returncode == 0
    for labels, receiver in [
        (["province=tinh_ben", "owner=tinh_mau.so_nong_nghiep", "level=commune"], "co-quan-tinh_mau.so_nong_nghiep"),
        (["province=tinh_ben", "alertname=ChiTieuNhieuXaQuaHanBaoCao", "level=commune"], "tinh-tinh_ben"),
        (["province=tinh_mau", "alertname=ChiTieuNhieuXaQuaHanBaoCao"], "tinh-tinh_mau"),
    ]:
        routed = run("amtool", "config", "routes", "test", f"--config.file={config}", *labels)
        assert routed.stdout.strip() == receiver, (labels, routed.stdout + routed.stderr)


def test_the_communes_and_districts_are_counted_under_their_province() -> None:
    """One rule (indicators.commune_level) for what /metrics exports as counts and what the rules read as counts."""
    catalogue = fixture_catalogue()
    counted = aggregated_regions(catalogue)
    assert sorted(set(counted.values())) == ["tinh_ben", "tinh_mau"] and len(counted) == 14


def test_a_commune_alert_may_not_set_the_province_the_series_carries() -> None:
    labels = {"programme": "p", "severity": "warning"}
    fields = {
        "alert": AlertName.communes_off_track,
        "expr": "x >= 0.3",
        "for": "15m",
        "labels": labels,
        "annotations": dict.fromkeys(["summary", "description", "description_en", "dashboard_url", "runbook_url"], "x"),
    }
    with pytest.raises(ValueError, match="routing labels missing: province"):
        AlertRule.model_validate(fields)
    AlertRule.model_validate(fields | {"series_provinces": ("a",)})
    with pytest.raises(ValueError, match="would replace the series' own"):
        AlertRule.model_validate(fields | {"series_provinces": ("a",), "labels": labels | {"province": "a"}})


def test_the_bundled_catalogue_has_no_commune_rules() -> None:
    """No bundled indicator is judged in communes: deploy/ is what it was (tests/test_rules.py compares the files)."""
    catalogue = load_catalogue(REPO / "indicators" / "catalogue")
    assert aggregated_regions(catalogue) == {}
    groups = rule_groups(catalogue, RuleOptions())
    assert all(not group.records for group in groups)
    assert all(rule.alert not in COMMUNE_ALERTS and "level" not in rule.labels for g in groups for rule in g.rules)


def test_a_national_catalogue_gets_rules_per_indicator_never_per_commune(tmp_path: Path) -> None:
    """34 provinces x 3,321 communes x 100 indicators: 3 records and 3 alerts per indicator (600), whatever the
    number of communes; no commune's code in the rules; promtool accepts them. (Before issue 16 such a catalogue got
    a ChiTieuMatSoLieu per commune and indicator, 332,100 rules on series /metrics no longer exports.)"""
    base = load_catalogue(REPO / "indicators" / "catalogue")
    catalogue = national_catalogue(base, provinces=34, communes=3321, indicators=100)
    (group,) = (group for group in rule_groups(catalogue, RuleOptions()) if group.name == f"chitieu-{PROGRAMME}")
    national = [indicator for indicator in catalogue.indicators.values() if indicator.programme == PROGRAMME]
    counted = aggregated_regions(catalogue)
    assert len(counted) == 3321
    assert all(not regions_on_their_own(catalogue, indicator, counted) for indicator in national)
    assert all(len(provinces_counted(catalogue, indicator, counted)) == 34 for indicator in national)
    assert len(group.records) == 3 * len(national) == 300
    assert len(group.rules) == 3 * len(national)
    assert {rule.alert for rule in group.rules} == COMMUNE_ALERTS | {AlertName.absent}
    assert {province for rule in group.rules for province in rule.series_provinces} == {
        f"p{number:02d}" for number in range(1, 35)
    }
    # The same rules for a tenth of the communes: they grow with indicators and provinces, not with communes.
    fewer = national_catalogue(base, provinces=34, communes=340, indicators=100)
    assert [g for g in rule_groups(fewer, RuleOptions()) if g.name == group.name] == [group]
    text = rule_files(catalogue, RuleOptions())[f"{PROGRAMME}.yml"]
    # About 19 KB per indicator, most of it the 34 provinces' names in the annotations (Vietnamese and English).
    assert len(text.encode()) < 2_500_000
    assert not any(commune in text for commune in commune_codes(34, 3321))
    path = tmp_path / f"{PROGRAMME}.yml"
    path.write_text(text, encoding="utf-8")
    checked = run("promtool", "check", "rules", str(path))
    assert checked.returncode == 0, checked.stdout[-2000:] + checked.stderr[-2000:]
    assert "SUCCESS: 600 rules found" in checked.stdout


if __name__ == "__main__":
    RULES.parent.mkdir(parents=True, exist_ok=True)
    RULES.write_text(generated_rules(), encoding="utf-8")
    print(f"wrote {RULES}")
