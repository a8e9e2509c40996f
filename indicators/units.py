"""The controlled list of units an indicator may use.

`base` is the Prometheus-style base unit name used in metric names and dashboards; `bounded` units hold values
between 0 and 100; `counts` cannot be negative.
"""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Unit:
    code: str
    symbol_vi: str
    name_en: str
    grafana: str  # Grafana's unit id: a standard one, "locale" (the reader's separators) for counts, else a suffix
    bounded: bool = False
    counts: bool = False
    may_be_negative: bool = False

    @property
    def decimals(self) -> int:
        """The most decimals a value is shown with (reports, dashboards): counts are whole."""
        return 0 if self.counts else 2


UNITS: dict[str, Unit] = {
    unit.code: unit
    for unit in [
        Unit("percent", "%", "percent", "percent", bounded=True),
        Unit("percent_change", "%", "percent change on the previous year", "percent", may_be_negative=True),
        Unit("percentage_points", "điểm %", "percentage points", "suffix: điểm %", may_be_negative=True),
        Unit("billion_vnd", "tỷ đồng", "billion VND", "suffix: tỷ đồng"),
        Unit("million_vnd", "triệu đồng", "million VND", "suffix: triệu đồng"),
        Unit("usd", "USD", "US dollars", "currencyUSD"),
        Unit("million_usd", "triệu USD", "million US dollars", "suffix: triệu USD"),
        Unit("per_10000_people", "/vạn dân", "per 10,000 people", "suffix: /vạn dân"),
        Unit("times", "lần", "multiple of a base value", "suffix: lần"),
        Unit("megawatts", "MW", "megawatts", "megwatt"),
        Unit("hectares", "ha", "hectares", "suffix: ha"),
        Unit("kilometres", "km", "kilometres", "lengthkm"),
        Unit("square_kilometres", "km²", "square kilometres", "suffix: km²"),
        Unit("lanes", "làn xe", "traffic lanes", "locale", counts=True),
        Unit("roads", "tuyến", "roads (routes)", "locale", counts=True),
        Unit("kilovolts", "kV", "kilovolts", "kvolt"),
        Unit("rank", "hạng", "rank among the provinces (1 = first)", "locale", counts=True),
        Unit("million_visitors", "triệu lượt khách", "million visitors", "suffix: triệu lượt khách"),
        Unit("communes", "xã", "communes", "locale", counts=True),
        Unit("districts", "huyện", "districts", "locale", counts=True),
        Unit("party_members", "đảng viên", "party members", "locale", counts=True),
        Unit("cooperatives", "hợp tác xã", "cooperatives", "locale", counts=True),
        Unit("enterprises", "doanh nghiệp", "enterprises", "locale", counts=True),
        Unit("people", "người", "people", "locale", counts=True),
        Unit("households", "hộ", "households", "locale", counts=True),
        Unit("schools", "trường", "schools", "locale", counts=True),
        Unit("projects", "dự án", "projects", "locale", counts=True),
        Unit("products", "sản phẩm", "products", "locale", counts=True),
        Unit("tonnes", "tấn", "tonnes", "masst"),
        Unit("items", "đơn vị", "items counted (the noun is in the indicator's name)", "locale", counts=True),
        Unit("doctors_per_10000", "bác sĩ/vạn dân", "doctors per 10,000 people", "suffix: bác sĩ/vạn dân"),
        Unit("beds_per_10000", "giường bệnh/vạn dân", "hospital beds per 10,000 people", "suffix: giường bệnh/vạn dân"),
    ]
}
